"""Issue 10, item 4: traps and presets mark the file modified, "Save changes?" guards unsaved work,
and Undo/Redo (Ctrl+Z, Ctrl+Shift+Z) walk back over every edit, trap and preset."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.scenario import scenario_from_dict
from gui.resources import presets, traps
from tests.test_window_actions import make_active

MINE = {"train": {"samples": 500, "source": "arrays", "batch_size": 50}, "epochs": 4}
FLOOR = next(trap for trap in traps() if trap.key == "floor_ceil_mismatch")
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def my_file(window, tmp_path, qtbot):
    """A window with the student's own file open, focused and active (shortcuts need an active window)."""
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(MINE))
    shown = window()
    assert shown.open_file(path)
    make_active(qtbot, shown)
    return shown, path


@pytest.fixture
def answers(monkeypatch):
    """What "Save changes?" is answered (set answers.reply), and the questions asked."""

    class Answers:
        reply = QMessageBox.StandardButton.Cancel
        asked: list[str] = []  # noqa: RUF012 (one list per fixture use)

    given = Answers()
    given.asked = []

    def question(_parent, title, text, *args, **kwargs):
        given.asked.append(f"{title} {text}")
        return given.reply

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return given


def type_into(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def test_a_trap_marks_the_file_modified_and_ctrl_z_brings_the_file_back(my_file, qtbot):
    # Opening a trap over my file puts * in the title; Ctrl+Z restores my scenario, clears the trap box and the *.
    shown, path = my_file
    assert not shown.isWindowModified() and shown.windowTitle() == "mine.json[*] - EpochScope"
    trap_action = next(a for a in shown.menuBar().actions() if a.text() == "&Traps").menu().actions()[0]
    trap_action.trigger()
    assert shown.plan.scenario == FLOOR.scenario and shown.summary.trap == FLOOR
    assert shown.isWindowModified()
    qtbot.keyClick(shown, Qt.Key.Key_Z, CTRL)
    assert shown.plan.scenario == scenario_from_dict(MINE)
    assert shown.summary.trap is None and "Trap:" not in shown.summary.text.toPlainText()
    assert not shown.isWindowModified()
    qtbot.keyClick(shown, Qt.Key.Key_Z, CTRL_SHIFT)
    assert shown.plan.scenario == FLOOR.scenario and shown.summary.trap == FLOOR and shown.isWindowModified()
    # Ctrl+S now would write the trap: the title said so; saving makes it the clean state.
    assert shown.save() and json.loads(path.read_text())["steps_per_epoch"] == 3
    assert not shown.isWindowModified()


def test_typing_in_one_box_is_one_step_and_undo_restores_it(my_file, qtbot):
    # Typing "123" into epochs is one step: Ctrl+Z gives back 4 and the saved state; Ctrl+Shift+Z gives 123 again.
    shown, _path = my_file
    type_into(qtbot, shown.form.epochs, "123")
    assert shown.plan.scenario.epochs == 123 and shown.isWindowModified()
    assert shown.undo_stack.count() == 1
    qtbot.keyClick(shown, Qt.Key.Key_Z, CTRL)
    assert shown.form.epochs.text() == "4" and shown.plan.scenario.epochs == 4
    assert not shown.isWindowModified()
    qtbot.keyClick(shown, Qt.Key.Key_Z, CTRL_SHIFT)
    assert shown.form.epochs.text() == "123" and shown.isWindowModified()


def test_ctrl_z_in_a_number_box_undoes_through_the_window(my_file, qtbot):
    # With the cursor in a box, Ctrl+Z still walks the window's history (the box's own undo would miss a combo change).
    shown, _path = my_file
    shown.form.source.setCurrentIndex(shown.form.source.findData("dataset"))
    type_into(qtbot, shown.form.batch_size, "64")
    assert shown.plan.scenario.train.source == "dataset" and shown.plan.scenario.train.batch_size == 64
    qtbot.keyClick(shown.form.batch_size, Qt.Key.Key_Z, CTRL)
    assert shown.form.batch_size.text() == "50"
    qtbot.keyClick(shown.form.batch_size, Qt.Key.Key_Z, CTRL)
    assert shown.plan.scenario == scenario_from_dict(MINE) and not shown.isWindowModified()


def test_undo_brings_back_an_invalid_field_and_the_trap_box(window, qtbot):
    # Trap, then a bad value (red field, the story cleared): Undo gives the trap's value and its story back.
    shown = window()
    shown.open_trap(FLOOR)
    type_into(qtbot, shown.form.batch_size, "abc")
    assert shown.form.error_text("train.batch_size") and shown.summary.trap is None
    shown.undo_action.trigger()
    assert shown.form.batch_size.text() == "32" and shown.form.error_text("train.batch_size") == ""
    assert shown.summary.trap == FLOOR and shown.summary.text.toPlainText().strip().startswith("Trap: ")
    shown.undo_action.trigger()  # and before the trap: the window's first preset, unmodified
    assert shown.plan.scenario == presets()[0][2] and shown.summary.trap is None and not shown.isWindowModified()


def test_a_preset_is_one_undoable_step(window):
    # Choosing a preset replaces the form and marks it modified; Undo returns to what was there.
    shown = window(MINE)
    index = 3
    shown.preset_box.setCurrentIndex(index)
    shown.preset_box.activated.emit(index)
    assert shown.plan.scenario == presets()[index - 1][2] and shown.isWindowModified()
    assert shown.undo_action.text() == f"&Undo preset {presets()[index - 1][0]}"
    shown.undo_action.trigger()
    assert shown.plan.scenario == scenario_from_dict(MINE) and not shown.isWindowModified()


@pytest.mark.parametrize(
    ("reply", "replaced"),
    [
        (QMessageBox.StandardButton.Cancel, False),
        (QMessageBox.StandardButton.Discard, True),
        (QMessageBox.StandardButton.Save, True),
    ],
)
def test_save_changes_is_asked_before_a_trap_replaces_my_edits(my_file, qtbot, answers, reply, replaced):
    # My unsaved edit, then a trap: "Save changes?"; Cancel keeps my edit, Discard drops it, Save writes it first.
    shown, path = my_file
    shown.ask_before_closing = True
    type_into(qtbot, shown.form.epochs, "9")
    answers.reply = reply
    assert shown.open_trap(FLOOR) is replaced
    assert answers.asked and answers.asked[0].startswith("Save changes? mine.json has changes")
    assert (shown.summary.trap == FLOOR) is replaced
    assert json.loads(path.read_text())["epochs"] == (9 if reply == QMessageBox.StandardButton.Save else 4)
    if not replaced:
        assert shown.plan.scenario.epochs == 9


def test_an_untouched_trap_is_replaced_without_a_question(window, answers):
    # A trap over a trap loses nothing of mine: no question, and Undo still has both.
    shown = window()
    shown.ask_before_closing = True
    shown.open_trap(traps()[0])
    shown.open_trap(traps()[1])
    assert answers.asked == [] and shown.summary.trap == traps()[1]
    assert shown.undo_stack.count() == 2


def test_save_changes_is_asked_before_open_open_recent_preset_and_close(my_file, qtbot, answers, monkeypatch, tmp_path):
    # Every way of replacing or closing unsaved work asks first; Cancel always keeps it.
    shown, path = my_file
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"train": {"samples": 7}}))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(other), "")))
    shown.ask_before_closing = True
    type_into(qtbot, shown.form.epochs, "9")
    answers.reply = QMessageBox.StandardButton.Cancel
    file_menu = next(a for a in shown.menuBar().actions() if a.text() == "&File").menu()
    next(a for a in file_menu.actions() if a.text() == "&Open...").trigger()
    shown.recent_menu.actions()[0].trigger()
    shown.preset_box.setCurrentIndex(2)
    shown.preset_box.activated.emit(2)
    shown.close()
    assert len(answers.asked) == 4
    assert shown.isVisible() and shown.plan.scenario.epochs == 9 and shown.file_path == path
    answers.reply = QMessageBox.StandardButton.Discard
    next(a for a in file_menu.actions() if a.text() == "&Open...").trigger()
    assert shown.file_path == other and not shown.isWindowModified()
    assert shown.undo_stack.count() == 0  # a new document starts a new history
    type_into(qtbot, shown.form.epochs, "3")
    next(a for a in file_menu.actions() if a.text() == "&Quit").trigger()
    assert len(answers.asked) == 6 and not shown.isVisible()


def test_consecutive_typing_merges_only_within_one_box(window, qtbot):
    # Typing in epochs, then in steps_per_epoch, then in epochs again: three steps of the history.
    shown = window(MINE)
    type_into(qtbot, shown.form.epochs, "12")
    type_into(qtbot, shown.form.steps_per_epoch, "5")
    type_into(qtbot, shown.form.epochs, "13")
    assert shown.undo_stack.count() == 3
    assert [shown.undo_stack.text(i) for i in range(3)] == ["edit of epochs", "edit of steps per epoch", "edit of epochs"]
    for _ in range(3):
        shown.undo_action.trigger()
    assert shown.plan.scenario == scenario_from_dict(MINE)
