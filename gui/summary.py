"""Below the timeline: the key numbers and why, the warnings with their fixes, and the code."""

from __future__ import annotations

import html

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from core.codegen import fit_code
from core.explain import key_numbers, summarize
from core.plan import Plan


class SummaryPanel(QTabWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.addTab(self.text, "Summary")
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
