"""Properties of plans on many small scenarios: the planner against a per-batch simulation, and invariants."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import plan, scenario_from_dict
from core.compare import first_difference
from core.plan import expand_runs
from tests.brute_force import simulate
from tests.strategies import pipeline_scenarios, scenarios


def with_groups_expanded(document: dict) -> dict:
    """Plan JSON with every group of runs ``[[runs...], count]`` written out as plain runs (as the simulation writes them)."""
    epochs = [
        {**epoch, "train": expand_runs(epoch["train"]), "val": None if epoch["val"] is None else expand_runs(epoch["val"])}
        for epoch in document["epochs"]
    ]
    return {**document, "epochs": epochs}


def assert_matches_simulation(data: dict) -> None:
    """The planner's JSON equals the per-batch simulation's (or both say Keras refuses)."""
    scenario = scenario_from_dict(data)
    planned = with_groups_expanded(plan(scenario).to_json())
    simulated = simulate(scenario)
    if "error" in (planned["outcome"], simulated["outcome"]):
        assert planned["outcome"] == simulated["outcome"]
        return
    assert first_difference(planned, simulated) is None


SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenarios())
def test_planner_matches_per_batch_simulation(data):
    # The closed-form planner and a batch-by-batch port of Keras' loop agree on every epoch.
    assert_matches_simulation(data)


@settings(max_examples=400, deadline=None)
@given(
    samples=st.integers(1, 30),
    batch=st.integers(1, 8),
    source=st.sampled_from(["arrays", "dataset", "generator"]),
    repeat=st.sampled_from(["none", "before_batch", "after_batch"]),
    steps=st.integers(1, 12),
    per_call=st.integers(1, 3),
    epochs=st.integers(8, 60),
)
def test_long_runs_of_epochs_match_simulation(samples, batch, source, repeat, steps, per_call, epochs):
    # Many epochs: the pieces, cycles and jumps the planner takes give the same epochs as stepping through them.
    data = {
        "train": {
            "samples": samples,
            "source": source,
            "batch_size": batch,
            "repeat": "none" if source == "arrays" else repeat,
            "shuffle": False,
        },
        "epochs": epochs,
        "steps_per_epoch": steps,
        "steps_per_execution": per_call,
    }
    assert_matches_simulation(data)


@SETTINGS
@given(scenarios())
def test_plan_invariants(data):
    # Whatever the scenario: counts add up, positions lie in the data, totals sum the epochs, lookups agree.
    result = plan(scenario_from_dict(data))
    if result.outcome == "error":
        assert result.error and not result.epochs
        return
    scenario = result.scenario
    expected_epochs = scenario.epochs if result.outcome == "ok" else result.endless_epoch - 1
    assert len(result.epochs) == expected_epochs
    listed = list(result.epochs)
    steps = samples = 0
    for index, epoch in enumerate(listed):
        assert epoch == result.epochs[index]
        runs = epoch.train.runs()
        assert sum(count for _, count in runs) == epoch.train.count
        assert sum(size * count for size, count in runs) == epoch.train.samples
        assert all(size >= 1 and count >= 1 for size, count in runs)
        first = epoch.train.first_sample
        if first is not None:
            assert 0 <= first < result.train_samples
        if scenario.steps_per_epoch:
            per_call = scenario.steps_per_execution
            assert epoch.train.count <= -(-scenario.steps_per_epoch // per_call) * per_call
        steps += epoch.train.count
        samples += epoch.train.samples
    assert (result.totals.steps, result.totals.samples_seen) == (steps, samples)
    if result.totals.samples_never_seen is not None:
        assert 0 <= result.totals.samples_never_seen <= result.train_samples


# ---------------------------------------------------------------- real input pipelines and more of fit


def _sizes(runs: list | None) -> list[int] | None:
    return None if runs is None else [size for size, count in expand_runs(runs) for _ in range(count)]


def assert_matches_literal_simulation(data: dict) -> None:
    """The closed-form plan equals the literal simulation: outcome, every epoch's batches, flags, order and updates."""
    scenario = scenario_from_dict(data)
    planned = plan(scenario).to_json()
    simulated = simulate(scenario)
    assert planned["outcome"] == simulated["outcome"], (planned.get("error"), simulated.get("error"))
    if planned["outcome"] == "error":
        return
    assert planned.get("endless") == simulated.get("endless")
    assert len(planned["epochs"]) == len(simulated["epochs"])
    for mine, theirs in zip(planned["epochs"], simulated["epochs"], strict=True):
        assert mine["epoch"] == theirs["epoch"]
        assert mine.get("train_order", "fixed") == theirs.get("train_order", "fixed"), mine["epoch"]
        assert _sizes(mine["train"]) == _sizes(theirs["train"]), mine["epoch"]
        assert _sizes(mine["val"]) == _sizes(theirs["val"]), mine["epoch"]
        for key in ("train_first_sample", "val_first_sample", "ran_out", "val_ran_out", "updates"):
            assert mine.get(key) == theirs.get(key), (mine["epoch"], key)
    assert planned.get("weight_updates") == simulated.get("weight_updates")


@SETTINGS
@given(pipeline_scenarios())
def test_pipelines_match_the_literal_simulation(data):
    # Every tf.data step, PyDataset, ImageDataGenerator, loader split, freq list, initial_epoch and accumulation:
    # the closed form says what the element-by-element simulation does.
    assert_matches_literal_simulation(data)


@settings(max_examples=300, deadline=None)
@given(
    samples=st.integers(1, 25),
    keep_every=st.integers(1, 5),
    shards=st.integers(1, 4),
    batch=st.integers(1, 6),
    order=st.sampled_from(["filter_then_repeat", "repeat_then_filter", "repeat_then_shard", "batch_then_filter"]),
    steps=st.integers(1, 40),
    epochs=st.integers(1, 6),
)
def test_filters_and_shards_across_repeats_match(samples, keep_every, shards, batch, order, steps, epochs):
    # The phase of a filter or shard counts on across a repeat before it and restarts after one, as tf.data does.
    filter_step = {"op": "filter", "keep_every": keep_every}
    shard_step = {"op": "shard", "num_shards": shards, "index": shards - 1}
    batch_step = {"op": "batch", "size": batch, "drop_remainder": False}
    forever = {"op": "repeat", "count": None}
    pipeline = {
        "filter_then_repeat": [filter_step, batch_step, forever],
        "repeat_then_filter": [forever, filter_step, batch_step],
        "repeat_then_shard": [{"op": "repeat", "count": 3}, shard_step, batch_step],
        "batch_then_filter": [batch_step, forever, filter_step],
    }[order]
    data = {
        "train": {"samples": samples, "source": "dataset", "shuffle": False, "pipeline": pipeline},
        "epochs": epochs,
        "steps_per_epoch": steps,
    }
    assert_matches_literal_simulation(data)
