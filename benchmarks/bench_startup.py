"""Start to first paint: EpochScope against a bare PySide6 + pyqtgraph window with one plot.

    python benchmarks/bench_startup.py [--rounds 15] [--platform offscreen|xcb]

Each start is a fresh Python process, the two kinds taking turns so that both see the same
machine. The clock starts just before the process is launched (interpreter start and every
import count) and stops when the window's first frame with its plot has been painted. The
issue's limit: the app takes at most 1.3x the bare window (medians). Settings go to a
temporary home, so every start is a first start. The processor time each process used up to
that paint is printed too: on a busy machine it says more than the wall clock does.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 1.3

# The child: import what its kind imports before Qt (the app: main and gui.app, which load the
# core and numpy first, exactly as on its own start path), make the QApplication, watch for the
# first paint of a plot, then start the window the way its kind starts. After that paint pass
# (and the flush to the screen) it prints the clock and leaves at once.
# The watch is on each plot's own viewport, made as the plot is made, never on the whole application:
# an application-wide filter hands every event of every widget to Python (two thousand of them before
# EpochScope's first paint, a hundred for the bare plot), so the instrument itself would weigh on the
# larger window.
CHILD = r"""
import gc, os, sys, time
if sys.argv[1] == "bare-paused":
    gc.disable()
if sys.argv[1] == "app":
    sys.path.insert(0, os.getcwd())
    import main, gui.app
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([sys.argv[0]])

def report():
    print(time.monotonic(), time.process_time(), flush=True)
    os._exit(0)

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, report)
        return False

watcher = FirstPaint()

# Patches PlotWidget as pyqtgraph loads it, wherever its kind imports it (the app: inside main.main, with the
# collector paused), so every plot made watches its own viewport.
class WatchPlots:
    def find_spec(self, name, path, target=None):
        if name != "pyqtgraph.widgets.PlotWidget":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            made = module.PlotWidget.__init__

            def watched_plot(plot, *args, **kwargs):
                made(plot, *args, **kwargs)
                plot.viewport().installEventFilter(watcher)

            module.PlotWidget.__init__ = watched_plot

        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, WatchPlots())
if sys.argv[1] == "app":
    main.main([])
else:
    import pyqtgraph as pg
    plot = pg.PlotWidget()
    plot.plot([0, 1, 2, 3], [1, 3, 2, 4])
    plot.resize(1280, 720)
    gc.enable()
    plot.show()
    app.exec()
"""


def start_once(kind: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds from launch to the first paint, processor seconds the process used until then)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"{kind} did not paint: {done.stderr.strip()[-400:]}")
    painted, processor = (float(word) for word in done.stdout.split()[-2:])
    return painted - started, processor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    options = parser.parse_args()
    # "bare-paused" is the bare window with the cyclic garbage collector paused while it loads, as EpochScope
    # pauses it (main.main): the limit is judged against the bare window as written; the paused one shows how
    # much of the margin that pause gives.
    kinds = ("bare", "app", "bare-paused")
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    processor: dict[str, list[float]] = {kind: [] for kind in kinds}
    # Both start from bytecode, as an installed app does (pip compiles it; Python writes it on a first
    # run). A shell with PYTHONDONTWRITEBYTECODE=1 would otherwise make every start recompile whatever
    # the project changed since its last .pyc, while the libraries the bare window uses are compiled.
    compileall.compile_dir(ROOT / "core", quiet=1)
    compileall.compile_dir(ROOT / "gui", quiet=1)
    compileall.compile_dir(ROOT / "resources", quiet=1)
    compileall.compile_file(ROOT / "main.py", quiet=1)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QT_QPA_PLATFORM": options.platform, "HOME": home, "XDG_CONFIG_HOME": home}
        for kind in kinds:  # one start each to warm the file cache, not counted
            start_once(kind, env)
        for _ in range(options.rounds):
            for kind in kinds:
                wall, used = start_once(kind, env)
                times[kind].append(wall)
                processor[kind].append(used)
    print(f"start to first paint, {options.rounds} starts each, Qt platform {options.platform}")
    labels = {"bare": "bare PySide6 + pyqtgraph window", "app": "EpochScope", "bare-paused": "bare window, collector paused"}
    for kind, label in labels.items():
        values = [seconds * 1000 for seconds in sorted(times[kind])]
        print(
            f"  {label:32s} median {statistics.median(values):6.0f} ms   (min {values[0]:.0f}, max {values[-1]:.0f})"
            f"   processor {statistics.median(processor[kind]) * 1000:4.0f} ms"
        )
    ratio = statistics.median(times["app"]) / statistics.median(times["bare"])
    processor_ratio = statistics.median(processor["app"]) / statistics.median(processor["bare"])
    verdict = "pass" if ratio <= LIMIT else "FAIL"
    print(f"  ratio {ratio:.2f}x (limit {LIMIT}x): {verdict}   processor time {processor_ratio:.2f}x")
    paused_ratio = statistics.median(times["app"]) / statistics.median(times["bare-paused"])
    print(f"  against the bare window with the collector paused too: {paused_ratio:.2f}x")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
