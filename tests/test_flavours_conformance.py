"""The planner against what real tf-keras 2.21.0, Keras 3 on JAX and PyTorch, and MirroredStrategy did (42 records).

Each record in tests/conformance/flavours-public.json holds a scenario naming its flavour
(``keras``, ``backend``, ``replicas``) and what that Keras did with it, epoch by epoch: the
batches, first samples and ran-out flags (compared as for Keras 3's pipeline records), where
tf.keras 2 ended the whole fit (``stopped``), and how each global batch was split across the
replicas (``train_replicas`` / ``val_replicas``). A refusal matches a refusal. No TensorFlow
is needed.
"""

from __future__ import annotations

import json

import pytest

from core import plan, scenario_from_dict
from core.compare import compare, conformance_record_as_plan
from core.plan import expand_runs
from tests.conftest import CONFORMANCE_FOLDER
from tests.test_pipelines_conformance import _difference as _batches_difference

RECORDS = json.loads((CONFORMANCE_FOLDER / "flavours-public.json").read_text(encoding="utf-8"))


def _replica_lists(runs: list | None) -> list[list[int]] | None:
    """Per-replica runs written out one global batch at a time (groups expanded)."""
    if runs is None:
        return None
    out: list[list[int]] = []
    for run in runs:
        if isinstance(run[0][0], list):  # a repeating group of runs
            out.extend(_replica_lists(run[0]) * run[1])
        else:
            out.extend([list(run[0])] * run[1])
    return out


def _difference(planned: dict, record: dict, initial_epoch: int) -> str | None:
    """The first way the plan JSON and the record disagree, in words; None when they agree."""
    batches = _batches_difference(planned, record, initial_epoch)
    if batches is not None or record["outcome"] == "error":
        return batches
    if planned.get("keras") != record["keras"]:
        return f"planned Keras {planned.get('keras')}, the record ran {record['keras']}"
    if record.get("replicas", 1) == 1 and record["keras"].startswith("2") and planned.get("stopped") != record["stopped"]:
        return f"planned stopped {planned.get('stopped')}, tf.keras 2 stopped {record['stopped']}"
    epochs = record["epochs"][: len(planned["epochs"])]
    for mine, theirs in zip(planned["epochs"], epochs, strict=True):
        for key in ("train_replicas", "val_replicas"):
            if key in theirs and _replica_lists(mine.get(key)) != _replica_lists(theirs[key]):
                return f"epoch {theirs['epoch']}: planned {key} {mine.get(key)}, Keras {theirs[key]}"
    return None


def test_the_flavour_records_ship_with_the_tests():
    # All 42 public flavour records are in the repository, each under its own name, every flavour among them.
    assert len(RECORDS) == 42
    assert len({record["name"] for record in RECORDS}) == 42
    flavours = {(r["keras"]["keras"], r["keras"]["backend"], r["keras"]["replicas"] > 1) for r in RECORDS}
    assert {("2.21.0", "tensorflow", False), ("3.15.1", "jax", False), ("3.15.1", "torch", False)} <= flavours
    assert ("3.15.1", "tensorflow", True) in flavours


@pytest.mark.parametrize("record", RECORDS, ids=[record["name"] for record in RECORDS])
def test_planner_matches_what_each_flavour_did(record):
    # The plan for the record's scenario is what that Keras did: batches, first samples, flags, stop, replica splits.
    scenario = scenario_from_dict(record["scenario"])
    planned = plan(scenario).to_json()
    assert _difference(planned, record["keras"], scenario.initial_epoch) is None


@pytest.mark.parametrize("record", RECORDS, ids=[record["name"] for record in RECORDS])
def test_the_comparator_finds_no_difference_either(record):
    # core.compare (what verify uses) agrees: the Plan against the record, stop and replica splits included.
    scenario = scenario_from_dict(record["scenario"])
    comparison = compare(plan(scenario), conformance_record_as_plan(record["keras"]))
    assert comparison.difference is None, str(comparison.difference)


def test_a_changed_stop_or_replica_split_is_a_difference():
    # The comparator is not blind to the new fields: a record with another stop, or another split, differs.
    by_name = {record["name"]: record for record in RECORDS}
    stopped = json.loads(json.dumps(by_name["k2_floor_trap"]["keras"]))
    stopped["stopped"] = {"epoch": 3}
    planned = plan(scenario_from_dict(by_name["k2_floor_trap"]["scenario"]))
    assert compare(planned, conformance_record_as_plan(stopped)).difference is not None

    split = json.loads(json.dumps(by_name["r4_tail_split"]["keras"]))
    split["epochs"][1]["val_replicas"] = [[[2, 2, 2, 2], 1], [[2, 0, 0, 0], 1]]
    planned = plan(scenario_from_dict(by_name["r4_tail_split"]["scenario"]))
    difference = compare(planned, conformance_record_as_plan(split)).difference
    assert difference is not None and difference.epoch == 2 and difference.where == "val_replicas"
    assert [size for size, count in expand_runs(planned.to_json()["epochs"][1]["val"]) for _ in range(count)] == [8, 2]
