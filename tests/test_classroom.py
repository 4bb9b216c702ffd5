"""Classroom features: the trap gallery, exports, the plan-only playhead, presentation mode and themes."""

from __future__ import annotations

import pytest

from core import scenario_from_dict
from gui.main_window import MainWindow
from gui.resources import traps

TRAPS = traps()


@pytest.fixture
def window(qtbot):
    def make(data=None):
        made = MainWindow(scenario_from_dict(data) if data else None)
        made.ask_before_closing = False
        qtbot.addWidget(made)
        made.resize(1280, 720)
        made.show()
        qtbot.waitExposed(made)
        return made

    return make


def test_gallery_has_every_trap_the_classroom_needs():
    # The traps teachers asked for, the seeds' two generators included, each flagged by a planner warning.
    keys = {trap.key for trap in TRAPS}
    assert keys >= {
        "floor_ceil_mismatch",
        "too_many_steps",
        "repeat_without_steps",
        "endless_validation",
        "validation_steps_too_many",
        "validation_split_rounding",
        "batch_then_repeat",
        "repeat_then_batch",
        "one_shot_generator",
        "drop_remainder",
        "steps_per_execution_overshoot",
        "infinite_generator",
        "looping_generator",
    }


@pytest.mark.parametrize("trap", TRAPS, ids=[trap.key for trap in TRAPS])
def test_each_trap_opens_its_scenario_and_names_the_planners_warning(window, trap):
    # One click: the trap's scenario is planned, and its explanation quotes the warning the planner gives.
    shown = window()
    shown.open_trap(trap)
    assert shown.plan.scenario == trap.scenario
    warning = next(w for w in shown.plan.warnings if w.code == trap.warning)
    box = shown.summary.trap_box
    assert box.isVisible()
    assert trap.name in box.text() and f"({trap.warning})" in box.text()
    assert warning.text.split(":")[0].replace('"', "&quot;")[:40] in box.text()


def test_editing_away_from_a_trap_clears_its_story(window):
    # The trap's text applies to the trap's scenario only.
    shown = window()
    shown.open_trap(TRAPS[0])
    shown.form.epochs.setText("5")
    shown.form.epochs.textEdited.emit("5")
    assert not shown.summary.trap_box.isVisible()
