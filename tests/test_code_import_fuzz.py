"""Hostile and random code: one clear CodeImportError line or a reading, never a traceback, never a hang."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.code_import import CodeImportError, read_code, read_code_file
from core.scenario import scenario_from_dict

# Every input is read within this many seconds, whatever it holds (the reader stops itself at 3 s).
PER_FILE_S = 4.0

_FIT_WORDS = ["model.fit(", "x", "y", "epochs=", "batch_size=", "3", "(", ")", ",", "=", "\n", " ", "ds.batch(", "len(", "//"]


def _read_one_line_or_reading(text: str) -> None:
    started = time.monotonic()
    try:
        reading = read_code(text)
    except CodeImportError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 300
    else:
        scenario_from_dict(reading.scenario)  # always a valid scenario
        json.dumps(reading.to_json())
    assert time.monotonic() - started < PER_FILE_S


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_random_text(text):
    # Any text at all: a reading or one line.
    _read_one_line_or_reading(text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_FIT_WORDS), max_size=60))
def test_fit_shaped_fragments(words):
    # Near-misses of a fit call (half-typed, unbalanced): a reading or one line.
    _read_one_line_or_reading("".join(words))


@pytest.mark.parametrize(
    "text",
    [
        "model.fit(x, y" + "\n",  # a syntax error
        "(" * 10_000 + ")" * 10_000,  # brackets too deep for the parser
        "x = " + "-" * 100_000 + "1\nmodel.fit(x, x)\n",  # an expression too deep for the reader
        "x = " + " + ".join(["1"] * 50_000) + "\nmodel.fit(x, x, epochs=x)\n",  # long, flat arithmetic
        "if x:\n" + "".join("    " * depth + "if x:\n" for depth in range(1, 99)) + "    " * 99 + "model.fit(x, y)\n",
        "x = 9" * 1 + "9" * 5000 + "\nmodel.fit(x, x, epochs=x)\n",  # a number of thousands of digits
        "a\x00b",  # binary
        "model.fit(x, y)\n" * 20_000,  # thousands of fit calls
        "x = 2 ** 2 ** 2 ** 2 ** 2 ** 2\nmodel.fit(x, y, epochs=x)\n",  # a number that would never finish
        "def f():\n    while True:\n        yield f()\nmodel.fit(f(), steps_per_epoch=3)\n",
        "".join(f"def g{n}():\n    yield g{n + 1}()\n    yield g{n + 1}()\n" for n in range(40))
        + "model.fit(g0(), steps_per_epoch=1)\n",
        # Plain functions calling the next twice with new arguments: read only a few deep.
        "".join(f"def f{n}(a):\n    return f{n + 1}(a) + f{n + 1}(a + 1)\n" for n in range(40))
        + "model.fit(x, y, epochs=f0(1))\n",
        "class S(keras.utils.PyDataset):\n    def __len__(self):\n        return len(S(1))\nmodel.fit(S(), epochs=1)\n",
    ],
    ids=[
        "syntax",
        "deep-brackets",
        "deep-unary",
        "long-sum",
        "deep-ifs",
        "huge-number",
        "binary",
        "many-fits",
        "power",
        "self-gen",
        "generator-chain",
        "function-chain",
        "self-len",
    ],
)
def test_hostile_source(text):
    # Each hostile input gives a reading or one plain line, within the time limit.
    _read_one_line_or_reading(text)


def test_too_large_text_is_refused_in_one_line():
    with pytest.raises(CodeImportError, match="longer than 2 MB"):
        read_code("#" * 2_000_001)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (b'{"cells": 3}', 'no list of "cells"'),
        (b"[1, 2]", 'no list of "cells"'),
        (b'{"cells": [{"cell_type": "code", "source": 7}]}', "damaged"),
        (b"[" * 100_000 + b"]" * 100_000, "nests far too deeply"),
    ],
)
def test_bad_notebooks(tmp_path, content, words):
    # A .ipynb that is not a notebook says so in one line.
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    with pytest.raises(CodeImportError) as raised:
        read_code_file(path)
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_binary_file_and_missing_file(tmp_path):
    path = tmp_path / "weights.py"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(CodeImportError, match="not UTF-8 text"):
        read_code_file(path)
    with pytest.raises(CodeImportError, match=r"Cannot read missing\.py"):
        read_code_file(tmp_path / "missing.py")
