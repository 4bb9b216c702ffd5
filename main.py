"""EpochScope: see exactly which batches Keras feeds to every epoch.

python main.py                      open the window
python main.py SCENARIO.json        open the window with a scenario
python main.py plan SCENARIO.json   print the plan (--json for the plan JSON)
python main.py verify SCENARIO.json run real Keras and compare it with the plan
python main.py --install-launcher   put EpochScope in the applications menu (--uninstall-launcher)
"""

from __future__ import annotations

import sys

COMMANDS = ("plan", "verify", "-h", "--help")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("--install-launcher", "--uninstall-launcher"):
        from core.launcher import install_launcher, uninstall_launcher

        return install_launcher() if args[0] == "--install-launcher" else uninstall_launcher()
    if args and args[0] in COMMANDS:
        from core.cli import run

        return run(args)
    from gui.app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
