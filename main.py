"""EpochScope: see exactly which batches Keras feeds to every epoch.

python main.py                      open the window
python main.py SCENARIO.json        open the window with a scenario
python main.py plan SCENARIO.json   print the plan (--json for the plan JSON)
python main.py verify SCENARIO.json run real Keras and compare it with the plan
python main.py import CODE.py       read a training script or notebook into a scenario (--json)
python main.py --install-launcher   put EpochScope in the applications menu (--uninstall-launcher)
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

COMMANDS = ("plan", "verify", "import", "-h", "--help")


def main(argv: list[str] | None = None, script: Path | None = None) -> int:
    """Run EpochScope; ``script`` is this main.py when it was run as a script (``python main.py``)."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("--install-launcher", "--uninstall-launcher"):
        from core.launcher import install_launcher, uninstall_launcher

        # From a copy of the folder, the launcher starts that copy, not an installed epochscope.
        if args[0] == "--install-launcher":
            return install_launcher(script=script)
        return uninstall_launcher(script=script)
    if args and args[0] in COMMANDS:
        from core.cli import run

        try:
            code = run(args)
            sys.stdout.flush()
        except BrokenPipeError:
            # `epochscope plan --json big.json | head`: the reader has all it wanted. Point stdout at
            # the null device so the interpreter's own flush at exit does not fail a second time.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        return code
    # Loading the window's libraries (PySide6, pyqtgraph, numpy) and building the window make a great many
    # objects and no garbage cycles: the cyclic collector, run again and again over them, costs about a tenth
    # of the start. It is paused until the window is built (run_app resumes it before the event loop).
    gc.disable()
    try:
        from gui.app import run_app

        return run_app(args)
    finally:
        gc.enable()


if __name__ == "__main__":
    sys.exit(main(script=Path(__file__)))
