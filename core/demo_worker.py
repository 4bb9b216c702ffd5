"""The live demo in the flavour the scenario names, in a process of its own (``python -m core.demo_worker``).

tf.keras 2, the JAX and PyTorch backends and MirroredStrategy each need their environment before
TensorFlow or Keras is first imported, and the app's process may hold Keras 3 on TensorFlow
already, so ``core.demo.FlavourDemo`` starts this module with ``Flavour.environment()`` and writes
one request line on stdin: ``{"scenario": {...}, "planned": plan JSON}``. The answer is JSON
lines on stdout, as they happen:

- ``{"fitting": true}`` once the flavour is imported and the fit begins;
- ``{"batches": [[phase, epoch, step, size, first, loss], ...]}`` about ten times a second;
- ``{"epoch": e, "logs": {...}}`` at every epoch end (Keras' epoch logs, numbers only);
- ``{"recording": {...}}`` last: what Keras fed, in the plan's JSON shape (``core.record_worker``'s,
  with ``stopped`` for tf.keras 2 and the per-replica sizes for replicas > 1);
- or ``{"fatal": "..."}`` when the flavour cannot even be imported.

The same small model as the in-process demo (``core.demo.demo_layers``, seeded) learns the noisy
sine with Keras' own ``train_step``; the step only notes each batch first (its size, first sample
and replica, as the recorder does). Keras' ``logs["loss"]`` is the running mean weighted by batch
size, so each execution's own loss is what it adds to that mean: no second forward pass.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from typing import Any

from core.demo import DEMO_CUT_STEPS, LEARNING_RATE, MAX_DEMO_STEPS, NoisySine, demo_layers
from core.flavours import Flavour, flavour_of
from core.record_worker import (
    FlavourLog,
    FlavourRecorder,
    ReplicaNotes,
    answer_channel,
    stop_evaluation,
)
from core.recorder import StepLimits, boundary_callback, error_text
from core.scenario import Scenario, scenario_from_dict

FLUSH_SECONDS = 0.1  # batches go out in bundles, at most this often (the panel redraws at that pace)

Say = Callable[[dict[str, Any]], None]


class StreamingLog(FlavourLog):
    """A FlavourLog that sends each batch with its loss, and each epoch's logs, as they come.

    ``running_mean`` is set by ``LossWatcher`` from Keras' logs just before the boundary callback
    collects the notes of the same execution.
    """

    def __init__(self, limits: StepLimits, notes: ReplicaNotes, flavour: Flavour, versions: dict[str, str], say: Say):
        super().__init__(limits, notes, flavour, versions)
        self.say = say
        self.running_mean = math.nan
        self._seen = 0  # samples of this phase so far (the running mean's weight)
        self._mean_before = 0.0  # the running mean at the last collect
        self._buffer: list[list[Any]] = []
        self._last_flush = 0.0
        self.on_epoch_end = self._epoch_ended

    def collect(self, model: Any) -> None:
        steps = self.notes.take_steps(self.flavour.replicas)
        if not steps or self.phase is None:
            return
        sizes = [sum(size for size, _first in step) for step in steps]
        added = sum(sizes)
        # What this execution added to the weighted running mean: its own mean loss.
        before = self._mean_before
        loss = (self.running_mean * (self._seen + added) - before * self._seen) / max(1, added)
        self._seen += added
        self._mean_before = self.running_mean
        for step, size in zip(steps, sizes, strict=True):
            self.current[f"{self.phase}_replicas"].append(tuple(replica_size for replica_size, _first in step))
            self._note_with_loss(size, step[0][1], loss)
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self.flush()

    def _note_with_loss(self, size: int, first: int, loss: float) -> None:
        phase = self.phase
        self.note(size, first, loss)
        epoch = len(self.epochs) - 1
        self._buffer.append([phase, epoch, len(self.current[phase]) - 1, size, first, loss])  # json writes NaN as NaN

    # Keras restarts its running mean with every epoch and every validation run (validation comes last in an epoch).

    def start_epoch(self, number: int | None = None) -> None:
        super().start_epoch(number)
        self._seen, self._mean_before = 0, 0.0

    def start_validation(self) -> None:
        super().start_validation()
        self._seen, self._mean_before = 0, 0.0

    def _epoch_ended(self, epoch: int, logs: dict[str, float]) -> None:
        self.flush()
        self.say({"epoch": epoch, "logs": logs})

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        if self._buffer:
            bundle, self._buffer = self._buffer, []
            self.say({"batches": bundle})


def loss_watcher(keras: Any, log: StreamingLog) -> Any:
    """Hands Keras' running mean of the loss to the log before the boundary callback collects the batches."""

    class LossWatcher(keras.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            log.running_mean = float((logs or {}).get("loss", math.nan))

        def on_test_batch_end(self, batch: int, logs: Any = None) -> None:
            log.running_mean = float((logs or {}).get("loss", math.nan))

    return LossWatcher()


class DemoRecorder(FlavourRecorder):
    """The flavour imported once (by FlavourRecorder); a demo model that learns and notes every batch."""

    def fit(self, scenario: Scenario, planned: dict[str, Any], say: Say) -> dict[str, Any]:
        flavour = flavour_of(scenario)
        notes = ReplicaNotes()
        log = StreamingLog(StepLimits(planned, DEMO_CUT_STEPS, MAX_DEMO_STEPS), notes, flavour, self.versions, say)
        error = self.fit_noting(
            scenario,
            log,
            lambda: self.demo_model(flavour, notes, scenario.steps_per_execution),
            NoisySine(),
            [loss_watcher(self.keras, log), boundary_callback(self.keras, log, stop_evaluation)],
            fitting=lambda: say({"fitting": True}),
        )
        log.flush()
        return log.flavour_result(scenario, error)

    def demo_model(self, flavour: Flavour, notes: ReplicaNotes, steps_per_execution: int) -> Any:
        keras = self.keras
        graph = flavour.keras == "2" or flavour.backend == "tensorflow"
        if flavour.replicas > 1:
            with self.strategy(flavour.replicas).scope():
                return self._compiled_demo(self._graph_demo(notes), steps_per_execution, eager=False)
        model = self._graph_demo(notes) if graph else self._python_demo(notes)
        # JAX would trace a jitted step once, and its note with it: the step runs eagerly (PyTorch's always does).
        return self._compiled_demo(model, steps_per_execution, eager=not graph and keras.backend.backend() == "jax")

    def _compiled_demo(self, model: Any, steps_per_execution: int, *, eager: bool) -> Any:
        options = {"run_eagerly": True} if eager else {}
        optimizer = self.keras.optimizers.Adam(LEARNING_RATE)
        model.compile(optimizer=optimizer, loss="mse", steps_per_execution=steps_per_execution, **options)
        return model

    def _graph_demo(self, notes: ReplicaNotes) -> Any:
        tf, keras = self.tf, self.keras
        layers = demo_layers(keras)

        class GraphDemoModel(keras.Model):
            def __init__(self) -> None:
                super().__init__()
                self.stack = layers

            def call(self, x: Any) -> Any:
                features = as_rows(x, tf.reshape)[:, 1:]  # column 0 is the sample's position
                for layer in self.stack:
                    features = layer(features)
                return features

            def _note(self, data: Any) -> Any:
                x = data[0]
                context = tf.distribute.get_replica_context()
                replica = context.replica_id_in_sync_group if context is not None else 0
                # A replica's share can be empty (later replicas of a short batch): its first is -1.
                first = tf.concat([tf.cast(as_rows(x, tf.reshape)[:, 0], "float64"), [-1.0]], 0)[0]
                return tf.py_function(notes.add, [replica, tf.shape(x)[0], first], Tout="int64")

            def train_step(self, data: Any) -> Any:
                with tf.control_dependencies([self._note(data)]):
                    return super().train_step(data)

            def test_step(self, data: Any) -> Any:
                with tf.control_dependencies([self._note(data)]):
                    return super().test_step(data)

        return GraphDemoModel()

    def _python_demo(self, notes: ReplicaNotes) -> Any:
        keras, np = self.keras, self.np
        layers = demo_layers(keras)

        class PythonDemoModel(keras.Model):
            def __init__(self) -> None:
                super().__init__()
                self.stack = layers

            def call(self, x: Any) -> Any:
                features = as_rows(x, keras.ops.reshape)[:, 1:]  # column 0 is the sample's position
                for layer in self.stack:
                    features = layer(features)
                return features

            @staticmethod
            def _note(data: Any) -> None:
                x = np.reshape(keras.ops.convert_to_numpy(data[0]), (len(data[0]), -1))
                notes.add(0, x.shape[0], x[0, 0] if x.shape[0] else -1)

            # JAX: (state, data) -> (logs, state); PyTorch: (data) -> logs. The data is always last.
            def train_step(self, *args: Any) -> Any:
                self._note(args[-1])
                return super().train_step(*args)

            def test_step(self, *args: Any) -> Any:
                self._note(args[-1])
                return super().test_step(*args)

        return PythonDemoModel()


def as_rows(x: Any, reshape: Callable[[Any, tuple[int, ...]], Any]) -> Any:
    """A batch of images (an ImageDataGenerator flow's, the directory loader's) as rows of pixels; rows as they are.
    The width stays known to Keras (a Dense layer needs it): it is the product of the static sizes."""
    if len(x.shape) == 2:
        return x
    return reshape(x, (-1, math.prod(int(size) for size in x.shape[1:])))


def main() -> int:
    request = json.loads(sys.stdin.readline())
    answer = answer_channel()

    def say(message: dict[str, Any]) -> None:
        answer.write(json.dumps(message) + "\n")
        answer.flush()

    scenario = scenario_from_dict(request["scenario"])
    flavour = flavour_of(scenario)
    try:
        recorder = DemoRecorder(flavour, flavour.replicas)
    except Exception as exc:
        say({"fatal": error_text(exc)})
        return 1
    say({"recording": recorder.fit(scenario, request["planned"], say)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
