"""The traps of textbook tf.keras 2 code under Keras 3, of the PyTorch backend and of several devices: each one's
plan under its own flavour and under the flavour its story compares it with is what real Keras did, and every
number its story gives is the planner's."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from core import plan, scenario_from_dict
from core.keras.replicas import replica_split
from gui.resources import traps
from tests.conftest import PROJECT

TRAPS = {trap.key: trap for trap in traps()}
FLAVOUR_TRAPS = (
    "keras2_ends_fit_when_data_runs_out",
    "sequence_with_steps_per_epoch",
    "steps_per_execution_runs_out",
    "torch_refuses_steps_per_execution",
    "global_batch_does_not_split",
)
PUBLIC = {record["name"]: record for record in json.loads((PROJECT / "tests/conformance/flavours-public.json").read_text())}

# What real Keras did with each trap's scenario under its own flavour and under the one its story compares it
# with, recorded with core.record_flavour (tf-keras 2.21.0, Keras 3.15.1 on JAX, MirroredStrategy over 4 logical
# CPUs, TensorFlow 2.21.0): per epoch (training batches as runs, first sample, ran out); then stopped, or the error.
# Keras 3 on JAX feeds batches with the same EpochIterator as on TensorFlow (shared/keras-semantics.md).
RECORDED = {
    ("keras2_ends_fit_when_data_runs_out", "2"): (
        [([[32, 20]], 0, False), ([[32, 11], [8, 1]], 640, True)],
        {"epoch": 2},
    ),
    ("keras2_ends_fit_when_data_runs_out", "3"): (
        [
            ([[32, 20]], 0, False),
            ([[32, 11], [8, 1]], 640, True),
            ([[32, 20]], 0, False),
            ([[32, 11], [8, 1]], 640, True),
            ([[32, 20]], 0, False),
        ],
        None,
    ),
    ("sequence_with_steps_per_epoch", "2"): ([([[32, 3]], 0, False)] * 3, None),
    ("sequence_with_steps_per_epoch", "3"): ([([[32, 3]], 0, False), ([[4, 1]], 96, True), ([[32, 3]], 0, False)], None),
    ("steps_per_execution_runs_out", "2"): ([([[4, 5]], first, False) for first in (0, 20, 40, 60, 80)], None),
    ("steps_per_execution_runs_out", "3"): (
        [([[4, 6]], first, False) for first in (0, 24, 48, 72)] + [([[4, 1]], 96, True)],
        None,
    ),
}
ADDN = "InvalidArgumentError: Inputs to operation AddN of type AddN must have the same size and shape."


def epochs_of(planned) -> list[tuple[list, int | None, bool]]:
    return [(epoch["train"], epoch["train_first_sample"], epoch["ran_out"]) for epoch in planned.to_json()["epochs"]]


def under(key: str, keras: str):
    """The trap's scenario planned under tf.keras 2 ("2") or Keras 3 on TensorFlow ("3")."""
    data = {**TRAPS[key].scenario.to_dict(), "keras": keras}
    return plan(scenario_from_dict(data))


def test_the_gallery_has_the_flavour_traps_each_with_its_own_flavour():
    # Two traps open as tf.keras 2 ran the course's code or as Keras 3 runs it now; one on PyTorch, one on 4 devices.
    flavours = {
        key: (TRAPS[key].scenario.keras, TRAPS[key].scenario.backend, TRAPS[key].scenario.replicas) for key in FLAVOUR_TRAPS
    }
    assert flavours == {
        "keras2_ends_fit_when_data_runs_out": ("2", "tensorflow", 1),
        "sequence_with_steps_per_epoch": ("3", "tensorflow", 1),
        "steps_per_execution_runs_out": ("3", "tensorflow", 1),
        "torch_refuses_steps_per_execution": ("3", "torch", 1),
        "global_batch_does_not_split": ("3", "tensorflow", 4),
    }


@pytest.mark.parametrize(("key", "keras"), sorted(RECORDED), ids=[f"{key}-keras{keras}" for key, keras in sorted(RECORDED)])
def test_each_trap_is_planned_as_real_keras_ran_it_under_both_kerases(key, keras):
    # The trap's own plan, and the one its story compares it with, are the recordings batch by batch.
    planned = under(key, keras)
    epochs, stopped = RECORDED[(key, keras)]
    assert planned.outcome == "ok"
    assert epochs_of(planned) == epochs
    assert planned.to_json().get("stopped") == stopped


def test_the_pytorch_trap_is_the_public_records_refusal():
    # steps_per_execution=4 on PyTorch: the error real Keras raised (public record torch_spx), said with its fix.
    record = PUBLIC["torch_spx"]
    trap = TRAPS["torch_refuses_steps_per_execution"]
    assert scenario_from_dict(record["scenario"]) == trap.scenario
    planned = plan(trap.scenario)
    assert planned.outcome == "error" and record["keras"]["outcome"] == "error"
    assert planned.error.startswith(record["keras"]["error"])
    assert "steps_per_execution" in trap.fix and "1" in trap.fix
    # The same code on TensorFlow runs, 4 batches of each epoch in one call.
    tensorflow = plan(scenario_from_dict({**trap.scenario.to_dict(), "backend": "tensorflow"}))
    assert tensorflow.outcome == "ok" and [epoch.train.count for epoch in tensorflow.epochs] == [4, 4]


def test_the_devices_trap_is_refused_as_real_mirrored_strategy_refused_it():
    # 30 samples a global batch over 4 devices: the first batch splits 8, 8, 8, 6 and fit fails in AddN (recorded);
    # the story's shares and the fix's batch sizes are replica_split's.
    trap = TRAPS["global_batch_does_not_split"]
    planned = plan(trap.scenario)
    assert planned.outcome == "error" and planned.error.startswith(ADDN)
    assert replica_split(30, 4) == (8, 8, 8, 6) and "splits 8, 8, 8 and 6" in trap.explanation
    assert f"ceil(30 / 4) = {math.ceil(30 / 4)}" in trap.explanation
    assert replica_split(100 % 30, 4) == (3, 3, 3, 1) and "a later short batch of 10 would go 3, 3, 3 and 1" in trap.explanation
    for fixed in (28, 32):
        assert f"{fixed}" in trap.fix
        shares = replica_split(fixed, 4)
        assert len(set(shares)) == 1 and f"{shares[0]}" in trap.fix
        with_batch = dataclasses.replace(trap.scenario, train=dataclasses.replace(trap.scenario.train, batch_size=fixed))
        assert plan(with_batch).outcome == "ok"


def test_the_running_out_story_gives_the_planners_numbers():
    # 1,000 samples in 32s: 32 batches, the last of 8; tf.keras 2 stops in epoch 2 after the 12 left (samples 640 on).
    trap = TRAPS["keras2_ends_fit_when_data_runs_out"]
    keras2, keras3 = under(trap.key, "2"), under(trap.key, "3")
    per_pass = math.ceil(1000 / 32)
    last = 1000 - (per_pass - 1) * 32
    asked = trap.scenario.steps_per_epoch * trap.scenario.epochs
    left = keras2.epochs[1].train.count
    first = keras2.epochs[1].train.first_sample
    story = trap.explanation
    assert f"holds {per_pass} batches (the last of {last} samples)" in story
    assert f"{asked} batches" in story and f"= {asked} batches" in trap.fix
    assert f"epoch 2 gets the {left} that are left (samples {first} to 999)" in story
    assert keras2.to_json()["stopped"] == {"epoch": 2} and "epochs 3 to 5 never run" in story
    counts = [epoch.train.count for epoch in keras3.epochs]
    assert counts == [20, left, 20, left, 20] and "epochs 2 and 4 run 12 batches and epochs 1, 3 and 5 run 20" in story


def test_the_sequence_story_gives_the_planners_numbers():
    # tf.keras 2 reads samples 0-95 every epoch (96-99 never seen); Keras 3's epoch 2 gets the short batch of 4.
    trap = TRAPS["sequence_with_steps_per_epoch"]
    keras2, keras3 = under(trap.key, "2"), under(trap.key, "3")
    read = keras2.epochs[0].train.samples
    assert all(epoch.train.first_sample == 0 and epoch.train.samples == read for epoch in keras2.epochs)
    assert f"each epoch read samples 0 to {read - 1}" in trap.explanation
    assert keras2.totals.samples_never_seen == 100 - read and f"samples {read} to 99 were never seen" in trap.explanation
    short = keras3.epochs[1].train
    assert short.count == 1 and short.samples == 4 and "epoch 2 gets only the short batch of 4 samples" in trap.explanation
    assert keras3.epochs[2].train.first_sample == 0 and "epoch 3 starts again from sample 0" in trap.explanation
    assert "len(sequence), here 4" in trap.fix and math.ceil(100 / 32) == 4


def test_the_steps_per_execution_story_gives_the_planners_numbers():
    # 25 batches, 5 x 5 asked: tf.keras 2 runs 5 an epoch; Keras 3 runs ceil(5 / 3) x 3 = 6 and epoch 5 gets 1.
    trap = TRAPS["steps_per_execution_runs_out"]
    keras2, keras3 = under(trap.key, "2"), under(trap.key, "3")
    assert [epoch.train.count for epoch in keras2.epochs] == [5] * 5 and keras2.totals.steps == 25
    per_epoch = math.ceil(5 / 3) * 3
    assert [epoch.train.count for epoch in keras3.epochs] == [per_epoch] * 4 + [25 - 4 * per_epoch]
    assert f"{per_epoch} batches an epoch, so epochs 1 to 4 take {4 * per_epoch} of the 25" in trap.explanation
    assert keras3.epochs[4].ran_out and "epoch 5 gets the last one and runs out of data" in trap.explanation
    for divides in (1, 5):
        fixed = plan(scenario_from_dict({**trap.scenario.to_dict(), "steps_per_execution": divides}))
        assert [epoch.train.count for epoch in fixed.epochs] == [5] * 5


FLAVOUR_OF_KERAS = {"2": {"keras": "2"}, "3": {"keras": "3", "backend": "jax"}}


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
@pytest.mark.parametrize(("key", "keras"), sorted(RECORDED), ids=[f"{key}-keras{keras}" for key, keras in sorted(RECORDED)])
def test_real_keras_still_does_what_the_traps_say(key, keras):
    # Run again for real (tf.keras 2, or Keras 3 on JAX in a process of its own): the recording is RECORDED.
    from core.record_flavour import record_flavour

    scenario = scenario_from_dict({**TRAPS[key].scenario.to_dict(), **FLAVOUR_OF_KERAS[keras]})
    recorded = record_flavour(scenario, plan(scenario), timeout=300)
    epochs, stopped = RECORDED[(key, keras)]
    assert [(epoch["train"], epoch["train_first_sample"], epoch["ran_out"]) for epoch in recorded["epochs"]] == epochs
    assert recorded.get("stopped") == stopped
