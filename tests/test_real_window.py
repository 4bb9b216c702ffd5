"""The real-window tests (tests/real_window) under Xvfb and openbox, run in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_process import printed_problems
from tests.conftest import without_system_tool

PROJECT = Path(__file__).resolve().parent.parent
TIME_LIMIT_S = 600


@pytest.fixture
def x_server_tools() -> None:
    """Xvfb, openbox, xdotool and x11-utils' tools, which tests/real_window drives."""
    from tests.real_window.__main__ import missing_tools

    missing = missing_tools()
    if missing:
        without_system_tool(f"the real-window tests need {', '.join(missing)} (Debian: xvfb, openbox, xdotool, x11-utils)")


@pytest.mark.usefixtures("x_server_tools")
def test_the_real_window_tests_pass_under_an_x_server_and_a_window_manager():
    # Keys, pointer moves and the window manager's frame, as a person meets them: every test passes,
    # and nothing prints a traceback or a Qt warning.
    env = {key: value for key, value in os.environ.items() if key not in ("QT_QPA_PLATFORM", "EPOCHSCOPE_REAL_WINDOW")}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.real_window", "-q", "-rA", "--no-header"],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT_S,
        )
    except subprocess.TimeoutExpired as late:
        pytest.fail(f"the real-window tests took over {TIME_LIMIT_S} s:\n{late.stdout or ''}{late.stderr or ''}")
    printed = done.stdout + done.stderr
    assert done.returncode == 0, f"the real-window tests failed (exit {done.returncode}):\n{printed}"
    assert "Traceback" not in printed, f"a traceback was printed:\n{printed}"
    problems = printed_problems(printed, ignore=())
    assert not problems, f"warnings were printed ({problems}):\n{printed}"
    assert " passed" in done.stdout, f"no real-window test ran:\n{printed}"


def test_printed_problems_finds_tracebacks_and_warnings_but_not_the_offscreen_note():
    # What a person would see in the terminal is found; the headless platform's own note is not.
    from tests.app_process import printed_problems

    assert printed_problems("Traceback (most recent call last):\n  File x\nKeyError: False\n") == [
        "Traceback (most recent call last)"
    ]
    assert printed_problems("qt.qpa.xcb: could not connect to display\n") == ["qt.qpa.xcb: "]
    assert printed_problems("QWidget::setLayout: Attempting to set QLayout\n") == ["QWidget::setLayout"]
    assert printed_problems("/x/keras/trainer.py:12: UserWarning: Your input ran out of data\n") == ["UserWarning: "]
    assert printed_problems("This plugin does not support propagateSizeHints()\nerror: no such file\n") == []


def test_run_app_runs_main_py_and_returns_what_it_printed(tmp_path):
    # The helper runs `main.py` headless, checks the exit code and hands back the finished process.
    from PySide6.QtGui import QImage

    from tests.app_process import run_app

    out = tmp_path / "shot.png"
    done = run_app(["examples/floor_trap.json", "--screenshot", str(out)], home=tmp_path)
    assert done.returncode == 0
    assert QImage(str(out)).width() > 0
    with pytest.raises(pytest.fail.Exception, match="expected exit 3"):
        run_app(["plan", "examples/floor_trap.json"], home=tmp_path, expect_code=3)
