"""The planner against what real Keras 3.15.1 did with real input pipelines (tests/conformance, 60 records).

Each record holds a scenario and what Keras did with it, epoch by epoch. Where the batches
come in a random order (a shuffled PyDataset), the sizes are compared as a multiset; where
the plan says a first sample is unknown, the record has null too; Keras' own warnings are
compared by kind (ran out of data, shuffle ignored). No TensorFlow is needed.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from core import plan, scenario_from_dict
from core.plan import expand_runs
from core.scenario import ScenarioError
from tests.conftest import CONFORMANCE_FOLDER

RECORDS = json.loads((CONFORMANCE_FOLDER / "keras-3.15.1-pipelines-public.json").read_text(encoding="utf-8"))

# Keras' warning texts, and the plan warning codes that say the same.
KERAS_WARNINGS = {
    "Your input ran out of data": {"ran_out_of_data", "validation_ran_out"},
    "`shuffle=True` was passed, but will be ignored": {"shuffle_ignored"},
}


def _sizes(runs: list | None) -> list[int] | None:
    if runs is None:
        return None
    return [size for size, count in expand_runs(runs) for _ in range(count)]


def _difference(planned: dict, record: dict, initial_epoch: int) -> str | None:
    """The first way the plan JSON and the record disagree, in words; None when they agree."""
    outcome = record["outcome"]
    epochs = record["epochs"]
    if outcome.startswith("endless_"):
        want = {"epoch": initial_epoch + len(epochs), "part": outcome.split("_", 1)[1]}
        if planned["outcome"] != "endless" or planned.get("endless") != want:
            return f"outcome: planned {planned['outcome']} {planned.get('endless')}, Keras was endless at {want}"
        epochs = epochs[:-1]
    elif planned["outcome"] != outcome:
        return f"outcome: planned {planned['outcome']} ({planned.get('error')}), Keras {outcome} ({record.get('error')})"
    if outcome == "error":
        return None
    if len(planned["epochs"]) != len(epochs):
        return f"planned {len(planned['epochs'])} epochs, Keras ran {len(epochs)}"
    for mine, theirs in zip(planned["epochs"], epochs, strict=True):
        where = f"epoch {theirs['epoch']}"
        if mine["epoch"] != theirs["epoch"]:
            return f"{where}: planned the number {mine['epoch']}"
        random = theirs.get("train_order") == "random"
        if mine.get("train_order", "fixed") != theirs.get("train_order", "fixed"):
            return f"{where}: planned train_order {mine.get('train_order')}, Keras {theirs.get('train_order')}"
        train_mine, train_theirs = _sizes(mine["train"]), _sizes(theirs["train"])
        if (Counter(train_mine) != Counter(train_theirs)) if random else (train_mine != train_theirs):
            return f"{where}: planned train {mine['train']}, Keras {theirs['train']}"
        if _sizes(mine["val"]) != _sizes(theirs["val"]):
            return f"{where}: planned val {mine['val']}, Keras {theirs['val']}"
        for flag in ("train_first_sample", "val_first_sample", "ran_out", "val_ran_out"):
            if mine[flag] != theirs[flag]:
                return f"{where}: planned {flag} {mine[flag]}, Keras {theirs[flag]}"
        if "updates" in theirs and mine.get("updates") != theirs["updates"]:
            return f"{where}: planned {mine.get('updates')} weight updates, Keras made {theirs['updates']}"
    if "weight_updates" in record and planned.get("weight_updates") != record["weight_updates"]:
        return f"planned {planned.get('weight_updates')} weight updates in all, Keras made {record['weight_updates']}"
    codes = {warning["code"] for warning in planned["warnings"]}
    for text, same in KERAS_WARNINGS.items():
        warned = any(text in seen for seen in record["warnings"])
        if warned != bool(codes & same):
            return f"Keras {'warned' if warned else 'did not warn'} {text!r}; the plan's warnings are {sorted(codes)}"
    return None


def test_the_pipeline_records_ship_with_the_tests():
    # All 60 public records are in the repository, each under its own name.
    assert len(RECORDS) == 60
    assert len({record["name"] for record in RECORDS}) == 60


@pytest.mark.parametrize("record", RECORDS, ids=[record["name"] for record in RECORDS])
def test_planner_matches_what_keras_did(record):
    # The plan for the record's scenario is what Keras 3.15.1 did: batches, order, first samples, flags, updates, warnings.
    keras = record["keras"]
    if keras.get("refused_by") == "format":
        with pytest.raises(ScenarioError):
            scenario_from_dict(record["scenario"])
        return
    scenario = scenario_from_dict(record["scenario"])
    planned = plan(scenario).to_json()
    assert _difference(planned, keras, scenario.initial_epoch) is None
