"""Walks the code's tree in order, following assignments, and records every ``fit`` call with what its
arguments hold at that point. Nothing is executed: each expression is looked at, never evaluated by Python.

Choices the issue leaves open: assignments in every branch of an ``if`` are followed in line order (the
last one before ``fit`` wins); a function's body is read where it is defined, with its arguments unknown;
a loop's variable is unknown.
"""

from __future__ import annotations

import ast
import re
import time
from dataclasses import dataclass, field
from fractions import Fraction

from core.code_import import expr as ex
from core.code_import.datasets import KNOWN_DATASETS, TFDS_DATASETS
from core.code_import.expr import Const, Expr, Unknown, dotted_name
from core.code_import.source import CodeImportError, Source
from core.code_import.values import (
    Array,
    ClassValue,
    Dataset,
    Directory,
    Flag,
    Flow,
    FunctionValue,
    ImageGenerator,
    Model,
    Num,
    Opaque,
    Optimizer,
    PyDatasetValue,
    SelfValue,
    Seq,
    Step,
    Stream,
    Text,
    Value,
)

# Reading stops past this many seconds (a file built to be slow to read) with one line saying so.
TIME_LIMIT_S = 3.0
# Expressions nested deeper than this are not followed (their value is unknown), so no input can exhaust the stack.
MAX_DEPTH = 60
# A training script's own helpers nest a few deep (a generator a dataset builder calls); deeper or more often, a
# function's result is unknown rather than read.
MAX_BODY_DEPTH = 4
MAX_BODIES_READ = 2_000
# Calls that keep the number of samples of the array they are given (normalising, reshaping, encoding labels).
_SAME_LENGTH_FUNCTIONS = {
    "asarray",
    "array",
    "to_categorical",
    "expand_dims",
    "pad_sequences",
    "preprocess_input",
    "convert_to_tensor",
    "constant",
    "cast",
    "float32",
    "normalize",
    "squeeze",
    "copy",
    "ascontiguousarray",
    "fit_transform",
    "transform",
}
_SAME_LENGTH_METHODS = {"reshape", "astype", "copy", "squeeze", "to_numpy", "values", "numpy", "transform", "fit_transform"}
# Keyword arguments that only Keras' fit takes: a .fit(...) with one of them is a Keras fit, not scikit-learn's.
KERAS_FIT_KEYWORDS = {
    "epochs",
    "batch_size",
    "validation_data",
    "validation_split",
    "steps_per_epoch",
    "validation_steps",
    "validation_batch_size",
    "validation_freq",
    "initial_epoch",
    "callbacks",
    "verbose",
    "workers",
    "use_multiprocessing",
    "max_queue_size",
    "nb_epoch",
}
_MODULE_PATH = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)+")
_MODEL_MAKERS = {"Sequential", "Model", "Functional", "load_model", "clone_model"}
# A table's attributes that keep its rows (df.values, df.T is not one).
_SAME_ROWS_ATTRIBUTES = {"values", "array"}
_ONLY_TF_DATA_METHODS = {"batch", "prefetch", "unbatch", "padded_batch", "rebatch"}
_DATASET_METHODS_NO_COUNT = {"cache", "prefetch", "map"}
_DATASET_METHODS_KEEP = {"with_options", "ignore_errors", "apply_options", "enumerate", "padded_batch"}


@dataclass
class FitCall:
    line: int
    method: str  # "fit" or "fit_generator"
    arguments: dict[str, Value]  # by keyword name; positional ones named as fit's signature names them
    compile_arguments: dict[str, Value]
    in_loop: bool
    in_function: str | None
    keras1_epochs: bool = False  # epochs came as Keras 1's nb_epoch=


@dataclass
class Reading:
    fits: list[FitCall] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    custom_loop_line: int | None = None
    environment: dict[str, tuple[str, int]] = field(default_factory=dict)
    # tf.distribute.MirroredStrategy(devices): how many replicas (None: every GPU the machine has) and its line.
    strategy: tuple[int | None, int] | None = None  # os.environ["KERAS_BACKEND"] = "jax" and its line


_FIT_POSITIONAL = (
    "x",
    "y",
    "batch_size",
    "epochs",
    "verbose",
    "callbacks",
    "validation_split",
    "validation_data",
    "shuffle",
    "class_weight",
    "sample_weight",
    "initial_epoch",
    "steps_per_epoch",
    "validation_steps",
    "validation_batch_size",
    "validation_freq",
)
_FIT_GENERATOR_POSITIONAL = (
    "x",
    "steps_per_epoch",
    "epochs",
    "verbose",
    "callbacks",
    "validation_data",
    "validation_steps",
    "validation_freq",
    "class_weight",
    "max_queue_size",
    "workers",
    "use_multiprocessing",
    "shuffle",
    "initial_epoch",
)


class Interpreter:
    def __init__(self, source: Source):
        self.source = source
        self.env: dict[str, Value] = {}
        self.reading = Reading()
        self.deadline = time.monotonic() + TIME_LIMIT_S
        self.next_key = 0
        self.memo: dict[tuple[object, ...], Unknown] = {}
        self.compiles: list[tuple[str | None, dict[str, Value], int]] = []
        self.loop_depth = 0
        self.function: str | None = None
        self.depth = 0
        # The generator functions and PyDataset classes being read right now: one that calls itself is not read again.
        self.reading_bodies: set[ast.AST] = set()
        # A generator read once per call site and arguments: generators calling generators stay linear to read.
        self.streams: dict[tuple[object, ...], Value] = {}
        self.bodies_read = 0
        self.results: dict[tuple[object, ...], Value] = {}  # the same for plain functions' results
        self.returns: list[Value] | None = None  # what the function being read returns, in the order its returns are read

    # ------------------------------------------------------------ statements

    def run(self) -> Reading:
        for cell in self.source.cells:
            if cell.problem is not None:
                self.reading.notes.append(cell.problem)
            if cell.tree is not None:
                self.walk(cell.tree.body)
        return self.reading

    def walk(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            if time.monotonic() > self.deadline:
                raise CodeImportError(f"Reading the code took longer than {TIME_LIMIT_S:g} seconds; it was stopped.")
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.ev(node.value)
            for target in node.targets:
                self.bind(target, value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.bind(node.target, self.ev(node.value))
        elif isinstance(node, ast.AugAssign):
            current = self.ev(node.target)
            value = self.binary(type(node.op), current, self.ev(node.value), node.lineno)
            self.bind(node.target, value)
        elif isinstance(node, ast.Expr):
            self.ev(node.value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.env[node.name] = FunctionValue(node)
            self.in_function(node)
        elif isinstance(node, ast.ClassDef):
            bases = [dotted_name(base) or "" for base in node.bases]
            pydataset = any(
                base.rsplit(".", 1)[-1] in ("PyDataset", "Sequence")
                or (isinstance(self.env.get(base), ClassValue) and self.env[base].pydataset)  # type: ignore[union-attr]
                for base in bases
            )
            self.env[node.name] = ClassValue(node, pydataset, self.class_attributes(node))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.bind(node.target, self.opaque("the loop variable", node.lineno))
            self.ev(node.iter)
            self.loop(node.body)
            self.walk(node.orelse)
        elif isinstance(node, ast.While):
            self.ev(node.test)
            self.loop(node.body)
            self.walk(node.orelse)
        elif isinstance(node, ast.If):
            self.ev(node.test)
            self.walk(node.body)
            self.walk(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.ev(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value)
            self.walk(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.walk(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                self.walk(handler.body)
            self.walk(node.orelse)  # type: ignore[attr-defined]
            self.walk(node.finalbody)  # type: ignore[attr-defined]
        elif isinstance(node, ast.Return) and node.value is not None:
            value = self.ev(node.value)
            if self.returns is not None:
                self.returns.append(value)
        elif type(node).__name__ == "Match":
            for case in node.cases:  # type: ignore[attr-defined]
                self.walk(case.body)

    def class_attributes(self, node: ast.ClassDef) -> dict[str, Value]:
        """The names a class body sets directly (a config class: ``class CFG: epochs = 10``)."""
        attributes: dict[str, Value] = {}
        for statement in node.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                attributes[statement.targets[0].id] = self.ev(statement.value)
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None and isinstance(statement.target, ast.Name):
                attributes[statement.target.id] = self.ev(statement.value)
        return attributes

    def loop(self, body: list[ast.stmt]) -> None:
        self.loop_depth += 1
        try:
            self.walk(body)
        finally:
            self.loop_depth -= 1

    def in_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A function's body, read once with its arguments unknown; its names do not leak out."""
        saved_env, saved_function, saved_loop = self.env, self.function, self.loop_depth
        self.env = dict(saved_env)
        self.function, self.loop_depth = node.name, 0
        for argument in _arguments(node.args):
            self.env[argument.arg] = self.opaque(f"the argument {argument.arg} of {node.name}()", node.lineno)
        try:
            self.walk(node.body)
        finally:
            self.env, self.function, self.loop_depth = saved_env, saved_function, saved_loop

    def bind(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = value.items if isinstance(value, Seq) else None
            starred = any(isinstance(element, ast.Starred) for element in target.elts)
            for index, element in enumerate(target.elts):
                if isinstance(element, ast.Starred):
                    self.bind(element.value, self.opaque("a starred name", target.lineno))
                elif items is not None and not starred and index < len(items) and len(items) == len(target.elts):
                    self.bind(element, items[index])
                else:
                    self.bind(element, self.opaque(f"part {index + 1} of the value at line {target.lineno}", target.lineno))
        elif isinstance(target, ast.Subscript) and dotted_name(target.value) in ("os.environ", "environ"):
            key = self.ev(target.slice)
            if isinstance(key, Text) and isinstance(value, Text):
                self.reading.environment[key.value] = (value.value, target.lineno)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            owner = self.env.get(target.value.id)
            if isinstance(owner, SelfValue):
                owner.attributes[target.attr] = value

    # ------------------------------------------------------------ expressions

    def opaque(self, label: str, line: int) -> Opaque:
        self.next_key += 1
        return Opaque(self.next_key, label, line)

    def unknown(self, memo: tuple[object, ...], label: str) -> Unknown:
        """The same unknown for the same question (len(x) asked twice), so relations can match them up."""
        if memo not in self.memo:
            self.next_key += 1
            self.memo[memo] = Unknown(self.next_key, label)
        return self.memo[memo]

    def number(self, value: Value | None) -> Expr | None:
        if isinstance(value, Num):
            return value.expr
        if isinstance(value, Flag) and isinstance(value.value, bool):
            return Const(int(value.value))
        if isinstance(value, Opaque):
            return self.unknown(("value", value.key), value.label)
        return None

    def samples(self, value: Value | None) -> Expr | None:
        """How many samples a body of data holds (``len(x)``, ``x.shape[0]``), known or as an unknown."""
        if isinstance(value, Array):
            return value.samples
        if isinstance(value, Seq) and value.items:
            first = value.items[0]
            if isinstance(first, (Num, Text, Flag)):
                return Const(len(value.items))
            return self.samples(first)
        if isinstance(value, Opaque):
            rows = value.rows_of if value.rows_of is not None else value.key
            return self.unknown(("len", rows), f"the length of {value.label}")
        if isinstance(value, Dataset) and not value.steps:
            return value.samples
        return None

    def ev(self, node: ast.expr) -> Value:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                return self.opaque("a deeply nested expression", node.lineno)
            return self.expression(node)
        finally:
            self.depth -= 1

    def expression(self, node: ast.expr) -> Value:
        line = node.lineno
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or value is None:
                return Flag(value, line)
            if isinstance(value, int):
                return Num(Const(value, line), line) if abs(value) <= ex.LIMIT else self.opaque("a huge number", line)
            if isinstance(value, float):
                try:
                    return Num(Const(Fraction(repr(value)), line), line)
                except (ValueError, OverflowError):
                    return self.opaque("a number", line)
            if isinstance(value, str):
                return Text(value[:200], line)
            return self.opaque("a constant", line)
        if isinstance(node, ast.Name):
            if node.id not in self.env:
                # Defined where the reader cannot see (a star import, a builtin): the same unknown each time.
                self.env[node.id] = self.opaque(node.id, line)
            return self.env[node.id]
        if isinstance(node, ast.BinOp):
            return self.binary(type(node.op), self.ev(node.left), self.ev(node.right), line)
        if isinstance(node, ast.UnaryOp):
            operand = self.ev(node.operand)
            if isinstance(node.op, ast.USub) and isinstance(operand, Num):
                negative = ex.make("-", Const(0), operand.expr)
                return Num(negative, line) if negative is not None else self.opaque("a number", line)
            if isinstance(node.op, ast.Not) and isinstance(operand, Flag) and isinstance(operand.value, bool):
                return Flag(not operand.value, line)
            return operand if isinstance(node.op, ast.UAdd) else self.opaque("an expression", line)
        if isinstance(node, (ast.Tuple, ast.List)):
            return Seq(tuple(self.ev(element) for element in node.elts[:10_000]), line)
        if isinstance(node, ast.Dict):
            keys = tuple(key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None for key in node.keys)
            return Seq(tuple(self.ev(element) for element in node.values[:10_000]), line, keys[:10_000])
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.IfExp):
            self.ev(node.test)
            self.ev(node.orelse)
            return self.ev(node.body)
        if isinstance(node, ast.NamedExpr):
            value = self.ev(node.value)
            self.bind(node.target, value)
            return value
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            return self.opaque("a computed value", line)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.ev(child)  # calls inside (a fit inside print(...)) still count
        return self.opaque("a computed value", line)

    def binary(self, op: type, left: Value, right: Value, line: int) -> Value:
        name = ex.BINARY_OPERATORS.get(op)
        if isinstance(left, Array) and not isinstance(right, (Array, Seq)):
            return left  # x / 255.0, x - mean: the same samples
        if isinstance(left, Seq) and isinstance(right, Seq) and op is ast.Add:
            return Seq(left.items + right.items, line)
        if op is ast.Pow:
            a, b = ex.whole(self.number(left)), ex.whole(self.number(right))
            if a is not None and b is not None and 0 <= b <= 64 and abs(a) <= 10**6:
                result = a**b
                if abs(result) <= ex.LIMIT:
                    return Num(Const(result), line)
        left_number, right_number = self.number(left), self.number(right)
        if name is not None and left_number is not None and right_number is not None:
            result_expr = ex.make(name, left_number, right_number)
            if result_expr is not None:
                return Num(result_expr, line)
        return self.opaque("a computed value", line)

    def attribute(self, node: ast.Attribute) -> Value:
        owner = self.ev(node.value)
        line = node.lineno
        if isinstance(owner, SelfValue):
            if node.attr in owner.attributes:
                return owner.attributes[node.attr]
            return self.opaque(f"self.{node.attr}", line)
        if node.attr == "shape":
            samples = self.samples(owner)
            if samples is not None:
                return Seq((Num(samples, getattr(owner, "line", line)),), line)
        if isinstance(owner, ClassValue) and node.attr in owner.attributes:
            return owner.attributes[node.attr]
        if isinstance(owner, Flow) and node.attr in ("samples", "n"):
            return Num(flow_side_samples(owner), owner.line)
        if isinstance(owner, Flow) and node.attr == "batch_size":
            return Num(owner.batch, owner.batch_line or owner.line)
        if isinstance(owner, Seq) and node.attr in ("T",):
            return owner
        if isinstance(owner, Array) and node.attr in ("values", "T"):
            return owner
        if isinstance(owner, Opaque):
            unknown = self.unknown(("attribute", owner.key, node.attr), f"{owner.label}.{node.attr}")
            rows = (owner.rows_of if owner.rows_of is not None else owner.key) if node.attr in _SAME_ROWS_ATTRIBUTES else None
            return Opaque(unknown.key, unknown.label, line, rows)
        return self.opaque(f"{node.attr}", line)

    def subscript(self, node: ast.Subscript) -> Value:
        owner = self.ev(node.value)
        line = node.lineno
        index = node.slice
        if isinstance(index, ast.Tuple) and index.elts:
            index = index.elts[0]  # x[:1000, :] slices samples by its first index
        if isinstance(index, ast.Slice):
            total = self.samples(owner) if isinstance(owner, (Array, Seq, Opaque)) else None
            if total is not None and index.step is None:
                start = self.number(self.ev(index.lower)) if index.lower is not None else Const(0)
                stop = self.number(self.ev(index.upper)) if index.upper is not None else total
                length = _slice_length(total, start, stop)
                if length is not None:
                    return Array(length, line)
            return self.opaque("a slice", line)
        key = self.ev(index)
        if isinstance(owner, Seq) and owner.keys is not None and isinstance(key, Text) and key.value in owner.keys:
            return owner.items[owner.keys.index(key.value)]
        if isinstance(owner, Seq):
            position = ex.whole(self.number(key)) if not isinstance(key, Text) else None
            if position is not None and -len(owner.items) <= position < len(owner.items):
                return owner.items[position]
        if isinstance(owner, Opaque):
            column = self.opaque(f"{owner.label}[...]", line)
            if isinstance(key, (Text, Seq)):  # df["path"], df[["a", "b"]]: columns, as many rows as the table
                return Opaque(column.key, column.label, line, owner.rows_of if owner.rows_of is not None else owner.key)
            return column
        return self.opaque("an item", line)

    # ------------------------------------------------------------ calls

    def call(self, node: ast.Call) -> Value:
        function = node.func
        name = dotted_name(function) or ""
        last = name.rsplit(".", 1)[-1] if name else (function.attr if isinstance(function, ast.Attribute) else "")
        if isinstance(function, ast.Attribute):
            root = name.split(".", 1)[0] if name else None
            # A model the reader never saw made (imported, a notebook's earlier session) still has its fit read.
            receiver_is_value = (
                root is None
                or (root in self.env and not _is_undefined(self.env[root], root))
                or function.attr in ("fit", "fit_generator", "compile", "train_on_batch")
            )
            if receiver_is_value:
                receiver = self.ev(function.value)
                return self.method(receiver, function.attr, node, _receiver_name(function.value))
        elif isinstance(function, ast.Name) and function.id in self.env:
            callee = self.env[function.id]
            if isinstance(callee, FunctionValue):
                return self.user_function(callee.node, node)
            if isinstance(callee, ClassValue):
                return self.user_class(callee, node)
        return self.library_call(name, last, node)

    def arguments(self, node: ast.Call) -> tuple[list[Value], dict[str, Value]]:
        positional = [self.ev(argument) for argument in node.args if not isinstance(argument, ast.Starred)]
        keywords = {keyword.arg: self.ev(keyword.value) for keyword in node.keywords if keyword.arg is not None}
        return positional, keywords

    def library_call(self, name: str, last: str, node: ast.Call) -> Value:
        line = node.lineno
        positional, keywords = self.arguments(node)
        parts = name.split(".")
        first = positional[0] if positional else None
        if last == "load_data" and len(parts) >= 2 and parts[-2] in KNOWN_DATASETS:
            train, test = KNOWN_DATASETS[parts[-2]]
            return Seq(
                (
                    Seq((Array(Const(train), line), Array(Const(train), line)), line),
                    Seq((Array(Const(test), line), Array(Const(test), line)), line),
                ),
                line,
            )
        if "random" in parts[:-1] or last in ("zeros", "ones", "empty", "full", "zeros_like", "ones_like"):
            shape = self.shape_argument(parts, last, positional, keywords)
            if shape is not None:
                return Array(shape, line)
        if last == "arange" and positional:
            numbers = [self.number(value) for value in positional[:3]]
            if len(numbers) == 1 and numbers[0] is not None:
                return Array(numbers[0], line)
            if len(numbers) == 2 and None not in numbers:
                length = ex.make("-", numbers[1], numbers[0])  # type: ignore[arg-type]
                if length is not None:
                    return Array(length, line)
        if last == "linspace":
            count = keywords.get("num") or (positional[2] if len(positional) > 2 else None)
            return Array(self.number(count) or Const(50), line)
        if last in ("concatenate", "vstack", "hstack") and isinstance(first, Seq):
            total: Expr | None = Const(0)
            for item in first.items:
                size = self.samples(item)
                total = ex.make("+", total, size) if total is not None and size is not None else None
            if total is not None:
                return Array(total, line)
        if last in _SAME_LENGTH_FUNCTIONS and first is not None:
            size = self.samples(first)
            if size is not None and isinstance(first, (Array, Seq)):
                return Array(size, first.line)  # the same samples, counted where the array was made
        if last == "train_test_split":
            return self.train_test_split(positional, keywords, line)
        if last == "from_tensor_slices" and first is not None:
            size = self.samples(first)
            return Dataset(size if size is not None else self.unknown(("len", id(first)), "the number of samples"), (), line)
        if last == "range" and "Dataset" in parts:
            numbers = [self.number(value) for value in positional[:2]]
            if len(numbers) == 1 and numbers[0] is not None:
                return Dataset(numbers[0], (), line)
        if last == "load" and parts[0] in ("tfds", "tensorflow_datasets"):
            return self.tfds_load(positional, keywords, line)
        if last in ("image_dataset_from_directory", "text_dataset_from_directory", "audio_dataset_from_directory"):
            return self.directory_dataset(positional, keywords, line)
        if last == "assert_cardinality" and isinstance(first, Num):
            return Seq((Text("assert_cardinality", line), first), line)  # what Dataset.apply(...) is handed
        if last == "MirroredStrategy":
            devices = keywords.get("devices") or first
            count = len(devices.items) if isinstance(devices, Seq) else None
            self.reading.strategy = (count, line)
            return self.opaque("the distribution strategy", line)
        if last == "ImageDataGenerator":
            split = keywords.get("validation_split")
            return ImageGenerator(self.number(split) if split is not None else None, line)
        if last in _MODEL_MAKERS or "applications" in parts:
            return Model(line)
        if "gradient_accumulation_steps" in keywords:
            accumulation = keywords["gradient_accumulation_steps"]
            return Optimizer(accumulation if isinstance(accumulation, Num) else None, line)
        if name == "len" and first is not None:
            if isinstance(first, Flow):
                return Num(ex.make("ceil", ex.make("/", flow_side_samples(first), first.batch)) or Const(0), line)  # type: ignore[arg-type]
            if isinstance(first, PyDatasetValue) and first.samples is not None and first.batch is not None:
                operation = "//" if first.drop_remainder else "/"
                batches = ex.make(operation, first.samples, first.batch)
                if batches is not None and not first.drop_remainder:
                    batches = ex.make("ceil", batches)
                if batches is not None:
                    return Num(batches, line)
            if isinstance(first, Dataset):
                batches = dataset_length(first)
                return Num(batches, line) if batches is not None else self.opaque("the length of a dataset", line)
            size = self.samples(first)
            if size is not None:
                return Num(size, line)
        if name in ("int", "round") or last in ("ceil", "floor"):
            operation = {"int": "int", "round": "int", "ceil": "ceil", "floor": "floor"}[
                name if name in ("int", "round") else last
            ]
            argument = self.number(first)
            if argument is not None:
                result = ex.make(operation, argument)
                if result is not None:
                    return Num(result, line)
        if name == "float" and isinstance(first, Num):
            return first
        if name in ("min", "max") and len(positional) >= 2:
            numbers = [self.number(value) for value in positional]
            if None not in numbers:
                result = ex.make(name, *numbers)  # type: ignore[arg-type]
                if result is not None:
                    return Num(result, line)
        if name in ("list", "tuple") and isinstance(first, Seq):
            return first
        if name == "GradientTape" or last == "GradientTape":
            self.reading.custom_loop_line = self.reading.custom_loop_line or line
        return self.opaque(f"what {name or 'a call'}() returns", line)

    def shape_argument(self, parts: list[str], last: str, positional: list[Value], keywords: dict[str, Value]) -> Expr | None:
        """The number of samples (the first dimension) of a NumPy or TensorFlow array maker's result."""
        if last in ("zeros_like", "ones_like"):
            return self.samples(positional[0]) if positional else None
        numpy_size_position = {
            "normal": 2,
            "uniform": 2,
            "randint": 2,
            "random": 0,
            "random_sample": 0,
            "choice": 1,
            "binomial": 2,
        }
        tensorflow = parts[0] in ("tf", "tensorflow", "keras", "ops")
        if last in ("rand", "randn") and not tensorflow:
            shape: Value | None = positional[0] if positional else None
        elif tensorflow or last in ("zeros", "ones", "empty", "full"):
            shape = keywords.get("shape") or (positional[0] if positional else None)
        else:
            position = numpy_size_position.get(last)
            shape = keywords.get("size")
            if shape is None and position is not None and len(positional) > position:
                shape = positional[position]
        if isinstance(shape, Seq) and shape.items:
            shape = shape.items[0]
        return self.number(shape) if shape is not None else None

    def train_test_split(self, positional: list[Value], keywords: dict[str, Value], line: int) -> Value:
        """scikit-learn's split: the test side is ceil(test_size * n) (0.25 by default), the rest trains."""
        test_size = self.number(keywords.get("test_size")) if "test_size" in keywords else None
        train_size = self.number(keywords.get("train_size")) if "train_size" in keywords else None
        parts: list[Value] = []
        for array in positional:
            total = self.samples(array)
            test = train = None
            if total is not None:
                if test_size is None and train_size is not None:
                    train = _split_count(total, train_size, rounding="floor")
                    test = ex.make("-", total, train) if train is not None else None
                else:
                    test = _split_count(total, test_size if test_size is not None else Const(Fraction(1, 4)), rounding="ceil")
                    train = ex.make("-", total, test) if test is not None else None
            parts.append(Array(train, line) if train is not None else self.opaque("the training part of a split", line))
            parts.append(Array(test, line) if test is not None else self.opaque("the test part of a split", line))
        return Seq(tuple(parts), line)

    def tfds_load(self, positional: list[Value], keywords: dict[str, Value], line: int) -> Value:
        """tfds.load(name, split=...): a dataset per split, sized from the table where the name and split are plain."""
        name_value = keywords.get("name") or (positional[0] if positional else None)
        name = name_value.value if isinstance(name_value, Text) else None
        split = keywords.get("split")

        def one(split_value: Value | None) -> Dataset:
            split_name = split_value.value if isinstance(split_value, Text) else None
            size = TFDS_DATASETS.get(name or "", {}).get(split_name or "")
            if size is not None:
                return Dataset(Const(size, line), (), line)
            label = f"the number of samples in {name or 'the dataset'}'s {split_name or 'split'}"
            return Dataset(self.unknown(("tfds", name, split_name), label), (), line)

        datasets: Value = Seq(tuple(one(item) for item in split.items), line) if isinstance(split, Seq) else one(split)
        with_info = keywords.get("with_info")
        if isinstance(with_info, Flag) and with_info.value:
            return Seq((datasets, self.opaque("the dataset's info", line)), line)
        return datasets

    def directory_dataset(self, positional: list[Value], keywords: dict[str, Value], line: int) -> Value:
        folder = keywords.get("directory") or (positional[0] if positional else None)
        where = folder.value if isinstance(folder, Text) else (folder.label if isinstance(folder, Opaque) else "the folder")
        files = self.unknown(("files", where), f"the number of files in {where}")
        split = self.number(keywords["validation_split"]) if "validation_split" in keywords else None
        subset_value = keywords.get("subset")
        subset = subset_value.value if isinstance(subset_value, Text) else None
        batch_value = keywords.get("batch_size")
        if isinstance(batch_value, Flag) and batch_value.value is None:
            batch = None
        else:
            batch = self.number(batch_value) if batch_value is not None else Const(32)
        batch_line = batch_value.line if batch_value is not None else 0
        if split is None:
            steps = (Step("batch", {"size": batch, "drop_remainder": False}, batch_line or line),) if batch is not None else ()
            return Dataset(files, steps, line)
        if subset == "both":
            return Seq(
                tuple(Dataset(files, (), line, Directory(split, side, batch, batch_line)) for side in ("training", "validation")),
                line,
            )
        return Dataset(files, (), line, Directory(split, subset, batch, batch_line))

    def method(self, receiver: Value, method: str, node: ast.Call, receiver_name: str | None) -> Value:
        line = node.lineno
        if method in ("fit", "fit_generator") and not isinstance(receiver, ImageGenerator):
            keyword_names = {keyword.arg for keyword in node.keywords}
            if method == "fit_generator" or isinstance(receiver, Model) or keyword_names & KERAS_FIT_KEYWORDS:
                self.record_fit(method, node, receiver_name)
                return self.opaque("the training history", line)
        if method == "compile":
            _, keywords = self.arguments(node)
            self.compiles.append((receiver_name, keywords, line))
            return Flag(None, line)
        if method in ("train_on_batch", "apply_gradients"):
            self.reading.custom_loop_line = self.reading.custom_loop_line or line
        if isinstance(receiver, Opaque) and _MODULE_PATH.fullmatch(receiver.label):
            return self.library_call(f"{receiver.label}.{method}", method, node)  # mnist = tf.keras.datasets.mnist
        if isinstance(receiver, Opaque) and method in _ONLY_TF_DATA_METHODS:
            # Only a tf.data dataset has .batch() / .prefetch(): one the reader did not see made, of unknown length.
            elements = self.samples(receiver) or self.unknown(("len", receiver.key), f"the elements of {receiver.label}")
            receiver = Dataset(elements, (), receiver.line)
        positional, keywords = self.arguments(node)
        first = positional[0] if positional else None
        if isinstance(receiver, Dataset):
            return self.dataset_method(receiver, method, positional, keywords, line)
        if isinstance(receiver, ImageGenerator) and method in ("flow", "flow_from_directory", "flow_from_dataframe"):
            return self.flow(receiver, method, positional, keywords, line)
        if isinstance(receiver, Array) and method in _SAME_LENGTH_METHODS:
            if method == "reshape" and first is not None:
                size = first.items[0] if isinstance(first, Seq) and first.items else first
                number = self.number(size)
                if number is not None and ex.value_of(number) != -1 and number != receiver.samples:
                    return Array(number, line)
            return receiver  # the same samples, counted where the array was made
        if method in ("fit_transform", "transform") and first is not None and isinstance(first, Array):
            return Array(first.samples, line)
        if isinstance(receiver, Opaque):
            result = self.opaque(f"what {receiver.label}.{method}() returns", line)
            if method in _SAME_LENGTH_METHODS or method in ("drop", "fillna", "dropna_columns"):
                rows = receiver.rows_of if receiver.rows_of is not None else receiver.key
                return Opaque(result.key, result.label, line, rows)
            return result
        return self.opaque(f"what .{method}() returns", line)

    def dataset_method(
        self, dataset: Dataset, method: str, positional: list[Value], keywords: dict[str, Value], line: int
    ) -> Value:
        def argument(position: int, name: str) -> Value | None:
            return keywords.get(name) or (positional[position] if len(positional) > position else None)

        def flag(position: int, name: str, default: bool) -> bool | None:
            value = argument(position, name)
            if value is None:
                return default
            return value.value if isinstance(value, Flag) and isinstance(value.value, bool) else None

        step: Step | None = None
        if method in ("batch", "padded_batch", "rebatch"):
            size = self.number(argument(0, "batch_size"))
            op = "rebatch" if method == "rebatch" else "batch"
            step = Step(op, {"size": size, "drop_remainder": flag(1, "drop_remainder", False)}, line)
        elif method == "repeat":
            count = argument(0, "count")
            step = Step("repeat", {"count": None if count is None or isinstance(count, Flag) else self.number(count)}, line)
        elif method in ("take", "skip"):
            step = Step(method, {"count": self.number(argument(0, "count"))}, line)
        elif method == "shard":
            step = Step(
                "shard", {"num_shards": self.number(argument(0, "num_shards")), "index": self.number(argument(1, "index"))}, line
            )
        elif method == "filter":
            step = Step("filter", {"keep_every": None}, line)
        elif method == "unbatch":
            step = Step("unbatch", {}, line)
        elif method == "shuffle":
            step = Step(
                "shuffle",
                {
                    "buffer_size": self.number(argument(0, "buffer_size")),
                    "reshuffle_each_iteration": flag(2, "reshuffle_each_iteration", True),
                },
                line,
            )
        elif method == "apply" and positional and _is_cardinality(positional[0]):
            step = Step("assert_cardinality", {"count": positional[0].items[1].expr}, line)  # type: ignore[union-attr]
        elif method in _DATASET_METHODS_NO_COUNT:
            step = Step(method, {}, line)
        elif method in _DATASET_METHODS_KEEP:
            return dataset
        elif method == "cardinality":
            return self.opaque("the dataset's cardinality", line)
        if step is None:
            self.reading.notes.append(
                f"Line {line}: the dataset's .{method}() is not read; the pipeline is taken as if it were not there."
            )
            return dataset
        return Dataset(dataset.samples, (*dataset.steps, step), dataset.line, dataset.directory)

    def flow(
        self, generator: ImageGenerator, method: str, positional: list[Value], keywords: dict[str, Value], line: int
    ) -> Value:
        if method == "flow":
            data = keywords.get("x") or (positional[0] if positional else None)
            samples = self.samples(data) if data is not None else None
        else:
            folder = keywords.get("directory") or keywords.get("dataframe") or (positional[0] if positional else None)
            where = folder.value if isinstance(folder, Text) else (folder.label if isinstance(folder, Opaque) else "the folder")
            what = "files in" if method == "flow_from_directory" else "rows of"
            samples = self.unknown(("files", where), f"the number of {what} {where}")
        if samples is None:
            samples = self.unknown(("flow", line), "the number of samples")
        batch_value = keywords.get("batch_size")
        if batch_value is None and method == "flow" and len(positional) > 2:
            batch_value = positional[2]
        batch = self.number(batch_value) if batch_value is not None else Const(32)
        shuffle_value = keywords.get("shuffle")
        subset_value = keywords.get("subset")
        return Flow(
            samples=samples,
            batch=batch if batch is not None else self.unknown(("batch", line), "the batch size"),
            batch_line=batch_value.line if batch_value is not None and batch is not None else 0,
            shuffle=shuffle_value.value if isinstance(shuffle_value, Flag) and isinstance(shuffle_value.value, bool) else True,
            subset=subset_value.value if isinstance(subset_value, Text) else None,
            split=generator.split,
            line=line,
        )

    # ------------------------------------------------------------ the user's own functions and classes

    def bound_arguments(self, node: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, skip_self: bool) -> dict[str, Value]:
        positional, keywords = self.arguments(call)
        parameters = [argument.arg for argument in _arguments(node.args)]
        if skip_self and parameters:
            parameters = parameters[1:]
        defaults = node.args.defaults
        values: dict[str, Value] = {}
        plain = [a.arg for a in node.args.posonlyargs + node.args.args][1 if skip_self else 0 :]
        for name, default in zip(plain[len(plain) - len(defaults) :], defaults, strict=False):
            values[name] = self.ev(default)
        for name, default in zip([a.arg for a in node.args.kwonlyargs], node.args.kw_defaults, strict=False):
            if default is not None:
                values[name] = self.ev(default)
        for name, value in zip(plain, positional, strict=False):
            values[name] = value
        for name, value in keywords.items():
            if name in parameters:
                values[name] = value
        for name in parameters:
            if name not in values:
                values[name] = self.opaque(f"the argument {name} of {node.name}()", call.lineno)
        return values

    def user_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> Value:
        if node in self.reading_bodies or not self.may_read_a_body():
            return self.opaque(f"what {node.name}() returns", call.lineno)
        self.reading_bodies.add(node)
        try:
            return self.read_user_function(node, call)
        finally:
            self.reading_bodies.discard(node)

    def may_read_a_body(self) -> bool:
        """Functions are read inside functions only a few deep, and only so many times in all: a library of functions
        calling each other (each call its own arguments) would otherwise take exponential time to read."""
        if len(self.reading_bodies) >= MAX_BODY_DEPTH or self.bodies_read >= MAX_BODIES_READ:
            return False
        self.bodies_read += 1
        return True

    def read_user_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> Value:
        generator = _first_yield_path(node)
        if generator is not None:
            return self.stream(node, call, generator)
        # A plain function (build_dataset(df, 32), build_model()): its body read with the arguments given; what it returns.
        bound = self.bound_arguments(node, call, skip_self=False)
        try:
            memo: tuple[object, ...] | None = (node, call, tuple(bound.items()))
            known = self.results.get(memo)  # type: ignore[arg-type]
        except TypeError:
            memo, known = None, None
        if known is not None:
            return known
        saved_returns = self.returns
        self.returns = []
        try:
            self.with_local_names(bound, node.body)
            result = self.returns[-1] if self.returns else self.opaque(f"what {node.name}() returns", call.lineno)
        finally:
            self.returns = saved_returns
        if memo is not None:
            self.results[memo] = result
        return result

    def with_local_names(self, names: dict[str, Value], body: list[ast.stmt]) -> dict[str, Value]:
        """The names a function body sets, read with ``names`` bound (a generator's or __init__'s arguments)."""
        saved_env, saved_reading = self.env, self.reading
        self.env = {**saved_env, **names}
        self.reading = Reading()  # what a helper body holds is not the script's fit calls or notes
        try:
            self.walk(body)
            return self.env
        finally:
            self.env, self.reading = saved_env, saved_reading

    def stream(self, node: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, loops: list[ast.stmt]) -> Value:
        """A generator function: endless if a ``while True`` holds its yield; a ``for`` over range(0, n, b) is one pass."""
        bound = self.bound_arguments(node, call, skip_self=False)
        try:
            memo = (node, call, tuple(bound.items()))
            known = self.streams.get(memo)
        except TypeError:  # an argument that cannot be a key (a PyDataset's self): read it afresh
            memo, known = None, None
        if known is not None:
            return known
        result = self.read_stream(node, call, loops, bound)
        if memo is not None:
            self.streams[memo] = result
        return result

    def read_stream(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, loops: list[ast.stmt], bound: dict[str, Value]
    ) -> Value:
        line = call.lineno
        local = self.with_local_names(bound, node.body)
        endless = any(isinstance(loop, ast.While) and _always_true(loop.test) for loop in loops)
        samples: Expr | None = None
        batch: Expr | None = None
        drop = False
        ranges = [loop for loop in loops if isinstance(loop, (ast.For, ast.AsyncFor)) and _is_range(loop.iter)]
        saved = self.env
        self.env = local
        try:
            if ranges:
                arguments = [self.number(self.ev(argument)) for argument in ranges[-1].iter.args]  # type: ignore[attr-defined]
                if len(arguments) == 3 and None not in arguments:
                    samples = ex.make("-", arguments[1], arguments[0])  # type: ignore[arg-type]
                    batch = arguments[2]
                elif len(arguments) == 1 and isinstance(arguments[0], ex.Op) and arguments[0].name in ("//", "ceil", "int"):
                    count = arguments[0]
                    inner = count.args[0] if count.name != "//" else count
                    if isinstance(inner, ex.Op) and inner.name in ("//", "/") and len(inner.args) == 2:
                        samples, batch = inner.args
                        drop = inner.name == "//" or count.name == "int"
            if batch is None:
                for name, value in local.items():
                    if ("batch" in name.lower() or name.lower() in ("bs", "b")) and isinstance(value, (Num, Opaque)):
                        batch = self.number(value)
                        break
        finally:
            self.env = saved
        if endless and samples is None:
            return Stream(None, batch, "none", False, line, node.name)
        if samples is None:
            samples = self.unknown(("stream", node.name), f"the number of samples {node.name}() yields")
        return Stream(samples, batch, "after_batch" if endless else "none", drop, line, node.name)

    def user_class(self, value: ClassValue, call: ast.Call) -> Value:
        if value.node in self.reading_bodies or not self.may_read_a_body():
            return self.opaque(f"a {value.node.name}", call.lineno)
        self.reading_bodies.add(value.node)
        try:
            return self.read_user_class(value, call)
        finally:
            self.reading_bodies.discard(value.node)

    def read_user_class(self, value: ClassValue, call: ast.Call) -> Value:
        line = call.lineno
        if not value.pydataset:
            self.arguments(call)
            return self.opaque(f"a {value.node.name}", line)
        methods = {item.name: item for item in value.node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        instance = SelfValue()
        init = methods.get("__init__")
        if init is not None:
            names = self.bound_arguments(init, call, skip_self=True)
            if init.args.args:
                names[init.args.args[0].arg] = instance
            self.with_local_names(names, init.body)
        else:
            self.arguments(call)
        length = methods.get("__len__")
        batch: Expr | None = None
        for name, attribute in instance.attributes.items():
            if "batch" in name.lower() and isinstance(attribute, (Num, Opaque)):
                batch = self.number(attribute)
                break
        samples: Expr | None = None
        drop = False
        samples_line = batch_line = line
        if length is not None:
            returned = next((s.value for s in ast.walk(length) if isinstance(s, ast.Return) and s.value is not None), None)
            if returned is not None:
                # Read with each attribute standing for itself, so ceil(N / B) keeps its shape even where N and B are known.
                symbols, actual, made_at = self.symbolic(instance)
                local = {length.args.args[0].arg: symbols} if length.args.args else {}
                saved = self.env
                self.env = {**saved, **local}
                try:
                    formula = self.number(self.ev(returned))
                finally:
                    self.env = saved
                samples_symbol, batch_symbol, drop = _batches_formula(formula)
                samples = _resolve(samples_symbol, actual)
                batch = _resolve(batch_symbol, actual) if batch_symbol is not None else batch
                if isinstance(samples_symbol, Unknown):
                    samples_line = made_at.get(samples_symbol.key, line)
                if isinstance(batch_symbol, Unknown):
                    batch_line = made_at.get(batch_symbol.key, line)
                count = _resolve(formula, actual)
                if samples is None and count is not None and batch is not None and ex.whole(count) is not None:
                    samples, drop = ex.make("*", count, batch), True  # a fixed number of full batches
        if samples is None:
            samples = self.unknown(("pydataset", value.node.name, line), f"the number of samples of {value.node.name}")
        return PyDatasetValue(samples, batch, drop, line, value.node.name, samples_line, batch_line)

    def symbolic(self, instance: SelfValue) -> tuple[SelfValue, dict[int, Expr], dict[int, int]]:
        """A copy of ``self`` whose numbers and arrays are unknowns, with what each unknown really is and its line."""
        symbols = SelfValue()
        actual: dict[int, Expr] = {}
        made_at: dict[int, int] = {}
        for name, value in instance.attributes.items():
            if isinstance(value, (Num, Array)):
                self.next_key += 1
                symbol = Unknown(self.next_key, f"self.{name}")
                actual[symbol.key] = value.expr if isinstance(value, Num) else value.samples
                made_at[symbol.key] = value.line
                symbols.attributes[name] = Num(symbol, value.line) if isinstance(value, Num) else Array(symbol, value.line)
            else:
                symbols.attributes[name] = value
        return symbols, actual, made_at

    # ------------------------------------------------------------ fit

    def record_fit(self, method: str, node: ast.Call, receiver_name: str | None) -> None:
        names = _FIT_GENERATOR_POSITIONAL if method == "fit_generator" else _FIT_POSITIONAL
        arguments: dict[str, Value] = {}
        for name, argument in zip(names, node.args, strict=False):
            if isinstance(argument, ast.Starred):
                break
            arguments[name] = self.ev(argument)
        for keyword in node.keywords:
            if keyword.arg is None:
                self.ev(keyword.value)
                continue
            # Keras 2's fit_generator(generator=...) and Keras 1's nb_epoch= are what Keras 3 calls x= and epochs=.
            argument_name = {"generator": "x", "nb_epoch": "epochs"}.get(keyword.arg, keyword.arg)
            arguments[argument_name] = self.ev(keyword.value)
        compile_arguments: dict[str, Value] = {}
        compile_line = None
        for name, keywords, line in reversed(self.compiles):
            if name == receiver_name or compile_line is None:
                compile_arguments, compile_line = keywords, line
                if name == receiver_name:
                    break
        self.reading.fits.append(
            FitCall(
                node.lineno,
                method,
                arguments,
                compile_arguments,
                self.loop_depth > 0,
                self.function,
                keras1_epochs=any(keyword.arg == "nb_epoch" for keyword in node.keywords),
            )
        )


def _is_cardinality(value: Value) -> bool:
    return isinstance(value, Seq) and len(value.items) == 2 and value.items[0] == Text("assert_cardinality", value.line)


def _resolve(expression: Expr | None, actual: dict[int, Expr]) -> Expr | None:
    """The expression with the stand-ins of ``symbolic`` put back, worked out where it can be."""
    if isinstance(expression, Unknown) and expression.key in actual:
        return actual[expression.key]
    if isinstance(expression, ex.Op):
        args = [_resolve(arg, actual) for arg in expression.args]
        if any(arg is None for arg in args):
            return None
        return ex.make(expression.name, *args)  # type: ignore[arg-type]
    return expression


def dataset_length(dataset: Dataset) -> Expr | None:
    """len(ds): the elements a finite tf.data chain yields (its batches once batched); None where TensorFlow cannot tell."""
    length: Expr | None = dataset.samples
    directory = dataset.directory
    if directory is not None and length is not None:
        length = directory_side(length, directory.split, directory.subset) if directory.split is not None else length
        if directory.batch is not None and length is not None:
            length = ex.make("ceil", ex.make("/", length, directory.batch) or Const(0))
    for step in dataset.steps:
        if length is None:
            return None
        arguments = step.args
        if step.op == "batch" and isinstance(arguments.get("size"), (Const, Unknown, ex.Op)):
            drop = arguments.get("drop_remainder")
            if drop is None:
                return None
            divided = ex.make("//" if drop else "/", length, arguments["size"])  # type: ignore[arg-type]
            length = divided if drop or divided is None else ex.make("ceil", divided)
        elif step.op in ("take", "skip") and isinstance(arguments.get("count"), (Const, Unknown, ex.Op)):
            count = arguments["count"]
            length = (
                ex.make("min", length, count)
                if step.op == "take"
                else ex.make("max", ex.make("-", length, count) or Const(0), Const(0))
            )  # type: ignore[arg-type]
        elif step.op == "repeat" and isinstance(arguments.get("count"), (Const, Unknown, ex.Op)):
            length = ex.make("*", length, arguments["count"])  # type: ignore[arg-type]
        elif step.op == "assert_cardinality" and arguments.get("count") is not None:
            length = arguments["count"]  # type: ignore[assignment]
        elif step.op not in ("cache", "prefetch", "map", "shuffle"):
            return None
    return length


def directory_side(total: Expr, split: Expr, subset: str | None) -> Expr | None:
    """image_dataset_from_directory's sides: the last int(f * N) files validate, the rest train."""
    validation = ex.make("int", ex.make("*", total, split) or Const(0))
    if subset == "validation":
        return validation
    if subset == "training" and validation is not None:
        return ex.make("-", total, validation)
    return None


def flow_side_samples(flow: Flow) -> Expr:
    """A flow's ``.samples``: all of them, or its side of the ImageDataGenerator split (validation = int(f * N))."""
    if flow.split is None or flow.subset not in ("training", "validation"):
        return flow.samples
    validation = ex.make("int", ex.make("*", flow.samples, flow.split) or Const(0)) or Const(0)
    if flow.subset == "validation":
        return validation
    return ex.make("-", flow.samples, validation) or flow.samples


def _split_count(total: Expr, size: Expr, rounding: str) -> Expr | None:
    value = ex.value_of(size)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return size  # an absolute number of samples
    product = ex.make("*", total, size)
    return ex.make(rounding, product) if product is not None else None


def _slice_length(total: Expr, start: Expr | None, stop: Expr | None) -> Expr | None:
    """len(x[start:stop]) for whole-number bounds, negative ones counted from the end, as Python does."""
    if start is None or stop is None:
        return None
    if isinstance(stop, Unknown) or isinstance(start, Unknown):
        return ex.make("-", stop, start) if stop is not total else ex.make("-", total, start)
    bounds = []
    for bound in (start, stop):
        value = ex.whole(bound)
        if value is not None and value < 0:
            bound = ex.make("+", total, bound) or bound
        bounds.append(bound)
    total_value, start_value, stop_value = ex.whole(total), ex.whole(bounds[0]), ex.whole(bounds[1])
    if total_value is not None and start_value is not None and stop_value is not None:
        start_value = min(max(start_value, 0), total_value)
        stop_value = min(max(stop_value, 0), total_value)
        return Const(max(stop_value - start_value, 0))
    return ex.make("-", bounds[1], bounds[0])


def _batches_formula(count: Expr | None) -> tuple[Expr | None, Expr | None, bool]:
    """Reads ceil(N / B), int(np.ceil(N / float(B))), N // B, int(N / B) or floor(N / B): (N, B, drop_remainder)."""
    if not isinstance(count, ex.Op):
        return None, None, False
    node = count
    drop = False
    if node.name in ("int", "ceil", "floor") and len(node.args) == 1:
        outer = node.name
        inner = node.args[0]
        if isinstance(inner, ex.Op) and inner.name == "ceil" and len(inner.args) == 1:
            inner = inner.args[0]
            outer = "ceil"
        if isinstance(inner, ex.Op) and inner.name in ("/", "//") and len(inner.args) == 2:
            drop = outer in ("int", "floor") or inner.name == "//"
            return inner.args[0], inner.args[1], drop
        return None, None, False
    if node.name == "//" and len(node.args) == 2:
        return node.args[0], node.args[1], True
    return None, None, False


def _arguments(arguments: ast.arguments) -> list[ast.arg]:
    listed = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
    if arguments.vararg is not None:
        listed.append(arguments.vararg)
    if arguments.kwarg is not None:
        listed.append(arguments.kwarg)
    return listed


def _is_undefined(value: Value, name: str) -> bool:
    """A name the code never assigned (a module such as np or tf) reads as an Opaque labelled with itself."""
    return isinstance(value, Opaque) and value.label == name


def _receiver_name(node: ast.expr) -> str | None:
    return dotted_name(node)


def _always_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value) is True


def _is_range(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" and not node.keywords


def _first_yield_path(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt] | None:
    """The loops around the function's first yield (outermost first), or None when it does not yield."""

    def search(statements: list[ast.stmt], loops: list[ast.stmt]) -> list[ast.stmt] | None:
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(statement, ast.Expr) and isinstance(statement.value, (ast.Yield, ast.YieldFrom)):
                return loops
            if isinstance(statement, ast.Assign) and isinstance(statement.value, (ast.Yield, ast.YieldFrom)):
                return loops
            inner_loops = [*loops, statement] if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)) else loops
            for block in ("body", "orelse", "finalbody"):
                found = search(getattr(statement, block, []) or [], inner_loops)
                if found is not None:
                    return found
            for handler in getattr(statement, "handlers", []) or []:
                found = search(handler.body, inner_loops)
                if found is not None:
                    return found
        return None

    return search(node.body, [])
