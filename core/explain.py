"""Plain-English words for a plan: its summary and its key numbers (the warnings come from core.keras.warnings)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.keras.epochs import EpochSequence
from core.plan import EpochPlan, Plan
from core.scenario import ValidationSplit
from core.words import capital, count_words, epochs_words, number_words


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
        rest = epochs_words([listed_up_to + 1], len(plan.epochs) - listed_up_to, 1)
        lines.append(f"({capital(rest)} {'is' if rest.startswith('epoch ') else 'are'} not listed here; the totals count them)")
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
