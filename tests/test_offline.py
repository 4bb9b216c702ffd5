"""Offline always: planning, the window and the live demo never reach for the network.

Two nets. In this process, a Python audit hook refuses every connection, send and name lookup
(and any bind beyond the loopback), failing the test. Around a separate process, strace records
the socket calls of all its threads, native code included (Qt, TensorFlow, the C library's name
lookup), for a whole window session: start, edits, save, exports, a trap and a real demo fit.
The process runs in a network namespace with no network at all, so it must also work with the
cable pulled. What is allowed there is decided below (NATIVE RULES); anything else fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_process import printed_problems
from tests.conftest import PROJECT, without_system_tool

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

# NATIVE RULES. Offscreen Qt (these tests' platform) needs no socket at all: no X server, no
# D-Bus. So, in every family (internet, AF_UNIX, AF_NETLINK, ...):
# - connect, listen and accept are never allowed: a connect to the name service cache
#   (/var/run/nscd/socket), systemd-resolved, syslog or any server is a way out or a name lookup;
# - a send is allowed only on an AF_UNIX socket with no address given (the two ends of a
#   socketpair inside the process: nothing else can be reached without a connect); a send with an
#   address (an AF_NETLINK route request as getaddrinfo and getifaddrs make, a datagram to a
#   path) or on any other kind of socket fails;
# - a bind is allowed only as urllib3's probe (imported with TensorFlow), which binds a socket to
#   the loopback's port 0 to learn whether IPv6 exists and sends nothing.
TRACED_CALLS = "execve,socket,socketpair,connect,bind,listen,accept,accept4,sendto,sendmsg,sendmmsg"
STRACE_LINE = re.compile(r"^\d+\s+(?P<call>\w+)\((?P<rest>.*)$")
FIRST_FD = re.compile(r"^\d+<(?P<kind>[^:>]+)")
LOOPBACK_PROBE = re.compile(r'inet_pton\(AF_INET6, "::1"|inet_addr\("127\.0\.0\.1"\)')


@pytest.fixture
def strace() -> str:
    """strace that can trace here; CI sets EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS=1, so there its absence fails."""
    tool = shutil.which("strace")
    if tool and subprocess.run([tool, "-o", os.devnull, "true"], capture_output=True).returncode == 0:
        return tool
    without_system_tool("strace is not installed or cannot trace here (Debian package strace)")


@pytest.fixture
def no_network_namespace(strace) -> list[str]:
    """The command prefix that runs a process with no network at all (a new, empty network namespace)."""
    isolate = shutil.which("unshare")
    if isolate and subprocess.run([isolate, "-rn", strace, "-o", os.devnull, "true"], capture_output=True).returncode == 0:
        return [isolate, "-rn"]
    without_system_tool("unshare -rn cannot make a network namespace here (util-linux; user namespaces must be allowed)")


def network_calls(log: Path) -> tuple[list[str], list[str]]:
    """(attempts, loopback probes) in an strace -yy log, by the NATIVE RULES above."""
    attempts, probes = [], []
    for line in log.read_text(errors="replace").splitlines():
        match = STRACE_LINE.match(line)
        if not match or match["call"] in ("execve", "socket", "socketpair"):
            continue  # making a socket reaches nothing; what it is used for is checked
        call, rest = match["call"], match["rest"]
        kind = FIRST_FD.match(rest)
        if call == "bind" and LOOPBACK_PROBE.search(rest) and "htons(0)" in rest:
            probes.append(line)
        elif call in ("sendto", "sendmsg", "sendmmsg") and kind and kind["kind"].startswith("UNIX") and "sa_family=" not in rest:
            continue  # within the process: a socketpair's other end
        else:
            attempts.append(line)
    return attempts, probes


def run_offline(
    strace: str, namespace: list[str], arguments: list[str], home: Path, timeout: float = 600
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run python with these arguments under strace, with no network at all, HOME in a temporary place.

    Fails on any network attempt, and on a traceback or warning printed on stderr (a person would see
    it in the terminal); returns the finished process and its loopback probes."""
    log = home.parent / f"{home.name}-strace.log"
    command = [*namespace, strace, "-f", "-qq", "-yy", "-s", "200", "-e", f"trace={TRACED_CALLS}", "-e", "signal=none"]
    command += ["-o", str(log), sys.executable, *arguments]
    passed_on = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "KERAS_"))}
    env = {**passed_on, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout)
    traced = log.read_text(errors="replace")
    assert re.search(r"^\d+\s+execve\(", traced, flags=re.MULTILINE), f"strace saw nothing:\n{done.stderr[-2000:]}"
    attempts, probes = network_calls(log)
    assert not attempts, "network attempts:\n" + "\n".join(attempts)
    assert printed_problems(done.stderr) == [], done.stderr[-3000:]
    return done, probes


@pytest.mark.parametrize(
    ("line", "allowed"),
    [
        ('7 connect(5<UNIX-STREAM:[901]>, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT', False),
        ('7 connect(5<UNIX-STREAM:[901]>, {sa_family=AF_UNIX, sun_path=@"/tmp/.X11-unix/X0"}, 20) = 0', False),
        ('7 connect(5<UDP:[901]>, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0', False),
        (
            "7 sendto(5<NETLINK:[ROUTE:901]>, [{nlmsg_type=RTM_GETADDR}], 20, 0, {sa_family=AF_NETLINK}, 12) = 20",
            False,
        ),
        ('7 sendmsg(5<UNIX-DGRAM:[901]>, {msg_name={sa_family=AF_UNIX, sun_path="/dev/log"}}, 0) = 40', False),
        ('7 sendto(5<TCP:[901]>, "GET / HTTP/1.1", 14, 0, NULL, 0) = 14', False),
        ("7 listen(5<TCP:[901]>, 5) = 0", False),
        ('7 sendmsg(5<UNIX-STREAM:[901->902]>, {msg_name=NULL, msg_iov=[{iov_base="x", iov_len=1}]}, 0) = 1', True),
        (
            '7 bind(9<TCPv6:[901]>, {sa_family=AF_INET6, sin6_port=htons(0), inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = 0',
            True,
        ),
    ],
)
def test_the_native_rules_catch_every_family(line, allowed, tmp_path):
    # The strace rules: a name lookup through nscd, netlink or a local resolver, a connect to anything, a
    # datagram to a path, a send on an internet socket, a server socket all fail; in-process pairs and the probe pass.
    log = tmp_path / "strace.log"
    log.write_text(line + "\n")
    attempts, _probes = network_calls(log)
    assert (not attempts) == allowed


def test_the_strace_net_catches_a_name_lookup_by_native_code(strace, no_network_namespace, tmp_path):
    # The C library's own name lookup (nscd's socket, netlink, a DNS server: whichever it tries) fails the run.
    home = tmp_path / "home"
    home.mkdir()
    lookup = "import socket\ntry:\n    socket.getaddrinfo('example.org', 443)\nexcept OSError:\n    pass"
    with pytest.raises(AssertionError, match="network attempts"):
        run_offline(strace, no_network_namespace, ["-c", lookup], home)


@pytest.mark.keras
def test_a_whole_window_session_stays_off_the_network_and_out_of_home(strace, no_network_namespace, tmp_path):
    # Start, type into fields, save, export PNG and SVG, open a trap, run a real demo fit and wait for it,
    # close: under strace with every socket family watched, in a namespace with no network; Keras writes
    # nothing under $HOME/.keras (its files go to the app's own settings folder).
    from tests.conftest import keras_installed

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    done, probes = run_offline(strace, no_network_namespace, ["-m", "tests.offline_session", str(work)], home)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    session = json.loads(done.stdout.strip().splitlines()[-1])
    assert {key: session[key] for key in ("edited", "saved", "exported_png", "exported_svg", "trap")} == dict.fromkeys(
        ("edited", "saved", "exported_png", "exported_svg", "trap"), True
    )
    if keras_installed():
        assert session["demo"] is True, session.get("demo_verdict")
    elif os.environ.get("EPOCHSCOPE_REQUIRE_KERAS") == "1":
        pytest.fail("TensorFlow/Keras is not installed but EPOCHSCOPE_REQUIRE_KERAS=1: the session's demo must run")
    assert not probes or keras_installed()  # only TensorFlow's urllib3 probes the loopback
    assert not (home / ".keras").exists(), sorted(str(path.relative_to(home)) for path in home.rglob("*"))
    written = [path.relative_to(home) for path in home.rglob("*") if path.is_file()]
    assert [path for path in written if "EpochScope" not in path.parts] == []


def test_the_window_opens_offline_and_native_code_stays_off_the_network(strace, no_network_namespace, tmp_path):
    # Qt and the app's whole start path in presentation mode, under strace, in a namespace with no network.
    shot = tmp_path / "window.png"
    arguments = ["main.py", "--trap", "floor_ceil_mismatch", "--presentation", "--screenshot", str(shot)]
    (tmp_path / "home").mkdir()
    done, probes = run_offline(strace, no_network_namespace, arguments, tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 10000
    assert not probes


@pytest.mark.keras
def test_real_keras_runs_offline_and_native_code_stays_off_the_network(strace, no_network_namespace, tmp_path, require_keras):
    # TensorFlow's native code too: a real fit (verify) under strace, with no network, nothing under $HOME/.keras.
    home = tmp_path / "home"
    home.mkdir()
    done, _probes = run_offline(strace, no_network_namespace, ["main.py", "verify", "examples/floor_trap.json"], home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("match:")
    assert not (home / ".keras").exists()
