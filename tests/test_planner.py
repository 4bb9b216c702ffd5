"""The planner on hand-worked cases: every expected number below was worked out from Keras' source
and is also checked against real Keras (tests/test_real_keras.py) or shared/conformance."""

from __future__ import annotations

import dataclasses

import pytest

from core import plan, scenario_from_dict
from core.explain import summarize
from core.versions import PLANNED_KERAS_VERSION


def planned(data):
    return plan(scenario_from_dict(data))


def codes(result):
    return [warning.code for warning in result.warnings]


def test_mnist_ceil_not_floor():
    # 60000 / 64 = 937.5: Keras runs 938 steps, the last one of 32 samples, every epoch from sample 0.
    result = planned({"train": {"samples": 60000, "batch_size": 64, "shuffle": False}, "epochs": 2})
    assert [epoch.train.runs() for epoch in result.epochs] == [[[64, 937], [32, 1]]] * 2
    assert [epoch.train.first_sample for epoch in result.epochs] == [0, 0]
    assert (result.totals.steps, result.totals.samples_seen, result.totals.passes) == (1876, 120000, 2.0)
    assert result.totals.samples_never_seen == 0
    assert "60,000 / 64 = 937.5, so one pass is 938 steps; the last batch has 32 samples" in summarize(result)


def test_floor_trap_runs_out_and_restarts():
    # steps_per_epoch = 100 // 32 = 3 on a 4-batch dataset: epoch 2 gets the short batch alone, then a fresh start.
    result = planned({"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 3, "steps_per_epoch": 3})
    assert [epoch.train.runs() for epoch in result.epochs] == [[[32, 3]], [[4, 1]], [[32, 3]]]
    assert [epoch.train.first_sample for epoch in result.epochs] == [0, 96, 0]
    assert [epoch.ran_out for epoch in result.epochs] == [False, True, False]
    ran_out = [w for w in result.warnings if w.code == "ran_out_of_data"]
    assert [w.epoch for w in ran_out] == [2]
    assert "steps_per_epoch to 4" in ran_out[0].fix


def test_drop_remainder_never_sees_the_tail():
    # 50000 = 390 x 128 + 80: the last 80 samples are dropped in every pass.
    result = planned({"train": {"samples": 50000, "source": "dataset", "batch_size": 128, "drop_remainder": True}, "epochs": 2})
    assert [epoch.train.runs() for epoch in result.epochs] == [[[128, 390]]] * 2
    assert result.totals.samples_never_seen == 80
    assert "dropped_samples" in codes(result)


def test_repeat_before_batch_wraps_across_the_pass_boundary():
    # ds.repeat().batch(32) on 100 samples: the 4th batch holds samples 96-99 and 0-27; epoch 2 starts at 160 % 100.
    result = planned(
        {
            "train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "before_batch"},
            "epochs": 3,
            "steps_per_epoch": 5,
        }
    )
    first = result.epochs[0]
    assert first.train.runs() == [[32, 5]]
    assert first.train.sample_ranges(3) == [(96, 100), (0, 28)]
    assert first.train.pass_of(3) == 0 and first.train.pass_of(4) == 1
    assert [epoch.train.first_sample for epoch in result.epochs] == [0, 60, 20]


def test_repeat_after_batch_keeps_the_short_batch_each_pass():
    # ds.batch(32).repeat(): the 4-sample batch comes once per pass, inside epochs of 5 steps.
    result = planned(
        {
            "train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "after_batch"},
            "epochs": 3,
            "steps_per_epoch": 5,
        }
    )
    assert [epoch.train.runs() for epoch in result.epochs] == [
        [[32, 3], [4, 1], [32, 1]],
        [[32, 2], [4, 1], [32, 2]],
        [[32, 1], [4, 1], [32, 3]],
    ]
    assert result.epochs[0].train.pass_of(4) == 1


def test_repeat_without_steps_is_an_endless_first_epoch():
    # .repeat() and no steps_per_epoch: epoch 1 never ends, so the plan lists no finished epoch.
    result = planned({"train": {"samples": 1000, "source": "dataset", "repeat": "after_batch"}, "epochs": 5})
    assert (result.outcome, result.endless_epoch, result.endless_part) == ("endless", 1, "train")
    assert len(result.epochs) == 0
    assert result.to_json()["endless"] == {"epoch": 1, "part": "train"}
    assert "endless_epoch" in codes(result)


def test_endless_validation_keeps_the_training_of_that_epoch():
    # A repeated validation set without validation_steps: epoch 1 trains, then validation never ends.
    result = planned(
        {
            "train": {"samples": 64, "source": "dataset", "batch_size": 32},
            "epochs": 3,
            "validation": {"samples": 10, "source": "dataset", "batch_size": 4, "repeat": "after_batch"},
        }
    )
    assert (result.outcome, result.endless_epoch, result.endless_part) == ("endless", 1, "val")
    assert result.endless_train is not None and result.endless_train.runs() == [[32, 2]]
    assert "endless_validation" in codes(result)


def test_validation_restarts_and_follows_freq():
    # validation_freq=2: validation after epochs 2 and 4 only, each time from the first validation sample.
    result = planned(
        {
            "train": {"samples": 20, "source": "dataset", "batch_size": 8},
            "epochs": 4,
            "steps_per_epoch": 2,
            "validation": {"samples": 10, "source": "dataset", "batch_size": 4, "steps": 2, "freq": 2},
        }
    )
    vals = [epoch.val.runs() if epoch.val else None for epoch in result.epochs]
    assert vals == [None, [[4, 2]], None, [[4, 2]]]
    assert [epoch.val.first_sample for epoch in result.epochs if epoch.val] == [0, 0]


def test_validation_steps_beyond_the_data_run_out():
    # validation_steps=9 on 3 validation batches: all 3 run, with Keras' ran-out warning.
    result = planned(
        {
            "train": {"samples": 8, "batch_size": 4},
            "epochs": 2,
            "validation": {"samples": 10, "source": "dataset", "batch_size": 4, "steps": 9},
        }
    )
    assert [(epoch.val.runs(), epoch.val_ran_out) for epoch in result.epochs] == [([[4, 2], [2, 1]], True)] * 2
    said = [w for w in result.warnings if w.code == "validation_ran_out"]
    assert [(w.epoch, w.text.split(",")[0]) for w in said] == [(1, "Validation after epochs 1 and 2 ran 3 batches each")]


def test_validation_split_floors_in_floating_point():
    # 90 x (1 - 0.3) = 62.99999999999999, floored to 62: 62 train, the last 28 validate from sample 62.
    result = planned({"train": {"samples": 90, "batch_size": 32, "shuffle": False}, "validation": {"split": 0.3}})
    assert result.train_samples == 62
    epoch = result.epochs[0]
    assert epoch.train.runs() == [[32, 1], [30, 1]]
    assert (epoch.val.runs(), epoch.val.first_sample) == ([[28, 1]], 62)
    assert "validation_split_rounding" in codes(result)


def test_validation_split_leaving_nothing_is_keras_error():
    # 10 x (1 - 0.9) = 0.9999999999999998 -> 0 training samples: Keras raises.
    result = planned({"train": {"samples": 10}, "validation": {"split": 0.9}})
    assert result.outcome == "error"
    assert "not sufficient to split" in result.error
    assert result.to_json()["error"] == result.error


def test_validation_split_on_a_dataset_is_keras_error():
    # validation_split is for arrays; Keras refuses it for a tf.data.Dataset.
    result = planned({"train": {"samples": 10, "source": "dataset"}, "validation": {"split": 0.2}})
    assert result.outcome == "error" and "only supported for NumPy arrays" in result.error


def test_one_shot_generator_replays_its_peeked_batches():
    # A generator of 5 batches over 3 epochs: epoch 1 reads all 5, later epochs only the 2 Keras peeked.
    result = planned({"train": {"samples": 10, "source": "generator", "batch_size": 2}, "epochs": 3})
    assert [epoch.train.runs() for epoch in result.epochs] == [[[2, 5]], [[2, 2]], [[2, 2]]]
    assert [epoch.ran_out for epoch in result.epochs] == [True, True, True]
    replay = [w for w in result.warnings if w.code == "generator_replay"]
    assert replay and replay[0].epoch == 2


def test_steps_per_execution_overshoots_and_carries_on():
    # steps_per_epoch=2 with steps_per_execution=3: each epoch trains 3 batches and the next continues after them.
    result = planned(
        {
            "train": {"samples": 100, "source": "dataset", "batch_size": 2},
            "epochs": 3,
            "steps_per_epoch": 2,
            "steps_per_execution": 3,
        }
    )
    assert [epoch.train.runs() for epoch in result.epochs] == [[[2, 3]]] * 3
    assert [epoch.train.first_sample for epoch in result.epochs] == [0, 6, 12]
    assert "steps_per_execution_overshoot" in codes(result)


def test_arrays_without_batch_size_use_steps():
    # No batch_size with steps_per_epoch=3: Keras sizes array batches as ceil(100 / 3) = 34.
    result = planned({"train": {"samples": 100, "batch_size": None, "shuffle": False}, "steps_per_epoch": 3})
    assert result.train_batch_size == 34
    assert result.epochs[0].train.runs() == [[34, 2], [32, 1]]
    assert "batch_size_from_steps" in codes(result)


def test_empty_arrays_run_out_every_epoch():
    # 0 samples: Keras trains no batch and warns that the input ran out, every epoch.
    result = planned({"train": {"samples": 0}, "epochs": 2})
    assert [(epoch.train.runs(), epoch.ran_out) for epoch in result.epochs] == [([], True), ([], True)]
    assert result.to_json()["epochs"][0]["train_first_sample"] is None


def test_empty_generator_is_keras_error():
    # Keras refuses a generator that yields nothing.
    result = planned({"train": {"samples": 0, "source": "generator"}})
    assert result.outcome == "error" and "at least one batch" in result.error


def test_shuffled_arrays_and_streams_have_no_first_sample():
    # With shuffle, or an endless stream without length, sample positions are unknown: null.
    shuffled = planned({"train": {"samples": 10, "batch_size": 4, "shuffle": True}})
    stream = planned({"train": {"samples": None, "source": "generator", "batch_size": 4}, "steps_per_epoch": 3})
    assert shuffled.epochs[0].train.first_sample is None and shuffled.epochs[0].train.runs() == [[4, 2], [2, 1]]
    assert stream.epochs[0].train.first_sample is None and stream.epochs[0].train.runs() == [[4, 3]]


def test_imagenet_sized_plan_in_closed_form():
    # 1,281,167 samples, batch 1, 1000 epochs = 1.28e9 batches, without a loop per batch or per epoch.
    result = planned({"train": {"samples": 1281167, "source": "dataset", "batch_size": 1}, "epochs": 1000})
    assert result.totals.steps == 1_281_167_000
    assert len(result.epochs) == 1000
    assert result.epochs[999].train.runs() == [[1, 1281167]]


def test_hundred_thousand_epochs_of_a_carried_iterator():
    # 4 batches per pass and steps_per_epoch=3: epochs alternate [32 x 3] and [4 x 1, ran out] for 100,000 epochs.
    result = planned({"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 100_000, "steps_per_epoch": 3})
    last = result.epochs[99_999]
    assert (last.train.runs(), last.ran_out, last.train.first_sample) == ([[4, 1]], True, 96)
    assert result.epochs[99_998].train.runs() == [[32, 3]]
    assert result.totals.steps == 50_000 * 3 + 50_000
    ran_out = [w for w in result.warnings if w.code == "ran_out_of_data"]
    # Said once for the 50,000 epochs that run out, not once an epoch.
    assert len(ran_out) == 1 and ran_out[0].epoch == 2
    assert ran_out[0].text.startswith("50,000 epochs (2, 4, 6, 8, 10, ...) each train 1 batch of the 3 asked for")


def test_plan_json_shape_and_version():
    # The plan JSON carries the format's keys and names the Keras version it describes.
    result = planned({"train": {"samples": 3, "batch_size": 2}}).to_json()
    assert set(result) == {"outcome", "keras", "epochs", "warnings"}
    assert result["keras"] == PLANNED_KERAS_VERSION
    assert set(result["epochs"][0]) == {
        "epoch",
        "train",
        "train_first_sample",
        "val",
        "val_first_sample",
        "ran_out",
        "val_ran_out",
    }


def test_plans_are_immutable():
    # Views share one plan; nobody may change it under them.
    result = planned({"train": {"samples": 3}})
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.outcome = "error"  # type: ignore[misc]


def test_version_note_when_installed_keras_differs(monkeypatch):
    # The app says so when the installed Keras is not the one the plans describe.
    from core import versions

    monkeypatch.setattr(versions, "installed_version", lambda name: "3.99.0" if name == "keras" else None)
    note = versions.keras_version_note()
    assert note is not None and "3.99.0" in note and PLANNED_KERAS_VERSION in note
    monkeypatch.setattr(versions, "installed_version", lambda name: PLANNED_KERAS_VERSION)
    assert versions.keras_version_note() is None


def test_generated_code_passes_the_batch_size_that_batches_validation_arrays():
    # tf.data training with validation arrays and no validation_batch_size: the plan batches them by 16, so the code passes it.
    from core.codegen import fit_code

    data = {"train": {"samples": 100, "source": "dataset", "batch_size": 16}, "validation": {"samples": 100, "source": "arrays"}}
    assert planned(data).epochs[0].val.runs() == [[16, 6], [4, 1]]
    assert "model.fit(train_data, batch_size=16, epochs=1, validation_data=(x_val, y_val))" in fit_code(scenario_from_dict(data))
    without_validation = {"train": {"samples": 100, "source": "dataset", "batch_size": 16}}
    assert "batch_size=16)" not in fit_code(scenario_from_dict(without_validation))


# ---------------------------------------------------------------- real input pipelines and more of fit


def test_image_data_generator_with_too_many_steps_trains_one_pass_every_epoch():
    # The first trap: 100 images, batch 32, steps_per_epoch=1000: every epoch 32, 32, 32, 4, warns, starts afresh.
    result = planned(
        {"train": {"samples": 100, "source": "image_data_generator", "batch_size": 32}, "epochs": 3, "steps_per_epoch": 1000}
    )
    assert [epoch.to_json()["train"] for epoch in result.epochs] == [[[32, 3], [4, 1]]] * 3
    assert all(epoch.ran_out and epoch.train_order == "random" for epoch in result.epochs)
    assert {"ran_out_of_data", "short_batch_anywhere"} <= set(codes(result))


def test_directory_split_and_fit_split_round_differently():
    # N=10, f=0.25: image_dataset_from_directory validates int(2.5) = 2 files, fit(validation_split) would validate 3.
    directory = planned(
        {
            "train": {"samples": 10, "source": "dataset", "batch_size": 4, "shuffle": False},
            "validation": {"split": 0.25, "split_by": "directory"},
        }
    )
    assert directory.train_samples == 8 and directory.epochs[0].val.count == 1 and directory.epochs[0].val.samples == 2
    assert directory.epochs[0].train.first_sample is None  # the loader shuffles its files
    assert "split_rounding" in codes(directory)
    fit_split = planned({"train": {"samples": 10, "batch_size": 4}, "validation": {"split": 0.25}})
    assert fit_split.epochs[0].val.samples == 3


def test_filter_makes_the_length_unknown_and_every_epoch_run_out():
    # filter: Keras learns the length on running out, so every epoch warns; a carried iterator used up exactly gives no batch.
    pipeline = [{"op": "filter", "keep_every": 2}, {"op": "batch", "size": 5}]
    every_epoch = planned({"train": {"samples": 20, "source": "dataset", "shuffle": False, "pipeline": pipeline}, "epochs": 3})
    assert all(epoch.ran_out for epoch in every_epoch.epochs)
    assert every_epoch.train_length_unknown and "unknown_length" in codes(every_epoch)
    carried = planned(
        {"train": {"samples": 20, "source": "dataset", "shuffle": False, "pipeline": pipeline}, "epochs": 2, "steps_per_epoch": 2}
    )
    assert [epoch.train.count for epoch in carried.epochs] == [2, 0]
    assert [epoch.ran_out for epoch in carried.epochs] == [False, True]


def test_initial_epoch_numbers_epochs_absolutely():
    # fit(epochs=5, initial_epoch=3) runs epochs 4 and 5; validation_freq counts absolute epochs; warnings name them.
    result = planned(
        {"train": {"samples": 10, "batch_size": 4}, "epochs": 5, "initial_epoch": 3, "validation": {"samples": 4, "freq": 2}}
    )
    assert [epoch.number for epoch in result.epochs] == [4, 5]
    assert [epoch.val is not None for epoch in result.epochs] == [True, False]
    assert [epoch.to_json()["epoch"] for epoch in result.epochs] == [4, 5]
    assert "initial_epoch_numbering" in codes(result)
    endless = planned({"train": {"samples": None, "source": "dataset"}, "epochs": 5, "initial_epoch": 2})
    assert endless.to_json()["endless"] == {"epoch": 3, "part": "train"}
    assert len(planned({"train": {"samples": 10}, "epochs": 2, "initial_epoch": 4}).epochs) == 0


def test_gradient_accumulation_counts_across_epoch_ends():
    # G=4 over epochs of 3 batches: updates after fit batches 4, 8, 12 -> 0, 1, 1, 1 per epoch, and which step ends each.
    result = planned(
        {
            "train": {"samples": 30, "source": "dataset", "batch_size": 10, "shuffle": False},
            "epochs": 4,
            "gradient_accumulation_steps": 4,
        }
    )
    assert [epoch.updates for epoch in result.epochs] == [0, 1, 1, 1]
    assert [list(epoch.update_steps()) for epoch in result.epochs] == [[], [0], [1], [2]]
    assert result.weight_updates == 3 and result.to_json()["weight_updates"] == 3
    assert "accumulation_crosses_epochs" in codes(result)


def test_shuffled_batches_are_listed_largest_first():
    # A shuffle after batch: the batches' order is random, so the JSON gives the sizes as a multiset, largest first.
    pipeline = [{"op": "batch", "size": 4}, {"op": "shuffle", "buffer_size": 10}]
    epoch = planned({"train": {"samples": 10, "source": "dataset", "shuffle": False, "pipeline": pipeline}}).epochs[0]
    assert epoch.to_json()["train"] == [[4, 2], [2, 1]] and epoch.to_json()["train_order"] == "random"
    assert epoch.train.first_sample is None


def test_shuffle_before_take_and_skip_is_warned():
    # shuffle then take/skip: the split changes every epoch and the validation data leaks into training.
    pipeline = [{"op": "shuffle", "buffer_size": 100}, {"op": "take", "count": 80}, {"op": "batch", "size": 8}]
    assert "shuffle_before_split" in codes(planned({"train": {"samples": 100, "source": "dataset", "pipeline": pipeline}}))


def test_assert_cardinality_larger_than_the_data_is_keras_error():
    # assert_cardinality(30) on 20 samples: the first pass reaches its real end and tf.data fails.
    pipeline = [{"op": "assert_cardinality", "count": 30}, {"op": "batch", "size": 8}]
    result = planned({"train": {"samples": 20, "source": "dataset", "pipeline": pipeline}})
    assert result.outcome == "error" and "FailedPreconditionError" in result.error and "contained only 20" in result.error
    smaller = [{"op": "batch", "size": 5}, {"op": "assert_cardinality", "count": 2}]
    cut = planned({"train": {"samples": 20, "source": "dataset", "pipeline": smaller}, "epochs": 2})
    assert cut.outcome == "ok" and [epoch.train.count for epoch in cut.epochs] == [2, 2]
    assert "assert_cardinality_cuts" in codes(cut)


def test_a_validation_run_with_no_batch_is_an_empty_list():
    # A validation set that yields nothing still runs: val is [] (not null) and it ran out.
    pipeline = [{"op": "batch", "size": 32}, {"op": "skip", "count": 1}]
    epoch = planned(
        {
            "train": {"samples": 4, "batch_size": 2},
            "validation": {"samples": 5, "source": "dataset", "pipeline": pipeline, "steps": 2},
        }
    ).epochs[0]
    assert epoch.to_json()["val"] == [] and epoch.val_ran_out


def test_pydataset_of_length_zero_is_keras_error():
    # Keras refuses a PyDataset with no batch (ValueError "The PyDataset has length 0").
    result = planned({"train": {"samples": 3, "source": "pydataset", "batch_size": 4, "drop_remainder": True}})
    assert result.outcome == "error" and "length 0" in result.error


def test_endless_pydataset_with_shuffle_warns_that_shuffle_is_ignored():
    # An endless PyDataset cannot be shuffled by fit; a finite one is (its batch order), without a warning.
    assert "shuffle_ignored" in codes(planned({"train": {"samples": None, "source": "pydataset"}, "steps_per_epoch": 3}))
    assert "shuffle_ignored" not in codes(planned({"train": {"samples": 64, "source": "pydataset"}}))


@pytest.mark.parametrize(
    ("data", "outcome", "trains"),
    [
        (  # unbatch, then shard and rebatch of single samples; an iterator used up exactly gives epoch 2 nothing
            {
                "train": {
                    "samples": 23,
                    "source": "dataset",
                    "shuffle": False,
                    "pipeline": [
                        {"op": "batch", "size": 4},
                        {"op": "shuffle", "buffer_size": 3},
                        {"op": "take", "count": 4},
                        {"op": "unbatch"},
                        {"op": "shard", "num_shards": 3, "index": 1},
                        {"op": "rebatch", "size": 2},
                    ],
                },
                "epochs": 2,
                "steps_per_epoch": 4,
                "steps_per_execution": 2,
                "gradient_accumulation_steps": 3,
            },
            "ok",
            [[[2, 2], [1, 1]], []],
        ),
        (  # a filter counting on across repeat(3), carried, unknown length: every other epoch finds nothing left
            {
                "train": {
                    "samples": 10,
                    "source": "dataset",
                    "shuffle": False,
                    "pipeline": [{"op": "repeat", "count": 3}, {"op": "filter", "keep_every": 4}, {"op": "batch", "size": 2}],
                },
                "epochs": 4,
                "steps_per_epoch": 5,
                "steps_per_execution": 3,
            },
            "ok",
            [[[2, 4]], [], [[2, 4]], []],
        ),
        (  # a shuffle buffer reads ahead into an assert_cardinality that is too small
            {
                "train": {
                    "samples": 20,
                    "source": "dataset",
                    "pipeline": [
                        {"op": "batch", "size": 4},
                        {"op": "assert_cardinality", "count": 3},
                        {"op": "shuffle", "buffer_size": 2},
                    ],
                },
                "epochs": 2,
            },
            "error",
            [],
        ),
        (  # too small, but batch(drop_remainder) stops at the asserted length: Keras trains on it silently
            {
                "train": {
                    "samples": 20,
                    "source": "dataset",
                    "pipeline": [{"op": "assert_cardinality", "count": 10}, {"op": "batch", "size": 4, "drop_remainder": True}],
                },
                "epochs": 2,
            },
            "ok",
            [[[4, 2]], [[4, 2]]],
        ),
        (  # too small, and steps_per_execution=2 asks past the asserted 3 batches
            {
                "train": {
                    "samples": 20,
                    "source": "dataset",
                    "pipeline": [{"op": "batch", "size": 4}, {"op": "assert_cardinality", "count": 3}],
                },
                "epochs": 2,
                "steps_per_execution": 2,
            },
            "error",
            [],
        ),
    ],
    ids=["unbatch-shard-rebatch", "filter-across-repeats", "shuffle-reads-ahead", "asserted-and-dropped", "execution-reads-past"],
)
def test_pipelines_checked_with_real_keras(data, outcome, trains):
    # Cases `main.py verify` ran with real Keras 3.15.1 (all matched): the plan's outcome and each epoch's batches.
    result = planned(data)
    assert result.outcome == outcome
    assert [epoch.to_json()["train"] for epoch in result.epochs] == trains
