"""Below the timeline: the warnings first, the key numbers in a compact grid, the arithmetic, and the code.

At 1280x720 the summary has room for a handful of lines, so what a student must not miss comes
first: a trap's story (when a trap is open), then the planner's warnings with their fixes, and
only then the explanation. The key numbers sit above, three to a row, each with a tooltip that
says what it counts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.explain import key_numbers, summarize
from core.plan import Plan
from core.scenario import Scenario
from gui.markup import escape
from gui.resources import Trap
from gui.theme import Look, look_for

NUMBERS_PER_ROW = 3

# What each key number counts, matched on words of its label (the labels come from core.explain).
KEY_NUMBER_HELP = (
    (
        "steps per epoch",
        "Training batches in each epoch: what Keras' progress bar counts to.\n"
        "fit(steps_per_epoch=...) sets it; by default (None) it is one pass over the data: ceil(samples / batch size).",
    ),
    (
        "total training steps",
        "Training batches over the whole fit, every epoch added up.\nEach one is one weight update (one optimizer step).",
    ),
    ("samples in epoch", "How many samples the first epoch trains on: its batch sizes added up."),
    (
        "short batch",
        "The last batch of one pass when the samples do not divide by the batch size (samples % batch_size).\n"
        "tf.data's .batch(B, drop_remainder=True) leaves it out.",
    ),
    ("never seen", "Samples that no epoch trains on: dropped by drop_remainder, or past the last step."),
    (
        "passes",
        "How many times the training data is read from its first sample to its last, in all.\n"
        "A pass is one full read of the data; it is an epoch only when steps_per_epoch is not set.",
    ),
    (
        "per run",
        "Validation batches in each validation run: fit(validation_steps=...) when given\n"
        "(default None: until the validation data runs out). Every run starts again from the first validation batch.",
    ),
    (
        "in all",
        "Validation batches over the whole fit: the batches of each run times the epochs that validate\n"
        "(fit(validation_freq=...), default 1: every epoch).",
    ),
    (
        "validation",
        "Validation batches. fit(validation_steps=...) sets the batches of each validation run\n"
        "(default None: until the validation data runs out); validation_freq sets which epochs validate.",
    ),
    ("never ends", "Where Keras would run forever: the data repeats and no steps_per_epoch or validation_steps ends it."),
    (
        "epochs trained",
        "How many epochs fit runs, and their numbers: fit(epochs=E, initial_epoch=k) runs epochs k+1 to E.\n"
        "epochs is the number of the last epoch, not a count.",
    ),
    (
        "weight updates",
        "How often the weights change over the whole fit: with the optimizer's gradient_accumulation_steps=G,\n"
        "after every G-th batch, counted from the start of fit across epoch ends.",
    ),
    (
        "batch order",
        "A PyDataset or ImageDataGenerator flow with fit(shuffle=True), Keras' default, draws a new order of\n"
        "its batches every pass: the sizes stay, the short batch can come anywhere.",
    ),
    (
        "length known",
        "Whether TensorFlow's cardinality() knows how many batches the pipeline yields. After filter, unbatch or\n"
        "rebatch it does not: Keras learns the length only by running out of data, and warns.",
    ),
    (
        "fit ends early",
        "tf.keras 2 ends the whole fit in the epoch where the training data runs out: the later epochs never run\n"
        "(Keras 3 would start the next epoch from the first batch). .repeat() on the data, or fewer steps, avoids it.",
    ),
    (
        "devices",
        "How many devices tf.distribute.MirroredStrategy trains on, one copy of the model each. batch_size is the\n"
        "global batch: each device gets ceil(batch / devices) samples of it in turn, so the last ones can get fewer.",
    ),
    ("keras", "Keras refuses these settings: model.fit raises an error before training (the reason is below)."),
)


def key_number_help(label: str) -> str:
    """The tooltip of a key-number row: what it counts and the Keras argument behind it."""
    lowered = label.lower()
    return next((words for keyword, words in KEY_NUMBER_HELP if keyword in lowered), "One of the plan's key numbers.")


class SummaryPanel(QTabWidget):
    hintDismissed = Signal()
    hintLinkActivated = Signal(str)  # the link's target, e.g. "trap:floor_ceil_mismatch"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plan: Plan | None = None
        self.trap: Trap | None = None  # shown above the warnings, in the same scrolling text

        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.hint = QFrame()
        self.hint.setObjectName("first_launch_hint")
        self.hint.setFrameShape(QFrame.Shape.StyledPanel)
        hint_row = QHBoxLayout(self.hint)
        hint_row.setContentsMargins(6, 3, 3, 3)
        self.hint_text = QLabel()
        self.hint_text.setWordWrap(True)
        self.hint_text.linkActivated.connect(self.hintLinkActivated)
        self.hint_close = QToolButton()
        self.hint_close.setText("Got it")
        self.hint_close.setToolTip("Hide this hint for good")
        self.hint_close.clicked.connect(self._dismiss_hint)
        hint_row.addWidget(self.hint_text, 1)
        hint_row.addWidget(self.hint_close, 0, Qt.AlignmentFlag.AlignTop)
        self.hint.hide()
        column.addWidget(self.hint)
        self.numbers = QWidget()
        self.numbers.setObjectName("key_numbers")
        self.numbers_grid = QGridLayout(self.numbers)
        self.numbers_grid.setContentsMargins(6, 2, 6, 2)
        self.numbers_grid.setHorizontalSpacing(18)
        self.numbers_grid.setVerticalSpacing(1)
        self.number_labels: list[QLabel] = []
        column.addWidget(self.numbers)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        column.addWidget(self.text, 1)
        self.addTab(page, "Summary")

        code_page = QWidget()
        self.code = QPlainTextEdit(readOnly=True)
        self.copy_button = QPushButton("Copy code")
        self.copy_button.clicked.connect(self.copy_code)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        code_column = QVBoxLayout(code_page)
        code_column.setContentsMargins(0, 0, 0, 0)
        code_column.addWidget(self.code, 1)
        code_column.addLayout(buttons)
        self.code_page = code_page
        self.addTab(code_page, "model.fit code")
        # The code is written when its tab is looked at (or copied), not for every plan: it costs the start-up
        # core.codegen's import and every edit a rewrite nobody reads.
        self._code_written_for: Scenario | None = None
        self.currentChanged.connect(self._write_code_if_shown)
        self.apply_look(look_for(dark=False, presenting=False))

    def apply_look(self, look: Look) -> None:
        self.look = look
        code_font = QFont("monospace")
        code_font.setStyleHint(QFont.StyleHint.Monospace)
        code_font.setPointSizeF(QApplication.font().pointSizeF())
        self.code.setFont(code_font)
        self.hint.setStyleSheet(
            f"QFrame#first_launch_hint {{ background: {look.trap_background}; border: 1px solid {look.trap_border}; }}"
            f" QFrame#first_launch_hint QLabel {{ color: {look.text}; }}"
        )
        self._render()

    def set_plan(self, plan: Plan) -> None:
        self.plan = plan
        self._render()
        self._write_code_if_shown()

    def _write_code_if_shown(self) -> None:
        if self.currentWidget() is self.code_page:
            self._write_code()

    def _write_code(self) -> None:
        if self.plan is None or self._code_written_for == self.plan.scenario:
            return
        from core.codegen import fit_code

        self._code_written_for = self.plan.scenario
        self.code.setPlainText(fit_code(self.plan.scenario))

    def _render(self) -> None:
        if self.plan is None:
            return
        self._render_numbers(key_numbers(self.plan))
        story = trap_html(self.trap, self.look) if self.trap is not None else ""
        self.text.setHtml(story + summary_html(self.plan, self.look))

    def _render_numbers(self, numbers: list[tuple[str, str]]) -> None:
        """Three to a row, label muted and value bold; each with its tooltip. Labels are reused."""
        while len(self.number_labels) < len(numbers):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            index = len(self.number_labels)
            self.numbers_grid.addWidget(label, index // NUMBERS_PER_ROW, index % NUMBERS_PER_ROW)
            self.number_labels.append(label)
        for column in range(NUMBERS_PER_ROW):
            self.numbers_grid.setColumnStretch(column, 1)
        for label, number in zip(self.number_labels, numbers + [None] * len(self.number_labels), strict=False):
            if number is None:
                label.hide()
                continue
            name, value = number
            label.setText(f"<span style='color:{self.look.muted}'>{escape(name)}</span>&nbsp; <b>{escape(value)}</b>")
            label.setToolTip(f"{name}: {value}\n\n{key_number_help(name)}")
            label.setObjectName(f"key_number:{name}")
            label.show()

    def key_numbers_text(self) -> str:
        """The key numbers as shown, one "label value" per line (for tests and screen readers)."""
        shown = [label for label in self.number_labels if not label.isHidden()]
        return "\n".join(" ".join(_plain(label.text()).split()) for label in shown)

    def show_trap(self, trap: Trap | None) -> None:
        """Above the warnings: the trap's story and its fix."""
        self.trap = trap
        self._render()
        if trap is not None:
            self.setCurrentIndex(0)
            self.text.verticalScrollBar().setValue(0)

    def show_hint(self, words: str) -> None:
        """The first-launch hint, above the key numbers, until dismissed."""
        self.hint_text.setText(words)
        self.hint.show()

    def _dismiss_hint(self) -> None:
        self.hint.hide()
        self.hintDismissed.emit()

    def copy_code(self) -> None:
        self._write_code()
        QGuiApplication.clipboard().setText(self.code.toPlainText())


def _plain(rich: str) -> str:
    from PySide6.QtGui import QTextDocumentFragment

    return QTextDocumentFragment.fromHtml(rich).toPlainText()


def trap_html(trap: Trap, look: Look) -> str:
    """The trap's story once, and its fix; the planner's own warning follows in the warnings below."""
    story = f"<b>Trap: {escape(trap.name)}</b><br>{escape(trap.explanation)}<br><b>Fix:</b> {escape(trap.fix)}"
    border = max(1, round(look.axis_width))
    return (
        f"<table width='100%' cellpadding='6' cellspacing='0' border='{border}' style='border-color:{look.trap_border};"
        f" border-style:solid'><tr><td bgcolor='{look.trap_background}' style='color:{look.text}'>{story}</td></tr></table>"
    )


def summary_html(plan: Plan, look: Look) -> str:
    """The warnings with their fixes first (said once each), then how the numbers come about."""
    said: list[str] = []
    items = []
    for warning in plan.warnings:
        if warning.text in said:
            continue  # the same words for several epochs: once is enough
        said.append(warning.text)
        items.append(
            f"<li style='margin-bottom:3px'>{escape(warning.text)}"
            + (f"<br><i>Fix: {escape(warning.fix)}</i>" if warning.fix else "")
            + "</li>"
        )
    warnings_html = (
        f"<p style='margin:2px 0'><b style='color:{look.alarm}'>Watch out</b></p><ul style='margin-top:0'>{''.join(items)}</ul>"
        if items
        else ""
    )
    lines = [line for line in summarize(plan, max_lines=12).splitlines() if not line.startswith(("!", "  Fix:"))]
    explanation = "<br>".join(escape(line) for line in lines)
    return f"{warnings_html}<p>{explanation}</p>"
