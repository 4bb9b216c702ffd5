"""The live demo with real TensorFlow: losses as Keras reports them, cancel, clean close,
restarts, errors shown, and predict-then-verify (match on a grid, a wrong plan caught)."""

from __future__ import annotations

import dataclasses
import json
import os
import threading

import numpy as np
import pytest

from core import plan, scenario_from_dict
from core.demo import prepare_demo, run_demo
from tests.conftest import PROJECT

SMALL = {
    "train": {"samples": 300, "source": "dataset", "batch_size": 32},
    "epochs": 3,
    "steps_per_epoch": 7,
    "validation": {"samples": 60, "source": "dataset", "batch_size": 16, "steps": 2},
}
LONG = {
    "train": {"samples": 1000, "source": "dataset", "batch_size": 8, "repeat": "after_batch"},
    "epochs": 50,
    "steps_per_epoch": 400,
}

pytestmark = [pytest.mark.keras, pytest.mark.usefixtures("require_keras")]


def finish(qtbot, panel, timeout=120_000):
    qtbot.waitUntil(lambda: not panel.running, timeout=timeout)


def test_demo_plots_the_losses_keras_reports(window, qtbot):
    # The panel's per-epoch running mean ends where Keras' History says the epoch loss is; the verdict is a match.
    shown = window(SMALL)
    panel = shown.demo
    shown.run_demo()
    finish(qtbot, panel)
    result = panel.result
    assert result is not None and result.matches, panel.verdict.text()
    assert "Keras ran exactly the planned 3 epochs" in panel.verdict.text()
    losses, means = panel.losses()
    counts = [epoch.train.count for epoch in panel.setup.plan.epochs]
    assert counts == [7, 3, 7]  # 10 batches a pass: epoch 2 runs out after 3, epoch 3 starts afresh
    assert len(losses) == sum(counts)
    epoch_ends = [means[index - 1] for index in np.cumsum(counts)]
    assert epoch_ends == pytest.approx([result.history[epoch]["loss"] for epoch in range(3)], rel=1e-5)
    assert all("val_loss" in result.history[epoch] for epoch in range(3))
    panel.axis_buttons.button(1).click()  # x in epochs: the last step of epoch 3 sits just before 3.0
    x, _y = panel.plot.batch_curve.getData()
    assert 2.8 < x[-1] < 3.0
    assert panel.progress_bar.isHidden() and shown.timeline.playhead.opts["x0"] == []
    assert result.history[2]["loss"] < result.history[0]["loss"]  # it really learns (seeded: 0.34 -> 0.17)


def test_cancel_stops_within_a_batch_or_so(window, qtbot):
    # Cancel during a long fit: the thread ends promptly and no verdict is claimed.
    shown = window(LONG)
    panel = shown.demo
    shown.run_demo()
    qtbot.waitUntil(lambda: panel._train_steps > 20, timeout=120_000)
    qtbot.waitUntil(lambda: len(shown.timeline.playhead.opts["x0"]) == 1, timeout=5_000)  # the batch in training
    panel.cancel()
    finish(qtbot, panel, timeout=15_000)
    assert panel.status.text() == "Cancelled."
    assert panel._train_steps < 50 * 400
    assert panel.result is None


def test_close_mid_fit_is_clean(window, qtbot):
    # Closing the window mid-fit stops the worker and joins its thread (Qt warnings fail this test).
    shown = window(LONG)
    shown.run_demo()
    qtbot.waitUntil(lambda: shown.demo._train_steps > 5, timeout=120_000)
    thread = shown.demo.thread
    assert thread is not None and thread.isRunning()
    shown.close()
    assert not shown.demo.running and shown.demo.thread is None
    assert thread.isFinished()


def resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_twenty_restarts_leave_nothing_behind(window, qtbot):
    # Twenty demos in a row: each ends, its thread and worker go; threads and memory stay flat
    # (a new Keras model per run leaked ~5 MiB a run; the demo model is reused and reset).
    shown = window({"train": {"samples": 200, "batch_size": 10}, "epochs": 2, "validation": {"split": 0.2}})
    panel = shown.demo
    for _ in range(3):  # warm up: TensorFlow's first allocations
        shown.run_demo()
        finish(qtbot, panel)
    threads_before, memory_before = threading.active_count(), resident_mib()
    for _ in range(20):
        shown.run_demo()
        finish(qtbot, panel)
        assert panel.result is not None and panel.result.matches
    assert threading.active_count() <= threads_before + 1
    assert panel.thread is None and panel.worker is None
    assert resident_mib() - memory_before < 25  # measured: about 3 MiB over 20 runs


def test_nan_loss_is_shown_and_the_app_keeps_working(window, qtbot, monkeypatch):
    # A learning rate that blows up: the panel says the loss became nan, and a new plan still draws.
    import core.demo

    monkeypatch.setattr(core.demo, "LEARNING_RATE", 1e30)
    shown = window({"train": {"samples": 400, "batch_size": 8}, "epochs": 3})
    shown.run_demo()
    finish(qtbot, shown.demo)
    assert "The loss became" in shown.demo.verdict.text()
    shown.form.set_scenario(scenario_from_dict({"train": {"samples": 10, "batch_size": 4}}))
    assert shown.plan.totals.steps == 3


def test_errors_inside_the_fit_are_shown(window, qtbot, monkeypatch):
    # Inputs of the wrong rank make Keras fail inside fit; the message is shown, nothing crashes.
    import core.demo

    class BadShapes(core.demo.NoisySine):
        def arrays(self, positions, salt, np):
            x, y = super().arrays(positions, salt, np)
            return x.reshape(-1), y

    monkeypatch.setattr(core.demo, "NoisySine", BadShapes)
    shown = window({"train": {"samples": 40, "batch_size": 8}, "epochs": 1})
    shown.run_demo()
    finish(qtbot, shown.demo)
    assert "\u2717 Keras stopped with an error: ValueError: Data cardinality is ambiguous" in shown.demo.verdict.text()


def test_without_tensorflow_the_demo_says_how_to_install(window, qtbot, monkeypatch):
    # No TensorFlow: the exact pip command, and the window goes on working.
    import gui.demo_panel

    monkeypatch.setattr(gui.demo_panel, "tensorflow_available", lambda: False)
    shown = window(SMALL)
    shown.run_demo()
    finish(qtbot, shown.demo)
    assert 'pip install "tensorflow-cpu==2.21.0" "keras==3.15.1"' in shown.demo.verdict.text()
    assert shown.plan is not None


GRID = [
    {"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 3, "steps_per_epoch": 3},
    {"train": {"samples": 90, "batch_size": 16, "shuffle": True}, "epochs": 2, "validation": {"split": 0.3}},
    {"train": {"samples": 50, "source": "generator", "batch_size": 8}, "epochs": 3},
    {
        "train": {"samples": None, "source": "generator", "batch_size": 4},
        "epochs": 2,
        "steps_per_epoch": 5,
        "validation": {"samples": None, "source": "generator", "batch_size": 4, "steps": 3},
    },
    {
        "train": {"samples": 37, "source": "dataset", "batch_size": 5, "repeat": "before_batch"},
        "epochs": 3,
        "steps_per_epoch": 4,
        "steps_per_execution": 3,
    },
    {
        "train": {"samples": 37, "source": "generator", "batch_size": 5, "repeat": "after_batch", "drop_remainder": True},
        "epochs": 2,
        "steps_per_epoch": 9,
    },
    {"train": {"samples": 64, "source": "dataset", "batch_size": 16, "repeat": "after_batch"}, "epochs": 2},
]


@pytest.mark.parametrize("data", GRID, ids=[f"demo{index}" for index in range(len(GRID))])
def test_demo_verifies_the_plan_on_a_grid(data):
    # The demo's real training feeds exactly the planned batches (endless epochs stopped, as planned).
    result = run_demo(prepare_demo(scenario_from_dict(data)))
    assert result.matches, result.verdict


def test_a_wrong_plan_is_reported_never_hidden():
    # Hand the demo the textbook plan (steps_per_epoch ignored): the first difference is named.
    setup = prepare_demo(scenario_from_dict(GRID[0]))
    wrong = dataclasses.replace(setup, plan=plan(dataclasses.replace(setup.scenario, steps_per_epoch=None)))
    result = run_demo(wrong)
    assert not result.matches
    assert result.verdict == "Difference: epoch 1, train step 4: planned a batch of 4, Keras did no more batches."


def test_imagenet_is_scaled_down_and_says_so():
    # The form says ImageNet; the demo trains on 20,000 samples with the same batch settings, and says so.
    setup = prepare_demo(
        scenario_from_dict({"train": {"samples": 1281167, "source": "dataset", "batch_size": 256}, "epochs": 90})
    )
    assert setup.scenario.train.samples == 20000 and setup.scenario.train.batch_size == 256
    assert "20,000 of the 1,281,167 samples" in setup.notes[0]
    assert np.isclose(setup.plan.totals.steps, 90 * 79)


# ---------------------------------------------------------------- issue 11: the demo on every new kind of input

PIPELINE_RECORDS = {
    case["name"]: case["scenario"]
    for case in json.loads((PROJECT / "tests" / "conformance" / "keras-3.15.1-pipelines-public.json").read_text(encoding="utf-8"))
}
NEW_KINDS = {
    "pyds1_3": "a keras.utils.PyDataset of 13 batches, validated on a tf.data dataset",
    "idg1_4": "ImageDataGenerator().flow(shuffle=False), validated on a tf.data dataset, initial_epoch=2",
    "pipe1_11": "a tf.data pipeline batch(5) -> filter(every 3rd), validated on a tf.data dataset",
    "split1_2": 'image_dataset_from_directory(validation_split=0.25, subset="both") over 60 image files',
    "split1_5": 'ImageDataGenerator(validation_split=0.25).flow(subset="training" and "validation")',
    "accum1_2": "a tf.data pipeline batch(60) -> repeat(3), an optimizer with gradient_accumulation_steps=2",
    "pydsinf1_1": "an endless keras.utils.PyDataset",
}


@pytest.mark.parametrize("name", NEW_KINDS)
def test_the_demo_trains_on_each_new_kind_of_input_for_real(name):
    # The demo's own noisy sine, handed to Keras as the scenario's real input (a PyDataset, a flow of images,
    # the tf.data chain, PNG files for the directory loader): it learns, and feeds exactly the planned batches.
    result = run_demo(prepare_demo(scenario_from_dict(PIPELINE_RECORDS[name])))
    assert result.matches, result.verdict
    assert result.verdict.endswith(f" Keras was given {NEW_KINDS[name]}.")
    losses = [result.history[epoch]["loss"] for epoch in sorted(result.history)]
    assert all(np.isfinite(losses))
    if len(losses) > 1:
        assert losses[-1] < losses[0]  # a real model really learns from these inputs


def test_the_demo_says_the_epoch_numbers_and_the_weight_updates_it_compared():
    # initial_epoch: Keras' own epoch numbers; accumulation: the optimizer's updates, epoch by epoch.
    flow = run_demo(prepare_demo(scenario_from_dict(PIPELINE_RECORDS["idg1_4"])))
    assert flow.verdict.startswith("Keras ran exactly the planned 3 epochs x 48 steps and 3 validation steps (epochs 3 to 5).")
    assert [epoch["epoch"] for epoch in flow.recorded["epochs"]] == [3, 4, 5]
    accumulated = run_demo(prepare_demo(scenario_from_dict(PIPELINE_RECORDS["accum1_2"])))
    assert accumulated.verdict.startswith("Keras ran exactly the planned 2 epochs x 3 steps with 3 weight updates.")
    assert [epoch["updates"] for epoch in accumulated.recorded["epochs"]] == [1, 2]
    assert accumulated.recorded["weight_updates"] == 3


def test_a_refusal_of_a_new_kind_is_shown_as_keras_worded_it():
    # assert_cardinality(3) on 2 elements: Keras' own error, as planned, and what it was given.
    result = run_demo(prepare_demo(scenario_from_dict(PIPELINE_RECORDS["pipe1_6"])))
    assert result.matches
    assert result.verdict.startswith(
        "Keras refused, as planned: FailedPreconditionError: Input dataset was expected to contain 3 elements but "
        "contained only 2 elements. Keras was given a tf.data pipeline cache() -> "
    )


def test_a_large_directory_split_writes_2000_image_files_and_says_so():
    # 100,000 files would take minutes to write: the demo writes 2,000 (same split and batches) and says so.
    data = {
        "train": {"samples": 100_000, "source": "dataset", "batch_size": 64},
        "epochs": 2,
        "validation": {"split": 0.2, "split_by": "directory"},
    }
    setup = prepare_demo(scenario_from_dict(data))
    assert setup.scenario.train.samples == 2000
    assert setup.notes[0] == (
        "The demo writes 2,000 of the 100,000 image files for image_dataset_from_directory (same split and batch size), "
        "so it finishes in seconds."
    )
    assert setup.scaled_words().startswith("2,000 of 100,000 samples")


def test_the_demo_panel_runs_a_shuffled_pydataset_and_says_so(window, qtbot):
    # From the window: the worker thread builds the real PyDataset; the verdict names it.
    shown = window(PIPELINE_RECORDS["pyds1_3"])
    panel = shown.demo
    shown.run_demo()
    finish(qtbot, panel)
    assert panel.result is not None and panel.result.matches, panel.verdict.text()
    assert "Keras was given a keras.utils.PyDataset of 13 batches" in panel.verdict.text()
