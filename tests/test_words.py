"""The words the planner writes for a student: plain numbers, right plurals, each warning once, no internal codes."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings

from core import plan, scenario_from_dict
from core.explain import key_numbers, number_words, summarize
from core.plan import Plan
from tests.conftest import PROJECT
from tests.strategies import huge_scenarios, scenarios

E_NOTATION = re.compile(r"\d(\.\d+)?e[+-]?\d", re.IGNORECASE)
# "1 passes", "of 1 samples", "1 batches", ...: a lone 1 (not the end of 11 or 1,001) before a plural noun.
ONE_WITH_PLURAL = re.compile(r"(?<![\d,.])1 (passes|samples|batches|steps|epochs|runs|training steps|validation steps)\b")
EVERY_ONE_PLURAL = re.compile(r"every 1 (steps|batches|epochs)\b")


def named_scenarios() -> list[tuple[str, dict]]:
    """Every example file, preset and trap the app ships, by name."""
    named = [
        (f"example {path.stem}", json.loads(path.read_text(encoding="utf-8")))
        for path in sorted((PROJECT / "examples").glob("*.json"))
    ]
    resources = PROJECT / "resources"
    named += [
        (f"preset {p['name']}", p["scenario"]) for p in json.loads((resources / "presets.json").read_text(encoding="utf-8"))
    ]
    named += [(f"trap {t['key']}", t["scenario"]) for t in json.loads((resources / "traps.json").read_text(encoding="utf-8"))]
    return named


NAMED = named_scenarios()


def all_words(result: Plan) -> str:
    """Everything the planner writes for people about a plan: summary, key numbers, warnings and fixes."""
    numbers = "\n".join(f"{label}: {value}" for label, value in key_numbers(result))
    warnings = "\n".join(f"{warning.text}\n{warning.fix}" for warning in result.warnings)
    return "\n".join([summarize(result), numbers, warnings])


def assert_plain_words(result: Plan) -> None:
    words = all_words(result)
    assert not E_NOTATION.search(words), E_NOTATION.search(words)
    assert not ONE_WITH_PLURAL.search(words), ONE_WITH_PLURAL.search(words)
    assert not EVERY_ONE_PLURAL.search(words)
    assert "(s)" not in words and "(es)" not in words
    texts = [warning.text for warning in result.warnings]
    assert len(texts) == len(set(texts)), "a warning is said twice"
    for warning in result.warnings:
        assert warning.code not in warning.text and warning.code not in warning.fix, warning.code


@pytest.mark.parametrize(("name", "data"), NAMED, ids=[name for name, _data in NAMED])
def test_shipped_scenarios_read_plainly(name, data):
    # Every example, preset and trap: no e-notation, right plurals, each warning once, no codes; none of them
    # passes fit(batch_size=...) beside batched training data, so none is warned that it is ignored.
    result = plan(scenario_from_dict(data))
    assert_plain_words(result)
    assert [w.code for w in result.warnings if w.code == "batch_size_ignored"] == []


def test_no_tf_data_scenario_warns_about_a_batch_size_nobody_passed():
    # The tf.data traps pass no batch_size to fit(): the old "fit(batch_size=...) is ignored" line is gone.
    for _name, data in NAMED:
        result = plan(scenario_from_dict(data))
        assert not any("is ignored: the batches are the ones" in w.text for w in result.warnings)


def test_batch_size_warning_when_fit_batch_size_only_batches_validation_arrays():
    # A tf.data training set with validation arrays and no validation_batch_size: fit(batch_size=16) batches only those.
    data = {
        "train": {"samples": 100, "source": "dataset", "batch_size": 16, "shuffle": False},
        "validation": {"samples": 100, "source": "arrays"},
    }
    result = plan(scenario_from_dict(data))
    (warning,) = [w for w in result.warnings if w.code == "batch_size_ignored"]
    assert warning.text.startswith("fit(batch_size=16) does not batch a tf.data.Dataset")
    assert result.epochs[0].val is not None and result.epochs[0].val.runs() == [[16, 6], [4, 1]]


@pytest.mark.parametrize(
    ("train", "validation"),
    [
        ({"samples": 100, "source": "dataset", "batch_size": 16}, {"samples": 100, "source": "arrays", "batch_size": 10}),
        ({"samples": 100, "source": "dataset", "batch_size": 16}, {"samples": 100, "source": "dataset", "batch_size": 10}),
        ({"samples": 100, "source": "dataset", "batch_size": 16}, None),
        ({"samples": 100, "source": "arrays", "batch_size": 16}, {"samples": 100, "source": "arrays"}),
    ],
    ids=["validation_batch_size", "validation_dataset", "no_validation", "training_arrays"],
)
def test_no_batch_size_warning_where_fit_batch_size_is_not_passed_or_batches_the_training(train, validation):
    # validation_batch_size of its own, a batched validation set, no validation, or training arrays that fit() batches.
    data = {"train": train} | ({"validation": validation} if validation else {})
    result = plan(scenario_from_dict(data))
    assert [w.code for w in result.warnings if w.code == "batch_size_ignored"] == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_small_random_scenarios_read_plainly(data):
    # Any small scenario: the same rules hold for the words.
    assert_plain_words(plan(scenario_from_dict(data)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(huge_scenarios())
def test_huge_random_scenarios_read_plainly(data):
    # Up to 10^12 steps and samples: numbers stay in words people read (50,000; 1.2 million), never 1e+12.
    assert_plain_words(plan(scenario_from_dict(data)))


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "0"),
        (0.18, "0.18"),
        (1, "1"),
        (1.96, "1.96"),
        (4.992, "4.992"),
        (1000, "1,000"),
        (50_000, "50,000"),
        (999_999.6, "1,000,000"),
        (1_200_000, "1.2 million"),
        (13_500_000, "13.5 million"),
        (5e10, "50 billion"),
        (10**12, "1 trillion"),
        (2.5e15, "2,500 trillion"),
        (0.00001, "less than 0.001"),
    ],
)
def test_numbers_are_written_as_people_read_them(value, words):
    # number_words never writes e-notation, at any size.
    assert number_words(value) == words


def test_a_warning_about_many_epochs_is_said_once_and_names_them():
    # validation_steps=10 on 4 batches, 90 epochs: one warning "after epochs 1-90", not ninety of them.
    data = {
        "train": {"samples": 256, "source": "dataset", "batch_size": 32, "shuffle": False},
        "epochs": 90,
        "validation": {"samples": 100, "source": "dataset", "batch_size": 32, "steps": 10},
    }
    said = [w for w in plan(scenario_from_dict(data)).warnings if w.code == "validation_ran_out"]
    assert len(said) == 1 and said[0].epoch == 1
    assert said[0].text.startswith("Validation after epochs 1-90 ran 4 batches each, fewer than validation_steps=10")
    every_third = dict(data, validation={**data["validation"], "freq": 3})
    (warning,) = [w for w in plan(scenario_from_dict(every_third)).warnings if w.code == "validation_ran_out"]
    assert warning.text.startswith("Validation after every 3rd epoch from 3 to 90 ran 4 batches each")


def test_epochs_that_run_out_differently_are_told_apart():
    # A one-shot generator: epoch 1 reads its 5 batches, epochs 2 and 3 only the 2 replayed ones.
    data = {"train": {"samples": 10, "source": "generator", "batch_size": 2, "shuffle": False}, "epochs": 3}
    said = [w.text.split(":")[0] for w in plan(scenario_from_dict(data)).warnings if w.code == "ran_out_of_data"]
    assert said == [
        "Epoch 1 trains 5 batches of the one pass asked for",
        "Epochs 2 and 3 each train 2 batches of the one pass asked for",
    ]


def test_validation_key_numbers_say_per_run_and_in_all():
    # MNIST with validation: 157 steps a run beside the form's validation_steps, 785 over 5 epochs.
    data = {
        "train": {"samples": 60000, "batch_size": 64},
        "epochs": 5,
        "validation": {"samples": 10000, "source": "arrays"},
    }
    numbers = dict(key_numbers(plan(scenario_from_dict(data))))
    assert (numbers["Validation steps per run"], numbers["Validation steps in all"]) == ("157", "785")
    assert "Validation steps" not in numbers


def test_one_of_everything_is_singular():
    # One sample in batches of one, one epoch, one validation step: "1 pass", "1 sample", "1 step".
    data = {"train": {"samples": 1, "batch_size": 1}, "validation": {"samples": 1, "source": "arrays"}}
    text = summarize(plan(scenario_from_dict(data)))
    assert "Total: 1 training step, 1 sample, 1 pass over the data, 1 validation step." in text
    assert "Training data: 1 sample from NumPy arrays, batches of 1." in text


@pytest.mark.parametrize(
    ("number", "noun", "words"),
    [
        (1, "epoch", "1 epoch"),
        (3, "epoch", "3 epochs"),
        (2, "batch", "2 batches"),
        (5, "pass", "5 passes"),
        (2, "step", "2 steps"),
    ],
)
def test_plurals_follow_the_noun(number, noun, words):
    # "epochs", never "epoches" (verify's "ran exactly the planned 3 epochs"), beside "batches" and "passes".
    from core.words import count_words

    assert count_words(number, noun) == words
