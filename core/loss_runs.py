"""The loss plot's numbers: a debiased moving average, words for what differs between runs, a run as CSV.

No Qt here: the demo panel draws what these compute, and the tests check them against the
numbers the real demo fit emitted.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.scenario import Scenario
from core.words import count_words

# Within a block the weights w^-i must stay far from overflow: w^-block <= e^300 (float64 reaches e^709).
_LARGEST_EXPONENT = 300.0
# A label names at most this many differences ("batch 32, 3 epochs, 7 steps per epoch"); more say "...".
MAX_LABEL_DIFFERENCES = 3
CSV_HEADER = ("step", "epoch", "batch size", "first sample", "batch loss", "running mean", "validation loss")


def smoothed(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing: an exponential moving average, debiased so it starts at the first value.

    s_t = w * s_(t-1) + (1 - w) * x_t from s = 0, divided by 1 - w^(number of values so far).
    Values that are not finite are skipped, as TensorBoard does, and stay as they are. Vectorised:
    the recurrence in closed form, s_j = w^(j+1) s_before + (1 - w) w^j cumsum(w^-i x_i), a block
    at a time so that w^-i never overflows; a redraw of 100,000 points runs no Python per point.
    """
    values = np.asarray(values, dtype=float)
    if weight <= 0 or not len(values):
        return values.copy()
    finite = np.isfinite(values)
    series = values[finite]
    averaged = np.empty_like(series)
    block = max(1, int(_LARGEST_EXPONENT / -math.log(weight)))
    before = 0.0
    for start in range(0, len(series), block):
        part = series[start : start + block]
        index = np.arange(len(part), dtype=float)
        decay = weight**index
        running = weight * decay * before + (1 - weight) * decay * np.cumsum(part / decay)
        averaged[start : start + len(part)] = running
        before = running[-1]
    averaged /= 1 - weight ** np.arange(1, len(series) + 1, dtype=float)
    out = values.copy()
    out[finite] = averaged
    return out


# ---------------------------------------------------------------- what differs between runs


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"train": {"batch_size": 32}} -> {"train.batch_size": 32}."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value if not isinstance(value, list) else repr(value)
    return flat


def _field_words(field: str, value: Any) -> str:
    """One field's value in a student's words: "batch 32", "300 samples", "3 epochs", "shuffle off"."""
    where, _, name = field.rpartition(".")
    validation = "validation " if where == "validation" else ""
    if value is None:
        return f"no {validation}{name.replace('_', ' ')}"
    if name == "batch_size":
        return f"{validation}batch {value:,}"
    if name == "samples" and isinstance(value, int):
        return validation + count_words(value, "sample")
    if name == "epochs" and not validation:
        return count_words(value, "epoch")
    if name == "steps_per_epoch":
        return f"{count_words(value, 'step')} per epoch"
    if name == "steps_per_execution":
        return f"{count_words(value, 'step')} per execution"
    if isinstance(value, bool):
        return f"{validation}{name.replace('_', ' ')} {'on' if value else 'off'}"
    words = f"{validation}{name.replace('_', ' ')}" if where in ("", "train", "validation") else field.replace(".", " ")
    return f"{words.replace('_', ' ')} {value}"


def run_labels(scenarios: Sequence[Scenario]) -> list[str]:
    """Each run's label: its own values of the fields that differ between the runs ("batch 32" and "batch 64").

    Runs that differ in nothing are numbered ("run 1", "run 2") in the order given.
    """
    flats = [_flat(scenario.to_dict()) for scenario in scenarios]
    fields = list(dict.fromkeys(field for flat in flats for field in flat))
    differing = [field for field in fields if len({repr(flat.get(field)) for flat in flats}) > 1]
    if not differing:
        return [f"run {number}" for number in range(1, len(scenarios) + 1)]
    labels = []
    for flat in flats:
        words = [_field_words(field, flat.get(field)) for field in differing[:MAX_LABEL_DIFFERENCES]]
        labels.append(", ".join(words) + (", ..." if len(differing) > MAX_LABEL_DIFFERENCES else ""))
    return labels


# ---------------------------------------------------------------- a run's numbers as CSV


@dataclass(frozen=True)
class RunNumbers:
    """One demo run's training batches, a row each; validation loss only on each epoch's last row (NaN elsewhere)."""

    epochs: np.ndarray  # Keras' epoch number, counted from 1 after initial_epoch
    sizes: np.ndarray
    firsts: np.ndarray
    losses: np.ndarray
    means: np.ndarray  # Keras' running mean of the epoch so far (logs["loss"])
    validation: np.ndarray

    def csv_bytes(self) -> bytes:
        """The rows with a header row; floats written in full (repr), so they read back exactly; UTF-8."""
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for step, (epoch, size, first, loss, mean, validation) in enumerate(
            zip(
                self.epochs.tolist(),
                self.sizes.tolist(),
                self.firsts.tolist(),
                self.losses.tolist(),
                self.means.tolist(),
                self.validation.tolist(),
                strict=True,
            ),
            start=1,
        ):
            writer.writerow(
                (step, epoch, size, first, repr(loss), repr(mean), repr(validation) if validation == validation else "")
            )
        return text.getvalue().encode("utf-8")
