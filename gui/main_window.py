"""The main window. For now it shows the plan summary of one scenario."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QMainWindow, QPlainTextEdit

from core.explain import summarize
from core.planner import plan
from core.scenario import Scenario, scenario_from_dict

DEFAULT_SCENARIO = {"train": {"samples": 60000, "source": "arrays", "batch_size": 64, "shuffle": False}, "epochs": 3}


class MainWindow(QMainWindow):
    def __init__(self, scenario: Scenario | None = None, error: str | None = None):
        super().__init__()
        self.setWindowTitle("EpochScope")
        self.summary_view = QPlainTextEdit(readOnly=True)
        self.summary_view.setFont(QFont("monospace"))
        self.setCentralWidget(self.summary_view)
        shown = scenario or scenario_from_dict(DEFAULT_SCENARIO)
        text = summarize(plan(shown))
        if error:
            text = f"Could not open the scenario: {error}\n\nShowing an example instead:\n\n{text}"
        self.summary_view.setPlainText(text)
