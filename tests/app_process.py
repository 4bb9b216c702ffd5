"""Run the app (`python main.py ...`) in a subprocess the way a person does, and fail on what it prints in vain.

    from tests.app_process import run_app

    done = run_app(["examples/floor_trap.json", "--screenshot", str(out)], home=tmp_path)
    done = run_app(["--trap", "nope", "--screenshot", str(out)], home=tmp_path, expect_code=2)

run_app fails the calling test when the app exits with another code than `expect_code` (None: any),
or prints a Python traceback, a Python warning or a Qt warning on stderr: a person running it
would see that in the terminal. Settings and Keras' files go to `home` (a temporary folder when
none is given), never the user's own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent

# What a traceback, a Python warning ("...: UserWarning: ...") or a Qt warning looks like: a logging
# category ("qt.qpa.xcb: ..."), a class's complaint ("QWidget::...", "QObject::...", "QPainter::..."),
# or a platform plugin's own words.
PRINTED_PROBLEM = re.compile(
    r"Traceback \(most recent call last\)|\b\w*Warning: |^Warning: |^qt\.[\w.]+: |^Q[A-Z]\w*::\w+|^This plugin does not support",
    re.MULTILINE,
)
# The offscreen platform (headless tests) cannot pass size hints to a window manager it does not
# have; a person's desktop never prints this (pyproject.toml's qt_log_ignore says the same).
OFFSCREEN_ONLY = "This plugin does not support propagateSizeHints()"


def printed_problems(stderr: str, ignore: tuple[str, ...] = (OFFSCREEN_ONLY,)) -> list[str]:
    """The lines of stderr that show a traceback or a warning, less those in `ignore`."""
    kept = "\n".join(line for line in stderr.splitlines() if line.strip() not in ignore)
    return [match.group(0) for match in PRINTED_PROBLEM.finditer(kept)]


def run_app(
    args: list[str],
    *,
    home: Path | None = None,
    env: dict[str, str] | None = None,
    expect_code: int | None = 0,
    timeout: float = 120,
    platform: str = "offscreen",
) -> subprocess.CompletedProcess:
    """`python main.py *args` in the project folder; fails the test on a wrong exit code or a printed problem.

    `env` adds to (or overrides) the test's own environment; `platform` is QT_QPA_PLATFORM."""
    with tempfile.TemporaryDirectory(prefix="epochscope-home-") as scratch:
        place = str(home if home is not None else scratch)
        environment = {
            **os.environ,
            "QT_QPA_PLATFORM": platform,
            "HOME": place,
            "XDG_CONFIG_HOME": place,
            "KERAS_HOME": str(Path(place) / ".keras"),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            **(env or {}),
        }
        try:
            done = subprocess.run(
                [sys.executable, "main.py", *args], cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired as late:
            pytest.fail(f"main.py {' '.join(args)} ran past {timeout} s:\n{late.stdout or ''}{late.stderr or ''}")
    said = f"main.py {' '.join(args)} exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    if expect_code is not None and done.returncode != expect_code:
        pytest.fail(f"expected exit {expect_code}: {said}")
    problems = printed_problems(done.stderr)
    if problems:
        pytest.fail(f"the app printed {problems}: {said}")
    return done
