"""Scenario -> Plan: what Keras 3 does with the data, batch by batch, in closed form.

The planner mirrors Keras 3.15.1's ``EpochIterator`` (``keras/src/trainers/
epoch_iterator.py``) and the TensorFlow trainer's loop state for state: the
iterator kept across epochs when ``steps_per_epoch`` is set, ``_steps_seen``
advancing by ``steps_per_execution`` per call, the length learned when an
iterator of unknown length runs out, ``evaluate`` resetting its iterator, and
the generator adapter replaying the two batches it peeked. One epoch costs O(1);
epochs that repeat a state already seen are shared, not recomputed.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

from core.epochs import (
    AdvancingPiece,
    EpochSequence,
    ExplicitPiece,
    Piece,
    TrainEpoch,
    ValidationRule,
    ValidationRun,
    ValidationRunPiece,
    covered_samples,
)
from core.explain import count_words, explain_plan
from core.plan import Plan, PlanWarning, Segment, Totals
from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit
from core.streams import CycleStream, EndlessStream, PassStream, ResumedStream, Stream
from core.versions import PLANNED_KERAS_VERSION

# keras/src/trainers/data_adapters/data_adapter_utils.py: NUM_BATCHES_FOR_TENSOR_SPEC
GENERATOR_PEEKED_BATCHES = 2
ARRAYS_DEFAULT_BATCH_SIZE = 32


class KerasRefuses(Exception):
    """Keras raises for this call; the message says what a user would see and why."""


# ---------------------------------------------------------------- data sources


@dataclass(frozen=True)
class Source:
    """A data adapter: what every new iterator over it yields, and what length Keras knows."""

    first: Stream  # the first iterator
    later: Stream  # every later iterator (differs only for a one-shot generator)
    known_length: int | None  # data_adapter.num_batches
    batch_size: int
    # A Python generator over finite data: every iterator shares it (the replay and
    # the carry-over between validation runs come from that).
    shared_generator: bool = False

    def stream(self, iterator_index: int) -> Stream:
        return self.first if iterator_index == 0 else self.later


def _source(spec: DataSpec, batch_size: int, *, offset: int = 0) -> Source:
    """Build the adapter model for data fed to fit with the given batch size."""
    samples = spec.samples
    if samples is None:
        stream = EndlessStream(batch_size)
        return Source(stream, stream, None, batch_size)
    positions = not (spec.source == "arrays" and spec.shuffle)
    if spec.source == "arrays":
        stream = PassStream(samples, batch_size, offset=offset, positions_known=positions)
        return Source(stream, stream, stream.batches_per_pass, batch_size)
    finite = PassStream(samples, batch_size, spec.drop_remainder, offset=offset)
    if spec.source == "generator" and finite.batches_per_pass == 0 and not (spec.repeat == "before_batch" and samples):
        raise KerasRefuses(
            "When passing a Python generator to a Keras model, the generator must yield at least "
            f"one batch. Received an empty generator ({count_words(samples, 'sample')}"
            + (f", batches of {batch_size} with the short one dropped" if spec.drop_remainder and samples else "")
            + ")."
        )
    if spec.repeat == "before_batch":
        if samples == 0:  # ds.repeat().batch(B) of nothing is empty, and TF knows it
            return Source(finite, finite, 0, batch_size)
        stream = CycleStream(samples, batch_size, offset=offset)
        return Source(stream, stream, None, batch_size)
    if spec.repeat == "after_batch":
        looping = PassStream(samples, batch_size, spec.drop_remainder, loops=True, offset=offset)
        if spec.source == "generator":
            return Source(looping, looping, None, batch_size, shared_generator=True)
        return Source(looping, looping, 0 if looping.batches_per_pass == 0 else None, batch_size)
    if spec.source == "dataset":
        return Source(finite, finite, finite.batches_per_pass, batch_size)
    # A one-shot generator: Keras peeked its first batches when it wrapped it, and
    # every new iterator replays them before whatever the generator has left (nothing).
    replay = PassStream(samples, batch_size, spec.drop_remainder, limit=GENERATOR_PEEKED_BATCHES, offset=offset)
    return Source(finite, replay, None, batch_size, shared_generator=True)


# ---------------------------------------------------------------- the epoch iterator


@dataclass(frozen=True)
class _RunResult:
    segment: Segment  # when endless: where it starts, with no batches counted
    ran_out: bool
    endless: bool = False


class _EpochIterator:
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

    def run_validation(self) -> ValidationRun:
        """One ``evaluate`` call: reset, then one loop."""
        self.reset()
        result = self.run()
        return ValidationRun(result.segment, result.ran_out, result.endless)

    def plain_epochs_ahead(self) -> tuple[Segment, int, float] | None:
        """If the coming epochs just take the next block of batches: (first epoch's batches, block, how many).

        Found by running the next epoch on a copy: when it neither ran out nor
        replaced the iterator and left the state moved by exactly the batches it
        took (or not at all), the epochs after it do the same until the data or
        the known length stops them, which is computed, not stepped through.
        """
        trial = copy.copy(self)
        result = trial.run()
        if result.endless or result.ran_out:
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

    def run(self) -> _RunResult:
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
            return _RunResult(Segment(stream, position, 0), False, endless=True)
        ended_by = int(ended_by)
        consumed = int(min(ended_by * per_call, available))
        segment = Segment(stream, position, consumed)

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
            return _RunResult(segment, ran_out)

        # catch_stop_iteration: the failing call counted its steps too.
        self.steps_seen = steps_seen_at_start + (ended_by + 1) * per_call
        if self.num_batches is None:
            self.num_batches = self.steps_seen
        self.current = None
        return _RunResult(segment, True)


# ---------------------------------------------------------------- the planner


def plan(scenario: Scenario) -> Plan:
    """What the installed Keras will do with this scenario (see module docstring)."""
    try:
        return _plan(scenario)
    except KerasRefuses as refusal:
        return Plan(scenario=scenario, outcome="error", error=str(refusal), keras_version=PLANNED_KERAS_VERSION)


def _plan(scenario: Scenario) -> Plan:
    train_spec = scenario.train
    warnings: list[PlanWarning] = []
    train_samples = train_spec.samples
    validation = scenario.validation
    val_source: Source | None = None
    val_steps: int | None = None
    val_freq = 1

    if isinstance(validation, ValidationSplit):
        if train_spec.source != "arrays":
            raise KerasRefuses(
                "validation_split is only supported for NumPy arrays and tensors; Keras raises "
                f"ValueError for a {_source_words(train_spec.source)}. Pass validation_data=... instead."
            )
        assert train_samples is not None
        split_at = math.floor(train_samples * (1.0 - validation.split))  # as Keras: a float product
        if split_at == 0 or split_at == train_samples:
            raise KerasRefuses(
                f"Training data contains {count_words(train_samples, 'sample')}, which is not sufficient to split it into "
                f"a validation and training set as specified by validation_split={validation.split} "
                f"(floor({train_samples} * (1 - {validation.split})) = {split_at}). Use more data or another split."
            )
        exact = train_samples * (1 - validation.split)
        if abs(exact - round(exact)) > 1e-9 or split_at != round(exact):
            warnings.append(
                PlanWarning(
                    "validation_split_rounding",
                    f"{train_samples:,} x (1 - {validation.split}) = {exact!r} in floating point; Keras floors it "
                    f"to {split_at:,}, so the first {count_words(split_at, 'sample')} train and the last "
                    f"{train_samples - split_at:,} validate.",
                    "Choose a split that divides the sample count evenly, or pass validation_data yourself.",
                )
            )
        train_samples = split_at
        train_spec = DataSpec(split_at, "arrays", train_spec.batch_size, False, "none", train_spec.shuffle)
        val_batch = (
            validation.batch_size
            or scenario.train.batch_size
            or _arrays_default_batch(scenario.train.samples - split_at, validation.steps)
        )
        val_spec = DataSpec(scenario.train.samples - split_at, "arrays", val_batch, False, "none", False)
        val_source = _source(val_spec, val_batch, offset=split_at)
        val_steps, val_freq = validation.steps, validation.freq

    train_batch = _train_batch_size(train_spec, scenario.steps_per_epoch)
    train_source = _source(train_spec, train_batch)

    # Keras builds the validation adapter when validation first runs, so a refusal
    # there only stops fit() if validation is reached.
    val_refusal: KerasRefuses | None = None
    if isinstance(validation, ValidationSet):
        val_steps, val_freq = validation.steps, validation.freq
        passed = validation.batch_size or scenario.train.batch_size  # validation_batch_size or batch_size
        try:
            if validation.source == "arrays":
                val_batch = passed or _arrays_default_batch(validation.samples, validation.steps)
            else:
                val_batch = passed or ARRAYS_DEFAULT_BATCH_SIZE
            # Evaluation never shuffles (a validation set's shuffle changes nothing), so its order is known.
            val_source = _source(replace(validation, shuffle=False), val_batch)
        except KerasRefuses as refusal:
            val_refusal = refusal

    trainer = _EpochIterator(train_source, scenario.steps_per_epoch, scenario.steps_per_execution)
    prefix, cycle, train_endless_at, train_endless_from = _train_pieces(trainer, scenario.epochs)
    trained = scenario.epochs if train_endless_at is None else train_endless_at
    if val_refusal is not None and val_freq <= trained:
        raise KerasRefuses(f"{val_refusal} (raised when validation first runs, after epoch {val_freq})")

    rule, val_endless_at = None, None
    if val_source is not None:
        rule = _validation_rule(val_source, val_steps, scenario.steps_per_execution, val_freq, scenario.epochs // val_freq)
        endless_run = rule.first_endless_run()
        if endless_run is not None:
            val_endless_at = (endless_run + 1) * val_freq - 1

    outcome, endless_epoch, endless_part, length = "ok", None, None, scenario.epochs
    if val_endless_at is not None and val_endless_at < trained:
        outcome, endless_epoch, endless_part, length = "endless", val_endless_at + 1, "val", val_endless_at
    elif train_endless_at is not None:
        outcome, endless_epoch, endless_part, length = "endless", train_endless_at + 1, "train", train_endless_at
    epochs = EpochSequence(prefix, cycle, length, rule)
    endless_train, endless_from = None, train_endless_from
    if endless_part == "val":
        assert rule is not None
        endless_train = EpochSequence(prefix, cycle, length + 1, None).train_epoch(length).segment
        endless_from = rule.run((endless_epoch or 0) // val_freq - 1).segment

    warnings.extend(explain_plan(scenario, train_spec, train_source, val_source, epochs, outcome, endless_epoch, endless_part))
    return Plan(
        scenario=scenario,
        outcome=outcome,
        epochs=epochs,
        warnings=tuple(warnings),
        totals=_totals(train_samples, epochs),
        keras_version=PLANNED_KERAS_VERSION,
        endless_epoch=endless_epoch,
        endless_part=endless_part,
        endless_train=endless_train,
        endless_from=endless_from,
        train_samples=train_samples,
        train_batch_size=train_batch,
    )


def _validation_rule(source: Source, steps: int | None, per_call: int, freq: int, runs: int) -> ValidationRule:
    """Every validation run of the fit, as pieces: evaluate() resets its iterator each time."""
    stream = source.first
    if not (source.shared_generator and isinstance(stream, PassStream)):
        evaluator = _EpochIterator(source, steps, per_call)
        first, later = evaluator.run_validation(), evaluator.run_validation()
        return ValidationRule(freq, (ValidationRunPiece(first),), (ValidationRunPiece(later),))
    return _generator_validation_rule(stream, steps, per_call, freq, runs)


def _generator_validation_rule(base: PassStream, steps: int | None, per_call: int, freq: int, runs: int) -> ValidationRule:
    """Validation from a Python generator: its runs share one generator, so they differ.

    Each run gets ``chain(peeked, generator)`` and TensorFlow prefetches one batch
    past the last one the run uses, which the next run never sees (measured with
    TensorFlow 2.21; a busy machine may prefetch more, and the plan warns so).
    """
    per_pass = base.batches_per_pass
    peeked = min(GENERATOR_PEEKED_BATCHES, per_pass)
    resume_at = peeked
    if base.loops:
        # An endless generator never runs short: every run uses the same number of
        # batches, so each resumes a fixed number of batches further on.
        stream = ResumedStream(base, peeked, resume_at)
        run = _EpochIterator(Source(stream, stream, None, base.batch_size), steps, per_call).run_validation()
        if run.endless:
            return ValidationRule(freq, (), (ValidationRunPiece(run),))
        advance = run.segment.count + 1 - peeked
        piece = ValidationRunPiece(run, max(runs, 1), advance)
        return ValidationRule(freq, (piece,), (ValidationRunPiece(piece.at(max(runs, 1) - 1)),))
    pieces: list[ValidationRunPiece] = []
    seen: dict[int, int] = {}
    number = 0
    while number < max(runs, 2):
        key = resume_at
        if key in seen:
            start = seen[key]
            return ValidationRule(freq, tuple(pieces[:start]), tuple(pieces[start:]))
        seen[key] = len(pieces)
        stream = ResumedStream(base, peeked, resume_at)
        source = Source(stream, stream, None, base.batch_size)
        run = _EpochIterator(source, steps, per_call).run_validation()
        if run.endless:
            pieces.append(ValidationRunPiece(run))
            break
        used = run.segment.count
        available = peeked + per_pass - resume_at
        advance = max(0, min(used + 1, available) - peeked)
        from_generator = max(0, used - peeked)
        repeats = 1
        if from_generator and advance == from_generator + 1:
            # Later runs read the same sizes while their window stays on full batches
            # and the batch prefetched after it still exists.
            room = min(base.full_batches, per_pass - 1) - (resume_at + from_generator)
            repeats = 1 + max(0, room // advance)
            repeats = max(1, min(repeats, max(runs, 2) - number))
        pieces.append(ValidationRunPiece(run, repeats, advance if repeats > 1 else 0))
        resume_at += advance * repeats
        number += repeats
    return ValidationRule(freq, tuple(pieces), (pieces[-1],))


def _train_pieces(
    trainer: _EpochIterator, epochs: int
) -> tuple[tuple[Piece, ...], tuple[Piece, ...], int | None, Segment | None]:
    """Run the training epoch iterator in pieces: (prefix, cycle, endless epoch index, where it starts).

    A run of epochs that each take the next block of the same iterator becomes one
    piece; when Keras is back in a state it was in before, the pieces since then
    repeat, and the loop stops. Either way the loop is short, whatever ``epochs`` is.
    """
    pieces: list[Piece] = []
    seen: dict[tuple, int] = {}
    index = 0
    while index < epochs:
        state = trainer.state()
        if state in seen:
            start = seen[state]
            return tuple(pieces[:start]), tuple(pieces[start:]), None, None
        seen[state] = len(pieces)
        ahead = trainer.plain_epochs_ahead()
        if ahead is not None and ahead[2] >= 2:
            segment, step, count = ahead
            count = int(min(count, epochs - index))
            pieces.append(AdvancingPiece(segment.stream, segment.start, step, segment.count, count))
            trainer.skip(count, step)
            index += count
            continue
        result = trainer.run()
        if result.endless:
            return tuple(pieces), (), index, result.segment
        pieces.append(ExplicitPiece((TrainEpoch(result.segment, result.ran_out),)))
        index += 1
    return tuple(pieces), (), None, None


def _train_batch_size(spec: DataSpec, steps_per_epoch: int | None) -> int:
    if spec.source != "arrays":
        return spec.batch_size or ARRAYS_DEFAULT_BATCH_SIZE
    return spec.batch_size or _arrays_default_batch(spec.samples, steps_per_epoch)


def _arrays_default_batch(samples: int | None, steps: int | None) -> int:
    """ArrayDataAdapter: no batch_size means ceil(samples / steps) if steps are given, else 32."""
    if not steps:
        return ARRAYS_DEFAULT_BATCH_SIZE
    batch = -(-(samples or 0) // steps)
    if batch == 0:
        raise KerasRefuses(
            "Keras divides by zero: with no batch_size it sizes batches as ceil(samples / steps), "
            "and there are no samples. Give a batch_size or some data."
        )
    return batch


def _source_words(source: str) -> str:
    return {"dataset": "tf.data.Dataset", "generator": "Python generator"}.get(source, source)


# ---------------------------------------------------------------- totals and words


def _totals(train_samples: int | None, epochs: EpochSequence) -> Totals:
    steps = epochs.train_steps()
    samples_seen = epochs.train_samples()
    validation_steps = epochs.validation_steps()
    if not train_samples:
        return Totals(steps, samples_seen, None, None, validation_steps)
    return Totals(
        steps=steps,
        samples_seen=samples_seen,
        passes=samples_seen / train_samples,
        samples_never_seen=train_samples - covered_samples(epochs.train_segments(), train_samples),
        validation_steps=validation_steps,
    )


__all__ = ["KerasRefuses", "Source", "plan"]
