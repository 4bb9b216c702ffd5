"""The tf.data pipeline editor in a real window (Xvfb + openbox): steps added from the real Add step
menu with real keys, moved with Alt+Up / Alt+Down or dragged with the real pointer, removed with
Alt+Delete, Tab through the steps, and Ctrl+Z / Ctrl+Shift+Z walking back over those edits (issue 11)."""

from __future__ import annotations

import subprocess

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMenu

from gui.pipeline_editor import OP_WORDS

STEPS = {
    "train": {"samples": 1000, "source": "dataset", "shuffle": False, "pipeline": [{"op": "batch", "size": 32}]},
    "epochs": 2,
}


def ops(window) -> list[str]:
    return [step.op for step in window.plan.scenario.train.pipeline]


def add_from_the_menu(window, qtbot, press_keys, op: str) -> None:
    """Space on the focused Add step button opens its real menu; real Down presses reach the op, Return adds it."""
    editor = window.form.pipeline
    downs = list(OP_WORDS).index(op) + 1
    seen: list[str] = []

    def choose_in_the_open_menu() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            QTimer.singleShot(20, choose_in_the_open_menu)
            return
        seen.append(menu.title() or "menu")
        # Not press_keys: the open menu runs its own event loop until it closes.
        subprocess.run(["xdotool", "key", "--clearmodifiers", *["Down"] * downs, "Return"], timeout=20, check=True)

    editor.add_button.setFocus()
    QTimer.singleShot(20, choose_in_the_open_menu)
    press_keys("space")
    qtbot.waitUntil(lambda: bool(seen) and QApplication.activePopupWidget() is None, timeout=10000)


def test_real_keys_add_a_step_move_it_with_alt_up_and_ctrl_z_takes_it_back(real_window, press_keys, qtbot, screen_shot, tmp_path):
    # Add step > shuffle with real keys goes after the batch step; Alt+Up puts it first; Ctrl+Z undoes the move, then the add.
    window = real_window(STEPS)
    editor = window.form.pipeline
    window.form_panel.ensureWidgetVisible(editor)
    editor.row(0).arguments["size"].setFocus()  # the batch step is the one the keys act on
    qtbot.waitUntil(lambda: editor.current == 0)
    add_from_the_menu(window, qtbot, press_keys, "shuffle")
    qtbot.waitUntil(lambda: ops(window) == ["batch", "shuffle"], timeout=5000)
    buffer_box = editor.row(1).arguments["buffer_size"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is buffer_box, timeout=5000)
    assert window.isWindowModified()
    press_keys("alt+Up")
    assert ops(window) == ["shuffle", "batch"]
    assert QApplication.focusWidget() is editor.row(0).arguments["buffer_size"]  # the focus went with the step
    screen_shot(tmp_path / "pipeline-editor.png")
    press_keys("ctrl+z")
    assert ops(window) == ["batch", "shuffle"]
    press_keys("ctrl+z")
    assert ops(window) == ["batch"] and not window.isWindowModified()
    press_keys("ctrl+shift+z", "ctrl+shift+z")
    assert ops(window) == ["shuffle", "batch"] and window.isWindowModified()


def test_real_typing_in_a_step_then_alt_down_and_alt_delete(real_window, press_keys, qtbot):
    # Real digits in the batch step's size replan; Alt+Down moves that step below the next; Alt+Delete removes it (red: no batch).
    window = real_window(STEPS)
    editor = window.form.pipeline
    window.form_panel.ensureWidgetVisible(editor)
    size = editor.row(0).arguments["size"]
    size.setFocus()
    press_keys("ctrl+a", "6", "4")
    assert window.plan.scenario.train.pipeline[0].size == 64
    add_from_the_menu(window, qtbot, press_keys, "prefetch")
    qtbot.waitUntil(lambda: ops(window) == ["batch", "prefetch"], timeout=5000)
    editor.row(0).arguments["size"].setFocus()
    qtbot.waitUntil(lambda: editor.current == 0)
    press_keys("alt+Down")
    assert ops(window) == ["prefetch", "batch"] and editor.current == 1
    press_keys("alt+Delete")
    assert "no batch step" in window.form.error_text("train.pipeline")
    assert ops(window) == ["prefetch", "batch"]  # the plan shown is the last good one
    press_keys("ctrl+z")
    assert window.form.error_text("train.pipeline") == "" and ops(window) == ["prefetch", "batch"]


def test_tab_walks_the_steps_in_order_then_reaches_add_step(real_window, press_keys, qtbot):
    # From the source (the steps switch is off: a shuffle has no plain field), Tab visits the shuffle's buffer,
    # its reshuffle box, the batch size, drop short, then Add step.
    shuffle_then_batch = [{"op": "shuffle", "buffer_size": 100}, {"op": "batch", "size": 32}]
    window = real_window({**STEPS, "train": {**STEPS["train"], "pipeline": shuffle_then_batch}})
    editor = window.form.pipeline
    window.form_panel.ensureWidgetVisible(editor)
    window.form.source.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.form.source)
    visited = []
    for _ in range(5):
        press_keys("Tab")
        visited.append(QApplication.focusWidget())
    assert visited == [
        editor.row(0).arguments["buffer_size"],
        editor.row(0).arguments["reshuffle_each_iteration"],
        editor.row(1).arguments["size"],
        editor.row(1).arguments["drop_remainder"],
        editor.add_button,
    ]


def test_a_step_dragged_by_its_name_is_dropped_where_the_pointer_lets_go(real_window, qtbot):
    # The real pointer drags the shuffle step by its name below the prefetch step: shuffle is last; Ctrl+Z would undo it.
    steps = [{"op": "shuffle", "buffer_size": 100}, {"op": "batch", "size": 32}, {"op": "prefetch"}]
    window = real_window({**STEPS, "train": {**STEPS["train"], "pipeline": steps}})
    editor = window.form.pipeline
    window.form_panel.ensureWidgetVisible(editor)
    qtbot.wait(50)
    name = editor.row(0).findChild(QLabel, "op")
    start = name.mapToGlobal(name.rect().center())
    last = editor.row(2)
    end = last.mapToGlobal(QPoint(last.width() // 3, last.height() - 3))
    path = [str(value) for y in range(start.y(), end.y() + 1, 6) for value in ("mousemove", start.x(), y, "sleep", "0.03")]
    script = ["mousemove", str(start.x()), str(start.y()), "mousedown", "1", *path, "mousemove", str(end.x()), str(end.y())]
    # Not the click fixture: the drag runs its own event loop until the button is let go.
    dragging = subprocess.Popen(["xdotool", *script, "sleep", "0.2", "mouseup", "1"])
    while dragging.poll() is None:
        qtbot.wait(10)
    assert dragging.returncode == 0
    qtbot.waitUntil(lambda: ops(window) == ["batch", "prefetch", "shuffle"], timeout=5000)
    assert window.undo_stack.count() == 1 and window.isWindowModified()
