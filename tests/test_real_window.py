"""The real-window tests (tests/real_window) under Xvfb and openbox, run in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
TIME_LIMIT_S = 600
# What Qt prints for a warning: a logging category ("qt.qpa.xcb: ..."), or a class's complaint
# ("QWidget::...", "QObject::...", "QPainter::..."), or the offscreen/xcb plugin's own words.
QT_WARNING_LINE = re.compile(r"^(qt\.[\w.]+: |Q[A-Z]\w*::\w+|This plugin does not support|Warning: )", re.MULTILINE)


def test_the_real_window_tests_pass_under_an_x_server_and_a_window_manager():
    # Keys, pointer moves and the window manager's frame, as a person meets them: every test passes,
    # and nothing prints a traceback or a Qt warning.
    from tests.real_window.__main__ import missing_tools

    missing = missing_tools()
    if missing:
        message = f"the real-window tests need {', '.join(missing)} (Debian: xvfb, openbox, xdotool, x11-utils)"
        if os.environ.get("EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS") == "1":
            pytest.fail(message + " but EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS=1")
        pytest.skip(message)
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
    warnings = QT_WARNING_LINE.findall(printed)
    assert not warnings, f"Qt warnings were printed ({warnings}):\n{printed}"
    assert " passed" in done.stdout, f"no real-window test ran:\n{printed}"
