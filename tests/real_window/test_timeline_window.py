"""The timeline in a real window: the real pointer over a batch shows its tooltip, real keys play, pace and
jump the playhead with the view following, the real wheel zooms along x only, and the counter never
widens the window."""

from __future__ import annotations

import subprocess

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtWidgets import QToolTip

from gui.resources import presets, traps

FLOOR_TRAP = next(trap for trap in traps() if trap.key == "floor_ceil_mismatch")
IMAGENET = next(scenario for name, _words, scenario in presets() if name.startswith("ImageNet"))


def at(timeline, x: float, y: float) -> QPoint:
    """The plot's point (x, y) in the viewport's pixels."""
    return timeline.plot.mapFromScene(timeline.view_box.mapViewToScene(QPointF(x, y)))


def test_the_pointer_over_a_floor_trap_batch_shows_its_tooltip(real_window, move_pointer, qtbot):
    # The floor trap's epoch 2 is one 4-sample batch: the real pointer on it shows a visible tooltip saying so.
    window = real_window()
    window.open_trap(FLOOR_TRAP)
    timeline = window.timeline
    qtbot.wait(50)
    x, width, top, height = timeline.layout_model.batch_box(1, "train", 0)
    move_pointer(timeline.plot.viewport(), at(timeline, x + width / 2, top + height / 2))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    assert QToolTip.text().startswith("Epoch 2, training step 1 of 1\n4 samples: 96 to 99"), QToolTip.text()
    assert window.statusBar().currentMessage().startswith("Epoch 2, training step 1"), window.statusBar().currentMessage()
    # Over the empty space right of the short batch: no tooltip.
    move_pointer(timeline.plot.viewport(), at(timeline, 90.0, top + height / 2))
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=3000)


def test_space_plays_the_floor_trap_at_a_watchable_pace_and_brackets_change_it(real_window, click, press_keys, qtbot):
    # Space: the playhead moves half a second a batch (not all 7 batches in 0.2 s); ] makes it faster, Space stops it.
    window = real_window()
    window.open_trap(FLOOR_TRAP)
    timeline = window.timeline
    click(timeline.plot.viewport(), at(timeline, 90.0, 2.9))  # empty space: the click only gives the timeline the keys
    press_keys("space")
    assert timeline.playing and timeline.play_timer.interval() == 500
    qtbot.waitUntil(lambda: timeline.position is not None and timeline.position[2] >= 1, timeout=3000)
    qtbot.wait(300)
    assert timeline.playing, "the 7-batch trap was over in under a second"
    press_keys("bracketright")
    assert timeline.speed == 2.0 and timeline.play_timer.interval() == 250
    press_keys("space")
    assert not timeline.playing


def test_end_on_imagenet_jumps_to_epoch_90_and_the_view_follows(real_window, click, press_keys, qtbot):
    # End on the ImageNet preset: the playhead is on epoch 90's last batch and the view has panned there, same zoom.
    window = real_window()
    window.form.set_scenario(IMAGENET)
    timeline = window.timeline
    click(timeline.plot.viewport(), timeline.plot.viewport().rect().center())
    (_x0, _x1), (y0, y1) = timeline.view_box.viewRange()
    press_keys("End")
    assert timeline.position is not None and timeline.position[0] == 89, timeline.position
    x, width, top, height = timeline.layout_model.batch_box(*timeline.position)
    (a0, a1), (b0, b1) = timeline.view_box.viewRange()
    assert a0 <= x and x + width <= a1, ((a0, a1), x)
    assert b0 <= top and top + height <= b1, ((b0, b1), top)
    assert abs((b1 - b0) - (y1 - y0)) < 0.01 * (y1 - y0)
    qtbot.wait(50)
    assert "Epoch 90" in [words for _y, words in timeline.row_labels]
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry()), "the long counter text widened the window off the screen"


def test_the_real_wheel_zooms_along_x_only(real_window, move_pointer, qtbot):
    # Wheel up over the plot (X button 4, which Qt turns into wheel events) zooms in along x; the rows keep their height.
    window = real_window()
    window.form.set_scenario(IMAGENET)
    timeline = window.timeline
    move_pointer(timeline.plot.viewport(), timeline.plot.viewport().rect().center())
    (x0, x1), (y0, y1) = timeline.view_box.viewRange()
    wheeling = subprocess.Popen(["xdotool", "click", "--repeat", "3", "4"])
    try:
        qtbot.waitUntil(lambda: wheeling.poll() is not None, timeout=10_000)
    finally:
        if wheeling.poll() is None:
            wheeling.kill()
        wheeling.wait()
    qtbot.waitUntil(lambda: width_of(timeline) < 0.9 * (x1 - x0), timeout=3000)
    (_a0, _a1), (b0, b1) = timeline.view_box.viewRange()
    assert abs(b0 - y0) < 1e-6 and abs(b1 - y1) < 1e-6


def test_real_plus_minus_and_zero_keys_zoom_after_a_click_on_the_plot(real_window, click, press_keys, qtbot):
    # A click on the plot gives its view box the keys; pyqtgraph's own +/- (a zoom history, empty here)
    # must not swallow them: = zooms in along x, - zooms back out, 0 fits the whole plan again.
    window = real_window()
    window.form.set_scenario(IMAGENET)
    timeline = window.timeline
    click(timeline.plot.viewport(), timeline.plot.viewport().rect().center())
    whole = width_of(timeline)
    press_keys("equal")
    qtbot.waitUntil(lambda: width_of(timeline) < 0.6 * whole, timeout=3000)
    press_keys("minus")
    qtbot.waitUntil(lambda: abs(width_of(timeline) - whole) < 0.01 * whole, timeout=3000)
    press_keys("equal", "equal", "0")
    qtbot.waitUntil(lambda: abs(width_of(timeline) - whole) < 0.01 * whole, timeout=3000)


def width_of(timeline) -> float:
    (x0, x1), _ = timeline.view_box.viewRange()
    return x1 - x0


def test_the_pointer_over_a_batch_split_across_devices_names_each_devices_share(real_window, move_pointer, qtbot):
    # 169 samples in global batches of 64 over 4 devices: the real pointer on the third batch (41 samples) shows
    # its tooltip with each device's share, and the status bar says the same.
    from core import scenario_from_dict

    window = real_window()
    window.form.set_scenario(
        scenario_from_dict(
            {"replicas": 4, "train": {"samples": 169, "batch_size": 64, "shuffle": False}, "epochs": 2, "steps_per_epoch": 3}
        )
    )
    timeline = window.timeline
    qtbot.wait(50)
    x, width, top, height = timeline.layout_model.batch_box(0, "train", 2)
    move_pointer(timeline.plot.viewport(), at(timeline, x + width / 2, top + height / 2))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    assert "devices 1-3 get 11 samples each, device 4 gets 8" in QToolTip.text().splitlines(), QToolTip.text()
    assert "devices 1-3 get 11 samples each, device 4 gets 8" in window.statusBar().currentMessage()
