"""What the code reader knows about each name: a number, an array of N samples, a tf.data chain, a flow...

Every value remembers the 1-based line that made it, so a scenario field can say where it came from.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from core.code_import.expr import Expr


@dataclass(frozen=True)
class Num:
    expr: Expr
    line: int


@dataclass(frozen=True)
class Text:
    value: str
    line: int


@dataclass(frozen=True)
class Flag:
    """True, False or None written in the code."""

    value: bool | None
    line: int


@dataclass(frozen=True)
class Seq:
    """A tuple, list or dict's values: (x, y) pairs, what load_data returns, a shape."""

    items: tuple[Value, ...]
    line: int
    keys: tuple[str | None, ...] | None = None  # a dict's keys, where they are written as strings: config["epochs"]


@dataclass(frozen=True)
class Array:
    """NumPy arrays (or anything fit takes as arrays): only their number of samples matters."""

    samples: Expr
    line: int


@dataclass(frozen=True)
class Step:
    """One tf.data method call: its op in the scenario format and its arguments (Expr, bool or None)."""

    op: str
    args: dict[str, Expr | bool | None]
    line: int


@dataclass(frozen=True)
class Directory:
    """image_dataset_from_directory's own split: which side this dataset is, and of what fraction."""

    split: Expr | None
    subset: str | None
    batch: Expr | None  # None: batch_size=None, the files come one by one
    batch_line: int


@dataclass(frozen=True)
class Dataset:
    samples: Expr | None  # None: an endless stream
    steps: tuple[Step, ...]
    line: int
    directory: Directory | None = None


@dataclass(frozen=True)
class ImageGenerator:
    """ImageDataGenerator(validation_split=...): the flows it makes share the split."""

    split: Expr | None
    line: int


@dataclass(frozen=True)
class Flow:
    """ImageDataGenerator().flow(...) / flow_from_directory(...): a PyDataset of ceil(N / B) batches."""

    samples: Expr  # all the samples given to the flow, before any subset is taken
    batch: Expr
    batch_line: int
    shuffle: bool
    subset: str | None
    split: Expr | None
    line: int


@dataclass(frozen=True)
class Stream:
    """A Python generator (or a for-range pass) read from its function: samples None = endless."""

    samples: Expr | None
    batch: Expr | None
    repeat: str
    drop_remainder: bool
    line: int
    function: str


@dataclass(frozen=True)
class PyDatasetValue:
    samples: Expr | None
    batch: Expr | None
    drop_remainder: bool
    line: int
    class_name: str
    samples_line: int  # where the samples it is given were made
    batch_line: int


@dataclass(frozen=True)
class Model:
    line: int


@dataclass(frozen=True)
class Optimizer:
    accumulation: Num | None
    line: int


@dataclass(frozen=True)
class FunctionValue:
    node: ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class ClassValue:
    node: ast.ClassDef
    pydataset: bool
    # What its body sets (class CFG: batch_size = 32), read where the class is defined.
    attributes: dict[str, Value] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class SelfValue:
    """``self`` while a PyDataset's __init__ and __len__ are read: the attributes set so far."""

    attributes: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Opaque:
    """Something the reader cannot know (a function's result, an argument): ``key`` names it in relations."""

    key: int
    label: str
    line: int
    # Whose number of rows it has: a table's column (df["path"].values) is as long as the table.
    rows_of: int | None = None


Value = (
    Num
    | Text
    | Flag
    | Seq
    | Array
    | Dataset
    | ImageGenerator
    | Flow
    | Stream
    | PyDatasetValue
    | Model
    | Optimizer
    | FunctionValue
    | ClassValue
    | SelfValue
    | Opaque
)
