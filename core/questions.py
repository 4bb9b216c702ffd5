"""Questions a student answers before the timeline shows why: predict, then reveal.

Every answer is read from the plan (``Plan``, its ``EpochPlan`` and ``Segment`` fields), never worked out
again from Keras' rules, so a question can only be as right as the timeline it reveals. Epochs worth asking
about are found with the plan's own closed-form search (``EpochSequence.find``) or among the first few
epochs, so a plan of 1e12 steps or 100,000 epochs makes its questions at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.plan import Plan, Segment
from core.scenario import ValidationSplit
from core.words import count_words, ordinal

# The order questions come in when no trap says otherwise: the epoch by epoch ones first, "does fit return" last
# (for most plans a plain yes).
USUAL_ORDER: tuple[str, ...] = (
    "fit_runs",
    "endless_epoch",
    "stopped_epoch",
    "epoch_steps",
    "epoch_first_sample",
    "validation_after_epoch",
    "first_ran_out",
    "restart_epoch",
    "epoch_last_batch",
    "weight_updates",
    "epochs_run",
    "first_epoch_number",
    "train_samples",
    "samples_never_seen",
    "total_steps",
    "fit_returns",
)

# A trap's own point first: the questions each of the planner's warnings is about.
POINT_OF_WARNING: dict[str, tuple[str, ...]] = {
    "ran_out_of_data": ("stopped_epoch", "first_ran_out", "restart_epoch"),
    "endless_epoch": ("fit_returns", "endless_epoch"),
    "endless_validation": ("fit_returns", "endless_epoch"),
    "validation_ran_out": ("validation_after_epoch",),
    "validation_split_rounding": ("train_samples", "validation_after_epoch"),
    "split_rounding": ("train_samples", "validation_after_epoch"),
    "short_batch_every_pass": ("epoch_last_batch", "epoch_steps"),
    "batches_cross_passes": ("epoch_first_sample",),
    "generator_replay": ("first_ran_out", "epoch_steps"),
    "dropped_samples": ("samples_never_seen", "epoch_last_batch"),
    "steps_per_execution_overshoot": ("first_ran_out", "epoch_steps", "samples_never_seen"),
    "no_length": ("epoch_steps", "total_steps"),
    "short_batch_anywhere": ("epoch_steps",),
    "unknown_length": ("first_ran_out", "epoch_steps"),
    "initial_epoch_numbering": ("epochs_run", "first_epoch_number"),
    "accumulation_crosses_epochs": ("weight_updates",),
}

FIRST_EPOCHS_LOOKED_AT = 8  # epochs looked at one by one, at most, to pick one worth asking about
YES_WORDS = ("yes", "y", "true")
NO_WORDS = ("no", "n", "false")


@dataclass(frozen=True)
class Reveal:
    """The part of the timeline that shows why: rows ``first_row``..``last_row`` (0-based, as drawn: ``plan.epochs``,
    then the epoch that never ends), one lane or both, and optionally steps ``first``..``last`` (0-based) of it."""

    first_row: int
    last_row: int
    lane: str = "train"  # "train" | "validation" | "both"
    steps: tuple[int, int] | None = None


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    answer_kind: str  # "number" | "yes_no" | "epoch" (a click on the timeline's row, or its number typed)
    answer: int | bool  # an epoch answer is Keras' own epoch number ("Epoch 3/5": 3)
    explanation: str  # one sentence: why
    reveal: Reveal | None  # None: nothing to draw (Keras refuses the setup; the timeline says why)
    answer_words: str = ""  # the answer as a sentence's end: "epoch 2 trains 1 step"


def questions_for(plan: Plan, kinds: Sequence[str] | None = None) -> list[Question]:
    """The questions this plan answers: the kinds asked for in that order, or the trap's own point first.

    A kind the plan has nothing to ask about (no validation, no gradient accumulation...) is left out.
    """
    if kinds is None:
        wanted = _usual_kinds(plan)
    else:
        unknown = [kind for kind in kinds if kind not in QUESTION_KINDS]
        if unknown:
            raise ValueError(f"There is no question {unknown[0]!r}; the questions are {', '.join(QUESTION_KINDS)}.")
        wanted = list(dict.fromkeys(kinds))
    questions = []
    for kind in wanted:
        question = MAKERS[kind](plan)
        if question is not None:
            questions.append(question)
    return questions


def check(question: Question, reply: str) -> tuple[bool, str]:
    """Whether the reply as typed ("12", "1,000", "yes", "epoch 3") is the answer, and words saying so."""
    value = read_reply(question, reply)
    if value is None:
        return False, reply_hint(question)
    if value == question.answer:
        return True, f"Right: {question.answer_words}."
    if isinstance(value, bool):
        return False, f"Not quite: {question.answer_words}."  # the words start with the answer: "no: ..."
    return False, f"Not quite: {question.answer_words}, not {value:,}."


def read_reply(question: Question, reply: str) -> int | bool | None:
    """The reply as the answer's kind of value; None when it cannot be read as one."""
    words = reply.strip().lower().rstrip(".!?")
    if question.answer_kind == "yes_no":
        if words in YES_WORDS:
            return True
        if words in NO_WORDS:
            return False
        return None
    if question.kind == "validation_after_epoch" and words in NO_WORDS:
        return 0  # "no, it does not run": no validation batch
    if question.answer_kind == "epoch" and words.startswith("epoch"):
        words = words[len("epoch") :]
    digits = words.replace(",", "").replace("_", "").replace(" ", "")
    if not digits.isdigit() or len(digits) > 30:
        return None
    return int(digits)


def reply_hint(question: Question) -> str:
    """What to type, for a reply that could not be read."""
    if question.answer_kind == "yes_no":
        return "Answer yes or no."
    if question.answer_kind == "epoch":
        return "Click the epoch's row on the timeline, or type its number, such as 3."
    return "Type a whole number, such as 12."


# ------------------------------------------------------------ which questions, in which order


def _usual_kinds(plan: Plan) -> list[str]:
    pointed = [kind for warning in plan.warnings for kind in POINT_OF_WARNING.get(warning.code, ())]
    return list(dict.fromkeys([*pointed, *USUAL_ORDER]))


def _rows(plan: Plan) -> int:
    """Rows the timeline draws: the epochs, and the one that never ends."""
    return len(plan.epochs) + (1 if plan.outcome == "endless" else 0)


def _first_epoch(plan: Plan, predicate: Callable[[Segment, bool], bool], after: int = 0) -> int | None:
    """The index of the first epoch at or after ``after`` whose training part matches, in closed form."""
    epochs = plan.epochs
    find = getattr(epochs, "find", None)
    if find is not None:
        # Of the first after + 1 matches, at least one is at or past ``after`` if any is.
        found, _total = find(lambda train: predicate(train.segment, train.ran_out), after + 1)
        return next((index for index in found if index >= after), None)
    for index in range(after, len(epochs)):  # a plan without the closed form holds its epochs in a list already
        epoch = epochs[index]
        if predicate(epoch.train, epoch.ran_out):
            return index
    return None


def _first_epochs(plan: Plan) -> range:
    return range(min(len(plan.epochs), FIRST_EPOCHS_LOOKED_AT))


# ------------------------------------------------------------ the questions


def _fit_runs(plan: Plan) -> Question | None:
    if plan.outcome != "error":
        return None
    return Question(
        "fit_runs",
        "Does fit() run at all?",
        "yes_no",
        False,
        "Keras refuses this setup before training starts; its own words are on the timeline.",
        None,
        "no, Keras raises an error before the first batch",
    )


def _fit_returns(plan: Plan) -> Question | None:
    if plan.outcome == "error":
        return None
    if plan.outcome == "endless":
        part = f"Validation after epoch {plan.endless_epoch:,}" if plan.endless_part == "val" else f"Epoch {plan.endless_epoch:,}"
        row = len(plan.epochs)
        return Question(
            "fit_returns",
            "Does fit() ever return?",
            "yes_no",
            False,
            f"{part} never runs out of batches, so fit() never returns.",
            Reveal(row, row, "validation" if plan.endless_part == "val" else "train"),
            f"no, it never returns: epoch {plan.endless_epoch:,} never ends",
        )
    if plan.stopped_epoch is not None:
        why = f"tf.keras 2 ends fit() in epoch {plan.stopped_epoch:,}, when the data runs out, and returns."
    else:
        why = f"Every epoch ends, after {count_words(plan.totals.steps, 'training step')} in all, so fit() returns."
    last = max(0, len(plan.epochs) - 1)
    words = "yes, it returns" + (f" when epoch {plan.stopped_epoch:,} runs out" if plan.stopped_epoch is not None else "")
    return Question("fit_returns", "Does fit() ever return?", "yes_no", True, why, Reveal(last, last, "both"), words)


def _endless_epoch(plan: Plan) -> Question | None:
    if plan.outcome != "endless" or plan.endless_epoch is None:
        return None
    row = len(plan.epochs)
    number = plan.endless_epoch
    if plan.endless_part == "val":
        text = "Which epoch's validation never ends?"
        why = f"The validation data never runs out and nothing limits its steps, so validation after epoch {number:,} never ends."
        lane = "validation"
    else:
        text = "Which epoch never ends?"
        why = f"The training data never runs out and no steps_per_epoch ends epoch {number:,}, so it goes on forever."
        lane = "train"
    return Question("endless_epoch", text, "epoch", number, why, Reveal(row, row, lane), f"epoch {number:,} never ends")


def _stopped_epoch(plan: Plan) -> Question | None:
    if plan.stopped_epoch is None or not len(plan.epochs):
        return None
    number = plan.stopped_epoch
    row = len(plan.epochs) - 1
    return Question(
        "stopped_epoch",
        f"tf.keras 2 is asked for {count_words(plan.scenario.epochs, 'epoch')}. In which epoch does it end fit()?",
        "epoch",
        number,
        f"The data runs out in epoch {number:,}, and tf.keras 2 ends the whole fit() there instead of going on.",
        Reveal(row, row, "train"),
        f"fit() ends in epoch {number:,}",
    )


def _first_ran_out(plan: Plan) -> Question | None:
    index = _first_epoch(plan, lambda _segment, ran_out: ran_out)
    if index is None:
        return None
    epoch = plan.epochs[index]
    return Question(
        "first_ran_out",
        "In which epoch does the training data first run out?",
        "epoch",
        epoch.number,
        f"Epoch {epoch.number:,} asks for more batches than the data has left, gets {count_words(epoch.steps, 'step')}, "
        "and Keras warns that the input ran out of data.",
        Reveal(index, index, "train"),
        f"it runs out in epoch {epoch.number:,}",
    )


def _restart_epoch(plan: Plan) -> Question | None:
    if len(plan.epochs) < 3:
        return None
    second = plan.epochs[1]
    if second.train.first_sample in (None, 0) or not second.train.count:
        return None  # epoch 2 starts afresh, or nobody knows where: nothing to find out
    index = _first_epoch(plan, lambda segment, _ran_out: segment.count > 0 and segment.first_sample == 0, after=2)
    if index is None:
        return None
    epoch = plan.epochs[index]
    return Question(
        "restart_epoch",
        f"Epoch {second.number:,} goes on where the one before stopped. Which epoch is the first to start again from sample 0?",
        "epoch",
        epoch.number,
        f"Epoch {epoch.number:,} is the first to read sample 0 again: the epochs before it used up the data.",
        Reveal(max(0, index - 1), index, "train", None),
        f"epoch {epoch.number:,} starts again from sample 0",
    )


def _epoch_steps(plan: Plan) -> Question | None:
    if not len(plan.epochs):
        return None
    steps_first = plan.epochs[0].steps
    index = _first_epoch(plan, lambda segment, _ran_out: segment.count != steps_first, after=1)
    if index is None:
        index = 1 if len(plan.epochs) > 1 else 0
    epoch = plan.epochs[index]
    if index == 0:
        why = f"Epoch {epoch.number:,} trains {count_words(epoch.steps, 'batch')}: count them in its row."
    elif epoch.steps == steps_first:
        why = f"Every epoch reads the same: epoch {epoch.number:,} trains {count_words(epoch.steps, 'batch')}, as the first did."
    else:
        first_number = plan.epochs[0].number
        why = (
            f"Epoch {epoch.number:,} trains {count_words(epoch.steps, 'batch')}, "
            f"not the {count_words(steps_first, 'step')} of epoch {first_number:,}"
            + (": the data ran out." if epoch.ran_out else ".")
        )
    return Question(
        "epoch_steps",
        f"How many steps does epoch {epoch.number:,} train?",
        "number",
        epoch.steps,
        why,
        Reveal(max(0, index - 1), index, "train"),
        f"epoch {epoch.number:,} trains {count_words(epoch.steps, 'step')}",
    )


def _epoch_first_sample(plan: Plan) -> Question | None:
    if len(plan.epochs) < 2:
        return None
    index = _first_epoch(plan, lambda segment, _ran_out: segment.count > 0 and segment.first_sample not in (None, 0), after=1)
    if index is None:
        second = plan.epochs[1]
        if second.train.first_sample is None:
            return None  # shuffled, or a stream without positions: no sample to name
        index = 1
    epoch = plan.epochs[index]
    first = epoch.train.first_sample
    assert first is not None
    if first == 0:
        why = f"Epoch {epoch.number:,} starts a fresh pass over the data, so its first batch begins at sample 0."
    else:
        why = f"Epoch {epoch.number:,} goes on with the same iterator, so its first batch begins at sample {first:,}, not at 0."
    return Question(
        "epoch_first_sample",
        f"Which sample does epoch {epoch.number:,} start from? (Samples count from 0.)",
        "number",
        first,
        why,
        Reveal(max(0, index - 1), index, "train", (0, 0)),
        f"epoch {epoch.number:,} starts from sample {first:,}",
    )


def _epoch_last_batch(plan: Plan) -> Question | None:
    candidates = [index for index in _first_epochs(plan) if plan.epochs[index].train.count]
    candidates = [index for index in candidates if plan.epochs[index].train_order != "random"]
    if not candidates:
        return None

    def last_size(index: int) -> int:
        train = plan.epochs[index].train
        return train.size(train.count - 1)

    short = [index for index in candidates if last_size(index) < plan.epochs[index].train.size(0)]
    index = short[0] if short else candidates[0]
    epoch = plan.epochs[index]
    size, full = last_size(index), epoch.train.size(0)
    last = epoch.train.count - 1
    if size < full:
        why = (
            f"The data runs short at the end of a pass, so the last batch of epoch {epoch.number:,} "
            f"holds {count_words(size, 'sample')}, not {full:,}."
        )
    else:
        why = f"The last batch of epoch {epoch.number:,} is full: {count_words(size, 'sample')}, like the rest."
    return Question(
        "epoch_last_batch",
        f"How many samples does the last batch of epoch {epoch.number:,} hold?",
        "number",
        size,
        why,
        Reveal(index, index, "train", (last, last)),
        f"the last batch of epoch {epoch.number:,} holds {count_words(size, 'sample')}",
    )


def _validation_after_epoch(plan: Plan) -> Question | None:
    if plan.scenario.validation is None:
        return None
    looked = list(_first_epochs(plan))
    if not looked:
        return None
    skipped = [index for index in looked if plan.epochs[index].val is None]
    ran_out = [index for index in looked if plan.epochs[index].val_ran_out]
    index = (ran_out or skipped or looked)[0]
    epoch = plan.epochs[index]
    batches = epoch.val.count if epoch.val is not None else 0
    if epoch.val is None:
        why = f"validation_freq leaves out epoch {epoch.number:,}: no validation runs after it."
        words = f"no validation runs after epoch {epoch.number:,}"
    elif epoch.val_ran_out:
        why = (
            f"Validation after epoch {epoch.number:,} runs out of data after {count_words(batches, 'batch')}, "
            "fewer than validation_steps asks for."
        )
        words = f"validation after epoch {epoch.number:,} runs {count_words(batches, 'batch')}"
    else:
        why = f"Validation runs after epoch {epoch.number:,}, on {count_words(batches, 'batch')}: its lane under the epoch's row."
        words = f"validation after epoch {epoch.number:,} runs {count_words(batches, 'batch')}"
    return Question(
        "validation_after_epoch",
        f"Does validation run after epoch {epoch.number:,}, and on how many batches? (Type 0 if it does not run.)",
        "number",
        batches,
        why,
        Reveal(index, index, "validation" if epoch.val is not None else "both"),
        words,
    )


def _weight_updates(plan: Plan) -> Question | None:
    looked = [index for index in _first_epochs(plan) if plan.epochs[index].updates is not None]
    if not looked:
        return None
    first_updates = plan.epochs[looked[0]].updates
    differing = [index for index in looked if plan.epochs[index].updates != first_updates]
    index = differing[0] if differing else looked[min(1, len(looked) - 1)]
    epoch = plan.epochs[index]
    updates = epoch.updates
    assert updates is not None
    every = plan.scenario.gradient_accumulation_steps
    why = (
        f"The weights change after every {ordinal(every)} batch counted across epoch ends, "
        f"so epoch {epoch.number:,}'s {count_words(epoch.steps, 'batch')} make {count_words(updates, 'update')}."
    )
    return Question(
        "weight_updates",
        f"With gradient_accumulation_steps={every}, how many times do the weights change during epoch {epoch.number:,}?",
        "number",
        updates,
        why,
        Reveal(max(0, index - 1), index, "train"),
        f"they change {count_words(updates, 'time')} in epoch {epoch.number:,}",
    )


def _epochs_run(plan: Plan) -> Question | None:
    scenario = plan.scenario
    if not scenario.initial_epoch or plan.outcome != "ok":
        return None
    ran = len(plan.epochs)
    return Question(
        "epochs_run",
        f"fit(epochs={scenario.epochs}, initial_epoch={scenario.initial_epoch}): how many epochs does it run?",
        "number",
        ran,
        f"epochs is the number of the last epoch, not a count: fit() runs {count_words(ran, 'epoch')}.",
        Reveal(0, max(0, ran - 1), "train"),
        f"it runs {count_words(ran, 'epoch')}",
    )


def _first_epoch_number(plan: Plan) -> Question | None:
    if not plan.scenario.initial_epoch or not len(plan.epochs):
        return None
    number = plan.epochs[0].number
    return Question(
        "first_epoch_number",
        f"With initial_epoch={plan.scenario.initial_epoch}, which epoch number does Keras print for the first epoch it runs?",
        "epoch",
        number,
        f"Keras counts epochs from the start of training, so the first epoch of this fit() is Epoch {number:,}.",
        Reveal(0, 0, "train"),
        f"it prints Epoch {number:,}",
    )


def _train_samples(plan: Plan) -> Question | None:
    validation = plan.scenario.validation
    if not isinstance(validation, ValidationSplit) or plan.train_samples is None or plan.outcome == "error":
        return None
    samples = plan.scenario.train.samples
    kept = plan.train_samples
    return Question(
        "train_samples",
        f"{count_words(samples or 0, 'sample')} with a validation split of {validation.split:g}: how many samples train?",
        "number",
        kept,
        f"The split rounds as Keras does, leaving {count_words(kept, 'sample')} to train on "
        f"and {count_words((samples or 0) - kept, 'sample')} to validate.",
        Reveal(0, 0, "both"),
        f"{count_words(kept, 'sample')} train",
    )


def _samples_never_seen(plan: Plan) -> Question | None:
    never = plan.totals.samples_never_seen
    if plan.outcome != "ok" or never is None or not len(plan.epochs):
        return None
    if never:
        why = f"No training batch of any epoch ever holds {count_words(never, 'sample')} of the data."
    else:
        why = "Every training sample is in some batch of some epoch."
    return Question(
        "samples_never_seen",
        "Over the whole fit(), how many training samples does the model never see?",
        "number",
        never,
        why,
        Reveal(0, len(plan.epochs) - 1, "train"),
        f"it never sees {count_words(never, 'sample')}",
    )


def _total_steps(plan: Plan) -> Question | None:
    if plan.outcome != "ok" or not len(plan.epochs):
        return None
    steps = plan.totals.steps
    return Question(
        "total_steps",
        "How many training steps does fit() take in all, over every epoch?",
        "number",
        steps,
        f"The epochs' training rows hold {count_words(steps, 'batch')} together.",
        Reveal(0, len(plan.epochs) - 1, "train"),
        f"it takes {count_words(steps, 'step')}",
    )


# Each question kind and the function that asks it. The keys are stable: lesson files name them, so a key never
# changes meaning.
MAKERS: dict[str, Callable[[Plan], Question | None]] = {
    "fit_runs": _fit_runs,
    "fit_returns": _fit_returns,
    "endless_epoch": _endless_epoch,
    "stopped_epoch": _stopped_epoch,
    "first_ran_out": _first_ran_out,
    "restart_epoch": _restart_epoch,
    "epoch_steps": _epoch_steps,
    "epoch_first_sample": _epoch_first_sample,
    "epoch_last_batch": _epoch_last_batch,
    "validation_after_epoch": _validation_after_epoch,
    "weight_updates": _weight_updates,
    "epochs_run": _epochs_run,
    "first_epoch_number": _first_epoch_number,
    "train_samples": _train_samples,
    "samples_never_seen": _samples_never_seen,
    "total_steps": _total_steps,
}
QUESTION_KINDS: tuple[str, ...] = tuple(MAKERS)
assert set(USUAL_ORDER) == set(QUESTION_KINDS)
