"""Scenario -> Plan: what Keras does with the data, batch by batch, in closed form.

The planner mirrors Keras 3.15.1's ``EpochIterator`` (``keras/src/trainers/
epoch_iterator.py``) and the TensorFlow trainer's loop state for state: the
iterator kept across epochs when ``steps_per_epoch`` is set, ``_steps_seen``
advancing by ``steps_per_execution`` per call, the length learned when an
iterator of unknown length runs out, ``evaluate`` resetting its iterator, and
the generator adapter replaying the two batches it peeked. One epoch costs O(1);
epochs that repeat a state already seen are shared, not recomputed.

The scenario's flavour changes rules, not the model: tf.keras 2 swaps the iterator for its
``DataHandler`` (``core.keras.data_handler``: the fit ends when data runs out), and
``core.keras.flavour.FitRules`` says what differs by backend and replicas (PyTorch's
``steps_per_execution``, a generator's prefetch between validation runs, the split of each
batch across devices and the even first batch Keras 3 needs).
"""

from __future__ import annotations

import math
from dataclasses import replace

from core.data.sources import ARRAYS_DEFAULT_BATCH_SIZE, GENERATOR_PEEKED_BATCHES, KerasRefuses, Source, make_source
from core.data.streams import PassStream, PipelineStream, ResumedStream
from core.keras.data_handler import (
    DataHandler,
    legacy_source,
    legacy_validation_rule,
    recreates_iterator,
    refusal_before_fit,
)
from core.keras.epoch_iterator import EpochIterator
from core.keras.epochs import (
    AdvancingPiece,
    EpochSequence,
    ExplicitPiece,
    Piece,
    TrainEpoch,
    ValidationRule,
    ValidationRunPiece,
    ValidationSchedule,
    covered_samples,
)
from core.keras.flavour import FitRules, rules_of
from core.keras.warnings import explain_plan
from core.plan import Plan, PlanWarning, Segment, Totals
from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit
from core.versions import planned_version
from core.words import count_words

# ---------------------------------------------------------------- the planner


def plan(scenario: Scenario) -> Plan:
    """What the installed Keras will do with this scenario (see module docstring)."""
    try:
        return _plan(scenario)
    except KerasRefuses as refusal:
        version = planned_version(getattr(scenario, "keras", "3"))
        return Plan(scenario=scenario, outcome="error", error=str(refusal), keras_version=version)


def _plan(scenario: Scenario) -> Plan:
    rules = rules_of(scenario)
    refusal = _flavour_refusal(scenario, rules)
    if refusal is not None:
        raise KerasRefuses(refusal)
    train_spec = scenario.train
    warnings: list[PlanWarning] = []
    train_samples = train_spec.samples
    validation = scenario.validation
    val_source: Source | None = None
    val_steps: int | None = None
    schedule = ValidationSchedule(1, scenario.initial_epoch)
    train_batch: int | None = None
    train_source: Source | None = None

    if isinstance(validation, ValidationSplit):
        schedule = ValidationSchedule(validation.freq, scenario.initial_epoch)
        val_steps = validation.steps
        if validation.split_by == "fit":
            train_spec, val_source, split_warnings = _fit_split(scenario, validation)
            warnings.extend(split_warnings)
            train_samples = train_spec.samples
        else:
            train_samples, train_batch, train_source, val_source = _loader_split(scenario, validation)

    if train_source is None:
        train_batch = _train_batch_size(train_spec, scenario.steps_per_epoch)
        train_source = make_source(train_spec, train_batch, asserts_checked=rules.asserts_cardinality)
    assert train_batch is not None

    # Keras builds the validation adapter when validation first runs, so a refusal
    # there only stops fit() if validation is reached.
    val_refusal: KerasRefuses | None = None
    if isinstance(validation, ValidationSet):
        val_steps = validation.steps
        schedule = ValidationSchedule(validation.freq, scenario.initial_epoch)
        passed = validation.batch_size or scenario.train.batch_size  # validation_batch_size or batch_size
        try:
            if validation.source == "arrays":
                val_batch = passed or _arrays_default_batch(validation.samples, validation.steps)
            else:
                val_batch = passed or ARRAYS_DEFAULT_BATCH_SIZE
            # Evaluation never shuffles (a validation set's shuffle changes nothing), so its order is known.
            val_source = make_source(replace(validation, shuffle=False), val_batch, asserts_checked=rules.asserts_cardinality)
        except KerasRefuses as refusal:
            val_refusal = refusal
    val_kind = _validation_kind(scenario)
    if rules.legacy and isinstance(validation, ValidationSet) and validation.source == "pydataset" and validation.samples is None:
        val_refusal = KerasRefuses(_endless_sequence("validation"))
    if rules.legacy and val_source is not None and val_refusal is None:
        val_source = legacy_source(val_source, val_kind, 1)
        legacy_refusal = refusal_before_fit(val_source, val_steps, scenario.steps_per_execution, "validation")
        if legacy_refusal is not None:
            val_refusal = KerasRefuses(legacy_refusal)

    fit_epochs = max(0, scenario.epochs - scenario.initial_epoch)
    trainer: EpochIterator | DataHandler
    if rules.legacy:
        kind = _train_kind(scenario)
        train_source = legacy_source(train_source, kind, fit_epochs)
        legacy_refusal = refusal_before_fit(train_source, scenario.steps_per_epoch, scenario.steps_per_execution, "training")
        if legacy_refusal is not None:
            raise KerasRefuses(legacy_refusal)
        recreates = recreates_iterator(kind, train_source, scenario.steps_per_epoch)
        trainer = DataHandler(train_source, recreates, scenario.steps_per_epoch, scenario.steps_per_execution)
    else:
        trainer = EpochIterator(train_source, scenario.steps_per_epoch, scenario.steps_per_execution)
        if rules.reads_a_batch_to_build:
            _check_batch_read_to_build(rules, trainer.batch_read_to_build())
    prefix, cycle, train_stop_at, train_endless_from, train_failure, stopped = _train_pieces(trainer, fit_epochs)
    # Training stops in epoch index train_stop_at (endless, or tf.data's error; with tf.keras 2's stop,
    # after it); validation after the epochs before it comes first, so what validation does there decides first.
    trained = fit_epochs if train_stop_at is None else train_stop_at
    first_validation = schedule.index_of_run(0)
    validates = first_validation is not None and first_validation < trained
    if val_refusal is not None and validates:
        number = scenario.initial_epoch + (first_validation or 0) + 1
        raise KerasRefuses(f"{val_refusal} (raised when validation first runs, after epoch {number})")

    rule, val_endless_at = None, None
    if val_source is not None and rules.legacy:
        lost = rules.batches_lost_after_validation_run
        rule = legacy_validation_rule(val_source, val_kind, val_steps, schedule, lost, schedule.runs_before(fit_epochs))
    elif val_source is not None:
        rule = _validation_rule(
            val_source,
            val_steps,
            scenario.steps_per_execution,
            schedule,
            schedule.runs_before(fit_epochs),
            rules.batches_lost_after_validation_run,
        )
    if rule is not None and val_source is not None:
        if validates:
            _check_reads(val_source, rule, "the first validation run")
        endless_run = rule.first_endless_run()
        if endless_run is not None:
            val_endless_at = schedule.index_of_run(endless_run)

    outcome, endless_index, endless_part, length = "ok", None, None, fit_epochs
    if val_endless_at is not None and val_endless_at < trained:
        outcome, endless_index, endless_part, length = "endless", val_endless_at, "val", val_endless_at
    elif train_failure is not None:
        raise KerasRefuses(train_failure)
    elif train_stop_at is not None and not stopped:
        outcome, endless_index, endless_part, length = "endless", train_stop_at, "train", train_stop_at
    elif train_stop_at is not None:
        length = train_stop_at
    accumulation = scenario.gradient_accumulation_steps
    epochs = EpochSequence(prefix, cycle, length, rule, scenario.initial_epoch, accumulation, rules.replicas)
    endless_epoch = None if endless_index is None else scenario.initial_epoch + endless_index + 1
    endless_train, endless_from = None, train_endless_from
    if endless_part == "val":
        assert rule is not None and endless_index is not None
        endless_train = EpochSequence(prefix, cycle, length + 1, None).train_epoch(length).segment
        endless_from = rule.run(schedule.runs_before(endless_index)).segment

    if rules.reads_a_batch_before_validation and val_source is not None:
        runs = schedule.runs_before(length) + (endless_part == "val")
        _check_batches_read_before_validation(rules, val_source, val_steps, scenario.steps_per_execution, schedule, runs)
    stopped_epoch = scenario.initial_epoch + length if stopped and outcome == "ok" else None
    warnings.extend(
        explain_plan(scenario, train_spec, train_source, val_source, epochs, outcome, endless_epoch, endless_part, stopped_epoch)
    )
    totals = _totals(train_samples, epochs)
    return Plan(
        scenario=scenario,
        outcome=outcome,
        epochs=epochs,
        warnings=tuple(warnings),
        totals=totals,
        keras_version=rules.version,
        endless_epoch=endless_epoch,
        endless_part=endless_part,
        endless_train=endless_train,
        endless_from=endless_from,
        train_samples=train_samples,
        train_batch_size=train_batch,
        weight_updates=None if accumulation is None else totals.steps // accumulation,
        train_length_unknown=_length_unknown(train_source),
        val_length_unknown=val_source is not None and _length_unknown(val_source),
        stopped_epoch=stopped_epoch,
        replicas=rules.replicas,
    )


def _flavour_refusal(scenario: Scenario, rules: FitRules) -> str | None:
    """What a flavour refuses before any batch, whatever the data."""
    per_call = scenario.steps_per_execution
    if rules.backend == "torch" and per_call > 1:
        return (
            f"ValueError: `steps_per_execution` must be 1 with the PyTorch backend. Received: steps_per_execution={per_call}. "
            "Keras 3 on PyTorch runs one batch per call; remove steps_per_execution from compile() (or set it to 1), "
            "or use the TensorFlow or JAX backend."
        )
    if rules.replicas > 1:
        generators = [
            which
            for which, spec in (("training", scenario.train), ("validation", _validation_data_spec(scenario)))
            if spec is not None and spec.source == "generator"
        ]
        if generators:
            return (
                f"The {' and '.join(generators)} data is a Python generator, and MirroredStrategy over "
                f"{rules.replicas} devices loses a varying number of its batches (tf.data reads ahead through "
                "from_generator for every device, and what it read is dropped), so which batches fit trains cannot be "
                "planned. Use NumPy arrays, a tf.data.Dataset or a keras.utils.PyDataset with several devices."
            )
    if rules.legacy and scenario.gradient_accumulation_steps is not None:
        return (
            "TypeError: tf.keras 2's optimizers take no gradient_accumulation_steps argument (it is Keras 3's). "
            "Remove it, or use Keras 3."
        )
    if rules.legacy and scenario.train.source == "pydataset" and scenario.train.samples is None:
        return _endless_sequence("training")
    return None


def _endless_sequence(which: str) -> str:
    return (
        f"The {which} PyDataset has no length (num_batches=None), which only Keras 3 knows: tf.keras 2's "
        "keras.utils.Sequence must have a __len__. Give it a length, or use Keras 3."
    )


def _check_batch_read_to_build(rules: FitRules, read: Segment | None) -> None:
    """Keras 3 reads the first training batch before epoch 1: it must be there, and split evenly across replicas."""
    if read is None:
        return
    if not read.count and read.stream.fails is not None:
        raise KerasRefuses(_failed_precondition(read.stream.fails, "the batch Keras 3 reads to build the model before epoch 1"))
    if not read.count:
        raise KerasRefuses(rules.no_batch_to_build("training"))
    size = read.stream.size(read.start)
    if size % rules.replicas:
        raise KerasRefuses(rules.uneven_first_batch(size, "first training batch", read.stream.batch_size or None))


def _check_batches_read_before_validation(
    rules: FitRules, source: Source, steps: int | None, per_call: int, schedule: ValidationSchedule, runs: int
) -> None:
    """Under MirroredStrategy every validation run is preceded by one batch read to build: there, and even.

    Runs after the first read alike (each starts afresh), so the reads before the first two runs are all.
    """
    evaluator = EpochIterator(source, steps, per_call)
    for number in range(min(runs, 2)):
        read = evaluator.batch_read_to_build()
        epoch = schedule.initial_epoch + (schedule.index_of_run(number) or 0) + 1
        when = "when validation first runs" if number == 0 else "before the second validation run"
        after = f" (raised {when}, after epoch {epoch})"
        if read is not None and not read.count:
            raise KerasRefuses(rules.no_batch_to_build("validation") + after)
        if read is not None and read.stream.size(read.start) % rules.replicas:
            size = read.stream.size(read.start)
            if number == 0:
                message = rules.uneven_first_batch(size, "first validation batch", read.stream.batch_size or None)
            else:
                message = rules.uneven_later_validation_batch(size, steps)
            raise KerasRefuses(message + after)
        evaluator.run_validation()


def _train_kind(scenario: Scenario) -> str:
    """What tf.keras 2's adapter sees as the training data: arrays, dataset, generator, pydataset or a flow."""
    validation = scenario.validation
    if isinstance(validation, ValidationSplit) and validation.split_by == "directory":
        return "dataset"
    if isinstance(validation, ValidationSplit) and validation.split_by == "image_data_generator":
        return "image_data_generator"
    return "dataset" if scenario.train.pipeline is not None else scenario.train.source


def _validation_kind(scenario: Scenario) -> str:
    validation = scenario.validation
    if isinstance(validation, ValidationSplit):
        return {"fit": "arrays", "directory": "dataset"}.get(validation.split_by, "image_data_generator")
    if isinstance(validation, ValidationSet):
        return "dataset" if validation.pipeline is not None else validation.source
    return "arrays"


def _validation_data_spec(scenario: Scenario) -> DataSpec | None:
    validation = scenario.validation
    return validation if isinstance(validation, ValidationSet) else None


def _length_unknown(source: Source) -> bool:
    """Keras does not know the length, yet a pass ends: it learns the length only by running out."""
    return source.known_length is None and source.first.length is not None


def _check_reads(source: Source, rule: ValidationRule, which: str) -> None:
    """A validation run that reads past a failing end (assert_cardinality) stops fit with tf.data's error."""
    if source.fails is None:
        return
    for piece in rule.prefix + rule.cycle:
        if piece.run.read_past:
            raise KerasRefuses(_failed_precondition(source.fails, which))


def _failed_precondition(fails: str, where: str) -> str:
    return (
        f"FailedPreconditionError: {fails} The pipeline's assert_cardinality does not hold, and {where} reads "
        "past what it asserts. Make assert_cardinality's count what the data really yields, or remove it."
    )


def _fit_split(scenario: Scenario, validation: ValidationSplit) -> tuple[DataSpec, Source, list[PlanWarning]]:
    """fit(validation_split=f): the last N - floor(N * (1 - f)) arrays samples validate."""
    train_spec = scenario.train
    if train_spec.source != "arrays" or train_spec.pipeline is not None:
        if train_spec.source == "pydataset":
            raised = "TypeError (unsupported operand type(s) for *: 'NoneType' and 'int')"
        else:
            raised = "ValueError"
        raise KerasRefuses(
            "validation_split is only supported for NumPy arrays and tensors; Keras raises "
            f"{raised} for {_with_article(_source_words(train_spec))}. Pass validation_data=... instead."
        )
    train_samples = train_spec.samples
    assert train_samples is not None
    split_at = math.floor(train_samples * (1.0 - validation.split))  # as Keras: a float product
    if split_at == 0 or split_at == train_samples:
        raise KerasRefuses(
            f"Training data contains {count_words(train_samples, 'sample')}, which is not sufficient to split it into "
            f"a validation and training set as specified by validation_split={validation.split} "
            f"(floor({train_samples} * (1 - {validation.split})) = {split_at}). Use more data or another split."
        )
    warnings = []
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
    train_spec = DataSpec(split_at, "arrays", train_spec.batch_size, False, "none", train_spec.shuffle)
    val_batch = (
        validation.batch_size or scenario.train.batch_size or _arrays_default_batch(train_samples - split_at, validation.steps)
    )
    val_spec = DataSpec(train_samples - split_at, "arrays", val_batch, False, "none", False)
    return train_spec, make_source(val_spec, val_batch, offset=split_at), warnings


def _loader_split(scenario: Scenario, validation: ValidationSplit) -> tuple[int, int, Source, Source]:
    """A loader's own split: (training samples, batch size, training source, validation source).

    ``image_dataset_from_directory(validation_split=f, subset="both")``: the last int(f * N) files of the
    shuffled list validate, both sides tf.data datasets. ``ImageDataGenerator(validation_split=f)``: the
    first int(f * N) samples validate, both sides flows (PyDatasets).
    """
    spec = scenario.train
    samples = spec.samples
    assert samples is not None
    validating = int(validation.split * samples)
    if validating == 0:
        loader = (
            "image_dataset_from_directory"
            if validation.split_by == "directory"
            else "ImageDataGenerator(validation_split=...).flow(subset='validation')"
        )
        raise KerasRefuses(
            f"{loader} with validation_split={validation.split} on {count_words(samples, 'sample')} gives the "
            f"validation side int({validation.split} x {samples:,}) = 0 samples, and Keras refuses empty data. "
            "Use more data or a larger split."
        )
    batch = spec.batch_size or ARRAYS_DEFAULT_BATCH_SIZE
    training = samples - validating
    if validation.split_by == "directory":
        train_spec = DataSpec(training, "dataset", batch, False, "none", spec.shuffle)
        val_spec = DataSpec(validating, "dataset", batch, False, "none", False)
        # The loader shuffles its file list (seeded): which samples a batch holds is not shown.
        train_source = make_source(train_spec, batch, positions_known=False)
        val_source = make_source(val_spec, batch, offset=training, positions_known=False)
        return training, batch, train_source, val_source
    val_flow_shuffle = spec.flow_shuffle if validation.flow_shuffle is None else validation.flow_shuffle
    train_spec = DataSpec(training, "image_data_generator", batch, False, "none", spec.shuffle, flow_shuffle=spec.flow_shuffle)
    val_spec = DataSpec(validating, "image_data_generator", batch, False, "none", False, flow_shuffle=val_flow_shuffle)
    return training, batch, make_source(train_spec, batch, offset=validating), make_source(val_spec, batch)


def _validation_rule(
    source: Source, steps: int | None, per_call: int, schedule: ValidationSchedule, runs: int, lost: int
) -> ValidationRule:
    """Every validation run of the fit, as pieces: evaluate() resets its iterator each time."""
    stream = source.first
    if not (source.shared_generator and isinstance(stream, PassStream)):
        evaluator = EpochIterator(source, steps, per_call)
        first, later = evaluator.run_validation(), evaluator.run_validation()
        return ValidationRule(schedule, (ValidationRunPiece(first),), (ValidationRunPiece(later),))
    return _generator_validation_rule(stream, steps, per_call, schedule, runs, lost)


def _generator_validation_rule(
    base: PassStream, steps: int | None, per_call: int, freq: ValidationSchedule, runs: int, lost: int
) -> ValidationRule:
    """Validation from a Python generator: its runs share one generator, so they differ.

    Each run gets ``chain(peeked, generator)``. On TensorFlow, tf.data prefetches ``lost`` = 1
    batch past the last one the run uses, which the next run never sees (measured with
    TensorFlow 2.21; a busy machine may prefetch more, and the plan warns so); JAX and PyTorch
    read the generator directly (``lost`` = 0).
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
        advance = run.segment.count + lost - peeked
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
        advance = max(0, min(used + lost, available) - peeked)
        from_generator = max(0, used - peeked)
        repeats = 1
        if from_generator and advance == from_generator + lost:
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
    trainer: EpochIterator | DataHandler, epochs: int
) -> tuple[tuple[Piece, ...], tuple[Piece, ...], int | None, Segment | None, str | None, bool]:
    """Run the training data in pieces: (prefix, cycle, stop index, where an endless one starts, error, stopped).

    Training stops at the epoch index given when that epoch never ends, or when it reads past
    a failing end (then the error says so). With ``stopped`` (tf.keras 2 ran out of data) the
    stop index is the epoch after the last one that ran: the fit ends there.

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
            return tuple(pieces[:start]), tuple(pieces[start:]), None, None, None, False
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
        if result.read_past and trainer.source.fails is not None:
            failure = _failed_precondition(trainer.source.fails, f"training in epoch {index + 1} of this fit")
            return tuple(pieces), (), index, None, failure, False
        if result.failure is not None:
            return tuple(pieces), (), index, None, result.failure, False
        if result.endless:
            return tuple(pieces), (), index, result.segment, None, False
        pieces.append(ExplicitPiece((TrainEpoch(result.segment, result.ran_out),)))
        index += 1
        if result.ends_fit:
            return tuple(pieces), (), index, None, None, True
    return tuple(pieces), (), None, None, None, False


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


def _with_article(words: str) -> str:
    return ("an " if words[0].lower() in "aeiou" else "a ") + words


def _source_words(spec: DataSpec) -> str:
    if spec.pipeline is not None:
        return "tf.data pipeline"
    return {
        "dataset": "tf.data.Dataset",
        "generator": "Python generator",
        "pydataset": "PyDataset",
        "image_data_generator": "ImageDataGenerator flow",
    }.get(spec.source, spec.source)


# ---------------------------------------------------------------- totals and words


def _totals(train_samples: int | None, epochs: EpochSequence) -> Totals:
    steps = epochs.train_steps()
    samples_seen = epochs.train_samples()
    validation_steps = epochs.validation_steps()
    if not train_samples:
        return Totals(steps, samples_seen, None, None, validation_steps)
    segments = epochs.train_segments()
    # A pipeline's batches need not be runs of consecutive samples (filter, shard, shuffle): which samples
    # are never seen is not worked out for it.
    pipeline = any(isinstance(segment.stream, PipelineStream) for segment in segments)
    return Totals(
        steps=steps,
        samples_seen=samples_seen,
        passes=samples_seen / train_samples,
        samples_never_seen=None if pipeline else train_samples - covered_samples(segments, train_samples),
        validation_steps=validation_steps,
    )


__all__ = ["KerasRefuses", "plan"]
