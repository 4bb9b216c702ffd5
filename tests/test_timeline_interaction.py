"""The timeline as a person uses it: the pointer over a batch, the playhead's pace and speed, End on a
long plan, the window's width, row labels and axis numbers, an empty plot's reason, a stale plan, the
wheel and panning, and switching the x axis. Offscreen, through real events where Qt offers them."""

from __future__ import annotations

import itertools
import re

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QToolTip

from core import plan, scenario_from_dict
from gui.resources import presets, traps
from gui.timeline import SPEEDS
from gui.timeline_layout import AXES, TimelineLayout, tick_words

FLOOR_TRAP = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 3,
}
IMAGENET = next(scenario for name, _words, scenario in presets() if name.startswith("ImageNet"))


def imagenet_window(window):
    from gui.main_window import MainWindow

    shown = window()
    shown.form.set_scenario(IMAGENET)
    assert isinstance(shown, MainWindow) and len(shown.plan.epochs) == 90
    return shown


def viewport_point(timeline, x: float, y: float) -> QPoint:
    """Where the plot's point (x, y) is, in the viewport's pixels."""
    scene = timeline.view_box.mapViewToScene(QPointF(x, y))
    return timeline.plot.mapFromScene(scene)


def settle(qtbot):
    """Let the deferred relayout run."""
    qtbot.wait(20)
    QApplication.processEvents()


# The offscreen platform cannot raise the tooltip's window above others (a real X server can: see tests/real_window).
OFFSCREEN_TOOLTIP = pytest.mark.qt_log_ignore("This plugin does not support raise")


@OFFSCREEN_TOOLTIP
def test_hovering_a_batch_shows_its_words_in_a_tooltip_at_the_pointer(window, qtbot):
    # The floor trap's lone 4-sample batch: a real mouse move shows a tooltip in plain words and the status bar line.
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    x, width, top, height = timeline.layout_model.batch_box(1, "train", 0)
    where = viewport_point(timeline, x + width / 2, top + height / 2)
    with qtbot.waitSignal(timeline.hovered, timeout=2000) as hovered:
        QTest.mouseMove(timeline.plot.viewport(), where)
    assert hovered.args == ["Epoch 2, training step 1, 4 samples, samples 96-99, pass 1"]
    assert QToolTip.text() == "Epoch 2, training step 1 of 1\n4 samples: 96 to 99\npass 1 through the training data"
    assert QToolTip.isVisible()
    assert shown.statusBar().currentMessage().startswith("Epoch 2, training step 1")
    # Off the batches the tooltip goes away.
    QTest.mouseMove(timeline.plot.viewport(), viewport_point(timeline, 90.0, 1.5))
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=2000)


def test_hover_words_count_one_sample_and_validation(qapp):
    # A batch of 1 sample says "1 sample"; a validation lane says so and which pass of its own data.
    layout = TimelineLayout(
        plan(
            scenario_from_dict(
                {"train": {"samples": 5, "batch_size": 2, "shuffle": False}, "validation": {"samples": 3, "batch_size": 2}}
            )
        ),
        "steps",
    )
    assert layout.hover_lines(2.5, 0.3) == ["Epoch 1, training step 3 of 3", "1 sample: 4", "pass 1 through the training data"]
    assert layout.hover_lines(1.5, 0.75) == [
        "Epoch 1, validation step 2 of 2",
        "1 sample: 2",
        "pass 1 through the validation data",
    ]


def test_the_playhead_is_watchable_on_a_small_plan_and_seconds_an_epoch_on_imagenet(window, qtbot):
    # Floor trap: half a second a batch (3.5 s for its 7 batches); ImageNet: skips batches to take ~4 s an epoch.
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    assert timeline.pace(3) == (500, 1)
    assert timeline.pace(1) == (500, 1)
    ticks, skip = timeline.pace(5005 + 196)
    assert (ticks, skip) == (33, 43)
    assert 3.5 <= (5005 + 196) / skip * ticks / 1000 <= 4.5
    assert timeline.pace(10**12)[0] == 33  # never faster than the screen
    # Played for real: after 1.2 s the playhead is two batches in, not at the end.
    timeline.plot.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Space)
    assert timeline.playing and timeline.play_timer.interval() == 500
    qtbot.wait(1200)
    assert timeline.playing
    assert timeline.position in [(0, "train", 2), (0, "train", 1), (1, "train", 0)]
    qtbot.keyClick(timeline, Qt.Key.Key_Space)
    assert not timeline.playing


def test_the_speed_control_and_its_keys_change_the_pace(window, qtbot):
    # ] twice: 4x (125 ms a batch); [ four times: 0.25x (2 s a batch); the box shows the speed; a running timer follows.
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    timeline.plot.setFocus()
    assert timeline.speed_box.currentText() == "1\u00d7"
    qtbot.keyClick(timeline, Qt.Key.Key_BracketRight)
    qtbot.keyClick(timeline, Qt.Key.Key_BracketRight)
    qtbot.keyClick(timeline, Qt.Key.Key_BracketRight)  # past the fastest: stays there
    assert timeline.speed == 4.0 and timeline.speed_box.currentText() == "4\u00d7"
    assert timeline.pace(3) == (125, 1)
    qtbot.keyClick(timeline, Qt.Key.Key_Space)
    assert timeline.play_timer.interval() == 125
    for _ in range(5):
        qtbot.keyClick(timeline, Qt.Key.Key_BracketLeft)
    assert timeline.speed == SPEEDS[0] == 0.25
    assert timeline.play_timer.interval() == 2000
    timeline.stop_playing()
    timeline.speed_box.setCurrentIndex(3)  # chosen with the mouse
    assert timeline.pace(3) == (250, 1)


def test_end_on_imagenet_moves_the_view_to_the_playhead_without_zooming(window, qtbot):
    # End jumps to epoch 90's last batch: the view pans down to show it, keeping the zoom; Home brings it back.
    shown = imagenet_window(window)
    timeline = shown.timeline
    settle(qtbot)
    (x0, x1), (y0, y1) = timeline.view_box.viewRange()
    assert y1 < 45
    timeline.plot.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_End)
    settle(qtbot)
    assert timeline.position[0] == 89
    x, width, _top, _height = timeline.layout_model.batch_box(*timeline.position)
    (a0, a1), (b0, b1) = timeline.view_box.viewRange()
    assert a0 <= x and x + width <= a1
    assert b0 <= 89 and b1 >= 90
    assert (a1 - a0, b1 - b0) == pytest.approx((x1 - x0, y1 - y0), rel=0.01)
    assert "Epoch 90" in [words for _y, words in timeline.row_labels]
    qtbot.keyClick(timeline, Qt.Key.Key_Home)
    settle(qtbot)
    (_a0, _a1), (c0, c1) = timeline.view_box.viewRange()
    assert c0 <= 0 and c1 >= 1


def test_following_zooms_in_on_a_batch_only_when_needed(window, qtbot):
    # Zoomed in far on epoch 1, Right steps through batches and the view pans along, never wider than it was.
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    timeline.view_box.setRange(xRange=(0, 20), yRange=(-0.1, 1), padding=0)
    timeline.plot.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Home)
    qtbot.keyClick(timeline, Qt.Key.Key_Right)
    (x0, x1), _ = timeline.view_box.viewRange()
    assert x0 <= 32 and x1 >= 64 and x1 - x0 == pytest.approx(32 * 1.2, rel=0.01)  # the 32-sample batch did not fit in 20


def test_the_counter_never_widens_the_window(window, qtbot):
    # The longest counter texts (ImageNet's last batch, a trillion-step plan) leave the window at 1280 and the axis whole.
    shown = imagenet_window(window)
    timeline = shown.timeline
    plot_width = timeline.plot.width()
    timeline.go_to_end()
    settle(qtbot)
    assert len(timeline.counter.text()) > 80
    assert shown.width() == 1280 and shown.minimumSizeHint().width() <= 1280
    assert timeline.plot.width() == plot_width
    assert timeline.counter.shown_text().endswith("\u2026")  # cut with an ellipsis, whole in its tooltip
    assert timeline.counter.toolTip() == timeline.counter.text()
    shown.form.set_scenario(
        scenario_from_dict(
            {
                "train": {"samples": 7, "source": "dataset", "batch_size": 3, "repeat": "after_batch"},
                "steps_per_epoch": 10**12,
                "epochs": 3,
                "validation": {"samples": 10**9, "source": "dataset", "batch_size": 1},
            }
        )
    )
    timeline.go_to_end()
    settle(qtbot)
    assert "training step 3,000,000,000,000 of 3,000,000,000,000" in timeline.counter.text()
    assert shown.width() == 1280 and shown.minimumSizeHint().width() <= 1280
    assert timeline.plot.width() == plot_width


@pytest.mark.parametrize("epochs", [90, 1000, 100_000])
def test_row_labels_never_overlap(window, qtbot, epochs):
    # All the epochs in view: labels at least a line apart, every k-th epoch (k = 1, 2, 5, 10, ...) and only drawn rows.
    shown = window(
        {"train": {"samples": 100, "batch_size": 32}, "epochs": epochs, "validation": {"samples": 40, "batch_size": 32}}
    )
    timeline = shown.timeline
    for rows in (40, epochs):
        timeline.view_box.setRange(yRange=(0, rows), padding=0)
        timeline.relayout()
        pixels = [timeline.view_box.mapViewToScene(QPointF(0, y)).y() for y, _words in timeline.row_labels]
        assert len(pixels) >= 2
        gaps = [b - a for a, b in itertools.pairwise(pixels)]
        assert min(gaps) >= timeline.label_pixels() * 0.99
        numbers = [int(words.split()[1]) for _y, words in timeline.row_labels if words.startswith("Epoch")]
        step = max(numbers) - sorted(numbers)[-2]
        assert str(step)[0] in "125" and set(str(step)[1:]) <= {"0"}
        assert all(number == 1 or number % step == 0 for number in numbers)
        drawn_tops = {
            round(top) for kind in ("full", "full_alt", "short", "grouped") for top in timeline.picture.blocks[kind].arrays()[2]
        }
        assert {number - 1 for number in numbers} <= drawn_tops
        match = re.fullmatch(r"every (\d+)(st|nd|rd|th) epoch drawn; zoom in for all", timeline.note.text())
        if timeline.picture.row_stride > 1:
            assert match and int(match[1]) == timeline.picture.row_stride and match[2] == ("nd" if match[1] == "2" else "th")
        else:
            assert timeline.note.text() == "" and timeline.note.isHidden()


def test_axis_numbers_are_never_in_e_notation(window, qtbot):
    # ImageNet on every axis and zoom, and plans of a trillion steps: ticks read 1,200,000 or 1.5T, never 1e+06.
    assert tick_words([0, 500_000, 1_000_000], 500_000) == ["0", "500,000", "1,000,000"]
    assert tick_words([0, 2.5e7, 5e7], 2.5e7) == ["0", "25M", "50M"]
    assert tick_words([1e12, 1.5e12], 5e11) == ["1.0T", "1.5T"]
    assert tick_words([0, 0.25, 0.5], 0.25) == ["0", "0.25", "0.50"]
    shown = imagenet_window(window)
    timeline = shown.timeline
    axis = timeline.plot.getAxis("bottom")
    seen = []
    for name in AXES:
        timeline.set_axis(name)
        for zoom in (1.0, 1e-3, 1e-6):
            (x0, x1), _ = timeline.view_box.viewRange()
            timeline.view_box.setXRange(x0, x0 + (x1 - x0) * zoom, padding=0)
            (x0, x1), _ = timeline.view_box.viewRange()
            for spacing, values in axis.tickValues(x0, x1, axis.width() or 800):
                seen += axis.tickStrings(values, 1, spacing)
    shown.form.set_scenario(scenario_from_dict({"train": {"samples": 10**12, "source": "dataset", "batch_size": 1}}))
    timeline.set_axis("samples")
    (x0, x1), _ = timeline.view_box.viewRange()
    for spacing, values in axis.tickValues(x0, x1, 800):
        seen += axis.tickStrings(values, 1, spacing)
    assert seen and not [words for words in seen if "e+" in words or "e-" in words]
    assert "1.0T" in seen or "1T" in seen


def test_a_setup_keras_refuses_says_why_on_the_plot(window, qtbot):
    # validation_split with a tf.data source: the plot says Keras refuses it and why; a good plan takes the words away.
    shown = window({"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 2, "validation": {"split": 0.2}})
    timeline = shown.timeline
    assert shown.plan.outcome == "error"
    assert timeline.message.isVisible()
    words = timeline.message.textItem.toPlainText()
    assert words.startswith("Keras refuses this setup: ") and "validation_split" in words
    (x0, x1), (y0, y1) = timeline.view_box.viewRange()
    assert x0 <= timeline.message.pos().x() <= x1 and y0 <= timeline.message.pos().y() <= y1
    shown.form.set_scenario(scenario_from_dict({"train": {"samples": 10, "batch_size": 4}, "epochs": 0}))
    assert timeline.message.textItem.toPlainText() == "Nothing to draw: 0 epochs are planned, so fit() trains nothing."
    shown.form.set_scenario(scenario_from_dict(FLOOR_TRAP))
    assert not timeline.message.isVisible()


def test_a_new_plan_clears_the_old_playhead_outline(window, qtbot):
    # The demo's outline (set_playhead) and the plan-only playhead both go when another scenario is opened.
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    timeline.set_playhead((0, "train", 1))
    assert len(timeline.playhead.opts["x0"]) == 1
    shown.open_trap(traps()[1])
    assert len(timeline.playhead.opts["x0"]) == 0
    timeline.go_to_end()
    assert len(timeline.playhead.opts["x0"]) == 1
    shown.form.set_scenario(scenario_from_dict(FLOOR_TRAP))
    assert len(timeline.playhead.opts["x0"]) == 0 and timeline.position is None and timeline.counter.text() == ""


def test_set_stale_dims_the_plan_and_says_why_until_cleared(window, qtbot):
    # A stale plan: dimmed blocks and a banner naming the field's problem; set_stale(None) or the next plan clears it.
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    assert timeline.stale_banner.isHidden() and timeline.bars["full"].opacity() == 1.0
    timeline.set_stale("the batch size must be at least 1")
    assert timeline.stale_banner.isVisible()
    assert timeline.stale_banner.text().startswith("Not updated: fix the red field (the batch size must be at least 1)")
    assert all(item.opacity() < 0.5 for item in timeline.bars.values())
    assert timeline.stale_banner.sizePolicy().hasHeightForWidth()  # a long reason wraps instead of being cut
    timeline.set_stale(None)
    assert timeline.stale_banner.isHidden() and timeline.bars["full"].opacity() == 1.0
    timeline.set_stale("anything")
    shown.form.set_scenario(scenario_from_dict(FLOOR_TRAP))
    assert timeline.stale_banner.isHidden() and timeline.bars["short"].opacity() == 1.0
    timeline.set_stale("")
    assert timeline.stale_banner.isHidden()


def test_an_invalid_field_marks_the_plan_stale_and_fixing_it_clears(window, qtbot):
    # Typing a bad batch size into the form marks the shown plan stale; a good one clears it.
    shown = window(FLOOR_TRAP)
    edit = shown.form.findChild(QLineEdit, "train.batch_size")
    edit.selectAll()
    qtbot.keyClicks(edit, "0")
    assert shown.timeline.stale_reason
    assert shown.timeline.stale_banner.isVisible()
    edit.selectAll()
    qtbot.keyClicks(edit, "16")
    assert shown.timeline.stale_reason is None and shown.timeline.stale_banner.isHidden()


def wheel(timeline, where: QPoint, clicks: int) -> None:
    viewport = timeline.plot.viewport()
    event = QWheelEvent(
        QPointF(where),
        QPointF(viewport.mapToGlobal(where)),
        QPoint(0, 0),
        QPoint(0, 120 * clicks),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, event)


def test_the_wheel_zooms_along_x_only(window, qtbot):
    # Wheel forward zooms in along x; the rows keep their height; wheel back cannot zoom out past the plan.
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    (x0, x1), (y0, y1) = timeline.view_box.viewRange()
    wheel(timeline, viewport_point(timeline, 48, 0.4), 3)
    (a0, a1), (b0, b1) = timeline.view_box.viewRange()
    assert a1 - a0 < 0.8 * (x1 - x0)
    assert (b0, b1) == pytest.approx((y0, y1))
    for _ in range(20):
        wheel(timeline, viewport_point(timeline, 48, 0.4), -3)
    (c0, c1), (d0, d1) = timeline.view_box.viewRange()
    assert (d0, d1) == pytest.approx((y0, y1))
    assert c0 >= -0.05 * 96 - 1e-6 and c1 <= 96 * 1.05 + 1e-6


@OFFSCREEN_TOOLTIP
def test_panning_stays_within_the_plan(window, qtbot):
    # A drag or Shift+arrows far past the plan's edge stops at the plan plus a small margin, both ways and in y.
    shown = imagenet_window(window)
    timeline = shown.timeline
    left, right = timeline.layout_model.plan_extent()
    margin = 0.05 * (right - left)
    timeline.view_box.scaleBy((0.1, 1.0))
    timeline.plot.setFocus()
    for _ in range(60):
        qtbot.keyClick(timeline, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        qtbot.keyClick(timeline, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    (x0, x1), (y0, y1) = timeline.view_box.viewRange()
    assert x1 <= right + margin + 1e-6 and x1 > right
    assert y1 <= 90.5 + 1e-6
    timeline.view_box.translateBy(x=-1e12, y=-1e6)
    (x0, x1), (y0, y1) = timeline.view_box.viewRange()
    assert x0 >= left - margin - 1e-6 and y0 >= -0.5 - 1e-6
    # A real drag with the left button, far to the right, pans only as far as the plan's start.
    viewport = timeline.plot.viewport()
    start = QPoint(viewport.width() // 2, viewport.height() // 2)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for step in range(1, 11):
        QTest.mouseMove(viewport, start + QPoint(40 * step, 0))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(400, 0))
    (x0, _x1), _ = timeline.view_box.viewRange()
    assert x0 >= left - margin - 1e-6


def test_set_axis_refuses_an_unknown_axis_and_changes_nothing(window):
    # set_axis(False) (what a QAction's checked flag used to pass) is a ValueError naming the axes; the view is untouched.
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    timeline.set_axis("steps")
    before = (timeline.axis, timeline.plot.getAxis("bottom").labelText, timeline.layout_model.axis)
    for wrong in (False, "pass", None):
        with pytest.raises(ValueError, match="the x axis can be steps, samples, passes"):
            timeline.set_axis(wrong)
    assert (timeline.axis, timeline.plot.getAxis("bottom").labelText, timeline.layout_model.axis) == before


def test_view_menu_axis_actions_switch_label_data_and_lanes_together(window):
    # The View menu's x axis actions, triggered as a person does: each gives its own label, button and drawn data.
    shown = window(
        {"train": {"samples": 60000, "batch_size": 6000}, "epochs": 2, "validation": {"samples": 10000, "batch_size": 5000}}
    )
    timeline = shown.timeline
    actions = {action.text(): action for action in shown.findChildren(type(shown.menuBar().actions()[0]))}
    for name in ("steps", "samples", "passes"):
        action = next(action for text, action in actions.items() if text.replace("&", "") == f"x axis: {name}")
        action.trigger()
        assert timeline.axis == timeline.layout_model.axis == name
        assert timeline.plot.getAxis("bottom").labelText == AXES[name]
        assert timeline.axis_buttons.checkedButton().objectName() == f"axis:{name}"
        train = timeline.layout_model.lane_span(0, "train")
        val = timeline.layout_model.lane_span(0, "val")
        expected = {"steps": 2 / 10, "samples": 10000 / 60000, "passes": 10000 / 60000}[name]
        assert (val[1] - val[0]) / (train[1] - train[0]) == pytest.approx(expected)


def every_scenario():
    yield from ((f"preset {name}", scenario) for name, _words, scenario in presets())
    yield from ((f"trap {trap.key}", trap.scenario) for trap in traps())


@pytest.mark.parametrize("axis", list(AXES))
def test_every_preset_and_trap_draws_consistent_lanes_on_every_axis(window, axis):
    # The label names the axis drawn; a validation lane is as long, against its epoch, as its samples (or steps) say.
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    timeline.set_axis(axis)
    for name, scenario in every_scenario():
        shown.form.set_scenario(scenario)
        model = timeline.layout_model
        assert timeline.plot.getAxis("bottom").labelText == AXES[timeline.shown_axis], name
        assert timeline.axis_buttons.checkedButton().objectName() == f"axis:{timeline.shown_axis}", name
        assert timeline.shown_axis == axis or (axis == "passes" and not shown.plan.train_samples), name
        for epoch in range(min(3, len(shown.plan.epochs))):
            planned = shown.plan.epochs[epoch]
            train, val = model.lane_span(epoch, "train"), model.lane_span(epoch, "val")
            if planned.val is None or val is None or train is None or not planned.train.count or not planned.val.count:
                continue
            if timeline.shown_axis == "steps":
                expected = planned.val.count / planned.train.count
            else:
                expected = planned.val.samples / planned.train.samples
            assert (val[1] - val[0]) / (train[1] - train[0]) == pytest.approx(expected), name
        # What is drawn is that lane: the first epoch's validation blocks cover exactly its span.
        planned = shown.plan.epochs[0] if len(shown.plan.epochs) else None
        if planned is not None and planned.val is not None and planned.val.count:
            lefts, rights = [], []
            for kind in ("val", "val_alt", "val_short", "val_grouped"):
                x, width, y, _height = timeline.picture.blocks[kind].arrays()
                lefts += list(x[y < 1])
                rights += list((x + width)[y < 1])
            left, right = model.lane_span(0, "val")
            assert (min(lefts), max(rights)) == pytest.approx((left, right), rel=1e-6, abs=1e-9), name


def test_passes_on_data_of_unknown_length_shows_samples_and_says_so(window, qtbot):
    # Ctrl+3 (passes) on a stream of unknown length: the label, button and blocks all say samples, and a note says why.
    shown = window({"train": {"samples": 100, "batch_size": 10}, "epochs": 2})
    timeline = shown.timeline
    timeline.set_axis("passes")
    stream = next(scenario for name, _words, scenario in presets() if name.startswith("Sensor stream"))
    shown.form.set_scenario(stream)
    assert timeline.axis == "passes" and timeline.shown_axis == timeline.layout_model.axis == "samples"
    assert timeline.plot.getAxis("bottom").labelText == AXES["samples"]
    assert timeline.axis_buttons.checkedButton().objectName() == "axis:samples"
    assert not timeline.axis_buttons.button(2).isEnabled()
    assert timeline.note.text() == "data of unknown length has no passes: x shows samples"
    shown.form.set_scenario(scenario_from_dict({"train": {"samples": 100, "batch_size": 10}, "epochs": 2}))
    assert timeline.shown_axis == "passes" and timeline.plot.getAxis("bottom").labelText == AXES["passes"]
    assert timeline.note.isHidden()


def test_down_jumps_an_imagenet_epoch_at_once_and_counts_the_steps(window, qtbot):
    # Down from the first batch lands on epoch 2's first batch (training step 5,006); Up comes back to step 1.
    shown = imagenet_window(window)
    timeline = shown.timeline
    timeline.plot.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Home)
    qtbot.keyClick(timeline, Qt.Key.Key_Down)
    assert timeline.position == (1, "train", 0)
    assert timeline.counter.text().endswith("| training step 5,006 of 450,450")
    qtbot.keyClick(timeline, Qt.Key.Key_End)
    qtbot.keyClick(timeline, Qt.Key.Key_Up)
    assert timeline.position == (88, "train", 0)
    assert timeline.counter.text().endswith(f"| training step {88 * 5005 + 1:,} of 450,450")
    qtbot.keyClick(timeline, Qt.Key.Key_Home)
    qtbot.keyClick(timeline, Qt.Key.Key_Up)
    assert timeline.position == (0, "train", 0)
    assert timeline.counter.text().endswith("| training step 1 of 450,450")
