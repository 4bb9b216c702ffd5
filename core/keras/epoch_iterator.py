"""Keras' EpochIterator (keras/src/trainers/epoch_iterator.py), one call per epoch instead of per batch."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from core.data.sources import Source
from core.data.streams import Stream
from core.keras.epochs import ValidationRun
from core.plan import Segment


@dataclass(frozen=True)
class RunResult:
    segment: Segment  # when endless: where it starts, with no batches counted
    ran_out: bool
    endless: bool = False
    # It asked for a batch past the last one (the data ran out inside the run): a pipeline
    # whose end raises (assert_cardinality) stops fit there.
    read_past: bool = False
    # tf.keras 2: running out ends the whole fit after this epoch (its validation still runs).
    ends_fit: bool = False
    # Keras raises here instead (tf.keras 2's "Empty logs"): what it says and what to change.
    failure: str | None = None


class EpochIterator:
    """keras.src.trainers.epoch_iterator.EpochIterator, one call per epoch instead of per batch."""

    def __init__(self, source: Source, steps_per_epoch: int | None, steps_per_execution: int):
        self.source = source
        self.steps_per_epoch = steps_per_epoch
        self.steps_per_execution = steps_per_execution
        self.iterators_made = 0
        self.reset()

    def reset(self) -> None:
        self.num_batches = self.source.known_length
        self.current: tuple[Stream, int] | None = None  # the live iterator: its stream, batches taken
        self.steps_seen = 0

    def state(self) -> tuple:
        """Everything the next run depends on; equal states give equal futures."""
        return (self.current, self.steps_seen, self.num_batches, self.iterators_made > 0)

    def _new_iterator(self) -> tuple[Stream, int]:
        stream = self.source.stream(self.iterators_made)
        self.iterators_made += 1
        return (stream, 0)

    def batch_read_to_build(self) -> Segment | None:
        """The batch ``_symbolic_build`` / ``_maybe_symbolic_build`` reads before a loop, from where the iterator stands.

        It takes the first step of ``_enumerate_iterator`` (a kept iterator goes on; otherwise a new one) and
        calls ``next()`` once, outside ``catch_stop_iteration``; the loop after it resets. A segment of 1: that
        batch; of 0: there is none (the read raises); None: nothing is read (the kept iterator reached the
        known length, so the step breaks first).
        """
        planned = self.steps_per_epoch or self.num_batches or -1
        if planned > 0 and self.current is not None and self.steps_per_epoch is not None:
            if self.num_batches and self.steps_seen >= self.num_batches:
                return None
            stream, position = self.current
        else:
            stream, position = self.source.stream(self.iterators_made), 0
        there = stream.length is None or position < stream.length
        return Segment(stream, position, int(there))

    def run_validation(self) -> ValidationRun:
        """One ``evaluate`` call: reset, then one loop."""
        self.reset()
        result = self.run()
        return ValidationRun(result.segment, result.ran_out, result.endless, result.read_past)

    def plain_epochs_ahead(self) -> tuple[Segment, int, float] | None:
        """If the coming epochs just take the next block of batches: (first epoch's batches, block, how many).

        Found by running the next epoch on a copy: when it neither ran out nor
        replaced the iterator and left the state moved by exactly the batches it
        took (or not at all), the epochs after it do the same until the data or
        the known length stops them, which is computed, not stepped through.
        """
        trial = copy.copy(self)
        result = trial.run()
        if result.endless or result.ran_out or result.read_past:
            return None
        if trial.state() == self.state():
            return result.segment, 0, math.inf  # every epoch starts afresh and reads the same
        if self.current is None or trial.current is None:
            return None
        stream, position = self.current
        trial_stream, trial_position = trial.current
        block = trial_position - position
        if (
            trial_stream is not stream
            or block <= 0
            or block != result.segment.count
            or trial.steps_seen - self.steps_seen != block
            or trial.num_batches != self.num_batches
        ):
            return None
        count: float = math.inf
        if stream.length is not None:
            count = min(count, (stream.length - position) // block)
        if self.num_batches:
            count = min(count, -(-(self.num_batches - self.steps_seen) // block) - 1)
        return result.segment, block, count

    def skip(self, epochs: int, block: int) -> None:
        """Advance as ``epochs`` plain epochs of ``block`` batches would (see plain_epochs_ahead)."""
        if block and self.current is not None:
            stream, position = self.current
            self.current = (stream, position + epochs * block)
            self.steps_seen += epochs * block

    def run(self) -> RunResult:
        """One ``for ... in epoch_iterator`` loop under ``catch_stop_iteration``."""
        per_call = self.steps_per_execution
        planned = self.steps_per_epoch or self.num_batches or -1
        if planned > 0:
            if self.current is None or self.steps_per_epoch is None:
                self.current = self._new_iterator()
                self.steps_seen = 0
            calls = -(-planned // per_call)
            steps_seen_at_start = self.steps_seen
            calls_before_check_stops = (
                max(0, -(-(self.num_batches - steps_seen_at_start) // per_call)) if self.num_batches else math.inf
            )
        else:
            self.current = self._new_iterator()
            self.steps_seen = 0
            steps_seen_at_start = 0
            calls = math.inf
            calls_before_check_stops = math.inf

        stream, position = self.current
        available = math.inf if stream.length is None else stream.length - position
        # The call that finds no batch at all raises (OutOfRange / StopIteration).
        calls_before_data_stops = -(-available // per_call) if available != math.inf else math.inf
        ended_by = min(calls, calls_before_check_stops, calls_before_data_stops)
        if ended_by == math.inf:
            return RunResult(Segment(stream, position, 0), False, endless=True)
        ended_by = int(ended_by)
        consumed = int(min(ended_by * per_call, available))
        segment = Segment(stream, position, consumed)
        # An execution reads its steps one by one until the data ends: past the end if it is short.
        read_past = ended_by * per_call > available

        if ended_by in (calls, calls_before_check_stops):
            # The loop finished, or the length check broke it (a warning only when
            # steps_per_epoch was given); an iterator used up is replaced afterwards.
            ran_out = ended_by != calls and bool(self.steps_per_epoch)
            self.steps_seen = steps_seen_at_start + ended_by * per_call
            if self.num_batches and self.steps_seen >= self.num_batches:
                self.current = None
                self.steps_seen = 0
            else:
                self.current = (stream, position + consumed)
            return RunResult(segment, ran_out, read_past=read_past)

        # catch_stop_iteration: the failing call counted its steps too.
        self.steps_seen = steps_seen_at_start + (ended_by + 1) * per_call
        if self.num_batches is None:
            self.num_batches = self.steps_seen
        self.current = None
        return RunResult(segment, True, read_past=True)
