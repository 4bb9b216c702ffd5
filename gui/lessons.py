"""Lessons (View > Lesson): a teacher walks the room through a lesson file's steps, one scenario or trap each.

A lesson file (format: core.lessons) opens like a scenario. A bar above the timeline says "Step 2 of 7:
title" and the teacher's note; Ctrl+PgDown and Ctrl+PgUp (or the bar's buttons) go to the next and the
previous step. Each step puts its scenario or trap in the form as one step of the history (Undo brings
back what was there), hides what the step hides (parts of the window, fields of the form) and asks its
questions (gui.questions). Leaving the lesson shows every hidden control again.

Only PySide6 at the top: the lesson reader and the question mode are imported when a lesson is opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

if TYPE_CHECKING:
    from core.lessons import Lesson, LessonStep
    from core.scenario import Scenario
    from gui.main_window import MainWindow

NEXT_KEY = "Ctrl+PgDown"
PREVIOUS_KEY = "Ctrl+PgUp"
READY_LESSON = "lessons/from-ceil-to-keras.json"  # in resources/
READY_LESSON_TITLE = "From ceil(N/B) to what Keras really does"
RUNNER_NAME = "lesson_runner"
# The window's menu actions, by object name: enabled while a lesson is open.
STEP_ACTIONS = ("lesson_next", "lesson_previous", "lesson_leave")


def install(window: MainWindow) -> None:
    """View > Lesson (next, previous, leave) and Help > Open the ready lesson: actions only, no widget yet."""
    menu = window.menus["view"].addMenu("&Lesson")
    for name, words, key, step in (
        ("lesson_next", "&Next step of the lesson", NEXT_KEY, 1),
        ("lesson_previous", "&Previous step of the lesson", PREVIOUS_KEY, -1),
    ):
        action = window.add_action(menu, words, QKeySequence(key), lambda s=step: _move(window, s))
        action.setObjectName(name)
        action.setEnabled(False)
    action = window.add_action(menu, "&Leave the lesson (show every control)", None, lambda: leave_lesson(window))
    action.setObjectName("lesson_leave")
    action.setEnabled(False)
    window.add_action(
        window.menus["help"], f"Open the lesson \u201c{READY_LESSON_TITLE}\u201d", None, lambda: open_ready_lesson(window)
    )


def is_lesson_file(path: str | Path) -> bool:
    """Whether the file is a lesson rather than a scenario: a JSON object whose top level names one (cheap)."""
    from core.files import read_small_file
    from core.lessons import looks_like_lesson

    try:
        return looks_like_lesson(read_small_file(path))
    except (OSError, ValueError):
        return False  # opened as a scenario, which says what is wrong with the file


def open_lesson(window: MainWindow, path: str | Path) -> bool:
    """Open a lesson file at its first step; a bad one is one line in a message box, and nothing changes."""
    from core.files import BadScenarioFile
    from core.lessons import load_lesson

    try:
        lesson = load_lesson(path, [trap.key for trap in window.gallery])
    except BadScenarioFile as error:
        window.complain("Could not open the lesson", str(error))
        return False
    start_lesson(window, lesson)
    return True


def open_ready_lesson(window: MainWindow) -> bool:
    """The lesson shipped in resources/, built from the traps."""
    from core.lessons import lesson_from_json
    from gui.resources import read_text

    if not window.keep_unsaved_work_safe():
        return False
    start_lesson(window, lesson_from_json(read_text(READY_LESSON), [trap.key for trap in window.gallery]))
    return True


def start_lesson(window: MainWindow, lesson: Lesson) -> None:
    runner = lesson_runner(window) or LessonRunner(window)
    runner.start(lesson)


def leave_lesson(window: MainWindow) -> None:
    runner = lesson_runner(window)
    if runner is not None:
        runner.leave()


def lesson_runner(window: MainWindow) -> LessonRunner | None:
    """The window's lesson runner, once a lesson has been opened (tests read its state)."""
    return window.findChild(LessonRunner, RUNNER_NAME)


def _move(window: MainWindow, by: int) -> None:
    runner = lesson_runner(window)
    if runner is not None and runner.lesson is not None:
        runner.go(runner.index + by)


class LessonBar(QFrame):
    """Above the timeline: where the lesson is, the teacher's note, and buttons for the room's mouse."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("lesson_bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 4, 6, 4)
        column.setSpacing(2)
        row = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("lesson_title")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        row.addWidget(self.title, 1)
        self.previous_button = QPushButton("Previous")
        self.previous_button.setToolTip(f"The previous step ({PREVIOUS_KEY})")
        self.next_button = QPushButton("Next")
        self.next_button.setToolTip(f"The next step ({NEXT_KEY})")
        self.leave_button = QPushButton("Leave the lesson")
        self.leave_button.setToolTip("Show every control again; the scenario stays")
        for button in (self.previous_button, self.next_button, self.leave_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the timeline
            row.addWidget(button)
        column.addLayout(row)
        self.note = QLabel()
        self.note.setObjectName("lesson_note")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.note)


class LessonRunner(QObject):
    """The lesson open on one window: which step, and what it hid, to show again."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.setObjectName(RUNNER_NAME)
        self.window = window
        self.lesson: Lesson | None = None
        self.index = 0
        self.hidden_parts: frozenset[str] = frozenset()
        self._form_shown_before = True  # the form's visibility before a step hid it
        # The step each place in the window's history shows (the history's index just after the step was put in
        # the form), so that Undo and Redo across steps move the lesson with the form.
        self._steps_at: dict[int, int] = {}
        self._going = False
        self.bar = LessonBar()
        self.bar.hide()
        window.timeline.layout().insertWidget(0, self.bar)
        self.bar.previous_button.clicked.connect(lambda: self.go(self.index - 1))
        self.bar.next_button.clicked.connect(lambda: self.go(self.index + 1))
        self.bar.leave_button.clicked.connect(self.leave)
        # Leaving question mode shows the summary again: a step that hides it keeps it hidden.
        window.findChild(QObject, "questions_action").toggled.connect(self._questions_toggled)
        window.undo_stack.indexChanged.connect(self._history_moved)

    @property
    def step(self) -> LessonStep | None:
        return self.lesson.steps[self.index] if self.lesson is not None else None

    def start(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self._steps_at = {}
        self.bar.show()
        for name in STEP_ACTIONS:
            self._action(name).setEnabled(True)
        self.go(0)

    def go(self, index: int) -> None:
        """Show step ``index`` (0-based; outside the lesson: nothing happens, the status bar says why)."""
        from gui.questions import leave_questions, start_questions

        lesson = self.lesson
        window = self.window
        if lesson is None:
            return
        if not 0 <= index < len(lesson.steps):
            window.statusBar().showMessage(
                "That was the lesson's last step." if index > 0 else "This is the lesson's first step.", 5000
            )
            return
        step = lesson.steps[index]
        leave_questions(window)  # the next step's questions are about its own plan
        trap = self.window.trap_named(step.trap) if step.trap is not None else None
        self._going = True
        try:
            window.replace_form(f"lesson step {index + 1}: {self.step_title(step)}", self.scenario_of(step), trap)
        finally:
            self._going = False
        position = window.undo_stack.index()
        self._steps_at = {at: shown for at, shown in self._steps_at.items() if at < position}  # a redo branch is gone
        self._steps_at[position] = index
        self._show(index)
        if step.questions:
            start_questions(window, step.questions)

    def _history_moved(self, position: int) -> None:
        """Undo or Redo moved the form to another step (or to before the lesson, which ends it): the bar, what is
        hidden and the step keys follow. Its questions are not asked again."""
        from shiboken6 import isValid

        from gui.questions import leave_questions

        # The window's history empties itself as the window is destroyed: nothing is left to follow then.
        if self.lesson is None or self._going or not isValid(self.window):
            return
        earlier = [at for at in self._steps_at if at <= position]
        if not earlier:
            self.leave()
            return
        index = self._steps_at[max(earlier)]
        if index != self.index:
            leave_questions(self.window)
            self._show(index)

    def _show(self, index: int) -> None:
        """The lesson bar, the hidden parts and fields, and the step keys as step ``index`` has them."""
        lesson = self.lesson
        window = self.window
        assert lesson is not None
        self.index = index
        step = lesson.steps[index]
        title = self.step_title(step)
        self._hide(step.hidden_parts)
        window.form.set_withheld_fields(step.hidden_fields)
        self.bar.title.setText(f"{lesson.title}. Step {index + 1} of {len(lesson.steps)}: {title}")
        self.bar.note.setText(step.note)
        self.bar.note.setVisible(bool(step.note))
        self.bar.previous_button.setEnabled(index > 0)
        self.bar.next_button.setEnabled(index + 1 < len(lesson.steps))
        self._action("lesson_previous").setEnabled(index > 0)
        self._action("lesson_next").setEnabled(index + 1 < len(lesson.steps))
        window.statusBar().showMessage(f"Lesson step {index + 1} of {len(lesson.steps)}: {title}", 5000)

    def scenario_of(self, step: LessonStep) -> Scenario:
        """What the step shows: its own scenario, or its trap's."""
        return step.scenario if step.scenario is not None else self.window.trap_named(step.trap).scenario

    def step_title(self, step: LessonStep) -> str:
        if step.title:
            return step.title
        if step.trap is not None:
            return self.window.trap_named(step.trap).name
        return "a scenario"

    def leave(self) -> None:
        """Every hidden control shown again; the scenario of the last step stays in the form."""
        from gui.questions import leave_questions

        if self.lesson is None:
            return
        leave_questions(self.window)
        self._hide(frozenset())
        self.window.form.set_withheld_fields(())
        self.lesson = None
        self.bar.hide()
        for name in STEP_ACTIONS:
            self._action(name).setEnabled(False)
        self.window.statusBar().showMessage("Left the lesson: every control is shown again.", 5000)

    def _questions_toggled(self, asking: bool) -> None:
        if not asking and "summary" in self.hidden_parts:
            self.window.summary.hide()

    def _action(self, name: str):
        return self.window.findChild(QObject, name)

    def _hide(self, parts: frozenset[str]) -> None:
        """Hide ``parts`` of the window and show again those an earlier step hid."""
        window = self.window
        if "form" in parts and "form" not in self.hidden_parts:
            self._form_shown_before = window.form_panel.isVisibleTo(window)
            window.set_form_shown(False, remember=False)
        elif "form" in self.hidden_parts and "form" not in parts:
            window.set_form_shown(self._form_shown_before, remember=False)
        window.form_button.setVisible("form" not in parts)
        window.form_action.setEnabled("form" not in parts)
        window.preset_box.setVisible("presets" not in parts)
        window.summary.setVisible("summary" not in parts)
        window.summary.setTabVisible(window.summary.indexOf(window.demo), "demo" not in parts)
        window.menus["demo"].menuAction().setVisible("demo" not in parts)
        window.compare_button.setVisible("compare" not in parts)
        window.compare_action.setEnabled("compare" not in parts)
        window.menus["traps"].menuAction().setVisible("traps" not in parts)
        self.hidden_parts = parts
