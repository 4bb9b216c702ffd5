"""The scenario: one training setup, exactly what ``model.fit`` is given.

The format is defined in ``shared/scenario-format.md``. A scenario is parsed and
validated once, here; everything downstream (planner, recorder, GUI) can then
trust it. Every rejection names the field and says what would be accepted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SOURCES = ("arrays", "dataset", "generator")
REPEATS = ("none", "before_batch", "after_batch")

# Bounds that keep every count an exact integer and every plan fast to compute.
# They are far beyond any real training run (ImageNet is 1.28e6 samples).
MAX_SAMPLES = 10**12
MAX_BATCH_SIZE = 10**9
MAX_STEPS = 10**12
MAX_STEPS_PER_EXECUTION = 10**6
MAX_EPOCHS = 100_000
MAX_FILE_BYTES = 1_000_000

_TRAIN_KEYS = ("samples", "source", "batch_size", "drop_remainder", "repeat", "shuffle")
_VALIDATION_SET_KEYS = (*_TRAIN_KEYS, "steps", "freq")
_VALIDATION_SPLIT_KEYS = ("split", "batch_size", "steps", "freq")
_TOP_KEYS = ("train", "epochs", "steps_per_epoch", "steps_per_execution", "validation")


class ScenarioError(ValueError):
    """A scenario that cannot be used, with the field at fault (``"train.batch_size"``)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class DataSpec:
    """A body of data handed to ``fit``: the training data or a validation set."""

    samples: int | None  # None: an endless stream with no length
    source: str = "arrays"
    batch_size: int | None = 32
    drop_remainder: bool = False
    repeat: str = "none"
    shuffle: bool = True

    @property
    def endless(self) -> bool:
        return self.samples is None or self.repeat != "none"


@dataclass(frozen=True)
class ValidationSet(DataSpec):
    """``validation_data=``: its own data, plus ``validation_steps`` and ``validation_freq``."""

    batch_size: int | None = None  # None: Keras uses the training batch size
    shuffle: bool = False
    steps: int | None = None
    freq: int = 1


@dataclass(frozen=True)
class ValidationSplit:
    """``validation_split=``: the last part of the training arrays validates."""

    split: float
    batch_size: int | None = None
    steps: int | None = None
    freq: int = 1


Validation = ValidationSet | ValidationSplit


@dataclass(frozen=True)
class Scenario:
    train: DataSpec
    epochs: int = 1
    steps_per_epoch: int | None = None
    steps_per_execution: int = 1
    validation: Validation | None = None

    def to_dict(self) -> dict[str, Any]:
        """The scenario JSON, every key written out."""
        out: dict[str, Any] = {
            "train": _data_dict(self.train, _TRAIN_KEYS),
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "steps_per_execution": self.steps_per_execution,
            "validation": None,
        }
        if isinstance(self.validation, ValidationSplit):
            out["validation"] = {
                "split": self.validation.split,
                "batch_size": self.validation.batch_size,
                "steps": self.validation.steps,
                "freq": self.validation.freq,
            }
        elif isinstance(self.validation, ValidationSet):
            # Keras never shuffles validation data, so shuffle is read but not written.
            out["validation"] = _data_dict(self.validation, tuple(k for k in _VALIDATION_SET_KEYS if k != "shuffle"))
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"


def _data_dict(spec: DataSpec, keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: getattr(spec, key) for key in keys}


# ---------------------------------------------------------------- reading


def scenario_from_json(text: str | bytes) -> Scenario:
    """Parse scenario JSON text; any problem raises ScenarioError, never anything else."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise ScenarioError("", f"the file is larger than {MAX_FILE_BYTES} bytes; a scenario is a few lines")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScenarioError("", f"the file is not UTF-8 text (byte {exc.start})") from None
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError("", f"the text is longer than {MAX_FILE_BYTES} characters; a scenario is a few lines")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
    except ScenarioError:
        raise
    except json.JSONDecodeError as exc:
        raise ScenarioError("", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except (RecursionError, ValueError) as exc:
        raise ScenarioError("", f"not valid JSON: {exc}") from None
    return scenario_from_dict(data)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ScenarioError(key, "appears twice in the same object; keep one")
        result[key] = value
    return result


def _reject_constant(name: str) -> None:
    raise ScenarioError("", f"{name} is not a number JSON allows; write a plain number")


def scenario_from_dict(data: Any) -> Scenario:
    """Validate a decoded scenario object (as from ``json.loads``)."""
    if not isinstance(data, Mapping):
        raise ScenarioError("", f"a scenario is a JSON object {{...}}, got {_kind(data)}")
    _check_keys(data, _TOP_KEYS, "")
    if "train" not in data:
        raise ScenarioError("train", "is required: the training data fit() is given")
    train = _read_data(data["train"], "train", _TRAIN_KEYS, default_batch=32, default_shuffle=True)
    epochs = _read_int(data, "epochs", "", default=1, minimum=0, maximum=MAX_EPOCHS)
    steps_per_epoch = _read_int(data, "steps_per_epoch", "", default=None, minimum=1, maximum=MAX_STEPS, nullable=True)
    steps_per_execution = _read_int(data, "steps_per_execution", "", default=1, minimum=1, maximum=MAX_STEPS_PER_EXECUTION)
    validation = _read_validation(data.get("validation"))
    return Scenario(
        train=train,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        steps_per_execution=steps_per_execution,
        validation=validation,
    )


def _read_validation(raw: Any) -> Validation | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ScenarioError("validation", f"must be null or an object, got {_kind(raw)}")
    if "split" in raw:
        _check_keys(
            raw, _VALIDATION_SPLIT_KEYS, "validation", hint=' (a "split" validation takes split, batch_size, steps, freq)'
        )
        split = raw["split"]
        if isinstance(split, bool) or not isinstance(split, (int, float)):
            raise ScenarioError("validation.split", f"must be a number between 0 and 1, got {_kind(split)}")
        if not (0.0 < float(split) < 1.0):
            raise ScenarioError("validation.split", f"must be strictly between 0 and 1, got {split}")
        return ValidationSplit(
            split=float(split),
            batch_size=_read_int(raw, "batch_size", "validation", default=None, minimum=1, maximum=MAX_BATCH_SIZE, nullable=True),
            steps=_read_int(raw, "steps", "validation", default=None, minimum=1, maximum=MAX_STEPS, nullable=True),
            freq=_read_int(raw, "freq", "validation", default=1, minimum=1, maximum=MAX_EPOCHS),
        )
    spec = _read_data(raw, "validation", _VALIDATION_SET_KEYS, default_batch=None, default_shuffle=False)
    return ValidationSet(
        samples=spec.samples,
        source=spec.source,
        batch_size=spec.batch_size,
        drop_remainder=spec.drop_remainder,
        repeat=spec.repeat,
        shuffle=spec.shuffle,
        steps=_read_int(raw, "steps", "validation", default=None, minimum=1, maximum=MAX_STEPS, nullable=True),
        freq=_read_int(raw, "freq", "validation", default=1, minimum=1, maximum=MAX_EPOCHS),
    )


def _read_data(raw: Any, where: str, keys: tuple[str, ...], default_batch: int | None, default_shuffle: bool) -> DataSpec:
    if not isinstance(raw, Mapping):
        raise ScenarioError(where, f"must be an object {{...}}, got {_kind(raw)}")
    _check_keys(raw, keys, where)
    if "samples" not in raw:
        raise ScenarioError(f"{where}.samples", "is required: a whole number of samples, or null for an endless stream")
    samples = _read_int(raw, "samples", where, default=None, minimum=0, maximum=MAX_SAMPLES, nullable=True)
    source = _read_choice(raw, "source", where, SOURCES, "arrays")
    repeat = _read_choice(raw, "repeat", where, REPEATS, "none")
    if samples is None and source == "arrays":
        raise ScenarioError(
            f"{where}.samples",
            'NumPy arrays always have a length; an endless stream (null) needs source "dataset" or "generator"',
        )
    if repeat != "none" and source == "arrays":
        raise ScenarioError(
            f"{where}.repeat", 'NumPy arrays cannot be repeated; use source "dataset" or "generator" for .repeat()'
        )
    return DataSpec(
        samples=samples,
        source=source,
        batch_size=_read_int(raw, "batch_size", where, default=default_batch, minimum=1, maximum=MAX_BATCH_SIZE, nullable=True),
        drop_remainder=_read_bool(raw, "drop_remainder", where, False),
        repeat=repeat,
        shuffle=_read_bool(raw, "shuffle", where, default_shuffle),
    )


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str, hint: str = "") -> None:
    for key in raw:
        if key not in allowed:
            field = f"{where}.{key}" if where else str(key)
            raise ScenarioError(field, f"is not a known key; expected one of: {', '.join(allowed)}{hint}")


def _read_int(
    raw: Mapping[str, Any],
    key: str,
    where: str,
    *,
    default: int | None,
    minimum: int,
    maximum: int,
    nullable: bool = False,
) -> Any:
    field = f"{where}.{key}" if where else key
    value = raw.get(key, default)
    if value is None:
        if nullable:
            return None
        raise ScenarioError(field, f"must be a whole number >= {minimum}, got null")
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            raise ScenarioError(field, f"must be a whole number written without a decimal point, got {value}")
        null_hint = " or null" if nullable else ""
        raise ScenarioError(field, f"must be a whole number >= {minimum}{null_hint}, got {_kind(value)}")
    if value < minimum:
        raise ScenarioError(field, f"must be at least {minimum}, got {value}")
    if value > maximum:
        raise ScenarioError(field, f"must be at most {maximum:,}, got {_short_number(value)}")
    return value


def _read_bool(raw: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ScenarioError(f"{where}.{key}", f"must be true or false, got {_kind(value)}")
    return value


def _read_choice(raw: Mapping[str, Any], key: str, where: str, choices: tuple[str, ...], default: str) -> str:
    value = raw.get(key, default)
    if value not in choices or not isinstance(value, str):
        listed = ", ".join(f'"{c}"' for c in choices)
        raise ScenarioError(f"{where}.{key}", f"must be one of {listed}, got {_kind(value)}")
    return value


def _short_number(value: int) -> str:
    text = str(value)
    return text if len(text) <= 15 else f"a number with {len(text)} digits"


def _kind(value: Any) -> str:
    """How a bad value is quoted back in a message: short and never a traceback."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:27] + "..."
        return json.dumps(shown)
    if isinstance(value, int):
        return _short_number(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__
