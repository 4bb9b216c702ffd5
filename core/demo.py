"""The live demo: a real Keras fit with the scenario's exact settings, on synthetic data.

Noisy sine regression, generated here from each sample's position (offline, nothing to
download): x = [position, u], y = sin(u) + noise, u in [-3, 3]. A few Dense layers learn
y from u; column 0 lets the run note which samples every batch held, so the plan can be
checked batch by batch while the model trains. TensorFlow loads inside ``run_demo`` only.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.compare import first_difference
from core.plan import Plan
from core.planner import plan
from core.recorder import BatchLog, fit_and_record, install_hint, tensorflow_available
from core.scenario import Scenario, ValidationSet

# The demo must stay quick on a laptop: beyond these it runs a scaled-down copy and says so.
MAX_DEMO_SAMPLES = 20_000
MAX_DEMO_STEPS = 20_000
DEMO_CUT_STEPS = 2_000  # an endless epoch is stopped after this many steps, as Keras never would
LEARNING_RATE = 0.01


class NoisySine:
    """Samples of a noisy sine, a pure function of (position, salt): the same every run."""

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


def demo_layers(keras: Any) -> list[Any]:
    """Three Dense layers with seeded initial weights: the same curve on every run."""

    def seeded(index: int) -> Any:
        return keras.initializers.GlorotUniform(seed=1234 + index)

    return [
        keras.layers.Dense(64, activation="tanh", kernel_initializer=seeded(0)),
        keras.layers.Dense(64, activation="tanh", kernel_initializer=seeded(1)),
        keras.layers.Dense(1, kernel_initializer=seeded(2)),
    ]


# One compiled demo model per steps_per_execution, reset before each run: building a new
# Keras model per fit leaks ~5 MiB a run in Keras 3 / TF 2.21 even after clear_session
# (keras-team/keras#20552), and the demo is meant to be run again and again.
_demo_models: dict[int, tuple[Any, list[Any]]] = {}
_demo_models_lock = threading.Lock()


def fresh_demo_model(steps_per_execution: int) -> Any:
    """The demo model for this steps_per_execution, as untrained as the first time."""
    from core.recorder import compiled_recording_model
    from core.tensorflow_loader import load_tensorflow

    tf, keras = load_tensorflow()
    with _demo_models_lock:
        if steps_per_execution not in _demo_models:
            model = compiled_recording_model(
                keras, tf, steps_per_execution, train=True, model_layers=demo_layers, learning_rate=LEARNING_RATE
            )
            model(np.zeros((1, 2)))  # build, so the initial weights exist
            model.optimizer.build(model.trainable_variables)
            _demo_models[steps_per_execution] = (model, model.get_weights())
        model, initial = _demo_models[steps_per_execution]
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


def prepare_demo(scenario: Scenario) -> DemoSetup:
    """Scale a scenario down to demo size, keeping its batch arithmetic; say what changed."""
    notes: list[str] = []
    scaled = scenario
    largest = max(scenario.train.samples or 0, _validation_samples(scenario))
    if largest > MAX_DEMO_SAMPLES:
        factor = MAX_DEMO_SAMPLES / largest
        train = scenario.train
        new_train = dataclasses.replace(train, samples=_scaled(train.samples, factor))
        validation = scenario.validation
        if isinstance(validation, ValidationSet) and validation.samples is not None:
            validation = dataclasses.replace(validation, samples=_scaled(validation.samples, factor))
        scaled = dataclasses.replace(scenario, train=new_train, validation=validation)
        notes.append(
            f"The demo trains on {scaled.train.samples:,} of the {scenario.train.samples:,} samples"
            + (f" and validates on {_validation_samples(scaled):,}" if _validation_samples(scaled) else "")
            + " (same batch settings), so it finishes in seconds. The timeline shows the demo's plan."
        )
    planned = plan(scaled)
    steps = planned.totals.steps + planned.totals.validation_steps
    if planned.outcome == "ok" and steps > MAX_DEMO_STEPS and scaled.epochs > 1:
        epochs = max(1, math.floor(scaled.epochs * MAX_DEMO_STEPS / steps))
        scaled = dataclasses.replace(scaled, epochs=epochs)
        planned = plan(scaled)
        notes.append(f"The demo runs {epochs} of the {scenario.epochs} epochs to stay under {MAX_DEMO_STEPS:,} steps.")
    if planned.outcome == "endless":
        notes.append(f"Keras would never finish epoch {planned.endless_epoch}; the demo stops it after {DEMO_CUT_STEPS:,} steps.")
    return DemoSetup(scaled, planned, tuple(notes))


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

    log = BatchLog(DEMO_CUT_STEPS, on_batch=on_batch, on_epoch_end=epoch_done, cancel=cancel)
    model = fresh_demo_model(setup.scenario.steps_per_execution)
    recorded = fit_and_record(setup.scenario, NoisySine(), log, train=True, model=model)
    if log.cancelled:
        return DemoResult(recorded, history, True, None, "Cancelled: nothing to compare.", False)
    if recorded["outcome"] == "error" and setup.plan.outcome != "error":
        return DemoResult(recorded, history, False, recorded["error"], f"Keras stopped with an error: {recorded['error']}", False)
    matches, verdict = verdict_for(setup.plan, recorded)
    return DemoResult(recorded, history, False, recorded.get("error"), verdict, matches)


def verdict_for(planned: Plan, recorded: dict[str, Any]) -> tuple[bool, str]:
    """(match?, one sentence): the plan against what Keras really fed."""
    difference = first_difference(planned.to_json(), recorded)
    if difference is not None:
        return False, f"Difference: {difference}."
    if planned.outcome == "error":
        return True, f"Keras refused, as planned: {recorded.get('error')}"
    epochs = len(planned.epochs)
    counts = {epoch.train.count for epoch in planned.epochs}
    if len(counts) == 1 and epochs:
        shape = f"{epochs} epoch{'s' if epochs != 1 else ''} x {counts.pop():,} steps"
    else:
        shape = f"{epochs} epoch{'s' if epochs != 1 else ''}, {planned.totals.steps:,} steps"
    sentence = f"Keras ran exactly the planned {shape}"
    if planned.totals.validation_steps:
        sentence += f" and {planned.totals.validation_steps:,} validation steps"
    if planned.outcome == "endless":
        never = f"epoch {planned.endless_epoch} never ends, as planned (the demo stopped it after a while)"
        if not planned.epochs:
            return True, f"Keras ran as planned: {never}."
        sentence += f"; then {never}"
    return True, sentence + "."
