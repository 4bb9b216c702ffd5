"""Plain-English words for a plan: its summary and its key numbers (the warnings come from core.keras.warnings)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.data.streams import PassStream, PipelineStream, Stream, expand_runs
from core.flavours import flavour_of
from core.keras.epochs import EpochSequence
from core.keras.replicas import replica_split
from core.plan import EpochPlan, Plan
from core.scenario import ValidationSplit
from core.words import capital, count_words, epochs_words, number_words, ordinal, step_call

# What fit is given, as the summary names it.
SOURCE_WORDS = {
    "arrays": "NumPy arrays",
    "dataset": "a tf.data.Dataset",
    "generator": "a Python generator",
    "pydataset": "a PyDataset",
    "image_data_generator": "an ImageDataGenerator flow",
}
# The tf.data steps after which TensorFlow no longer knows the length (scenario-format.md's table).
UNKNOWN_LENGTH_OPS = ("filter", "unbatch", "rebatch")


def summarize(plan: Plan, max_lines: int = 40) -> str:
    """A readable account of a plan: steps per epoch, short batches, totals, warnings.

    At most ``max_lines`` lines of epochs are listed (consecutive epochs that read the
    same share one line); the totals always count every epoch. Every count is read from
    the plan; the scenario gives only the words (the source, the pipeline's steps).
    """
    lines: list[str] = []
    if plan.outcome == "error":
        lines.append(f"Keras refuses this setup: {plan.error}")
        return "\n".join(lines)
    lines += _training_data_lines(plan)
    lines += _validation_lines(plan)
    lines += _fit_lines(plan)
    lines += _replica_lines(plan)

    listed_up_to = 0
    for line_number, (start, stop, epoch) in enumerate(_epoch_groups(plan.epochs)):
        if line_number == max_lines:
            break
        listed_up_to = stop
        first_number, last_number = epoch.number, plan.epochs[stop - 1].number
        label = f"Epoch {first_number:,}" if start == stop else f"Epochs {first_number:,}-{last_number:,}"
        if epoch.train_order == "random":  # known as a multiset only: listed largest first, never as an order
            sizes = _runs_words(epoch.train.largest_first()) + (", in a random order" if epoch.train.count > 1 else "")
        else:
            sizes = _runs_words(epoch.train.compact_runs())
        first = epoch.train.first_sample
        first_words = f", from sample {first:,}" if first is not None else ""
        line = f"{label}: {count_words(epoch.train.count, 'step')} ({sizes}){first_words}"
        if epoch.updates is not None:
            line += f"; {count_words(epoch.updates, 'weight update')}" + (" each" if start != stop else "")
        if epoch.ran_out:
            line += "; ran out of data" + (", and the fit ends" if epoch.number == plan.stopped_epoch else "")
        if epoch.val is not None:
            line += f"; validation {count_words(epoch.val.count, 'step')} ({_runs_words(epoch.val.compact_runs())})"
            if epoch.val_ran_out:
                line += ", ran out"
        lines.append(line)
    if len(plan.epochs) > listed_up_to:
        first_unlisted = plan.epochs[listed_up_to].number
        rest = epochs_words([first_unlisted], len(plan.epochs) - listed_up_to, 1)
        lines.append(f"({capital(rest)} {'is' if rest.startswith('epoch ') else 'are'} not listed here; the totals count them)")
    if plan.outcome == "endless":
        part = "training" if plan.endless_part == "train" else "validation"
        lines.append(f"Epoch {plan.endless_epoch:,}: {part} never ends.")
    if plan.stopped_epoch is not None:
        lines.append(stopped_words(plan))

    totals = plan.totals
    label = "Total" if plan.outcome == "ok" else "Total over the epochs that finish"
    total_line = f"{label}: {count_words(totals.steps, 'training step')}, {count_words(totals.samples_seen, 'sample')}"
    # A pipeline's batches need not line up with passes over the samples (filter, shard, take, shuffle):
    # passes and samples never seen are said only for data read pass by pass.
    by_passes = plan.scenario.train.pipeline is None
    if totals.passes is not None and plan.epochs and by_passes:
        total_line += f", {_passes_words(totals.passes)} over the data"
    if totals.samples_never_seen and plan.epochs and by_passes:
        total_line += f", {count_words(totals.samples_never_seen, 'sample')} never seen"
    if plan.weight_updates is not None:
        total_line += f", {count_words(plan.weight_updates, 'weight update')}"
    if totals.validation_steps:
        total_line += f", {count_words(totals.validation_steps, 'validation step')}"
    lines.append(total_line + ".")
    for warning in plan.warnings:
        lines.append(f"! {warning.text}")
        if warning.fix:
            lines.append(f"  Fix: {warning.fix}")
    lines.append(_semantics_words(plan))
    return "\n".join(lines)


def _semantics_words(plan: Plan) -> str:
    """Which Keras the plan describes: "(Keras 3.15.1 semantics)", "(tf.keras 2, tf-keras 2.21.0 semantics)"."""
    flavour = flavour_of(plan.scenario)
    if flavour.keras == "2":
        devices = f" on {plan.replicas} devices" if plan.replicas > 1 else ""
        return f"(tf.keras 2{devices}: tf-keras {plan.keras_version} semantics)"
    if flavour.backend == "tensorflow" and flavour.replicas == 1:
        return f"(Keras {plan.keras_version} semantics)"
    return f"({flavour.label}: Keras {plan.keras_version} semantics)"


def stopped_words(plan: Plan) -> str:
    """tf.keras 2 ended the fit: where, and what Keras 3 would have done instead."""
    stopped = plan.stopped_epoch
    assert stopped is not None
    last = plan.scenario.epochs
    if stopped >= last:
        return f"tf.keras 2 ends the fit in its last epoch, {stopped:,}, where the data ran out."
    never = f"epoch {last:,} never runs" if stopped + 1 == last else f"epochs {stopped + 1:,}-{last:,} never run"
    return (
        f"tf.keras 2 ends the whole fit here: the data ran out in epoch {stopped:,}, so {never} "
        f"(Keras 3 would start epoch {stopped + 1:,} from the first batch)."
    )


def _replica_lines(plan: Plan) -> list[str]:
    """MirroredStrategy: how each global batch of the first epoch is split across the devices."""
    replicas = plan.replicas
    if replicas <= 1 or not plan.epochs:
        return []
    first = plan.epochs[0]
    runs = first.train.largest_first() if first.train_order == "random" else expand_runs(first.train.compact_runs(), 8)
    sizes = sorted({size for size, _count in runs}, reverse=True)[:3]
    if not sizes:
        return []
    full, others = sizes[0], sizes[1:]
    parts = [_split_words(full, replicas, first=True)] + [_split_words(size, replicas, first=False) for size in others]
    return [f"MirroredStrategy over {replicas} devices: {'; '.join(parts)}."]


def _split_words(size: int, replicas: int, *, first: bool) -> str:
    """ "each of the 4 devices gets 8 samples of every batch of 32", "the batch of 4 gives each device 1"."""
    split = replica_split(size, replicas)
    if first and len(set(split)) == 1:
        return f"each of the {replicas} devices gets {count_words(split[0], 'sample')} of every batch of {size:,}"
    if len(set(split)) == 1:
        return f"a short batch of {size:,} gives each device {split[0]:,}"
    shares = ", ".join(f"{part:,}" for part in split[:-1]) + f" and {split[-1]:,}"
    empty = split.count(0)
    idle = f" ({count_words(empty, 'device')} get{'s' if empty == 1 else ''} nothing)" if empty else ""
    return f"{'a' if first else 'a short'} batch of {size:,} is split {shares}{idle}"


def _training_data_lines(plan: Plan) -> list[str]:
    """What fit is given, in a sentence, and how it falls into batches (the counts read from the plan)."""
    train = plan.scenario.train
    validation = plan.scenario.validation
    if isinstance(validation, ValidationSplit) and validation.split_by == "directory":
        samples = plan.train_samples
        return [
            f"Training data: {count_words(samples or 0, 'image file')} through image_dataset_from_directory "
            f"(a tf.data.Dataset), batches of {plan.train_batch_size or 32:,}, its files in a shuffled order.",
            *_pass_lines(plan, "file"),
        ]
    if train.pipeline is not None:
        return _pipeline_lines(plan)
    if train.source in ("pydataset", "image_data_generator"):
        return _pydataset_lines(plan)
    lines: list[str] = []
    samples = plan.train_samples
    batch = plan.train_batch_size
    where = SOURCE_WORDS[train.source]
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
    return lines


def _pydataset_lines(plan: Plan) -> list[str]:
    """A PyDataset or an ImageDataGenerator flow: its length, the short batch, and fit's shuffle of the batches."""
    train = plan.scenario.train
    samples, batch = plan.train_samples, plan.train_batch_size or 32
    flow = train.source == "image_data_generator"
    noun = "image" if flow else "sample"
    if samples is None:
        return [f"Training data: an endless PyDataset (num_batches is None), batches of {batch:,}."]
    stream = _training_stream(plan)
    if not isinstance(stream, PassStream):
        what = f"an ImageDataGenerator flow over {count_words(samples, noun)}" if flow else "a PyDataset"
        return [f"Training data: {what}, batches of {batch:,}."]
    per_pass, short = stream.batches_per_pass, stream.remainder
    rounding = "floor" if stream.drop_remainder else "ceil"
    batches = f"a PyDataset of {rounding}({samples:,} / {batch:,}) = {count_words(per_pass, 'batch')}"
    head = (
        f"Training data: an ImageDataGenerator flow over {count_words(samples, noun)}: {batches}"
        if flow
        else f"Training data: {batches} over {count_words(samples, noun)}"
    )
    if short and stream.drop_remainder:
        head += f"; the last {count_words(short, noun)} are never asked for."
    elif short:
        head += f", the last of {count_words(short, noun)}."
    else:
        head += ", every one full."
    lines = [head]
    if stream.order_random and per_pass > 1:
        # The planner's short_batch_anywhere warning tells the rest; each thing is said once.
        anywhere = short and not stream.drop_remainder and not _warned(plan, "short_batch_anywhere")
        where_short = ", so the short one can come anywhere" if anywhere else ""
        lines.append(f"  fit's shuffle reorders the batches every pass{where_short}; each batch keeps its samples.")
    if flow:
        steps = plan.scenario.steps_per_epoch
        runs_out = ""
        if steps and steps > per_pass:
            runs_out = f", so steps_per_epoch={steps:,} runs out after {count_words(per_pass, 'step')}"
        lines.append(f"  Under Keras 3 a flow is not endless, whatever older articles say: an epoch reads it once{runs_out}.")
    return lines


def _pipeline_lines(plan: Plan) -> list[str]:
    """The pipeline as a sentence, what it yields, and what Keras does when it cannot know the length."""
    train = plan.scenario.train
    assert train.pipeline is not None
    chain = " -> ".join(step_call(step) for step in train.pipeline)
    samples = train.samples
    where = "an endless stream" if samples is None else count_words(samples, "sample")
    lines = [f"Training data: {where} through a tf.data pipeline: {chain}."]
    stream = _training_stream(plan)
    if isinstance(stream, PipelineStream):
        length = stream.length
        if length is None:
            lines.append("  It never ends: only steps_per_epoch ends an epoch.")
        else:
            if stream.order_random:  # a shuffle after the batching: the sizes are a multiset
                counts = stream.histogram(0, length)
                runs = _runs_words([[size, counts[size]] for size in sorted(counts, reverse=True)]) + ", in a random order"
            else:
                runs = _runs_words(stream.compact_runs(0, length))
            lines.append(f"  It yields {count_words(length, 'batch')} ({runs}) and then ends.")
    if plan.train_length_unknown:
        maker = [step.op for step in train.pipeline if step.op in UNKNOWN_LENGTH_OPS]
        why = f"After {maker[-1]}() TensorFlow" if maker else "TensorFlow"
        if _warned(plan, "unknown_length"):  # the warning says what Keras then does
            lines.append(f"  {why} does not know the length: Keras learns it only by running out of data.")
        else:
            lines.append(
                f"  {why} does not know the length, so Keras learns it only when the data runs out, as the true "
                'length plus steps_per_execution: every epoch that reaches the end of the data warns "ran out of data".'
            )
    return lines


def _pass_lines(plan: Plan, noun: str) -> list[str]:
    """One pass of a loader's batches, read from the plan's stream."""
    stream = _training_stream(plan)
    if isinstance(stream, PipelineStream) and stream.length is not None:
        return [f"  One pass is {count_words(stream.length, 'batch')} ({_runs_words(stream.compact_runs(0, stream.length))})."]
    if isinstance(stream, PassStream) and stream.batches_per_pass:
        short = f"; the last has {count_words(stream.remainder, noun)}" if stream.remainder and not stream.drop_remainder else ""
        return [f"  One pass is {count_words(stream.batches_per_pass, 'batch')}{short}."]
    return []


def _validation_lines(plan: Plan) -> list[str]:
    """Who split the validation data, and how many samples each side holds (the plan's training count)."""
    validation = plan.scenario.validation
    if not isinstance(validation, ValidationSplit):
        return []
    total = plan.scenario.train.samples or 0
    training = plan.train_samples or 0
    validating = total - training
    split = validation.split
    if validation.split_by == "directory":
        return [
            f'Validation: image_dataset_from_directory(validation_split={split}, subset="both") validates '
            f"int({split} x {total:,}) = {validating:,} of the {count_words(total, 'file')}, the last of its shuffled list; "
            f"{training:,} train."
        ]
    if validation.split_by == "image_data_generator":
        return [
            f"Validation: ImageDataGenerator(validation_split={split}) validates the FIRST int({split} x {total:,}) = "
            f"{validating:,} of the {count_words(total, 'image')}; the last {training:,} train."
        ]
    return [
        f"Validation: the last {count_words(validating, 'sample')} (validation_split={split}): fit keeps "
        f"floor({total:,} x (1 - {split})) = {training:,} to train, taken before any shuffle."
    ]


def _fit_lines(plan: Plan) -> list[str]:
    """initial_epoch and gradient accumulation, each said once, with the plan's counts."""
    scenario = plan.scenario
    lines: list[str] = []
    if scenario.initial_epoch:
        count = len(plan.epochs)
        if count == 0 and plan.outcome == "ok":
            trained = "trains no epoch"
        elif count == 0:
            trained = f"starts at epoch {plan.endless_epoch:,}"
        else:
            first, last = plan.epochs[0].number, plan.epochs[count - 1].number
            numbered = (
                f"number {first:,}"
                if count == 1
                else f"numbered {first:,} and {last:,}"
                if count == 2
                else (f"numbered {first:,} to {last:,}")
            )
            trained = f"trains {count_words(count, 'epoch')}, {numbered}"
            if plan.outcome != "ok":
                trained += ", before the one that never ends"
        said = f"fit(epochs={scenario.epochs:,}, initial_epoch={scenario.initial_epoch:,}) {trained}"
        if _warned(plan, "initial_epoch_numbering"):  # the warning says why
            lines.append(said + ".")
        else:
            reached = ", and initial_epoch has reached it" if not plan.epochs and plan.outcome == "ok" else ""
            lines.append(f"{said}: epochs is the number of the last epoch, not how many to train{reached}.")
    accumulation = scenario.gradient_accumulation_steps
    if accumulation and plan.weight_updates is not None:
        said = (
            f"gradient_accumulation_steps={accumulation:,}: the weights change after every {ordinal(accumulation)} batch, "
            f"counted from the start of fit across epoch ends: {count_words(plan.weight_updates, 'update')} from "
            f"{count_words(plan.totals.steps, 'batch')}"
        )
        # When an update mixes epochs or a short batch, the planner's warning says so (and how a short batch weighs).
        warned = _warned(plan, "accumulation_crosses_epochs")
        lines.append(said + ("." if warned else f"; each update is the plain mean of {accumulation:,} batches' gradients."))
    return lines


def _warned(plan: Plan, code: str) -> bool:
    """The plan carries this warning: the summary then leaves its lesson to the warning's words."""
    return any(warning.code == code for warning in plan.warnings)


def _training_stream(plan: Plan) -> Stream | None:
    """The stream the training batches come from: the first epoch's (or the endless one's)."""
    if plan.epochs:
        return plan.epochs[0].train.stream
    for segment in (plan.endless_train, plan.endless_from):
        if segment is not None:
            return segment.stream
    return None


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
        epoch.train_order,
        epoch.updates,
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
        first = epochs[0]
        numbers.append((f"Samples in epoch {first.number:,}", f"{first.train.samples:,}"))
    stream = _training_stream(plan)
    if isinstance(stream, PipelineStream):
        if stream.length is not None:
            numbers.append(("Short batches the pipeline yields", f"{stream.short_batches_in(0, stream.length):,}"))
    else:
        short = _short_batch(plan)
        numbers.append(("Short batch of a pass", count_words(short, "sample") if short else "none"))
    by_passes = plan.scenario.train.pipeline is None  # as in summarize: a pipeline has no passes
    if epochs and totals.samples_never_seen is not None and by_passes:
        numbers.append(("Samples never seen", f"{totals.samples_never_seen:,}"))
    if epochs and totals.passes is not None and by_passes:
        numbers.append(("Passes over the data", number_words(totals.passes)))
    if plan.scenario.initial_epoch and plan.outcome == "ok":
        count = len(epochs)
        which = ""
        if count:
            last = epochs[count - 1].number
            which = f" ({last:,})" if count == 1 else f" ({epochs[0].number:,}-{last:,})"
        numbers.append(("Epochs trained", f"{count:,}{which}"))
    if plan.weight_updates is not None:
        numbers.append(("Weight updates", f"{plan.weight_updates:,}"))
    if epochs and epochs[0].train_order == "random":
        numbers.append(("Batch order", "new every pass"))
    if plan.scenario.train.pipeline is not None:
        numbers.append(("Length known to Keras", "no: learned on running out" if plan.train_length_unknown else "yes"))
    if plan.scenario.validation is not None:
        # Named apart from the form's per-run "Validation steps" (validation_steps): one run, then the sum.
        numbers.append(("Validation steps per run", _validation_steps_per_run(plan)))
        numbers.append(("Validation steps in all", f"{totals.validation_steps:,}"))
    if plan.outcome == "endless":
        part = "training" if plan.endless_part == "train" else "validation"
        numbers.append(("Never ends", f"epoch {plan.endless_epoch} ({part})"))
    if plan.stopped_epoch is not None:
        numbers.append(("Fit ends early", f"in epoch {plan.stopped_epoch:,}: the data ran out (tf.keras 2)"))
    if plan.replicas > 1:
        numbers.append(("Devices", f"{plan.replicas:,}, each global batch split across them"))
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
    """The short last batch of one pass over the training data, if the source keeps one."""
    train = plan.scenario.train
    if train.source in ("pydataset", "image_data_generator"):
        stream = _training_stream(plan)
        if not isinstance(stream, PassStream) or stream.drop_remainder:
            return None
        return stream.remainder or None
    samples, batch = plan.train_samples, plan.train_batch_size
    if not samples or not batch or train.repeat == "before_batch" or (train.drop_remainder and train.source != "arrays"):
        return None
    return samples % batch or None
