"""What one Keras iterator over the data yields, batch by batch, in closed form.

A stream answers questions about batch ``i`` of one iterator (its size, the
first sample it holds, which pass over the data it comes from) without ever
materialising the batches, so an ImageNet-sized plan costs the same as a tiny one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the pipeline algebra loads with the first pipeline planned, not on the start path
    from core.data.sequences import Seq
    from core.data.steps import Batches


@dataclass(frozen=True)
class PassStream:
    """Batches of a finite pass over ``samples`` items, optionally looped forever.

    ``tf.data``: ``.batch(B, drop_remainder)`` (``loops`` = ``.batch(B).repeat()``);
    NumPy arrays: Keras' own slicing; a hand-written generator: the same batches.
    ``limit`` caps how many batches this iterator yields (a generator's replay of
    the batches Keras peeked). ``offset`` shifts sample positions (the validation
    tail of ``validation_split``).
    """

    samples: int
    batch_size: int
    drop_remainder: bool = False
    loops: bool = False
    limit: int | None = None
    offset: int = 0
    positions_known: bool = True
    # A PyDataset fed with fit(shuffle=True): every pass draws a new order of its batches.
    order_random: bool = False
    fails = None

    @property
    def full_batches(self) -> int:
        return self.samples // self.batch_size

    @property
    def remainder(self) -> int:
        return self.samples % self.batch_size

    @property
    def batches_per_pass(self) -> int:
        return self.full_batches + (1 if self.remainder and not self.drop_remainder else 0)

    @property
    def samples_per_pass(self) -> int:
        return self.samples - (self.remainder if self.drop_remainder else 0)

    @property
    def length(self) -> int | None:
        """Batches this iterator yields; None when it never ends."""
        per_pass = self.batches_per_pass
        if self.loops and per_pass:
            return self.limit
        return per_pass if self.limit is None else min(per_pass, self.limit)

    def size(self, index: int) -> int:
        within = index % self.batches_per_pass
        return self.batch_size if within < self.full_batches else self.remainder

    def first_sample(self, index: int) -> int | None:
        if not self.positions_known:
            return None
        return self.offset + (index % self.batches_per_pass) * self.batch_size

    def sample_ranges(self, index: int) -> list[tuple[int, int]]:
        """Half-open sample ranges the batch covers (one range: passes never mix)."""
        start = (index % self.batches_per_pass) * self.batch_size
        return [(self.offset + start, self.offset + start + self.size(index))]

    def pass_of(self, index: int) -> int:
        return index // self.batches_per_pass

    def samples_in(self, start: int, count: int) -> int:
        """Samples in batches [start, start + count), in closed form."""
        return self._samples_before(start + count) - self._samples_before(start)

    def _samples_before(self, index: int) -> int:
        per_pass = self.batches_per_pass
        if per_pass == 0:
            return 0
        passes, within = divmod(index, per_pass)
        return (
            passes * self.samples_per_pass
            + min(within, self.full_batches) * self.batch_size
            + (self.remainder if within > self.full_batches else 0)
        )

    def short_batches_in(self, start: int, count: int) -> int:
        """How many batches in the range are smaller than batch_size."""
        if not self.remainder or self.drop_remainder or count == 0:
            return 0
        per_pass = self.batches_per_pass
        # The short batch is the last of each pass: index per_pass-1 modulo per_pass.
        return _count_congruent(start, start + count, per_pass - 1, per_pass)

    def sizes(self, start: int, count: int) -> np.ndarray:
        """Sizes of batches [start, start + count), as an array (for the batches on screen)."""
        within = np.arange(start, start + count, dtype=np.int64) % max(1, self.batches_per_pass)
        return np.where(within < self.full_batches, self.batch_size, self.remainder).astype(np.int64)

    def positions(self, start: int, count: int) -> np.ndarray:
        """Where each batch starts in the data, in passes (2.5 = halfway through the third pass)."""
        index = np.arange(start, start + count, dtype=np.int64)
        per_pass = max(1, self.batches_per_pass)
        return index // per_pass + (index % per_pass) * self.batch_size / max(1, self.samples)

    def samples_before_many(self, index: np.ndarray) -> np.ndarray:
        """Samples in batches [0, i) for each i (vectorised _samples_before)."""
        per_pass = max(1, self.batches_per_pass)
        passes, within = np.divmod(np.asarray(index, dtype=np.int64), per_pass)
        extra = np.where(within > self.full_batches, self.remainder, 0)
        # float64: drawing needs no exactness, and huge plans would overflow int64 here.
        return passes * float(self.samples_per_pass) + np.minimum(within, self.full_batches) * float(self.batch_size) + extra

    def index_at_samples(self, samples: int) -> int:
        """The batch holding the sample read ``samples``-th by this iterator (inverse of samples_before)."""
        if self.samples_per_pass == 0:
            return 0
        passes, rest = divmod(samples, self.samples_per_pass)
        return passes * self.batches_per_pass + min(rest // self.batch_size, self.batches_per_pass - 1)

    def index_at_position(self, position: float) -> int:
        """The batch at a position in the data, in passes (inverse of positions)."""
        passes = int(position // 1)
        within = int((position - passes) * self.samples // self.batch_size)
        return passes * max(1, self.batches_per_pass) + min(max(within, 0), max(0, self.batches_per_pass - 1))

    def compact_runs(self, start: int, count: int) -> list[list]:
        """Sizes of batches [start, start + count) as plan JSON runs, in O(1) whatever ``count`` is.

        ``[size, count]`` runs; whole passes that hold two sizes (full batches, then the
        short one) become one group ``[[[B, full], [short, 1]], passes]``. When every batch
        of a pass has the same size the passes merge into a single run.
        """
        per_pass, full = self.batches_per_pass, self.full_batches
        if count <= 0 or per_pass == 0:
            return []
        if full == 0:
            return [[self.remainder, count]]
        if full == per_pass:
            return [[self.batch_size, count]]
        out: list[list] = []
        index, end = start, start + count
        within = index % per_pass
        if within:
            take = min(per_pass - within, count)
            self._append_pass_piece(out, within, take)
            index += take
        passes, tail = divmod(end - index, per_pass)
        if passes == 1:
            self._append_pass_piece(out, 0, per_pass)
        elif passes > 1:
            out.append([[[self.batch_size, full], [self.remainder, 1]], passes])
        if tail:
            self._append_pass_piece(out, 0, tail)
        return out

    def histogram(self, start: int, count: int) -> dict[int, int]:
        """How many batches of each size the range holds (its order may be random)."""
        short = self.short_batches_in(start, count)
        counts = {self.batch_size: count - short} if count > short else {}
        if short:
            counts[self.remainder] = short
        return counts

    def _append_pass_piece(self, out: list[list], within: int, take: int) -> None:
        """Batches [within, within + take) of one pass (full ones, then maybe the short one)."""
        full_taken = max(0, min(self.full_batches - within, take))
        if full_taken:
            _append_run(out, self.batch_size, full_taken)
        if take > full_taken:
            _append_run(out, self.remainder, 1)

    def runs(self, start: int, count: int, limit: int | None = None) -> list[list[int]]:
        """Run-length encoded sizes, ``[[size, count], ...]`` (``limit``: at least the first so many runs)."""
        return expand_runs(self.compact_runs(start, count), limit)


@dataclass(frozen=True)
class CycleStream:
    """``ds.repeat().batch(B)``: endless full batches that run across pass boundaries."""

    samples: int
    batch_size: int
    offset: int = 0
    positions_known: bool = True

    length = None
    drop_remainder = False
    order_random = False
    fails = None

    @property
    def batches_per_pass(self) -> int:
        return 0  # batches do not line up with passes

    def size(self, index: int) -> int:
        return self.batch_size

    def first_sample(self, index: int) -> int | None:
        if not self.positions_known:
            return None
        return self.offset + (index * self.batch_size) % self.samples

    def sample_ranges(self, index: int) -> list[tuple[int, int]]:
        """Half-open ranges of sample positions; a batch may wrap around, several times."""
        start = index * self.batch_size
        return _wrapped_ranges(start, start + self.batch_size, self.samples, self.offset)

    def pass_of(self, index: int) -> int:
        return (index * self.batch_size) // self.samples

    def samples_in(self, start: int, count: int) -> int:
        return count * self.batch_size

    def short_batches_in(self, start: int, count: int) -> int:
        return 0

    def sizes(self, start: int, count: int) -> np.ndarray:
        return np.full(count, self.batch_size, dtype=np.int64)

    def positions(self, start: int, count: int) -> np.ndarray:
        return np.arange(start, start + count, dtype=np.int64) * (self.batch_size / self.samples)

    def wraps(self, start: int, count: int) -> np.ndarray:
        """Which batches run across a pass boundary (they hold the end and the start of the data)."""
        first = (np.arange(start, start + count, dtype=np.int64) * self.batch_size) % self.samples
        return first + self.batch_size > self.samples

    def samples_before_many(self, index: np.ndarray) -> np.ndarray:
        return np.asarray(index, dtype=np.int64) * float(self.batch_size)

    def index_at_samples(self, samples: int) -> int:
        return samples // self.batch_size

    def index_at_position(self, position: float) -> int:
        return int(position * self.samples // self.batch_size)

    def compact_runs(self, start: int, count: int) -> list[list]:
        return [[self.batch_size, count]] if count else []

    def runs(self, start: int, count: int, limit: int | None = None) -> list[list[int]]:
        return [[self.batch_size, count]] if count else []


@dataclass(frozen=True)
class EndlessStream:
    """A stream with no length (a sensor, an infinite generator): full batches forever."""

    batch_size: int

    length = None
    samples = None
    drop_remainder = False
    positions_known = False
    order_random = False
    fails = None

    @property
    def batches_per_pass(self) -> int:
        return 0

    def size(self, index: int) -> int:
        return self.batch_size

    def first_sample(self, index: int) -> int | None:
        return None

    def sample_ranges(self, index: int) -> list[tuple[int, int]]:
        return []

    def pass_of(self, index: int) -> int:
        return 0

    def samples_in(self, start: int, count: int) -> int:
        return count * self.batch_size

    def short_batches_in(self, start: int, count: int) -> int:
        return 0

    def sizes(self, start: int, count: int) -> np.ndarray:
        return np.full(count, self.batch_size, dtype=np.int64)

    def positions(self, start: int, count: int) -> None:
        return None  # no length, so no passes

    def samples_before_many(self, index: np.ndarray) -> np.ndarray:
        return np.asarray(index, dtype=np.int64) * float(self.batch_size)

    def index_at_samples(self, samples: int) -> int:
        return samples // self.batch_size

    def compact_runs(self, start: int, count: int) -> list[list]:
        return [[self.batch_size, count]] if count else []

    def runs(self, start: int, count: int, limit: int | None = None) -> list[list[int]]:
        return [[self.batch_size, count]] if count else []


@dataclass(frozen=True)
class ResumedStream:
    """A new iterator over a generator Keras already read from: the peeked batches, then the rest.

    Keras' generator adapter hands every new iterator ``chain(peeked, generator)``:
    the ``peeked`` first batches of a pass again, then the shared generator from
    wherever earlier iterators (and TensorFlow's prefetching) left it,
    ``resume_at`` batches into the data.
    """

    base: PassStream
    peeked: int
    resume_at: int

    order_random = False
    fails = None

    @property
    def length(self) -> int | None:
        if self.base.loops:
            return None
        return self.peeked + max(0, self.base.batches_per_pass - self.resume_at)

    @property
    def samples(self) -> int:
        return self.base.samples

    @property
    def batch_size(self) -> int:
        return self.base.batch_size

    @property
    def drop_remainder(self) -> bool:
        return self.base.drop_remainder

    @property
    def positions_known(self) -> bool:
        return self.base.positions_known

    @property
    def batches_per_pass(self) -> int:
        return self.base.batches_per_pass

    def _base_index(self, index: int) -> int:
        return index if index < self.peeked else self.resume_at + index - self.peeked

    def _parts(self, start: int, count: int) -> list[tuple[int, int]]:
        """(base start, count) pieces of a range: the peeked part, then the resumed part."""
        parts = []
        peeked_end = min(start + count, self.peeked)
        if start < peeked_end:
            parts.append((start, peeked_end - start))
        rest_start = max(start, self.peeked)
        if start + count > rest_start:
            parts.append((self._base_index(rest_start), start + count - rest_start))
        return parts

    def size(self, index: int) -> int:
        return self.base.size(self._base_index(index))

    def first_sample(self, index: int) -> int | None:
        return self.base.first_sample(self._base_index(index))

    def sample_ranges(self, index: int) -> list[tuple[int, int]]:
        return self.base.sample_ranges(self._base_index(index))

    def pass_of(self, index: int) -> int:
        return self.base.pass_of(self._base_index(index))

    def samples_in(self, start: int, count: int) -> int:
        return sum(self.base.samples_in(first, n) for first, n in self._parts(start, count))

    def short_batches_in(self, start: int, count: int) -> int:
        return sum(self.base.short_batches_in(first, n) for first, n in self._parts(start, count))

    def _base_indices(self, start: int, count: int) -> np.ndarray:
        index = np.arange(start, start + count, dtype=np.int64)
        return np.where(index < self.peeked, index, self.resume_at + index - self.peeked)

    def sizes(self, start: int, count: int) -> np.ndarray:
        within = self._base_indices(start, count) % max(1, self.base.batches_per_pass)
        return np.where(within < self.base.full_batches, self.base.batch_size, self.base.remainder).astype(np.int64)

    def positions(self, start: int, count: int) -> np.ndarray:
        index = self._base_indices(start, count)
        per_pass = max(1, self.base.batches_per_pass)
        return index // per_pass + (index % per_pass) * self.base.batch_size / max(1, self.base.samples)

    def samples_before_many(self, index: np.ndarray) -> np.ndarray:
        index = np.asarray(index, dtype=np.int64)
        peeked = self.base.samples_before_many(np.minimum(index, self.peeked))
        later = self.base.samples_before_many(self.resume_at + np.maximum(index - self.peeked, 0))
        return peeked + later - self.base.samples_before_many(np.asarray(self.resume_at))

    def index_at_samples(self, samples: int) -> int:
        peeked = int(self.base.samples_before_many(np.asarray(self.peeked)))
        if samples < peeked:
            return self.base.index_at_samples(samples)
        skipped = int(self.base.samples_before_many(np.asarray(self.resume_at)))
        return self.peeked + self.base.index_at_samples(samples - peeked + skipped) - self.resume_at

    def compact_runs(self, start: int, count: int) -> list[list]:
        out: list[list] = []
        for first, n in self._parts(start, count):
            for run in self.base.compact_runs(first, n):
                if isinstance(run[0], list):
                    _append_group(out, run[0], run[1])
                else:
                    _append_run(out, run[0], run[1])
        return out

    def runs(self, start: int, count: int, limit: int | None = None) -> list[list[int]]:
        return expand_runs(self.compact_runs(start, count), limit)


@dataclass(frozen=True)
class PipelineStream:
    """The batches a ``tf.data`` pipeline yields (core.data.steps), answered from its structured sequences.

    Batches need not line up with passes over the data (a filter, a shard, a take), so there
    are no passes here: ``batches_per_pass`` is 0 and views draw steps or samples.
    """

    batches: Batches
    # Views size a batch against this (a full batch); the pipeline's last batching step.
    batch_size: int = 0

    samples = None
    drop_remainder = False
    batches_per_pass = 0

    @property
    def length(self) -> int | None:
        return self.batches.length

    @property
    def fails(self) -> str | None:
        """Reading past the last batch raises this (an assert_cardinality that does not hold), instead of ending."""
        return self.batches.fails

    @property
    def positions_known(self) -> bool:
        return self.batches.positions_known

    @property
    def order_random(self) -> bool:
        return self.batches.order_random

    def _slice(self, start: int, count: int) -> Seq:
        return self.batches.sizes.skip(start).take(count)

    def size(self, index: int) -> int:
        return self.batches.sizes.value(index)

    def first_sample(self, index: int) -> int | None:
        if not self.positions_known:
            return None
        return self.batches.elements.value(self.batches.firsts.value(index))

    def sample_ranges(self, index: int) -> list[tuple[int, int]]:
        if not self.positions_known:
            return []
        return self.batches.elements.ranges(self.batches.firsts.value(index), self.size(index), 4)

    def pass_of(self, index: int) -> int:
        return 0

    def samples_in(self, start: int, count: int) -> int:
        sizes = self.batches.sizes
        return sizes.prefix(start + count) - sizes.prefix(start)

    def short_batches_in(self, start: int, count: int) -> int:
        if count <= 0:
            return 0
        return sum(n for size, n in self._slice(start, count).histogram().items() if size < self.batch_size)

    def histogram(self, start: int, count: int) -> dict[int, int]:
        return self._slice(start, count).histogram() if count > 0 else {}

    def sizes(self, start: int, count: int) -> np.ndarray:
        if count <= 0:
            return np.zeros(0, dtype=np.int64)
        runs = expand_runs(self.compact_runs(start, count), count)
        values = np.array([size for size, _n in runs], dtype=np.int64)
        counts = np.minimum(np.array([n for _size, n in runs], dtype=np.int64), count)
        return np.repeat(values, counts)[:count]

    def positions(self, start: int, count: int) -> None:
        return None  # no passes

    def samples_before_many(self, index: np.ndarray) -> np.ndarray:
        index = np.asarray(index, dtype=np.int64)
        prefix = self.batches.sizes.prefix
        return np.array([float(prefix(int(i))) for i in index.ravel()], dtype=float).reshape(index.shape)

    def index_at_samples(self, samples: int) -> int:
        sizes = self.batches.sizes
        if sizes.length is not None:
            total = sizes.total()
            if total == 0:
                return 0
            if samples >= total:
                return sizes.length - 1
        return sizes.locate(max(0, samples))[0]

    def compact_runs(self, start: int, count: int) -> list[list]:
        return self._slice(start, count).runs() if count > 0 else []

    def runs(self, start: int, count: int, limit: int | None = None) -> list[list[int]]:
        return expand_runs(self.compact_runs(start, count), limit)


Stream = PassStream | CycleStream | EndlessStream | ResumedStream | PipelineStream


def expand_runs(runs: list[list], limit: int | None = None) -> list[list[int]]:
    """Plan JSON runs with their groups written out as plain ``[size, count]`` runs.

    With ``limit``, stops once that many runs are out (a few more may follow, never
    all of a long group), so the cost follows ``limit``, not the number of batches.
    """
    out: list[list[int]] = []
    for run in runs:
        if limit is not None and len(out) > limit:
            break
        if isinstance(run[0], list):
            inner, repeats = expand_runs(run[0]), run[1]
            if not inner or not repeats:
                continue
            if len(inner) == 1:  # the repetitions merge into one run
                _append_run(out, inner[0][0], inner[0][1] * repeats)
                continue
            for _ in range(repeats):
                for size, n in inner:
                    _append_run(out, size, n)
                if limit is not None and len(out) > limit:
                    break
        else:
            _append_run(out, run[0], run[1])
    return out


def _append_group(runs: list[list], inner: list[list[int]], count: int) -> None:
    """Append a group, taking in a copy of its runs just before it (the peeked pass a generator replays)."""
    while len(runs) >= len(inner) and runs[len(runs) - len(inner) :] == inner:
        del runs[len(runs) - len(inner) :]
        count += 1
    runs.append([inner, count])


def _append_run(runs: list[list[int]], size: int, count: int) -> None:
    if runs and not isinstance(runs[-1][0], list) and runs[-1][0] == size:
        runs[-1][1] += count
    else:
        runs.append([size, count])


def _count_congruent(lo: int, hi: int, residue: int, modulus: int) -> int:
    """How many integers in [lo, hi) are congruent to residue modulo modulus."""

    def upto(n: int) -> int:  # integers in [0, n) with that residue
        return (n - residue + modulus - 1) // modulus if n > residue else 0

    return upto(hi) - upto(lo)


def _wrapped_ranges(start: int, end: int, period: int, offset: int) -> list[tuple[int, int]]:
    """Positions [start, end) folded onto [0, period): at most one range per period crossed."""
    if end - start >= period:
        # Covers every position at least once; report the real pieces but cap the list.
        pieces = []
        position = start
        while position < end and len(pieces) < 4:
            folded = position % period
            take = min(period - folded, end - position)
            pieces.append((offset + folded, offset + folded + take))
            position += take
        return pieces
    folded = start % period
    if folded + (end - start) <= period:
        return [(offset + folded, offset + folded + end - start)]
    first = period - folded
    return [(offset + folded, offset + period), (offset, offset + (end - start) - first)]
