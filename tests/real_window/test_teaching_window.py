"""Question mode and a lesson in a real X session (Xvfb + openbox): F6 and Esc pressed on the keyboard, the
answer clicked on the epoch's row with the real pointer, a wrong answer typed and sent with Return, and a lesson
walked with Ctrl+PgDown / Ctrl+PgUp as a teacher at the front of the room does."""

from __future__ import annotations

from PySide6.QtCore import QPointF

from gui.lessons import lesson_runner, open_ready_lesson
from gui.questions import question_mode

FLOOR_TRAP = {"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 3, "steps_per_epoch": 3}


def row_point(timeline, row: int):
    """Where the middle of an epoch's training row is, in the plot's viewport."""
    (x0, x1), _ = timeline.view_box.viewRange()
    return timeline.plot.mapFromScene(timeline.view_box.mapViewToScene(QPointF((x0 + x1) / 2, row + 0.3)))


def test_f6_asks_a_click_on_the_row_answers_and_esc_puts_everything_back(real_window, press_keys, click, qtbot):
    window = real_window(FLOOR_TRAP)
    window.timeline.plot.setFocus()
    press_keys("F6")
    qtbot.waitUntil(lambda: question_mode(window) is not None and question_mode(window).panel.isVisible(), timeout=5000)
    mode = question_mode(window)
    assert not window.summary.isVisible()
    first = mode.question
    assert first.kind == "first_ran_out" and first.answer == 2  # the floor trap's own point comes first
    timeline = window.timeline
    click(timeline.plot.viewport(), row_point(timeline, first.answer - timeline.layout_model.number(0)))
    qtbot.waitUntil(lambda: mode.answered, timeout=5000)
    assert mode.score_words() == "1 right of 1 question asked"
    click(mode.panel.next_button, mode.panel.next_button.rect().center())
    second = mode.question
    assert second is not first and mode.panel.answer.isVisible()
    mode.panel.answer.setFocus()
    wrong = "999999" if second.answer_kind == "number" else ""
    if wrong:  # a number asked: typed wrong, sent with Return
        press_keys(*"999999", "Return")
        qtbot.waitUntil(lambda: mode.answered, timeout=5000)
        assert mode.score_words() == "1 right of 2 questions asked"
    press_keys("Escape")
    qtbot.waitUntil(lambda: not mode.panel.isVisible(), timeout=5000)
    assert window.summary.isVisible()


def test_ctrl_page_down_and_up_walk_the_lesson(real_window, press_keys, qtbot):
    window = real_window(FLOOR_TRAP)
    assert open_ready_lesson(window)
    runner = lesson_runner(window)
    assert runner.index == 0
    window.timeline.plot.setFocus()
    press_keys("ctrl+Next")  # Page Down
    qtbot.waitUntil(lambda: runner.index == 1, timeout=5000)
    step = runner.lesson.steps[1]
    assert window.trap is not None and window.trap.key == step.trap
    press_keys("ctrl+Prior")  # Page Up
    qtbot.waitUntil(lambda: runner.index == 0, timeout=5000)
    assert window.trap is None
