"""Render resources/icons/epochscope.svg to the PNG sizes desktops ask for, and a Windows .ico.

    python tools/make_icons.py

Each size is rendered from the vector drawing (never scaled from another bitmap); the .ico
holds every size as a PNG entry, which Windows reads since Vista.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    """The drawing at size x size pixels, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def ico_file(pngs: dict[int, bytes]) -> bytes:
    """A .ico container with one PNG entry per size (ICONDIR, ICONDIRENTRYs, then the images)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(images))
        images += png
    return header + entries + images


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from core.files import write_atomically

    _app = QGuiApplication.instance() or QGuiApplication([])
    svg = ICONS / "epochscope.svg"
    pngs = {size: render_png(svg, size) for size in SIZES}
    for size, png in pngs.items():
        write_atomically(ICONS / f"epochscope-{size}.png", png)
    write_atomically(ICONS / "epochscope.ico", ico_file(pngs))
    print(f"wrote {len(pngs)} PNGs and epochscope.ico to {ICONS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
