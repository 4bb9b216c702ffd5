"""Getting the code to read: pasted text, a ``.py`` file or a notebook's code cells, parsed with ``ast``.

Nothing here runs the code. Hostile input (a huge file, binary, brackets nested thousands deep, a
notebook that is not JSON) ends in one CodeImportError line, never a traceback or a hang.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

# A long training script is a few thousand lines (~200 kB); a notebook file also carries its outputs
# (plots as base64), so the file may be far larger than the code it holds.
MAX_CODE_CHARS = 2_000_000
MAX_CODE_IN_WORDS = "2 MB"
# UTF-8 takes at most 4 bytes a character: a file past this cannot hold code of MAX_CODE_CHARS.
MAX_CODE_BYTES = MAX_CODE_CHARS * 4
MAX_NOTEBOOK_BYTES = 64_000_000
MAX_NOTEBOOK_IN_WORDS = "64 MB"
MAX_LINES = 100_000


class CodeImportError(ValueError):
    """Code that cannot be read: the message is one plain line saying why."""


@dataclass(frozen=True)
class Cell:
    """A piece of code parsed on its own: the whole text of a script, or one notebook code cell."""

    first_line: int  # 1-based line of its first line in the joined source
    tree: ast.Module | None  # None: it did not parse (the note says why)
    problem: str | None


@dataclass(frozen=True)
class Source:
    text: str  # the code as shown: a notebook's code cells joined in order
    cells: tuple[Cell, ...]
    notebook: bool


# IPython's own lines (%magic, !shell) are not Python: read as a blank statement, keeping every line number.
_IPYTHON_LINE = re.compile(r"^([ \t]*)(?:%|!(?!=)).*$", re.MULTILINE)


# A notebook cell holds a few magics; past this many, every IPython-looking line is blanked at once.
MAX_IPYTHON_LINES = 50


def _parse_around_ipython_lines(text: str) -> ast.Module:
    """The tree, with each IPython line (%magic, !shell) that Python trips on read as ``pass``, keeping every line number.

    Only the lines Python reports are blanked: "% (a, b)" or "!= x" may begin a line of plain Python.
    """
    lines = text.split("\n")
    for _attempt in range(MAX_IPYTHON_LINES):
        try:
            return ast.parse("\n".join(lines))
        except SyntaxError as exc:
            number = (exc.lineno or 0) - 1
            match = _IPYTHON_LINE.fullmatch(lines[number]) if 0 <= number < len(lines) else None
            if match is None:
                raise
            lines[number] = f"{match.group(1)}pass"
    return ast.parse(_IPYTHON_LINE.sub(lambda match: f"{match.group(1)}pass", "\n".join(lines)))


def _check_text(text: str) -> None:
    if len(text) > MAX_CODE_CHARS:
        raise CodeImportError(f"The code is longer than {MAX_CODE_IN_WORDS}; a training script is far shorter.")
    if "\x00" in text:
        raise CodeImportError("This is not text (it holds NUL bytes): give a .py file, a .ipynb notebook or pasted code.")
    if text.count("\n") > MAX_LINES:
        raise CodeImportError(f"The code has more than {MAX_LINES:,} lines; a training script is far shorter.")


def parse(text: str, first_line: int = 1) -> ast.Module:
    """The code's tree; a problem raises CodeImportError naming the line (counted from ``first_line``)."""
    try:
        tree = _parse_around_ipython_lines(text)
    except SyntaxError as exc:
        line = (exc.lineno or 1) + first_line - 1
        raise CodeImportError(f"Syntax error at line {line}: {exc.msg}.") from None
    except RecursionError:
        raise CodeImportError("The code nests brackets or blocks far too deeply to read.") from None
    except MemoryError:
        raise CodeImportError("The code is too large or too deeply nested to read.") from None
    except ValueError as exc:  # source with NUL bytes, or a number literal of thousands of digits
        raise CodeImportError(f"The code cannot be read as Python: {str(exc)[:80]}.") from None
    if first_line != 1:
        ast.increment_lineno(tree, first_line - 1)
    return tree


def script_source(text: str) -> Source:
    _check_text(text)
    return Source(text=text, cells=(Cell(1, parse(text), None),), notebook=False)


def notebook_source(raw: bytes) -> Source:
    """A notebook's code cells in order, each parsed on its own: one cell with a syntax error is skipped, not fatal."""
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise CodeImportError(f"The notebook is larger than {MAX_NOTEBOOK_IN_WORDS}.")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CodeImportError("The notebook is not UTF-8 text: it does not look like a .ipynb file.") from None
    except json.JSONDecodeError as exc:
        raise CodeImportError(
            f"The notebook is not valid JSON (line {exc.lineno}): it does not look like a .ipynb file."
        ) from None
    except (RecursionError, ValueError):
        raise CodeImportError("The notebook's JSON nests far too deeply or holds a number of thousands of digits.") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise CodeImportError('The notebook has no list of "cells": it does not look like a .ipynb file.')
    pieces: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        if isinstance(text, list) and all(isinstance(part, str) for part in text):
            text = "".join(text)
        if not isinstance(text, str):
            raise CodeImportError("A code cell's source is neither text nor a list of lines: the notebook is damaged.")
        pieces.append(text.rstrip("\n"))
    joined = "\n".join(pieces)
    _check_text(joined)
    parsed: list[Cell] = []
    line = 1
    for number, text in enumerate(pieces, start=1):
        try:
            parsed.append(Cell(line, parse(text, line), None))
        except CodeImportError as exc:
            parsed.append(Cell(line, None, f"Code cell {number} (line {line}) was skipped: {exc}"))
        line += text.count("\n") + 1
    return Source(text=joined, cells=tuple(parsed), notebook=True)


def file_source(path: str | Path) -> Source:
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        raise CodeImportError(f"Cannot read {path.name}: {exc.strerror or 'the file could not be opened'}.") from None
    if path.suffix.lower() == ".ipynb":
        return notebook_source(raw)
    return script_source(decode(raw))


def decode(raw: bytes) -> str:
    if len(raw) > MAX_CODE_BYTES:
        raise CodeImportError(f"The code is longer than {MAX_CODE_IN_WORDS}; a training script is far shorter.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodeImportError(
            f"This is not UTF-8 text (byte number {exc.start + 1:,} is not): give a .py file, a .ipynb notebook or pasted code."
        ) from None
