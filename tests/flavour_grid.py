"""A grid of scenarios across the flavours, for recording with the real thing (tests/test_flavours_real.py).

Each flavour's scenarios cover what differs between flavours: NumPy arrays, tf.data datasets
(finite, repeated before or after batching), generators (one pass or looping), PyDatasets (a
Sequence under tf.keras 2); steps_per_epoch below, at and beyond the data (carried on, run out);
steps_per_execution; validation sets, splits, validation_steps and validation_freq; initial_epoch;
and the refusals (tf.keras 2's endless dataset without steps_per_epoch and its "Empty logs",
PyTorch's steps_per_execution, a first global batch that does not split across replicas).
Small data and few epochs: every scenario records in well under a second (replicas: a few seconds).
Deterministic: the same list every run. Generators are left out under replicas (MirroredStrategy
loses a varying number of their batches: the planner refuses them, and no recording can agree).
"""

from __future__ import annotations

import itertools
from typing import Any

# (samples, batch_size): an exact fit, a short last batch, a batch larger than the data.
SIZES = ((64, 16), (100, 32), (50, 8), (12, 20))


def _scenario(flavour: dict[str, Any], train: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {**flavour, "train": {"shuffle": False, **train}, **{key: value for key, value in top.items() if value is not None}}


def _data(source: str, samples: int, batch: int, **extra: Any) -> dict[str, Any]:
    return {"source": source, "samples": samples, "batch_size": batch, **extra}


def _pipeline_data(samples: int, keep_every: int, asserted: int, batch: int) -> dict[str, Any]:
    """A dataset filtered to every keep_every-th sample, asserted to hold ``asserted`` (maybe falsely), batched."""
    return {
        "samples": samples,
        "source": "dataset",
        "pipeline": [
            {"op": "filter", "keep_every": keep_every},
            {"op": "assert_cardinality", "count": asserted},
            {"op": "batch", "size": batch, "drop_remainder": False},
        ],
    }


def _common(flavour: dict[str, Any], sources: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every source at each size, with steps_per_epoch unset, short of one pass, and beyond it."""
    cases = []
    for (source, (samples, batch)), steps in itertools.product(itertools.product(sources, SIZES), (None, 2, 9)):
        cases.append(_scenario(flavour, _data(source, samples, batch), epochs=3, steps_per_epoch=steps))
    return cases


def keras2() -> list[dict[str, Any]]:
    flavour = {"keras": "2"}
    cases = _common(flavour, ("arrays", "dataset", "generator"))[::2]  # 18 of the 36
    cases += [
        # A Sequence is made anew every epoch: no carry, and steps_per_epoch beyond it runs out.
        _scenario(flavour, _data("pydataset", 100, 32), epochs=2),
        _scenario(flavour, _data("pydataset", 100, 32), epochs=3, steps_per_epoch=2),
        _scenario(flavour, _data("pydataset", 50, 8, drop_remainder=True), epochs=2, steps_per_epoch=9),
        # Repeated datasets: endless without steps_per_epoch is refused; with it, carried on.
        _scenario(flavour, _data("dataset", 40, 16, repeat="before_batch"), epochs=2),
        _scenario(flavour, _data("dataset", 40, 16, repeat="before_batch"), epochs=2, steps_per_epoch=5),
        _scenario(flavour, _data("dataset", 40, 16, repeat="after_batch"), epochs=3, steps_per_epoch=4),
        _scenario(flavour, _data("generator", 40, 16, repeat="after_batch"), epochs=3, steps_per_epoch=4),
        # steps_per_execution: exactly steps_per_epoch batches; run out inside the first execution: Empty logs.
        _scenario(flavour, _data("dataset", 100, 10), epochs=2, steps_per_epoch=4, steps_per_execution=3),
        _scenario(flavour, _data("arrays", 100, 10), epochs=2, steps_per_epoch=7, steps_per_execution=2),
        _scenario(flavour, _data("dataset", 30, 10), epochs=1, steps_per_epoch=5, steps_per_execution=5),
        # Validation: a split, a set with steps and freq, and a set too short for its steps (later runs get none).
        _scenario(flavour, _data("arrays", 100, 32), epochs=2, validation={"split": 0.25}),
        _scenario(flavour, _data("arrays", 64, 16), epochs=3, validation={**_data("dataset", 20, 8), "freq": 2}),
        _scenario(flavour, _data("dataset", 64, 16), epochs=3, validation={**_data("dataset", 20, 8), "steps": 5}),
        # (A generator with validation_steps short of it is left out: each validation run of tf.keras 2
        # reads it through a new tf.data iterator, and whether the old one's read-ahead swallowed the
        # next batch is a race between threads.)
        _scenario(flavour, _data("arrays", 64, 16), epochs=3, validation=_data("generator", 20, 8)),
        _scenario(flavour, _data("pydataset", 64, 16), epochs=2, validation={**_data("arrays", 10, None)}),
        # initial_epoch: epochs keep Keras' numbers; a run-out stop names its epoch.
        _scenario(flavour, _data("dataset", 64, 16), epochs=4, initial_epoch=1, steps_per_epoch=3),
        _scenario(flavour, _data("arrays", 64, 16), epochs=4, initial_epoch=2, steps_per_epoch=6),
        # tf.keras 2 under MirroredStrategy: the same split of each global batch, the same refusal.
        _scenario({**flavour, "replicas": 2}, _data("arrays", 100, 32), epochs=2),
        _scenario({**flavour, "replicas": 4}, _data("dataset", 41, 8), epochs=2, validation=_data("dataset", 10, 8)),
        _scenario({**flavour, "replicas": 3}, _data("arrays", 100, 32), epochs=1),
        _scenario({**flavour, "replicas": 2}, _data("dataset", 50, 12), epochs=3, steps_per_epoch=3),
        # MirroredStrategy's dataset takes a false assert_cardinality as the length, without failing.
        _scenario({**flavour, "replicas": 2}, _data("dataset", 64, 16), epochs=2, validation=_pipeline_data(5, 3, 3, 8)),
        _scenario({**flavour, "replicas": 2}, _pipeline_data(40, 1, 3, 8), epochs=2),
    ]
    return cases


def keras3_backend(backend: str) -> list[dict[str, Any]]:
    flavour = {"backend": backend}
    cases = _common(flavour, ("arrays", "dataset", "generator", "pydataset"))[1::4]  # 12 of the 48
    cases += [
        _scenario(flavour, _data("dataset", 40, 16, repeat="after_batch"), epochs=2, steps_per_epoch=5),
        _scenario(flavour, _data("generator", 40, 16, repeat="before_batch"), epochs=2, steps_per_epoch=3),
        _scenario(flavour, _data("arrays", 100, 32), epochs=2, validation={"split": 0.2, "freq": [2]}),
        _scenario(flavour, _data("dataset", 64, 16), epochs=3, validation={**_data("dataset", 20, 8), "steps": 5}),
        _scenario(flavour, _data("pydataset", 64, 16), epochs=2, initial_epoch=1, validation=_data("arrays", 10, 4)),
        _scenario(flavour, _data("dataset", 64, 16, drop_remainder=True), epochs=2, steps_per_epoch=6),
    ]
    # The batch read to build the model before epoch 1: none (5 or 7 samples, batch 8, drop_remainder) fails,
    # even with initial_epoch >= epochs; 9 samples give one; an empty validation set is read like one device's.
    cases += [
        _scenario(flavour, _data("dataset", 5, 8, drop_remainder=True), epochs=2),
        _scenario(flavour, _data("dataset", 7, 8, drop_remainder=True), epochs=2, initial_epoch=2),
        _scenario(flavour, _data("dataset", 9, 8, drop_remainder=True), epochs=2),
        _scenario(flavour, _data("arrays", 40, 8), epochs=1, validation=_data("dataset", 5, 8, drop_remainder=True)),
        # That read fails on a false assert_cardinality too, with no epoch to run.
        _scenario(flavour, _pipeline_data(5, 3, 3, 8), epochs=2, initial_epoch=2),
    ]
    # steps_per_execution: JAX runs it (and overshoots like Keras 3 on TensorFlow); PyTorch refuses it.
    cases += [
        _scenario(flavour, _data("dataset", 100, 10), epochs=2, steps_per_epoch=4, steps_per_execution=3),
        _scenario(flavour, _data("arrays", 50, 8), epochs=2, steps_per_execution=2, validation=_data("arrays", 9, 4)),
    ]
    return cases


def replicas() -> list[dict[str, Any]]:
    cases = []
    for replicas, (samples, batch) in itertools.product((2, 3, 4), ((100, 24), (50, 12), (31, 12))):
        flavour = {"replicas": replicas}
        cases.append(_scenario(flavour, _data("arrays", samples, batch), epochs=2))
        cases.append(_scenario(flavour, _data("dataset", samples, batch), epochs=2, steps_per_epoch=3))
    cases += [
        # A first batch that does not split evenly: refused (in training, then in validation).
        _scenario({"replicas": 3}, _data("arrays", 100, 32), epochs=1),
        _scenario({"replicas": 4}, _data("dataset", 3, 4), epochs=1),
        _scenario({"replicas": 2}, _data("arrays", 40, 8), epochs=2, validation=_data("arrays", 5, 5)),
        # Short tails split with later replicas short or empty, in validation too.
        _scenario({"replicas": 4}, _data("dataset", 41, 8), epochs=2, validation=_data("dataset", 10, 8)),
        _scenario({"replicas": 2}, _data("pydataset", 50, 16), epochs=2),
        _scenario({"replicas": 3}, _data("arrays", 64, 12), epochs=2, steps_per_execution=2),
        _scenario({"replicas": 4}, _data("arrays", 60, 16), epochs=2, validation={"split": 0.2, "batch_size": 8}),
        _scenario({"replicas": 2}, _data("dataset", 30, 8, repeat="after_batch"), epochs=2, steps_per_epoch=5),
        _scenario({"replicas": 4}, _data("arrays", 50, 8), epochs=3, initial_epoch=1, steps_per_epoch=8),
        # The batch read to build the model: before epoch 1 (even when initial_epoch >= epochs) and before every
        # validation run, where the last run left the iterator; none there is a bare StopIteration.
        _scenario({"replicas": 2}, _data("dataset", 5, 8, drop_remainder=True), epochs=2),
        _scenario({"replicas": 3}, _data("dataset", 7, 8, drop_remainder=True), epochs=2),
        _scenario({"replicas": 2}, _data("dataset", 9, 8, drop_remainder=True), epochs=2),
        _scenario({"replicas": 2}, _data("arrays", 40, 8), epochs=1, validation=_data("dataset", 5, 8, drop_remainder=True)),
        _scenario({"replicas": 2}, _data("arrays", 40, 8), epochs=1, validation=_data("dataset", 9, 8, drop_remainder=True)),
        _scenario({"replicas": 2}, _data("arrays", 40, 7), epochs=2, initial_epoch=2),
        _scenario({"replicas": 3}, _data("arrays", 40, 9), epochs=1, initial_epoch=3),
        _scenario({"replicas": 2}, _data("arrays", 40, 8), epochs=2, initial_epoch=2),
        _scenario({"replicas": 2}, _data("dataset", 40, 10), epochs=3, validation={**_data("dataset", 15, 10), "steps": 1}),
        _scenario({"replicas": 2}, _data("dataset", 40, 10), epochs=3, validation={**_data("dataset", 14, 10), "steps": 1}),
        _scenario({"replicas": 3}, _data("dataset", 40, 12), epochs=3, validation={**_data("dataset", 28, 12), "steps": 2}),
        _scenario({"replicas": 2}, _data("dataset", 40, 10), epochs=2, validation={**_data("dataset", 15, 10), "steps": 2}),
        _scenario({"replicas": 2}, _data("dataset", 40, 10), epochs=1, validation={**_data("dataset", 15, 10), "steps": 1}),
        _scenario(
            {"replicas": 2}, _data("dataset", 60, 10), epochs=3, validation={"split": 0.25, "split_by": "directory", "steps": 1}
        ),
        _scenario(
            {"replicas": 2}, _data("dataset", 60, 10), epochs=3, validation={"split": 0.5, "split_by": "directory", "steps": 1}
        ),
        # A false assert_cardinality: MirroredStrategy's dataset yields the real data under the asserted length.
        _scenario({"replicas": 2}, _data("dataset", 64, 16), epochs=2, validation=_pipeline_data(5, 3, 3, 8)),
        _scenario({"replicas": 2}, _data("dataset", 64, 16), epochs=2, validation=_pipeline_data(20, 3, 9, 4)),
        _scenario({"replicas": 2}, _pipeline_data(40, 1, 3, 8), epochs=2),
        # Epochs of many passes over a repeated dataset (the plan writes them as repeated groups of runs).
        _scenario(
            {"replicas": 2}, _data("dataset", 31, 8, repeat="after_batch"), epochs=4, steps_per_epoch=22, steps_per_execution=2
        ),
    ]
    return cases


def grid() -> dict[str, list[dict[str, Any]]]:
    """The scenarios by flavour key (one recording process each): keras2, keras3-jax, keras3-torch, replicas."""
    return {
        "keras2": keras2(),
        "keras3-jax": keras3_backend("jax"),
        "keras3-torch": keras3_backend("torch"),
        "replicas": replicas(),
    }
