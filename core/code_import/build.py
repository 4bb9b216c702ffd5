"""From a recorded ``fit`` call to a scenario: each field with the line it came from, or unresolved.

An unresolved field holds a placeholder (PLACEHOLDERS, _STEP_PLACEHOLDERS; listed in core.code_import's
docstring) so the scenario is always valid and plans. A filter's keep_every is 1: all kept, yet TensorFlow
still loses the length, which is what the filter changes for Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.code_import import expr as ex
from core.code_import.expr import Const, Expr, Unknown
from core.code_import.interpreter import FitCall, Interpreter, directory_side, flow_side_samples
from core.code_import.values import (
    Array,
    Dataset,
    Flag,
    Flow,
    Num,
    Optimizer,
    PyDatasetValue,
    Seq,
    Step,
    Stream,
    Text,
    Value,
)

PLACEHOLDERS = {"samples": 1000, "validation_samples": 200, "batch_size": 32, "epochs": 1, "split": 0.2, "endless_steps": 100}
# Counting ops whose arguments a pipeline step holds, and the placeholder when the code's value is not known.
_STEP_PLACEHOLDERS = {"size": 32, "count": 1, "num_shards": 2, "index": 0, "keep_every": 1, "buffer_size": 1000}


@dataclass
class Builder:
    interpreter: Interpreter
    fit: FitCall
    lines: dict[str, int] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exprs: dict[str, Expr] = field(default_factory=dict)  # field -> the expression it was read from

    # ------------------------------------------------------------ one field

    def integer(self, where: str, value: Value | None, placeholder: int | None, *, default: int | None = None) -> int | None:
        """A whole-number field: its value with its line, or the placeholder and the field marked unresolved."""
        if value is None or (isinstance(value, Flag) and value.value is None):
            return default
        expression = self.interpreter.number(value)
        whole = ex.whole(expression)
        if whole is not None:
            self.lines[where] = value.line  # type: ignore[union-attr]
            self.exprs[where] = expression  # type: ignore[assignment]
            return whole
        if expression is not None:
            self.exprs[where] = expression
        self.unresolved.append(where)
        return placeholder

    def number_expr(self, where: str, expression: Expr | None, line: int, placeholder: int) -> int:
        whole = ex.whole(expression)
        if expression is not None:
            self.exprs[where] = expression
        if whole is not None:
            if line:
                self.lines[where] = line
            return whole
        self.unresolved.append(where)
        return placeholder

    def boolean(self, where: str, value: Value | None, default: bool) -> bool:
        if isinstance(value, Flag) and isinstance(value.value, bool):
            self.lines[where] = value.line
            return value.value
        if value is not None and not (isinstance(value, Flag) and value.value is None):
            self.unresolved.append(where)
        return default

    # ------------------------------------------------------------ data

    def data(self, where: str, value: Value, batch_value: Value | None, has_y: bool) -> dict[str, Any]:
        """The format's data object for what fit was given as ``x`` (or the validation data)."""
        placeholder = PLACEHOLDERS["samples"] if where == "train" else PLACEHOLDERS["validation_samples"]
        if isinstance(value, Seq) and value.items and not isinstance(value.items[0], (Num, Text, Flag)):
            value = value.items[0]  # (x, y) or (x, y, weights): x says how many samples
        if isinstance(value, Dataset):
            return self.dataset(where, value, placeholder)
        if isinstance(value, Flow):
            out = {"samples": self.number_expr(f"{where}.samples", value.samples, value.line, placeholder)}
            out["source"] = "image_data_generator"
            self.lines[f"{where}.source"] = value.line
            out["batch_size"] = self.number_expr(f"{where}.batch_size", value.batch, value.batch_line, PLACEHOLDERS["batch_size"])
            if not value.shuffle:
                out["flow_shuffle"] = False
            return out
        if isinstance(value, Stream):
            out = {"source": "generator"}
            self.lines[f"{where}.source"] = value.line
            if value.samples is None:
                out["samples"] = None
                self.lines[f"{where}.samples"] = value.line
            else:
                out["samples"] = self.number_expr(f"{where}.samples", value.samples, value.line, placeholder)
            out["batch_size"] = self.number_expr(f"{where}.batch_size", value.batch, value.line, PLACEHOLDERS["batch_size"])
            out["drop_remainder"] = value.drop_remainder
            out["repeat"] = value.repeat
            return out
        if isinstance(value, PyDatasetValue):
            out = {"source": "pydataset"}
            self.lines[f"{where}.source"] = value.line
            out["samples"] = self.number_expr(f"{where}.samples", value.samples, value.samples_line, placeholder)
            out["batch_size"] = self.number_expr(f"{where}.batch_size", value.batch, value.batch_line, PLACEHOLDERS["batch_size"])
            out["drop_remainder"] = value.drop_remainder
            return out
        # Arrays, or something unknown handed to fit with labels beside it: fit batches it as arrays.
        out = {"source": "arrays"}
        if isinstance(value, Array):
            self.lines[f"{where}.source"] = value.line
            out["samples"] = self.number_expr(f"{where}.samples", value.samples, value.line, placeholder)
        else:
            size = self.interpreter.samples(value)
            out["samples"] = self.number_expr(f"{where}.samples", size, 0, placeholder)
            if has_y:
                self.lines[f"{where}.source"] = getattr(value, "line", 0)
            else:
                self.unresolved.append(f"{where}.source")
                self.notes.append(
                    f"What fit is given as {'x' if where == 'train' else 'validation_data'} cannot be told from the code; "
                    "it is taken as arrays: choose the kind of data in the form."
                )
        default = PLACEHOLDERS["batch_size"] if where == "train" else None
        out["batch_size"] = self.integer(f"{where}.batch_size", batch_value, PLACEHOLDERS["batch_size"], default=default)
        return out

    def dataset(self, where: str, value: Dataset, placeholder: int) -> dict[str, Any]:
        out: dict[str, Any] = {"source": "dataset"}
        self.lines[f"{where}.source"] = value.line
        if value.samples is None:
            out["samples"] = None
        else:
            out["samples"] = self.number_expr(f"{where}.samples", value.samples, value.line, placeholder)
        if value.directory is not None:
            # The directory's own batching; more steps after it cannot be written with a directory split.
            directory = value.directory
            batch = directory.batch if directory.batch is not None else Const(32)
            out["batch_size"] = self.number_expr(f"{where}.batch_size", batch, directory.batch_line, PLACEHOLDERS["batch_size"])
            counted = [step for step in value.steps if step.op not in ("cache", "prefetch", "map")]
            if counted:
                self.notes.append(
                    f"Line {counted[0].line}: .{counted[0].op}() after image_dataset_from_directory's split is not "
                    "kept: the form holds a directory split as the folder's batches only."
                )
            return out
        steps = [step for step in value.steps]
        simple = _simple_batching(steps)
        if simple is not None:
            batch_step, repeat = simple
            size = batch_step.args["size"]
            line = size.line if isinstance(size, Const) and size.line else batch_step.line
            out["batch_size"] = self.number_expr(f"{where}.batch_size", size, line, PLACEHOLDERS["batch_size"])  # type: ignore[arg-type]
            drop = batch_step.args.get("drop_remainder")
            out["drop_remainder"] = bool(drop)
            if drop is None:
                self.unresolved.append(f"{where}.drop_remainder")
            out["repeat"] = repeat
            return out
        pipeline = []
        for index, step in enumerate(steps[:64]):
            written: dict[str, Any] = {"op": step.op}
            for key, argument in step.args.items():
                place = f"{where}.pipeline[{index}].{key}"
                if isinstance(argument, bool) or (argument is None and key in ("count",) and step.op == "repeat"):
                    written[key] = argument
                elif argument is None and key in ("drop_remainder", "reshuffle_each_iteration"):
                    written[key] = key == "reshuffle_each_iteration"
                    self.unresolved.append(place)
                else:
                    # The line that wrote the number (BATCH = 64), else the step's own line.
                    line = argument.line if isinstance(argument, Const) and argument.line else step.line
                    written[key] = self.number_expr(place, argument, line, _STEP_PLACEHOLDERS[key])  # type: ignore[arg-type]
            pipeline.append(written)
        if len(steps) > 64:
            self.notes.append("The tf.data chain has more than 64 steps; only the first 64 are kept.")
        if not any(step.op in ("batch", "rebatch") for step in steps):
            self.notes.append(
                f"The {'training' if where == 'train' else 'validation'} dataset is never batched: Keras would take each "
                "sample as a batch of its own."
            )
        out["pipeline"] = pipeline
        self.lines[f"{where}.pipeline"] = steps[-1].line if steps else value.line
        return out


def _simple_batching(steps: list[Any]) -> tuple[Any, str] | None:
    """The batch step and repeat ("none", "before_batch", "after_batch") when the chain is one of the format's plain forms."""
    counted = [step for step in steps if step.op not in ("cache", "prefetch", "map")]
    ops = [step.op for step in counted]
    forever = all(step.args.get("count") is None for step in counted if step.op == "repeat")
    if ops == ["batch"]:
        return counted[0], "none"
    if ops == ["repeat", "batch"] and forever:
        return counted[1], "before_batch"
    if ops == ["batch", "repeat"] and forever:
        return counted[0], "after_batch"
    return None


def build(interpreter: Interpreter, fit: FitCall) -> tuple[dict[str, Any], Builder]:
    """The scenario for one fit call, and the builder that holds its lines, unresolved fields and notes."""
    builder = Builder(interpreter, fit)
    arguments = fit.arguments
    x = arguments.get("x")
    if x is None:
        builder.notes.append(f"The fit call at line {fit.line} is given no data (x); the training data is to be filled in.")
        x = interpreter.opaque("the training data", fit.line)
    x = _one_side_alone(builder, x, arguments.get("validation_data"))
    train = builder.data("train", x, arguments.get("batch_size"), has_y="y" in arguments or fit.method == "fit_generator")
    train["shuffle"] = builder.boolean("train.shuffle", arguments.get("shuffle"), True)
    scenario: dict[str, Any] = {"train": train}
    scenario["epochs"] = builder.integer("epochs", arguments.get("epochs"), PLACEHOLDERS["epochs"], default=1)
    steps_value = arguments.get("steps_per_epoch")
    scenario["steps_per_epoch"] = builder.integer("steps_per_epoch", steps_value, None)
    compile_arguments = fit.compile_arguments
    execution = compile_arguments.get("steps_per_execution")
    scenario["steps_per_execution"] = builder.integer("steps_per_execution", execution, 1, default=1)
    if execution is not None and "steps_per_execution" in builder.lines:
        builder.lines["steps_per_execution"] = execution.line  # type: ignore[union-attr]
    scenario["validation"] = _validation(builder, arguments, x)
    initial = builder.integer("initial_epoch", arguments.get("initial_epoch"), 0, default=0)
    if initial:
        scenario["initial_epoch"] = initial
    optimizer = compile_arguments.get("optimizer")
    if isinstance(optimizer, Optimizer):
        scenario["gradient_accumulation_steps"] = builder.integer("gradient_accumulation_steps", optimizer.accumulation, 2)
    return scenario, builder


def _one_side_alone(builder: Builder, x: Value, validation_data: Value | None) -> Value:
    """A loader's split whose other side is not given to fit: only this side's samples train, no validation runs."""
    if validation_data is not None and not (isinstance(validation_data, Flag) and validation_data.value is None):
        return x
    if isinstance(x, Dataset) and x.directory is not None and x.directory.split is not None:
        directory = x.directory
        side = directory_side(x.samples, directory.split, directory.subset)  # type: ignore[arg-type]
        if side is None:
            return x
        builder.notes.append(
            f"Line {x.line}: only the {directory.subset} side of the folder's split is given to fit; "
            "its samples are what trains and nothing validates."
        )
        batch = directory.batch
        steps = (Step("batch", {"size": batch, "drop_remainder": False}, directory.batch_line or x.line),) if batch else ()
        return Dataset(side, steps + x.steps, x.line)
    if isinstance(x, Flow) and x.split is not None and x.subset in ("training", "validation"):
        builder.notes.append(
            f"Line {x.line}: only the {x.subset} side of the ImageDataGenerator's split is given to fit; "
            "its samples are what trains and nothing validates."
        )
        return Flow(flow_side_samples(x), x.batch, x.batch_line, x.shuffle, None, None, x.line)
    return x


def _validation(builder: Builder, arguments: dict[str, Value], x: Value) -> dict[str, Any] | None:
    data = arguments.get("validation_data")
    split = arguments.get("validation_split")
    if isinstance(x, Seq) and x.items and isinstance(x.items[0], Dataset):
        x = x.items[0]
    # A loader's own split: the training side says the fraction; the validation side is the other subset.
    if isinstance(x, Dataset) and x.directory is not None and x.directory.split is not None:
        out: dict[str, Any] = {
            "split": builder_split(builder, "validation.split", x.directory.split, x.line),
            "split_by": "directory",
        }
        builder.lines["validation.split_by"] = x.line
        return _with_validation_counts(builder, arguments, out)
    if isinstance(x, Flow) and x.split is not None and x.subset is not None:
        out = {"split": builder_split(builder, "validation.split", x.split, x.line), "split_by": "image_data_generator"}
        builder.lines["validation.split_by"] = x.line
        if isinstance(data, Flow) and data.shuffle != x.shuffle:
            out["flow_shuffle"] = data.shuffle
        return _with_validation_counts(builder, arguments, out)
    if data is not None and not (isinstance(data, Flag) and data.value is None):
        validation = builder.data("validation", data, arguments.get("validation_batch_size"), has_y=True)
        if validation.get("source") == "arrays" and validation.get("batch_size") is None:
            validation["batch_size"] = None
        return _with_validation_counts(builder, arguments, validation)
    if split is not None and not (isinstance(split, Num) and ex.value_of(split.expr) == 0):
        fraction = builder_split(builder, "validation.split", builder.interpreter.number(split), split.line)  # type: ignore[union-attr]
        out = {"split": fraction}
        batch = builder.integer("validation.batch_size", arguments.get("validation_batch_size"), 32)
        if batch is not None:
            out["batch_size"] = batch
        return _with_validation_counts(builder, arguments, out)
    return None


def builder_split(builder: Builder, where: str, expression: Expr | None, line: int) -> float:
    value = ex.value_of(expression)
    if value is not None and 0 < value < 1:
        builder.lines[where] = line
        return float(value)
    builder.unresolved.append(where)
    return PLACEHOLDERS["split"]  # type: ignore[return-value]


def _with_validation_counts(builder: Builder, arguments: dict[str, Value], out: dict[str, Any]) -> dict[str, Any]:
    steps = builder.integer("validation.steps", arguments.get("validation_steps"), None)
    out["steps"] = steps
    freq = arguments.get("validation_freq")
    if isinstance(freq, Seq):
        numbers = [ex.whole(builder.interpreter.number(item)) for item in freq.items]
        if numbers and None not in numbers:
            out["freq"] = numbers
            builder.lines["validation.freq"] = freq.line
        else:
            out["freq"] = 1
            builder.unresolved.append("validation.freq")
    else:
        out["freq"] = builder.integer("validation.freq", freq, 1, default=1)
    return out


def unknown_fields(builder: Builder) -> dict[int, str]:
    """Each unknown that a field holds as a whole (train.samples = the files in a folder): its field."""
    held: dict[int, str] = {}
    # The samples a student types are what other fields follow, never the other way round.
    ranked = sorted(builder.exprs.items(), key=lambda item: not item[0].endswith(".samples"))
    for where, expression in ranked:
        if isinstance(expression, Unknown) and expression.key not in held:
            held[expression.key] = where
    return held
