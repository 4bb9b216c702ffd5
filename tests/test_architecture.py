"""The shape of the house: the core stays free of Qt and TensorFlow, and nothing heavy loads at start."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PROJECT

CORE_MODULES = [
    "core",
    "core.scenario",
    "core.planner",
    "core.plan",
    "core.epochs",
    "core.streams",
    "core.explain",
    "core.compare",
    "core.cli",
    "core.recorder",
    "core.versions",
    "core.tensorflow_loader",
]


def _modules_loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, check=True)
    return set(output.stdout.split())


def test_core_imports_no_qt_and_no_tensorflow():
    # Importing every core module loads neither PySide6, pyqtgraph, TensorFlow nor Keras.
    loaded = _modules_loaded_after("\n".join(f"import {name}" for name in CORE_MODULES))
    assert not {"PySide6", "pyqtgraph", "tensorflow", "keras"} & loaded


def test_planning_from_the_command_line_loads_no_tensorflow():
    # `main.py plan` works without TensorFlow ever being imported.
    code = (
        "import main, io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main.main(['plan', 'examples/mnist.json'])"
    )
    loaded = _modules_loaded_after(code)
    assert "tensorflow" not in loaded and "keras" not in loaded and "PySide6" not in loaded


def test_opening_the_window_loads_no_tensorflow():
    # The window, demo panel included, opens without importing TensorFlow or Keras.
    code = (
        "import os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from gui.main_window import MainWindow\n"
        "window = MainWindow()\n"
        "window.show()\n"
        "app.processEvents()"
    )
    loaded = _modules_loaded_after(code)
    assert "PySide6" in loaded
    assert "tensorflow" not in loaded and "keras" not in loaded
