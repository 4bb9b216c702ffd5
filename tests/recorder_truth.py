"""The recorder against the recorded truth: record conformance scenarios with real Keras and put
both in one comparable form.

Run as a worker (``python -m tests.recorder_truth JOBS.json``) it records each job's scenario and
prints one JSON object {name: recording}; the tests start a few such workers side by side
(TensorFlow's start-up and each fit's tracing are mostly single-threaded). For a conformance
record the step limits come from the record itself, never from the planner: that proves the
recorder, not the planner.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from core.compare import conformance_record_as_plan

PROJECT = Path(__file__).resolve().parent.parent

# The conformance recorder cut an endless part after this many steps.
RECORD_CUT_STEPS = 3001
RECORD_ERROR_CHARS = 300
_EPOCH_KEYS = ("epoch", "train_first_sample", "val_first_sample", "ran_out", "val_ran_out", "updates")


def refused_by_format(case: dict[str, Any]) -> bool:
    """A record whose scenario the format itself refuses: there is nothing to hand to Keras."""
    return case["keras"].get("refused_by") == "format"


def error_reason(text: str) -> str:
    """An error's type and reason, without TensorFlow's eager-op wrapping ({{function_node ...}}, [Op:...])."""
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", text)
    return re.sub(r"\s*\[Op:[^\]]*\]( name: ?.*)?$", "", text).strip()


def _expanded(runs: list) -> list[int]:
    sizes: list[int] = []
    for run in runs:
        if isinstance(run[0], list):
            for _ in range(int(run[1])):
                sizes.extend(_expanded(run[0]))
        else:
            sizes.extend([int(run[0])] * int(run[1]))
    return sizes


def _runs(sizes: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for size in sizes:
        if runs and runs[-1][0] == size:
            runs[-1][1] += 1
        else:
            runs.append([size, 1])
    return runs


def comparable(truth: dict[str, Any], recorded: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the record, the recording) in one form, equal exactly when the recorder saw what the record holds.

    Normalised, and only where it is legitimately arbitrary: the order of batches Keras draws at
    random (compared as a multiset where the record says ``train_order: "random"``); where an
    endless part was cut (both cut at the record's step count); how TensorFlow words the same
    error from a graph or from an eager op.
    """
    outcome = truth["outcome"]
    epochs_truth = [dict(epoch) for epoch in truth["epochs"]]
    epochs_seen = [dict(epoch) for epoch in recorded["epochs"]]
    seen_outcome = recorded["outcome"]
    if seen_outcome == "stopped":
        seen_outcome = f"endless_{recorded['stopped']['part']}"
    if outcome.startswith("endless") and epochs_truth and epochs_seen and seen_outcome == outcome:
        part = outcome.split("_", 1)[1]
        cut = len(_expanded(epochs_truth[-1][part]))
        for epoch in (epochs_truth[-1], epochs_seen[-1]):
            epoch[part] = _runs(_expanded(epoch[part] or [])[:cut])
    for want, got in zip(epochs_truth, epochs_seen, strict=False):
        if want.get("train_order") == "random":
            for epoch in (want, got):
                epoch["train"] = _runs(sorted(_expanded(epoch["train"]), reverse=True))
    for want, got in zip(epochs_truth, epochs_seen, strict=False):
        if want.get("train_order") == "random" and want.get("train_replicas") is not None:
            for epoch in (want, got):
                epoch["train_replicas"] = sorted(epoch.get("train_replicas") or [], reverse=True)
    keys = ("train", "val", *_EPOCH_KEYS, *(("train_replicas", "val_replicas") if truth.get("replicas", 1) > 1 else ()))

    def shape(epochs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{key: epoch.get(key) for key in keys} for epoch in epochs]

    # The flavour records keep an error's type and the first 300 characters of its message.
    cut = len(truth.get("error", "").partition(": ")[2]) == RECORD_ERROR_CHARS

    def error(source: dict[str, Any]) -> str | None:
        if not source.get("error"):
            return None
        kind, _, message = source["error"].partition(": ")
        return error_reason(f"{kind}: {message[:RECORD_ERROR_CHARS] if cut else message}")

    def whole(outcome: str, source: dict[str, Any], epochs: list[dict[str, Any]], warnings: list[str]) -> dict[str, Any]:
        # tf.keras 2 ends fit where its data ran out: "stopped" {"epoch": K} (the recorder's own
        # stop of an endless part is its outcome "stopped", compared as the record's endless outcome).
        ended = source.get("stopped") if source.get("outcome") != "stopped" else None
        return {
            "outcome": outcome,
            "stopped": ended,
            "error": error(source),
            "epochs": shape(epochs),
            "weight_updates": source.get("weight_updates"),
            "optimizer_iterations": source.get("optimizer_iterations"),
            "warnings": sorted(set(warnings)),
        }

    return (
        whole(outcome, truth, epochs_truth, truth["warnings"]),
        whole(seen_outcome, recorded, epochs_seen, recorded["recorded_warnings"]),
    )


def record_job(job: dict[str, Any]) -> dict[str, Any]:
    """Record one job: {"scenario": ..., "planned": plan JSON that sets the step limits, or null for the planner's}."""
    from core import scenario_from_dict
    from core.recorder import record

    scenario = scenario_from_dict(job["scenario"])
    return record(scenario, job.get("planned"), endless_steps=job.get("endless_steps", RECORD_CUT_STEPS))


def conformance_job(case: dict[str, Any]) -> dict[str, Any]:
    """A conformance case as a job: limited by its own record, never by the planner."""
    return {"name": case["name"], "scenario": case["scenario"], "planned": conformance_record_as_plan(case["keras"])}


def record_in_workers(jobs: list[dict[str, Any]], folder: Path, workers: int = 2, timeout: float = 900) -> dict[str, Any]:
    """Record the jobs in ``workers`` subprocesses side by side; {name: recording}.

    Each worker imports TensorFlow once and records its share in turn. Keras' home and the
    app's settings go to ``folder`` (nothing is written in the real HOME).
    """
    shares = [jobs[index::workers] for index in range(workers)]
    environment = {
        **os.environ,
        "HOME": str(folder),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "KERAS_HOME": str(folder / "keras"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONPATH": str(PROJECT),
    }
    started = []
    for index, share in enumerate(shares):
        if not share:
            continue
        jobs_file = folder / f"jobs-{index}.json"
        jobs_file.write_text(json.dumps(share), encoding="utf-8")
        command = [sys.executable, "-m", "tests.recorder_truth", str(jobs_file)]
        started.append(
            subprocess.Popen(command, cwd=PROJECT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    results: dict[str, Any] = {}
    for worker in started:
        out, err = worker.communicate(timeout=timeout)
        if worker.returncode != 0:
            raise RuntimeError(f"a recording worker failed (exit {worker.returncode}):\n{err[-4000:]}")
        results.update(json.loads(out.strip().splitlines()[-1]))
    return results


def expand_step_ranges(ranges: list[list[int]]) -> list[int]:
    """The recorder's ``update_steps`` ([first, count, every] runs) as the 0-based steps themselves."""
    return [first + every * index for first, count, every in ranges for index in range(count)]


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as file:
        jobs = json.load(file)
    results = {}
    for job in jobs:
        started = time.monotonic()
        try:
            results[job["name"]] = record_job(job)
            results[job["name"]]["recorded_seconds"] = round(time.monotonic() - started, 3)
        except Exception:  # one job's failure is that job's result, not the end of the others
            results[job["name"]] = {"outcome": "crashed", "error": traceback.format_exc(), "epochs": []}
    sys.stdout.write("\n" + json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
