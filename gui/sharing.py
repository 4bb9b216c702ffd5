"""Edit > Copy scenario as a line, Edit > Paste scenario: a scenario through the clipboard as one short line.

The line (core.share) is the whole scenario, for a chat or a slide: nothing goes over a network. During a
lesson it is the step shown, with its note and questions. Pasting asks "Save changes?" first as opening a
file does, and puts the scenario in the form as one step of the history (a step opens as a lesson of one
step); a line that holds nothing usable is said in the status bar in one line, and nothing changes.

Only PySide6 at the top: the line's reader and writer are imported when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication, QKeySequence

if TYPE_CHECKING:
    from gui.main_window import MainWindow

COPY_KEY = "Ctrl+Alt+C"
PASTE_KEY = "Ctrl+Alt+V"
MESSAGE_MS = 15000


def install(window: MainWindow) -> None:
    edit = window.menus["edit"]
    edit.addSeparator()
    copy = window.add_action(edit, "Copy scenario (or lesson step) as a &line", QKeySequence(COPY_KEY), lambda: copy_line(window))
    copy.setObjectName("copy_scenario_line")
    paste = window.add_action(edit, "Paste scenario (from a line)", QKeySequence(PASTE_KEY), lambda: paste_line(window))
    paste.setObjectName("paste_scenario_line")


def copy_line(window: MainWindow) -> str:
    """The scenario shown on the clipboard as one line, or, while a lesson shows one of its steps as it is, that
    step (its note and questions come along, as a lesson of one step); returns the line."""
    from core.lessons import Lesson
    from core.share import encode, encode_lesson
    from gui.lessons import lesson_runner

    if window.plan is None:
        return ""
    runner = lesson_runner(window)
    step = runner.step if runner is not None else None
    if step is not None and not window.form.problem and window.plan.scenario == runner.scenario_of(step):
        line = encode_lesson(Lesson(runner.lesson.title, (step,)))
        what = f"lesson step {runner.index + 1}"
    else:
        line = encode(window.plan.scenario)
        what = "the scenario"
    QGuiApplication.clipboard().setText(line)
    problem = (
        f" (the form has a problem, so this is the last good scenario: {window.form.problem})" if window.form.problem else ""
    )
    window.statusBar().showMessage(f"Copied {what} as a line of {len(line):,} characters{problem}.", MESSAGE_MS)
    return line


def paste_line(window: MainWindow) -> bool:
    """The clipboard's line in the window (a scenario as one step of the history, a lesson's step as a lesson of one
    step); False when nothing changed."""
    from core.lessons import Lesson
    from core.share import ShareError, decode
    from gui.lessons import start_lesson

    try:
        pasted = decode(QGuiApplication.clipboard().text(), [trap.key for trap in window.gallery])
    except ShareError as error:
        window.statusBar().showMessage(f"Nothing pasted: {error}", MESSAGE_MS)
        return False
    if isinstance(pasted, Lesson):
        if not window.keep_unsaved_work_safe():
            return False
        start_lesson(window, pasted)
        return True
    if window.plan is not None and pasted == window.plan.scenario and not window.form.problem:
        window.statusBar().showMessage("The pasted scenario is the one already shown.", MESSAGE_MS)
        return False
    if not window.keep_unsaved_work_safe():
        return False
    # A trap's line brings its story and fix along: the line is the trap's scenario, nothing else is needed.
    trap = next((trap for trap in window.gallery if trap.scenario == pasted), None)
    window.replace_form("paste of a scenario line", pasted, trap)
    window.statusBar().showMessage("Pasted the scenario from the line; Undo puts back what was there.", MESSAGE_MS)
    return True
