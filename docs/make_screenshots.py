"""Regenerate docs/screenshots/: every preset, every trap of the gallery and presentation mode, at 1280x720.

    python docs/make_screenshots.py

Each picture is made by the app itself: ``main.py [SCENARIO] [options] --screenshot OUT.png``.
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


def shoot(arguments: list[str], out: Path, env: dict[str, str]) -> None:
    command = [sys.executable, str(ROOT / "main.py"), *arguments, "--screenshot", str(out)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    print(out.relative_to(ROOT))


def main() -> None:
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


if __name__ == "__main__":
    main()
