"""A real desktop app: the launcher, its icon, and the Exec line that starts the window."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from core.launcher import (
    APP_ID,
    APP_NAME,
    ICON_SIZES,
    LinuxLauncher,
    desktop_entry,
    exec_argument,
    icon_file,
    install_launcher,
    launch_command,
    uninstall_launcher,
    windows_shortcut_script,
)
from tests.app_process import printed_problems
from tests.conftest import PROJECT, without_system_tool

pytestmark = pytest.mark.skipif(os.name == "nt", reason="freedesktop launchers are Linux's")


@pytest.fixture
def desktop_file_validate() -> str:
    """Debian's desktop-file-validate; CI installs it and sets EPOCHSCOPE_REQUIRE_SYSTEM_TOOLS=1 so this never skips there."""
    tool = shutil.which("desktop-file-validate")
    if tool:
        return tool
    without_system_tool("desktop-file-validate is not installed (Debian package desktop-file-utils)")


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    """The user's XDG data folder, in a temporary place."""
    folder = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder


def read_entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


def exec_to_argv(exec_line: str) -> list[str]:
    """Split an Exec value the way the Desktop Entry Specification says a launcher must."""
    value = exec_line.replace("\\\\", "\\")  # the string-value escape first
    argv, current, quoted, index, started = [], "", False, 0, False
    while index < len(value):
        char = value[index]
        if quoted and char == "\\" and index + 1 < len(value) and value[index + 1] in '"`$\\':
            current += value[index + 1]
            index += 2
            continue
        if char == '"':
            quoted, started = not quoted, True
        elif char == " " and not quoted:
            if started:
                argv.append(current)
            current, started = "", False
        else:
            current += char
            started = True
        index += 1
    if started:
        argv.append(current)
    return [argument.replace("%%", "%") for argument in argv]


def test_install_writes_a_valid_menu_entry_and_every_icon_and_uninstall_removes_them(data_home, desktop_file_validate):
    # --install-launcher: a desktop-file-validate-clean entry in Education, the icon in every size;
    # --uninstall-launcher removes exactly those files.
    out = io.StringIO()
    assert install_launcher(out=out) == 0
    launcher = LinuxLauncher(data_home)
    checked = subprocess.run([desktop_file_validate, str(launcher.desktop_file)], capture_output=True, text=True)
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout + checked.stderr
    entry = read_entry(launcher.desktop_file)
    assert entry["Type"] == "Application" and entry["Name"] == APP_NAME
    assert "Education" in entry["Categories"].split(";")
    assert entry["StartupWMClass"] == APP_NAME
    assert entry["Icon"] == APP_ID and entry["Terminal"] == "false"
    for size in ICON_SIZES:
        installed = data_home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert installed.read_bytes() == icon_file(f"{APP_ID}-{size}.png").read_bytes()
    assert (data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert "applications menu" in out.getvalue()

    out = io.StringIO()
    assert uninstall_launcher(out=out) == 0
    assert not [path for path in data_home.rglob("*") if path.is_file()]
    assert "removed" in out.getvalue()
    out = io.StringIO()
    assert uninstall_launcher(out=out) == 0
    assert "no EpochScope launcher" in out.getvalue()


def test_the_exec_line_starts_the_app_with_a_file_dropped_on_it(data_home, tmp_path):
    # The Exec line, split as a desktop does, with %f replaced by a scenario file, opens the window.
    assert install_launcher(out=io.StringIO()) == 0
    argv = exec_to_argv(read_entry(LinuxLauncher(data_home).desktop_file)["Exec"])
    assert argv[-1] == "%f"
    scenario = tmp_path / "dropped.json"
    scenario.write_text(json.dumps({"train": {"samples": 100, "batch_size": 32}, "epochs": 2}))
    picture = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    started = subprocess.run(
        [*argv[:-1], str(scenario), "--screenshot", str(picture)], env=env, capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0, started.stderr
    assert printed_problems(started.stderr) == [], started.stderr
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "error" not in started.stderr


@pytest.mark.parametrize(
    "path", ["/opt/epoch scope/bin/python", '/home/ana/"quoted" $HOME `x`/python', "/srv/100%/python", "C:\\Python\\python"]
)
def test_exec_quoting_gives_back_every_path(path, desktop_file_validate, tmp_path):
    # Spaces, quotes, $, backquotes, backslashes and % in a path survive the Exec line, and the entry stays valid.
    command = [path, "/home/ana/my project/main.py"]
    assert exec_to_argv(" ".join(exec_argument(argument) for argument in command)) == command
    entry = tmp_path / f"{APP_ID}.desktop"
    entry.write_text(desktop_entry(command), encoding="utf-8")
    checked = subprocess.run([desktop_file_validate, str(entry)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout


def test_the_window_names_itself_as_the_launcher_expects(tmp_path):
    # Qt takes the X11 window class from the application name and the Wayland app id from the desktop
    # file name: they must be StartupWMClass and the .desktop file's name, or the dock shows a second icon.
    code = f"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["HOME"] = {str(tmp_path)!r}
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
from gui.app import run_app
code = run_app(["--screenshot", {str(tmp_path / "shot.png")!r}])
icon_sizes = sorted({{size.width() for size in app.windowIcon().availableSizes()}})
print(json.dumps([code, app.applicationName(), app.desktopFileName(), icon_sizes]))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert printed_problems(done.stderr) == [], done.stderr
    code, application_name, desktop_file_name, icon_sizes = json.loads(done.stdout.splitlines()[-1])
    entry = dict(line.split("=", 1) for line in desktop_entry(["epochscope"]).splitlines()[1:] if line)
    assert code == 0
    assert application_name == entry["StartupWMClass"] == APP_NAME
    assert desktop_file_name == APP_ID
    assert set(icon_sizes) >= set(ICON_SIZES)


# Antialiased edges may round one or two colour levels apart on another CPU (SIMD paths differ);
# a bitmap scaled from another size differs by 100 levels or more at its edges.
PIXEL_LEVELS = 3
MEAN_LEVELS = 0.1


def assert_same_picture(expected, actual, name: str) -> None:
    """Same size, every channel of every pixel within PIXEL_LEVELS, and on average within MEAN_LEVELS."""
    import numpy as np
    from PySide6.QtGui import QImage

    def channels(image):
        image = image.convertToFormat(QImage.Format.Format_ARGB32)
        flat = np.frombuffer(bytes(image.constBits()), dtype=np.uint8)
        return flat.reshape(image.height(), image.bytesPerLine())[:, : 4 * image.width()].astype(np.int16)

    assert (expected.width(), expected.height()) == (actual.width(), actual.height()), name
    difference = np.abs(channels(expected) - channels(actual))
    assert difference.max() <= PIXEL_LEVELS, f"{name}: a pixel differs by {difference.max()} colour levels"
    assert difference.mean() <= MEAN_LEVELS, f"{name}: pixels differ by {difference.mean():.3f} levels on average"


def test_the_picture_comparison_tells_a_scaled_bitmap_from_a_rendering(qapp):
    # The tolerance forgives rounding, not a shortcut: the 256 px icon scaled down to 32 px fails.
    from PySide6.QtGui import QImage

    from tools.make_icons import render_png

    rendered = QImage.fromData(render_png(icon_file(f"{APP_ID}.svg"), 32))
    assert_same_picture(rendered, rendered.copy(), "the same picture")
    scaled = QImage(str(icon_file(f"{APP_ID}-256.png"))).scaled(32, 32)
    with pytest.raises(AssertionError, match="colour levels"):
        assert_same_picture(rendered, scaled, "scaled")


def test_the_icon_is_drawn_at_every_size_from_its_vector_source(qapp):
    # Each PNG is the SVG rendered at that size (not a scaled bitmap), and the .ico holds all of them.
    from PySide6.QtGui import QImage

    from tools.make_icons import SIZES, render_png

    assert SIZES == ICON_SIZES
    svg = icon_file(f"{APP_ID}.svg")
    for size in ICON_SIZES:
        shipped = QImage(str(icon_file(f"{APP_ID}-{size}.png")))
        assert (shipped.width(), shipped.height()) == (size, size)
        fresh = QImage.fromData(render_png(svg, size))
        assert_same_picture(shipped, fresh, f"{size}x{size}")
    ico = icon_file(f"{APP_ID}.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind, count) == (0, 1, len(ICON_SIZES))
    for index, size in enumerate(ICON_SIZES):
        width, height, _colours, _zero, _planes, bits, length, offset = struct.unpack_from("<BBBBHHII", ico, 6 + 16 * index)
        assert (width or 256, height or 256, bits) == (size, size, 32)
        assert ico[offset : offset + length] == icon_file(f"{APP_ID}-{size}.png").read_bytes()


def test_the_windows_shortcut_script_quotes_its_paths():
    # The PowerShell that makes the Start menu and desktop shortcuts: paths with ' and spaces stay whole.
    command = ["C:\\Users\\O'Neil\\venv\\Scripts\\pythonw.exe", "C:\\Users\\O'Neil\\my project\\main.py"]
    script = windows_shortcut_script(command, Path("C:/icons/epochscope.ico"))
    assert "$link.TargetPath = 'C:\\Users\\O''Neil\\venv\\Scripts\\pythonw.exe'" in script
    assert "$link.Arguments = '\"C:\\Users\\O''Neil\\my project\\main.py\"'" in script
    assert "GetFolderPath('Programs')" in script and "GetFolderPath('Desktop')" in script
    assert script.count("EpochScope.lnk") == 1
    removal = windows_shortcut_script(command, Path("C:/icons/epochscope.ico"), remove=True)
    assert "Remove-Item" in removal and "CreateShortcut" not in removal


def test_main_py_installs_the_launcher_without_opening_a_window(data_home):
    # `python main.py --install-launcher` works from a terminal with no display and no Qt.
    env = {**os.environ, "XDG_DATA_HOME": str(data_home), "QT_QPA_PLATFORM": "none-such"}
    done = subprocess.run(
        [sys.executable, "main.py", "--install-launcher"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert printed_problems(done.stderr) == [], done.stderr
    assert (data_home / "applications" / f"{APP_ID}.desktop").is_file()


def test_main_py_from_a_copy_makes_a_launcher_for_that_copy(data_home, tmp_path):
    # As the README promises: the launcher made by a copy's main.py runs that copy's main.py with this
    # Python, even where an installed `epochscope` script sits beside this Python.
    copy = tmp_path / "my copy of epochscope"
    copy.mkdir()
    for part in ("main.py", "core", "gui", "resources"):
        source = PROJECT / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / part)
    env = {**os.environ, "XDG_DATA_HOME": str(data_home), "QT_QPA_PLATFORM": "none-such"}
    done = subprocess.run(
        [sys.executable, "main.py", "--install-launcher"], cwd=copy, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    argv = exec_to_argv(read_entry(data_home / "applications" / f"{APP_ID}.desktop")["Exec"])
    assert argv == [os.path.abspath(sys.executable), str((copy / "main.py").resolve()), "%f"]
    assert str(copy / "main.py") in done.stdout


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--trap", "no_such_trap"], "There is no trap 'no_such_trap'; the traps are: floor_ceil_mismatch,"),
        (["no-such-scenario.json"], "no-such-scenario.json: no such file"),
    ],
)
def test_a_screenshot_of_a_bad_start_exits_2_with_one_line(arguments, words, tmp_path):
    # --screenshot with an unknown trap or a missing scenario file writes no picture, exits 2 and says why in one line.
    picture = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "main.py", *arguments, "--screenshot", str(picture)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if "propagateSizeHints" not in line]
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], done.stderr
    assert not picture.exists()


def test_a_self_contained_build_says_how_to_get_the_demo(window, monkeypatch):
    # A build without TensorFlow (sys.frozen) says up front, in the demo tab, how to enable the demo.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr("gui.demo_panel.tensorflow_available", lambda: False)
    shown = window()
    words = shown.demo.status.text()
    assert "self-contained build" in words and 'pip install ".[demo]"' in words
    assert launch_command() == [str(Path(sys.executable).resolve())]


def test_the_readme_shows_every_trap_and_only_pictures_that_exist():
    # The README's trap table names all thirteen traps with their screenshots, and every picture it shows is shipped.
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for trap in json.loads((PROJECT / "resources" / "traps.json").read_text(encoding="utf-8")):
        assert f"docs/screenshots/trap-{trap['key']}.png" in readme, trap["key"]
    pictures = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", readme)
    assert len(pictures) >= 13
    assert [picture for picture in pictures if not (PROJECT / picture).is_file()] == []


def test_the_readme_makes_a_virtual_environment_before_any_pip_install():
    # Debian and Ubuntu refuse pip outside a virtual environment and have no `python` command:
    # each shell block that installs starts with `python3 -m venv` and activates it first.
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"(?:^    .*\n)+", readme, flags=re.MULTILINE)
    installing = [block for block in blocks if "pip install" in block]
    assert len(installing) >= 3
    for block in installing:
        lines = [line.strip() for line in block.splitlines()]
        assert lines[0].startswith("python3 -m venv "), block
        pip = next(index for index, line in enumerate(lines) if "pip install" in line)
        assert any(line.startswith((". ", "source ")) or "/bin/python " in line for line in lines[: pip + 1]), block
