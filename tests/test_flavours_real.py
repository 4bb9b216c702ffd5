"""Proof for every flavour: tf.keras 2, Keras 3 on JAX and on PyTorch, and MirroredStrategy over
logical CPU devices, each recorded with the real thing in a process of its own (core.record_flavour).

- The recorder reproduces each of the 42 public flavour records (tests/conformance/flavours-public.json),
  limited by the record itself (never by the planner): batches, first samples, "ran out" flags,
  tf.keras 2's ``stopped``, each replica's share of every global batch, the outcome, the error and
  Keras' warnings.
- A grid of our own (tests/flavour_grid.py, over 100 scenarios) is recorded and compared with the
  planner (``core.keras.fit.plan``) through ``core.compare``, plus tf.keras 2's ``stopped`` and the
  per-replica sizes of the plan JSON.
- ``main.py verify`` matches on a scenario of each flavour.

One recording process per flavour records all its scenarios (each import is paid once), two
flavours side by side. A flavour that is not installed is skipped with its install command, or
fails when EPOCHSCOPE_REQUIRE_FLAVOURS=1 (CI installs them all).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from core.compare import compare, conformance_record_as_plan
from core.flavours import Flavour
from core.keras.fit import plan
from core.keras.replicas import replica_split
from core.record_flavour import RecordingFailed, limits_json, record_jobs
from core.scenario import scenario_from_dict
from tests.conftest import CONFORMANCE_FOLDER
from tests.flavour_grid import grid
from tests.recorder_truth import RECORD_CUT_STEPS, comparable

PROJECT = Path(__file__).resolve().parent.parent
PUBLIC = json.loads((CONFORMANCE_FOLDER / "flavours-public.json").read_text(encoding="utf-8"))
GRID = grid()
# The flavour each group is recorded with (the replicas group's process makes 4 logical devices;
# each scenario's strategy spans its own replicas of them).
GROUPS = {
    "keras2": Flavour("2"),
    "keras3-jax": Flavour("3", "jax"),
    "keras3-torch": Flavour("3", "torch"),
    "replicas": Flavour("3", "tensorflow", 4),
}
# The grid's endless parts are cut this soon: a planned endless part is compared up to the cut.
GRID_CUT_STEPS = 60
# Lanes of groups recorded side by side, one stage after the other. MirroredStrategy's replicas
# wait on each other at every step and slow down several times over when another process takes
# a core, so the replicas group is recorded alone, after the others.
STAGES = ((("keras2",), ("keras3-jax", "keras3-torch")), (("replicas",),))


def group_of(scenario: dict[str, Any]) -> str:
    if scenario.get("keras", "3") == "2":
        return "keras2"  # on one device or several (its process makes the devices)
    if scenario.get("replicas", 1) > 1:
        return "replicas"
    return f"keras3-{scenario.get('backend', 'tensorflow')}"


def grid_name(group: str, index: int) -> str:
    return f"grid-{group}-{index:02d}"


def _jobs(group: str) -> list[dict[str, Any]]:
    jobs = [
        {
            "name": case["name"],
            "scenario": case["scenario"],
            "planned": conformance_record_as_plan(case["keras"]),
            "endless_steps": RECORD_CUT_STEPS,
        }
        for case in PUBLIC
        if group_of(case["scenario"]) == group
    ]
    named = [(grid_name(group, index), scenario) for index, scenario in enumerate(GRID[group])]
    for name, scenario in named:
        planned = limits_json(plan(scenario_from_dict(scenario)))
        jobs.append({"name": name, "scenario": scenario, "planned": planned, "endless_steps": GRID_CUT_STEPS})
    return jobs


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> dict[str, Any]:
    """{group: {name: recording}} for every installed flavour (a RecordingFailed in place of a group that failed)."""
    folder = tmp_path_factory.mktemp("flavours")
    results: dict[str, Any] = {}
    timings: dict[str, float] = {}

    def lane(groups: tuple[str, ...]) -> None:
        for group in groups:
            if GROUPS[group].missing():
                continue
            started = time.monotonic()
            try:
                results[group] = record_jobs(GROUPS[group], _jobs(group), timeout=600)
            except RecordingFailed as exc:
                results[group] = exc
            timings[group] = round(time.monotonic() - started, 1)

    with pytest.MonkeyPatch.context() as patch:
        # Keras' home and the app's settings go to a temporary folder, never the real HOME.
        patch.setenv("HOME", str(folder))
        patch.setenv("XDG_CONFIG_HOME", str(folder / "config"))
        patch.setenv("KERAS_HOME", str(folder / "keras"))
        for lanes in STAGES:
            with ThreadPoolExecutor(len(lanes)) as pool:
                list(pool.map(lane, lanes))
    print(f"\nflavour recordings took (s): {timings}")
    return results


def recorded(recordings: dict[str, Any], group: str, name: str) -> dict[str, Any]:
    require(GROUPS[group])
    result = recordings[group]
    if isinstance(result, Exception):
        pytest.fail(f"recording {group} failed: {result}")
    return result[name]


def require(flavour: Flavour) -> None:
    """Skip (locally) or fail (CI: EPOCHSCOPE_REQUIRE_FLAVOURS=1) when the flavour is not installed."""
    if not flavour.missing():
        return
    reason = f"{flavour.label} is not installed: {flavour.install_hint()}"
    if os.environ.get("EPOCHSCOPE_REQUIRE_FLAVOURS") == "1":
        pytest.fail(f"{reason} (EPOCHSCOPE_REQUIRE_FLAVOURS=1: every flavour must be tested)")
    pytest.skip(reason)


# ---------------------------------------------------------------- the public records


def test_the_flavour_records_ship_with_the_tests():
    assert len(PUBLIC) == 42
    assert len({case["name"] for case in PUBLIC}) == 42
    counts = {group: sum(group_of(case["scenario"]) == group for case in PUBLIC) for group in GROUPS}
    assert counts == {"keras2": 21, "keras3-jax": 5, "keras3-torch": 5, "replicas": 11}


@pytest.mark.keras
@pytest.mark.parametrize("case", PUBLIC, ids=[case["name"] for case in PUBLIC])
def test_recorder_reproduces_the_flavour_record(case, recordings):
    truth, seen = comparable(case["keras"], recorded(recordings, group_of(case["scenario"]), case["name"]))
    assert seen == truth


@pytest.mark.keras
def test_the_recordings_say_their_flavour(recordings):
    # tf.keras 2's recordings carry "stopped"; a replicas recording its devices and each global batch's shares.
    for case in PUBLIC:
        group = group_of(case["scenario"])
        seen = recorded(recordings, group, case["name"])
        assert (seen["backend"], seen["replicas"]) == (case["keras"]["backend"], case["keras"]["replicas"])
        if group == "keras2":
            assert seen["keras"] == "2.21.0" and "stopped" in seen
        if group == "replicas":
            for epoch in seen["epochs"]:
                assert sum(count for _sizes, count in epoch["train_replicas"]) == sum(count for _size, count in epoch["train"])


# ---------------------------------------------------------------- the grid against the planner


GRID_CASES = [(group, index) for group, scenarios in GRID.items() for index in range(len(scenarios))]


def test_the_grid_spans_every_flavour():
    assert len(GRID_CASES) >= 100
    counts = {group: len(scenarios) for group, scenarios in GRID.items()}
    assert counts["keras2"] >= 35 and counts["keras3-jax"] >= 20 and counts["keras3-torch"] >= 20 and counts["replicas"] >= 25
    assert {scenario.get("replicas") for scenario in GRID["replicas"]} == {2, 3, 4}
    assert {scenario.get("replicas", 1) for scenario in GRID["keras2"]} == {1, 2, 3, 4}
    sources = {scenario["train"]["source"] for scenarios in GRID.values() for scenario in scenarios}
    assert sources == {"arrays", "dataset", "generator", "pydataset"}


@pytest.mark.keras
@pytest.mark.parametrize(("group", "index"), GRID_CASES, ids=[grid_name(group, index) for group, index in GRID_CASES])
def test_the_planner_says_what_the_flavour_did(group, index, recordings):
    planner_matches(GRID[group][index], recorded(recordings, group, grid_name(group, index)))


def planner_matches(scenario: dict[str, Any], seen: dict[str, Any]) -> None:
    """The plan of the scenario says what the recording saw: batches, outcome, tf.keras 2's stop, each replica's share."""
    assert seen["outcome"] != "crashed", seen["error"]
    planned = plan(scenario_from_dict(scenario))
    difference = compare(planned, seen).difference
    assert difference is None, f"{json.dumps(scenario)}: {difference}"
    plan_json = planned.to_json()
    if scenario.get("keras") == "2" and seen["outcome"] == "ok":
        assert plan_json.get("stopped") == seen["stopped"], json.dumps(scenario)
    if scenario.get("replicas", 1) > 1 and seen["outcome"] in ("ok", "error"):
        for want, got in zip(plan_json["epochs"], seen["epochs"], strict=False):
            for part in ("train_replicas", "val_replicas"):
                assert shares(want.get(part)) == shares(got[part]), f"{json.dumps(scenario)}: epoch {got['epoch']} {part}"


def shares(runs: list | None) -> list[tuple[int, ...]] | None:
    """Per-replica sizes of each global batch, one entry a step (the plan nests repeated groups of runs)."""
    if runs is None:
        return None
    steps: list[tuple[int, ...]] = []
    for run, count in runs:
        nested = bool(run) and isinstance(run[0], list)
        steps.extend((shares(run) if nested else [tuple(run)]) * int(count))
    return steps


@pytest.mark.keras
def test_every_replica_gets_its_ceil_share_in_order(recordings):
    # The recorder's own finding, whatever the planner says: ceil(B/R) a replica, the later ones short or empty.
    several = [(group, index, scenario) for group, index in GRID_CASES if (scenario := GRID[group][index]).get("replicas", 1) > 1]
    assert len(several) >= 30
    for group, index, scenario in several:
        seen = recorded(recordings, group, grid_name(group, index))
        for epoch in seen["epochs"]:
            for part in ("train", "val"):
                for sizes, _count in epoch[f"{part}_replicas"] or []:
                    assert tuple(sizes) == replica_split(sum(sizes), scenario["replicas"]), json.dumps(scenario)


# ---------------------------------------------------------------- verify, per flavour


def _train(source: str) -> dict[str, Any]:
    return {"samples": 100, "source": source, "batch_size": 32, "shuffle": False}


VERIFY = {
    "keras2": (
        {"keras": "2", "train": _train("dataset"), "epochs": 3, "steps_per_epoch": 3},
        "match: tf.keras 2.21.0 ran exactly the planned 2 epochs: 4 training steps; "
        "the data ran out in epoch 2 and ended fit there.",
    ),
    "keras3-jax": (
        {"backend": "jax", "train": _train("arrays"), "epochs": 2, "validation": {"split": 0.2}},
        "match: Keras 3.15.1 (JAX) ran exactly the planned 2 epochs: 6 training steps and 2 validation steps.",
    ),
    "keras3-torch": (
        {"backend": "torch", "train": _train("pydataset"), "epochs": 2},
        "match: Keras 3.15.1 (PyTorch) ran exactly the planned 2 epochs: 8 training steps.",
    ),
    "replicas": (
        {
            "replicas": 4,
            "train": _train("dataset"),
            "epochs": 2,
            "validation": {"samples": 10, "source": "dataset", "batch_size": 8},
        },
        "match: Keras 3.15.1 on 4 devices ran exactly the planned 2 epochs: 8 training steps and 4 validation steps, "
        "every batch split across the 4 devices as planned.",
    ),
}


@pytest.mark.keras
@pytest.mark.parametrize("group", list(VERIFY))
def test_verify_matches_each_flavour(group, tmp_path):
    require(GROUPS[group])
    scenario, match = VERIFY[group]
    path = tmp_path / f"{group}.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    environment = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    environment.pop("KERAS_HOME", None)
    done = subprocess.run(
        [sys.executable, "main.py", "verify", str(path)],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (done.returncode, done.stdout.splitlines()[0] if done.stdout else done.stderr) == (0, match)
    assert not (tmp_path / ".keras").exists()  # keras.json went to the app's folder


# ---------------------------------------------------------------- the recording process is never left behind


def _children() -> list[str]:
    """This process's children that are recording workers (zombies included)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and (b"core.record_worker" in command or fields[0] == "Z"):
            found.append(stat.parent.name)
    return found


def _slow_job() -> dict[str, Any]:
    scenario = {"keras": "2", "train": {"samples": 64, "source": "dataset", "batch_size": 16, "shuffle": False}, "epochs": 1}
    return {"name": "slow", "scenario": scenario, "planned": {"outcome": "ok", "epochs": []}, "endless_steps": 10}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_recording_past_its_time_is_killed_and_reaped():
    require(Flavour("2"))
    started = time.monotonic()
    with pytest.raises(RecordingFailed, match=r"took longer than 0\.5 s"):
        record_jobs(Flavour("2"), [_slow_job()], timeout=0.5)
    assert time.monotonic() - started < 5
    assert _children() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_cancelled_recording_is_killed_and_reaped():
    require(Flavour("3", "jax"))
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    with pytest.raises(RecordingFailed, match="cancelled"):
        job = _slow_job()
        record_jobs(
            Flavour("3", "jax"), [{**job, "scenario": {**job["scenario"], "keras": "3", "backend": "jax"}}], cancel=cancel
        )
    assert _children() == []
