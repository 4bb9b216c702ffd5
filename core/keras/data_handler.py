"""tf.keras 2's ``DataHandler`` (tf_keras/src/engine/data_adapter.py) and its fit loop, one call per epoch.

Where Keras 3's ``EpochIterator`` starts a fresh iterator when the data runs out, tf.keras 2
sets ``_insufficient_data`` and ``enumerate_epochs`` ends the whole fit after that epoch
(its validation still runs). The rest follows from the adapters, read from tf-keras 2.21.0
and checked with it (tests/conformance/flavours-public.json):

- NumPy arrays become ONE dataset of ``epochs - initial_epoch`` passes that is never
  recreated, so with ``steps_per_epoch`` the epochs stream across passes;
- a ``tf.data`` dataset is iterated afresh every epoch only without ``steps_per_epoch`` or
  when it equals the dataset's cardinality; otherwise one iterator serves the whole fit;
  an INFINITE dataset without steps is a ValueError;
- a Python generator is never re-iterated (no replay of peeked batches);
- a ``Sequence`` (PyDataset, ImageDataGenerator flow) is iterated afresh every epoch;
- an unknown length is learned exactly on running out, with no warning;
- ``steps_per_execution`` never overshoots: the last call of an epoch is shortened, and a
  call larger than the epoch is cut to it. If the data runs out inside the very first call
  of the fit, no call ever returned logs and fit raises "Empty logs".

Validation (``evaluate`` with the cached handler) reads a fresh iterator every run, but the
handler's ``_insufficient_data`` stays set: once a run ran out with a known length, every
later run yields no batch at all.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace

from core.data.sources import Source
from core.data.streams import PassStream, Stream
from core.keras.epoch_iterator import RunResult
from core.keras.epochs import ValidationRule, ValidationRun, ValidationRunPiece, ValidationSchedule
from core.plan import Segment
from core.words import count_words

__all__ = ["DataHandler", "legacy_source", "legacy_validation_rule", "recreates_iterator"]

INFINITE_DATASET = (
    "ValueError: When providing an infinite dataset, you must specify the number of steps to run (if you did not "
    "intend to create an infinite dataset, make sure to not call `repeat()` on the dataset)."
)


def legacy_source(source: Source, kind: str, epochs: int) -> Source:
    """The data as tf.keras 2's adapter hands it over: arrays are one dataset of ``epochs`` passes."""
    stream = source.first
    if kind == "arrays" and isinstance(stream, PassStream):
        passes = replace(stream, loops=True, limit=epochs * stream.batches_per_pass)
        return Source(passes, passes, source.known_length, source.batch_size)
    return Source(source.first, source.first, source.known_length, source.batch_size, infinite=source.infinite)


def recreates_iterator(kind: str, source: Source, steps: int | None) -> bool:
    """``adapter.should_recreate_iterator()``: does every epoch get a fresh iterator?"""
    if kind in ("pydataset", "image_data_generator"):
        return True
    if kind == "dataset":
        return steps is None or source.known_length == steps
    return False  # arrays (one dataset of all the passes) and generators


def refusal_before_fit(source: Source, steps: int | None, per_call: int, which: str) -> str | None:
    """What tf.keras 2 raises while it builds the data handler, before any batch."""
    if steps is None and source.infinite:
        return (
            f"{INFINITE_DATASET} tf.keras 2 refuses an endless tf.data dataset without steps, where Keras 3 would "
            f"run one endless epoch. Set {'steps_per_epoch' if which == 'training' else 'validation_steps'}, or "
            "remove .repeat()."
        )
    known = steps or source.known_length
    if known is None and per_call > 1:
        return (
            "ValueError: Could not infer the size of the data. With `steps_per_execution > 1`, you must specify the "
            f"number of steps to run. tf.keras 2 does not know the length of the {which} data; set "
            f"{'steps_per_epoch' if which == 'training' else 'validation_steps'}, or steps_per_execution=1."
        )
    if steps is None and known == 0:
        return f"ValueError: Expected input data to be non-empty. The {which} data has no batch; give it some data."
    return None


class DataHandler:
    """The training side of tf.keras 2's fit: one ``run`` per epoch, the same questions as EpochIterator."""

    def __init__(self, source: Source, recreates: bool, steps_per_epoch: int | None, steps_per_execution: int):
        self.source = source
        self.recreates = recreates
        self.inferred = steps_per_epoch or source.known_length  # DataHandler._inferred_steps
        # _truncate_execution_to_epoch: a call never runs more batches than an epoch has.
        self.per_call = steps_per_execution if self.inferred is None else min(steps_per_execution, self.inferred)
        self.current: tuple[Stream, int] | None = None  # the live iterator: its stream, batches taken
        self.returned_logs = False  # some call of this fit finished (fit's `logs` is not None)

    def state(self) -> tuple:
        """Everything the next run depends on; equal states give equal futures."""
        current = None if self.recreates else self.current
        return (current, self.inferred, self.returned_logs)

    def run(self) -> RunResult:
        """One epoch: ``enumerate_epochs`` hands an iterator, ``steps()`` runs under ``catch_stop_iteration``."""
        if self.current is None or self.recreates:
            self.current = (self.source.first, 0)
        stream, position = self.current
        available = math.inf if stream.length is None else stream.length - position
        steps = self.inferred
        if steps is None:
            if available == math.inf:
                return RunResult(Segment(stream, position, 0), False, endless=True)
            # Running out ends the epoch and teaches the length exactly: no warning, training goes on.
            consumed, ran_out, read_past = int(available), False, True
            self.inferred = consumed
        elif available >= steps:
            consumed, ran_out, read_past = steps, False, False
        else:
            consumed, ran_out, read_past = int(available), True, True
        failure = None
        if consumed < self.per_call and not self.returned_logs:
            failure = self._empty_logs(consumed)
        self.returned_logs = self.returned_logs or consumed >= self.per_call
        self.current = (stream, position + consumed)
        segment = Segment(stream, position, consumed)
        return RunResult(segment, ran_out, read_past=read_past, ends_fit=ran_out, failure=failure)

    def _empty_logs(self, batches: int) -> str:
        if self.per_call == 1:
            why = "the training data yields no batch at all"
        else:
            why = (
                f"tf.keras 2 runs steps_per_execution={self.per_call} batches per call, and the data ran out inside "
                f"the first call of the fit (after {count_words(batches, 'batch')}), so no call returned"
            )
        return (
            "ValueError: Unexpected result of `train_function` (Empty logs). This could be due to issues in input "
            f"pipeline that resulted in an empty dataset. Here {why}. Give the data at least "
            f"{count_words(self.per_call, 'batch')}, or a smaller steps_per_execution."
        )

    def plain_epochs_ahead(self) -> tuple[Segment, int, float] | None:
        """If the coming epochs just take the next block of batches: (first epoch's batches, block, how many)."""
        trial = copy.copy(self)
        result = trial.run()
        if result.endless or result.ran_out or result.failure is not None:
            return None
        if trial.state() == self.state():
            return result.segment, 0, math.inf  # every epoch starts afresh and reads the same
        if self.current is None or trial.current is None or trial.returned_logs != self.returned_logs:
            return None
        stream, position = self.current
        trial_stream, trial_position = trial.current
        block = trial_position - position
        if trial_stream is not stream or block <= 0 or block != result.segment.count or trial.inferred != self.inferred:
            return None
        length = result.segment.stream.length
        count: float = math.inf if length is None else (length - position) // block
        return result.segment, block, count

    def skip(self, epochs: int, block: int) -> None:
        """Advance as ``epochs`` plain epochs of ``block`` batches would (see plain_epochs_ahead)."""
        if self.current is None:
            self.current = (self.source.first, 0)
        if block and not self.recreates:
            stream, position = self.current
            self.current = (stream, position + epochs * block)
        self.returned_logs = True


def legacy_validation_rule(
    source: Source, kind: str, steps: int | None, schedule: ValidationSchedule, lost_per_run: int, runs: int
) -> ValidationRule:
    """Every validation run of a tf.keras 2 fit: the first, maybe a second, then the rest alike.

    A Python generator is shared by every run: a run goes on where the last one left it,
    after the batches tf.data prefetched and dropped (``lost_per_run``, measured; it varies).
    """
    stream = source.first
    known = steps or source.known_length
    length = stream.length
    empty = ValidationRunPiece(ValidationRun(Segment(stream, 0, 0), False))
    if known is None:
        if length is None:
            return ValidationRule(schedule, (), (ValidationRunPiece(ValidationRun(Segment(stream, 0, 0), False, True)),))
        # Read to the end: the run asks for one more batch than there is (an assert_cardinality that fails, fails there).
        first = ValidationRunPiece(ValidationRun(Segment(stream, 0, length), False, read_past=True))
        if kind != "generator":
            return ValidationRule(schedule, (first,), (first,))  # learned exactly; a fresh pass every run
        # The shared generator is used up: the next run finds nothing and warns, and every later one is empty.
        second = ValidationRunPiece(ValidationRun(Segment(stream, length, 0), True, read_past=True))
        return ValidationRule(schedule, (first, second), (empty,))
    available = math.inf if length is None else length
    if available < known:
        ran_short = ValidationRunPiece(ValidationRun(Segment(stream, 0, int(available)), True, read_past=True))
        return ValidationRule(schedule, (ran_short,), (empty,))
    first = ValidationRunPiece(ValidationRun(Segment(stream, 0, known), False))
    if kind != "generator":
        return ValidationRule(schedule, (first,), (first,))
    return _shared_generator_runs(stream, known, lost_per_run, schedule, runs)


def _shared_generator_runs(stream: Stream, steps: int, lost: int, schedule: ValidationSchedule, runs: int) -> ValidationRule:
    """Runs of ``steps`` batches from one generator, each ``steps + lost`` batches after the last.

    When a run finds fewer batches than ``steps`` it runs what is left and warns; every run after
    it is empty. A generator without end never runs short: each run is the same count, moved along.
    """
    advance = steps + lost
    full = ValidationRun(Segment(stream, 0, steps), False)
    length = stream.length
    if length is None:
        piece = ValidationRunPiece(full, max(runs, 1), advance)
        return ValidationRule(schedule, (piece,), (ValidationRunPiece(piece.at(max(runs, 1) - 1)),))
    full_runs = (length - steps) // advance + 1  # runs that still find ``steps`` batches
    start = min(length, full_runs * advance)
    last = ValidationRunPiece(ValidationRun(Segment(stream, start, length - start), True, read_past=True))
    empty = ValidationRunPiece(ValidationRun(Segment(stream, 0, 0), False))
    return ValidationRule(schedule, (ValidationRunPiece(full, full_runs, advance), last), (empty,))
