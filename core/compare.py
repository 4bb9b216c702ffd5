"""Compare a plan with what Keras really did, and name the first difference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_EPOCH_FLAGS = ("ran_out", "val_ran_out", "train_first_sample", "val_first_sample")


@dataclass(frozen=True)
class Difference:
    epoch: int | None  # counted from 1; None for the outcome
    where: str  # "outcome", "epochs", "train", "val", or a flag's name
    step: int | None  # counted from 1 within the part
    expected: Any
    seen: Any

    def __str__(self) -> str:
        place = "the outcome" if self.epoch is None else f"epoch {self.epoch}"
        if self.step is not None:
            place += f", {self.where} step {self.step}"
        elif self.epoch is not None:
            place += f", {self.where}"
        return f"{place}: planned {_words(self.expected)}, Keras did {_words(self.seen)}"


def first_difference(planned: dict[str, Any], seen: dict[str, Any]) -> Difference | None:
    """The first place where the plan JSON and a recording (same shape) disagree, or None."""
    if planned["outcome"] != seen["outcome"]:
        return Difference(None, "outcome", None, _outcome_words(planned), _outcome_words(seen))
    if planned["outcome"] == "endless" and planned.get("endless") != seen.get("endless"):
        return Difference(None, "outcome", None, _outcome_words(planned), _outcome_words(seen))
    planned_epochs, seen_epochs = planned["epochs"], seen["epochs"]
    for number, (want, got) in enumerate(zip(planned_epochs, seen_epochs, strict=False), 1):
        for part in ("train", "val"):
            if (want[part] is None) != (got[part] is None):
                return Difference(number, part, None, _presence(want[part]), _presence(got[part]))
            if want[part] is not None:
                mismatch = _first_run_mismatch(want[part], got[part])
                if mismatch is not None:
                    step, expected, actual = mismatch
                    return Difference(number, part, step, expected, actual)
        for flag in _EPOCH_FLAGS:
            if want[flag] != got[flag]:
                return Difference(number, flag, None, want[flag], got[flag])
    if len(planned_epochs) != len(seen_epochs):
        return Difference(None, "epochs", None, f"{len(planned_epochs)} epochs", f"{len(seen_epochs)} epochs")
    return None


def _first_run_mismatch(want: list[list[int]], got: list[list[int]]) -> tuple[int, Any, Any] | None:
    """Walk two run-length encodings together; the first step whose batch size differs."""
    want_index = got_index = 0
    want_left = want[0][1] if want else 0
    got_left = got[0][1] if got else 0
    step = 1
    while want_index < len(want) and got_index < len(got):
        if want[want_index][0] != got[got_index][0]:
            return step, f"a batch of {want[want_index][0]}", f"a batch of {got[got_index][0]}"
        take = min(want_left, got_left)
        step += take
        want_left -= take
        got_left -= take
        if want_left == 0:
            want_index += 1
            want_left = want[want_index][1] if want_index < len(want) else 0
        if got_left == 0:
            got_index += 1
            got_left = got[got_index][1] if got_index < len(got) else 0
    if want_index < len(want):
        return step, f"a batch of {want[want_index][0]}", "no more batches"
    if got_index < len(got):
        return step, "no more batches", f"a batch of {got[got_index][0]}"
    return None


def _presence(part: Any) -> str:
    return "no validation" if part is None else "a validation run"


def _outcome_words(result: dict[str, Any]) -> str:
    if result["outcome"] == "endless":
        endless = result.get("endless") or {}
        return f"an endless {'validation' if endless.get('part') == 'val' else 'epoch'} at epoch {endless.get('epoch')}"
    if result["outcome"] == "error":
        return "an error"
    return "a fit that returns"


def _words(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "none"
    return str(value)


def conformance_record_as_plan(keras_record: dict[str, Any]) -> dict[str, Any]:
    """shared/conformance's record shape -> the plan JSON shape (endless epochs cut, outcome named)."""
    outcome = keras_record["outcome"]
    epochs = keras_record["epochs"]
    if outcome in ("endless_train", "endless_val"):
        return {
            "outcome": "endless",
            "endless": {"epoch": len(epochs), "part": outcome.split("_", 1)[1]},
            "epochs": epochs[:-1],
        }
    return {"outcome": outcome, "epochs": epochs if outcome != "error" else []}
