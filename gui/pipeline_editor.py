"""The tf.data pipeline editor: a dataset's chain of steps, added, removed, reordered, each step's
arguments typed in place.

The editor holds the steps as typed (numbers as text, so a half-typed or wrong value is kept
exactly for undo and for the red mark); the form turns them into the scenario's ``pipeline``
and lets ``core.scenario`` judge them. The editor only reports edits: ``edited("")`` when the
steps themselves change (added, removed, moved), ``edited("[2].size")`` while a person types in
step 3's size (consecutive typing in one box is one step of the window's history).

Keys, wherever the focus is inside a step: Alt+Up and Alt+Down move that step, Alt+Delete
removes it. A step dragged by its name is dropped where the pointer lets go.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QMimeData, QObject, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

# What each op does to what Keras sees, in one line: the Add menu's tooltips and each step's label.
OP_WORDS = {
    "batch": ".batch(B): groups the elements into batches of B; Keras trains on these batches.",
    "repeat": ".repeat(n): n passes over the data, one after the other; empty = .repeat(), endless.",
    "take": ".take(n): only the first n elements; Keras still knows the length.",
    "skip": ".skip(n): all but the first n elements; Keras still knows the length.",
    "shard": ".shard(n, i): every n-th element, starting from the i-th (0-based).",
    "filter": ".filter(...): keeps every k-th element; TensorFlow no longer knows the length, Keras warns every epoch.",
    "unbatch": ".unbatch(): single elements again; TensorFlow no longer knows the length.",
    "rebatch": ".rebatch(B): new batches of B; TensorFlow no longer knows the length.",
    "shuffle": ".shuffle(buffer): order only; after .batch(), the order of the batches; which samples a batch holds is unknown.",
    "assert_cardinality": "assert_cardinality(n): TensorFlow takes the length as n; a wrong n makes fit fail.",
    "cache": ".cache(): nothing Keras counts; kept so the pipeline is written down whole.",
    "prefetch": ".prefetch(AUTOTUNE): nothing Keras counts; kept so the pipeline is written down whole.",
    "map": ".map(f): nothing Keras counts; kept so the pipeline is written down whole.",
}

# Each op's arguments in the editor: (key, label, placeholder, value of a new step).
# A text value is a number as typed ("" = empty); a bool value is a checkbox.
OP_ARGUMENTS: dict[str, tuple[tuple[str, str, str, Any], ...]] = {
    "batch": (("size", "size", "B", "32"), ("drop_remainder", "drop short", "", False)),
    "repeat": (("count", "times", "forever", ""),),
    "take": (("count", "n", "n", "100"),),
    "skip": (("count", "n", "n", "100"),),
    "shard": (("num_shards", "shards", "n", "2"), ("index", "index", "i", "0")),
    "filter": (("keep_every", "keep every", "k", "2"),),
    "unbatch": (),
    "rebatch": (("size", "size", "B", "32"), ("drop_remainder", "drop short", "", False)),
    "shuffle": (("buffer_size", "buffer", "n", "1000"), ("reshuffle_each_iteration", "reshuffle", "", True)),
    "assert_cardinality": (("count", "n", "n", ""),),
    "cache": (),
    "prefetch": (),
    "map": (),
}

# Each argument in words, for its tooltip: what it is in tf.data.
ARGUMENT_WORDS = {
    ("batch", "size"): ".batch(B): samples per batch.",
    ("batch", "drop_remainder"): ".batch(B, drop_remainder=True): the short last batch is left out.",
    ("repeat", "count"): ".repeat(n): how many passes; empty = .repeat() with no count, forever.",
    ("take", "count"): ".take(n): how many elements to keep from the start.",
    ("skip", "count"): ".skip(n): how many elements to leave out at the start.",
    ("shard", "num_shards"): ".shard(num_shards, index): keep one element in num_shards.",
    ("shard", "index"): ".shard(num_shards, index): which one, counting from 0; below num_shards.",
    ("filter", "keep_every"): "The filter keeps the elements whose position is a multiple of k (k = 2 keeps half).",
    ("rebatch", "size"): ".rebatch(B): samples per new batch.",
    ("rebatch", "drop_remainder"): ".rebatch(B, drop_remainder=True): the short last batch is left out.",
    ("shuffle", "buffer_size"): ".shuffle(buffer_size): how many elements the shuffle draws from.",
    ("shuffle", "reshuffle_each_iteration"): ".shuffle(..., reshuffle_each_iteration=True): a new order every pass.",
    ("assert_cardinality", "count"): "assert_cardinality(n): the length TensorFlow is told.",
}

# The red of a field at fault (the form's ERROR_STYLE): a whole pipeline at fault gets it as its border.
FAULT_COLOUR = "#D55E00"

KEYS_HELP = "Alt+Up / Alt+Down move the step you are in; Alt+Delete removes it."

# Ready pipelines to start from: (key, menu words, tooltip). The form builds them (it knows the
# samples and the batch size); "take_skip" also sets the validation set.
READY_PIPELINES = (
    ("batch", "batch", "from_tensor_slices(...).batch(B): one pass in batches of B."),
    ("shuffle_batch_prefetch", "shuffle → batch → prefetch", "The usual training chain: a new sample order every pass."),
    ("batch_repeat", "batch → repeat", ".batch(B).repeat(): each pass batched, short batch included, forever."),
    ("repeat_batch", "repeat → batch", ".repeat().batch(B): full batches across pass boundaries, forever."),
    ("filter_batch", "filter → batch", ".filter(...).batch(B): the length becomes unknown to Keras."),
    (
        "take_skip",
        "take / skip split (training and validation)",
        "One dataset split in two: training is .take(n), the validation set .skip(n) of the same samples.",
    ),
)

Step = dict[str, Any]  # {"op": "batch", "size": "32", "drop_remainder": False}: a step as typed


def new_step(op: str) -> Step:
    """A step as the Add menu makes it: the op with its usual arguments filled in."""
    step: Step = {"op": op}
    for key, _label, _placeholder, value in OP_ARGUMENTS[op]:
        step[key] = value
    return step


def typed_steps(pipeline: tuple[Any, ...]) -> list[Step]:
    """A scenario's pipeline (PipelineStep objects) as the editor shows it."""
    steps = []
    for step in pipeline:
        typed: Step = {"op": step.op}
        for key, _label, _placeholder, value in OP_ARGUMENTS[step.op]:
            given = getattr(step, key)
            typed[key] = bool(given) if isinstance(value, bool) else ("" if given is None else str(given))
        steps.append(typed)
    return steps


# Steps that change nothing Keras counts: going back to the plain fields may leave them out.
NOTHING_COUNTED = ("cache", "prefetch", "map")


def steps_from_plain(batch_size: str, drop_remainder: bool, repeat: str) -> list[Step]:
    """The plain dataset fields as the pipeline that means the same (scenario-format.md, `repeat`)."""
    batch = {"op": "batch", "size": batch_size.strip() or "32", "drop_remainder": drop_remainder}
    forever = {"op": "repeat", "count": ""}
    if repeat == "before_batch":
        return [forever, batch]
    if repeat == "after_batch":
        return [batch, forever]
    return [batch]


def plain_from_steps(steps: list[Step]) -> tuple[str, bool, str] | None:
    """(batch size, drop_remainder, repeat) when the plain fields can say what the steps say, else None."""
    counted = [step for step in steps if step["op"] not in NOTHING_COUNTED]
    ops = [step["op"] for step in counted]
    forever = [step for step in counted if step["op"] == "repeat"]
    if any(str(step["count"]).strip() for step in forever):
        return None  # .repeat(n) has no plain field
    shapes = {("batch",): "none", ("repeat", "batch"): "before_batch", ("batch", "repeat"): "after_batch"}
    repeat = shapes.get(tuple(ops))
    if repeat is None:
        return None
    batch = next(step for step in counted if step["op"] == "batch")
    return str(batch["size"]), bool(batch["drop_remainder"]), repeat


def steps_only_the_editor_says(steps: list[Step]) -> list[str]:
    """The ops of these steps the plain fields have no words for (for the reason a switch is refused)."""
    said = []
    for step in steps:
        op = step["op"]
        if op in NOTHING_COUNTED or (op == "batch" and op not in said):
            continue
        if op == "repeat" and not str(step["count"]).strip() and "repeat" not in said:
            continue
        label = op if op != "repeat" else f"repeat({step['count']})" if str(step["count"]).strip() else "a second repeat"
        if label not in said:
            said.append(label)
    return said or ["this order of steps"]


class _StepRow(QFrame):
    """One step: its number and op, its arguments in place, and buttons to move or remove it."""

    def __init__(self, editor: PipelineEditor, index: int, step: Step, last: bool, key_filter: QObject | None):
        super().__init__()
        self.setObjectName("step")
        self.editor = editor
        self._pressed_at: QPoint | None = None  # where a drag by the step's name may start
        # A click anywhere in the row makes it the step the keys move; a step with no arguments is a Tab stop itself.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if not OP_ARGUMENTS[step["op"]] else Qt.FocusPolicy.ClickFocus)
        self.index = index
        self.arguments: dict[str, QWidget] = {}
        op = step["op"]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 1, 1, 1)
        layout.setSpacing(4)
        name = QLabel(f"{index + 1}  .{op}")
        name.setObjectName("op")
        name.setToolTip(f"{OP_WORDS[op]}\n\n{KEYS_HELP} Or drag the step by its name.")
        name.setCursor(Qt.CursorShape.OpenHandCursor)
        layout.addWidget(name)
        for key, label, placeholder, _value in OP_ARGUMENTS[op]:
            words = ARGUMENT_WORDS[(op, key)]
            value = step[key]
            if isinstance(value, bool):
                box = QCheckBox(label)
                box.setObjectName(key)
                box.setChecked(value)
                box.setToolTip(words)
                box.toggled.connect(lambda checked, k=key: editor._argument_changed(index, k, bool(checked)))
                layout.addWidget(box)
                self.arguments[key] = box
            else:
                title = QLabel(label)
                title.setToolTip(words)
                edit = QLineEdit(str(value))
                edit.setObjectName(key)
                edit.setPlaceholderText(placeholder)
                edit.setToolTip(words)
                edit.setMaximumWidth(edit.fontMetrics().horizontalAdvance("0000000") + 12)
                edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("000") + 12)
                edit.textEdited.connect(lambda text, k=key: editor._argument_changed(index, k, text))
                edit.setAcceptDrops(False)  # a step dropped on a box moves the step; no text is dropped into numbers
                if key_filter is not None:
                    edit.installEventFilter(key_filter)
                layout.addWidget(title)
                layout.addWidget(edit, 1)
                self.arguments[key] = edit
        layout.addStretch(0)
        self.up = self._button(Qt.ArrowType.UpArrow, "Move this step up (Alt+Up)", lambda: editor.move(index, -1))
        self.down = self._button(Qt.ArrowType.DownArrow, "Move this step down (Alt+Down)", lambda: editor.move(index, 1))
        self.remove = self._button(None, "Remove this step (Alt+Delete)", lambda: editor.remove(index))
        self.remove.setText("✕")
        self.up.setEnabled(index > 0)
        self.down.setEnabled(not last)
        for button in (self.up, self.down, self.remove):
            layout.addWidget(button)

    def _button(self, arrow: Qt.ArrowType | None, words: str, clicked) -> QToolButton:
        button = QToolButton()
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Alt+Up, Alt+Down and Alt+Delete do these from the keyboard
        if arrow is not None:
            button.setArrowType(arrow)
        button.setToolTip(words)
        button.setObjectName(words.split(" (")[0].split()[0].lower())  # "move" / "remove"
        button.clicked.connect(lambda _checked=False: clicked())
        return button

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed_at = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Dragging the step (by its name or the row's free space) moves it to where it is dropped."""
        pressed_at = self._pressed_at
        held = pressed_at is not None and bool(event.buttons() & Qt.MouseButton.LeftButton)
        if held and (event.position().toPoint() - pressed_at).manhattanLength() >= QApplication.startDragDistance():
            self._pressed_at = None
            self.editor.drag(self, pressed_at)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._pressed_at = None
        super().mouseReleaseEvent(event)

    def tab_stops(self) -> list[QWidget]:
        """What Tab visits in this row, in order: its arguments, or the row itself when it has none."""
        return list(self.arguments.values()) or [self]

    def first_field(self) -> QWidget:
        """Where the focus goes when this step is chosen: its first argument, else the row itself."""
        return next(iter(self.arguments.values()), self)


STEP_MIME = "application/x-epochscope-pipeline-step"  # a dragged step: its 0-based index, in this editor only


class _StepList(QFrame):
    """The frame around the steps: a step dragged within it is dropped where the pointer is."""

    def __init__(self, editor: PipelineEditor):
        super().__init__()
        self.editor = editor
        self.setAcceptDrops(True)

    def _own_step(self, event: QDropEvent | QDragMoveEvent | QDragEnterEvent) -> int | None:
        source = event.source()
        if not event.mimeData().hasFormat(STEP_MIME) or not isinstance(source, _StepRow) or source.editor is not self.editor:
            return None
        return source.index

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._own_step(event) is not None:
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._own_step(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        index = self._own_step(event)
        if index is None:
            return
        event.acceptProposedAction()
        self.editor.drop(index, event.position().toPoint().y())


class PipelineEditor(QFrame):
    """The steps of one tf.data pipeline (training or validation)."""

    edited = Signal(str)  # "" when steps were added, removed or moved; "[i].key" while typing in an argument
    readyChosen = Signal(str)  # the key of a ready pipeline (READY_PIPELINES) a person chose

    def __init__(self, key: str, key_filter: QObject | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(key)
        self._steps: list[Step] = []
        self._rows: list[_StepRow] = []
        self._current: int | None = None  # the step the keys act on: the one the focus was last in
        self._key_filter = key_filter
        self._fault = ""  # where the form's checker found a problem ("", "[2]", "[2].size")
        self._fault_style = ""
        self.highlight = "#3A93CF"

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.list = _StepList(self)
        self.list.setObjectName("steps")
        self.list.setFrameShape(QFrame.Shape.StyledPanel)
        self.rows = QVBoxLayout(self.list)
        self.rows.setContentsMargins(2, 2, 2, 2)
        self.rows.setSpacing(1)
        self.empty = QLabel("No steps yet: add one, or start from a ready pipeline.")
        self.empty.setWordWrap(True)
        self.rows.addWidget(self.empty)
        column.addWidget(self.list)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        self.add_button = QToolButton()
        self.add_button.setObjectName("add_step")
        self.add_button.setText("Add step")
        self.add_button.setToolTip(f"Add a tf.data step after the step you are in (or at the end).\n{KEYS_HELP}")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QMenu(self.add_button)
        self.add_menu.setToolTipsVisible(True)
        for op, words in OP_WORDS.items():
            action = self.add_menu.addAction(op)
            action.setObjectName(op)
            action.setToolTip(words)
            action.triggered.connect(lambda _checked=False, o=op: self.add(o))
        self.add_button.setMenu(self.add_menu)
        self.ready_button = QToolButton()
        self.ready_button.setObjectName("ready_pipelines")
        self.ready_button.setText("Start from")
        self.ready_button.setToolTip("Replace the steps with a ready pipeline (Undo brings yours back).")
        self.ready_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.ready_menu = QMenu(self.ready_button)
        self.ready_menu.setToolTipsVisible(True)
        for ready, words, tip in READY_PIPELINES:
            action = self.ready_menu.addAction(words)
            action.setObjectName(ready)
            action.setToolTip(tip)
            action.triggered.connect(lambda _checked=False, r=ready: self.readyChosen.emit(r))
        self.ready_button.setMenu(self.ready_menu)
        for button in (self.add_button, self.ready_button):
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.keys_hint = QLabel("Alt+↑/↓ moves, Alt+Del removes")
        self.keys_hint.setObjectName("keys_hint")
        self.keys_hint.setToolTip(KEYS_HELP)
        buttons.addWidget(self.keys_hint)
        column.addLayout(buttons)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    # ------------------------------------------------------------ the steps

    def steps(self) -> list[Step]:
        """The steps as typed (a copy: a snapshot for undo)."""
        return [dict(step) for step in self._steps]

    def set_steps(self, steps: list[Step]) -> None:
        """Show these steps (a scenario opened, undo, a switch from the plain fields); reports nothing."""
        self._steps = [dict(step) for step in steps]
        if self._current is not None and self._current >= len(self._steps):
            self._current = len(self._steps) - 1 if self._steps else None
        self._rebuild()

    def row(self, index: int) -> _StepRow:
        return self._rows[index]

    @property
    def current(self) -> int | None:
        return self._current

    def add(self, op: str) -> None:
        """Add a step after the current one (or at the end), and put the focus in it."""
        at = len(self._steps) if self._current is None else self._current + 1
        self._steps.insert(at, new_step(op))
        self._changed(at)

    def remove(self, index: int) -> None:
        if not 0 <= index < len(self._steps):
            return
        del self._steps[index]
        self._changed(min(index, len(self._steps) - 1) if self._steps else None)

    def move(self, index: int, by: int) -> None:
        """Move a step up (by = -1) or down (+1); the focus goes with it."""
        to = index + by
        if not (0 <= index < len(self._steps) and 0 <= to < len(self._steps)):
            return
        self._steps[index], self._steps[to] = self._steps[to], self._steps[index]
        self._changed(to)

    def drag(self, row: _StepRow, hot_spot: QPoint) -> None:
        """Start dragging a step; _StepList.dropEvent moves it (nothing changes if it is dropped elsewhere)."""
        data = QMimeData()
        data.setData(STEP_MIME, QByteArray(str(row.index).encode()))
        drag = QDrag(row)
        drag.setMimeData(data)
        drag.setPixmap(row.grab())
        drag.setHotSpot(hot_spot)
        drag.exec(Qt.DropAction.MoveAction)

    def drop(self, index: int, y: int) -> None:
        """A step dropped at height y of the list goes before the first step whose middle is below y."""
        if not 0 <= index < len(self._steps):
            return
        to = sum(1 for row in self._rows if row.geometry().center().y() < y)
        to = to - 1 if to > index else to
        if to == index:
            return
        self._steps.insert(to, self._steps.pop(index))
        self._changed(to)

    def _changed(self, focus: int | None) -> None:
        self._current = focus
        self._rebuild()
        if focus is not None:
            self._rows[focus].first_field().setFocus(Qt.FocusReason.OtherFocusReason)
        self.edited.emit("")

    def _argument_changed(self, index: int, key: str, value: object) -> None:
        self._steps[index][key] = value
        self._current = index
        self._paint_rows()
        self.edited.emit(f"[{index}].{key}")

    # ------------------------------------------------------------ keys and focus

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Alt+Up, Alt+Down and Alt+Delete on the step the focus is in (its boxes pass these keys on)."""
        alt_only = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier == Qt.KeyboardModifier.AltModifier
        if alt_only and self._current is not None:
            if event.key() == Qt.Key.Key_Up:
                self.move(self._current, -1)
                return
            if event.key() == Qt.Key.Key_Down:
                self.move(self._current, 1)
                return
            if event.key() == Qt.Key.Key_Delete:  # not Alt+Backspace: some desktops' Undo
                self.remove(self._current)
                return
        super().keyPressEvent(event)

    @Slot(QWidget, QWidget)
    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            return
        for row in self._rows:
            if row is new or row.isAncestorOf(new):
                if self._current != row.index:
                    self._current = row.index
                    self._paint_rows()
                return

    # ------------------------------------------------------------ drawing

    def _rebuild(self) -> None:
        for row in self._rows:
            row.hide()
            row.setParent(None)
            row.deleteLater()
        self._rows = [
            _StepRow(self, index, step, index == len(self._steps) - 1, self._key_filter) for index, step in enumerate(self._steps)
        ]
        for row in self._rows:
            self.rows.addWidget(row)
        # New rows join the end of the window's Tab chain: put their boxes back before Add step, in order,
        # after the last box before the editor (Qt orders from a widget that takes the focus).
        before = self.previousInFocusChain()
        while before is not self and before.focusPolicy() & Qt.FocusPolicy.TabFocus != Qt.FocusPolicy.TabFocus:
            before = before.previousInFocusChain()
        stops = [stop for row in self._rows for stop in row.tab_stops()]
        for stop in [*stops, self.add_button, self.ready_button] if before is not self else []:
            QWidget.setTabOrder(before, stop)
            before = stop
        self.empty.setVisible(not self._rows)
        self._paint_rows()
        self._paint_fault()

    def _paint_rows(self) -> None:
        for row in self._rows:
            current = row.index == self._current
            border = f"2px solid {self.highlight}" if current else "1px solid transparent"
            fault = self._fault == f"[{row.index}]"
            row.setStyleSheet(
                f"QFrame#step {{ border: {f'2px solid {FAULT_COLOUR}' if fault else border}; border-radius: 3px; }}"
            )

    def set_colours(self, highlight: str, muted: str) -> None:
        self.highlight = highlight
        self.keys_hint.setStyleSheet(f"color: {muted};")
        self._paint_rows()
        self._paint_fault()

    def show_fault(self, where: str | None, style: str = "") -> None:
        """Mark where the checker found a problem: "" the whole pipeline, "[i]" a step, "[i].key" an
        argument; None clears the mark."""
        self._fault = "none" if where is None else where
        self._fault_style = style
        self._paint_rows()
        self._paint_fault()

    def fault_widget(self) -> QWidget | None:
        """The widget marked red, if any (the list of steps, a step, or an argument's box)."""
        if self._fault == "":
            return self.list
        index, _, key = self._fault.partition("].")
        if not index.startswith("["):
            return None
        try:
            row = self._rows[int(index.strip("[]"))]
        except (ValueError, IndexError):
            return None
        return row.arguments.get(key, row) if key else row

    def _paint_fault(self) -> None:
        whole = self._fault == ""
        self.list.setStyleSheet(f"QFrame#steps {{ border: 2px solid {FAULT_COLOUR}; border-radius: 3px; }}" if whole else "")
        marked = self.fault_widget()
        for row in self._rows:
            for widget in row.arguments.values():
                widget.setStyleSheet(self._fault_style if widget is marked else "")
