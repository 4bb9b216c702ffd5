"""Classroom features: the trap gallery, exports, the plan-only playhead, presentation mode and themes."""

from __future__ import annotations

import pytest

from gui.resources import traps

TRAPS = traps()
FLOOR_TRAP = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 3,
}


def test_gallery_has_every_trap_the_classroom_needs():
    # The traps teachers asked for, the seeds' two generators included, each flagged by a planner warning.
    keys = {trap.key for trap in TRAPS}
    assert keys >= {
        "floor_ceil_mismatch",
        "too_many_steps",
        "repeat_without_steps",
        "endless_validation",
        "validation_steps_too_many",
        "validation_split_rounding",
        "batch_then_repeat",
        "repeat_then_batch",
        "one_shot_generator",
        "drop_remainder",
        "steps_per_execution_overshoot",
        "infinite_generator",
        "looping_generator",
        "image_data_generator_not_infinite",
        "pydataset_short_batch_anywhere",
        "directory_split_vs_fit_split",
        "filter_unknown_length",
        "shuffle_before_take_skip",
        "assert_cardinality_too_large",
        "initial_epoch_is_not_a_count",
        "gradient_accumulation_epoch_ends",
    }


@pytest.mark.parametrize("trap", TRAPS, ids=[trap.key for trap in TRAPS])
def test_each_trap_opens_its_scenario_and_names_the_planners_warning(window, trap):
    # One click: the trap's scenario is planned, and its explanation quotes the warning the planner gives.
    # A trap whose setup Keras refuses names "error" instead of a warning code: the refusal is what it shows.
    shown = window()
    shown.open_trap(trap)
    assert shown.plan.scenario == trap.scenario
    if trap.warning == "error":
        assert shown.plan.outcome == "error" and shown.plan.error
        said = shown.plan.error
    else:
        said = next(w for w in shown.plan.warnings if w.code == trap.warning).text
    assert shown.summary.trap == trap
    shown_text = shown.summary.text.toPlainText()
    assert shown_text.strip().startswith(f"Trap: {trap.name}")
    assert said in shown_text
    if trap.warning != "error":
        assert f"({trap.warning})" not in shown_text and trap.warning not in shown_text  # no internal codes
    assert shown_text.count(trap.explanation) == 1 and shown_text.count(said) == 1  # the story once


# ---------------------------------------------------------------- the traps' numbers are the planner's


def trap_named(key: str):
    return next(trap for trap in TRAPS if trap.key == key)


def planned_trap(key: str):
    from core import plan

    trap = trap_named(key)
    return trap, plan(trap.scenario)


def sizes_of(segment) -> dict[int, int]:
    """A training segment's batch sizes as a multiset {size: count} (its order may be random)."""
    return {size: count for size, count in segment.largest_first()}


def test_image_data_generator_trap_trains_one_pass_an_epoch():
    # steps_per_epoch=1000 on a flow of 100 images: every epoch the 4 batches of one pass (the 4-image one among
    # them), ran out; the story's 4 and 3 are the plan's.
    trap, result = planned_trap("image_data_generator_not_infinite")
    assert [sizes_of(epoch.train) for epoch in result.epochs] == [{32: 3, 4: 1}] * 3
    assert all(epoch.ran_out for epoch in result.epochs)
    steps = result.epochs[0].train.count
    assert f"ceil(100 / 32) = {steps} batches" in trap.explanation
    assert f"1,000 steps asked for, {steps} trained, in each of the {len(result.epochs)} epochs" in trap.explanation
    assert f"one pass of {steps} steps" in trap.fix


def test_filter_trap_gives_every_other_epoch_no_batch():
    # filter(every 3rd) keeps 10 of 30 samples, 3 batches; steps_per_epoch=3 uses them up exactly, so epochs 2 and 4
    # get no batch and warn, epochs 1 and 3 train 3.
    trap, result = planned_trap("filter_unknown_length")
    assert result.train_length_unknown
    assert [epoch.train.count for epoch in result.epochs] == [3, 0, 3, 0]
    assert [epoch.ran_out for epoch in result.epochs] == [False, True, False, True]
    assert result.epochs[0].train.samples == 10
    assert "10 of 30 samples pass, 3 batches" in trap.explanation
    assert "epoch 2 gets no batch at all" in trap.explanation and "epoch 4 again gets none" in trap.explanation


def test_assert_cardinality_trap_is_refused_and_the_true_count_is_not():
    # Asserting 60 where the filter keeps 50: fit fails with FailedPreconditionError; asserting 50 plans 5 batches.
    from dataclasses import replace

    from core import plan

    trap, result = planned_trap("assert_cardinality_too_large")
    assert result.outcome == "error" and "FailedPreconditionError" in (result.error or "")
    steps = trap.scenario.train.pipeline
    true_count = tuple(replace(step, count=50) if step.op == "assert_cardinality" else step for step in steps)
    honest = plan(replace(trap.scenario, train=replace(trap.scenario.train, pipeline=true_count)))
    assert honest.outcome == "ok" and honest.epochs[0].train.count == 5 and honest.epochs[0].train.samples == 50
    assert "keeps only 50 of the 100 samples" in trap.explanation and "after 5 batches" in trap.explanation
    assert "here 50" in trap.fix


def test_pydataset_trap_draws_a_new_batch_order_every_epoch():
    # 100 samples in 32s: the plan's 4 batches (3 x 32, 1 x 4) in a random order every epoch, as the story says.
    trap, result = planned_trap("pydataset_short_batch_anywhere")
    assert [sizes_of(epoch.train) for epoch in result.epochs] == [{32: 3, 4: 1}] * 3
    assert all(epoch.train_order == "random" for epoch in result.epochs)
    assert f"ceil(100 / 32) = {result.epochs[0].train.count} batches" in trap.explanation


def test_directory_split_trap_validates_2_where_fit_validates_3():
    # 10 files, f=0.25: the loader validates 2 and trains 8; fit's own split of the same 10 validates 3.
    from dataclasses import replace

    from core import plan

    trap, result = planned_trap("directory_split_vs_fit_split")
    assert result.train_samples == 8 and result.epochs[0].val.samples == 2
    by_fit = replace(trap.scenario, train=replace(trap.scenario.train, source="arrays"))
    by_fit = replace(by_fit, validation=replace(trap.scenario.validation, split_by="fit"))
    assert plan(by_fit).epochs[0].val.samples == 3
    assert "int(0.25 x 10) = 2 of 10 files" in trap.explanation and "10 - floor(10 x 0.75) = 3" in trap.explanation


def test_initial_epoch_trap_trains_epochs_4_and_5():
    # epochs=5, initial_epoch=3: two epochs, numbered 4 and 5.
    trap, result = planned_trap("initial_epoch_is_not_a_count")
    assert [epoch.number for epoch in result.epochs] == [4, 5]
    assert "trains 2 epochs, numbered 4 and 5" in trap.explanation


def test_gradient_accumulation_trap_updates_across_epoch_ends():
    # G=3 on 4 batches an epoch: updates after fit's batches 3, 6, 9 and 12; the one after batch 6 is epoch 2's 2nd.
    trap, result = planned_trap("gradient_accumulation_epoch_ends")
    assert [epoch.updates for epoch in result.epochs] == [1, 1, 2] and result.weight_updates == 4
    assert [list(epoch.update_steps()) for epoch in result.epochs] == [[2], [1], [0, 3]]
    assert "once in epoch 1, once in epoch 2, twice in epoch 3, 4 updates in all" in trap.explanation


def test_shuffle_before_take_skip_trap_keeps_its_counts():
    # The leak changes which samples, never how many: 25 training batches and 7 validation batches every epoch.
    trap, result = planned_trap("shuffle_before_take_skip")
    assert {epoch.train.count for epoch in result.epochs} == {25} and result.epochs[0].train.runs() == [[32, 25]]
    assert all(epoch.val is not None and epoch.val.runs() == [[32, 6], [8, 1]] for epoch in result.epochs)
    assert "(25 training batches, 7 validation batches)" in trap.explanation


def test_the_new_input_presets_say_what_the_planner_plans():
    # The presets for a pipeline, a PyDataset and an image folder: their one-line descriptions are the plan's numbers.
    from core import plan
    from gui.resources import presets

    shipped = {name: (description, plan(scenario)) for name, description, scenario in presets()}
    description, result = shipped["tf.data pipeline: shuffle, batch, prefetch"]
    assert result.epochs[0].train.runs() == [[32, 31], [8, 1]]
    assert "32 batches a pass, the last of 8" in description
    description, result = shipped["PyDataset (keras.utils.Sequence)"]
    assert sizes_of(result.epochs[0].train) == {64: 15, 40: 1} and result.epochs[0].train_order == "random"
    assert "16 batches of 64 a pass, the last of 40" in description
    description, result = shipped["Image folder, 80/20 split"]
    assert result.train_samples == 800 and result.epochs[0].train.count == 25 and result.epochs[0].val.samples == 200
    assert "800 files train in 25 batches, 200 validate" in description


def test_editing_away_from_a_trap_clears_its_story(window):
    # The trap's text applies to the trap's scenario only.
    shown = window()
    shown.open_trap(TRAPS[0])
    shown.form.epochs.setText("5")
    shown.form.epochs.textEdited.emit("5")
    assert shown.summary.trap is None
    assert "Trap:" not in shown.summary.text.toPlainText()


@pytest.mark.parametrize("view_name", ["timeline", "loss plot"])
def test_png_export_decodes_at_least_at_the_plots_size(window, tmp_path, view_name):
    # The PNG decodes, at least as large as the plot on screen (tests/test_export.py holds the scales exactly).
    from PySide6.QtGui import QImage

    shown = window(FLOOR_TRAP)
    view = shown.timeline.plot if view_name == "timeline" else shown.demo.plot
    path = tmp_path / "picture.png"
    assert shown.export_to(view, path, view_name)
    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() >= view.width() and image.height() >= view.height()


def test_svg_export_is_real_vector_graphics(window, tmp_path):
    # The SVG parses as XML and holds the blocks as vector paths, not one embedded bitmap.
    import xml.etree.ElementTree as ElementTree

    shown = window(FLOOR_TRAP)
    path = tmp_path / "timeline.svg"
    assert shown.export_to(shown.timeline.plot, path)
    root = ElementTree.parse(path).getroot()
    tags = [element.tag.split("}")[-1] for element in root.iter()]
    assert root.tag.endswith("svg")
    assert tags.count("path") + tags.count("rect") + tags.count("polygon") >= 7  # at least the 7 batches
    assert "image" not in tags


def test_copy_puts_the_timeline_on_the_clipboard(window):
    # Edit > Copy: the timeline as a picture, ready to paste into slides.
    from PySide6.QtGui import QGuiApplication

    shown = window(FLOOR_TRAP)
    shown.copy_picture(shown.timeline.plot)
    copied = QGuiApplication.clipboard().image()
    assert not copied.isNull() and copied.width() >= shown.timeline.plot.width()


def test_playhead_steps_through_the_plan_batch_by_batch(window, qtbot):
    # Floor trap: Home, Right x3 crosses into epoch 2's lone short batch; End is step 7 of 7; Up goes back an epoch.
    from PySide6.QtCore import Qt

    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    timeline.plot.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Home)
    assert timeline.position == (0, "train", 0)
    assert timeline.counter.text() == "Epoch 1, training step 1 of 3: samples 0-31 | training step 1 of 7"
    for _ in range(3):
        qtbot.keyClick(timeline, Qt.Key.Key_Right)
    assert timeline.position == (1, "train", 0)
    assert timeline.counter.text() == "Epoch 2, training step 1 of 1: samples 96-99 | training step 4 of 7"
    assert timeline.playhead.opts["width"] == [4.0]  # the outlined block is the 4-sample batch
    qtbot.keyClick(timeline, Qt.Key.Key_End)
    assert timeline.position == (2, "train", 2)
    assert timeline.counter.text().endswith("training step 7 of 7")
    qtbot.keyClick(timeline, Qt.Key.Key_Left)
    assert timeline.position == (2, "train", 1)
    qtbot.keyClick(timeline, Qt.Key.Key_Up)
    assert timeline.position == (1, "train", 0)
    assert not timeline.step(-1, 10) or timeline.position == (0, "train", 0)


def test_stepping_visits_exactly_the_planned_batches_in_kerass_order(window):
    # From the first batch to the last, one step at a time: the sizes met are the plan's, validation after training.
    data = {
        "train": {"samples": 50, "source": "dataset", "batch_size": 16},
        "epochs": 3,
        "steps_per_epoch": 3,
        "validation": {"samples": 20, "source": "dataset", "batch_size": 8, "freq": 2},
    }
    shown = window(data)
    timeline = shown.timeline
    expected = []
    for number, epoch in enumerate(shown.plan.epochs):
        expected += [(number, "train", size) for size, count in epoch.train.runs() for _ in range(count)]
        if epoch.val is not None:
            expected += [(number, "val", size) for size, count in epoch.val.runs() for _ in range(count)]
    seen = []
    timeline.go_to_start()
    while True:
        epoch, lane, step = timeline.position
        segment = shown.plan.epochs[epoch].train if lane == "train" else shown.plan.epochs[epoch].val
        seen.append((epoch, lane, segment.size(step)))
        if not timeline.step(1):
            break
    assert seen == expected
    assert timeline.counter.text().endswith(f"training step {shown.plan.totals.steps} of {shown.plan.totals.steps}")


def test_space_plays_to_the_end_without_tensorflow(window, qtbot):
    # A plan-only animation: Space plays through the epochs and stops at the last batch.
    from PySide6.QtCore import Qt

    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    timeline.plot.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Space)
    assert timeline.playing
    qtbot.waitUntil(lambda: not timeline.playing, timeout=5000)
    assert timeline.position == (2, "train", 2)


def test_shortcuts_are_standard_and_listed_under_help(window):
    # Standard keys where people expect them, F11 full screen, and Help lists every shortcut.
    shown = window(FLOOR_TRAP)
    listed = dict(shown.shortcuts())
    for keys in ("Ctrl+O", "Ctrl+S", "Ctrl+Shift+S", "Ctrl+C", "Ctrl+Q", "F11", "Ctrl+R", "Space", "Home / End"):
        assert keys in listed, keys
    assert listed["F11"] == "View: Full screen"
    shown.toggle_full_screen()
    assert shown.isFullScreen()
    shown.toggle_full_screen()
    assert not shown.isFullScreen()
