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
from dataclasses import dataclass, field
from typing import Any

SOURCES = ("arrays", "dataset", "generator", "pydataset", "image_data_generator")
REPEATS = ("none", "before_batch", "after_batch")
# The tf.data steps a pipeline may hold, in the format's table order.
PIPELINE_OPS = (
    "batch",
    "repeat",
    "take",
    "skip",
    "shard",
    "filter",
    "unbatch",
    "rebatch",
    "shuffle",
    "assert_cardinality",
    "cache",
    "prefetch",
    "map",
)
# Each op's arguments in a file: (key, kind, default); kind "size" is a whole number >= 1,
# "stride" one from 1 to MAX_STRIDE, "count" >= 0, "count_or_none" >= 0 or null (repeat forever),
# "bool" true/false.
_OP_ARGUMENTS: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "batch": (("size", "size", None), ("drop_remainder", "bool", False)),
    "repeat": (("count", "count_or_none", None),),
    "take": (("count", "count", None),),
    "skip": (("count", "count", None),),
    "shard": (("num_shards", "stride", None), ("index", "count", None)),
    "filter": (("keep_every", "stride", None),),
    "unbatch": (),
    "rebatch": (("size", "size", None), ("drop_remainder", "bool", False)),
    "shuffle": (("buffer_size", "size", None), ("reshuffle_each_iteration", "bool", True)),
    "assert_cardinality": (("count", "count", None),),
    "cache": (),
    "prefetch": (),
    "map": (),
}
SPLIT_BY = ("fit", "directory", "image_data_generator")
# Which Keras runs fit: "3" = Keras 3.15.1, "2" = tf.keras 2 (tf-keras 2.21.0, TF_USE_LEGACY_KERAS=1).
KERAS_FLAVOURS = ("3", "2")
# Keras 3's backends; tf.keras 2 runs on TensorFlow only.
BACKENDS = ("tensorflow", "jax", "torch")
# MirroredStrategy over R devices: a machine has a handful of accelerators (8 is a large one);
# 64 keeps every per-replica list short enough to read and draw.
MAX_REPLICAS = 64
# A pipeline longer than this is not a pipeline anyone writes; its plan would only grow.
MAX_PIPELINE_STEPS = 64

# Bounds that keep every count an exact integer and every plan fast to compute.
# They are far beyond any real training run (ImageNet is 1.28e6 samples).
MAX_SAMPLES = 10**12
MAX_BATCH_SIZE = 10**9
MAX_STEPS = 10**12
MAX_STEPS_PER_EXECUTION = 10**6
MAX_EPOCHS = 100_000
# shard(n) and filter(keep_every=k) over a repeated pass pick a different phase each pass and line up
# again only after n / gcd(n, pass) passes: the plan holds one block per phase, so n and k are bounded.
MAX_STRIDE = 100_000
# A scenario file is a few hundred bytes; nothing larger is read.
MAX_FILE_BYTES = 1 << 20
MAX_FILE_SIZE_IN_WORDS = "1 MiB"

_TRAIN_KEYS = ("samples", "source", "batch_size", "drop_remainder", "repeat", "shuffle")
_DATA_EXTRA_KEYS = ("flow_shuffle", "pipeline")
_VALIDATION_SET_KEYS = (*_TRAIN_KEYS, "steps", "freq")
_VALIDATION_SPLIT_KEYS = ("split", "batch_size", "steps", "freq")
_VALIDATION_SPLIT_EXTRA_KEYS = ("split_by", "flow_shuffle")
_TOP_KEYS = ("train", "epochs", "steps_per_epoch", "steps_per_execution", "validation")
_TOP_EXTRA_KEYS = ("initial_epoch", "gradient_accumulation_steps", "keras", "backend", "replicas")
# A pipeline says its own batching: these keys are left out when it is given.
_PIPELINE_REPLACES = ("batch_size", "drop_remainder", "repeat")


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
class PipelineStep:
    """One ``tf.data`` step of a pipeline: its op and the arguments that op takes (others stay None)."""

    op: str
    size: int | None = None
    drop_remainder: bool = False
    count: int | None = None
    num_shards: int | None = None
    index: int | None = None
    keep_every: int | None = None
    buffer_size: int | None = None
    reshuffle_each_iteration: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The format's object for this step: its op and exactly that op's arguments."""
        out: dict[str, Any] = {"op": self.op}
        for key, _kind, _default in _OP_ARGUMENTS[self.op]:
            out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class DataSpec:
    """A body of data handed to ``fit``: the training data or a validation set."""

    samples: int | None  # None: an endless stream with no length
    source: str = "arrays"
    batch_size: int | None = 32
    drop_remainder: bool = False
    repeat: str = "none"
    shuffle: bool = True
    # Keyword-only, so the positional order of the fields above (and ValidationSet's) stays as it was.
    flow_shuffle: bool = field(default=True, kw_only=True)  # image_data_generator: the flow's own shuffle=
    pipeline: tuple[PipelineStep, ...] | None = field(default=None, kw_only=True)  # source "dataset" only

    @property
    def endless(self) -> bool:
        if self.pipeline is not None:
            return self.samples is None or any(step.op == "repeat" and step.count is None for step in self.pipeline)
        return self.samples is None or self.repeat != "none"


@dataclass(frozen=True)
class ValidationSet(DataSpec):
    """``validation_data=``: its own data, plus ``validation_steps`` and ``validation_freq``."""

    batch_size: int | None = None  # None: Keras uses the training batch size
    shuffle: bool = False
    steps: int | None = None
    freq: int | tuple[int, ...] = 1  # a tuple: the 1-based epoch numbers after which to validate


@dataclass(frozen=True)
class ValidationSplit:
    """``validation_split=`` (or a loader's own split, ``split_by``): part of the training data validates."""

    split: float
    batch_size: int | None = None
    steps: int | None = None
    freq: int | tuple[int, ...] = 1
    split_by: str = field(default="fit", kw_only=True)  # "fit" | "directory" | "image_data_generator"
    flow_shuffle: bool | None = field(default=None, kw_only=True)  # None: the training flow's


def validates_after(freq: int | tuple[int, ...], epoch_number: int) -> bool:
    """Keras' _should_eval: validation after the epoch with this 1-based number."""
    if isinstance(freq, tuple):
        return epoch_number in freq
    return epoch_number % freq == 0


Validation = ValidationSet | ValidationSplit


@dataclass(frozen=True)
class Scenario:
    train: DataSpec
    epochs: int = 1
    steps_per_epoch: int | None = None
    steps_per_execution: int = 1
    validation: Validation | None = None
    initial_epoch: int = 0
    gradient_accumulation_steps: int | None = None
    keras: str = "3"  # "3" = Keras 3.15.1, "2" = tf.keras 2 (tf-keras 2.21.0)
    backend: str = "tensorflow"  # Keras 3's backend: "tensorflow", "jax" or "torch"
    replicas: int = 1  # MirroredStrategy over this many devices (TensorFlow only)

    def to_dict(self) -> dict[str, Any]:
        """The scenario JSON: every key of the original format, the newer keys only when not at their default."""
        out: dict[str, Any] = {
            "train": _data_dict(self.train, _TRAIN_KEYS),
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "steps_per_execution": self.steps_per_execution,
            "validation": None,
        }
        if self.initial_epoch:
            out["initial_epoch"] = self.initial_epoch
        if self.gradient_accumulation_steps is not None:
            out["gradient_accumulation_steps"] = self.gradient_accumulation_steps
        if self.keras != "3":
            out["keras"] = self.keras
        if self.backend != "tensorflow":
            out["backend"] = self.backend
        if self.replicas != 1:
            out["replicas"] = self.replicas
        if isinstance(self.validation, ValidationSplit):
            out["validation"] = {
                "split": self.validation.split,
                "batch_size": self.validation.batch_size,
                "steps": self.validation.steps,
                "freq": _freq_json(self.validation.freq),
            }
            if self.validation.split_by != "fit":
                out["validation"]["split_by"] = self.validation.split_by
            if self.validation.flow_shuffle is not None:
                out["validation"]["flow_shuffle"] = self.validation.flow_shuffle
        elif isinstance(self.validation, ValidationSet):
            # Keras never shuffles validation data, so the format leaves shuffle out of a validation
            # set; a file that sets it keeps it on saving (it changes nothing Keras does).
            keys = _VALIDATION_SET_KEYS if self.validation.shuffle else tuple(k for k in _VALIDATION_SET_KEYS if k != "shuffle")
            out["validation"] = _data_dict(self.validation, keys)
            out["validation"]["freq"] = _freq_json(self.validation.freq)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"


def _data_dict(spec: DataSpec, keys: tuple[str, ...]) -> dict[str, Any]:
    if spec.pipeline is not None:
        keys = tuple(key for key in keys if key not in _PIPELINE_REPLACES)
    out = {key: getattr(spec, key) for key in keys}
    if spec.source == "image_data_generator" and not spec.flow_shuffle:
        out["flow_shuffle"] = False
    if spec.pipeline is not None:
        out["pipeline"] = [step.to_dict() for step in spec.pipeline]
    return out


def _freq_json(freq: int | tuple[int, ...]) -> int | list[int]:
    return list(freq) if isinstance(freq, tuple) else freq


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
    # A message lists the format's first keys only: a key quoted from a file can be long, and the line must stay short.
    _check_keys(data, (*_TOP_KEYS, *_TOP_EXTRA_KEYS), "", listed=_TOP_KEYS)
    if "train" not in data:
        raise ScenarioError("train", 'The training data, what fit() is given, is required: add "train": {"samples": ...}.')
    keras, backend, replicas = _read_flavour(data)
    train = _read_data(data["train"], "train", _TRAIN_KEYS, default_batch=32, default_shuffle=True)
    epochs = _read_int(data, "epochs", "", default=1, minimum=0, maximum=MAX_EPOCHS)
    steps_per_epoch = _read_int(data, "steps_per_epoch", "", default=None, minimum=1, maximum=MAX_STEPS, nullable=True)
    steps_per_execution = _read_int(data, "steps_per_execution", "", default=1, minimum=1, maximum=MAX_STEPS_PER_EXECUTION)
    initial_epoch = _read_int(data, "initial_epoch", "", default=0, minimum=0, maximum=MAX_EPOCHS)
    accumulation = _read_int(data, "gradient_accumulation_steps", "", default=None, minimum=2, maximum=MAX_STEPS, nullable=True)
    validation = _read_validation(data.get("validation"), train)
    return Scenario(
        train=train,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        steps_per_execution=steps_per_execution,
        validation=validation,
        initial_epoch=initial_epoch,
        gradient_accumulation_steps=accumulation,
        keras=keras,
        backend=backend,
        replicas=replicas,
    )


def _read_flavour(data: Mapping[str, Any]) -> tuple[str, str, int]:
    """keras, backend and replicas: which Keras runs fit, on which backend, over how many devices."""
    keras = data.get("keras", "3")
    if keras not in KERAS_FLAVOURS or not isinstance(keras, str):
        raise ScenarioError(
            "keras",
            f'{field_name("keras")} is "3" (Keras 3.15.1) or "2" (tf.keras 2, from the tf-keras package), not {_kind(keras)}.',
        )
    backend = data.get("backend", "tensorflow")
    if backend not in BACKENDS or not isinstance(backend, str):
        raise ScenarioError("backend", f'{field_name("backend")} is "tensorflow", "jax" or "torch", not {_kind(backend)}.')
    if keras == "2" and backend != "tensorflow":
        raise ScenarioError(
            "backend",
            f"tf.keras 2 runs on TensorFlow only, so {field_name('backend').lower()} cannot be {quote(backend)} with it; "
            'set "keras" to "3" for the JAX or PyTorch backend.',
        )
    replicas = _read_int(data, "replicas", "", default=1, minimum=1, maximum=MAX_REPLICAS)
    if replicas > 1 and backend != "tensorflow":
        raise ScenarioError(
            "replicas",
            f"Several replicas mean tf.distribute.MirroredStrategy, which is TensorFlow's: {field_name('replicas').lower()} "
            f"must be 1 with the {quote(backend)} backend.",
        )
    return keras, backend, replicas


def _read_validation(raw: Any, train: DataSpec) -> Validation | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ScenarioError(
            "validation",
            'Validation must be empty (null) for none, {"split": 0.2} to split the training arrays, '
            f'or a validation set {{"samples": ...}}, not {_kind(raw)}.',
        )
    if "split" in raw:
        _check_keys(
            raw,
            (*_VALIDATION_SPLIT_KEYS, *_VALIDATION_SPLIT_EXTRA_KEYS),
            "validation",
            kind="A validation split",
            listed=_VALIDATION_SPLIT_KEYS,
        )
        split = raw["split"]
        if isinstance(split, bool) or not isinstance(split, (int, float)):
            raise ScenarioError("validation.split", f"The validation split must be a fraction such as 0.2, not {_kind(split)}.")
        if not (0.0 < float(split) < 1.0):
            raise ScenarioError(
                "validation.split",
                f"The validation split must be strictly between 0 and 1, such as 0.2 (a fifth), not {_kind(split)}.",
            )
        # null means the default, as for the other optional keys of a split.
        split_by = _read_choice({"split_by": raw.get("split_by") or "fit"}, "split_by", "validation", SPLIT_BY, "fit")
        if split_by == "directory" and (train.source != "dataset" or train.pipeline is not None):
            raise ScenarioError(
                "validation.split_by",
                "A directory split (image_dataset_from_directory) gives tf.data datasets: the training source must be "
                '"dataset" with no pipeline.',
            )
        if split_by == "image_data_generator" and train.source != "image_data_generator":
            raise ScenarioError(
                "validation.split_by",
                "An ImageDataGenerator split (validation_split=, subset=) gives ImageDataGenerator flows: the training "
                'source must be "image_data_generator".',
            )
        flow_shuffle = raw.get("flow_shuffle")
        if flow_shuffle is not None:
            if split_by != "image_data_generator":
                raise ScenarioError(
                    "validation.flow_shuffle",
                    "The validation flow_shuffle belongs to an ImageDataGenerator split: set split_by to "
                    '"image_data_generator" or leave it out.',
                )
            flow_shuffle = _read_bool(raw, "flow_shuffle", "validation", True)
        return ValidationSplit(
            split=float(split),
            batch_size=_read_int(raw, "batch_size", "validation", default=None, minimum=1, maximum=MAX_BATCH_SIZE, nullable=True),
            steps=_read_int(raw, "steps", "validation", default=None, minimum=1, maximum=MAX_STEPS, nullable=True),
            freq=_read_freq(raw),
            split_by=split_by,
            flow_shuffle=flow_shuffle,
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
        freq=_read_freq(raw),
        flow_shuffle=spec.flow_shuffle,
        pipeline=spec.pipeline,
    )


# validation_freq as a list: at most this many epoch numbers (more than any fit has epochs to name).
MAX_FREQ_LIST = 10_000


def _read_freq(raw: Mapping[str, Any]) -> int | tuple[int, ...]:
    value = raw.get("freq", 1)
    if isinstance(value, list):
        if len(value) > MAX_FREQ_LIST:
            raise ScenarioError(
                "validation.freq", f"The validation frequency lists more than {MAX_FREQ_LIST:,} epochs; give an every-N number."
            )
        numbers = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_EPOCHS:
                raise ScenarioError(
                    "validation.freq",
                    f"The validation frequency's list holds epoch numbers from 1 to {MAX_EPOCHS:,}, not {_kind(item)}.",
                )
            numbers.append(item)
        return tuple(numbers)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(
            "validation.freq",
            f"The validation frequency must be a whole number of at least 1 (every N epochs) or a list of epoch "
            f"numbers such as [1, 5], not {_kind(value)}.",
        )
    return _read_int(raw, "freq", "validation", default=1, minimum=1, maximum=MAX_EPOCHS)


def _read_data(raw: Any, where: str, keys: tuple[str, ...], default_batch: int | None, default_shuffle: bool) -> DataSpec:
    data_name = "The training data" if where == "train" else "A validation set"
    if not isinstance(raw, Mapping):
        raise ScenarioError(where, f'{data_name} must be a group of settings {{"samples": ...}}, not {_kind(raw)}.')
    _check_keys(raw, (*keys, *_DATA_EXTRA_KEYS), where, kind=data_name, listed=keys)
    if "samples" not in raw:
        raise ScenarioError(
            f"{where}.samples",
            f"{field_name(where + '.samples')} is required: a whole number, or empty (null) for an endless stream.",
        )
    samples = _read_int(raw, "samples", where, default=None, minimum=0, maximum=MAX_SAMPLES, nullable=True)
    source = _read_choice(raw, "source", where, SOURCES, "arrays")
    repeat = _read_choice(raw, "repeat", where, REPEATS, "none")
    if samples is None and source in ("arrays", "image_data_generator"):
        what = "NumPy arrays always have" if source == "arrays" else "An ImageDataGenerator flow over arrays always has"
        raise ScenarioError(
            f"{where}.samples",
            f"{what} a length, so they cannot be an endless stream: "
            'give the number of samples, or choose the source "dataset", "generator" or "pydataset".',
        )
    if repeat != "none" and source in ("arrays", "pydataset", "image_data_generator"):
        raise ScenarioError(
            f"{where}.repeat",
            f'{_SOURCE_WORDS[source]} cannot be repeated: choose the source "dataset" or "generator" to use .repeat().',
        )
    if source == "image_data_generator" and raw.get("drop_remainder", False) is not False:
        raise ScenarioError(
            f"{where}.drop_remainder",
            "An ImageDataGenerator flow has no drop_remainder: it always yields the short last batch; leave it out.",
        )
    flow_shuffle = True
    if "flow_shuffle" in raw:
        if source != "image_data_generator":
            raise ScenarioError(
                f"{where}.flow_shuffle",
                f"{field_name(where + '.flow_shuffle')} is the ImageDataGenerator flow's own shuffle: it needs the source "
                '"image_data_generator"; leave it out.',
            )
        flow_shuffle = _read_bool(raw, "flow_shuffle", where, True)
    pipeline = None
    if "pipeline" in raw:
        if source != "dataset":
            raise ScenarioError(
                f"{where}.pipeline",
                f'A pipeline is a chain of tf.data steps: it needs the source "dataset", not {_kind(source)}.',
            )
        for key in _PIPELINE_REPLACES:
            if key in raw:
                raise ScenarioError(
                    f"{where}.{key}",
                    f"With a pipeline, {key} is left out: the pipeline's own steps (batch, repeat) say it.",
                )
        pipeline = _read_pipeline(raw["pipeline"], where)
        return DataSpec(
            samples=samples,
            source=source,
            batch_size=None,
            drop_remainder=False,
            repeat="none",
            shuffle=_read_bool(raw, "shuffle", where, default_shuffle),
            pipeline=pipeline,
        )
    return DataSpec(
        samples=samples,
        source=source,
        batch_size=_read_int(raw, "batch_size", where, default=default_batch, minimum=1, maximum=MAX_BATCH_SIZE, nullable=True),
        drop_remainder=_read_bool(raw, "drop_remainder", where, False),
        repeat=repeat,
        shuffle=_read_bool(raw, "shuffle", where, default_shuffle),
        flow_shuffle=flow_shuffle,
    )


_SOURCE_WORDS = {
    "arrays": "NumPy arrays",
    "dataset": "A tf.data dataset",
    "generator": "A Python generator",
    "pydataset": "A PyDataset",
    "image_data_generator": "An ImageDataGenerator flow",
}


def _read_pipeline(raw: Any, where: str) -> tuple[PipelineStep, ...]:
    field_at = f"{where}.pipeline"
    data_words = "training" if where == "train" else "validation"
    if not isinstance(raw, list):
        raise ScenarioError(field_at, f'A pipeline is a list of steps such as [{{"op": "batch", "size": 32}}], not {_kind(raw)}.')
    if len(raw) > MAX_PIPELINE_STEPS:
        raise ScenarioError(field_at, f"A pipeline has at most {MAX_PIPELINE_STEPS} steps, not {len(raw):,}.")
    steps = tuple(_read_step(item, f"{field_at}[{number}]") for number, item in enumerate(raw))
    batching = [step.op for step in steps if step.op in ("batch", "unbatch", "rebatch")]
    if "batch" not in batching:
        raise ScenarioError(
            field_at,
            f"The {data_words} pipeline has no batch step, so every sample would reach Keras as a batch of its own; "
            'add {"op": "batch", "size": 32}.',
        )
    if batching[-1] == "unbatch":
        raise ScenarioError(
            field_at,
            f"The {data_words} pipeline ends with unbatch, so every sample would reach Keras as a batch of its own; "
            "end it with batch or rebatch.",
        )
    return steps


def _read_step(raw: Any, where: str) -> PipelineStep:
    if not isinstance(raw, Mapping):
        raise ScenarioError(
            where, f'A pipeline step is a group of settings such as {{"op": "batch", "size": 32}}, not {_kind(raw)}.'
        )
    op = raw.get("op")
    if not isinstance(op, str) or op not in PIPELINE_OPS:
        listed = ", ".join(PIPELINE_OPS[:-1]) + " or " + PIPELINE_OPS[-1]
        raise ScenarioError(f"{where}.op", f"A pipeline step's op must be one of {listed}, not {_kind(op)}.")
    arguments = _OP_ARGUMENTS[op]
    known = ("op", *(key for key, _kind_of, _default in arguments))
    for key in raw:
        if key not in known:
            takes = ", ".join(known[1:]) if len(known) > 1 else "no arguments"
            raise ScenarioError(_field(key, where), f"The {op} step has no setting called {quote(str(key))}; it takes {takes}.")
    values: dict[str, Any] = {}
    for key, kind, default in arguments:
        value = raw.get(key, default)
        name = f"The {op} step's {key}"
        if kind == "bool":
            if not isinstance(value, bool):
                raise ScenarioError(f"{where}.{key}", f"{name} must be true or false, not {_kind(value)}.")
        elif value is None and kind != "count_or_none":
            raise ScenarioError(f"{where}.{key}", f"{name} is required: a whole number.")
        elif value is not None:
            minimum = 1 if kind in ("size", "stride") else 0
            maximum = MAX_STRIDE if kind == "stride" else MAX_SAMPLES
            if isinstance(value, bool) or not isinstance(value, int):
                raise ScenarioError(f"{where}.{key}", f"{name} must be a whole number of at least {minimum}, not {_kind(value)}.")
            if not minimum <= value <= maximum:
                raise ScenarioError(
                    f"{where}.{key}", f"{name} must be from {minimum} to {maximum:,}, not {_short_number(value)}."
                )
        values[key] = value
    if op == "shard" and values["index"] >= values["num_shards"]:
        raise ScenarioError(
            f"{where}.index",
            f"The shard step's index counts from 0, so it must be below num_shards ({values['num_shards']:,}), "
            f"not {values['index']:,}.",
        )
    return PipelineStep(op, **values)


def _check_keys(
    raw: Mapping[str, Any], allowed: tuple[str, ...], where: str, kind: str = "A scenario", listed: tuple[str, ...] = ()
) -> None:
    listed = listed or allowed
    for key in raw:
        if key not in allowed:
            known = ", ".join(listed[:-1]) + " and " + listed[-1]
            raise ScenarioError(_field(key, where), f"{kind} has no setting called {quote(str(key))}; it knows {known}.")


# What each nullable number means when it is left empty (null in a file).
_EMPTY_MEANS = {
    "train.samples": "empty for an endless stream",
    "train.batch_size": "empty for Keras' default (32)",
    "steps_per_epoch": "empty to let Keras decide",
    "validation.samples": "empty for an endless stream",
    "validation.batch_size": "empty to use the training batch size",
    "validation.steps": "empty to let Keras decide",
    "gradient_accumulation_steps": "empty for none",
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
    value = raw.get(key, default)
    if value is None and nullable:
        return None
    if value is not None and not isinstance(value, bool) and isinstance(value, int) and minimum <= value <= maximum:
        return value  # the usual case, without building the words of a message (every preset is read at start-up)
    name = field_name(field)
    wanted = f"a whole number of at least {minimum}"
    if nullable:
        wanted += f", or {_EMPTY_MEANS.get(field, 'empty')}"
    if value is None:
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
    "validation.split_by": "Who splits the validation data",
    "validation.flow_shuffle": "Validation flow shuffle",
    "validation.pipeline": "The validation pipeline",
    "train.flow_shuffle": "Training flow shuffle",
    "train.pipeline": "The training pipeline",
    "initial_epoch": "The initial epoch",
    "gradient_accumulation_steps": "Gradient accumulation steps",
    "keras": "The Keras flavour",
    "backend": "The backend",
    "replicas": "The number of replicas",
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


# ... and at most this many characters of it once escaped (an escape can take ten), so a message
# that quotes a key twice (in the field name and the sentence) stays one short line.
QUOTE_WIDTH = 120


def quote(text: str, limit: int = QUOTE_LIMIT, width: int | None = QUOTE_WIDTH) -> str:
    """Text from a file, quoted for a one-line message: every control character escaped, long text cut.

    A key holding a line break must not split the error line, an escape sequence must not reach
    the terminal, and a 900 kB key must not become a 900 kB message.
    """
    pieces: list[str] = []
    written = 0
    for count, char in enumerate(text):
        if count == limit or (width is not None and written >= width):
            pieces.append("...")
            break
        if char in _ESCAPES:
            pieces.append(_ESCAPES[char])
        elif char.isprintable():
            pieces.append(char)
        else:  # control, format (bidi overrides), separators, surrogates: shown as their code
            code = ord(char)
            pieces.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        written += len(pieces[-1])
    return '"' + "".join(pieces) + '"'


def printable(text: str) -> str:
    """A line of text with every character that is not printable escaped (a path, an OS message)."""
    if all(char.isprintable() for char in text):
        return text
    return quote(text, limit=len(text), width=None)[1:-1]


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
