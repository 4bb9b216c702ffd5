"""The batch timeline: one row per epoch, each batch a block as wide as its samples.

A fixed set of pyqtgraph items (one BarGraphItem per kind of block, one scatter per
kind of marker) is created once and fed new arrays by ``setOpts``/``setData``; what
goes in them comes from ``TimelineLayout.picture`` for the visible window only.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
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
from gui.timeline_layout import AXES, KINDS, Picture, TimelineLayout

# Okabe-Ito, safe for the common colour-vision deficiencies.
COLOURS = {
    "full": "#0072B2",
    "full_alt": "#3A93CF",
    "short": "#E69F00",
    "wrap": "#CC79A7",
    "grouped": "#2A7DB8",
    "dropped": "#C8C8C8",
    "val": "#009E73",
    "val_alt": "#3FBF98",
    "val_short": "#E69F00",
    "val_grouped": "#1FA882",
}
RAN_OUT_COLOUR = "#D55E00"
MARKER_COLOUR = "#000000"
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

        self.plot = pg.PlotWidget(background="w")
        self.plot.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view_box = self.plot.getViewBox()
        self.view_box.invertY(True)
        self.view_box.setMouseEnabled(x=True, y=True)
        self.plot.setLabel("bottom", AXES[self.axis])
        self.plot.getAxis("left").setWidth(70)
        self.bars: dict[str, pg.BarGraphItem] = {}
        for kind in KINDS:
            colour = COLOURS[kind]
            pen = pg.mkPen("#FFFFFF", width=0.6) if kind not in ("grouped", "val_grouped", "dropped") else pg.mkPen(None)
            item = pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=pg.mkBrush(colour), pen=pen)
            # Rendered once per layout into a pixmap: the demo's moving playhead then costs a blit.
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.bars[kind] = item
            self.plot.addItem(item)
        self.ran_out_marks = pg.ScatterPlotItem(symbol="x", size=14, pen=pg.mkPen(RAN_OUT_COLOUR, width=3), brush=None)
        self.continue_marks = pg.ScatterPlotItem(symbol="t2", size=11, pen=None, brush=pg.mkBrush(MARKER_COLOUR))
        for item in (self.ran_out_marks, self.continue_marks):
            self.plot.addItem(item)
        # At most two rows never end (an epoch, or its validation): a label each, made once.
        self.endless_labels = [
            pg.TextItem(NEVER_ENDS, color=RAN_OUT_COLOUR, fill=pg.mkBrush(255, 255, 255, 220), anchor=(1, 0.5)) for _ in range(2)
        ]
        for label in self.endless_labels:
            label.setZValue(10)
            self.plot.addItem(label)
            label.hide()
        # The batch being trained in the demo: one outlined rectangle.
        self.playhead = pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=None, pen=pg.mkPen("#000000", width=3))
        self.playhead.setZValue(20)
        self.plot.addItem(self.playhead, ignoreBounds=True)  # moving it must not re-range the view
        self._playhead_at: tuple[int, str, int] | None = None
        self.note = QLabel()
        self.note.setStyleSheet("color: #555;")

        self.axis_buttons = QButtonGroup(self)
        toggles = QHBoxLayout()
        toggles.addWidget(QLabel("x axis:"))
        for index, (key, words) in enumerate(AXES.items()):
            button = QRadioButton(key)
            button.setToolTip(words)
            button.setObjectName(f"axis:{key}")
            button.setChecked(key == self.axis)
            self.axis_buttons.addButton(button, index)
            toggles.addWidget(button)
        toggles.addStretch(1)
        toggles.addWidget(self.note)
        self.axis_buttons.idClicked.connect(self._axis_clicked)

        legend = QLabel(self._legend_html())
        legend.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(toggles)
        layout.addWidget(self.plot, 1)
        layout.addWidget(legend)

        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(0)
        self._relayout_timer.timeout.connect(self.relayout)
        self.view_box.sigRangeChanged.connect(self._range_changed)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)

    # ------------------------------------------------------------ plan and axis

    def set_plan(self, plan: Plan) -> None:
        """Show a new plan, framed to fit, drawn at once."""
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
        picture = model.picture(x0, x1, y0, y1, width, height)
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

    @staticmethod
    def _legend_html() -> str:
        swatch = '<span style="color:{}; font-size: 14pt;">&#9632;</span>&nbsp;{}'
        items = [swatch.format(COLOURS[kind], words) for kind, words in LEGEND]
        items.append(f'<span style="color:{RAN_OUT_COLOUR}; font-weight: bold;">&#10005;</span>&nbsp;ran out of data')
        items.append("&#9654;&nbsp;continues where the last epoch stopped")
        items.append(
            f'<span style="color:{RAN_OUT_COLOUR};">never ends &#8594;</span>&nbsp;the epoch or validation goes on forever'
        )
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
        key = event.key()
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        width, height = x1 - x0, y1 - y0
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.view_box.scaleBy((0.5, 1.0))
        elif key == Qt.Key.Key_Minus:
            self.view_box.scaleBy((2.0, 1.0))
        elif key == Qt.Key.Key_Left:
            self.view_box.translateBy(x=-width * 0.2)
        elif key == Qt.Key.Key_Right:
            self.view_box.translateBy(x=width * 0.2)
        elif key == Qt.Key.Key_Up:
            self.view_box.translateBy(y=-height * 0.2)
        elif key == Qt.Key.Key_Down:
            self.view_box.translateBy(y=height * 0.2)
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_0):
            self.frame()
        else:
            super().keyPressEvent(event)
