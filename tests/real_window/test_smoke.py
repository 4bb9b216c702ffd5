"""A person's first minute in a real window: keys, presentation mode, the pointer over the batches, a look at the screen."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRect
from PySide6.QtWidgets import QApplication, QToolTip

from gui.timeline_layout import AXES, TRAIN_HEIGHT, TRAIN_TOP
from tests.app_process import printed_problems

PROJECT = Path(__file__).resolve().parents[2]

MNIST = {
    "train": {"samples": 60000, "source": "arrays", "batch_size": 64, "shuffle": False},
    "epochs": 3,
    "validation": {"samples": 10000, "source": "arrays", "batch_size": None},
}


def global_rect(widget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def test_the_window_and_its_status_bar_fit_the_screen(real_window):
    # Opened on a 1280x720 screen, the whole frame and the status bar (errors, hover text) are on it.
    window = real_window(MNIST)
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)
    assert window.frameGeometry().height() > window.geometry().height(), "the window manager drew no title bar"
    assert available.contains(global_rect(window.statusBar())), (global_rect(window.statusBar()), available)
    assert window.isActiveWindow()


def test_ctrl_1_2_3_switch_the_x_axis(real_window, press_keys):
    # Ctrl+1/2/3 pressed on the keyboard switch the timeline's axis, its label and its layout together.
    window = real_window(MNIST)
    window.timeline.plot.setFocus()
    bottom = window.timeline.plot.getAxis("bottom")
    for keys, axis in (("ctrl+1", "steps"), ("ctrl+3", "passes"), ("ctrl+2", "samples"), ("ctrl+1", "steps")):
        press_keys(keys)
        assert window.timeline.axis == axis, keys
        assert bottom.labelText == AXES[axis], keys
        assert window.timeline.layout_model.axis == axis, keys
        assert window.timeline.axis_buttons.checkedButton().objectName() == f"axis:{axis}", keys


def test_f5_enters_and_leaves_presentation_mode(real_window, press_keys):
    # F5 twice: presentation mode (the form folded away), then back to the everyday window.
    window = real_window(MNIST)
    assert window.form_panel.isVisible()
    press_keys("F5")
    assert window.presenting
    assert window.presenting_action.isChecked()
    assert not window.form_panel.isVisible()
    press_keys("F5")
    assert not window.presenting
    assert not window.presenting_action.isChecked()
    assert window.form_panel.isVisible()


def test_moving_the_pointer_across_the_timeline_describes_the_batches(real_window, move_pointer, qtbot):
    # The pointer swept across the first epoch's training lane: each batch under it is described in a
    # tooltip and the status bar, and nothing breaks.
    window = real_window(MNIST)
    timeline = window.timeline
    described = []
    timeline.hovered.connect(described.append)
    (x0, x1), _ = timeline.view_box.viewRange()
    middle_of_first_lane = TRAIN_TOP + TRAIN_HEIGHT / 2
    for share in (0.1, 0.3, 0.5, 0.7, 0.9):
        x = x0 + (x1 - x0) * share
        assert timeline.layout_model.describe(x, middle_of_first_lane), f"no batch at x={x}"
        scene_point = timeline.view_box.mapViewToScene(QPointF(x, middle_of_first_lane))
        move_pointer(timeline.plot.viewport(), timeline.plot.mapFromScene(scene_point))
        # The batch's details show beside the pointer, not only in the status bar.
        qtbot.waitUntil(lambda: QToolTip.isVisible() and QToolTip.text().startswith("Epoch 1, training step"), timeout=2000)
    assert len([words for words in described if words]) >= 5, described
    assert all(words.startswith("Epoch 1, training step") for words in described if words), described


def test_space_plays_the_playhead_and_end_jumps_with_the_view_following(real_window, click, press_keys, qtbot):
    # Clicked, the timeline takes the keys: Space plays and pauses the playhead, End jumps to the last
    # batch of epoch 90 and the view follows it there.
    window = real_window({"train": {"samples": 1281167, "source": "dataset", "batch_size": 256}, "epochs": 90})
    timeline = window.timeline
    click(timeline.plot.viewport(), timeline.plot.viewport().rect().center())
    press_keys("space")
    qtbot.waitUntil(lambda: timeline.position is not None and timeline.position[2] >= 1, timeout=5000)
    assert timeline.playing
    press_keys("space")
    assert not timeline.playing
    press_keys("End")
    assert timeline.position is not None and timeline.position[0] == 89, timeline.position
    _, (top, bottom) = timeline.view_box.viewRange()
    assert top <= 89 + TRAIN_TOP and bottom >= 89 + TRAIN_TOP + TRAIN_HEIGHT, (top, bottom)


def test_the_screen_shows_the_window(real_window, screen_shot, tmp_path):
    # A screenshot of the X screen is a real picture of the window: many colours, not a blank frame.
    real_window(MNIST)
    image = screen_shot(tmp_path / "screen.png")
    assert (image.width(), image.height()) == (1280, 720)
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) >= 16, f"{len(colours)} colours on the screen"
    assert (tmp_path / "screen.png").stat().st_size > 10_000


def test_the_app_started_as_a_person_starts_it_fits_the_screen_and_prints_nothing(tmp_path, qtbot):
    # `python main.py` on a 1280x720 screen with a window manager: the framed window fits the screen; the pointer
    # over the timeline, Ctrl+1/2/3, F5 twice and Ctrl+C print no traceback or warning; Ctrl+Q quits at once, cleanly.
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "KERAS_HOME": str(tmp_path / "keras"),
    }
    app = subprocess.Popen(
        [sys.executable, "main.py"], cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        found = xdotool("search", "--sync", "--onlyvisible", "--pid", str(app.pid))
        window_id = found.split()[0]
        frame = settled_frame(window_id)
        assert QRect(0, 0, 1280, 720).contains(frame), f"the framed window {frame} does not fit the 1280x720 screen"
        xdotool("windowactivate", "--sync", window_id)
        for share in (0.45, 0.55, 0.65, 0.75, 0.85):  # the pointer over the timeline (right of the form, upper half)
            x, y = frame.left() + round(frame.width() * share), frame.top() + frame.height() // 4
            xdotool("mousemove", "--sync", str(x), str(y))
            time.sleep(0.1)
        xdotool("click", "1")  # on the timeline: it takes the keys (Ctrl+C copies its picture, not a field's text)
        for keys in ("ctrl+1", "ctrl+2", "ctrl+3", "F5", "F5", "ctrl+c"):
            xdotool("key", "--clearmodifiers", keys)
            time.sleep(0.3)  # each key's work is done before the next comes, as when a person types
        # The picture is on the X clipboard, for another program (this test) to paste.
        qtbot.waitUntil(lambda: "image/svg+xml" in QApplication.clipboard().mimeData().formats(), timeout=10000)
        xdotool("key", "--clearmodifiers", "ctrl+q")
        stdout, stderr = app.communicate(timeout=20)
    finally:
        if app.poll() is None:
            app.kill()
            app.communicate()
    assert app.returncode == 0, stderr
    assert printed_problems(stdout + stderr, ignore=()) == [], stdout + stderr


def xdotool(*args: str) -> str:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, f"xdotool {' '.join(args)}: {done.stderr}"
    return done.stdout


def settled_frame(window_id: str, timeout_s: float = 10) -> QRect:
    """The framed geometry once the window manager has framed and placed the window (it does that a
    moment after the window is mapped): the same twice in a row, 0.2 s apart."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        frame = framed_geometry(window_id)
        if frame == last and frame_extents(window_id) is not None:
            return frame
        last = frame
        time.sleep(0.2)
    return framed_geometry(window_id)


def frame_extents(window_id: str) -> tuple[int, int, int, int] | None:
    """(left, right, top, bottom) of the window manager's frame; None before it has framed the window."""
    extents = subprocess.run(["xprop", "-id", window_id, "_NET_FRAME_EXTENTS"], capture_output=True, text=True, timeout=20)
    # "_NET_FRAME_EXTENTS(CARDINAL) = 1, 1, 20, 4"
    if "=" not in extents.stdout:
        return None
    left, right, top, bottom = (int(n) for n in extents.stdout.split("=")[1].split(","))
    return left, right, top, bottom


def framed_geometry(window_id: str) -> QRect:
    """The window with the frame the window manager drew around it, in screen pixels."""
    info = subprocess.run(["xwininfo", "-id", window_id], capture_output=True, text=True, timeout=20).stdout
    fields = dict(line.strip().split(": ", 1) for line in info.splitlines() if ": " in line)
    x, y, width, height = (int(fields[key]) for key in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height"))
    left, right, top, bottom = frame_extents(window_id) or (0, 0, 0, 0)
    return QRect(x - left, y - top, width + left + right, height + top + bottom)
