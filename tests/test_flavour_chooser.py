"""Issue 12, the Keras chooser beside the form: which Keras runs fit and on how many devices, chosen with
the keyboard, undone with Ctrl+Z, saved in the file only off its defaults, and whether it is installed here
said quietly (planning needs nothing installed)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from PySide6.QtCore import Qt

from core.flavours import Flavour
from tests.test_undo import type_into
from tests.test_window_actions import make_active

# The public record k2_floor_trap's scenario: tf.keras 2 ends fit in epoch 2, Keras 3 starts epoch 3 afresh.
FLOOR_TRAP = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 3,
}
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def saved(window, tmp_path, qtbot):
    """A window with the floor trap's scenario saved in a file, focused and active (shortcuts need it)."""
    path = tmp_path / "trap.json"
    path.write_text(json.dumps(FLOOR_TRAP))
    shown = window()
    assert shown.open_file(path)
    make_active(qtbot, shown)
    return shown, path


def choose_with_keys(qtbot, window, presses: int) -> None:
    """Alt+K takes the focus to the chooser; Down moves through its choices as a person does."""
    qtbot.keyClick(window, Qt.Key.Key_K, ALT)
    qtbot.waitUntil(lambda: window.form.flavour.hasFocus())
    for _ in range(presses):
        qtbot.keyClick(window.form.flavour, Qt.Key.Key_Down)


def test_choosing_tf_keras_2_with_the_keyboard_replans_marks_the_file_and_ctrl_z_undoes_it(saved, qtbot):
    # Keras 3 (TensorFlow), JAX, PyTorch, tf.keras 2: three presses down reach tf.keras 2, which ends fit in epoch 2.
    window, _path = saved
    assert window.form.flavour.currentText() == "Keras 3 (TensorFlow)"
    assert len(window.plan.epochs) == 3 and not window.modified
    choose_with_keys(qtbot, window, 3)
    assert window.form.flavour.currentText() == "tf.keras 2"
    assert window.plan.scenario.keras == "2"
    assert (window.plan.stopped_epoch, len(window.plan.epochs)) == (2, 2)
    assert window.modified and window.isWindowModified()
    assert window.undo_action.text() == "&Undo edit of Keras flavour"
    assert window.version_label.text() == "tf.keras 2 (tf-keras 2.21.0) semantics"
    # Each press was one edit (one step of the history each); Ctrl+Z three times is back at Keras 3 and saved.
    for _ in range(3):
        qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert window.form.flavour.currentText() == "Keras 3 (TensorFlow)"
    assert window.plan.scenario.keras == "3" and len(window.plan.epochs) == 3
    assert not window.modified


def test_devices_are_typed_undone_and_only_offered_with_tensorflow(saved, qtbot):
    # 4 devices split each batch of 32 into 8s; the JAX backend has no MirroredStrategy, so Devices is disabled with why.
    window, _path = saved
    type_into(qtbot, window.form.replicas, "4")
    assert window.plan.scenario.replicas == 4
    assert window.plan.replicas == 4
    choose_with_keys(qtbot, window, 1)
    assert window.form.flavour.currentText() == "Keras 3 (JAX)"
    assert not window.form.replicas.isEnabled()
    assert window.form.replicas.toolTip().startswith("Several devices mean MirroredStrategy, which only TensorFlow has")
    assert (window.plan.scenario.backend, window.plan.scenario.replicas) == ("jax", 1)
    assert window.version_label.text() == "Keras 3.15.1 on JAX semantics"
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert window.form.replicas.isEnabled() and window.form.replicas.text() == "4"
    assert (window.plan.scenario.backend, window.plan.scenario.replicas) == ("tensorflow", 4)


def test_too_many_devices_turn_the_field_red_with_the_reason(saved, qtbot):
    # 65 devices is past the format's 64: the field is marked, the reason under it, the last good plan stays.
    window, _path = saved
    type_into(qtbot, window.form.replicas, "65")
    assert "65" not in str(window.plan.scenario.replicas)
    assert "64" in window.form.error_text("replicas")
    assert window.form.problem.startswith("Number of devices: ")
    assert "border" in window.form.replicas.styleSheet()


def test_the_chooser_is_saved_only_off_its_defaults_and_read_back(saved, qtbot, tmp_path):
    # Keras 3 on PyTorch saves "backend": "torch" and nothing about keras or replicas; reopening shows it chosen.
    window, path = saved
    choose_with_keys(qtbot, window, 2)
    assert window.form.flavour.currentText() == "Keras 3 (PyTorch)"
    assert window.save()
    written = json.loads(path.read_text())
    assert written["backend"] == "torch"
    assert "keras" not in written and "replicas" not in written
    assert not window.modified
    # tf.keras 2 on 2 devices: "keras": "2" and "replicas": 2, no backend (TensorFlow is the default).
    choose_with_keys(qtbot, window, 1)
    type_into(qtbot, window.form.replicas, "2")
    other = tmp_path / "k2.json"
    assert window._save_to(other)
    written = json.loads(other.read_text())
    assert (written["keras"], written["replicas"], "backend" in written) == ("2", 2, False)
    assert window.open_file(path)
    assert window.form.flavour.currentText() == "Keras 3 (PyTorch)" and window.form.replicas.text() == ""
    assert window.open_file(other)
    assert window.form.flavour.currentText() == "tf.keras 2" and window.form.replicas.text() == "2"
    assert window.plan.scenario.replicas == 2


def test_a_flavour_that_is_not_installed_still_plans_and_says_how_to_install_it(saved, qtbot, monkeypatch):
    # Without tf_keras the choice reads "tf.keras 2 (not installed)"; choosing it plans anyway, and the quiet line
    # gives the install command (found with importlib, importing nothing).
    window, _path = saved
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == "tf_keras" else found(name, *args))
    window.check_keras_version()
    assert window.form.flavour.itemText(3) == "tf.keras 2 (not installed)"
    assert window.form.flavour.itemText(0) == "Keras 3 (TensorFlow)"
    choose_with_keys(qtbot, window, 3)
    assert window.plan.scenario.keras == "2" and window.plan.stopped_epoch == 2
    note = window.form.installed_note
    assert not note.isHidden()
    assert (
        note.text()
        == f"Not installed here (tf_keras): the plan is exact anyway. To run it for real: {Flavour('2').install_hint()}"
    )
    assert 'pip install -e ".[legacy]"' in note.text()


def test_the_chooser_says_what_it_is_in_plain_words():
    # The tooltips name what each choice means, without jargon left unexplained.
    from gui.form import FIELD_HELP

    assert "tf.keras 2, the Keras of older courses" in FIELD_HELP["keras"]
    assert "split across them" in FIELD_HELP["replicas"] and "TensorFlow only" in FIELD_HELP["replicas"]


def test_the_line_under_the_chooser_holds_its_place_before_the_installed_check(window, qtbot):
    # The form must not jump down when the check after the first paint answers (a real pointer dragging a pipeline
    # step missed it when it did): the line is there from the start, saying it is checking, and the answer
    # (installed here) takes its place without moving what is below it.
    shown = window()
    form = shown.form
    assert not form.installed_note.isHidden() and form.installed_note.text().startswith("Checking")
    below = form.samples.mapTo(form, form.samples.rect().topLeft()).y()
    shown.check_keras_version()
    qtbot.wait(20)
    assert form.installed_note.text() == "Installed here: Verify and the live demo run it for real."
    assert form.samples.mapTo(form, form.samples.rect().topLeft()).y() == below
