"""What Keras warns about a plan, and the traps a student needs told, each with a fix."""

from __future__ import annotations

from core.data.sources import Source, make_source
from core.data.streams import PassStream, ResumedStream, expand_runs
from core.keras.epochs import EpochSequence, TrainEpoch
from core.keras.flavour import rules_of
from core.keras.replicas import replica_split
from core.plan import PlanWarning
from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit
from core.words import capital, count_words, epochs_words, ordinal

# A warning that concerns many epochs names at most this many of them one by one.
MAX_EPOCHS_NAMED = 20


def explain_plan(
    scenario: Scenario,
    train_spec: DataSpec,
    train_source: Source,
    val_source: Source | None,
    epochs: EpochSequence,
    outcome: str,
    endless_epoch: int | None,
    endless_part: str | None,
    stopped_epoch: int | None = None,
) -> list[PlanWarning]:
    found: list[PlanWarning] = []
    legacy = getattr(scenario, "keras", "3") == "2"
    spe = scenario.steps_per_epoch
    per_call = scenario.steps_per_execution
    train_stream = train_source.first
    per_pass = train_stream.batches_per_pass if isinstance(train_stream, PassStream) else 0

    wanted = f"{spe:,} asked for" if spe else "one pass asked for"
    if train_source.known_length is None and train_source.pipeline:
        why = (
            "Keras does not know the pipeline's length (tf.data says UNKNOWN after filter, unbatch or rebatch), so it "
            "reads until the data runs out, every time"
        )
    elif train_source.known_length is None:
        why = "the generator stopped yielding batches"
    elif not per_pass:
        why = f"the data has {count_words(train_source.known_length, 'batch')} and the iterator had used them up"
    else:
        why = f"the data has {count_words(per_pass, 'batch')} per pass and the iterator had used them up"
    if stopped_epoch is not None:
        found.append(_fit_stopped(scenario, train_spec, train_source, epochs, stopped_epoch))
    for numbers, first_number, epoch_count, batches in [] if legacy else _ran_out_groups(epochs):
        if batches is None:
            what = f"stop{'s' if epoch_count == 1 else ''} short of the {wanted}"
        elif epoch_count == 1:
            what = f"trains {count_words(batches, 'batch')} of the {wanted}"
        else:
            what = f"each train {count_words(batches, 'batch')} of the {wanted}"
        found.append(
            PlanWarning(
                "ran_out_of_data",
                f"{capital(numbers)} {what}: {why}. Keras warns "
                '"Your input ran out of data; interrupting training" but training goes on: the next epoch '
                "starts a fresh iterator from the first sample.",
                _ran_out_fix(train_spec, train_source, spe),
                first_number,
            )
        )

    val_steps = scenario.validation.steps if scenario.validation is not None else None
    asked = f"validation_steps={val_steps:,}" if val_steps else "one pass"
    val_spec = _validation_data(scenario)
    restart_words = (
        ""  # a generator's runs share it, so they need not see the same batches
        if val_spec is not None and val_spec.source == "generator"
        else " Every validation restarts from its first batch, so every run sees the same batches."
    )
    if legacy:
        # tf.keras 2's handler remembers that it ran out: every later run gets no batch at all.
        restart_words = " tf.keras 2 then gives every later validation run no batch at all (Keras 3 would restart it)."
    for numbers, first_epoch, batches, run_count in _validation_ran_out_groups(epochs):
        ran = f"ran {count_words(batches, 'batch')}" + (" each" if run_count > 1 else "")
        if legacy and batches == 0:
            text = (
                f"Validation after {numbers} finds the Python generator used up by the run before (tf.keras 2 "
                'does not replay it): no batch, and Keras warns "Your input ran out of data".' + restart_words
            )
        else:
            text = (
                f"Validation after {numbers} {ran}, fewer than {asked}: the validation data ran out "
                '("Your input ran out of data").' + restart_words
            )
        found.append(
            PlanWarning(
                "validation_ran_out",
                text,
                "Set validation_steps to at most the number of validation batches, or leave it unset."
                if not (legacy and batches == 0)
                else "Validate on arrays or a tf.data.Dataset, or a looping generator (while True: ...) with validation_steps.",
                first_epoch,
            )
        )

    if outcome == "endless" and endless_part == "train":
        found.append(
            PlanWarning(
                "endless_epoch",
                f"Epoch {endless_epoch} never ends: the training data repeats forever (or has no length) and "
                "steps_per_epoch is not set, so Keras keeps stepping through epoch "
                f"{endless_epoch}. No epoch end, no validation, no callbacks' on_epoch_end.",
                "Set steps_per_epoch (for example the number of batches in one pass), or remove .repeat().",
                endless_epoch,
            )
        )
    if outcome == "endless" and endless_part == "val":
        found.append(
            PlanWarning(
                "endless_validation",
                f"Validation after epoch {endless_epoch} never ends: the validation data repeats forever (or "
                "has no length) and validation_steps is not set.",
                "Set validation_steps, or remove .repeat() from the validation data.",
                endless_epoch,
            )
        )

    for spec, which in ((train_spec, "training"), (_validation_data(scenario), "validation")):
        if spec is None or spec.samples is None or not spec.batch_size:
            continue
        remainder = spec.samples % spec.batch_size
        if spec.drop_remainder and remainder and spec.source != "arrays" and spec.repeat != "before_batch":
            found.append(
                PlanWarning(
                    "dropped_samples",
                    f"drop_remainder drops the last {remainder:,} of the {spec.samples:,} {which} samples in every "
                    f"pass: {spec.samples:,} = {spec.samples // spec.batch_size:,} x {spec.batch_size:,} + {remainder:,}. "
                    "Those samples are never seen.",
                    f"Use a batch size that divides {spec.samples:,}, or drop_remainder=False.",
                )
            )
        if spec.drop_remainder and spec.source == "arrays":
            found.append(
                PlanWarning(
                    "drop_remainder_ignored",
                    f"NumPy arrays have no drop_remainder: Keras keeps the short last batch of {which} data.",
                    'Use a tf.data.Dataset (source "dataset") to drop it.',
                )
            )

    if train_spec.samples is None:
        found.append(
            PlanWarning(
                "no_length",
                "The training data has no length: Keras cannot know where an epoch ends, so steps_per_epoch "
                "alone decides it" + (f" ({count_words(spe, 'step')})." if spe else "; without it the first epoch never ends."),
                "Always give steps_per_epoch (and validation_steps for an endless validation set) with a stream.",
            )
        )
    elif train_spec.repeat == "before_batch" and train_spec.samples:
        found.append(
            PlanWarning(
                "batches_cross_passes",
                f".repeat().batch({train_source.batch_size}) batches the endless stream of samples: every batch is "
                "full, and a batch can hold the last samples of one pass and the first of the next.",
                "Use .batch(B).repeat() if each pass must end with its own (short) batch.",
            )
        )
    elif (
        train_spec.repeat == "after_batch"
        and isinstance(train_stream, PassStream)
        and per_pass
        and train_stream.remainder
        and not train_stream.drop_remainder
    ):
        if per_pass == 1:
            text = (
                f".batch({train_stream.batch_size}).repeat() on {count_words(train_stream.samples, 'sample')}: a pass is a "
                f"single batch of {count_words(train_stream.remainder, 'sample')}, so every batch holds "
                f"{count_words(train_stream.remainder, 'sample')}, never {train_stream.batch_size}."
            )
        else:
            text = (
                f".batch(B).repeat() repeats whole passes: the short batch of {count_words(train_stream.remainder, 'sample')} "
                f"comes back every {per_pass:,} steps, wherever it falls in an epoch."
            )
        fix = (
            f"Use .repeat().batch({train_stream.batch_size}) to fill every batch, or a batch size of at most "
            f"{train_stream.samples:,}."
            if per_pass == 1
            else "Use .repeat().batch(B) for full batches only, or drop_remainder=True."
        )
        found.append(PlanWarning("short_batch_every_pass", text, fix))

    if train_spec.source == "arrays" and train_spec.batch_size is None and spe:
        found.append(
            PlanWarning(
                "batch_size_from_steps",
                f"No batch_size with steps_per_epoch={spe}: Keras sizes array batches as "
                f"ceil({train_spec.samples} / {spe}) = {train_source.batch_size}, not the usual 32.",
                "Pass batch_size explicitly.",
            )
        )
    if _fit_batch_size_ignored(scenario):
        where = _source_words(scenario.train.source)
        found.append(
            PlanWarning(
                "batch_size_ignored",
                f"fit(batch_size={scenario.train.batch_size}) does not batch a {where}: its own batches train. "
                "Keras uses it only for the validation arrays, because validation_batch_size is not given.",
                "To batch the validation arrays differently, pass validation_batch_size.",
            )
        )
    if _shuffle_ignored(scenario):
        where = _source_words(scenario.train.source)
        if scenario.train.source == "pydataset":
            where = "PyDataset with no length (num_batches None)"
        found.append(
            PlanWarning(
                "shuffle_ignored",
                f"fit(shuffle=True) is ignored for a {where} (Keras warns): the data keeps its order.",
                "Shuffle in the pipeline with .shuffle(buffer_size) before .batch()."
                if scenario.train.source == "dataset"
                else "Shuffle inside the generator or PyDataset, or pass shuffle=False to fit().",
            )
        )

    overshoot, _ = epochs.find(lambda epoch: bool(spe) and epoch.segment.count > spe, 1)
    if overshoot:
        number, count = epochs.initial_epoch + overshoot[0] + 1, epochs[overshoot[0]].train.count
        found.append(
            PlanWarning(
                "steps_per_execution_overshoot",
                f"steps_per_execution={per_call} runs batches in groups of {per_call:,}, so an epoch of "
                f"steps_per_epoch={spe} trains ceil({spe}/{per_call}) x {per_call} = {count_words(count, 'batch')} "
                f"(first in epoch {number}), and the next epoch continues after them.",
                f"Make steps_per_epoch a multiple of steps_per_execution ({per_call}).",
                number,
            )
        )

    replay_indices, _ = epochs.find(lambda epoch: _is_replay(train_source, epoch), 2)
    replayed = [epochs.initial_epoch + index + 1 for index in replay_indices if index > 0]
    if replayed:
        found.append(
            PlanWarning(
                "generator_replay",
                "A Python generator can be read only once. Keras peeked at its first "
                f"{count_words(train_source.later.length or 0, 'batch')} to learn their shape and replays just those at "
                f"the start of every new iterator, so from epoch {replayed[0]} on each epoch sees only those batches.",
                "Loop inside the generator (while True: ...) and set steps_per_epoch, or use a "
                "keras.utils.PyDataset or tf.data.Dataset.",
                replayed[0],
            )
        )

    spec = _validation_data(scenario)
    rule = epochs.validation
    lost = rules_of(scenario).batches_lost_after_validation_run
    if lost and spec is not None and spec.source == "generator" and rule is not None and rule.runs_within(len(epochs)) > 1:
        first = rule.run(0)
        resumed = not first.endless and isinstance(first.segment.stream, ResumedStream)
        left_part_way = resumed and (spec.repeat == "after_batch" or not first.ran_out)
        if left_part_way:
            assert isinstance(first.segment.stream, ResumedStream)
            peeked = count_words(first.segment.stream.peeked, "batch")
            if legacy:
                text = (
                    "Every validation run reads on in the same Python generator from where the last run left it "
                    "(tf.keras 2 does not restart it). TensorFlow prefetches past the last batch a run uses, and "
                    "what it prefetched is lost: 2 or 3 batches were measured, the plan assumes 2, so later runs may differ."
                )
            else:
                text = (
                    f"Every validation run reads the same Python generator: it replays the {peeked} Keras "
                    "peeked, then goes on where the last run left the generator. TensorFlow prefetches one "
                    "batch past the last one a run uses, and that batch is lost; the plan assumes exactly one, "
                    "as measured, but a busy machine can prefetch more, so later runs may differ."
                )
            found.append(
                PlanWarning(
                    "nondeterministic_validation",
                    text,
                    "Validate on arrays or a tf.data.Dataset, or on a generator that each run reads to the end.",
                )
            )
    found.extend(_input_pipeline_warnings(scenario, train_source, val_source, epochs, outcome))
    uneven = _uneven_split(epochs, keras3=not legacy)
    if uneven is not None:
        found.append(uneven)
    return found


def _uneven_split(epochs: EpochSequence, keras3: bool) -> PlanWarning | None:
    """MirroredStrategy: a global batch that leaves devices with fewer samples than others, or none."""
    replicas = epochs.replicas
    if replicas <= 1 or not len(epochs):
        return None
    first = epochs[0]
    runs = first.train.largest_first() if first.train_order == "random" else expand_runs(first.train.compact_runs(), 8)
    sizes = [size for size in dict.fromkeys(size for size, _count in runs) if size % replicas]
    if not sizes:
        return None
    size = sizes[0]
    split = replica_split(size, replicas)
    idle = split.count(0)
    shares = ", ".join(str(part) for part in split)
    what = (
        f"{count_words(idle, 'device')} get{'s' if idle == 1 else ''} no sample at all in that step"
        if idle
        else "the devices do unequal work in that step"
    )
    chance = ""
    if first.train_order == "random" and keras3:
        chance = (
            " The batches come in a new random order every pass, so this one can come first; Keras 3 then fails "
            "(InvalidArgumentError from AddN), as it does whenever the first batch does not split evenly."
        )
    return PlanWarning(
        "uneven_replica_split",
        f"MirroredStrategy splits the batch of {size:,} across the {replicas} devices as {shares}: {what}, "
        f"since the devices take ceil({size:,} / {replicas}) = {count_words(split[0], 'sample')} each, in turn, until "
        "the batch is used up." + chance,
        f"Use a batch size, and a number of samples, that are multiples of {replicas} (or drop the short batch).",
        first.number,
    )


def _fit_stopped(
    scenario: Scenario, train_spec: DataSpec, train_source: Source, epochs: EpochSequence, stopped_epoch: int
) -> PlanWarning:
    """tf.keras 2 ran out of training data: the whole fit ends after this epoch (Keras 3 would go on)."""
    spe = scenario.steps_per_epoch
    last = epochs[len(epochs) - 1]
    trained = count_words(last.train.count, "batch")
    asked = f"the {spe:,} asked for" if spe else "a whole pass"
    if train_spec.source == "arrays":
        passes = count_words(max(0, scenario.epochs - scenario.initial_epoch), "pass")
        have = f"the {passes} over the arrays that tf.keras 2 prepares (one per epoch) are used up"
    elif train_spec.source == "generator":
        have = "the generator has nothing more to give"
    else:
        have = "the iterator kept across epochs is used up"
    validation = " (its validation still runs)" if last.val is not None else ""
    if stopped_epoch < scenario.epochs:
        never = (
            f"epoch {scenario.epochs:,}"
            if stopped_epoch + 1 == scenario.epochs
            else (f"epochs {stopped_epoch + 1:,}-{scenario.epochs:,}")
        )
        ends = (
            f"ends the whole fit after epoch {stopped_epoch:,}{validation}: {never} never run"
            f"{'s' if stopped_epoch + 1 == scenario.epochs else ''}. Keras 3 would start epoch {stopped_epoch + 1:,} "
            "afresh from the first batch instead."
        )
    else:
        ends = f"ends the fit there{validation}; it was the last epoch anyway."
    where = (
        f"at the start of epoch {stopped_epoch:,}"
        if not last.train.count
        else (f"in epoch {stopped_epoch:,} after {trained} of {asked}")
    )
    return PlanWarning(
        "ran_out_of_data",
        f'The data ran out {where}: {have}. tf.keras 2 warns "Your input ran out of data; interrupting training" and {ends}',
        _legacy_ran_out_fix(train_spec, train_source, spe, scenario),
        stopped_epoch,
    )


def _legacy_ran_out_fix(spec: DataSpec, source: Source, spe: int | None, scenario: Scenario) -> str:
    epochs = max(0, scenario.epochs - scenario.initial_epoch)
    if spec.source == "generator":
        return "Make the generator loop forever (while True: ...) and set steps_per_epoch."
    if spec.source == "arrays":
        return "Leave steps_per_epoch unset (one pass per epoch), or make steps_per_epoch at most the batches of one pass."
    if source.known_length is not None and spe:
        return (
            f"Give the data at least steps_per_epoch x epochs = {spe * epochs:,} batches with .repeat(), or set "
            f"steps_per_epoch to {source.known_length:,} (one pass: then every epoch starts afresh)."
        )
    return "Use .repeat() on the dataset and set steps_per_epoch, or leave steps_per_epoch unset."


def _fit_batch_size_ignored(scenario: Scenario) -> bool:
    """Keras ignores fit(batch_size=...) for training data that comes batched (tf.data, a generator).

    A scenario passes fit(batch_size=B) only where it matters: validation arrays with no
    validation_batch_size of their own are batched by it. Only then is there a batch_size
    in fit() that a student could take for the training batch size.
    """
    validation = scenario.validation
    return (
        scenario.train.source != "arrays"
        and scenario.train.batch_size is not None
        and isinstance(validation, ValidationSet)
        and validation.source == "arrays"
        and validation.batch_size is None
    )


def _shuffle_ignored(scenario: Scenario) -> bool:
    """fit(shuffle=True) with data Keras cannot shuffle: tf.data, a generator, an endless PyDataset."""
    train = scenario.train
    if not train.shuffle:
        return False
    if train.source in ("dataset", "generator"):
        return True
    if isinstance(scenario.validation, ValidationSplit) and scenario.validation.split_by == "directory":
        return True  # image_dataset_from_directory gives a tf.data dataset
    return train.source == "pydataset" and train.samples is None


def _source_words(source: str) -> str:
    return {"dataset": "tf.data.Dataset", "generator": "Python generator"}.get(source, source)


def _is_replay(source: Source, epoch: TrainEpoch) -> bool:
    return source.later is not source.first and epoch.segment.stream is source.later and epoch.segment.start == 0


def _ran_out_groups(epochs: EpochSequence) -> list[tuple[str, int, int, int | None]]:
    """Epochs whose training ran out, grouped by how many batches they trained, in closed form.

    (the epochs in words, the first epoch's number, how many epochs, batches each or None
    for the epochs of other counts that are only counted), in epoch order.
    """
    found, total = epochs.find(lambda epoch: epoch.ran_out, MAX_EPOCHS_NAMED)
    groups: list[tuple[str, int, int, int | None]] = []
    counts = list(dict.fromkeys(epochs.train_epoch(index).segment.count for index in found))
    covered = 0
    for batches in counts:

        def same(epoch: TrainEpoch, batches: int = batches) -> bool:
            return epoch.ran_out and epoch.segment.count == batches

        hits, hits_total = epochs.find(same, MAX_EPOCHS_NAMED)
        step = 1 if epochs.find(same, 0, stop=hits[0] + hits_total)[1] == hits_total else None
        first = epochs.initial_epoch + 1
        groups.append((epochs_words([first + index for index in hits], hits_total, step), hits[0] + first, hits_total, batches))
        covered += hits_total
    if total > covered:  # counts first seen past the epochs listed: counted, not described one by one

        def other(epoch: TrainEpoch) -> bool:
            return epoch.ran_out and epoch.segment.count not in counts

        hits, hits_total = epochs.find(other, MAX_EPOCHS_NAMED)
        first = epochs.initial_epoch + 1
        groups.append((epochs_words([first + index for index in hits], hits_total, None), hits[0] + first, hits_total, None))
    return sorted(groups, key=lambda group: group[1])


def _validation_ran_out_groups(epochs: EpochSequence) -> list[tuple[str, int, int, int]]:
    """Validation runs that ran out, grouped by how many batches they ran, in closed form.

    (the epochs they follow in words, the first of those epochs, batches each, how many runs).
    """
    rule = epochs.validation
    if rule is None:
        return []
    runs = rule.runs_within(len(epochs))
    found, _total = rule.ran_out_runs(runs, MAX_EPOCHS_NAMED)
    groups = []
    for batches in dict.fromkeys(rule.run(number).segment.count for number in found):
        hits, hits_total = rule.ran_out_runs(runs, MAX_EPOCHS_NAMED, batches)
        every_run = rule.ran_out_runs(hits[0] + hits_total, 0, batches)[1] == hits_total
        numbers = [rule.epoch_number_of_run(number) for number in hits]
        spacing = rule.freq if every_run and isinstance(rule.freq, int) else None
        groups.append((epochs_words(numbers, hits_total, spacing), numbers[0], batches, hits_total))
    return sorted(groups, key=lambda group: group[1])


def _validation_data(scenario: Scenario) -> DataSpec | None:
    validation = scenario.validation
    if isinstance(validation, ValidationSet):
        return validation
    return None


def _ran_out_fix(spec: DataSpec, source: Source, spe: int | None) -> str:
    if source.known_length is not None and spe:
        per_pass = source.known_length
        whole_pass = f"Set steps_per_epoch to {per_pass} (one full pass, the short batch included)"
        if spec.source != "dataset":  # arrays, a PyDataset or a flow have no .repeat() to offer
            return f"{whole_pass}, or leave it unset."
        return f"{whole_pass}, leave it unset, or .repeat() the dataset so the iterator never runs out."
    if spec.source == "generator":
        return "Make the generator loop forever (while True: ...) and set steps_per_epoch."
    if source.pipeline and source.known_length is None:
        return (
            "Give the pipeline a length Keras knows (.apply(tf.data.experimental.assert_cardinality(n)) after the "
            "filter, unbatch or rebatch), or .repeat() it and set steps_per_epoch."
        )
    return "Leave steps_per_epoch unset, or .repeat() the data."


def _input_pipeline_warnings(
    scenario: Scenario, train_source: Source, val_source: Source | None, epochs: EpochSequence, outcome: str
) -> list[PlanWarning]:
    """The traps of real input pipelines and of initial_epoch and gradient accumulation."""
    found: list[PlanWarning] = []
    if scenario.initial_epoch:
        ran = max(0, scenario.epochs - scenario.initial_epoch)
        found.append(
            PlanWarning(
                "initial_epoch_numbering",
                f"epochs={scenario.epochs} is the number of the last epoch, not a count: with "
                f"initial_epoch={scenario.initial_epoch} fit runs "
                + (
                    f"epochs {scenario.initial_epoch + 1}-{scenario.epochs} ({count_words(ran, 'epoch')}), "
                    "starting the data afresh."
                    if ran
                    else "no epoch at all."
                ),
                f"To train {count_words(scenario.epochs, 'more epoch')}, pass epochs={scenario.initial_epoch + scenario.epochs}.",
            )
        )
    split = scenario.validation
    if isinstance(split, ValidationSplit) and split.split_by != "fit" and scenario.train.samples:
        samples = scenario.train.samples
        theirs = int(split.split * samples)
        fits = samples - int(samples * (1.0 - split.split) // 1)
        if theirs != fits:
            loader = "image_dataset_from_directory" if split.split_by == "directory" else "ImageDataGenerator"
            found.append(
                PlanWarning(
                    "split_rounding",
                    f"{loader}(validation_split={split.split}) validates int({split.split} x {samples:,}) = {theirs:,} "
                    f"samples, while fit(validation_split={split.split}) would validate {samples:,} - "
                    f"floor({samples:,} x (1 - {split.split})) = {fits:,}: the two splits round differently.",
                    "Choose a split that gives a whole number of samples, or split the data yourself.",
                )
            )
    for source, which, spec in (
        (train_source, "training", scenario.train),
        (val_source, "validation", _validation_data(scenario)),
    ):
        if source is None:
            continue
        # tf.keras 2 learns an unknown length exactly and warns nothing: no trap there.
        legacy = getattr(scenario, "keras", "3") == "2"
        if source.pipeline and source.known_length is None and source.first.length is not None and not legacy:
            found.append(
                PlanWarning(
                    "unknown_length",
                    f"Keras does not know the length of the {which} pipeline: after filter, unbatch or rebatch tf.data "
                    "says UNKNOWN. Keras reads until the data runs out and learns the length as the true length plus "
                    'steps_per_execution, so every epoch warns "Your input ran out of data", and with steps_per_epoch '
                    "an iterator used up exactly gives the next epoch no batch at all.",
                    "Add .apply(tf.data.experimental.assert_cardinality(n)) with the true count, or .repeat() and "
                    "steps_per_epoch.",
                )
            )
        if source.fails is not None and outcome != "error":
            found.append(
                PlanWarning(
                    "assert_cardinality_cuts",
                    f"The {which} pipeline's assert_cardinality is smaller than what the data yields, and nothing reads "
                    "past it: Keras silently trains on the asserted count only and never sees the rest. "
                    f"({source.fails})",
                    "Make assert_cardinality's count what the data really yields.",
                )
            )
        unchecked = _assert_not_checked(scenario, spec)
        if unchecked is not None and outcome != "error":
            found.append(
                PlanWarning(
                    "assert_cardinality_unchecked",
                    f"The {which} pipeline's assert_cardinality does not hold ({unchecked}), and MirroredStrategy's "
                    f"distributed dataset does not check it: Keras takes the asserted count as the length and reads "
                    "the real batches under it, with no error (on one device, reading past it raises "
                    "FailedPreconditionError).",
                    "Make assert_cardinality's count what the data really yields.",
                )
            )
        if spec is not None and spec.pipeline is not None and _shuffles_before_split(spec):
            found.append(
                PlanWarning(
                    "shuffle_before_split",
                    f"The {which} pipeline shuffles (reshuffle_each_iteration=True) before take or skip: every epoch "
                    "draws a new order first, so the samples take and skip choose change every epoch, and a "
                    "validation set split this way leaks into training.",
                    "Split first (take/skip), then shuffle the training part; or shuffle with reshuffle_each_iteration=False.",
                )
            )
    train_stream = train_source.first
    if (
        train_source.order_random
        and isinstance(train_stream, PassStream)
        and train_stream.remainder
        and not train_stream.drop_remainder
        and train_stream.batches_per_pass > 1
    ):
        found.append(
            PlanWarning(
                "short_batch_anywhere",
                f"fit(shuffle=True) draws a new order of the {count_words(train_stream.batches_per_pass, 'batch')} every "
                f"pass, so the short batch of {count_words(train_stream.remainder, 'sample')} can come anywhere, not "
                "last; the plan lists each epoch's sizes largest first."
                + (" An epoch that reads part of a pass may or may not get it." if scenario.steps_per_epoch else ""),
                "Use a batch size that divides the samples, or drop the short batch in the PyDataset.",
            )
        )
    accumulation = scenario.gradient_accumulation_steps
    if accumulation is not None and epochs:
        crossing, _ = epochs.find(lambda epoch: epoch.segment.count % accumulation != 0, 1)
        short = train_stream.short_batches_in(0, train_stream.length or 0) if train_stream.length else 0
        if crossing or short:
            number = epochs.initial_epoch + crossing[0] + 1 if crossing else None
            text = f"gradient_accumulation_steps={accumulation}: the weights change after every {ordinal(accumulation)} batch"
            if crossing:
                count = epochs[crossing[0]].train.count
                text += (
                    f", counted across epoch ends: epoch {number}'s {count_words(count, 'batch')} are not a multiple of "
                    f"{accumulation}, so an update mixes batches of two epochs"
                )
            if short:
                text += ", and a short batch weighs as much as a full one in the mean of the accumulated gradients"
            found.append(
                PlanWarning(
                    "accumulation_crosses_epochs",
                    text + ".",
                    f"Make the batches per epoch a multiple of {accumulation}, and the batch size divide the samples.",
                    number,
                )
            )
    return found


def _assert_not_checked(scenario: Scenario, spec: DataSpec | None) -> str | None:
    """What a false assert_cardinality would raise, where the flavour does not check it (else None)."""
    if spec is None or spec.pipeline is None or rules_of(scenario).asserts_cardinality:
        return None
    if not any(step.op == "assert_cardinality" for step in spec.pipeline):
        return None
    return make_source(spec, spec.batch_size or 0).fails


def _shuffles_before_split(spec: DataSpec) -> bool:
    """A reshuffling shuffle, then take or skip: the split changes every time the pipeline is read."""
    assert spec.pipeline is not None
    shuffled = False
    for step in spec.pipeline:
        if step.op == "shuffle" and step.buffer_size > 1 and step.reshuffle_each_iteration:
            shuffled = True
        elif step.op in ("take", "skip") and shuffled:
            return True
    return False
