"""The questions question mode asks: every answer is the plan's own field, a trap's point comes first, replies
are read as a student types them, and any plan (1e12 steps, 100,000 epochs, endless, refused) makes its
questions at once."""

from __future__ import annotations

import re
import time

import pytest

from core.keras.fit import plan
from core.questions import POINT_OF_WARNING, QUESTION_KINDS, Question, check, questions_for, read_reply
from core.scenario import scenario_from_dict
from gui.resources import presets, traps

SCENARIOS = [pytest.param(trap.scenario, trap.warning, id=f"trap-{trap.key}") for trap in traps()] + [
    pytest.param(scenario, None, id=f"preset-{index + 1}") for index, (_name, _words, scenario) in enumerate(presets())
]

ENDLESS = {"train": {"samples": 100, "source": "dataset", "batch_size": 32, "repeat": "after_batch"}, "epochs": 3}
REFUSED = {"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 2, "validation": {"split": 0.2}}
# 1e12 steps an epoch, over a continuing stream, and 100,000 epochs that each go on where the last stopped.
HUGE_STEPS = {
    "train": {"samples": 10**12, "source": "dataset", "batch_size": 3, "repeat": "after_batch"},
    "epochs": 3,
    "steps_per_epoch": 10**12,
    "validation": {"samples": 1000, "source": "dataset", "batch_size": 32, "freq": 2},
}
MANY_EPOCHS = {
    "train": {"samples": 1000, "source": "dataset", "batch_size": 32, "repeat": "before_batch"},
    "epochs": 100_000,
    "steps_per_epoch": 7,
    "gradient_accumulation_steps": 3,
}
ONE_PLURAL = re.compile(r"\b1 (steps|batches|samples|epochs|updates|times|questions)\b")


def plans_own(question: Question, planned) -> int | bool:
    """The answer read straight from the plan's fields, at the row the question reveals."""
    kind = question.kind
    row = question.reveal.last_row if question.reveal is not None else None
    epoch = planned.epochs[row] if row is not None and row < len(planned.epochs) else None
    readers = {
        "fit_runs": lambda: planned.outcome != "error",
        "fit_returns": lambda: planned.outcome == "ok",
        "endless_epoch": lambda: planned.endless_epoch,
        "stopped_epoch": lambda: planned.stopped_epoch,
        "first_ran_out": lambda: epoch.number,
        "restart_epoch": lambda: epoch.number,
        "epoch_steps": lambda: epoch.train.count,
        "epoch_first_sample": lambda: epoch.train.first_sample,
        "epoch_last_batch": lambda: epoch.train.size(epoch.train.count - 1),
        "validation_after_epoch": lambda: epoch.val.count if epoch.val is not None else 0,
        "weight_updates": lambda: epoch.updates,
        "epochs_run": lambda: len(planned.epochs),
        "first_epoch_number": lambda: planned.epochs[0].number,
        "train_samples": lambda: planned.train_samples,
        "samples_never_seen": lambda: planned.totals.samples_never_seen,
        "total_steps": lambda: planned.totals.steps,
    }
    assert set(readers) == set(QUESTION_KINDS)
    return readers[kind]()


@pytest.mark.parametrize(("scenario", "warning"), SCENARIOS)
def test_every_answer_is_the_plans_own_field_and_a_traps_point_comes_first(scenario, warning):
    """Each question of every trap and preset answers with the field the plan holds, named in its words."""
    planned = plan(scenario)
    questions = questions_for(planned)
    assert questions, "every plan has something to ask"
    assert len({question.kind for question in questions}) == len(questions)
    for question in questions:
        assert question.answer == plans_own(question, planned), question.kind
        assert type(question.answer) is (bool if question.answer_kind == "yes_no" else int)
        if question.kind in ("epoch_steps", "epoch_first_sample", "epoch_last_batch", "validation_after_epoch", "weight_updates"):
            assert f"epoch {planned.epochs[question.reveal.last_row].number:,}" in question.text
        if question.kind in ("first_ran_out", "restart_epoch"):
            assert planned.epochs[question.reveal.last_row].number == question.answer
        for words in (question.text, question.explanation, question.answer_words):
            assert not ONE_PLURAL.search(words), words
        assert question.explanation.endswith((".", ")")) and question.explanation.count(". ") <= 2
    if planned.outcome == "error":
        assert [question.kind for question in questions] == ["fit_runs"]
    elif warning in POINT_OF_WARNING:
        assert questions[0].kind in POINT_OF_WARNING[warning]


@pytest.mark.parametrize(("scenario", "warning"), SCENARIOS[:: max(1, len(SCENARIOS) // 6)])
def test_replies_are_read_as_typed(scenario, warning):
    """The answer typed plainly, with thousands commas or as "epoch 3" is right; another number is wrong and says
    the answer; words that are no answer get a hint and no verdict."""
    for question in questions_for(plan(scenario)):
        if question.answer_kind == "yes_no":
            right, wrong = ("Yes" if question.answer else "no"), ("no" if question.answer else "YES")
        else:
            right, wrong = f"{question.answer:,}", str(question.answer + 1)
        assert check(question, right) == (True, f"Right: {question.answer_words}.")
        correct, words = check(question, wrong)
        assert not correct and words.startswith("Not quite: ") and question.answer_words in words
        assert read_reply(question, "twelve") is None
        assert check(question, "twelve")[0] is False
        if question.answer_kind == "epoch":
            assert check(question, f"epoch {question.answer}")[0] is True


@pytest.mark.parametrize("data", [pytest.param(HUGE_STEPS, id="1e12-steps"), pytest.param(MANY_EPOCHS, id="100000-epochs")])
def test_huge_plans_make_their_questions_at_once(data):
    """A plan of 1e12 steps an epoch or 100,000 epochs: every question made in well under a second, each the plan's own."""
    planned = plan(scenario_from_dict(data))
    started = time.perf_counter()
    questions = questions_for(planned)
    assert time.perf_counter() - started < 0.5
    kinds = {question.kind for question in questions}
    assert {"epoch_steps", "total_steps", "fit_returns"} <= kinds
    for question in questions:
        assert question.answer == plans_own(question, planned)
    if data is MANY_EPOCHS:
        assert "weight_updates" in kinds and "epoch_first_sample" in kinds


def test_endless_and_refused_plans_ask_what_they_can():
    """An endless epoch: does fit return (no), which epoch never ends; a refusal: does fit run at all (no), with
    nothing to reveal but Keras' own words (the timeline's message)."""
    endless = plan(scenario_from_dict(ENDLESS))
    asked = {question.kind: question for question in questions_for(endless)}
    assert asked["fit_returns"].answer is False and asked["endless_epoch"].answer == endless.endless_epoch
    refused = plan(scenario_from_dict(REFUSED))
    (only,) = questions_for(refused)
    assert only.kind == "fit_runs" and only.answer is False and only.reveal is None and refused.error


def test_kinds_asked_for_come_in_that_order_and_unknown_ones_are_refused():
    """A lesson names the questions: they come in its order, those the plan cannot ask are left out, a wrong key is
    a one-line message."""
    floor_trap = next(trap for trap in traps() if trap.key == "floor_ceil_mismatch")
    planned = plan(floor_trap.scenario)
    asked = questions_for(planned, ["total_steps", "weight_updates", "epoch_steps"])
    assert [question.kind for question in asked] == ["total_steps", "epoch_steps"]
    with pytest.raises(ValueError, match="There is no question 'steps'; the questions are fit_runs, "):
        questions_for(planned, ["steps"])
