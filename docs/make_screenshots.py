"""Regenerate docs/screenshots/: every preset and every trap of the gallery, at 1280x720.

    python docs/make_screenshots.py

Each picture is made by the app itself: ``main.py SCENARIO --screenshot OUT.png``.
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


def shoot(scenario_file: Path, out: Path, env: dict[str, str]) -> None:
    command = [sys.executable, str(ROOT / "main.py"), str(scenario_file), "--screenshot", str(out)]
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
            shoot(scenario, OUT / f"preset-{index}.png", env)
        for trap in json.loads((ROOT / "resources" / "traps.json").read_text()):
            scenario = Path(home) / f"{trap['key']}.json"
            scenario.write_text(json.dumps(trap["scenario"]))
            shoot(scenario, OUT / f"trap-{trap['key']}.png", env)


if __name__ == "__main__":
    main()
