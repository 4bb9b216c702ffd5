"""Question mode as a student meets it: View > Questions hides the batches and the summary, every question of
every trap and preset is answered through the real widgets (typed numbers, Yes/No buttons, a mouse click on an
epoch's row), wrong first and then right, and each answer reveals the part of the timeline the question names,
with the score counting along; leaving puts everything back as it was."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from core.keras.fit import plan
from core.questions import questions_for
from gui.markup import escape
from gui.questions import question_mode
from gui.resources import presets, traps
from gui.timeline_layout import KINDS

SCENARIOS = [pytest.param(trap.scenario.to_dict(), id=f"trap-{trap.key}") for trap in traps()] + [
    pytest.param(scenario.to_dict(), id=f"preset-{index + 1}") for index, (_name, _words, scenario) in enumerate(presets())
]
MANY_EPOCHS = {
    "train": {"samples": 1000, "source": "dataset", "batch_size": 32, "repeat": "before_batch"},
    "epochs": 100_000,
    "steps_per_epoch": 7,
}


def make_active(qtbot, shown) -> None:
    """Shortcuts go to the active window: ask the platform to activate it and wait until it is."""
    shown.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shown, timeout=5000)


def questions_action(window):
    return next(action for action in window.menus["view"].actions() if action.objectName() == "questions_action")


def drawn_rows(timeline) -> set[tuple[int, str]]:
    """(row, lane) of every block the timeline draws now (a lane's blocks sit inside its band)."""
    model = timeline.layout_model
    rows = set()
    for kind in KINDS:
        _x, _width, tops, heights = timeline.picture.blocks[kind].arrays()
        for top, height in zip(np.atleast_1d(tops), np.atleast_1d(heights), strict=True):
            middle = float(top) + float(height) / 2
            row = int(np.floor(middle))
            lane = "val" if model.has_validation and middle - row > 0.62 else "train"
            rows.add((row, lane))
    return rows


def click_row(qtbot, timeline, row: int) -> None:
    """A real left click on the middle of an epoch's training row, through the plot's viewport."""
    (x0, x1), _ = timeline.view_box.viewRange()
    scene = timeline.view_box.mapViewToScene(QPointF((x0 + x1) / 2, row + 0.3))
    qtbot.mouseClick(timeline.plot.viewport(), Qt.MouseButton.LeftButton, pos=timeline.plot.mapFromScene(scene))


def answer(qtbot, window, question, right: bool) -> None:
    """Answer as a student does: Yes/No buttons, a click on the row for an epoch (when right), typing otherwise."""
    panel = question_mode(window).panel
    if question.answer_kind == "yes_no":
        button = panel.yes_button if question.answer == right else panel.no_button
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return
    if question.answer_kind == "epoch" and right:
        click_row(qtbot, window.timeline, question.answer - window.timeline.layout_model.number(0))
        return
    qtbot.keyClicks(panel.answer, f"{question.answer:,}" if right else str(question.answer + 1))
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("data", SCENARIOS)
def test_a_student_answers_every_question_of_every_trap_and_preset(window, qtbot, data):
    """Wrong first, then right: each answer is checked, reveals its part of the timeline and counts in the score;
    Esc leaves and everything is as it was."""
    shown = window(data)
    timeline = shown.timeline
    view_before = timeline.view_box.viewRange()
    questions_action(shown).trigger()
    mode = question_mode(shown)
    panel = mode.panel
    assert panel.isVisible() and not shown.summary.isVisible() and not timeline.legend.isVisible()
    assert timeline.veiled and drawn_rows(timeline) == set() and not timeline.message.isVisible()
    expected = questions_for(plan(shown.plan.scenario))
    assert [question.kind for question in mode.questions] == [question.kind for question in expected]
    for index, question in enumerate(mode.questions):
        assert panel.text.text() == question.text
        assert panel.progress.text() == f"Question {index + 1} of {len(mode.questions)}"
        assert drawn_rows(timeline) == set(), "nothing is revealed before the answer"
        right = index > 0
        answer(qtbot, shown, question, right)
        assert mode.answered and mode.asked == index + 1 and mode.right == index
        verdict = panel.verdict.text()
        assert ("Right: " if right else "Not quite: ") in verdict and escape(question.answer_words) in verdict
        assert escape(question.explanation) in verdict
        asked = f"{index + 1} question" + ("s" if index else "")
        assert panel.score.text() == f"Score: {index} right of {asked} asked"
        reveal = question.reveal
        if reveal is None:
            assert timeline.message.isVisible() and drawn_rows(timeline) == set()
            assert shown.plan.error[:60] in timeline.message.textItem.toPlainText(), "Keras' own refusal is revealed"
        else:
            revealed = timeline.revealed
            assert (revealed.first_row, revealed.last_row, revealed.lane, revealed.steps) == (
                reveal.first_row,
                reveal.last_row,
                reveal.lane,
                reveal.steps,
            )
            lanes = {"train": {"train"}, "validation": {"val"}, "both": {"train", "val"}}[reveal.lane]
            drawn = drawn_rows(timeline)
            assert all(reveal.first_row <= row <= reveal.last_row and lane in lanes for row, lane in drawn), drawn
            (_x0, _x1), (y0, y1) = timeline.view_box.viewRange()
            assert y0 <= reveal.first_row + 0.5 and reveal.first_row < y1, "the view is framed on what is revealed"
        if index + 1 < len(mode.questions):
            qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        else:
            assert not panel.next_button.isEnabled()
    make_active(qtbot, shown)
    qtbot.keyClick(shown, Qt.Key.Key_Escape)
    assert not mode.active and not panel.isVisible() and shown.summary.isVisible() and timeline.legend.isVisible()
    assert not timeline.veiled and not questions_action(shown).isChecked()
    assert np.allclose(timeline.view_box.viewRange(), view_before, rtol=1e-6)
    if shown.plan.outcome == "ok":
        assert drawn_rows(timeline), "the batches are back"


def test_a_reply_that_is_no_answer_gets_a_hint_and_a_click_on_the_wrong_row_counts_as_wrong(window, qtbot):
    """Words are not an answer (nothing counted, nothing revealed); a click on another epoch's row is a wrong answer."""
    shown = window(next(trap for trap in traps() if trap.key == "floor_ceil_mismatch").scenario.to_dict())
    questions_action(shown).trigger()
    mode = question_mode(shown)
    question = mode.question
    assert question.kind == "first_ran_out" and question.answer == 2
    qtbot.keyClicks(mode.panel.answer, "the second")
    qtbot.keyClick(mode.panel.answer, Qt.Key.Key_Return)
    assert mode.asked == 0 and not mode.answered and shown.timeline.revealed is None
    assert escape("Click the epoch's row on the timeline, or type its number") in mode.panel.verdict.text()
    click_row(qtbot, shown.timeline, 2)
    assert mode.asked == 1 and mode.right == 0
    assert "Not quite: it runs out in epoch 2, not 3." in mode.panel.verdict.text()
    click_row(qtbot, shown.timeline, 1)
    assert mode.asked == 1, "one answer a question"


def test_another_scenario_gets_its_own_questions_and_the_score_stays(window, qtbot):
    """Opening a trap while asking: its questions from the first, its batches hidden, the session's score kept;
    F6 leaves."""
    shown = window()
    questions_action(shown).trigger()
    mode = question_mode(shown)
    answer(qtbot, shown, mode.question, right=True)
    endless = next(trap for trap in traps() if trap.key == "repeat_without_steps")
    shown.open_trap(endless)
    assert mode.index == 0 and mode.question.kind == "fit_returns" and mode.right == 1 and mode.asked == 1
    assert shown.timeline.veiled and drawn_rows(shown.timeline) == set()
    assert mode.panel.score.text() == "Score: 1 right of 1 question asked"
    qtbot.mouseClick(mode.panel.no_button, Qt.MouseButton.LeftButton)
    assert shown.timeline.endless_labels[0].isVisible(), "the epoch that never ends is revealed"
    make_active(qtbot, shown)
    qtbot.keyClick(shown, Qt.Key.Key_F6)
    assert not mode.active and shown.summary.isVisible()
    assert any(keys == "F6" and "Questions" in words for keys, words in shown.shortcuts())


@pytest.mark.parametrize("look", ["dark", "presenting"])
def test_dark_theme_and_presentation_mode_colour_the_verdict_and_fit_1280x720(window, qtbot, look):
    """The verdict takes the look's own colours, and the panel and three epoch rows fit a 1280x720 window."""
    shown = window()
    if look == "dark":
        shown.set_theme("dark", remember=False)
    else:
        shown.set_presenting(True)
    questions_action(shown).trigger()
    mode = question_mode(shown)
    answer(qtbot, shown, mode.question, right=False)
    assert shown.look.alarm in mode.panel.verdict.styleSheet()
    qtbot.mouseClick(mode.panel.next_button, Qt.MouseButton.LeftButton)
    answer(qtbot, shown, mode.question, right=True)
    assert shown.look.good in mode.panel.verdict.styleSheet()
    assert mode.panel.height() < 0.45 * shown.timeline.height()
    assert shown.timeline.plot.height() > 150


def test_a_plan_of_100000_epochs_asks_and_reveals_at_once(window, qtbot):
    """100,000 epochs: entering, answering every question and each reveal take well under a second apiece."""
    shown = window(MANY_EPOCHS)
    started = time.perf_counter()
    questions_action(shown).trigger()
    mode = question_mode(shown)
    assert time.perf_counter() - started < 1.0
    while True:
        started = time.perf_counter()
        answer(qtbot, shown, mode.question, right=True)
        assert time.perf_counter() - started < 1.0
        if not mode.panel.next_button.isEnabled():
            break
        qtbot.mouseClick(mode.panel.next_button, Qt.MouseButton.LeftButton)
    assert mode.right == mode.asked == len(mode.questions)
