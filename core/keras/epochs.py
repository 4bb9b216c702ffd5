"""A plan's epochs as a few rules instead of one object per epoch.

Training epochs come in pieces: a handful of explicit epochs, and runs of epochs
that each take the next ``step`` batches of the same iterator (``step`` = 0: every
epoch starts afresh and reads the same batches). After a prefix the pieces may
repeat as a cycle (Keras back in a state it was in before). Validation restarts
at every run, so it never depends on training: it is laid over the training
epochs by ``validation_freq``, with the first run kept apart from the later ones
(a one-shot generator only replays its peeked batches after the first).

Any epoch is computed on demand in O(log pieces); totals are closed form.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import overload

from core.data.streams import CycleStream, PassStream, ResumedStream, Stream
from core.plan import EpochPlan, Segment
from core.scenario import validates_after


@dataclass(frozen=True)
class TrainEpoch:
    segment: Segment
    ran_out: bool


@dataclass(frozen=True)
class ExplicitPiece:
    epochs: tuple[TrainEpoch, ...]

    def __len__(self) -> int:
        return len(self.epochs)

    def epoch(self, index: int) -> TrainEpoch:
        return self.epochs[index]

    def segments(self, count: int) -> list[Segment]:
        return [epoch.segment for epoch in self.epochs[:count]]

    def steps(self, count: int) -> int:
        return sum(epoch.segment.count for epoch in self.epochs[:count])

    def samples(self, count: int) -> int:
        return sum(epoch.segment.samples for epoch in self.epochs[:count])


@dataclass(frozen=True)
class AdvancingPiece:
    """``length`` epochs of ``per_epoch`` batches; epoch k starts at ``start + k * step``."""

    stream: Stream
    start: int
    step: int
    per_epoch: int
    length: int

    def __len__(self) -> int:
        return self.length

    def epoch(self, index: int) -> TrainEpoch:
        return TrainEpoch(Segment(self.stream, self.start + index * self.step, self.per_epoch), False)

    def segments(self, count: int) -> list[Segment]:
        if self.step == 0 or count <= 1:
            return [Segment(self.stream, self.start, self.per_epoch)] if count else []
        # Consecutive epochs tile the stream: one segment spans them all.
        return [Segment(self.stream, self.start, (count - 1) * self.step + self.per_epoch)]

    def steps(self, count: int) -> int:
        return count * self.per_epoch

    def samples(self, count: int) -> int:
        if self.step == 0:
            return count * self.stream.samples_in(self.start, self.per_epoch)
        return sum(segment.samples for segment in self.segments(count))


Piece = ExplicitPiece | AdvancingPiece


@dataclass(frozen=True)
class ValidationRun:
    segment: Segment  # when endless: where it starts, with no batches counted
    ran_out: bool
    endless: bool = False
    read_past: bool = False  # it asked for a batch past the last one


@dataclass(frozen=True)
class ValidationRunPiece:
    """``count`` validation runs that read the same batch sizes.

    ``run`` is the first of them; with ``advance``, run j reads a resumed
    generator (or the one iterator all runs share) ``advance * j`` batches further
    on (same sizes, other samples).
    """

    run: ValidationRun
    count: int = 1
    advance: int = 0

    def at(self, index: int) -> ValidationRun:
        if not self.advance or index == 0:
            return self.run
        segment = self.run.segment
        stream = segment.stream
        if isinstance(stream, ResumedStream):
            moved = replace(stream, resume_at=stream.resume_at + index * self.advance)
            return ValidationRun(replace(segment, stream=moved), self.run.ran_out, self.run.endless)
        # One iterator read on from run to run (tf.keras 2's shared generator): the window moves along it.
        return ValidationRun(replace(segment, start=segment.start + index * self.advance), self.run.ran_out, self.run.endless)


@dataclass(frozen=True)
class ValidationSchedule:
    """After which epochs validation runs: Keras' ``_should_eval`` on absolute epoch numbers.

    Epochs are indexed from 0 within this fit; epoch index i is Keras' epoch
    ``initial_epoch + i + 1`` (counted from 1), which is what ``validation_freq`` counts.
    """

    freq: int | tuple[int, ...]
    initial_epoch: int = 0

    @cached_property
    def _listed(self) -> list[int]:
        """A list freq's epoch numbers past initial_epoch, sorted, each once."""
        assert isinstance(self.freq, tuple)
        return sorted({number for number in self.freq if number > self.initial_epoch})

    def validates(self, index: int) -> bool:
        return validates_after(self.freq, self.initial_epoch + index + 1)

    def runs_before(self, index: int) -> int:
        """Validation runs after the epochs [0, index)."""
        last = self.initial_epoch + index
        if isinstance(self.freq, tuple):
            return bisect.bisect_right(self._listed, last)
        return max(0, last // self.freq - self.initial_epoch // self.freq)

    def index_of_run(self, run: int) -> int | None:
        """The epoch index after which the run with this 0-based number comes; None: never."""
        if isinstance(self.freq, tuple):
            return self._listed[run] - self.initial_epoch - 1 if run < len(self._listed) else None
        return (self.initial_epoch // self.freq + 1 + run) * self.freq - self.initial_epoch - 1


@dataclass(frozen=True)
class ValidationRule:
    """Validation after the epochs the schedule names: the r-th run, run-length encoded.

    Runs differ only when validation reads a Python generator, whose state carries
    from one run to the next; otherwise there is one piece for the first run and
    one, repeated forever, for the rest.
    """

    schedule: ValidationSchedule
    prefix: tuple[ValidationRunPiece, ...]
    cycle: tuple[ValidationRunPiece, ...]  # repeated after the prefix; never empty

    @property
    def freq(self) -> int | tuple[int, ...]:
        return self.schedule.freq

    def epoch_number_of_run(self, number: int) -> int:
        """The absolute 1-based epoch after which the run with this 0-based number comes."""
        index = self.schedule.index_of_run(number)
        assert index is not None
        return self.schedule.initial_epoch + index + 1

    def run(self, number: int) -> ValidationRun:
        """The run with this 0-based number."""
        for piece in self.prefix:
            if number < piece.count:
                return piece.at(number)
            number -= piece.count
        number %= sum(piece.count for piece in self.cycle)
        for piece in self.cycle:
            if number < piece.count:
                return piece.at(number)
            number -= piece.count
        raise AssertionError("unreachable: the cycle covers every run")

    def run_after(self, index: int) -> ValidationRun | None:
        if not self.schedule.validates(index):
            return None
        run = self.run(self.schedule.runs_before(index))
        assert not run.endless, "an endless validation run ends the plan before it"
        return run

    def runs_within(self, epochs: int) -> int:
        return self.schedule.runs_before(epochs)

    def _pieces(self, runs: int) -> Iterator[tuple[int, ValidationRunPiece, int]]:
        """(first run number, piece, runs of it used) for the first ``runs`` runs; cycles summed up by the caller."""
        first = 0
        for piece in self.prefix:
            used = min(piece.count, runs - first)
            if used <= 0:
                return
            yield first, piece, used
            first += used

    def first_endless_run(self) -> int | None:
        """Number of the first run that never ends, or None."""
        first = 0
        for piece in self.prefix + self.cycle:
            if piece.run.endless:
                return first
            first += piece.count
        return None

    def _cycle_totals(self, runs: int, measure: Callable[[ValidationRunPiece, int], int]) -> int:
        prefix_runs = sum(piece.count for piece in self.prefix)
        total = sum(measure(piece, used) for _first, piece, used in self._pieces(runs))
        if runs <= prefix_runs:
            return total
        cycle_runs = sum(piece.count for piece in self.cycle)
        repeats, partial = divmod(runs - prefix_runs, cycle_runs)
        total += repeats * sum(measure(piece, piece.count) for piece in self.cycle)
        for piece in self.cycle:
            used = min(piece.count, partial)
            if used <= 0:
                break
            total += measure(piece, used)
            partial -= used
        return total

    def steps(self, runs: int) -> int:
        return self._cycle_totals(runs, lambda piece, used: used * piece.run.segment.count)

    def ran_out_runs(self, runs: int, limit: int, batches: int | None = None) -> tuple[list[int], int]:
        """(first ``limit`` run numbers that ran out, how many of the first ``runs`` did).

        With ``batches``, only the runs that ran out after that many batches count
        (every run of a piece reads the same sizes, so this stays closed form).
        """

        def matches(piece: ValidationRunPiece) -> bool:
            return piece.run.ran_out and (batches is None or piece.run.segment.count == batches)

        total = self._cycle_totals(runs, lambda piece, used: used if matches(piece) else 0)
        found: list[int] = []
        first = 0
        for piece in itertools.chain(self.prefix, itertools.cycle(self.cycle)):
            if first >= runs or len(found) >= min(limit, total):
                break
            used = min(piece.count, runs - first)
            if matches(piece):
                found.extend(range(first, first + min(used, limit - len(found))))
            first += used
        return found, total


class EpochSequence(Sequence[EpochPlan]):
    """Immutable, lazily computed list of EpochPlan: prefix pieces, then cycle pieces repeated."""

    def __init__(
        self,
        prefix: tuple[Piece, ...],
        cycle: tuple[Piece, ...],
        length: int,
        validation: ValidationRule | None,
        initial_epoch: int = 0,
        accumulation: int | None = None,
        replicas: int = 1,
    ):
        self._prefix = prefix
        self._cycle = cycle
        self._length = length
        self._validation = validation
        # Epoch index i is Keras' epoch initial_epoch + i + 1.
        self.initial_epoch = initial_epoch
        # gradient_accumulation_steps: weights change after every accumulation-th batch of the fit.
        self.accumulation = accumulation
        # MirroredStrategy: each global batch is split across this many replicas.
        self.replicas = replicas
        self._prefix_starts = _starts(prefix)
        self._cycle_starts = _starts(cycle)
        self._prefix_length = self._prefix_starts[-1]
        self._cycle_length = self._cycle_starts[-1]

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> EpochPlan: ...

    @overload
    def __getitem__(self, index: slice) -> list[EpochPlan]: ...

    def __getitem__(self, index: int | slice) -> EpochPlan | list[EpochPlan]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("epoch index out of range")
        train = self.train_epoch(index)
        val = self._validation.run_after(index) if self._validation else None
        return EpochPlan(
            train=train.segment,
            ran_out=train.ran_out,
            val=val.segment if val else None,
            val_ran_out=val.ran_out if val else False,
            number=self.initial_epoch + index + 1,
            train_order="random" if train.segment.stream.order_random else "fixed",
            batches_before=self.steps_before(index) if self.accumulation else 0,
            accumulation=self.accumulation,
            replicas=self.replicas,
        )

    def steps_before(self, index: int) -> int:
        """Training batches in the epochs before this one (for gradient accumulation), in closed form."""
        return self.truncated(index).train_steps()

    def truncated(self, length: int) -> EpochSequence:
        """The first ``length`` epochs."""
        return EpochSequence(
            self._prefix,
            self._cycle,
            min(length, self._length),
            self._validation,
            self.initial_epoch,
            self.accumulation,
            self.replicas,
        )

    def __iter__(self) -> Iterator[EpochPlan]:
        for index in range(self._length):
            yield self[index]

    def train_epoch(self, index: int) -> TrainEpoch:
        if index < self._prefix_length:
            return _locate(self._prefix, self._prefix_starts, index)
        within = (index - self._prefix_length) % self._cycle_length
        return _locate(self._cycle, self._cycle_starts, within)

    # ------------------------------------------------------------ closed-form questions

    def _blocks(self) -> Iterator[tuple[int, Piece, int]]:
        """(first epoch index, piece, epochs of it used), in order, each distinct block once.

        Cycle repetitions after the first add nothing new, so they are not listed;
        the last, partial repetition is a subset of the first.
        """
        first = 0
        for piece in itertools.chain(self._prefix, self._cycle):
            used = min(len(piece), self._length - first)
            if used <= 0:
                return
            yield first, piece, used
            first += used

    def _repeat_counts(self) -> tuple[int, int]:
        """(full cycle repetitions, epochs of the final partial one) after the prefix."""
        if not self._cycle_length or self._length <= self._prefix_length:
            return 0, 0
        return divmod(self._length - self._prefix_length, self._cycle_length)

    def _sum(self, measure: Callable[[Piece, int], int]) -> int:
        total = sum(measure(piece, min(len(piece), self._length - first)) for first, piece in _prefix_blocks(self))
        repeats, partial = self._repeat_counts()
        if repeats or partial:
            cycle_total = sum(measure(piece, len(piece)) for piece in self._cycle)
            total += repeats * cycle_total
            left = partial
            for piece in self._cycle:
                used = min(len(piece), left)
                if used <= 0:
                    break
                total += measure(piece, used)
                left -= used
        return total

    def train_steps(self) -> int:
        return self._sum(lambda piece, used: piece.steps(used))

    def train_samples(self) -> int:
        return self._sum(lambda piece, used: piece.samples(used))

    def validation_steps(self) -> int:
        if not self._validation or not self._length:
            return 0
        return self._validation.steps(self._validation.runs_within(self._length))

    @property
    def validation(self) -> ValidationRule | None:
        return self._validation

    def train_segments(self) -> list[Segment]:
        """Segments covering every training batch position that is ever read (for coverage)."""
        segments: list[Segment] = []
        for _first, piece, used in self._blocks():
            segments.extend(piece.segments(used))
        return segments

    def find(self, predicate: Callable[[TrainEpoch], bool], limit: int, stop: int | None = None) -> tuple[list[int], int]:
        """(first ``limit`` epoch indices whose training part matches, how many match in all).

        With ``stop``, only epochs before index ``stop`` count.

        The predicate may look at an epoch's counts, flags, stream and whether it
        starts at the stream's first batch; within an advancing piece those are the
        same for every epoch but possibly the first.
        """
        if stop is not None and stop < self._length:
            return self.truncated(max(0, stop)).find(predicate, limit)
        found: list[int] = []
        total, first = 0, 0
        for piece in self._prefix:
            used = min(len(piece), self._length - first)
            if used <= 0:
                break
            hits = _hits(piece, used, predicate)
            total += len(hits)
            found.extend(first + i for i in hits[: max(0, limit - len(found))])
            first += used
        repeats, partial = self._repeat_counts()
        if not (repeats or partial):
            return found, total
        cycle_hits: list[tuple[int, Sequence[int]]] = []
        offset = 0
        for piece in self._cycle:
            cycle_hits.append((offset, _hits(piece, len(piece), predicate)))
            offset += len(piece)
        total += repeats * sum(len(hits) for _offset, hits in cycle_hits)
        total += sum(_count_below(hits, partial - offset) for offset, hits in cycle_hits)
        if not any(hits for _offset, hits in cycle_hits):
            return found, total
        repetition = 0
        while len(found) < limit and repetition <= repeats:
            base = first + repetition * self._cycle_length
            for offset, hits in cycle_hits:
                for i in hits[: max(0, limit - len(found))]:
                    if base + offset + i < self._length:
                        found.append(base + offset + i)
            repetition += 1
        return found, total


def _hits(piece: Piece, used: int, predicate: Callable[[TrainEpoch], bool]) -> Sequence[int]:
    """Indices among a piece's first ``used`` epochs that match (a range for long runs)."""
    if isinstance(piece, ExplicitPiece):
        return [i for i in range(used) if predicate(piece.epochs[i])]
    head = predicate(piece.epoch(0))
    if used > 1 and predicate(piece.epoch(1)):
        return range(0 if head else 1, used)
    return [0] if head else []


def _count_below(hits: Sequence[int], bound: int) -> int:
    if isinstance(hits, range):
        return len(range(hits.start, max(hits.start, min(hits.stop, bound))))
    return sum(1 for i in hits if i < bound)


def _prefix_blocks(sequence: EpochSequence) -> Iterator[tuple[int, Piece]]:
    first = 0
    for piece in sequence._prefix:
        if first >= sequence._length:
            return
        yield first, piece
        first += len(piece)


def _starts(pieces: tuple[Piece, ...]) -> list[int]:
    starts = [0]
    for piece in pieces:
        starts.append(starts[-1] + len(piece))
    return starts


def _locate(pieces: tuple[Piece, ...], starts: list[int], index: int) -> TrainEpoch:
    position = bisect.bisect_right(starts, index) - 1
    return pieces[position].epoch(index - starts[position])


def covered_samples(segments: list[Segment], train_samples: int) -> int:
    """Distinct training samples held by at least one of these segments (union of intervals)."""
    intervals: list[tuple[int, int]] = []
    for segment in segments:
        if segment.count == 0:
            continue
        stream = segment.stream
        if isinstance(stream, PassStream):
            per_pass = stream.batches_per_pass
            if segment.count >= per_pass:
                return stream.samples_per_pass
            first = segment.start % per_pass
            last = first + segment.count  # batch indices [first, last), may wrap once
            for lo, hi in ((first, min(last, per_pass)), (0, max(0, last - per_pass))):
                if hi > lo:
                    intervals.append((lo * stream.batch_size, min(hi * stream.batch_size, stream.samples_per_pass)))
        elif isinstance(stream, CycleStream):
            start = segment.start * stream.batch_size
            end = start + segment.count * stream.batch_size
            if end - start >= train_samples:
                return train_samples
            lo = start % train_samples
            hi = lo + (end - start)
            intervals.append((lo, min(hi, train_samples)))
            if hi > train_samples:
                intervals.append((0, hi - train_samples))
    covered, reach = 0, 0
    for lo, hi in sorted(intervals):
        lo = max(lo, reach)
        if hi > lo:
            covered += hi - lo
            reach = hi
    return covered
