"""Bring your own code: a training script or notebook read into a scenario, never run.

``read_code(text)`` / ``read_code_file(path)`` parse the code with ``ast`` (nothing executed, nothing
imported), follow its assignments to the ``fit`` call and give a :class:`CodeReading`: a valid scenario,
the line each field came from, the fields the code does not fix, and notes in plain sentences.

Placeholders (what an unresolved field holds, so the scenario always plans): the training samples 1000,
a validation set's 200, a batch size 32, epochs 1, a validation split 0.2, ``steps_per_epoch`` and
``validation.steps`` null (Keras decides), or 100 when that data is endless; a pipeline step's unknown
size 32, count 1, buffer_size 1000, num_shards 2, index 0, keep_every 1, drop_remainder false; a source the
code does not show "arrays"; replicas 1. A field with a relation holds the relation's value over the other fields
instead (steps_per_epoch = ceil(1000 / 32) = 32). A value Keras would refuse (batch_size=0) is noted and
replaced by the same placeholder.
"""

from __future__ import annotations

from pathlib import Path

from core.code_import.expr import evaluate_relation
from core.code_import.reading import CodeReading, read_source
from core.code_import.source import CodeImportError, Source, file_source, script_source

__all__ = ["CodeImportError", "CodeReading", "evaluate_relation", "read_code", "read_code_file"]


def read_code(text: str, *, call: int | None = None) -> CodeReading:
    """Pasted code or a .py file's text. ``call`` picks the N-th fit call (1-based); the last by default."""
    if not isinstance(text, str):
        raise CodeImportError("This is not text: give Python code.")
    return _read(script_source(text), call)


def read_code_file(path: str | Path, *, call: int | None = None) -> CodeReading:
    """A .py file, a .ipynb notebook (its code cells joined in order), or any other file read as Python."""
    return _read(file_source(path), call)


def _read(source: Source, call: int | None) -> CodeReading:
    try:
        return read_source(source, call)
    except RecursionError:
        raise CodeImportError("The code nests expressions far too deeply to read.") from None
    except MemoryError:
        raise CodeImportError("The code is too large to read.") from None
