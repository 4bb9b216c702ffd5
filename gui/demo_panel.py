"""The live demo: a real Keras fit in a worker thread, its loss drawn live, the plan verified.

The worker is a QObject moved to a QThread; it only emits signals (style.md: a worker never
touches a widget). Keras 3 on TensorFlow on one device is imported in that thread, on the first
run, and fits there; any other flavour (tf.keras 2, the JAX or PyTorch backend, several devices)
fits in a process of its own that the thread reads line by line (``core.demo.FlavourDemo``), and
Cancel kills that process. Batches are handed over in bundles at most 30 times a second; the
panel appends them to its arrays and calls setData on curves made once.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.flavours import Flavour, flavour_of
from core.scenario import Scenario
from core.tensorflow_loader import install_hint, tensorflow_available
from gui.markup import escape
from gui.theme import Look, look_for, style_plot

if TYPE_CHECKING:  # core.demo (and core.compare with it) loads when the demo is first run, not at start
    from core.demo import DemoResult, DemoSetup, FlavourDemo

# Batches reach the GUI thread 10 times a second, and each bundle moves the progress bar and
# the playhead; the loss plot is redrawn every third bundle (~4 ms a paint). Every wake-up and
# every millisecond of Python in the GUI thread is taken from the fit's own Python loop, as
# they share the GIL: faster redraws measurably slowed the fit.
FLUSH_SECONDS = 0.1
PLOT_EVERY = 3
PLOT_ROW = 3  # the loss plot's place in the panel's column: under the buttons, status and verdict
IDLE_WORDS = "Trains a small real Keras model with these settings and checks the timeline against it."

Batch = tuple[str, int, int, int, int, float]  # phase, epoch, step, size, first sample, loss


class DemoWorker(QObject):
    """Runs one demo fit. Lives in its own thread; talks only through signals."""

    loading = Signal()
    fitting = Signal()
    progress = Signal(object)  # list[Batch]
    epochEnded = Signal(int, object)  # epoch (0-based), Keras' epoch logs
    finished = Signal(object)  # DemoResult
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()  # always last

    def __init__(self, setup: DemoSetup):
        super().__init__()
        self.setup = setup
        self.cancel_event = threading.Event()
        self._buffer: list[Batch] = []
        self._last_flush = 0.0
        self._nan: str | None = None
        # Another flavour's demo runs in a process of its own; stop() kills it from the GUI thread.
        self.flavour_demo: FlavourDemo | None = None
        if not self.in_process:
            from core.demo import FlavourDemo  # loaded by DemoPanel.start already

            self.flavour_demo = FlavourDemo(setup)

    @property
    def in_process(self) -> bool:
        from core.demo import runs_in_process  # loaded by DemoPanel.start already

        return runs_in_process(self.setup.scenario)

    def stop(self) -> None:
        """Stop the fit (thread-safe): the in-process fit at its next batch, another flavour's process at once."""
        self.cancel_event.set()
        if self.flavour_demo is not None:
            self.flavour_demo.stop()

    @Slot()
    def run(self) -> None:
        try:
            result = self._run_in_process() if self.flavour_demo is None else self._run_in_its_process()
            if result is None:
                return
            self._flush()
            if self._nan is not None:
                self.failed.emit(self._nan)
            elif result.cancelled:
                self.cancelled.emit()
            elif result.error and not result.verdict:  # the flavour is missing, or its process could not run
                self.failed.emit(result.error)
            else:
                self.finished.emit(result)
        except Exception as error:  # shown in the panel; the app carries on
            self.failed.emit(f"The demo fit failed: {type(error).__name__}: {error}")
        finally:
            self.done.emit()

    def _run_in_process(self) -> DemoResult | None:
        if not tensorflow_available():
            self.failed.emit(install_hint())
            return None
        self.loading.emit()
        from core.tensorflow_loader import load_tensorflow

        load_tensorflow()
        if self.cancel_event.is_set():
            self.cancelled.emit()
            return None
        self.fitting.emit()
        from core.demo import run_demo  # loaded by DemoPanel.start already

        return run_demo(self.setup, on_batch=self._batch, cancel=self.cancel_event, on_epoch_end=self._epoch_end)

    def _run_in_its_process(self) -> DemoResult:
        assert self.flavour_demo is not None
        self.loading.emit()
        return self.flavour_demo.run(on_batch=self._batch, on_epoch_end=self._epoch_end, on_fitting=self.fitting.emit)

    def _batch(self, phase: str, epoch: int, step: int, size: int, first: int, loss: float) -> None:
        self._buffer.append((phase, epoch, step, size, first, loss))
        if not math.isfinite(loss) and self._nan is None:
            self._nan = f"The loss became {loss} at epoch {epoch + 1}, {phase} step {step + 1}; the demo stopped."
            self.stop()
        now = time.monotonic()
        if now - self._last_flush >= FLUSH_SECONDS:
            self._flush()
            self._last_flush = now

    def _epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self._flush()
        self.epochEnded.emit(epoch, logs)

    def _flush(self) -> None:
        if self._buffer:
            bundle, self._buffer = self._buffer, []
            self.progress.emit(bundle)


class LossPlot(pg.PlotWidget):
    """The loss of each batch, Keras' running mean, epoch and validation losses, epoch boundaries."""

    def __init__(self, look: Look):
        super().__init__(enableMenu=False)  # pyqtgraph's own menu offers a broken SVG export
        self.setLabel("left", "loss")
        self.getAxis("left").enableAutoSIPrefix(False)  # else the label is re-laid out every frame
        self.setLabel("bottom", "training step")
        self.addLegend(offset=(-10, 10))
        self.setDownsampling(auto=True, mode="peak")  # draw what the pixels can show
        self.setClipToView(True)
        self.batch_curve = self.plot([], [], name="loss of each batch", connect="finite")
        self.mean_curve = self.plot([], [], name="Keras' running mean (logs['loss'])", connect="finite")
        self.epoch_points = self.plot([], [], pen=None, symbol="o", name="epoch loss")
        self.val_points = self.plot([], [], pen=None, symbol="s", name="validation loss")
        # Solid, not dashed: dashes cost a millisecond a frame to stroke.
        self.boundaries = self.plot([], [], connect="pairs")
        self.apply_look(look)

    def apply_look(self, look: Look) -> None:
        style_plot(self, look)
        self.batch_curve.setPen(pg.mkPen(look.loss_of_batch, width=look.loss_width))
        self.mean_curve.setPen(pg.mkPen(look.loss_mean, width=look.mean_width))
        for points, colour in ((self.epoch_points, look.text), (self.val_points, look.blocks["val"])):
            points.setSymbolBrush(colour)
            points.setSymbolPen(colour)
            points.setSymbolSize(look.point_size)
        self.boundaries.setPen(pg.mkPen(look.epoch_boundary, width=look.axis_width))


class DemoPanel(QWidget):
    """Run / Cancel, progress, the live loss plot and the verdict."""

    playhead = Signal(object)  # (epoch, lane, step) of the batch being trained, or None
    setupChanged = Signal(object)  # the DemoSetup about to run (its plan may be scaled down)
    runningChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.scenario: Scenario | None = None
        self.setup: DemoSetup | None = None
        self.result: DemoResult | None = None
        self.thread: QThread | None = None
        self.worker: DemoWorker | None = None
        self.state = "idle"  # idle | loading | fitting | cancelling

        self.run_button = QPushButton("Run demo")
        self.run_button.setToolTip("Train a small real Keras model with these exact settings (Ctrl+R)")
        self.run_button.clicked.connect(self.toggle)
        self.run_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.run_button.setMinimumWidth(120)
        self.status = QLabel(IDLE_WORDS)
        if not tensorflow_available():  # a lookup on the path, not an import: say it before the click
            self.status.setText(install_hint())
        self.status.setWordWrap(True)
        self._flavour = Flavour()  # the flavour the idle words are about
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setObjectName("verdict")

        # The loss plot is built when first needed (the tab shown, a run, an export): a second
        # plot costs ~12 ms, and the window's start is measured (benchmarks/bench_startup.py).
        self._loss_plot: LossPlot | None = None

        self.axis_buttons = QButtonGroup(self)
        axis_row = QHBoxLayout()
        axis_row.addWidget(QLabel("x axis:"))
        for index, key in enumerate(("steps", "epochs")):
            button = QRadioButton(key)
            button.setChecked(index == 0)
            button.setObjectName(f"demo_axis:{key}")
            self.axis_buttons.addButton(button, index)
            axis_row.addWidget(button)
        axis_row.addStretch(1)
        self.axis_buttons.idClicked.connect(self._redraw)
        self._dirty = False
        self._refreshes = 0
        self._x_label = "training step"
        self._marks_drawn: tuple = ()

        top = QHBoxLayout()
        top.addWidget(self.run_button)
        top.addWidget(self.progress_bar, 1)
        top.addStretch(0)
        self.column = QVBoxLayout(self)
        self.column.addLayout(top)
        self.column.addWidget(self.status)
        self.column.addWidget(self.verdict)
        self.column.addStretch(1)  # where the loss plot goes, at PLOT_ROW
        self.column.addLayout(axis_row)
        self._verdict: tuple[bool, str] | None = None  # (good, words), coloured by the look
        self.look = look_for(dark=False, presenting=False)
        self._show_verdict()
        self._reset_data()

    @property
    def plot(self) -> LossPlot:
        return self._loss_plot or self._build_plot()

    def _build_plot(self) -> LossPlot:
        """Put the loss plot in its place and draw what the panel holds so far."""
        self._loss_plot = LossPlot(self.look)
        self.column.removeItem(self.column.itemAt(PLOT_ROW))
        self.column.insertWidget(PLOT_ROW, self._loss_plot, 1)
        self._marks_drawn = ()
        self._redraw()
        return self._loss_plot

    def showEvent(self, event: QShowEvent) -> None:
        if self._loss_plot is None:  # built on first sight
            self._build_plot()
        super().showEvent(event)

    def apply_look(self, look: Look) -> None:
        self.look = look
        if self._loss_plot is not None:
            self._loss_plot.apply_look(look)
        self._show_verdict()

    def _set_verdict(self, verdict: tuple[bool, str] | None) -> None:
        self._verdict = verdict
        self._show_verdict()

    def _show_verdict(self) -> None:
        if self._verdict is None:
            self.verdict.setText("")
            return
        good, words = self._verdict
        colour = self.look.good if good else self.look.alarm
        self.verdict.setText(f'<span style="color:{colour}; font-weight:bold;">{escape(words, quote=False)}</span>')

    # ------------------------------------------------------------ running

    def set_scenario(self, scenario: Scenario) -> None:
        self.scenario = scenario
        flavour = flavour_of(scenario)
        if flavour != self._flavour and not self.running:
            self._flavour = flavour
            self.status.setText(self.idle_words(flavour))

    @staticmethod
    def idle_words(flavour: Flavour) -> str:
        """What the panel says before a run: what it will run, or what to install for it (a lookup, not an import)."""
        if flavour.missing():
            from core.record_flavour import missing_words

            return missing_words(flavour)
        if flavour == Flavour():
            return IDLE_WORDS if tensorflow_available() else install_hint()
        return f"{IDLE_WORDS[:-1]}, with {flavour.label} in a process of its own."

    @property
    def running(self) -> bool:
        return self.thread is not None

    @Slot()
    def toggle(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.start()

    def start(self) -> None:
        if self.running or self.scenario is None:
            return
        flavour = flavour_of(self.scenario)
        if flavour.missing():  # nothing to start: say what to install, where the verdict goes
            self._set_verdict((False, self.idle_words(flavour)))
            return
        from core.demo import prepare_demo

        self.setup = prepare_demo(self.scenario)
        self.result = None
        self._reset_data()
        self.setupChanged.emit(self.setup)
        notes = " ".join(self.setup.notes)
        self.status.setText(notes or "Starting...")
        self._set_verdict(None)
        total = self.setup.steps_to_run()  # what the demo runs, never a plan's 10^12 (QProgressBar counts in int32)
        self.progress_bar.setRange(0, 0)  # busy until TensorFlow is loaded
        in_process = flavour == Flavour()
        self.progress_bar.setFormat("loading TensorFlow..." if in_process else f"starting {flavour.label}...")
        self.progress_bar.show()
        self._total_steps = max(1, total)
        self._frame_plot()

        thread = QThread()
        worker = DemoWorker(self.setup)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.loading.connect(self._loading)
        worker.fitting.connect(self._fitting)
        worker.progress.connect(self._progress)
        worker.epochEnded.connect(self._epoch_ended)
        worker.finished.connect(self._finished)
        worker.failed.connect(self._failed)
        worker.cancelled.connect(self._cancelled)
        worker.done.connect(thread.quit)
        thread.finished.connect(self._thread_finished)
        self.thread, self.worker = thread, worker
        self._set_state("loading")
        thread.start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self._set_state("cancelling")

    def shutdown(self) -> None:
        """Stop any fit (another flavour's process is killed) and wait for its thread: nothing outlives the window."""
        if self.thread is None:
            return
        assert self.worker is not None
        self.worker.stop()
        self.thread.quit()
        self.thread.wait()
        self._thread_finished()

    def _set_state(self, state: str) -> None:
        self.state = state
        running = state != "idle"
        self.run_button.setText({"idle": "Run demo", "cancelling": "Cancelling..."}.get(state, "Cancel"))
        self.run_button.setEnabled(state != "cancelling")
        self.runningChanged.emit(running)

    # ------------------------------------------------------------ worker signals (GUI thread)

    @Slot()
    def _loading(self) -> None:
        flavour = flavour_of(self.setup.scenario) if self.setup else Flavour()
        if flavour == Flavour():
            loading = "Loading TensorFlow (first run only)... "
        else:
            loading = f"Starting {flavour.label} in a process of its own (a few seconds)... "
        self.status.setText((loading + " ".join(self.setup.notes if self.setup else ())).strip())

    @Slot()
    def _fitting(self) -> None:
        self._set_state("fitting")
        self.progress_bar.setRange(0, self._total_steps)
        self.progress_bar.setFormat("%v of %m steps")
        self.status.setText(" ".join(self.setup.notes) if self.setup and self.setup.notes else "Training...")

    @Slot(object)
    def _progress(self, bundle: list[Batch]) -> None:
        for phase, epoch, step, size, _first, loss in bundle:
            self._steps_done += 1
            if phase != "train":
                continue
            if epoch != self._mean_epoch:
                self._mean_epoch, self._weighted, self._weights = epoch, 0.0, 0
                self._epoch_starts.append(self._train_steps)
            self._weighted += loss * size
            self._weights += size
            self._append(loss, self._weighted / max(1, self._weights), epoch, step)
        self._last_batch = bundle[-1]
        self._dirty = True
        self._refresh()  # bundles come at the refresh pace: one wake-up of the GUI thread, not two

    @Slot()
    def _refresh(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self.progress_bar.setValue(min(self._steps_done, self._total_steps))
        if self._last_batch is not None:
            phase, epoch, step = self._last_batch[:3]
            self.playhead.emit((epoch, phase, step))
        self._refreshes += 1
        if self._refreshes % PLOT_EVERY == 0 or not self.running:
            self._redraw()

    @Slot(int, object)
    def _epoch_ended(self, epoch: int, logs: dict[str, float]) -> None:
        if math.isfinite(logs.get("loss", math.nan)):
            self._epoch_losses.append((self._train_steps, epoch + 1, logs["loss"]))
        if math.isfinite(logs.get("val_loss", math.nan)):
            self._val_losses.append((self._train_steps, epoch + 1, logs["val_loss"]))
        self._dirty = True

    @Slot(object)
    def _finished(self, result: DemoResult) -> None:
        self.result = result
        mark = "\u2713" if result.matches else "\u2717"
        self._set_verdict((result.matches, f"{mark} {result.verdict}"))
        self.status.setText(" ".join(self.setup.notes) if self.setup and self.setup.notes else "Done.")

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._set_verdict((False, message))
        self.status.setText("The demo did not finish; the rest of the app works as before.")

    @Slot()
    def _cancelled(self) -> None:
        self.status.setText("Cancelled.")

    @Slot()
    def _thread_finished(self) -> None:
        if self.thread is None:
            return
        self.thread.deleteLater()
        if self.worker is not None:
            self.worker.deleteLater()
        self.thread, self.worker = None, None
        self._dirty = True
        self._refresh()
        self._redraw()
        self.progress_bar.hide()
        self.playhead.emit(None)
        self._set_state("idle")

    # ------------------------------------------------------------ plotting

    def _reset_data(self) -> None:
        self._capacity = 1024
        self._losses = np.zeros(self._capacity)
        self._means = np.zeros(self._capacity)
        self._epochs = np.zeros(self._capacity)
        self._steps_in_epoch = np.zeros(self._capacity)
        self._train_steps = 0
        self._steps_done = 0
        self._mean_epoch = -1
        self._weighted, self._weights = 0.0, 0
        self._epoch_starts: list[int] = []
        self._epoch_steps: list[int] = []
        self._last_batch: Batch | None = None
        self._y_top = 0.0
        self._marks_drawn = ()
        self._epoch_losses: list[tuple[int, int, float]] = []
        self._val_losses: list[tuple[int, int, float]] = []
        self._redraw()

    def _append(self, loss: float, mean: float, epoch: int, step: int) -> None:
        if self._train_steps == self._capacity:
            self._capacity *= 2
            for name in ("_losses", "_means", "_epochs", "_steps_in_epoch"):
                grown = np.zeros(self._capacity)
                grown[: self._train_steps] = getattr(self, name)[: self._train_steps]
                setattr(self, name, grown)
        index = self._train_steps
        self._losses[index], self._means[index] = loss, mean
        self._epochs[index], self._steps_in_epoch[index] = epoch, step
        self._train_steps += 1

    def losses(self) -> tuple[np.ndarray, np.ndarray]:
        """(per-batch losses, Keras-style running means) of the training steps so far."""
        return self._losses[: self._train_steps].copy(), self._means[: self._train_steps].copy()

    def _frame_plot(self) -> None:
        """Fix the x range to the whole planned run, so redraws re-range nothing (the plan knows the steps)."""
        self.plot.disableAutoRange()
        by_epochs = self.axis_buttons.checkedId() == 1
        if self.setup is None:
            return
        planned = self.setup.plan
        steps = self.setup.steps_to_run(validation=False)
        epochs = len(planned.epochs) + (1 if planned.outcome == "endless" else 0)
        self.plot.setXRange(0, max(1, epochs if by_epochs else steps), padding=0.02)
        self.plot.setYRange(0, self._y_top, padding=0)

    def _grow_y(self, count: int) -> None:
        """Raise the y range only when a loss goes above it: most redraws then re-range nothing."""
        if not count:
            return
        finite = self._losses[:count][np.isfinite(self._losses[:count])]
        top = float(finite.max()) if len(finite) else 1.0
        if top > self._y_top:
            self._y_top = top * 1.15
            self.plot.setYRange(0, self._y_top, padding=0)

    @Slot()
    def _redraw(self, *_args: object) -> None:
        """The curves every time; the epoch marks only when an epoch ended or the axis changed."""
        if self._loss_plot is None:
            return  # drawn in full when it is built
        count = self._train_steps
        by_epochs = self.axis_buttons.checkedId() == 1
        x = self._x(np.arange(count), by_epochs)
        self.plot.batch_curve.setData(x, self._losses[:count])
        self.plot.mean_curve.setData(x, self._means[:count])
        self._grow_y(count)
        label = "epoch" if by_epochs else "training step"
        marks = (len(self._epoch_losses), len(self._val_losses), len(self._epoch_starts), label)
        if marks == self._marks_drawn:
            return
        self._marks_drawn = marks
        if label != self._x_label:
            self.plot.setLabel("bottom", label)
            self._x_label = label
            self._frame_plot()
        ends = self._epoch_losses
        self.plot.epoch_points.setData([e if by_epochs else s for s, e, _ in ends], [loss for *_, loss in ends])
        vals = self._val_losses
        self.plot.val_points.setData([e if by_epochs else s for s, e, _ in vals], [loss for *_, loss in vals])
        if count and self._epoch_starts:
            top = max(self._y_top, 1e-9)
            starts = np.asarray(self._epoch_starts, dtype=float)
            xs = starts if not by_epochs else np.arange(len(starts), dtype=float)
            self.plot.boundaries.setData(np.repeat(xs, 2), np.tile([0.0, top], len(xs)))
        else:
            self.plot.boundaries.setData([], [])

    def _x(self, index: np.ndarray, by_epochs: bool) -> np.ndarray:
        if not by_epochs or not len(index):
            return index.astype(float)
        epochs = self._epochs[index].astype(np.int64)
        last = int(epochs.max())
        setup = self.setup
        # Each epoch's planned training steps, asked of the plan once per epoch, not once per redraw.
        while len(self._epoch_steps) <= last:
            self._epoch_steps.append(setup.part_steps(len(self._epoch_steps), "train") if setup else 1)
        sizes = np.asarray(self._epoch_steps[: last + 1])
        return epochs + self._steps_in_epoch[index] / np.maximum(sizes, 1)[epochs]


def install(window) -> None:
    """Adds the loss plot's actions to the window (window.menus, window.add_action)."""
