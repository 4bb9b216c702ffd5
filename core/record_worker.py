"""The recorder for one Keras flavour, run in a process of its own (``python -m core.record_worker``).

Each flavour needs its environment before the first import (``TF_USE_LEGACY_KERAS=1`` for
tf.keras 2, ``KERAS_BACKEND`` for a Keras 3 backend, logical CPU devices for replicas), so
``core.record_flavour`` starts this module in a fresh process with that environment and hands it
a request on stdin: ``{"flavour": {...}, "devices": R, "jobs": [{"name", "scenario", "planned",
"endless_steps"}]}``. It answers one JSON line per job on stdout, ``{"name", "recording"}``, the
recording in the plan's JSON shape as ``core.recorder`` makes it, plus ``stopped`` for tf.keras 2
and ``train_replicas`` / ``val_replicas`` for replicas > 1. Everything else the libraries print
goes to stderr.

How each batch is seen, per flavour (every step of every flavour notes its batch in Python):

- tf.keras 2 and MirroredStrategy: fit runs the steps as a TensorFlow graph (one per replica
  under the strategy), so ``train_step`` / ``test_step`` note through ``tf.py_function``: the
  batch's size, first sample and ``replica_id_in_sync_group``. A graph is what a student's code
  runs; running it eagerly instead would change how tf.keras 2 meets the end of the data.
- JAX and PyTorch: Keras 3 feeds these backends from a Python loop (the same EpochIterator), and
  their ``train_step`` signatures differ (``(state, data)`` returning ``(logs, state)`` on JAX,
  ``(data)`` on PyTorch). One step override takes either (``*args``, data last) and notes the
  concrete batch directly. Compiled with ``run_eagerly=True`` so that JAX does not jit the step
  (a jitted step runs its Python once, at tracing); PyTorch runs it eagerly anyway. A note from
  the model's ``call`` would also see Keras' own symbolic calls (building the model), and a
  callback never sees the batch at all, which is why the steps are overridden.

The recorder's model never learns: it only notes, so the batches, not the arithmetic, are recorded.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, TextIO

from core.flavours import Flavour
from core.pipelines import fit_inputs
from core.recorder import BatchLog, StepLimits, boundary_callback, error_text
from core.scenario import Scenario, scenario_from_dict


class TwoColumns:
    """x = [position, 0], y = 0. Two columns, as the public flavour records were made with: under
    MirroredStrategy the error for a first batch that does not split names the replicas' input
    shapes ("Input 0: [11,2] != input 2: [10,2]"), and those carry the width."""

    def arrays(self, positions: Any, salt: float, np: Any) -> tuple[Any, Any]:
        column = np.asarray(positions, dtype="float64").reshape(-1, 1)
        return np.concatenate([column, np.zeros_like(column)], axis=1), np.zeros_like(column)

    def tensors(self, position: Any, salt: float, tf: Any) -> tuple[Any, Any]:
        value = tf.cast(position, "float64")
        return tf.stack([value, tf.constant(0.0, "float64")]), tf.zeros((1,), "float64")


class ReplicaNotes:
    """Each replica's batches in the order it ran them: (size, first sample), first -1 when empty.

    A replica's own steps run in order; different replicas' notes of one global step may
    interleave, so a global step is the k-th note of every replica, taken once all have it.
    """

    def __init__(self) -> None:
        self.by_replica: dict[int, list[tuple[int, int]]] = {}
        self.lock = threading.Lock()

    def add(self, replica: Any, size: Any, first: Any) -> int:
        with self.lock:
            self.by_replica.setdefault(int(replica), []).append((int(size), int(first)))
        return 0

    def take_steps(self, replicas: int) -> list[list[tuple[int, int]]]:
        """The global steps complete on every replica since the last call, each as its replicas' notes."""
        with self.lock:
            lists = [self.by_replica.get(replica, []) for replica in range(replicas)]
            ready = min(len(notes) for notes in lists)
            steps = [[notes[index] for notes in lists] for index in range(ready)]
            for replica in range(replicas):
                self.by_replica[replica] = lists[replica][ready:]
        return steps


class FlavourLog(BatchLog):
    """A BatchLog fed from ReplicaNotes (not from a ring of notes in the graph), keeping each global
    batch's per-replica sizes, and tf.keras 2's end of fit when its data runs out."""

    def __init__(self, limits: StepLimits, notes: ReplicaNotes, flavour: Flavour, versions: dict[str, str]):
        super().__init__(limits)
        self.notes = notes
        self.flavour = flavour
        self.versions = versions

    def maybe_collect(self, model: Any) -> None:
        self.collect(model)  # the notes are Python already: reading them costs nothing

    def collect(self, model: Any) -> None:
        for step in self.notes.take_steps(self.flavour.replicas):
            size = sum(replica_size for replica_size, _first in step)
            if self.phase is not None:
                self.current[f"{self.phase}_replicas"].append(tuple(replica_size for replica_size, _first in step))
            self.note(size, step[0][1], 0.0)

    def start_epoch(self, number: int | None = None) -> None:
        super().start_epoch(number)
        self.current["train_replicas"], self.current["val_replicas"] = [], None

    def start_validation(self) -> None:
        super().start_validation()
        self.current["val_replicas"] = []

    def flavour_result(self, scenario: Any, error: str | None) -> dict[str, Any]:
        out = self.result(scenario, error, self.versions["keras"], self.versions["tensorflow"])
        out["backend"], out["replicas"] = self.flavour.backend, self.flavour.replicas
        if self.flavour.replicas > 1:
            for recorded, epoch in zip(out["epochs"], self.epochs, strict=True):
                recorded["train_replicas"] = _replica_runs(epoch["train_replicas"])
                recorded["val_replicas"] = None if recorded["val"] is None else _replica_runs(epoch["val_replicas"])
        if self.flavour.keras == "2" and out["outcome"] != "stopped":  # (that "stopped" is the recorder's own cut)
            # tf.keras 2 ends the whole fit in the epoch whose training ran out of data.
            last = out["epochs"][-1] if out["epochs"] else None
            ran_out = out["outcome"] == "ok" and last is not None and last["ran_out"]
            out["stopped"] = {"epoch": last["epoch"]} if ran_out else None
        return out


def _as_rows(x: Any, reshape: Callable[[Any, Any], Any]) -> Any:
    """Images (a flow, the directory loader) as rows of pixels, rows as they are: one Dense meets both
    (images in training, rows in validation). The width is static, as Dense needs to build."""
    if len(x.shape) == 2:
        return x
    return reshape(x, (-1, math.prod(int(size) for size in x.shape[1:])))


def _replica_runs(steps: list[tuple[int, ...]]) -> list[list[Any]]:
    """Per-replica sizes of each global batch, run-length encoded: [[[16, 16], 3], [[2, 2], 1]]."""
    runs: list[list[Any]] = []
    for sizes in steps:
        if runs and runs[-1][0] == list(sizes):
            runs[-1][1] += 1
        else:
            runs.append([list(sizes), 1])
    return runs


class KerasLogWarnings(logging.Handler):
    """tf.keras 2 warns through logging, not the warnings module ("Your input ran out of data"):
    its own warnings (those logged from the tf_keras package) join the caught warnings."""

    def __init__(self, caught: list[Any]):
        super().__init__(logging.WARNING)
        self.caught = caught

    def emit(self, record: logging.LogRecord) -> None:
        if f"{os.sep}tf_keras{os.sep}" in record.pathname:
            self.caught.append(SimpleNamespace(message=record.getMessage()))


class StopRecording(Exception):
    """Raised by the boundary callback to end an evaluation tf.keras 2 cannot be asked to stop."""


def import_flavour(flavour: Flavour, devices: int) -> tuple[Any, Any]:
    """TensorFlow and the flavour's Keras, imported in this process (whose environment is the flavour's), with
    ``devices`` logical CPU devices: (tf, keras)."""
    from core.tensorflow_loader import point_keras_home

    point_keras_home()
    import tensorflow as tf

    if devices > 1:
        # Logical CPU devices must be made before TensorFlow runs its first op.
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)])
    if flavour.keras == "2":
        import tf_keras as keras
    else:
        import keras

        if keras.backend.backend() != flavour.backend:
            raise RuntimeError(f"KERAS_BACKEND gave {keras.backend.backend()}, not {flavour.backend}")
    tf.get_logger().setLevel("WARNING")
    return tf, keras


class FlavourRecorder:
    """Imports the flavour once (its environment is this process's) and records scenario after scenario."""

    def __init__(self, flavour: Flavour, devices: int):
        import numpy as np

        self.flavour = flavour
        self.devices = devices
        self.np = np
        self.tf, self.keras = import_flavour(flavour, devices)
        self.strategies: dict[int, Any] = {}
        self.versions = {"keras": self.keras.__version__, "tensorflow": self.tf.__version__}

    def strategy(self, replicas: int) -> Any:
        if replicas not in self.strategies:
            devices = [f"/cpu:{index}" for index in range(replicas)]
            self.strategies[replicas] = self.tf.distribute.MirroredStrategy(devices)
        return self.strategies[replicas]

    def fit_keras(self) -> Any:
        """What core.pipelines is handed as ``keras``: tf.keras 2 names PyDataset's place Sequence."""
        if self.flavour.keras != "2":
            return self.keras
        keras = self.keras

        class Sequence(keras.utils.Sequence):
            """tf.keras 2's keras.utils.Sequence: the same class as Keras 3's PyDataset, its length __len__."""

            def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
                super().__init__()

            def __len__(self) -> int:
                return self.num_batches

        def image_dataset_from_directory(*args: Any, verbose: bool = True, **kwargs: Any) -> Any:
            """tf.keras 2's loader has no ``verbose`` (it always prints what it found: to stderr, here)."""
            return keras.utils.image_dataset_from_directory(*args, **kwargs)

        utils = SimpleNamespace(PyDataset=Sequence, image_dataset_from_directory=image_dataset_from_directory)
        return SimpleNamespace(utils=utils)

    def record(self, job: dict[str, Any]) -> dict[str, Any]:
        scenario = scenario_from_dict(job["scenario"])
        flavour = Flavour(scenario.keras, scenario.backend, scenario.replicas)
        if Flavour(flavour.keras, flavour.backend) != Flavour(self.flavour.keras, self.flavour.backend):
            raise ValueError(f"a {flavour.label} scenario sent to the {self.flavour.label} recorder")
        if flavour.replicas > self.devices:
            raise ValueError(f"{flavour.replicas} replicas asked of a recorder with {self.devices} devices")
        notes = ReplicaNotes()
        log = FlavourLog(StepLimits(job["planned"], job["endless_steps"]), notes, flavour, self.versions)
        # What a student's script shows: Python hides DeprecationWarnings outside __main__
        # (Keras on PyTorch raises NumPy's about torch's __array__ after every step).
        error = self.fit_noting(
            scenario,
            log,
            lambda: self.model(flavour, notes, scenario.steps_per_execution),
            TwoColumns(),
            [boundary_callback(self.keras, log, stop_evaluation=stop_evaluation)],
            hide_deprecations=True,
        )
        return log.flavour_result(scenario, error)

    def fit_noting(
        self,
        scenario: Scenario,
        log: FlavourLog,
        make_model: Callable[[], Any],
        samples: Any,
        callbacks: list[Any],
        *,
        hide_deprecations: bool = False,
        fitting: Callable[[], None] = lambda: None,
    ) -> str | None:
        """Fit the model ``make_model`` builds on the scenario's inputs, Keras' warnings (Python's and its logger's)
        going to ``log``; the error text when Keras refuses (a result, not a crash), else None."""
        error: str | None = None
        handler = KerasLogWarnings([])
        logging.getLogger("tensorflow").addHandler(handler)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                if hide_deprecations:
                    warnings.simplefilter("ignore", DeprecationWarning)
                handler.caught = log.warnings = caught
                try:
                    model = make_model()
                    with fit_inputs(scenario, samples, self.np, self.tf, self.fit_keras()) as fit_kwargs:
                        fitting()
                        model.fit(
                            epochs=scenario.epochs,
                            steps_per_epoch=scenario.steps_per_epoch,
                            callbacks=callbacks,
                            verbose=0,
                            **fit_kwargs,
                        )
                except StopRecording:
                    pass
                except Exception as exc:  # Keras refusing the call is a result, not a crash
                    error = error_text(exc)
                log.collect(None)
        finally:
            logging.getLogger("tensorflow").removeHandler(handler)
        return error

    def model(self, flavour: Flavour, notes: ReplicaNotes, steps_per_execution: int) -> Any:
        if flavour.replicas > 1:
            with self.strategy(flavour.replicas).scope():
                return self._compiled(self._graph_model(notes), steps_per_execution, eager=False)
        if flavour.keras == "2" or flavour.backend == "tensorflow":
            return self._compiled(self._graph_model(notes), steps_per_execution, eager=False)
        return self._compiled(self._python_model(notes), steps_per_execution, eager=True)

    def _compiled(self, model: Any, steps_per_execution: int, *, eager: bool) -> Any:
        options = {"run_eagerly": True} if eager else {}
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution, **options)
        return model

    def _graph_model(self, notes: ReplicaNotes) -> Any:
        tf, keras = self.tf, self.keras

        class GraphRecordingModel(keras.Model):
            def __init__(self) -> None:
                super().__init__()
                self.dense = keras.layers.Dense(1)

            def call(self, x: Any) -> Any:
                return self.dense(_as_rows(x, tf.reshape))

            def _step(self, data: Any) -> dict[str, Any]:
                x = data[0]
                context = tf.distribute.get_replica_context()
                replica = context.replica_id_in_sync_group if context is not None else 0
                # Images (a flow, the directory loader) as rows of pixels: pixel 0 is column 0. A
                # replica's share can be empty (later replicas of a short batch): its first is -1.
                column = tf.reshape(x, (tf.shape(x)[0], -1))[:, 0]
                first = tf.concat([tf.cast(column, "float64"), tf.constant([-1.0], "float64")], 0)[0]
                noted = tf.py_function(notes.add, [replica, tf.shape(x)[0], first], Tout="int64")
                with tf.control_dependencies([noted]):
                    return {"loss": tf.reduce_mean(self(x))}

            def train_step(self, data: Any) -> dict[str, Any]:
                return self._step(data)

            def test_step(self, data: Any) -> dict[str, Any]:
                return self._step(data)

        return GraphRecordingModel()

    def _python_model(self, notes: ReplicaNotes) -> Any:
        keras = self.keras
        zero = self.np.float32(0.0)

        class PythonRecordingModel(keras.Model):
            def __init__(self) -> None:
                super().__init__()
                self.dense = keras.layers.Dense(1)

            def call(self, x: Any) -> Any:
                return self.dense(_as_rows(x, keras.ops.reshape))

            def _step(self, *args: Any) -> Any:
                # JAX: (state, data) -> (logs, state); PyTorch: (data) -> logs. The state passes unchanged.
                # Read as Python numbers straight from the backend's tensor (a NumPy conversion of a
                # torch tensor warns, and Keras' own steps make none).
                x = args[-1][0]
                size = int(x.shape[0])
                notes.add(0, size, float(x[0].reshape(-1)[0]) if size else -1)  # images: pixel 0
                return ({"loss": zero}, args[0]) if len(args) == 2 else {"loss": zero}

            train_step = _step
            test_step = _step

        return PythonRecordingModel()


def stop_evaluation(model: Any) -> None:
    """End an evaluation at once: Keras 3 is told (stop_evaluating); tf.keras 2 has no such flag."""
    if hasattr(model, "stop_evaluating"):
        model.stop_evaluating = True
    else:
        raise StopRecording


def answer_channel() -> TextIO:
    """The real stdout, for the worker's JSON lines; stdout itself then goes to stderr, so whatever the
    libraries print cannot break a line of the answer."""
    answer = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return answer


def main() -> int:
    request = json.loads(sys.stdin.read())
    answer = answer_channel()
    flavour = Flavour(**request["flavour"])
    try:
        recorder = FlavourRecorder(flavour, int(request.get("devices", flavour.replicas)))
    except Exception as exc:
        answer.write(json.dumps({"fatal": error_text(exc)}) + "\n")
        return 1
    for job in request["jobs"]:
        started = time.monotonic()
        try:
            recording = recorder.record(job)
            recording["recorded_seconds"] = round(time.monotonic() - started, 3)
        except Exception:  # one job's failure is that job's result, not the end of the others
            recording = {"outcome": "crashed", "error": traceback.format_exc(), "epochs": []}
        answer.write(json.dumps({"name": job["name"], "recording": recording}) + "\n")
        answer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
