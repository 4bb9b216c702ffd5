"""The batch timeline: one row per epoch, each batch a block as wide as its samples.

A fixed set of pyqtgraph items (one BarGraphItem per kind of block, one scatter per
kind of marker) is created once and fed new arrays by ``setOpts``/``setData``; what
goes in them comes from ``TimelineLayout.picture`` for the visible window only.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPainterPath, QPalette, QTransform
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from core.plan import Plan
from gui.markup import escape
from gui.theme import Look, look_for, style_plot
from gui.timeline_layout import (
    AXES,
    KINDS,
    MAX_ROW_NOTES,
    NOTE_PIXELS,
    UNKNOWN_LENGTH,
    Picture,
    TimelineLayout,
    empty_reason,
    label_step,
    order_is_random,
    ordinal,
    tick_words,
)

LEGEND = [
    ("full", "full batch"),
    ("short", "short batch"),
    ("wrap", "wraps past the end of the data"),
    ("dropped", "dropped, never seen"),
    ("val", "validation batch"),
]
# What a plan may add to the legend, each shown only when the plan has it: (key, mark, words).
RANDOM_ORDER_WORDS = "order random each pass: equal slots, no batch in a fixed place"
UNKNOWN_WORDS = f"{UNKNOWN_LENGTH} (the epoch ends when the data runs out)"
HATCH_MARK = "\u25a8"  # a square filled with / lines, as the random-order blocks are
TICK_MARK = "\u25b2"  # a triangle pointing up, as the update ticks are
DEVICES_MARK = "\u2630"  # three stacked bars, as a batch split across devices is drawn
UNKNOWN_MARK = "?"
MIN_TICK_SIZE = 6.0  # pixels: the smallest update tick drawn
UNKNOWN_ROOM = 0.04  # of the plan's width, right of the rows, where their "?" marks go
EPOCHS_LOOKED_AT = 16  # epochs looked at to decide whether the plan has one in random order
MAX_ROWS_AT_START = 40
NEVER_ENDS = "never ends \u2192"

# The plan-only playhead's pace: an epoch takes about EPOCH_SECONDS however many batches it has, but a
# batch never less than a frame (more batches a frame instead) nor more than MAX_BATCH_SECONDS, so a
# 7-batch trap is watchable (3.5 s) and ImageNet's 5,000-batch epochs still take seconds each.
EPOCH_SECONDS = 4.0
MAX_BATCH_SECONDS = 0.5
FRAME_MS = 33
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
NORMAL_SPEED = SPEEDS.index(1.0)
LIMIT_MARGIN = 0.05  # how far past the plan's ends panning may go, as a share of the plan's width
FOLLOW_MARGIN = 0.1  # where a followed playhead lands: this share of the view in from the edge
DIMMED = 0.3  # the opacity of a stale plan's blocks
EXTENT_ROWS = MAX_ROWS_AT_START  # rows looked at, at most, for how wide a revealed part is
REVEAL_ROWS = 3.0  # question mode frames at least this many rows around what an answer reveals

# The timeline's own keys, for Help > Keyboard shortcuts.
TIMELINE_KEYS = [
    ("Space", "Timeline: play or pause the playhead"),
    ("[ / ]", "Timeline: play slower / faster"),
    ("Left / Right", "Timeline: previous / next batch"),
    ("Up / Down", "Timeline: previous / next epoch"),
    ("Home / End", "Timeline: first / last batch"),
    ("+ / - / 0", "Timeline: zoom in / zoom out / fit the plan"),
    ("Shift + arrows", "Timeline: pan"),
]


@dataclass(frozen=True)
class Revealed:
    """The part of the plan question mode shows: rows first_row..last_row, one lane or "both", and steps of the last."""

    first_row: int
    last_row: int
    lane: str  # "train" | "validation" | "both"
    steps: tuple[int, int] | None = None


def updates_words(every: int) -> str:
    """The legend's words for the update ticks."""
    return f"weights change after this batch: every {every:,} batches, counted across epoch ends"


def has_random_order(model: TimelineLayout) -> bool:
    """Whether some epoch's batches come in a random order: a few epochs looked at (the first ones and the last),
    as a source shuffles every epoch or none."""
    epochs = model.plan.epochs
    looked_at = [*range(min(len(epochs), EPOCHS_LOOKED_AT)), len(epochs) - 1] if len(epochs) else []
    return any(order_is_random(epochs[index]) for index in looked_at)


def devices_words(replicas: int) -> str:
    """The legend's words for a batch drawn as a stripe a device."""
    return (
        f"a batch split across {replicas:,} devices: a stripe each, device 1 on top; "
        "a short or empty device leaves its stripe part or all empty"
    )


def plan_legend(model: TimelineLayout | None) -> list[tuple[str, str]]:
    """(key, words) of what this plan draws besides batches and the usual marks: "devices", "random", "update",
    "unknown"."""
    if model is None or model.plan.outcome == "error":
        return []
    items = []
    if model.replicas > 1:
        items.append(("devices", devices_words(model.replicas)))
    if has_random_order(model):
        items.append(("random", RANDOM_ORDER_WORDS))
    if model.accumulation:
        items.append(("update", updates_words(model.accumulation)))
    if model.unknown_length or model.val_unknown_length:
        items.append(("unknown", UNKNOWN_WORDS))
    return items


def legend_entries(look: Look, model: TimelineLayout | None) -> list[tuple[str, str, str]]:
    """(mark, colour, words) of a plan's legend, in the window and on an export. A mark is "block" (a filled
    square), "hatch" (the random-order square), "tick" (the update triangle), "cross", "triangle" (pointing
    right), or text written in the colour. The plan's own items come last, only when it has them."""
    entries = [("block", look.blocks[kind], words) for kind, words in LEGEND]
    entries += [
        ("cross", look.ran_out_mark, "ran out of data"),
        ("triangle", look.text, "continues where the last epoch stopped"),
        (NEVER_ENDS, look.alarm, "the epoch or validation goes on forever"),
    ]
    marks = {
        "devices": ("devices", look.blocks["full"]),
        "random": ("hatch", random_colours(look)[1]),
        "update": ("tick", look.text),
        "unknown": (UNKNOWN_MARK, look.alarm),
    }
    entries += [(*marks[key], words) for key, words in plan_legend(model)]
    return entries


def random_colours(look: Look) -> tuple[str, str]:
    """(fill, hatch lines) of a batch in random order: the full batch's blue, lighter, under lines of it."""
    fill = QColor(look.blocks["full"])
    background = QColor(look.plot_background)
    share = 0.4 if look.dark else 0.35  # of the blue in the fill; the rest is the background
    mixed = QColor.fromRgbF(
        *(share * a + (1 - share) * b for a, b in zip(fill.getRgbF()[:3], background.getRgbF()[:3], strict=True))
    )
    lines = look.blocks["full_alt"] if look.dark else look.blocks["full"]
    return mixed.name(), lines


def unknown_symbol() -> QPainterPath:
    """A bold "?" as a scatter symbol: pyqtgraph draws symbols in a unit box around their point."""
    path = QPainterPath()
    font = QFont()
    font.setBold(True)
    path.addText(0, 0, font, UNKNOWN_MARK)
    box = path.boundingRect()
    scale = 1.0 / max(box.width(), box.height())
    return QTransform().scale(scale, scale).translate(-box.center().x(), -box.center().y()).map(path)


class ReadableAxis(pg.AxisItem):
    """Numbers as people write them (1,000,000 or 12.5M), never pyqtgraph's e-notation."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return tick_words([value * scale for value in values], spacing * scale)


class ZoomAlongViewBox(pg.ViewBox):
    """The wheel zooms along the x axis only, so the rows keep their readable height; dragging pans both ways."""

    def wheelEvent(self, event, axis=None):
        super().wheelEvent(event, axis=0)

    def keyPressEvent(self, event):
        # pyqtgraph's view box takes +, - and = for its own zoom history (empty here) and accepts them,
        # so after a click on the plot they never reached TimelineView's keys: pass every key on.
        event.ignore()


class ElidedLabel(QLabel):
    """One line that never asks for more width than it gets: the text is cut with '...' (the whole of it
    in the tooltip), so a long counter cannot widen the window."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def shown_text(self) -> str:
        """The text as painted: cut to the width the label has."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, max(0, self.contentsRect().width()))

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        alignment = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            alignment,
            self.palette(),
            self.isEnabled(),
            self.shown_text(),
            QPalette.ColorRole.WindowText,
        )


class TimelineView(QWidget):
    """Renders one Plan; emits words for the batch under the mouse and shows them in a tooltip."""

    hovered = Signal(str)
    rowClicked = Signal(int)  # the row (0-based: the index into the plan's epochs) a person clicked

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout_model: TimelineLayout | None = None
        # Question mode (gui/questions.py): the batches hidden, empty rows to click, until an answer reveals a part.
        self.veiled = False
        self.revealed: Revealed | None = None
        self.message_revealed = False  # Keras' refusal, shown once the question about it is answered
        self._range_before_veil: tuple[TimelineLayout | None, list[list[float]]] | None = None
        self._question_items: tuple[pg.BarGraphItem, pg.BarGraphItem] | None = (
            None  # empty rows, highlight: made when first veiled
        )
        self.axis = "samples"  # the axis asked for; the plan may not offer it (passes of an endless stream)
        self.picture: Picture | None = None
        self.row_labels: list[tuple[float, str]] = []  # (y, words) of the epoch labels on the left axis
        self.stale_reason: str | None = None

        self.view_box = ZoomAlongViewBox()
        # pyqtgraph's own menu offers a broken SVG export.
        self.plot = pg.PlotWidget(enableMenu=False, viewBox=self.view_box, axisItems={"bottom": ReadableAxis("bottom")})
        self.plot.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
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
            if kind == "random":
                # The same blocks again, hatched, on top: a fill and its lines are one brush each.
                self.random_hatch = pg.BarGraphItem(x0=[], y0=[], width=[], height=[])
                self.random_hatch.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                self.plot.addItem(self.random_hatch)
        self.ran_out_marks = pg.ScatterPlotItem(symbol="x", brush=None)
        self.continue_marks = pg.ScatterPlotItem(symbol="t2", pen=None)
        self.unknown_marks = pg.ScatterPlotItem(symbol=unknown_symbol(), pen=None)
        self.update_ticks = pg.ScatterPlotItem(symbol="t1", pen=None)  # a triangle pointing up at the batch's end
        for item in (self.ran_out_marks, self.continue_marks, self.unknown_marks, self.update_ticks):
            self.plot.addItem(item)
        # Words on rows (the sizes of an epoch in random order; that Keras does not know a length): made the
        # first time a picture needs that many (most plans need none, and 24 labels made up front cost the
        # start-up several milliseconds), then kept and reused.
        self.row_notes: list[pg.TextItem] = []
        # At most two rows never end (an epoch, or its validation): a label each, made once.
        self.endless_labels = [pg.TextItem(NEVER_ENDS, anchor=(1, 0.5)) for _ in range(2)]
        for label in self.endless_labels:
            label.setZValue(10)
            self.plot.addItem(label)
            label.hide()
        # Why nothing is drawn (Keras refuses the setup, no epochs): words in the middle of the plot.
        self.message = pg.TextItem("", anchor=(0.5, 0.5))
        self.message.setZValue(30)
        self.plot.addItem(self.message, ignoreBounds=True)
        self.message.hide()
        # The batch being trained in the demo, or the plan-only playhead: one outlined rectangle.
        self.playhead = pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=None)
        self.playhead.setZValue(20)
        self.plot.addItem(self.playhead, ignoreBounds=True)  # moving it must not re-range the view
        self._playhead_at: tuple[int, str, int] | None = None
        self.note = ElidedLabel()
        self.note.hide()
        self.counter = ElidedLabel()
        self.counter.setObjectName("counter")
        self.counter.setStyleSheet("font-weight: bold;")
        self.counter.hide()
        # The plan-only playhead: (epoch, lane, step) and the training steps before it.
        self.position: tuple[int, str, int] | None = None
        self.steps_before = 0
        self.play_timer = QTimer(self)
        self.play_timer.setInterval(FRAME_MS)
        self.play_timer.timeout.connect(self._play_tick)
        self.speed_box = QComboBox()
        self.speed_box.setObjectName("speed")
        self.speed_box.addItems([f"{speed:g}\u00d7" for speed in SPEEDS])
        self.speed_box.setCurrentIndex(NORMAL_SPEED)
        self.speed_box.setToolTip("How fast Space plays the playhead ([ slower, ] faster); 1\u00d7: about four seconds an epoch")
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the timeline
        self.speed_box.currentIndexChanged.connect(self._speed_changed)

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
        toggles.addSpacing(8)
        toggles.addWidget(QLabel("speed:"))
        toggles.addWidget(self.speed_box)
        toggles.addWidget(self.counter, 30)
        toggles.addWidget(self.note, 10)
        # Takes the room the counter and the note leave when both are hidden, which would otherwise spread
        # the axis buttons across the bar; beside them it takes almost nothing.
        toggles.addStretch(1)
        self.axis_buttons.idClicked.connect(self._axis_clicked)

        self.stale_banner = QLabel()
        self.stale_banner.setObjectName("stale_banner")
        self.stale_banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.stale_banner.setWordWrap(True)  # after the policy, which would drop its height-for-width
        self.stale_banner.hide()
        self.legend = QLabel()
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.legend.setWordWrap(True)  # after the policy, which would drop its height-for-width
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(toggles)
        layout.addWidget(self.stale_banner)
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
        self.plot.scene().sigMouseClicked.connect(self._mouse_clicked)

    # ------------------------------------------------------------ plan and axis

    def set_plan(self, plan: Plan) -> None:
        """Show a new plan, framed to fit, drawn at once; the old playhead (also the demo's) and staleness go."""
        self.stop_playing()
        self.position = None
        self._playhead_at = None
        self._set_counter("")
        self._show_stale(None)
        self.revealed = None  # a new plan's rows stay hidden (in question mode) until its own answers reveal them
        self.message_revealed = False
        self.layout_model = TimelineLayout(plan, self.axis)
        self._sync_axis_buttons(plan)
        self._show_axis()
        self._fit_row_labels()
        self.legend.setText(self._legend_html(self.look))
        self._set_limits()
        self.frame()

    def set_axis(self, axis: str) -> None:
        """Switch the x axis: the label, the buttons, the blocks and every lane change together, or nothing does."""
        if axis not in AXES:
            raise ValueError(f"There is no x axis {axis!r}; the x axis can be {', '.join(AXES)}.")
        model = TimelineLayout(self.layout_model.plan, axis) if self.layout_model is not None else None
        self.axis = axis
        self.layout_model = model
        self._show_axis()
        if model is not None:
            self._set_limits()
            self.frame()

    @property
    def shown_axis(self) -> str:
        """The axis drawn: the one asked for, unless the plan cannot offer it (an endless stream has no passes)."""
        return self.layout_model.axis if self.layout_model is not None else self.axis

    def _show_axis(self) -> None:
        shown = self.shown_axis
        for button in self.axis_buttons.buttons():
            button.setChecked(button.objectName() == f"axis:{shown}")
        self.plot.setLabel("bottom", AXES[shown])

    @Slot(int)
    def _axis_clicked(self, index: int) -> None:
        self.set_axis(list(AXES)[index])

    def _sync_axis_buttons(self, plan: Plan) -> None:
        passes_button = self.axis_buttons.button(2)
        passes_possible = bool(plan.train_samples)
        passes_button.setEnabled(passes_possible)
        passes_button.setToolTip(AXES["passes"] if passes_possible else "An endless stream has no passes.")

    def _set_limits(self) -> None:
        """Panning and zooming stay within the plan, plus a small margin: never far into empty space."""
        model = self.layout_model
        assert model is not None
        left, right = model.plan_extent()
        margin = LIMIT_MARGIN * (right - left)
        rows = max(1, model.rows_count)
        self.view_box.setLimits(xMin=left - margin, xMax=right + margin, yMin=-0.5, yMax=rows + 0.5)

    def frame(self) -> None:
        """Fit the view to the plan: every batch of the longest epoch, up to 40 epochs."""
        model = self.layout_model
        if model is None:
            return
        rows = max(1, min(model.rows_count, MAX_ROWS_AT_START))
        left, right = model.extent(rows)
        if model.unknown_length or model.val_unknown_length:
            right += UNKNOWN_ROOM * (right - left)  # room for the "?" after the rows' ends
        self.view_box.setRange(xRange=(left, right), yRange=(-0.1, rows), padding=0.02, update=False)
        self.relayout()

    def set_stale(self, reason: str | None) -> None:
        """Mark the plan shown as out of date (a field is invalid: the blocks dim, a banner says why); None clears it."""
        self._show_stale(reason or None)

    def _show_stale(self, reason: str | None) -> None:
        self.stale_reason = reason
        marks = [self.ran_out_marks, self.continue_marks, self.unknown_marks, self.update_ticks, *self.row_notes]
        for item in [*self.bars.values(), self.random_hatch, *marks]:
            item.setOpacity(DIMMED if reason else 1.0)
        if reason:
            self.stale_banner.setText(f"Not updated: fix the red field ({reason}). The plan shown is the last good one.")
        self.stale_banner.setVisible(bool(reason))

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
        shown = self._row_revealed if self.veiled else None
        picture = model.picture(x0, x1, y0, y1, width, height, self.look.min_batch_pixels, self.label_pixels(), shown)
        self.picture = picture
        for kind, item in self.bars.items():
            x, w, y, h = picture.blocks[kind].arrays()
            item.setOpts(x0=x, width=w, y0=y, height=h)
            if kind == "random":
                self.random_hatch.setOpts(x0=x, width=w, y0=y, height=h)
        self._set_marks(self.ran_out_marks, picture.ran_out)
        self._set_marks(self.continue_marks, picture.continues)
        # The "?" goes just right of where a row ends, clear of the ran-out cross there.
        shift = self.look.ran_out_size * (x1 - x0) / width
        self._set_marks(self.unknown_marks, [(x + shift, y) for x, y in picture.unknown])
        tick_x, tick_y = picture.tick_points()
        # As tall as their band lets them, but never too small to see (a little over the lanes beside them then).
        tick_size = max(MIN_TICK_SIZE, min(self.look.continue_size, 1.2 * picture.tick_pixels))
        self.update_ticks.setData(x=tick_x, y=tick_y, size=tick_size)
        self._set_row_notes(picture, x0, x1, width)
        for index, label in enumerate(self.endless_labels):
            if index < len(picture.endless):
                label.setPos(*picture.endless[index])
                label.show()
            else:
                label.hide()
        self._set_row_ticks(y0, y1, height, picture.row_stride)
        self._draw_playhead()
        self._show_message((x0 + x1) / 2, (y0 + y1) / 2, width)
        notes = []
        if picture.row_stride > 1:
            notes.append(f"every {ordinal(picture.row_stride)} epoch drawn; zoom in for all")
        if self.shown_axis != self.axis:
            notes.append(f"data of unknown length has no {self.axis}: x shows {self.shown_axis}")
        if model.accumulation:
            notes.append(f"weights change every {model.accumulation:,} batches")
        if model.replicas > 1:
            notes.append(f"each batch split across {model.replicas:,} devices")
        unknown = [
            lane for lane, unknown in (("training", model.unknown_length), ("validation", model.val_unknown_length)) if unknown
        ]
        if unknown:
            notes.append(f"Keras does not know the {' and '.join(unknown)} data's length")
        self.note.setText("; ".join(notes))
        self.note.setVisible(bool(notes) and not self.veiled)  # the notes name what the hidden batches show
        if self._question_items is not None:
            self._draw_question_items(x0, x1, y0, y1, picture.row_stride)

    def _new_row_note(self) -> pg.TextItem:
        label = pg.TextItem("", anchor=(0, 0.5))
        label.setZValue(9)
        self.plot.addItem(label, ignoreBounds=True)
        self._style_label(label, self.look)
        label.setOpacity(DIMMED if self.stale_reason else 1.0)
        return label

    @staticmethod
    def _style_label(label: pg.TextItem, look: Look) -> None:
        """A word label on the plot: the alarm colour, on a veil of the plot's background, in the app's font."""
        label_fill = QColor(look.plot_background)
        label_fill.setAlpha(220)
        label.setColor(look.alarm)
        label.fill = pg.mkBrush(label_fill)
        label.setFont(QApplication.font())

    def _set_row_notes(self, picture: Picture, x0: float, x1: float, pixels_wide: float) -> None:
        """Words beside what they name: a random epoch's sizes from its left end, "Keras does not know this
        length" after the row's "?" or, where the view ends too soon for it, before the row's end."""
        pixel = (x1 - x0) / max(1.0, pixels_wide)
        mark_room = (self.look.ran_out_size + NOTE_PIXELS) * pixel  # the cross and the "?" at a row's end
        while len(self.row_notes) < min(len(picture.notes), MAX_ROW_NOTES):
            self.row_notes.append(self._new_row_note())
        for label, note in itertools.zip_longest(self.row_notes, picture.notes):
            if label is None:
                break
            if note is None:
                label.hide()
                continue
            label.setText(note.words)
            if note.kind in ("random", "device"):
                label.setAnchor((0, 0.5))
                label.setPos(note.x + NOTE_PIXELS * pixel, note.y)
            else:
                text_width = label.boundingRect().width() * pixel
                if note.x + mark_room + text_width <= x1:
                    label.setAnchor((0, 0.5))
                    label.setPos(note.x + mark_room, note.y)
                else:
                    label.setAnchor((1, 0.5))
                    label.setPos(note.x - self.look.ran_out_size * pixel, note.y)
            label.setColor(self.look.alarm if note.kind == "unknown" else self.look.text)
            label.show()

    def _show_message(self, x: float, y: float, pixels_wide: float) -> None:
        """Words on the plot when it draws nothing: why (Keras refuses this setup, no epochs, no batches)."""
        reason = empty_reason(self.layout_model.plan) if self.layout_model is not None else None
        if self.veiled and not self.message_revealed:
            reason = None  # Keras' refusal is the answer to the question being asked
        self.message.setVisible(bool(reason))
        if reason:
            self.message.textItem.setTextWidth(min(520.0, 0.85 * pixels_wide))
            self.message.setText(reason)
            self.message.setPos(x, y)

    def set_playhead(self, where: tuple[int, str, int] | None) -> None:
        """Outline the batch at (epoch, lane, step), both counted from 0; None hides it."""
        self._playhead_at = where
        self._draw_playhead()

    def _draw_playhead(self) -> None:
        model, where = self.layout_model, self._playhead_at
        box = model.batch_box(*where) if (model is not None and where is not None and not self.veiled) else None
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

    def label_pixels(self) -> float:
        """The height one row label needs, with a little air, in the axis' own type."""
        font = self.plot.getAxis("left").style.get("tickFont") or QApplication.font()
        return QFontMetrics(font).height() * 1.15

    def _set_row_ticks(self, y0: float, y1: float, pixels_high: float, stride: int) -> None:
        """Epoch labels every k-th drawn row (k = 1, 2, 5, 10, ...), never closer than a label's height."""
        model = self.layout_model
        assert model is not None
        pixels_per_row = pixels_high / max(1e-9, y1 - y0)
        needed = self.label_pixels()
        step = label_step(pixels_per_row, needed, stride)
        first, last = max(0, math.floor(y0)), min(model.rows_count - 1, math.ceil(y1))
        epochs = model.drawn_epochs(first, last, step) if last >= first else []
        if step > 1 and epochs[:1] == [0] and len(epochs) > 1 and epochs[1] * pixels_per_row < needed:
            epochs = epochs[1:]  # the first row's label would touch the next label's
        major = [(epoch + 0.3, f"Epoch {model.number(epoch)}") for epoch in epochs]
        minor = []
        if model.has_validation and step == 1 and 0.46 * pixels_per_row >= needed:
            minor = [(epoch + 0.76, "val") for epoch in range(first, last + 1)]
        self.row_labels = sorted(major + minor)
        self.plot.getAxis("left").setTicks([major, minor])

    def apply_look(self, look: Look) -> None:
        """Colours and strokes of the theme and mode; the blocks keep their Okabe-Ito colours."""
        self.look = look
        style_plot(self.plot, look)
        self._fit_row_labels()
        font = QApplication.font()  # this widget's own font may not have caught up with a change yet
        random_fill, random_lines = random_colours(look)
        for kind, item in self.bars.items():
            outlined = kind not in ("grouped", "val_grouped", "dropped", "updates_dense")
            pen = pg.mkPen(look.plot_background, width=look.separator_width) if outlined else pg.mkPen(None)
            item.setOpts(brush=pg.mkBrush(self.block_colour(kind, look)), pen=pen)
        # A device's empty share: nothing in it, a dashed outline where its samples would be.
        gap_pen = pg.mkPen(look.muted, width=max(1.0, look.separator_width), style=Qt.PenStyle.DashLine)
        self.bars["device_gap"].setOpts(pen=gap_pen)
        # The hatch carries the separators, so they stay visible on top of its lines.
        self.bars["random"].setOpts(brush=pg.mkBrush(random_fill), pen=pg.mkPen(None))
        separators = pg.mkPen(look.plot_background, width=look.separator_width)
        self.random_hatch.setOpts(brush=QBrush(QColor(random_lines), Qt.BrushStyle.BDiagPattern), pen=separators)
        self.ran_out_marks.setPen(pg.mkPen(look.ran_out_mark, width=look.ran_out_width))
        self.ran_out_marks.setSize(look.ran_out_size)
        self.continue_marks.setBrush(pg.mkBrush(look.text))
        self.continue_marks.setSize(look.continue_size)
        self.unknown_marks.setBrush(pg.mkBrush(look.alarm))
        self.update_ticks.setBrush(pg.mkBrush(look.text))
        self.unknown_marks.setSize(look.ran_out_size)
        label_fill = QColor(look.plot_background)
        label_fill.setAlpha(220)
        for label in [*self.endless_labels, *self.row_notes]:
            self._style_label(label, look)
        self.message.setColor(look.text)
        self.message.fill = pg.mkBrush(label_fill)
        self.message.setFont(font)
        self.playhead.setOpts(pen=pg.mkPen(look.text, width=look.playhead_width))
        self.note.setStyleSheet(f"color: {look.muted};")
        self.stale_banner.setStyleSheet(f"color: {look.alarm}; font-weight: bold;")
        self.legend.setText(self._legend_html(look))
        if self._question_items is not None:
            self._style_question_items(look, self._question_items)
        self.relayout()

    @staticmethod
    def block_colour(kind: str, look: Look) -> str:
        """The colour a kind of block is filled with: the theme's batch colours; for update ticks too close to draw
        one by one, a line in the muted text colour (quieter than the ticks it stands for); a device's empty share
        is the plot's background (only its outline shows)."""
        if kind == "device_gap":
            return look.plot_background
        if kind == "updates_dense":
            return look.muted
        if kind == "random":
            return random_colours(look)[0]
        return look.blocks[kind]

    def _fit_row_labels(self) -> None:
        """The row labels' column as wide as "Epoch 1000" or the plan's largest epoch number, in whatever type size."""
        model = self.layout_model
        widest = "Epoch 1000"
        if model is not None:
            widest = max(widest, f"Epoch {model.number(max(0, model.rows_count - 1))}", key=len)
        font = QApplication.font()  # this widget's own font may not have caught up with a change yet
        self.plot.getAxis("left").setWidth(round(QFontMetrics(font).horizontalAdvance(widest) + 14))

    def legend_entries(self) -> list[tuple[str, str, str]]:
        """(mark, colour, words) of this plan's legend, as the window shows it under the plot."""
        return legend_entries(self.look, self.layout_model)

    def _legend_html(self, look: Look) -> str:
        swatch_points = 1.4 * max(QApplication.font().pointSizeF(), 7.0)
        glyphs = {
            "block": "&#9632;",
            "hatch": HATCH_MARK,
            "devices": DEVICES_MARK,
            "tick": TICK_MARK,
            "cross": "&#10005;",
            "triangle": "&#9654;",
        }
        items = []
        for mark, colour, words in self.legend_entries():
            if mark in ("block", "hatch", "devices"):
                glyph = f'<span style="color:{colour}; font-size: {swatch_points:.0f}pt;">{glyphs[mark]}</span>'
            elif mark == "triangle":
                glyph = glyphs[mark]
            elif mark in glyphs:
                glyph = f'<span style="color:{colour}; font-weight: bold;">{glyphs[mark]}</span>'
            else:
                glyph = f'<span style="color:{colour}; font-weight: bold;">{escape(mark)}</span>'
            items.append(f"{glyph}&nbsp;{escape(words)}")
        return "&nbsp;&nbsp; ".join(items)

    # ------------------------------------------------------------ hover and keys

    @Slot(object)
    def _mouse_moved(self, position: QPointF) -> None:
        if self.layout_model is None or not self.view_box.sceneBoundingRect().contains(position):
            return
        point = self.view_box.mapSceneToView(position)
        under = self.layout_model.batch_under(point.x(), point.y()) if self.veiled else None
        if self.veiled and (under is None or not self._row_revealed(under[1])):
            QToolTip.hideText()  # a hidden batch says nothing about itself
            return
        words = self.layout_model.describe(point.x(), point.y()) or ""
        self.hovered.emit(words)
        lines = self.layout_model.hover_lines(point.x(), point.y()) if words else None
        if lines:
            where = self.plot.viewport().mapToGlobal(self.plot.mapFromScene(position))
            QToolTip.showText(where, "\n".join(lines), self.plot.viewport())
        else:
            QToolTip.hideText()

    @Slot(object)
    def _mouse_clicked(self, event) -> None:
        """A click on an epoch's row (its training row, its validation lane or the gap between) says which row."""
        model = self.layout_model
        if model is None or event.button() != Qt.MouseButton.LeftButton:
            return
        if not self.view_box.sceneBoundingRect().contains(event.scenePos()):
            return
        row = math.floor(self.view_box.mapSceneToView(event.scenePos()).y())
        if 0 <= row < model.rows_count:
            self.rowClicked.emit(row)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Space plays, [ ] set the speed, arrows step (Up/Down by epoch), Home/End jump; Shift+arrows pan, +/- zoom, 0 fits."""
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
        elif key == Qt.Key.Key_BracketLeft:
            self.speed_box.setCurrentIndex(max(0, self.speed_box.currentIndex() - 1))
        elif key == Qt.Key.Key_BracketRight:
            self.speed_box.setCurrentIndex(min(len(SPEEDS) - 1, self.speed_box.currentIndex() + 1))
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
        """Jump to the first batch of the next (or previous) epoch, in a few moves however long the epochs."""
        if self.position is None:
            self.go_to_start()
            return
        epoch = self.position[0]
        lanes = self._lanes(epoch)
        # Forward: from this epoch's last batch over the edge; back: from its first batch.
        edge = (epoch, lanes[-1][0], lanes[-1][1] - 1) if direction > 0 else (epoch, lanes[0][0], 0)
        target = self._neighbour(edge, direction)  # keeps steps_before in step when it crosses epochs
        if target is None:
            self._place(edge)
            return
        self._place((target[0], self._lanes(target[0])[0][0], 0))

    def toggle_playing(self) -> None:
        if self.veiled:
            return  # the playhead would tell the batches the questions ask about
        if self.play_timer.isActive():
            self.stop_playing()
        else:
            if self.position is None:
                self.go_to_start()
            self._pace_timer()
            self.play_timer.start()

    def stop_playing(self) -> None:
        self.play_timer.stop()

    @property
    def playing(self) -> bool:
        return self.play_timer.isActive()

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_box.currentIndex()]

    def pace(self, batches: int) -> tuple[int, int]:
        """(milliseconds between moves, batches a move) for an epoch of this many batches, at the chosen speed."""
        seconds = min(MAX_BATCH_SECONDS, EPOCH_SECONDS / max(1, batches)) / self.speed
        milliseconds = 1000.0 * seconds
        if milliseconds >= FRAME_MS:
            return round(milliseconds), 1
        return FRAME_MS, math.ceil(FRAME_MS / milliseconds)  # faster than the screen: skip batches instead

    def _epoch_batches(self) -> int:
        return sum(count for _lane, count in self._lanes(self.position[0])) if self.position is not None else 1

    def _pace_timer(self) -> int:
        """Set the timer for the playhead's epoch; the batches to move a tick."""
        interval, batches = self.pace(self._epoch_batches())
        if self.play_timer.interval() != interval:
            self.play_timer.setInterval(interval)
        return batches

    @Slot(int)
    def _speed_changed(self, _index: int) -> None:
        if self.playing:
            self._pace_timer()

    @Slot()
    def _play_tick(self) -> None:
        """About four seconds an epoch (at 1x), at most half a second a batch."""
        if self.layout_model is None or self.position is None:
            self.stop_playing()
            return
        if not self.step(1, self._pace_timer()):
            self.stop_playing()
            return
        self._pace_timer()  # the next epoch may have another length

    def _place(self, position: tuple[int, str, int] | None) -> None:
        if self.veiled:
            return  # the playhead stays put while the batches are hidden: its words would give answers away
        if position is None:
            self.steps_before = 0
        self.position = position
        self.set_playhead(position)
        self._set_counter(self._counter_words(position))
        if position is not None:
            self.follow(position)

    def _set_counter(self, words: str) -> None:
        """The playhead's words; while there are none the counter takes no room, so the notes beside it show whole."""
        self.counter.setText(words)
        self.counter.setVisible(bool(words))

    def follow(self, position: tuple[int, str, int]) -> None:
        """Pan so the playhead's batch and its epoch's rows are on screen; zoom out only if the batch is wider than the view."""
        model = self.layout_model
        box = model.batch_box(*position) if model is not None else None
        if box is None:
            return
        x, width, _top, _height = box
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        view_width, view_height = x1 - x0, y1 - y0
        new_x = (x0, x1)
        if width > view_width:
            new_x = (x - FOLLOW_MARGIN * width, x + (1 + FOLLOW_MARGIN) * width)
        elif x < x0:
            new_x = (x - FOLLOW_MARGIN * view_width, x + (1 - FOLLOW_MARGIN) * view_width)
        elif x + width > x1:
            new_x = (x + width - (1 - FOLLOW_MARGIN) * view_width, x + width + FOLLOW_MARGIN * view_width)
        epoch = position[0]
        top, bottom = epoch, epoch + 1  # the whole epoch: its training row and validation lane
        new_y = (y0, y1)
        if view_height < 1:
            new_y = (top - 0.05, bottom + 0.05)
        elif top < y0:
            new_y = (top - 0.1, top - 0.1 + view_height)
        elif bottom > y1:
            new_y = (bottom + 0.1 - view_height, bottom + 0.1)
        if (new_x, new_y) != ((x0, x1), (y0, y1)):
            self.view_box.setRange(xRange=new_x, yRange=new_y, padding=0)

    def _counter_words(self, position: tuple[int, str, int] | None) -> str:
        model = self.layout_model
        if model is None or position is None:
            return ""
        epoch, lane, step = position
        planned = model.plan.epochs[epoch]
        segment = planned.train if lane == "train" else planned.val
        assert segment is not None
        kind = "training" if lane == "train" else "validation"
        words = f"Epoch {model.number(epoch)}, {kind} step {step + 1:,} of {segment.count:,}"
        ranges = segment.sample_ranges(step) if segment.stream.positions_known else []
        if lane == "train" and order_is_random(planned):
            words += ": order random each pass"
        elif ranges:
            words += ": samples " + " and ".join(f"{lo:,}-{hi - 1:,}" for lo, hi in ranges)
        else:
            words += f": {segment.size(step)} samples"
        if lane == "train" and model.accumulation:
            words += f", {model.update_words(epoch, step)[1]}"
        done = self.steps_before + (step + 1 if lane == "train" else planned.train.count)
        return words + f" | training step {done:,} of {model.plan.totals.steps:,}"

    # ------------------------------------------------------------ question mode

    def hide_batches(self) -> None:
        """Question mode: every batch, mark, note and the legend hidden; empty epoch rows to click instead."""
        if self.veiled:
            return
        self.stop_playing()
        self._range_before_veil = (self.layout_model, self.view_box.viewRange())
        self.veiled = True
        self.revealed = None
        self.message_revealed = False
        self._set_counter("")
        self.legend.hide()
        if self._question_items is None:
            self._question_items = self._make_question_items()
        for item in self._question_items:
            item.show()
        self.frame()

    def add_above_plot(self, widget: QWidget) -> None:
        """Put a widget (question mode's panel) between the bar and the plot, where the eyes already are."""
        layout = self.layout()
        layout.insertWidget(layout.indexOf(self.plot), widget)

    def show_batches(self) -> None:
        """Leave question mode: everything as it was, the view where it was (framed anew if the plan changed)."""
        if not self.veiled:
            return
        self.veiled = False
        self.revealed = None
        self.message_revealed = False
        self.legend.show()
        assert self._question_items is not None
        for item in self._question_items:
            item.hide()
        before = self._range_before_veil
        self._range_before_veil = None
        self._set_counter(self._counter_words(self.position))
        self._draw_playhead()
        if before is not None and before[0] is self.layout_model:
            (x0, x1), (y0, y1) = before[1]
            self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
            self.relayout()
        else:
            self.frame()

    def reveal(self, first_row: int, last_row: int, lane: str, steps: tuple[int, int] | None = None) -> None:
        """Show rows ``first_row``..``last_row`` (one lane or "both"), outlined, the view framed on them; ``steps``
        (0-based, of the last row's lane) outlined too."""
        model = self.layout_model
        if model is None or not self.veiled:
            return
        last_row = min(last_row, model.rows_count - 1)
        first_row = max(0, min(first_row, last_row))
        self.revealed = Revealed(first_row, last_row, lane, steps)
        framed_last = min(last_row, first_row + EXTENT_ROWS - 1)
        # As wide as the plan's usual frame (so a short epoch looks short beside the rest) and the revealed rows;
        # at least REVEAL_ROWS rows high, so one revealed row is not blown up to fill the plot.
        left, right = model.extent(max(1, min(model.rows_count, MAX_ROWS_AT_START)))
        revealed_left, revealed_right = model.rows_extent(first_row, framed_last)
        left, right = min(left, revealed_left), max(right, revealed_right)
        spare = max(0.0, REVEAL_ROWS - (framed_last + 1 - first_row))
        top = max(-0.1, first_row - 0.1 - spare / 2)
        bottom = min(max(model.rows_count, 1) + 0.0, top + max(REVEAL_ROWS, framed_last + 1.1 - first_row))
        self.view_box.setRange(xRange=(left, right), yRange=(top, bottom), padding=0.02, update=False)
        self.relayout()

    def reveal_message(self) -> None:
        """Show the words on the plot (Keras' refusal): the answer when the plan has no rows to reveal."""
        self.message_revealed = True
        self.relayout()

    def _row_revealed(self, row) -> bool:
        revealed = self.revealed
        if revealed is None or not revealed.first_row <= row.epoch <= revealed.last_row:
            return False
        return revealed.lane == "both" or row.lane == ("val" if revealed.lane == "validation" else "train")

    def _make_question_items(self) -> tuple[pg.BarGraphItem, pg.BarGraphItem]:
        rows = pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=None)
        rows.setZValue(-1)
        highlight = pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=None)
        highlight.setZValue(21)
        for item in (rows, highlight):
            self.plot.addItem(item, ignoreBounds=True)
        self._style_question_items(self.look, (rows, highlight))
        return rows, highlight

    def _style_question_items(self, look: Look, items: tuple[pg.BarGraphItem, pg.BarGraphItem]) -> None:
        rows, highlight = items
        rows.setOpts(pen=pg.mkPen(look.muted, width=max(1.0, look.separator_width), style=Qt.PenStyle.DashLine))
        highlight.setOpts(pen=pg.mkPen(look.highlight, width=look.playhead_width))

    def _draw_question_items(self, x0: float, x1: float, y0: float, y1: float, stride: int) -> None:
        """Empty epoch rows (where the batches are hidden) across the view, and the revealed part outlined."""
        model = self.layout_model
        assert model is not None and self._question_items is not None
        rows_item, highlight = self._question_items
        first, last = max(0, math.floor(y0)), min(model.rows_count - 1, math.ceil(y1))
        epochs = model.drawn_epochs(first, last, stride) if self.veiled and last >= first else []
        revealed = self.revealed
        hidden = [epoch for epoch in epochs if revealed is None or not revealed.first_row <= epoch <= revealed.last_row]
        if hidden:
            tops = [model.band(epoch, "both")[0] for epoch in hidden]
            heights = [model.band(epoch, "both")[1] - top for epoch, top in zip(hidden, tops, strict=True)]
            margin = 0.01 * (x1 - x0)
            rows_item.setOpts(x0=[x0 + margin] * len(hidden), width=[x1 - x0 - 2 * margin] * len(hidden), y0=tops, height=heights)
        else:
            rows_item.setOpts(x0=[], y0=[], width=[], height=[])
        boxes: list[tuple[float, float, float, float]] = []
        if self.veiled and revealed is not None:
            framed_last = min(revealed.last_row, revealed.first_row + EXTENT_ROWS - 1)
            left, right = model.rows_extent(revealed.first_row, framed_last)
            top = model.band(revealed.first_row, revealed.lane)[0]
            bottom = model.band(revealed.last_row, revealed.lane)[1]
            pad = 0.005 * (x1 - x0)
            boxes.append((left - pad, right - left + 2 * pad, top - 0.03, bottom - top + 0.06))
            if revealed.steps is not None:
                lane = "val" if revealed.lane == "validation" else "train"
                for step in sorted(set(revealed.steps)):
                    box = model.batch_box(revealed.last_row, lane, step)
                    if box is not None:
                        boxes.append(box)
        highlight.setOpts(
            x0=[box[0] for box in boxes],
            width=[box[1] for box in boxes],
            y0=[box[2] for box in boxes],
            height=[box[3] for box in boxes],
        )
