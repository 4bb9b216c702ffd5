"""Run the real-window tests: `python -m tests.real_window [pytest args]`.

Starts an X server (Xvfb, 1280x720 like a shared screen) on a free display and a window manager
(openbox) on it, runs `pytest tests/real_window` there with Qt on the xcb platform, then stops
both, also when the tests fail or are interrupted. The exit code is pytest's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SCREEN = "1280x720x24"  # a shared screen (a classroom projector or a video call)
TOOLS = ("Xvfb", "openbox", "xdotool", "xprop", "xwininfo")
START_TIMEOUT_S = 30


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def start_x_server(log) -> tuple[subprocess.Popen, str]:
    """Xvfb picks a free display itself (-displayfd) and writes its number once it accepts connections."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_end,),
        stdout=log,
        stderr=log,
    )
    os.close(write_end)
    number = b""
    deadline = time.monotonic() + START_TIMEOUT_S
    with os.fdopen(read_end, "rb") as reader:
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            chunk = reader.read(1)
            if not chunk:  # the server exited without a display
                break
            number += chunk
    if not number.strip():
        stop(server)
        raise RuntimeError("Xvfb did not start (its messages are above)")
    return server, f":{number.decode().strip()}"


def start_window_manager(env: dict[str, str], log) -> subprocess.Popen:
    """openbox, ready once it has claimed the screen (_NET_SUPPORTING_WM_CHECK on the root window)."""
    manager = subprocess.Popen(["openbox", "--sm-disable"], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if manager.poll() is not None:
            raise RuntimeError("openbox exited at start (its messages are above)")
        probe = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True, text=True)
        if "window id" in probe.stdout:
            return manager
        time.sleep(0.05)
    stop(manager)
    raise RuntimeError("openbox did not take over the screen in time")


def default_paths(pytest_args: list[str]) -> list[str]:
    """The whole directory, unless the arguments name test files or tests of their own."""
    named = [arg for arg in pytest_args if not arg.startswith("-") and (PROJECT / arg.split("::")[0]).exists()]
    return [] if named else ["tests/real_window"]


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(pytest_args: list[str]) -> int:
    missing = missing_tools()
    if missing:
        print(f"real-window tests need {', '.join(missing)} (Debian: xvfb, openbox, xdotool, x11-utils)", file=sys.stderr)
        return 3
    server = manager = None
    with tempfile.TemporaryDirectory(prefix="epochscope-x-") as scratch, open(Path(scratch) / "x.log", "w+") as log:
        try:
            server, display = start_x_server(log)
            # The window manager reads the system's default settings and writes nothing in the user's home.
            env = dict(os.environ, DISPLAY=display, XDG_CONFIG_HOME=scratch, XDG_CACHE_HOME=scratch)
            env.pop("WAYLAND_DISPLAY", None)
            manager = start_window_manager(env, log)
            env = dict(env, QT_QPA_PLATFORM="xcb", EPOCHSCOPE_REAL_WINDOW="1")
            for key in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
                if key in os.environ:
                    env[key] = os.environ[key]
                else:
                    env.pop(key)
            command = [sys.executable, "-m", "pytest", *default_paths(pytest_args), "-p", "no:cacheprovider", *pytest_args]
            return subprocess.run(command, cwd=PROJECT, env=env).returncode
        except RuntimeError as problem:
            log.seek(0)
            sys.stderr.write(log.read())
            print(f"real-window tests: {problem}", file=sys.stderr)
            return 3
        except KeyboardInterrupt:
            return 130
        finally:
            stop(manager)
            stop(server)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
