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

import math
from dataclasses import replace

from core.data.sources import ARRAYS_DEFAULT_BATCH_SIZE, GENERATOR_PEEKED_BATCHES, KerasRefuses, Source, make_source
from core.data.streams import PassStream, ResumedStream
from core.keras.epoch_iterator import EpochIterator
from core.keras.epochs import (
    AdvancingPiece,
    EpochSequence,
    ExplicitPiece,
    Piece,
    TrainEpoch,
    ValidationRule,
    ValidationRunPiece,
    covered_samples,
)
from core.keras.warnings import explain_plan
from core.plan import Plan, PlanWarning, Segment, Totals
from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit
from core.versions import PLANNED_KERAS_VERSION
from core.words import count_words

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
        val_source = make_source(val_spec, val_batch, offset=split_at)
        val_steps, val_freq = validation.steps, validation.freq

    train_batch = _train_batch_size(train_spec, scenario.steps_per_epoch)
    train_source = make_source(train_spec, train_batch)

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
            val_source = make_source(replace(validation, shuffle=False), val_batch)
        except KerasRefuses as refusal:
            val_refusal = refusal

    trainer = EpochIterator(train_source, scenario.steps_per_epoch, scenario.steps_per_execution)
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
        evaluator = EpochIterator(source, steps, per_call)
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
        run = EpochIterator(Source(stream, stream, None, base.batch_size), steps, per_call).run_validation()
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
        run = EpochIterator(source, steps, per_call).run_validation()
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


def _train_pieces(trainer: EpochIterator, epochs: int) -> tuple[tuple[Piece, ...], tuple[Piece, ...], int | None, Segment | None]:
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


__all__ = ["KerasRefuses", "plan"]
