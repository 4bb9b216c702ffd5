"""Every action of every menu, through its real signal, on every kind of scenario.

A standing test (issue 10): the window's menus are walked recursively (Open Recent, Export, Theme,
Traps included), each action is triggered with QAction.trigger() as a click or its shortcut does,
and the test fails on any exception raised in a slot (a sys.excepthook guard, besides pytest-qt's
own capture) and on any Qt warning (pytest-qt, qt_log_level_fail = WARNING). Dialogs never block:
the file dialogs and message boxes answer at once, the glossary is not modal.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from core.scenario import scenario_from_dict
from gui.resources import presets, traps

ENDLESS = {"train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "after_batch"}, "epochs": 3}
REFUSED = {"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 2, "validation": {"split": 0.2}}
SCENARIOS = (
    [pytest.param(("preset", index), id=f"preset-{index + 1}") for index in range(len(presets()))]
    + [pytest.param(("trap", trap.key), id=f"trap-{trap.key}") for trap in traps()]
    + [pytest.param(("data", ENDLESS), id="endless"), pytest.param(("data", REFUSED), id="refused-by-keras")]
)
LAST = ("File", "Quit")  # closes the window: triggered after everything else


class SlotErrors:
    """Collects what any slot raises (PySide hands it to sys.excepthook and carries on)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, kind, value, traceback) -> None:
        self.seen.append(f"{kind.__name__}: {value}")


@pytest.fixture
def slot_errors(monkeypatch) -> SlotErrors:
    errors = SlotErrors()
    monkeypatch.setattr(sys, "excepthook", errors)
    return errors


@pytest.fixture
def dialogs_answer_at_once(monkeypatch, tmp_path):
    """File dialogs pick a file in tmp_path; message boxes answer as a hurried person would."""
    opened = tmp_path / "opened.json"
    asked: list[str] = []

    def save_name(_parent, _caption="", start="", file_filter="", *args, **kwargs):
        suffix = ".json" if "json" in file_filter else "." + file_filter.split("*.")[-1].rstrip(")")
        return str(tmp_path / f"saved-{len(asked)}{suffix}"), file_filter

    def question(_parent, title, *args, **kwargs):
        asked.append(title)
        return QMessageBox.StandardButton.Discard

    def told(_parent, title, *args, **kwargs):
        asked.append(title)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(opened), "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(told))
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda _parent, title, _text: asked.append(title)))
    # Any other modal dialog (export options...) is answered with its defaults as soon as it opens.
    answering = QTimer()
    answering.setInterval(20)

    def answer_modal_dialogs() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            asked.append(dialog.windowTitle())
            dialog.accept()

    answering.timeout.connect(answer_modal_dialogs)
    answering.start()
    yield opened, asked
    answering.stop()


def menu_paths(window) -> list[tuple[str, ...]]:
    """(menu, submenu..., action) for every action, walked recursively, in menu order."""
    found: list[tuple[str, ...]] = []

    def walk(menu, path):
        for action in menu.actions():
            if action.isSeparator():
                continue
            words = name_of(action)
            if action.menu() is not None:
                walk(action.menu(), (*path, words))
            else:
                found.append((*path, words))

    for top in window.menuBar().actions():
        walk(top.menu(), (top.text().replace("&", ""),))
    return found


def find_action(window, path: tuple[str, ...]):
    """The live action at path: menus such as Open Recent are rebuilt, so it is looked up each time."""
    menu = next(top.menu() for top in window.menuBar().actions() if top.text().replace("&", "") == path[0])
    for words in path[1:-1]:
        menu = next(a.menu() for a in menu.actions() if a.menu() is not None and a.text().replace("&", "") == words)
    return next((a for a in menu.actions() if name_of(a) == path[-1]), None)


def name_of(action) -> str:
    """Its object name where its words change (Undo says what it undoes), else its words."""
    return action.objectName() or action.text().replace("&", "")


def make_active(qtbot, shown) -> None:
    """Shortcuts go to the active window: ask the platform to activate it and wait until it is."""
    shown.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shown, timeout=5000)


def open_scenario(window, qtbot, kind, what):
    if kind == "preset":
        shown = window()
        shown.preset_box.setCurrentIndex(what + 1)
        shown.preset_box.activated.emit(what + 1)
        assert shown.plan.scenario == presets()[what][2]
    elif kind == "trap":
        shown = window()
        trap = next(trap for trap in traps() if trap.key == what)
        find_action(shown, ("Traps", trap.name)).trigger()
        assert shown.summary.trap == trap
    else:
        shown = window(what)
        assert shown.plan.scenario == scenario_from_dict(what)
    return shown


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_menu_action_runs_without_an_error_on_every_kind_of_scenario(
    window, qtbot, slot_errors, dialogs_answer_at_once, scenario
):
    # Each action of each menu, triggered through its signal, raises nothing and prints no Qt warning.
    opened, _asked = dialogs_answer_at_once
    kind, what = scenario
    shown = open_scenario(window, qtbot, kind, what)
    shown.ask_before_closing = True  # the "Save changes?" question is part of what runs
    assert shown._save_to(opened)  # what File > Open opens, and one entry of Open Recent
    shown.form.epochs.setText("7")
    shown.form.epochs.textEdited.emit("7")  # one edit: Undo and Redo have something to do
    paths = menu_paths(shown)
    assert ("View", "x axis: passes") in paths and LAST in paths
    assert any(path[:2] == ("File", "Open Recent") for path in paths)
    assert any(path[:2] == ("View", "Theme") for path in paths)
    # The timeline and the loss plot as PNG and SVG, and the loss plot's numbers as CSV.
    assert sum(path[:2] == ("File", "Export") for path in paths) == 5
    for path in paths:
        if path in (LAST, ("Demo", "Run or cancel the demo fit")):
            continue  # the demo loads TensorFlow: its own test below
        action = find_action(shown, path)
        assert action is not None, path
        for _ in range(2 if action.isCheckable() else 1):  # a checkable action both ways
            action.trigger()
            qtbot.wait(1)  # let queued work (timers at 0, deferred layouts) run inside the guard
            assert slot_errors.seen == [], f"{' > '.join(path)} raised {slot_errors.seen}"
        shown.timeline.stop_playing()
    if shown.isFullScreen():
        shown.showNormal()
    find_action(shown, LAST).trigger()
    qtbot.wait(1)
    assert slot_errors.seen == []
    assert not shown.isVisible()  # Quit closed it (the unsaved edit was discarded when asked)


def test_menus_hold_what_the_issue_names(window):
    # The walk reaches every submenu: Open Recent, Export, Theme, Traps (all twenty-one), and Edit's Undo/Redo.
    shown = window()
    paths = menu_paths(shown)
    submenus = {path[:2] for path in paths if len(path) > 2}
    assert {("File", "Export"), ("View", "Theme")} <= submenus
    assert sum(path[0] == "Traps" for path in paths) == len(traps()) == 26
    assert ("Edit", "undo") in paths and ("Edit", "redo") in paths
    assert ("Help", "Glossary: sample, batch, step, epoch, pass...") in paths


@pytest.mark.keras
def test_the_demo_action_starts_and_cancels_cleanly(window, qtbot, slot_errors, require_keras):
    # Demo > Run starts the real fit in its worker; triggered again it cancels, and the worker ends.
    shown = window({"train": {"samples": 40, "source": "dataset", "batch_size": 8}, "epochs": 2})
    action = find_action(shown, ("Demo", "Run or cancel the demo fit"))
    with qtbot.waitSignal(shown.demo.runningChanged, timeout=5000):
        action.trigger()
    assert shown.demo.running
    # While it runs, the demo's tab has half the window's height, its curves a readable area (item 6).
    assert shown.demo.height() >= shown.height() / 2 - shown.summary.tabBar().height() - 10
    assert shown.demo.plot.getViewBox().height() >= 120, shown.demo.plot.getViewBox().height()
    action.trigger()
    qtbot.waitUntil(lambda: not shown.demo.running, timeout=60000)
    assert slot_errors.seen == []


@pytest.mark.parametrize(("key", "axis"), [("1", "steps"), ("2", "samples"), ("3", "passes")])
def test_ctrl_1_2_3_switch_the_x_axis_whole(window, qtbot, slot_errors, key, axis):
    # Issue 10 item 2: Ctrl+1/2/3 raised KeyError: False; now the axis, its label and its button all switch.
    from PySide6.QtCore import Qt

    from gui.timeline import AXES

    shown = window({"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 2})
    make_active(qtbot, shown)
    start = "passes" if axis != "passes" else "steps"
    shown.timeline.set_axis(start)
    qtbot.keyClick(shown, getattr(Qt.Key, f"Key_{key}"), Qt.KeyboardModifier.ControlModifier)
    assert slot_errors.seen == []
    assert shown.timeline.axis == axis
    assert shown.timeline.plot.getAxis("bottom").labelText == AXES[axis]
    assert shown.timeline.axis_buttons.checkedButton().objectName() == f"axis:{axis}"
    find_action(shown, ("View", f"x axis: {start}")).trigger()
    assert slot_errors.seen == [] and shown.timeline.axis == start
