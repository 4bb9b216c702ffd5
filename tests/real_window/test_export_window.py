"""Exports in a real window (Xvfb, openbox, Qt on xcb, the X server's own resolution): File > Export
answered with real keys, the SVG drawn by librsvg beside the PNG and the screen, Ctrl+C pressed for real."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from gui.export import ExportDialog, ExportOptions
from tests.real_window.conftest import wait_for_the_frame
from tests.test_export import (
    FLOOR_CAPTION,
    FLOOR_TRAP,
    bar_band,
    keep,
    menu_action,
    pixels,
    rendered_by_librsvg,
    rsvg_convert_or_skip,
    tick_columns,
)


def test_file_export_answered_with_keys_draws_the_same_picture_in_librsvg(
    real_window, press_keys, screen_shot, qtbot, tmp_path, monkeypatch, rsvg_convert
):
    # File > Export > Timeline as SVG, the options accepted with Return: librsvg's drawing, the PNG and the screen agree.
    window = real_window(FLOOR_TRAP)
    look = window.timeline.look
    target = tmp_path / "timeline.svg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    answered = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ExportDialog)
        wait_for_the_frame(qtbot, dialog)
        qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
        screen_shot(tmp_path / "export-dialog.png")
        keep(tmp_path / "export-dialog.png")
        press_keys("Return")  # the dialog's default button: Export...
        answered.append(dialog.windowTitle())

    QTimer.singleShot(0, answer)
    assert menu_action(window, "File", "Export", "Timeline as SVG...").trigger() is None
    qtbot.waitUntil(lambda: target.exists(), timeout=5000)
    assert answered == ["Export the timeline as SVG"]
    keep(target)
    assert FLOOR_CAPTION in target.read_text(encoding="utf-8")

    png_path = tmp_path / "timeline.png"
    assert window.export_to(window.timeline.plot, png_path, "timeline", ExportOptions(scale=1))
    keep(png_path)
    png, drawn, screen = pixels(png_path), rendered_by_librsvg(rsvg_convert, target), pixels(window.timeline.plot.grab())
    assert png.shape == drawn.shape
    bands = {name: bar_band(picture, look) for name, picture in (("png", png), ("svg", drawn), ("screen", screen))}
    assert max(abs(a - b) for a, b in zip(bands["png"], bands["svg"], strict=True)) <= 2, bands
    assert abs(bands["svg"][2] - bands["screen"][2]) <= 2 and abs(bands["svg"][3] - bands["screen"][3]) <= 2, bands
    ticks = {name: tick_columns(picture, look) for name, picture in (("png", png), ("svg", drawn), ("screen", screen))}
    assert len(ticks["screen"]) >= 10
    for name in ("png", "svg"):
        assert len(ticks[name]) == len(ticks["screen"]), ticks
        assert max(abs(a - b) for a, b in zip(ticks[name], ticks["screen"], strict=True)) <= 2, (name, ticks)


@pytest.fixture
def rsvg_convert() -> str:
    return rsvg_convert_or_skip()


def test_ctrl_c_pressed_on_the_timeline_copies_the_2x_picture(real_window, press_keys, qtbot, tmp_path):
    # Ctrl+C on the real keyboard, the timeline focused: the clipboard holds the 2x picture an export writes.
    window = real_window(FLOOR_TRAP)
    window.timeline.plot.setFocus()
    QGuiApplication.clipboard().clear()
    press_keys("ctrl+c")
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull(), timeout=5000)
    copied = QGuiApplication.clipboard().image()
    assert window.statusBar().currentMessage().startswith("Copied as a picture")
    exported_path = tmp_path / "same.png"
    assert window.export_to(window.timeline.plot, exported_path)
    exported = QImage(str(exported_path))
    assert copied.size() == exported.size()
    assert exported.width() >= 2 * 640
    assert np.abs(pixels(copied) - pixels(exported)).max() <= 1
