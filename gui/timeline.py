"""The batch timeline: one row per epoch, each batch a block as wide as its samples.

A fixed set of pyqtgraph items (one BarGraphItem per kind of block, one scatter per
kind of marker) is created once and fed new arrays by ``setOpts``/``setData``; what
goes in them comes from ``TimelineLayout.picture`` for the visible window only.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from core.plan import Plan
from gui.theme import Look, look_for, style_plot
from gui.timeline_layout import AXES, KINDS, Picture, TimelineLayout

LEGEND = [
    ("full", "full batch"),
    ("short", "short batch"),
    ("wrap", "wraps past the end of the data"),
    ("dropped", "dropped, never seen"),
    ("val", "validation batch"),
]
MAX_ROWS_AT_START = 40
NEVER_ENDS = "never ends \u2192"


class TimelineView(QWidget):
    """Renders one Plan; emits words for the batch under the mouse."""

    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout_model: TimelineLayout | None = None
        self.axis = "samples"
        self.picture: Picture | None = None

        self.plot = pg.PlotWidget(enableMenu=False)  # pyqtgraph's own menu offers a broken SVG export
        self.plot.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view_box = self.plot.getViewBox()
        self.view_box.invertY(True)
        self.view_box.setMouseEnabled(x=True, y=True)
        self.plot.setLabel("bottom", AXES[self.axis])
        self.bars: dict[str, pg.BarGraphItem] = {}
        for kind in KINDS:
            item = pg.BarGraphItem(x0=[], y0=[], width=[], height=[])
            # Rendered once per layout into a pixmap: the demo's moving playhead then costs a blit.
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.bars[kind] = item
            self.plot.addItem(item)
        self.ran_out_marks = pg.ScatterPlotItem(symbol="x", brush=None)
        self.continue_marks = pg.ScatterPlotItem(symbol="t2", pen=None)
        for item in (self.ran_out_marks, self.continue_marks):
            self.plot.addItem(item)
        # At most two rows never end (an epoch, or its validation): a label each, made once.
        self.endless_labels = [pg.TextItem(NEVER_ENDS, anchor=(1, 0.5)) for _ in range(2)]
        for label in self.endless_labels:
            label.setZValue(10)
            self.plot.addItem(label)
            label.hide()
        # The batch being trained in the demo: one outlined rectangle.
        self.playhead = pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=None)
        self.playhead.setZValue(20)
        self.plot.addItem(self.playhead, ignoreBounds=True)  # moving it must not re-range the view
        self._playhead_at: tuple[int, str, int] | None = None
        self.note = QLabel()
        self.counter = QLabel()
        self.counter.setObjectName("counter")
        self.counter.setStyleSheet("font-weight: bold;")
        # The plan-only playhead: (epoch, lane, step) and the training steps before it.
        self.position: tuple[int, str, int] | None = None
        self.steps_before = 0
        self.play_timer = QTimer(self)
        self.play_timer.setInterval(33)
        self.play_timer.timeout.connect(self._play_tick)

        self.axis_buttons = QButtonGroup(self)
        toggles = self.bar = QHBoxLayout()
        toggles.addWidget(QLabel("x axis:"))
        for index, (key, words) in enumerate(AXES.items()):
            button = QRadioButton(key)
            button.setToolTip(words)
            button.setObjectName(f"axis:{key}")
            button.setChecked(key == self.axis)
            self.axis_buttons.addButton(button, index)
            toggles.addWidget(button)
        toggles.addStretch(1)
        toggles.addWidget(self.counter)
        toggles.addWidget(self.note)
        self.axis_buttons.idClicked.connect(self._axis_clicked)

        self.legend = QLabel()
        self.legend.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(toggles)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        self.look = look_for(dark=False, presenting=False)
        self.apply_look(self.look)

        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(0)
        self._relayout_timer.timeout.connect(self.relayout)
        self.view_box.sigRangeChanged.connect(self._range_changed)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)

    # ------------------------------------------------------------ plan and axis

    def set_plan(self, plan: Plan) -> None:
        """Show a new plan, framed to fit, drawn at once."""
        self.stop_playing()
        self.position = None
        self.counter.setText("")
        self.layout_model = TimelineLayout(plan, self.axis)
        self._sync_axis_buttons(plan)
        self.frame()

    def set_axis(self, axis: str) -> None:
        self.axis = axis
        for button in self.axis_buttons.buttons():
            button.setChecked(button.objectName() == f"axis:{axis}")
        self.plot.setLabel("bottom", AXES[axis])
        if self.layout_model is not None:
            self.layout_model = TimelineLayout(self.layout_model.plan, axis)
            self.frame()

    @Slot(int)
    def _axis_clicked(self, index: int) -> None:
        self.set_axis(list(AXES)[index])

    def _sync_axis_buttons(self, plan: Plan) -> None:
        passes_button = self.axis_buttons.button(2)
        passes_possible = bool(plan.train_samples)
        passes_button.setEnabled(passes_possible)
        passes_button.setToolTip(AXES["passes"] if passes_possible else "An endless stream has no passes.")

    def frame(self) -> None:
        """Fit the view to the plan: every batch of the longest epoch, up to 40 epochs."""
        model = self.layout_model
        if model is None:
            return
        rows = max(1, min(model.rows_count, MAX_ROWS_AT_START))
        left, right = model.extent(rows)
        self.view_box.setRange(xRange=(left, right), yRange=(-0.1, rows), padding=0.02, update=False)
        self.relayout()

    @Slot()
    def _range_changed(self, *_args: object) -> None:
        self._relayout_timer.start()

    # ------------------------------------------------------------ drawing

    @Slot()
    def relayout(self) -> None:
        """Lay out and draw what the current view shows."""
        model = self.layout_model
        if model is None:
            return
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        width = max(50.0, self.view_box.width())
        height = max(50.0, self.view_box.height())
        picture = model.picture(x0, x1, y0, y1, width, height, self.look.min_batch_pixels)
        self.picture = picture
        for kind, item in self.bars.items():
            x, w, y, h = picture.blocks[kind].arrays()
            item.setOpts(x0=x, width=w, y0=y, height=h)
        self._set_marks(self.ran_out_marks, picture.ran_out)
        self._set_marks(self.continue_marks, picture.continues)
        for index, label in enumerate(self.endless_labels):
            if index < len(picture.endless):
                label.setPos(*picture.endless[index])
                label.show()
            else:
                label.hide()
        self._set_row_ticks(y0, y1, picture.row_stride)
        self._draw_playhead()
        shown = f"every {picture.row_stride}th epoch shown; zoom in for all" if picture.row_stride > 1 else ""
        self.note.setText(shown)

    def set_playhead(self, where: tuple[int, str, int] | None) -> None:
        """Outline the batch at (epoch, lane, step), both counted from 0; None hides it."""
        self._playhead_at = where
        self._draw_playhead()

    def _draw_playhead(self) -> None:
        model, where = self.layout_model, self._playhead_at
        box = model.batch_box(*where) if (model is not None and where is not None) else None
        if box is None:
            self.playhead.setOpts(x0=[], y0=[], width=[], height=[])
        else:
            x, width, y, height = box
            self.playhead.setOpts(x0=[x], y0=[y], width=[width], height=[height])

    @staticmethod
    def _set_marks(item: pg.ScatterPlotItem, points: list[tuple[float, float]]) -> None:
        if points:
            array = np.asarray(points, dtype=float)
            item.setData(x=array[:, 0], y=array[:, 1])
        else:
            item.setData(x=[], y=[])

    def _set_row_ticks(self, y0: float, y1: float, stride: int) -> None:
        model = self.layout_model
        assert model is not None
        first, last = max(0, int(np.floor(y0))), min(model.rows_count - 1, int(np.ceil(y1)))
        step = max(stride, int(np.ceil((last - first + 1) / 30)))
        major = [(epoch + 0.3, f"Epoch {epoch + 1}") for epoch in range(first - first % step, last + 1, step) if epoch >= first]
        minor = []
        if model.has_validation and step == 1:
            minor = [(epoch + 0.76, "val") for epoch in range(first, last + 1)]
        self.plot.getAxis("left").setTicks([major, minor])

    def apply_look(self, look: Look) -> None:
        """Colours and strokes of the theme and mode; the blocks keep their Okabe-Ito colours."""
        self.look = look
        style_plot(self.plot, look)
        # "Epoch 100" must fit beside the rows, in whatever type size.
        font = QApplication.font()  # this widget's own font may not have caught up with a change yet
        self.plot.getAxis("left").setWidth(round(QFontMetrics(font).horizontalAdvance("Epoch 1000") + 14))
        for kind, item in self.bars.items():
            outlined = kind not in ("grouped", "val_grouped", "dropped")
            pen = pg.mkPen(look.plot_background, width=look.separator_width) if outlined else pg.mkPen(None)
            item.setOpts(brush=pg.mkBrush(look.blocks[kind]), pen=pen)
        self.ran_out_marks.setPen(pg.mkPen(look.ran_out_mark, width=look.ran_out_width))
        self.ran_out_marks.setSize(look.ran_out_size)
        self.continue_marks.setBrush(pg.mkBrush(look.text))
        self.continue_marks.setSize(look.continue_size)
        label_fill = QColor(look.plot_background)
        label_fill.setAlpha(220)
        for label in self.endless_labels:
            label.setColor(look.alarm)
            label.fill = pg.mkBrush(label_fill)
            label.setFont(font)
        self.playhead.setOpts(pen=pg.mkPen(look.text, width=look.playhead_width))
        self.note.setStyleSheet(f"color: {look.muted};")
        self.legend.setText(self._legend_html(look))
        self.relayout()

    def _legend_html(self, look: Look) -> str:
        swatch = '<span style="color:{}; font-size: {:.0f}pt;">&#9632;</span>&nbsp;{}'
        swatch_points = 1.4 * max(QApplication.font().pointSizeF(), 7.0)
        items = [swatch.format(look.blocks[kind], swatch_points, words) for kind, words in LEGEND]
        items.append(f'<span style="color:{look.ran_out_mark}; font-weight: bold;">&#10005;</span>&nbsp;ran out of data')
        items.append("&#9654;&nbsp;continues where the last epoch stopped")
        items.append(f'<span style="color:{look.alarm};">never ends &#8594;</span>&nbsp;the epoch or validation goes on forever')
        return "&nbsp;&nbsp; ".join(items)

    # ------------------------------------------------------------ hover and keys

    @Slot(object)
    def _mouse_moved(self, position: QPointF) -> None:
        if self.layout_model is None or not self.plot.sceneBoundingRect().contains(position):
            return
        point = self.view_box.mapSceneToView(position)
        words = self.layout_model.describe(point.x(), point.y()) or ""
        self.hovered.emit(words)
        if words:
            QToolTip.showText(self.plot.mapToGlobal(self.plot.mapFromScene(position).toPoint()), words, self.plot)
        else:
            QToolTip.hideText()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Space plays, arrows step (Up/Down by epoch), Home/End jump; Shift+arrows pan, +/- zoom, 0 fits."""
        key = event.key()
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        width, height = x1 - x0, y1 - y0
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.view_box.scaleBy((0.5, 1.0))
        elif key == Qt.Key.Key_Minus:
            self.view_box.scaleBy((2.0, 1.0))
        elif key == Qt.Key.Key_0:
            self.frame()
        elif shift and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.view_box.translateBy(x=width * (0.2 if key == Qt.Key.Key_Right else -0.2))
        elif shift and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.view_box.translateBy(y=height * (0.2 if key == Qt.Key.Key_Down else -0.2))
        elif key == Qt.Key.Key_Space:
            self.toggle_playing()
        elif key == Qt.Key.Key_Right:
            self.step(1)
        elif key == Qt.Key.Key_Left:
            self.step(-1)
        elif key == Qt.Key.Key_Down:
            self.step_epoch(1)
        elif key == Qt.Key.Key_Up:
            self.step_epoch(-1)
        elif key == Qt.Key.Key_Home:
            self.go_to_start()
        elif key == Qt.Key.Key_End:
            self.go_to_end()
        else:
            super().keyPressEvent(event)

    # ------------------------------------------------------------ the plan-only playhead

    def _lanes(self, epoch: int) -> list[tuple[str, int]]:
        """(lane, batches) of an epoch, in the order Keras runs them: training, then validation."""
        assert self.layout_model is not None
        planned = self.layout_model.plan.epochs[epoch]
        lanes = [("train", planned.train.count)]
        if planned.val is not None:
            lanes.append(("val", planned.val.count))
        return [(lane, count) for lane, count in lanes if count]

    def go_to_start(self) -> None:
        self.stop_playing()
        self._place(None)
        self.step(1)

    def go_to_end(self) -> None:
        model = self.layout_model
        if model is None or not len(model.plan.epochs):
            return
        self.stop_playing()
        last = len(model.plan.epochs) - 1
        while last > 0 and not self._lanes(last):
            last -= 1
        lanes = self._lanes(last)
        if not lanes:
            return
        lane, count = lanes[-1]
        self.steps_before = model.plan.totals.steps - model.plan.epochs[last].train.count
        self._place((last, lane, count - 1))

    def step(self, direction: int, count: int = 1) -> bool:
        """Move the playhead ``count`` batches forward (1) or back (-1); False at either end."""
        model = self.layout_model
        if model is None or not len(model.plan.epochs):
            return False
        position = self.position
        for _ in range(count):
            moved = self._neighbour(position, direction)
            if moved is None:
                break
            position = moved
        if position == self.position:
            return False
        self._place(position)
        return True

    def _neighbour(self, position: tuple[int, str, int] | None, direction: int) -> tuple[int, str, int] | None:
        """The batch next to this one in Keras' order; keeps steps_before in step when crossing epochs."""
        model = self.layout_model
        assert model is not None
        epochs = len(model.plan.epochs)
        if position is None:
            epoch = 0
            while epoch < epochs and not self._lanes(epoch):
                epoch += 1
            return (epoch, self._lanes(epoch)[0][0], 0) if epoch < epochs else None
        epoch, lane, step = position
        lanes = self._lanes(epoch)
        index = [name for name, _ in lanes].index(lane)
        count = lanes[index][1]
        if 0 <= step + direction < count:
            return (epoch, lane, step + direction)
        if 0 <= index + direction < len(lanes):
            name, count = lanes[index + direction]
            return (epoch, name, 0 if direction > 0 else count - 1)
        next_epoch = epoch + direction
        while 0 <= next_epoch < epochs and not self._lanes(next_epoch):
            next_epoch += direction
        if not 0 <= next_epoch < epochs:
            return None
        if direction > 0:
            self.steps_before += sum(model.plan.epochs[e].train.count for e in range(epoch, next_epoch))
            return (next_epoch, self._lanes(next_epoch)[0][0], 0)
        self.steps_before -= sum(model.plan.epochs[e].train.count for e in range(next_epoch, epoch))
        name, count = self._lanes(next_epoch)[-1]
        return (next_epoch, name, count - 1)

    def step_epoch(self, direction: int) -> None:
        """Jump to the first batch of the next (or previous) epoch."""
        if self.position is None:
            self.go_to_start()
            return
        here = self.position[0]
        target = here + direction
        while self.position is not None and self.position[0] != target:
            if not self.step(direction):
                return
        if direction < 0:  # from that epoch's last batch back to its first
            while self.position[0] == target and self.step(-1):
                pass
            if self.position[0] != target:
                self.step(1)

    def toggle_playing(self) -> None:
        if self.play_timer.isActive():
            self.stop_playing()
        else:
            if self.position is None:
                self.go_to_start()
            self.play_timer.start()

    def stop_playing(self) -> None:
        self.play_timer.stop()

    @property
    def playing(self) -> bool:
        return self.play_timer.isActive()

    @Slot()
    def _play_tick(self) -> None:
        """About four seconds an epoch, however many batches it has."""
        if self.layout_model is None or self.position is None:
            self.stop_playing()
            return
        batches = sum(count for _lane, count in self._lanes(self.position[0]))
        if not self.step(1, max(1, math.ceil(batches / 120))):
            self.stop_playing()

    def _place(self, position: tuple[int, str, int] | None) -> None:
        if position is None:
            self.steps_before = 0
        self.position = position
        self.set_playhead(position)
        self.counter.setText(self._counter_words(position))

    def _counter_words(self, position: tuple[int, str, int] | None) -> str:
        model = self.layout_model
        if model is None or position is None:
            return ""
        epoch, lane, step = position
        planned = model.plan.epochs[epoch]
        segment = planned.train if lane == "train" else planned.val
        assert segment is not None
        kind = "training" if lane == "train" else "validation"
        words = f"Epoch {epoch + 1}, {kind} step {step + 1:,} of {segment.count:,}"
        ranges = segment.sample_ranges(step) if segment.stream.positions_known else []
        if ranges:
            words += ": samples " + " and ".join(f"{lo:,}-{hi - 1:,}" for lo, hi in ranges)
        else:
            words += f": {segment.size(step)} samples"
        done = self.steps_before + (step + 1 if lane == "train" else planned.train.count)
        return words + f" | training step {done:,} of {model.plan.totals.steps:,}"
