"""Proof against real Keras: the recorder runs a real fit; the planner must say exactly what it saw."""

from __future__ import annotations

import json

import pytest

from core import plan, scenario_from_dict
from core.compare import conformance_record_as_plan, first_difference
from tests.conftest import CONFORMANCE, PROJECT
from tests.grid import grid

# The records ship in tests/conformance/, so a missing file is a broken checkout, not a skip.
CASES = json.loads(CONFORMANCE.read_text(encoding="utf-8"))


def test_the_conformance_records_ship_with_the_tests():
    # The truth recorded with Keras 3.15.1 is read from inside the repository, never from beside it.
    assert CONFORMANCE.resolve().is_relative_to(PROJECT / "tests")
    assert len(CASES) >= 39
    assert len({case["name"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_planner_matches_conformance_record(case):
    # What Keras 3.15.1 did in tests/conformance, the planner says too (no TensorFlow needed).
    expected = conformance_record_as_plan(case["keras"])
    planned = plan(scenario_from_dict(case["scenario"])).to_json()
    assert first_difference(planned, expected) is None


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_recorder_reproduces_conformance_record(case):
    # Our recorder, run on the installed Keras, sees what the recorded Keras saw.
    from core.recorder import record

    expected = conformance_record_as_plan(case["keras"])
    recorded = record(scenario_from_dict(case["scenario"]))
    assert first_difference(expected, recorded) is None


GRID = grid()


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
@pytest.mark.parametrize("data", GRID, ids=[f"grid{index:03d}" for index in range(len(GRID))])
def test_planner_matches_real_keras_on_grid(data):
    # Every source, repeat mode, drop_remainder, steps below/at/above the data, validation kind and edge size.
    from core.recorder import record

    scenario = scenario_from_dict(data)
    planned = plan(scenario).to_json()
    recorded = record(scenario)
    assert first_difference(planned, recorded) is None, (planned.get("error"), recorded.get("error"))


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
@pytest.mark.parametrize(
    ("samples", "steps", "expected"),
    [
        (4, 3, [([[1, 3]], False), ([[1, 2]], True), ([[1, 2]], True)]),
        (6, 3, [([[1, 3]], False), ([[1, 3]], False), ([[1, 2]], True)]),
        (10, 3, [([[1, 3]], False), ([[1, 3]], False), ([[1, 3]], False)]),
    ],
)
def test_generator_validation_loses_one_prefetched_batch_per_run(samples, steps, expected):
    # Validation runs share one generator; each run's prefetch eats one batch no later run sees.
    from core.recorder import record

    scenario = scenario_from_dict(
        {
            "train": {"samples": 4, "batch_size": 2, "shuffle": False},
            "epochs": 3,
            "validation": {"samples": samples, "source": "generator", "batch_size": 1, "steps": steps},
        }
    )
    recorded = [(epoch["val"], epoch["val_ran_out"]) for epoch in record(scenario)["epochs"]]
    planned = [(epoch["val"], epoch["val_ran_out"]) for epoch in plan(scenario).to_json()["epochs"]]
    assert recorded == expected
    assert planned == expected


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_validation_error_comes_only_when_validation_runs():
    # Keras builds the validation adapter lazily: a validation set it rejects fails fit only once reached.
    from core.recorder import record

    for epochs, outcome in ((1, "ok"), (2, "error")):
        scenario = scenario_from_dict(
            {
                "train": {"samples": 7, "batch_size": None, "shuffle": False},
                "epochs": epochs,
                "validation": {"samples": 0, "batch_size": None, "steps": 1, "freq": 2},
            }
        )
        assert record(scenario)["outcome"] == outcome
        assert plan(scenario).outcome == outcome
