"""Lessons and scenario lines in the window, as a teacher and a student use them: menus, keys, the clipboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from core.files import load_scenario
from core.lessons import FORM_FIELDS, Lesson, lesson_from_json
from core.scenario import scenario_from_dict
from core.share import encode, encode_lesson
from gui.lessons import READY_LESSON, is_lesson_file, lesson_runner, open_lesson
from gui.questions import question_mode
from gui.resources import presets, read_text, traps

PROJECT = Path(__file__).resolve().parent.parent
TRAPS = {trap.key: trap for trap in traps()}
PLAIN = {"train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False}, "epochs": 3}
CTRL = Qt.KeyboardModifier.ControlModifier


def make_active(qtbot, shown) -> None:
    """Shortcuts go to the active window: ask the platform to activate it and wait until it is."""
    shown.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shown, timeout=5000)


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def help_action(window, starting: str) -> QAction:
    return next(found for found in window.menus["help"].actions() if found.text().startswith(starting))


def hidden_on_screen(window, key: str) -> bool:
    return not window.form.field_widget(key).isVisibleTo(window)


def everything_shown(window) -> bool:
    return (
        window.form.withheld_fields() == frozenset()
        and window.form_panel.isVisibleTo(window)
        and window.form_button.isVisibleTo(window)
        and window.preset_box.isVisibleTo(window)
        and window.summary.isVisibleTo(window)
        and window.summary.isTabVisible(window.summary.indexOf(window.demo))
        and window.compare_button.isVisibleTo(window)
        and window.menus["traps"].menuAction().isVisible()
        and window.menus["demo"].menuAction().isVisible()
    )


def test_the_ready_lesson_walks_forward_and_back_with_its_keys(window, qtbot):
    # Help > Open the lesson, then Ctrl+PgDown to the end and Ctrl+PgUp back: each step's scenario, hidden fields and questions.
    shown = window()
    make_active(qtbot, shown)
    lesson = lesson_from_json(read_text(READY_LESSON), TRAPS)
    help_action(shown, "Open the lesson").trigger()
    runner = lesson_runner(shown)
    assert runner is not None and runner.bar.isVisibleTo(shown)

    def check_step(number: int) -> None:
        step = lesson.steps[number]
        assert runner.index == number
        assert runner.bar.title.text().endswith(f"Step {number + 1} of {len(lesson.steps)}: {runner.step_title(step)}")
        assert runner.bar.note.text() == step.note
        expected = TRAPS[step.trap].scenario if step.trap else step.scenario
        assert shown.plan.scenario == expected
        assert shown.trap == (TRAPS[step.trap] if step.trap else None)
        assert shown.form.withheld_fields() == step.hidden_fields
        assert all(hidden_on_screen(shown, key) for key in step.hidden_fields)
        assert not any(hidden_on_screen(shown, key) for key in ("train.samples", "train.batch_size", "epochs", "steps_per_epoch"))
        assert hidden_on_screen(shown, "steps_per_execution") == (step.trap != "steps_per_execution_overshoot")
        assert not shown.summary.isTabVisible(shown.summary.indexOf(shown.demo))  # every step hides the demo
        assert not shown.compare_button.isVisibleTo(shown)
        mode = question_mode(shown)
        assert mode is not None and mode.active
        assert [question.kind for question in mode.questions] == list(step.questions)

    check_step(0)
    assert hidden_on_screen(shown, "validation.samples") and hidden_on_screen(shown, "train.repeat")
    assert not hidden_on_screen(shown, "train.batch_size")
    for number in range(1, len(lesson.steps)):
        qtbot.keyClick(QApplication.focusWidget() or shown, Qt.Key.Key_PageDown, CTRL)  # focus: the answer box
        check_step(number)
    qtbot.keyClick(shown, Qt.Key.Key_PageDown, CTRL)  # past the last step: nothing moves
    check_step(len(lesson.steps) - 1)
    assert not action(shown, "lesson_next").isEnabled()
    for number in reversed(range(len(lesson.steps) - 1)):
        qtbot.keyClick(QApplication.focusWidget() or shown, Qt.Key.Key_PageUp, CTRL)
        check_step(number)

    action(shown, "lesson_leave").trigger()
    assert everything_shown(shown)
    assert not runner.bar.isVisibleTo(shown) and runner.lesson is None
    assert not question_mode(shown).active
    assert shown.plan.scenario == lesson.steps[0].scenario  # the scenario stays
    assert not action(shown, "lesson_next").isEnabled() and not action(shown, "lesson_previous").isEnabled()


def test_undo_and_redo_across_steps_move_the_lesson_with_the_form(window):
    # Ctrl+PgDown then Ctrl+Z: the form goes back to step 1 and so do the bar, what is hidden and the step keys;
    # Redo comes back to step 2; undoing past the lesson's first step leaves the lesson, everything shown again.
    shown = window()
    before = shown.plan.scenario
    lesson = lesson_from_json(read_text(READY_LESSON), TRAPS)
    help_action(shown, "Open the lesson").trigger()
    runner = lesson_runner(shown)
    action(shown, "lesson_next").trigger()
    assert runner.index == 1 and shown.trap is not None and shown.trap.key == lesson.steps[1].trap

    shown.undo_action.trigger()
    assert runner.index == 0 and shown.trap is None and shown.plan.scenario == lesson.steps[0].scenario
    assert runner.bar.title.text().endswith(f"Step 1 of {len(lesson.steps)}: {runner.step_title(lesson.steps[0])}")
    assert shown.form.withheld_fields() == set(lesson.steps[0].hidden_fields)
    assert not action(shown, "lesson_previous").isEnabled() and action(shown, "lesson_next").isEnabled()

    shown.redo_action.trigger()
    assert runner.index == 1 and shown.trap.key == lesson.steps[1].trap
    assert runner.bar.title.text().endswith(f"Step 2 of {len(lesson.steps)}: {runner.step_title(lesson.steps[1])}")

    shown.undo_action.trigger()
    shown.undo_action.trigger()
    assert shown.plan.scenario == before and runner.lesson is None and not runner.bar.isVisibleTo(shown)
    assert everything_shown(shown)


def write_lesson(path: Path, steps: list[dict]) -> Path:
    path.write_text(json.dumps({"lesson": "Parts", "steps": steps}), encoding="utf-8")
    return path


def test_a_step_hides_window_parts_and_the_next_shows_them_again(window, qtbot, tmp_path):
    # A file opened as a lesson hides the form, the presets, the summary and the Traps menu for a step; the next
    # step and leaving show them again; Undo brings back the scenario from before the lesson, one step at a time.
    shown = window()
    before = shown.plan.scenario
    path = write_lesson(
        tmp_path / "parts.json",
        [
            {"scenario": PLAIN, "hide": ["form", "presets", "summary", "traps"], "questions": ["epoch_steps"]},
            {"trap": "drop_remainder", "hide": ["train.*"]},
        ],
    )
    assert is_lesson_file(path)
    assert open_lesson(shown, path)
    assert not shown.form_panel.isVisibleTo(shown) and not shown.form_button.isVisibleTo(shown)
    assert not shown.form_action.isEnabled()
    assert not shown.preset_box.isVisibleTo(shown) and not shown.summary.isVisibleTo(shown)
    assert not shown.menus["traps"].menuAction().isVisible()
    assert question_mode(shown).active
    question_mode(shown).leave()  # the student is done with the questions: the summary stays hidden for this step
    assert not shown.summary.isVisibleTo(shown)

    qtbot.mouseClick(lesson_runner(shown).bar.next_button, Qt.MouseButton.LeftButton)
    assert lesson_runner(shown).index == 1 and not lesson_runner(shown).bar.next_button.isEnabled()
    assert shown.form_panel.isVisibleTo(shown) and shown.summary.isVisibleTo(shown) and shown.preset_box.isVisibleTo(shown)
    assert shown.form.withheld_fields() == {key for key in FORM_FIELDS if key.startswith("train.")}
    assert all(hidden_on_screen(shown, key) for key in FORM_FIELDS if key.startswith("train."))
    assert not hidden_on_screen(shown, "epochs")
    assert not question_mode(shown).active  # this step asks nothing
    action(shown, "lesson_leave").trigger()
    assert everything_shown(shown)

    shown.undo_action.trigger()
    assert shown.plan.scenario == scenario_from_dict(PLAIN)
    shown.undo_action.trigger()
    assert shown.plan.scenario == before


def test_a_bad_lesson_says_the_step_and_field_and_changes_nothing(window, tmp_path, monkeypatch):
    # One line naming the step and the field, in the message box and the status bar; the form and its history stay.
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _parent, _title, text: told.append(text)))
    shown = window()
    before = (shown.plan.scenario, shown.undo_stack.count())
    path = write_lesson(tmp_path / "bad.json", [{"scenario": PLAIN}, {"trap": "drop_remainder", "questions": ["colour"]}])
    assert is_lesson_file(path)
    assert not open_lesson(shown, path)
    assert len(told) == 1 and "step 2: questions:" in told[0] and "\n" not in told[0]
    assert "step 2: questions:" in shown.statusBar().currentMessage()
    assert (shown.plan.scenario, shown.undo_stack.count()) == before
    assert lesson_runner(shown) is None or lesson_runner(shown).lesson is None


def test_only_lesson_files_are_taken_for_lessons(tmp_path):
    # A scenario file, a missing file and junk are not lessons (they open as scenarios, which explain what is wrong).
    assert is_lesson_file(PROJECT / "resources" / READY_LESSON)
    assert not is_lesson_file(PROJECT / "examples" / "mnist.json")
    assert not is_lesson_file(tmp_path / "missing.json")
    (tmp_path / "junk.json").write_bytes(b"\x00\xff junk")
    assert not is_lesson_file(tmp_path / "junk.json")


EXAMPLES = sorted((PROJECT / "examples").glob("*.json"))


def test_every_shipped_scenario_goes_through_the_clipboard_and_back(window, qtbot):
    # Edit > Copy scenario as a line, then Edit > Paste scenario in the same window after another scenario: for every
    # example, preset and trap, the pasted scenario is the copied one, and Undo puts back the one before the paste.
    shown = window()
    clipboard = QGuiApplication.clipboard()
    shipped = (
        [load_scenario(path) for path in EXAMPLES] + [scenario for _n, _w, scenario in presets()] + [t.scenario for t in traps()]
    )
    other = scenario_from_dict(PLAIN)
    copy, paste = action(shown, "copy_scenario_line"), action(shown, "paste_scenario_line")
    for scenario in shipped:
        shown.replace_form("the scenario to copy", scenario, None)
        copy.trigger()
        line = clipboard.text()
        assert line == encode(scenario) and "\n" not in line
        assert f"line of {len(line):,} characters" in shown.statusBar().currentMessage()
        shown.replace_form("another scenario", other, None)
        paste.trigger()
        assert shown.plan.scenario == scenario
        trap = next((trap for trap in traps() if trap.scenario == scenario), None)
        assert shown.trap == trap  # a trap's line brings its story along
        shown.undo_action.trigger()
        assert shown.plan.scenario == other


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "no text to paste"),
        ("look at this", "not an EpochScope scenario line"),
        ("epochscope:9:abcdef", "newer EpochScope"),
        ("epochscope:1:q1YqKUrMzFOyqlYqTswtyEktVrIy", "cut short"),
    ],
)
def test_pasting_garbage_says_so_and_changes_nothing(window, text, words):
    # A clipboard without a usable line: one line in the status bar, the form and its history as they were.
    shown = window()
    before = (shown.plan.scenario, shown.undo_stack.count())
    QGuiApplication.clipboard().setText(text)
    action(shown, "paste_scenario_line").trigger()
    message = shown.statusBar().currentMessage()
    assert message.startswith("Nothing pasted: ") and words in message
    assert (shown.plan.scenario, shown.undo_stack.count()) == before


def test_pasting_over_unsaved_work_asks_first(window, monkeypatch):
    # A person's own edit is not lost: "Save changes?" comes first, and Cancel leaves everything as it was.
    asked: list[str] = []

    def cancel(_parent, title, *_args, **_kwargs):
        asked.append(title)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", staticmethod(cancel))
    shown = window()
    shown.ask_before_closing = True
    shown.form.epochs.setText("7")
    shown.form.epochs.textEdited.emit("7")
    edited = shown.plan.scenario
    QGuiApplication.clipboard().setText(encode(TRAPS["drop_remainder"].scenario))
    action(shown, "paste_scenario_line").trigger()
    assert asked == ["Save changes?"]
    assert shown.plan.scenario == edited and shown.form.epochs.text() == "7"
    shown.ask_before_closing = False


def test_a_lesson_step_copies_as_a_line_that_opens_as_a_lesson_of_one_step(window, qtbot):
    # During a lesson the line is the step, note and questions too; pasted in another window it opens as a lesson
    # of that one step. Once the form is edited, or the lesson left, the line is the scenario again.
    shown = window()
    help_action(shown, "Open the lesson").trigger()
    action(shown, "lesson_next").trigger()
    runner = lesson_runner(shown)
    step = runner.step
    action(shown, "copy_scenario_line").trigger()
    line = QGuiApplication.clipboard().text()
    assert line == encode_lesson(Lesson(runner.lesson.title, (step,))) and "\n" not in line
    assert shown.statusBar().currentMessage().startswith(f"Copied lesson step 2 as a line of {len(line):,} characters")

    other = window()
    action(other, "paste_scenario_line").trigger()
    pasted = lesson_runner(other)
    assert pasted is not None and pasted.lesson == Lesson(runner.lesson.title, (step,))
    assert pasted.bar.title.text().endswith(f"Step 1 of 1: {runner.step_title(step)}")
    assert other.plan.scenario == TRAPS[step.trap].scenario and other.trap == TRAPS[step.trap]
    assert [question.kind for question in question_mode(other).questions] == list(step.questions)
    assert other.form.withheld_fields() == step.hidden_fields

    shown.form.epochs.setText("9")
    shown.form.epochs.textEdited.emit("9")
    action(shown, "copy_scenario_line").trigger()
    assert QGuiApplication.clipboard().text() == encode(shown.plan.scenario)
    action(shown, "lesson_leave").trigger()
    action(shown, "copy_scenario_line").trigger()
    assert QGuiApplication.clipboard().text() == encode(shown.plan.scenario)
