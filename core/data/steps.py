"""One small class per ``tf.data`` step: a stream in, a stream out.

A stream is either single samples (``Elements``) or batches of them (``Batches``), with its
length as ``cardinality()`` would say it (known, ``UNKNOWN`` or ``INFINITE``) apart from the
length it really has, whether sample positions are still known (a ``shuffle`` forgets them),
whether the batches come in a random order, and whether reading past its end raises (an
``assert_cardinality`` that does not hold). All of it is kept as structured sequences
(core.data.sequences), so a step costs the same for ten samples and for a billion.

To add a step (``.window()``, say): write its class here with ``apply``, and add it to
``STEP_CLASSES`` and to the format's op table in core/scenario.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from core.data.sequences import Run, Seq, concat, constant

# tf.data's cardinality() constants.
INFINITE = -1
UNKNOWN = -2


class PipelineRefused(Exception):
    """A pipeline tf.data itself rejects (a batch of batches, a rebatch of single samples)."""


@dataclass(frozen=True)
class Elements:
    """Single samples: ``positions[i]`` is the sample the i-th element holds."""

    positions: Seq
    cardinality: int
    positions_known: bool = True
    fails: str | None = None  # reading past the end raises this, instead of ending

    @property
    def length(self) -> int | None:
        return self.positions.length


@dataclass(frozen=True)
class Batches:
    """Batches: batch i holds ``sizes[i]`` consecutive elements from element ``firsts[i]``."""

    elements: Seq  # the sample positions of the elements the batches are cut from
    sizes: Seq
    firsts: Seq
    cardinality: int
    batch_size: int  # the size the batching step asked for (a full batch)
    positions_known: bool = True
    order_random: bool = False  # a shuffle after the batching: the batches come in a random order
    fails: str | None = None

    @property
    def length(self) -> int | None:
        return self.sizes.length


Stream = Elements | Batches


# ---------------------------------------------------------------- what every step shares


def _items(stream: Stream, operation) -> Stream:
    """The same choice of items made on each of the stream's item sequences."""
    if isinstance(stream, Elements):
        return replace(stream, positions=operation(stream.positions))
    return replace(stream, sizes=operation(stream.sizes), firsts=operation(stream.firsts))


def _known(cardinality: int) -> bool:
    return cardinality >= 0


def _flatten(stream: Batches) -> Elements:
    """The samples of the batches, one element each (unbatch)."""
    positions: Seq = _Flattened(stream.elements, stream.sizes, stream.firsts)
    if stream.firsts.length is not None and stream.firsts.length == 0:
        positions = Run(0, 1, 0)
    return Elements(positions, UNKNOWN, stream.positions_known and not stream.order_random, stream.fails)


def _batch(elements: Elements, size: int, drop_remainder: bool, cardinality: int) -> Batches:
    length = elements.length
    if length is None:
        sizes, firsts = constant(size, None), Run(0, size, None)
    else:
        full, remainder = divmod(length, size)
        # Reading the short batch (or the batch after the last full one) reads past the end.
        short = 1 if remainder and not drop_remainder and elements.fails is None else 0
        sizes = concat([constant(size, full), constant(remainder, short)])
        firsts = Run(0, size, full + short)
    return Batches(elements.positions, sizes, firsts, cardinality, size, elements.positions_known, False, elements.fails)


# ---------------------------------------------------------------- the steps


@dataclass(frozen=True)
class BatchStep:
    """``.batch(size, drop_remainder)``."""

    size: int
    drop_remainder: bool = False

    def apply(self, stream: Stream) -> Stream:
        if isinstance(stream, Batches):
            raise PipelineRefused("a batch step after another batch makes batches of batches, which Keras cannot train on")
        cardinality = stream.cardinality
        if _known(cardinality):
            cardinality = cardinality // self.size if self.drop_remainder else -(-cardinality // self.size)
        return _batch(stream, self.size, self.drop_remainder, cardinality)


@dataclass(frozen=True)
class RepeatStep:
    """``.repeat(count)``; ``count`` None repeats forever. A pass that ends in an error never repeats."""

    count: int | None

    def apply(self, stream: Stream) -> Stream:
        if self.count == 0:
            return replace(_items(stream, lambda seq: seq.take(0)), cardinality=0, fails=None)
        cardinality = stream.cardinality
        if cardinality in (UNKNOWN, INFINITE):
            pass
        elif self.count is None:
            cardinality = 0 if cardinality == 0 else INFINITE
        else:
            cardinality *= self.count
        if stream.fails is not None:
            return replace(stream, cardinality=cardinality)  # tf.data's count does not know the first pass fails
        return replace(_items(stream, lambda seq: seq.repeat(self.count)), cardinality=cardinality)


@dataclass(frozen=True)
class TakeStep:
    """``.take(count)``: it stops after ``count`` items, so an error past them is never reached."""

    count: int

    def apply(self, stream: Stream) -> Stream:
        cardinality = stream.cardinality
        if cardinality == INFINITE:
            cardinality = self.count
        elif _known(cardinality):
            cardinality = min(cardinality, self.count)
        fails = stream.fails if stream.length is not None and stream.length < self.count else None
        return replace(_items(stream, lambda seq: seq.take(self.count)), cardinality=cardinality, fails=fails)


@dataclass(frozen=True)
class SkipStep:
    """``.skip(count)``."""

    count: int

    def apply(self, stream: Stream) -> Stream:
        cardinality = stream.cardinality
        if _known(cardinality):
            cardinality = max(0, cardinality - self.count)
        return replace(_items(stream, lambda seq: seq.skip(self.count)), cardinality=cardinality)


@dataclass(frozen=True)
class ShardStep:
    """``.shard(num_shards, index)``: every num_shards-th item from the index-th."""

    num_shards: int
    index: int

    def apply(self, stream: Stream) -> Stream:
        cardinality = stream.cardinality
        if _known(cardinality):
            cardinality = cardinality // self.num_shards + (1 if self.index < cardinality % self.num_shards else 0)
        return replace(_items(stream, lambda seq: seq.every(self.num_shards, self.index)), cardinality=cardinality)


@dataclass(frozen=True)
class FilterStep:
    """``.filter(...)`` keeping the items whose position in its input is a multiple of ``keep_every``.

    The position counts from 0 each time the filter's input is read afresh: a repeat after the
    filter starts it again, one before it does not (its input is then the whole repeated stream).
    """

    keep_every: int

    def apply(self, stream: Stream) -> Stream:
        return replace(_items(stream, lambda seq: seq.every(self.keep_every, 0)), cardinality=UNKNOWN)


@dataclass(frozen=True)
class UnbatchStep:
    """``.unbatch()``."""

    def apply(self, stream: Stream) -> Stream:
        if isinstance(stream, Elements):
            # A sample is one row of features: unbatching it splits that row, one sample again (as recorded).
            return replace(stream, cardinality=UNKNOWN)
        return _flatten(stream)


@dataclass(frozen=True)
class RebatchStep:
    """``.rebatch(size, drop_remainder)``: the same as ``.unbatch().batch(size, drop_remainder)``."""

    size: int
    drop_remainder: bool = False

    def apply(self, stream: Stream) -> Stream:
        if isinstance(stream, Elements):
            # Each sample counts as a batch of one row, so single samples are batched (as recorded).
            return _batch(stream, self.size, self.drop_remainder, UNKNOWN)
        return _batch(_flatten(stream), self.size, self.drop_remainder, UNKNOWN)


@dataclass(frozen=True)
class ShuffleStep:
    """``.shuffle(buffer_size, ...)``: order only. Samples' positions are then unknown; after a batch, the batches' order.

    The buffer is filled before the first item comes out, so an error at the end of the input
    surfaces ``buffer_size - 1`` items early.
    """

    buffer_size: int
    reshuffle_each_iteration: bool = True

    def apply(self, stream: Stream) -> Stream:
        # The format names no sample after any shuffle, even shuffle(1), whose one-item buffer keeps the order.
        if stream.fails is not None and stream.length is not None:
            kept = max(0, stream.length - self.buffer_size + 1)
            stream = _items(stream, lambda seq: seq.take(kept))
        if isinstance(stream, Elements):
            return replace(stream, positions_known=False)
        return replace(stream, positions_known=False, order_random=True)


@dataclass(frozen=True)
class AssertCardinalityStep:
    """``assert_cardinality(count)``: tf.data takes the length as ``count``; reading beyond what holds raises.

    Not ``checked`` (a dataset MirroredStrategy distributes): the length is still ``count``, but the data
    is what it really is and never raises (measured with TensorFlow 2.21 over 2 logical CPUs).
    """

    count: int
    checked: bool = True

    def apply(self, stream: Stream) -> Stream:
        real = stream.length
        if not self.checked:
            return replace(stream, cardinality=self.count)
        if stream.fails is None and real == self.count:
            return replace(stream, cardinality=self.count)
        if real is None or real > self.count:
            message = (
                f"Input dataset was expected to contain {self.count:,} elements but contained at least "
                f"{self.count + 1:,} elements."
            )
            stream = _items(stream, lambda seq: seq.take(self.count))
        else:
            message = stream.fails or (
                f"Input dataset was expected to contain {self.count:,} elements but contained only {real:,} elements."
            )
        return replace(stream, cardinality=self.count, fails=message)


@dataclass(frozen=True)
class PassThroughStep:
    """``.cache()``, ``.prefetch()``, ``.map(f)``: nothing Keras counts changes."""

    def apply(self, stream: Stream) -> Stream:
        return stream


def step_from(step, asserts_checked: bool = True) -> object:
    """The class for one step of a scenario's pipeline (``asserts_checked``: see AssertCardinalityStep)."""
    op = step.op
    if op == "batch":
        return BatchStep(step.size, step.drop_remainder)
    if op == "repeat":
        return RepeatStep(step.count)
    if op == "take":
        return TakeStep(step.count)
    if op == "skip":
        return SkipStep(step.count)
    if op == "shard":
        return ShardStep(step.num_shards, step.index)
    if op == "filter":
        return FilterStep(step.keep_every)
    if op == "unbatch":
        return UnbatchStep()
    if op == "rebatch":
        return RebatchStep(step.size, step.drop_remainder)
    if op == "shuffle":
        return ShuffleStep(step.buffer_size, step.reshuffle_each_iteration)
    if op == "assert_cardinality":
        return AssertCardinalityStep(step.count, asserts_checked)
    return PassThroughStep()


def samples_of(samples: int | None) -> Elements:
    """``Dataset.from_tensor_slices`` of the samples; None: an endless counter whose positions the plan does not show."""
    if samples is None:
        return Elements(Run(0, 1, None), INFINITE, positions_known=False)
    return Elements(Run(0, 1, samples), samples)


def run_pipeline(samples: int | None, steps, asserts_checked: bool = True) -> Stream:
    stream: Stream = samples_of(samples)
    for step in steps:
        stream = step_from(step, asserts_checked).apply(stream)  # type: ignore[attr-defined]
    return stream


# ---------------------------------------------------------------- unbatch's look-up


@dataclass(frozen=True, eq=False)
class _Flattened(Seq):
    """The samples of a batch stream in order: element i is found through the running sum of the sizes."""

    elements: Seq
    sizes: Seq
    firsts: Seq

    @cached_property
    def _length(self) -> int | None:
        return None if self.sizes.length is None else self.sizes.total()

    @property
    def length(self) -> int | None:  # type: ignore[override]
        return self._length

    def value(self, index: int) -> int:
        batch, before = self.sizes.locate(index)
        return self.elements.value(self.firsts.value(batch) + index - before)
