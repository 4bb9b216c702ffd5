"""Start the Qt application and open the main window (optionally render it to a PNG and exit)."""

from __future__ import annotations

import argparse
import gc
import sys

from core.launcher import APP_ID, APP_NAME

SCREEN_SIZE = (1280, 720)  # a shared screen


def parse_window_args(args: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="epochscope", description="Open the EpochScope window.")
    parser.add_argument("scenario", nargs="?", help="a scenario file to open")
    parser.add_argument("--trap", metavar="KEY", help="open a trap of the gallery with its story (keys: resources/traps.json)")
    parser.add_argument("--presentation", action="store_true", help="start in presentation mode (F5 switches)")
    parser.add_argument(
        "--theme", choices=("system", "light", "dark"), help="use this theme this time (View > Theme chooses it for good)"
    )
    parser.add_argument(
        "--screenshot", metavar="OUT.png", help="render the window at 1280x720 to a PNG after the first paint, then exit"
    )
    return parser.parse_args(args)


def run_app(args: list[str]) -> int:
    try:
        options = parse_window_args(args)
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2

    import pyqtgraph as pg
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName(APP_NAME)  # also the window class (WM_CLASS) the launcher's StartupWMClass names
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_ID)  # the Wayland app id: ties the window to epochscope.desktop
    app.setWindowIcon(app_icon())
    pg.setConfigOptions(antialias=False)
    window = MainWindow(first_launch_hint=not options.screenshot)  # pictures for the README show no hint
    if options.theme:
        window.set_theme(options.theme, remember=False)
    # A mistyped trap is a mistake on the command line: say so and open nothing.
    if options.trap and not window.open_trap_named(options.trap):
        return refuse(window, f"error: {window.statusBar().currentMessage()}")
    # Opened before the window shows, a bad file is explained in the status bar (no dialog) and
    # the window keeps its example scenario; a picture of that would not be the one asked for.
    if options.scenario and not window.open_file(options.scenario):
        message = f"error: {window.statusBar().currentMessage()}"
        if options.screenshot:
            return refuse(window, message)
        print(message, file=sys.stderr)
    if options.screenshot:
        window.resize(*SCREEN_SIZE)  # otherwise the window fits the screen (MainWindow.fit_to_screen)
    window.show()
    if options.presentation:
        window.set_presenting(True)
    gc.enable()  # paused by main.main while the libraries loaded and the window was built
    if options.screenshot:
        status = {"code": 0}

        def shoot() -> None:
            status["code"] = save_screenshot(window, options.screenshot)
            window.ask_before_closing = False
            window.close()
            app.quit()

        QTimer.singleShot(400, shoot)
        app.exec()
        return status["code"]
    return app.exec()


def refuse(window, message: str) -> int:
    """Print one line, close the window that was never shown, and give the exit code for bad input."""
    print(" ".join(message.split()), file=sys.stderr)
    window.ask_before_closing = False
    window.close()
    window.deleteLater()
    return 2


def app_icon():
    """The icon in every shipped size, so each place (title bar, task bar, switcher) gets a sharp one."""
    from PySide6.QtGui import QIcon

    from core.launcher import ICON_SIZES, icon_file

    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_file(f"{APP_ID}-{size}.png")))
    return icon


def save_screenshot(window, path: str) -> int:
    """Grab the window as painted and write the PNG whole (temporary file, then rename)."""
    from PySide6.QtCore import QBuffer, QIODevice

    from core.files import write_atomically

    window.timeline.relayout()
    pixmap = window.grab()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not pixmap.save(buffer, "PNG"):
        print(f"error: could not render the window to {path}", file=sys.stderr)
        return 2
    try:
        write_atomically(path, bytes(buffer.data()))
    except OSError as exc:
        print(f"error: could not write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
