"""`plan` and `plan --json` print in size and time that follow the plan's pieces, never its number of batches."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import plan, scenario_from_dict
from core.cli import run
from core.data.streams import PassStream, ResumedStream
from core.plan import expand_runs
from tests.strategies import huge_pipeline_scenarios, huge_scenarios

# One epoch's JSON line: a few runs (a repeating pass is one group), flags and first samples.
MAX_EPOCH_LINE = 400
# The rest of a document: outcome, version, and at most a few dozen warnings of a few hundred characters.
MAX_REST = 20_000

# The issue's three: a looping pass of 60 in batches of 32 (32, 28, 32, 28, ...), the same with a
# steps_per_execution of a million over 99,999 epochs, and 10^12 steps of one 14-sample batch each.
ALTERNATING = {
    "train": {"samples": 60, "source": "dataset", "batch_size": 32, "repeat": "after_batch"},
    "steps_per_epoch": 27_000_000,
}
ALTERNATING_LONG_EXECUTIONS = {
    "train": {"samples": 60, "source": "generator", "batch_size": 32, "repeat": "after_batch"},
    "epochs": 99_999,
    "steps_per_epoch": 1_000_000,
    "steps_per_execution": 1_000_000,
}
ONE_SIZE = {"train": {"samples": 14, "source": "dataset", "repeat": "after_batch"}, "epochs": 2, "steps_per_epoch": 10**12}
SHORTER_THAN_A_BATCH = {
    "train": {"samples": 7, "source": "dataset", "batch_size": 32, "repeat": "after_batch"},
    "steps_per_epoch": 10**12,
}


def cli_output(tmp_path: Path, data: dict, *args: str) -> tuple[int, str, float]:
    """(exit code, what `plan` printed, seconds) for a scenario written to a file."""
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    code = run(["plan", *args, str(path)], out, err)
    return code, out.getvalue(), time.perf_counter() - start


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=huge_scenarios())
def test_plan_json_and_text_are_bounded_for_huge_scenarios(tmp_path, data):
    # Whatever the steps (up to 10^12): the JSON is at most a short line an epoch, the text a few lines, both fast.
    code, printed, seconds = cli_output(tmp_path, data, "--json")
    assert code == 0
    document = json.loads(printed)
    assert len(printed) <= MAX_EPOCH_LINE * len(document["epochs"]) + MAX_REST
    assert all(len(json.dumps(epoch)) <= MAX_EPOCH_LINE for epoch in document["epochs"])
    assert seconds < 5
    code, text, seconds = cli_output(tmp_path, data)
    assert code == 0 and len(text) <= 20_000 and seconds < 5


@pytest.mark.parametrize(
    ("data", "first_train"),
    [
        (ALTERNATING, [[[[32, 1], [28, 1]], 13_500_000]]),
        (ALTERNATING_LONG_EXECUTIONS, [[[[32, 1], [28, 1]], 500_000]]),
        (ONE_SIZE, [[14, 10**12]]),
        (SHORTER_THAN_A_BATCH, [[7, 10**12]]),
    ],
    ids=["alternating", "alternating-long-executions", "one-size", "shorter-than-a-batch"],
)
def test_the_issues_scenarios_print_at_once(tmp_path, data, first_train):
    # The plans that printed for 20 s up to 3.2 GB: a repeating pass is one group, a line an epoch.
    code, printed, seconds = cli_output(tmp_path, data, "--json")
    document = json.loads(printed)
    assert code == 0 and document["epochs"][0]["train"] == first_train
    epochs = data.get("epochs", 1)
    assert len(document["epochs"]) == epochs
    assert len(printed) <= 200 * epochs + MAX_REST
    assert seconds < (20 if epochs > 1000 else 1)
    code, text, seconds = cli_output(tmp_path, data)
    assert code == 0 and seconds < 1 and len(text.splitlines()) < 60


def test_a_looping_pass_reads_as_a_group_in_the_summary(tmp_path):
    # Text `plan` on 27 million alternating steps names the repeating pair once, with its count.
    _code, text, _seconds = cli_output(tmp_path, ALTERNATING)
    assert "Epoch 1: 27,000,000 steps (13,500,000 x (1 x 32, 1 x 28)), from sample 0" in text
    assert "13.5 million passes over the data" in text


@settings(max_examples=400, deadline=None)
@given(
    samples=st.integers(1, 40),
    batch=st.integers(1, 12),
    drop=st.booleans(),
    start=st.integers(0, 60),
    count=st.integers(0, 60),
    peeked=st.integers(0, 2),
    resume_at=st.integers(0, 6),
)
def test_compact_runs_expand_to_the_batch_sizes(samples, batch, drop, start, count, peeked, resume_at):
    # A stream's compact runs, groups written out, are exactly its batches' sizes one by one; limits cut them short.
    for stream in (
        PassStream(samples, batch, drop, loops=True),
        ResumedStream(PassStream(samples, batch, drop, loops=True), peeked, resume_at),
    ):
        if stream.batches_per_pass == 0:
            continue
        sizes = [int(size) for size in stream.sizes(start, count)]
        expanded = [size for size, repeat in expand_runs(stream.compact_runs(start, count)) for _ in range(repeat)]
        assert expanded == sizes
        assert stream.runs(start, count) == expand_runs(stream.compact_runs(start, count))
        assert stream.runs(start, count, 3)[:3] == stream.runs(start, count)[:3]


def test_runs_with_a_limit_stop_early_on_any_number_of_batches():
    # The summary and views ask for a few runs: 10^12 batches of one size, or alternating, answer at once.
    start = time.perf_counter()
    assert PassStream(7, 32, loops=True).runs(0, 10**12, 7) == [[7, 10**12]]
    assert PassStream(60, 32, loops=True).runs(5, 10**12, 7)[:3] == [[28, 1], [32, 1], [28, 1]]
    assert time.perf_counter() - start < 0.1


def test_plan_json_from_the_cli_equals_the_plan_to_json(tmp_path):
    # Written epoch by epoch, the CLI's JSON is the same document as Plan.to_json, for one file and for several.
    data = {
        "train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "after_batch"},
        "epochs": 3,
        "steps_per_epoch": 9,
    }
    _code, printed, _seconds = cli_output(tmp_path, data, "--json")
    assert json.loads(printed) == plan(scenario_from_dict(data)).to_json()
    (tmp_path / "b.json").write_text(json.dumps(ONE_SIZE), encoding="utf-8")
    out = io.StringIO()
    assert run(["plan", "--json", str(tmp_path / "scenario.json"), str(tmp_path / "b.json")], out, io.StringIO()) == 0
    assert json.loads(out.getvalue()) == [plan(scenario_from_dict(d)).to_json() for d in (data, ONE_SIZE)]


# A pipeline's epoch line follows its steps (a filter or shard over a repeat unrolls up to its count of passes),
# never its number of batches.
MAX_PIPELINE_EPOCH_LINE = 4000


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=huge_pipeline_scenarios())
def test_huge_pipelines_plan_fast_and_print_bounded(tmp_path, data):
    # Pipelines of up to 10^12 samples and 10^12 steps: planned in well under 50 ms, each epoch a short JSON line.
    scenario = scenario_from_dict(data)
    start = time.perf_counter()
    plan(scenario)
    assert time.perf_counter() - start < 0.5  # generous for a loaded test machine; the benchmark shows < 1 ms
    code, printed, seconds = cli_output(tmp_path, data, "--json")
    assert code == 0
    document = json.loads(printed)
    assert all(len(json.dumps(epoch)) <= MAX_PIPELINE_EPOCH_LINE for epoch in document["epochs"])
    assert seconds < 5
