"""Regenerate docs/screenshots/: every preset, every trap of the gallery, presentation mode, a question and
its reveal, imported code and the live demo, at 1280x720.

    python docs/make_screenshots.py

Each picture is made by the app itself: ``main.py [SCENARIO] [options] --screenshot OUT.png``, or, for a
window a person has worked in (a question answered, code imported, two demo runs), the window opened by
``main.main`` and driven through its own actions and widgets before it is grabbed. The demo's pictures are
real fits run through the window, grabbed once the verdict is in: they need TensorFlow
(``pip install ".[demo]"``); without it those pictures are left as they were, and the script says so and
exits 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
# The README's demo picture: a tf.data pipeline that runs out of data every other epoch, validated.
DEMO_SCENARIO = {
    "train": {"samples": 2000, "source": "dataset", "batch_size": 32},
    "epochs": 5,
    "steps_per_epoch": 40,
    "validation": {"samples": 300, "source": "dataset", "batch_size": 50, "steps": 4},
}
DEMO_SECONDS = 300
# The loss plot with two kept runs: the same data in batches of 32, then of 16.
TWO_RUNS = {
    "train": {"samples": 64, "source": "dataset", "batch_size": 32},
    "epochs": 13,
    "validation": {"samples": 16, "source": "dataset", "batch_size": 16},
}
# A student's Keras 2 script with a folder of images: fields from the code, one to fill in, a Keras 2 box.
IMPORTED_CODE = ROOT / "tests" / "code_corpus" / "so_fit_generator_flow_from_directory.py"
WINDOW_SHOTS = ("question-ask", "question-reveal", "import", "demo-verified", "demo-two-runs")


def shoot(arguments: list[str], out: Path, env: dict[str, str]) -> None:
    command = [sys.executable, str(ROOT / "main.py"), *arguments, "--screenshot", str(out)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    print(out.relative_to(ROOT))


def shoot_here(kind: str, out: Path, env: dict[str, str]) -> bool:
    """One of this script's own window shots, in a process of its own: one QApplication per picture, as for the
    others."""
    command = [sys.executable, str(Path(__file__).resolve()), "--window-shot", kind, str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=DEMO_SECONDS + 60, check=False)
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").splitlines()[-1]
        print(f"{out.relative_to(ROOT)} not remade: {said}", file=sys.stderr)
        return False
    print(out.relative_to(ROOT))
    return True


def window_shot(kind: str, out: str) -> int:
    """Open the window as a person does, work in it through its actions and widgets, then grab it. The kinds:
    question-ask, question-reveal (a wrong answer checked), import (IMPORTED_CODE), demo-verified (a real run of
    DEMO_SCENARIO, grabbed once its verdict is in), demo-two-runs (TWO_RUNS in batches of 32, then of 16)."""
    import math
    import time

    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QPointF, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    import main as app_main
    from core.scenario import scenario_from_dict
    from core.tensorflow_loader import tensorflow_available
    from gui.app import SCREEN_SIZE, save_screenshot

    if kind.startswith("demo") and not tensorflow_available():
        print('the live demo needs TensorFlow: python -m pip install ".[demo]"', file=sys.stderr)
        return 1
    app = QApplication([sys.argv[0]])
    status = {"code": 1}
    deadline = time.monotonic() + DEMO_SECONDS

    def window():
        return next(widget for widget in QApplication.topLevelWidgets() if type(widget).__name__ == "MainWindow")

    def action(menu: str, text: str):
        menu_action = next(entry for entry in window().menuBar().actions() if entry.text().replace("&", "") == menu)
        return next(entry for entry in menu_action.menu().actions() if entry.text().replace("&", "").startswith(text))

    def finish(code: int) -> None:
        status["code"] = code
        window().ask_before_closing = False
        window().close()
        app.quit()

    def grab_soon() -> None:
        QTimer.singleShot(1000, lambda: finish(save_screenshot(window(), out)))  # the last refresh painted

    def questions() -> None:
        action("View", "Questions").trigger()
        if kind == "question-reveal":  # a wrong answer typed and checked, as a student would
            from gui.questions import QuestionPanel

            panel = window().findChild(QuestionPanel)
            QTest.keyClicks(panel.answer, "1")
            panel.check_button.click()
        grab_soon()

    def point_at_step(step: int) -> None:
        demo = window().demo
        plot = demo.plot
        scene = plot.getViewBox().mapViewToScene(QPointF(step, math.log10(demo.losses()[0][step - 1])))
        QTest.mouseMove(plot.viewport(), plot.mapFromScene(scene))

    def demo_runs(scenarios: list[dict], started: bool = False) -> None:
        """Run each scenario in turn through Demo > Run; every run must verify."""
        demo = window().demo
        if demo.running and time.monotonic() < deadline:
            QTimer.singleShot(100, lambda: demo_runs(scenarios, started))
            return
        if started and (demo.result is None or not demo.result.matches):
            print(f"the demo did not verify: {demo.verdict.text() or 'no verdict'}", file=sys.stderr)
            finish(1)
        elif scenarios:
            window().form.set_scenario(scenario_from_dict(scenarios[0]))
            action("Demo", "Run").trigger()
            QTimer.singleShot(100, lambda: demo_runs(scenarios[1:], True))
        else:
            if kind == "demo-two-runs":
                demo.smoothing_slider.setValue(round(0.6 * demo.smoothing_slider.maximum() / 0.99))
                point_at_step(20)
            grab_soon()

    def start() -> None:
        window().resize(*SCREEN_SIZE)  # as --screenshot does; otherwise the window fits the (offscreen) screen
        if kind.startswith("question"):
            questions()
        elif kind == "import":
            window().code_import.import_file(IMPORTED_CODE)
            grab_soon()
        elif kind == "demo-verified":
            demo_runs([DEMO_SCENARIO])
        else:
            demo_runs([dict(TWO_RUNS, train=dict(TWO_RUNS["train"], batch_size=size)) for size in (32, 16)])

    QTimer.singleShot(400, start)
    arguments = ["--trap", "floor_ceil_mismatch"] if kind.startswith("question") else []
    app_main.main([*arguments, "--theme", "light"])
    return status["code"]


def main() -> int:
    if sys.argv[1:2] == ["--window-shot"]:
        return window_shot(*sys.argv[2:4])
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": home, "XDG_CONFIG_HOME": home}
        presets = json.loads((ROOT / "resources" / "presets.json").read_text())
        for index, preset in enumerate(presets, 1):
            scenario = Path(home) / f"preset{index}.json"
            scenario.write_text(json.dumps(preset["scenario"]))
            shoot([str(scenario), "--theme", "light"], OUT / f"preset-{index}.png", env)
        for trap in json.loads((ROOT / "resources" / "traps.json").read_text()):
            shoot(["--trap", trap["key"], "--theme", "light"], OUT / f"trap-{trap['key']}.png", env)
        for theme, trap in (("light", "floor_ceil_mismatch"), ("dark", "steps_per_execution_overshoot")):
            shoot(["--trap", trap, "--presentation", "--theme", theme], OUT / f"presentation-{theme}.png", env)
        made = [shoot_here(kind, OUT / f"{kind}.png", env) for kind in WINDOW_SHOTS]
        return 0 if all(made) else 1


if __name__ == "__main__":
    sys.exit(main())
