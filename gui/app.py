"""Start the Qt application and open the main window."""

from __future__ import annotations

import sys

APP_NAME = "EpochScope"


def run_app(args: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from core.cli import BadScenarioFile, load_scenario
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    scenario = None
    error = None
    if args:
        try:
            scenario = load_scenario(args[0])
        except BadScenarioFile as exc:
            error = str(exc)
    window = MainWindow(scenario, error)
    window.resize(1280, 720)
    window.show()
    return app.exec()
