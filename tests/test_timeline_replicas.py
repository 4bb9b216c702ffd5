"""Several devices on the timeline: each global batch drawn as a stripe a device, as long as that device's share
(MirroredStrategy's split, as real TensorFlow made it in the public flavour records), an empty share visibly empty,
the words naming each device's share, the legend and the note saying so, and a refusal to split explained on the plot.
The drawing stays bounded by the screen however many steps the plan has."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from core import plan, scenario_from_dict
from core.keras.replicas import replica_split
from gui.timeline_layout import MAX_BLOCKS, MAX_DEVICE_BLOCKS, TimelineLayout, device_words
from tests.conftest import PROJECT

RECORDS = {record["name"]: record for record in json.loads((PROJECT / "tests/conformance/flavours-public.json").read_text())}


def record(name: str) -> tuple[dict, dict]:
    """(scenario, what real Keras did) of a public flavour record."""
    return RECORDS[name]["scenario"], RECORDS[name]["keras"]


def expanded(runs: list) -> list:
    """Run-length encoded per-replica lists, one entry a batch."""
    return [list(item) for item, count in runs for _ in range(count)]


def big_picture(model: TimelineLayout, rows: float = 2.0):
    """The whole of the first rows, at a size where every batch and device stripe is drawn."""
    left, right = model.extent(int(rows))
    return model.picture(left, right, -0.1, rows, 1200.0, 600.0)


def stripes(picture, kind: str) -> list[tuple[float, float, float, float]]:
    x, width, y, height = picture.blocks[kind].arrays()
    return sorted(zip(x.round(6), width.round(6), y.round(6), height.round(6), strict=True))


def test_device_words_group_equal_shares_and_name_an_empty_device():
    # The words follow MirroredStrategy's split: ceil(B/R) a device in order, the later ones short or empty.
    assert device_words(32, 4) == "each of the 4 devices gets 8 samples"
    assert device_words(41, 4) == "devices 1-3 get 11 samples each, device 4 gets 8"
    assert device_words(3, 4) == "devices 1-3 get 1 sample each, device 4 gets none"
    assert device_words(1, 4) == "device 1 gets 1 sample, devices 2-4 get none"
    assert device_words(5, 4) == "devices 1 and 2 get 2 samples each, device 3 gets 1, device 4 gets none"


@pytest.mark.parametrize("name", ["fp031_rep", "r4_tail_split", "fp017_rep", "r2_even", "fp030_rep"])
def test_every_stripe_is_as_long_as_the_share_real_tensorflow_gave_that_device(name):
    # On the samples axis a batch of B samples is B wide; device d's stripe is (its share / device 1's share) of it,
    # the rest of its stripe a dashed gap: exactly the per-replica sizes the public record holds, batch by batch.
    scenario, real = record(name)
    model = TimelineLayout(plan(scenario_from_dict(scenario)), "samples")
    replicas = scenario["replicas"]
    assert model.replicas == replicas
    picture = big_picture(model, rows=1)
    kinds = ("full", "full_alt", "short", "wrap", "val", "val_alt", "val_short")
    filled = sorted(block for kind in kinds for block in stripes(picture, kind) if block[2] < 1)
    gaps = [block for block in stripes(picture, "device_gap") if block[2] < 1]
    epoch = real["epochs"][0]
    stripe_height = model.rows_of(0)[0].height / replicas
    left = 0.0
    expected_filled, expected_gaps = [], []
    for shares in expanded(epoch["train_replicas"]):
        size = sum(shares)
        assert tuple(shares) == replica_split(size, replicas)
        for device, share in enumerate(shares):
            top = round(device * stripe_height, 6)
            if share:
                expected_filled.append((round(left, 6), round(size * share / shares[0], 6), top))
            if share < shares[0]:
                expected_gaps.append((round(left + size * share / shares[0], 6), round(size * (1 - share / shares[0]), 6), top))
        left += size
    train_filled = sorted(block[:3] for block in filled if block[2] < model.rows_of(0)[0].height)
    assert train_filled == sorted(expected_filled)
    assert sorted(block[:3] for block in gaps if block[2] < model.rows_of(0)[0].height) == sorted(expected_gaps)
    assert all(block[3] == round(stripe_height, 6) for block in filled + gaps if block[2] < model.rows_of(0)[0].height)


def test_the_tooltip_and_status_line_name_each_devices_share():
    # fp031_rep: 169 samples in global batches of 64 over 4 devices, the third batch 41: 11, 11, 11 and 8.
    scenario, real = record("fp031_rep")
    model = TimelineLayout(plan(scenario_from_dict(scenario)), "samples")
    x, width, top, height = model.batch_box(0, "train", 2)
    lines = model.hover_lines(x + width / 2, top + height / 2)
    assert lines[:3] == [
        "Epoch 1, training step 3 of 3",
        "41 samples: 128 to 168",
        "devices 1-3 get 11 samples each, device 4 gets 8",
    ]
    assert expanded(real["epochs"][0]["train_replicas"])[2] == [11, 11, 11, 8]
    status = model.describe(x + width / 2, top + height / 2)
    assert "devices 1-3 get 11 samples each, device 4 gets 8" in status
    x, width, top, height = model.batch_box(0, "train", 0)
    assert "each of the 4 devices gets 16 samples" in model.hover_lines(x + width / 2, top + height / 2)


def test_an_empty_device_is_drawn_as_an_empty_stripe_and_said():
    # fp017_rep: 101 samples in batches of 4 over 4 devices: the last batch is one sample, devices 2-4 get none.
    scenario, real = record("fp017_rep")
    assert expanded(real["epochs"][0]["train_replicas"])[-1] == [1, 0, 0, 0]
    model = TimelineLayout(plan(scenario_from_dict(scenario)), "steps")
    row = model.rows_of(0)[0]
    last = row.segment.count - 1
    x, _width, top, height = model.batch_box(0, "train", last)
    picture = model.picture(x - 2, x + 2, -0.1, 1.0, 1200.0, 600.0)
    stripe = row.height / 4
    gaps = [block for block in stripes(picture, "device_gap") if block[0] == round(x, 6) and block[2] < 1]
    assert [(block[1], block[2]) for block in gaps] == [(1.0, round(row.top + d * stripe, 6)) for d in (1, 2, 3)]
    short = [block for block in stripes(picture, "short") if block[0] == round(x, 6) and block[2] < 1]
    assert [(block[1], block[2]) for block in short] == [(1.0, round(row.top, 6))]
    assert model.hover_lines(x + 0.5, top + height / 2)[2] == "device 1 gets 1 sample, devices 2-4 get none"


def test_one_device_draws_whole_batches_and_says_nothing_of_devices():
    # Without MirroredStrategy nothing changes: no stripes, no gaps, no device words.
    model = TimelineLayout(plan(scenario_from_dict({"train": {"samples": 100, "batch_size": 32, "shuffle": False}})))
    assert model.replicas == 1
    picture = big_picture(model, rows=1)
    assert len(picture.blocks["device_gap"]) == 0 and len(picture.blocks["full"]) + len(picture.blocks["full_alt"]) == 3
    x, width, top, height = model.batch_box(0, "train", 0)
    assert not any("device" in line for line in model.hover_lines(x + width / 2, top + height / 2))


def test_thin_rows_draw_batches_whole_and_the_picture_stays_bounded_for_a_huge_plan():
    # 10^12 steps over 64 devices: whatever is on screen, the stripes stay within their budget and the picture is quick.
    huge = {
        "replicas": 64,
        "train": {"samples": 10**12, "source": "dataset", "batch_size": 64, "shuffle": False},
        "epochs": 1000,
    }
    model = TimelineLayout(plan(scenario_from_dict(huge)), "samples")
    for x0, x1, y1, high in ((0.0, 10**12, 40.0, 600.0), (0.0, 64 * 300, 1.0, 600.0), (0.0, 64 * 300, 1.0, 6000.0)):
        started = time.perf_counter()
        picture = model.picture(x0, x1, -0.1, y1, 1200.0, high)
        assert time.perf_counter() - started < 0.5
        drawn = sum(len(blocks) for blocks in picture.blocks.values())
        assert drawn <= MAX_BLOCKS + MAX_DEVICE_BLOCKS
    # 600 pixels a row: a stripe of ~5 pixels for each of the 64 devices of every batch on screen.
    batches, blocks = drawn_batches(model.picture(0.0, 64 * 40, -0.01, 0.99, 1200.0, 600.0))
    assert batches >= 40 and blocks == 64 * batches
    # 100,000 batches on 1,200 pixels: grouped as ever, each group a stripe a device, a gap under each.
    four = TimelineLayout(plan(scenario_from_dict({**huge, "replicas": 4})), "samples")
    picture = four.picture(0.0, 64 * 100_000, -0.01, 0.99, 1200.0, 600.0)
    lefts, _width, _tops, heights = picture.blocks["grouped"].arrays()
    assert len(lefts) == 4 * groups_of(picture) and heights.max() < four.rows_of(0)[0].height / 4
    # With 64 devices as many stripes would pass their budget: the groups are drawn whole.
    picture = model.picture(0.0, 64 * 100_000, -0.01, 0.99, 1200.0, 600.0)
    assert len(picture.blocks["grouped"]) == groups_of(picture) > 1
    # 60 pixels a row: stripes under a pixel, so every batch is one block.
    batches, blocks = drawn_batches(model.picture(0.0, 64 * 40, -0.1, 9.9, 1200.0, 600.0))
    assert batches >= 40 and blocks == batches


def groups_of(picture) -> int:
    """Groups of batches drawn, each counted once however many stripes it has."""
    lefts, _width, tops, _height = picture.blocks["grouped"].arrays()
    return len({(left, math.floor(top)) for left, top in zip(lefts.tolist(), tops.tolist(), strict=True)})


def drawn_batches(picture) -> tuple[int, int]:
    """(batches, blocks) of full batches drawn: a batch is one block, or a stripe a device."""
    x, _width, y, _height = picture.blocks["full"].arrays()
    x_alt, _width, y_alt, _height = picture.blocks["full_alt"].arrays()
    places = {(left, np.floor(top)) for left, top in zip(np.concatenate([x, x_alt]), np.concatenate([y, y_alt]), strict=True)}
    return len(places), len(x) + len(x_alt)


def test_the_view_names_the_devices_in_its_legend_note_and_on_the_stripes(qtbot):
    # The timeline itself: the legend explains the stripes, the note above says how many devices, and the first
    # striped row names its stripes "device 1" ... "device 4" from the top.
    from gui.timeline import TimelineView

    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    qtbot.waitExposed(view)
    view.set_plan(plan(scenario_from_dict(record("fp031_rep")[0])))
    qtbot.wait(20)
    QApplication.processEvents()
    assert "a batch split across 4 devices" in view.legend.text()
    assert "each batch split across 4 devices" in view.note.text()
    shown = [label for label in view.row_notes if label.isVisible()]
    assert [label.textItem.toPlainText() for label in shown] == ["device 1", "device 2", "device 3", "device 4"]
    heights = [label.pos().y() for label in shown]
    assert heights == sorted(heights) and np.all(np.diff(heights) > 0)


def test_a_global_batch_that_does_not_split_is_refused_on_the_plot_with_its_fix(qtbot):
    # 30 samples a global batch over 4 devices: Keras fails on the first batch (AddN), and the plot shows the
    # planner's refusal whole (what Keras raises and what to change), inside the plot.
    from gui.timeline import TimelineView

    refused = plan(scenario_from_dict({"replicas": 4, "train": {"samples": 100, "batch_size": 30, "shuffle": False}}))
    assert refused.outcome == "error" and "4" in refused.error
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(1280, 720)
    view.show()
    qtbot.waitExposed(view)
    view.set_plan(refused)
    qtbot.wait(20)
    QApplication.processEvents()
    assert view.message.isVisible()
    assert view.message.textItem.toPlainText() == f"Keras refuses this setup: {refused.error}"
    plot_area = view.view_box.sceneBoundingRect()
    assert plot_area.contains(view.message.sceneBoundingRect()), (plot_area, view.message.sceneBoundingRect())


def test_an_exported_legend_explains_the_stripes():
    # The slide's legend (the same entries as the window's) has the stripes' mark and words.
    from gui.export import timeline_legend
    from gui.theme import look_for
    from gui.timeline import devices_words

    model = TimelineLayout(plan(scenario_from_dict(record("r4_tail_split")[0])))
    entries = timeline_legend(look_for(dark=False, presenting=False), model)
    assert [entry.words for entry in entries if entry.mark == "devices"] == [devices_words(4)]
    assert devices_words(4) == (
        "a batch split across 4 devices: a stripe each, device 1 on top; "
        "a short or empty device leaves its stripe part or all empty"
    )


def test_a_narrow_first_batch_keeps_its_stripes_visible_under_short_names():
    # "device 1" on a batch too narrow for it would hide the batch: the stripes are then named "1" to "4".
    scenario = {"replicas": 4, "train": {"samples": 101, "batch_size": 8, "shuffle": False}, "epochs": 1}
    model = TimelineLayout(plan(scenario_from_dict(scenario)))
    wide = model.picture(-1.0, 20.0, -0.1, 1.0, 1200.0, 600.0)  # about 57 pixels a sample
    narrow = model.picture(-1.0, 103.0, -0.1, 1.0, 750.0, 600.0)  # about 7 pixels a sample, 58 a batch
    assert [note.words for note in wide.notes if note.kind == "device"] == [f"device {n}" for n in range(1, 5)]
    assert [note.words for note in narrow.notes if note.kind == "device"] == ["1", "2", "3", "4"]


def test_the_devices_preset_says_what_the_planner_plans():
    # MNIST over 4 devices: its one-line description is the plan's per-device numbers.
    from gui.resources import presets

    name, description, scenario = presets()[-1]
    assert name == "MNIST on 4 devices (MirroredStrategy)" and scenario.replicas == 4
    planned = plan(scenario)
    epoch = planned.to_json()["epochs"][0]
    assert epoch["train"] == [[256, 234], [96, 1]] and epoch["train_replicas"] == [[[64] * 4, 234], [[24] * 4, 1]]
    assert "64 samples a device, 235 steps a pass, the last of 96 (24 a device)" in description


def test_a_batch_in_random_order_names_each_sizes_split():
    # A shuffled PyDataset over 4 devices: a slot may hold the full batch or the short one, so both splits are said.
    scenario = {"replicas": 4, "train": {"samples": 100, "source": "pydataset", "batch_size": 32}, "epochs": 1}
    model = TimelineLayout(plan(scenario_from_dict(scenario)))
    x, width, top, height = model.batch_box(0, "train", 0)
    lines = model.hover_lines(x + width / 2, top + height / 2)
    splits = [line for line in lines if line.startswith("a batch of")]
    assert splits == ["a batch of 32: each of the 4 devices gets 8 samples", "a batch of 4: each of the 4 devices gets 1 sample"]
