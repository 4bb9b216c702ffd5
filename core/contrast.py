"""Two plans side by side: the epochs where they differ, each way of differing said in one sentence.

The compare view puts one scenario under two Keras flavours (or two scenarios under one) and
marks where the plans part: "Epoch 3: tf.keras 2 stopped training in epoch 2, when its data ran
out; Keras 3 (TensorFlow) starts epoch 3 from the first batch."

Epochs are compared by their structure, never batch by batch: each epoch's training and
validation counts, samples and short batches (closed form on the plan's streams), where it
starts, whether it ran out, its weight updates. A plan may hold 10^12 steps; the walk is one
step an epoch (at most ``MAX_EPOCHS``). Epochs that differ in the same words are one sentence
("Epochs 2, 4, ..., 100,000: ..."), kept as ranges, so the answer grows with the ways the plans
differ, not with their epochs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

from core.compare import count_words
from core.keras.replicas import replica_split
from core.plan import EpochPlan, Plan
from core.scenario import Scenario, scenario_from_dict

__all__ = ["MAX_SENTENCES", "Contrast", "contrast", "epochs_words", "floor_and_ceil", "plan_words"]

MAX_SENTENCES = 12  # ways of differing said one by one; the rest are counted in a last sentence
_RUNS_LOOKED_AT = 4  # runs of an epoch's batch sizes read to find its short batch
_JUDGED_KEPT = 4096  # pairs of epochs whose sentence is remembered while walking
_EPOCH = "\x00"  # stands for the epochs' words in a sentence until its epochs are all known


@dataclass(frozen=True)
class Contrast:
    """One way the two plans differ: the epochs it concerns (Keras' own numbers, as ranges; none for the
    whole fit) and the sentence that says it."""

    epochs: tuple[range, ...]
    sentence: str

    @property
    def first_epoch(self) -> int | None:
        return self.epochs[0].start if self.epochs else None

    def epoch_numbers(self) -> Iterator[int]:
        for numbers in self.epochs:
            yield from numbers


def contrast(left: Plan, right: Plan, left_name: str, right_name: str, limit: int = MAX_SENTENCES) -> list[Contrast]:
    """How ``right`` differs from ``left`` (named as a person names them), whole-fit facts first, then by epoch.

    At most ``limit`` sentences: past them, the last one counts the epochs that differ in other ways."""
    refusal = _refusals(left, right, left_name, right_name)
    if refusal is not None:
        return [refusal] if refusal.sentence else []
    found: list[Contrast] = []
    found += _endless(left, right, left_name, right_name)
    found += _devices(left, right, left_name, right_name)
    groups = _Groups(capacity=limit)
    # Plans repeat their epochs (a fresh pass each epoch, or a cycle of a few): each pair of epochs is judged once.
    judged: dict[tuple, str | None] = {}
    for number, (mine, theirs) in _shared_epochs(left, right):
        pair = (_key(mine), _key(theirs))
        if pair in judged:
            words = judged[pair]
        else:
            if len(judged) >= _JUDGED_KEPT:
                judged.clear()  # a plan whose epochs all differ (streamed arrays): nothing worth remembering
            words = judged[pair] = None if _alike(mine, theirs) else _epoch_difference(mine, theirs, left_name, right_name)
        if words is not None:
            groups.add(number, words)
    extra = _extra_epochs(left, right, left_name, right_name) or _extra_epochs(right, left, right_name, left_name)
    by_epoch = groups.contrasts() + ([extra] if extra is not None else [])
    by_epoch.sort(key=lambda item: item.first_epoch or 0)
    found += by_epoch
    if len(found) > limit or groups.rest:
        kept = limit - 1
        rest = sorted([*groups.rest, *(numbers for item in found[kept:] for numbers in item.epochs)], key=lambda r: r.start)
        count = sum(len(numbers) for numbers in rest)
        words = f"{count_words(count, 'more epoch')} differ in other ways: hover their batches on the timelines to see how."
        found = [*found[:kept], Contrast(tuple(rest), words)]
    return found


def _key(epoch: EpochPlan) -> tuple:
    """All an epoch's words depend on: its segments (frozen, compared by value), how they ended, its updates."""
    return (epoch.train, epoch.val, epoch.ran_out, epoch.val_ran_out, epoch.train_order, epoch.updates)


def _alike(mine: EpochPlan, theirs: EpochPlan) -> bool:
    """The same batches from the same place, by value (streams are frozen dataclasses): no words needed."""
    return (
        mine.train == theirs.train
        and mine.val == theirs.val
        and (mine.ran_out, mine.val_ran_out, mine.train_order, mine.updates)
        == (theirs.ran_out, theirs.val_ran_out, theirs.train_order, theirs.updates)
    )


# ------------------------------------------------------------ the whole fit


def _refusals(left: Plan, right: Plan, left_name: str, right_name: str) -> Contrast | None:
    """Keras refuses one fit or both: nothing else to compare (an empty sentence: both refuse alike)."""
    if left.outcome != "error" and right.outcome != "error":
        return None
    if left.outcome == "error" and right.outcome == "error":
        if left.error == right.error:
            return Contrast((), "")
        return Contrast(
            (),
            f"Both refuse this fit: {left_name} says {_first_sentence(left.error)}; "
            f"{right_name} says {_first_sentence(right.error)}.",
        )
    refused, runs, refused_name, runs_name = (
        (left, right, left_name, right_name) if left.outcome == "error" else (right, left, right_name, left_name)
    )
    return Contrast((), f"{refused_name} refuses this fit ({_first_sentence(refused.error)}); {runs_name} {_runs_words(runs)}.")


def plan_words(plan: Plan) -> str:
    """A plan in a few words, for a title: "3 epochs, 10 training steps", "refused by Keras", "epoch 1 never ends"."""
    if plan.outcome == "error":
        return f"Keras refuses this fit: {_first_sentence(plan.error)}"
    if plan.outcome == "endless":
        part = "training" if plan.endless_part == "train" else "validation"
        return f"epoch {plan.endless_epoch:,}'s {part} never ends"
    words = f"{count_words(len(plan.epochs), 'epoch')}, {count_words(plan.totals.steps, 'training step')}"
    stopped = _stopped(plan)
    return words + (f"; stops in epoch {stopped:,}, when its data runs out" if stopped is not None else "")


def _runs_words(plan: Plan) -> str:
    if plan.outcome == "endless":
        return f"runs it and epoch {plan.endless_epoch} never ends"
    return f"runs it: {count_words(len(plan.epochs), 'epoch')}, {count_words(plan.totals.steps, 'training step')}"


def _first_sentence(error: str | None) -> str:
    """What Keras raises, up to its first full stop: the reason, without the advice that follows."""
    text = " ".join((error or "an error").split())
    cut = text.find(". ")
    reason = text if cut < 0 else text[:cut]
    first = reason.split(" ", 1)[0]
    # Inside a sentence of ours: "refuses this fit (the training data is ...)"; Keras' own "ValueError: ..." stays.
    return reason[:1].lower() + reason[1:] if first.isalpha() and first[1:].islower() else reason


def _endless(left: Plan, right: Plan, left_name: str, right_name: str) -> list[Contrast]:
    if (left.endless_epoch, left.endless_part) == (right.endless_epoch, right.endless_part):
        return []
    sides = [(left, left_name, right, right_name), (right, right_name, left, left_name)]
    for endless, endless_name, other, other_name in sides:
        if endless.outcome == "endless" and (other.outcome != "endless" or endless.endless_epoch <= other.endless_epoch):
            part = "training" if endless.endless_part == "train" else "validation"
            if other.outcome == "endless":
                ends = f"{other_name}'s epoch {other.endless_epoch} never ends either"
            else:
                ends = f"{other_name} ends after {_last_words(other)}"
            sentence = f"{_EPOCH}: {endless_name}'s {part} never ends; {ends}."
            epoch = endless.endless_epoch
            return [Contrast((range(epoch, epoch + 1),), sentence.replace(_EPOCH, f"Epoch {epoch:,}"))]
    return []


def _last_words(plan: Plan) -> str:
    stopped = _stopped(plan)
    if stopped is not None:
        return f"epoch {stopped:,}, when its data runs out"
    return f"epoch {plan.epochs[-1].number:,}" if len(plan.epochs) else "no epoch at all"


def _devices(left: Plan, right: Plan, left_name: str, right_name: str) -> list[Contrast]:
    """Several devices split every global batch; said once, for the fit's batch size."""
    mine, theirs = _replicas(left), _replicas(right)
    if mine == theirs:
        return []
    clauses = []
    for plan, name, replicas in ((left, left_name, mine), (right, right_name, theirs)):
        batch = plan.train_batch_size
        if replicas == 1:
            clauses.append(f"{name} trains each batch on one device")
        elif batch:
            shares = replica_split(batch, replicas)
            words = f"{name} splits each batch of {batch:,} across {replicas} devices as {_shares_words(shares)}"
            others = [
                f"the short batch of {size:,} as {_shares_words(replica_split(size, replicas))}" for size in _other_sizes(plan)
            ]
            clauses.append(" and ".join([words, *others]))
        else:
            clauses.append(f"{name} splits each batch across {replicas} devices")
    return [Contrast((), "; ".join(clauses) + ".")]


def _other_sizes(plan: Plan) -> list[int]:
    """The first epoch's training batch sizes besides the global batch (a short last batch), largest first;
    a few runs looked at, never every batch."""
    if not len(plan.epochs):
        return []
    sizes = {size for size, _count in plan.epochs[0].train.runs(limit=_RUNS_LOOKED_AT)}
    return sorted(sizes - {plan.train_batch_size}, reverse=True)


def _shares_words(shares: list[int]) -> str:
    if len(set(shares)) == 1:
        return f"{len(shares)} shares of {shares[0]:,}"
    return " + ".join(f"{share:,}" for share in shares)


def _replicas(plan: Plan) -> int:
    return plan.scenario.replicas


def _stopped(plan: Plan) -> int | None:
    """The epoch in which tf.keras 2 ended fit because its data ran out (Plan.stopped_epoch), or None."""
    return getattr(plan, "stopped_epoch", None)


# ------------------------------------------------------------ epoch by epoch


def _numbers(plan: Plan) -> range:
    """Keras' own numbers of the plan's epochs (initial_epoch + 1 onwards)."""
    first = plan.scenario.initial_epoch + 1
    return range(first, first + len(plan.epochs))


def _shared_epochs(left: Plan, right: Plan) -> Iterator[tuple[int, tuple[EpochPlan, EpochPlan]]]:
    mine, theirs = _numbers(left), _numbers(right)
    for number in range(max(mine.start, theirs.start), min(mine.stop, theirs.stop)):
        yield number, (left.epochs[number - mine.start], right.epochs[number - theirs.start])


def _epoch_difference(mine: EpochPlan, theirs: EpochPlan, left_name: str, right_name: str) -> str | None:
    """The sentence for one epoch present in both plans (the epoch's words left as _EPOCH), or None when alike.
    Each side says only what differs: its batches, whether it runs out, where it starts, its validation, its updates."""
    facets = [
        facet
        for facet in (_training, _ran_out, _start, _validation, _updates)
        if facet(mine) != facet(theirs)
    ]  # fmt: skip
    if not facets:
        return None
    return f"{_EPOCH}: {left_name} {_say(mine, facets)}; {right_name} {_say(theirs, facets)}."


def _training(epoch: EpochPlan) -> tuple:
    sizes = epoch.train.largest_first() if epoch.train_order == "random" else epoch.train.compact_runs()
    return (sizes, epoch.train_order)


def _ran_out(epoch: EpochPlan) -> bool:
    return epoch.ran_out


def _start(epoch: EpochPlan) -> tuple:
    return (epoch.starts_fresh, epoch.train.first_sample) if epoch.train.count else (None, None)


def _validation(epoch: EpochPlan) -> tuple:
    if epoch.val is None:
        return (None,)
    return (epoch.val.compact_runs(), epoch.val.first_sample, epoch.val_ran_out)


def _updates(epoch: EpochPlan) -> int | None:
    return epoch.updates


def _say(epoch: EpochPlan, facets: list) -> str:
    """One side's half of the sentence: its differing facets as clauses, its batches and running out as one."""
    training = []
    if _training in facets:
        training.append(_training_words(epoch))
    if _ran_out in facets:
        training.append("runs out of data (Keras warns)" if epoch.ran_out else "does not run out of data")
    clauses = [" and ".join(training)] if training else []
    if _start in facets and epoch.train.count:
        clauses.append(_start_words(epoch))
    if _validation in facets:
        clauses.append(_validation_words(epoch))
    if _updates in facets and epoch.updates is not None:
        clauses.append(f"changes the weights {_times(epoch.updates)}")
    return ", ".join(clauses)


def _training_words(epoch: EpochPlan) -> str:
    train = epoch.train
    if train.count == 0:
        words = "trains no batch"
    else:
        words = f"trains {count_words(train.count, 'batch')} ({count_words(train.samples, 'sample')}"
        short = train.short_batches
        words += f", {short:,} short)" if short > 1 else ", one short)" if short == 1 else ")"
    return words + " in a random order" if epoch.train_order == "random" else words


def _start_words(epoch: EpochPlan) -> str:
    if epoch.starts_fresh:
        return "starts from the first batch"
    first = epoch.train.first_sample
    where = f" (sample {first:,})" if first is not None else ""
    return f"carries on where the last epoch stopped{where}"


def _validation_words(epoch: EpochPlan) -> str:
    val = epoch.val
    if val is None:
        return "does not validate"
    if val.count == 0:
        return "validates on no batch (its validation data is used up)"
    words = f"validates on {count_words(val.count, 'batch')} ({count_words(val.samples, 'sample')})"
    return words + " and runs out of validation data" if epoch.val_ran_out else words


def _times(count: int) -> str:
    return {0: "no time", 1: "once", 2: "twice"}.get(count, f"{count:,} times")


def _extra_epochs(shorter: Plan, longer: Plan, shorter_name: str, longer_name: str) -> Contrast | None:
    """Epochs only ``longer`` runs: tf.keras 2 stopped when its data ran out, or the scenarios ask for fewer."""
    mine, theirs = _numbers(shorter), _numbers(longer)
    extra = range(max(theirs.start, mine.stop), theirs.stop)
    if not extra or shorter.outcome == "endless":
        return None
    first = longer.epochs[extra.start - theirs.start]
    stopped = _stopped(shorter)
    if stopped is not None:
        before = f"{shorter_name} stopped training in epoch {stopped:,}, when its data ran out"
    elif len(shorter.epochs):
        before = f"{shorter_name} ends after epoch {mine.stop - 1:,}"
    else:
        before = f"{shorter_name} runs no epoch"
    if first.train.count == 0:
        goes_on = f"runs epoch {extra.start:,} with no training batch"
    elif first.starts_fresh:
        goes_on = f"starts epoch {extra.start:,} from the first batch"
    else:
        goes_on = f"goes on into epoch {extra.start:,} where epoch {extra.start - 1:,} stopped"
    if len(extra) > 1:
        goes_on += f" and goes on to epoch {extra.stop - 1:,}"
    return Contrast((extra,), f"{epochs_words((extra,))}: {before}; {longer_name} {goes_on}.")


# ------------------------------------------------------------ epochs in words, as ranges


class _Groups:
    """Epochs that differ in the same words, gathered as arithmetic runs (2, 4, 6, ... is one range). Up to
    ``capacity`` different sentences; the epochs of any later one go to ``rest``, so memory stays small."""

    def __init__(self, capacity: int) -> None:
        self._epochs: dict[str, list[range]] = {}
        self.capacity = capacity
        self.rest: list[range] = []

    def add(self, number: int, words: str) -> None:
        if words in self._epochs or len(self._epochs) < self.capacity:
            _extend(self._epochs.setdefault(words, []), number)
        else:
            _extend(self.rest, number)

    def contrasts(self) -> list[Contrast]:
        return [Contrast(tuple(ranges), words.replace(_EPOCH, epochs_words(ranges))) for words, ranges in self._epochs.items()]


def _extend(ranges: list[range], number: int) -> None:
    """Add an epoch number (larger than any before) to arithmetic runs."""
    if ranges:
        last = ranges[-1]
        if len(last) == 1:
            ranges[-1] = range(last.start, number + 1, number - last.start)
            return
        if number == last[-1] + last.step:
            ranges[-1] = range(last.start, number + 1, last.step)
            return
    ranges.append(range(number, number + 1))


def epochs_words(ranges: tuple[range, ...] | list[range]) -> str:
    """ "Epoch 3", "Epochs 3 and 4", "Epochs 3 to 9", "Epochs 2, 4, ..., 100", "Epochs 1, 5 and 9"; long lists are cut."""
    pieces: list[tuple[str, int]] = []  # words, and how many epochs they name
    for numbers in ranges:
        if len(numbers) <= 3:
            pieces += [(f"{number:,}", 1) for number in numbers]
        elif numbers.step == 1:
            pieces.append((f"{numbers.start:,} to {numbers[-1]:,}", len(numbers)))
        else:
            pieces.append((f"{numbers[0]:,}, {numbers[1]:,}, ..., {numbers[-1]:,}", len(numbers)))
    said = [words for words, _count in pieces]
    if len(pieces) == 1:
        return f"Epoch {said[0]}" if pieces[0][1] == 1 else f"Epochs {said[0]}"
    if len(pieces) > 4:
        left_out = sum(count for _words, count in pieces[3:])
        return f"Epochs {', '.join(said[:3])} and {count_words(left_out, 'more epoch')}"
    return f"Epochs {', '.join(said[:-1])} and {said[-1]}"


# ------------------------------------------------------------ the classic pair


def floor_and_ceil(planned: Plan) -> tuple[tuple[Scenario, str], tuple[Scenario, str]]:
    """The plan's scenario with steps_per_epoch = N // B and the short batch dropped (where the source can
    drop it), against ceil(N / B): each with its name. N counts the training samples after any split.

    Raises ValueError (one line) when that cannot be said: no length, pipeline steps, fewer samples than a batch."""
    scenario, train = planned.scenario, planned.scenario.train
    samples = planned.train_samples
    if samples is None or train.samples is None:
        raise ValueError("N // B against ceil(N / B) needs a number of training samples: this data is an endless stream.")
    if train.pipeline is not None:
        raise ValueError("N // B against ceil(N / B) needs the plain batch size: this data is written as pipeline steps.")
    batch = planned.train_batch_size or train.batch_size or 32
    floor, ceil = samples // batch, math.ceil(samples / batch)
    if floor == 0:
        raise ValueError(f"N // B is 0 here: {samples:,} training samples are fewer than one batch of {batch:,}.")
    can_drop = train.source in ("dataset", "generator", "pydataset") and train.repeat != "before_batch"
    dropped = replace(train, drop_remainder=True) if can_drop else train
    floor_name = f"N // B = {floor:,} steps" + (" (drop_remainder)" if can_drop else "")
    kept = replace(train, drop_remainder=False) if can_drop else train
    pair = (
        (scenario_from_dict(replace(scenario, train=dropped, steps_per_epoch=floor).to_dict()), floor_name),
        (scenario_from_dict(replace(scenario, train=kept, steps_per_epoch=ceil).to_dict()), f"ceil(N / B) = {ceil:,} steps"),
    )
    return pair
