"""The compare view: one scenario under two Keras flavours (or two scenarios), two timelines on one x axis.

The top and bottom timelines are TimelineViews (gui/timeline.py) whose x axes are linked: panning or
zooming one moves the other, and both span the union of the two plans. The epochs where the plans
part are marked on both (a band over the epoch's rows, numbered like the sentences), and the list
beside them says each difference in one sentence (core.contrast, closed form). Choosing a sentence
brings its epoch into view on both timelines.

Three things can be compared:
- the scenario under two flavours (chosen above each timeline: Keras 3 and its backend, tf.keras 2,
  the number of devices);
- the classic pair: steps_per_epoch = N // B with the short batch dropped against ceil(N / B);
- the scenario against a preset or a scenario file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.contrast import MAX_SENTENCES, Contrast, contrast, floor_and_ceil, plan_words
from core.files import BadScenarioFile, load_scenario
from core.flavours import Flavour, flavour_of
from core.keras.fit import plan
from core.plan import Plan
from core.scenario import MAX_REPLICAS, Scenario
from gui.flavour_chooser import FLAVOUR_CHOICES, flavour_value, keras_and_backend, runs_on_tensorflow
from gui.markup import escape
from gui.theme import Look, look_for
from gui.timeline import LIMIT_MARGIN, TimelineView

MODES = [
    ("this scenario under two Keras flavours", "flavours"),
    ("steps_per_epoch = N // B (drop_remainder) against ceil(N / B)", "floor_ceil"),
    ("this scenario against a preset or a file", "other"),
]
MODE_HELP = {
    "flavours": "The same scenario planned for two flavours: which Keras, which backend, how many devices.",
    "floor_ceil": "The classic choice of steps_per_epoch: N // B full batches (the short batch dropped where the\n"
    "source can drop it) against ceil(N / B) batches that keep it. N: training samples, B: batch size.",
    "other": "The scenario in the form (top) against a preset or a scenario file (bottom), each under its own flavour.",
}
DEVICES_HELP = "How many devices share each batch (MirroredStrategy). TensorFlow only."
NO_DIFFERENCE = "The two plans are the same, epoch for epoch."
BAND_OPACITY = 40  # of 255: the band behind a differing epoch's batches, in the muted text colour (no batch colour)
BAND_TOP, BAND_HEIGHT = -0.04, 0.96  # over an epoch's training row and validation lane
# Room right of the longest row, as a share of the plans' width: a row's end marks ("?", its cross) and then the
# differences' numbers at the view's right edge, clear of each other.
NUMBERS_ROOM = 0.07
NUMBER_PIXELS = 26  # from one number's right edge to the next one's on the same row
MIN_LIST_WIDTH = 320
COMPARE_SIZE = (1280, 720)


@dataclass(frozen=True)
class Side:
    """One timeline's scenario, its plan and its name (or why there is no plan)."""

    name: str
    plan: Plan | None
    problem: str = ""


class CompareView(QDialog):
    """Two plans of one scenario (or two scenarios), one above the other on one x axis, and how they differ."""

    def __init__(self, scenario: Scenario, presets: list[tuple[str, str, Scenario]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("compare_view")
        self.setWindowTitle("Compare two plans")
        self.setWindowFlag(Qt.WindowType.Window)  # its own window, with its own task bar entry and maximise button
        self.scenario = scenario
        self._presets = presets
        self._other: tuple[str, Scenario] | None = (presets[0][0], presets[0][2]) if presets else None
        self.sides: tuple[Side, Side] | None = None
        self.differences: list[Contrast] = []
        self.look = look_for(dark=False, presenting=False)

        self.mode = QComboBox()
        self.mode.setObjectName("compare_mode")
        for words, value in MODES:
            self.mode.addItem(words, value)
            self.mode.setItemData(self.mode.count() - 1, MODE_HELP[value], Qt.ItemDataRole.ToolTipRole)
        self.mode.setToolTip("What to compare. " + MODE_HELP["flavours"])
        mode_label = QLabel("&Compare:")
        mode_label.setBuddy(self.mode)

        self.top_flavour, self.top_devices = self._flavour_chooser("top")
        self.bottom_flavour, self.bottom_devices = self._flavour_chooser("bottom")
        self.against = QComboBox()
        self.against.setObjectName("against")
        self.against.setToolTip("The scenario the bottom timeline plans: a preset, or a file you open.")
        for name, description, _scenario in presets:
            self.against.addItem(name)
            self.against.setItemData(self.against.count() - 1, description, Qt.ItemDataRole.ToolTipRole)
        self.open_button = QPushButton("&Open a file...")
        self.open_button.setToolTip("Plan a scenario file in the bottom timeline.")

        chooser_row = QHBoxLayout()
        chooser_row.addWidget(mode_label)
        chooser_row.addWidget(self.mode, 2)
        self.flavour_row = QWidget()
        flavours = QHBoxLayout(self.flavour_row)
        flavours.setContentsMargins(0, 0, 0, 0)
        for words, flavour, devices in (
            ("&Top:", self.top_flavour, self.top_devices),
            ("&Bottom:", self.bottom_flavour, self.bottom_devices),
        ):
            label = QLabel(words)
            label.setBuddy(flavour)
            flavours.addWidget(label)
            flavours.addWidget(flavour, 1)
            flavours.addWidget(QLabel("devices:"))
            flavours.addWidget(devices)
        self.other_row = QWidget()
        other = QHBoxLayout(self.other_row)
        other.setContentsMargins(0, 0, 0, 0)
        against_label = QLabel("&Against:")
        against_label.setBuddy(self.against)
        other.addWidget(against_label)
        other.addWidget(self.against, 1)
        other.addWidget(self.open_button)
        chooser_row.addWidget(self.flavour_row, 3)
        chooser_row.addWidget(self.other_row, 3)

        self.top = TimelineView()
        self.bottom = TimelineView()
        self.top_title, self.bottom_title = QLabel(), QLabel()
        for title, name in ((self.top_title, "top_title"), (self.bottom_title, "bottom_title")):
            title.setObjectName(name)
            title.setWordWrap(True)
            title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.bottom.plot.setXLink(self.top.plot)  # one x axis: move either, both follow
        self.marks = {self.top: _Marks(self.top), self.bottom: _Marks(self.bottom)}
        for timeline in (self.top, self.bottom):
            timeline.plot.hideButtons()  # pyqtgraph's "A" (auto-range) button: 0 on either timeline frames both
            timeline.axis_buttons.idClicked.connect(self._axis_clicked)  # after the timeline's own slot
            timeline.hovered.connect(self._hovered)
            timeline.view_box.sigXRangeChanged.connect(self._place_numbers)

        timelines = QSplitter(Qt.Orientation.Vertical)
        for title, timeline in ((self.top_title, self.top), (self.bottom_title, self.bottom)):
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(title)
            column.addWidget(timeline, 1)
            timelines.addWidget(holder)

        self.list = QListWidget()
        self.list.setObjectName("differences")
        self.list.setWordWrap(True)
        self.list.setSpacing(3)  # the sentences apart, each one readable on its own
        self.list.setToolTip("Where the two plans differ, one sentence each; choose one to see its epoch on both timelines.")
        self.list.currentRowChanged.connect(self._difference_chosen)
        self.hover_words = QLabel()
        self.hover_words.setObjectName("hover_words")
        self.hover_words.setWordWrap(True)
        list_holder = QWidget()
        list_column = QVBoxLayout(list_holder)
        list_column.setContentsMargins(0, 0, 0, 0)
        list_heading = QLabel("<b>Where they differ</b>")
        list_heading.setBuddy(self.list)
        list_column.addWidget(list_heading)
        list_column.addWidget(self.list, 1)
        list_column.addWidget(self.hover_words)
        list_holder.setMinimumWidth(MIN_LIST_WIDTH)

        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(timelines)
        body.addWidget(list_holder)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setSizes([900, MIN_LIST_WIDTH + 40])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(chooser_row)
        layout.addWidget(body, 1)

        self._set_flavours_for(scenario)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        for widget in (self.top_flavour, self.bottom_flavour):
            widget.currentIndexChanged.connect(self._flavour_changed)
        for widget in (self.top_devices, self.bottom_devices):
            widget.valueChanged.connect(self.refresh)
        self.against.activated.connect(self._preset_chosen)
        self.open_button.clicked.connect(self.open_dialog)
        self._show_mode_rows()
        self.refresh()

    # ------------------------------------------------------------ building

    def _flavour_chooser(self, where: str) -> tuple[QComboBox, QSpinBox]:
        flavour = QComboBox()
        flavour.setObjectName(f"{where}_flavour")
        for words, value in FLAVOUR_CHOICES:
            flavour.addItem(words, value)
        flavour.setToolTip(f"The Keras the {where} timeline plans for.")
        devices = QSpinBox()
        devices.setObjectName(f"{where}_devices")
        devices.setRange(1, MAX_REPLICAS)
        devices.setToolTip(DEVICES_HELP)
        return flavour, devices

    def _set_flavours_for(self, scenario: Scenario) -> None:
        """Top: the scenario's own flavour; bottom: the one students most often meet beside it."""
        own = flavour_value(scenario.keras, scenario.backend)
        other = "2:tensorflow" if scenario.keras == "3" else "3:tensorflow"
        for combo, value in ((self.top_flavour, own), (self.bottom_flavour, other)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)
        for spin, count in ((self.top_devices, scenario.replicas), (self.bottom_devices, 1)):
            spin.blockSignals(True)
            spin.setValue(count)
            spin.blockSignals(False)
        self._enable_devices()

    def _enable_devices(self) -> None:
        for combo, spin in ((self.top_flavour, self.top_devices), (self.bottom_flavour, self.bottom_devices)):
            on_tensorflow = runs_on_tensorflow(combo.currentData())
            spin.setEnabled(on_tensorflow)
            spin.setToolTip(DEVICES_HELP if on_tensorflow else f"{DEVICES_HELP} Choose Keras 3 (TensorFlow) or tf.keras 2.")

    # ------------------------------------------------------------ what is compared

    def set_scenario(self, scenario: Scenario) -> None:
        """The form's scenario changed: compare it again. The choices stay, unless the form chose another flavour:
        then the top follows it (and the bottom offers the usual other one)."""
        if flavour_of(scenario) != flavour_of(self.scenario):
            self._set_flavours_for(scenario)
        self.scenario = scenario
        self.refresh()

    def set_mode(self, mode: str) -> None:
        self.mode.setCurrentIndex(max(0, self.mode.findData(mode)))

    def set_other(self, name: str, scenario: Scenario) -> None:
        """Compare the scenario against this one (a preset or an opened file)."""
        self._other = (name, scenario)
        self.set_mode("other")
        self.refresh()

    def open_file(self, path: str | Path) -> bool:
        try:
            scenario = load_scenario(path)
        except BadScenarioFile as error:
            self._say_problem(str(error))
            return False
        self.set_other(Path(path).name, scenario)
        return True

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Compare with a scenario", "", "Scenario files (*.json);;All files (*)")
        if path:
            self.open_file(path)

    @Slot(int)
    def _preset_chosen(self, index: int) -> None:
        name, _description, scenario = self._presets[index]
        self.set_other(name, scenario)

    @Slot(int)
    def _mode_changed(self, _index: int) -> None:
        self._show_mode_rows()
        self.refresh()

    @Slot(int)
    def _flavour_changed(self, _index: int) -> None:
        self._enable_devices()
        self.refresh()

    def _show_mode_rows(self) -> None:
        mode = self.mode.currentData()
        self.mode.setToolTip("What to compare. " + MODE_HELP[mode])
        self.flavour_row.setVisible(mode == "flavours")
        self.other_row.setVisible(mode == "other")

    def _chosen_flavour(self, combo: QComboBox, spin: QSpinBox) -> Flavour:
        keras, backend = keras_and_backend(combo.currentData())
        return Flavour(keras, backend, spin.value() if spin.isEnabled() else 1)

    def _sides(self) -> tuple[Side, Side]:
        mode = self.mode.currentData()
        scenario = self.scenario
        if mode == "flavours":
            chosen = [
                self._chosen_flavour(self.top_flavour, self.top_devices),
                self._chosen_flavour(self.bottom_flavour, self.bottom_devices),
            ]
            top, bottom = (_side(flavour.label, replace(scenario, **_flavour_fields(flavour))) for flavour in chosen)
            return top, bottom
        if mode == "floor_ceil":
            try:
                (floor, floor_name), (ceil, ceil_name) = floor_and_ceil(plan(scenario))
            except ValueError as error:
                return Side("N // B", None, str(error)), Side("ceil(N / B)", None, str(error))
            return _side(floor_name, floor), _side(ceil_name, ceil)
        if self._other is None:
            return _side("this scenario", scenario), Side("another scenario", None, "Choose a preset or open a file.")
        name, other = self._other
        return _side("this scenario", scenario), _side(name, other)

    @Slot()
    def refresh(self) -> None:
        """Plan both sides, show them on one x axis, mark and list where they differ."""
        top, bottom = self.sides = self._sides()
        for timeline, title, side in ((self.top, self.top_title, top), (self.bottom, self.bottom_title, bottom)):
            title.setText(_title_html(side))
            if side.plan is not None:
                timeline.set_plan(side.plan)
            else:
                timeline.set_stale(side.problem)
        if top.plan is not None and bottom.plan is not None:
            self.differences = contrast(top.plan, bottom.plan, top.name, bottom.name, MAX_SENTENCES)
        else:
            self.differences = []
        self.top.legend.setVisible(self.top.legend.text() != self.bottom.legend.text())  # one legend when they agree
        self._share_x()
        self._show_differences(top.problem or bottom.problem)

    def _share_x(self) -> None:
        """Both timelines pan and zoom within the union of the two plans, framed on it together."""
        models = [timeline.layout_model for timeline in (self.top, self.bottom) if timeline.layout_model is not None]
        if not models:
            return
        extents = [model.plan_extent() for model in models]
        left, right = min(extent[0] for extent in extents), max(extent[1] for extent in extents)
        margin = LIMIT_MARGIN * (right - left)
        room = NUMBERS_ROOM * (right - left) if self.differences else 0.0
        for timeline in (self.top, self.bottom):
            timeline.view_box.setLimits(xMin=left - margin, xMax=right + margin + room)
        framed = [model.extent(max(1, min(model.rows_count, 40))) for model in models]
        shown_left, shown_right = min(f[0] for f in framed), max(f[1] for f in framed)
        self.top.view_box.setXRange(
            shown_left, shown_right + room * (shown_right - shown_left) / (right - left or 1), padding=0.02
        )

    def _show_differences(self, problem: str) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        if problem:
            self.list.addItem(QListWidgetItem(problem))
        elif not self.differences:
            self.list.addItem(QListWidgetItem(NO_DIFFERENCE))
        for number, difference in enumerate(self.differences, start=1):
            item = QListWidgetItem(f"{number}. {difference.sentence}")
            item.setToolTip(difference.sentence)
            self.list.addItem(item)
        self.list.blockSignals(False)
        for marks in self.marks.values():
            marks.show(self.differences, self.look)
        self._place_numbers()

    def sentences(self) -> list[str]:
        """What the list says, as shown."""
        return [self.list.item(row).text() for row in range(self.list.count())]

    # ------------------------------------------------------------ interaction

    @Slot(int)
    def _axis_clicked(self, _index: int) -> None:
        """Both timelines show the same x axis: the one just chosen on either."""
        chosen = self.sender()
        source = self.top if chosen is self.top.axis_buttons else self.bottom
        other = self.bottom if source is self.top else self.top
        if other.axis != source.axis:
            other.set_axis(source.axis)
        self._share_x()
        self._place_numbers()

    @Slot(int)
    def _difference_chosen(self, row: int) -> None:
        """Bring the chosen difference's first epoch to the top of both timelines, keeping how many rows they show."""
        if not 0 <= row < len(self.differences):
            return
        epoch = self.differences[row].first_epoch
        if epoch is None:
            return
        for timeline, marks in self.marks.items():
            index = marks.row_of(epoch)
            if index is not None:
                y0, y1 = timeline.view_box.viewRange()[1]
                rows_shown = max(1.0, y1 - y0)
                timeline.view_box.setYRange(index - 0.1, index - 0.1 + rows_shown, padding=0)

    @Slot(str)
    def _hovered(self, words: str) -> None:
        self.hover_words.setText(words)

    @Slot()
    def _place_numbers(self, *_args: object) -> None:
        for marks in self.marks.values():
            marks.place_numbers()

    def _say_problem(self, problem: str) -> None:
        self.list.clear()
        self.list.addItem(QListWidgetItem(problem))

    def apply_look(self, look: Look) -> None:
        self.look = look
        for timeline in (self.top, self.bottom):
            timeline.apply_look(look)
        self.hover_words.setStyleSheet(f"color: {look.muted};")
        for marks in self.marks.values():
            marks.show(self.differences, look)
        self._place_numbers()


class _Marks:
    """The bands behind the epochs that differ on one timeline, and their numbers at the view's left edge."""

    def __init__(self, timeline: TimelineView):
        self.timeline = timeline
        self.bands = pg.BarGraphItem(x0=[], y0=[], width=[], height=[])
        self.bands.setZValue(-5)  # behind the batches
        timeline.plot.addItem(self.bands, ignoreBounds=True)
        self.numbers = [pg.TextItem("", anchor=(1, 0.5)) for _ in range(MAX_SENTENCES)]
        for label in self.numbers:
            label.setZValue(25)
            timeline.plot.addItem(label, ignoreBounds=True)
            label.hide()
        self._rows: list[tuple[int, float]] = []  # (difference number, row) of each number shown

    def row_of(self, epoch: int) -> int | None:
        """The row of an epoch (Keras' own number); an epoch past the plan's end marks its last row (where it stopped)."""
        model = self.timeline.layout_model
        if model is None or model.rows_count == 0:
            return None
        first = model.plan.scenario.initial_epoch + 1
        return min(max(0, epoch - first), model.rows_count - 1)

    def show(self, differences: list[Contrast], look: Look) -> None:
        model = self.timeline.layout_model
        rows: list[np.ndarray] = []
        self._rows = []
        if model is not None and model.rows_count:
            first = model.plan.scenario.initial_epoch + 1
            for number, difference in enumerate(differences, start=1):
                for numbers in difference.epochs:
                    epochs = np.arange(numbers.start, numbers.stop, numbers.step, dtype=np.int64)
                    rows.append(np.clip(epochs - first, 0, model.rows_count - 1))
                start = difference.first_epoch
                if start is not None:
                    self._rows.append((number, float(min(max(0, start - first), model.rows_count - 1))))
        unique = np.unique(np.concatenate(rows)) if rows else np.zeros(0)
        if model is not None and len(unique):
            left, right = model.plan_extent()
            margin = 2 * LIMIT_MARGIN * (right - left)
            colour = QColor(look.muted)
            colour.setAlpha(BAND_OPACITY)
            self.bands.setOpts(
                x0=np.full(len(unique), left - margin),
                width=np.full(len(unique), right - left + 2 * margin),
                y0=unique.astype(float) + BAND_TOP,
                height=np.full(len(unique), BAND_HEIGHT),
                brush=pg.mkBrush(colour),
                pen=pg.mkPen(look.text, width=1, style=Qt.PenStyle.DashLine),
            )
        else:
            self.bands.setOpts(x0=[], y0=[], width=[], height=[])
        font = QApplication.font()
        font.setBold(True)
        for label in self.numbers:
            label.setColor(look.text)
            label.setFont(font)
            label.fill = pg.mkBrush(QColor(look.plot_background))
            label.border = pg.mkPen(look.text)

    def place_numbers(self) -> None:
        """Each difference's number at the right edge of the view (clear of the rows' first marks), on its first epoch's
        row; two on one row side by side."""
        (x0, x1), _y = self.timeline.view_box.viewRange()
        pixel = (x1 - x0) / max(1.0, self.timeline.view_box.width())
        on_row = Counter(row for _number, row in self._rows)
        placed: Counter[float] = Counter()
        for label, shown in zip(self.numbers, [*self._rows, *[None] * len(self.numbers)], strict=False):
            if shown is None:
                label.hide()
                continue
            number, row = shown
            after = on_row[row] - placed[row] - 1  # numbers on this row to its right: they read in order, left to right
            placed[row] += 1
            label.setText(str(number))
            label.setPos(x1 - (6 + NUMBER_PIXELS * after) * pixel, row + 0.3)
            label.show()


def _flavour_fields(flavour: Flavour) -> dict[str, object]:
    return {"keras": flavour.keras, "backend": flavour.backend, "replicas": flavour.replicas}


def _side(name: str, scenario: Scenario) -> Side:
    return Side(name, plan(scenario))


def _title_html(side: Side) -> str:
    words = plan_words(side.plan) if side.plan is not None else side.problem
    return f"<b>{escape(side.name)}</b>: {escape(words)}"
