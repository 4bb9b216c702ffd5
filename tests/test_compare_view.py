"""Issue 12, the compare view: opened from View > Compare (its QAction, Ctrl+K, the Compare button), two
timelines on one x axis, the differing epochs marked on both and said in one sentence each; also the
classic N // B against ceil(N / B), and the scenario against a preset or a file."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, Qt

from gui.compare_view import NO_DIFFERENCE
from tests.test_window_actions import make_active

# The public record k2_floor_trap's scenario (tests/conformance/flavours-public.json).
FLOOR_TRAP = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 3,
}
STOPS_HERE = (
    "1. Epoch 3: tf.keras 2 stopped training in epoch 2, when its data ran out; "
    "Keras 3 (TensorFlow) starts epoch 3 from the first batch."
)
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def compared(window, qtbot):
    """The floor trap's window with the compare view opened through View > Compare's action."""
    shown = window(FLOOR_TRAP)
    shown.compare_action.trigger()
    view = shown.compare_view
    qtbot.waitExposed(view)
    return shown, view


def test_the_action_opens_keras_3_above_tf_keras_2_and_says_where_they_part(compared):
    # The scenario's own flavour on top, tf.keras 2 below; one sentence: tf.keras 2 ends fit in epoch 2.
    _window, view = compared
    assert view.isVisible()
    assert (view.top_flavour.currentText(), view.bottom_flavour.currentText()) == ("Keras 3 (TensorFlow)", "tf.keras 2")
    assert view.sentences() == [STOPS_HERE]
    assert view.top_title.text() == "<b>Keras 3 (TensorFlow)</b>: 3 epochs, 7 training steps"
    assert view.bottom_title.text() == "<b>tf.keras 2</b>: 2 epochs, 4 training steps; stops in epoch 2, when its data runs out"


def test_the_differing_epoch_is_marked_on_both_timelines(compared):
    # Keras 3's epoch 3 (row 2) and tf.keras 2's last row, epoch 2 (row 1), where it stopped, each get a band and "1".
    _window, view = compared
    top_rows = list(view.marks[view.top].bands.opts["y0"])
    bottom_rows = list(view.marks[view.bottom].bands.opts["y0"])
    assert [round(y) for y in top_rows] == [2] and [round(y) for y in bottom_rows] == [1]
    for timeline in (view.top, view.bottom):
        shown = [label for label in view.marks[timeline].numbers if label.isVisible()]
        assert [label.textItem.toPlainText() for label in shown] == ["1"]


def test_ctrl_k_and_the_compare_button_open_it_too(window, qtbot):
    # The shortcut from the active main window, and the button beside Form on the timeline's bar.
    shown = window(FLOOR_TRAP)
    make_active(qtbot, shown)
    qtbot.keyClick(shown, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(lambda: shown.compare_view is not None and shown.compare_view.isVisible())
    shown.compare_view.close()
    qtbot.mouseClick(shown.compare_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown.compare_view.isVisible())
    assert "Ctrl+K" in [keys for keys, _what in shown.shortcuts()]


def test_the_two_timelines_share_one_x_axis(compared):
    # Zoom the top to samples 10-50: the bottom shows the same; pan the bottom: the top follows.
    _window, view = compared
    view.top.view_box.setXRange(10, 50, padding=0)
    assert view.bottom.view_box.viewRange()[0] == pytest.approx([10, 50])
    view.bottom.view_box.translateBy(x=5)
    assert view.top.view_box.viewRange()[0] == pytest.approx([15, 55])


def test_choosing_the_x_axis_on_one_timeline_sets_it_on_both(compared, qtbot):
    # A click on the bottom's "steps" button: both show steps, on the same range.
    _window, view = compared
    button = next(button for button in view.bottom.axis_buttons.buttons() if button.objectName() == "axis:steps")
    # On its round indicator: a radio button's click area is its indicator and words, not all of its width.
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
    assert (view.top.shown_axis, view.bottom.shown_axis) == ("steps", "steps")
    assert view.top.view_box.viewRange()[0] == pytest.approx(view.bottom.view_box.viewRange()[0])


def test_the_pytorch_backend_below_refuses_steps_per_execution_4(window, qtbot):
    # Bottom chosen with the keyboard: two presses down from Keras 3 (TensorFlow) is Keras 3 (PyTorch).
    shown = window({**FLOOR_TRAP, "steps_per_execution": 4, "steps_per_epoch": None})
    shown.compare_action.trigger()
    view = shown.compare_view
    view.bottom_flavour.setFocus()
    view.bottom_flavour.setCurrentIndex(0)
    for _ in range(2):
        qtbot.keyClick(view.bottom_flavour, Qt.Key.Key_Down)
    assert view.bottom_flavour.currentText() == "Keras 3 (PyTorch)"
    assert not view.bottom_devices.isEnabled()
    [sentence] = view.sentences()
    assert sentence.startswith("1. Keras 3 (PyTorch) refuses this fit (")
    assert "steps_per_execution" in sentence
    assert view.bottom_title.text().startswith("<b>Keras 3 (PyTorch)</b>: Keras refuses this fit: ")


def test_four_devices_below_refuse_a_global_batch_of_41(window, qtbot):
    # Keras 3 (TensorFlow) on both sides, 4 devices below: the first batch of 41 cannot split evenly.
    shown = window({"train": {"samples": 100, "source": "arrays", "batch_size": 41, "shuffle": False}, "epochs": 2})
    shown.compare_action.trigger()
    view = shown.compare_view
    view.bottom_flavour.setCurrentIndex(0)
    view.bottom_devices.setFocus()
    for _ in range(3):
        qtbot.keyClick(view.bottom_devices, Qt.Key.Key_Up)
    assert view.bottom_devices.value() == 4
    [sentence] = view.sentences()
    assert sentence.startswith("1. Keras 3 (TensorFlow), 4 devices refuses this fit (")


def test_floor_against_ceil_and_a_sentence_chosen_brings_its_epoch_into_view(compared, qtbot):
    # The classic pair for 100 samples in batches of 32: N // B = 3 with drop_remainder against ceil = 4.
    _window, view = compared
    view.mode.setFocus()
    qtbot.keyClick(view.mode, Qt.Key.Key_Down)
    assert view.mode.currentData() == "floor_ceil"
    assert view.flavour_row.isHidden()
    assert view.sentences() == [
        "1. Epochs 1, 2 and 3: N // B = 3 steps (drop_remainder) trains 3 batches (96 samples); "
        "ceil(N / B) = 4 steps trains 4 batches (100 samples, one short)."
    ]
    view.top.view_box.setYRange(1.5, 2.5, padding=0)
    view.list.setCurrentRow(0)
    assert view.top.view_box.viewRange()[1][0] == pytest.approx(-0.1)


def test_against_a_file_and_a_bad_file_said_in_one_line(compared, tmp_path):
    # The same trap with steps_per_epoch 4 (ceil) in a file; a file that is not JSON is one line in the list.
    _window, view = compared
    other = tmp_path / "ceil.json"
    other.write_text(json.dumps({**FLOOR_TRAP, "steps_per_epoch": 4}))
    assert view.open_file(other)
    assert view.mode.currentData() == "other" and not view.other_row.isHidden()
    assert view.bottom_title.text().startswith("<b>ceil.json</b>: 3 epochs, 12 training steps")
    assert view.sentences()[0].startswith("1. Epochs 1 and 3: this scenario trains 3 batches (96 samples); ceil.json trains 4")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert not view.open_file(bad)
    [said] = view.sentences()
    assert "bad.json" in said and "\n" not in said


def test_the_same_plan_twice_says_so(compared):
    # Two flavours that plan alike (Keras 3 on TensorFlow and on JAX, for a tf.data pipeline): no marks, one line.
    _window, view = compared
    view.bottom_flavour.setCurrentIndex(view.bottom_flavour.findData("3:jax"))
    assert view.sentences() == [NO_DIFFERENCE]
    assert len(view.marks[view.top].bands.opts["y0"]) == 0


def test_an_edit_in_the_form_is_compared_at_once(compared, qtbot):
    # Typing 4 steps per epoch in the form: tf.keras 2 no longer runs out, the plans agree.
    window, view = compared
    edit = window.form.steps_per_epoch
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "4")
    assert view.scenario.steps_per_epoch == 4
    assert view.sentences() == [NO_DIFFERENCE]


def test_the_readme_picture_is_made_at_1280x720(tmp_path):
    # python -m tests.compare_screenshot renders the view as View > Compare opens it, at the shared screen's size.
    from PySide6.QtGui import QImage

    from tests.compare_screenshot import main

    scenario = tmp_path / "arrays.json"
    scenario.write_text(json.dumps({**FLOOR_TRAP, "keras": "2", "train": {**FLOOR_TRAP["train"], "source": "arrays"}}))
    picture = tmp_path / "compare-view.png"
    assert main([str(scenario), str(picture)]) == 0
    image = QImage(str(picture))
    assert (image.width(), image.height()) == (1280, 720)
    assert main([str(tmp_path / "missing.json"), str(picture)]) == 2


def test_choosing_another_flavour_in_the_form_moves_the_top_timeline_with_it(compared, qtbot):
    # The form's chooser set to tf.keras 2: the compare view's top follows, and the bottom offers Keras 3 (TensorFlow).
    window, view = compared
    window.form.flavour.setFocus()
    for _ in range(3):
        qtbot.keyClick(window.form.flavour, Qt.Key.Key_Down)
    assert (view.top_flavour.currentText(), view.bottom_flavour.currentText()) == ("tf.keras 2", "Keras 3 (TensorFlow)")
    assert view.sentences() == [
        "1. Epoch 3: tf.keras 2 stopped training in epoch 2, when its data ran out; "
        "Keras 3 (TensorFlow) starts epoch 3 from the first batch."
    ]
