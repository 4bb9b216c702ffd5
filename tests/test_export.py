"""Exports for slides: the PNG, the SVG as an independent renderer draws it, the dialog, the clipboard.

The SVG is drawn by librsvg (`rsvg-convert`, Debian's librsvg2-bin) and compared pixel column by
pixel column with the PNG export and with the plot on screen: the bars' edges and the axis' ticks
must fall on the same columns. rsvg-convert is skipped where missing, except under CI's
EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import without_system_tool

FLOOR_TRAP = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 3,
}
FLOOR_CAPTION = "train: 100 samples, tf.data, batch 32, steps_per_epoch 3, 3 epochs \u2014 Keras 3.15.1"
SVG = "{http://www.w3.org/2000/svg}"
NEAR = 40  # how far (per channel) a pixel may be from a colour and still be that colour, for antialiased edges
KEEP_PICTURES = os.environ.get("EPOCHSCOPE_KEEP_EXPORTS")  # a folder: the pictures are also written there, to look at


@pytest.fixture
def rsvg_convert() -> str:
    return rsvg_convert_or_skip()


def rsvg_convert_or_skip() -> str:
    """Debian's rsvg-convert; CI installs librsvg2-bin and sets EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS=1 so this never skips there."""
    found = shutil.which("rsvg-convert")
    if found:
        return found
    without_system_tool("rsvg-convert is not installed (Debian package librsvg2-bin)")


def pixels(image) -> np.ndarray:
    """A QImage (or a PNG's path) as an array of rows of RGB pixels."""
    from PySide6.QtGui import QImage, QPixmap

    if isinstance(image, QPixmap):
        image = image.toImage()
    elif not isinstance(image, QImage):
        image = QImage(str(image))
    assert not image.isNull()
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)


def is_colour(picture: np.ndarray, colour: str) -> np.ndarray:
    from PySide6.QtGui import QColor

    wanted = QColor(colour)
    target = np.array([wanted.red(), wanted.green(), wanted.blue()])
    return np.abs(picture - target).max(axis=2) <= NEAR


def rendered_by_librsvg(rsvg: str, svg: Path, scale: int = 1) -> np.ndarray:
    out = svg.with_name(svg.stem + f"-rsvg-{scale}x.png")
    subprocess.run([rsvg, "--zoom", str(scale), "-o", str(out), str(svg)], check=True, timeout=60)
    keep(out)
    return pixels(out)


def keep(path: Path) -> None:
    if KEEP_PICTURES:
        Path(KEEP_PICTURES).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(KEEP_PICTURES) / path.name)


def export(window, path: Path, view=None, **options) -> Path:
    from gui.export import ExportOptions

    assert window.export_to(view or window.timeline.plot, path, "timeline", ExportOptions(**options))
    keep(path)
    return path


def bar_band(picture: np.ndarray, look) -> tuple[int, int, int, int]:
    """Rows and columns of the first epoch's training bar: (top, bottom, left, right), inclusive."""
    block = is_colour(picture, look.blocks["full"]) | is_colour(picture, look.blocks["full_alt"])
    per_row = block.sum(axis=1)
    rows = np.flatnonzero(per_row > per_row.max() * 0.9)
    top = bottom = rows[0]
    while bottom + 1 in rows:
        bottom += 1
    middle = block[(top + bottom) // 2]
    columns = np.flatnonzero(middle)
    return int(top), int(bottom), int(columns[0]), int(columns[-1])


def tick_columns(picture: np.ndarray, look) -> list[float]:
    """The x of every tick mark hanging under the bottom axis: the centre of each inked run just below its line."""
    ink = ~is_colour(picture, look.plot_background)
    axis_row = int(np.flatnonzero(ink.sum(axis=1) > 0.7 * picture.shape[1])[-1])  # the last row drawn nearly across
    columns = np.flatnonzero(ink[axis_row + 2])
    runs = np.split(columns, np.flatnonzero(np.diff(columns) > 1) + 1)
    return [float(run.mean()) for run in runs if len(run)]


def below_the_plot(picture: np.ndarray, look) -> np.ndarray:
    """The rows under the timeline's bottom axis line (its label, then the legend and the caption)."""
    ink = ~is_colour(picture, look.plot_background)
    axis_row = int(np.flatnonzero(ink.sum(axis=1) > 0.7 * picture.shape[1])[-1])
    return picture[axis_row + 1 :]


def has_blob(mask: np.ndarray, side: int) -> bool:
    """Whether the mask holds a solid square of ``side`` pixels: a filled area, not a line or an antialiased edge."""
    if min(mask.shape) < side:
        return False
    return bool(np.lib.stride_tricks.sliding_window_view(mask, (side, side)).all(axis=(2, 3)).any())


# ---------------------------------------------------------------- the SVG, as librsvg draws it


def test_librsvg_draws_the_svg_as_the_png_and_as_the_screen(window, tmp_path, rsvg_convert):
    # Bars and axis ticks line up within 2 px in the PNG, in librsvg's drawing of the SVG, and on screen.
    shown = window(FLOOR_TRAP)
    look = shown.timeline.look
    png = pixels(export(shown, tmp_path / "timeline.png", scale=1))
    drawn = rendered_by_librsvg(rsvg_convert, export(shown, tmp_path / "timeline.svg"))
    screen = pixels(shown.timeline.plot.grab())
    assert drawn.shape == png.shape
    edges = {name: bar_band(picture, look) for name, picture in (("png", png), ("svg", drawn), ("screen", screen))}
    # The sheet's plot is as wide as on screen (taller, for a slide): the same columns; the PNG and SVG the same rows.
    for name in ("png", "svg"):
        assert abs(edges[name][2] - edges["screen"][2]) <= 2, edges
        assert abs(edges[name][3] - edges["screen"][3]) <= 2, edges
    assert max(abs(a - b) for a, b in zip(edges["png"], edges["svg"], strict=True)) <= 2, edges
    ticks = {name: tick_columns(picture, look) for name, picture in (("png", png), ("svg", drawn), ("screen", screen))}
    assert len(ticks["screen"]) >= 10  # 0, 10, ... 90 and the small ticks between
    for name in ("png", "svg"):
        assert len(ticks[name]) == len(ticks["screen"]), ticks
        assert max(abs(a - b) for a, b in zip(ticks[name], ticks["screen"], strict=True)) <= 2, ticks
    # The 0 tick stands under the bars' left edge (samples start at 0), in the SVG as on screen.
    assert abs(ticks["svg"][0] - edges["svg"][2]) <= 2
    # And as a whole: besides antialiased text, the two drawings are the same picture.
    differs = np.abs(png - drawn).max(axis=2) > 64
    assert differs.mean() < 0.02


def test_librsvg_draws_the_svg_at_2x_as_the_png_at_2x(window, tmp_path, rsvg_convert):
    # The PNG at 2x and the SVG drawn at 2x by librsvg agree as closely as at 1x.
    shown = window(FLOOR_TRAP)
    look = shown.timeline.look
    png = pixels(export(shown, tmp_path / "timeline2.png", scale=2))
    drawn = rendered_by_librsvg(rsvg_convert, export(shown, tmp_path / "timeline2.svg"), scale=2)
    assert drawn.shape == png.shape
    png_band, svg_band = bar_band(png, look), bar_band(drawn, look)
    assert max(abs(a - b) for a, b in zip(png_band, svg_band, strict=True)) <= 2, (png_band, svg_band)
    png_ticks, svg_ticks = tick_columns(png, look), tick_columns(drawn, look)
    assert len(png_ticks) == len(svg_ticks) >= 10
    assert max(abs(a - b) for a, b in zip(png_ticks, svg_ticks, strict=True)) <= 2


def test_no_playhead_unless_asked_and_then_a_thin_outline(window, tmp_path, rsvg_convert):
    # The playhead on batch 2: left out by default (no dark pixel on the bars); asked for, a thin outline of that batch.
    shown = window(FLOOR_TRAP)
    look = shown.timeline.look
    shown.timeline.go_to_start()
    shown.timeline.step(1)
    assert shown.timeline.position == (0, "train", 1)
    for playhead in (False, True):
        svg = export(shown, tmp_path / f"playhead-{playhead}.svg", playhead=playhead)
        for name, picture in (
            ("svg", rendered_by_librsvg(rsvg_convert, svg)),
            ("png", pixels(export(shown, svg.with_suffix(".png"), scale=1, playhead=playhead))),
        ):
            top, bottom, left, right = bar_band(picture, look)
            # Everything between the first and last epoch's bars, where only blocks and marks are drawn.
            plot = picture[max(0, top - 10) : bottom + 10, left + 8 : right - 8]
            dark = is_colour(plot, look.text) | (plot.max(axis=2) < 90)
            grey = (np.ptp(plot, axis=2) < 12) & (plot.max(axis=2) < 220)
            assert not has_blob(grey, 6), (name, playhead)  # no grey (or black) blob anywhere on the bars
            if not playhead:
                assert dark.sum() == 0, (name, dark.sum())
                continue
            rows, columns = np.nonzero(dark)
            box_left, box_right = columns.min() + left + 8, columns.max() + left + 8
            width = right - left
            assert abs(box_left - (left + width * 32 / 96)) <= 4, (name, box_left, left, right)
            assert abs(box_right - (left + width * 64 / 96)) <= 4, (name, box_right, left, right)
            outline = 2 * ((box_right - box_left) + (rows.max() - rows.min()))
            assert dark.sum() <= outline * (look.playhead_width + 2), (name, dark.sum(), outline)
            inside = dark[rows.min() + 6 : rows.max() - 6, columns.min() + 6 : columns.max() - 6]
            assert inside.sum() == 0, name  # an outline, not a filled block
            assert not has_blob(dark, round(look.playhead_width) + 3), name


def test_every_block_is_a_vector_rect_and_no_stroke_hangs_on_a_scale(window, tmp_path):
    # The 7 batches are SVG rects in their colours; no bitmap; no non-scaling stroke left for renderers that ignore it.
    shown = window(FLOOR_TRAP)
    look = shown.timeline.look
    root = ElementTree.parse(export(shown, tmp_path / "timeline.svg")).getroot()
    assert root.get("width") == str(shown.timeline.plot.width())
    fills: dict[str, int] = {}
    for group in root.iter(f"{SVG}g"):
        for _rect in group.findall(f"{SVG}rect"):
            fills[group.get("fill", "").lower()] = fills.get(group.get("fill", "").lower(), 0) + 1
    full, alternate, short = (look.blocks[kind].lower() for kind in ("full", "full_alt", "short"))
    assert fills.get(full, 0) >= 4 + 1  # epochs 1 and 3: batches 1 and 3; and the legend's swatch
    assert fills.get(alternate, 0) >= 2
    assert fills.get(short, 0) >= 1 + 1
    assert not list(root.iter(f"{SVG}image"))
    assert not [element for element in root.iter() if element.get("vector-effect") == "non-scaling-stroke"]


def test_the_caption_and_the_legend_are_in_the_svg_only_when_chosen(window, tmp_path):
    # The caption line with the settings, and the legend's words, are SVG text; both can be left out.
    shown = window(FLOOR_TRAP)

    def texts(path: Path) -> list[str]:
        return ["".join(element.itertext()).strip() for element in ElementTree.parse(path).getroot().iter(f"{SVG}text")]

    everything = texts(export(shown, tmp_path / "all.svg"))
    assert FLOOR_CAPTION in everything
    assert {"full batch", "short batch", "ran out of data", "continues where the last epoch stopped"} <= set(everything)
    bare = texts(export(shown, tmp_path / "bare.svg", legend=False, caption=False))
    assert FLOOR_CAPTION not in bare
    assert "full batch" not in bare
    assert "Samples read in the epoch" in bare  # the plot itself is all there


def test_a_scale_factor_of_a_deformed_svg_is_folded_into_its_shapes(qapp):
    # Qt's group transform moves into the shapes' coordinates; text keeps it; stroke widths stay; fonts are named as drawn.
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QFont, QFontInfo

    from gui.export import tidy_qt_svg

    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="1mm" height="1mm" viewBox="0 0 200 100">'
        b'<g stroke="#000" stroke-width="3" transform="matrix(10,0,0,100,5,7)">'
        b'<rect vector-effect="non-scaling-stroke" x="1" y="0" width="2" height="0.5"/>'
        b'<path vector-effect="non-scaling-stroke" d="M0,0 L1,0.5 C1,1 2,1 3,0.25 Z"/>'
        b'<polyline vector-effect="non-scaling-stroke" points="0,0 1,1"/>'
        b'<text x="1" y="1" font-family="Sans Serif">words</text></g></svg>'
    )
    root = ElementTree.fromstring(tidy_qt_svg(svg, QSize(200, 100)))
    group = root.find(f"{SVG}g")
    assert "transform" not in group.attrib and group.get("stroke-width") == "3"
    rect = group.find(f"{SVG}rect")
    assert [rect.get(key) for key in ("x", "y", "width", "height")] == ["15", "7", "20", "50"]
    assert group.find(f"{SVG}path").get("d") == "M5,7 L15,57 C15,107 25,107 35,32 Z"
    assert group.find(f"{SVG}polyline").get("points") == "5,7 15,107"
    assert group.find(f"{SVG}text").get("transform") == "matrix(10,0,0,100,5,7)"
    assert (root.get("width"), root.get("height")) == ("200", "100")
    drawn_with = QFontInfo(QFont("Sans Serif")).family()
    assert group.find(f"{SVG}text").get("font-family") in (f"'{drawn_with}', sans-serif", "Sans Serif")
    assert drawn_with in group.find(f"{SVG}text").get("font-family")


# ---------------------------------------------------------------- the PNG


def test_png_is_drawn_at_the_chosen_scale_not_grabbed(window, tmp_path):
    # 1x is the plot's size on screen plus legend and caption; 2x (the default) and 3x have exactly 2 and 3 times its pixels.
    from PySide6.QtGui import QImage

    shown = window(FLOOR_TRAP)
    plot = shown.timeline.plot
    sizes = {}
    for scale in (1, 2, 3):
        image = QImage(str(export(shown, tmp_path / f"t{scale}.png", scale=scale)))
        sizes[scale] = (image.width(), image.height())
    assert sizes[1][0] == plot.width()
    assert sizes[1][1] > plot.height()  # the legend and caption under the plot
    assert sizes[2] == (2 * sizes[1][0], 2 * sizes[1][1])
    assert sizes[3] == (3 * sizes[1][0], 3 * sizes[1][1])
    assert shown.export_to(plot, tmp_path / "default.png")  # no options: the defaults, 2x
    default = QImage(str(tmp_path / "default.png"))
    assert (default.width(), default.height()) == sizes[2]
    # In a 1280x720 window the 2x picture is large enough for a projector.
    assert sizes[2][0] >= 1600 and sizes[2][1] >= 900, sizes


def test_legend_colours_appear_under_the_plot_in_the_png(window, tmp_path):
    # Every batch colour of the legend is drawn (as a solid swatch) below the plot; without the legend, none is.
    from gui.timeline import LEGEND

    shown = window(FLOOR_TRAP)
    look = shown.timeline.look
    with_legend = below_the_plot(pixels(export(shown, tmp_path / "legend.png", scale=2)), look)
    without = below_the_plot(pixels(export(shown, tmp_path / "no-legend.png", scale=2, legend=False)), look)
    for kind, words in LEGEND:
        assert has_blob(is_colour(with_legend, look.blocks[kind]), 12), (kind, words)  # a 2x swatch is about 20x20
        assert not has_blob(is_colour(without, look.blocks[kind]), 6), (kind, words)
    assert is_colour(with_legend, look.ran_out_mark).sum() >= 20


def test_dark_theme_export_keeps_its_background_and_legible_words(window, tmp_path):
    # In the dark theme the whole sheet, legend and caption included, is on the dark plot background.
    shown = window(FLOOR_TRAP)
    shown.set_theme("dark", remember=False)
    look = shown.timeline.look
    assert look.dark
    picture = pixels(export(shown, tmp_path / "dark.png", scale=1))
    assert is_colour(picture[-3:], look.plot_background).all()  # the margin under the caption
    assert is_colour(below_the_plot(picture, look), look.text).sum() > 200  # the words


def test_loss_plot_exports_at_2x_with_its_caption(window, tmp_path):
    # The loss plot too: 2x, the caption, no timeline legend; the SVG holds the caption.
    from PySide6.QtGui import QImage

    shown = window(FLOOR_TRAP)
    plot = shown.demo.plot
    png = export(shown, tmp_path / "loss.png", view=plot, scale=2)
    image = QImage(str(png))
    assert image.width() == 2 * plot.width()
    svg = export(shown, tmp_path / "loss.svg", view=plot)
    words = ["".join(element.itertext()).strip() for element in ElementTree.parse(svg).getroot().iter(f"{SVG}text")]
    assert FLOOR_CAPTION in words
    assert "full batch" not in words


def test_export_of_a_huge_plan_is_small_and_quick(window, tmp_path):
    # ImageNet, 90 epochs of 10,009 steps: the files follow what is drawn, not the 900,810 batches.
    import time

    shown = window({"train": {"samples": 1281167, "source": "dataset", "batch_size": 128}, "epochs": 90})
    started = time.monotonic()
    svg = export(shown, tmp_path / "imagenet.svg")
    png = export(shown, tmp_path / "imagenet.png", scale=3)
    assert time.monotonic() - started < 10
    assert svg.stat().st_size < 2_000_000
    assert png.stat().st_size < 5_000_000


def test_an_unwritable_place_gets_a_plain_message(window, tmp_path, monkeypatch):
    # Exporting into a missing folder says so in a message box and the status bar; nothing is written, no traceback.
    from PySide6.QtWidgets import QMessageBox

    shown = window(FLOOR_TRAP)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append((title, text)))
    target = tmp_path / "missing" / "timeline.png"
    assert not shown.export_to(shown.timeline.plot, target)
    assert warned == [("Could not export", f"{target}: No such file or directory")]
    assert "No such file or directory" in shown.statusBar().currentMessage()
    assert not target.exists()


# ---------------------------------------------------------------- as a person does it: menus, dialog, clipboard


def menu_action(window, *path: str):
    """The QAction at a menu path, matched by its words without the & of its shortcut letter."""
    menu = window.menuBar()
    for index, words in enumerate(path):
        found = next(a for a in menu.actions() if a.text().replace("&", "") == words)
        if index == len(path) - 1:
            return found
        menu = found.menu()
    raise AssertionError(path)


def test_file_export_asks_the_options_then_the_file_and_remembers_them(window, tmp_path, qtbot, monkeypatch):
    # File > Export > Timeline as PNG: the dialog answered by clicks (3x, no legend), the file dialog patched; remembered after.
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication, QCheckBox, QDialogButtonBox, QFileDialog, QRadioButton

    from gui.export import ExportDialog, ExportOptions

    shown = window(FLOOR_TRAP)
    target = tmp_path / "chosen"  # no suffix typed: .png is added
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: asked.append(args) or (str(target), ""))
    seen = {}

    def answer(scale: int, legend: bool, accept: bool = True) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ExportDialog)
        seen["scale"] = dialog.scale_buttons.checkedId()
        seen["legend"] = dialog.legend.isChecked()
        seen["labels"] = [button.text() for button in dialog.findChildren(QRadioButton)]
        dialog.findChild(QRadioButton, f"scale:{scale}").click()
        if dialog.legend.isChecked() != legend:
            dialog.legend.click()
        boxes = {box.text() for box in dialog.findChildren(QCheckBox)}
        seen["boxes"] = boxes
        button = QDialogButtonBox.StandardButton.Ok if accept else QDialogButtonBox.StandardButton.Cancel
        dialog.findChild(QDialogButtonBox).button(button).click()

    action = menu_action(shown, "File", "Export", "Timeline as PNG...")
    QTimer.singleShot(0, lambda: answer(3, legend=False))
    action.trigger()
    assert seen["scale"] == 2 and seen["legend"] is True  # the defaults, the first time
    width = shown.timeline.plot.width()
    assert seen["labels"] == [f"{s}x ({s * width:,} pixels wide)" for s in (1, 2, 3)]
    assert len(seen["boxes"]) == 3  # legend, caption, playhead
    image = QImage(str(target) + ".png")
    assert image.width() == 3 * width
    assert len(asked) == 1
    assert ExportOptions.remembered(shown.settings) == ExportOptions(scale=3, legend=False, caption=True, playhead=False)
    assert shown.statusBar().currentMessage().startswith("Exported the timeline to")

    # Again: the dialog opens on 3x without the legend; Cancel there asks for no file and writes nothing.
    QTimer.singleShot(0, lambda: answer(1, legend=True, accept=False))
    action.trigger()
    assert seen["scale"] == 3 and seen["legend"] is False
    assert len(asked) == 1
    assert ExportOptions.remembered(shown.settings).scale == 3


def test_every_export_action_writes_its_picture(window, tmp_path, monkeypatch):
    # All four File > Export actions, the options dialog and the file dialog patched, write a picture of the right kind.
    from PySide6.QtWidgets import QFileDialog

    import gui.main_window
    from gui.export import ExportOptions

    shown = window(FLOOR_TRAP)
    monkeypatch.setattr(gui.main_window, "ask_export_options", lambda *args: ExportOptions(scale=1))
    for what in ("Timeline", "Loss plot"):
        for kind in ("PNG", "SVG"):
            target = tmp_path / f"{what}.{kind.lower()}"
            monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, t=target, **kwargs: (str(t), ""))
            menu_action(shown, "File", "Export", f"{what} as {kind}...").trigger()
            data = target.read_bytes()
            assert data.startswith(b"\x89PNG") if kind == "PNG" else b"<svg" in data[:400], target


def test_ctrl_c_copies_the_picture_an_export_would_write(window, tmp_path):
    # Edit > Copy (Ctrl+C): the 2x PNG picture on the clipboard, pixel for pixel, and the SVG beside it for vector paste.
    from PySide6.QtGui import QGuiApplication, QImage, QKeySequence

    shown = window(FLOOR_TRAP)
    action = menu_action(shown, "Edit", "Copy the timeline as a picture")
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.Copy)
    action.trigger()
    copied = QGuiApplication.clipboard().image()
    exported = QImage(str(export(shown, tmp_path / "same.png", scale=2)))
    assert copied.size() == exported.size()
    assert np.abs(pixels(copied) - pixels(exported)).max() <= 1
    svg = bytes(QGuiApplication.clipboard().mimeData().data("image/svg+xml"))
    assert FLOOR_CAPTION.encode() in svg


def test_caption_words_for_each_kind_of_scenario():
    # The caption names what fit() is given, in the scenario's own terms, with correct plurals.
    from core import scenario_from_dict
    from gui.export import caption_for

    assert caption_for(scenario_from_dict(FLOOR_TRAP)) == FLOOR_CAPTION
    one = scenario_from_dict({"train": {"samples": 1, "source": "arrays", "batch_size": 1}, "epochs": 1})
    assert caption_for(one) == "train: 1 sample, NumPy arrays, batch 1, 1 epoch \u2014 Keras 3.15.1"
    split = scenario_from_dict(
        {"train": {"samples": 1000, "source": "arrays", "batch_size": 64}, "epochs": 2, "validation": {"split": 0.2, "freq": 2}}
    )
    assert caption_for(split).startswith(
        "train: 1,000 samples, NumPy arrays, batch 64, 2 epochs, validation: validation_split 0.2"
    )
    assert "every 2 epochs" in caption_for(split)
    stream = scenario_from_dict(
        {
            "train": {"samples": None, "source": "generator", "batch_size": 16},
            "steps_per_epoch": 1000,
            "steps_per_execution": 8,
            "validation": {"samples": 50, "source": "dataset", "batch_size": None, "steps": 3},
        }
    )
    assert caption_for(stream) == (
        "train: an endless stream, a Python generator, batch 16, steps_per_epoch 1,000, steps_per_execution 8, 1 epoch, "
        "validation: 50 samples, tf.data, batch 16, validation_steps 3 \u2014 Keras 3.15.1"
    )


@pytest.mark.parametrize(
    ("flavour", "named"),
    [
        ({}, "Keras 3.15.1"),
        ({"keras": "2"}, "tf.keras 2"),
        ({"backend": "jax"}, "Keras 3 (JAX)"),
        ({"backend": "torch"}, "Keras 3 (PyTorch)"),
        ({"replicas": 4}, "Keras 3 (TensorFlow), 4 devices"),
    ],
)
def test_the_caption_names_the_flavour_off_the_default(flavour, named):
    # A slide says which Keras ran it when it is not plain Keras 3 on TensorFlow on one device.
    from core import scenario_from_dict
    from gui.export import caption_for

    caption = caption_for(scenario_from_dict({**FLOOR_TRAP, **flavour}))
    assert caption == FLOOR_CAPTION.replace("Keras 3.15.1", named)


def test_options_read_back_from_settings_whatever_is_stored(qapp):
    # Remembered options survive the INI file's text form, and nonsense falls back to the defaults.
    from PySide6.QtCore import QSettings

    from gui.export import ExportOptions

    settings = QSettings()
    ExportOptions(scale=3, legend=False, caption=False, playhead=True).remember(settings)
    settings.sync()
    assert ExportOptions.remembered(QSettings()) == ExportOptions(scale=3, legend=False, caption=False, playhead=True)
    settings.setValue("export/scale", "12")
    settings.setValue("export/legend", "maybe")
    assert ExportOptions.remembered(settings) == ExportOptions(scale=2, legend=True, caption=False, playhead=True)


def test_a_stale_plan_is_exported_in_full_colour_with_its_own_caption(window, tmp_path, qtbot):
    # While a field is invalid the timeline dims the last good plan; the export shows that plan undimmed, captioned as planned.
    from PySide6.QtCore import Qt

    shown = window(FLOOR_TRAP)
    look = shown.timeline.look
    shown.form.epochs.setFocus()
    shown.form.epochs.selectAll()
    qtbot.keyClicks(shown.form.epochs, "-")
    qtbot.keyClick(shown.form.epochs, Qt.Key.Key_Tab)
    assert shown.timeline.stale_reason
    picture = pixels(export(shown, tmp_path / "stale.png", scale=1))
    assert has_blob(is_colour(picture, look.blocks["full"]), 20)
    words = [
        "".join(element.itertext()).strip()
        for element in ElementTree.parse(export(shown, tmp_path / "stale.svg")).getroot().iter(f"{SVG}text")
    ]
    assert FLOOR_CAPTION in words


def test_presentation_mode_export_keeps_the_legend_and_caption_inside_the_picture(window, tmp_path):
    # F5's larger type: the legend wraps and the caption wraps within the sheet; nothing is cut at the right edge.
    shown = window(
        {
            "train": {"samples": 1000, "source": "arrays", "batch_size": 64, "shuffle": False},
            "epochs": 4,
            "validation": {"samples": 300, "source": "dataset", "batch_size": 128},
        }
    )
    menu_action(shown, "View", "Presentation mode").trigger()
    assert shown.presenting
    look = shown.timeline.look
    picture = pixels(export(shown, tmp_path / "presenting.png", scale=2))
    under = below_the_plot(picture, look)
    assert under.shape[0] > 3 * 2 * 20  # the axis label, two lines of legend and the caption, at 2x
    assert is_colour(under[24:, -6:], look.plot_background).all()  # under the axis' tick marks, a clear margin on the right
    assert is_colour(under[-4:], look.plot_background).all()  # and below
    from gui.timeline import LEGEND

    for kind, words in LEGEND:
        assert has_blob(is_colour(under, look.blocks[kind]), 12), (kind, words)


def test_export_works_from_a_window_never_shown(qtbot, tmp_path):
    # Without a dialog or a screen (a script, the command line): both plots export, at least 640 pixels of plot wide at 2x.
    from PySide6.QtGui import QImage

    from core import scenario_from_dict
    from gui.main_window import MainWindow

    unshown = MainWindow(scenario_from_dict(FLOOR_TRAP))
    unshown.ask_before_closing = False
    qtbot.addWidget(unshown)
    assert not unshown.isVisible()
    for view, what in ((unshown.timeline.plot, "timeline"), (unshown.demo.plot, "loss plot")):
        path = tmp_path / f"{what}.png"
        assert unshown.export_to(view, path, what)
        image = QImage(str(path))
        assert image.width() >= 2 * 600 and image.height() >= 2 * 400, (what, image.size())
    timeline = pixels(tmp_path / "timeline.png")
    assert has_blob(is_colour(timeline, unshown.timeline.look.blocks["full"]), 40)
