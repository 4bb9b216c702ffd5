"""The compare view in a real window (Xvfb, openbox, Qt on xcb) at 1280x720: opened with a real Ctrl+K,
the real pointer over a batch of each timeline, real keys through its choosers and its list, Escape closes it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtWidgets import QApplication, QToolTip

from tests.real_window.conftest import wait_for_the_frame

FLOOR_TRAP = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 3,
}


def at(timeline, x: float, y: float) -> QPoint:
    """The plot's point (x, y) in the viewport's pixels."""
    return timeline.plot.mapFromScene(timeline.view_box.mapViewToScene(QPointF(x, y)))


def test_ctrl_k_opens_the_compare_view_and_the_pointer_and_keys_work_it(
    real_window, press_keys, move_pointer, click, screen_shot, qtbot, tmp_path
):
    # Ctrl+K from the main window: the compare view, framed on the 1280x720 screen, says where tf.keras 2 parts.
    window = real_window(FLOOR_TRAP)
    press_keys("ctrl+k")
    qtbot.waitUntil(lambda: window.compare_view is not None and window.compare_view.isVisible(), timeout=5000)
    view = window.compare_view
    wait_for_the_frame(qtbot, view)
    available = view.screen().availableGeometry()
    assert view.frameGeometry().width() <= available.width() and view.frameGeometry().height() <= available.height()
    qtbot.waitUntil(view.isActiveWindow, timeout=5000)
    assert view.sentences()[0].startswith("1. Epoch 3: tf.keras 2 stopped training in epoch 2")

    # The real pointer on Keras 3's epoch 3 (top) and on tf.keras 2's short batch in epoch 2 (bottom): their tooltips.
    top, bottom = view.top, view.bottom
    x, width, y, height = top.layout_model.batch_box(2, "train", 0)
    move_pointer(top.plot.viewport(), at(top, x + width / 2, y + height / 2))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    assert QToolTip.text().startswith("Epoch 3, training step 1 of 3"), QToolTip.text()
    assert view.hover_words.text().startswith("Epoch 3, training step 1")
    x, width, y, height = bottom.layout_model.batch_box(1, "train", 0)
    move_pointer(bottom.plot.viewport(), at(bottom, x + width / 2, y + height / 2))
    qtbot.waitUntil(lambda: QToolTip.isVisible() and QToolTip.text().startswith("Epoch 2, training step 1 of 1"), timeout=3000)

    # Keys on the timeline: Shift+Right pans the top (zoomed to samples 0-40) and the bottom follows on one x axis.
    click(top.plot.viewport(), at(top, 90.0, 1.9))  # empty space: the click only gives the timeline the keys
    qtbot.waitUntil(top.plot.hasFocus, timeout=3000)
    top.view_box.setXRange(0, 40, padding=0)
    before = top.view_box.viewRange()[0]
    press_keys("shift+Right")
    after = top.view_box.viewRange()[0]
    assert after[0] > before[0]
    assert bottom.view_box.viewRange()[0] == after

    # Alt+C to the Compare choice, Down: N // B against ceil(N / B); Alt+B is gone with the flavour row, so the list
    # takes Tab; Escape closes the view.
    press_keys("alt+c")
    qtbot.waitUntil(view.mode.hasFocus, timeout=3000)
    press_keys("Down")
    assert view.mode.currentData() == "floor_ceil"
    assert view.sentences()[0].startswith("1. Epochs 1, 2 and 3: N // B = 3 steps (drop_remainder)")
    view.list.setFocus()
    press_keys("Down", "Up")
    assert view.list.currentRow() == 0
    screen_shot(tmp_path / "compare-window.png")
    press_keys("Escape")
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=3000)
    assert QApplication.activeModalWidget() is None
