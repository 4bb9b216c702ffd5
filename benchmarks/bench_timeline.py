"""Edit -> redrawn timeline: the time from a form edit to the plot repainted, and its memory.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_timeline.py

The issue's limit: 16 ms or less (median) for every scenario up to 1e9 batches, with
memory that does not grow with the number of batches. Each edit changes the epochs
field back and forth (so the plan is recomputed), then the plot is repainted
synchronously. Memory is the tracemalloc peak during one edit. "redraw ms" is the timeline
alone (its layout of the view and the repaint, no planning or summary); "blocks" and "ticks"
are what the picture holds (weight-update ticks with gradient accumulation).

The last four rows are issue 11's: batches in a random order, weight-update ticks and rows of
unknown length, each at about 1e9 batches.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from core import scenario_from_dict

SCENARIOS = {
    "floor trap (7 batches)": {
        "train": {"samples": 100, "source": "dataset", "batch_size": 32},
        "epochs": 3,
        "steps_per_epoch": 3,
    },
    "MNIST, 20 epochs, validation (19k batches)": {
        "train": {"samples": 60000, "batch_size": 64},
        "epochs": 20,
        "validation": {"samples": 10000},
    },
    "CIFAR-10 drop_remainder (2k batches)": {
        "train": {"samples": 50000, "source": "dataset", "batch_size": 128, "drop_remainder": True},
        "epochs": 5,
    },
    "ImageNet batch 1, 1000 epochs (1.28e9 batches)": {
        "train": {"samples": 1281167, "source": "dataset", "batch_size": 1},
        "epochs": 1000,
    },
    "ImageNet batch 1, 780 epochs + validation (1.0e9)": {
        "train": {"samples": 1281167, "source": "dataset", "batch_size": 1},
        "epochs": 780,
        "validation": {"samples": 50000, "source": "dataset", "batch_size": 1},
    },
    "repeat after batch, 1e7 steps x 100 epochs (1e9)": {
        "train": {"samples": 1000, "source": "dataset", "batch_size": 3, "repeat": "after_batch"},
        "epochs": 100,
        "steps_per_epoch": 10**7,
    },
    "carried iterator, 100k epochs": {
        "train": {"samples": 100, "source": "dataset", "batch_size": 32},
        "epochs": 100000,
        "steps_per_epoch": 3,
    },
    "endless epoch": {"train": {"samples": 1000, "source": "dataset", "batch_size": 32, "repeat": "after_batch"}, "epochs": 5},
    # Issue 11: batches in random order, weight-update ticks and rows of unknown length, at 1e9 batches.
    "shuffled PyDataset, random order (1e9)": {
        "train": {"samples": 10**7 + 5, "source": "pydataset", "batch_size": 1},
        "epochs": 100,
    },
    "gradient accumulation G=8, initial_epoch 5 (1e9)": {
        "train": {"samples": 10**8, "source": "dataset", "batch_size": 1},
        "epochs": 15,
        "initial_epoch": 5,
        "gradient_accumulation_steps": 8,
    },
    "filter pipeline, unknown length (1e9)": {
        "train": {
            "samples": 2 * 10**8,
            "source": "dataset",
            "pipeline": [{"op": "filter", "keep_every": 2}, {"op": "batch", "size": 1}],
        },
        "epochs": 10,
    },
    "shuffle after batch, repeat, PyDataset validation (1e9)": {
        "train": {
            "samples": 1000,
            "source": "dataset",
            "pipeline": [{"op": "batch", "size": 3}, {"op": "shuffle", "buffer_size": 100}, {"op": "repeat", "count": None}],
        },
        "steps_per_epoch": 10**7,
        "epochs": 100,
        "gradient_accumulation_steps": 4,
        "validation": {"samples": 1000, "source": "pydataset", "batch_size": 7},
    },
}
EDITS = 25


def main() -> None:
    app = QApplication.instance() or QApplication([])
    QCoreApplication.setOrganizationName("EpochScopeBench")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "/tmp/epochscope-bench-settings")
    from gui.main_window import MainWindow

    window = MainWindow()
    window.ask_before_closing = False
    window.resize(1280, 720)
    window.show()
    app.processEvents()
    viewport = window.timeline.plot.viewport()
    print(f"{'scenario':56} {'median ms':>10} {'p90 ms':>8} {'redraw ms':>10} {'peak KiB':>9} {'blocks':>7} {'ticks':>6}")
    worst_median = 0.0
    for name, data in SCENARIOS.items():
        scenario = scenario_from_dict(data)
        window.form.set_scenario(scenario)
        app.processEvents()
        epochs = scenario.epochs
        times = []
        for index in range(EDITS):
            text = str(epochs - (index % 2))
            start = time.perf_counter()
            window.form.epochs.setText(text)
            window.form.epochs.textEdited.emit(text)
            viewport.repaint()
            times.append((time.perf_counter() - start) * 1000)
        redraws = []
        for _index in range(EDITS):  # the timeline alone: lay out the view and paint it, no plan or summary
            start = time.perf_counter()
            window.timeline.relayout()
            viewport.repaint()
            redraws.append((time.perf_counter() - start) * 1000)
        tracemalloc.start()
        window.form.epochs.setText(str(epochs))
        window.form.epochs.textEdited.emit(str(epochs))
        viewport.repaint()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        blocks = sum(len(b) for b in window.timeline.picture.blocks.values())
        ticks = len(window.timeline.picture.tick_points()[0])
        median = statistics.median(times)
        worst_median = max(worst_median, median)
        p90 = statistics.quantiles(times, n=10)[-1]
        redraw = statistics.median(redraws)
        print(f"{name:56} {median:10.2f} {p90:8.2f} {redraw:10.2f} {peak / 1024:9.1f} {blocks:7d} {ticks:6d}")
    window.close()
    verdict = "PASS" if worst_median <= 16 else "FAIL"
    print(f"\nlimit: median edit -> redraw at most 16 ms for every scenario -> {verdict} (worst median {worst_median:.2f} ms)")


if __name__ == "__main__":
    main()
