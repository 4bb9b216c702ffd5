"""The loss plot worth reading (issue 13), on real demo runs: a log y axis, smoothing equal to TensorBoard's
moving average of the losses the worker emitted, runs kept faded and labelled by what changed, the readout
under a real pointer, the numbers as CSV read back row for row; and readable at 1280x720 and when presenting."""

from __future__ import annotations

import csv
import math
import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core import scenario_from_dict
from core.loss_runs import CSV_HEADER, run_labels, smoothed
from gui.demo_panel import MAX_KEPT_RUNS, NOT_KEPT_WORDS, NUMBERS_ACTION, loss_words
from gui.loss_plot import KEPT_RUN_ALPHA, MAX_EPOCH_LABELS

# 13 epochs of 2 batches, validated each epoch: past the 12 epoch labels, seconds to train.
SMALL = {
    "train": {"samples": 64, "source": "dataset", "batch_size": 32},
    "epochs": 13,
    "validation": {"samples": 16, "source": "dataset", "batch_size": 16},
}
HALF_BATCHES = {**SMALL, "train": {**SMALL["train"], "batch_size": 16}}
LONG = {
    "train": {"samples": 1000, "source": "dataset", "batch_size": 8, "repeat": "after_batch"},
    "epochs": 50,
    "steps_per_epoch": 400,
}


def action(window, words: str) -> QAction:
    found = [candidate for candidate in window.findChildren(QAction) if candidate.text().replace("&", "") == words]
    assert len(found) == 1, f"{len(found)} actions named {words!r}"
    return found[0]


def tensorboard_smoothing(values: list[float], weight: float) -> list[float]:
    """TensorBoard's own loop (its scalar dashboard's resmoothDataset), written out point by point as it is."""
    last, accumulated, out = 0.0, 0, []
    for value in values:
        if not math.isfinite(value):
            out.append(value)
            continue
        last = last * weight + (1 - weight) * value
        accumulated += 1
        out.append(last / (1 - weight**accumulated) if weight else value)
    return out


def run(qtbot, shown, data) -> list[tuple]:
    """Put the scenario in the form, run the demo from its menu, and return the training batches the worker emitted."""
    emitted: list[tuple] = []
    panel = shown.demo
    shown.form.set_scenario(scenario_from_dict(data))

    listened = []

    def listen(running: bool) -> None:  # runningChanged(True) comes when loading and again when fitting
        if running and panel.worker is not None and panel.worker not in listened:
            listened.append(panel.worker)
            panel.worker.progress.connect(lambda bundle: emitted.extend(batch for batch in bundle if batch[0] == "train"))

    panel.runningChanged.connect(listen)
    action(shown, "Run or cancel the demo fit").trigger()
    qtbot.waitUntil(lambda: not panel.running, timeout=120_000)
    panel.runningChanged.disconnect(listen)
    return emitted


def point_at(qtbot, plot, x: float, y: float) -> None:
    """Move a real pointer over the plot to data coordinates (x, y in the axis' own units)."""
    scene = plot.getViewBox().mapViewToScene(QPointF(x, y))
    qtbot.mouseMove(plot.viewport(), plot.mapFromScene(scene))
    qtbot.waitUntil(lambda: plot.readout.isVisible(), timeout=2000)


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_two_real_runs_log_axis_smoothing_kept_run_readout_and_csv(window, qtbot, tmp_path, monkeypatch):
    shown = window(SMALL)
    panel = shown.demo
    first = run(qtbot, shown, SMALL)
    assert panel.result is not None and panel.result.matches, panel.verdict.text()
    plot = panel.plot
    losses = [batch[5] for batch in first]
    assert len(first) == 26 and panel.losses()[0].tolist() == losses

    # Log y by default: the plot item's log mode, the drawn curve in log10 units, tick labels at 1, 2 and 5 of a decade.
    assert plot.getPlotItem().ctrl.logYCheck.isChecked() and plot.getAxis("left").logMode
    x, y = plot.batch_curve.getData()
    assert x.tolist() == list(range(1, 27)) and y == pytest.approx(np.log10(losses))
    low, high = plot.getViewBox().viewRange()[1]
    assert high - low >= math.log10(4.5)
    levels = plot.getAxis("left").tickValues(low, high, plot.getViewBox().height())
    labelled = [value for _spacing, values in levels[:2] for value in values]
    words = plot.getAxis("left").tickStrings(labelled, 1, 1)
    assert words and all(float(word) == pytest.approx(10**value) for word, value in zip(words, labelled, strict=True))
    assert {word.lstrip("0.") for word in words} <= {"1", "2", "5"}  # 0.1, 0.2, 0.5, 1, 2 ...: never 2e+01
    # Epoch lines: 13 epochs, at most 12 labels, so every second epoch is named.
    assert MAX_EPOCH_LABELS < 13
    assert plot.epoch_label_words() == [f"epoch {number}" for number in range(1, 14, 2)]
    assert plot.boundaries.getData()[0].tolist() == np.repeat(np.arange(13) * 2 + 0.5, 2).tolist()
    # Linear, and back: the same numbers, not transformed.
    panel.y_buttons.button(1).click()
    assert not plot.getAxis("left").logMode and plot.batch_curve.getData()[1].tolist() == losses
    panel.y_buttons.button(0).click()

    # Smoothing starts at 0 (off); six PageUp presses on the slider make it 0.6: raw and smoothed drawn together.
    assert panel.smoothing == 0 and not plot.smooth_curve.isVisible()
    panel.smoothing_slider.setFocus()
    for _ in range(6):
        qtbot.keyClick(panel.smoothing_slider, Qt.Key.Key_PageUp)
    assert panel.smoothing == pytest.approx(0.6) and panel.smoothing_label.text() == "0.60"
    assert plot.smooth_curve.isVisible() and plot.batch_curve.isVisible()
    assert plot.smooth_curve.yData == pytest.approx(tensorboard_smoothing(losses, 0.6), rel=1e-12)
    assert plot.batch_curve.yData.tolist() == losses

    # The readout under a real pointer: the batch nearest it, its epoch, loss, running mean and smoothed loss.
    point_at(qtbot, plot, 5.2, float(np.log10(losses[4])))
    text = plot.readout.toPlainText()
    assert text.startswith("step 5 \u00b7 epoch 3\n"), text
    assert f"batch loss {loss_words(losses[4])}" in text
    assert f"running mean {loss_words(panel.losses()[1][4])}" in text
    assert f"smoothed {loss_words(tensorboard_smoothing(losses, 0.6)[4])}" in text

    # The CSV: File > Export, rows equal to the batches emitted, validation loss on each epoch's last row.
    saved = tmp_path / "numbers.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(saved), "CSV (*.csv)")))
    action(shown, NUMBERS_ACTION).trigger()
    with saved.open(encoding="utf-8", newline="") as numbers:
        rows = list(csv.reader(numbers))
    assert tuple(rows[0]) == CSV_HEADER
    assert len(rows) == 1 + len(first)
    means = panel.losses()[1]
    for step, (row, batch) in enumerate(zip(rows[1:], first, strict=True), start=1):
        _phase, epoch, _in_epoch, size, first_sample, loss = batch
        assert row[:4] == [str(step), str(epoch + 1), str(size), str(first_sample)]
        assert float(row[4]) == loss and float(row[5]) == means[step - 1]
        expected = panel.result.history[epoch]["val_loss"] if step % 2 == 0 else None
        assert (float(row[6]) == pytest.approx(expected, rel=1e-6)) if expected is not None else row[6] == ""
    assert "Saved the numbers of 26 training batches" in shown.statusBar().currentMessage()
    # A folder that is not there: one line in the status bar, no file, the earlier file untouched.
    before = saved.read_bytes()
    nowhere = tmp_path / "no such folder" / "numbers.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(nowhere), "CSV (*.csv)")))
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append((title, text)))
    qtbot.mouseClick(panel.numbers_button, Qt.MouseButton.LeftButton)
    assert shown.statusBar().currentMessage() == f"{nowhere}: No such file or directory"
    assert warned == [("Could not save the numbers", f"{nowhere}: No such file or directory")]
    assert not nowhere.parent.exists() and saved.read_bytes() == before

    # A second run with half the batch size: the first stays, faded and labelled by what changed.
    second = run(qtbot, shown, HALF_BATCHES)
    assert len(second) == 52 and panel.kept_runs() == 1
    assert plot.kept_run_names() == ["batch 32 (earlier run)"]
    kept = plot.kept_curves[0]
    assert kept.isVisible() and kept.opts["pen"].color().alpha() == KEPT_RUN_ALPHA
    assert kept.yData == pytest.approx(tensorboard_smoothing(losses, 0.6), rel=1e-12)  # smoothed like the current run
    assert plot.batch_curve.yData.tolist() == [batch[5] for batch in second]
    assert plot.getPlotItem().legend.getLabel(plot.batch_curve).text == "loss of each batch (batch 16)"
    point_at(qtbot, plot, 5.0, float(np.log10(second[4][5])))
    assert f"batch 32: {loss_words(losses[4])}" in plot.readout.toPlainText()

    # A cancelled run is not kept (its numbers stop part-way): the finished second run is, when the third starts.
    shown.form.set_scenario(scenario_from_dict(LONG))
    action(shown, "Run or cancel the demo fit").trigger()
    qtbot.waitUntil(lambda: panel._train_steps > 3, timeout=60_000)
    action(shown, "Run or cancel the demo fit").trigger()
    qtbot.waitUntil(lambda: not panel.running, timeout=30_000)
    assert panel.status.text() == "Cancelled." and panel.kept_runs() == 2
    assert panel.verdict.text().endswith(f">{NOT_KEPT_WORDS}</span>")
    action(shown, "Run or cancel the demo fit").trigger()  # a fourth run: the cancelled one is dropped, not kept
    action(shown, "Run or cancel the demo fit").trigger()
    qtbot.waitUntil(lambda: not panel.running, timeout=30_000)
    assert panel.kept_runs() == 2
    assert plot.kept_run_names() == ["batch 32 (earlier run)", "batch 16 (earlier run)"]  # the empty run is no run to compare

    # Clear runs: the kept runs go, the button greys out.
    assert panel.clear_button.isEnabled()
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    assert panel.kept_runs() == 0 and plot.kept_curves == [] and not panel.clear_button.isEnabled()


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_more_finished_runs_than_are_kept_drop_the_oldest(window, qtbot):
    # Past MAX_KEPT_RUNS the oldest run goes; the labels name the epochs that changed.
    tiny = {"train": {"samples": 16, "source": "dataset", "batch_size": 8}, "epochs": 1}
    shown = window(tiny)
    for epochs in range(1, MAX_KEPT_RUNS + 3):
        run(qtbot, shown, {**tiny, "epochs": epochs})
        assert shown.demo.result is not None and shown.demo.result.matches
    assert shown.demo.kept_runs() == MAX_KEPT_RUNS
    assert shown.demo.plot.kept_run_names() == [f"{count} epochs (earlier run)" for count in range(2, MAX_KEPT_RUNS + 2)]


def test_smoothing_equals_tensorboard_and_is_vectorised_for_100000_points():
    # Every weight, non-finite values skipped as TensorBoard skips them; 100,000 points smoothed in well under 0.1 s.
    rng = np.random.default_rng(0)
    values = np.exp(-np.arange(100_000) / 20_000) + rng.random(100_000) * 0.1
    values[[5, 70_000]] = [np.nan, np.inf]
    for weight in (0.0, 0.3, 0.6, 0.9, 0.99):
        started = time.perf_counter()
        ours = smoothed(values, weight)
        elapsed = time.perf_counter() - started
        # The average of a prefix is the prefix of the average: TensorBoard's loop checks the first 20,000.
        assert ours[:20_000] == pytest.approx(tensorboard_smoothing(values[:20_000].tolist(), weight), rel=1e-12, nan_ok=True)
        assert elapsed < 0.1, elapsed


def test_a_redraw_of_100000_batches_with_smoothing_is_quick(window, qtbot):
    # 100,000 batches handed to the panel as the worker hands them (bundles on its progress slot): a redraw with
    # smoothing on, in log y, runs no Python per point and takes well under a tenth of a second.
    shown = window(SMALL)
    panel = shown.demo
    shown.summary.setCurrentWidget(panel)
    rng = np.random.default_rng(1)
    losses = np.exp(-np.arange(100_000) / 30_000) * (1 + 0.3 * rng.random(100_000))
    bundle = [("train", step // 1000, step % 1000, 32, (step % 1000) * 32, float(loss)) for step, loss in enumerate(losses)]
    panel._progress(bundle)
    panel.smoothing_slider.setValue(90)
    started = time.perf_counter()
    panel._redraw()
    assert time.perf_counter() - started < 0.1
    assert panel.plot.smooth_curve.yData == pytest.approx(smoothed(losses, 0.9), rel=1e-12)
    # 100 epochs: every 9th is labelled (1, 10, ..., 100), 12 labels.
    assert panel.plot.epoch_label_words() == [f"epoch {number}" for number in range(1, 101, 9)]


def test_run_labels_say_what_changed_in_plain_words():
    def scenario(**train):
        return scenario_from_dict({"train": {"samples": 300, "batch_size": 32, **train}, "epochs": 3})

    assert run_labels([scenario(), scenario(batch_size=64)]) == ["batch 32", "batch 64"]
    assert run_labels([scenario(), scenario(samples=1)]) == ["300 samples", "1 sample"]
    assert run_labels([scenario(), scenario()]) == ["run 1", "run 2"]
    assert run_labels([scenario(), scenario(drop_remainder=True)]) == ["drop remainder off", "drop remainder on"]


def test_numbers_before_any_run_say_so(window, monkeypatch):
    # No run yet: the status bar says to run the demo first, and no dialog opens; the panel's button is greyed out.
    shown = window(SMALL)
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: asked.append(1) or ("", "")))
    action(shown, NUMBERS_ACTION).trigger()
    assert asked == [] and "run the demo first (Ctrl+R)" in shown.statusBar().currentMessage()
    assert not shown.demo.numbers_button.isEnabled()


def test_presentation_mode_gives_a_running_demo_half_the_window(window, qtbot):
    # F5, then a run starting: the loss plot's drawing area is tall enough to read, not a strip.
    shown = window(SMALL)
    action(shown, "Presentation mode").trigger()
    shown.summary.setCurrentWidget(shown.demo)
    shown.demo.runningChanged.emit(True)
    qtbot.wait(10)
    assert shown.demo.height() >= shown.height() / 2 - shown.summary.tabBar().height() - 10
    assert shown.demo.plot.getViewBox().height() >= 120, shown.demo.plot.getViewBox().height()
