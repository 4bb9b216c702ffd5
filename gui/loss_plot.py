"""The demo's loss plot: each batch's loss (raw and smoothed), Keras' running mean, epoch and validation
losses, labelled epoch lines, earlier runs kept faded, a log or linear y axis, and a readout under the pointer.

Loaded when the plot is first needed (its tab shown, a run, an export), not on the way to the first paint.
The panel (gui.demo_panel) owns the numbers; this widget only draws what it is handed.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from gui.theme import Look, style_plot

LEGEND_COLUMNS = 4
# Epoch lines are labelled, but at most this many labels: a run of 200 epochs labels every 17th.
MAX_EPOCH_LABELS = 12
# Earlier runs, one colour each (Okabe-Ito, told apart in every colour vision), faded under the current run.
KEPT_RUN_COLOURS = ("#CC79A7", "#009E73", "#E69F00", "#56B4E9", "#F0E442")
KEPT_RUN_ALPHA = 150
# The smoothed loss: a colour of its own, apart from the running mean's blue, in both themes.
SMOOTHED_COLOUR = {False: "#D55E00", True: "#E69F00"}  # by look.dark


class LossAxis(pg.AxisItem):
    """The y axis: on a log scale, labels at 1, 2 and 5 of each decade (0.1, 0.2, 0.5, 1) written out, never e-notation.

    pyqtgraph's own log ticks label 1 to 9 of each decade, which overlap on a short plot, and write 20 as "2e+01".
    The plot's y range always spans a factor of 4.5 or more (DemoPanel._grow_y), so a 1, 2 or 5 always shows.
    """

    def __init__(self, orientation: str):
        super().__init__(orientation, maxTextLevel=1)

    def logTickValues(self, minVal: float, maxVal: float, size: float, stdTicks: list) -> list:
        if not (math.isfinite(minVal) and math.isfinite(maxVal)):
            return []
        decades = range(math.floor(minVal), math.ceil(maxVal) + 1)

        def within(multiples: tuple[int, ...]) -> list[float]:
            values = (decade + math.log10(multiple) for decade in decades for multiple in multiples)
            return [value for value in values if minVal <= value <= maxVal]

        if maxVal - minVal > 4:  # many decades: the decades alone, labelled
            return [(1.0, within((1,))), (None, [])]
        return [(1.0, within((1,))), (None, within((2, 5))), (None, within((3, 4, 6, 7, 8, 9)))]

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [np.format_float_positional(10**value, precision=1, unique=False, fractional=False, trim="-") for value in values]


class LossPlot(pg.PlotWidget):
    """The loss of each batch, its smoothed line, Keras' running mean, epoch and validation losses, epoch lines."""

    def __init__(self, look: Look):
        # pyqtgraph's own menu offers a broken SVG export
        super().__init__(enableMenu=False, axisItems={"left": LossAxis("left")})
        self.setLabel("left", "loss")
        self.getAxis("left").enableAutoSIPrefix(False)  # else the label is re-laid out every frame
        self.setLabel("bottom", "training step")
        # The legend under the axis, in the plot's own layout, not over the curves: with earlier runs and
        # smoothing it lists up to 11 lines, and a short plot (1280x720, presentation mode) had none left to see.
        # Still part of the plot, so PNG and SVG exports and copies keep it.
        legend = pg.LegendItem(colCount=LEGEND_COLUMNS)
        self.getPlotItem().layout.addItem(legend, 4, 1)
        self.getPlotItem().legend = legend
        self.getPlotItem().hideButtons()  # pyqtgraph's "A" (auto-range) corner button: the panel frames the plot itself
        self.setDownsampling(auto=True, mode="peak")  # draw what the pixels can show
        self.setClipToView(True)
        self.batch_curve = self.plot([], [], name="loss of each batch", connect="finite")
        self.smooth_curve = self.plot([], [], name="smoothed loss", connect="finite")
        self.mean_curve = self.plot([], [], name="Keras' running mean (logs['loss'])", connect="finite")
        self.epoch_points = self.plot([], [], pen=None, symbol="o", name="epoch loss")
        self.val_points = self.plot([], [], pen=None, symbol="s", name="validation loss")
        self.getPlotItem().legend.removeItem(self.smooth_curve)  # listed only while smoothing is on
        for curve in (self.smooth_curve, self.mean_curve, self.epoch_points, self.val_points):
            curve.setZValue(1)
        # Solid, not dashed: dashes cost a millisecond a frame to stroke.
        self.boundaries = self.plot([], [], connect="pairs")
        self.epoch_labels: list[pg.InfiniteLine] = []
        self.kept_curves: list[pg.PlotDataItem] = []
        # The readout: the batch under the pointer, marked, and its numbers beside it.
        self.pointer_line = pg.InfiniteLine(angle=90, movable=False)
        self.pointer_dot = pg.ScatterPlotItem(size=10)
        self.readout = pg.TextItem(anchor=(0, 1))
        for item in (self.pointer_line, self.pointer_dot, self.readout):
            item.setZValue(20)
            item.hide()
            self.addItem(item, ignoreBounds=True)
        self.look = look
        self.apply_look(look)

    @property
    def log_y(self) -> bool:
        return bool(self.getPlotItem().ctrl.logYCheck.isChecked())

    def set_log_y(self, log: bool) -> None:
        """Log or linear y: the curves, the epoch and validation points and the y axis' ticks follow."""
        self.setLogMode(y=log)

    def apply_look(self, look: Look) -> None:
        self.look = look
        style_plot(self, look)
        for _sample, label in self.getPlotItem().legend.items:  # pyqtgraph sets a new size without redrawing the words
            label.setText(label.text)
        self.batch_curve.setPen(pg.mkPen(look.loss_of_batch, width=look.loss_width))
        self.smooth_curve.setPen(pg.mkPen(SMOOTHED_COLOUR[look.dark], width=look.mean_width))
        self.mean_curve.setPen(pg.mkPen(look.loss_mean, width=look.mean_width))
        for points, colour in ((self.epoch_points, look.text), (self.val_points, look.blocks["val"])):
            points.setSymbolBrush(colour)
            points.setSymbolPen(colour)
            points.setSymbolSize(look.point_size)
        self.boundaries.setPen(pg.mkPen(look.epoch_boundary, width=look.axis_width))
        for line in self.epoch_labels:
            self._style_epoch_line(line)
        for index, curve in enumerate(self.kept_curves):
            curve.setPen(self._kept_pen(index))
        self.pointer_line.setPen(pg.mkPen(look.muted, width=look.axis_width))
        self.pointer_dot.setBrush(pg.mkBrush(look.text))
        self.pointer_dot.setPen(pg.mkPen(look.plot_background, width=look.axis_width))
        self.pointer_dot.setSize(look.point_size + 2)
        background = QColor(look.plot_background)
        background.setAlpha(225)
        self.readout.fill = pg.mkBrush(background)
        self.readout.border = pg.mkPen(look.muted)
        self.readout.setColor(look.text)
        self.readout.setFont(QApplication.font())

    def _kept_pen(self, index: int) -> QColor:
        colour = QColor(KEPT_RUN_COLOURS[index % len(KEPT_RUN_COLOURS)])
        colour.setAlpha(KEPT_RUN_ALPHA)
        return pg.mkPen(colour, width=self.look.mean_width)

    def _style_epoch_line(self, line: pg.InfiniteLine) -> None:
        line.setPen(pg.mkPen(self.look.epoch_boundary, width=self.look.axis_width))
        line.label.setColor(self.look.muted)
        line.label.setFont(QApplication.font())

    # ------------------------------------------------------------ what the panel hands over

    def set_epoch_lines(self, xs: np.ndarray, numbers: np.ndarray, y_span: tuple[float, float]) -> None:
        """Every epoch's line (one item, drawn as pairs) and a label on at most MAX_EPOCH_LABELS of them."""
        if not len(xs):
            self.boundaries.setData([], [])
        else:
            self.boundaries.setData(np.repeat(xs, 2), np.tile(np.asarray(y_span, dtype=float), len(xs)))
        every = max(1, math.ceil(len(xs) / MAX_EPOCH_LABELS))
        wanted = [(float(x), int(number)) for x, number in zip(xs[::every], numbers[::every], strict=True)]
        while len(self.epoch_labels) > len(wanted):
            self.removeItem(self.epoch_labels.pop())
        while len(self.epoch_labels) < len(wanted):
            line = pg.InfiniteLine(angle=90, movable=False, label="", labelOpts={"position": 0.97, "anchors": [(0, 0), (0, 0)]})
            self._style_epoch_line(line)
            self.addItem(line, ignoreBounds=True)
            self.epoch_labels.append(line)
        for line, (x, number) in zip(self.epoch_labels, wanted, strict=True):
            line.setPos(x)
            line.label.setFormat(f"epoch {number:,}")

    def epoch_label_words(self) -> list[str]:
        return [line.label.toPlainText() for line in self.epoch_labels]

    def set_kept_runs(self, runs: list[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """Earlier runs, (label, x, loss) each, faded, oldest first, named in the legend by what differed."""
        while len(self.kept_curves) > len(runs):
            curve = self.kept_curves.pop()
            self.getPlotItem().legend.removeItem(curve)
            self.removeItem(curve)
        while len(self.kept_curves) < len(runs):
            curve = pg.PlotDataItem([], [], connect="finite")
            curve.setZValue(0.5)  # over this run's raw losses, under its smoothed loss and running mean
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.addItem(curve)
            self.kept_curves.append(curve)
        for index, (curve, (label, x, losses)) in enumerate(zip(self.kept_curves, runs, strict=True)):
            curve.setPen(self._kept_pen(index))
            curve.setData(x, losses)
            name = f"{label} (earlier run)"
            if curve.name() != name:
                self.getPlotItem().legend.removeItem(curve)
                curve.opts["name"] = name
                self.getPlotItem().legend.addItem(curve, name)

    def kept_run_names(self) -> list[str]:
        return [curve.name() for curve in self.kept_curves]

    def show_smoothing(self, on: bool) -> None:
        """The smoothed line, listed in the legend, only while smoothing is on."""
        listed = self.getPlotItem().legend.getLabel(self.smooth_curve) is not None
        if on and not listed:
            self.getPlotItem().legend.addItem(self.smooth_curve, "smoothed loss")
        elif not on and listed:
            self.getPlotItem().legend.removeItem(self.smooth_curve)
        self.smooth_curve.setVisible(on)

    def set_current_label(self, label: str) -> None:
        """With earlier runs kept, the current run's batch loss says which run it is."""
        name = "loss of each batch" + (f" ({label})" if label else "")
        text = self.getPlotItem().legend.getLabel(self.batch_curve)
        if text is not None and text.text != name:
            text.setText(name)

    # ------------------------------------------------------------ the readout

    def show_readout(self, x: float, loss: float, words: str) -> None:
        """Mark the batch at (x, loss) and write its numbers beside the pointer, kept inside the view."""
        view = self.getViewBox()
        (left, right), (bottom, _top) = view.viewRange()
        y = math.log10(loss) if self.log_y and loss > 0 else loss
        y = y if math.isfinite(y) else bottom
        self.pointer_line.setPos(x)
        self.pointer_dot.setData([x], [y])
        self.readout.setText(words)
        # Beside the batch, on the side with room: left of it in the right half; below it unless only above it fits.
        box, point = view.sceneBoundingRect(), view.mapViewToScene(QPointF(x, y))
        height = self.readout.boundingRect().height()
        below, above = box.bottom() - point.y(), point.y() - box.top()
        under = below >= height or below >= above
        self.readout.setAnchor((1.03 if x > left + (right - left) / 2 else -0.03, -0.05 if under else 1.05))
        self.readout.setPos(QPointF(x, y))
        for item in (self.pointer_line, self.pointer_dot, self.readout):
            item.show()
        # A TextItem sizes itself when painted, and Qt paints nothing it thinks is out of view: size it now.
        self.readout.updateTransform(force=True)

    def hide_readout(self) -> None:
        for item in (self.pointer_line, self.pointer_dot, self.readout):
            item.hide()

    def leaveEvent(self, event: QEvent) -> None:
        self.hide_readout()  # nothing of the pointer stays drawn, nor goes into an export
        super().leaveEvent(event)
