"""Record a scenario with the Keras flavour it names, in a subprocess with that flavour's environment.

tf.keras 2, the JAX and PyTorch backends and MirroredStrategy each need their environment set
before TensorFlow or Keras is first imported (``Flavour.environment()``, logical CPU devices), so
each recording runs ``core.record_worker`` in a fresh process: the request goes in on stdin, one
JSON line per recorded scenario comes back on stdout. The process is started in a session of its
own and killed with everything it started on a timeout, a cancel or any error here, then reaped.

Nothing here imports TensorFlow, Keras, JAX or PyTorch.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from core.flavours import Flavour, flavour_of
from core.plan import Plan
from core.recorder import ENDLESS_CUT_STEPS, RecorderUnavailable, check_recordable
from core.recorder import record as record_in_this_process
from core.scenario import Scenario, ValidationSet, ValidationSplit
from core.tensorflow_loader import settings_folder

PROJECT = Path(__file__).resolve().parent.parent
# How often a running recording looks at its cancel event and its deadline.
POLL_SECONDS = 0.2
# Of a worker that failed, the last lines of its stderr say why.
STDERR_LINES = 6


class FlavourMissing(RecorderUnavailable):
    """The flavour's packages are not installed; the message is one line with the install command."""


class RecordingFailed(RuntimeError):
    """The worker died, timed out or was cancelled; the message says which, in one line."""


def default_flavour(flavour: Flavour) -> bool:
    """Keras 3 on TensorFlow on one device: the flavour this process records itself (core.recorder)."""
    return flavour == Flavour()


def missing_words(flavour: Flavour) -> str:
    """One line: what is missing for this flavour and the command that installs it."""
    missing = ", ".join(flavour.missing())
    return f"{flavour.label} is not installed here (missing {missing}); install it with: {flavour.install_hint()}"


def check_flavour(scenario: Scenario) -> Flavour:
    """The scenario's flavour, if it can be recorded here; else FlavourMissing or RecorderUnavailable, one line."""
    flavour = flavour_of(scenario)
    # Keras 3 on TensorFlow missing is said by core.recorder, with the self-contained build's own words.
    if flavour.missing() and not default_flavour(flavour):
        raise FlavourMissing(missing_words(flavour))
    if scenario.gradient_accumulation_steps is not None and not default_flavour(flavour):
        raise RecorderUnavailable(
            "Weight updates under gradient_accumulation_steps are recorded with Keras 3 on TensorFlow on one "
            f"device only, not with {flavour.label}; remove gradient_accumulation_steps to record its batches."
        )
    if flavour.keras == "2":
        validation = scenario.validation
        specs = [scenario.train] + ([validation] if isinstance(validation, ValidationSet) else [])
        flow_split = isinstance(validation, ValidationSplit) and validation.split_by == "image_data_generator"
        if flow_split or any(spec.source == "image_data_generator" for spec in specs):
            raise RecorderUnavailable(
                "The recorder builds ImageDataGenerator flows with Keras 3; recording one under tf.keras 2 "
                "is not supported: use arrays, a tf.data dataset, a generator or a PyDataset (a Sequence)."
            )
        if any(spec.source == "pydataset" and spec.samples is None for spec in specs):
            raise RecorderUnavailable(
                "tf.keras 2 has no endless PyDataset (a Sequence always has a length); give the PyDataset samples."
            )
    return flavour


def limits_json(planned: Plan | dict[str, Any]) -> dict[str, Any]:
    """What the worker needs of the plan to know where to stop each part: its JSON, plus the
    training steps of the epoch whose validation never ends (the JSON leaves them out)."""
    if isinstance(planned, dict):
        return planned
    out = planned.to_json()
    if planned.outcome == "endless" and planned.endless_train is not None:
        out["endless_train_steps"] = planned.endless_train.count
    return out


def worker_environment(flavour: Flavour) -> dict[str, str]:
    search_path = os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, **flavour.environment(), "PYTHONPATH": search_path, "TF_CPP_MIN_LOG_LEVEL": "3"}
    # Keras writes keras.json where KERAS_HOME says (else in ~/.keras): the app's folder, unless the user chose one.
    environment.setdefault("KERAS_HOME", str(settings_folder() / "keras"))
    return environment


def record_jobs(
    flavour: Flavour,
    jobs: list[dict[str, Any]],
    *,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, dict[str, Any]]:
    """Record the jobs ({"name", "scenario" (JSON), "planned" (plan JSON), "endless_steps"}) in one
    worker process of this flavour (its replicas: the most any job asks for); {name: recording}.

    Raises FlavourMissing, or RecordingFailed when the worker dies, outlives ``timeout`` seconds or
    ``cancel`` is set; the worker is killed and reaped whatever happens here.
    """
    if flavour.missing():
        raise FlavourMissing(missing_words(flavour))
    devices = max([flavour.replicas, *(job["scenario"].get("replicas", 1) for job in jobs)])
    request = json.dumps({"flavour": _flavour_json(flavour), "devices": devices, "jobs": jobs})
    worker = subprocess.Popen(
        [sys.executable, "-m", "core.record_worker"],
        cwd=PROJECT,
        env=worker_environment(flavour),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: killed as one, PyDataset workers included
    )
    try:
        out, err = _wait(worker, request, timeout, cancel)
    finally:
        if worker.poll() is None:
            _kill(worker)
    results: dict[str, dict[str, Any]] = {}
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        answer = json.loads(line)
        if "fatal" in answer:
            raise RecordingFailed(f"{flavour.label} could not start: {answer['fatal']}")
        results[answer["name"]] = answer["recording"]
    if worker.returncode != 0 or len(results) != len(jobs):
        raise RecordingFailed(f"the {flavour.label} recorder stopped (exit {worker.returncode}): {_last_lines(err)}")
    return results


def _wait(worker: subprocess.Popen, request: str, timeout: float | None, cancel: threading.Event | None) -> tuple[str, str]:
    """The worker's stdout and stderr once it ends; killed (and RecordingFailed) on the deadline or a cancel."""
    deadline = None if timeout is None else time.monotonic() + timeout
    pending: str | None = request
    while True:
        try:
            return worker.communicate(pending, timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            pending = None  # communicate sent it already; a repeated call only waits
        if cancel is not None and cancel.is_set():
            _kill(worker)
            raise RecordingFailed("the recording was cancelled")
        if deadline is not None and time.monotonic() > deadline:
            _kill(worker)
            raise RecordingFailed(f"the recording took longer than {timeout:g} s and was stopped")


def _kill(worker: subprocess.Popen) -> None:
    """Kill the worker's whole process group and reap it (no zombie is left)."""
    with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
        os.killpg(worker.pid, signal.SIGKILL)
    worker.communicate()


def _last_lines(err: str) -> str:
    lines = [line.strip() for line in err.splitlines() if line.strip()]
    return " | ".join(lines[-STDERR_LINES:]) or "no message"


def _flavour_json(flavour: Flavour) -> dict[str, Any]:
    return {"keras": flavour.keras, "backend": flavour.backend, "replicas": flavour.replicas}


def record_flavour(
    scenario: Scenario,
    planned: Plan | dict[str, Any],
    *,
    endless_steps: int = ENDLESS_CUT_STEPS,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """Record one scenario with its own flavour in a worker process; the recording, plan-shaped."""
    flavour = check_flavour(scenario)
    check_recordable(scenario)
    job = {"name": "scenario", "scenario": scenario.to_dict(), "planned": limits_json(planned), "endless_steps": endless_steps}
    return record_jobs(flavour, [job], timeout=timeout, cancel=cancel)["scenario"]


def record(
    scenario: Scenario, planned: Plan | dict[str, Any] | None = None, *, endless_steps: int = ENDLESS_CUT_STEPS
) -> dict[str, Any]:
    """Record the scenario with the flavour it names: Keras 3 on TensorFlow on one device in this
    process (``core.recorder.record``, as the live demo does), any other in a worker process."""
    if default_flavour(flavour_of(scenario)):
        return record_in_this_process(scenario, planned, endless_steps=endless_steps)
    if planned is None:
        from core.keras.fit import plan

        planned = plan(scenario)
    return record_flavour(scenario, planned, endless_steps=endless_steps)
