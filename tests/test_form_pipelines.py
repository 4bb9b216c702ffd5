"""Issue 11, the form: the new sources, the tf.data pipeline editor, who splits the validation data,
validation_freq lists, initial_epoch and gradient accumulation, used as a person uses them (clicks on
the real buttons and menus, key presses, the widgets' own signals), through the window's undo stack."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QToolButton

from core.scenario import PIPELINE_OPS, PipelineStep, scenario_from_dict
from gui.form import SOURCES, WHY_FLOW_NO_DROP, WHY_NO_VALIDATION, WHY_SPLIT_BY, WHY_SPLIT_DIRECTORY
from gui.pipeline_editor import OP_ARGUMENTS, OP_WORDS, READY_PIPELINES
from gui.resources import presets, traps
from tests.test_window_actions import make_active

DATASET = {"train": {"samples": 1000, "source": "dataset", "batch_size": 32, "shuffle": False}, "epochs": 2}
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
# Every new key at least once: what set_scenario shows, the form must give back unchanged.
EVERY_NEW_KEY = [
    {
        "train": {
            "samples": 1000,
            "source": "dataset",
            "shuffle": False,
            "pipeline": [
                {"op": "shuffle", "buffer_size": 1000, "reshuffle_each_iteration": False},
                {"op": "take", "count": 900},
                {"op": "skip", "count": 10},
                {"op": "shard", "num_shards": 2, "index": 1},
                {"op": "filter", "keep_every": 3},
                {"op": "batch", "size": 16, "drop_remainder": True},
                {"op": "unbatch"},
                {"op": "rebatch", "size": 8},
                {"op": "assert_cardinality", "count": 12},
                {"op": "repeat", "count": 2},
                {"op": "cache"},
                {"op": "map"},
                {"op": "prefetch"},
            ],
        },
        "epochs": 4,
        "initial_epoch": 1,
        "gradient_accumulation_steps": 3,
        "validation": {"samples": 200, "source": "dataset", "pipeline": [{"op": "batch", "size": 50}], "freq": 2},
    },
    {"train": {"samples": 100, "source": "pydataset", "batch_size": 32, "drop_remainder": True}, "epochs": 2},
    {"train": {"samples": None, "source": "pydataset", "batch_size": 8}, "steps_per_epoch": 5},
    {
        "train": {"samples": 100, "source": "image_data_generator", "batch_size": 32, "flow_shuffle": False},
        "steps_per_epoch": 1000,
        "validation": {"split": 0.25, "split_by": "image_data_generator", "flow_shuffle": True},
    },
    {
        "train": {"samples": 10, "source": "dataset", "batch_size": 4},
        "validation": {"split": 0.25, "split_by": "directory"},
    },
    {
        "train": {"samples": 500, "source": "arrays", "batch_size": 50},
        "epochs": 3,
        "validation": {"samples": 64, "source": "image_data_generator", "batch_size": 16, "flow_shuffle": False},
    },
    {"train": {"samples": None, "source": "dataset", "pipeline": [{"op": "batch", "size": 32}]}, "steps_per_epoch": 10},
]


def choose_from_menu(button: QToolButton, action_name: str) -> None:
    """Choose an entry of a menu button's menu: its action's triggered signal, as a click on it sends.
    (Offscreen Qt warns that it cannot raise a popup or grab the keyboard, so the popup itself is
    opened and clicked in the real-window test, tests/real_window/test_pipeline_editor_window.py.)"""
    action = next(action for action in button.menu().actions() if action.objectName() == action_name)
    assert action.isEnabled() and action.isVisible()
    action.trigger()


def tick(qtbot, box) -> None:
    """A click on a checkbox's own square."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def retype(qtbot, edit, text) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def choose(combo, value) -> None:
    """Choose an entry of a drop-down by its value, as picking it in the list does (currentIndexChanged)."""
    combo.setCurrentIndex(combo.findData(value))


def ops(scenario, where: str = "train") -> list[str]:
    data = scenario.train if where == "train" else scenario.validation
    return [step.op for step in data.pipeline]


def epochs_json(plan) -> list[dict]:
    return [epoch.to_json() for epoch in plan.epochs]


def with_steps(window, qtbot, data=DATASET):
    """A window on a plain dataset, switched to its steps with a click."""
    shown = window(data)
    tick(qtbot, shown.form.use_pipeline)
    assert shown.form.pipeline.isVisible()
    return shown


def test_the_editor_knows_every_op_of_the_format_with_its_arguments():
    # Every op the format lists can be added, with exactly the arguments a file gives it, and says what it does.
    assert list(OP_WORDS) == list(PIPELINE_OPS) == list(OP_ARGUMENTS)
    for op in PIPELINE_OPS:
        assert [key for key, *_ in OP_ARGUMENTS[op]] == list(PipelineStep(op).to_dict())[1:], op
        assert "\n" not in OP_WORDS[op]


def test_the_sources_are_named_in_plain_words_and_fields_that_do_not_apply_step_aside(window, qtbot):
    # Five sources; an ImageDataGenerator flow shows its own shuffle and refuses drop_remainder and repeat, saying why.
    shown = window({"train": {"samples": 100, "source": "arrays", "batch_size": 32}})
    form = shown.form
    assert [form.source.itemText(i) for i in range(form.source.count())] == [words for words, _ in SOURCES]
    assert [words for words, _ in SOURCES] == [
        "NumPy arrays",
        "tf.data pipeline",
        "Python generator",
        "PyDataset / Sequence",
        "ImageDataGenerator flow",
    ]
    assert not form.flow_shuffle.isVisibleTo(form) and not form.use_pipeline.isVisibleTo(form)
    choose(form.source, "image_data_generator")
    assert form.flow_shuffle.isVisibleTo(form) and form.flow_shuffle.isChecked()
    assert not form.drop_remainder.isEnabled() and form.drop_remainder.toolTip().startswith(WHY_FLOW_NO_DROP)
    assert not form.repeat.isEnabled() and form.repeat.toolTip().startswith("An ImageDataGenerator flow cannot be repeated")
    assert not form.endless.isEnabled()
    tick(qtbot, form.flow_shuffle)
    assert shown.plan.scenario.train.source == "image_data_generator" and shown.plan.scenario.train.flow_shuffle is False
    choose(form.source, "pydataset")
    assert form.drop_remainder.isEnabled() and not form.repeat.isEnabled() and form.endless.isEnabled()
    assert not form.flow_shuffle.isVisibleTo(form)
    assert "ORDER OF ITS BATCHES" in form.shuffle.toolTip()
    assert shown.plan.scenario.train.source == "pydataset"


@pytest.mark.parametrize("data", EVERY_NEW_KEY, ids=lambda d: d["train"]["source"] + ("-steps" * ("pipeline" in d["train"])))
def test_the_form_gives_back_every_new_key_it_is_shown(window, data):
    # A scenario with pipelines, flows, split_by, freq, initial_epoch or accumulation comes back from the fields unchanged.
    scenario = scenario_from_dict(data)
    shown = window(data)
    assert shown.form.problem == ""
    assert shown.form.current_scenario() == scenario
    assert shown.plan.scenario == scenario


@pytest.mark.parametrize("index", range(len(presets()) + len(traps())))
def test_every_preset_and_trap_comes_back_from_the_form_unchanged(window, index):
    # The shipped scenarios, whatever keys they use, are what the form emits once shown.
    scenario = presets()[index][2] if index < len(presets()) else traps()[index - len(presets())].scenario
    shown = window()
    shown.form.set_scenario(scenario)
    assert shown.form.problem == "" and shown.form.current_scenario() == scenario


def test_a_plain_dataset_becomes_the_same_pipeline_and_back(window, qtbot):
    # .batch(32, drop_remainder=True).repeat() in the plain fields; ticking the steps shows batch -> repeat, same plan.
    data = {"train": {**DATASET["train"], "drop_remainder": True, "repeat": "after_batch"}, "steps_per_epoch": 40, "epochs": 2}
    shown = window(data)
    plain_plan = shown.plan
    tick(qtbot, shown.form.use_pipeline)
    assert not shown.form.batch_size.isVisibleTo(shown.form) and shown.form.pipeline.isVisibleTo(shown.form)
    steps = shown.plan.scenario.train.pipeline
    assert [step.to_dict() for step in steps] == [
        {"op": "batch", "size": 32, "drop_remainder": True},
        {"op": "repeat", "count": None},
    ]
    assert epochs_json(shown.plan) == epochs_json(plain_plan) and shown.plan.outcome == plain_plan.outcome
    tick(qtbot, shown.form.use_pipeline)
    assert shown.plan.scenario == scenario_from_dict(data)
    assert shown.form.batch_size.text() == "32" and shown.form.repeat.currentData() == "after_batch"


def test_steps_the_plain_fields_cannot_say_keep_the_editor_with_the_reason(window, qtbot):
    # After adding a shuffle, the switch back to the plain fields is disabled, and its tooltip names the shuffle.
    shown = with_steps(window, qtbot)
    choose_from_menu(shown.form.pipeline.add_button, "shuffle")
    assert ops(shown.plan.scenario) == ["batch", "shuffle"]
    assert not shown.form.use_pipeline.isEnabled()
    assert shown.form.use_pipeline.toolTip().startswith("The plain fields cannot say shuffle")


@pytest.mark.parametrize("ready", [ready for ready, _words, _tip in READY_PIPELINES])
def test_each_ready_pipeline_built_through_the_menu_round_trips(window, qtbot, ready):
    # Start from > each ready pipeline: the scenario the form emits reads back from its own JSON unchanged.
    expected = {
        "batch": ["batch"],
        "shuffle_batch_prefetch": ["shuffle", "batch", "prefetch"],
        "batch_repeat": ["batch", "repeat"],
        "repeat_batch": ["repeat", "batch"],
        "filter_batch": ["filter", "batch"],
        "take_skip": ["take", "batch"],
    }
    shown = with_steps(window, qtbot, {**DATASET, "steps_per_epoch": 20})
    with qtbot.waitSignal(shown.form.scenarioChanged) as emitted:
        choose_from_menu(shown.form.pipeline.ready_button, ready)
    scenario = emitted.args[0]
    assert ops(scenario) == expected[ready]
    assert scenario_from_dict(scenario.to_dict()) == scenario == shown.plan.scenario
    # The switch, then the ready pipeline (unless it is the very pipeline the switch made).
    assert shown.undo_stack.count() == (1 if ready == "batch" else 2) and shown.isWindowModified()
    if ready == "take_skip":
        # The same 1,000 samples: training takes the first 800, the validation set skips them.
        assert scenario.train.pipeline[0] == PipelineStep("take", count=800)
        assert scenario.validation.samples == 1000 and ops(scenario, "validation") == ["skip", "batch"]
        assert scenario.validation.pipeline[0] == PipelineStep("skip", count=800)
        assert shown.form.val_pipeline.isVisibleTo(shown.form)


def test_steps_are_added_moved_and_removed_with_buttons_and_alt_keys(window, qtbot):
    # Add shuffle after batch; Alt+Up in its buffer box moves it first, the focus going along; Alt+Down back; x removes it.
    shown = with_steps(window, qtbot)
    editor = shown.form.pipeline
    choose_from_menu(editor.add_button, "shuffle")
    assert ops(shown.plan.scenario) == ["batch", "shuffle"]
    buffer_box = editor.row(1).arguments["buffer_size"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is buffer_box)
    qtbot.keyClick(buffer_box, Qt.Key.Key_Up, ALT)
    assert ops(shown.plan.scenario) == ["shuffle", "batch"]
    assert QApplication.focusWidget() is editor.row(0).arguments["buffer_size"] and editor.current == 0
    assert not editor.row(0).up.isEnabled() and editor.row(0).down.isEnabled()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down, ALT)
    assert ops(shown.plan.scenario) == ["batch", "shuffle"]
    qtbot.mouseClick(editor.row(0).down, Qt.MouseButton.LeftButton)
    assert ops(shown.plan.scenario) == ["shuffle", "batch"]
    qtbot.mouseClick(editor.row(0).remove, Qt.MouseButton.LeftButton)
    assert ops(shown.plan.scenario) == ["batch"]
    choose_from_menu(editor.add_button, "prefetch")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete, ALT)
    assert ops(shown.plan.scenario) == ["batch"]


def test_an_argument_is_typed_in_place_and_a_bad_one_is_red_with_the_reason(window, qtbot):
    # Typing 50 into the batch step's size replans in batches of 50; "abc" marks that very box red, the plan stays.
    shown = with_steps(window, qtbot)
    size = shown.form.pipeline.row(0).arguments["size"]
    retype(qtbot, size, "50")
    assert shown.plan.scenario.train.pipeline[0].size == 50
    assert shown.plan.epochs[0].train.runs() == [[50, 20]]
    before = shown.plan
    retype(qtbot, size, "abc")
    assert "D55E00" in shown.form.pipeline.row(0).arguments["size"].styleSheet()
    assert "The batch step's size must be a whole number" in shown.form.error_text("train.pipeline")
    assert shown.form.problem.startswith("Training pipeline, step 1: ")
    assert shown.plan is before


def test_a_pipeline_without_batch_is_red_with_the_reason(window, qtbot):
    # Removing the only batch step: the steps' box is red, the reason says to add a batch step, the plan stays.
    shown = with_steps(window, qtbot)
    choose_from_menu(shown.form.pipeline.add_button, "prefetch")
    before = shown.plan
    qtbot.mouseClick(shown.form.pipeline.row(0).remove, Qt.MouseButton.LeftButton)
    assert "no batch step" in shown.form.error_text("train.pipeline")
    assert "D55E00" in shown.form.pipeline.list.styleSheet()
    assert shown.plan is before and shown.timeline.stale_reason == shown.form.problem
    assert shown.form.problem.startswith("Training pipeline: The pipeline has no batch step")
    assert "Add step > batch" in shown.form.problem
    choose_from_menu(shown.form.pipeline.add_button, "batch")
    assert shown.form.error_text("train.pipeline") == "" and "D55E00" not in shown.form.pipeline.list.styleSheet()
    assert ops(shown.plan.scenario) == ["prefetch", "batch"]


def test_undo_and_redo_walk_over_pipeline_edits(window, qtbot):
    # Switch, add, move, type: four steps of the history; Ctrl+Z walks them back to the plain file, Ctrl+Shift+Z forward.
    shown = window(DATASET)
    shown.ask_before_closing = False
    make_active(qtbot, shown)
    tick(qtbot, shown.form.use_pipeline)
    editor = shown.form.pipeline
    choose_from_menu(editor.add_button, "shuffle")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up, ALT)
    retype(qtbot, editor.row(1).arguments["size"], "64")
    history = [ops(shown.plan.scenario), shown.plan.scenario.train.pipeline[1].size]
    assert history == [["shuffle", "batch"], 64]
    assert shown.undo_stack.count() == 4 and shown.undo_action.text() == "&Undo edit of training pipeline, step 2"
    qtbot.keyClick(shown, Qt.Key.Key_Z, CTRL)
    assert shown.plan.scenario.train.pipeline[1].size == 32 and editor.row(1).arguments["size"].text() == "32"
    qtbot.keyClick(shown, Qt.Key.Key_Z, CTRL)
    assert ops(shown.plan.scenario) == ["batch", "shuffle"]
    qtbot.keyClick(shown, Qt.Key.Key_Z, CTRL)
    assert ops(shown.plan.scenario) == ["batch"]
    qtbot.keyClick(shown, Qt.Key.Key_Z, CTRL)
    assert shown.plan.scenario == scenario_from_dict(DATASET) and not shown.isWindowModified()
    assert not shown.form.pipeline.isVisibleTo(shown.form) and shown.form.batch_size.isVisibleTo(shown.form)
    for _ in range(4):
        qtbot.keyClick(shown, Qt.Key.Key_Z, CTRL_SHIFT)
    assert ops(shown.plan.scenario) == ["shuffle", "batch"] and shown.plan.scenario.train.pipeline[1].size == 64
    assert shown.isWindowModified()


def test_validation_freq_takes_a_list_of_epochs(window, qtbot):
    # "2, 3, 5" validates after those epochs; "[5]" after epoch 5 only; "2, x" is red with the reason.
    shown = window({"train": {"samples": 100, "batch_size": 10}, "epochs": 6, "validation": {"split": 0.2}})
    retype(qtbot, shown.form.val_freq, "2, 3, 5")
    assert shown.plan.scenario.validation.freq == (2, 3, 5)
    assert [epoch.val is not None for epoch in shown.plan.epochs] == [False, True, True, False, True, False]
    retype(qtbot, shown.form.val_freq, "[5]")
    assert shown.plan.scenario.validation.freq == (5,)
    shown.form.set_scenario(shown.plan.scenario)
    assert shown.form.val_freq.text() == "[5]"  # a list of one epoch, not every 5th
    retype(qtbot, shown.form.val_freq, "2, x")
    assert "a list of epoch numbers" in shown.form.error_text("validation.freq")


def test_initial_epoch_and_gradient_accumulation_are_fields_of_fit(window, qtbot):
    # initial_epoch 2 of 5 runs epochs 3..5; accumulation 4 is kept; 1 is refused in words.
    shown = window({"train": {"samples": 100, "batch_size": 10}, "epochs": 5})
    retype(qtbot, shown.form.initial_epoch, "2")
    retype(qtbot, shown.form.accumulation, "4")
    scenario = shown.plan.scenario
    assert scenario.initial_epoch == 2 and scenario.gradient_accumulation_steps == 4
    assert scenario_from_dict(scenario.to_dict()) == scenario
    assert len(shown.plan.epochs) == 3 and shown.isWindowModified()
    retype(qtbot, shown.form.accumulation, "1")
    assert "at least 2" in shown.form.error_text("gradient_accumulation_steps")
    assert "D55E00" in shown.form.accumulation.styleSheet()
    retype(qtbot, shown.form.accumulation, "")
    assert shown.plan.scenario.gradient_accumulation_steps is None


def test_who_splits_the_validation_data(window, qtbot):
    # A directory split needs a plain tf.data training set: with arrays its choice says why; with steps it turns red.
    shown = window({"train": {"samples": 10, "batch_size": 4}, "validation": {"split": 0.25}})
    form = shown.form
    assert form.split_by.isEnabled()
    directory = form.split_by.model().item(form.split_by.findData("directory"))
    assert not directory.isEnabled() and directory.toolTip() == WHY_SPLIT_DIRECTORY
    choose(form.source, "dataset")
    assert directory.isEnabled()
    choose(form.split_by, "directory")
    assert shown.plan.scenario.validation.split_by == "directory"
    tick(qtbot, form.use_pipeline)
    assert "training source must be" in form.error_text("validation.split_by")
    assert "D55E00" in form.split_by.styleSheet()


def test_an_image_data_generator_split_has_its_own_flow_shuffle(window, qtbot):
    # ImageDataGenerator(validation_split=...): the validation flow's shuffle is like the training flow's, or chosen.
    shown = window({"train": {"samples": 100, "source": "image_data_generator", "batch_size": 32}, "validation": {"split": 0.2}})
    form = shown.form
    assert not form.val_flow_shuffle.isVisibleTo(form)
    choose(form.split_by, "image_data_generator")
    assert form.val_flow_shuffle.isVisibleTo(form) and form.val_flow_shuffle.currentData() == "same"
    assert shown.plan.scenario.validation.flow_shuffle is None
    choose(form.val_flow_shuffle, "false")
    scenario = shown.plan.scenario
    assert scenario.validation.split_by == "image_data_generator" and scenario.validation.flow_shuffle is False
    assert scenario_from_dict(scenario.to_dict()) == scenario


def test_without_validation_its_boxes_stay_disabled_and_say_why(window, qtbot):
    # Kind none: batch size, steps, freq and who splits are disabled, each saying why, steps or no steps in training.
    shown = with_steps(window, qtbot)
    form = shown.form
    for box in (form.val_batch_size, form.val_steps, form.val_freq):
        assert not box.isEnabled() and box.toolTip().startswith(WHY_NO_VALIDATION)
    assert not form.split_by.isEnabled() and form.split_by.toolTip().startswith(WHY_SPLIT_BY)


def test_another_source_after_steps_keeps_the_batch_size(window):
    # shuffle -> batch(64) has no plain fields; choosing a PyDataset instead keeps batches of 64.
    steps = [{"op": "shuffle", "buffer_size": 100}, {"op": "batch", "size": 64}]
    shown = window({"train": {"samples": 1000, "source": "dataset", "shuffle": False, "pipeline": steps}})
    choose(shown.form.source, "pydataset")
    assert shown.plan.scenario.train.source == "pydataset" and shown.plan.scenario.train.batch_size == 64
    assert shown.plan.scenario.train.pipeline is None


def test_the_take_skip_split_chosen_under_the_validation_set_makes_training_the_take_side(window, qtbot):
    # NumPy training and a tf.data validation set: the split from the validation steps' menu turns training into take(n).
    data = {
        "train": {"samples": 500, "source": "arrays", "batch_size": 50},
        "validation": {"samples": 100, "source": "dataset", "pipeline": [{"op": "batch", "size": 50}]},
    }
    shown = window(data)
    choose_from_menu(shown.form.val_pipeline.ready_button, "take_skip")
    scenario = shown.plan.scenario
    assert scenario.train.source == "dataset" and ops(scenario) == ["take", "batch"]
    assert scenario.train.pipeline == (PipelineStep("take", count=400), PipelineStep("batch", size=50))
    assert scenario.validation.samples == 500 and scenario.validation.pipeline[0] == PipelineStep("skip", count=400)
    shown.undo_action.trigger()
    assert shown.plan.scenario == scenario_from_dict(data)
