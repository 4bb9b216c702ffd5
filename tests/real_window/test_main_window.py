"""The main window in a real X session (Xvfb + openbox): the title the window manager shows,
Undo/Redo and "Save changes?" driven by real key presses (issue 10, item 4)."""

from __future__ import annotations

import subprocess

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

MINE = {"train": {"samples": 500, "source": "arrays", "batch_size": 50}, "epochs": 4}


def shown_title(window) -> str:
    """The title as the window manager has it (_NET_WM_NAME, set by Qt with [*] resolved)."""
    said = subprocess.run(
        ["xprop", "-id", str(int(window.winId())), "_NET_WM_NAME"], capture_output=True, text=True, timeout=20
    ).stdout
    return said.split("=", 1)[1].strip().strip('"') if "=" in said else said


def test_typing_shows_a_star_and_ctrl_z_ctrl_shift_z_walk_the_history(real_window, press_keys, qtbot):
    # Real keys in the epochs box: "untitled*" in the title bar; Ctrl+Z takes the edit and the star away; Ctrl+Shift+Z redoes.
    window = real_window(MINE)
    assert shown_title(window) == "untitled - EpochScope"
    window.form.epochs.setFocus()
    press_keys("ctrl+a", "9")
    assert window.plan.scenario.epochs == 9
    qtbot.waitUntil(lambda: shown_title(window) == "untitled* - EpochScope", timeout=5000)
    press_keys("ctrl+z")
    assert window.form.epochs.text() == "4" and window.plan.scenario.epochs == 4
    qtbot.waitUntil(lambda: shown_title(window) == "untitled - EpochScope", timeout=5000)
    press_keys("ctrl+shift+z")
    assert window.form.epochs.text() == "9" and window.isWindowModified()


def test_ctrl_z_after_a_trap_brings_back_what_was_there(real_window, press_keys):
    # A trap from the menu replaces my numbers; a real Ctrl+Z (the timeline focused) puts them back.
    window = real_window(MINE)
    traps_menu = next(a for a in window.menuBar().actions() if a.text() == "&Traps").menu()
    traps_menu.actions()[0].trigger()
    assert window.summary.trap is not None and window.isWindowModified()
    window.timeline.plot.setFocus()
    press_keys("ctrl+z")
    assert window.summary.trap is None and window.plan.scenario.train.samples == 500


def test_closing_unsaved_work_asks_and_escape_keeps_the_window(real_window, press_keys, qtbot):
    # Ctrl+Q with an unsaved edit: the real "Save changes?" box opens; a real Escape cancels and the window stays.
    window = real_window(MINE)
    window.ask_before_closing = True
    window.form.epochs.setFocus()
    press_keys("ctrl+a", "7")
    seen: list[str] = []

    def answer_with_escape() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, answer_with_escape)
            return
        seen.append(f"{box.windowTitle()}: {box.text()}")
        subprocess.run(["xdotool", "key", "--clearmodifiers", "Escape"], timeout=20, check=True)

    QTimer.singleShot(50, answer_with_escape)
    # Not press_keys: the box takes the keyboard before Ctrl+Q's release reaches the window.
    typing = subprocess.Popen(["xdotool", "key", "--clearmodifiers", "ctrl+q"])
    qtbot.waitUntil(lambda: bool(seen) and QApplication.activeModalWidget() is None, timeout=10000)
    assert typing.wait(timeout=20) == 0
    assert seen == ["Save changes?: This scenario has changes that are not saved. Save them first?"]
    assert window.isVisible() and window.plan.scenario.epochs == 7
