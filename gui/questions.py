"""Question mode (View > Questions, F6): predict, then reveal.

The timeline's batches and the scenario's summary are hidden; the form stays, and a panel above the
empty epoch rows asks what the plan answers (core.questions). The student types a number, presses Yes
or No, or clicks an epoch's row; the answer is checked, the part of the timeline that shows why is
revealed and framed, with one sentence of explanation. A score (right of asked) is kept for the
window's session. Leaving (F6 again, Esc or the panel's button) puts everything back as it was.

Only PySide6 at the top: the question maker is imported when the mode is first entered, so the
window's start does not pay for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QVBoxLayout

from gui.markup import escape

if TYPE_CHECKING:
    from core.questions import Question
    from gui.main_window import MainWindow

QUESTIONS_KEY = "F6"
MODE_NAME = "question_mode"  # the QuestionMode's objectName under the window


def install(window: MainWindow) -> None:
    """View > Questions: one checkable action; the panel is made the first time it is asked for."""
    action = window.add_action(
        window.menus["view"],
        "&Questions: predict, then reveal",
        QKeySequence(QUESTIONS_KEY),
        lambda on: _toggle(window, on),
        True,
    )
    action.setObjectName("questions_action")


def start_questions(window: MainWindow, kinds: Sequence[str] | None = None) -> None:
    """Enter question mode on the window's current plan (or start its questions again), asking ``kinds`` (the
    keys of core.questions.QUESTION_KINDS, in that order) or, without them, the plan's own."""
    _mode(window).start(kinds)


def leave_questions(window: MainWindow) -> None:
    """Leave question mode: the timeline's batches, the summary and the view as they were."""
    mode = window.findChild(QuestionMode, MODE_NAME)
    if mode is not None:
        mode.leave()


def question_mode(window: MainWindow) -> QuestionMode | None:
    """The window's question mode, once it has been entered (tests and lessons read its state)."""
    return window.findChild(QuestionMode, MODE_NAME)


def _toggle(window: MainWindow, on: bool) -> None:
    if on:
        start_questions(window)
    else:
        leave_questions(window)


def _mode(window: MainWindow) -> QuestionMode:
    mode = window.findChild(QuestionMode, MODE_NAME)
    return mode if mode is not None else QuestionMode(window)


class QuestionMode(QObject):
    """The questions asked on one window: which, how far along, the score, and what to put back on leaving."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.setObjectName(MODE_NAME)
        self.window = window
        self.active = False
        self.kinds: Sequence[str] | None = None
        self.questions: list[Question] = []
        self.index = 0
        self.answered = False
        self.right = 0
        self.asked = 0
        self._sizes_before: list[int] = []
        self.panel = QuestionPanel(window)
        self.panel.hide()
        window.timeline.add_above_plot(self.panel)
        self.panel.check_button.clicked.connect(self.check_typed)
        self.panel.answer.returnPressed.connect(self.check_typed)
        self.panel.yes_button.clicked.connect(lambda: self.answer("yes"))
        self.panel.no_button.clicked.connect(lambda: self.answer("no"))
        self.panel.next_button.clicked.connect(self.next_question)
        self.panel.leave_button.clicked.connect(self.leave)
        window.timeline.rowClicked.connect(self.row_clicked)
        # Connected now, after the window's own: the window has made the new plan by the time this runs.
        window.form.scenarioChanged.connect(self._scenario_changed)
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self.escape.setEnabled(False)
        self.escape.activated.connect(self.leave)

    # ------------------------------------------------------------ entering and leaving

    def start(self, kinds: Sequence[str] | None = None) -> None:
        window = self.window
        if not self.active:
            self.active = True
            self._sizes_before = window.right_split.sizes()
            window.summary.hide()
            window.timeline.hide_batches()
            self.panel.show()
            self.escape.setEnabled(True)
            window.statusBar().clearMessage()  # it may name what the questions ask (Keras' refusal)
        self._action().setChecked(True)
        self.kinds = kinds
        self._ask_from_the_start()

    def leave(self) -> None:
        if not self.active:
            return
        window = self.window
        self.active = False
        self.escape.setEnabled(False)
        self.panel.hide()
        window.summary.show()
        window.timeline.show_batches()
        if self._sizes_before:
            window.right_split.setSizes(self._sizes_before)
        self._action().setChecked(False)
        window.statusBar().showMessage(f"Left question mode: {self.score_words()}.", 5000)

    def _action(self):
        return self.window.findChild(QObject, "questions_action")

    @Slot(object)
    def _scenario_changed(self, _scenario: object) -> None:
        """Another scenario (a trap, a preset, an edit): its own questions, from the first, the score kept."""
        if self.active:
            self.window.statusBar().clearMessage()
            self._ask_from_the_start()

    def _ask_from_the_start(self) -> None:
        from core.questions import questions_for

        plan = self.window.plan
        self.questions = questions_for(plan, self.kinds) if plan is not None else []
        self.index = 0
        self._show_question()

    # ------------------------------------------------------------ asking

    @property
    def question(self) -> Question | None:
        return self.questions[self.index] if self.index < len(self.questions) else None

    def _show_question(self) -> None:
        self.answered = False
        self.window.timeline.hide_batches()
        self.window.timeline.revealed = None
        self.window.timeline.message_revealed = False
        self.window.timeline.frame()
        self.panel.show_question(self.question, self.index, len(self.questions), self.score_words())

    def score_words(self) -> str:
        from core.words import count_words

        return f"{self.right:,} right of {count_words(self.asked, 'question')} asked"

    @Slot()
    def check_typed(self) -> None:
        self.answer(self.panel.answer.text())

    @Slot(int)
    def row_clicked(self, row: int) -> None:
        question = self.question
        model = self.window.timeline.layout_model
        if not self.active or self.answered or question is None or question.answer_kind != "epoch" or model is None:
            return
        self.answer(str(model.number(row)))

    def answer(self, reply: str) -> None:
        """Check a reply as typed, clicked or pressed; once readable it counts, and the timeline shows why."""
        from core.questions import check, read_reply

        question = self.question
        if not self.active or self.answered or question is None:
            return
        correct, words = check(question, reply)
        if read_reply(question, reply) is None:
            self.panel.show_hint(words)  # not an answer yet: nothing counted, nothing revealed
            return
        self.answered = True
        self.asked += 1
        self.right += int(correct)
        self._reveal(question)
        self.panel.show_result(correct, words, question.explanation, self.score_words(), self.index + 1 < len(self.questions))

    def _reveal(self, question: Question) -> None:
        timeline = self.window.timeline
        reveal = question.reveal
        if reveal is None:
            timeline.reveal_message()
        else:
            timeline.reveal(reveal.first_row, reveal.last_row, reveal.lane, reveal.steps)

    @Slot()
    def next_question(self) -> None:
        if self.active and self.answered and self.index + 1 < len(self.questions):
            self.index += 1
            self._show_question()


class QuestionPanel(QFrame):
    """The question, the ways to answer it, the verdict with its reason, and the score."""

    def __init__(self, window: MainWindow):
        super().__init__()
        self.window = window
        self.setObjectName("question_panel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.progress = QLabel()
        self.progress.setObjectName("question_progress")
        self.score = QLabel()
        self.score.setObjectName("question_score")
        self.leave_button = QPushButton("Leave questions")
        self.leave_button.setToolTip(f"Show the batches and the summary again ({QUESTIONS_KEY} or Esc)")
        self.text = QLabel()
        self.text.setObjectName("question_text")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.answer = QLineEdit()
        self.answer.setObjectName("question_answer")
        self.answer.setMaximumWidth(220)
        self.check_button = QPushButton("Check")
        self.yes_button = QPushButton("Yes")
        self.no_button = QPushButton("No")
        self.click_hint = QLabel("or click the epoch's row below")
        self.next_button = QPushButton("Next question")
        self.verdict = QLabel()
        self.verdict.setObjectName("question_verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)

        top = QHBoxLayout()
        top.addWidget(self.progress)
        top.addStretch(1)
        top.addWidget(self.score)
        top.addSpacing(12)
        top.addWidget(self.leave_button)
        answers = QHBoxLayout()
        for widget in (self.answer, self.check_button, self.yes_button, self.no_button, self.click_hint):
            answers.addWidget(widget)
        answers.addStretch(1)
        answers.addWidget(self.next_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 6, 8, 6)
        column.addLayout(top)
        column.addWidget(self.text)
        column.addLayout(answers)
        column.addWidget(self.verdict)
        self._style()

    def show_question(self, question: Question | None, index: int, count: int, score: str) -> None:
        self.score.setText(f"Score: {score}")
        self.verdict.clear()
        self.verdict.hide()
        self.next_button.setEnabled(False)
        self.answer.clear()
        if question is None:
            self.progress.setText("No questions")
            self.text.setText("This plan has nothing to ask about. Open a trap or a preset, or change the form.")
            for widget in (self.answer, self.check_button, self.yes_button, self.no_button, self.click_hint):
                widget.hide()
            return
        self.progress.setText(f"Question {index + 1:,} of {count:,}")
        self.text.setText(question.text)
        yes_no = question.answer_kind == "yes_no"
        for widget in (self.answer, self.check_button):
            widget.setVisible(not yes_no)
            widget.setEnabled(True)
        for widget in (self.yes_button, self.no_button):
            widget.setVisible(yes_no)
            widget.setEnabled(True)
        self.click_hint.setVisible(question.answer_kind == "epoch")
        self.answer.setPlaceholderText("epoch number" if question.answer_kind == "epoch" else "a whole number")
        (self.yes_button if yes_no else self.answer).setFocus()

    def show_hint(self, words: str) -> None:
        self.verdict.setText(escape(words))
        self.verdict.setProperty("verdict", "hint")
        self._style()
        self.verdict.show()

    def show_result(self, correct: bool, words: str, explanation: str, score: str, more: bool) -> None:
        self.score.setText(f"Score: {score}")
        self.verdict.setProperty("verdict", "right" if correct else "wrong")
        self.verdict.setText(f"<b>{escape(words)}</b> {escape(explanation)}")
        self._style()
        self.verdict.show()
        for widget in (self.answer, self.check_button, self.yes_button, self.no_button):
            widget.setEnabled(False)
        self.next_button.setEnabled(more)
        if more:
            self.next_button.setFocus()
        else:
            self.progress.setText(self.progress.text() + ": the last for this scenario")

    def changeEvent(self, event: QEvent) -> None:
        """A theme or presentation mode changes the application's palette: the verdict's colour follows."""
        if event.type() == QEvent.Type.PaletteChange:
            self._style()
        super().changeEvent(event)

    def _style(self) -> None:
        look = self.window.look
        colour = {"right": look.good, "wrong": look.alarm}.get(self.verdict.property("verdict") or "", look.text)
        self.verdict.setStyleSheet(f"color: {colour};")
        self.score.setStyleSheet("font-weight: bold;")
        self.text.setStyleSheet("font-weight: bold;")
