"""The form panel: every field of a scenario, checked on every keystroke.

The form owns no plan. It turns its widgets into a scenario dict, lets
``core.scenario`` judge it, and either emits the new Scenario or marks the field
at fault red with the reason beside it (the last good plan stays on screen).
Fields that do not apply are disabled, with a tooltip saying why; fields that belong to one
choice only (a flow's own shuffle, a tf.data pipeline's steps) are shown with that choice. Every
field's tooltip says what it is, the Keras argument it stands for and its default.

A tf.data pipeline is either the plain .batch/.repeat fields or its steps in a PipelineEditor
(gui/pipeline_editor.py); switching between them keeps the meaning (the plain fields become the
same steps, and back when the steps say nothing more).

The form also reports each user edit as a pair of field snapshots (before, after), so the
window can undo it; ``restore`` puts a snapshot back. A pipeline's steps are part of the snapshot,
so adding, moving, removing a step or typing in one is undone like any other field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QDropEvent, QKeyEvent, QKeySequence
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

from core.flavours import Flavour
from core.scenario import DataSpec, Scenario, ScenarioError, ValidationSet, ValidationSplit, scenario_from_dict
from gui.flavour_chooser import (
    DEFAULT_FLAVOUR,
    FLAVOUR_CHOICES,
    KERAS_HELP,
    REPLICAS_HELP,
    WHY_ONE_DEVICE,
    choice_tooltip,
    choice_words,
    flavour_value,
    installed_flavours,
    installed_words,
    keras_and_backend,
    runs_on_tensorflow,
)
from gui.markup import escape
from gui.pipeline_editor import (
    FAULT_COLOUR,
    PipelineEditor,
    Step,
    plain_from_steps,
    steps_from_plain,
    steps_only_the_editor_says,
    typed_steps,
)
from gui.theme import Look, look_for

SOURCES = [
    ("NumPy arrays", "arrays"),
    ("tf.data pipeline", "dataset"),
    ("Python generator", "generator"),
    ("PyDataset / Sequence", "pydataset"),
    ("ImageDataGenerator flow", "image_data_generator"),
]
# Who splits the validation data off the training data (scenario-format.md, validation.split_by).
SPLIT_BY = [
    ("fit(validation_split=...)", "fit"),
    ("image_dataset_from_directory", "directory"),
    ("ImageDataGenerator(validation_split=...)", "image_data_generator"),
]
# The validation flow's own shuffle with an ImageDataGenerator split: absent means the training flow's.
FLOW_SHUFFLES = [("like the training flow", "same"), ("shuffled (shuffle=True)", "true"), ("in order (shuffle=False)", "false")]
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
WHY_FLOW_NO_DROP = "An ImageDataGenerator flow has no drop_remainder: it always yields the short last batch."
WHY_ARRAYS_NO_REPEAT = "NumPy arrays cannot be repeated; choose tf.data or a generator for .repeat()."
WHY_NO_REPEAT = "{source} cannot be repeated: Keras starts a fresh pass every epoch; choose tf.data or a generator."
WHY_ARRAYS_HAVE_LENGTH = "NumPy arrays always have a length."
WHY_FLOW_HAS_LENGTH = "An ImageDataGenerator flow over arrays always has a length."
# What fit(shuffle=...) does to each source (scenario-format.md, `shuffle`).
WHY_NO_SHUFFLE = "fit(shuffle=...) ignores tf.data and generators (Keras warns); shuffle a dataset in its own pipeline."
SHUFFLE_DOES = {
    "arrays": "NumPy arrays: a new sample order every epoch.",
    "dataset": WHY_NO_SHUFFLE,
    "generator": WHY_NO_SHUFFLE,
    "pydataset": "A PyDataset: the ORDER OF ITS BATCHES is drawn anew every pass; the short batch can come anywhere.",
    "image_data_generator": "An ImageDataGenerator flow: the order of its batches is drawn anew every pass.",
}
NO_BATCH_STEP = (
    "The pipeline has no batch step, so every sample would reach Keras as a batch of its own: "
    "choose Add step > batch, or start from a ready pipeline."
)
WHY_PLAIN_CANNOT_SAY = "The plain fields cannot say {steps}; remove those steps to go back to them."
WHY_SPLIT_BY = "Choose validation_split as the kind first: then say who splits the data."
WHY_SPLIT_DIRECTORY = (
    "image_dataset_from_directory gives tf.data datasets: choose the training source tf.data pipeline, without steps."
)
WHY_SPLIT_FLOW = "ImageDataGenerator(validation_split=...) gives flows: choose the training source ImageDataGenerator flow."
WHY_STREAM_HAS_NO_COUNT = "An endless stream has no number of samples: untick endless stream to give one."
WHY_STREAM = "An endless stream has no passes to repeat and no remainder to drop."
WHY_BEFORE_BATCH_FULL = ".repeat().batch(B) runs batches across pass boundaries, so every batch is full."
WHY_SPLIT_ARRAYS = (
    "validation_split needs NumPy arrays (or a directory loader or ImageDataGenerator split); "
    "Keras raises for a generator or a PyDataset."
)
WHY_NO_VALIDATION = "Choose validation_split or validation_data first."
WHY_SPLIT_OWN = "validation_split takes its samples from the training arrays."

ERROR_STYLE = f"QLineEdit, QComboBox, QCheckBox {{ border: 2px solid {FAULT_COLOUR}; border-radius: 3px; }}"
# The snapshot's entry for the marks of imported code (not a field): undo and redo put them back with the values.
MARKS_KEY = "(code marks)"

_INTEGER = re.compile(r"[+-]?\d+")
# A field in a formula of imported code: dotted ("train.samples") or one of the top-level numbers.
_FORMULA_FIELD = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+|\b(?:epochs|steps_per_epoch|steps_per_execution|initial_epoch)\b")

# Each field in words: in the Undo menu ("Undo edit of batch size") and before a problem.
FIELD_NAMES = {
    "keras": "Keras flavour",
    "replicas": "number of devices",
    "train.samples": "training samples",
    "train.endless": "endless training stream",
    "train.source": "training source",
    "train.batch_size": "batch size",
    "train.drop_remainder": "drop the short batch",
    "train.repeat": "repeat",
    "train.shuffle": "shuffle",
    "train.use_pipeline": "pipeline steps on or off",
    "train.pipeline": "training pipeline",
    "train.flow_shuffle": "flow shuffle",
    "epochs": "epochs",
    "initial_epoch": "initial epoch",
    "gradient_accumulation_steps": "gradient accumulation",
    "steps_per_epoch": "steps per epoch",
    "steps_per_execution": "steps per execution",
    "validation": "validation kind",
    "validation.split": "split fraction",
    "validation.split_by": "who splits",
    "validation.use_pipeline": "validation pipeline steps on or off",
    "validation.pipeline": "validation pipeline",
    "validation.flow_shuffle": "validation flow shuffle",
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
    "keras": KERAS_HELP,
    "replicas": REPLICAS_HELP,
    "train.samples": "How many training samples there are: the length of x in fit(x, y).\n"
    "No default: fit needs data. Tick 'endless stream' for a source that has no length.",
    "train.endless": "The source of fit(x) has no length (a generator or dataset that never ends):\n"
    "only steps_per_epoch can end an epoch then. Default: off.",
    "train.source": "What fit() receives: NumPy arrays fit(x, y); a tf.data pipeline (Dataset.from_tensor_slices,\n"
    "then .batch(B) or steps of your own); a Python generator that yields ready batches;\n"
    "a keras.utils.PyDataset (or Sequence) of ceil(N/B) batches; or ImageDataGenerator().flow(...)\n"
    "(flow_from_directory is the same). Default: NumPy arrays.",
    "train.use_pipeline": "Write the tf.data pipeline step by step (.shuffle, .take, .filter, .repeat(n)...)\n"
    "instead of the plain .batch(B) and .repeat() fields; the plain ones become the same steps. Default: off.",
    "train.pipeline": "The tf.data steps applied in order to Dataset.from_tensor_slices of the samples.\n"
    "It needs a batch step (the default pipeline is .batch(32)). Alt+Up / Alt+Down move a step, Alt+Delete removes it.",
    "train.flow_shuffle": "ImageDataGenerator().flow(..., shuffle=...): the flow's own shuffle, the sample order\n"
    "inside its batches (fit(shuffle=...) orders the batches themselves). Default: True.",
    "train.batch_size": "Samples per batch. Arrays: fit(batch_size=...), default: 32.\n"
    "tf.data: .batch(B). A generator: the size of the batches it yields.",
    "train.drop_remainder": "tf.data: .batch(B, drop_remainder=True) leaves out the short last batch\n"
    "(a generator: does not yield it). Default: off.",
    "train.repeat": "tf.data's .repeat(): the data starts again after its last sample.\n"
    "tf.data: .repeat() before or after .batch(B); a generator: a loop. Default: no repeat.",
    "train.shuffle": "fit(shuffle=...): a new sample order for NumPy arrays every epoch; a new batch order\n"
    "for a PyDataset or a flow; ignored (with a warning) for tf.data and generators.\n"
    "Default: True. Batch sizes stay the same; which samples a batch holds changes.",
    "epochs": "fit(epochs=...): the number of the last epoch (with initial_epoch, not a count). Default: 1.",
    "initial_epoch": "fit(initial_epoch=k): only epochs k+1 .. epochs run, numbered as such;\n"
    "validation_freq counts those numbers. Default: 0.",
    "gradient_accumulation_steps": "The optimizer's gradient_accumulation_steps=G, given to compile(optimizer=...):\n"
    "the weights change after every G-th batch, counted across epoch ends. Empty (the default, None): every batch.",
    "steps_per_epoch": "fit(steps_per_epoch=...): how many batches make one epoch.\n"
    "Empty (the default, None): Keras runs each epoch until the data runs out.",
    "steps_per_execution": "compile(steps_per_execution=...): batches run in one call of the compiled step.\nDefault: 1.",
    "validation": "How validation data is given: none; fit(validation_split=...), a fraction of the\n"
    "training arrays; or fit(validation_data=...), a set of its own. Default: none.",
    "validation.split": "fit(validation_split=...): the fraction of the training arrays held back to validate\n"
    "(the last samples). NumPy arrays only. E.g. 0.2. Default: 0.0.",
    "validation.split_by": "Who splits the validation data off: fit(validation_split=f) (the last samples validate),\n"
    "image_dataset_from_directory(validation_split=f, subset='both') (the last int(f*N) files, tf.data),\n"
    "or ImageDataGenerator(validation_split=f) (the first int(f*N) samples). Default: fit.",
    "validation.flow_shuffle": "The validation flow's own shuffle: ImageDataGenerator().flow(..., shuffle=...)\n"
    "of the data fit() validates on (the sample order inside its batches).\n"
    "Default: like the training flow (a split), True (a validation set of its own).",
    "validation.use_pipeline": "Write the validation tf.data pipeline step by step instead of the plain\n"
    ".batch(B) and .repeat() fields. Default: off.",
    "validation.pipeline": "The tf.data steps of fit(validation_data=...), applied in order to from_tensor_slices\n"
    "of its samples. It needs a batch step. Default: none.",
    "validation.samples": "How many samples fit(validation_data=...) holds. No default: it needs data.",
    "validation.endless": "fit(validation_data=...) has no length (an endless stream): give validation steps,\n"
    "or validation never ends. Default: off.",
    "validation.source": "What fit(validation_data=...) is: NumPy arrays, a tf.data pipeline, a generator,\n"
    "a PyDataset or an ImageDataGenerator flow. Default: NumPy arrays.",
    "validation.batch_size": "fit(validation_batch_size=...): samples per validation batch.\n"
    "Empty (the default, None): the training batch size.",
    "validation.drop_remainder": "tf.data: .batch(B, drop_remainder=True) on the validation data. Default: off.",
    "validation.repeat": "tf.data's .repeat() on the validation data: it starts again after its last sample.\n"
    "Default: no repeat.",
    "validation.steps": "fit(validation_steps=...): batches in each validation run.\n"
    "Empty (the default, None): until the validation data runs out.",
    "validation.freq": "fit(validation_freq=...): validate after every N-th epoch, or after the epochs listed\n"
    '("2, 3, 5": after epochs 2, 3 and 5; "[5]": after epoch 5 only). Default: 1 (every epoch).',
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


@dataclass(frozen=True)
class FieldMark:
    """What imported code says about one field: the line that set it, or that it leaves the field open.

    line: the 1-based line of the code the value came from; None when the code does not fix it.
    assumed: for an open field, the value the plan assumes until the student types one ("1,000").
    formula: the field follows others, e.g. "ceil(train.samples / train.batch_size)": typing one of
    those fields recomputes it (core.code_import.evaluate_relation), until the student types this one.
    """

    line: int | None
    assumed: str = ""
    formula: str = ""

    @property
    def to_fill(self) -> bool:
        return self.line is None and not self.formula


class ScenarioForm(QWidget):
    """Edits one scenario; emits it whenever the fields make a valid one."""

    scenarioChanged = Signal(object)  # Scenario
    problemChanged = Signal(str)  # "" when the fields are fine
    fieldsEdited = Signal(str, object, object)  # the field a person changed, the snapshots before and after
    marksChanged = Signal()  # the marks of imported code came, went, or one was typed over
    markLineActivated = Signal(int)  # the line link of a mark was clicked: show that line of the code
    markedFieldFocused = Signal(int)  # a box marked with a line of the code got the focus (a click into it): that line

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._filling = False
        self._fields: dict[str, QWidget] = {}
        # Under each field, made when first needed (most never are; sixty hidden labels slowed the start): the
        # reason it is at fault, and the mark of imported code.
        self._errors: dict[str, QLabel] = {}
        self._mark_labels: dict[str, QLabel] = {}
        self._columns: dict[str, QVBoxLayout] = {}  # each field's column: the field, its mark, its error
        self.problem = ""
        # A validation set's shuffle, as the opened file says: no box (Keras never shuffles
        # validation data), but carried along so saving keeps what the file said.
        self._validation_shuffle = False
        self._shown: dict[str, object] = {}  # the snapshot of the fields as last reported
        self._rows: dict[str, tuple[QFormLayout, QWidget]] = {}  # each field's row, to show or hide it
        self._rows_wanted: dict[str, bool] = {}  # whether the form's own logic shows each row
        self._withheld: frozenset[str] = frozenset()  # rows a lesson hides, whatever the form's logic says
        self._marks: dict[str, FieldMark] = {}  # what imported code says of each field it set or left open
        self._next_marks: dict[str, FieldMark] | None = None  # the marks the next set_scenario shows
        self._undo_keys = _LeaveToTheWindow(self)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        keras_box = QGroupBox("Keras")
        keras_box.setObjectName("keras_box")
        chooser = QFormLayout(keras_box)
        self.flavour = self._combo("keras", FLAVOUR_CHOICES)
        self._add(chooser, "&Keras", self.flavour, "keras")
        self.replicas = self._line("replicas", "1 (no MirroredStrategy)")
        self._add(chooser, "Dev&ices", self.replicas, "replicas")
        # Which flavours are installed is asked once the window is on screen (check_installed): None until then.
        self._installed: dict[str, bool] | None = None
        self.installed_note = QLabel()
        self.installed_note.setObjectName("flavour_installed")
        self.installed_note.setWordWrap(True)
        self.installed_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # the pip line copies
        self.installed_note.hide()
        chooser.addRow(self.installed_note)
        outer.addWidget(keras_box)
        train_box = QGroupBox("Training data")
        train = QFormLayout(train_box)
        self.samples = self._line("train.samples", "e.g. 60000")
        self.endless = self._check("train.endless", "endless stream (no length)")
        self._add(train, "Samples", _side_by_side(self.samples, self.endless), "train.samples")
        self.source = self._combo("train.source", SOURCES)
        self._add(train, "Source", self.source, "train.source")
        self.use_pipeline = self._check("train.use_pipeline", "write the pipeline step by step", self._pipeline_switched)
        self._add(train, "", self.use_pipeline, "train.use_pipeline")
        self.batch_size = self._line("train.batch_size", "32")
        self._add(train, "Batch size", self.batch_size, "train.batch_size")
        self.drop_remainder = self._check("train.drop_remainder", "drop the short last batch")
        self._add(train, "", self.drop_remainder, "train.drop_remainder")
        self.repeat = self._combo("train.repeat", REPEATS)
        self._add(train, "Repeat", self.repeat, "train.repeat")
        self.pipeline = self._editor("train.pipeline")
        self._add(train, "", self.pipeline, "train.pipeline", span=True)
        self.shuffle = self._check("train.shuffle", "shuffle (fit's shuffle=True)")
        self._add(train, "", self.shuffle, "train.shuffle")
        self.flow_shuffle = self._check("train.flow_shuffle", "the flow shuffles its samples")
        self._add(train, "", self.flow_shuffle, "train.flow_shuffle")
        outer.addWidget(train_box)

        fit_box = QGroupBox("fit() and compile()")
        fit = QFormLayout(fit_box)
        self.epochs = self._line("epochs", "1")
        self._add(fit, "Epochs", self.epochs, "epochs")
        self.initial_epoch = self._line("initial_epoch", "0")
        self._add(fit, "Initial epoch", self.initial_epoch, "initial_epoch")
        self.steps_per_epoch = self._line("steps_per_epoch", "auto")
        self._add(fit, "Steps per epoch", self.steps_per_epoch, "steps_per_epoch")
        self.steps_per_execution = self._line("steps_per_execution", "1")
        self._add(fit, "Steps per execution", self.steps_per_execution, "steps_per_execution")
        self.accumulation = self._line("gradient_accumulation_steps", "none: every batch")
        self._add(fit, "Gradient accumulation", self.accumulation, "gradient_accumulation_steps")
        outer.addWidget(fit_box)

        val_box = QGroupBox("Validation")
        val = QFormLayout(val_box)
        self.validation_kind = self._combo("validation", VALIDATION_KINDS)
        self._add(val, "Kind", self.validation_kind, "validation")
        self.split = self._line("validation.split", "e.g. 0.2")
        self._add(val, "Split fraction", self.split, "validation.split")
        self.split_by = self._combo("validation.split_by", SPLIT_BY)
        self._add(val, "Split by", self.split_by, "validation.split_by")
        self.val_samples = self._line("validation.samples", "e.g. 10000")
        self.val_endless = self._check("validation.endless", "endless stream")
        self._add(val, "Samples", _side_by_side(self.val_samples, self.val_endless), "validation.samples")
        self.val_source = self._combo("validation.source", SOURCES)
        self._add(val, "Source", self.val_source, "validation.source")
        self.val_use_pipeline = self._check("validation.use_pipeline", "write the pipeline step by step", self._pipeline_switched)
        self._add(val, "", self.val_use_pipeline, "validation.use_pipeline")
        self.val_batch_size = self._line("validation.batch_size", "training batch size")
        self._add(val, "Batch size", self.val_batch_size, "validation.batch_size")
        self.val_drop_remainder = self._check("validation.drop_remainder", "drop the short last batch")
        self._add(val, "", self.val_drop_remainder, "validation.drop_remainder")
        self.val_repeat = self._combo("validation.repeat", REPEATS)
        self._add(val, "Repeat", self.val_repeat, "validation.repeat")
        self.val_pipeline = self._editor("validation.pipeline")
        self._add(val, "", self.val_pipeline, "validation.pipeline", span=True)
        self.val_flow_shuffle = self._combo("validation.flow_shuffle", FLOW_SHUFFLES)
        self._add(val, "Flow shuffle", self.val_flow_shuffle, "validation.flow_shuffle")
        self.val_steps = self._line("validation.steps", "auto")
        self._add(val, "Validation steps", self.val_steps, "validation.steps")
        self.val_freq = self._line("validation.freq", "1, or epochs: 2, 5")
        self._add(val, "Validation freq", self.val_freq, "validation.freq")
        outer.addWidget(val_box)
        outer.addStretch(1)

        self.apply_look(look_for(dark=False, presenting=False))

    def apply_look(self, look: Look) -> None:
        self.look = look
        self._show_marks()
        for error in self._errors.values():
            error.setStyleSheet(f"color: {look.alarm};")
        self.installed_note.setStyleSheet(f"color: {look.muted};")
        for editor in (self.pipeline, self.val_pipeline):
            editor.set_colours(look.highlight, look.muted)

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
        # As narrow as the panel needs: the longest choice ("ImageDataGenerator(validation_split=...)") is elided.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(12)
        for label, value in items:
            combo.addItem(label, value)
        combo.currentIndexChanged.connect(self._edited)
        _set_help(combo, FIELD_HELP[key])
        self._fields[key] = combo
        return combo

    def _check(self, key: str, text: str, toggled: Any = None) -> QCheckBox:
        box = QCheckBox(text)
        box.setObjectName(key)
        box.toggled.connect(toggled or self._edited)
        _set_help(box, FIELD_HELP[key])
        self._fields[key] = box
        return box

    def _editor(self, key: str) -> PipelineEditor:
        editor = PipelineEditor(key, self._undo_keys)
        editor.edited.connect(self._pipeline_edited)
        editor.readyChosen.connect(self._ready_chosen)
        _set_help(editor, FIELD_HELP[key])
        self._fields[key] = editor
        return editor

    def _add(self, form: QFormLayout, label: str, widget: QWidget, key: str, span: bool = False) -> None:
        """A row: the label, the field and its error line below it (span: the field takes the whole width)."""
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        self._columns[key] = column
        if span:
            form.addRow(holder)
        else:
            title = QLabel(label)
            title.setToolTip(FIELD_HELP[key])
            title.setBuddy(widget)  # a label with a mnemonic (Alt+K) takes the focus to its field
            form.addRow(title, holder)
        self._rows[key] = (form, holder)
        self._rows_wanted[key] = True

    def _line_under(self, key: str, kind: str) -> QLabel:
        """The line under a field saying its mark ("mark") or why it is at fault ("error"), made the first time."""
        labels = self._mark_labels if kind == "mark" else self._errors
        label = labels.get(key)
        if label is None:
            label = labels[key] = QLabel()
            label.setObjectName(f"{kind}:{key}")
            label.setWordWrap(True)
            label.hide()
            if kind == "mark":
                label.linkActivated.connect(self._mark_link)
                self._columns[key].insertWidget(1, label)  # under the field, above its error
            else:
                label.setStyleSheet(f"color: {self.look.alarm};")
                self._columns[key].addWidget(label)
        return label

    def _show_row(self, key: str, shown: bool) -> None:
        """Fields that belong to one choice only (the pipeline's steps, a flow's shuffle) are shown with it."""
        self._rows_wanted[key] = shown
        form, holder = self._rows[key]
        visible = shown and key not in self._withheld
        if form.isRowVisible(holder) != visible:
            form.setRowVisible(holder, visible)

    def set_withheld_fields(self, keys: Iterable[str]) -> None:
        """Hide these fields' rows, labels too, whatever the form's own logic says (a lesson shows a few fields
        at a time); an empty set shows them as the logic says again. A box whose rows are all withheld hides too.
        The endless-stream boxes share the samples' row: withheld alone, only the box hides."""
        withheld = frozenset(keys)
        unknown = sorted(withheld - self._fields.keys())
        if unknown:
            raise ValueError(f"The form has no field {', '.join(unknown)}")
        self._withheld = withheld
        for key, shown in self._rows_wanted.items():
            self._show_row(key, shown)
        for key, box in (("train.endless", self.endless), ("validation.endless", self.val_endless)):
            box.setVisible(key not in withheld)
        boxes: dict[QWidget, list[str]] = {}
        for key, (form, _holder) in self._rows.items():
            boxes.setdefault(form.parentWidget(), []).append(key)
        for box, keys_in_box in boxes.items():
            box.setVisible(not all(key in withheld for key in keys_in_box))

    def withheld_fields(self) -> frozenset[str]:
        return self._withheld

    # ------------------------------------------------------------ marks of imported code

    def expect_marks(self, marks: Mapping[str, FieldMark]) -> None:
        """The marks the next set_scenario shows (imported code): they are then part of the same step of the
        history as the values, so undo and redo put both back. Keys are the form's fields (form_key)."""
        self._next_marks = {key: mark for key, mark in marks.items() if key in self._fields}

    def marks(self) -> dict[str, FieldMark]:
        return dict(self._marks)

    def mark_words(self, key: str) -> str:
        """A field's mark as its line under the field says it, in plain words ("" when it has none)."""
        label = self._mark_labels.get(key)
        return _plain_text(label.text()) if label is not None and key in self._marks else ""

    def _set_marks(self, marks: dict[str, FieldMark]) -> None:
        if marks != self._marks:
            self._marks = marks
            self._show_marks()
            self.marksChanged.emit()

    def _follow_code(self, key: str) -> None:
        """A person typed in `key`: their own value replaces what the code said there; fields whose code
        follows others (steps = ceil(samples / batch)) are computed again from the values now typed."""
        if not self._marks:
            return
        owner = key.split("[", 1)[0]
        marks = {field: mark for field, mark in self._marks.items() if field != owner}
        following = {field: mark for field, mark in marks.items() if mark.formula}
        if following:
            from core.code_import import evaluate_relation

            values = self._integer_values()
            for field, mark in following.items():
                value = evaluate_relation(mark.formula, values)
                widget = self._fields[field]
                if value is not None and isinstance(widget, QLineEdit) and widget.text() != str(value):
                    widget.setText(str(value))
        self._set_marks(marks)

    def _integer_values(self) -> dict[str, int]:
        """The whole numbers the fields hold, by their dotted keys ("train.samples": 1000), for the code's formulas."""
        data = self.scenario_data()
        values: dict[str, int] = {}
        for where, part in (("", data), ("train.", data["train"]), ("validation.", data["validation"] or {})):
            for name, value in part.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    values[where + name] = value
        return values

    def _show_marks(self) -> None:
        """Each marked field tinted, with its mark in words below it: the line it came from (a link that
        shows the line), or what to fill in and what the plan assumes until then."""
        look = self.look
        for key in self._mark_labels.keys() | self._marks.keys():
            mark = self._marks.get(key)
            if mark is None:
                label = self._mark_labels[key]
                if not label.isHidden():
                    label.hide()
                    self._style_field(key)
                continue
            label = self._line_under(key, "mark")
            label.setText(self._mark_html(key, mark))
            label.setToolTip(_plain_text(label.text()))
            colour = look.alarm if mark.to_fill else look.muted
            label.setStyleSheet(f"color: {colour};")
            label.show()
            self._style_field(key)

    def _mark_html(self, key: str, mark: FieldMark) -> str:
        link = f"<a href='line:{mark.line}' style='color:{self.look.link}'>line {mark.line}</a>" if mark.line else ""
        if mark.formula:
            words = escape(self.formula_words(mark.formula))
            said = f"from your code, {link}: " if link else "your code computes it: "
            return f"{said}{words}, kept as you type"
        if mark.line:
            return f"from your code, {link}"
        assumed = f" (the plan assumes {escape(mark.assumed)} until then)" if mark.assumed else ""
        return f"<b>Fill in:</b> your code does not say{assumed}"

    def formula_words(self, formula: str) -> str:
        """A formula over dotted fields in the form's words: "ceil(training samples / batch size)"."""
        return _FORMULA_FIELD.sub(lambda found: self.field_words(found[0]), formula)

    def _style_field(self, key: str, at_fault: bool = False) -> None:
        """A field's outline: red when at fault, else tinted when imported code set it or left it to fill in."""
        widget = self._fields.get(key)
        if widget is None or isinstance(widget, PipelineEditor):
            return
        mark = self._marks.get(key)
        if at_fault:
            style = ERROR_STYLE
        elif mark is None:
            style = ""
        elif mark.to_fill:
            style = f"QLineEdit, QComboBox, QCheckBox {{ border: 2px dashed {self.look.trap_border}; border-radius: 3px; }}"
        else:
            tint = QColor(self.look.highlight)
            tint.setAlphaF(0.16)
            rgba = f"rgba({tint.red()}, {tint.green()}, {tint.blue()}, {tint.alphaF():.2f})"
            style = (
                f"QLineEdit, QComboBox, QCheckBox {{ border: 1px solid {self.look.highlight}; border-radius: 3px; }}"
                f" QLineEdit {{ background: {rgba}; }}"
            )
        if widget.styleSheet() != style:
            widget.setStyleSheet(style)

    @Slot(str)
    def _mark_link(self, target: str) -> None:
        kind, _, line = target.partition(":")
        if kind == "line" and line.isdigit():
            self.markLineActivated.emit(int(line))

    def _sides(self) -> tuple[_DataFields, _DataFields]:
        return (
            _DataFields(
                "train", self.samples, self.endless, self.source, self.use_pipeline,
                self.batch_size, self.drop_remainder, self.repeat, self.pipeline,
            ),
            _DataFields(
                "validation", self.val_samples, self.val_endless, self.val_source, self.val_use_pipeline,
                self.val_batch_size, self.val_drop_remainder, self.val_repeat, self.val_pipeline,
            ),
        )  # fmt: skip

    # ------------------------------------------------------------ scenario <-> widgets

    def set_scenario(self, scenario: Scenario) -> None:
        """Show a scenario (opened, or a preset) and emit it. The marks of imported code go, unless
        expect_marks named the ones this scenario comes with."""
        marks, self._next_marks = self._next_marks or {}, None
        self._set_marks(marks)
        self._filling = True
        try:
            train_side, validation_side = self._sides()
            _select(self.flavour, flavour_value(scenario.keras, scenario.backend))
            self.replicas.setText("" if scenario.replicas == 1 else str(scenario.replicas))
            train = scenario.train
            _show_data(train_side, train)
            self.shuffle.setChecked(train.shuffle)
            self.flow_shuffle.setChecked(train.flow_shuffle)
            self.epochs.setText(str(scenario.epochs))
            self.initial_epoch.setText(str(scenario.initial_epoch) if scenario.initial_epoch else "")
            self.steps_per_epoch.setText("" if scenario.steps_per_epoch is None else str(scenario.steps_per_epoch))
            self.steps_per_execution.setText(str(scenario.steps_per_execution))
            accumulation = scenario.gradient_accumulation_steps
            self.accumulation.setText("" if accumulation is None else str(accumulation))
            validation = scenario.validation
            self._validation_shuffle = isinstance(validation, ValidationSet) and validation.shuffle
            _select(self.validation_kind, _validation_kind(validation))
            self.split.setText(str(validation.split) if isinstance(validation, ValidationSplit) else "")
            _select(self.split_by, validation.split_by if isinstance(validation, ValidationSplit) else "fit")
            if isinstance(validation, ValidationSet):
                _show_data(validation_side, validation)
                _select(self.val_flow_shuffle, "true" if validation.flow_shuffle else "false")
            else:  # no validation set: clear what a previous scenario left in its fields
                _show_data(validation_side, None)
                flow = validation.flow_shuffle if isinstance(validation, ValidationSplit) else None
                _select(self.val_flow_shuffle, "same" if flow is None else "true" if flow else "false")
            batch = validation.batch_size if validation is not None else None
            if batch is not None or not (isinstance(validation, ValidationSet) and validation.pipeline is not None):
                self.val_batch_size.setText("" if batch is None else str(batch))
            steps = validation.steps if validation is not None else None
            self.val_steps.setText("" if steps is None else str(steps))
            self.val_freq.setText(freq_text(validation.freq) if validation is not None else "1")
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
            elif isinstance(widget, PipelineEditor):
                values[key] = widget.steps()
            elif isinstance(widget, QCheckBox):
                values[key] = widget.isChecked()
        if self._marks:
            values[MARKS_KEY] = tuple(sorted(self._marks.items(), key=lambda item: item[0]))
        return values

    def restore(self, snapshot: dict[str, object]) -> None:
        """Put back what snapshot() saw (undo and redo), and judge it as if it had been typed."""
        self._set_marks(dict(snapshot.get(MARKS_KEY, ())))  # type: ignore[call-overload]
        self._filling = True
        try:
            # Checkboxes and choices first: they decide which boxes are enabled.
            for key, value in sorted(snapshot.items(), key=lambda item: isinstance(item[1], str)):
                if key == MARKS_KEY:
                    continue
                widget = self._fields[key]
                if isinstance(widget, QLineEdit):
                    if widget.text() != value:
                        widget.setText(str(value))
                elif isinstance(widget, QComboBox):
                    _select(widget, str(value))
                elif isinstance(widget, PipelineEditor):
                    if widget.steps() != value:
                        widget.set_steps(list(value))  # type: ignore[call-overload]
                elif isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
            self._update_enabled()
        finally:
            self._filling = False
        self._shown = self.snapshot()
        self._judge()

    def scenario_data(self) -> dict[str, Any]:
        """The scenario JSON the fields describe (perhaps invalid: the checker decides)."""
        train_side, validation_side = self._sides()
        train = self._data(train_side)
        train["shuffle"] = self.shuffle.isChecked()
        if train["source"] == "image_data_generator":
            train["flow_shuffle"] = self.flow_shuffle.isChecked()
        data: dict[str, Any] = {
            "train": train,
            "epochs": parse_integer(self.epochs.text()),
            "steps_per_epoch": parse_integer(self.steps_per_epoch.text()),
            "steps_per_execution": parse_integer(self.steps_per_execution.text()),
            "validation": None,
        }
        # Left out at their defaults, as a file leaves them out.
        keras, backend = keras_and_backend(self.flavour.currentData())
        if keras != "3":
            data["keras"] = keras
        if backend != "tensorflow":
            data["backend"] = backend
        replicas = parse_integer(self.replicas.text()) if self.replicas.isEnabled() else None
        if replicas is not None and replicas != 1:
            data["replicas"] = replicas
        initial_epoch = parse_integer(self.initial_epoch.text())
        if initial_epoch is not None:
            data["initial_epoch"] = initial_epoch
        accumulation = parse_integer(self.accumulation.text())
        if accumulation is not None:
            data["gradient_accumulation_steps"] = accumulation
        kind = self.validation_kind.currentData()
        flow = self.val_flow_shuffle.currentData()
        if kind == "split":
            split_by = self.split_by.currentData()
            data["validation"] = {
                "split": parse_fraction(self.split.text()),
                "batch_size": parse_integer(self.val_batch_size.text()),
                "steps": parse_integer(self.val_steps.text()),
                "freq": parse_freq(self.val_freq.text()),
                "split_by": split_by,
            }
            if split_by == "image_data_generator" and flow != "same":
                data["validation"]["flow_shuffle"] = flow == "true"
        elif kind == "set":
            validation = self._data(validation_side)
            validation["steps"] = parse_integer(self.val_steps.text())
            validation["freq"] = parse_freq(self.val_freq.text())
            validation["shuffle"] = self._validation_shuffle
            if validation["source"] == "image_data_generator":
                training_flow = self.flow_shuffle.isChecked() if train["source"] == "image_data_generator" else True
                validation["flow_shuffle"] = training_flow if flow == "same" else flow == "true"
            data["validation"] = validation
        return data

    def _data(self, side: _DataFields) -> dict[str, Any]:
        """The training data or a validation set, as the fields describe it."""
        source = side.source.currentData()
        data: dict[str, Any] = {
            "samples": None if side.endless.isChecked() else parse_integer(side.samples.text()),
            "source": source,
        }
        if self._in_steps(side):
            data["pipeline"] = [pipeline_step_data(step) for step in side.pipeline.steps()]
            return data
        data["batch_size"] = parse_integer(side.batch_size.text())
        data["drop_remainder"] = side.drop_remainder.isChecked() and side.drop_remainder.isEnabled()
        data["repeat"] = side.repeat.currentData() if side.repeat.isEnabled() else "none"
        if side.where == "train" and source != "arrays" and data["batch_size"] is None:
            data["batch_size"] = 32  # a dataset, generator or PyDataset needs a batch size; the placeholder says 32
        return data

    @staticmethod
    def _in_steps(side: _DataFields) -> bool:
        """The data is a tf.data pipeline written step by step (not the plain .batch/.repeat fields)."""
        return side.source.currentData() == "dataset" and side.use_pipeline.isChecked()

    # ------------------------------------------------------------ edits

    @Slot()
    def _edited(self, *_args: object) -> None:
        """A person changed a field: report the edit (for undo), then judge the fields."""
        if self._filling:
            return
        sender = self.sender()
        self._record(sender.objectName() if isinstance(sender, QWidget) else "")

    def _record(self, key: str) -> None:
        """Report the edit of `key` (everything it changed is one step of the history) and judge the fields."""
        self._filling = True  # what _update_enabled changes belongs to this same edit
        try:
            self._follow_code(key)
            self._update_enabled()
        finally:
            self._filling = False
        after = self.snapshot()
        if after != self._shown:
            before, self._shown = self._shown, after
            self.fieldsEdited.emit(key, before, after)
        self._judge()

    @Slot(bool)
    def _pipeline_switched(self, steps_on: bool) -> None:
        """Between the plain .batch/.repeat fields and the steps: the same dataset either way."""
        if self._filling:
            return
        sender = self.sender()
        side = next(side for side in self._sides() if side.use_pipeline is sender)
        self._filling = True
        try:
            if steps_on:
                batch = side.batch_size.text().strip() or self._default_batch(side)
                drop = side.drop_remainder.isChecked() and side.drop_remainder.isEnabled()
                repeat = side.repeat.currentData() if side.repeat.isEnabled() else "none"
                side.pipeline.set_steps(steps_from_plain(batch, drop, repeat))
            else:
                plain = plain_from_steps(side.pipeline.steps())
                if plain is not None:  # the box is disabled when it is None
                    batch, drop, repeat = plain
                    side.batch_size.setText(batch)
                    side.drop_remainder.setChecked(drop)
                    _select(side.repeat, repeat)
                side.pipeline.set_steps([])
        finally:
            self._filling = False
        self._record(side.use_pipeline.objectName())

    def _default_batch(self, side: _DataFields) -> str:
        """What batches a dataset whose batch size box is empty: 32 for training; a validation set, the training batch."""
        if side.where == "validation" and not self._in_steps(self._sides()[0]):
            return self.batch_size.text().strip() or "32"
        return "32"

    @Slot(str)
    def _pipeline_edited(self, where: str) -> None:
        """A step added, removed, moved (where = ""), or an argument typed (where = "[2].size")."""
        if self._filling:
            return
        sender = self.sender()
        self._record(f"{sender.objectName()}{where}" if isinstance(sender, QWidget) else "")

    @Slot(str)
    def _ready_chosen(self, ready: str) -> None:
        """A ready pipeline replaces the steps; the take/skip split sets the validation set too. One step of the history."""
        sender = self.sender()
        train_side, validation_side = self._sides()
        side = validation_side if sender is self.val_pipeline else train_side
        batch = _first_batch(side.pipeline.steps()) or self._default_batch(side)
        samples = parse_integer(self.samples.text())
        self._filling = True
        try:
            if ready == "take_skip":
                taken = samples * 4 // 5 if isinstance(samples, int) and samples > 1 else 1000
                _select(self.source, "dataset")  # chosen under the validation set, training becomes the take side too
                self.use_pipeline.setChecked(True)
                self.pipeline.set_steps(ready_steps("take", batch, taken))
                _select(self.validation_kind, "set")
                _select(self.val_source, "dataset")
                self.val_use_pipeline.setChecked(True)
                self.val_endless.setChecked(self.endless.isChecked())
                self.val_samples.setText(self.samples.text())
                self.val_pipeline.set_steps(ready_steps("skip", batch, taken))
                side = train_side
            else:
                side.pipeline.set_steps(ready_steps(ready, batch))
        finally:
            self._filling = False
        self._record(side.pipeline.objectName())

    # ------------------------------------------------------------ checking

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
                return "validation.freq", "Enter how often to validate (1 = after every epoch), or the epochs: 2, 5."
        for where, data_of in (("train", data["train"]), ("validation", validation or {})):
            steps = data_of.get("pipeline")
            if steps is not None and not any(step["op"] == "batch" for step in steps):
                return f"{where}.pipeline", NO_BATCH_STEP
        return None

    def _show_problem(self, field: str, message: str) -> None:
        # Said in the form's words ("Batch size: ..."), not the file's keys ("train.batch_size: ...").
        self.problem = f"{_capitalized(self.field_words(field))}: {message}" if field else ""
        owner = field.split("[", 1)[0]  # "train.pipeline[2].size": the pipeline's box holds the step
        owner = "keras" if owner == "backend" else owner  # one chooser says both
        for key in self._rows:
            at_fault = bool(field) and (key == owner or (owner.startswith(key + ".") and key not in self._fields))
            widget = self._fields.get(key)
            if at_fault:
                label = self._line_under(key, "error")
                label.setText(message)
                label.show()
            elif key in self._errors:
                self._errors[key].hide()
            if isinstance(widget, PipelineEditor):
                widget.show_fault(field[len(key) :] if at_fault else None, ERROR_STYLE)
            elif widget is not None:
                self._style_field(key, at_fault)
        if field and owner not in self._rows:
            # A field the form has no box for (should not happen): say it under the samples.
            label = self._line_under("train.samples", "error")
            label.setText(f"{field}: {message}")
            label.show()
        self.problemChanged.emit(self.problem)

    def _update_enabled(self) -> None:
        self._update_flavour()
        train_side, validation_side = self._sides()
        source = self.source.currentData()
        self._update_data(train_side, own=True, why_not_own="")
        _enable(self.shuffle, True, "")
        self.shuffle.setToolTip(f"{SHUFFLE_DOES[source]}\n\n{FIELD_HELP['train.shuffle']}")
        self._show_row("train.flow_shuffle", source == "image_data_generator")
        self.batch_size.setPlaceholderText("auto (32, or samples / steps)" if source == "arrays" else "32")

        split_item = self.validation_kind.model().item(1)
        kind = self.validation_kind.currentData()
        can_split = source in ("arrays", "dataset", "image_data_generator")
        split_item.setEnabled(can_split or kind == "split")
        split_item.setToolTip("" if can_split else WHY_SPLIT_ARRAYS)
        has_validation = kind != "none"
        own = kind == "set"
        _enable(
            self.split, kind == "split", WHY_NO_VALIDATION if not has_validation else "validation_data brings its own samples."
        )
        _enable(self.split_by, kind == "split", WHY_SPLIT_BY)
        split_by = self.split_by.currentData()
        for value, allowed, why in (
            ("directory", source == "dataset" and not self._in_steps(train_side), WHY_SPLIT_DIRECTORY),
            ("image_data_generator", source == "image_data_generator", WHY_SPLIT_FLOW),
        ):
            item = self.split_by.model().item(self.split_by.findData(value))
            item.setEnabled(allowed or split_by == value)
            item.setToolTip("" if allowed else why)
        for widget in (self.val_batch_size, self.val_steps, self.val_freq):
            _enable(widget, has_validation, WHY_NO_VALIDATION)
        self._update_data(validation_side, own=own, why_not_own=WHY_SPLIT_OWN if kind == "split" else WHY_NO_VALIDATION)
        val_source = self.val_source.currentData()
        flows = (kind == "split" and split_by == "image_data_generator") or (own and val_source == "image_data_generator")
        self._show_row("validation.flow_shuffle", flows)
        self.val_batch_size.setPlaceholderText(
            "32 (training is a pipeline)" if self._in_steps(train_side) else "training batch size"
        )

    def _update_flavour(self) -> None:
        """Devices only on TensorFlow; the quiet line says whether the chosen flavour can run for real here."""
        value = self.flavour.currentData() or DEFAULT_FLAVOUR
        _enable(self.replicas, runs_on_tensorflow(value), WHY_ONE_DEVICE)
        self.replicas.setPlaceholderText("1 (no MirroredStrategy)" if runs_on_tensorflow(value) else "1: TensorFlow only")
        installed = None if self._installed is None else self._installed.get(value)
        replicas = parse_integer(self.replicas.text()) if self.replicas.isEnabled() else 1
        flavour = Flavour(*keras_and_backend(value), replicas if isinstance(replicas, int) and replicas > 0 else 1)
        words = installed_words(flavour, installed)
        self.installed_note.setText(words)
        self.installed_note.setVisible(bool(words))

    def check_installed(self) -> None:
        """Mark the flavours that are not installed here (found without importing them); asked after the first paint."""
        self._installed = installed_flavours()
        for index in range(self.flavour.count()):
            value = self.flavour.itemData(index)
            installed = self._installed.get(value)
            self.flavour.setItemText(index, choice_words(value, installed))
            self.flavour.setItemData(index, choice_tooltip(value, installed), Qt.ItemDataRole.ToolTipRole)
        self._update_flavour()

    def _update_data(self, side: _DataFields, own: bool, why_not_own: str) -> None:
        """Which fields of the training data (or of a validation set) apply to its source, and why not."""
        source = side.source.currentData()
        words = SOURCE_WORDS[source]
        stream = side.endless.isChecked()
        has_length = source in ("arrays", "image_data_generator")
        _enable(side.samples, own and not stream, why_not_own or WHY_STREAM_HAS_NO_COUNT)
        if has_length and stream:
            side.endless.setChecked(False)
            stream = False
        _enable(
            side.endless,
            own and not has_length,
            why_not_own or (WHY_ARRAYS_HAVE_LENGTH if source == "arrays" else WHY_FLOW_HAS_LENGTH),
        )
        _enable(side.source, own, why_not_own)
        dataset = source == "dataset"
        in_steps = self._in_steps(side)
        plain = plain_from_steps(side.pipeline.steps()) if in_steps else ("", False, "none")
        cannot_say = WHY_PLAIN_CANNOT_SAY.format(steps=", ".join(steps_only_the_editor_says(side.pipeline.steps())))
        _enable(side.use_pipeline, own and plain is not None, why_not_own or cannot_say)
        self._show_row(side.use_pipeline.objectName(), dataset and own)
        self._show_row(side.pipeline.objectName(), in_steps and own)
        for widget in (side.batch_size, side.drop_remainder, side.repeat):
            self._show_row(widget.objectName(), not (in_steps and own))
        _word_repeats(side.repeat, source)
        repeatable = source in ("dataset", "generator")
        why_no_repeat = (
            WHY_ARRAYS_NO_REPEAT if source == "arrays" else WHY_STREAM if repeatable else WHY_NO_REPEAT.format(source=words)
        )
        _enable(side.repeat, own and repeatable and not stream, why_not_own or why_no_repeat)
        before_batch = side.repeat.currentData() == "before_batch" and side.repeat.isEnabled()
        droppable = source in ("dataset", "generator", "pydataset")
        why_no_drop = (
            WHY_ARRAYS_NO_DROP if source == "arrays"
            else WHY_FLOW_NO_DROP if not droppable
            else WHY_STREAM if stream
            else WHY_BEFORE_BATCH_FULL
        )  # fmt: skip
        _enable(side.drop_remainder, own and droppable and not stream and not before_batch, why_not_own or why_no_drop)

    def is_typed(self, key: str) -> bool:
        """A box a person types into (its consecutive edits are one step of the history)."""
        if isinstance(self._fields.get(key), QLineEdit):
            return True
        step = _STEP_ARGUMENT.fullmatch(key)
        if step is None or not isinstance(editor := self._fields.get(step["owner"]), PipelineEditor):
            return False
        steps = editor.steps()
        index = int(step["index"])
        return index < len(steps) and isinstance(steps[index].get(step["argument"]), str)

    def field_words(self, key: str) -> str:
        """A field as the form names it: "batch size", "training pipeline, step 3"."""
        owner, _, rest = key.partition("[")
        if rest and owner in FIELD_NAMES:
            return f"{FIELD_NAMES[owner]}, step {int(rest.split(']')[0]) + 1}"
        return FIELD_NAMES.get(key, key or "the form")

    def field_widget(self, key: str) -> QWidget:
        return self._fields[key]

    def error_text(self, key: str) -> str:
        label = self._errors.get(key)
        return label.text() if label is not None and not label.isHidden() else ""


_STEP_ARGUMENT = re.compile(r"(?P<owner>[a-z_.]+)\[(?P<index>\d+)\]\.(?P<argument>\w+)")

SOURCE_WORDS = {
    "arrays": "NumPy arrays",
    "dataset": "A tf.data pipeline",
    "generator": "A Python generator",
    "pydataset": "A PyDataset",
    "image_data_generator": "An ImageDataGenerator flow",
}


@dataclass(frozen=True)
class _DataFields:
    """The boxes of one body of data: the training data, or a validation set."""

    where: str  # "train" or "validation"
    samples: QLineEdit
    endless: QCheckBox
    source: QComboBox
    use_pipeline: QCheckBox
    batch_size: QLineEdit
    drop_remainder: QCheckBox
    repeat: QComboBox
    pipeline: PipelineEditor


def _show_data(side: _DataFields, spec: DataSpec | None) -> None:
    """Put a DataSpec in its boxes (None clears them); the caller holds the form's filling flag."""
    if spec is None:
        side.endless.setChecked(False)
        side.samples.setText("")
        _select(side.source, "arrays")
        side.use_pipeline.setChecked(False)
        side.drop_remainder.setChecked(False)
        _select(side.repeat, "none")
        side.pipeline.set_steps([])
        return
    side.endless.setChecked(spec.samples is None)
    side.samples.setText("" if spec.samples is None else str(spec.samples))
    _select(side.source, spec.source)
    side.use_pipeline.setChecked(spec.pipeline is not None)
    if spec.pipeline is not None:
        steps = typed_steps(spec.pipeline)
        side.pipeline.set_steps(steps)
        # The plain fields say the same when they can, so switching back keeps the meaning; otherwise
        # they hold the first batch size, for a change of source.
        batch, drop, repeat = plain_from_steps(steps) or (_first_batch(steps), False, "none")
        side.batch_size.setText(batch)
        side.drop_remainder.setChecked(drop)
        _select(side.repeat, repeat)
        return
    side.pipeline.set_steps([])
    if side.where == "train":
        side.batch_size.setText("" if spec.batch_size is None else str(spec.batch_size))
    side.drop_remainder.setChecked(spec.drop_remainder)
    _select(side.repeat, spec.repeat)


def pipeline_step_data(step: Step) -> dict[str, Any]:
    """A step as typed, as the format's object (numbers parsed; the checker names what is wrong)."""
    return {key: value if isinstance(value, bool) or key == "op" else parse_integer(str(value)) for key, value in step.items()}


def ready_steps(ready: str, batch: str, count: int = 0) -> list[Step]:
    """The steps of a ready pipeline (READY_PIPELINES), batched by `batch`; take/skip keep or leave out `count`."""
    batched = {"op": "batch", "size": batch, "drop_remainder": False}
    forever = {"op": "repeat", "count": ""}
    chains: dict[str, list[Step]] = {
        "batch": [batched],
        "shuffle_batch_prefetch": [
            {"op": "shuffle", "buffer_size": "1000", "reshuffle_each_iteration": True},
            batched,
            {"op": "prefetch"},
        ],
        "batch_repeat": [batched, forever],
        "repeat_batch": [forever, batched],
        "filter_batch": [{"op": "filter", "keep_every": "2"}, batched],
        "take": [{"op": "take", "count": str(count)}, batched],
        "skip": [{"op": "skip", "count": str(count)}, batched],
    }
    return [dict(step) for step in chains[ready]]


def _first_batch(steps: list[Step]) -> str:
    """The size of the first batch step, as typed ("" when there is none)."""
    return next((str(step["size"]).strip() for step in steps if step["op"] == "batch"), "")


def parse_freq(text: str) -> Any:
    """validation_freq as typed: "2" every 2nd epoch; "2, 3, 5" or "[5]" after those epochs; else handed on as text."""
    cleaned = text.strip()
    if not cleaned:
        return None
    listed = cleaned.startswith("[") or "," in cleaned
    if not listed:
        return parse_integer(cleaned)
    items = [item for item in re.split(r"[,\s]+", cleaned.strip("[]").strip()) if item]
    if all(_INTEGER.fullmatch(item) and len(item) < 40 for item in items):
        return [int(item) for item in items]
    return cleaned


def freq_text(freq: int | tuple[int, ...]) -> str:
    """validation_freq as the box shows it: 3, or "2, 3, 5", or "[5]" (a list of one epoch, not every 5th)."""
    if isinstance(freq, tuple):
        return f"[{freq[0]}]" if len(freq) == 1 else ", ".join(str(number) for number in freq)
    return str(freq)


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


class _LeaveToTheWindow(QObject):
    """Ctrl+Z in a number box undoes through the window's history (every field, trap and preset),
    not the box's own, so one key always means one thing. A file dropped on a box is for the window
    too (code to import, a scenario to open), not its path as text in the box. A box marked with a line
    of imported code says so when it gets the focus, so the code can show that line."""

    def __init__(self, form: ScenarioForm):
        super().__init__(form)
        self.form = form

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and self.form._marks:
            mark = self.form._marks.get(watched.objectName())
            if mark is not None and mark.line:
                self.form.markedFieldFocused.emit(mark.line)
        if isinstance(event, QDropEvent):  # drag enter and move are drop events too
            mime = event.mimeData()
            if mime is not None and mime.hasUrls() and any(url.isLocalFile() for url in mime.urls()):
                event.ignore()  # not taken by the box: Qt offers it to the boxes' parents, up to the window
                return True
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo):
                event.ignore()  # not taken by the box: the window's Undo/Redo shortcut fires
                return True
            if event.keyCombination().toCombined() == QKeySequence("Ctrl+Shift+Z")[0].toCombined():
                event.ignore()
                return True
        return False


def _plain_text(rich: str) -> str:
    """A mark's words without their markup (its tooltip, and what tests read)."""
    from PySide6.QtGui import QTextDocumentFragment

    return QTextDocumentFragment.fromHtml(rich).toPlainText()
