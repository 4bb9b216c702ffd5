"""Shared test set-up: headless Qt, real-Keras gating, no threads left behind, nothing written into the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import NoReturn

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PROJECT = Path(__file__).resolve().parent.parent
# The Keras 3.15.1 records the tests check against travel with the repository (copied from the
# project's shared conformance folder), so a fresh clone tests the same as this checkout.
CONFORMANCE_FOLDER = PROJECT / "tests" / "conformance"
CONFORMANCE = CONFORMANCE_FOLDER / "keras-3.15.1-public.json"


def keras_installed() -> bool:
    from core.recorder import tensorflow_available

    return tensorflow_available()


@pytest.fixture
def require_keras() -> None:
    """Real-Keras tests: skipped without TensorFlow, but CI sets EPOCHSCOPE_REQUIRE_KERAS=1 so they must run."""
    if keras_installed():
        return
    if os.environ.get("EPOCHSCOPE_REQUIRE_KERAS") == "1":
        pytest.fail("TensorFlow/Keras is not installed but EPOCHSCOPE_REQUIRE_KERAS=1: the real-Keras proof must run")
    pytest.skip("TensorFlow/Keras not installed")


def new_paths_in_tests() -> set[str] | None:
    """The untracked and ignored files git lists under tests/, less Python's bytecode caches and .py
    files (a test being written while the suite runs is a person's work, not a test's output); None
    outside a git checkout (an unpacked source archive has nothing to compare)."""
    command = ["git", "status", "--porcelain", "--ignored", "--untracked-files=all", "--", "tests"]
    try:
        listed = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if listed.returncode != 0:
        return None
    return {
        line[3:]
        for line in listed.stdout.splitlines()
        if line[:2] in ("??", "!!") and "__pycache__" not in line and not line.endswith(".py")
    }


@pytest.fixture(scope="session", autouse=True)
def nothing_written_into_the_repository():
    """No test leaves files in the repository's tests/ folder (a HOME or an output there would end up
    in someone's commit): what git lists as new there at the end of the run must have been there at its start."""
    before = new_paths_in_tests()
    yield
    after = new_paths_in_tests()
    if before is not None and after is not None:
        assert not after - before, f"the tests left these in the repository (write under tmp_path): {sorted(after - before)}"


def without_system_tool(missing: str) -> NoReturn:
    """A Debian tool a test needs is missing (``missing`` says which, and its package): the test is
    skipped, but fails under CI, which installs every such tool and sets EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS=1."""
    if os.environ.get("EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS") == "1":
        pytest.fail(f"{missing}, but EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS=1 requires it")
    pytest.skip(missing)


@pytest.fixture(autouse=True)
def no_threads_left_behind():
    """A test must not leave Python threads running (Qt threads are checked by the GUI tests)."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
    assert not left, f"threads left running: {left}"


@pytest.fixture(autouse=True)
def fresh_settings(tmp_path, request):
    """Settings (recent files, window state) go to a temporary place, never the user's."""
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("EpochScopeTests")
    QCoreApplication.setApplicationName("EpochScopeTests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture
def window(qtbot):
    """Make a main window (optionally with a scenario dict) at 1280x720, shown, closed after the test."""
    from core import scenario_from_dict
    from gui.main_window import MainWindow

    def make(data=None):
        made = MainWindow(scenario_from_dict(data) if data else None)
        made.ask_before_closing = False
        qtbot.addWidget(made)
        made.resize(1280, 720)
        made.show()
        qtbot.waitExposed(made)
        return made

    return make


# ------------------------------------------------------------ real windows, and nothing printed in vain

REAL_WINDOW_TESTS = Path(__file__).resolve().parent / "real_window"


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    """tests/real_window needs an X server and a window manager: tests/test_real_window.py starts both
    and runs it with EPOCHSCOPE_REAL_WINDOW=1 (or by hand: `python -m tests.real_window`)."""
    if os.environ.get("EPOCHSCOPE_REAL_WINDOW") != "1" and collection_path.resolve() == REAL_WINDOW_TESTS:
        return True
    return None


@pytest.fixture(autouse=True)
def no_exception_in_threads():
    """An exception that ends a Python thread fails the test that started it (pytest would only warn).

    Exceptions in Qt slots and event handlers go through sys.excepthook, which pytest-qt watches in
    every test (qt_no_exception_capture stays unset); unraisable ones are errors (pyproject.toml)."""
    reported: list[str] = []
    previous = threading.excepthook

    def record(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "a thread"
        reported.append(f"{name}: {args.exc_type.__name__}: {args.exc_value}")
        previous(args)

    threading.excepthook = record
    yield
    threading.excepthook = previous
    assert not reported, "an exception ended a thread: " + "; ".join(reported)


PRINTED_TRACEBACK = "Traceback (most recent call last)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A traceback printed to the test's captured stderr (a slot's exception printed by PySide, a
    traceback.print_exc, a logged exception) fails the test even when nothing else noticed it."""
    outcome = yield
    report = outcome.get_result()
    if not report.passed:
        return
    printed = "".join(text for title, text in report.sections if title == f"Captured stderr {report.when}")
    if PRINTED_TRACEBACK in printed:
        report.outcome = "failed"
        report.longrepr = f"a traceback was printed while the test ran ({report.when}):\n{printed}"


def pytest_sessionfinish(session, exitstatus) -> None:
    """Empty the clipboard while Python still runs. On Qt's offscreen platform the clipboard keeps a
    copied picture's QMimeData (made in Python by Edit > Copy) until C++ exit handlers run, after
    Python has finished: PySide6 then crashes the test run (exit 139) after every test passed."""
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        QApplication.clipboard().clear()
