"""A whole window session, as a person has it, for tests/test_offline.py to watch under strace.

    python -m tests.offline_session WORK_FOLDER [--no-demo]

Starts the app the way a double-click does (main.main), then, once the window has painted:
types into two fields, saves the scenario (File > Save as, the dialog answered with
WORK_FOLDER/scenario.json), exports the timeline as PNG and SVG, opens a trap from the Traps
menu, runs the live demo (a real Keras fit) and waits for its verdict, and closes the window.
It prints one JSON line saying what it did, and exits 0, or 1 with the reason.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TRAP = "floor_ceil_mismatch"  # 100 samples: the demo fits in a second or two
DEMO_SECONDS = 240


def main_window():
    from PySide6.QtWidgets import QApplication

    return next(widget for widget in QApplication.topLevelWidgets() if type(widget).__name__ == "MainWindow")


def type_into(edit, text: str) -> None:
    """Select the field's text and type over it with real key events."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, text)
    QTest.keyClick(edit, Qt.Key.Key_Tab)


def wait_until(condition, seconds: float) -> bool:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents()
        time.sleep(0.02)
    return True


def trap_action(window, trap_name: str):
    """The Traps menu's action for this trap, found as a person finds it: by its words."""
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        for action in menu.actions():
            if action.text().replace("&", "") == trap_name:
                return action
    raise LookupError(f"no menu action named {trap_name!r}")


def session(work: Path, demo: bool) -> dict:
    from PySide6.QtWidgets import QFileDialog

    from core.recorder import tensorflow_available

    window = main_window()
    window.ask_before_closing = False
    done: dict = {}

    type_into(window.form.epochs, "3")
    type_into(window.form.batch_size, "16")
    done["edited"] = window.plan is not None and window.plan.scenario.epochs == 3

    saved = work / "scenario.json"
    original = QFileDialog.getSaveFileName
    QFileDialog.getSaveFileName = staticmethod(lambda *args, **kwargs: (str(saved), "Scenario (*.json)"))
    try:
        done["saved"] = bool(window.save_as()) and json.loads(saved.read_text(encoding="utf-8"))["epochs"] == 3
    finally:
        QFileDialog.getSaveFileName = original

    for suffix in ("png", "svg"):
        picture = work / f"timeline.{suffix}"
        done[f"exported_{suffix}"] = bool(window.export_to(window.timeline.plot, picture)) and picture.stat().st_size > 1000

    traps = json.loads((PROJECT / "resources" / "traps.json").read_text(encoding="utf-8"))
    trap_action(window, next(trap["name"] for trap in traps if trap["key"] == TRAP)).trigger()
    done["trap"] = window.trap is not None and window.trap.key == TRAP

    done["demo"] = None
    if demo and tensorflow_available():
        window.run_demo()
        finished = wait_until(lambda: not window.demo.running, DEMO_SECONDS)
        result = window.demo.result
        done["demo"] = finished and result is not None and bool(result.matches)
        done["demo_verdict"] = window.demo.verdict.text()
    window.close()
    return done


def main() -> int:
    work = Path(sys.argv[1])
    demo = "--no-demo" not in sys.argv[2:]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(PROJECT))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import main as app_main

    app = QApplication([sys.argv[0]])  # main.main takes this one, as it does when a test starts it
    outcome: dict = {}

    def run_session() -> None:
        try:
            outcome.update(session(work, demo))
        except Exception as error:  # reported as the session's result, with its type
            outcome["error"] = f"{type(error).__name__}: {error}"
        QApplication.quit()

    # The app makes the QApplication; the session starts once the window is up and has painted.
    QTimer.singleShot(500, run_session)
    code = app_main.main([])
    del app
    print(json.dumps({"exit": code, **outcome}), flush=True)
    return 0 if code == 0 and "error" not in outcome else 1


if __name__ == "__main__":
    sys.exit(main())
