"""Pictures for slides: a plot as PNG, as vector SVG, or on the clipboard.

A picture is a sheet: the plot, then (if wanted) the legend of the batch colours and a
caption with the scenario's settings. Nothing is grabbed from the screen. The timeline is
drawn afresh from its plan by an offscreen copy, with the range shown on screen, as wide as
on screen and at least 9/16 as high; the SVG is painted from it, and the PNG is the SVG
drawn at 1x, 2x or 3x, so every line and letter is sharp and both files hold the same picture.

pyqtgraph 0.14's SVGExporter fails with PySide6 (pyqtgraph #3485, see shared/style.md), so
the SVG is painted by Qt itself into a QSvgGenerator: every block, curve and label is a
vector element. Two things make Qt's SVG differ from what it paints on screen, and both are
mended here:

- QSvgGenerator assumes 72 dots per inch unless told; pyqtgraph's axes replay a QPicture
  recorded at the screen's 96, which then comes out at 72/96 = 0.75 of its size. The
  generator is given the plot's own resolution.
- Blocks and curves are drawn in data coordinates under a large, uneven scale (a batch is
  32 samples wide and 0.6 of a row high) with cosmetic pens, which Qt writes as
  ``vector-effect="non-scaling-stroke"``. Renderers that ignore that attribute (librsvg
  2.54, as in Debian 12, among others) scale the stroke too: a 3-pixel outline becomes a
  blob hundreds of pixels wide. The transform is therefore folded into the coordinates of
  every stroked shape, so each stroke is as wide as it was meant, in any renderer.

Files are written whole or not at all.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QMimeData,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSettings,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontInfo, QFontMetricsF, QGuiApplication, QImage, QPainter, QPen, QPolygonF
from PySide6.QtSvg import QSvgGenerator, QSvgRenderer
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGraphicsItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.files import write_atomically
from core.flavours import Flavour, flavour_of
from core.scenario import DataSpec, Scenario, ValidationSplit
from core.versions import PLANNED_KERAS_VERSION
from core.words import step_call
from gui.theme import Look
from gui.timeline import TimelineView, legend_entries
from gui.timeline_layout import TimelineLayout

SCALES = (1, 2, 3)  # PNG pixels per pixel of the plot on screen
SETTINGS_GROUP = "export"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
SOURCE_WORDS = {
    "arrays": "NumPy arrays",
    "dataset": "tf.data",
    "generator": "a Python generator",
    "pydataset": "a PyDataset",
    "image_data_generator": "ImageDataGenerator().flow",
}
ORDERED_SOURCES = ("arrays", "pydataset", "image_data_generator")  # the sources fit(shuffle=...) reorders
SPLIT_WORDS = {"fit": "validation_split", "directory": "directory split", "image_data_generator": "ImageDataGenerator split"}
MIN_EXPORT_WIDTH = 640  # the narrowest timeline drawn on a sheet, in pixels of the screen
MARK_SHAPES = ("block", "hatch", "tick", "cross", "triangle")  # legend marks drawn as shapes; any other mark is text
REPEAT_WORDS = {"before_batch": ".repeat().batch()", "after_batch": ".batch().repeat()"}


# ---------------------------------------------------------------- what goes on the sheet


@dataclass(frozen=True)
class ExportOptions:
    """What a person chose in the export dialog; remembered between sessions."""

    scale: int = 2
    legend: bool = True
    caption: bool = True
    playhead: bool = False

    @classmethod
    def remembered(cls, settings: QSettings) -> ExportOptions:
        """The options last chosen, or the defaults; anything unreadable falls back to its default."""
        default = cls()
        scale = _settings_int(settings.value(f"{SETTINGS_GROUP}/scale"), default.scale)
        return cls(
            scale=scale if scale in SCALES else default.scale,
            legend=_settings_bool(settings.value(f"{SETTINGS_GROUP}/legend"), default.legend),
            caption=_settings_bool(settings.value(f"{SETTINGS_GROUP}/caption"), default.caption),
            playhead=_settings_bool(settings.value(f"{SETTINGS_GROUP}/playhead"), default.playhead),
        )

    def remember(self, settings: QSettings) -> None:
        settings.setValue(f"{SETTINGS_GROUP}/scale", self.scale)
        settings.setValue(f"{SETTINGS_GROUP}/legend", self.legend)
        settings.setValue(f"{SETTINGS_GROUP}/caption", self.caption)
        settings.setValue(f"{SETTINGS_GROUP}/playhead", self.playhead)


def _settings_int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def _settings_bool(value: object, default: bool) -> bool:
    # An INI file gives "true"/"false" back as text; other formats give a bool.
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    return default


@dataclass(frozen=True)
class LegendEntry:
    """One item of a legend: a mark in a colour, then its meaning.

    ``mark`` is "block" (a filled square), "hatch" (a square of / lines on a light fill, as
    the batches of an epoch in random order), "tick" (a small triangle pointing up, as the
    weight-update ticks), "cross", "triangle" (pointing right), or any other text, which is
    written in the colour as the mark itself.
    """

    mark: str
    colour: str
    words: str


@dataclass(frozen=True)
class Sheet:
    """Everything painted for one export besides the plot: the title, the legend, the caption, their colours."""

    title: str = "EpochScope"
    legend: tuple[LegendEntry, ...] = ()
    caption: str = ""
    text_colour: str = "#141414"
    background: str = "#ffffff"


def caption_for(scenario: Scenario) -> str:
    """One line of the settings, for a slide: "train: 100 samples, tf.data, batch 32, ..., 3 epochs — Keras 3.15.1"
    (or the flavour, when it is not Keras 3 on TensorFlow on one device: "— tf.keras 2", "— Keras 3 (JAX)")."""
    train = scenario.train
    parts = [f"train: {_data_words(train)}"]
    if train.drop_remainder:
        parts.append("drop_remainder")
    if train.repeat in REPEAT_WORDS and train.pipeline is None:
        parts.append(REPEAT_WORDS[train.repeat])
    if not train.shuffle and train.source in ORDERED_SOURCES:
        parts.append("shuffle=False")
    if scenario.steps_per_epoch is not None:
        parts.append(f"steps_per_epoch {scenario.steps_per_epoch:,}")
    if scenario.steps_per_execution > 1:
        parts.append(f"steps_per_execution {scenario.steps_per_execution:,}")
    parts.append(_epochs_words(scenario.epochs, scenario.initial_epoch))
    if scenario.gradient_accumulation_steps is not None:
        parts.append(f"gradient_accumulation_steps {scenario.gradient_accumulation_steps:,}")
    validation = scenario.validation
    if isinstance(validation, ValidationSplit):
        words = f"validation: {SPLIT_WORDS.get(validation.split_by, 'validation_split')} {validation.split:g}"
        if validation.batch_size is not None:
            words += f", batch {validation.batch_size:,}"
    elif validation is not None:
        words = f"validation: {_data_words(validation, default_batch=train.batch_size)}"
        if validation.repeat in REPEAT_WORDS and validation.pipeline is None:
            words += f", {REPEAT_WORDS[validation.repeat]}"
    if validation is not None:
        if validation.steps is not None:
            words += f", validation_steps {validation.steps:,}"
        if isinstance(validation.freq, tuple):
            words += f", after epochs {', '.join(f'{number:,}' for number in validation.freq)}"
        elif validation.freq > 1:
            words += f", every {_count(validation.freq, 'epoch')}"
        parts.append(words)
    flavour = flavour_of(scenario)
    # The flavour is named only off the default: a slide of plain Keras 3 reads as before.
    keras = f"Keras {PLANNED_KERAS_VERSION}" if flavour == Flavour() else flavour.label
    return ", ".join(parts) + f" \u2014 {keras}"


def _epochs_words(epochs: int, initial_epoch: int) -> str:
    """'3 epochs'; with initial_epoch, the absolute numbers that run: 'initial_epoch 3, epochs 4 to 6'."""
    if not initial_epoch:
        return _count(epochs, "epoch")
    if initial_epoch >= epochs:
        return f"initial_epoch {initial_epoch:,}, epochs {epochs:,}: no epoch runs"
    run = f"epoch {epochs:,}" if epochs == initial_epoch + 1 else f"epochs {initial_epoch + 1:,} to {epochs:,}"
    return f"initial_epoch {initial_epoch:,}, {run}"


def _data_words(data: DataSpec, default_batch: int | None = None) -> str:
    amount = "an endless stream" if data.samples is None else _count(data.samples, "sample")
    words = f"{amount}, {SOURCE_WORDS.get(data.source, data.source)}"
    if data.pipeline is not None:
        return words + " " + "".join("." + step_call(step) for step in data.pipeline)
    if data.source == "image_data_generator" and not data.flow_shuffle:
        words += " (flow shuffle=False)"
    batch = data.batch_size if data.batch_size is not None else default_batch
    return words + (f", batch {batch:,}" if batch is not None else "")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def timeline_legend(look: Look, model: TimelineLayout | None = None) -> tuple[LegendEntry, ...]:
    """The timeline's legend, as on screen under it: every kind of block, the marks, then what the plan of
    ``model`` adds (batches in a random order, weight updates, a length Keras does not know)."""
    return tuple(LegendEntry(mark, colour, words) for mark, colour, words in legend_entries(look, model))


# ---------------------------------------------------------------- the dialog


class ExportDialog(QDialog):
    """File > Export: how big a PNG is, and what goes on the picture besides the plot."""

    def __init__(self, parent: QWidget | None, what: str, kind: str, options: ExportOptions, width: int):
        super().__init__(parent)
        self.setWindowTitle(f"Export the {what} as {kind}")
        self.kept = options  # what this dialog does not offer stays as it was
        column = QVBoxLayout(self)
        self.scale_buttons = QButtonGroup(self)
        if kind == "PNG":
            column.addWidget(QLabel("Size of the picture:"))
            row = QHBoxLayout()
            for scale in SCALES:
                button = QRadioButton(f"{scale}x ({width * scale:,} pixels wide)")
                button.setObjectName(f"scale:{scale}")
                button.setChecked(scale == options.scale)
                self.scale_buttons.addButton(button, scale)
                row.addWidget(button)
            column.addLayout(row)
        else:
            column.addWidget(QLabel("SVG is drawn in vectors: sharp at any size."))
        self.legend = QCheckBox("The legend of the batch colours")
        self.legend.setChecked(options.legend)
        self.caption = QCheckBox("A caption with the settings (samples, batch size, epochs...)")
        self.caption.setChecked(options.caption)
        self.playhead = QCheckBox("The playhead (the outlined batch)")
        self.playhead.setChecked(options.playhead)
        self.for_timeline = what == "timeline"  # the loss plot has its own legend and no playhead
        for box, shown in ((self.legend, self.for_timeline), (self.caption, True), (self.playhead, self.for_timeline)):
            if shown:
                column.addWidget(box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export...")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)

    def options(self) -> ExportOptions:
        chosen = self.scale_buttons.checkedId()
        return ExportOptions(
            scale=chosen if chosen in SCALES else self.kept.scale,
            legend=self.legend.isChecked() if self.for_timeline else self.kept.legend,
            caption=self.caption.isChecked(),
            playhead=self.playhead.isChecked() if self.for_timeline else self.kept.playhead,
        )


def ask_export_options(parent: QWidget | None, what: str, kind: str, options: ExportOptions, width: int) -> ExportOptions | None:
    """Show the export dialog; the options chosen, or None if cancelled."""
    dialog = ExportDialog(parent, what, kind, options, width)
    try:
        return dialog.options() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


# ---------------------------------------------------------------- painting the sheet


class _Layout:
    """Where the plot, the legend's items and the caption go, in pixels of the plot on screen."""

    def __init__(self, view: QGraphicsView, sheet: Sheet):
        self.font = QFont(QApplication.font())  # the window's type, larger in presentation mode
        metrics = QFontMetricsF(self.font)
        line = metrics.height()
        mark_size = metrics.ascent() * 0.9
        margin = round(line * 0.6)
        self.source = QRect(QPoint(0, 0), view.viewport().size())
        self.plot = QRectF(self.source.toRectF()).translated(0, margin)
        width = self.plot.width()
        y = self.plot.bottom() + margin
        self.legend: list[tuple[LegendEntry, QRectF, QRectF]] = []  # each entry, its mark, its words
        x = margin
        for entry in sheet.legend:
            shape = entry.mark in MARK_SHAPES
            mark_width = mark_size if shape else metrics.horizontalAdvance(entry.mark)
            words_width = metrics.horizontalAdvance(entry.words)
            entry_width = mark_width + line * 0.35 + words_width
            if x > margin and x + entry_width > width - margin:
                x, y = margin, y + line * 1.3
            mark = QRectF(x, y + (line - mark_size) / 2, mark_width, mark_size) if shape else QRectF(x, y, mark_width, line)
            self.legend.append((entry, mark, QRectF(mark.right() + line * 0.35, y, words_width + 1, line)))
            x += entry_width + line * 1.2
        if sheet.legend:
            y += line * 1.3
        self.caption = QRectF()
        if sheet.caption:
            wrapped = metrics.boundingRect(
                QRectF(margin, y, width - 2 * margin, 10 * line), int(Qt.TextFlag.TextWordWrap), sheet.caption
            )
            self.caption = QRectF(margin, y, width - 2 * margin, wrapped.height())
            y += wrapped.height()
        self.size = QSize(round(width), math.ceil(y + margin))


def _paint(painter: QPainter, view: QGraphicsView, sheet: Sheet, layout: _Layout) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.fillRect(QRectF(QPointF(0, 0), layout.size.toSizeF()), QColor(sheet.background))
    with _drawn_as_vectors(view):
        view.render(painter, layout.plot, layout.source, Qt.AspectRatioMode.IgnoreAspectRatio)
    painter.setFont(layout.font)
    text = QColor(sheet.text_colour)
    for entry, mark, words in layout.legend:
        _paint_mark(painter, entry, mark)
        painter.setPen(text)
        painter.drawText(words, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), entry.words)
    if sheet.caption:
        painter.setPen(text)
        painter.drawText(layout.caption, int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), sheet.caption)


def _paint_mark(painter: QPainter, entry: LegendEntry, box: QRectF) -> None:
    colour = QColor(entry.colour)
    if entry.mark == "block":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRect(box)
    elif entry.mark == "hatch":
        light = QColor(colour)
        light.setAlphaF(0.4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(light)
        painter.drawRect(box)
        painter.setBrush(QBrush(colour, Qt.BrushStyle.BDiagPattern))
        painter.drawRect(box)
    elif entry.mark == "devices":  # three stripes, as a batch split across devices is drawn
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        stripe = box.height() / 3
        for index in range(3):
            painter.drawRect(QRectF(box.left(), box.top() + index * stripe, box.width(), stripe * 0.75))
    elif entry.mark == "tick":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        inset = box.adjusted(box.width() * 0.15, box.height() * 0.2, -box.width() * 0.15, -box.height() * 0.1)
        painter.drawPolygon(QPolygonF([inset.bottomLeft(), QPointF(inset.center().x(), inset.top()), inset.bottomRight()]))
    elif entry.mark == "cross":
        inset = box.adjusted(box.width() * 0.15, box.height() * 0.15, -box.width() * 0.15, -box.height() * 0.15)
        painter.setPen(QPen(colour, max(1.5, box.width() * 0.18), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(inset.topLeft(), inset.bottomRight())
        painter.drawLine(inset.bottomLeft(), inset.topRight())
    elif entry.mark == "triangle":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([box.topLeft(), QPointF(box.right(), box.center().y()), box.bottomLeft()]))
    else:
        painter.setPen(colour)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), entry.mark)
    painter.setBrush(Qt.BrushStyle.NoBrush)


@contextmanager
def _drawn_as_vectors(view: QGraphicsView) -> Iterator[None]:
    """While painting: no cached bitmaps of items, and pyqtgraph's export mode, in which scatter
    symbols are drawn as paths instead of stamped from a pixmap atlas."""
    scene = view.scene()
    caches = [(item, item.cacheMode()) for item in (scene.items() if scene is not None else [])]
    for item, _mode in caches:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        if hasattr(item, "setExportMode"):
            item.setExportMode(True, {"antialias": True})
    try:
        yield
    finally:
        for item, mode in caches:
            if hasattr(item, "setExportMode"):
                item.setExportMode(False)
            item.setCacheMode(mode)


def export_size(on_screen: QSize) -> QSize:
    """The timeline's size on the sheet, in pixels of the screen: as wide as on screen, at least
    MIN_EXPORT_WIDTH, and at least 9/16 as high, so a plot squeezed by the summary below it still
    fills a slide."""
    width = max(on_screen.width(), MIN_EXPORT_WIDTH)
    return QSize(width, max(on_screen.height(), round(width * 9 / 16)))


@contextmanager
def plot_to_export(view: QGraphicsView, timeline: TimelineView | None = None, playhead: bool = False) -> Iterator[QGraphicsView]:
    """The plot to paint for ``view``, laid out and drawn offscreen.

    The timeline is drawn afresh from its plan by an offscreen TimelineView at ``export_size``:
    the same plan, axis, look and range as on screen, the playhead only if asked. Any other
    plot (the loss plot) is painted as it is laid out in the window, even on a hidden tab.
    """
    if timeline is None or view is not timeline.plot or timeline.layout_model is None:
        _lay_out(view)
        yield view
        return
    copy = TimelineView()
    plot = copy.plot
    try:
        copy.apply_look(timeline.look)
        copy.set_axis(timeline.axis)
        copy.set_plan(timeline.layout_model.plan)
        # The plot alone, as a window that is never shown on screen but laid out at the export's size.
        copy.layout().removeWidget(plot)
        plot.setParent(None)
        plot.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        plot.resize(export_size(timeline.plot.size()))
        plot.show()
        _lay_out(plot)
        x_range, y_range = timeline.view_box.viewRange()
        copy.view_box.setRange(xRange=x_range, yRange=y_range, padding=0)
        copy.relayout()
        if playhead:
            copy.playhead.setOpts(**{key: timeline.playhead.opts[key] for key in ("x0", "y0", "width", "height")})
        plot.scene().prepareForPaint()
        # A pyqtgraph TextItem's first paint replaces the painter's transform with its scene transform,
        # which would draw the box behind a label off by the sheet's top margin: paint once first.
        plot.grab()
        yield plot
    finally:
        # Nothing of the copy may run later (its relayout is on a zero-time timer); pyqtgraph's
        # PlotWidget.close() would empty the plot under such a timer, so it is only hidden.
        for timer in copy.findChildren(QTimer):
            timer.stop()
        plot.hide()
        plot.deleteLater()
        copy.deleteLater()


def _lay_out(view: QGraphicsView) -> None:
    """Lay out a plot that may never have been shown (the loss plot on its hidden tab)."""
    if not view.isVisible():
        view.grab()  # sends the resize events Qt holds back for a hidden widget
    # pyqtgraph places axes and labels through a QGraphicsLayout, which waits for a posted layout request.
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def svg_bytes(view: QGraphicsView, sheet: Sheet) -> bytes:
    """The sheet as SVG, one pixel of the plot on screen to one unit, every stroke as wide as meant."""
    layout = _Layout(view, sheet)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setResolution(view.logicalDpiX())  # see the module's docstring: 72 would shrink the axes
    generator.setSize(layout.size)
    generator.setViewBox(QRect(QPoint(0, 0), layout.size))
    generator.setTitle(sheet.title)
    generator.setDescription("Made with EpochScope")
    painter = QPainter(generator)
    try:
        _paint(painter, view, sheet, layout)
    finally:
        painter.end()
    return tidy_qt_svg(bytes(buffer.data()), layout.size)


def image_of_svg(svg: bytes, scale: int) -> QImage:
    """The SVG drawn at ``scale`` pixels per unit.

    The PNG is drawn from the SVG rather than from the scene: Qt draws cosmetic pens (the
    gaps between batches, the playhead, the axes) one device pixel wide however the painter
    is scaled, so a scene painted at 2x would have hairlines; drawn from the SVG, every line
    keeps its width relative to the picture, and the PNG and the SVG are the same picture.
    """
    renderer = QSvgRenderer(QByteArray(svg))
    size = renderer.viewBox().size() * scale
    picture = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    picture.fill(Qt.GlobalColor.transparent)
    painter = QPainter(picture)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        renderer.render(painter, QRectF(QPointF(0, 0), size.toSizeF()))
    finally:
        painter.end()
    return picture


def png_bytes(picture: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not picture.save(buffer, "PNG"):
        raise OSError("the picture could not be encoded as PNG")
    return bytes(buffer.data())


def export(view: QGraphicsView, path: str | Path, sheet: Sheet, scale: int = 2) -> None:
    """Write the sheet to ``path``: SVG for a .svg name, otherwise PNG at ``scale`` pixels per pixel on screen."""
    path = Path(path)
    svg = svg_bytes(view, sheet)
    write_atomically(path, svg if path.suffix.lower() == ".svg" else png_bytes(image_of_svg(svg, scale)))


def copy_to_clipboard(view: QGraphicsView, sheet: Sheet, scale: int = 2) -> QImage:
    """Put the sheet on the clipboard as a picture, and as SVG for programs that paste vectors."""
    svg = svg_bytes(view, sheet)
    picture = image_of_svg(svg, scale)
    data = QMimeData()
    data.setImageData(picture)
    data.setData("image/svg+xml", QByteArray(svg))
    QGuiApplication.clipboard().setMimeData(data)
    return picture


# ---------------------------------------------------------------- SVG: strokes as wide as meant

_MATRIX = re.compile(r"^\s*matrix\(([^)]*)\)\s*$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ABSOLUTE_PAIRS = {"M": 1, "L": 1, "C": 3, "Q": 2, "T": 1, "S": 2}


class _CannotFold(ValueError):
    """A shape this folding does not rewrite; it keeps its transform."""


def tidy_qt_svg(svg: bytes, size: QSize) -> bytes:
    """Qt's SVG, drawn alike by every renderer: strokes as wide as meant, the size in pixels, fonts by name.

    Qt writes one ``<g transform="matrix(...)">`` per state change and puts its shapes inside
    with absolute coordinates (rect, path with M/L/C/Z, polyline, polygon, line, ellipse,
    circle). Each group's transform is folded into the coordinates of its non-scaling-stroke
    shapes, so the stroke width is in the sheet's pixels without ``vector-effect``; text and
    images keep the transform. Qt names fonts as asked ("Sans Serif", its own alias), which
    each renderer resolves its own way: the font Qt drew with is named first.
    """
    ElementTree.register_namespace("", SVG_NAMESPACE)
    ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ElementTree.fromstring(svg)
    for group in root.iter(f"{{{SVG_NAMESPACE}}}g"):
        transform = group.get("transform")
        matrix = _matrix(transform)
        if matrix is None:
            continue
        if matrix == (1, 0, 0, 1, 0, 0):
            del group.attrib["transform"]
            continue
        for child in group:
            if child.get("vector-effect") == "non-scaling-stroke":
                try:
                    _fold(child, matrix)
                    del child.attrib["vector-effect"]
                    continue
                except _CannotFold:
                    pass
            # Text, images and whatever cannot be folded keep the group's transform on themselves.
            child.set("transform", f"{transform} {child.get('transform', '')}".strip())
        del group.attrib["transform"]
    resolved: dict[str, str] = {}
    for element in root.iter():
        family = element.get("font-family")
        if family:
            if family not in resolved:
                drawn_with = QFontInfo(QFont(family)).family()
                resolved[family] = f"'{drawn_with}', sans-serif" if drawn_with != family else family
            element.set("font-family", resolved[family])
    # In pixels, not Qt's millimetres, which renderers round to a different size.
    root.set("width", str(size.width()))
    root.set("height", str(size.height()))
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _matrix(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    found = _MATRIX.match(text)
    if found is None:
        return None
    numbers = tuple(float(n) for n in _NUMBER.findall(found.group(1)))
    return numbers if len(numbers) == 6 else None


def _apply(matrix: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _number(value: float) -> str:
    return f"{value:.6g}"


def _fold(shape: ElementTree.Element, matrix: tuple[float, ...]) -> None:
    a, b, c, d, _e, _f = matrix
    tag = shape.tag.split("}")[-1]
    if "transform" in shape.attrib:
        raise _CannotFold(tag)
    if tag == "rect" and b == 0 and c == 0:
        x, y = _apply(matrix, float(shape.get("x", 0)), float(shape.get("y", 0)))
        width, height = a * float(shape.get("width", 0)), d * float(shape.get("height", 0))
        shape.set("x", _number(min(x, x + width)))
        shape.set("y", _number(min(y, y + height)))
        shape.set("width", _number(abs(width)))
        shape.set("height", _number(abs(height)))
    elif tag == "path":
        shape.set("d", _folded_path(shape.get("d", ""), matrix))
    elif tag in ("polyline", "polygon"):
        numbers = [float(n) for n in _NUMBER.findall(shape.get("points", ""))]
        points = (_apply(matrix, x, y) for x, y in zip(numbers[::2], numbers[1::2], strict=True))
        shape.set("points", " ".join(f"{_number(x)},{_number(y)}" for x, y in points))
    elif tag == "line":
        for first, second in (("x1", "y1"), ("x2", "y2")):
            x, y = _apply(matrix, float(shape.get(first, 0)), float(shape.get(second, 0)))
            shape.set(first, _number(x))
            shape.set(second, _number(y))
    elif tag in ("ellipse", "circle") and b == 0 and c == 0:
        x, y = _apply(matrix, float(shape.get("cx", 0)), float(shape.get("cy", 0)))
        radius = float(shape.get("r", 0))
        rx, ry = float(shape.get("rx", radius)), float(shape.get("ry", radius))
        shape.tag = f"{{{SVG_NAMESPACE}}}ellipse"
        shape.attrib.pop("r", None)
        shape.set("cx", _number(x))
        shape.set("cy", _number(y))
        shape.set("rx", _number(abs(a * rx)))
        shape.set("ry", _number(abs(d * ry)))
    else:
        raise _CannotFold(tag)


def _folded_path(d: str, matrix: tuple[float, ...]) -> str:
    tokens = _PATH_TOKEN.findall(d)
    out: list[str] = []
    command = ""
    numbers: list[float] = []

    def flush() -> None:
        if not command:
            return
        if command in "Zz":
            out.append("Z")
            return
        if command not in _ABSOLUTE_PAIRS or len(numbers) % 2:
            raise _CannotFold(command)
        pairs = (_apply(matrix, x, y) for x, y in zip(numbers[::2], numbers[1::2], strict=True))
        out.append(command + " ".join(f"{_number(x)},{_number(y)}" for x, y in pairs))

    for token in tokens:
        if token.isalpha():
            flush()
            command, numbers = token, []
        else:
            numbers.append(float(token))
    flush()
    return " ".join(out)
