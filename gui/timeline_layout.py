"""Where the timeline's blocks go, for the part of the plan on screen. No Qt here.

One row per epoch (epoch 1 at the top), a validation lane under each epoch that
validates. x is, per the axis chosen: the step within the epoch, the samples read
so far in the epoch, or the position in the data in passes (so an epoch that
continues where the last one stopped starts part-way along its row).

Only what the pixels can show is laid out: batches one by one when they are wide
enough, otherwise grouped into as many blocks as there are pixels; rows thinner
than a few pixels are sampled. The work and memory depend on the screen, never on
the number of batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from core.data.streams import CycleStream, PassStream, ResumedStream
from core.plan import Plan, Segment

AXES = {"steps": "Steps in the epoch", "samples": "Samples read in the epoch", "passes": "Position in the data (passes)"}

TRAIN_TOP, TRAIN_HEIGHT = 0.0, 0.58
VAL_TOP, VAL_HEIGHT = 0.64, 0.24
TRAIN_HEIGHT_ALONE = 0.8

# Block kinds, drawn in this order; the colours live with the view.
KINDS = ("full", "full_alt", "short", "wrap", "grouped", "dropped", "val", "val_alt", "val_short", "val_grouped")

MAX_BLOCKS = 2500  # the most blocks laid out for one picture, whatever the plan
MIN_ROW_PIXELS = 3.0  # thinner rows are sampled
MIN_BATCH_PIXELS = 3.0  # thinner batches are grouped
ENDLESS_SHOWN = 10**9  # how many batches an endless epoch's row offers to scroll through
EXTENT_SAMPLE = 256  # epochs looked at to find how far the plan reaches


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


@dataclass(frozen=True)
class Row:
    epoch: int  # 0-based
    lane: str  # "train" | "val"
    segment: Segment
    top: float
    height: float
    ran_out: bool
    endless: bool


class TimelineLayout:
    """The geometry of one plan on one axis."""

    def __init__(self, plan: Plan, axis: str = "samples"):
        self.plan = plan
        self.has_validation = plan.scenario.validation is not None
        passes_possible = plan.train_samples is not None and plan.train_samples > 0
        self.axis = axis if (axis != "passes" or passes_possible) else "samples"
        self.rows_count = len(plan.epochs) + (1 if plan.outcome == "endless" else 0)

    # ------------------------------------------------------------ rows

    def rows_of(self, epoch: int) -> list[Row]:
        """The training row and (if it validates) the validation lane of an epoch."""
        plan = self.plan
        train_height = TRAIN_HEIGHT if self.has_validation else TRAIN_HEIGHT_ALONE
        rows: list[Row] = []
        if epoch < len(plan.epochs):
            planned = plan.epochs[epoch]
            rows.append(Row(epoch, "train", planned.train, epoch + TRAIN_TOP, train_height, planned.ran_out, False))
            if planned.val is not None:
                rows.append(Row(epoch, "val", planned.val, epoch + VAL_TOP, VAL_HEIGHT, planned.val_ran_out, False))
        elif plan.outcome == "endless" and epoch == len(plan.epochs):
            assert plan.endless_from is not None
            never_ending = Segment(plan.endless_from.stream, plan.endless_from.start, ENDLESS_SHOWN)
            if plan.endless_part == "train":
                rows.append(Row(epoch, "train", never_ending, epoch + TRAIN_TOP, train_height, False, True))
            else:
                assert plan.endless_train is not None
                rows.append(Row(epoch, "train", plan.endless_train, epoch + TRAIN_TOP, train_height, False, False))
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
        return _positions_at(stream, segment.start + steps)

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
        return float(size) * scale if axis == "samples" else size / _samples_of(segment)

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

    def extent(self, rows: int) -> tuple[float, float]:
        """The x range worth showing for the first ``rows`` epochs: their longest row (endless ones aside)."""
        return self._extent(range(min(self.rows_count, rows)), endless=False)

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
        """The epochs (0-based) drawn between first and last when only every stride-th is: epoch 1 and the
        multiples of stride (epoch 10, 20, ...), so the drawn rows are the ones the labels name."""
        if stride <= 1:
            return list(range(first, last + 1))
        wanted = [0] if first == 0 else []
        number = max(stride, (first + 1 + stride - 1) // stride * stride)  # the first multiple of stride >= first + 1
        wanted += list(range(number - 1, last + 1, stride))
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
    ) -> Picture:
        """The blocks in the window [x0, x1] x [y0, y1] shown on pixels_wide x pixels_high pixels.

        Batches thinner than ``min_batch_pixels`` are grouped (thicker separators need wider batches).
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
        pixels_per_x = pixels_wide / (x1 - x0)
        for epoch in epochs:
            for row in self.rows_of(epoch):
                self._lay_row(row, x0, x1, budget, picture, pixels_per_x / min_batch_pixels)
        return picture

    def _lay_row(self, row: Row, x0: float, x1: float, budget: int, picture: Picture, batches_per_x: float) -> None:
        segment, lane = row.segment, row.lane
        middle = row.top + row.height / 2
        if segment.count == 0:
            if row.ran_out:
                picture.ran_out.append((float(self.x_start(segment, 0, lane)), middle))
            return
        first = self.step_at(segment, x0, lane)
        last = self.step_at(segment, x1, lane)
        count = last - first + 1
        val = lane == "val"
        # As many blocks as the pixels these batches cover can show: a short row gets fewer.
        right = self.row_end(segment, lane) if last + 1 >= segment.count else float(self.x_start(segment, last + 1, lane))
        covered = max(0.0, min(x1, right) - max(x0, float(self.x_start(segment, first, lane))))
        budget = max(1, min(budget, int(covered * batches_per_x)))
        if count <= budget:
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
            picture.blocks[prefix].add(left[plain & ~alternate], width[plain & ~alternate], row.top, row.height)
            picture.blocks[f"{prefix}_alt"].add(left[plain & alternate], width[plain & alternate], row.top, row.height)
            picture.blocks["val_short" if val else "short"].add(left[short], width[short], row.top, row.height)
            if not val:
                picture.blocks["wrap"].add(left[wrap & ~short], width[wrap & ~short], row.top, row.height)
        else:
            edges = np.linspace(first, last + 1, budget + 1).astype(np.int64)
            # linspace's edges are sorted: drop repeats without np.unique, which imports numpy.ma (~25 ms at start)
            edges = edges[np.concatenate(([True], edges[1:] != edges[:-1]))]
            left = self.x_start(segment, edges[:-1], lane)
            right = self.x_start(segment, np.minimum(edges[1:], segment.count - 1), lane)
            right = np.where(edges[1:] >= segment.count, self.row_end(segment, lane), right)
            picture.blocks["val_grouped" if val else "grouped"].add(left, right - left, row.top, row.height)
        if not val and not row.endless:
            self._lay_dropped(row, x0, x1, picture)
        end = self.row_end(segment, lane) if not row.endless else None
        if row.ran_out and end is not None:
            picture.ran_out.append((end, middle))
        if row.endless:
            picture.endless.append((x0 + 0.99 * (x1 - x0), middle))
        if not val and segment.start > 0 and first == 0:
            picture.continues.append((float(self.x_start(segment, 0)), middle))

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
        return sizes / _samples_of(segment)

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
                left = float(self.x_start(row.segment, step, lane))
                return left, self._width(row.segment, step, lane), row.top, row.height
        return None

    def lane_span(self, epoch: int, lane: str) -> tuple[float, float] | None:
        """(left, right) x of one lane of an epoch (endless lanes aside), or None if it has no such lane."""
        for row in self.rows_of(epoch) if 0 <= epoch < self.rows_count else []:
            if row.lane == lane and not row.endless:
                return float(self.x_start(row.segment, 0, lane)), self.row_end(row.segment, lane)
        return None

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
            step = self.step_at(segment, x, row.lane)
            if x < float(self.x_start(segment, 0, row.lane)) or (not row.endless and x > self.row_end(segment, row.lane)):
                return None
            return epoch, row, step
        return None

    def hover_lines(self, x: float, y: float) -> list[str] | None:
        """Plain words for the batch under (x, y), a line each: which batch, its samples, its pass."""
        found = self.batch_under(x, y)
        if found is None:
            return None
        epoch, row, step = found
        if step is None:
            return [f"Epoch {epoch + 1}: no batches" + (" (ran out of data)" if row.ran_out else "")]
        segment = row.segment
        lane = "validation" if row.lane == "val" else "training"
        of = "" if row.endless else f" of {segment.count:,}"
        lines = [f"Epoch {epoch + 1}, {lane} step {step + 1:,}{of}", plural(segment.size(step), "sample")]
        ranges = segment.sample_ranges(step) if segment.stream.positions_known else []
        if ranges:
            lines[1] += ": " + " and ".join(f"{lo:,} to {hi - 1:,}" if hi - lo > 1 else f"{lo:,}" for lo, hi in ranges)
        elif segment.stream.samples is not None:
            lines[1] += ", in shuffled order"
        if segment.stream.samples is not None and segment.stream.samples > 0:
            lines.append(f"pass {segment.pass_of(step) + 1:,} through the {lane} data")
        return lines

    def describe(self, x: float, y: float) -> str | None:
        """One line for the status bar: epoch, step, size, samples, pass."""
        found = self.batch_under(x, y)
        if found is None:
            return None
        epoch, row, step = found
        if step is None:
            return f"Epoch {epoch + 1}: no batches" + (" (ran out of data)" if row.ran_out else "")
        segment = row.segment
        lane = "validation" if row.lane == "val" else "training"
        parts = [f"Epoch {epoch + 1}, {lane} step {step + 1:,}", plural(segment.size(step), "sample")]
        ranges = segment.sample_ranges(step) if segment.stream.positions_known else []
        if ranges:
            parts.append("samples " + " and ".join(f"{lo:,}-{hi - 1:,}" for lo, hi in ranges))
        elif segment.stream.samples is not None:
            parts.append("sample positions shuffled")
        if segment.stream.samples is not None and segment.stream.samples > 0:
            parts.append(f"pass {segment.pass_of(step) + 1:,}")
        return ", ".join(parts)


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


def _samples_of(segment: Segment) -> int:
    return max(1, segment.stream.samples or 1)


def _positions_at(stream, index: np.ndarray) -> np.ndarray:
    """Where batches start in the data, in passes, for any batch indices."""
    index = np.asarray(index, dtype=np.int64)
    if isinstance(stream, ResumedStream):
        index = np.where(index < stream.peeked, index, stream.resume_at + index - stream.peeked)
        stream = stream.base
    if isinstance(stream, CycleStream):
        return index * (stream.batch_size / stream.samples)
    if isinstance(stream, PassStream):
        per_pass = max(1, stream.batches_per_pass)
        return index // per_pass + (index % per_pass) * stream.batch_size / max(1, stream.samples)
    return index.astype(float)
