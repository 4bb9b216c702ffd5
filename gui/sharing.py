"""Edit > Copy scenario as a line, Edit > Paste scenario: a scenario through the clipboard as one short line.

The line (core.share) is the whole scenario, for a chat or a slide: nothing goes over a network. Pasting
asks "Save changes?" first as opening a file does, and puts the scenario in the form as one step of the
history; a line that holds no usable scenario is said in the status bar in one line, and nothing changes.

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
    copy = window.add_action(
        edit, "Copy scenario as a &line (for a chat or a slide)", QKeySequence(COPY_KEY), lambda: copy_line(window)
    )
    copy.setObjectName("copy_scenario_line")
    paste = window.add_action(edit, "Paste scenario (from a line)", QKeySequence(PASTE_KEY), lambda: paste_line(window))
    paste.setObjectName("paste_scenario_line")


def copy_line(window: MainWindow) -> str:
    """The scenario shown (a lesson's step shows its own) on the clipboard as one line; returns the line."""
    from core.share import encode

    if window.plan is None:
        return ""
    line = encode(window.plan.scenario)
    QGuiApplication.clipboard().setText(line)
    problem = (
        f" (the form has a problem, so this is the last good scenario: {window.form.problem})" if window.form.problem else ""
    )
    window.statusBar().showMessage(f"Copied the scenario as a line of {len(line):,} characters{problem}.", MESSAGE_MS)
    return line


def paste_line(window: MainWindow) -> bool:
    """The clipboard's scenario line in the form, as one step of the history; False when nothing changed."""
    from core.share import ShareError, decode
    from gui.resources import traps

    try:
        scenario = decode(QGuiApplication.clipboard().text())
    except ShareError as error:
        window.statusBar().showMessage(f"Nothing pasted: {error}", MESSAGE_MS)
        return False
    if window.plan is not None and scenario == window.plan.scenario and not window.form.problem:
        window.statusBar().showMessage("The pasted scenario is the one already shown.", MESSAGE_MS)
        return False
    if not window.keep_unsaved_work_safe():
        return False
    # A trap's line brings its story and fix along: the line is the trap's scenario, nothing else is needed.
    trap = next((trap for trap in traps() if trap.scenario == scenario), None)
    window.replace_form("paste of a scenario line", scenario, trap)
    window.statusBar().showMessage("Pasted the scenario from the line; Undo puts back what was there.", MESSAGE_MS)
    return True
