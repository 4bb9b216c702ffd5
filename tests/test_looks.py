"""Presentation mode, light and dark themes, and the palette's colour-blind safety and contrast."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QFontMetrics, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from gui.theme import look_for
from tests.app_process import run_app
from tests.colour_vision import contrast_ratio, delta_e

FLOOR_TRAP = {
    "train": {"samples": 1000, "batch_size": 32, "source": "dataset"},
    "epochs": 3,
    "steps_per_epoch": 31,
    "validation": {"samples": 200, "batch_size": 32, "source": "dataset"},
}
LOOKS = [look_for(dark, presenting) for dark in (False, True) for presenting in (False, True)]
VISIONS = (None, "protanopia", "deuteranopia", "tritanopia")


def action(window, words: str):
    """The window's action whose text (without its & accelerator) is these words."""
    found = [candidate for candidate in window.findChildren(QAction) if candidate.text().replace("&", "") == words]
    assert len(found) == 1, f"{len(found)} actions named {words!r}"
    return found[0]


def background_of(plot) -> str:
    return plot.backgroundBrush().color().name().upper()


def test_f5_makes_type_large_lines_thick_and_folds_the_form_and_f5_undoes_it(window, qtbot):
    # One key switches presentation mode on and off, and everything it changed comes back as it was.
    shown = window(FLOOR_TRAP)
    assert dict(shown.shortcuts())["F5"] == "View: Presentation mode"
    base_points = QApplication.font().pointSizeF()
    loss_plot = shown.demo.plot  # built on first use; its minimum height is part of the layout
    QApplication.processEvents()
    sizes_before = shown.right_split.sizes()
    playhead_before = shown.timeline.playhead.opts["pen"].widthF()

    action(shown, "Presentation mode").trigger()
    assert shown.presenting
    assert QApplication.font().pointSizeF() == pytest.approx(base_points * 1.6)
    assert not shown.form_panel.isVisible()
    timeline = shown.timeline
    assert timeline.playhead.opts["pen"].widthF() == 6 > playhead_before
    assert timeline.ran_out_marks.opts["pen"].widthF() == 5
    assert timeline.ran_out_marks.opts["size"] == 24
    assert timeline.plot.getAxis("left").style["tickFont"].pointSizeF() == pytest.approx(base_points * 1.6)
    assert timeline.plot.getAxis("bottom").pen().widthF() == 2
    assert loss_plot.mean_curve.opts["pen"].widthF() == 5
    train, below = shown.right_split.sizes()
    assert train >= 1.8 * below  # the timeline gets most of the height
    # Widgets take the large type too, not only the plots.
    assert shown.summary.text.font().pointSizeF() == pytest.approx(base_points * 1.6)

    action(shown, "Presentation mode").trigger()
    assert not shown.presenting
    assert QApplication.font().pointSizeF() == pytest.approx(base_points)
    assert shown.form_panel.isVisible()
    assert shown.timeline.playhead.opts["pen"].widthF() == playhead_before
    qtbot.waitUntil(lambda: shown.right_split.sizes() == sizes_before, timeout=2000)


def test_the_form_folds_away_with_ctrl_b_and_its_button_and_is_remembered(window, qtbot):
    # Ctrl+B and the Form button beside the x axis fold the form; the choice outlives the window.
    shown = window(FLOOR_TRAP)
    form_action = action(shown, "Show the form")
    assert form_action.shortcut().toString() == "Ctrl+B"
    form_action.trigger()
    assert not shown.form_panel.isVisible()
    qtbot.mouseClick(shown.form_button, Qt.MouseButton.LeftButton)
    assert shown.form_panel.isVisible()
    qtbot.mouseClick(shown.form_button, Qt.MouseButton.LeftButton)
    shown.close()
    again = window(FLOOR_TRAP)
    assert not again.form_panel.isVisible()


def test_showing_the_form_while_presenting_does_not_change_the_everyday_layout(window):
    # In presentation mode the form can be unfolded; leaving brings back the layout from before.
    shown = window(FLOOR_TRAP)
    shown.set_presenting(True)
    action(shown, "Show the form").trigger()
    assert shown.form_panel.isVisible()
    action(shown, "Show the form").trigger()
    shown.set_presenting(False)
    assert shown.form_panel.isVisible()


def test_presentation_mode_is_readable_on_a_shared_1280x720_screen(window):
    # At 1280x720 the timeline takes the whole width and most of the height, and every epoch label fits.
    shown = window(FLOOR_TRAP)
    shown.set_presenting(True)
    QApplication.processEvents()
    plot = shown.timeline.plot
    assert plot.width() >= 1200
    assert plot.height() >= 0.4 * shown.height()
    font = QApplication.font()
    assert QFontMetrics(font).height() >= 1.5 * QFontMetrics(shown.base_font).height()
    assert plot.getAxis("left").width() >= QFontMetrics(font).horizontalAdvance("Epoch 1000")
    # The block colours stay; the separators between batches and the playhead are drawn in the look.
    assert shown.timeline.bars["full"].opts["brush"].color().name().upper() == "#0072B2"


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_a_chosen_theme_colours_every_view_and_is_remembered(window, theme):
    # View > Theme: the widgets, both plots and the summary follow; a new window opens in the same theme.
    shown = window(FLOOR_TRAP)
    action(shown, "Dark" if theme == "dark" else "Light").trigger()
    look = look_for(dark=theme == "dark", presenting=False)
    assert shown.look == look
    assert QApplication.palette().color(QGuiApplication.palette().ColorRole.Window).name().upper() == look.window
    assert background_of(shown.timeline.plot) == look.plot_background
    assert background_of(shown.demo.plot) == look.plot_background
    assert shown.timeline.continue_marks.opts["brush"].color().name().upper() == look.text
    assert look.muted.lower() in shown.summary.number_labels[0].text().lower()  # the key numbers' labels
    assert (QColor(look.window).lightness() < 60) == (theme == "dark")
    shown.close()
    again = window(FLOOR_TRAP)
    assert again.theme == theme
    assert background_of(again.timeline.plot) == look.plot_background


def test_following_the_system_switches_live_with_the_desktop(window, monkeypatch):
    # With "Follow the system" (the default) a desktop switch to dark re-colours the open window;
    # a theme chosen by hand ignores the desktop.
    shown = window(FLOOR_TRAP)
    assert shown.theme == "system"
    monkeypatch.setattr("gui.main_window.system_is_dark", lambda: True)
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert shown.look.dark
    assert background_of(shown.timeline.plot) == look_for(dark=True, presenting=False).plot_background
    action(shown, "Light").trigger()
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not shown.look.dark


@pytest.mark.parametrize("look", LOOKS, ids=lambda look: look.name)
def test_what_the_blocks_mean_stays_distinct_for_colour_blind_viewers(look):
    # Full, short, wrapping, dropped and validation blocks, the ran-out cross and the background:
    # every pair at least Delta E 15 apart for typical, protan, deutan and tritan vision.
    meanings = {
        "full batch": look.blocks["full"],
        "short batch": look.blocks["short"],
        "wraps": look.blocks["wrap"],
        "dropped": look.blocks["dropped"],
        "validation": look.blocks["val"],
        "ran out": look.ran_out_mark,
        "background": look.plot_background,
    }
    for (name, colour), (other, other_colour) in itertools.combinations(meanings.items(), 2):
        for vision in VISIONS:
            assert delta_e(colour, other_colour, vision) >= 15, (name, other, vision)


@pytest.mark.parametrize("look", LOOKS, ids=lambda look: look.name)
def test_text_has_enough_contrast_and_presentation_mode_has_the_most(look):
    # WCAG contrast: 4.5:1 for every kind of text normally, 7:1 (AAA) in presentation mode.
    floor = 7.0 if look.presenting else 4.5
    for words in ("text", "muted", "alarm", "good", "link"):
        for background in (look.window, look.base, look.plot_background):
            assert contrast_ratio(getattr(look, words), background) >= floor, (words, background)
    assert contrast_ratio(look.text, look.trap_background) >= floor
    assert contrast_ratio(look.disabled, look.window) >= 3.0


def test_the_command_line_opens_in_presentation_mode_with_a_theme(tmp_path):
    # `main.py --presentation --theme dark` shows the dark presentation look (rendered to a PNG here), printing no warning.
    out = tmp_path / "dark.png"
    run_app(["--presentation", "--theme", "dark", "--screenshot", str(out)], home=tmp_path)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)
    # Mostly black: sample a grid of pixels.
    dark_pixels = sum(QColor(image.pixel(x, y)).lightness() < 40 for x in range(0, 1280, 40) for y in range(0, 720, 40))
    assert dark_pixels > 0.6 * (1280 // 40) * (720 // 40)
