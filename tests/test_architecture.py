"""The shape of the house: the core stays free of Qt and TensorFlow, and nothing heavy loads at start."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.app_process import printed_problems
from tests.conftest import PROJECT, keras_installed

CORE_MODULES = [
    "core",
    "core.scenario",
    "core.plan",
    "core.words",
    "core.data",
    "core.data.streams",
    "core.data.sequences",
    "core.data.steps",
    "core.data.sources",
    "core.keras",
    "core.keras.epochs",
    "core.keras.epoch_iterator",
    "core.keras.fit",
    "core.keras.warnings",
    "core.explain",
    "core.compare",
    "core.cli",
    "core.recorder",
    "core.versions",
    "core.tensorflow_loader",
    "core.launcher",
    "core.questions",
    "core.lessons",
    "core.share",
    "core.code_import",
    "core.code_import.expr",
    "core.code_import.source",
    "core.code_import.values",
    "core.code_import.datasets",
    "core.code_import.interpreter",
    "core.code_import.build",
    "core.code_import.reading",
    "core.loss_runs",
]


def _modules_loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, check=True)
    return set(output.stdout.split())


def test_core_imports_no_qt_and_no_tensorflow():
    # Importing every core module loads neither PySide6, pyqtgraph, TensorFlow nor Keras.
    loaded = _modules_loaded_after("\n".join(f"import {name}" for name in CORE_MODULES))
    assert not {"PySide6", "pyqtgraph", "tensorflow", "keras"} & loaded


def _core_imports() -> dict[str, set[str]]:
    """Each core module's name -> the core modules it imports, read from its source (any depth of the file)."""
    import ast

    graph: dict[str, set[str]] = {}
    for path in sorted((PROJECT / "core").rglob("*.py")):
        parts = path.relative_to(PROJECT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = name if parts[-1] == "__init__" else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                imported.add(base)
                imported.update(f"{base}.{alias.name}" for alias in node.names)
        graph[name] = imported
    return {name: {other for other in imported if other in graph and other != name} for name, imported in graph.items()}


def test_core_has_no_import_cycle():
    # No core module imports itself through others (explain and the planner once did), packages' __init__ aside.
    graph = {
        name: {o for o in deps if not (name.startswith(o + ".") or o.startswith(name + "."))}
        for name, deps in _core_imports().items()
    }
    graph = {name: {o for o in deps if o != "core"} for name, deps in graph.items() if name != "core"}
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(graph[name]):
            assert state.get(other) != 1, "import cycle: " + " -> ".join([*path, name, other])
            if other not in state:
                visit(other, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_the_data_side_knows_nothing_of_the_keras_side():
    # core/data describes what the data yields; how Keras walks through it lives in core/keras only.
    graph = _core_imports()
    for name, imported in graph.items():
        if name.startswith("core.data"):
            assert not {other for other in imported if other.startswith("core.keras")}, name


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


def test_tensorflow_loads_only_when_the_demo_is_asked_for(tmp_path):
    # The real start path (main.main, as a double-click runs it) paints the window without TensorFlow;
    # Demo > Run then loads it, in the demo's thread.
    code = f"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["HOME"] = {str(tmp_path)!r}
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
seen = {{}}

def painted():
    window = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "MainWindow")
    seen["at_start"] = sorted({{"tensorflow", "keras"}} & set(sys.modules))
    window.ask_before_closing = False
    window.run_demo()
    def finished():
        if window.demo.running:
            QTimer.singleShot(100, finished)
            return
        seen["after_demo"] = sorted({{"tensorflow", "keras"}} & set(sys.modules))
        print(json.dumps(seen), flush=True)
        os._exit(0)
    finished()

QTimer.singleShot(300, painted)
import main
main.main([])
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not printed_problems(done.stderr), done.stderr[-4000:]  # a person would see it in the terminal
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["at_start"] == []
    if keras_installed():
        assert seen["after_demo"] == ["keras", "tensorflow"]


# Loaded when their feature is first used, never before the window's first paint: TensorFlow and
# Keras, the demo's core and its comparison (the demo), the exports (File > Export), numpy.ma
# (np.unique pulls it in), the secrets module (its hmac and hashlib).
NOT_BEFORE_THE_FIRST_PAINT = {
    "tensorflow",
    "keras",
    "core.demo",
    "core.demo_worker",
    "core.record_flavour",
    "core.record_worker",
    "core.recorder",  # with the data builders below: the demo's first run loads them
    "core.pipelines",
    "core.codegen",  # the code is written when its tab is first shown
    "html",  # its entity table: gui.markup escapes the five characters itself
    "core.compare",
    "core.data.steps",  # tf.data's algebra: the first pipeline planned loads it
    "core.data.sequences",
    "gui.export",
    "gui.loss_plot",  # built when the demo's tab is first shown
    "core.questions",  # asked when question mode is first entered
    "core.lessons",  # read when a lesson is opened
    "core.share",  # when a scenario is copied or pasted as a line
    "core.code_import",  # when code is imported
    "core.loss_runs",  # the demo's numbers: when the first run starts
    "numpy.ma",
    "secrets",
}


def test_the_start_path_loads_only_what_the_first_paint_needs(tmp_path):
    # main.main, as a double-click runs it, up to the first painted plot: no module the first paint does not need.
    code = f"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["HOME"] = {str(tmp_path)!r}
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])

def report():
    print(json.dumps(sorted(sys.modules)), flush=True)
    os._exit(0)

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and type(watched.parent()).__name__ == "PlotWidget":
            QTimer.singleShot(0, report)
        return False

watcher = FirstPaint()
app.installEventFilter(watcher)
import main
main.main([])
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not printed_problems(done.stderr), done.stderr[-4000:]  # a person would see it in the terminal
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "gui.main_window" in loaded
    assert NOT_BEFORE_THE_FIRST_PAINT & loaded == set()


def test_every_code_package_is_installed():
    # `pip install .` installs only the packages pyproject.toml lists: a new folder of modules (core/data,
    # core/keras) left out there works in a checkout and fails with ImportError once installed.
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    listed = set(tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(PROJECT).parts)
        for top in ("core", "gui", "resources")
        for init in (PROJECT / top).rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert all((PROJECT / name.replace(".", "/")).is_dir() for name in listed)
