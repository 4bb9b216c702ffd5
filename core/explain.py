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
) -> list[PlanWarning]:
    found: list[PlanWarning] = []
    spe = scenario.steps_per_epoch
    per_call = scenario.steps_per_execution
    train_stream = train_source.first
    per_pass = train_stream.batches_per_pass if isinstance(train_stream, PassStream) else 0

    wanted = f"{spe:,} asked for" if spe else "one pass asked for"
    if train_source.known_length is None:
        why = "the generator stopped yielding batches"
    else:
        why = f"the data has {count_words(per_pass, 'batch')} per pass and the iterator had used them up"
    for numbers, first_number, epoch_count, batches in _ran_out_groups(epochs):
        if batches is None:
            what = f"stop{'s' if epoch_count == 1 else ''} short of the {wanted}"
        elif epoch_count == 1:
            what = f"trains {count_words(batches, 'batch')} of the {wanted}"
        else:
            what = f"each train {count_words(batches, 'batch')} of the {wanted}"
        found.append(
            PlanWarning(
                "ran_out_of_data",
                f"{_capital(numbers)} {what}: {why}. Keras warns "
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
    for numbers, first_epoch, batches, run_count in _validation_ran_out_groups(epochs):
        ran = f"ran {count_words(batches, 'batch')}" + (" each" if run_count > 1 else "")
        found.append(
            PlanWarning(
                "validation_ran_out",
                f"Validation after {numbers} {ran}, fewer than {asked}: the validation data ran out "
                '("Your input ran out of data").' + restart_words,
                "Set validation_steps to at most the number of validation batches, or leave it unset.",
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
    if scenario.train.source != "arrays" and scenario.train.shuffle:
        where = _source_words(scenario.train.source)
        found.append(
            PlanWarning(
                "shuffle_ignored",
                f"fit(shuffle=True) is ignored for a {where} (Keras warns): the data keeps its order.",
                "Shuffle in the pipeline with .shuffle(buffer_size) before .batch()."
                if scenario.train.source == "dataset"
                else "Shuffle inside the generator, or pass shuffle=False to fit().",
            )
        )

    overshoot, _ = epochs.find(lambda epoch: bool(spe) and epoch.segment.count > spe, 1)
    if overshoot:
        number, count = overshoot[0] + 1, epochs[overshoot[0]].train.count
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
    replayed = [index + 1 for index in replay_indices if index > 0]
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
    if spec is not None and spec.source == "generator" and rule is not None and rule.runs_within(len(epochs)) > 1:
        first = rule.run(0)
        resumed = not first.endless and isinstance(first.segment.stream, ResumedStream)
        left_part_way = resumed and (spec.repeat == "after_batch" or not first.ran_out)
        if left_part_way:
            assert isinstance(first.segment.stream, ResumedStream)
            peeked = count_words(first.segment.stream.peeked, "batch")
            found.append(
                PlanWarning(
                    "nondeterministic_validation",
                    f"Every validation run reads the same Python generator: it replays the {peeked} Keras "
                    "peeked, then goes on where the last run left the generator. TensorFlow prefetches one "
                    "batch past the last one a run uses, and that batch is lost; the plan assumes exactly one, "
                    "as measured, but a busy machine can prefetch more, so later runs may differ.",
                    "Validate on arrays or a tf.data.Dataset, or on a generator that each run reads to the end.",
                )
            )
    return found


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
        groups.append((_epochs_words([index + 1 for index in hits], hits_total, step), hits[0] + 1, hits_total, batches))
        covered += hits_total
    if total > covered:  # counts first seen past the epochs listed: counted, not described one by one

        def other(epoch: TrainEpoch) -> bool:
            return epoch.ran_out and epoch.segment.count not in counts

        hits, hits_total = epochs.find(other, MAX_EPOCHS_NAMED)
        groups.append((_epochs_words([index + 1 for index in hits], hits_total, None), hits[0] + 1, hits_total, None))
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
        numbers = [(number + 1) * rule.freq for number in hits]
        groups.append((_epochs_words(numbers, hits_total, rule.freq if every_run else None), numbers[0], batches, hits_total))
    return sorted(groups, key=lambda group: group[1])


def _epochs_words(numbers: list[int], total: int, step: int | None) -> str:
    """Epoch numbers as people write them: "epoch 2", "epochs 2, 4 and 6", "epochs 2-90".

    ``numbers`` are the first of ``total`` epochs; ``step`` says that all of them are
    ``numbers[0]``, ``numbers[0] + step``, ... (known without listing them).
    """
    first = numbers[0]
    if total == 1:
        return f"epoch {first:,}"
    if step is not None:
        last = first + (total - 1) * step
        if total == 2:
            return f"epochs {first:,} and {last:,}"
        if step == 1:
            return f"epochs {first:,}-{last:,}"
        if total == 3:
            return f"epochs {first:,}, {first + step:,} and {last:,}"
        return f"every {_ordinal(step)} epoch from {first:,} to {last:,}"
    if total == len(numbers):
        return "epochs " + _and_list(_ranges(numbers))
    return f"{total:,} epochs (" + ", ".join(f"{number:,}" for number in numbers[:5]) + ", ...)"


def _ranges(numbers: list[int]) -> list[str]:
    """Sorted numbers with runs of three or more consecutive ones written "a-b"."""
    out: list[str] = []
    start = 0
    for index in range(1, len(numbers) + 1):
        if index == len(numbers) or numbers[index] != numbers[index - 1] + 1:
            run = numbers[start:index]
            out += [f"{run[0]:,}-{run[-1]:,}"] if len(run) >= 3 else [f"{number:,}" for number in run]
            start = index
    return out


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number:,}{suffix}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


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
        lines.append(f"Training data: an endless stream from {where}, batches of {batch:,}.")
    else:
        lines.append(f"Training data: {count_words(samples, 'sample')} from {where}, batches of {batch:,}.")
        if train.repeat == "none" and samples and batch:
            full, remainder = divmod(samples, batch)
            if remainder and not (train.drop_remainder and train.source != "arrays"):
                lines.append(
                    f"  {samples:,} / {batch:,} = {_quotient_words(samples, batch)}, so one pass is "
                    f"{count_words(full + 1, 'step')}; the last batch has {count_words(remainder, 'sample')}."
                )
            elif remainder:
                lines.append(
                    f"  {samples:,} / {batch:,} = {_quotient_words(samples, batch)}: {count_words(full, 'full batch')}, "
                    f"{count_words(remainder, 'sample')} dropped."
                )
            else:
                lines.append(f"  {samples:,} / {batch:,} = {count_words(full, 'step')} per pass, every batch full.")
    if isinstance(scenario.validation, ValidationSplit):
        lines.append(
            f"Validation: the last {count_words((scenario.train.samples or 0) - (samples or 0), 'sample')} "
            f"(validation_split={scenario.validation.split})."
        )

    listed_up_to = 0
    for line_number, (start, stop, epoch) in enumerate(_epoch_groups(plan.epochs)):
        if line_number == max_lines:
            break
        listed_up_to = stop
        label = f"Epoch {start}" if start == stop else f"Epochs {start}-{stop}"
        sizes = _runs_words(epoch.train.compact_runs())
        first = epoch.train.first_sample
        first_words = f", from sample {first:,}" if first is not None else ""
        line = f"{label}: {count_words(epoch.train.count, 'step')} ({sizes}){first_words}"
        if epoch.ran_out:
            line += "; ran out of data"
        if epoch.val is not None:
            line += f"; validation {count_words(epoch.val.count, 'step')} ({_runs_words(epoch.val.compact_runs())})"
            if epoch.val_ran_out:
                line += ", ran out"
        lines.append(line)
    if len(plan.epochs) > listed_up_to:
        rest = _epochs_words([listed_up_to + 1], len(plan.epochs) - listed_up_to, 1)
        lines.append(f"({_capital(rest)} {'is' if rest.startswith('epoch ') else 'are'} not listed here; the totals count them)")
    if plan.outcome == "endless":
        part = "training" if plan.endless_part == "train" else "validation"
        lines.append(f"Epoch {plan.endless_epoch}: {part} never ends.")

    totals = plan.totals
    label = "Total" if plan.outcome == "ok" else "Total over the epochs that finish"
    total_line = f"{label}: {count_words(totals.steps, 'training step')}, {count_words(totals.samples_seen, 'sample')}"
    if totals.passes is not None and plan.epochs:
        total_line += f", {_passes_words(totals.passes)} over the data"
    if totals.samples_never_seen and plan.epochs:
        total_line += f", {count_words(totals.samples_never_seen, 'sample')} never seen"
    if totals.validation_steps:
        total_line += f", {count_words(totals.validation_steps, 'validation step')}"
    lines.append(total_line + ".")
    for warning in plan.warnings:
        lines.append(f"! {warning.text}")
        if warning.fix:
            lines.append(f"  Fix: {warning.fix}")
    lines.append(f"(Keras {plan.keras_version} semantics)")
    return "\n".join(lines)


MAX_SUMMARY_RUNS = 6


def count_words(number: int, noun: str) -> str:
    """ "1 batch", "2 batches", "1,000 steps": the noun agrees with the number."""
    plural = noun + ("es" if noun.endswith(("ch", "sh", "ss", "x")) else "s")
    return f"{number:,} {noun if number == 1 else plural}"


def number_words(value: float) -> str:
    """A number as people read it: 0.18, 4.992, 50,000, 1.2 million; never e-notation."""
    if value != value or value in (float("inf"), float("-inf")):
        return "no number"
    if value < 0:
        return "-" + number_words(-value)
    if value == 0:
        return "0"
    if value < 0.001:
        return "less than 0.001"
    if value < 1000:
        return f"{float(f'{value:.4g}'):,.4f}".rstrip("0").rstrip(".")
    if value < 1_000_000:
        return f"{round(value):,}"
    for scale, name in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if value >= scale:
            scaled = value / scale
            shown = f"{scaled:,.0f}" if scaled >= 100 else f"{float(f'{scaled:.3g}'):g}"
            return f"{shown} {name}"
    raise AssertionError("unreachable")


def _passes_words(passes: float) -> str:
    words = number_words(passes)
    return f"{words} {'pass' if words == '1' else 'passes'}"  # 1.0000016 reads "1 pass", as rounded


def _quotient_words(dividend: int, divisor: int) -> str:
    """dividend / divisor to four significant figures (or whole, with commas), without e-notation."""
    quotient = dividend / divisor
    if quotient >= 1000:
        return f"{quotient:,.2f}".rstrip("0").rstrip(".")
    return number_words(quotient)


def _runs_words(runs: list[list]) -> str:
    """Compact runs in words: "937 x 64, 1 x 32"; a repeating group "13,500,000 x (1 x 32, 1 x 28)"."""
    if not runs:
        return "no batches"
    words = [
        f"{run[1]:,} x ({_runs_words(run[0])})" if isinstance(run[0], list) else f"{run[1]:,} x {run[0]:,}"
        for run in runs[:MAX_SUMMARY_RUNS]
    ]
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
    numbers.append(("Short batch of a pass", count_words(short, "sample") if short else "none"))
    if epochs and totals.samples_never_seen is not None:
        numbers.append(("Samples never seen", f"{totals.samples_never_seen:,}"))
    if epochs and totals.passes is not None:
        numbers.append(("Passes over the data", number_words(totals.passes)))
    if plan.scenario.validation is not None:
        # Named apart from the form's per-run "Validation steps" (validation_steps): one run, then the sum.
        numbers.append(("Validation steps per run", _validation_steps_per_run(plan)))
        numbers.append(("Validation steps in all", f"{totals.validation_steps:,}"))
    if plan.outcome == "endless":
        part = "training" if plan.endless_part == "train" else "validation"
        numbers.append(("Never ends", f"epoch {plan.endless_epoch} ({part})"))
    return numbers


def _validation_steps_per_run(plan: Plan) -> str:
    """Steps of one validation run: one number when every run has it, else the first runs' counts."""
    epochs = plan.epochs
    rule = epochs.validation if isinstance(epochs, EpochSequence) else None
    if plan.endless_part == "val":
        return "never ends"
    runs = rule.runs_within(len(epochs)) if rule is not None else 0
    if rule is None or runs == 0:
        return "no validation runs"
    counts = [rule.run(number).segment.count for number in range(min(runs, 6))]
    every_count = {piece.run.segment.count for piece in rule.prefix + rule.cycle}
    if len(set(counts)) == 1 and (runs <= 6 or len(every_count) == 1):
        return f"{counts[0]:,}"
    return ", ".join(f"{count:,}" for count in counts) + (", ..." if runs > 6 else "")


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
