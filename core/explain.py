"""Plain-English words for a plan: its warnings (each with a fix) and its summary."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from core.epochs import EpochSequence, TrainEpoch
from core.plan import EpochPlan, Plan, PlanWarning
from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit
from core.streams import PassStream, ResumedStream

if TYPE_CHECKING:
    from core.planner import Source

# Past this many, per-epoch warnings of one kind are folded into one line.
MAX_WARNINGS_PER_CODE = 20


def explain_plan(
    scenario: Scenario,
    train_spec: DataSpec,
    train_source: Source,
    val_source: Source | None,
    epochs: EpochSequence,
    outcome: str,
    endless_epoch: int | None,
    endless_part: str | None,
) -> list[PlanWarning]:
    found: list[PlanWarning] = []
    spe = scenario.steps_per_epoch
    per_call = scenario.steps_per_execution
    train_stream = train_source.first
    per_pass = train_stream.batches_per_pass if isinstance(train_stream, PassStream) else 0

    ran_out, ran_out_count = epochs.find(lambda epoch: epoch.ran_out, MAX_WARNINGS_PER_CODE)
    for index in ran_out:
        number, epoch = index + 1, epochs[index]
        wanted = spe if spe else "one pass"
        if train_source.known_length is None:
            why = "the generator stopped yielding batches"
        else:
            why = f"the data has {per_pass} batches per pass and the iterator had used them up"
        found.append(
            PlanWarning(
                "ran_out_of_data",
                f"Epoch {number} trains {_count(epoch.train.count, 'batch')} of the {wanted} asked for: {why}. Keras warns "
                '"Your input ran out of data; interrupting training" but training goes on: the next epoch '
                "starts a fresh iterator from the first sample.",
                _ran_out_fix(train_spec, train_source, spe),
                number,
            )
        )
    _fold(found, "ran_out_of_data", ran_out_count, "epochs ran out of data")

    val_ran_out, val_ran_out_count = _validation_ran_out(epochs)
    val_steps = scenario.validation.steps if scenario.validation is not None else None
    for index in val_ran_out:
        number, epoch = index + 1, epochs[index]
        assert epoch.val is not None
        asked = f"validation_steps={val_steps}" if val_steps else "one pass"
        found.append(
            PlanWarning(
                "validation_ran_out",
                f"Validation after epoch {number} ran {_count(epoch.val.count, 'batch')}, fewer than {asked}: the "
                'validation data ran out ("Your input ran out of data"). Every validation restarts from its '
                "first batch, so every run sees the same batches.",
                "Set validation_steps to at most the number of validation batches, or leave it unset.",
                number,
            )
        )
    _fold(found, "validation_ran_out", val_ran_out_count, "validation runs ran out of data")

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
                    f"drop_remainder drops the last {remainder} of the {spec.samples} {which} samples in every "
                    f"pass: {spec.samples} = {spec.samples // spec.batch_size} x {spec.batch_size} + {remainder}. "
                    "Those samples are never seen.",
                    f"Use a batch size that divides {spec.samples}, or drop_remainder=False.",
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
                "alone decides it" + (f" ({spe} steps)." if spe else "; without it the first epoch never ends."),
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
        found.append(
            PlanWarning(
                "short_batch_every_pass",
                f".batch(B).repeat() repeats whole passes: the short batch of {train_stream.remainder} samples "
                f"comes back every {per_pass} steps, wherever it falls in an epoch.",
                "Use .repeat().batch(B) for full batches only, or drop_remainder=True.",
            )
        )

    if train_spec.source == "arrays" and train_spec.batch_size is None and spe:
        found.append(
            PlanWarning(
                "batch_size_from_steps",
                f"No batch_size with steps_per_epoch={spe}: Keras sizes array batches as "
                f"ceil({train_spec.samples} / {spe}) = {train_source.batch_size}, not the usual 32.",
                "Pass batch_size explicitly.",
            )
        )
    if scenario.train.source == "dataset":
        found.append(
            PlanWarning(
                "batch_size_ignored",
                "For a tf.data.Dataset, fit(batch_size=...) is ignored: the batches are the ones .batch() "
                f"made ({train_source.batch_size} samples each here).",
                "Change the batch size in the dataset pipeline, not in fit().",
            )
        )
        if scenario.train.shuffle:
            found.append(
                PlanWarning(
                    "shuffle_ignored",
                    "fit(shuffle=True) is ignored for a tf.data.Dataset (Keras warns): the dataset keeps its order.",
                    "Shuffle in the pipeline with .shuffle(buffer_size) before .batch().",
                )
            )

    overshoot, _ = epochs.find(lambda epoch: bool(spe) and epoch.segment.count > spe, 1)
    if overshoot:
        number, count = overshoot[0] + 1, epochs[overshoot[0]].train.count
        found.append(
            PlanWarning(
                "steps_per_execution_overshoot",
                f"steps_per_execution={per_call} runs batches in groups of {per_call}, so an epoch of "
                f"steps_per_epoch={spe} trains ceil({spe}/{per_call}) x {per_call} = {count} batches "
                f"(first in epoch {number}), and the next epoch continues after them.",
                f"Make steps_per_epoch a multiple of steps_per_execution ({per_call}).",
                number,
            )
        )

    replay_indices, _ = epochs.find(lambda epoch: _is_replay(train_source, epoch), 2)
    replayed = [index + 1 for index in replay_indices if index > 0]
    if replayed:
        found.append(
            PlanWarning(
                "generator_replay",
                "A Python generator can be read only once. Keras peeked at its first "
                f"{train_source.later.length} batch(es) to learn their shape and replays just those at the start "
                f"of every new iterator, so from epoch {replayed[0]} on each epoch sees only those batches.",
                "Loop inside the generator (while True: ...) and set steps_per_epoch, or use a "
                "keras.utils.PyDataset or tf.data.Dataset.",
                replayed[0],
            )
        )

    spec = _validation_data(scenario)
    rule = epochs.validation
    if spec is not None and spec.source == "generator" and rule is not None and rule.runs_within(len(epochs)) > 1:
        first = rule.run(0)
        resumed = not first.endless and isinstance(first.segment.stream, ResumedStream)
        left_part_way = resumed and (spec.repeat == "after_batch" or not first.ran_out)
        if left_part_way:
            found.append(
                PlanWarning(
                    "nondeterministic_validation",
                    "Every validation run reads the same Python generator: it replays the 2 batches Keras "
                    "peeked, then goes on where the last run left the generator. TensorFlow prefetches one "
                    "batch past the last one a run uses, and that batch is lost; the plan assumes exactly one, "
                    "as measured, but a busy machine can prefetch more, so later runs may differ.",
                    "Validate on arrays or a tf.data.Dataset, or on a generator that each run reads to the end.",
                )
            )
    return found


def _is_replay(source: Source, epoch: TrainEpoch) -> bool:
    return source.later is not source.first and epoch.segment.stream is source.later and epoch.segment.start == 0


def _validation_ran_out(epochs: EpochSequence) -> tuple[list[int], int]:
    """(first epoch indices whose validation ran out, how many in all), in closed form."""
    rule = epochs.validation
    if rule is None:
        return [], 0
    runs, count = rule.ran_out_runs(rule.runs_within(len(epochs)), MAX_WARNINGS_PER_CODE)
    return [(number + 1) * rule.freq - 1 for number in runs], count


def _validation_data(scenario: Scenario) -> DataSpec | None:
    validation = scenario.validation
    if isinstance(validation, ValidationSet):
        return validation
    return None


def _ran_out_fix(spec: DataSpec, source: Source, spe: int | None) -> str:
    if source.known_length is not None and spe:
        per_pass = source.known_length
        return (
            f"Set steps_per_epoch to {per_pass} (one full pass, the short batch included), leave it unset, "
            "or .repeat() the dataset so the iterator never runs out."
        )
    if spec.source == "generator":
        return "Make the generator loop forever (while True: ...) and set steps_per_epoch."
    return "Leave steps_per_epoch unset, or .repeat() the data."


def _fold(found: list[PlanWarning], code: str, count: int, words: str) -> None:
    if count > MAX_WARNINGS_PER_CODE:
        found.append(PlanWarning(code, f"... {count - MAX_WARNINGS_PER_CODE:,} more {words} in the same way (not listed)."))


# ---------------------------------------------------------------- summary


def summarize(plan: Plan, max_lines: int = 40) -> str:
    """A readable account of a plan: steps per epoch, short batches, totals, warnings.

    At most ``max_lines`` lines of epochs are listed (consecutive epochs that read the
    same share one line); the totals always count every epoch.
    """
    scenario = plan.scenario
    lines: list[str] = []
    if plan.outcome == "error":
        lines.append(f"Keras refuses this setup: {plan.error}")
        return "\n".join(lines)
    train = scenario.train
    samples = plan.train_samples
    batch = plan.train_batch_size
    where = {"arrays": "NumPy arrays", "dataset": "a tf.data.Dataset", "generator": "a Python generator"}[train.source]
    if samples is None:
        lines.append(f"Training data: an endless stream from {where}, batches of {batch}.")
    else:
        lines.append(f"Training data: {samples:,} samples from {where}, batches of {batch}.")
        if train.repeat == "none" and samples and batch:
            full, remainder = divmod(samples, batch)
            if remainder and not (train.drop_remainder and train.source != "arrays"):
                lines.append(
                    f"  {samples:,} / {batch} = {samples / batch:.4g}, so one pass is {full + 1:,} steps; "
                    f"the last batch has {remainder} samples."
                )
            elif remainder:
                lines.append(
                    f"  {samples:,} / {batch} = {samples / batch:.4g}: {full:,} full batches, {remainder} samples dropped."
                )
            else:
                lines.append(f"  {samples:,} / {batch} = {full:,} steps per pass, every batch full.")
    if isinstance(scenario.validation, ValidationSplit):
        lines.append(
            f"Validation: the last {(scenario.train.samples or 0) - (samples or 0):,} samples "
            f"(validation_split={scenario.validation.split})."
        )

    listed_up_to = 0
    for line_number, (start, stop, epoch) in enumerate(_epoch_groups(plan.epochs)):
        if line_number == max_lines:
            break
        listed_up_to = stop
        label = f"Epoch {start}" if start == stop else f"Epochs {start}-{stop}"
        sizes = _runs_words(epoch.train.runs(MAX_SUMMARY_RUNS + 1))
        first = epoch.train.first_sample
        first_words = f", from sample {first:,}" if first is not None else ""
        line = f"{label}: {_count(epoch.train.count, 'step')} ({sizes}){first_words}"
        if epoch.ran_out:
            line += "; ran out of data"
        if epoch.val is not None:
            line += f"; validation {_count(epoch.val.count, 'step')} ({_runs_words(epoch.val.runs(MAX_SUMMARY_RUNS + 1))})"
            if epoch.val_ran_out:
                line += ", ran out"
        lines.append(line)
    if len(plan.epochs) > listed_up_to:
        lines.append(f"(epochs {listed_up_to + 1:,}-{len(plan.epochs):,} are not listed here; the totals count them)")
    if plan.outcome == "endless":
        part = "training" if plan.endless_part == "train" else "validation"
        lines.append(f"Epoch {plan.endless_epoch}: {part} never ends.")

    totals = plan.totals
    label = "Total" if plan.outcome == "ok" else "Total over the epochs that finish"
    total_line = f"{label}: {totals.steps:,} training steps, {totals.samples_seen:,} samples"
    if totals.passes is not None and plan.epochs:
        total_line += f", {totals.passes:.4g} passes over the data"
    if totals.samples_never_seen and plan.epochs:
        total_line += f", {totals.samples_never_seen:,} samples never seen"
    if totals.validation_steps:
        total_line += f", {totals.validation_steps:,} validation steps"
    lines.append(total_line + ".")
    for warning in plan.warnings:
        lines.append(f"! {warning.text}")
        if warning.fix:
            lines.append(f"  Fix: {warning.fix}")
    lines.append(f"(Keras {plan.keras_version} semantics)")
    return "\n".join(lines)


MAX_SUMMARY_RUNS = 6


def _count(number: int, noun: str) -> str:
    plural = noun + ("es" if noun.endswith("ch") else "s")
    return f"{number:,} {noun if number == 1 else plural}"


def _runs_words(runs: list[list[int]]) -> str:
    if not runs:
        return "no batches"
    words = [f"{count:,} x {size}" for size, count in runs[:MAX_SUMMARY_RUNS]]
    if len(runs) > MAX_SUMMARY_RUNS:
        words.append("and so on")
    return ", ".join(words)


# The summary reads at most this many epochs; a longer plan is summed up, not listed.
MAX_SUMMARY_EPOCHS = 200


def _epoch_groups(epochs: Sequence[EpochPlan]) -> Iterator[tuple[int, int, EpochPlan]]:
    """Consecutive epochs that read the same, as (first, last, epoch), counted from 1."""
    shown = min(len(epochs), MAX_SUMMARY_EPOCHS)
    start = 0
    for index in range(1, shown + 1):
        if index == shown or _reads_as(epochs[index]) != _reads_as(epochs[start]):
            yield start + 1, index, epochs[start]
            start = index


def _reads_as(epoch: EpochPlan) -> tuple:
    return (
        epoch.train.count,
        epoch.train.first_sample,
        epoch.ran_out,
        epoch.val.count if epoch.val else None,
        epoch.val_ran_out,
        epoch.train.short_batches,
    )


def key_numbers(plan: Plan) -> list[tuple[str, str]]:
    """The headline figures of a plan, as (label, value) in words."""
    if plan.outcome == "error":
        return [("Keras", "refuses this setup")]
    totals = plan.totals
    epochs = plan.epochs
    counts = [epochs[i].train.count for i in range(min(len(epochs), 6))]
    if not counts and plan.endless_part == "val" and plan.endless_train is not None:
        per_epoch = f"{plan.endless_train.count:,} (then validation never ends)"
    elif not counts:
        per_epoch = "never ends" if plan.outcome == "endless" else "no epochs"
    elif len(set(counts)) == 1 and (len(epochs) <= 6 or _same_everywhere(plan)):
        per_epoch = f"{counts[0]:,}"
    else:
        per_epoch = ", ".join(f"{count:,}" for count in counts) + (", ..." if len(epochs) > 6 else "")
    numbers = [("Steps per epoch", per_epoch), ("Total training steps", f"{totals.steps:,}")]
    if epochs:
        first = epochs[0].train
        numbers.append(("Samples in epoch 1", f"{first.samples:,}"))
    short = _short_batch(plan)
    numbers.append(("Short batch of a pass", f"{short} samples" if short else "none"))
    if epochs and totals.samples_never_seen is not None:
        numbers.append(("Samples never seen", f"{totals.samples_never_seen:,}"))
    if epochs and totals.passes is not None:
        numbers.append(("Passes over the data", f"{totals.passes:.4g}"))
    if plan.scenario.validation is not None:
        numbers.append(("Validation steps", f"{totals.validation_steps:,}"))
    if plan.outcome == "endless":
        part = "training" if plan.endless_part == "train" else "validation"
        numbers.append(("Never ends", f"epoch {plan.endless_epoch} ({part})"))
    return numbers


def _same_everywhere(plan: Plan) -> bool:
    epochs = plan.epochs
    assert isinstance(epochs, EpochSequence)
    first = epochs[0].train.count
    different, _ = epochs.find(lambda epoch: epoch.segment.count != first, 1)
    return not different


def _short_batch(plan: Plan) -> int | None:
    """The short last batch of one pass over the training data, if the pipeline keeps one."""
    train = plan.scenario.train
    samples, batch = plan.train_samples, plan.train_batch_size
    if not samples or not batch or train.repeat == "before_batch" or (train.drop_remainder and train.source != "arrays"):
        return None
    return samples % batch or None
