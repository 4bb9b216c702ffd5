"""Regenerate docs/screenshots/: every preset, every trap of the gallery, presentation mode and the live demo, at 1280x720.

    python docs/make_screenshots.py

Each picture is made by the app itself: ``main.py [SCENARIO] [options] --screenshot OUT.png``.
The demo's picture (demo-verified.png) is a real fit run through the window, grabbed once the
verdict is in: it needs TensorFlow (``pip install ".[demo]"``); without it that one picture is
left as it was, and the script says so and exits 1.
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


def shoot(arguments: list[str], out: Path, env: dict[str, str]) -> None:
    command = [sys.executable, str(ROOT / "main.py"), *arguments, "--screenshot", str(out)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    print(out.relative_to(ROOT))


def shoot_demo(scenario: Path, out: Path, env: dict[str, str]) -> bool:
    """Run this script's demo shot in its own process (one QApplication per picture, as for the others)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--demo-shot", str(scenario), str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=DEMO_SECONDS + 60, check=False)
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}").splitlines()[-1]
        print(f"{out.relative_to(ROOT)} not remade: {said}", file=sys.stderr)
        return False
    print(out.relative_to(ROOT))
    return True


def demo_shot(scenario: str, out: str) -> int:
    """Open the window as a person does, run the live demo, wait for its verdict, then grab the window."""
    import time

    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import main as app_main
    from core.recorder import tensorflow_available
    from gui.app import save_screenshot

    if not tensorflow_available():
        print('the live demo needs TensorFlow: python -m pip install ".[demo]"', file=sys.stderr)
        return 1
    app = QApplication([sys.argv[0]])
    status = {"code": 1}
    deadline = time.monotonic() + DEMO_SECONDS

    def window():
        return next(widget for widget in QApplication.topLevelWidgets() if type(widget).__name__ == "MainWindow")

    def finish(code: int) -> None:
        status["code"] = code
        window().ask_before_closing = False
        window().close()
        app.quit()

    def wait_for_verdict() -> None:
        demo = window().demo
        if demo.running and time.monotonic() < deadline:
            QTimer.singleShot(100, wait_for_verdict)
        elif demo.result is None or not demo.result.matches:
            print(f"the demo did not verify: {demo.verdict.text() or 'no verdict'}", file=sys.stderr)
            finish(1)
        else:
            QTimer.singleShot(1000, lambda: finish(save_screenshot(window(), out)))  # the last refresh painted

    def start() -> None:
        window().run_demo()
        wait_for_verdict()

    QTimer.singleShot(400, start)
    app_main.main([scenario, "--theme", "light"])
    return status["code"]


def main() -> int:
    if sys.argv[1:2] == ["--demo-shot"]:
        return demo_shot(*sys.argv[2:4])
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
        scenario = Path(home) / "demo.json"
        scenario.write_text(json.dumps(DEMO_SCENARIO))
        return 0 if shoot_demo(scenario, OUT / "demo-verified.png", env) else 1


if __name__ == "__main__":
    sys.exit(main())
