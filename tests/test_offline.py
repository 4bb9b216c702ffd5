"""Offline always: planning, the window and the live demo never reach for the network.

Two nets. In this process, a Python audit hook refuses every connection, send and name lookup
(and any bind beyond the loopback), failing the test. Around a separate process, strace records
the system calls of all its threads, native code included (Qt, TensorFlow), and the test fails
on any connect or send to an internet address; the process runs in a network namespace with no
network at all where the system allows one, so it must also work with the cable pulled.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT

NETWORK_EVENTS = {
    "socket.connect",
    "socket.sendto",
    "socket.sendmsg",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
    "http.client.connect",
    "urllib.Request",
}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class NetworkGuard:
    """One audit hook for the whole run (hooks cannot be removed); armed only inside a test."""

    attempts: list[str] | None = None
    installed = False

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if cls.attempts is None:
            return
        # urllib3, imported with TensorFlow, binds a socket to [::1]:0 to learn whether IPv6
        # exists: nothing leaves the machine, so a bind to the loopback is no attempt.
        if event == "socket.bind" and isinstance(args[1], tuple) and args[1][0] not in LOOPBACK:
            cls.attempts.append(f"{event}{args[1:]}")
            raise OSError("EpochScope tests: no network")
        if event in NETWORK_EVENTS:
            cls.attempts.append(f"{event}{args[1:] if event.startswith('socket.') else args}")
            raise OSError("EpochScope tests: no network")


@pytest.fixture
def no_network():
    """Fail the test on any attempt, even one the code under test caught and ignored."""
    if not NetworkGuard.installed:
        sys.addaudithook(NetworkGuard.hook)
        NetworkGuard.installed = True
    NetworkGuard.attempts = []
    try:
        yield
    finally:
        attempts, NetworkGuard.attempts = NetworkGuard.attempts, None
    assert not attempts, f"network attempts: {attempts}"


def test_the_guard_catches_an_attempt(no_network):
    # The net itself works: opening an internet socket is refused and recorded.
    with pytest.raises(OSError, match="no network"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    assert NetworkGuard.attempts
    NetworkGuard.attempts.clear()  # expected here; a real attempt elsewhere fails its test


def test_planning_makes_no_network_attempt(no_network, capsys):
    # Every example plans, as text and JSON, with the guard armed.
    from core.cli import run

    for example in sorted((PROJECT / "examples").glob("*.json")):
        assert run(["plan", str(example)]) == 0
        assert run(["plan", "--json", str(example)]) == 0


def test_the_window_makes_no_network_attempt(no_network, window, tmp_path):
    # Opening the window, a trap, presentation mode, both themes and both exports.
    shown = window()
    shown.open_trap_named("one_shot_generator")
    shown.set_presenting(True)
    shown.set_theme("dark")
    shown.timeline.go_to_end()
    assert shown.export_to(shown.timeline.plot, tmp_path / "timeline.svg")
    assert shown.export_to(shown.timeline.plot, tmp_path / "timeline.png")
    shown.set_theme("light")
    shown.set_presenting(False)


@pytest.mark.keras
def test_the_live_demo_makes_no_network_attempt(no_network, window, qtbot, require_keras):
    # A real Keras fit from the window (TensorFlow imported inside the guard if not yet loaded).
    shown = window({"train": {"samples": 64, "batch_size": 16}, "epochs": 2, "validation": {"split": 0.25}})
    shown.run_demo()
    qtbot.waitUntil(lambda: not shown.demo.running, timeout=120_000)
    assert shown.demo.result is not None and shown.demo.result.matches, shown.demo.verdict.text()


# ------------------------------------------------------------ native code, in a separate process

STRACE_LINE = re.compile(r"^\d+\s+(?P<call>connect|sendto|sendmsg|bind)\((?P<rest>.*)$")
LOOPBACK_PROBE = re.compile(r'inet_pton\(AF_INET6, "::1"|inet_addr\("127\.0\.0\.1"\)')


@pytest.fixture
def strace() -> str:
    tool = shutil.which("strace")
    if tool and subprocess.run([tool, "-o", os.devnull, "true"], capture_output=True).returncode == 0:
        return tool
    if os.environ.get("EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS") == "1":
        pytest.fail("strace is missing or cannot trace here (apt-get install strace)")
    pytest.skip("strace not installed or not allowed to trace")


def network_calls(log: Path) -> tuple[list[str], list[str]]:
    """(attempts, loopback probes): internet connects and sends, and binds to the loopback's port 0."""
    attempts, probes = [], []
    for line in log.read_text(errors="replace").splitlines():
        match = STRACE_LINE.match(line)
        if not match or "sa_family=AF_INET" not in match["rest"]:
            continue
        if match["call"] == "bind" and LOOPBACK_PROBE.search(match["rest"]) and "htons(0)" in match["rest"]:
            probes.append(line)
        else:
            attempts.append(line)
    return attempts, probes


def run_offline(strace: str, arguments: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run python with these arguments under strace, with no network at all where the system allows.

    Fails on any network attempt; returns the finished process and its loopback probes."""
    log = tmp_path / "strace.log"
    command = [strace, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,bind", "-o", str(log), sys.executable, *arguments]
    isolate = shutil.which("unshare")
    if isolate and subprocess.run([isolate, "-rn", "true"], capture_output=True).returncode == 0:
        command = [isolate, "-rn", *command]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600)
    attempts, probes = network_calls(log)
    assert not attempts, "network attempts:\n" + "\n".join(attempts)
    return done, probes


def test_the_window_opens_offline_and_native_code_stays_off_the_network(strace, tmp_path):
    # Qt and the app's whole start path, under strace, in a namespace with no network.
    shot = tmp_path / "window.png"
    arguments = ["main.py", "--trap", "floor_ceil_mismatch", "--presentation", "--screenshot", str(shot)]
    done, probes = run_offline(strace, arguments, tmp_path)
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 10000
    assert not probes


@pytest.mark.keras
def test_real_keras_runs_offline_and_native_code_stays_off_the_network(strace, tmp_path, require_keras):
    # TensorFlow's native code too: a real fit (verify) under strace, with no network.
    # urllib3 (imported with TensorFlow) binds a socket to [::1]:0 once to learn whether IPv6
    # exists; that probe sends nothing and is allowed.
    done, _probes = run_offline(strace, ["main.py", "verify", "examples/floor_trap.json"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("match:")
