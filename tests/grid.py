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
