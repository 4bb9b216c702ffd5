"""Below the timeline: the key numbers and why, the warnings with their fixes, and the code."""

from __future__ import annotations

import html

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.codegen import fit_code
from core.explain import key_numbers, summarize
from core.plan import Plan
from gui.resources import Trap
from gui.theme import Look, look_for


class SummaryPanel(QTabWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.plan: Plan | None = None
        self.trap: Trap | None = None  # shown above the summary, in the same scrolling text
        self.addTab(self.text, "Summary")
        code_page = QWidget()
        self.code = QPlainTextEdit(readOnly=True)
        self.copy_button = QPushButton("Copy code")
        self.copy_button.clicked.connect(self.copy_code)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        column = QVBoxLayout(code_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.code, 1)
        column.addLayout(buttons)
        self.addTab(code_page, "model.fit code")
        self.apply_look(look_for(dark=False, presenting=False))

    def apply_look(self, look: Look) -> None:
        self.look = look
        code_font = QFont("monospace")
        code_font.setStyleHint(QFont.StyleHint.Monospace)
        code_font.setPointSizeF(QApplication.font().pointSizeF())
        self.code.setFont(code_font)
        self._render()

    def set_plan(self, plan: Plan) -> None:
        self.plan = plan
        self._render()
        self.code.setPlainText(fit_code(plan.scenario))

    def _render(self) -> None:
        if self.plan is None:
            return
        story = trap_html(self.trap, self.plan, self.look) if self.trap is not None else ""
        self.text.setHtml(story + summary_html(self.plan, self.look))

    def show_trap(self, trap: Trap | None) -> None:
        """Above the summary: the trap's story, what the planner says about it, and the fix."""
        self.trap = trap
        self._render()
        if trap is not None:
            self.setCurrentIndex(0)
            self.text.verticalScrollBar().setValue(0)

    def copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.code.toPlainText())


def trap_html(trap: Trap, plan: Plan, look: Look) -> str:
    said = next((w.text for w in plan.warnings if w.code == trap.warning), "")
    story = (
        f"<b>Trap: {html.escape(trap.name)}</b><br>{html.escape(trap.explanation)}"
        + (f"<br><i>EpochScope says ({html.escape(trap.warning)}):</i> {html.escape(said)}" if said else "")
        + f"<br><b>Fix:</b> {html.escape(trap.fix)}"
    )
    border = max(1, round(look.axis_width))
    return (
        f"<table width='100%' cellpadding='6' cellspacing='0' border='{border}' style='border-color:{look.trap_border};"
        f" border-style:solid'><tr><td bgcolor='{look.trap_background}' style='color:{look.text}'>{story}</td></tr></table>"
    )


def summary_html(plan: Plan, look: Look) -> str:
    numbers = "".join(
        f"<tr><td style='padding-right:14px;color:{look.muted}'>{html.escape(label)}</td>"
        f"<td><b>{html.escape(value)}</b></td></tr>"
        for label, value in key_numbers(plan)
    )
    lines = [line for line in summarize(plan, max_lines=12).splitlines() if not line.startswith(("!", "  Fix:"))]
    explanation = "<br>".join(html.escape(line) for line in lines)
    warnings = "".join(
        f"<li style='margin-bottom:4px'>{html.escape(w.text)}"
        + (f"<br><i>Fix: {html.escape(w.fix)}</i>" if w.fix else "")
        + "</li>"
        for w in plan.warnings
    )
    warnings_html = f"<p><b>What to know</b></p><ul>{warnings}</ul>" if warnings else ""
    return f"<table>{numbers}</table><p>{explanation}</p>{warnings_html}"
