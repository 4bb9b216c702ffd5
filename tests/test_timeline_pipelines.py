"""The timeline draws what issue 11's plans add, as a person meets it: absolute epoch numbers, an epoch whose
batches come in a random order, weight updates under the batches with gradient accumulation, and an epoch whose
length Keras does not know. Through the window, real mouse events where Qt offers them, and the exports."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from core import plan, scenario_from_dict
from core.scenario import ScenarioError
from gui.timeline_layout import AXES, MAX_BLOCKS, MAX_TICKS, TRAIN_KINDS, TimelineLayout

# A shuffled PyDataset of 10 samples in batches of 4 (4, 4, 2 in a random order each pass), run from epoch 4 to 6,
# with the weights changing after every 4th batch: 9 batches, updates after the 4th and the 8th, the 9th never applied.
PYDATASET = {
    "train": {"samples": 10, "source": "pydataset", "batch_size": 4},
    "epochs": 6,
    "initial_epoch": 3,
    "gradient_accumulation_steps": 4,
    "validation": {"samples": 6, "source": "pydataset", "batch_size": 4},
}
# A pipeline that filters: TensorFlow no longer knows the length, so Keras reads until the data runs out, every epoch.
FILTERED = {
    "train": {
        "samples": 100,
        "source": "dataset",
        "pipeline": [{"op": "filter", "keep_every": 3}, {"op": "batch", "size": 8}],
        "shuffle": False,
    },
    "epochs": 4,
}
PUBLIC_RECORDS = Path(__file__).resolve().parent / "conformance" / "keras-3.15.1-pipelines-public.json"
SVG = "{http://www.w3.org/2000/svg}"

# The offscreen platform cannot raise the tooltip's window above others (a real X server can: see tests/real_window).
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


def viewport_point(timeline, x: float, y: float) -> QPoint:
    """Where the plot's point (x, y) is, in the viewport's pixels."""
    return timeline.plot.mapFromScene(timeline.view_box.mapViewToScene(QPointF(x, y)))


def hover(qtbot, timeline, epoch: int, step: int, lane: str = "train") -> str:
    """Move the mouse, as a person does, to the middle of a batch; the words the status bar gets."""
    x, width, top, height = timeline.layout_model.batch_box(epoch, lane, step)
    # The last tooltip would take the move (it stands under the pointer), and a move to where the pointer already is
    # sends nothing: hide it, and come from the viewport's corner.
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible(), timeout=2000)
    QTest.mouseMove(timeline.plot.viewport(), QPoint(1, 1))
    qtbot.wait(20)  # let the corner's move arrive before the next, or Qt may merge the two
    with qtbot.waitSignal(timeline.hovered, timeout=2000) as hovered:
        QTest.mouseMove(timeline.plot.viewport(), viewport_point(timeline, x + width / 2, top + height / 2))
    return hovered.args[0]


def train_blocks(picture, epoch: int) -> dict[str, int]:
    """How many blocks of each training kind an epoch's row has in the picture."""
    counts = {}
    for kind in TRAIN_KINDS:
        _x, _width, y, _height = picture.blocks[kind].arrays()
        counts[kind] = int(np.sum((y >= epoch) & (y < epoch + 0.5)))
    return counts


def test_initial_epoch_numbers_every_label_tooltip_and_counter_absolutely(window, qtbot):
    # fit(epochs=6, initial_epoch=3) trains epochs 4 to 6: the rows, the status line and the playhead's counter say so.
    shown = window(PYDATASET)
    timeline = shown.timeline
    labels = [words for _y, words in timeline.row_labels if words.startswith("Epoch")]
    assert labels == ["Epoch 4", "Epoch 5", "Epoch 6"]
    assert hover(qtbot, timeline, 1, 0).startswith("Epoch 5, training step 1,")
    assert shown.statusBar().currentMessage().startswith("Epoch 5, training step 1,")
    assert hover(qtbot, timeline, 2, 1, "val").startswith("Epoch 6, validation step 2,")
    timeline.go_to_start()
    assert timeline.counter.text().startswith("Epoch 4, training step 1 of 3")
    timeline.go_to_end()
    assert timeline.counter.text().startswith("Epoch 6, validation step 2 of 2")


def test_rows_drawn_sparsely_are_the_ones_labelled_by_their_absolute_number(window, qtbot):
    # 1,000 epochs from initial_epoch=7 seen whole: the first row (Epoch 8) and multiples of the stride are drawn and named.
    shown = window({"train": {"samples": 100, "batch_size": 32}, "epochs": 1007, "initial_epoch": 7})
    timeline = shown.timeline
    timeline.view_box.setRange(yRange=(0, 1000), padding=0)
    timeline.relayout()
    numbers = [int(words.split()[1]) for _y, words in timeline.row_labels]
    step = timeline.picture.row_stride
    assert step > 1 and numbers
    assert all(number == 8 or number % step == 0 for number in numbers)
    drawn = {round(top) for kind in TRAIN_KINDS for top in timeline.picture.blocks[kind].arrays()[2]}
    assert {number - 8 for number in numbers} <= drawn  # every label names a drawn row
    assert all((row + 8) % step == 0 or row == 0 for row in drawn)


def test_a_random_order_epoch_is_equal_hatched_slots_and_its_tooltip_says_why(window, qtbot):
    # A shuffled PyDataset: no short batch pinned to the end, equal slots, the sizes as a multiset on the row and in words.
    shown = window(PYDATASET)
    timeline = shown.timeline
    picture = timeline.picture
    assert train_blocks(picture, 0) == {"full": 0, "full_alt": 0, "short": 0, "wrap": 0, "grouped": 0, "random": 3}
    x, width, _y, _h = picture.blocks["random"].arrays()
    first_row = slice(0, 3)
    assert width[first_row] == pytest.approx([10 / 3] * 3)  # the samples axis: the row's 10 samples in three equal slots
    assert x[first_row] == pytest.approx([0, 10 / 3, 20 / 3])
    hatch = timeline.random_hatch.opts
    assert list(hatch["x0"]) == list(x) and hatch["brush"].style().name == "BDiagPattern"
    notes = [label.textItem.toPlainText() for label in timeline.row_notes if label.isVisible()]
    assert notes == ["order random each pass: 2 batches of 4 and 1 of 2"] * 3
    # The pointer on the last slot: it may hold either size; the order is Keras' shuffle's.
    status = hover(qtbot, timeline, 0, 2)
    assert status == "Epoch 4, training step 3, 4 or 2 samples (order random each pass), pass 1, gradients add up"
    assert QToolTip.text().split("\n")[:4] == [
        "Epoch 4, training step 3 of 3",
        "4 or 2 samples (this epoch: 2 batches of 4 and 1 of 2)",
        "the batch order is random: Keras' shuffle draws it anew each pass",
        "pass 1 through the training data",
    ]
    assert QToolTip.isVisible()
    # Validation is never shuffled: its short batch is where it is.
    assert hover(qtbot, timeline, 0, 1, "val") == "Epoch 4, validation step 2, 2 samples, samples 4-5, pass 1"
    # The legend says what the hatch means.
    assert "order random each pass: equal slots, no batch in a fixed place" in timeline.legend.text()


def test_ticks_mark_the_batches_after_which_the_weights_change_across_epoch_ends(window, qtbot):
    # G=4 over epochs of 3 batches: updates after epoch 5's 1st batch and epoch 6's 2nd; epoch 6's last is never applied.
    shown = window(PYDATASET)
    timeline = shown.timeline
    model = timeline.layout_model
    tick_x, tick_y = timeline.picture.tick_points()
    ends = []
    for epoch, step in ((1, 0), (2, 1)):
        x, width, top, height = model.batch_box(epoch, "train", step)
        ends.append((x + width, top + height))
    assert list(tick_x) == pytest.approx([x for x, _bottom in ends])
    assert all(bottom < y < bottom + 0.12 for (_x, bottom), y in zip(ends, tick_y, strict=True))  # just under the row
    assert list(timeline.update_ticks.data["x"]) == pytest.approx(list(tick_x))
    assert hover(qtbot, timeline, 1, 0).endswith(", weights change")
    assert QToolTip.text().split("\n")[-1] == "the weights change after this batch (update 1 of 2, every 4 batches)"
    hover(qtbot, timeline, 0, 2)
    assert QToolTip.text().split("\n")[-1] == (
        "gradients add up: the weights change 1 batch on, in a later epoch (counted across epoch ends)"
    )
    hover(qtbot, timeline, 2, 0)
    assert QToolTip.text().split("\n")[-1] == "gradients add up: the weights change after step 2"  # of epoch 6
    assert hover(qtbot, timeline, 2, 2).endswith(", gradients never applied")
    assert QToolTip.text().split("\n")[-1] == "its gradients are never applied: fit ends before the next update"
    assert "weights change every 4 batches" in timeline.note.text()
    assert "weights change after this batch: every 4 batches, counted across epoch ends" in timeline.legend.text()


def test_update_ticks_cost_what_the_screen_shows_on_a_billion_batch_plan(window, qtbot):
    # 1e9 batches with G=3: seen whole, a band (not a tick a batch); zoomed in on epoch 10, one tick every 3rd batch.
    shown = window(
        {
            "train": {"samples": 10**8, "source": "dataset", "batch_size": 1},
            "epochs": 10,
            "gradient_accumulation_steps": 3,
        }
    )
    timeline = shown.timeline
    left, right = timeline.layout_model.plan_extent()
    timeline.view_box.setRange(xRange=(left, right), yRange=(-0.1, 3), padding=0)  # rows tall enough for ticks
    started = time.perf_counter()
    timeline.relayout()
    seconds = time.perf_counter() - started
    picture = timeline.picture
    assert sum(len(blocks) for blocks in picture.blocks.values()) <= MAX_BLOCKS
    assert len(picture.tick_points()[0]) <= MAX_TICKS
    rows = {round(top) for kind in TRAIN_KINDS for top in picture.blocks[kind].arrays()[2]}
    assert len(rows) >= 3 and len(picture.blocks["updates_dense"]) == len(rows)  # one band under each row
    assert seconds < 0.25, seconds
    # Epoch 10 starts after 9e8 batches: (9e8 + k + 1) % 3 == 0 first for k = 2.
    timeline.view_box.setRange(xRange=(0, 60), yRange=(9, 10), padding=0)
    timeline.relayout()
    tick_x, _tick_y = timeline.picture.tick_points()
    assert list(tick_x[:3]) == [3.0, 6.0, 9.0]
    assert len(timeline.picture.blocks["updates_dense"]) == 0


def test_an_epoch_of_unknown_length_ends_in_a_question_mark_and_says_so(window, qtbot):
    # filter(): every row ends with the ran-out cross and a "?"; the first says "Keras does not know this length".
    shown = window(FILTERED)
    timeline = shown.timeline
    assert shown.plan.train_length_unknown
    marks = timeline.unknown_marks.data
    ends = [timeline.layout_model.lane_span(epoch, "train")[1] for epoch in range(4)]
    assert len(marks) == 4 and all(x > end for x, end in zip(marks["x"], ends, strict=True))
    (_x0, x1), _ = timeline.view_box.viewRange()
    assert max(marks["x"]) < x1  # framed with room for them
    notes = [label.textItem.toPlainText() for label in timeline.row_notes if label.isVisible()]
    assert notes == ["Keras does not know this length"]
    assert hover(qtbot, timeline, 0, 4).endswith(", length unknown to Keras")
    assert QToolTip.text().split("\n")[-1] == "Keras does not know this length: it learns it only when the data runs out"
    assert "Keras does not know the training data's length" in timeline.note.text()
    assert "Keras does not know this length (the epoch ends when the data runs out)" in timeline.legend.text()


def test_weight_updates_in_an_epoch_that_never_ends(qapp):
    # Training that never ends: a tick every 4th batch, updates numbered without a total. Validation that never ends:
    # the epoch's 3 training batches wait for a 4th that never comes.
    endless_training = plan(
        scenario_from_dict(
            {
                "train": {"samples": 10, "source": "dataset", "batch_size": 4, "repeat": "after_batch"},
                "epochs": 3,
                "gradient_accumulation_steps": 4,
            }
        )
    )
    layout = TimelineLayout(endless_training, "steps")
    assert (endless_training.outcome, endless_training.endless_part, layout.rows_count) == ("endless", "train", 1)
    picture = layout.picture(0, 20, -0.1, 1.1, 800, 400)
    assert list(picture.tick_points()[0]) == [4.0, 8.0, 12.0, 16.0, 20.0]
    assert layout.update_words(0, 7) == ("the weights change after this batch (update 2, every 4 batches)", "weights change")
    endless_validation = plan(
        scenario_from_dict(
            {
                "train": {"samples": 10, "batch_size": 4, "shuffle": False},
                "epochs": 3,
                "gradient_accumulation_steps": 4,
                "validation": {"samples": 100, "source": "dataset", "batch_size": 8, "repeat": "after_batch"},
            }
        )
    )
    layout = TimelineLayout(endless_validation, "steps")
    assert endless_validation.endless_part == "val" and layout.first_update(0) is None
    assert layout.update_words(0, 2)[0] == (
        "its gradients are never applied: the validation that never ends comes before the next update"
    )


def test_validation_of_unknown_length_is_marked_on_its_own_lanes(window, qtbot):
    # A filtered validation pipeline: its lanes end in "?", not the training rows; legend and note name the validation data.
    shown = window(
        {
            "train": {"samples": 100, "batch_size": 16},
            "epochs": 3,
            "validation": {
                "samples": 40,
                "source": "dataset",
                "pipeline": [{"op": "filter", "keep_every": 2}, {"op": "batch", "size": 8}],
            },
        }
    )
    timeline = shown.timeline
    model = timeline.layout_model
    marks = timeline.unknown_marks.data
    val_rows = [row for epoch in range(3) for row in model.rows_of(epoch) if row.lane == "val"]
    assert len(marks) == 3 and sorted(marks["y"]) == pytest.approx([row.top + row.height / 2 for row in val_rows])
    assert timeline.note.text() == "Keras does not know the validation data's length"
    assert "Keras does not know this length (the epoch ends when the data runs out)" in timeline.legend.text()
    assert hover(qtbot, timeline, 0, 0, "val").endswith(", length unknown to Keras")
    assert not hover(qtbot, timeline, 0, 0).endswith(", length unknown to Keras")


def test_a_plan_without_these_facts_keeps_the_legend_it_had(window):
    # Plain arrays: no hatch, no tick, no "?" in the legend, on the plot or in the note.
    shown = window({"train": {"samples": 100, "batch_size": 32}, "epochs": 2})
    timeline = shown.timeline
    words = timeline.legend.text()
    assert "order random" not in words and "weights change" not in words and "does not know" not in words
    assert len(timeline.picture.blocks["random"]) == 0 and len(timeline.picture.tick_points()[0]) == 0
    assert len(timeline.unknown_marks.data) == 0 and not any(label.isVisible() for label in timeline.row_notes)


def exported_texts(path: Path) -> list[str]:
    return ["".join(element.itertext()) for element in ElementTree.parse(path).getroot().iter(f"{SVG}text")]


def test_exports_carry_the_plan_legend_and_caption(window, tmp_path):
    # SVG: the plan's own legend items, the absolute epoch labels and the caption with initial_epoch and accumulation.
    shown = window(PYDATASET)
    path = tmp_path / "pydataset.svg"
    assert shown.export_to(shown.timeline.plot, path, "timeline")
    texts = exported_texts(path)
    assert "order random each pass: equal slots, no batch in a fixed place" in texts
    assert "weights change after this batch: every 4 batches, counted across epoch ends" in texts
    assert {"Epoch 4", "Epoch 5", "Epoch 6"} <= set(texts) and "Epoch 1" not in texts
    assert "order random each pass: 2 batches of 4 and 1 of 2" in texts
    caption = next(text for text in texts if text.startswith("train:"))
    assert "a PyDataset, batch 4, initial_epoch 3, epochs 4 to 6, gradient_accumulation_steps 4" in caption
    shown.form.set_scenario(scenario_from_dict(FILTERED))
    path = tmp_path / "filtered.svg"
    assert shown.export_to(shown.timeline.plot, path, "timeline")
    texts = exported_texts(path)
    assert "Keras does not know this length (the epoch ends when the data runs out)" in texts
    assert "train: 100 samples, tf.data .filter(every 3rd).batch(8), 4 epochs \u2014 Keras 3.15.1" in texts


def test_a_label_on_a_row_keeps_its_box_in_the_export(window, tmp_path):
    # The box behind a row's words sits around them in the picture, not a margin above (a TextItem's first paint).
    shown = window(PYDATASET)
    path = tmp_path / "boxes.svg"
    assert shown.export_to(shown.timeline.plot, path, "timeline")
    root = ElementTree.parse(path).getroot()
    words_y = []
    for text in root.iter(f"{SVG}text"):
        if "".join(text.itertext()).startswith("order random each pass: 2"):
            matrix = [float(n) for n in text.get("transform").split("(")[1].rstrip(")").split(",")]
            words_y.append(matrix[5] + float(text.get("y")))  # the baseline
    boxes = []
    for group in root.iter(f"{SVG}g"):
        if group.get("fill-opacity") and float(group.get("fill-opacity")) < 1:
            for polygon in group.iter(f"{SVG}polygon"):
                ys = [float(point.split(",")[1]) for point in polygon.get("points").split()]
                boxes.append((min(ys), max(ys)))
    assert len(words_y) == 3
    for baseline in words_y:
        assert any(top < baseline < bottom for top, bottom in boxes), (baseline, boxes)


def public_scenarios():
    for record in json.loads(PUBLIC_RECORDS.read_text()):
        yield record["name"], record["scenario"]


@pytest.mark.parametrize("axis", list(AXES))
def test_every_public_pipeline_record_draws_and_words_on_every_axis(qapp, axis):
    # The 60 public scenarios (PyDatasets, flows, pipelines, splits, initial_epoch, accumulation): a picture, a row's
    # first and last batch hovered, the words name the absolute epoch; nothing raises.
    for name, data in public_scenarios():
        try:
            planned = plan(scenario_from_dict(data))
        except ScenarioError:
            continue  # the file's reader refuses it (as Keras would): there is no plan to draw
        layout = TimelineLayout(planned, axis)
        left, right = layout.plan_extent()
        rows = max(1, layout.rows_count)
        picture = layout.picture(left, right, -0.1, rows, 900, 500)
        assert sum(len(blocks) for blocks in picture.blocks.values()) <= MAX_BLOCKS, name
        random_tops = {row.top for epoch in range(layout.rows_count) for row in layout.rows_of(epoch) if row.random}
        for kind in ("full", "full_alt", "short", "wrap", "grouped"):  # a random-order row is slots only
            assert not random_tops & set(picture.blocks[kind].arrays()[2]), (name, kind)
        for epoch in range(min(layout.rows_count, 3)):
            for row in layout.rows_of(epoch):
                if row.segment.count == 0 or row.endless:
                    continue
                for step in (0, row.segment.count - 1):
                    x, width, top, height = layout.batch_box(epoch, row.lane, step)
                    words = layout.describe(x + width / 2, top + height / 2)
                    assert words and words.startswith(f"Epoch {layout.number(epoch)}, "), (name, words)
                    assert layout.hover_lines(x + width / 2, top + height / 2)[0].startswith(f"Epoch {layout.number(epoch)}")
                    if row.random:
                        assert "order random each pass" in words, name
        if planned.outcome == "ok" and len(planned.epochs):
            assert layout.number(0) == planned.scenario.initial_epoch + 1 == planned.epochs[0].number, name


def test_presentation_mode_and_dark_theme_keep_the_new_marks_legible(window, qtbot):
    # The hatch's lines, the ticks and the "?" follow the look: in the dark theme none is drawn in the background colour.
    shown = window(PYDATASET)
    shown.set_theme("dark", remember=False)
    timeline = shown.timeline
    look = timeline.look
    assert look.dark
    hatch = timeline.random_hatch.opts["brush"].color().name()
    fill = timeline.bars["random"].opts["brush"].color().name()
    assert hatch.lower() != look.plot_background.lower() and fill.lower() != look.plot_background.lower()
    assert timeline.update_ticks.opts["brush"].color().name().lower() == look.text.lower()
    QApplication.processEvents()
