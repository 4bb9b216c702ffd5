"""Run a real Keras fit for a scenario and record what it fed, batch by batch.

The model's ``train_step`` and ``test_step`` note each batch's size and first
sample (every sample's value is its position in the data), a callback notes epoch
boundaries, and Keras' own "ran out of data" warnings are attributed to the epoch
or validation run that raised them. The result has the planner's JSON shape, so
the two can be compared directly (``core.compare``). The fit is stopped only where
the plan says a part never ends, or one step past a part's planned end (``StepLimits``);
the recording then says so (``outcome`` "stopped", and where), never "endless".

Keras is handed the very objects the scenario names (``core.pipelines``: a PyDataset
subclass, an ImageDataGenerator flow, the tf.data chain, image files for the directory
loader). Each epoch is recorded under Keras' own number (after ``initial_epoch``); with
gradient accumulation the notes also hold the optimizer's update count after every batch,
so each epoch says how many training batches changed the weights (``updates``) and which
(``update_steps``: [first, count, every] runs). Batches keep the order Keras fed them;
where that order is Keras' random draw the comparison takes them as a multiset. A refusal
keeps the epochs that ran before it, and its error in one line.

TensorFlow is imported inside ``record`` only: importing this module is cheap.
"""

from __future__ import annotations

import re
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.pipelines import IMAGE_FOLDER_PREFIX, PositionsOnly, SampleMaker, fit_inputs
from core.plan import Plan
from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit

# Kept importable from here too: whether real Keras can run, and how to get it, are asked of the recorder.
from core.tensorflow_loader import install_hint, tensorflow_available

# A part of an epoch that the plan says never ends is stopped after this many steps (as in
# shared/conformance); a part that ends is let run to its planned end, and one step past it
# if Keras goes on, so that an overrun shows as a difference, never as "endless".
ENDLESS_CUT_STEPS = 3000
# Beyond these, running Keras for real takes too long to be useful; scale the scenario down.
MAX_RECORD_SAMPLES = 2_000_000
MAX_RECORD_STEPS = 200_000
# A directory split is recorded over real image files, one per sample, written first (~1 ms each).
MAX_RECORD_IMAGE_FILES = 20_000

RAN_OUT_TEXT = "Your input ran out of data"
# Keras' warnings are kept this long (as in the conformance records): enough to tell them apart.
WARNING_CHARS = 160
# A note row: batch size, its first sample, its loss, and the optimizer's update count after it.
NOTE_COLUMNS = 4
# The recorder's optimizer with gradient accumulation: a step this small changes the weights
# measurably (the bias's gradient is 1) without ever sending them anywhere.
ACCUMULATION_LEARNING_RATE = 1e-3
# The notes ring holds this many executions' batches; it is read before it could wrap,
# at every boundary, and otherwise about 30 times a second (reading syncs with TensorFlow).
# With a large steps_per_execution it holds fewer executions (never fewer than two), so
# its memory stays near NOTE_RING_ROWS rows.
NOTE_RING_EXECUTIONS = 64
NOTE_RING_ROWS = 1 << 16
COLLECT_SECONDS = 1 / 30


class RecorderUnavailable(RuntimeError):
    """TensorFlow/Keras is not installed, or the scenario is too large to run for real."""


def check_recordable(scenario: Scenario, planned_steps: int | None = None) -> None:
    """Raise RecorderUnavailable with a clear reason if this scenario cannot be run for real.

    ``planned_steps``: the steps a recording of its plan runs (``recordable_steps``).
    """
    sizes = [scenario.train.samples or 0]
    if isinstance(scenario.validation, ValidationSet):
        sizes.append(scenario.validation.samples or 0)
    if max(sizes) > MAX_RECORD_SAMPLES:
        raise RecorderUnavailable(
            f"{max(sizes):,} samples is too many to run for real here (the limit is {MAX_RECORD_SAMPLES:,}); "
            "scale the scenario down, keeping the batch arithmetic you want to check."
        )
    validation = scenario.validation
    files = scenario.train.samples or 0
    directory = isinstance(validation, ValidationSplit) and getattr(validation, "split_by", "fit") == "directory"
    if directory and files > MAX_RECORD_IMAGE_FILES:
        raise RecorderUnavailable(
            f"A directory split of {files:,} samples needs {files:,} image files written for "
            f"image_dataset_from_directory, too many to write here (the limit is {MAX_RECORD_IMAGE_FILES:,}); "
            "scale the scenario down, keeping the split and batch size you want to check."
        )
    if planned_steps is not None and planned_steps > MAX_RECORD_STEPS:
        raise RecorderUnavailable(
            f"The plan has {planned_steps:,} steps, too many to run for real here (the limit is "
            f"{MAX_RECORD_STEPS:,}); use fewer epochs or larger batches."
        )
    per_execution = scenario.steps_per_execution
    if per_execution > MAX_RECORD_STEPS:
        raise RecorderUnavailable(
            f"steps_per_execution {per_execution:,} runs more steps at a time than can be run for real here "
            f"(the limit is {MAX_RECORD_STEPS:,} steps); use a smaller steps_per_execution."
        )


def recordable_steps(planned: Plan, endless_steps: int = ENDLESS_CUT_STEPS) -> int:
    """The steps a recording of this plan runs: every planned step, and a part that never ends cut after ``endless_steps``."""
    steps = planned.totals.steps + planned.totals.validation_steps
    if planned.outcome == "endless":
        steps += endless_steps + (planned.endless_train.count if planned.endless_train is not None else 0)
    return steps


@dataclass(frozen=True)
class StepLimits:
    """How many steps the recorder lets each part of each epoch run before it stops the fit.

    A part the plan says ends runs to its planned end and one step further (so an overrun is
    seen), or ``longest_part`` steps when that is less (the demo's bound: then only the first
    steps are compared, and said so). A part the plan says never ends runs ``endless_steps``.
    A part the plan does not expect at all (Keras disagreeing) runs ``endless_steps`` too.
    """

    plan: Plan | dict[str, Any]  # a Plan, or plan JSON (a conformance record's, to record it without the planner)
    endless_steps: int = ENDLESS_CUT_STEPS
    longest_part: int | None = None

    def limit(self, epoch: int, part: str) -> int:
        """The step count (0-based ``epoch``) at which ``part`` is stopped."""
        planned = self.planned_steps(epoch, part)
        if planned is None:
            return self.endless_steps
        if self.longest_part is None or planned <= self.longest_part:
            return planned + 1
        return self.longest_part

    def planned_steps(self, epoch: int, part: str) -> int | None:
        """The plan's steps for that part; None when it never ends or the plan has no such part."""
        plan = self.plan
        if isinstance(plan, dict):
            return _json_planned_steps(plan, epoch, part)
        if plan.outcome == "error":
            return None
        if epoch < len(plan.epochs):
            one = plan.epochs[epoch]
            segment = one.train if part == "train" else one.val
            return None if segment is None else segment.count
        # The epoch that never ends comes right after the finished ones (whatever initial_epoch was).
        if plan.outcome == "endless" and epoch == len(plan.epochs) and part != plan.endless_part:
            return plan.endless_train.count if plan.endless_train is not None else None
        return None


def _json_planned_steps(plan: dict[str, Any], epoch: int, part: str) -> int | None:
    """StepLimits.planned_steps for plan JSON: the steps of that part, None when it never ends or is not there."""
    epochs = plan.get("epochs") or []
    if plan.get("outcome") == "error":
        return None
    if epoch >= len(epochs):
        # The epoch that never ends comes right after the finished ones; core.record_flavour adds
        # its training steps when only its validation never ends (the plan JSON leaves them out).
        endless = plan.get("endless") or {}
        steps = plan.get("endless_train_steps")
        if epoch == len(epochs) and endless.get("part") == "val" and part == "train" and steps is not None:
            return int(steps)
        return None
    runs = epochs[epoch].get(part)
    if runs is None:
        return None

    def steps(runs: list) -> int:
        return sum(steps(run[0]) * int(run[1]) if isinstance(run[0], list) else int(run[1]) for run in runs)

    return steps(runs)


def record(
    scenario: Scenario, planned: Plan | dict[str, Any] | None = None, *, endless_steps: int = ENDLESS_CUT_STEPS
) -> dict[str, Any]:
    """Fit a tiny Keras model on this scenario and return what Keras did, in plan JSON shape.

    The fit is stopped where the plan (``planned``: a Plan or plan JSON, else planned here) says
    a part never ends, after ``endless_steps``; the recording then says where (``outcome`` "stopped").
    This process records Keras 3 on TensorFlow on one device only; every flavour, this one
    included, is recorded by ``core.record_flavour.record`` (the others in a process of their own).
    """
    from core.flavours import Flavour, flavour_of

    if flavour_of(scenario) != Flavour():
        raise RecorderUnavailable(
            f"{flavour_of(scenario).label} needs a process of its own: record it with core.record_flavour.record"
        )
    if not tensorflow_available():
        raise RecorderUnavailable(install_hint())
    if planned is None:
        from core.keras.fit import plan

        planned = plan(scenario)
    check_recordable(scenario)
    return fit_and_record(scenario, PositionsOnly(), BatchLog(StepLimits(planned, endless_steps)), train=False)


def fit_and_record(
    scenario: Scenario,
    maker: SampleMaker,
    log: BatchLog,
    *,
    train: bool,
    model_layers: Callable[[Any], list[Any]] | None = None,
    learning_rate: float = 0.01,
    model: Any = None,
) -> dict[str, Any]:
    """Run model.fit on the scenario's data while ``log`` notes every batch; the recording, plan-shaped.

    ``train=False``: a one-weight model that only notes (the recorder). ``train=True``: a real
    model (``model_layers``) trained by gradient descent, noting each batch's loss as well.
    ``model``: a compiled recording model to reuse (its note counter is reset here).
    """
    import numpy as np

    from core.tensorflow_loader import load_tensorflow

    tf, keras = load_tensorflow()
    tf.get_logger().setLevel("ERROR")  # each fit traces anew; its retracing notices are noise here
    log.ring_executions = ring_executions(scenario.steps_per_execution)
    accumulation = accumulation_steps(scenario)
    if model is None:
        model = compiled_recording_model(
            keras,
            tf,
            scenario.steps_per_execution,
            train=train,
            model_layers=model_layers,
            learning_rate=learning_rate,
            gradient_accumulation_steps=accumulation,
        )
    model.notes_written.assign(0)
    log.counts_updates = accumulation is not None
    error: str | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.warnings = caught
        try:
            with fit_inputs(scenario, maker, np, tf, keras) as fit_kwargs:
                model.fit(
                    epochs=scenario.epochs,
                    steps_per_epoch=scenario.steps_per_epoch,
                    callbacks=[boundary_callback(keras, log)],
                    verbose=0,
                    **fit_kwargs,
                )
        except Exception as exc:  # Keras refusing the call is a result, not a crash
            error = error_text(exc)
        log.collect(model)  # the batches of an execution that ended in an error
    iterations = int(model.optimizer.iterations.numpy()) if accumulation is not None else None
    return log.result(scenario, error, keras.__version__, tf.__version__, optimizer_iterations=iterations)


def error_text(exc: BaseException) -> str:
    """One line: the exception's type and its reason.

    TensorFlow's errors from a graph begin "Graph execution error:" and give the reason lines
    later; from an eager op they wrap it in "{{function_node ...}} ... [Op:...]". Either way the
    line kept is the reason ("Input dataset was expected to contain 3 elements but contained only 2 elements.").
    """
    message = str(exc).strip()
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    reason = lines[0] if lines else ""
    if reason.startswith("Graph execution error"):
        reasons = [line for line in lines[1:] if not line.startswith(("Detected at node", "File ", "[[", "{{"))]
        reason = reasons[-1] if reasons else reason
    reason = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", reason)
    reason = re.sub(r"\s*\[Op:[^\]]*\]( name: ?.*)?$", "", reason)
    # The directory loader's folder is a temporary one of ours: its name says nothing.
    reason = re.sub(rf"\S*{IMAGE_FOLDER_PREFIX}[^\s.,;:'\"]*", "the scenario's image folder", reason)
    return f"{type(exc).__name__}: {reason}"


def accumulation_steps(scenario: Scenario) -> int | None:
    """The optimizer's gradient_accumulation_steps for this scenario (None: every batch updates)."""
    return getattr(scenario, "gradient_accumulation_steps", None)


# ---------------------------------------------------------------- recording


class BatchLog:
    """What Keras fed, phase by phase. The model's steps and the boundary callback write here.

    ``on_batch(phase, epoch, step, size, first, loss)`` and ``on_epoch_end(epoch, logs)``
    are told as things happen (they run in the fitting thread); ``cancel`` stops the fit
    at the next batch boundary; ``limits`` says where the fit is stopped.
    """

    def __init__(
        self,
        limits: StepLimits,
        on_batch: Callable[[str, int, int, int, int, float], None] | None = None,
        on_epoch_end: Callable[[int, dict[str, float]], None] | None = None,
        cancel: threading.Event | None = None,
    ):
        self.limits = limits
        self.on_batch = on_batch
        self.on_epoch_end = on_epoch_end
        self.cancel = cancel or threading.Event()
        self.epochs: list[dict[str, Any]] = []
        self.phase: str | None = None  # "train" | "val"
        self.stopped: str | None = None  # the part of the last epoch where the fit was stopped
        self._epoch_limits: dict[str, int] = {}
        self.cancelled = False
        self.warnings: list[Any] = []
        self._warnings_seen = 0
        self._notes_read = 0
        self._executions_unread = 0
        self._last_collect = 0.0
        self.ring_executions = 1
        self.counts_updates = False  # gradient accumulation: note which training batches updated the weights
        self._updates_seen = 0

    @property
    def current(self) -> dict[str, Any]:
        return self.epochs[-1]

    def note(self, size: int, first: float, loss: float, updates: float = 0.0) -> None:
        if self.phase is None:  # Keras probing data outside fit's loop: not a step
            return
        batches = self.current[self.phase]
        batches.append((int(size), int(first)))
        if self.counts_updates and self.phase == "train" and int(updates) > self._updates_seen:
            # The optimizer's own count (optimizer.iterations: updates made) moved in this batch.
            self._updates_seen = int(updates)
            self.current["update_steps"].append(len(batches) - 1)
        if self.on_batch is not None:
            self.on_batch(self.phase, len(self.epochs) - 1, len(batches) - 1, int(size), int(first), float(loss))

    def maybe_collect(self, model: Any) -> None:
        """After an execution: read the notes if the ring could wrap soon, or it is time to show them."""
        self._executions_unread += 1
        now = time.monotonic()
        if self._executions_unread >= self.ring_executions - 1 or now - self._last_collect >= COLLECT_SECONDS:
            self.collect(model)

    def collect(self, model: Any) -> None:
        """Read the notes the model's steps wrote since the last call."""
        self._executions_unread = 0
        self._last_collect = time.monotonic()
        written = int(model.notes_written.numpy())
        new = written - self._notes_read
        if new <= 0:
            return
        rows = model.notes.numpy()
        for index in range(self._notes_read, written):
            size, first, loss, updates = rows[index % model.note_rows]
            self.note(int(size), float(first), float(loss), float(updates))
        self._notes_read = written

    def start_epoch(self, number: int | None = None) -> None:
        """A new epoch; ``number``: its absolute 1-based number (Keras' epoch + 1), else the next one."""
        self._take_warnings()
        if number is None:
            number = self.epochs[-1]["epoch"] + 1 if self.epochs else 1
        self.epochs.append(
            {"epoch": number, "train": [], "val": None, "ran_out": False, "val_ran_out": False, "update_steps": []}
        )
        self.phase = "train"
        # Asked of the plan once an epoch, not at every batch (the demo's speed is measured).
        self._epoch_limits = {part: self.limits.limit(len(self.epochs) - 1, part) for part in ("train", "val")}

    def start_validation(self) -> None:
        self._take_warnings()
        self.current["val"] = []
        self.phase = "val"

    def end_validation(self) -> None:
        self._take_warnings()
        self.phase = "train"

    def end_epoch(self, logs: dict[str, Any] | None) -> None:
        self._take_warnings()
        self.phase = None
        if self.on_epoch_end is not None:
            numbers = {key: float(value) for key, value in (logs or {}).items() if _is_number(value)}
            self.on_epoch_end(len(self.epochs) - 1, numbers)

    def _take_warnings(self) -> None:
        """Attribute 'ran out of data' warnings raised since the last boundary to the phase they came in."""
        new = self.warnings[self._warnings_seen :]
        self._warnings_seen = len(self.warnings)
        if self.phase and any(RAN_OUT_TEXT in str(w.message) for w in new):
            self.current["val_ran_out" if self.phase == "val" else "ran_out"] = True

    def result(
        self,
        scenario: Scenario,
        error: str | None,
        keras_version: str,
        tf_version: str,
        *,
        optimizer_iterations: int | None = None,
    ) -> dict[str, Any]:
        """The recording in plan JSON shape; an error keeps the epochs that ran before it (as the records do)."""
        self._take_warnings()
        texts = sorted({str(w.message).split("\n")[0][:WARNING_CHARS] for w in self.warnings})
        base = {"keras": keras_version, "tensorflow": tf_version, "recorded_warnings": texts, "cancelled": self.cancelled}
        if self.stopped == "train" and self.epochs:
            self.current["val"] = None  # Keras validates after a stop; that run was stopped at once
        epochs = [self._epoch_json(scenario, epoch, self.counts_updates) for epoch in self.epochs]
        out: dict[str, Any] = {**base, "outcome": "ok", "epochs": epochs, "warnings": []}
        if self.counts_updates:
            out["weight_updates"] = sum(epoch["updates"] for epoch in epochs)
            out["optimizer_iterations"] = optimizer_iterations
        if error is not None:
            return {**out, "outcome": "error", "error": error}
        if self.stopped is not None:
            out["outcome"] = "stopped"
            out["stopped"] = {"epoch": len(epochs), "part": self.stopped, "steps": len(self.current[self.stopped])}
        return out

    def reached_limit(self, model: Any, part: str, keras_step: int) -> bool:
        """Has ``part`` of this epoch reached its limit? ``keras_step``: the last step Keras names (may run ahead)."""
        limit = self._epoch_limits[part]
        if keras_step + 1 < limit:
            return False  # cheap: Keras' own count is never behind the batches really fed
        self.collect(model)
        batches = self.current[part]
        return batches is not None and len(batches) >= limit

    @staticmethod
    def _epoch_json(scenario: Scenario, epoch: dict[str, Any], counts_updates: bool = False) -> dict[str, Any]:
        train_positions = first_sample_is_fixed(scenario, "train")
        val_positions = first_sample_is_fixed(scenario, "val")
        out = {
            "epoch": epoch["epoch"],
            "train": _runs(epoch["train"]),
            "train_first_sample": epoch["train"][0][1] if epoch["train"] and train_positions else None,
            "val": _runs(epoch["val"]) if epoch["val"] is not None else None,
            "val_first_sample": epoch["val"][0][1] if epoch["val"] and val_positions else None,
            "ran_out": epoch["ran_out"],
            "val_ran_out": epoch["val_ran_out"],
        }
        if counts_updates:
            out["updates"] = len(epoch["update_steps"])
            out["update_steps"] = _step_ranges(epoch["update_steps"])
        return out


def first_sample_is_fixed(scenario: Scenario, part: str) -> bool:
    """Is the first sample of a part's first batch a fixed fact (not drawn anew by a shuffle, not an endless stream's)?

    The format's rule for ``*_first_sample``: ``null`` with any shuffle of the samples or of the
    batches (fit's own for arrays, PyDatasets and flows; a flow's ``shuffle``; a pipeline's
    ``shuffle`` step; the directory loader's shuffled file list) and for a stream without length.
    """
    validation = scenario.validation
    if isinstance(validation, ValidationSplit):
        split_by = getattr(validation, "split_by", None) or "fit"
        if split_by == "directory":
            return False
        if split_by == "image_data_generator":
            flow_shuffle = getattr(scenario.train, "flow_shuffle", True)
            if part == "val" and getattr(validation, "flow_shuffle", None) is not None:
                flow_shuffle = validation.flow_shuffle
            return not flow_shuffle and not (part == "train" and scenario.train.shuffle)
        if part == "val":  # the last samples of the arrays, split off before any shuffle
            return True
    if part == "val":
        if not isinstance(validation, ValidationSet):
            return True
        return _data_order_is_fixed(validation, fit_shuffles=False)
    return _data_order_is_fixed(scenario.train, fit_shuffles=scenario.train.shuffle)


def _data_order_is_fixed(spec: DataSpec, *, fit_shuffles: bool) -> bool:
    if spec.samples is None:
        return False
    if spec.source in ("arrays", "pydataset", "image_data_generator") and fit_shuffles:
        return False
    if spec.source == "image_data_generator" and getattr(spec, "flow_shuffle", True):
        return False
    steps = getattr(spec, "pipeline", None) or ()
    return not any(step.op == "shuffle" for step in steps)


def _step_ranges(steps: list[int]) -> list[list[int]]:
    """0-based step numbers as [first, count, every] runs of evenly spaced steps: small however long the epoch."""
    runs: list[list[int]] = []
    for step in steps:
        if runs and runs[-1][1] == 1:
            runs[-1][1], runs[-1][2] = 2, step - runs[-1][0]
        elif runs and step == runs[-1][0] + runs[-1][1] * runs[-1][2]:
            runs[-1][1] += 1
        else:
            runs.append([step, 1, 1])
    return runs


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _runs(batches: list[tuple[int, int]]) -> list[list[int]]:
    runs: list[list[int]] = []
    for size, _first in batches:
        if runs and runs[-1][0] == size:
            runs[-1][1] += 1
        else:
            runs.append([size, 1])
    return runs


def compiled_recording_model(
    keras: Any,
    tf: Any,
    steps_per_execution: int,
    *,
    train: bool,
    model_layers: Callable[[Any], list[Any]] | None = None,
    learning_rate: float = 0.01,
    gradient_accumulation_steps: int | None = None,
) -> Any:
    """A recording model compiled for this steps_per_execution (see recording_model).

    With ``gradient_accumulation_steps`` its optimizer accumulates (Keras' own
    ``gradient_accumulation_steps``) and even the recorder's model takes real gradient steps,
    so that the optimizer's count of updates can be watched batch by batch.
    """
    ring = ring_executions(steps_per_execution) * steps_per_execution
    accumulates = gradient_accumulation_steps is not None
    model = recording_model(keras, tf, train=train, model_layers=model_layers, ring=ring, steps_weights=accumulates)
    if train:
        optimizer = keras.optimizers.Adam(learning_rate, gradient_accumulation_steps=gradient_accumulation_steps)
    elif accumulates:
        optimizer = keras.optimizers.SGD(ACCUMULATION_LEARNING_RATE, gradient_accumulation_steps=gradient_accumulation_steps)
    else:
        optimizer = "sgd"
    model.compile(optimizer=optimizer, loss="mse", steps_per_execution=steps_per_execution)
    return model


def ring_executions(steps_per_execution: int) -> int:
    """How many executions the notes ring holds: 64, fewer for large steps_per_execution, at least 2."""
    return max(2, min(NOTE_RING_EXECUTIONS, NOTE_RING_ROWS // steps_per_execution))


def recording_model(
    keras: Any,
    tf: Any,
    *,
    train: bool,
    model_layers: Callable[[Any], list[Any]] | None = None,
    ring: int = 1,
    steps_weights: bool = False,
) -> Any:
    """A model whose steps note each batch's size, first sample (x[:, 0]), loss and the optimizer's update count.

    Images (an ImageDataGenerator flow) are read as rows: pixel 0 is column 0. ``steps_weights``:
    the recorder's model (without ``train``) takes real optimizer steps too (for gradient accumulation).

    The notes go, inside the graph, into a ring of ``ring`` rows that the boundary callback
    reads now and then (a py_function per batch cost 30 % of the speed; a read per batch 15 %).
    Without ``train`` it is one Dense weight that never learns (cheap: the recorder). With
    it, ``model_layers(keras)`` read the features after column 0 and learn by gradient descent.
    """
    layers = model_layers(keras) if (train and model_layers) else [keras.layers.Dense(1)]

    class RecordingModel(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.stack = layers
            self.note_rows = ring
            self.notes = tf.Variable(tf.zeros((ring, NOTE_COLUMNS), "float64"), trainable=False)
            self.notes_written = tf.Variable(tf.constant(0, "int64"), trainable=False)

        def call(self, x: Any) -> Any:
            x = _rows(x)
            features = x[:, 1:] if train and model_layers else x
            for layer in self.stack:
                features = layer(features)
            return features

        def _note(self, x: Any, loss: Any) -> None:
            x = _rows(x)
            # Keras' optimizer.iterations counts weight updates (with accumulation: every G-th batch).
            updates = tf.cast(self.optimizer.iterations, "float64") if steps_weights or train else tf.constant(0.0, "float64")
            size = tf.cast(tf.shape(x)[0], "float64")
            row = tf.stack([size, tf.cast(x[0, 0], "float64"), tf.cast(loss, "float64"), updates])
            written = self.notes.scatter_nd_update([[self.notes_written % self.note_rows]], [row])
            # The count must depend on the batch: otherwise the graph runs it even in the call
            # whose get_next() fails at the end of the data, counting a batch that never came.
            with tf.control_dependencies([written]):
                self.notes_written.assign_add(tf.cast(tf.shape(x)[0] >= 0, "int64"))

        def train_step(self, data: Any) -> dict[str, Any]:
            x, y = _rows(data[0]), data[1]  # images as rows: the model always meets one input rank
            if not train and steps_weights:
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(self(x, training=True))
                self.optimizer.apply(tape.gradient(loss, self.trainable_variables), self.trainable_variables)
                self._note(x, loss)
                return {"loss": loss}
            if not train:
                loss = tf.reduce_mean(self(x))
                self._note(x, loss)
                return {"loss": loss}
            with tf.GradientTape() as tape:
                prediction = self(x, training=True)
                loss = self.compute_loss(x=x, y=y, y_pred=prediction)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(gradients, self.trainable_variables)
            self._note(x, loss)
            # As Keras' own train_step: the running mean weighted by batch size.
            self._loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
            # Only "loss": Keras converts every log entry to Python after each step, and the
            # batch's own loss is in the notes already.
            return {"loss": self._loss_tracker.result()}

        def test_step(self, data: Any) -> dict[str, Any]:
            x, y = _rows(data[0]), data[1]  # images as rows: the model always meets one input rank
            prediction = self(x, training=False)
            loss = self.compute_loss(x=x, y=y, y_pred=prediction) if train else tf.reduce_mean(prediction)
            self._note(x, loss)
            if train:
                self._loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
                return {"loss": self._loss_tracker.result()}
            return {"loss": loss}

    def _rows(x: Any) -> Any:
        """A batch of images (rank 4) as rows of pixels; rows stay as they are.

        A model reused across fits (the demo's) may be traced for images and later for rows:
        TensorFlow then traces for any rank, and the rows' width is the model's input width.
        """
        rank = x.shape.rank if hasattr(x.shape, "rank") else len(x.shape)
        if rank == 2:
            return x
        if rank is None:
            width = layers[0].kernel.shape[0] + (1 if train and model_layers else 0) if layers[0].built else -1
            return tf.reshape(x, (tf.shape(x)[0], width))
        columns = 1
        for size in x.shape[1:]:
            columns *= int(size)
        return tf.reshape(x, (-1, columns))

    return RecordingModel()


def boundary_callback(keras: Any, log: BatchLog, stop_evaluation: Callable[[Any], None] | None = None) -> Any:
    """Epoch and validation boundaries, the stops the limits ask for, and cancel, as a Keras callback.

    ``stop_evaluation(model)`` ends a validation run (Keras 3: ``model.stop_evaluating``; tf.keras 2
    has no such flag, and its recorder raises instead).
    """
    stop_evaluation = stop_evaluation or _stop_evaluating

    class Boundaries(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            log.start_epoch(epoch + 1)  # Keras counts from initial_epoch, 0-based

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            log.maybe_collect(self.model)
            if log.cancel.is_set():
                log.cancelled = True
                self.model.stop_training = True
            elif log.stopped is None and log.reached_limit(self.model, "train", batch):
                log.stopped = "train"
                self.model.stop_training = True

        def on_test_begin(self, logs: Any = None) -> None:
            if log.epochs:
                log.collect(self.model)
                log.start_validation()

        def on_test_batch_end(self, batch: int, logs: Any = None) -> None:
            log.maybe_collect(self.model)
            if log.stopped == "train" or log.cancel.is_set():
                log.cancelled = log.cancelled or log.cancel.is_set()
                self.model.stop_training = True
                stop_evaluation(self.model)
            elif log.stopped is None and log.reached_limit(self.model, "val", batch):
                log.stopped = "val"
                self.model.stop_training = True
                stop_evaluation(self.model)

        def on_test_end(self, logs: Any = None) -> None:
            if log.epochs:
                log.collect(self.model)
                log.end_validation()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            log.collect(self.model)
            log.end_epoch(logs)

    return Boundaries()


def _stop_evaluating(model: Any) -> None:
    model.stop_evaluating = True
