"""The main window through pytest-qt: typing changes the plan and the timeline's data, bad input is
named and loses nothing, files round-trip, and the drawn blocks match the plan."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from core import scenario_from_dict
from core.files import save_scenario
from gui.form import WHY_ARRAYS_NO_DROP, WHY_NO_SHUFFLE
from gui.timeline_layout import MAX_BLOCKS, TimelineLayout
from tests.app_process import run_app

FLOOR_TRAP = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 3,
}


def retype(qtbot, edit, text):
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def paste(edit, text):
    """Replace a field's text in one edit, as pasting does."""
    edit.setText(text)
    edit.textEdited.emit(text)


def train_runs(window):
    return [epoch.train.runs() for epoch in window.plan.epochs]


def blocks(window, *kinds):
    """(x, width, top) of the drawn blocks of these kinds, sorted: the data behind the bar items."""
    rows = []
    for kind in kinds:
        x, width, y, _height = window.timeline.picture.blocks[kind].arrays()
        rows += list(zip(np.round(x, 6), np.round(width, 6), np.round(y, 6), strict=True))
    return sorted(rows, key=lambda row: (row[2], row[0]))


def test_typing_changes_the_plan_and_the_timeline(window, qtbot):
    # Typing steps_per_epoch 4 turns the floor trap into three full passes, in the plan and in the drawn blocks.
    shown = window(FLOOR_TRAP)
    assert train_runs(shown) == [[[32, 3]], [[4, 1]], [[32, 3]]]
    retype(qtbot, shown.form.steps_per_epoch, "4")
    assert train_runs(shown) == [[[32, 3], [4, 1]]] * 3
    assert [(x, w, y) for x, w, y in blocks(shown, "short")] == [(96.0, 4.0, 0.0), (96.0, 4.0, 1.0), (96.0, 4.0, 2.0)]
    assert shown.timeline.picture.ran_out == []
    assert shown.windowTitle() == "untitled[*] - EpochScope" and shown.isWindowModified()


def test_bad_input_is_named_and_the_last_plan_stays(window, qtbot):
    # A bad batch size turns the field red with the reason beside it; the plan on screen does not change.
    shown = window(FLOOR_TRAP)
    before = shown.plan
    for text, words in (
        ("abc", 'The training batch size must be a whole number of at least 1, or empty for Keras\' default (32), not "abc".'),
        ("0", "must be at least 1"),
        ("1" + "0" * 30, "at most"),
    ):
        paste(shown.form.batch_size, text)
        assert words in shown.form.error_text("train.batch_size")
        assert "D55E00" in shown.form.field_widget("train.batch_size").styleSheet()
        assert shown.plan is before
    retype(qtbot, shown.form.batch_size, "50")
    assert shown.form.error_text("train.batch_size") == ""
    assert train_runs(shown)[0] == [[50, 2]]


def test_empty_required_fields_say_what_to_enter(window, qtbot):
    # Clearing the samples asks for a number rather than guessing.
    shown = window(FLOOR_TRAP)
    retype(qtbot, shown.form.samples, "")
    assert "Enter the number of training samples" in shown.form.error_text("train.samples")


def test_fields_that_do_not_apply_are_disabled_with_the_reason(window, qtbot):
    # Arrays: no drop_remainder, no repeat; datasets: fit(shuffle=) stays (Keras warns it is ignored) and says so first.
    shown = window({"train": {"samples": 10}})
    assert not shown.form.drop_remainder.isEnabled() and shown.form.drop_remainder.toolTip().startswith(WHY_ARRAYS_NO_DROP)
    assert not shown.form.repeat.isEnabled()
    shown.form.source.setCurrentIndex(shown.form.source.findData("dataset"))
    assert shown.form.drop_remainder.isEnabled() and shown.form.repeat.isEnabled()
    assert shown.form.shuffle.isEnabled() and shown.form.shuffle.toolTip().startswith(WHY_NO_SHUFFLE)
    assert shown.plan.scenario.train.source == "dataset"


def test_presets_load_their_scenarios(window, qtbot):
    # Choosing the ImageNet preset plans 1,281,167 samples in batches of 256.
    shown = window()
    index = shown.preset_box.findText("ImageNet (1281167 / 50000)")
    shown.preset_box.setCurrentIndex(index)
    shown.preset_box.activated.emit(index)
    assert shown.plan.train_samples == 1281167
    assert train_runs(shown)[0] == [[256, 5004], [143, 1]]


def test_save_and_open_round_trip(window, tmp_path):
    # Saving writes the scenario JSON; opening it in another window gives the same scenario and plan.
    shown = window(FLOOR_TRAP)
    path = tmp_path / "trap.json"
    assert shown._save_to(path)
    assert json.loads(path.read_text())["steps_per_epoch"] == 3
    assert shown.windowTitle() == "trap.json[*] - EpochScope" and not shown.isWindowModified()
    other = window()
    assert other.open_file(path)
    assert other.plan.scenario == shown.plan.scenario
    assert str(path.resolve()) in other.recent_files()


def test_corrupt_file_changes_nothing(window, tmp_path):
    # A file that is not a scenario is explained in the status bar and leaves the window as it was.
    shown = window(FLOOR_TRAP)
    before = shown.plan
    broken = tmp_path / "broken.json"
    broken.write_text('{"train": {"samples": -3}}')
    shown.isVisible = lambda: False  # no modal box in a test; the message still goes to the status bar
    assert not shown.open_file(broken)
    assert shown.plan is before
    assert "train.samples: The number of training samples must be at least 0, not -3." in shown.statusBar().currentMessage()


def test_saving_an_invalid_form_writes_nothing(window, qtbot, tmp_path):
    # With a red field, Save refuses and leaves the file as it was.
    shown = window(FLOOR_TRAP)
    path = tmp_path / "keep.json"
    save_scenario(path, shown.plan.scenario)
    original = path.read_text()
    retype(qtbot, shown.form.epochs, "-1")
    shown.isVisible = lambda: False
    assert not shown._save_to(path)
    assert path.read_text() == original


def test_drawn_blocks_match_the_plan_on_every_axis(window):
    # Floor trap: the data behind the drawn blocks, in steps, samples and passes.
    shown = window(FLOOR_TRAP)
    shown.timeline.set_axis("steps")
    assert blocks(shown, "full", "full_alt") == [(float(i), 1.0, float(e)) for e in (0, 2) for i in range(3)]
    assert blocks(shown, "short") == [(0.0, 1.0, 1.0)]
    shown.timeline.set_axis("samples")
    assert blocks(shown, "full", "full_alt") == [(float(x), 32.0, float(e)) for e in (0, 2) for x in (0, 32, 64)]
    assert shown.timeline.picture.ran_out == [(4.0, 1.4)]
    assert shown.timeline.picture.continues == [(0.0, 1.4)]
    shown.timeline.set_axis("passes")
    assert blocks(shown, "short") == [(0.96, 0.04, 1.0)]


def test_wrapping_and_dropped_blocks(window):
    # repeat().batch(): batches that run past the end of the data are drawn as wraps; drop_remainder greys the tail.
    shown = window(
        {
            "train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "before_batch"},
            "epochs": 2,
            "steps_per_epoch": 5,
        }
    )
    # Epoch 1's 4th batch holds samples 96-99 and 0-27; epoch 2 (samples 160-319 of the stream) has two:
    # its 2nd batch (192-223 -> 92-99, 0-23) and its 5th (288-319 -> 88-99, 0-19).
    assert [(x, y) for x, _w, y in blocks(shown, "wrap")] == [(96.0, 0.0), (32.0, 1.0), (128.0, 1.0)]
    shown.form.set_scenario(
        scenario_from_dict(
            {"train": {"samples": 100, "source": "dataset", "batch_size": 32, "drop_remainder": True}, "epochs": 1}
        )
    )
    assert blocks(shown, "dropped") == [(96.0, 4.0, 0.0)]


def test_validation_lane_under_each_validating_epoch(window):
    # validation_freq=2: a validation lane under epoch 2 only.
    shown = window(
        {"train": {"samples": 8, "batch_size": 4}, "epochs": 2, "validation": {"samples": 6, "batch_size": 4, "freq": 2}}
    )
    assert blocks(shown, "val", "val_alt", "val_short") == [(0.0, 4.0, 1.64), (4.0, 2.0, 1.64)]


def test_huge_plans_are_grouped_to_the_pixels(window):
    # ImageNet at batch 1: the picture holds at most MAX_BLOCKS blocks, grouped, however many batches there are.
    shown = window({"train": {"samples": 1281167, "source": "dataset", "batch_size": 1}, "epochs": 1000})
    picture = shown.timeline.picture
    assert sum(len(b) for b in picture.blocks.values()) <= MAX_BLOCKS
    assert len(picture.blocks["grouped"]) > 0 and len(picture.blocks["full"]) == 0


def test_endless_epoch_is_drawn_as_never_ending(window):
    # A repeated dataset without steps_per_epoch: one row, with the never-ends arrow.
    shown = window({"train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "after_batch"}, "epochs": 3})
    assert shown.plan.outcome == "endless"
    assert len(shown.timeline.picture.endless) == 1
    assert len(shown.timeline.picture.blocks["short"]) >= 1


def test_hover_words_name_epoch_step_size_samples_and_pass():
    # The words for the batch under the mouse.
    from core import plan

    layout = TimelineLayout(plan(scenario_from_dict(FLOOR_TRAP)), "samples")
    assert layout.describe(2.0, 1.2) == "Epoch 2, training step 1, 4 samples, samples 96-99, pass 1"
    wrapping = TimelineLayout(
        plan(
            scenario_from_dict(
                {"train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "before_batch"}, "steps_per_epoch": 5}
            )
        ),
        "steps",
    )
    assert wrapping.describe(3.5, 0.3) == "Epoch 1, training step 4, 32 samples, samples 96-99 and 0-27, pass 1"


def test_window_state_is_kept(window):
    # Closing stores geometry and the axis; a new window comes back on the same axis.
    shown = window(FLOOR_TRAP)
    shown.timeline.set_axis("passes")
    shown.close()
    again = window(FLOOR_TRAP)
    assert again.timeline.axis == "passes"
    assert again.settings.value("window/geometry") is not None


def test_screenshot_option_writes_a_png_of_the_window(tmp_path):
    # `main.py SCENARIO --screenshot OUT.png` renders the window at 1280x720, exits 0 and prints no warning.
    out = tmp_path / "shot.png"
    run_app(["examples/floor_trap.json", "--screenshot", str(out)], home=tmp_path)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)


def test_qt_calls_keep_none_alive(window):
    # Regression: PySide6 6.12.0 lost a reference to None per void call, aborting Python < 3.12 ("none_dealloc").
    shown = window(FLOOR_TRAP)
    before = sys.getrefcount(None)
    for _ in range(200):
        shown.statusBar().clearMessage()
        shown.timeline.relayout()
    assert sys.getrefcount(None) >= before - 50


def test_keys_zoom_pan_and_fit(window, qtbot):
    # + zooms in, Shift+arrows pan, 0 fits the plan again (plain arrows step the playhead).
    shown = window(FLOOR_TRAP)
    timeline = shown.timeline
    (x0, x1), _ = timeline.view_box.viewRange()
    timeline.plot.setFocus()
    qtbot.keyClick(timeline, Qt.Key.Key_Plus)
    (z0, z1), _ = timeline.view_box.viewRange()
    assert z1 - z0 == pytest.approx((x1 - x0) / 2, rel=0.01)
    qtbot.keyClick(timeline, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    (p0, _p1), _ = timeline.view_box.viewRange()
    assert p0 > z0
    qtbot.keyClick(timeline, Qt.Key.Key_0)
    (h0, h1), _ = timeline.view_box.viewRange()
    assert (h0, h1) == pytest.approx((x0, x1), rel=0.01)


def test_fit_code_is_copyable_and_runs_as_python(window, qtbot):
    # The code tab holds the model.fit call for the settings, and Copy puts it on the clipboard.
    from PySide6.QtGui import QGuiApplication

    shown = window(FLOOR_TRAP)
    show_code_tab(qtbot, shown.summary)
    code = shown.summary.code.toPlainText()
    assert "tf.data.Dataset.from_tensor_slices((x, y)).batch(32)" in code
    assert "model.fit(train_data, shuffle=False, epochs=3, steps_per_epoch=3)" in code  # the trap turns shuffle off
    compile(code, "fit_code", "exec")
    shown.summary.copy_code()
    assert QGuiApplication.clipboard().text() == code


def show_code_tab(qtbot, summary) -> None:
    """Click the summary's code tab, as a person does: the code is written when its tab is shown."""
    bar = summary.tabBar()
    index = summary.indexOf(summary.code_page)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert summary.currentWidget() is summary.code_page


def test_the_code_is_written_when_its_tab_is_shown_and_follows_every_edit_there(window, qtbot):
    # Not written for plans nobody reads it for; once its tab is shown it follows the form edit by edit.
    shown = window(FLOOR_TRAP)
    assert shown.summary.code.toPlainText() == ""
    show_code_tab(qtbot, shown.summary)
    assert "steps_per_epoch=3" in shown.summary.code.toPlainText()
    shown.form.set_scenario(scenario_from_dict({"train": {"samples": 100, "batch_size": 10}, "epochs": 2}))
    assert "batch_size=10" in shown.summary.code.toPlainText() and "epochs=2" in shown.summary.code.toPlainText()


def test_summary_explains_the_arithmetic(window):
    # The summary says why: 60000 / 64 = 937.5, so 938 steps, the last batch of 32.
    shown = window({"train": {"samples": 60000, "batch_size": 64}})
    text = shown.summary.text.toPlainText()
    assert "60,000 / 64 = 937.5, so one pass is 938 steps; the last batch has 32 samples." in text
    assert "Steps per epoch 938" in shown.summary.key_numbers_text().splitlines()


NASTY = [
    "",
    " ",
    "-0",
    "-7",
    "1e9",
    "0x10",
    "1.5",
    "NaN",
    "inf",
    "null",
    "None",
    "٣",
    "9" * 60,
    "1,000,000",
    "1_0",
    "🙂",
    "0.2.3",
    "\t42\n",
]


def test_nothing_pasted_into_any_field_crashes(window):
    # Every text field takes every nasty paste: the form either plans or names the problem, never raises.
    from PySide6.QtWidgets import QLineEdit

    shown = window(
        {
            "train": {"samples": 100, "source": "dataset", "batch_size": 32},
            "epochs": 2,
            "validation": {"samples": 10, "source": "dataset", "steps": 2},
        }
    )
    for edit in shown.form.findChildren(QLineEdit):
        if not edit.isEnabled():
            continue
        original = edit.text()
        for text in NASTY:
            paste(edit, text)
            assert shown.plan is not None
            assert shown.form.problem or shown.plan.scenario is not None
        paste(edit, original)
        assert shown.form.problem == ""


def test_opening_a_scenario_without_validation_clears_the_old_validation_fields(window, tmp_path):
    # The window starts on a preset with a validation set; opening a file without one leaves no stale numbers.
    shown = window()
    assert shown.form.val_samples.text() == "10000"
    path = tmp_path / "trap.json"
    path.write_text(json.dumps(FLOOR_TRAP))
    assert shown.open_file(path)
    assert shown.form.val_samples.text() == "" and shown.plan.scenario.validation is None


class FakeScreen:
    """A screen of a given available area (the offscreen platform has only its own 800x600)."""

    def __init__(self, width, height, top=0):
        from PySide6.QtCore import QRect

        self.area = QRect(0, top, width, height)

    def availableGeometry(self):
        return self.area


@pytest.mark.parametrize(
    ("screen", "expected"),
    [((1920, 1040), (1280, 720)), ((1280, 690), (1272, 654)), ((1024, 560, 28), (1016, 524))],
)
def test_the_window_fits_the_available_screen_frame_included(qtbot, monkeypatch, screen, expected):
    # At most 1280x720; on a 720-pixel screen (a panel takes 30) the frame and status bar stay on screen.
    from PySide6.QtCore import QMargins, QRect

    from gui.main_window import MainWindow

    fake = FakeScreen(*screen)
    monkeypatch.setattr(MainWindow, "screen", lambda self: fake)
    monkeypatch.setattr(MainWindow, "_frame_margins", lambda self: QMargins(4, 32, 4, 4))
    made = MainWindow()
    made.ask_before_closing = False
    qtbot.addWidget(made)
    assert (made.width(), made.height()) == expected
    outer = QRect(made.pos(), made.size().grownBy(QMargins(4, 32, 4, 4)))
    assert fake.area.contains(outer), (outer, fake.area)


def test_a_remembered_size_larger_than_the_screen_is_clamped(window, qtbot, monkeypatch):
    # A geometry saved on a big monitor, restored on a small one: the window shrinks onto the screen.
    from PySide6.QtCore import QMargins

    from gui.main_window import MainWindow

    big = window(FLOOR_TRAP)
    big.resize(1800, 1000)
    big.close()
    fake = FakeScreen(1280, 690)
    monkeypatch.setattr(MainWindow, "screen", lambda self: fake)
    monkeypatch.setattr(MainWindow, "_frame_margins", lambda self: QMargins(4, 32, 4, 4))
    again = MainWindow()
    again.ask_before_closing = False
    qtbot.addWidget(again)
    assert again.width() <= 1272 and again.height() <= 654


@pytest.mark.parametrize("trap_key", ["floor_ceil_mismatch", "one_shot_generator", "steps_per_execution_overshoot"])
def test_the_warnings_are_in_view_at_1280x720_without_scrolling(window, trap_key):
    # The summary puts the trap's story and the planner's warnings first: the first warning is on screen.
    from PySide6.QtGui import QTextDocument

    from gui.resources import traps

    shown = window()
    trap = next(trap for trap in traps() if trap.key == trap_key)
    shown.open_trap(trap)
    browser = shown.summary.text
    warning = next(w for w in shown.plan.warnings if w.code == trap.warning)
    found = browser.document().find(warning.text[:40], 0, QTextDocument.FindFlag(0))
    assert not found.isNull()
    assert browser.verticalScrollBar().value() == 0
    where = browser.cursorRect(found)
    assert where.top() >= 0 and where.bottom() <= browser.viewport().height(), (where, browser.viewport().height())
    assert browser.viewport().height() >= 120  # several lines, not a sliver


def test_a_running_demo_gets_half_the_window_and_its_curves_a_readable_area(window, qtbot):
    # The demo's runningChanged moves the splitter: the Live demo tab takes half the height, and the loss curves'
    # own drawing area (the buttons, verdict, legend and controls aside) is readable, not a 55-pixel strip.
    shown = window(FLOOR_TRAP)
    shown.resize(1280, 720)
    shown.summary.setCurrentWidget(shown.demo)
    total = sum(shown.right_split.sizes())
    shown.right_split.setSizes([total - 90, 90])  # the summary dragged small, as a saved layout may have it
    qtbot.wait(1)
    assert shown.demo.height() < shown.height() / 3
    shown.demo.runningChanged.emit(True)
    qtbot.wait(10)
    assert shown.demo.height() >= shown.height() / 2 - shown.summary.tabBar().height() - 10
    assert shown.demo.plot.getViewBox().height() >= 150, shown.demo.plot.getViewBox().height()
    assert shown.timeline.height() >= 250  # the timeline keeps room for its rows and the playhead


def test_the_collector_paused_for_the_start_runs_again_once_the_window_is_up(tmp_path):
    # main.main pauses the cyclic garbage collector while the libraries load and the window is built: by the time
    # the window is painted (here: grabbed for --screenshot) it runs again, and it is on when main returns. In a
    # process of its own, as a start is: run_app sets the application's name, icon and event loop for good.
    import subprocess

    from tests.conftest import PROJECT

    code = f"""
import gc, sys
import gui.app, main
seen = []
grab = gui.app.save_screenshot
gui.app.save_screenshot = lambda window, path: seen.append(gc.isenabled()) or grab(window, path)
code = main.main(["examples/floor_trap.json", "--screenshot", {str(tmp_path / "shot.png")!r}])
print(code, seen, gc.isenabled())
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split("\n")[-2] == "0 [True] True", (done.stdout, done.stderr)
    assert (tmp_path / "shot.png").stat().st_size > 0
