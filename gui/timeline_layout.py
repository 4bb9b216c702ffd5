"""Where the timeline's blocks go, for the part of the plan on screen. No Qt here.

One row per epoch (the first epoch fit runs at the top, labelled with its absolute number:
``initial_epoch=3`` starts at "Epoch 4"), a validation lane under each epoch that
validates. x is, per the axis chosen: the step within the epoch, the samples read
so far in the epoch, or the position in the data in passes (so an epoch that
continues where the last one stopped starts part-way along its row).

Only what the pixels can show is laid out: batches one by one when they are wide
enough, otherwise grouped into as many blocks as there are pixels; rows thinner
than a few pixels are sampled. The work and memory depend on the screen, never on
the number of batches.

Three facts of the plan are drawn on top of the batches: an epoch whose batches come in a
random order (a shuffled PyDataset) is drawn as equal hatched slots, so no batch, and
least of all the short one, is pinned to a place; with gradient accumulation a tick under
a batch marks that the weights change after it; an epoch whose length Keras does not know
ends in a "?" mark.

With several devices (MirroredStrategy, ``replicas`` > 1) a batch drawn on its own is a stack
of stripes, one a device from the top down, each as long as that device's share of the
batch's per-device size (``core.keras.replicas.replica_split``, asked once per batch size on
screen): a short share leaves its stripe part empty, an empty device only its dashed outline.
Batches too thin to draw one by one are grouped as ever, each group a stripe a device.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.data.streams import CycleStream, PassStream, ResumedStream
from core.flavours import flavour_of
from core.keras.replicas import replica_split
from core.plan import EpochPlan, Plan, Segment

AXES = {"steps": "Steps in the epoch", "samples": "Samples read in the epoch", "passes": "Position in the data (passes)"}

TRAIN_TOP, TRAIN_HEIGHT = 0.0, 0.58
VAL_TOP, VAL_HEIGHT = 0.64, 0.24
TRAIN_HEIGHT_ALONE = 0.8
# With gradient accumulation the training row leaves room under it for the update ticks.
# Their band is as tall as the room under the row allows: above a validation lane, or up to the next epoch.
TRAIN_HEIGHT_TICKED, TRAIN_HEIGHT_TICKED_ALONE = 0.5, 0.66
TICK_GAP = 0.01  # between the row and its ticks' band, in rows
TICK_HEIGHT, TICK_HEIGHT_ALONE = 0.11, 0.17  # the ticks' band, in rows
MIN_TICK_HEIGHT_PIXELS = 2.0  # in a thinner band no tick is drawn (the legend, tooltip and status line still say)

# Block kinds, drawn in this order; the colours live with the view. "random": a batch of an epoch
# whose batch order is random (equal slots, hatched); "updates_dense": the band drawn under a row
# where the ticks marking weight updates would touch (the ticks themselves are points: Picture.ticks);
# "device_gap": the part of a device's stripe its share leaves empty (a dashed outline, no fill).
KINDS = (
    "full",
    "full_alt",
    "short",
    "wrap",
    "grouped",
    "random",
    "dropped",
    "val",
    "val_alt",
    "val_short",
    "val_grouped",
    "updates_dense",
    "device_gap",
)
TRAIN_KINDS = ("full", "full_alt", "short", "wrap", "grouped", "random")  # every kind a training batch is drawn as

MAX_BLOCKS = 2500  # the most blocks laid out for one picture, whatever the plan
MAX_TICKS = 2500  # the most update ticks laid out for one picture
MIN_ROW_PIXELS = 3.0  # thinner rows are sampled
MIN_BATCH_PIXELS = 3.0  # thinner batches are grouped
MIN_TICK_PIXELS = 6.0  # ticks closer than this become one band
MAX_ROW_NOTES = 24  # the most words written on rows ("order random each pass", "Keras does not know this length")
NOTE_PIXELS = 6.0  # how far a row's words keep from what they name
LETTER_WIDTH = 0.6  # a letter's width, as a share of a line's height (the type's own size is the view's)
ENDLESS_SHOWN = 10**9  # how many batches an endless epoch's row offers to scroll through
EXTENT_SAMPLE = 256  # epochs looked at to find how far the plan reaches
MAX_ROWS_REMEMBERED = 4096  # rows whose slots are kept (a screenful is at most a few hundred)
MIN_DEVICE_PIXELS = 3.0  # a device's stripe at least this high, else a batch is drawn whole (the words still say)
MAX_DEVICE_BLOCKS = 20_000  # the most stripes laid out for one picture
GROUP_STRIPE_GAP = 0.2  # of a stripe's height, left empty under a grouped stripe


@dataclass
class Blocks:
    """Rectangles of one kind: left x, width, top y, height (numpy arrays)."""

    x: list[np.ndarray] = field(default_factory=list)
    width: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    height: list[np.ndarray] = field(default_factory=list)

    def add(self, x: np.ndarray, width: np.ndarray, y: float, height: float) -> None:
        if len(x):
            self.x.append(np.asarray(x, dtype=float))
            self.width.append(np.asarray(width, dtype=float))
            self.y.append(np.full(len(x), y))
            self.height.append(np.full(len(x), height))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if not self.x:
            empty = np.zeros(0)
            return empty, empty, empty, empty
        return (np.concatenate(self.x), np.concatenate(self.width), np.concatenate(self.y), np.concatenate(self.height))

    def __len__(self) -> int:
        return sum(len(part) for part in self.x)


@dataclass
class Picture:
    """Everything the view draws for one window of the plan."""

    blocks: dict[str, Blocks]
    ran_out: list[tuple[float, float]]  # (x, y) where an epoch or validation stopped early
    continues: list[tuple[float, float]]  # (x, y) of epochs that go on from the last one's iterator
    endless: list[tuple[float, float]]  # (x, y) at the right edge of a row that never ends
    row_stride: int  # 1, or k when only every k-th epoch is shown
    unknown: list[tuple[float, float]] = field(default_factory=list)  # (x, y) of the "?" after a row of unknown length
    ticks: list[tuple[np.ndarray, float]] = field(default_factory=list)  # (xs, y): where the weights change, per row
    tick_pixels: float = 0.0  # how tall the ticks' band is on screen
    notes: list[RowNote] = field(default_factory=list)  # words written on rows, a few at most

    def tick_points(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of every update tick: the right edge of a batch after which the weights change, under its row."""
        if not self.ticks:
            return np.zeros(0), np.zeros(0)
        return np.concatenate([xs for xs, _y in self.ticks]), np.concatenate([np.full(len(xs), y) for xs, y in self.ticks])


@dataclass(frozen=True)
class RowNote:
    """Words on a row: "random" (the sizes of an epoch in random order), "unknown" (Keras does not know its length)
    or "device" (which device a stripe stands for; ``y`` is then the stripe's middle).

    ``x`` is what they name (the row's first x on screen; the row's end), ``y`` the row's middle: the view
    sets them a few pixels off, where they fit."""

    x: float
    y: float
    words: str
    kind: str


@dataclass(frozen=True)
class Row:
    epoch: int  # 0-based: the index into plan.epochs
    lane: str  # "train" | "val"
    segment: Segment
    top: float
    height: float
    ran_out: bool
    endless: bool
    random: bool = False  # the batches come in an order drawn anew each pass: drawn as equal slots
    unknown: bool = False  # Keras does not know how many batches this row has


class TimelineLayout:
    """The geometry of one plan on one axis."""

    def __init__(self, plan: Plan, axis: str = "samples"):
        self.plan = plan
        self.has_validation = plan.scenario.validation is not None
        passes_possible = plan.train_samples is not None and plan.train_samples > 0
        self.axis = axis if (axis != "passes" or passes_possible) else "samples"
        self.rows_count = len(plan.epochs) + (1 if plan.outcome == "endless" else 0)
        # Weights change after every accumulation-th training batch, counted across epoch ends; 0: every batch.
        self.accumulation = accumulation_of(plan)
        self.unknown_length = plan.train_length_unknown and plan.outcome != "error"
        self.val_unknown_length = plan.val_length_unknown and plan.outcome != "error"
        self.first_number = epoch_number(plan, 0)  # the absolute number of the first row
        self.replicas = replicas_of(plan)  # devices each global batch is split across (1: one device)
        self._slots_of: dict[tuple[int, str], tuple[float, float]] = {}  # rows in random order: (left, slot width)

    # ------------------------------------------------------------ rows

    def number(self, epoch: int) -> int:
        """The absolute 1-based epoch number Keras prints for row ``epoch`` (0-based): "Epoch 4" after initial_epoch=3."""
        return self.first_number + epoch

    def rows_of(self, epoch: int) -> list[Row]:
        """The training row and (if it validates) the validation lane of an epoch."""
        plan = self.plan
        if self.accumulation:
            train_height = TRAIN_HEIGHT_TICKED if self.has_validation else TRAIN_HEIGHT_TICKED_ALONE
        else:
            train_height = TRAIN_HEIGHT if self.has_validation else TRAIN_HEIGHT_ALONE
        rows: list[Row] = []
        unknown = self.unknown_length
        if epoch < len(plan.epochs):
            planned = plan.epochs[epoch]
            random = order_is_random(planned) and planned.train.count > 1
            rows.append(
                Row(epoch, "train", planned.train, epoch + TRAIN_TOP, train_height, planned.ran_out, False, random, unknown)
            )
            if planned.val is not None:
                val_unknown = self.val_unknown_length
                rows.append(
                    Row(epoch, "val", planned.val, epoch + VAL_TOP, VAL_HEIGHT, planned.val_ran_out, False, False, val_unknown)
                )
        elif plan.outcome == "endless" and epoch == len(plan.epochs):
            assert plan.endless_from is not None
            never_ending = Segment(plan.endless_from.stream, plan.endless_from.start, ENDLESS_SHOWN)
            if plan.endless_part == "train":
                rows.append(Row(epoch, "train", never_ending, epoch + TRAIN_TOP, train_height, False, True))
            else:
                assert plan.endless_train is not None
                train = plan.endless_train
                rows.append(Row(epoch, "train", train, epoch + TRAIN_TOP, train_height, False, False, False, unknown))
                rows.append(Row(epoch, "val", never_ending, epoch + VAL_TOP, VAL_HEIGHT, False, True))
        return rows

    # ------------------------------------------------------------ x along a row

    def _axis_of(self, lane: str) -> tuple[str, float]:
        """(axis, scale) a lane is drawn on. Validation reads its own data from the start every run, so on
        the passes axis it is measured in samples, in units of the training data's length: a 10,000-sample
        validation lane is then a sixth of a 60,000-sample pass, as long as it is beside the epoch."""
        if lane == "val" and self.axis == "passes":
            return "samples", 1.0 / max(1, self.plan.train_samples or 1)
        return self.axis, 1.0

    def x_start(self, segment: Segment, steps: np.ndarray | int, lane: str = "train") -> np.ndarray:
        """x of the left edge of the given steps (0-based, within the segment), vectorised."""
        axis, scale = self._axis_of(lane)
        if isinstance(steps, (int, np.integer)) and axis == "samples":  # scalar: exact and cheap
            return np.float64(segment.stream.samples_in(segment.start, int(steps)) * scale)
        steps = np.asarray(steps, dtype=np.int64)
        if axis == "steps":
            return steps.astype(float)
        stream = segment.stream
        if axis == "samples":
            read = stream.samples_before_many(segment.start + steps) - stream.samples_before_many(np.asarray(segment.start))
            return read * scale
        return _positions_at(stream, segment.start + steps, self.plan.train_samples)

    def row_end(self, segment: Segment, lane: str = "train") -> float:
        if segment.count == 0:
            return float(self.x_start(segment, 0, lane))
        last = segment.count - 1
        return float(self.x_start(segment, last, lane)) + self._width(segment, last, lane)

    def _width(self, segment: Segment, step: int, lane: str = "train") -> float:
        axis, scale = self._axis_of(lane)
        if axis == "steps":
            return 1.0
        size = segment.size(step)
        return float(size) * scale if axis == "samples" else size / _samples_of(segment, self.plan.train_samples)

    def step_at(self, segment: Segment, x: float, lane: str = "train") -> int:
        """The step whose block holds x, clamped to the segment (closed-form inverses of x_start)."""
        last = max(0, segment.count - 1)
        stream = segment.stream
        axis, scale = self._axis_of(lane)
        x = x / scale
        if axis == "steps":
            step = math.floor(x)
        elif axis == "samples":
            before = float(stream.samples_before_many(np.asarray(segment.start)))
            step = stream.index_at_samples(int(max(0.0, before + x))) - segment.start
        elif hasattr(stream, "index_at_position"):
            step = stream.index_at_position(max(x, 0.0)) - segment.start
        else:  # a resumed generator: bisection on the forward map
            low, high = 0, last
            while low < high:
                middle = (low + high + 1) // 2
                if float(self.x_start(segment, middle, lane)) <= x:
                    low = middle
                else:
                    high = middle - 1
            step = low
        return int(min(max(step, 0), last))

    # A row's own geometry: its batches where the stream puts them, or, when their order is random, equal slots
    # across the row (the row's ends are exact; where each batch falls inside it is not known before the pass).

    def row_x(self, row: Row, steps: np.ndarray | int) -> np.ndarray:
        """x of the left edge of the row's given steps (0-based); ``row.segment.count`` gives the row's right end."""
        if not row.random:
            return self.x_start(row.segment, steps, row.lane)
        left, slot = self._slots(row)
        return left + np.asarray(steps, dtype=float) * slot

    def row_right(self, row: Row) -> float:
        """x of the row's right end (its last batch's right edge)."""
        if row.random:
            left, slot = self._slots(row)
            return left + slot * row.segment.count
        return self.row_end(row.segment, row.lane)

    def row_width(self, row: Row, step: int) -> float:
        return self._slots(row)[1] if row.random else self._width(row.segment, step, row.lane)

    def row_step_at(self, row: Row, x: float) -> int:
        """The step whose block holds x on this row, clamped to the row."""
        if not row.random:
            return self.step_at(row.segment, x, row.lane)
        left, slot = self._slots(row)
        step = math.floor((x - left) / slot) if slot > 0 else 0
        return int(min(max(step, 0), row.segment.count - 1))

    def _slots(self, row: Row) -> tuple[float, float]:
        """(left, width of one slot) of a row drawn in equal slots; kept, as every question about the row asks it."""
        key = (row.epoch, row.lane)
        slots = self._slots_of.get(key)
        if slots is None:
            if len(self._slots_of) >= MAX_ROWS_REMEMBERED:
                self._slots_of.clear()
            left = float(self.x_start(row.segment, 0, row.lane))
            slots = self._slots_of[key] = (left, (self.row_end(row.segment, row.lane) - left) / max(1, row.segment.count))
        return slots

    def extent(self, rows: int) -> tuple[float, float]:
        """The x range worth showing for the first ``rows`` epochs: their longest row (endless ones aside)."""
        return self._extent(range(min(self.rows_count, rows)), endless=False)

    def rows_extent(self, first: int, last: int) -> tuple[float, float]:
        """The x range worth showing for rows ``first``..``last``: at most EXTENT_SAMPLE of them looked at, endless
        ones shown by their first batches."""
        last = min(last, self.rows_count - 1, first + EXTENT_SAMPLE - 1)
        return self._extent(range(max(0, first), last + 1), endless=False)

    def band(self, epoch: int, lane: str) -> tuple[float, float]:
        """(top, bottom) y of an epoch's lane as drawn: "train", "validation", or "both" (the whole epoch)."""
        rows = [row for row in self.rows_of(epoch) if lane == "both" or row.lane == ("val" if lane == "validation" else "train")]
        if not rows:  # no such lane in this epoch (no validation after it): the place where it would be
            return epoch + TRAIN_TOP, epoch + (VAL_TOP + VAL_HEIGHT if self.has_validation else TRAIN_HEIGHT_ALONE)
        return min(row.top for row in rows), max(row.top + row.height for row in rows)

    def plan_extent(self) -> tuple[float, float]:
        """The x range the whole plan covers, endless rows included (their offered length): where panning stops.

        Estimated from at most EXTENT_SAMPLE epochs (the first, the last, and evenly spaced ones between), so
        its cost follows the screen, not the number of epochs.
        """
        count = self.rows_count
        if count <= EXTENT_SAMPLE:
            epochs: range | list[int] = range(count)
        else:
            ends = EXTENT_SAMPLE // 4
            spread = np.linspace(0, count - 1, EXTENT_SAMPLE - 2 * ends).astype(np.int64).tolist()
            epochs = sorted(set(range(ends)) | set(range(count - ends, count)) | set(spread))
        return self._extent(epochs, endless=True)

    def _extent(self, epochs: range | list[int], endless: bool) -> tuple[float, float]:
        rows = [row for epoch in epochs for row in self.rows_of(epoch)]
        longest = max((self.row_end(row.segment, row.lane) for row in rows if endless or not row.endless), default=0.0)
        if longest == 0.0:
            for row in rows:
                longest = max(longest, float(self.x_start(row.segment, min(row.segment.count, 64), row.lane)))
        start = min((float(self.x_start(row.segment, 0, row.lane)) for row in rows), default=0.0)
        return min(start, 0.0), max(longest, 1.0)

    def drawn_epochs(self, first: int, last: int, stride: int) -> list[int]:
        """The epochs (0-based rows) drawn between first and last when only every stride-th is: the first row and
        the rows whose absolute number is a multiple of stride (epoch 10, 20, ...), so the drawn rows are the ones
        the labels name."""
        if stride <= 1:
            return list(range(first, last + 1))
        wanted = [0] if first == 0 else []
        offset = self.first_number - 1  # row r is epoch number r + 1 + offset
        number = max(stride, (first + 1 + offset + stride - 1) // stride * stride)  # the first multiple >= row first's
        wanted += [row for row in range(number - 1 - offset, last + 1, stride) if row > 0 or not wanted]
        return wanted

    # ------------------------------------------------------------ the picture

    def picture(
        self,
        x0: float,
        x1: float,
        y0: float,
        y1: float,
        pixels_wide: float,
        pixels_high: float,
        min_batch_pixels: float = MIN_BATCH_PIXELS,
        text_pixels: float = 16.0,
        shown: Callable[[Row], bool] | None = None,
    ) -> Picture:
        """The blocks in the window [x0, x1] x [y0, y1] shown on pixels_wide x pixels_high pixels.

        Batches thinner than ``min_batch_pixels`` are grouped (thicker separators need wider batches);
        words go on rows at least ``text_pixels`` high (a line of the view's type). With ``shown``, only the rows
        it accepts are laid out (question mode hides the rest until its answer reveals them).
        """
        blocks = {kind: Blocks() for kind in KINDS}
        picture = Picture(blocks, [], [], [], 1)
        first_epoch = max(0, math.floor(y0))
        last_epoch = min(self.rows_count - 1, math.ceil(y1))
        if last_epoch < first_epoch or x1 <= x0:
            return picture
        pixels_per_row = pixels_high / max(1e-9, y1 - y0)
        stride = nice_at_least(MIN_ROW_PIXELS / max(pixels_per_row, 1e-9))
        picture.row_stride = stride
        epochs = self.drawn_epochs(first_epoch, last_epoch, stride)
        rows_drawn = max(1, len(epochs) * (2 if self.has_validation else 1))
        budget = max(8, min(int(pixels_wide / min_batch_pixels), MAX_BLOCKS // rows_drawn))
        window = _Window(
            x0,
            x1,
            pixels_per_x=pixels_wide / (x1 - x0),
            pixels_per_row=pixels_per_row,
            batches_per_x=pixels_wide / (x1 - x0) / min_batch_pixels,
            budget=budget,
            tick_budget=max(1, min(int(pixels_wide / MIN_TICK_PIXELS), MAX_TICKS // max(1, len(epochs)))),
            text_pixels=text_pixels,
            device_budget=MAX_DEVICE_BLOCKS // rows_drawn if self.replicas > 1 else 0,
        )
        for epoch in epochs:
            for row in self.rows_of(epoch):
                if shown is None or shown(row):
                    self._lay_row(row, window, picture)
        return picture

    def _lay_row(self, row: Row, window: _Window, picture: Picture) -> None:
        segment, lane = row.segment, row.lane
        x0, x1 = window.x0, window.x1
        middle = row.top + row.height / 2
        if segment.count == 0:
            if row.ran_out:
                picture.ran_out.append((float(self.x_start(segment, 0, lane)), middle))
            if row.unknown and lane == "train":
                picture.unknown.append((float(self.x_start(segment, 0, lane)), middle))
            return
        first = self.row_step_at(row, x0)
        last = self.row_step_at(row, x1)
        count = last - first + 1
        val = lane == "val"
        # As many blocks as the pixels these batches cover can show: a short row gets fewer.
        right = float(self.row_x(row, last + 1)) if last + 1 < segment.count else self.row_right(row)
        covered = max(0.0, min(x1, right) - max(x0, float(self.row_x(row, first))))
        budget = max(1, min(window.budget, int(covered * window.batches_per_x)))
        if row.random:
            self._lay_random(row, first, last, budget, picture)
        elif count <= budget:
            steps = np.arange(first, last + 1, dtype=np.int64)
            axis, scale = self._axis_of(lane)
            left = self.x_start(segment, steps, lane) if axis != "samples" else self._sample_lefts(segment, first, count) * scale
            sizes = segment.stream.sizes(segment.start + first, count)
            width = self._widths(segment, sizes, lane)
            full_size = _batch_size(segment)
            short = sizes < full_size
            alternate = (segment.start + steps) % 2 == 1
            wrap = np.zeros(count, dtype=bool)
            if not val and hasattr(segment.stream, "wraps"):
                wrap = segment.stream.wraps(segment.start + first, count)
            prefix = "val" if val else "full"
            plain = ~short & ~wrap
            striped = self._stripes_shown(row, count, window)
            for kind, chosen in (
                (prefix, plain & ~alternate),
                (f"{prefix}_alt", plain & alternate),
                ("val_short" if val else "short", short),
                ("wrap", wrap & ~short),  # never in validation: its wrap mask is all False
            ):
                self._add_batches(picture, kind, row, left[chosen], width[chosen], sizes[chosen], striped)
            if striped:
                self._name_devices(row, window, picture)
        else:
            edges = np.linspace(first, last + 1, budget + 1).astype(np.int64)
            # linspace's edges are sorted: drop repeats without np.unique, which imports numpy.ma (~25 ms at start)
            edges = edges[np.concatenate(([True], edges[1:] != edges[:-1]))]
            left = self.x_start(segment, edges[:-1], lane)
            right = self.x_start(segment, np.minimum(edges[1:], segment.count - 1), lane)
            right = np.where(edges[1:] >= segment.count, self.row_end(segment, lane), right)
            kind = "val_grouped" if val else "grouped"
            if self._stripes_shown(row, len(left), window):
                # Batches too thin to draw one by one still show their devices: a group of full batches gives
                # every device the same share, so each group is a stripe a device (a short batch's split: the words).
                stripe = row.height / self.replicas
                for device in range(self.replicas):  # groups have no outline: a gap under each stripe parts them
                    picture.blocks[kind].add(left, right - left, row.top + device * stripe, stripe * (1 - GROUP_STRIPE_GAP))
                self._name_devices(row, window, picture)
            else:
                picture.blocks[kind].add(left, right - left, row.top, row.height)
        if not val and not row.endless:
            self._lay_dropped(row, x0, x1, picture)
        if not val and self.accumulation:
            self._lay_updates(row, first, last, window, picture)
        end = self.row_right(row) if not row.endless else None
        if row.ran_out and end is not None:
            picture.ran_out.append((end, middle))
        if row.unknown and end is not None:
            picture.unknown.append((end, middle))
        if row.endless:
            picture.endless.append((x0 + 0.99 * (x1 - x0), middle))
        if not val and segment.start > 0 and first == 0:
            picture.continues.append((float(self.x_start(segment, 0)), middle))
        self._lay_notes(row, end, window, picture)

    def _stripes_shown(self, row: Row, count: int, window: _Window) -> bool:
        """Whether this row's batches on screen are drawn as one stripe a device: several devices, each
        stripe tall enough to see, and not too many of them."""
        devices = self.replicas
        tall_enough = row.height * window.pixels_per_row / devices >= MIN_DEVICE_PIXELS
        return devices > 1 and tall_enough and count * devices <= window.device_budget

    def _add_batches(
        self, picture: Picture, kind: str, row: Row, left: np.ndarray, width: np.ndarray, sizes: np.ndarray, striped: bool
    ) -> None:
        """Batches of one kind: whole blocks, or a stripe a device, each as long as its share of the batch.

        The shares are asked of ``replica_split`` once per size on screen (a full and a short one, as a rule),
        never once per batch: the first device's share is the longest, and the others are measured against it.
        """
        if not striped:
            picture.blocks[kind].add(left, width, row.top, row.height)
            return
        stripe = row.height / self.replicas
        for size in sorted(set(sizes.tolist())):
            shares = replica_split(int(size), self.replicas)
            longest = shares[0]
            chosen = sizes == size
            lefts, widths = left[chosen], width[chosen]
            for device, share in enumerate(shares):
                top = row.top + device * stripe
                filled = widths * (share / longest)
                if share:
                    picture.blocks[kind].add(lefts, filled, top, stripe)
                if share < longest:
                    picture.blocks["device_gap"].add(lefts + filled, widths - filled, top, stripe)

    def _name_devices(self, row: Row, window: _Window, picture: Picture) -> None:
        """ "device 1", "device 2", ... on the stripes of the first striped row on screen whose stripes are tall
        enough for a line: once is enough to read the order."""
        stripe = row.height / self.replicas
        if stripe * window.pixels_per_row < window.text_pixels or any(note.kind == "device" for note in picture.notes):
            return
        first = self.row_step_at(row, window.x0)
        left = max(window.x0, float(self.row_x(row, first)))
        # The words sit on the first batch on screen: "device 4" where it has room, else only the number,
        # so a narrow batch stays visible (the legend says device 1 is on top).
        room = (float(self.row_x(row, first)) + self.row_width(row, first) - left) * window.pixels_per_x
        named = room >= LETTER_WIDTH * window.text_pixels * len(f"device {self.replicas}") + 3 * NOTE_PIXELS
        for device in range(min(self.replicas, MAX_ROW_NOTES - len(picture.notes))):
            words = f"device {device + 1}" if named else f"{device + 1}"
            picture.notes.append(RowNote(left, row.top + (device + 0.5) * stripe, words, "device"))

    def _lay_random(self, row: Row, first: int, last: int, budget: int, picture: Picture) -> None:
        """Equal hatched slots, one a batch; where they are too thin to tell apart, one band over the part on screen."""
        if last - first + 1 <= budget:
            steps = np.arange(first, last + 2, dtype=np.int64)
            edges = self.row_x(row, steps)
            picture.blocks["random"].add(edges[:-1], np.diff(edges), row.top, row.height)
        else:
            left, right = float(self.row_x(row, first)), float(self.row_x(row, last + 1))
            picture.blocks["random"].add(np.array([left]), np.array([right - left]), row.top, row.height)

    def _lay_updates(self, row: Row, first: int, last: int, window: _Window, picture: Picture) -> None:
        """A tick under every batch on screen after which the weights change; a band where ticks would touch."""
        every = self.accumulation
        band = TICK_HEIGHT if self.has_validation else TICK_HEIGHT_ALONE
        band_pixels = band * window.pixels_per_row
        picture.tick_pixels = band_pixels
        phase = self.first_update(row.epoch)
        if phase is None or band_pixels < MIN_TICK_HEIGHT_PIXELS:
            return
        first_tick = first + (phase - first) % every  # the first update step at or after ``first``
        if first_tick > last:
            return
        ticks = (last - first_tick) // every + 1
        top = row.top + row.height + TICK_GAP
        span = (float(self.row_x(row, last + 1)) - float(self.row_x(row, first))) * window.pixels_per_x
        pixels_apart = span / max(1, last - first + 1) * every
        if ticks > window.tick_budget or pixels_apart < MIN_TICK_PIXELS:
            left = float(self.row_x(row, first_tick + 1))
            right = float(self.row_x(row, first_tick + 1 + (ticks - 1) * every))
            width = max(right - left, 1.0 / window.pixels_per_x)
            picture.blocks["updates_dense"].add(np.array([left]), np.array([width]), top + band / 3, band / 3)
            return
        steps = np.arange(first_tick, last + 1, every, dtype=np.int64)
        picture.ticks.append((self.row_x(row, steps + 1), top + band / 2))  # the right edge of each updating batch

    def _lay_notes(self, row: Row, end: float | None, window: _Window, picture: Picture) -> None:
        """Words on a row tall enough for a line: the sizes of an epoch in random order, and that Keras does not
        know a length (once, on the first such row on screen)."""
        if len(picture.notes) >= MAX_ROW_NOTES or row.height * window.pixels_per_row < window.text_pixels:
            return
        middle = row.top + row.height / 2
        left = float(self.row_x(row, 0))
        if row.random and end is not None and left < window.x1 and end > window.x0:
            picture.notes.append(RowNote(max(window.x0, left), middle, random_order_words(row.segment), "random"))
        named = any(note.kind == "unknown" for note in picture.notes)
        if row.unknown and end is not None and window.x0 < end <= window.x1 and not named:
            picture.notes.append(RowNote(end, middle, UNKNOWN_LENGTH, "unknown"))

    def _sample_lefts(self, segment: Segment, first: int, count: int) -> np.ndarray:
        sizes = segment.stream.sizes(segment.start + first, count)
        base = segment.stream.samples_in(segment.start, first)
        return base + np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(float)

    def _widths(self, segment: Segment, sizes: np.ndarray, lane: str = "train") -> np.ndarray:
        axis, scale = self._axis_of(lane)
        if axis == "steps":
            return np.ones(len(sizes))
        if axis == "samples":
            return sizes.astype(float) * scale
        return sizes / _samples_of(segment, self.plan.train_samples)

    def _lay_dropped(self, row: Row, x0: float, x1: float, picture: Picture) -> None:
        """Grey blocks for the samples drop_remainder never feeds: at each pass end in the row."""
        stream = row.segment.stream
        dropped = getattr(stream, "remainder", 0) if getattr(stream, "drop_remainder", False) else 0
        per_pass = stream.batches_per_pass
        if not dropped or not per_pass:
            return
        segment = row.segment
        last_step = segment.count - 1
        if self.axis == "passes":
            first_pass = segment.stream.pass_of(segment.start)
            last_pass = segment.stream.pass_of(segment.start + last_step)
            passes = [p for p in range(first_pass, last_pass + 1) if (p + 1) * per_pass - 1 <= segment.start + last_step]
            lefts = [p + 1 - dropped / stream.samples for p in passes[:64] if x0 <= p + 1 and p + 1 - 1 <= x1]
            picture.blocks["dropped"].add(np.array(lefts), np.full(len(lefts), dropped / stream.samples), row.top, row.height)
            return
        if (segment.start + last_step) % per_pass == per_pass - 1:
            end = self.row_end(segment)
            width = dropped if self.axis == "samples" else dropped / stream.batch_size
            picture.blocks["dropped"].add(np.array([end]), np.array([width]), row.top, row.height)

    def batch_box(self, epoch: int, lane: str, step: int) -> tuple[float, float, float, float] | None:
        """(x, width, top, height) of one batch's block, or None if the plan has no such batch."""
        for row in self.rows_of(epoch) if 0 <= epoch < self.rows_count else []:
            if row.lane == lane and 0 <= step < row.segment.count:
                return float(self.row_x(row, step)), self.row_width(row, step), row.top, row.height
        return None

    def lane_span(self, epoch: int, lane: str) -> tuple[float, float] | None:
        """(left, right) x of one lane of an epoch (endless lanes aside), or None if it has no such lane."""
        for row in self.rows_of(epoch) if 0 <= epoch < self.rows_count else []:
            if row.lane == lane and not row.endless:
                return float(self.x_start(row.segment, 0, lane)), self.row_end(row.segment, lane)
        return None

    # ------------------------------------------------------------ weight updates

    def first_update(self, epoch: int) -> int | None:
        """The first step (0-based) of epoch ``epoch``'s training after which the weights change, None when none does
        (the epoch that never ends included, whichever of its parts never ends).

        Keras counts batches from the optimizer's creation, across epoch ends: the weights change after
        batch c (0-based, over the whole fit) when (c + 1) % G == 0."""
        if not self.accumulation or not 0 <= epoch < self.rows_count:
            return None
        if epoch < len(self.plan.epochs):
            steps = self.plan.epochs[epoch].update_steps()
            return steps[0] if len(steps) else None
        step = (-self._batches_before(epoch) - 1) % self.accumulation
        train = next(row for row in self.rows_of(epoch) if row.lane == "train")
        return step if train.endless or step < train.segment.count else None

    def _batches_before(self, epoch: int) -> int:
        """Training batches of the fit before epoch ``epoch`` (past the epochs that finish: all of theirs)."""
        if epoch < len(self.plan.epochs):
            return self.plan.epochs[epoch].batches_before
        return self.plan.totals.steps

    def _batches_ever(self) -> float:
        """Training batches the whole fit runs: infinite when training never ends."""
        plan = self.plan
        if plan.outcome != "endless":
            return plan.totals.steps
        if plan.endless_part == "train" or plan.endless_train is None:
            return math.inf
        return plan.totals.steps + plan.endless_train.count

    def update_words(self, epoch: int, step: int) -> tuple[str, str]:
        """(a tooltip line, a status-bar phrase) on what training batch ``step`` of epoch ``epoch`` does to the weights."""
        every = self.accumulation
        train = next(row for row in self.rows_of(epoch) if row.lane == "train")
        before = self._batches_before(epoch) + step  # training batches before this one in the fit
        if (before + 1) % every == 0:
            number = (before + 1) // every
            total = self.plan.weight_updates if self.plan.outcome == "ok" else None
            of = f" of {total:,}" if total is not None else ""
            return f"the weights change after this batch (update {number:,}{of}, every {every:,} batches)", "weights change"
        waiting = every - (before + 1) % every  # batches until the next update
        if train.endless or step + waiting < train.segment.count:
            return f"gradients add up: the weights change after step {step + waiting + 1:,}", "gradients add up"
        if before + waiting >= self._batches_ever():
            ends = "fit ends" if self.plan.outcome != "endless" else "the validation that never ends comes"
            return f"its gradients are never applied: {ends} before the next update", "gradients never applied"
        return (
            f"gradients add up: the weights change {plural(waiting, 'batch', 'batches')} on, in a later epoch "
            "(counted across epoch ends)",
            "gradients add up",
        )

    # ------------------------------------------------------------ hover

    def batch_under(self, x: float, y: float) -> tuple[int, Row, int | None] | None:
        """(epoch, row, step) of the batch under (x, y); step is None on an epoch's row with no batches.
        None where no row or batch is there. The tooltip and the status bar both word what this finds."""
        epoch = math.floor(y)
        if not 0 <= epoch < self.rows_count:
            return None
        within = y - epoch
        for row in self.rows_of(epoch):
            if not row.top - epoch <= within <= row.top - epoch + row.height:
                continue
            segment = row.segment
            if segment.count == 0:
                return epoch, row, None
            step = self.row_step_at(row, x)
            if x < float(self.x_start(segment, 0, row.lane)) or (not row.endless and x > self.row_end(segment, row.lane)):
                return None
            return epoch, row, step
        return None

    def hover_lines(self, x: float, y: float) -> list[str] | None:
        """Plain words for the batch under (x, y), a line each: which batch, its samples, its pass, and what the
        plan adds: a random order, a weight update, a length Keras does not know."""
        found = self.batch_under(x, y)
        if found is None:
            return None
        epoch, row, step = found
        number = self.number(epoch)
        if step is None:
            lines = [f"Epoch {number}: no batches" + (" (ran out of data)" if row.ran_out else "")]
            return lines + ([UNKNOWN_LENGTH_LINE] if row.unknown else [])
        segment = row.segment
        lane = "validation" if row.lane == "val" else "training"
        of = "" if row.endless else f" of {segment.count:,}"
        lines = [f"Epoch {number}, {lane} step {step + 1:,}{of}"]
        if row.random:
            counts = size_counts(segment)
            lines.append(_sizes_words(counts) + (f" (this epoch: {_counts_words(counts)})" if len(counts) > 1 else ""))
            lines.append(RANDOM_ORDER_LINE)
            if self.replicas > 1:  # which size this slot holds is not known: each size's split, a line each
                lines += [f"a batch of {size:,}: {device_words(size, self.replicas)}" for size, _count in counts]
        else:
            lines.append(plural(segment.size(step), "sample"))
            ranges = segment.sample_ranges(step) if segment.stream.positions_known else []
            if ranges:
                lines[1] += ": " + " and ".join(f"{lo:,} to {hi - 1:,}" if hi - lo > 1 else f"{lo:,}" for lo, hi in ranges)
            elif segment.stream.samples is not None:
                lines[1] += ", in shuffled order"
            if self.replicas > 1:
                lines.append(device_words(segment.size(step), self.replicas))
        if segment.stream.samples is not None and segment.stream.samples > 0:
            lines.append(f"pass {segment.pass_of(step) + 1:,} through the {lane} data")
        if row.lane == "train" and self.accumulation:
            lines.append(self.update_words(epoch, step)[0])
        if row.unknown:
            lines.append(UNKNOWN_LENGTH_LINE)
        return lines

    def describe(self, x: float, y: float) -> str | None:
        """One line for the status bar: epoch, step, size, samples, pass, and what the plan adds."""
        found = self.batch_under(x, y)
        if found is None:
            return None
        epoch, row, step = found
        number = self.number(epoch)
        if step is None:
            words = f"Epoch {number}: no batches" + (" (ran out of data)" if row.ran_out else "")
            return words + (", length unknown to Keras" if row.unknown else "")
        segment = row.segment
        lane = "validation" if row.lane == "val" else "training"
        parts = [f"Epoch {number}, {lane} step {step + 1:,}"]
        if row.random:
            parts.append(_sizes_words(size_counts(segment)) + " (order random each pass)")
        else:
            parts.append(plural(segment.size(step), "sample"))
            ranges = segment.sample_ranges(step) if segment.stream.positions_known else []
            if ranges:
                parts.append("samples " + " and ".join(f"{lo:,}-{hi - 1:,}" for lo, hi in ranges))
            elif segment.stream.samples is not None:
                parts.append("sample positions shuffled")
            if self.replicas > 1:
                parts.append(device_words(segment.size(step), self.replicas))
        if segment.stream.samples is not None and segment.stream.samples > 0:
            parts.append(f"pass {segment.pass_of(step) + 1:,}")
        if row.lane == "train" and self.accumulation:
            parts.append(self.update_words(epoch, step)[1])
        if row.unknown:
            parts.append("length unknown to Keras")
        return ", ".join(parts)


@dataclass(frozen=True)
class _Window:
    """The part of the plan on screen and how many pixels it has: what every row's layout needs."""

    x0: float
    x1: float
    pixels_per_x: float
    pixels_per_row: float
    batches_per_x: float  # batches per unit of x at which they are still drawn one by one
    budget: int  # blocks a row may have
    tick_budget: int  # update ticks a row may have
    text_pixels: float  # the height of a line of words
    device_budget: int = 0  # stripes a row may have (0: batches are drawn whole)


# ---------------------------------------------------------------- what the plan says, in words for the timeline

UNKNOWN_LENGTH = "Keras does not know this length"
UNKNOWN_LENGTH_LINE = "Keras does not know this length: it learns it only when the data runs out"
RANDOM_ORDER_LINE = "the batch order is random: Keras' shuffle draws it anew each pass"


def epoch_number(plan: Plan, epoch: int) -> int:
    """The absolute 1-based number of the plan's epoch at index ``epoch`` (what Keras' progress bar prints);
    past the epochs that finish, the number the endless epoch has."""
    if 0 <= epoch < len(plan.epochs):
        return plan.epochs[epoch].number
    return plan.scenario.initial_epoch + epoch + 1


def replicas_of(plan: Plan) -> int:
    """How many devices each global batch is split across: the plan's own count, else the scenario's flavour's."""
    return int(getattr(plan, "replicas", 0) or flavour_of(plan.scenario).replicas)


def device_words(batch_size: int, replicas: int) -> str:
    """How a global batch is shared out, device by device, runs of equal shares together:
    'devices 1-3 get 11 samples each, device 4 gets 8'; 'each of the 4 devices gets 8 samples'; 'device 4 gets none'."""
    shares = replica_split(batch_size, replicas)
    if len(set(shares)) == 1:
        return f"each of the {replicas:,} devices gets {plural(shares[0], 'sample')}"
    runs: list[tuple[int, int, int]] = []  # (first device, last device, share), 1-based
    for device, share in enumerate(shares, start=1):
        if runs and runs[-1][2] == share:
            runs[-1] = (runs[-1][0], device, share)
        else:
            runs.append((device, device, share))
    words = []
    for index, (first, last, share) in enumerate(runs):
        between = " and " if last == first + 1 else "-"
        who = f"device {first}" if first == last else f"devices {first}{between}{last}"
        verb = "gets" if first == last else "get"
        if share == 0:
            amount = "none"
        elif index == 0:
            amount = plural(share, "sample") + ("" if first == last else " each")
        else:
            amount = f"{share:,}"
        words.append(f"{who} {verb} {amount}")
    return ", ".join(words)


def order_is_random(planned: EpochPlan) -> bool:
    """The epoch's training batches come in an order drawn anew each pass (a shuffled PyDataset, shuffle after batch)."""
    return planned.train_order == "random"


def accumulation_of(plan: Plan) -> int:
    """G when the weights change only after every G-th batch (gradient accumulation), else 0."""
    every = plan.scenario.gradient_accumulation_steps
    return every if every is not None and every > 1 and plan.outcome != "error" else 0


def size_counts(segment: Segment) -> list[tuple[int, int]]:
    """(size, how many batches) of a segment's batches, largest first: the multiset a random order draws from."""
    return [(size, count) for size, count in segment.largest_first()]


def _sizes_words(counts: list[tuple[int, int]]) -> str:
    """'32 samples', '32 or 4 samples', '32, 16 or 4 samples'."""
    sizes = [f"{size:,}" for size, _count in counts]
    joined = sizes[0] if len(sizes) == 1 else ", ".join(sizes[:-1]) + " or " + sizes[-1]
    return f"{joined} {'sample' if counts == [(1, counts[0][1])] else 'samples'}"


def _counts_words(counts: list[tuple[int, int]]) -> str:
    """'937 batches of 64 and 1 of 32'."""
    words = [
        f"{plural(count, 'batch', 'batches')} of {size:,}" if index == 0 else f"{count:,} of {size:,}"
        for index, (size, count) in enumerate(counts)
    ]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def random_order_words(segment: Segment) -> str:
    """The words on a row whose batches come in a random order: its sizes as a multiset."""
    return f"order random each pass: {_counts_words(size_counts(segment))}"


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 sample', '2 samples', '1,000 samples'."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def nice_at_least(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least value."""
    nice = 1
    while nice < value:
        nice = nice * 5 // 2 if str(nice)[0] == "2" else nice * 2
    return nice


def ordinal(number: int) -> str:
    """'1st', '2nd', '3rd', '4th', '11th', '12th', '21st', '102nd'."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def label_step(pixels_per_row: float, label_pixels: float, stride: int) -> int:
    """Label every k-th epoch: k nice (1, 2, 5, 10, ...), a multiple of the drawing stride, and labels at
    least label_pixels apart so they never overlap."""
    needed = max(1.0, label_pixels / max(pixels_per_row, 1e-9))
    step = nice_at_least(needed)
    while step % stride:
        step = nice_at_least(step + 1)
    return step


def tick_words(values: list[float], spacing: float) -> list[str]:
    """Axis numbers a person reads: 1,000,000 or 12.5M, 0.25; never e-notation."""
    if not values:
        return []
    biggest = max(abs(v) for v in values)
    unit, suffix = 1, ""
    if biggest >= 10**7:
        unit, suffix = next((power, name) for power, name in ((10**12, "T"), (10**9, "B"), (10**6, "M")) if biggest >= power)
    scaled = [v / unit for v in values]
    tolerance = max(spacing / unit, 1e-300) * 1e-3
    decimals = next((d for d in range(13) if all(abs(v - round(v, d)) <= tolerance for v in scaled)), 12)
    return ["0" if abs(v) <= tolerance else f"{v:,.{decimals}f}{suffix}" for v in scaled]


def empty_reason(plan: Plan) -> str | None:
    """Why the plan draws nothing (Keras refuses it, no epochs, no batches), or None when it draws something."""
    if plan.outcome == "error":
        return f"Keras refuses this setup: {plan.error}" if plan.error else "Keras refuses this setup."
    if plan.outcome == "endless":
        return None
    if len(plan.epochs) == 0:
        return "Nothing to draw: 0 epochs are planned, so fit() trains nothing."
    if plan.totals.steps == 0 and plan.totals.validation_steps == 0:
        return "Nothing to draw: no epoch has a batch (the data is empty)."
    return None


def _batch_size(segment: Segment) -> int:
    return segment.stream.batch_size


def _samples_of(segment: Segment, data_samples: int | None = None) -> int:
    """The data's length in samples: the stream's own, or (a tf.data pipeline's stream has none) the training data's."""
    return max(1, segment.stream.samples or data_samples or 1)


def _positions_at(stream, index: np.ndarray, data_samples: int | None = None) -> np.ndarray:
    """Where batches start in the data, in passes, for any batch indices (``data_samples``: the training data's
    length, for a stream that has none of its own, such as a tf.data pipeline's)."""
    index = np.asarray(index, dtype=np.int64)
    if isinstance(stream, ResumedStream):
        index = np.where(index < stream.peeked, index, stream.resume_at + index - stream.peeked)
        stream = stream.base
    if isinstance(stream, CycleStream):
        return index * (stream.batch_size / stream.samples)
    if isinstance(stream, PassStream):
        per_pass = max(1, stream.batches_per_pass)
        return index // per_pass + (index % per_pass) * stream.batch_size / max(1, stream.samples)
    samples = getattr(stream, "samples", None) or data_samples
    if samples:  # any other stream of known length: the samples read, in passes
        return np.asarray(stream.samples_before_many(index), dtype=float) / samples
    return index.astype(float)
