"""The scenario: one training setup, exactly what ``model.fit`` is given.

The format is defined in ``shared/scenario-format.md``. A scenario is parsed and
validated once, here; everything downstream (planner, recorder, GUI) can then
trust it. Every rejection names the field and says, in a sentence a student can
act on, what would be accepted; anything quoted from a file is escaped and cut
short, so a message is always one printable line.
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
# A scenario file is a few hundred bytes; nothing larger is read.
MAX_FILE_BYTES = 1 << 20
MAX_FILE_SIZE_IN_WORDS = "1 MiB"

_TRAIN_KEYS = ("samples", "source", "batch_size", "drop_remainder", "repeat", "shuffle")
_VALIDATION_SET_KEYS = (*_TRAIN_KEYS, "steps", "freq")
_VALIDATION_SPLIT_KEYS = ("split", "batch_size", "steps", "freq")
_TOP_KEYS = ("train", "epochs", "steps_per_epoch", "steps_per_execution", "validation")


class ScenarioError(ValueError):
    """A scenario that cannot be used.

    ``field`` is the dotted name of the field at fault (``"train.batch_size"``, ``""`` for the
    whole file), for the form to mark its box and for grep; ``message`` is the reason as a
    plain sentence that names the field the way the form labels it.
    """

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
            # Keras never shuffles validation data, so the format leaves shuffle out of a validation
            # set; a file that sets it keeps it on saving (it changes nothing Keras does).
            keys = _VALIDATION_SET_KEYS if self.validation.shuffle else tuple(k for k in _VALIDATION_SET_KEYS if k != "shuffle")
            out["validation"] = _data_dict(self.validation, keys)
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
            raise ScenarioError("", f"The file is larger than {MAX_FILE_SIZE_IN_WORDS}; a scenario file is a few lines.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScenarioError(
                "", f"The file is not UTF-8 text (byte number {exc.start + 1:,} is not UTF-8); save it as UTF-8 in a text editor."
            ) from None
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError("", f"The text is longer than {MAX_FILE_SIZE_IN_WORDS}; a scenario is a few lines.")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
    except ScenarioError:
        raise
    except json.JSONDecodeError as exc:
        # exc.msg is Python's own fixed wording ("Expecting value"): it never quotes the file.
        raise ScenarioError(
            "", f"The file is not valid JSON: {exc.msg[:1].lower()}{exc.msg[1:]} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise ScenarioError("", "The file is not valid JSON: its brackets nest far too deeply for a scenario.") from None
    except ValueError:  # an integer of thousands of digits (Python's int_max_str_digits)
        raise ScenarioError("", "The file is not valid JSON: a number in it has thousands of digits.") from None
    return scenario_from_dict(data)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ScenarioError(_field(key), f"The setting {quote(key)} is written twice in the same braces; keep one.")
        result[key] = value
    return result


def _reject_constant(name: str) -> None:
    raise ScenarioError("", f"The file holds {name}, which JSON does not allow; write a plain number.")


def scenario_from_dict(data: Any) -> Scenario:
    """Validate a decoded scenario object (as from ``json.loads``)."""
    if not isinstance(data, Mapping):
        raise ScenarioError("", f"A scenario is one group of settings in braces {{...}}; this is {_kind(data)}.")
    _check_keys(data, _TOP_KEYS, "")
    if "train" not in data:
        raise ScenarioError("train", 'The training data, what fit() is given, is required: add "train": {"samples": ...}.')
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
        raise ScenarioError(
            "validation",
            'Validation must be empty (null) for none, {"split": 0.2} to split the training arrays, '
            f'or a validation set {{"samples": ...}}, not {_kind(raw)}.',
        )
    if "split" in raw:
        _check_keys(raw, _VALIDATION_SPLIT_KEYS, "validation", kind="A validation split")
        split = raw["split"]
        if isinstance(split, bool) or not isinstance(split, (int, float)):
            raise ScenarioError("validation.split", f"The validation split must be a fraction such as 0.2, not {_kind(split)}.")
        if not (0.0 < float(split) < 1.0):
            raise ScenarioError(
                "validation.split",
                f"The validation split must be strictly between 0 and 1, such as 0.2 (a fifth), not {_kind(split)}.",
            )
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
    data_name = "The training data" if where == "train" else "A validation set"
    if not isinstance(raw, Mapping):
        raise ScenarioError(where, f'{data_name} must be a group of settings {{"samples": ...}}, not {_kind(raw)}.')
    _check_keys(raw, keys, where, kind=data_name)
    if "samples" not in raw:
        raise ScenarioError(
            f"{where}.samples",
            f"{field_name(where + '.samples')} is required: a whole number, or empty (null) for an endless stream.",
        )
    samples = _read_int(raw, "samples", where, default=None, minimum=0, maximum=MAX_SAMPLES, nullable=True)
    source = _read_choice(raw, "source", where, SOURCES, "arrays")
    repeat = _read_choice(raw, "repeat", where, REPEATS, "none")
    if samples is None and source == "arrays":
        raise ScenarioError(
            f"{where}.samples",
            "NumPy arrays always have a length, so they cannot be an endless stream: "
            'give the number of samples, or choose the source "dataset" or "generator".',
        )
    if repeat != "none" and source == "arrays":
        raise ScenarioError(
            f"{where}.repeat",
            'NumPy arrays cannot be repeated: choose the source "dataset" or "generator" to use .repeat().',
        )
    return DataSpec(
        samples=samples,
        source=source,
        batch_size=_read_int(raw, "batch_size", where, default=default_batch, minimum=1, maximum=MAX_BATCH_SIZE, nullable=True),
        drop_remainder=_read_bool(raw, "drop_remainder", where, False),
        repeat=repeat,
        shuffle=_read_bool(raw, "shuffle", where, default_shuffle),
    )


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str, kind: str = "A scenario") -> None:
    for key in raw:
        if key not in allowed:
            known = ", ".join(allowed[:-1]) + " and " + allowed[-1]
            raise ScenarioError(_field(key, where), f"{kind} has no setting called {quote(str(key))}; it knows {known}.")


# What each nullable number means when it is left empty (null in a file).
_EMPTY_MEANS = {
    "train.samples": "empty for an endless stream",
    "train.batch_size": "empty for Keras' default (32)",
    "steps_per_epoch": "empty to let Keras decide",
    "validation.samples": "empty for an endless stream",
    "validation.batch_size": "empty to use the training batch size",
    "validation.steps": "empty to let Keras decide",
}


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
    name = field_name(field)
    wanted = f"a whole number of at least {minimum}"
    if nullable:
        wanted += f", or {_EMPTY_MEANS.get(field, 'empty')}"
    value = raw.get(key, default)
    if value is None:
        if nullable:
            return None
        raise ScenarioError(field, f"{name} must be {wanted}; it cannot be empty.")
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            raise ScenarioError(
                field, f"{name} must be a whole number written without a decimal point ({int(value)}, not {value!r})."
            )
        raise ScenarioError(field, f"{name} must be {wanted}, not {_kind(value)}.")
    if value < minimum:
        raise ScenarioError(field, f"{name} must be at least {minimum}, not {_short_number(value)}.")
    if value > maximum:
        raise ScenarioError(field, f"{name} must be at most {maximum:,}, not {_short_number(value)}.")
    return value


def _read_bool(raw: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        field = f"{where}.{key}"
        raise ScenarioError(field, f"{field_name(field)} must be true or false, not {_kind(value)}.")
    return value


def _read_choice(raw: Mapping[str, Any], key: str, where: str, choices: tuple[str, ...], default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or value not in choices:
        field = f"{where}.{key}"
        listed = ", ".join(f'"{c}"' for c in choices[:-1]) + f' or "{choices[-1]}"'
        raise ScenarioError(field, f"{field_name(field)} must be {listed}, not {_kind(value)}.")
    return value


# ---------------------------------------------------------------- words


# Each field as a person knows it, as the form labels it.
_FIELD_NAMES = {
    "train": "The training data",
    "train.samples": "The number of training samples",
    "train.source": "The training source",
    "train.batch_size": "The training batch size",
    "train.drop_remainder": "Training drop_remainder (drop the short last batch)",
    "train.repeat": "Training repeat",
    "train.shuffle": "Training shuffle",
    "epochs": "The number of epochs",
    "steps_per_epoch": "Steps per epoch",
    "steps_per_execution": "Steps per execution",
    "validation": "Validation",
    "validation.split": "The validation split",
    "validation.samples": "The number of validation samples",
    "validation.source": "The validation source",
    "validation.batch_size": "The validation batch size",
    "validation.drop_remainder": "Validation drop_remainder (drop the short last batch)",
    "validation.repeat": "Validation repeat",
    "validation.shuffle": "Validation shuffle",
    "validation.steps": "Validation steps",
    "validation.freq": "Validation frequency",
}


def field_name(field: str) -> str:
    """A field's dotted name ("train.batch_size") as a sentence names it ("The training batch size")."""
    return _FIELD_NAMES.get(field, quote(field))


def _field(key: Any, where: str = "") -> str:
    """The dotted name of a key read from a file: safe to print, however odd the key."""
    text = str(key)
    shown = text if text.isidentifier() and len(text) <= QUOTE_LIMIT else quote(text)
    return f"{where}.{shown}" if where else shown


# How many characters of a value taken from a file a message quotes.
QUOTE_LIMIT = 40

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Text from a file, quoted for a one-line message: every control character escaped, long text cut.

    A key holding a line break must not split the error line, an escape sequence must not reach
    the terminal, and a 900 kB key must not become a 900 kB message.
    """
    pieces: list[str] = []
    for count, char in enumerate(text):
        if count == limit:
            pieces.append("...")
            break
        if char in _ESCAPES:
            pieces.append(_ESCAPES[char])
        elif char.isprintable():
            pieces.append(char)
        else:  # control, format (bidi overrides), separators, surrogates: shown as their code
            code = ord(char)
            pieces.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(pieces) + '"'


def printable(text: str) -> str:
    """A line of text with every character that is not printable escaped (a path, an OS message)."""
    if all(char.isprintable() for char in text):
        return text
    return quote(text, limit=len(text))[1:-1]


def _short_number(value: int) -> str:
    text = str(value)
    return f"{value:,}" if len(text) <= 15 else f"a number with {len(text)} digits"


def _kind(value: Any) -> str:
    """How a bad value is quoted back in a message: short, on one line, in plain words."""
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, int):
        return _short_number(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return "a group of settings {...}"
    if isinstance(value, (list, tuple)):
        return "a list [...]"
    return f"a Python {type(value).__name__}"
