"""The live demo: a real Keras fit with the scenario's exact settings, on synthetic data.

Noisy sine regression, generated here from each sample's position (offline, nothing to
download): x = [position, u], y = sin(u) + noise, u in [-3, 3]. A few Dense layers learn
y from u; column 0 lets the run note which samples every batch held, so the plan can be
checked batch by batch while the model trains. TensorFlow loads inside ``run_demo`` only.

Keras 3 on TensorFlow on one device runs in this process (``run_demo``): after the first run
TensorFlow is loaded and the compiled model is kept, so a second run starts at once, where a
new process would import TensorFlow and compile again (seconds, every run). Every other flavour
runs in a process of its own (``FlavourDemo``, ``core.demo_worker``): its environment must be
set before TensorFlow or Keras is first imported, and this process may hold Keras 3 already.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.compare import Comparison, compare, count_words
from core.flavours import Flavour, flavour_of
from core.keras.fit import plan
from core.pipelines import inputs_words
from core.plan import Plan
from core.recorder import BatchLog, StepLimits, accumulation_steps, fit_and_record, install_hint, tensorflow_available
from core.scenario import Scenario, ValidationSet, ValidationSplit

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # where ``python -m core.demo_worker`` is found

# The demo must stay quick on a laptop: beyond these it runs a scaled-down copy and says so.
MAX_DEMO_SAMPLES = 20_000
MAX_DEMO_STEPS = 20_000  # over the whole fit; a single longer epoch is stopped after this many steps
DEMO_CUT_STEPS = 2_000  # a part the plan says never ends is stopped after this many steps
# One execution runs this many steps at most: batches are seen, and Cancel or closing the
# window acts, only between executions (a million steps in one took minutes and 5 GB).
MAX_DEMO_STEPS_PER_EXECUTION = 32
# The directory loader reads one image file per sample, written for the demo (~1 ms each).
MAX_DEMO_IMAGE_FILES = 2_000
# Epochs are counted one by one only up to this many (to say "3 epochs x 100 steps").
_UNIFORM_CHECK_EPOCHS = 1000
LEARNING_RATE = 0.01


class NoisySine:
    """Samples of a noisy sine, a pure function of (position, salt): the same every run.

    ``regression``: its targets differ in every sample, so an ImageDataGenerator split must not
    check that both sides hold the same classes. ``target_of_row``: the target again from a row
    read back from an image file (the directory loader's), position first.
    """

    regression = True

    def arrays(self, positions: Any, salt: float, np: Any) -> tuple[Any, Any]:
        position = np.asarray(positions, dtype="float64").reshape(-1, 1)
        u = 3.0 * np.sin(position * 12.9898 + 78.233 * salt + 0.5)
        noise = 0.1 * np.sin(position * 43758.5453 + salt)
        return np.concatenate([position, u], axis=1), np.sin(u) + noise

    def tensors(self, position: Any, salt: float, tf: Any) -> tuple[Any, Any]:
        p = tf.cast(position, "float64")
        u = 3.0 * tf.sin(p * 12.9898 + 78.233 * salt + 0.5)
        noise = 0.1 * tf.sin(p * 43758.5453 + salt)
        return tf.stack([p, u]), tf.reshape(tf.sin(u) + noise, (1,))

    def target_of_row(self, rows: Any, tf: Any) -> Any:
        """y for rows [position, u] decoded from image files (the training data's salt: the directory is split from it)."""
        position, u = tf.cast(rows[:, :1], "float64"), tf.cast(rows[:, 1:2], "float64")
        return tf.sin(u) + 0.1 * tf.sin(position * 43758.5453)


def demo_layers(keras: Any) -> list[Any]:
    """Three Dense layers with seeded initial weights: the same curve on every run."""

    def seeded(index: int) -> Any:
        return keras.initializers.GlorotUniform(seed=1234 + index)

    return [
        keras.layers.Dense(64, activation="tanh", kernel_initializer=seeded(0)),
        keras.layers.Dense(64, activation="tanh", kernel_initializer=seeded(1)),
        keras.layers.Dense(1, kernel_initializer=seeded(2)),
    ]


# One compiled demo model per steps_per_execution (and gradient accumulation), reset before each
# run: building a new Keras model per fit leaks ~5 MiB a run in Keras 3 / TF 2.21 even after
# clear_session (keras-team/keras#20552), and the demo is meant to be run again and again.
_demo_models: dict[tuple[int, int | None], tuple[Any, list[Any]]] = {}
_demo_models_lock = threading.Lock()


def fresh_demo_model(steps_per_execution: int, gradient_accumulation_steps: int | None = None) -> Any:
    """The demo model for this steps_per_execution (and the optimizer's accumulation), as untrained as the first time."""
    from core.recorder import compiled_recording_model
    from core.tensorflow_loader import load_tensorflow

    tf, keras = load_tensorflow()
    key = (steps_per_execution, gradient_accumulation_steps)
    with _demo_models_lock:
        if key not in _demo_models:
            model = compiled_recording_model(
                keras,
                tf,
                steps_per_execution,
                train=True,
                model_layers=demo_layers,
                learning_rate=LEARNING_RATE,
                gradient_accumulation_steps=gradient_accumulation_steps,
            )
            model(np.zeros((1, 2)))  # build, so the initial weights exist
            model.optimizer.build(model.trainable_variables)
            _demo_models[key] = (model, model.get_weights())
        model, initial = _demo_models[key]
    model.set_weights(initial)
    for variable in model.optimizer.variables:
        variable.assign(tf.zeros_like(variable))
    model.optimizer.learning_rate.assign(LEARNING_RATE)
    return model


@dataclass(frozen=True)
class DemoSetup:
    """What the demo will run: the scenario (scaled down if needed), its plan, and why it differs."""

    scenario: Scenario
    plan: Plan
    notes: tuple[str, ...]
    asked: Scenario | None = None  # the form's scenario, when the demo runs a scaled-down copy of it

    def scaled_words(self) -> str:
        """What the demo changed, in a few words ("20,000 of 1,281,167 samples, 1 of 90 epochs"); "" if nothing."""
        asked, ran = self.asked, self.scenario
        if asked is None:
            return ""
        changes = []
        if ran.train.samples != asked.train.samples:
            changes.append(f"{ran.train.samples:,} of {asked.train.samples:,} samples")
        if ran.epochs != asked.epochs:
            changes.append(f"{ran.epochs:,} of {count_words(asked.epochs, 'epoch')}")
        if ran.steps_per_execution != asked.steps_per_execution:
            changes.append(f"{ran.steps_per_execution} steps per execution, not {asked.steps_per_execution:,}")
        return ", ".join(changes)

    @property
    def limits(self) -> StepLimits:
        """Where the demo stops the fit: parts that never end, and any part longer than the demo runs."""
        return StepLimits(self.plan, DEMO_CUT_STEPS, MAX_DEMO_STEPS)

    def part_steps(self, epoch: int, part: str) -> int:
        """The steps the demo runs of that part of that epoch (0-based), if Keras does as planned."""
        planned = self.limits.planned_steps(epoch, part)
        if planned is not None:
            return min(planned, MAX_DEMO_STEPS)
        endless = self.plan.outcome == "endless" and epoch == len(self.plan.epochs) and part == self.plan.endless_part
        return DEMO_CUT_STEPS if endless else 0

    def _stops_in_training(self, epoch: int) -> bool:
        planned = self.limits.planned_steps(epoch, "train")
        return planned is not None and planned > MAX_DEMO_STEPS

    def steps_to_run(self, *, validation: bool = True) -> int:
        """All the steps the demo runs (training, and validation unless asked not to), if Keras does as planned."""
        finished = len(self.plan.epochs)
        parts = ("train", "val") if validation else ("train",)

        def epoch_steps(epoch: int) -> int:
            if self._stops_in_training(epoch):
                return MAX_DEMO_STEPS  # the fit is stopped there: no validation follows
            return sum(self.part_steps(epoch, part) for part in parts)

        if finished == 1:  # the only epoch may be longer than the demo runs
            steps = epoch_steps(0)
        else:  # prepare_demo kept every finished epoch within MAX_DEMO_STEPS in all
            steps = self.plan.totals.steps + (self.plan.totals.validation_steps if validation else 0)
        if self.plan.outcome == "endless":
            steps += epoch_steps(finished)
        return steps


def prepare_demo(scenario: Scenario) -> DemoSetup:
    """Scale a scenario down to demo size, keeping its batch arithmetic; say what changed."""
    notes: list[str] = []
    scaled = scenario
    largest = max(scenario.train.samples or 0, _validation_samples(scenario))
    # The directory loader reads a file per sample, which the demo must write first.
    directory = _split_by(scenario) == "directory"
    bound = MAX_DEMO_IMAGE_FILES if directory else MAX_DEMO_SAMPLES
    if largest > bound:
        factor = bound / largest
        train = scenario.train
        new_train = dataclasses.replace(train, samples=_scaled(train.samples, factor))
        validation = scenario.validation
        if isinstance(validation, ValidationSet) and validation.samples is not None:
            validation = dataclasses.replace(validation, samples=_scaled(validation.samples, factor))
        scaled = dataclasses.replace(scenario, train=new_train, validation=validation)
        if directory:
            notes.append(
                f"The demo writes {scaled.train.samples:,} of the {scenario.train.samples:,} image files for "
                "image_dataset_from_directory (same split and batch size), so it finishes in seconds."
            )
        else:
            notes.append(
                f"The demo trains on {scaled.train.samples:,} of the {scenario.train.samples:,} samples"
                + (f" and validates on {_validation_samples(scaled):,}" if _validation_samples(scaled) else "")
                + " (same batch settings), so it finishes in seconds."
            )
    if scaled.steps_per_execution > MAX_DEMO_STEPS_PER_EXECUTION:
        scaled = dataclasses.replace(scaled, steps_per_execution=MAX_DEMO_STEPS_PER_EXECUTION)
        notes.append(
            f"The demo runs {MAX_DEMO_STEPS_PER_EXECUTION} steps per execution instead of "
            f"{scenario.steps_per_execution:,}, so every batch shows as it comes and Cancel stops at once."
        )
    planned = plan(scaled)
    steps = planned.totals.steps + planned.totals.validation_steps
    if planned.outcome != "error" and steps > MAX_DEMO_STEPS and len(planned.epochs) > 1:
        # The most epochs whose steps fit, found by halving (steps grow with epochs; each plan takes < 1 ms).
        fits, too_many = 1, len(planned.epochs)
        while too_many - fits > 1:
            middle = (fits + too_many) // 2
            trial = plan(dataclasses.replace(scaled, epochs=middle))
            if trial.totals.steps + trial.totals.validation_steps <= MAX_DEMO_STEPS:
                fits = middle
            else:
                too_many = middle
        scaled = dataclasses.replace(scaled, epochs=fits)
        planned = plan(scaled)
    if scaled.epochs != scenario.epochs:
        notes.append(
            f"The demo runs {scaled.epochs:,} of the {count_words(scenario.epochs, 'epoch')} "
            f"to stay within {MAX_DEMO_STEPS:,} steps."
        )
    if scaled != scenario:
        notes.append("The timeline shows the demo's plan.")
    # Only a lone epoch, or the one that never ends, can still have a part longer than the demo runs.
    limits = StepLimits(planned, DEMO_CUT_STEPS, MAX_DEMO_STEPS)
    lone = [0] if len(planned.epochs) == 1 else []
    for epoch in lone + ([len(planned.epochs)] if planned.outcome == "endless" else []):
        for part in ("train", "val"):
            long = limits.planned_steps(epoch, part)
            if long is not None and long > MAX_DEMO_STEPS:
                what = "training steps" if part == "train" else "validation steps"
                first = f"the demo runs the first {MAX_DEMO_STEPS:,} and compares those"
                notes.append(f"Epoch {epoch + 1} has {long:,} {what}; {first}.")
                break  # stopped in training, it never validates
    if planned.outcome == "endless":
        if planned.endless_part == "val":
            notes.append(
                f"The validation after epoch {planned.endless_epoch} would never end; "
                f"the demo stops it after {DEMO_CUT_STEPS:,} steps."
            )
        else:
            never = f"Keras would never finish epoch {planned.endless_epoch}"
            notes.append(f"{never}; the demo stops it after {DEMO_CUT_STEPS:,} steps.")
    return DemoSetup(scaled, planned, tuple(notes), scenario if scaled != scenario else None)


def _split_by(scenario: Scenario) -> str | None:
    """Who splits off the validation data ("fit", "directory", "image_data_generator"); None without a split."""
    validation = scenario.validation
    return getattr(validation, "split_by", "fit") if isinstance(validation, ValidationSplit) else None


def _validation_samples(scenario: Scenario) -> int:
    validation = scenario.validation
    return validation.samples or 0 if isinstance(validation, ValidationSet) else 0


def _scaled(samples: int | None, factor: float) -> int | None:
    return None if samples is None else max(1, round(samples * factor))


@dataclass(frozen=True)
class DemoResult:
    recorded: dict[str, Any]  # plan-shaped: what Keras fed
    history: dict[int, dict[str, float]]  # epoch (0-based) -> Keras' epoch logs
    cancelled: bool
    error: str | None
    verdict: str
    matches: bool


def run_demo(
    setup: DemoSetup,
    on_batch: Callable[[str, int, int, int, int, float], None] | None = None,
    cancel: threading.Event | None = None,
    on_epoch_end: Callable[[int, dict[str, float]], None] | None = None,
) -> DemoResult:
    """Train for real with the setup's scenario; compare what Keras fed with the plan."""
    if not tensorflow_available():
        return DemoResult({}, {}, False, install_hint(), "", False)
    history: dict[int, dict[str, float]] = {}

    def epoch_done(epoch: int, logs: dict[str, float]) -> None:
        history[epoch] = logs
        if on_epoch_end is not None:
            on_epoch_end(epoch, logs)

    log = BatchLog(setup.limits, on_batch=on_batch, on_epoch_end=epoch_done, cancel=cancel)
    scenario = setup.scenario
    model = fresh_demo_model(scenario.steps_per_execution, accumulation_steps(scenario))
    recorded = fit_and_record(scenario, NoisySine(), log, train=True, model=model)
    return demo_result(setup, recorded, history, cancelled=log.cancelled)


def runs_in_process(scenario: Scenario) -> bool:
    """Keras 3 on TensorFlow on one device: the flavour the demo runs in this process (see the module's words)."""
    return flavour_of(scenario) == Flavour()


class FlavourDemo:
    """One demo run in a process of the scenario's own flavour (``core.demo_worker``), read line by line.

    ``run`` blocks (call it in a worker thread) and hands on what the process says; ``stop``, from
    any thread, kills the process with everything it started, and ``run`` then returns a cancelled
    result. The process is always reaped before ``run`` returns.
    """

    def __init__(self, setup: DemoSetup):
        self.setup = setup
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def run(
        self,
        on_batch: Callable[[str, int, int, int, int, float], None] | None = None,
        on_epoch_end: Callable[[int, dict[str, float]], None] | None = None,
        on_fitting: Callable[[], None] | None = None,
    ) -> DemoResult:
        from core.record_flavour import limits_json, missing_words, worker_environment

        flavour = flavour_of(self.setup.scenario)
        if flavour.missing():
            return DemoResult({}, {}, False, missing_words(flavour), "", False)
        history: dict[int, dict[str, float]] = {}
        recorded: dict[str, Any] | None = None
        fatal: str | None = None
        request = {"scenario": self.setup.scenario.to_dict(), "planned": limits_json(self.setup.plan)}
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errors:
            with self._lock:
                if self._stopped:
                    return DemoResult({}, history, True, None, "Cancelled: nothing to compare.", False)
                self._process = process = subprocess.Popen(
                    [sys.executable, "-m", "core.demo_worker"],
                    cwd=PROJECT,
                    env=worker_environment(flavour),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=errors,  # a file, not a pipe: what TensorFlow prints can never fill a pipe and stall it
                    text=True,
                    encoding="utf-8",
                    start_new_session=True,  # its own process group: stopped as one, PyDataset workers included
                )
            try:
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.close()
                for line in process.stdout:
                    message = json.loads(line) if line.startswith("{") else {}
                    if "batches" in message and on_batch is not None:
                        for phase, epoch, step, size, first, loss in message["batches"]:
                            on_batch(phase, epoch, step, size, first, loss)
                    elif "epoch" in message:
                        history[message["epoch"]] = message["logs"]
                        if on_epoch_end is not None:
                            on_epoch_end(message["epoch"], message["logs"])
                    elif "fitting" in message and on_fitting is not None:
                        on_fitting()
                    elif "recording" in message:
                        recorded = message["recording"]
                    elif "fatal" in message:
                        fatal = message["fatal"]
            except BrokenPipeError:  # the process died before it read the request: said below, from its stderr
                pass
            finally:
                if process.poll() is None and recorded is None:  # an error here, or a stop: nothing may outlive run
                    self.stop()
                process.wait()
            errors.seek(0)
            last_lines = [line.strip() for line in errors.read().splitlines() if line.strip()][-3:]
        if self._stopped:
            return DemoResult(recorded or {}, history, True, None, "Cancelled: nothing to compare.", False)
        if recorded is None:
            why = fatal or f"the process ended (exit {process.returncode}): {' | '.join(last_lines) or 'no message'}"
            return DemoResult({}, history, False, f"{flavour.label} could not run the demo: {why}", "", False)
        return demo_result(self.setup, recorded, history, cancelled=False)

    def stop(self) -> None:
        """Kill the demo's process and everything it started (safe from any thread, at any time)."""
        with self._lock:
            self._stopped = True
            process = self._process
            if process is None or process.poll() is not None:
                return
            with contextlib.suppress(ProcessLookupError):  # it has just ended by itself
                if hasattr(os, "killpg"):
                    os.killpg(process.pid, signal.SIGKILL)
                else:  # Windows has no process groups to kill; the process itself then
                    process.kill()


def demo_result(
    setup: DemoSetup, recorded: dict[str, Any], history: dict[int, dict[str, float]], *, cancelled: bool
) -> DemoResult:
    """The demo's outcome: what Keras fed against the plan, in one sentence."""
    scenario = setup.scenario
    if cancelled:
        return DemoResult(recorded, history, True, None, "Cancelled: nothing to compare.", False)
    if recorded["outcome"] == "error" and setup.plan.outcome != "error":
        return DemoResult(recorded, history, False, recorded["error"], f"Keras stopped with an error: {recorded['error']}", False)
    matches, verdict = verdict_for(setup.plan, recorded)
    if matches and setup.asked is not None:  # say what was compared: the scaled-down run, not the form's
        verdict = f"{verdict.removesuffix('.')}, on the demo's scaled-down setup ({setup.scaled_words()})."
    inputs = inputs_words(scenario)
    if inputs is not None:  # the new kinds of input say what Keras was really given
        verdict = f"{verdict} Keras was given {inputs}."
    if not runs_in_process(scenario):  # say which Keras it was, when it is not plain Keras 3
        verdict = f"{verdict} Run with {flavour_of(scenario).label}."
    return DemoResult(recorded, history, False, recorded.get("error"), verdict, matches)


def verdict_for(planned: Plan, recorded: dict[str, Any]) -> tuple[bool, str]:
    """(match?, one sentence): the plan against what Keras really fed, saying exactly what was compared.

    The Plan is walked only as far as the recording goes: its JSON could hold 10^12 batches.
    """
    comparison = compare(planned, recorded)
    stopped = comparison.stopped
    if comparison.difference is not None:
        after = f" (the demo stopped epoch {stopped.epoch} after {stopped.words()})" if stopped is not None else ""
        return False, f"Difference: {comparison.difference}{after}."
    if planned.outcome == "error":
        return True, f"Keras refused, as planned: {recorded.get('error')}"
    finished = len(planned.epochs)
    shape = _shape(planned)
    if stopped is None:
        return True, f"Keras ran exactly the planned {shape}."
    compared = _compared_words(comparison)
    if stopped.epoch == getattr(planned.scenario, "initial_epoch", 0) + 1 or finished == 0:  # the fit's first epoch
        return True, compared[0].upper() + compared[1:] + "."
    return True, f"Keras ran exactly the planned {shape}; then {compared}."


def _shape(planned: Plan) -> str:
    """ "2 epochs x 2,500 steps and 500 validation steps", or "3 epochs, 12 steps" when epochs differ."""
    epochs = len(planned.epochs)
    steps = planned.totals.steps
    counts = {epoch.train.count for epoch in planned.epochs} if 0 < epochs <= _UNIFORM_CHECK_EPOCHS else set()
    if len(counts) == 1:
        shape = f"{count_words(epochs, 'epoch')} x {count_words(counts.pop(), 'step')}"
    else:
        shape = f"{count_words(epochs, 'epoch')}, {count_words(steps, 'step')}"
    if planned.totals.validation_steps:
        shape += f" and {count_words(planned.totals.validation_steps, 'validation step')}"
    initial_epoch = getattr(planned.scenario, "initial_epoch", 0)
    if initial_epoch and epochs:  # Keras numbers them after initial_epoch, as its progress bar does
        first, last = initial_epoch + 1, initial_epoch + epochs
        shape += f" (epoch {first:,})" if first == last else f" (epochs {first:,} to {last:,})"
    weight_updates = getattr(planned, "weight_updates", None)
    if weight_updates is not None:
        shape += f" with {count_words(weight_updates, 'weight update')}"
    return shape


def _compared_words(comparison: Comparison) -> str:
    """What the demo compared of the epoch it stopped: "compared the first 2,000 steps of epoch 1 (endless, ...": match"."""
    stopped = comparison.stopped
    assert stopped is not None
    number = stopped.epoch
    if stopped.planned_steps is None:  # the part never ends, as planned
        if stopped.part == "train":
            return f"compared the first {count_words(stopped.steps, 'step')} of epoch {number} (endless, as planned): match"
        return (
            f"compared epoch {number}'s {count_words(stopped.train_steps, 'training step')} and the first "
            f"{count_words(stopped.steps, 'validation step')} (its validation is endless, as planned): match"
        )
    # A part longer than the demo runs: only its first steps were compared.
    if stopped.part == "train":
        return (
            f"compared the first {stopped.steps:,} of the {count_words(stopped.planned_steps, 'step')} planned for epoch "
            f"{number} (the demo stops there): match up to there"
        )
    return (
        f"compared epoch {number}'s {count_words(stopped.train_steps, 'training step')} and the first {stopped.steps:,} "
        f"of its {count_words(stopped.planned_steps, 'planned validation step')} (the demo stops there): match up to there"
    )
