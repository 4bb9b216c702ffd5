"""Launchers: EpochScope in the applications menu, opened with a click, on Linux and Windows.

``epochscope --install-launcher`` writes, on Linux, a freedesktop menu entry
(``~/.local/share/applications/epochscope.desktop``) and the icon in every size
(``~/.local/share/icons/hicolor/*/apps/epochscope.*``); on Windows, Start menu and desktop
shortcuts made by PowerShell. ``--uninstall-launcher`` removes exactly what was written.
No Qt here: this runs from a terminal, before any window.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from core.files import write_atomically

APP_ID = "epochscope"  # the .desktop file's name, the icon's name, and the Wayland app id
APP_NAME = "EpochScope"  # the window class: Qt takes WM_CLASS from QApplication.applicationName()
COMMENT = "See which batches Keras feeds to every epoch"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
PROJECT = Path(__file__).resolve().parent.parent


def launch_command(script: Path | None = None) -> list[str]:
    """The command that opens the window, with absolute paths, for this installation.

    A self-contained build runs its own executable. Started as ``python main.py`` from a copy
    of the folder (``script``, that copy's main.py), the launcher runs that copy with this
    Python, even where the package is also installed. An installed package runs its gui script
    (``epochscope``, no console window on Windows) from beside this Python. On Windows the
    Python is ``pythonw``, for no console.
    """
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    if script is None:
        scripts = Path(sys.executable).parent
        for name in ("epochscope.exe", "epochscope") if os.name == "nt" else ("epochscope",):
            candidate = scripts / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return [str(candidate)]
        script = PROJECT / "main.py"
    # sys.executable as it is, not resolved: a virtual environment's python is a link whose
    # own path is what selects the environment.
    python = Path(os.path.abspath(sys.executable))
    if os.name == "nt" and (python.parent / "pythonw.exe").is_file():
        python = python.parent / "pythonw.exe"
    return [str(python), str(Path(script).resolve())]


def icon_file(name: str) -> Path:
    return Path(str(resources.files("resources").joinpath("icons").joinpath(name)))  # one step at a time: 3.10 and frozen builds


# ------------------------------------------------------------ Linux: freedesktop


def data_home() -> Path:
    """$XDG_DATA_HOME, or ~/.local/share (the XDG Base Directory default)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def exec_argument(argument: str) -> str:
    """One argument of a .desktop Exec line, quoted by the Desktop Entry rules where needed.

    Inside double quotes, " ` $ and \\ take a backslash; then the whole value is escaped as
    a string value (a backslash doubled), and a literal % is written %%.
    """
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if argument and not reserved & set(argument):
        quoted = argument
    else:
        escaped = "".join("\\" + char if char in '"`$\\' else char for char in argument)
        quoted = f'"{escaped}"'
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def desktop_entry(command: list[str]) -> str:
    exec_line = " ".join(exec_argument(argument) for argument in command)
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.4",  # the newest version desktop-file-validate (Debian 12) knows
            f"Name={APP_NAME}",
            "GenericName=Keras batch timeline",
            f"Comment={COMMENT}",
            f"Exec={exec_line} %f",
            "TryExec=" + command[0].replace("\\", "\\\\"),
            f"Icon={APP_ID}",
            "Terminal=false",
            "Categories=Education;ArtificialIntelligence;",
            "Keywords=Keras;TensorFlow;batch;epoch;steps_per_epoch;machine learning;",
            "StartupNotify=true",
            f"StartupWMClass={APP_NAME}",
            "",
        ]
    )


@dataclass(frozen=True)
class LinuxLauncher:
    """Where the menu entry and the icons go, under one XDG data folder."""

    data: Path

    @property
    def desktop_file(self) -> Path:
        return self.data / "applications" / f"{APP_ID}.desktop"

    def icon_files(self) -> dict[Path, Path]:
        """Installed icon path -> the shipped file it is copied from."""
        hicolor = self.data / "icons" / "hicolor"
        icons = {hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png": icon_file(f"{APP_ID}-{size}.png") for size in ICON_SIZES}
        icons[hicolor / "scalable" / "apps" / f"{APP_ID}.svg"] = icon_file(f"{APP_ID}.svg")
        return icons

    def install(self, command: list[str]) -> list[Path]:
        written = []
        for target, source in self.icon_files().items():
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, source.read_bytes())
            written.append(target)
        self.desktop_file.parent.mkdir(parents=True, exist_ok=True)
        # Written last: menus watch this folder, and the icons are in place when they look.
        write_atomically(self.desktop_file, desktop_entry(command).encode("utf-8"))
        written.append(self.desktop_file)
        return written

    def uninstall(self) -> list[Path]:
        removed = []
        for path in [self.desktop_file, *self.icon_files()]:
            if path.exists():
                path.unlink()
                removed.append(path)
        return removed


# ------------------------------------------------------------ Windows: shortcuts


def _powershell_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def windows_shortcut_script(command: list[str], icon: Path, remove: bool = False) -> str:
    """PowerShell that makes (or removes) EpochScope.lnk in the Start menu and on the desktop."""
    lines = [
        "$ErrorActionPreference = 'Stop'",
        "$places = @([Environment]::GetFolderPath('Programs'), [Environment]::GetFolderPath('Desktop'))",
        "foreach ($place in $places) {",
        f"  $path = Join-Path $place {_powershell_string(APP_NAME + '.lnk')}",
    ]
    if remove:
        lines += ["  if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path; Write-Output $path }", "}"]
        return "\n".join(lines)
    arguments = subprocess.list2cmdline(command[1:])
    lines += [
        "  $link = (New-Object -ComObject WScript.Shell).CreateShortcut($path)",
        f"  $link.TargetPath = {_powershell_string(command[0])}",
        f"  $link.Arguments = {_powershell_string(arguments)}",
        f"  $link.WorkingDirectory = {_powershell_string(str(Path(command[-1]).parent))}",
        f"  $link.IconLocation = {_powershell_string(str(icon) + ',0')}",
        f"  $link.Description = {_powershell_string(COMMENT)}",
        "  $link.Save()",
        "  Write-Output $path",
        "}",
    ]
    return "\n".join(lines)


def _run_powershell(script: str) -> list[Path]:
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    done = subprocess.run(
        ["powershell", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", encoded],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise OSError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "PowerShell failed")
    return [Path(line) for line in done.stdout.splitlines() if line.strip()]


def _windows_icon_copy() -> Path:
    """The .ico copied to %LOCALAPPDATA%\\EpochScope, so shortcuts keep their icon if the package moves."""
    return Path(os.environ.get("LOCALAPPDATA", str(Path.home()))) / APP_NAME / f"{APP_ID}.ico"


# ------------------------------------------------------------ the commands


def install_launcher(out=sys.stdout, err=sys.stderr, script: Path | None = None) -> int:
    """Install the launcher; ``script`` is the main.py that was run, when run as ``python main.py``."""
    command = launch_command(script)
    try:
        if os.name == "nt":
            icon = _windows_icon_copy()
            icon.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(icon, icon_file(f"{APP_ID}.ico").read_bytes())
            written = _run_powershell(windows_shortcut_script(command, icon))
            where = "the Start menu and on the desktop"
        elif sys.platform.startswith("linux") or "bsd" in sys.platform:
            written = LinuxLauncher(data_home()).install(command)
            where = "your applications menu (under Education)"
        else:
            print(f"error: launchers are made on Linux and Windows; on {sys.platform} start it with: epochscope", file=err)
            return 2
    except OSError as error:
        print(f"error: could not install the launcher: {error}", file=err)
        return 1
    for path in written:
        print(f"wrote {path}", file=out)
    print(f"EpochScope is now in {where}. It starts: {' '.join(command)}", file=out)
    return 0


def uninstall_launcher(out=sys.stdout, err=sys.stderr, script: Path | None = None) -> int:
    try:
        if os.name == "nt":
            removed = _run_powershell(windows_shortcut_script(launch_command(script), _windows_icon_copy(), remove=True))
            icon = _windows_icon_copy()
            if icon.exists():
                icon.unlink()
                removed.append(icon)
                if not any(icon.parent.iterdir()):
                    icon.parent.rmdir()
        else:
            removed = LinuxLauncher(data_home()).uninstall()
    except OSError as error:
        print(f"error: could not remove the launcher: {error}", file=err)
        return 1
    for path in removed:
        print(f"removed {path}", file=out)
    print("The EpochScope launcher is removed." if removed else "There was no EpochScope launcher to remove.", file=out)
    return 0
