"""Below the timeline: the key numbers and why, the warnings with their fixes, and the code."""

from __future__ import annotations

import html

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
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


class SummaryPanel(QTabWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.trap_box = QLabel()
        self.trap_box.setWordWrap(True)
        self.trap_box.setObjectName("trap")
        self.trap_box.setStyleSheet("QLabel#trap { background: #FFF4D6; color: #000; border: 1px solid #E69F00; padding: 6px; }")
        self.trap_box.hide()
        summary_page = QWidget()
        summary_column = QVBoxLayout(summary_page)
        summary_column.setContentsMargins(0, 0, 0, 0)
        summary_column.addWidget(self.trap_box)
        summary_column.addWidget(self.text, 1)
        self.addTab(summary_page, "Summary")
        code_page = QWidget()
        self.code = QPlainTextEdit(readOnly=True)
        self.code.setFont(QFont("monospace"))
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

    def set_plan(self, plan: Plan) -> None:
        self.text.setHtml(summary_html(plan))
        self.code.setPlainText(fit_code(plan.scenario))

    def show_trap(self, trap: Trap | None, plan: Plan | None = None) -> None:
        """Above the summary: the trap's story, what the planner says about it, and the fix."""
        if trap is None:
            self.trap_box.hide()
            return
        said = next((w.text for w in plan.warnings if w.code == trap.warning), "") if plan else ""
        self.trap_box.setText(
            f"<b>Trap: {html.escape(trap.name)}</b><br>{html.escape(trap.explanation)}"
            + (f"<br><i>EpochScope says ({html.escape(trap.warning)}):</i> {html.escape(said)}" if said else "")
            + f"<br><b>Fix:</b> {html.escape(trap.fix)}"
        )
        self.trap_box.show()
        self.setCurrentIndex(0)

    def copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.code.toPlainText())


def summary_html(plan: Plan) -> str:
    numbers = "".join(
        f"<tr><td style='padding-right:14px;color:#444'>{html.escape(label)}</td><td><b>{html.escape(value)}</b></td></tr>"
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
