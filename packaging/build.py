"""Build EpochScope as a self-contained folder (PyInstaller one-folder), without TensorFlow.

    python3 -m venv build-venv && build-venv/bin/python -m pip install pyinstaller .
    build-venv/bin/python packaging/build.py

Run it with a Python that has EpochScope's own dependencies and PyInstaller, and not
TensorFlow (the build excludes it anyway: the live demo then says how to get it). The
result is dist/epochscope/: copy the whole folder anywhere and start dist/epochscope/epochscope
(epochscope.exe on Windows); nothing else needs to be installed. Build on each system you
ship to: PyInstaller does not cross-compile. At the end the script prints the folder's size
and the time from start to the first painted window.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
# Never bundled: the demo's TensorFlow stack (1.3 GB), and what only tests use.
EXCLUDED = ["tensorflow", "keras", "tensorboard", "tf_keras", "jax", "torch", "pytest", "hypothesis", "IPython", "tkinter"]


def build() -> Path:
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--onedir",
        "--windowed",  # no console window on Windows or macOS
        "--name",
        "epochscope",
        "--icon",
        str(ROOT / "resources" / "icons" / "epochscope.ico"),
        "--collect-data",
        "resources",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
        "--specpath",
        str(WORK),
    ]
    for module in EXCLUDED:
        command += ["--exclude-module", module]
    subprocess.run([*command, str(ROOT / "main.py")], cwd=ROOT, check=True)
    return DIST / "epochscope"


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def time_start(app: Path) -> float:
    """Seconds from launch to the window rendered and written out (--screenshot), median of 5."""
    times = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": home}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        for _ in range(5):
            started = time.monotonic()
            subprocess.run([str(app), "--screenshot", str(Path(home) / "shot.png")], env=env, check=True, capture_output=True)
            times.append(time.monotonic() - started)
    return sorted(times)[2]


def main() -> int:
    folder = build()
    executable = folder / ("epochscope.exe" if os.name == "nt" else "epochscope")
    bundled_tensorflow = any(part.name.startswith("tensorflow") for part in folder.rglob("*"))
    print(f"built {folder}")
    print(f"  size: {folder_size(folder) / 2**20:.0f} MiB (TensorFlow bundled: {'yes' if bundled_tensorflow else 'no'})")
    print(f"  start, to a rendered window (--screenshot, which waits 0.4 s before grabbing): {time_start(executable):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
