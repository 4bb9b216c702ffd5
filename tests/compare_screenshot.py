"""Render the compare view at 1280x720 to a PNG, for looking at it and for the README.

    QT_QPA_PLATFORM=offscreen python -m tests.compare_screenshot SCENARIO.json OUT.png [flavours|floor_ceil|other]
    QT_QPA_PLATFORM=offscreen python -m tests.compare_screenshot --readme    (remakes docs/images/compare-view.png)

The view opens as View > Compare opens it (its QAction), on the scenario's own flavour above tf.keras 2
(or Keras 3 on TensorFlow for a tf.keras 2 scenario), and is grabbed once both timelines are laid out.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from gui.compare_view import COMPARE_SIZE

# The README's picture: NumPy arrays with steps_per_epoch, which tf.keras 2 streams across epochs and Keras 3 does not.
README_SCENARIO = {
    "keras": "2",
    "train": {"samples": 100, "source": "arrays", "batch_size": 32, "shuffle": False},
    "epochs": 4,
    "steps_per_epoch": 3,
}
README_PICTURE = Path(__file__).resolve().parent.parent / "docs" / "images" / "compare-view.png"


def main(args: list[str]) -> int:
    if args == ["--readme"]:
        with tempfile.TemporaryDirectory() as folder:
            scenario = Path(folder) / "readme.json"
            scenario.write_text(json.dumps(README_SCENARIO))
            return main([str(scenario), str(README_PICTURE)])
    if len(args) not in (2, 3):
        print("\n".join(line.strip() for line in __doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    from core.files import BadScenarioFile, load_scenario
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    pg.setConfigOptions(antialias=False)
    try:
        scenario = load_scenario(args[0])
    except BadScenarioFile as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    window = MainWindow(scenario)
    window.ask_before_closing = False
    window.resize(*COMPARE_SIZE)
    window.compare_action.trigger()
    view = window.compare_view
    if len(args) == 3:
        view.set_mode(args[2])
    view.resize(*COMPARE_SIZE)
    view.show()
    for _ in range(3):
        app.processEvents()
    for timeline in (view.top, view.bottom):
        timeline.relayout()
    app.processEvents()
    saved = view.grab().save(args[1], "PNG")
    window.close()
    if not saved:
        print(f"error: could not write {args[1]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
