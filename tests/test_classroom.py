"""Classroom features: the trap gallery, exports, the plan-only playhead, presentation mode and themes."""

from __future__ import annotations

import pytest

from core import scenario_from_dict
from gui.main_window import MainWindow
from gui.resources import traps

TRAPS = traps()
FLOOR_TRAP = {
    "train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 3,
}


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


@pytest.mark.parametrize("view_name", ["timeline", "loss plot"])
def test_png_export_decodes_at_the_plots_size(window, tmp_path, view_name):
    # The PNG is the plot as shown, at its size on screen.
    from PySide6.QtGui import QImage

    shown = window(FLOOR_TRAP)
    view = shown.timeline.plot if view_name == "timeline" else shown.demo.plot
    path = tmp_path / "picture.png"
    assert shown.export_to(view, path, view_name)
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == (view.width(), view.height())


def test_svg_export_is_real_vector_graphics(window, tmp_path):
    # The SVG parses as XML and holds the blocks as vector paths, not one embedded bitmap.
    import xml.etree.ElementTree as ElementTree

    shown = window(FLOOR_TRAP)
    path = tmp_path / "timeline.svg"
    assert shown.export_to(shown.timeline.plot, path)
    root = ElementTree.parse(path).getroot()
    tags = [element.tag.split("}")[-1] for element in root.iter()]
    assert root.tag.endswith("svg")
    assert tags.count("path") + tags.count("rect") + tags.count("polygon") >= 7  # at least the 7 batches
    assert "image" not in tags


def test_copy_puts_the_timeline_on_the_clipboard(window):
    # Edit > Copy: the timeline as a picture, ready to paste into slides.
    from PySide6.QtGui import QGuiApplication

    shown = window(FLOOR_TRAP)
    shown.copy_picture(shown.timeline.plot)
    assert QGuiApplication.clipboard().image().size() == shown.timeline.plot.grab().size()
