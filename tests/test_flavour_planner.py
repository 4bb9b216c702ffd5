"""The flavour rules of the planner, one by one, each against what the real thing did.

Every expected value below was recorded with the real flavour on this machine (tf-keras 2.21.0
with TF_USE_LEGACY_KERAS=1, Keras 3.15.1 with KERAS_BACKEND=jax / torch, MirroredStrategy over
logical CPU devices) through core.record_flavour, and is written here as Keras gave it. The
refusals quote what Keras raises. The last tests check that huge plans of every flavour stay
instant and structure-sized.
"""

from __future__ import annotations

import io
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import plan, scenario_from_dict
from core.compare import first_difference
from core.explain import key_numbers, summarize
from core.plan import write_json
from tests.brute_force import simulate
from tests.strategies import huge_scenarios, pipeline_scenarios, scenarios
from tests.test_properties import with_groups_expanded

ARRAYS_32 = {"samples": 32, "source": "arrays", "batch_size": 16, "shuffle": False}


def _planned(scenario: dict) -> dict:
    return plan(scenario_from_dict(scenario)).to_json()


def _epochs(planned: dict, *keys: str) -> list[tuple]:
    """Each epoch as a tuple of the keys asked for (train, val, first samples, flags, replicas)."""
    return [tuple(epoch.get(key) for key in keys) for epoch in planned["epochs"]]


# ---------------------------------------------------------------- tf.keras 2


def test_keras2_arrays_stream_across_the_passes_it_prepares_then_end_the_fit():
    # tf.keras 2 makes one dataset of `epochs` passes over NumPy arrays: with steps_per_epoch the epochs read on
    # across passes, and when the passes are used up (here in epoch 3, with no batch left) the whole fit ends.
    planned = _planned({"keras": "2", "train": {**ARRAYS_32, "samples": 40, "batch_size": 12}, "epochs": 3, "steps_per_epoch": 6})
    assert planned["keras"] == "2.21.0"
    assert _epochs(planned, "train", "train_first_sample", "ran_out") == [
        ([[12, 3], [4, 1], [12, 2]], 0, False),
        ([[12, 1], [4, 1], [12, 3], [4, 1]], 24, False),
        ([], None, True),
    ]
    assert planned["stopped"] == {"epoch": 3}
    assert [warning["code"] for warning in planned["warnings"]].count("ran_out_of_data") == 1


def test_keras2_sequence_is_made_anew_every_epoch_and_running_out_ends_the_fit():
    # A Sequence (PyDataset) starts from its first batch every epoch; steps_per_epoch beyond it runs out once and stops fit.
    pydataset = {"samples": 100, "source": "pydataset", "batch_size": 32, "shuffle": False}
    short = _planned({"keras": "2", "train": pydataset, "epochs": 3, "steps_per_epoch": 2})
    assert _epochs(short, "train", "train_first_sample", "ran_out") == [([[32, 2]], 0, False)] * 3
    assert short["stopped"] is None
    beyond = _planned({"keras": "2", "train": pydataset, "epochs": 3, "steps_per_epoch": 5})
    assert _epochs(beyond, "train", "ran_out") == [([[32, 3], [4, 1]], True)]
    assert beyond["stopped"] == {"epoch": 1}


def test_keras2_dataset_whose_steps_match_its_length_starts_afresh_each_epoch():
    # steps_per_epoch equal to the dataset's cardinality: a new iterator every epoch, nothing carried, no stop.
    dataset = {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False}
    planned = _planned({"keras": "2", "train": dataset, "epochs": 3, "steps_per_epoch": 4})
    assert _epochs(planned, "train", "train_first_sample", "ran_out") == [([[32, 3], [4, 1]], 0, False)] * 3
    assert planned["stopped"] is None


def test_keras2_learns_an_unknown_length_exactly_and_warns_nothing():
    # After filter() TensorFlow does not know the length: tf.keras 2 learns it on running out, with no warning.
    pipeline = [{"op": "filter", "keep_every": 2}, {"op": "batch", "size": 8}]
    planned = _planned(
        {"keras": "2", "train": {"samples": 60, "source": "dataset", "shuffle": False, "pipeline": pipeline}, "epochs": 2}
    )
    assert _epochs(planned, "train", "ran_out") == [([[8, 3], [6, 1]], False)] * 2
    codes = {warning["code"] for warning in planned["warnings"]}
    assert "ran_out_of_data" not in codes and "unknown_length" not in codes  # Keras 3's trap, not tf.keras 2's


def test_keras2_steps_per_execution_never_overshoots_and_the_iterator_carries_on():
    # steps_per_execution=3 with steps_per_epoch=4 runs exactly 4 batches an epoch; epoch 2 goes on from sample 40.
    dataset = {"samples": 100, "source": "dataset", "batch_size": 10, "shuffle": False}
    planned = _planned({"keras": "2", "train": dataset, "epochs": 2, "steps_per_epoch": 4, "steps_per_execution": 3})
    assert _epochs(planned, "train", "train_first_sample") == [([[10, 4]], 0), ([[10, 4]], 40)]


def test_keras2_validation_that_ran_out_gives_every_later_run_no_batch():
    # validation_steps=5 over 3 batches: the first run warns, and every later run yields nothing (without a warning).
    validation = {"samples": 10, "source": "arrays", "batch_size": 4, "steps": 5}
    planned = _planned({"keras": "2", "train": ARRAYS_32, "epochs": 3, "validation": validation})
    assert _epochs(planned, "val", "val_first_sample", "val_ran_out") == [
        ([[4, 2], [2, 1]], 0, True),
        ([], None, False),
        ([], None, False),
    ]
    assert planned["stopped"] is None  # validation running out does not stop fit
    warning = next(warning for warning in planned["warnings"] if warning["code"] == "validation_ran_out")
    assert warning["epoch"] == 1 and "tf.keras 2 then gives every later validation run no batch at all" in warning["text"]


def test_keras2_one_shot_generator_validation_runs_once_then_is_empty():
    # A one-shot generator validates in full once; the next run finds it used up and warns; later runs are empty.
    validation = {"samples": 20, "source": "generator", "batch_size": 8}
    planned = _planned({"keras": "2", "train": ARRAYS_32, "epochs": 3, "validation": validation})
    assert _epochs(planned, "val", "val_ran_out") == [([[8, 2], [4, 1]], False), ([], True), ([], False)]


def test_keras2_looping_generators_carry_on_across_epochs():
    # A looping dataset with steps_per_epoch carries its iterator; a looping generator validates 2 full batches each run.
    train = {"samples": 50, "source": "dataset", "batch_size": 10, "shuffle": False, "repeat": "after_batch"}
    validation = {"samples": 30, "source": "generator", "batch_size": 8, "repeat": "after_batch", "steps": 2}
    planned = _planned({"keras": "2", "train": train, "epochs": 2, "steps_per_epoch": 3, "validation": validation})
    assert _epochs(planned, "train", "train_first_sample", "val") == [([[10, 3]], 0, [[8, 2]]), ([[10, 3]], 30, [[8, 2]])]


def test_keras2_refusals_say_what_keras_raises_and_what_to_change():
    # tf.keras 2 refuses an endless dataset without steps, an unknown length with steps_per_execution > 1, and
    # a first call of the fit that the data cannot fill ("Empty logs").
    endless = _planned(
        {"keras": "2", "train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "before_batch"}, "epochs": 2}
    )
    assert endless["outcome"] == "error"
    assert "When providing an infinite dataset" in endless["error"] and "Set steps_per_epoch" in endless["error"]
    unknown = _planned(
        {"keras": "2", "train": {"samples": 50, "source": "generator", "batch_size": 8}, "epochs": 2, "steps_per_execution": 2}
    )
    assert unknown["outcome"] == "error" and "Could not infer the size of the data" in unknown["error"]
    empty = _planned(
        {
            "keras": "2",
            "train": {"samples": 299, "source": "generator", "batch_size": 256},
            "epochs": 1,
            "steps_per_epoch": 3,
            "steps_per_execution": 3,
        }
    )
    assert empty["outcome"] == "error"
    assert "Empty logs" in empty["error"] and "steps_per_execution=3" in empty["error"] and "after 2 batches" in empty["error"]
    accumulating = _planned({"keras": "2", "train": ARRAYS_32, "epochs": 1, "gradient_accumulation_steps": 2})
    assert accumulating["outcome"] == "error" and "gradient_accumulation_steps" in accumulating["error"]


def test_keras2_stop_is_said_in_plain_words():
    # The summary and the key numbers say where tf.keras 2 ends the fit and what Keras 3 would do instead.
    scenario = scenario_from_dict(
        {"keras": "2", "train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 3, "steps_per_epoch": 3}
    )
    planned = plan(scenario)
    text = summarize(planned)
    assert "tf.keras 2 ends the whole fit here: the data ran out in epoch 2, so epoch 3 never runs" in text
    assert "(Keras 3 would start epoch 3 from the first batch)" in text
    assert "(tf.keras 2: tf-keras 2.21.0 semantics)" in text
    assert ("Fit ends early", "in epoch 2: the data ran out (tf.keras 2)") in key_numbers(planned)
    warning = next(warning for warning in planned.warnings if warning.code == "ran_out_of_data")
    assert warning.epoch == 2 and "Keras 3 would start epoch 3 afresh" in warning.text


# ---------------------------------------------------------------- Keras 3 backends


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_jax_and_torch_read_a_shared_validation_generator_without_losing_batches(backend):
    # On JAX and PyTorch a validation generator is read directly: 4 runs of 3 batches fit in 60 samples (8 a batch).
    # (On TensorFlow tf.data prefetches past each run and the fourth run runs out.)
    validation = {"samples": 60, "source": "generator", "batch_size": 8, "steps": 3}
    planned = _planned({"backend": backend, "train": ARRAYS_32, "epochs": 4, "validation": validation})
    assert planned["keras"] == "3.15.1"
    assert _epochs(planned, "val", "val_ran_out") == [([[8, 3]], False)] * 4
    tensorflow = _planned({"train": ARRAYS_32, "epochs": 4, "validation": validation})
    assert _epochs(tensorflow, "val_ran_out")[-1] == (True,)


def test_torch_refuses_steps_per_execution():
    # Keras 3 on PyTorch raises for steps_per_execution > 1, whatever the data.
    planned = _planned({"backend": "torch", "train": ARRAYS_32, "epochs": 1, "steps_per_execution": 4})
    assert planned["outcome"] == "error"
    assert planned["error"].startswith("ValueError: `steps_per_execution` must be 1 with the PyTorch backend.")
    assert "TensorFlow or JAX backend" in planned["error"]


NO_BATCH = {"samples": 5, "source": "dataset", "batch_size": 8, "drop_remainder": True, "shuffle": False}


@pytest.mark.parametrize(
    ("flavour", "raised"),
    [
        ({"backend": "jax"}, "StopIteration (bare, with no message)."),
        ({"backend": "torch"}, "ValueError: Exception encountered when calling Sequential.call()"),
        ({"replicas": 2}, "StopIteration (bare, with no message)."),
    ],
)
def test_keras3_reads_a_training_batch_to_build_the_model_before_epoch_1(flavour, raised):
    # Recorded: 5 samples in batches of 8 with drop_remainder hold no batch. Keras 3 on JAX raised a bare
    # StopIteration, on PyTorch "ValueError: Exception encountered when calling Sequential.call()", under
    # MirroredStrategy a bare StopIteration; on TensorFlow on one device the epochs run empty and ran out.
    planned = _planned({**flavour, "train": NO_BATCH, "epochs": 2})
    assert planned["outcome"] == "error" and planned["error"].startswith(raised)
    assert "drop_remainder=False" in planned["error"]
    # Even with no epoch to run (recorded on JAX with 7 samples and initial_epoch 2 of 2: StopIteration).
    none_run = _planned({**flavour, "train": {**NO_BATCH, "samples": 7}, "epochs": 2, "initial_epoch": 2})
    assert none_run["outcome"] == "error" and none_run["error"].startswith(raised)
    # 9 samples hold one batch of 8: recorded [[8, 1]] an epoch.
    assert _epochs(_planned({**flavour, "train": {**NO_BATCH, "samples": 9}, "epochs": 2}), "train") == [([[8, 1]],)] * 2
    one_device = _planned({"train": NO_BATCH, "epochs": 2})
    assert one_device["outcome"] == "ok" and _epochs(one_device, "train", "ran_out") == [([], True)] * 2


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_read_to_build_fails_on_a_false_assert_cardinality_with_no_epoch_to_run(backend):
    # Plain Keras 3 on JAX and on PyTorch: filter(keep_every=3) -> assert_cardinality(3) -> batch(8) over 5 samples
    # with initial_epoch 2 of 2 raised FailedPreconditionError (TensorFlow on one device runs no epoch and returns).
    pipeline = [
        {"op": "filter", "keep_every": 3},
        {"op": "assert_cardinality", "count": 3},
        {"op": "batch", "size": 8, "drop_remainder": False},
    ]
    scenario = {"train": {"samples": 5, "source": "dataset", "pipeline": pipeline}, "epochs": 2, "initial_epoch": 2}
    planned = _planned({**scenario, "backend": backend})
    assert planned["outcome"] == "error" and planned["error"].startswith("FailedPreconditionError")
    assert "reads to build the model before epoch 1" in planned["error"]
    assert _planned(scenario)["outcome"] == "ok"


def test_jax_validates_an_empty_set_as_one_device_does():
    # The model is built by training, so JAX's evaluate reads nothing to build: recorded val [] with val_ran_out.
    validation = {**NO_BATCH}
    planned = _planned(
        {"backend": "jax", "train": {**ARRAYS_32, "samples": 40, "batch_size": 8}, "epochs": 1, "validation": validation}
    )
    assert _epochs(planned, "val", "val_ran_out") == [([], True)]


# ---------------------------------------------------------------- MirroredStrategy


def test_replicas_split_each_global_batch_in_replica_order():
    # Each global batch goes ceil(B/R) to a device in order; later ones short or empty. tf.keras 2 trains a first
    # batch that does not split evenly (32 over 3: 11, 11, 10), and so validates one (4 over 3: 2, 2, 0).
    scenario = {
        "keras": "2",
        "replicas": 3,
        "train": {"samples": 100, "source": "arrays", "batch_size": 32, "shuffle": False},
        "epochs": 2,
        "validation": {"samples": 10, "source": "dataset", "batch_size": 4},
    }
    planned = _planned(scenario)
    assert planned["outcome"] == "ok"
    assert (
        _epochs(planned, "train_replicas", "val_replicas")
        == [([[[11, 11, 10], 3], [[2, 2, 0], 1]], [[[2, 2, 0], 2], [[1, 1, 0], 1]])] * 2
    )


def test_keras2_replicas_stop_with_the_split_of_the_last_batch():
    # tf.keras 2 over 4 devices: a dataset of 50 in 16s with steps_per_epoch=3 stops in epoch 2 after the batch of 2 (1, 1, 0, 0).
    train = {"samples": 50, "source": "dataset", "batch_size": 16, "shuffle": False}
    planned = _planned({"keras": "2", "replicas": 4, "train": train, "epochs": 3, "steps_per_epoch": 3})
    assert _epochs(planned, "train", "train_replicas", "ran_out") == [
        ([[16, 3]], [[[4, 4, 4, 4], 3]], False),
        ([[2, 1]], [[[1, 1, 0, 0], 1]], True),
    ]
    assert planned["stopped"] == {"epoch": 2}


def test_keras3_refuses_an_uneven_first_batch_and_says_the_fix():
    # Keras 3 fails (AddN) when the first training batch, or the first validation batch, leaves devices uneven.
    train = {"samples": 100, "source": "arrays", "batch_size": 32, "shuffle": False}
    uneven = _planned({"replicas": 3, "train": train, "epochs": 1})
    assert uneven["outcome"] == "error"
    assert "AddN" in uneven["error"] and "11, 11, 10" in uneven["error"] and "multiple of 3 (30 or 33)" in uneven["error"]
    validation = {"samples": 3, "source": "dataset", "batch_size": 3}
    late = _planned({"replicas": 2, "train": train, "epochs": 1, "validation": validation})
    assert late["outcome"] == "error" and "first validation batch of 3 samples" in late["error"]
    assert "raised when validation first runs" in late["error"]
    fewer = _planned({"replicas": 4, "train": {**train, "samples": 5, "batch_size": 16}, "epochs": 1})
    assert "holds only 5 samples, less than one batch of 16" in fewer["error"]


def test_replicas_read_a_validation_batch_before_every_validation_run():
    # Recorded under MirroredStrategy over 2 devices: an empty validation set (5 in 8s, drop_remainder) raised a
    # bare StopIteration when validation first ran (one device validates nothing and warns).
    train = {"samples": 40, "source": "arrays", "batch_size": 8, "shuffle": False}
    empty = _planned({"replicas": 2, "train": train, "epochs": 1, "validation": NO_BATCH})
    assert empty["outcome"] == "error" and empty["error"].startswith("StopIteration")
    assert "raised when validation first runs, after epoch 1" in empty["error"]
    # validation_steps=1 of a set batched 10, 5: run 1 validated the 10, then the read before run 2 took the 5
    # (the batch after the one run 1 used) and failed: AddN, [3,2] != [2,2].
    dataset = {"samples": 40, "source": "dataset", "batch_size": 10, "shuffle": False}
    short = {"samples": 15, "source": "dataset", "batch_size": 10, "steps": 1}
    failed = _planned({"replicas": 2, "train": dataset, "epochs": 3, "validation": short})
    assert failed["outcome"] == "error" and failed["error"].startswith("InvalidArgumentError")
    assert (
        "a batch of 5 samples, split 3, 2" in failed["error"]
        and "before the second validation run, after epoch 2" in failed["error"]
    )
    # Neighbours, recorded: 14 samples (10, 4) split evenly, val [[10, 1]] every epoch; one epoch has no second
    # run, val [[10, 1]]; validation_steps=2 reads the whole set, so the read before run 2 starts afresh on the 10.
    even = _planned({"replicas": 2, "train": dataset, "epochs": 3, "validation": {**short, "samples": 14}})
    assert _epochs(even, "val") == [([[10, 1]],)] * 3
    once = _planned({"replicas": 2, "train": dataset, "epochs": 1, "validation": short})
    assert _epochs(once, "val") == [([[10, 1]],)]
    whole = _planned({"replicas": 2, "train": dataset, "epochs": 2, "validation": {**short, "steps": 2}})
    assert _epochs(whole, "val") == [([[10, 1], [5, 1]],)] * 2


def test_replicas_read_the_first_training_batch_even_when_no_epoch_runs():
    # Recorded: arrays of 40 in 7s over 2 devices with initial_epoch 2 of 2 still failed with AddN (the batch of 7
    # read to build the model); batches of 8 ran no epoch and returned.
    train = {"samples": 40, "source": "arrays", "batch_size": 7, "shuffle": False}
    planned = _planned({"replicas": 2, "train": train, "epochs": 2, "initial_epoch": 2})
    assert planned["outcome"] == "error" and "AddN" in planned["error"] and "4, 3" in planned["error"]
    even = _planned({"replicas": 2, "train": {**train, "batch_size": 8}, "epochs": 2, "initial_epoch": 2})
    assert even["outcome"] == "ok" and even["epochs"] == []


def test_replicas_take_a_false_assert_cardinality_as_the_length_without_failing():
    # Recorded: filter(keep_every=3) -> assert_cardinality(3) -> batch(8) over 5 samples (2 kept) validated
    # [[2, 1]] every epoch over 2 devices and fit returned; one device fails with FailedPreconditionError.
    pipeline = [
        {"op": "filter", "keep_every": 3},
        {"op": "assert_cardinality", "count": 3},
        {"op": "batch", "size": 8, "drop_remainder": False},
    ]
    validation = {"samples": 5, "source": "dataset", "pipeline": pipeline}
    train = {"samples": 64, "source": "dataset", "batch_size": 16, "shuffle": False}
    planned = _planned({"replicas": 2, "train": train, "epochs": 2, "validation": validation})
    assert planned["outcome"] == "ok" and _epochs(planned, "val") == [([[2, 1]],)] * 2
    one_device = _planned({"train": train, "epochs": 2, "validation": validation})
    assert one_device["outcome"] == "error" and one_device["error"].startswith("FailedPreconditionError")
    warning = next(warning for warning in planned["warnings"] if warning["code"] == "assert_cardinality_unchecked")
    assert "contained only 2 elements" in warning["text"] and "does not check it" in warning["text"]


def test_replicas_refuse_a_generator():
    # A Python generator under MirroredStrategy loses a varying number of batches: it cannot be planned.
    for data in (
        {"train": {"samples": 64, "source": "generator", "batch_size": 16}},
        {"train": ARRAYS_32, "validation": {"samples": 16, "source": "generator", "batch_size": 8}},
    ):
        planned = _planned({"replicas": 2, "epochs": 1, **data})
        assert planned["outcome"] == "error" and "cannot be planned" in planned["error"]


def test_replicas_are_said_in_plain_words():
    # The summary says how a batch is split: "each of the 4 devices gets 8 samples of every batch of 32".
    train = {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False}
    text = summarize(plan(scenario_from_dict({"replicas": 4, "train": train, "epochs": 1})))
    assert "MirroredStrategy over 4 devices: each of the 4 devices gets 8 samples of every batch of 32; " in text
    assert "a short batch of 4 gives each device 1." in text
    uneven = summarize(
        plan(scenario_from_dict({"replicas": 4, "train": {**train, "samples": 169, "batch_size": 64}, "epochs": 1}))
    )
    assert "a short batch of 41 is split 11, 11, 11 and 8." in uneven
    empty = plan(scenario_from_dict({"replicas": 4, "train": {**train, "samples": 101, "batch_size": 4}, "epochs": 1}))
    warning = next(warning for warning in empty.warnings if warning.code == "uneven_replica_split")
    assert warning.text.startswith("MirroredStrategy splits the batch of 1 across the 4 devices as 1, 0, 0, 0: 3 devices")
    assert "ceil(1 / 4) = 1 sample each" in warning.text


# ---------------------------------------------------------------- size and speed


@pytest.mark.parametrize(
    "scenario",
    [
        # tf.keras 2, a looping dataset carried across epochs of 10^12 steps.
        {
            "keras": "2",
            "train": {"samples": 10**6 + 3, "source": "dataset", "batch_size": 7, "repeat": "after_batch"},
            "epochs": 5,
            "steps_per_epoch": 10**12,
        },
        # tf.keras 2, arrays streaming across the passes it prepares, 3 x 10^11 steps an epoch.
        {
            "keras": "2",
            "train": {"samples": 10**12, "source": "arrays", "batch_size": 1, "shuffle": False},
            "epochs": 5,
            "steps_per_epoch": 3 * 10**11,
        },
        # Keras 3 over 4 devices, 2.5 x 10^11 steps an epoch with a short batch split 1, 1, 0, 0 at the end.
        {"replicas": 4, "train": {"samples": 10**12 - 2, "source": "arrays", "batch_size": 4, "shuffle": False}, "epochs": 5},
        # tf.keras 2 over 8 devices: the fit ends in epoch 3, after 2.5 x 10^11 steps.
        {
            "keras": "2",
            "replicas": 8,
            "train": {"samples": 10**12 - 4, "source": "dataset", "batch_size": 4},
            "epochs": 5,
            "steps_per_epoch": 10**11,
        },
    ],
    ids=["keras2-looping", "keras2-arrays", "replicas", "keras2-replicas-stop"],
)
def test_huge_flavour_plans_print_instantly_and_stay_small(scenario):
    # Plans of 10^12 steps an epoch in any flavour are closed form: planned and written as JSON at once, and
    # the output grows with the runs of each epoch, never with its batches.
    started = time.perf_counter()
    planned = plan(scenario_from_dict(scenario))
    out = io.StringIO()
    write_json([planned], out)
    elapsed = time.perf_counter() - started
    assert planned.outcome == "ok"
    assert elapsed < 1.0
    assert len(out.getvalue()) < 5000
    assert planned.totals.steps >= 2 * 10**11
    written = json.loads(out.getvalue())
    assert ("stopped" in written) == (scenario.get("keras") == "2")


# ---------------------------------------------------------------- against a literal port of each flavour's loop

FLAVOURS = st.sampled_from(
    [
        {"keras": "2"},
        {"backend": "jax"},
        {"backend": "torch"},
        {"replicas": 2},
        {"replicas": 3},
        {"keras": "2", "replicas": 4},
    ]
)


def _assert_matches_flavour_simulation(data: dict, flavour: dict) -> None:
    scenario = scenario_from_dict({**data, **flavour})
    planned = with_groups_expanded(plan(scenario).to_json())
    simulated = simulate(scenario)
    if "error" in (planned["outcome"], simulated["outcome"]):
        assert planned["outcome"] == simulated["outcome"], (planned.get("error"), simulated.get("error"))
        return
    assert first_difference(planned, simulated) is None
    assert planned.get("stopped") == simulated.get("stopped")


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), FLAVOURS)
def test_planner_matches_the_per_batch_simulation_of_every_flavour(data, flavour):
    # The closed-form planner and a batch-by-batch port of each flavour's loop (tf-keras' DataHandler and fit,
    # Keras 3's EpochIterator on each backend, MirroredStrategy's split) agree on every epoch, stop and split.
    _assert_matches_flavour_simulation(data, flavour)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pipeline_scenarios(), FLAVOURS)
def test_pipelines_sequences_and_splits_match_the_simulation_in_every_flavour(data, flavour):
    # tf.data pipelines, PyDatasets, ImageDataGenerator flows, loader splits, initial_epoch and accumulation:
    # the planner and the literal loop of each flavour agree (refusals included).
    _assert_matches_flavour_simulation(data, flavour)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(huge_scenarios(), FLAVOURS)
def test_huge_scenarios_of_every_flavour_print_bounded_and_fast(data, flavour):
    # Up to 10^12 samples and steps, in any flavour: `plan --json` prints at most a short line an epoch
    # (per-replica lists included) plus a bounded rest, and the text summary stays short, both fast.
    path = io.StringIO()
    scenario = scenario_from_dict({**data, **flavour})
    started = time.perf_counter()
    write_json([plan(scenario)], path)
    text = summarize(plan(scenario))
    elapsed = time.perf_counter() - started
    document = json.loads(path.getvalue())
    assert all(len(json.dumps(epoch)) <= 900 for epoch in document["epochs"])
    assert len(path.getvalue()) <= 900 * len(document["epochs"]) + 20_000
    assert len(text) <= 20_000
    assert elapsed < 5
