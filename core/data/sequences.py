"""Integer sequences kept as structure, so a billion items cost a few objects.

A pipeline's samples, its batches' sizes and where each batch starts are all sequences
of integers built from a handful of shapes: an arithmetic run (``0, 1, 2, ...`` or
``32, 32, 32, ...``), a concatenation, a repetition (n times or forever) and, where no
shape fits, a lazy look-up through another sequence. Every question the planner asks
(item i, the first n items, every k-th item, the sum of the first i items, which item
holds the s-th unit of that sum) is index arithmetic on the structure, never a walk
over the items.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from functools import cached_property

from core.scenario import MAX_STRIDE

# every(k) over a repetition unrolls k / gcd(k, length) passes (their phases differ); the scenario
# reader bounds k (shard's num_shards, filter's keep_every) by this, so the structure stays small.
MAX_UNROLLED_PASSES = MAX_STRIDE


class TooComplex(Exception):
    """The pipeline's shape cannot be kept small (a shard or filter whose phase takes too many passes to repeat)."""


class Seq:
    """An integer sequence; ``length`` None means it never ends."""

    length: int | None

    def value(self, index: int) -> int:
        raise NotImplementedError

    def take(self, count: int) -> Seq:
        if self.length is not None and count >= self.length:
            return self
        return Gather(self, Run(0, 1, count))

    def skip(self, count: int) -> Seq:
        if count == 0:
            return self
        if self.length is not None:
            return Gather(self, Run(count, 1, max(0, self.length - count)))
        return Gather(self, Run(count, 1, None))

    def every(self, step: int, phase: int = 0) -> Seq:
        """Items phase, phase + step, phase + 2 * step, ... (``shard``, and ``filter`` as the format defines it)."""
        return Gather(self, Run(phase, step, _every_count(self.length, step, phase)))

    def repeat(self, times: int | None) -> Seq:
        return repeat(self, times)

    # Sums, for sequences of batch sizes.
    def total(self) -> int:
        return self.prefix(_finite(self.length))

    def prefix(self, count: int) -> int:
        raise NotImplementedError

    def locate(self, units: int) -> tuple[int, int]:
        """(i, prefix(i)) for the item holding unit ``units`` (0-based) of the running sum."""
        raise NotImplementedError

    def runs(self) -> list[list]:
        """The items as plan-JSON runs ``[value, count]`` and groups ``[[runs], count]`` (finite, constant runs only)."""
        raise NotImplementedError

    def histogram(self) -> dict[int, int]:
        """How many items have each value (finite)."""
        counts: dict[int, int] = {}
        _histogram(self.runs(), 1, counts)
        return counts

    def ranges(self, start: int, count: int, limit: int) -> list[tuple[int, int]]:
        """Items [start, start + count) as half-open ranges of consecutive values, at most ``limit`` of them."""
        out: list[tuple[int, int]] = []
        for index in range(start, start + min(count, limit * 4)):
            item = self.value(index)
            if out and out[-1][1] == item:
                out[-1] = (out[-1][0], item + 1)
            elif len(out) < limit:
                out.append((item, item + 1))
            else:
                break
        return out


def _every_count(length: int | None, step: int, phase: int) -> int | None:
    if length is None:
        return None
    return max(0, -(-(length - phase) // step))


def _finite(length: int | None) -> int:
    if length is None:
        raise ValueError("an endless sequence has no total")
    return length


def _histogram(runs: list[list], times: int, counts: dict[int, int]) -> None:
    for run in runs:
        if isinstance(run[0], list):
            _histogram(run[0], times * run[1], counts)
        elif run[1]:
            counts[run[0]] = counts.get(run[0], 0) + run[1] * times


def append_run(runs: list[list], value: int, count: int) -> None:
    if count <= 0:
        return
    if runs and not isinstance(runs[-1][0], list) and runs[-1][0] == value:
        runs[-1][1] += count
    else:
        runs.append([value, count])


@dataclass(frozen=True, eq=False)
class Run(Seq):
    """start, start + step, ..., ``count`` items (None: forever)."""

    start: int
    step: int
    count: int | None

    @property
    def length(self) -> int | None:  # type: ignore[override]
        return self.count

    def value(self, index: int) -> int:
        return self.start + self.step * index

    def take(self, count: int) -> Seq:
        return Run(self.start, self.step, count if self.count is None else min(count, self.count))

    def skip(self, count: int) -> Seq:
        remaining = None if self.count is None else max(0, self.count - count)
        return Run(self.start + self.step * count, self.step, remaining)

    def every(self, step: int, phase: int = 0) -> Seq:
        return Run(self.start + self.step * phase, self.step * step, _every_count(self.count, step, phase))

    def prefix(self, count: int) -> int:
        return count * self.start + self.step * count * (count - 1) // 2

    def locate(self, units: int) -> tuple[int, int]:
        assert self.step == 0 and self.start > 0, "only runs of one size are located"
        index = units // self.start
        return index, index * self.start

    def runs(self) -> list[list]:
        assert self.step == 0 or self.count in (0, 1), "only runs of one size are written as runs"
        return [[self.start, self.count]] if self.count else []

    def ranges(self, start: int, count: int, limit: int) -> list[tuple[int, int]]:
        if self.step == 1 and count > 0:
            first = self.value(start)
            return [(first, first + count)]
        return super().ranges(start, count, limit)


@dataclass(frozen=True, eq=False)
class Concat(Seq):
    """The parts one after another; only the last may be endless."""

    parts: tuple[Seq, ...]

    @cached_property
    def _starts(self) -> list[int]:
        starts = [0]
        for part in self.parts[:-1]:
            starts.append(starts[-1] + _finite(part.length))
        return starts

    @cached_property
    def _sums(self) -> list[int]:
        sums = [0]
        for part in self.parts[:-1]:
            sums.append(sums[-1] + part.total())
        return sums

    @property
    def length(self) -> int | None:  # type: ignore[override]
        last = self.parts[-1].length if self.parts else 0
        return None if last is None else self._starts[-1] + last if self.parts else 0

    def _part_at(self, index: int) -> int:
        return bisect.bisect_right(self._starts, index) - 1

    def value(self, index: int) -> int:
        part = self._part_at(index)
        return self.parts[part].value(index - self._starts[part])

    def take(self, count: int) -> Seq:
        if self.length is not None and count >= self.length:
            return self
        part = self._part_at(count)
        return concat([*self.parts[:part], self.parts[part].take(count - self._starts[part])])

    def skip(self, count: int) -> Seq:
        if count == 0:
            return self
        if self.length is not None and count >= self.length:
            return Run(0, 0, 0)
        part = self._part_at(count)
        return concat([self.parts[part].skip(count - self._starts[part]), *self.parts[part + 1 :]])

    def every(self, step: int, phase: int = 0) -> Seq:
        kept: list[Seq] = []
        for part in self.parts:
            length = part.length
            if length is None:
                kept.append(part.every(step, phase))
                break
            if phase < length:
                chosen = part.every(step, phase)
                kept.append(chosen)
                phase += _finite(chosen.length) * step - length
            else:
                phase -= length
        return concat(kept)

    def prefix(self, count: int) -> int:
        if count <= 0:
            return 0
        part = self._part_at(count - 1)
        return self._sums[part] + self.parts[part].prefix(count - self._starts[part])

    def locate(self, units: int) -> tuple[int, int]:
        part = bisect.bisect_right(self._sums, units) - 1  # every part holds items of size >= 1
        index, before = self.parts[part].locate(units - self._sums[part])
        return self._starts[part] + index, self._sums[part] + before

    def runs(self) -> list[list]:
        out: list[list] = []
        for part in self.parts:
            for run in part.runs():
                if isinstance(run[0], list):
                    out.append(run)
                else:
                    append_run(out, run[0], run[1])
        return out

    def ranges(self, start: int, count: int, limit: int) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        index, end = start, start + count
        while index < end and len(out) < limit:
            part = self._part_at(index)
            local = index - self._starts[part]
            length = self.parts[part].length
            take = end - index if length is None else min(end - index, length - local)
            for piece in self.parts[part].ranges(local, take, limit - len(out)):
                if out and out[-1][1] == piece[0]:
                    out[-1] = (out[-1][0], piece[1])
                else:
                    out.append(piece)
            index += take
        return out[:limit]


@dataclass(frozen=True, eq=False)
class Repeat(Seq):
    """``part`` again and again, ``times`` times (None: forever)."""

    part: Seq
    times: int | None

    @property
    def length(self) -> int | None:  # type: ignore[override]
        inner = _finite(self.part.length)
        if inner == 0:
            return 0  # tf.data: repeating nothing yields nothing, even forever
        return None if self.times is None else inner * self.times

    def value(self, index: int) -> int:
        return self.part.value(index % _finite(self.part.length))

    def take(self, count: int) -> Seq:
        if self.length is not None and count >= self.length:
            return self
        passes, rest = divmod(count, _finite(self.part.length))
        return concat([repeat(self.part, passes), self.part.take(rest)])

    def skip(self, count: int) -> Seq:
        if count == 0:
            return self
        inner = _finite(self.part.length)
        if self.length is not None and count >= self.length:
            return Run(0, 0, 0)
        passes, rest = divmod(count, inner)
        left = None if self.times is None else self.times - passes
        if rest == 0:
            return repeat(self.part, left)
        return concat([self.part.skip(rest), repeat(self.part, None if left is None else left - 1)])

    def every(self, step: int, phase: int = 0) -> Seq:
        inner = _finite(self.part.length)
        if inner == 0:
            return Run(0, 0, 0)
        if self.times is not None and phase >= self.length:  # type: ignore[operator]
            return Run(0, 0, 0)
        if phase >= inner:  # whole passes before the first item chosen
            passes = phase // inner
            return repeat(self.part, None if self.times is None else self.times - passes).every(step, phase - passes * inner)
        # The passes' phases repeat after step / gcd(step, inner) passes: unroll that many once.
        period = step // math.gcd(step, inner)
        if period > MAX_UNROLLED_PASSES:
            raise TooComplex(
                f"every {step:,}-th element of a repeated pass of {inner:,} only lines up again after {period:,} passes"
            )
        block = concat([self.part] * period)
        chosen = block.every(step, phase)
        if self.times is None:
            return repeat(chosen, None)
        blocks, tail = divmod(self.times, period)
        parts = [repeat(chosen, blocks)]
        if tail:
            parts.append(concat([self.part] * tail).every(step, phase))
        return concat(parts)

    def prefix(self, count: int) -> int:
        passes, rest = divmod(count, _finite(self.part.length))
        return passes * self.part.total() + self.part.prefix(rest)

    def locate(self, units: int) -> tuple[int, int]:
        per_pass = self.part.total()
        passes, rest = divmod(units, per_pass)
        index, before = self.part.locate(rest)
        return passes * _finite(self.part.length) + index, passes * per_pass + before

    def runs(self) -> list[list]:
        inner = self.part.runs()
        times = _finite(self.times)
        if not inner or not times:
            return []
        if len(inner) == 1 and not isinstance(inner[0][0], list):
            return [[inner[0][0], inner[0][1] * times]]
        return [[inner, times]] if times > 1 else inner

    def ranges(self, start: int, count: int, limit: int) -> list[tuple[int, int]]:
        inner = _finite(self.part.length)
        out: list[tuple[int, int]] = []
        index, end = start, start + count
        while index < end and len(out) < limit:
            local = index % inner
            take = min(end - index, inner - local)
            out.extend(self.part.ranges(local, take, limit - len(out)))
            index += take
        return out[:limit]


@dataclass(frozen=True, eq=False)
class Gather(Seq):
    """``base`` read at the positions ``index`` gives: the shape of last resort, for look-ups only."""

    base: Seq
    index: Seq

    @property
    def length(self) -> int | None:  # type: ignore[override]
        return self.index.length

    def value(self, index: int) -> int:
        return self.base.value(self.index.value(index))

    def take(self, count: int) -> Seq:
        return Gather(self.base, self.index.take(count))

    def skip(self, count: int) -> Seq:
        return Gather(self.base, self.index.skip(count))

    def every(self, step: int, phase: int = 0) -> Seq:
        return Gather(self.base, self.index.every(step, phase))


def concat(parts: list[Seq]) -> Seq:
    """The parts one after another, empty ones left out, nested concatenations flattened."""
    flat: list[Seq] = []
    for part in parts:
        if part.length == 0:
            continue
        if isinstance(part, Concat):
            flat.extend(part.parts)
        else:
            flat.append(part)
        if part.length is None:
            break
    if not flat:
        return Run(0, 0, 0)
    if len(flat) == 1:
        return flat[0]
    return Concat(tuple(flat))


def repeat(part: Seq, times: int | None) -> Seq:
    if times == 1 or (part.length is None and times != 0):
        return part
    if times == 0 or part.length == 0:
        return Run(0, 0, 0)
    if isinstance(part, Run) and part.step == 0 and part.count is not None:
        return Run(part.start, 0, None if times is None else part.count * times)
    return Repeat(part, times)


def constant(value: int, count: int | None) -> Seq:
    return Run(value, 0, count)
