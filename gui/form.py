"""The form panel: every field of a scenario, checked on every keystroke.

The form owns no plan. It turns its widgets into a scenario dict, lets
``core.scenario`` judge it, and either emits the new Scenario or marks the field
at fault red with the reason beside it (the last good plan stays on screen).
Fields that do not apply are disabled, with a tooltip saying why. Every field's tooltip says
what it is, the Keras argument it stands for and its default.

The form also reports each user edit as a pair of field snapshots (before, after), so the
window can undo it; ``restore`` puts a snapshot back.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.scenario import Scenario, ScenarioError, ValidationSet, ValidationSplit, scenario_from_dict
from gui.theme import Look, look_for

SOURCES = [("NumPy arrays", "arrays"), ("tf.data.Dataset", "dataset"), ("Python generator", "generator")]
REPEATS = [("no repeat", "none"), (".repeat().batch(B)", "before_batch"), (".batch(B).repeat()", "after_batch")]
# The Repeat choices in the words of each source (scenario-format.md, the `repeat` row).
REPEAT_WORDS = {
    "arrays": ("no repeat", ".repeat().batch(B)", ".batch(B).repeat()"),
    "dataset": (
        "no repeat: one pass, then the data runs out",
        ".repeat().batch(B): full batches across passes",
        ".batch(B).repeat(): each pass batched, then again",
    ),
    "generator": (
        "one pass over the samples, then it stops",
        "cycles samples into full batches, forever",
        "loops over its batches forever (while True)",
    ),
}
VALIDATION_KINDS = [("none", "none"), ("validation_split", "split"), ("validation_data", "set")]

WHY_ARRAYS_NO_DROP = "NumPy arrays have no drop_remainder: Keras always keeps the short last batch."
WHY_ARRAYS_NO_REPEAT = "NumPy arrays cannot be repeated; choose tf.data or a generator for .repeat()."
WHY_ARRAYS_HAVE_LENGTH = "NumPy arrays always have a length."
WHY_NO_SHUFFLE = "fit(shuffle=...) only shuffles NumPy arrays; shuffle a dataset in its own pipeline."
WHY_STREAM = "An endless stream has no passes to repeat and no remainder to drop."
WHY_BEFORE_BATCH_FULL = ".repeat().batch(B) runs batches across pass boundaries, so every batch is full."
WHY_SPLIT_ARRAYS = "validation_split needs NumPy arrays; Keras raises for a dataset or a generator."
WHY_NO_VALIDATION = "Choose validation_split or validation_data first."
WHY_SPLIT_OWN = "validation_split takes its samples from the training arrays."

ERROR_STYLE = "QLineEdit, QComboBox, QCheckBox { border: 2px solid #D55E00; border-radius: 3px; }"

_INTEGER = re.compile(r"[+-]?\d+")

# Each field in words: in the Undo menu ("Undo edit of batch size") and before a problem.
FIELD_NAMES = {
    "train.samples": "training samples",
    "train.endless": "endless training stream",
    "train.source": "training source",
    "train.batch_size": "batch size",
    "train.drop_remainder": "drop the short batch",
    "train.repeat": "repeat",
    "train.shuffle": "shuffle",
    "epochs": "epochs",
    "steps_per_epoch": "steps per epoch",
    "steps_per_execution": "steps per execution",
    "validation": "validation kind",
    "validation.split": "split fraction",
    "validation.samples": "validation samples",
    "validation.endless": "endless validation stream",
    "validation.source": "validation source",
    "validation.batch_size": "validation batch size",
    "validation.drop_remainder": "drop the short validation batch",
    "validation.repeat": "validation repeat",
    "validation.steps": "validation steps",
    "validation.freq": "validation freq",
}

# What each field is, the Keras argument it stands for, and its default: the field's tooltip.
FIELD_HELP = {
    "train.samples": "How many training samples there are: the length of x in fit(x, y).\n"
    "No default: fit needs data. Tick 'endless stream' for a source that has no length.",
    "train.endless": "The source of fit(x) has no length (a generator or dataset that never ends):\n"
    "only steps_per_epoch can end an epoch then. Default: off.",
    "train.source": "What fit() receives: NumPy arrays fit(x, y), a tf.data.Dataset,\n"
    "or a Python generator that yields ready batches. Default: NumPy arrays.",
    "train.batch_size": "Samples per batch. Arrays: fit(batch_size=...), default: 32.\n"
    "tf.data: .batch(B). A generator: the size of the batches it yields.",
    "train.drop_remainder": "tf.data: .batch(B, drop_remainder=True) leaves out the short last batch\n"
    "(a generator: does not yield it). Default: off.",
    "train.repeat": "tf.data's .repeat(): the data starts again after its last sample.\n"
    "tf.data: .repeat() before or after .batch(B); a generator: a loop. Default: no repeat.",
    "train.shuffle": "fit(shuffle=...): a new sample order for NumPy arrays every epoch.\n"
    "Default: True. Batch sizes stay the same; which samples a batch holds changes.",
    "epochs": "fit(epochs=...): how many epochs to train. Default: 1.",
    "steps_per_epoch": "fit(steps_per_epoch=...): how many batches make one epoch.\n"
    "Empty (the default, None): Keras runs each epoch until the data runs out.",
    "steps_per_execution": "compile(steps_per_execution=...): batches run in one call of the compiled step.\nDefault: 1.",
    "validation": "How validation data is given: none; fit(validation_split=...), a fraction of the\n"
    "training arrays; or fit(validation_data=...), a set of its own. Default: none.",
    "validation.split": "fit(validation_split=...): the fraction of the training arrays held back to validate\n"
    "(the last samples). NumPy arrays only. E.g. 0.2. Default: 0.0.",
    "validation.samples": "How many samples fit(validation_data=...) holds. No default: it needs data.",
    "validation.endless": "fit(validation_data=...) has no length (an endless stream): give validation steps,\n"
    "or validation never ends. Default: off.",
    "validation.source": "What fit(validation_data=...) is: NumPy arrays, a tf.data.Dataset or a generator.\n"
    "Default: NumPy arrays.",
    "validation.batch_size": "fit(validation_batch_size=...): samples per validation batch.\n"
    "Empty (the default, None): the training batch size.",
    "validation.drop_remainder": "tf.data: .batch(B, drop_remainder=True) on the validation data. Default: off.",
    "validation.repeat": "tf.data's .repeat() on the validation data: it starts again after its last sample.\n"
    "Default: no repeat.",
    "validation.steps": "fit(validation_steps=...): batches in each validation run.\n"
    "Empty (the default, None): until the validation data runs out.",
    "validation.freq": "fit(validation_freq=...): validate after every N-th epoch. Default: 1 (every epoch).",
}


def parse_integer(text: str) -> Any:
    """'60,000' -> 60000; '' -> None; anything else is handed on as text for the checker to name."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    if not cleaned:
        return None
    return int(cleaned) if _INTEGER.fullmatch(cleaned) and len(cleaned) < 40 else text.strip()


def parse_fraction(text: str) -> Any:
    cleaned = text.strip()
    try:
        return float(cleaned)
    except ValueError:
        return cleaned or None


class ScenarioForm(QWidget):
    """Edits one scenario; emits it whenever the fields make a valid one."""

    scenarioChanged = Signal(object)  # Scenario
    problemChanged = Signal(str)  # "" when the fields are fine
    fieldsEdited = Signal(str, object, object)  # the field a person changed, the snapshots before and after

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._filling = False
        self._fields: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self.problem = ""
        # A validation set's shuffle, as the opened file says: no box (Keras never shuffles
        # validation data), but carried along so saving keeps what the file said.
        self._validation_shuffle = False
        self._shown: dict[str, object] = {}  # the snapshot of the fields as last reported
        self._undo_keys = _LeaveUndoToTheWindow(self)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        train_box = QGroupBox("Training data")
        train = QFormLayout(train_box)
        self.samples = self._line("train.samples", "e.g. 60000")
        self.endless = self._check("train.endless", "endless stream (no length)")
        self._add(train, "Samples", _side_by_side(self.samples, self.endless), "train.samples")
        self.source = self._combo("train.source", SOURCES)
        self._add(train, "Source", self.source, "train.source")
        self.batch_size = self._line("train.batch_size", "32")
        self._add(train, "Batch size", self.batch_size, "train.batch_size")
        self.drop_remainder = self._check("train.drop_remainder", "drop the short last batch")
        self._add(train, "", self.drop_remainder, "train.drop_remainder")
        self.repeat = self._combo("train.repeat", REPEATS)
        self._add(train, "Repeat", self.repeat, "train.repeat")
        self.shuffle = self._check("train.shuffle", "shuffle (fit's shuffle=True)")
        self._add(train, "", self.shuffle, "train.shuffle")
        outer.addWidget(train_box)

        fit_box = QGroupBox("fit() and compile()")
        fit = QFormLayout(fit_box)
        self.epochs = self._line("epochs", "1")
        self._add(fit, "Epochs", self.epochs, "epochs")
        self.steps_per_epoch = self._line("steps_per_epoch", "auto")
        self._add(fit, "Steps per epoch", self.steps_per_epoch, "steps_per_epoch")
        self.steps_per_execution = self._line("steps_per_execution", "1")
        self._add(fit, "Steps per execution", self.steps_per_execution, "steps_per_execution")
        outer.addWidget(fit_box)

        val_box = QGroupBox("Validation")
        val = QFormLayout(val_box)
        self.validation_kind = self._combo("validation", VALIDATION_KINDS)
        self._add(val, "Kind", self.validation_kind, "validation")
        self.split = self._line("validation.split", "e.g. 0.2")
        self._add(val, "Split fraction", self.split, "validation.split")
        self.val_samples = self._line("validation.samples", "e.g. 10000")
        self.val_endless = self._check("validation.endless", "endless stream")
        self._add(val, "Samples", _side_by_side(self.val_samples, self.val_endless), "validation.samples")
        self.val_source = self._combo("validation.source", SOURCES)
        self._add(val, "Source", self.val_source, "validation.source")
        self.val_batch_size = self._line("validation.batch_size", "training batch size")
        self._add(val, "Batch size", self.val_batch_size, "validation.batch_size")
        self.val_drop_remainder = self._check("validation.drop_remainder", "drop the short last batch")
        self._add(val, "", self.val_drop_remainder, "validation.drop_remainder")
        self.val_repeat = self._combo("validation.repeat", REPEATS)
        self._add(val, "Repeat", self.val_repeat, "validation.repeat")
        self.val_steps = self._line("validation.steps", "auto")
        self._add(val, "Validation steps", self.val_steps, "validation.steps")
        self.val_freq = self._line("validation.freq", "1")
        self._add(val, "Validation freq", self.val_freq, "validation.freq")
        outer.addWidget(val_box)
        outer.addStretch(1)

        self.apply_look(look_for(dark=False, presenting=False))

    def apply_look(self, look: Look) -> None:
        self.look = look
        for error in self._errors.values():
            error.setStyleSheet(f"color: {look.alarm};")

    # ------------------------------------------------------------ building

    def _line(self, key: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.setObjectName(key)
        edit.textEdited.connect(self._edited)
        edit.installEventFilter(self._undo_keys)
        _set_help(edit, FIELD_HELP[key])
        self._fields[key] = edit
        return edit

    def _combo(self, key: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(key)
        for label, value in items:
            combo.addItem(label, value)
        combo.currentIndexChanged.connect(self._edited)
        _set_help(combo, FIELD_HELP[key])
        self._fields[key] = combo
        return combo

    def _check(self, key: str, text: str) -> QCheckBox:
        box = QCheckBox(text)
        box.setObjectName(key)
        box.toggled.connect(self._edited)
        _set_help(box, FIELD_HELP[key])
        self._fields[key] = box
        return box

    def _add(self, form: QFormLayout, label: str, widget: QWidget, key: str) -> None:
        error = QLabel()
        error.setObjectName(f"error:{key}")
        error.setWordWrap(True)
        error.hide()
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        column.addWidget(error)
        title = QLabel(label)
        title.setToolTip(FIELD_HELP[key])
        form.addRow(title, holder)
        self._errors[key] = error

    # ------------------------------------------------------------ scenario <-> widgets

    def set_scenario(self, scenario: Scenario) -> None:
        """Show a scenario (opened, or a preset) and emit it."""
        self._filling = True
        try:
            train = scenario.train
            self.endless.setChecked(train.samples is None)
            self.samples.setText("" if train.samples is None else str(train.samples))
            _select(self.source, train.source)
            self.batch_size.setText("" if train.batch_size is None else str(train.batch_size))
            self.drop_remainder.setChecked(train.drop_remainder)
            _select(self.repeat, train.repeat)
            self.shuffle.setChecked(train.shuffle)
            self.epochs.setText(str(scenario.epochs))
            self.steps_per_epoch.setText("" if scenario.steps_per_epoch is None else str(scenario.steps_per_epoch))
            self.steps_per_execution.setText(str(scenario.steps_per_execution))
            validation = scenario.validation
            self._validation_shuffle = isinstance(validation, ValidationSet) and validation.shuffle
            _select(self.validation_kind, _validation_kind(validation))
            self.split.setText(str(validation.split) if isinstance(validation, ValidationSplit) else "")
            if isinstance(validation, ValidationSet):
                self.val_endless.setChecked(validation.samples is None)
                self.val_samples.setText("" if validation.samples is None else str(validation.samples))
                _select(self.val_source, validation.source)
                self.val_drop_remainder.setChecked(validation.drop_remainder)
                _select(self.val_repeat, validation.repeat)
            else:  # no validation set: clear what a previous scenario left in its fields
                self.val_endless.setChecked(False)
                self.val_samples.setText("")
                self.val_drop_remainder.setChecked(False)
                _select(self.val_source, "arrays")
                _select(self.val_repeat, "none")
            batch = validation.batch_size if validation is not None else None
            self.val_batch_size.setText("" if batch is None else str(batch))
            steps = validation.steps if validation is not None else None
            self.val_steps.setText("" if steps is None else str(steps))
            self.val_freq.setText(str(validation.freq) if validation is not None else "1")
            self._update_enabled()
        finally:
            self._filling = False
        self._shown = self.snapshot()
        self._judge()

    def snapshot(self) -> dict[str, object]:
        """What every field holds, valid or not: enough to put the form back exactly (undo)."""
        values: dict[str, object] = {}
        for key, widget in self._fields.items():
            if isinstance(widget, QLineEdit):
                values[key] = widget.text()
            elif isinstance(widget, QComboBox):
                values[key] = widget.currentData()
            else:
                values[key] = widget.isChecked()
        return values

    def restore(self, snapshot: dict[str, object]) -> None:
        """Put back what snapshot() saw (undo and redo), and judge it as if it had been typed."""
        self._filling = True
        try:
            # Checkboxes and choices first: they decide which boxes are enabled.
            for key, value in sorted(snapshot.items(), key=lambda item: isinstance(item[1], str)):
                widget = self._fields[key]
                if isinstance(widget, QLineEdit):
                    if widget.text() != value:
                        widget.setText(str(value))
                elif isinstance(widget, QComboBox):
                    _select(widget, str(value))
                else:
                    widget.setChecked(bool(value))
            self._update_enabled()
        finally:
            self._filling = False
        self._shown = self.snapshot()
        self._judge()

    def scenario_data(self) -> dict[str, Any]:
        """The scenario JSON the fields describe (perhaps invalid: the checker decides)."""
        source = self.source.currentData()
        data: dict[str, Any] = {
            "train": {
                "samples": None if self.endless.isChecked() else parse_integer(self.samples.text()),
                "source": source,
                "batch_size": parse_integer(self.batch_size.text()),
                "drop_remainder": self.drop_remainder.isChecked() and self.drop_remainder.isEnabled(),
                "repeat": self.repeat.currentData() if self.repeat.isEnabled() else "none",
                "shuffle": self.shuffle.isChecked(),
            },
            "epochs": parse_integer(self.epochs.text()),
            "steps_per_epoch": parse_integer(self.steps_per_epoch.text()),
            "steps_per_execution": parse_integer(self.steps_per_execution.text()),
            "validation": None,
        }
        if source != "arrays" and data["train"]["batch_size"] is None:
            data["train"]["batch_size"] = 32  # a pipeline needs a batch size; the placeholder says 32
        kind = self.validation_kind.currentData()
        if kind == "split":
            data["validation"] = {
                "split": parse_fraction(self.split.text()),
                "batch_size": parse_integer(self.val_batch_size.text()),
                "steps": parse_integer(self.val_steps.text()),
                "freq": parse_integer(self.val_freq.text()),
            }
        elif kind == "set":
            data["validation"] = {
                "samples": None if self.val_endless.isChecked() else parse_integer(self.val_samples.text()),
                "source": self.val_source.currentData(),
                "batch_size": parse_integer(self.val_batch_size.text()),
                "drop_remainder": self.val_drop_remainder.isChecked() and self.val_drop_remainder.isEnabled(),
                "repeat": self.val_repeat.currentData() if self.val_repeat.isEnabled() else "none",
                "steps": parse_integer(self.val_steps.text()),
                "freq": parse_integer(self.val_freq.text()),
                "shuffle": self._validation_shuffle,
            }
        return data

    # ------------------------------------------------------------ checking

    @Slot()
    def _edited(self, *_args: object) -> None:
        """A person changed a field: report the edit (for undo), then judge the fields."""
        if self._filling:
            return
        sender = self.sender()
        key = sender.objectName() if isinstance(sender, QWidget) else ""
        self._filling = True  # what _update_enabled changes belongs to this same edit
        try:
            self._update_enabled()
        finally:
            self._filling = False
        after = self.snapshot()
        if after != self._shown:
            before, self._shown = self._shown, after
            self.fieldsEdited.emit(key, before, after)
        self._judge()

    def current_scenario(self) -> Scenario | None:
        """The scenario the fields make, or None while one is missing or wrong."""
        data = self.scenario_data()
        if self._missing(data):
            return None
        try:
            return scenario_from_dict(data)
        except ScenarioError:
            return None

    def _judge(self) -> None:
        """Emit the scenario the fields make, or mark the field at fault with the reason."""
        data = self.scenario_data()
        missing = self._missing(data)
        if missing:
            self._show_problem(*missing)
            return
        try:
            scenario = scenario_from_dict(data)
        except ScenarioError as error:
            self._show_problem(error.field or "train.samples", error.message)
            return
        self._show_problem("", "")
        self.scenarioChanged.emit(scenario)

    def _missing(self, data: dict[str, Any]) -> tuple[str, str] | None:
        """Empty boxes that must hold a number, said in the form's words."""
        if data["train"]["samples"] is None and not self.endless.isChecked():
            return "train.samples", "Enter the number of training samples, or tick endless stream."
        if data["epochs"] is None:
            return "epochs", "Enter the number of epochs."
        if data["steps_per_execution"] is None:
            return "steps_per_execution", "Enter steps per execution (1 unless you set it in compile())."
        validation = data["validation"]
        if validation is not None:
            if "split" in validation and validation["split"] is None:
                return "validation.split", "Enter the fraction of samples that validate, e.g. 0.2."
            if "samples" in validation and validation["samples"] is None and not self.val_endless.isChecked():
                return "validation.samples", "Enter the number of validation samples, or tick endless stream."
            if validation["freq"] is None:
                return "validation.freq", "Enter how often to validate (1 = after every epoch)."
        return None

    def _show_problem(self, field: str, message: str) -> None:
        # Said in the form's words ("Batch size: ..."), not the file's keys ("train.batch_size: ...").
        self.problem = f"{_capitalized(FIELD_NAMES.get(field, field))}: {message}" if field else ""
        for key, label in self._errors.items():
            at_fault = key == field or (field.startswith(key + ".") and key not in self._fields)
            widget = self._fields.get(key)
            if at_fault:
                label.setText(message)
                label.show()
            else:
                label.hide()
            if widget is not None:
                widget.setStyleSheet(ERROR_STYLE if at_fault else "")
        if field and field not in self._errors:
            # A field the form has no box for (should not happen): say it under the samples.
            self._errors["train.samples"].setText(f"{field}: {message}")
            self._errors["train.samples"].show()
        self.problemChanged.emit(self.problem)

    def _update_enabled(self) -> None:
        source = self.source.currentData()
        arrays = source == "arrays"
        stream = self.endless.isChecked()
        self.samples.setEnabled(not stream)
        _enable(self.endless, not arrays, WHY_ARRAYS_HAVE_LENGTH)
        if arrays and stream:
            self.endless.setChecked(False)
        _word_repeats(self.repeat, source)
        _enable(self.repeat, not arrays and not stream, WHY_ARRAYS_NO_REPEAT if arrays else WHY_STREAM)
        before_batch = self.repeat.currentData() == "before_batch"
        drop_why = WHY_ARRAYS_NO_DROP if arrays else WHY_STREAM if stream else WHY_BEFORE_BATCH_FULL
        _enable(self.drop_remainder, not arrays and not stream and not before_batch, drop_why)
        _enable(self.shuffle, arrays, WHY_NO_SHUFFLE)
        self.batch_size.setPlaceholderText("auto (32, or samples / steps)" if arrays else "32")

        split_item = self.validation_kind.model().item(1)
        kind = self.validation_kind.currentData()
        split_item.setEnabled(arrays or kind == "split")
        split_item.setToolTip("" if arrays else WHY_SPLIT_ARRAYS)
        has_validation = kind != "none"
        own = kind == "set"
        _enable(
            self.split, kind == "split", WHY_NO_VALIDATION if not has_validation else "validation_data brings its own samples."
        )
        for widget in (self.val_batch_size, self.val_steps, self.val_freq):
            _enable(widget, has_validation, WHY_NO_VALIDATION)
        val_arrays = self.val_source.currentData() == "arrays"
        val_stream = self.val_endless.isChecked()
        _enable(self.val_samples, own and not val_stream, WHY_SPLIT_OWN if kind == "split" else WHY_NO_VALIDATION)
        _enable(self.val_endless, own and not val_arrays, WHY_ARRAYS_HAVE_LENGTH if own else WHY_SPLIT_OWN)
        _enable(self.val_source, own, WHY_SPLIT_OWN if kind == "split" else WHY_NO_VALIDATION)
        _word_repeats(self.val_repeat, self.val_source.currentData())
        _enable(self.val_repeat, own and not val_arrays and not val_stream, WHY_ARRAYS_NO_REPEAT if own else WHY_SPLIT_OWN)
        val_before = self.val_repeat.currentData() == "before_batch"
        _enable(
            self.val_drop_remainder,
            own and not val_arrays and not val_stream and not val_before,
            WHY_ARRAYS_NO_DROP if own and val_arrays else WHY_SPLIT_OWN,
        )

    def is_typed(self, key: str) -> bool:
        """A box a person types into (its consecutive edits are one step of the history)."""
        return isinstance(self._fields.get(key), QLineEdit)

    def field_widget(self, key: str) -> QWidget:
        return self._fields[key]

    def error_text(self, key: str) -> str:
        label = self._errors[key]
        return label.text() if not label.isHidden() else ""


def _capitalized(words: str) -> str:
    return words[:1].upper() + words[1:]


def _side_by_side(edit: QLineEdit, box: QCheckBox) -> QWidget:
    """A number box with its checkbox on the same row (samples, and 'endless stream')."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    layout.addWidget(box)
    return row


def _validation_kind(validation: object) -> str:
    if isinstance(validation, ValidationSplit):
        return "split"
    if isinstance(validation, ValidationSet):
        return "set"
    return "none"


def _select(combo: QComboBox, value: str) -> None:
    combo.setCurrentIndex(max(0, combo.findData(value)))


def _set_help(widget: QWidget, words: str) -> None:
    widget.setProperty("help", words)
    widget.setToolTip(words)


def _enable(widget: QWidget, enabled: bool, why_not: str) -> None:
    """Enable a field, or disable it with the reason first in its tooltip (its help follows)."""
    widget.setEnabled(enabled)
    help_words = widget.property("help") or ""
    widget.setToolTip(help_words if enabled else f"{why_not}\n\n{help_words}".strip())


def _word_repeats(combo: QComboBox, source: str) -> None:
    """The Repeat choices in the words of the chosen source: a generator has no .batch(B).repeat()."""
    for index, words in enumerate(REPEAT_WORDS.get(source, REPEAT_WORDS["dataset"])):
        if combo.itemText(index) != words:
            combo.setItemText(index, words)


class _LeaveUndoToTheWindow(QObject):
    """Ctrl+Z in a number box undoes through the window's history (every field, trap and preset),
    not the box's own, so one key always means one thing."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo):
                event.ignore()  # not taken by the box: the window's Undo/Redo shortcut fires
                return True
            if event.keyCombination().toCombined() == QKeySequence("Ctrl+Shift+Z")[0].toCombined():
                event.ignore()
                return True
        return False
