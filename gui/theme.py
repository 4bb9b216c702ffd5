"""How the app looks: a light or dark theme, in normal or presentation mode.

A ``Look`` holds every colour and size the views paint with, so each view has one
``apply_look`` and no colour of its own. Block colours are Okabe-Ito in every look
(safe for the common colour-vision deficiencies; tests/test_looks.py simulates
them); backgrounds, text and strokes change with the theme, and presentation mode
makes type larger, lines thicker and text full black or full white.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")

# Okabe-Ito, with lighter shades to tell neighbouring batches apart. "dropped" (the samples
# drop_remainder never feeds) is a grey that depends on the theme: look_for adds it.
BLOCK_COLOURS = {
    "full": "#0072B2",
    "full_alt": "#3A93CF",
    "short": "#E69F00",
    "wrap": "#CC79A7",
    "grouped": "#2A7DB8",
    "val": "#009E73",
    "val_alt": "#3FBF98",
    "val_short": "#E69F00",
    "val_grouped": "#1FA882",
}
RAN_OUT_MARK = "#D55E00"


@dataclass(frozen=True)
class Look:
    dark: bool
    presenting: bool
    # The window
    window: str
    base: str  # text fields, lists, the summary
    button: str
    text: str
    muted: str  # secondary words: notes, labels of numbers
    disabled: str
    highlight: str
    highlighted_text: str
    link: str
    alarm: str  # words that warn: errors, "never ends", a failed demo
    good: str  # a demo that matched the plan
    trap_background: str
    trap_border: str
    # The plots
    plot_background: str
    loss_of_batch: str
    loss_mean: str
    epoch_boundary: str
    blocks: dict[str, str]  # every kind of block the timeline draws, by kind
    ran_out_mark: str = RAN_OUT_MARK
    # Sizes: presentation mode scales type and strokes for a room
    font_scale: float = 1.0
    separator_width: float = 0.6  # the gap between neighbouring batches, in the background colour
    min_batch_pixels: float = 4.0  # thinner batches are drawn as one block, or the gaps would hide them
    playhead_width: float = 3.0
    axis_width: float = 1.0
    ran_out_size: float = 14.0
    ran_out_width: float = 3.0
    continue_size: float = 11.0
    loss_width: float = 1.0
    mean_width: float = 2.5
    point_size: float = 8.0

    @property
    def name(self) -> str:
        return ("dark" if self.dark else "light") + (" presentation" if self.presenting else "")


def look_for(dark: bool, presenting: bool) -> Look:
    """The look of a theme (dark or light) in a mode (presenting or not)."""
    if dark:
        colours = dict(
            window="#000000" if presenting else "#202124",
            base="#000000" if presenting else "#17181A",
            button="#1C1C1C" if presenting else "#2D2F33",
            text="#FFFFFF" if presenting else "#E8E8E8",
            muted="#E0E0E0" if presenting else "#AEAEAE",
            disabled="#8C8C8C" if presenting else "#777777",
            highlight="#56B4E9",
            highlighted_text="#000000",
            link="#56B4E9",
            alarm="#FF9A5C",
            good="#6FD39A",
            trap_background="#3A2E10",
            trap_border="#E69F00",
            plot_background="#000000" if presenting else "#17181A",
            loss_of_batch="#4F6F8F",
            loss_mean="#56B4E9",
            epoch_boundary="#4A4A4A",
        )
    else:
        colours = dict(
            window="#FFFFFF" if presenting else "#F2F2F2",
            base="#FFFFFF",
            button="#F0F0F0" if presenting else "#E6E6E6",
            text="#000000" if presenting else "#141414",
            muted="#1F1F1F" if presenting else "#555555",
            disabled="#6E6E6E" if presenting else "#8A8A8A",
            highlight="#0072B2",
            highlighted_text="#FFFFFF",
            link="#005A8C",
            alarm="#8A3300" if presenting else "#A63D00",
            good="#0A5C26" if presenting else "#117733",
            trap_background="#FFF4D6",
            trap_border="#E69F00",
            plot_background="#FFFFFF",
            loss_of_batch="#9DB8D3",
            loss_mean="#0072B2",
            epoch_boundary="#CCCCCC",
        )
    colours["blocks"] = {**BLOCK_COLOURS, "dropped": "#5E6166" if dark else "#C8C8C8"}
    if not presenting:
        return Look(dark=dark, presenting=False, **colours)
    return Look(
        dark=dark,
        presenting=True,
        **colours,
        font_scale=1.6,
        separator_width=1.6,
        min_batch_pixels=8.0,
        playhead_width=6.0,
        axis_width=2.0,
        ran_out_size=24.0,
        ran_out_width=5.0,
        continue_size=20.0,
        loss_width=2.0,
        mean_width=5.0,
        point_size=14.0,
    )


def system_is_dark() -> bool:
    """Whether the desktop asks for dark colours (Qt 6.5+ reads it from the platform)."""
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def palette_for(look: Look) -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, look.window),
        (roles.WindowText, look.text),
        (roles.Base, look.base),
        (roles.AlternateBase, look.button),
        (roles.Text, look.text),
        (roles.Button, look.button),
        (roles.ButtonText, look.text),
        (roles.BrightText, look.alarm),
        (roles.Highlight, look.highlight),
        (roles.HighlightedText, look.highlighted_text),
        (roles.Link, look.link),
        (roles.LinkVisited, look.link),
        (roles.ToolTipBase, look.base),
        (roles.ToolTipText, look.text),
        (roles.PlaceholderText, look.muted),
    ):
        palette.setColor(role, QColor(colour))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(look.disabled))
    return palette


def stylesheet_for(look: Look) -> str:
    """Outlines Fusion would draw in a shade of the window colour, invisible on a dark or black window.

    Only text fields and check/radio indicators are styled; everything else is Fusion with the palette.
    """
    outline = look.muted if look.presenting else ("#8A8D93" if look.dark else "#8C8C8C")
    border = 2 if look.presenting else 1
    size = round(14 * look.font_scale)
    tick = tick_image(dark_tick=look.dark)
    return f"""
QLineEdit {{ border: {border}px solid {outline}; border-radius: 3px; padding: 2px 4px; background: {look.base}; }}
QLineEdit:focus {{ border: {border + 1}px solid {look.highlight}; }}
QLineEdit:disabled {{ border-color: {look.disabled}; color: {look.disabled}; }}
QCheckBox::indicator, QRadioButton::indicator {{
    width: {size}px; height: {size}px; border: {border}px solid {outline}; background: {look.base};
}}
QRadioButton::indicator {{ border-radius: {size // 2 + border}px; }}
QCheckBox::indicator {{ border-radius: 3px; }}
QCheckBox::indicator:checked {{ background: {look.highlight}; border-color: {look.highlight}; image: url({tick}); }}
QRadioButton::indicator:checked {{
    background: qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5,
        stop:0 {look.highlight}, stop:0.55 {look.highlight}, stop:0.65 {look.base}, stop:1 {look.base});
    border-color: {look.highlight};
}}
QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {{ border-color: {look.disabled}; background: {look.window}; }}
QCheckBox::indicator:checked:disabled {{ background: {look.disabled}; }}
"""


def tick_image(dark_tick: bool) -> str:
    """The path of the check mark drawn on a checked box: white on a dark highlight, black on a light one."""
    path = resources.files("resources").joinpath("check-black.svg" if dark_tick else "check-white.svg")
    return str(path).replace("\\", "/")


def apply_to_application(look: Look, base_font: QFont) -> None:
    """The widgets' colours and type. Fusion everywhere, so the palette is honoured on every platform."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    palette = palette_for(look)
    if palette != app.palette():  # set again, even unchanged, it would be sent to every widget
        app.setPalette(palette)
    font = QFont(base_font)
    if base_font.pointSizeF() > 0:
        font.setPointSizeF(base_font.pointSizeF() * look.font_scale)
    else:
        font.setPixelSize(round(base_font.pixelSize() * look.font_scale))
    if font != app.font():
        app.setFont(font)
        # Qt tells the widgets only once its event loop has started; before that (a window
        # opened in presentation mode, or under test) they would keep the old type. Tell the windows:
        # each passes the new type down to its children. Never every widget from allWidgets(): that
        # list holds widgets Qt itself deletes while the first ones take the change (a combo box's
        # popup, a menu's), and the event sent to one of those crashed the process.
        change = QEvent(QEvent.Type.ApplicationFontChange)
        for window in app.topLevelWidgets():
            QApplication.sendEvent(window, change)
    # After the font: setting the style sheet re-polishes every widget, which then takes the new type.
    # The everyday light look needs none (Fusion's own outlines show on a light window), and
    # leaving it out keeps the start fast: style sheets slow every widget's polish and paint.
    sheet = stylesheet_for(look) if look.dark or look.presenting else ""
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)


def style_plot(plot, look: Look) -> None:
    """A pyqtgraph PlotWidget's background, axes and labels in the look, with the application's type."""
    import pyqtgraph as pg

    font = QApplication.font()
    points = font.pointSizeF() if font.pointSizeF() > 0 else font.pixelSize() * 0.75
    plot.setBackground(look.plot_background)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(look.text, width=look.axis_width))
        axis.setTextPen(pg.mkPen(look.text))
        axis.setTickFont(font)
        axis.setStyle(tickLength=round(5 * look.font_scale))
        if axis.labelText:
            axis.setLabel(axis.labelText, **{"color": look.text, "font-size": f"{points:.1f}pt"})
    legend = plot.getPlotItem().legend
    if legend is not None:
        legend.setLabelTextColor(look.text)
        legend.setLabelTextSize(f"{points:.1f}pt")
        background = QColor(look.plot_background)
        background.setAlpha(200)
        legend.setBrush(pg.mkBrush(background))
