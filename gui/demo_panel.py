"""The live demo: a real Keras fit in a worker thread, its loss drawn live, the plan verified.

The worker is a QObject moved to a QThread; it only emits signals (style.md: a worker never
touches a widget). Keras 3 on TensorFlow on one device is imported in that thread, on the first
run, and fits there; any other flavour (tf.keras 2, the JAX or PyTorch backend, several devices)
fits in a process of its own that the thread reads line by line (``core.demo.FlavourDemo``), and
Cancel kills that process. Batches are handed over in bundles at most 30 times a second; the
panel appends them to arrays grown by doubling and calls setData on curves made once (gui.loss_plot).

Each finished run is kept, faded, under the next ones until Clear runs (a cancelled or failed run
is not: its numbers stop part-way); the last run's numbers can be saved as CSV.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, QThread, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from core.flavours import Flavour, flavour_of
from core.scenario import Scenario
from core.tensorflow_loader import install_hint, tensorflow_available
from core.words import count_words
from gui.markup import escape
from gui.theme import Look, look_for

if TYPE_CHECKING:  # core.demo (and core.compare with it) loads when the demo is first run, not at start
    from core.demo import DemoResult, DemoSetup, FlavourDemo
    from core.loss_runs import RunNumbers
    from gui.loss_plot import LossPlot
    from gui.main_window import MainWindow

# Batches reach the GUI thread 10 times a second, and each bundle moves the progress bar and
# the playhead; the loss plot is redrawn every third bundle (~4 ms a paint). Every wake-up and
# every millisecond of Python in the GUI thread is taken from the fit's own Python loop, as
# they share the GIL: faster redraws measurably slowed the fit.
FLUSH_SECONDS = 0.1
PLOT_EVERY = 3
PLOT_ROW = 1  # the loss plot's place in the panel's column: under the buttons, status and verdict
# Finished runs kept on the plot, faded, beside the current one; the oldest goes when one more is kept.
MAX_KEPT_RUNS = 5
# The smoothing slider's notches: weights 0, 0.01, ..., 0.99 (TensorBoard's control, which starts at 0 here).
SMOOTHING_NOTCHES = 100
NUMBERS_ACTION = "Loss plot numbers as CSV..."  # in File > Export, beside the pictures
# When presenting, a running demo's share of the window's height (its type is 1.6 times larger; a third left a strip).
NOT_KEPT_WORDS = "A cancelled run is not kept on the plot when the next run starts: only finished runs are."
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

        self.clear_button = QPushButton("Clear runs")
        self.clear_button.setToolTip("Take the earlier runs off the plot; the last run stays")
        self.clear_button.clicked.connect(self.clear_runs)
        self.numbers_button = QPushButton("Save numbers as CSV...")
        self.numbers_button.setToolTip("Each training batch of the last run: step, epoch, batch size, first sample, losses")
        for button in (self.clear_button, self.numbers_button):
            button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            button.setEnabled(False)

        controls = QHBoxLayout()
        self.axis_buttons = self._choice(controls, "x axis:", "demo_axis", ("steps", "epochs"))
        self.axis_buttons.idClicked.connect(self._redraw)
        controls.addSpacing(16)
        # Log by default: the loss falls by orders of magnitude, and on a linear axis everything after
        # the first epoch is a flat line along the bottom.
        self.y_buttons = self._choice(controls, "y axis:", "demo_y", ("log", "linear"))
        self.y_buttons.idClicked.connect(self._y_axis_chosen)
        controls.addSpacing(16)
        controls.addWidget(QLabel("smoothing:"))
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setObjectName("demo_smoothing")
        self.smoothing_slider.setRange(0, SMOOTHING_NOTCHES - 1)
        self.smoothing_slider.setMinimumWidth(90)
        self.smoothing_slider.setToolTip("An exponential moving average of the batch losses, as TensorBoard's; 0 is off")
        self.smoothing_slider.valueChanged.connect(self._smoothing_changed)
        controls.addWidget(self.smoothing_slider, 1)
        self.smoothing_label = QLabel("0.00")
        controls.addWidget(self.smoothing_label)
        self._dirty = False
        self._refreshes = 0
        self._x_label = "training step"
        self._marks_drawn: tuple = ()
        self._kept: list[tuple[Scenario, np.ndarray, np.ndarray, np.ndarray]] = []  # scenario, x steps, x epochs, losses
        self._kept_drawn: tuple = ()
        self._run_finished = False  # the last run ended as Keras finished it: kept when the next starts
        self._total_steps = 1  # the progress bar's end, set when a run starts

        # The words beside the buttons, not under them: every line saved goes to the plot (1280x720, presentation mode).
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.status)
        words.addWidget(self.verdict)
        words.addWidget(self.progress_bar)
        top = QHBoxLayout()
        top.addWidget(self.run_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(words, 1)
        for button in (self.clear_button, self.numbers_button):
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.column = QVBoxLayout(self)
        self.column.addLayout(top)
        self.column.addStretch(1)  # where the loss plot goes, at PLOT_ROW
        self.column.addLayout(controls)
        self._verdict: tuple[bool | None, str] | None = None  # (good, words), coloured by the look; None: a plain note
        self.look = look_for(dark=False, presenting=False)
        self._show_verdict()
        self._reset_data()

    def _choice(self, row: QHBoxLayout, words: str, name: str, keys: tuple[str, ...]) -> QButtonGroup:
        """Radio buttons in the row, the first checked; their ids are their places."""
        group = QButtonGroup(self)
        row.addWidget(QLabel(words))
        for index, key in enumerate(keys):
            button = QRadioButton(key)
            button.setChecked(index == 0)
            button.setObjectName(f"{name}:{key}")
            group.addButton(button, index)
            row.addWidget(button)
        return group

    @property
    def log_y(self) -> bool:
        return self.y_buttons.checkedId() == 0

    @property
    def smoothing(self) -> float:
        """The smoothing weight chosen, 0 (off) to 0.99."""
        return self.smoothing_slider.value() / SMOOTHING_NOTCHES

    @property
    def plot(self) -> LossPlot:
        return self._loss_plot or self._build_plot()

    def _build_plot(self) -> LossPlot:
        """Put the loss plot in its place and draw what the panel holds so far."""
        from gui.loss_plot import LossPlot

        self._loss_plot = LossPlot(self.look)
        self._loss_plot.set_log_y(self.log_y)
        self._loss_plot.scene().sigMouseMoved.connect(self._pointer_moved)
        self.column.removeItem(self.column.itemAt(PLOT_ROW))
        self.column.insertWidget(PLOT_ROW, self._loss_plot, 1)
        self._marks_drawn = ()
        self._kept_drawn = ()
        self._apply_y_range()
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
            self._kept_drawn = ()  # the kept runs' pens follow the look
            self._redraw()
        self._show_verdict()

    def _set_verdict(self, verdict: tuple[bool | None, str] | None) -> None:
        self._verdict = verdict
        self._show_verdict()

    def _show_verdict(self) -> None:
        if self._verdict is None:
            self.verdict.setText("")
            return
        good, words = self._verdict
        if good is None:  # a note, not a verdict on the plan
            self.verdict.setText(f'<span style="color:{self.look.muted};">{escape(words, quote=False)}</span>')
            return
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

        if self._run_finished and self._train_steps:
            self._keep_last_run()
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
        self._enable_buttons()
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
        for phase, epoch, step, size, first, loss in bundle:
            self._steps_done += 1
            if phase != "train":
                continue
            if epoch != self._mean_epoch:
                self._mean_epoch, self._weighted, self._weights = epoch, 0.0, 0
                self._epoch_starts.append(self._train_steps)
            self._weighted += loss * size
            self._weights += size
            self._append(loss, self._weighted / max(1, self._weights), epoch, step, size, first)
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
        self._run_finished = True
        mark = "\u2713" if result.matches else "\u2717"
        self._set_verdict((result.matches, f"{mark} {result.verdict}"))
        self.status.setText(" ".join(self.setup.notes) if self.setup and self.setup.notes else "Done.")

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._set_verdict((False, message))
        self.status.setText(
            "The demo did not finish; the rest of the app works as before. Its losses are not kept on the plot for the next run."
        )

    @Slot()
    def _cancelled(self) -> None:
        self.status.setText("Cancelled.")
        if self._train_steps:  # its curve stops part-way: nothing to compare a finished run with
            self._set_verdict((None, NOT_KEPT_WORDS))

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
        self._enable_buttons()

    # ------------------------------------------------------------ plotting

    def _reset_data(self) -> None:
        self._capacity = 1024
        self._losses = np.zeros(self._capacity)
        self._means = np.zeros(self._capacity)
        self._epochs = np.zeros(self._capacity, dtype=np.int64)
        self._steps_in_epoch = np.zeros(self._capacity, dtype=np.int64)
        self._sizes = np.zeros(self._capacity, dtype=np.int64)
        self._firsts = np.zeros(self._capacity, dtype=np.int64)
        self._train_steps = 0
        self._steps_done = 0
        self._mean_epoch = -1
        self._weighted, self._weights = 0.0, 0
        self._epoch_starts: list[int] = []
        self._epoch_steps: list[int] = []
        self._last_batch: Batch | None = None
        self._run_finished = False
        # The y extent of what is drawn (the kept runs' too), and the range shown: grown only when a loss leaves it.
        self._y_seen = 0
        self._y_low, self._y_high = self._kept_extent()
        self._y_range: tuple[float, float] | None = None
        self._grow_y(0)  # the kept runs in view before this run's first batch
        self._marks_drawn = ()
        self._epoch_losses: list[tuple[int, int, float]] = []
        self._val_losses: list[tuple[int, int, float]] = []
        self._smoothed = np.zeros(0)
        self._apply_y_range()
        self._redraw()

    def _append(self, loss: float, mean: float, epoch: int, step: int, size: int, first: int) -> None:
        if self._train_steps == self._capacity:
            self._capacity *= 2
            for name in ("_losses", "_means", "_epochs", "_steps_in_epoch", "_sizes", "_firsts"):
                old = getattr(self, name)
                grown = np.zeros(self._capacity, dtype=old.dtype)
                grown[: self._train_steps] = old[: self._train_steps]
                setattr(self, name, grown)
        index = self._train_steps
        self._losses[index], self._means[index] = loss, mean
        self._epochs[index], self._steps_in_epoch[index] = epoch, step
        self._sizes[index], self._firsts[index] = size, first
        self._train_steps += 1

    def losses(self) -> tuple[np.ndarray, np.ndarray]:
        """(per-batch losses, Keras-style running means) of the training steps so far."""
        return self._losses[: self._train_steps].copy(), self._means[: self._train_steps].copy()

    def _first_epoch(self) -> int:
        """Keras numbers epochs after initial_epoch, as its progress bar does; the worker counts from 0."""
        return getattr(self.setup.scenario, "initial_epoch", 0) if self.setup is not None else 0

    def numbers(self) -> RunNumbers | None:
        """The last run's training batches, a row each (None before any batch): what Save numbers as CSV writes."""
        from core.loss_runs import RunNumbers

        count = self._train_steps
        if not count:
            return None
        validation = np.full(count, np.nan)
        for steps, _epoch, loss in self._val_losses:  # on the last training row of the epoch it followed
            if steps:
                validation[steps - 1] = loss
        return RunNumbers(
            epochs=self._epochs[:count] + self._first_epoch() + 1,
            sizes=self._sizes[:count].copy(),
            firsts=self._firsts[:count].copy(),
            losses=self._losses[:count].copy(),
            means=self._means[:count].copy(),
            validation=validation,
        )

    # ------------------------------------------------------------ runs kept

    def _keep_last_run(self) -> None:
        """The run that just finished stays on the plot, faded; past MAX_KEPT_RUNS the oldest goes."""
        assert self.setup is not None
        count = self._train_steps
        index = np.arange(count)
        scenario = self.setup.asked or self.setup.scenario  # the form's settings: what the student changed
        self._kept.append((scenario, index + 1.0, self._x(index, True), self._losses[:count].copy()))
        del self._kept[:-MAX_KEPT_RUNS]
        self._kept_drawn = ()

    def kept_runs(self) -> int:
        return len(self._kept)

    @Slot()
    def clear_runs(self) -> None:
        """Take the kept runs off the plot; the last run stays."""
        self._kept.clear()
        self._kept_drawn = ()
        self._y_seen = 0
        self._y_low, self._y_high = self._kept_extent()
        self._y_range = None
        self._grow_y(self._train_steps)
        self._apply_y_range()
        self._marks_drawn = ()
        self._redraw()
        self._enable_buttons()

    def _kept_extent(self) -> tuple[float, float]:
        """(smallest positive, largest) finite loss of the kept runs; (inf, -inf) with none."""
        low, high = math.inf, -math.inf
        for *_, losses in self._kept:
            finite = losses[np.isfinite(losses)]
            if len(finite):
                high = max(high, float(finite.max()))
                positive = finite[finite > 0]
                low = min(low, float(positive.min())) if len(positive) else low
        return low, high

    def labels(self) -> tuple[list[str], str]:
        """(each kept run's label, the current run's): what differs between them, in plain words."""
        if not self._kept:
            return [], ""
        from core.loss_runs import run_labels

        scenarios = [scenario for scenario, *_ in self._kept]
        current = self.setup.asked or self.setup.scenario if self.setup is not None and self._train_steps else None
        labels = run_labels(scenarios + ([current] if current is not None else []))
        return labels[: len(scenarios)], labels[len(scenarios)] if current is not None else ""

    def _enable_buttons(self) -> None:
        self.clear_button.setEnabled(bool(self._kept))
        self.numbers_button.setEnabled(not self.running and self._train_steps > 0)

    # ------------------------------------------------------------ axes and controls

    @Slot(int)
    def _y_axis_chosen(self, _id: int) -> None:
        if self._loss_plot is None:
            return
        self._loss_plot.set_log_y(self.log_y)
        self._y_range = None
        self._grow_y(self._train_steps)
        self._apply_y_range()
        self._marks_drawn = ()
        self._redraw()

    @Slot(int)
    def _smoothing_changed(self, _value: int) -> None:
        self.smoothing_label.setText(f"{self.smoothing:.2f}")
        self._kept_drawn = ()
        self._redraw()

    def _frame_plot(self) -> None:
        """Fix the x range to the whole planned run, so redraws re-range nothing (the plan knows the steps)."""
        self.plot.disableAutoRange()
        by_epochs = self.axis_buttons.checkedId() == 1
        self._apply_y_range()
        if self.setup is None:
            return
        planned = self.setup.plan
        steps = self.setup.steps_to_run(validation=False)
        epochs = len(planned.epochs) + (1 if planned.outcome == "endless" else 0)
        kept = max((len(losses) for *_, losses in self._kept), default=0)  # the kept runs stay in view
        kept_epochs = max((float(x[-1]) for _s, _x, x, losses in self._kept if len(losses)), default=0.0)
        if by_epochs:
            self.plot.setXRange(0, max(1, epochs, math.ceil(kept_epochs)), padding=0.02)
        else:
            self.plot.setXRange(0.5, max(1, steps, kept) + 0.5, padding=0.02)

    def _grow_y(self, count: int) -> None:
        """Widen the y range only when a loss goes outside it: most redraws then re-range nothing."""
        new = self._losses[self._y_seen : count]
        self._y_seen = count
        finite = new[np.isfinite(new)]
        if len(finite):
            self._y_high = max(self._y_high, float(finite.max()))
            positive = finite[finite > 0]
            if len(positive):
                self._y_low = min(self._y_low, float(positive.min()))
        if not math.isfinite(self._y_high):
            return
        shown = self._y_range
        if self.log_y:
            if not math.isfinite(self._y_low):
                return
            if shown is None or self._y_high > shown[1] or self._y_low < shown[0]:
                # Half a decade to spare below: a falling loss re-ranges every few redraws, not every one.
                self._y_range = (self._y_low / 3, self._y_high * 1.5)
                self._apply_y_range()
        elif shown is None or self._y_high > shown[1]:
            self._y_range = (0.0, self._y_high * 1.15)
            self._apply_y_range()

    def _apply_y_range(self) -> None:
        if self._loss_plot is None:
            return
        low, high = self._y_range or ((0.01, 1.0) if self.log_y else (0.0, 1.0))
        if self.log_y:
            self._loss_plot.setYRange(math.log10(low), math.log10(high), padding=0)
        else:
            self._loss_plot.setYRange(low, high, padding=0)

    # ------------------------------------------------------------ drawing

    @Slot()
    def _redraw(self, *_args: object) -> None:
        """The curves every time; the kept runs when they, the smoothing or the axis changed; the epoch marks
        when an epoch ended or the y range changed."""
        if self._loss_plot is None:
            return  # drawn in full when it is built
        from core.loss_runs import smoothed

        plot = self._loss_plot
        count = self._train_steps
        by_epochs = self.axis_buttons.checkedId() == 1
        x = self._x(np.arange(count), by_epochs)
        losses = self._losses[:count]
        plot.batch_curve.setData(x, losses)
        weight = self.smoothing
        self._smoothed = smoothed(losses, weight) if weight else np.zeros(0)
        plot.smooth_curve.setData(x, self._smoothed) if weight else plot.smooth_curve.setData([], [])
        plot.show_smoothing(weight > 0)
        plot.mean_curve.setData(x, self._means[:count])
        self._grow_y(count)
        self._draw_kept_runs(by_epochs, weight)
        label = "epoch" if by_epochs else "training step"
        marks = (len(self._epoch_losses), len(self._val_losses), len(self._epoch_starts), label, self._y_range, self.log_y)
        if marks == self._marks_drawn:
            return
        self._marks_drawn = marks
        if label != self._x_label:
            plot.setLabel("bottom", label)
            self._x_label = label
            self._frame_plot()
        ends = self._epoch_losses
        plot.epoch_points.setData([e if by_epochs else s for s, e, _ in ends], [loss for *_, loss in ends])
        vals = self._val_losses
        plot.val_points.setData([e if by_epochs else s for s, e, _ in vals], [loss for *_, loss in vals])
        starts = np.asarray(self._epoch_starts, dtype=float)
        numbers = self._epochs[np.asarray(self._epoch_starts, dtype=np.int64)] + self._first_epoch() + 1
        # Between the last batch of one epoch and the first of the next (steps count from 1 on the x axis).
        xs = self._epochs[np.asarray(self._epoch_starts, dtype=np.int64)].astype(float) if by_epochs else starts + 0.5
        low, high = self._y_range or (1.0, 1.0)
        plot.set_epoch_lines(xs if count else xs[:0], numbers, (low if self.log_y else 0.0, high))

    def _draw_kept_runs(self, by_epochs: bool, weight: float) -> None:
        labels, current = self.labels()
        drawn = (len(self._kept), id(self._kept[0][3]) if self._kept else 0, by_epochs, weight, current, self.look)
        if drawn == self._kept_drawn:
            return
        self._kept_drawn = drawn
        from core.loss_runs import smoothed

        self.plot.set_kept_runs(
            [
                (label, x_epochs if by_epochs else x_steps, smoothed(losses, weight))
                for label, (_scenario, x_steps, x_epochs, losses) in zip(labels, self._kept, strict=True)
            ]
        )
        self.plot.set_current_label(current)

    def _x(self, index: np.ndarray, by_epochs: bool) -> np.ndarray:
        """Where each training batch is drawn: its step counted from 1, or its epoch and the fraction of it done."""
        if not by_epochs or not len(index):
            return index.astype(float) + 1.0
        epochs = self._epochs[index].astype(np.int64)
        last = int(epochs.max())
        setup = self.setup
        # Each epoch's planned training steps, asked of the plan once per epoch, not once per redraw.
        while len(self._epoch_steps) <= last:
            self._epoch_steps.append(setup.part_steps(len(self._epoch_steps), "train") if setup else 1)
        sizes = np.asarray(self._epoch_steps[: last + 1])
        return epochs + self._steps_in_epoch[index] / np.maximum(sizes, 1)[epochs]

    # ------------------------------------------------------------ the readout under the pointer

    @Slot(object)
    def _pointer_moved(self, position: QPointF) -> None:
        """The batch nearest the pointer: marked, with its step, epoch, losses (and the kept runs' at that step)."""
        plot = self._loss_plot
        count = self._train_steps
        view = plot.getViewBox() if plot is not None else None
        if plot is None or view is None or not count or not view.sceneBoundingRect().contains(position):
            if plot is not None:
                plot.hide_readout()
            return
        by_epochs = self.axis_buttons.checkedId() == 1
        xs = self._x(np.arange(count), by_epochs)
        pointer = view.mapSceneToView(position).x()
        index = int(np.clip(np.searchsorted(xs, pointer), 1, count - 1)) if count > 1 else 0
        if index and abs(xs[index - 1] - pointer) <= abs(xs[index] - pointer):
            index -= 1
        loss = float(self._losses[index])
        # Three lines at most, so it fits a short plot: where, this run's losses, the kept runs' at the same step.
        labels, current = self.labels()
        where = f"step {index + 1:,} \u00b7 epoch {int(self._epochs[index]) + self._first_epoch() + 1:,}"
        numbers = [f"batch loss {loss_words(loss)}", f"running mean {loss_words(float(self._means[index]))}"]
        if len(self._smoothed) > index:
            numbers.append(f"smoothed {loss_words(float(self._smoothed[index]))}")
        kept = [
            f"{label}: {loss_words(float(losses[index]))}"
            for label, (*_, losses) in zip(labels, self._kept, strict=True)
            if index < len(losses)
        ]
        lines = [where + (f" \u00b7 {current}" if current else ""), " \u00b7 ".join(numbers)] + (
            [" \u00b7 ".join(kept)] if kept else []
        )
        plot.show_readout(float(xs[index]), loss, "\n".join(lines))


def loss_words(loss: float) -> str:
    """A loss to four significant digits, never in e-notation: 0.1234, 0.0004567, 12.35."""
    if not math.isfinite(loss):
        return str(loss)
    return np.format_float_positional(loss, precision=4, unique=False, fractional=False, trim="-")


def install(window: MainWindow) -> None:
    """The loss plot's actions: File > Export > its numbers as CSV (and the panel's button), Demo > Clear the kept runs."""
    window.add_action(window.menus["export"], NUMBERS_ACTION, None, lambda: save_numbers_dialog(window))
    window.add_action(window.menus["demo"], "&Clear the kept runs from the loss plot", None, window.demo.clear_runs)
    window.demo.numbers_button.clicked.connect(lambda: save_numbers_dialog(window))


def save_numbers_dialog(window: MainWindow) -> bool:
    """Ask where, then write the last run's numbers; before any run, say so in the status bar."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    if window.demo.running or window.demo.numbers() is None:
        why = "wait for the demo to finish" if window.demo.running else "run the demo first (Ctrl+R)"
        window.statusBar().showMessage(f"No loss plot numbers to save yet: {why}.", 10000)
        return False
    start = Path(str(window.settings.value("last_folder", str(Path.home())))) / "loss-plot-numbers.csv"
    path, _ = QFileDialog.getSaveFileName(window, "Save the loss plot's numbers", str(start), "CSV (*.csv)")
    if not path:
        return False
    if not path.lower().endswith(".csv"):
        path += ".csv"
    return save_numbers(window, path)


def save_numbers(window: MainWindow, path: str) -> bool:
    """Write the last run's numbers to path, whole or not at all; a failure is one line, and nothing else changes."""
    from pathlib import Path

    from PySide6.QtWidgets import QMessageBox

    from core.files import write_atomically
    from core.scenario import printable

    numbers = window.demo.numbers()
    if numbers is None:
        return False
    try:
        write_atomically(path, numbers.csv_bytes())
    except OSError as error:
        words = f"{printable(path)}: {error.strerror or error}"
        window.statusBar().showMessage(words, 15000)
        if window.isVisible():
            QMessageBox.warning(window, "Could not save the numbers", words)
        return False
    window.settings.setValue("last_folder", str(Path(path).parent))
    rows = count_words(len(numbers.losses), "training batch")
    window.statusBar().showMessage(f"Saved the numbers of {rows} to {printable(path)}", 5000)
    return True
