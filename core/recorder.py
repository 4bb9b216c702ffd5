"""Run a real Keras fit for a scenario and record what it fed, batch by batch.

The model's ``train_step`` and ``test_step`` note each batch's size and first
sample (every sample's value is its position in the data), a callback notes epoch
boundaries, and Keras' own "ran out of data" warnings are attributed to the epoch
or validation run that raised them. The result has the planner's JSON shape, so
the two can be compared directly (``core.compare``).

TensorFlow is imported inside ``record`` only: importing this module is cheap.
"""

from __future__ import annotations

import warnings
from typing import Any

from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit

# An endless epoch (or validation) is cut after this many steps, as in shared/conformance.
ENDLESS_CUT_STEPS = 3000
# Beyond these, running Keras for real takes too long to be useful; scale the scenario down.
MAX_RECORD_SAMPLES = 2_000_000
MAX_RECORD_STEPS = 200_000

RAN_OUT_TEXT = "Your input ran out of data"


class RecorderUnavailable(RuntimeError):
    """TensorFlow/Keras is not installed, or the scenario is too large to run for real."""


INSTALL_HINT = (
    "Verifying against real Keras needs TensorFlow, which is not installed. Install it with:\n"
    '    python -m pip install "tensorflow-cpu==2.21.0" "keras==3.15.1"\n'
    '(or pip install -e ".[demo]" in a checkout of EpochScope).'
)


def tensorflow_available() -> bool:
    from importlib.util import find_spec

    return find_spec("tensorflow") is not None and find_spec("keras") is not None


def check_recordable(scenario: Scenario, planned_steps: int | None = None) -> None:
    """Raise RecorderUnavailable with a clear reason if this scenario cannot be run for real."""
    sizes = [scenario.train.samples or 0]
    if isinstance(scenario.validation, ValidationSet):
        sizes.append(scenario.validation.samples or 0)
    if max(sizes) > MAX_RECORD_SAMPLES:
        raise RecorderUnavailable(
            f"{max(sizes):,} samples is too many to run for real here (the limit is {MAX_RECORD_SAMPLES:,}); "
            "scale the scenario down, keeping the batch arithmetic you want to check."
        )
    if planned_steps is not None and planned_steps > MAX_RECORD_STEPS:
        raise RecorderUnavailable(
            f"The plan has {planned_steps:,} steps, too many to run for real here (the limit is "
            f"{MAX_RECORD_STEPS:,}); use fewer epochs or larger batches."
        )


def record(scenario: Scenario, *, cut_steps: int = ENDLESS_CUT_STEPS) -> dict[str, Any]:
    """Fit a tiny Keras model on this scenario and return what Keras did, in plan JSON shape."""
    if not tensorflow_available():
        raise RecorderUnavailable(INSTALL_HINT)
    check_recordable(scenario)
    import numpy as np

    from core.tensorflow_loader import load_tensorflow

    tf, keras = load_tensorflow()
    tf.get_logger().setLevel("ERROR")  # each fit traces anew; its retracing notices are noise here

    log = _Log(cut_steps)
    model = _recording_model(keras, tf, log)
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=scenario.steps_per_execution)

    fit_kwargs = _fit_arguments(scenario, np, tf)
    outcome_error: str | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.warnings = caught
        try:
            model.fit(
                epochs=scenario.epochs,
                steps_per_epoch=scenario.steps_per_epoch,
                callbacks=[_boundaries(keras, log)],
                verbose=0,
                **fit_kwargs,
            )
        except Exception as exc:  # Keras refusing the call is a result, not a crash
            outcome_error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return log.result(scenario, outcome_error, keras.__version__, tf.__version__)


# ---------------------------------------------------------------- data


def _values(count: int, np: Any) -> tuple[Any, Any]:
    """x holds each sample's own position, so a batch's first x names its first sample."""
    x = np.arange(count, dtype="float64").reshape(-1, 1)
    return x, np.zeros((count, 1), dtype="float64")


def _pipeline_batch(spec: DataSpec, scenario: Scenario) -> int:
    return spec.batch_size or scenario.train.batch_size or 32


def _build_data(spec: DataSpec, batch_size: int, np: Any, tf: Any) -> Any:
    """The object handed to fit for a dataset or generator source."""
    if spec.source == "dataset":
        if spec.samples is None:
            counter = tf.data.Dataset.counter().map(
                lambda i: (tf.cast(tf.reshape(i, (1,)), "float64"), tf.zeros((1,), "float64"))
            )
            return counter.batch(batch_size, drop_remainder=spec.drop_remainder)
        dataset = tf.data.Dataset.from_tensor_slices(_values(spec.samples, np))
        if spec.repeat == "before_batch":
            return dataset.repeat().batch(batch_size, drop_remainder=spec.drop_remainder)
        dataset = dataset.batch(batch_size, drop_remainder=spec.drop_remainder)
        return dataset.repeat() if spec.repeat == "after_batch" else dataset
    return _generator(spec, batch_size, np)


def _generator(spec: DataSpec, batch_size: int, np: Any) -> Any:
    """The generator one would write by hand for this spec (see scenario-format.md)."""
    samples = spec.samples

    def batch_of(positions: Any) -> tuple[Any, Any]:
        x = np.asarray(positions, dtype="float64").reshape(-1, 1)
        return x, np.zeros_like(x)

    def one_pass():
        assert samples is not None
        for start in range(0, samples, batch_size):
            stop = min(start + batch_size, samples)
            if stop - start < batch_size and spec.drop_remainder:
                return
            yield batch_of(np.arange(start, stop))

    def stream():
        if samples is None:
            first = 0
            while True:
                yield batch_of(np.arange(first, first + batch_size))
                first += batch_size
        elif spec.repeat == "before_batch":
            if samples == 0:
                return
            position = 0
            while True:
                yield batch_of(np.arange(position, position + batch_size) % samples)
                position = (position + batch_size) % samples
        elif spec.repeat == "after_batch":
            while True:
                yielded = False
                for batch in one_pass():
                    yielded = True
                    yield batch
                if not yielded:  # nothing to loop over: end rather than spin forever
                    return
        else:
            yield from one_pass()

    return stream()


def _fit_arguments(scenario: Scenario, np: Any, tf: Any) -> dict[str, Any]:
    train = scenario.train
    kwargs: dict[str, Any] = {"batch_size": train.batch_size, "shuffle": train.shuffle}
    if train.source == "arrays":
        assert train.samples is not None
        kwargs["x"], kwargs["y"] = _values(train.samples, np)
    else:
        kwargs["x"] = _build_data(train, _pipeline_batch(train, scenario), np, tf)
    validation = scenario.validation
    if isinstance(validation, ValidationSplit):
        kwargs.update(
            validation_split=validation.split,
            validation_batch_size=validation.batch_size,
            validation_steps=validation.steps,
            validation_freq=validation.freq,
        )
    elif isinstance(validation, ValidationSet):
        if validation.source == "arrays":
            assert validation.samples is not None
            kwargs["validation_data"] = _values(validation.samples, np)
        else:
            kwargs["validation_data"] = _build_data(validation, _pipeline_batch(validation, scenario), np, tf)
        kwargs.update(
            validation_batch_size=validation.batch_size,
            validation_steps=validation.steps,
            validation_freq=validation.freq,
        )
    return kwargs


# ---------------------------------------------------------------- recording


class _Log:
    """What Keras fed, phase by phase. Only the recording callbacks write here."""

    def __init__(self, cut_steps: int):
        self.cut_steps = cut_steps
        self.epochs: list[dict[str, Any]] = []
        self.phase: str | None = None  # "train" | "val"
        self.cut: str | None = None  # which part was cut as endless
        self.warnings: list[Any] = []
        self._warnings_seen = 0

    @property
    def current(self) -> dict[str, Any]:
        return self.epochs[-1]

    def note(self, size: int, first: float) -> None:
        if self.phase is None:  # Keras probing data outside fit's loop: not a step
            return
        self.current[self.phase].append((int(size), int(first)))

    def start_epoch(self) -> None:
        self._take_warnings()
        self.epochs.append({"train": [], "val": None, "ran_out": False, "val_ran_out": False})
        self.phase = "train"

    def start_validation(self) -> None:
        self._take_warnings()
        self.current["val"] = []
        self.phase = "val"

    def end_validation(self) -> None:
        self._take_warnings()
        self.phase = "train"

    def end_epoch(self) -> None:
        self._take_warnings()
        self.phase = None

    def _take_warnings(self) -> None:
        """Attribute 'ran out of data' warnings raised since the last boundary to the phase they came in."""
        new = self.warnings[self._warnings_seen :]
        self._warnings_seen = len(self.warnings)
        if self.phase and any(RAN_OUT_TEXT in str(w.message) for w in new):
            self.current["val_ran_out" if self.phase == "val" else "ran_out"] = True

    def result(self, scenario: Scenario, error: str | None, keras_version: str, tf_version: str) -> dict[str, Any]:
        self._take_warnings()
        texts = sorted({str(w.message).split("\n")[0] for w in self.warnings})
        base = {"keras": keras_version, "tensorflow": tf_version, "recorded_warnings": texts}
        if error is not None:
            return {**base, "outcome": "error", "error": error, "epochs": [], "warnings": []}
        epochs = [self._epoch_json(scenario, epoch) for epoch in self.epochs]
        out: dict[str, Any] = {**base, "outcome": "ok", "epochs": epochs, "warnings": []}
        if self.cut is not None:
            out["outcome"] = "endless"
            out["endless"] = {"epoch": len(epochs), "part": self.cut}
            out["epochs"] = epochs[:-1]
        return out

    @staticmethod
    def _epoch_json(scenario: Scenario, epoch: dict[str, Any]) -> dict[str, Any]:
        train_positions = scenario.train.samples is not None and not (
            scenario.train.source == "arrays" and scenario.train.shuffle
        )
        val_positions = not (isinstance(scenario.validation, ValidationSet) and scenario.validation.samples is None)
        return {
            "train": _runs(epoch["train"]),
            "train_first_sample": epoch["train"][0][1] if epoch["train"] and train_positions else None,
            "val": _runs(epoch["val"]) if epoch["val"] is not None else None,
            "val_first_sample": epoch["val"][0][1] if epoch["val"] and val_positions else None,
            "ran_out": epoch["ran_out"],
            "val_ran_out": epoch["val_ran_out"],
        }


def _runs(batches: list[tuple[int, int]]) -> list[list[int]]:
    runs: list[list[int]] = []
    for size, _first in batches:
        if runs and runs[-1][0] == size:
            runs[-1][1] += 1
        else:
            runs.append([size, 1])
    return runs


def _recording_model(keras: Any, tf: Any, log: _Log) -> Any:
    def note(size: Any, first: Any) -> Any:
        log.note(int(size), float(first))
        return 0

    def noted(x: Any) -> None:
        tf.py_function(note, [tf.shape(x)[0], x[0, 0]], [tf.int32])

    class RecordingModel(keras.Model):
        """A one-weight model whose steps only note what they were fed."""

        def __init__(self) -> None:
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x: Any) -> Any:
            return self.dense(x)

        def train_step(self, data: Any) -> dict[str, Any]:
            x = data[0]
            noted(x)
            return {"loss": tf.reduce_mean(self(x))}

        def test_step(self, data: Any) -> dict[str, Any]:
            x = data[0]
            noted(x)
            return {"loss": tf.reduce_mean(self(x))}

    return RecordingModel()


def _boundaries(keras: Any, log: _Log) -> Any:
    class Boundaries(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            log.start_epoch()

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if len(log.current["train"]) >= log.cut_steps and log.cut is None:
                log.cut = "train"
                self.model.stop_training = True

        def on_test_begin(self, logs: Any = None) -> None:
            if log.epochs:
                log.start_validation()

        def on_test_batch_end(self, batch: int, logs: Any = None) -> None:
            if log.cut == "train":
                self.model.stop_evaluating = True
            elif log.current["val"] is not None and len(log.current["val"]) >= log.cut_steps:
                log.cut = "val"
                self.model.stop_evaluating = True
                self.model.stop_training = True

        def on_test_end(self, logs: Any = None) -> None:
            if log.epochs:
                log.end_validation()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            log.end_epoch()

    return Boundaries()
