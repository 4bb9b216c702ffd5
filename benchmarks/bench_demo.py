"""The live demo's cost: steps per second with live plotting vs the same fit with no callbacks,
and how late a GUI timer fires while the fit runs.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_demo.py

The issue's limits: at least 0.9x the steps per second of the bare fit; GUI stalls (a 10 ms
timer's lateness) p99 at most 50 ms. The bare fit uses the same layers, data pipeline and
optimizer with Keras' own train_step and no callbacks; the demo runs through the real
window, its worker thread, live plot and playhead. Both reuse their compiled model after a
first warm-up run (the demo does so in the app too, see core/demo.py). Runs alternate, best of three each; the
timer's lateness is measured in two further demo runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCENARIO = {
    "train": {"samples": 20000, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "validation": {"samples": 2000, "source": "dataset", "batch_size": 64},
}


_bare_model: list = []


def bare_fit(scenario) -> tuple[float, int]:
    """The same layers, data and optimizer with Keras' own train_step and no callbacks.

    Like the demo, the model is built and compiled once and reset before each run, so
    neither side pays for building and tracing more than the first time.
    """
    import numpy as np

    from core.demo import LEARNING_RATE, NoisySine, demo_layers
    from core.pipelines import fit_arguments
    from core.tensorflow_loader import load_tensorflow

    tf, keras = load_tensorflow()
    if not _bare_model:
        layers = demo_layers(keras)

        class Bare(keras.Model):
            def __init__(self):
                super().__init__()
                self.stack = layers

            def call(self, x):
                features = x[:, 1:]
                for layer in self.stack:
                    features = layer(features)
                return features

        model = Bare()
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse")
        model(np.zeros((1, 2)))
        model.optimizer.build(model.trainable_variables)
        _bare_model.extend([model, model.get_weights()])
    model, initial = _bare_model
    model.set_weights(initial)
    for variable in model.optimizer.variables:
        variable.assign(tf.zeros_like(variable))
    kwargs = fit_arguments(scenario, NoisySine(), np, tf)
    start = time.perf_counter()
    model.fit(epochs=scenario.epochs, verbose=0, **kwargs)
    return time.perf_counter() - start, 0


def gui_fit(app, window, probe: bool) -> tuple[float, list[float]]:
    """One demo run through the window; with ``probe``, a 10 ms timer records its lateness."""
    from PySide6.QtCore import QEventLoop, QTimer

    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, (now - last[0]) * 1000 - 10))
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    window.demo.runningChanged.connect(lambda running: None if running else loop.quit())
    start = time.perf_counter()
    window.run_demo()
    if probe:
        timer.start()
    last[0] = time.perf_counter()
    if window.demo.running:
        loop.exec()  # idle like the app's own event loop, not a busy poll
    timer.stop()
    return time.perf_counter() - start, lateness


def main() -> None:
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from core import plan, scenario_from_dict
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    QCoreApplication.setOrganizationName("EpochScopeBench")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "/tmp/epochscope-bench-settings")
    scenario = scenario_from_dict(SCENARIO)
    planned = plan(scenario)
    steps = planned.totals.steps
    window = MainWindow(scenario)
    window.ask_before_closing = False
    window.resize(1280, 720)
    window.show()
    app.processEvents()
    bare_times, demo_times, lateness = [], [], []
    bare_fit(scenario)  # load TensorFlow, build and trace once, as the demo does on its first run
    gui_fit(app, window, probe=False)
    for _ in range(3):
        bare_times.append(bare_fit(scenario)[0])
        demo_times.append(gui_fit(app, window, probe=False)[0])
    # Stalls are measured in runs of their own: the probe's 100 wake-ups a second cost speed.
    for _ in range(2):
        lateness += gui_fit(app, window, probe=True)[1]
    window.close()
    bare_rate, demo_rate = steps / min(bare_times), steps / min(demo_times)
    ratio = demo_rate / bare_rate
    p99 = statistics.quantiles(lateness, n=100)[98] if len(lateness) >= 100 else max(lateness)
    print(f"scenario: {scenario.train.samples} samples, batch 32, 3 epochs + validation: {steps} training steps")
    print(f"bare fit, no callbacks:      {bare_rate:8.0f} steps/s  (best of 3: {min(bare_times):.2f} s)")
    print(f"demo with live plotting:     {demo_rate:8.0f} steps/s  (best of 3: {min(demo_times):.2f} s)")
    print(f"ratio: {ratio:.2f}x  (limit >= 0.90) -> {'PASS' if ratio >= 0.9 else 'FAIL'}")
    print(
        f"GUI timer lateness over {len(lateness)} ticks: median {statistics.median(lateness):.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(lateness):.1f} ms  (limit p99 <= 50) -> {'PASS' if p99 <= 50 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
