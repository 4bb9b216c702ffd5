"""Pictures for slides: a plot as PNG, as vector SVG, or on the clipboard.

pyqtgraph 0.14's SVGExporter fails with PySide6 (pyqtgraph #3485, see shared/style.md), so
the SVG is painted by Qt itself: the plot's graphics view renders into a QSvgGenerator,
and every block, curve and label becomes a vector element. Files are written whole or
not at all.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QRect, QSize
from PySide6.QtGui import QGuiApplication, QPainter, QPixmap
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from core.files import write_atomically


def png_bytes(view: QGraphicsView) -> bytes:
    pixmap = view.grab()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not pixmap.save(buffer, "PNG"):
        raise OSError("the picture could not be encoded as PNG")
    return bytes(buffer.data())


def svg_bytes(view: QGraphicsView, title: str) -> bytes:
    size = QSize(view.width(), view.height())
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("Made with EpochScope")
    items = view.scene().items() if view.scene() is not None else []
    caches = [(item, item.cacheMode()) for item in items]
    for item, _mode in caches:
        # Vector output: no cached bitmaps of items, and pyqtgraph's export mode, in which
        # scatter symbols are drawn as paths instead of stamped from a pixmap atlas.
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        if hasattr(item, "setExportMode"):
            item.setExportMode(True, {"antialias": True})
    try:
        painter = QPainter(generator)
        view.render(painter)
        painter.end()
    finally:
        for item, mode in caches:
            if hasattr(item, "setExportMode"):
                item.setExportMode(False)
            item.setCacheMode(mode)
    return bytes(buffer.data())


def export(view: QGraphicsView, path: str | Path, title: str) -> None:
    """Write the view to ``path``: SVG for a .svg name, PNG otherwise."""
    path = Path(path)
    data = svg_bytes(view, title) if path.suffix.lower() == ".svg" else png_bytes(view)
    write_atomically(path, data)


def copy_to_clipboard(view: QGraphicsView) -> QPixmap:
    pixmap = view.grab()
    QGuiApplication.clipboard().setPixmap(pixmap)
    return pixmap
