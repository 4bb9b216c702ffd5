"""Fixtures for tests in a real window: an X server (Xvfb), a window manager (openbox), Qt on xcb.

Run them with `python -m tests.real_window [pytest args]` (it starts Xvfb and openbox, then pytest;
e.g. `python -m tests.real_window tests/real_window/test_mine.py -x -k tooltip`);
tests/test_real_window.py does that in the ordinary suite and in .ci/run. Plain `pytest` skips this
directory unless EPOCHSCOPE_REAL_WINDOW=1.

Write a test as tests/real_window/test_<yours>.py and ask for these fixtures:

    def test_ctrl_2_shows_samples(real_window, press_keys, move_pointer):
        window = real_window({"train": {"samples": 100, "source": "arrays", "batch_size": 32}, "epochs": 2})
        press_keys("ctrl+2")                      # real X key events, to the active window
        plot = window.timeline.plot
        scene_point = window.timeline.view_box.mapViewToScene(QPointF(50, 0.3))  # x, y in plot units
        move_pointer(plot.viewport(), plot.mapFromScene(scene_point))   # the real pointer goes there

- `real_window(data=None, fit_screen=True)` -> MainWindow. Opens gui.main_window.MainWindow with the
  scenario read from the dict `data` (core.scenario_from_dict; None: the app's first preset), shown
  normally inside the window manager's frame, the frame fitted to the screen's available area
  (1280x720 less any panel; fit_screen=False keeps the window's own size), raised and active
  (keyboard focus), and given one real Shift key press (without any real input first, the window
  manager would not give the keyboard to a dialog the app opens). It is closed after the test
  without any "Save changes?" prompt (any dialog left open is rejected first). Call it more than
  once for more windows; the last one is active.
- `move_pointer(widget, point)`: moves the real X pointer to `point` (QPoint, in `widget`'s own
  coordinates) with QCursor.setPos, then processes events until Qt has delivered that motion.
  On a pyqtgraph plot (a QGraphicsView) pass `plot.viewport()` and `plot.mapFromScene(...)`,
  which is in the viewport's coordinates.
- `press_keys(*names)`: real key presses through `xdotool key --clearmodifiers NAME...` (xdotool
  names: "space", "End", "Right", "F5", "ctrl+1", "ctrl+shift+z"), while Qt keeps processing events,
  then waits until every key has been released in the app. The keys go to the active window's
  focus widget: click or setFocus() first where it matters (e.g. window.timeline.plot.setFocus()).
- `click(widget, point, button=1)`: moves the real pointer there (as move_pointer), then a real click
  through `xdotool click BUTTON` (1 left, 2 middle, 3 right), and waits until the app has it.
- `screen_shot(path)`: the whole X screen (QScreen.grabWindow) saved as a PNG at `path`; returns
  the QImage.

tests/real_window/test_smoke.py shows them in use, and also starts `python main.py` itself on the
X display and drives it with xdotool, for what only the real start path shows.

Settings go to a temporary folder (tests/conftest.py's fresh_settings). As everywhere in the suite,
an exception raised in a slot or an event handler, and any Qt warning, fail the test (pytest-qt:
qt_log_level_fail = WARNING in pyproject.toml; exception capture is on).
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

KEY_TIMEOUT_S = 10
POINTER_TIMEOUT_S = 5

if os.environ.get("QT_QPA_PLATFORM") != "xcb" or not os.environ.get("DISPLAY"):
    pytest.exit("real-window tests run on an X display with Qt's xcb platform: use `python -m tests.real_window`", returncode=3)


@pytest.fixture
def real_window(qtbot):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from core import scenario_from_dict
    from gui.main_window import MainWindow

    opened = []

    def make(data: dict | None = None, fit_screen: bool = True) -> MainWindow:
        window = MainWindow(scenario_from_dict(data) if data is not None else None)
        opened.append(window)
        qtbot.addWidget(window, before_close_func=_close_quietly)
        window.showNormal()
        qtbot.waitExposed(window)
        if fit_screen:
            _fit_to_screen(qtbot, window)
        window.raise_()
        window.activateWindow()
        qtbot.waitActive(window)
        # A real key (Shift, which does nothing) as a person has always touched the keyboard or mouse
        # before: until the app has had real input its windows carry no user time, and the window
        # manager then does not give a dialog it opens the keyboard (focus-stealing prevention).
        _xdotool_while_the_app_runs(
            qtbot, ["key", "--clearmodifiers", "shift"], QEvent.Type.KeyRelease, 1, "key releases for a first Shift"
        )
        return window

    yield make
    for window in reversed(opened):
        _close_quietly(window)
        window.close()
    QApplication.processEvents()


def _close_quietly(window) -> None:
    """Closing never waits on a person: no "Save changes?" prompt, and any dialog left open is rejected."""
    from PySide6.QtWidgets import QApplication, QDialog

    window.ask_before_closing = False
    while (dialog := QApplication.activeModalWidget()) is not None:
        if isinstance(dialog, QDialog):
            dialog.reject()
        else:
            dialog.close()
        QApplication.processEvents()
        if QApplication.activeModalWidget() is dialog:
            break


def wait_for_the_frame(qtbot, window) -> None:
    """The window manager frames and places a window a moment after Qt shows it: until then its
    position (and so every mapToGlobal) is not where it will be."""
    deadline = time.monotonic() + POINTER_TIMEOUT_S
    while window.frameGeometry().size() == window.geometry().size() and time.monotonic() < deadline:
        qtbot.wait(20)
    qtbot.wait(20)


def _fit_to_screen(qtbot, window) -> None:
    """The frame (title bar and borders from the window manager) inside the screen's available area."""
    available = window.screen().availableGeometry()
    wait_for_the_frame(qtbot, window)
    extra_width = window.frameGeometry().width() - window.geometry().width()
    extra_height = window.frameGeometry().height() - window.geometry().height()
    window.resize(available.width() - extra_width, available.height() - extra_height)
    window.move(available.topLeft())
    qtbot.waitUntil(lambda: window.frameGeometry().topLeft() == available.topLeft(), timeout=POINTER_TIMEOUT_S * 1000)
    qtbot.wait(50)


class _EventCounter:
    """Counts the events of some types that reach a top-level window (before Qt routes them to a widget)."""

    def __init__(self, types):
        from PySide6.QtCore import QObject

        counter = self

        class Filter(QObject):
            def eventFilter(self, watched, event):
                from PySide6.QtGui import QMouseEvent, QWindow

                if event.type() in types and isinstance(watched, QWindow):
                    counter.count += 1
                    if isinstance(event, QMouseEvent):
                        counter.positions.append(event.globalPosition().toPoint())
                return False

        self.count = 0
        self.positions = []
        self.filter = Filter()

    def __enter__(self):
        from PySide6.QtWidgets import QApplication

        QApplication.instance().installEventFilter(self.filter)
        return self

    def __exit__(self, *_exc):
        from PySide6.QtWidgets import QApplication

        QApplication.instance().removeEventFilter(self.filter)


@pytest.fixture
def move_pointer(qtbot):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QCursor

    placed = []

    def move(widget, point) -> None:
        if widget.window() not in placed:
            wait_for_the_frame(qtbot, widget.window())
            placed.append(widget.window())
        target = widget.mapToGlobal(point)
        if QCursor.pos() == target:
            return
        with _EventCounter({QEvent.Type.MouseMove}) as moves:
            QCursor.setPos(target)
            qtbot.waitUntil(lambda: target in moves.positions, timeout=POINTER_TIMEOUT_S * 1000)
        qtbot.wait(10)  # what the move sets off (a tooltip, a status line) runs in the same loop

    return move


def _xdotool_while_the_app_runs(qtbot, args: list[str], event_type, events: int, what: str) -> None:
    """Run xdotool while Qt keeps processing events, then wait until the app has received `events`
    events of `event_type` (releases: a shortcut fires on the press, so the whole chord has arrived)."""
    with _EventCounter({event_type}) as received:
        typing = subprocess.Popen(["xdotool", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + KEY_TIMEOUT_S
        while typing.poll() is None and time.monotonic() < deadline:
            qtbot.wait(10)  # the app keeps running while xdotool types
        if typing.poll() is None:
            typing.kill()
            typing.wait()
            pytest.fail(f"xdotool {' '.join(args)} did not finish in {KEY_TIMEOUT_S} s")
        said = typing.stdout.read()
        typing.stdout.close()
        assert typing.returncode == 0, f"xdotool {' '.join(args)} failed: {said}"
        try:
            qtbot.waitUntil(lambda: received.count >= events, timeout=KEY_TIMEOUT_S * 1000)
        except qtbot.TimeoutError:
            pytest.fail(f"the app received {received.count} of {events} {what}: is its window active (real_window activates it)?")
    qtbot.wait(10)


@pytest.fixture
def press_keys(qtbot):
    from PySide6.QtCore import QEvent

    def press(*names: str) -> None:
        keys = sum(len(name.split("+")) for name in names)
        _xdotool_while_the_app_runs(
            qtbot, ["key", "--clearmodifiers", *names], QEvent.Type.KeyRelease, keys, f"key releases for {names}"
        )

    return press


@pytest.fixture
def click(qtbot, move_pointer):
    from PySide6.QtCore import QEvent

    def click_at(widget, point, button: int = 1) -> None:
        move_pointer(widget, point)
        _xdotool_while_the_app_runs(
            qtbot, ["click", str(button)], QEvent.Type.MouseButtonRelease, 1, f"button releases (button {button})"
        )

    return click_at


@pytest.fixture
def screen_shot(qtbot):
    from PySide6.QtGui import QGuiApplication

    def shoot(path) -> object:
        image = QGuiApplication.primaryScreen().grabWindow(0).toImage()
        assert image.save(str(path), "PNG"), f"could not write {path}"
        return image

    return shoot
