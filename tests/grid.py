"""The grid of scenarios on which the planner is compared with real Keras.

Chosen to cross every source with every repeat mode, drop_remainder, steps_per_epoch
below / at / above the data, steps_per_execution 1-3, each kind of validation, and
edge sizes (0 and 1 samples, a batch larger than the data, exact multiples).
Deterministic: the same list every run.
"""

from __future__ import annotations

import random
from typing import Any


def _train(source: str, samples: int | None, batch: int | None, drop: bool, repeat: str, shuffle: bool = False) -> dict[str, Any]:
    return {
        "samples": samples,
        "source": source,
        "batch_size": batch,
        "drop_remainder": drop,
        "repeat": repeat,
        "shuffle": shuffle,
    }


def _validations(rng: random.Random) -> list[Any]:
    return [
        None,
        {"split": rng.choice([0.2, 0.25, 0.3, 0.1])},
        {"split": 0.2, "batch_size": 3, "steps": rng.choice([None, 2, 50])},
        {"samples": rng.choice([7, 10, 33]), "source": "arrays", "batch_size": rng.choice([None, 4])},
        {"samples": 10, "source": "arrays", "batch_size": None, "steps": 3},
        {
            "samples": rng.choice([7, 10]),
            "source": "dataset",
            "batch_size": rng.choice([None, 3]),
            "drop_remainder": rng.choice([False, True]),
            "steps": rng.choice([None, 2, 9]),
        },
        {"samples": 9, "source": "dataset", "batch_size": 4, "repeat": rng.choice(["before_batch", "after_batch"]), "steps": 3},
        {"samples": rng.choice([5, 9]), "source": "generator", "batch_size": 2, "steps": rng.choice([None, 10])},
        {"samples": 9, "source": "generator", "batch_size": 3, "repeat": "before_batch", "steps": 4},
        {"samples": 8, "source": "generator", "batch_size": 4, "repeat": "after_batch", "steps": 2, "freq": 2},
        {"samples": 9, "source": "dataset", "batch_size": 4, "repeat": "after_batch"},
    ]


def grid(size: int = 160, seed: int = 1234) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    scenarios: list[dict[str, Any]] = []
    sources = ["arrays", "dataset", "generator"]
    repeats = ["none", "before_batch", "after_batch"]
    while len(scenarios) < size:
        source = sources[len(scenarios) % 3]
        repeat = "none" if source == "arrays" else repeats[(len(scenarios) // 3) % 3]
        samples = rng.choice([0, 1, 5, 9, 12, 16, 17, 23, 40]) if rng.random() < 0.95 else None
        if source == "arrays" and samples is None:
            samples = 10
        batch = rng.choice([1, 2, 3, 4, 5, 8, 16, 32])
        if source == "arrays" and rng.random() < 0.15:
            batch = None
        batches = 0 if not samples or not batch else -(-samples // batch)
        steps_per_epoch = rng.choice([None, None, 1, 2, 3, max(1, batches - 1), max(1, batches), batches + 1, 2 * batches + 1])
        validation = rng.choice(_validations(rng)) if rng.random() < 0.6 else None
        if validation is not None and "split" in validation and source != "arrays" and rng.random() < 0.7:
            validation = None
        scenarios.append(
            {
                "train": _train(
                    source,
                    samples,
                    batch,
                    rng.random() < 0.4 and source != "arrays",
                    repeat,
                    source == "arrays" and rng.random() < 0.2,
                ),
                "epochs": rng.choice([0, 1, 2, 3, 4, 5]),
                "steps_per_epoch": steps_per_epoch,
                "steps_per_execution": rng.choice([1, 1, 2, 3]),
                "validation": validation,
            }
        )
    return scenarios


# ---------------------------------------------------------------- issue 11: real input pipelines


def _step(op: str, **arguments: Any) -> dict[str, Any]:
    return {"op": op, **arguments}


def _random_pipeline(rng: random.Random, samples: int | None, *, endless_ok: bool) -> list[dict[str, Any]]:
    """A tf.data chain a student could write: element steps, a batching, then batch-level steps.

    Every op of the format appears; the last of batch/unbatch/rebatch is always batch or rebatch.
    """
    before = []
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        kind = rng.choice(["shuffle", "filter", "take", "skip", "shard", "repeat", "cache", "map"])
        if kind == "shuffle":
            before.append(_step("shuffle", buffer_size=rng.choice([1, 4, 64]), reshuffle_each_iteration=rng.random() < 0.7))
        elif kind == "filter":
            before.append(_step("filter", keep_every=rng.choice([2, 3])))
        elif kind in ("take", "skip"):
            before.append(_step(kind, count=rng.choice([0, 3, 10, 30])))
        elif kind == "shard":
            shards = rng.choice([2, 3])
            before.append(_step("shard", num_shards=shards, index=rng.randrange(shards)))
        elif kind == "repeat":
            before.append(_step("repeat", count=rng.choice([2, 3])))
        else:
            before.append(_step(kind))
    size = rng.choice([1, 3, 4, 8, 16])
    drop = rng.random() < 0.3
    batching = [_step("batch", size=size, drop_remainder=drop)]
    roll = rng.random()
    if roll < 0.12:
        batching += [_step("unbatch"), _step("batch", size=rng.choice([2, 5]), drop_remainder=rng.random() < 0.3)]
    elif roll < 0.22:
        batching += [_step("rebatch", size=rng.choice([2, 6]), drop_remainder=rng.random() < 0.3)]
    after = []
    for _ in range(rng.choice([0, 1, 1, 2])):
        kind = rng.choice(["repeat", "repeat", "take", "skip", "filter", "shard", "shuffle", "prefetch", "assert_cardinality"])
        if kind == "repeat":
            forever = endless_ok and rng.random() < 0.4
            after.append(_step("repeat", count=None if forever else rng.choice([2, 3])))
        elif kind in ("take", "skip"):
            after.append(_step(kind, count=rng.choice([1, 2, 5])))
        elif kind == "filter":
            after.append(_step("filter", keep_every=rng.choice([2, 3])))
        elif kind == "shard":
            after.append(_step("shard", num_shards=2, index=rng.randrange(2)))
        elif kind == "shuffle":
            after.append(_step("shuffle", buffer_size=rng.choice([2, 100]), reshuffle_each_iteration=True))
        elif kind == "assert_cardinality":
            batches = 0 if not samples else -(-samples // size)
            after.append(_step("assert_cardinality", count=max(0, batches + rng.choice([-1, 0, 0, 1]))))
        else:
            after.append(_step(kind))
    return before + batching + after


def _pipeline_validation(rng: random.Random, train_source: str) -> dict[str, Any] | None:
    kind = rng.choice(["none", "none", "arrays", "pipeline", "pydataset", "flow", "split"])
    steps = rng.choice([None, None, 2, 5])
    freq: Any = rng.choice([1, 1, 2, [1, 3], [2]])
    if kind == "none":
        return None
    if kind == "arrays":
        return {
            "samples": rng.choice([5, 12]),
            "source": "arrays",
            "batch_size": rng.choice([None, 4]),
            "steps": steps,
            "freq": freq,
        }
    if kind == "pipeline":
        samples = rng.choice([6, 20])
        return {
            "samples": samples,
            "source": "dataset",
            "pipeline": _random_pipeline(rng, samples, endless_ok=False),
            "steps": steps,
            "freq": freq,
        }
    if kind == "pydataset":
        return {
            "samples": rng.choice([7, 16]),
            "source": "pydataset",
            "batch_size": rng.choice([None, 3]),
            "steps": steps,
            "freq": freq,
        }
    if kind == "flow":
        return {
            "samples": rng.choice([7, 16]),
            "source": "image_data_generator",
            "batch_size": rng.choice([None, 5]),
            "flow_shuffle": rng.random() < 0.5,
            "steps": steps,
            "freq": freq,
        }
    split_by = {"arrays": "fit", "dataset": "directory", "image_data_generator": "image_data_generator"}.get(train_source)
    if split_by is None:
        return None
    split: dict[str, Any] = {"split": rng.choice([0.1, 0.25, 0.3, 0.5]), "split_by": split_by, "steps": steps, "freq": freq}
    if split_by == "image_data_generator" and rng.random() < 0.5:
        split["flow_shuffle"] = rng.random() < 0.5
    return split


def pipeline_grid(size: int = 200, seed: int = 11) -> list[dict[str, Any]]:
    """Scenarios of the new inputs (issue 11), recorded with real Keras and compared with the planner.

    Crosses PyDatasets (finite, endless, drop_remainder, shuffled or not), ImageDataGenerator flows
    (both shuffles), tf.data pipelines of every op, the directory / flow / fit splits, validation
    sets of each new kind, initial_epoch, gradient accumulation and validation_freq lists, with
    steps_per_epoch below / at / above the data. Sizes stay small (a fit takes ~0.3 s), and an
    endless part is rare (the recorder runs it for 3,000 steps). Deterministic.
    """
    rng = random.Random(seed)
    kinds = ["pydataset", "image_data_generator", "dataset", "dataset", "directory", "arrays"]
    scenarios: list[dict[str, Any]] = []
    while len(scenarios) < size:
        kind = kinds[len(scenarios) % len(kinds)]
        batch = rng.choice([1, 3, 4, 8, 16, 40])
        samples: int | None = rng.choice([1, 5, 9, 16, 17, 33])
        train: dict[str, Any]
        steps_per_epoch = rng.choice([None, None, 1, 3, 5, 12])
        validation: dict[str, Any] | None
        if kind == "pydataset":
            if rng.random() < 0.1:
                samples, steps_per_epoch = None, rng.choice([2, 7])
            train = {"samples": samples, "source": "pydataset", "batch_size": batch, "shuffle": rng.random() < 0.5}
            if rng.random() < 0.25:
                train["drop_remainder"] = True
            validation = _pipeline_validation(rng, "pydataset")
        elif kind == "image_data_generator":
            train = {
                "samples": samples,
                "source": "image_data_generator",
                "batch_size": batch,
                "shuffle": rng.random() < 0.5,
                "flow_shuffle": rng.random() < 0.5,
            }
            validation = _pipeline_validation(rng, "image_data_generator")
            if rng.random() < 0.35:
                validation = {
                    "split": rng.choice([0.2, 0.25, 0.5]),
                    "split_by": "image_data_generator",
                    "steps": rng.choice([None, 1]),
                }
        elif kind == "directory":
            train = {
                "samples": rng.choice([4, 10, 24]),
                "source": "dataset",
                "batch_size": rng.choice([2, 5, 8]),
                "shuffle": False,
            }
            validation = {
                "split": rng.choice([0.1, 0.2, 0.25, 0.5]),
                "split_by": "directory",
                "steps": rng.choice([None, 1, 3]),
                "freq": rng.choice([1, 2, [1, 2]]),
            }
        elif kind == "arrays":
            train = {"samples": samples or 10, "source": "arrays", "batch_size": batch, "shuffle": rng.random() < 0.5}
            validation = _pipeline_validation(rng, "arrays")
        else:
            endless_ok = steps_per_epoch is not None or rng.random() < 0.1
            train = {
                "samples": samples,
                "source": "dataset",
                "shuffle": False,
                "pipeline": _random_pipeline(rng, samples, endless_ok=endless_ok),
            }
            validation = _pipeline_validation(rng, "pipeline")
        epochs = rng.choice([1, 2, 3, 4])
        scenario: dict[str, Any] = {
            "train": train,
            "epochs": epochs,
            "steps_per_epoch": steps_per_epoch,
            "steps_per_execution": rng.choice([1, 1, 2, 3]),
            "validation": validation,
        }
        if rng.random() < 0.3:
            scenario["initial_epoch"] = rng.choice([1, 2, 5])
        if rng.random() < 0.3:
            scenario["gradient_accumulation_steps"] = rng.choice([2, 3, 4])
        scenarios.append(scenario)
    return scenarios
