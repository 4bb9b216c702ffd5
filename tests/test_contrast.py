"""Issue 12, the compare view's words: core.contrast finds, on real plans, the epochs where two plans part
and says each way in one sentence, in closed form (one step an epoch, never one a batch)."""

from __future__ import annotations

import time

import pytest

from core.contrast import MAX_SENTENCES, Contrast, contrast, epochs_words, floor_and_ceil
from core.flavours import Flavour
from core.keras.fit import plan
from core.scenario import scenario_from_dict

# The public record k2_floor_trap (tests/conformance/flavours-public.json): tf.keras 2 trains epoch 1,
# runs out in epoch 2 and ends fit there; Keras 3 runs out in epoch 2 too, then starts epoch 3 afresh.
FLOOR_TRAP = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 3,
}
TORCH_SPX = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 2,
    "steps_per_execution": 4,
}
BATCH_41 = {"train": {"samples": 100, "source": "arrays", "batch_size": 41, "shuffle": False}, "epochs": 2}


def planned(data: dict, **flavour) -> object:
    return plan(scenario_from_dict({**data, **flavour}))


def named(**flavour) -> str:
    return Flavour(**flavour).label


def planner_knows_flavours() -> None:
    """The planner becomes flavour-aware when helper A's rules land; until then these tests wait for it."""
    if plan(scenario_from_dict({**TORCH_SPX, "backend": "torch"})).outcome != "error":
        pytest.skip("the planner does not yet plan flavours (keras/backend/replicas)")


def test_tf_keras_2_stops_where_keras_3_starts_epoch_3_afresh():
    # The floor trap under tf.keras 2 and Keras 3: epochs 1 and 2 are alike, epoch 3 is Keras 3's only.
    planner_knows_flavours()
    found = contrast(planned(FLOOR_TRAP, keras="2"), planned(FLOOR_TRAP), named(keras="2"), named())
    assert found == [
        Contrast(
            (range(3, 4),),
            "Epoch 3: tf.keras 2 stopped training in epoch 2, when its data ran out; "
            "Keras 3 (TensorFlow) starts epoch 3 from the first batch.",
        )
    ]


def test_drop_remainder_against_keeping_the_short_batch():
    # One flavour, two scenarios: .batch(32, drop_remainder=True) trains 3 batches an epoch, .batch(32) 4.
    kept = {**FLOOR_TRAP, "steps_per_epoch": None, "epochs": 2}
    dropped = {**kept, "train": {**kept["train"], "drop_remainder": True}}
    found = contrast(planned(dropped), planned(kept), "drop_remainder", "keep the short batch")
    assert found == [
        Contrast(
            (range(1, 3),),
            "Epochs 1 and 2: drop_remainder trains 3 batches (96 samples); "
            "keep the short batch trains 4 batches (100 samples, one short).",
        )
    ]


def test_floor_against_ceil_marks_the_epochs_that_run_out_and_the_ones_that_do_not():
    # The classic pair from the floor trap's data: N // B = 3 with drop_remainder never runs out; ceil = 4 trains
    # the short batch every epoch.
    (floor, floor_name), (ceil, ceil_name) = floor_and_ceil(planned({**FLOOR_TRAP, "epochs": 4}))
    assert (floor_name, ceil_name) == ("N // B = 3 steps (drop_remainder)", "ceil(N / B) = 4 steps")
    assert (floor.steps_per_epoch, floor.train.drop_remainder, ceil.steps_per_epoch, ceil.train.drop_remainder) == (
        3,
        True,
        4,
        False,
    )
    found = contrast(plan(floor), plan(ceil), floor_name, ceil_name)
    assert [item.sentence for item in found] == [
        "Epochs 1 to 4: N // B = 3 steps (drop_remainder) trains 3 batches (96 samples); "
        "ceil(N / B) = 4 steps trains 4 batches (100 samples, one short)."
    ]


def test_n_over_b_without_dropping_runs_out_every_other_epoch_against_ceil():
    # steps_per_epoch = N // B on a plain dataset (the trap itself) against ceil: the odd epochs train a batch
    # less, the even ones carry on from sample 96, run out and train one batch: two sentences, each a range.
    found = contrast(
        planned({**FLOOR_TRAP, "epochs": 6}), planned({**FLOOR_TRAP, "epochs": 6, "steps_per_epoch": 4}), "N // B", "ceil"
    )
    assert found == [
        Contrast(
            (range(1, 6, 2),),
            "Epochs 1, 3 and 5: N // B trains 3 batches (96 samples); ceil trains 4 batches (100 samples, one short).",
        ),
        Contrast(
            (range(2, 7, 2),),
            "Epochs 2, 4 and 6: N // B trains 1 batch (4 samples, one short) and runs out of data (Keras warns), carries "
            "on where the last epoch stopped (sample 96); ceil trains 4 batches (100 samples, one short) and does not run "
            "out of data, starts from the first batch.",
        ),
    ]


def test_the_pytorch_backend_refuses_steps_per_execution_4():
    # Keras 3 on PyTorch refuses steps_per_execution > 1 before any epoch; on TensorFlow the fit runs.
    planner_knows_flavours()
    torch, tensorflow = planned(TORCH_SPX, backend="torch"), planned(TORCH_SPX)
    [found] = contrast(torch, tensorflow, named(backend="torch"), named())
    assert found.epochs == ()
    assert found.sentence.startswith("Keras 3 (PyTorch) refuses this fit (")
    assert "steps_per_execution" in found.sentence
    assert found.sentence.endswith(f"; Keras 3 (TensorFlow) runs it: 2 epochs, {tensorflow.totals.steps} training steps.")


def test_four_devices_refuse_a_global_batch_of_41():
    # MirroredStrategy over 4 devices cannot split the first global batch of 41 evenly (11, 10, 10, 10): fit fails.
    planner_knows_flavours()
    devices, one = planned(BATCH_41, replicas=4), planned(BATCH_41)
    [found] = contrast(one, devices, named(), named(replicas=4))
    assert found.sentence.startswith("Keras 3 (TensorFlow), 4 devices refuses this fit (")
    assert found.sentence.endswith("; Keras 3 (TensorFlow) runs it: 2 epochs, 6 training steps.")


def test_four_devices_split_each_batch_said_once_for_the_whole_fit():
    # 98 samples in batches of 32 over 4 devices: the first batch splits evenly, so the batches are the same; one
    # sentence says how each is shared, the short batch of 2 leaving devices 3 and 4 empty (ceil(2/4) = 1 each, in order).
    data = {**BATCH_41, "train": {**BATCH_41["train"], "samples": 98, "batch_size": 32}}
    found = contrast(planned(data), planned(data, replicas=4), named(), named(replicas=4))
    assert found == [
        Contrast(
            (),
            "Keras 3 (TensorFlow) trains each batch on one device; Keras 3 (TensorFlow), 4 devices splits each batch "
            "of 32 across 4 devices as 4 shares of 8 and the short batch of 2 as 1 + 1 + 0 + 0.",
        )
    ]


def test_alike_plans_have_nothing_to_say_and_two_alike_refusals_neither():
    assert contrast(planned(FLOOR_TRAP), planned(FLOOR_TRAP), "left", "right") == []
    endless_without_steps = {"train": {"samples": None, "source": "generator", "batch_size": 8}, "epochs": 2}
    assert contrast(planned(endless_without_steps), planned(endless_without_steps), "a", "b") == []


def test_an_endless_epoch_against_one_that_ends():
    # .repeat() without steps_per_epoch never ends epoch 1 (Keras 3); a single pass ends after each epoch.
    repeated = {**FLOOR_TRAP, "steps_per_epoch": None, "train": {**FLOOR_TRAP["train"], "repeat": "before_batch"}}
    once = {**FLOOR_TRAP, "steps_per_epoch": None}
    found = contrast(planned(repeated), planned(once), ".repeat()", "one pass")
    assert found[0] == Contrast((range(1, 2),), "Epoch 1: .repeat()'s training never ends; one pass ends after epoch 3.")


def test_a_plan_of_a_trillion_steps_and_100000_epochs_is_contrasted_at_once_in_a_few_sentences():
    # 10^12 samples in batches of 3 over 100,000 epochs: the walk is one step an epoch, the answer a few sentences.
    big = {"train": {"samples": 10**12, "source": "arrays", "batch_size": 3, "shuffle": False}, "epochs": 100_000}
    left, right = planned({**big, "steps_per_epoch": 10**7}), planned({**big, "steps_per_epoch": 10**7 + 1})
    started = time.perf_counter()
    found = contrast(left, right, "ten million", "one more")
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0
    assert 1 <= len(found) <= MAX_SENTENCES
    assert found[-1].sentence.endswith("more epochs differ in other ways: hover their batches on the timelines to see how.")
    assert found[0].first_epoch == 1


def test_epochs_are_said_as_people_say_them():
    assert epochs_words([range(3, 4)]) == "Epoch 3"
    assert epochs_words([range(3, 5)]) == "Epochs 3 and 4"
    assert epochs_words([range(3, 10)]) == "Epochs 3 to 9"
    assert epochs_words([range(2, 100_001, 2)]) == "Epochs 2, 4, ..., 100,000"
    assert epochs_words([range(1, 10, 4)]) == "Epochs 1, 5 and 9"
    assert (
        epochs_words([range(1, 2), range(4, 5), range(7, 8), range(9, 20), range(30, 31)]) == "Epochs 1, 4, 7 and 12 more epochs"
    )


def test_floor_and_ceil_says_in_one_line_when_it_cannot_be_made():
    endless = {"train": {"samples": None, "source": "generator", "batch_size": 8}, "epochs": 1, "steps_per_epoch": 2}
    with pytest.raises(ValueError, match="endless stream"):
        floor_and_ceil(planned(endless))
    steps = {"train": {"samples": 100, "source": "dataset", "pipeline": [{"op": "batch", "size": 8}]}, "epochs": 1}
    with pytest.raises(ValueError, match="pipeline steps"):
        floor_and_ceil(planned(steps))
    small = {"train": {"samples": 10, "source": "arrays", "batch_size": 32}, "epochs": 1}
    with pytest.raises(ValueError, match="fewer than one batch"):
        floor_and_ceil(planned(small))
    # NumPy arrays have no drop_remainder: the floor side only sets steps_per_epoch.
    (floor, floor_name), _ceil = floor_and_ceil(planned({**BATCH_41, "train": {**BATCH_41["train"], "batch_size": 32}}))
    assert (floor_name, floor.steps_per_epoch, floor.train.drop_remainder) == ("N // B = 3 steps", 3, False)
