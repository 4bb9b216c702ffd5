"""Proof against real Keras: the recorder runs a real fit; the planner must say exactly what it saw."""

from __future__ import annotations

import json
import os

import pytest

from core import plan, scenario_from_dict
from core.compare import compare, conformance_record_as_plan, first_difference
from core.plan import expand_runs
from tests.conftest import CONFORMANCE, PROJECT, keras_installed
from tests.grid import grid, pipeline_grid
from tests.recorder_truth import expand_step_ranges, record_in_workers

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


# ---------------------------------------------------------------- issue 11: the new inputs, on a grid

PIPELINE_GRID = pipeline_grid()
# An endless part is recorded this far (not 3,000 steps): enough to see it go on as planned.
GRID_ENDLESS_STEPS = 300


def _partial_random_passes(data: dict) -> bool:
    """Does an epoch take only part of a pass whose batches come in a random order?

    Then WHICH batches it holds is Keras' random draw (a shuffled PyDataset's short batch lands
    in one epoch or another): only how many can be planned, so only that is compared.
    """
    train = data["train"]
    shuffled_batches = train.get("source") in ("pydataset", "image_data_generator") and train.get("shuffle", True)
    steps = train.get("pipeline") or []
    batched = False
    for step in steps:
        if step["op"] in ("batch", "rebatch"):
            batched = True
        elif step["op"] == "shuffle" and batched:
            shuffled_batches = True
        elif shuffled_batches and step["op"] in ("take", "skip", "shard", "filter"):
            return True
    return shuffled_batches and data.get("steps_per_epoch") is not None


def _counts_only(epochs: list) -> list:
    return [dict(epoch, train=[[0, sum(count for _size, count in epoch["train"])]]) for epoch in epochs]


@pytest.fixture(scope="module")
def pipeline_grid_recordings(tmp_path_factory):
    """The whole pipeline grid, recorded once with real Keras in two workers (the planner sets the step limits)."""
    if not keras_installed():
        if os.environ.get("EPOCHSCOPE_REQUIRE_KERAS") == "1":
            pytest.fail("TensorFlow/Keras is not installed but EPOCHSCOPE_REQUIRE_KERAS=1: the real-Keras proof must run")
        pytest.skip("TensorFlow/Keras not installed")
    jobs = [
        {"name": f"pipes{index:03d}", "scenario": data, "planned": None, "endless_steps": GRID_ENDLESS_STEPS}
        for index, data in enumerate(PIPELINE_GRID)
    ]
    return record_in_workers(jobs, tmp_path_factory.mktemp("pipeline-grid"), workers=2)


def _grid_params():
    for index, data in enumerate(PIPELINE_GRID):
        yield pytest.param(index, data, id=f"pipes{index:03d}")


def test_the_pipeline_grid_covers_every_new_kind():
    # At least 200 scenarios crossing every new source, pipeline op, split, initial_epoch and accumulation.
    assert len(PIPELINE_GRID) >= 200
    sources = {data["train"]["source"] for data in PIPELINE_GRID}
    assert {"pydataset", "image_data_generator", "dataset", "arrays"} <= sources
    ops = {
        step["op"]
        for data in PIPELINE_GRID
        for spec in (data["train"], data["validation"] or {})
        for step in spec.get("pipeline") or []
    }
    assert ops == {
        "batch",
        "repeat",
        "take",
        "skip",
        "shard",
        "filter",
        "unbatch",
        "rebatch",
        "shuffle",
        "assert_cardinality",
        "cache",
        "prefetch",
        "map",
    }
    splits = {(data["validation"] or {}).get("split_by") for data in PIPELINE_GRID}
    assert {"fit", "directory", "image_data_generator"} <= splits
    assert any(data.get("initial_epoch") for data in PIPELINE_GRID)
    assert any(data.get("gradient_accumulation_steps") for data in PIPELINE_GRID)
    assert any(data["train"].get("samples") is None for data in PIPELINE_GRID)


@pytest.mark.keras
@pytest.mark.parametrize(("index", "data"), list(_grid_params()))
def test_planner_matches_real_keras_on_the_pipeline_grid(index, data, pipeline_grid_recordings):
    # Every new input, built for real (PyDataset, flow, tf.data chain, image files), against the plan.
    recorded = pipeline_grid_recordings[f"pipes{index:03d}"]
    assert recorded["outcome"] != "crashed", recorded["error"]
    planned = plan(scenario_from_dict(data))
    comparison = compare(planned, recorded)
    if comparison.difference is not None and _partial_random_passes(data) and planned.outcome != "error":
        # Which batches a part-pass epoch drew is random (this run's draw differs from the plan's listing):
        # compare how many it took, and everything else.
        planned_json = planned.to_json()
        planned_json["epochs"] = _counts_only(
            [dict(epoch, train=list(expand_runs(epoch["train"]))) for epoch in planned_json["epochs"]]
        )
        recorded = dict(recorded, epochs=_counts_only(recorded["epochs"]))
        for epoch in planned_json["epochs"]:
            epoch.pop("train_order", None)
        assert first_difference(planned_json, recorded) is None
        return
    assert comparison.difference is None, (str(comparison.difference), recorded.get("error"))
    if data.get("gradient_accumulation_steps") and planned.outcome == "ok" and recorded["outcome"] == "ok":
        # The batches that changed the weights, as the optimizer counted them, are the plan's update steps.
        for planned_epoch, seen in zip(planned.epochs, recorded["epochs"], strict=True):
            assert expand_step_ranges(seen["update_steps"]) == list(planned_epoch.update_steps())
