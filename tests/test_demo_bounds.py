"""The live demo's bounds tell the truth: long epochs run whole (no false "endless"), a stop says what
was compared, a 10^12-step plan is never expanded, and a huge steps_per_execution is scaled down so
Cancel and closing the window act within a second."""

from __future__ import annotations

import json
import time

import pytest

from core import scenario_from_dict
from core.demo import MAX_DEMO_STEPS_PER_EXECUTION, prepare_demo, run_demo
from tests.conftest import PROJECT

TRILLION = {"train": {"samples": 3, "source": "dataset", "batch_size": 2, "repeat": "after_batch"}, "steps_per_epoch": 10**12}
ENDLESS_HUGE_EXECUTIONS = {"train": {"samples": None, "source": "dataset", "batch_size": 8}, "steps_per_execution": 1_000_000}


def mnist_preset(batch_size):
    presets = json.loads((PROJECT / "resources" / "presets.json").read_text(encoding="utf-8"))
    data = next(preset["scenario"] for preset in presets if preset["name"].startswith("MNIST"))
    data["train"]["batch_size"] = batch_size
    return data


def test_the_mnist_preset_with_batch_8_runs_its_epochs_whole():
    # Scaled to 20,000 samples, batch 8 makes 2,500-step epochs: the demo runs them whole (it cut them at 2,000).
    setup = prepare_demo(scenario_from_dict(mnist_preset(8)))
    assert [epoch.train.count for epoch in setup.plan.epochs] == [2500] * 5
    assert setup.limits.limit(0, "train") == 2501  # its planned end, and one step past to catch an overrun
    assert not any("never" in note for note in setup.notes)
    assert setup.steps_to_run() == setup.plan.totals.steps + setup.plan.totals.validation_steps


def test_a_huge_steps_per_execution_is_scaled_down_and_said():
    # steps_per_execution 1,000,000 runs as 32 in the demo, and the panel's notes say so.
    setup = prepare_demo(scenario_from_dict(ENDLESS_HUGE_EXECUTIONS))
    assert setup.scenario.steps_per_execution == MAX_DEMO_STEPS_PER_EXECUTION == 32
    assert any("32 steps per execution instead of 1,000,000" in note for note in setup.notes)


def test_a_trillion_step_epoch_is_bounded_and_said():
    # 10^12 steps in one epoch: the demo runs the first 20,000, says so, and its progress bar fits in an int.
    setup = prepare_demo(scenario_from_dict(TRILLION))
    assert "Epoch 1 has 1,000,000,000,000 training steps; the demo runs the first 20,000 and compares those." in setup.notes
    assert setup.steps_to_run() == 20_000


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_a_demo_epoch_longer_than_2000_steps_matches():
    # 2,050 steps in one epoch: Keras returns after 2,050 and the demo says match (it said "endless epoch").
    setup = prepare_demo(scenario_from_dict({"train": {"samples": 2050, "source": "dataset", "batch_size": 1}}))
    result = run_demo(setup)
    assert result.matches, result.verdict
    assert result.verdict == "Keras ran exactly the planned 1 epoch x 2,050 steps."


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_an_endless_demo_says_exactly_what_it_compared():
    # .repeat() without steps_per_epoch: stopped after 2,000 steps and said so, never "ran exactly".
    data = {"train": {"samples": 64, "source": "dataset", "batch_size": 16, "repeat": "after_batch"}, "epochs": 2}
    result = run_demo(prepare_demo(scenario_from_dict(data)))
    assert result.verdict == "Compared the first 2,000 steps of epoch 1 (endless, as planned): match."


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_a_trillion_step_epoch_is_compared_without_expanding_the_plan(monkeypatch):
    # The demo stops the 10^12-step epoch where it must (here 300 steps) and compares only those, at once.
    import core.demo

    monkeypatch.setattr(core.demo, "MAX_DEMO_STEPS", 300)
    started = time.monotonic()
    result = run_demo(prepare_demo(scenario_from_dict(TRILLION)))
    assert result.verdict == (
        "Compared the first 300 of the 1,000,000,000,000 steps planned for epoch 1 (the demo stops there): match up to there."
    )
    assert time.monotonic() - started < 60


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_cancel_and_close_act_within_a_second_with_a_huge_steps_per_execution(window, qtbot):
    # steps_per_execution 1,000,000 on an endless source: batches show, Cancel ends the fit within 1 s,
    # and closing the window mid-fit joins the worker within 1 s (it took 110 s and 12.6 s).
    shown = window(ENDLESS_HUGE_EXECUTIONS)
    panel = shown.demo
    shown.run_demo()
    qtbot.waitUntil(lambda: panel._train_steps > 100, timeout=120_000)
    assert "32 steps per execution" in panel.status.text()
    started = time.monotonic()
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.running, timeout=5_000)
    assert time.monotonic() - started < 1.0
    assert panel.status.text() == "Cancelled."

    shown.run_demo()
    qtbot.waitUntil(lambda: panel._train_steps > 100, timeout=120_000)
    thread = panel.thread
    started = time.monotonic()
    shown.close()
    assert time.monotonic() - started < 1.0
    assert thread.isFinished() and panel.thread is None


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_an_endless_validation_in_the_demo_says_what_was_compared():
    # Epoch 1 whole, then epoch 2's training and the first 2,000 steps of a validation that never ends.
    data = {
        "train": {"samples": 40, "batch_size": 8},
        "epochs": 3,
        "validation": {"samples": None, "source": "generator", "batch_size": 4, "freq": 2},
    }
    result = run_demo(prepare_demo(scenario_from_dict(data)))
    assert result.verdict == (
        "Keras ran exactly the planned 1 epoch x 5 steps; then compared epoch 2's 5 training steps and the first "
        "2,000 validation steps (its validation is endless, as planned): match."
    )


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_a_scaled_down_demo_says_its_match_is_for_the_scaled_down_setup():
    # The verdict names what was run instead of the form's setup, so a match never passes for the original's.
    data = {"train": {"samples": 40, "batch_size": 8}, "epochs": 2, "steps_per_execution": 1000}
    result = run_demo(prepare_demo(scenario_from_dict(data)))
    assert result.verdict == (
        "Keras ran exactly the planned 2 epochs x 5 steps, on the demo's scaled-down setup (32 steps per execution, not 1,000)."
    )
