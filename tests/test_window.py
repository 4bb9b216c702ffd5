"""The window that `python main.py` opens (the full form and timeline come with the GUI issue)."""

from __future__ import annotations

from core import scenario_from_dict
from gui.main_window import MainWindow


def test_window_shows_the_plan_of_the_scenario(qtbot):
    # Opened with a scenario, the window shows that scenario's plan in words.
    window = MainWindow(
        scenario_from_dict({"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 3, "steps_per_epoch": 3})
    )
    qtbot.addWidget(window)
    text = window.summary_view.toPlainText()
    assert "Epoch 2: 1 step (1 x 4), from sample 96; ran out of data" in text


def test_window_with_a_bad_file_explains_and_still_opens(qtbot):
    # A scenario that could not be read is named, and an example is shown instead of nothing.
    window = MainWindow(None, "broken.json: not valid JSON")
    qtbot.addWidget(window)
    assert window.summary_view.toPlainText().startswith("Could not open the scenario: broken.json: not valid JSON")
