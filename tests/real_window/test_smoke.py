"""A person's first minute in a real window: keys, presentation mode, the pointer over the batches, a look at the screen."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect

from gui.timeline_layout import AXES, TRAIN_HEIGHT, TRAIN_TOP

MNIST = {
    "train": {"samples": 60000, "source": "arrays", "batch_size": 64, "shuffle": False},
    "epochs": 3,
    "validation": {"samples": 10000, "source": "arrays", "batch_size": None},
}


def global_rect(widget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def test_the_window_and_its_status_bar_fit_the_screen(real_window):
    # Opened on a 1280x720 screen, the whole frame and the status bar (errors, hover text) are on it.
    window = real_window(MNIST)
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)
    assert window.frameGeometry().height() > window.geometry().height(), "the window manager drew no title bar"
    assert available.contains(global_rect(window.statusBar())), (global_rect(window.statusBar()), available)
    assert window.isActiveWindow()


def test_ctrl_1_2_3_switch_the_x_axis(real_window, press_keys):
    # Ctrl+1/2/3 pressed on the keyboard switch the timeline's axis, its label and its layout together.
    window = real_window(MNIST)
    window.timeline.plot.setFocus()
    bottom = window.timeline.plot.getAxis("bottom")
    for keys, axis in (("ctrl+1", "steps"), ("ctrl+3", "passes"), ("ctrl+2", "samples"), ("ctrl+1", "steps")):
        press_keys(keys)
        assert window.timeline.axis == axis, keys
        assert bottom.labelText == AXES[axis], keys
        assert window.timeline.layout_model.axis == axis, keys
        assert window.timeline.axis_buttons.checkedButton().objectName() == f"axis:{axis}", keys


def test_f5_enters_and_leaves_presentation_mode(real_window, press_keys):
    # F5 twice: presentation mode (the form folded away), then back to the everyday window.
    window = real_window(MNIST)
    assert window.form_panel.isVisible()
    press_keys("F5")
    assert window.presenting
    assert window.presenting_action.isChecked()
    assert not window.form_panel.isVisible()
    press_keys("F5")
    assert not window.presenting
    assert not window.presenting_action.isChecked()
    assert window.form_panel.isVisible()


def test_moving_the_pointer_across_the_timeline_describes_the_batches(real_window, move_pointer):
    # The pointer swept across the first epoch's training lane: each batch under it is described, and nothing breaks.
    window = real_window(MNIST)
    timeline = window.timeline
    described = []
    timeline.hovered.connect(described.append)
    (x0, x1), _ = timeline.view_box.viewRange()
    middle_of_first_lane = TRAIN_TOP + TRAIN_HEIGHT / 2
    for share in (0.1, 0.3, 0.5, 0.7, 0.9):
        x = x0 + (x1 - x0) * share
        assert timeline.layout_model.describe(x, middle_of_first_lane), f"no batch at x={x}"
        scene_point = timeline.view_box.mapViewToScene(QPointF(x, middle_of_first_lane))
        move_pointer(timeline.plot.viewport(), timeline.plot.mapFromScene(scene_point))
    assert len([words for words in described if words]) >= 5, described
    assert all(words.startswith("Epoch 1, training step") for words in described if words), described


def test_the_screen_shows_the_window(real_window, screen_shot, tmp_path):
    # A screenshot of the X screen is a real picture of the window: many colours, not a blank frame.
    real_window(MNIST)
    image = screen_shot(tmp_path / "screen.png")
    assert (image.width(), image.height()) == (1280, 720)
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) >= 16, f"{len(colours)} colours on the screen"
    assert (tmp_path / "screen.png").stat().st_size > 10_000
