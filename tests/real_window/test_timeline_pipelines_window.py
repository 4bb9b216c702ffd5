"""Issue 11's timeline in a real window: the real pointer over a shuffled PyDataset's epoch and over a batch
after which the weights change, the rows named by their absolute epoch, and the screen as a person sees it."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QToolTip

from gui.timeline import random_colours

# A shuffled PyDataset (10 samples in batches of 4) from epoch 4 to 6, weights changing every 4th batch, validated.
PYDATASET = {
    "train": {"samples": 10, "source": "pydataset", "batch_size": 4},
    "epochs": 6,
    "initial_epoch": 3,
    "gradient_accumulation_steps": 4,
    "validation": {"samples": 6, "source": "pydataset", "batch_size": 4},
}
KEEP_SHOTS = os.environ.get("EPOCHSCOPE_KEEP_SHOTS")  # a folder: the screen shots are also written there, to look at


def at(timeline, x: float, y: float) -> QPoint:
    """The plot's point (x, y) in the viewport's pixels."""
    return timeline.plot.mapFromScene(timeline.view_box.mapViewToScene(QPointF(x, y)))


def middle_of(timeline, epoch: int, step: int, lane: str = "train") -> QPoint:
    x, width, top, height = timeline.layout_model.batch_box(epoch, lane, step)
    return at(timeline, x + width / 2, top + height / 2)


def test_the_pointer_over_a_shuffled_epoch_and_an_updating_batch_says_so(real_window, move_pointer, qtbot):
    # The real pointer on epoch 4's last slot: "order random"; on epoch 5's first batch: the weights change after it.
    window = real_window(PYDATASET)
    timeline = window.timeline
    assert [words for _y, words in timeline.row_labels if words.startswith("Epoch")] == ["Epoch 4", "Epoch 5", "Epoch 6"]
    move_pointer(timeline.plot.viewport(), middle_of(timeline, 0, 2))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    lines = QToolTip.text().split("\n")
    assert lines[0] == "Epoch 4, training step 3 of 3", lines
    assert lines[2] == "the batch order is random: Keras' shuffle draws it anew each pass", lines
    assert window.statusBar().currentMessage().startswith("Epoch 4, training step 3, 4 or 2 samples (order random each pass)")
    # The wide tooltip stands where the pointer goes next (a person's pointer slides off it): it goes first.
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=3000)
    move_pointer(timeline.plot.viewport(), middle_of(timeline, 1, 0))
    qtbot.waitUntil(lambda: QToolTip.text().startswith("Epoch 5, training step 1 of 3"), timeout=3000)
    assert QToolTip.text().split("\n")[-1] == "the weights change after this batch (update 1 of 2, every 4 batches)"
    assert window.statusBar().currentMessage().endswith(", weights change")


def test_the_screen_shows_the_hatch_the_ticks_and_the_legend(real_window, screen_shot, qtbot, tmp_path):
    # On the real screen: the hatched fill and its lines inside epoch 4's row, a tick under epoch 5, the legend's words.
    window = real_window(PYDATASET)
    timeline = window.timeline
    qtbot.wait(100)
    shot = screen_shot(tmp_path / "pydataset.png")
    if KEEP_SHOTS:
        shot.save(str(Path(KEEP_SHOTS) / "timeline-pydataset.png"), "PNG")
    viewport = timeline.plot.viewport()
    fill, lines = (QColor(colour) for colour in random_colours(timeline.look))
    x, width, top, height = timeline.layout_model.batch_box(0, "train", 1)
    corner = viewport.mapToGlobal(at(timeline, x + width * 0.1, top + height * 0.1))
    far = viewport.mapToGlobal(at(timeline, x + width * 0.9, top + height * 0.9))
    seen = {shot.pixelColor(px, py).name() for px in range(corner.x(), far.x()) for py in range(corner.y(), far.y())}
    assert fill.name() in seen and lines.name() in seen, sorted(seen)[:12]
    tick_x, tick_y = timeline.picture.tick_points()
    assert len(tick_x) == 2
    tick = viewport.mapToGlobal(at(timeline, tick_x[0], tick_y[0]))
    near = {shot.pixelColor(tick.x() + dx, tick.y() + dy).name() for dx in range(-2, 3) for dy in range(-2, 3)}
    assert QColor(timeline.look.text).name() in near, near
    assert "order random each pass" in timeline.legend.text() and timeline.legend.isVisible()
