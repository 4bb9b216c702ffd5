"""The scenario reader: the shared format, defaults, round trips, and a clear message for every bad input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.scenario import (
    DataSpec,
    ScenarioError,
    ValidationSet,
    ValidationSplit,
    scenario_from_dict,
    scenario_from_json,
)
from tests.strategies import json_values, scenarios

FORMAT_EXAMPLE = """{
  "train": {"samples": 1000, "source": "dataset", "batch_size": 32, "drop_remainder": false,
            "repeat": "none", "shuffle": false},
  "epochs": 3, "steps_per_epoch": null, "steps_per_execution": 1,
  "validation": {"samples": 200, "source": "dataset", "batch_size": null, "drop_remainder": false,
                 "repeat": "none", "steps": null, "freq": 1}
}"""


def test_reads_the_format_example_exactly():
    # The example in shared/scenario-format.md reads into the matching dataclasses.
    scenario = scenario_from_json(FORMAT_EXAMPLE)
    assert scenario.train == DataSpec(1000, "dataset", 32, False, "none", False)
    assert scenario.epochs == 3 and scenario.steps_per_epoch is None and scenario.steps_per_execution == 1
    assert scenario.validation == ValidationSet(200, "dataset", None, False, "none", False, None, 1)


def test_defaults_follow_the_format_table():
    # Missing keys take the defaults of the format's table (arrays, 32, shuffle true, 1 epoch).
    scenario = scenario_from_dict({"train": {"samples": 10}})
    assert scenario.train == DataSpec(10, "arrays", 32, False, "none", True)
    assert (scenario.epochs, scenario.steps_per_epoch, scenario.steps_per_execution, scenario.validation) == (1, None, 1, None)


def test_split_validation_keeps_its_options():
    # A split validation may carry batch_size, steps and freq.
    scenario = scenario_from_dict({"train": {"samples": 10}, "validation": {"split": 0.2, "batch_size": 4, "freq": 2}})
    assert scenario.validation == ValidationSplit(0.2, 4, None, 2)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"train": {"samples": -1}}, "train.samples", "The number of training samples must be at least 0, not -1."),
        ({"train": {"samples": 10, "batch_size": 0}}, "train.batch_size", "The training batch size must be at least 1, not 0."),
        (
            {"train": {"samples": 10**30}},
            "train.samples",
            "The number of training samples must be at most 1,000,000,000,000, not a number with 31 digits.",
        ),
        (
            {"train": {"samples": 10.0}},
            "train.samples",
            "The number of training samples must be a whole number written without a decimal point (10, not 10.0).",
        ),
        (
            {"train": {"samples": "10"}},
            "train.samples",
            'The number of training samples must be a whole number of at least 0, or empty for an endless stream, not "10".',
        ),
        (
            {"train": {"samples": True}},
            "train.samples",
            "The number of training samples must be a whole number of at least 0, or empty for an endless stream, not true.",
        ),
        (
            {"train": {"samples": 10, "batch_size": "abc"}},
            "train.batch_size",
            'The training batch size must be a whole number of at least 1, or empty for Keras\' default (32), not "abc".',
        ),
        ({"train": {"samples": 10, "shuffle": "yes"}}, "train.shuffle", 'Training shuffle must be true or false, not "yes".'),
        (
            {"train": {"samples": 10, "source": "csv"}},
            "train.source",
            'The training source must be "arrays", "dataset" or "generator", not "csv".',
        ),
        (
            {"train": {"samples": 10, "repeat": "forever", "source": "dataset"}},
            "train.repeat",
            'Training repeat must be "none", "before_batch" or "after_batch", not "forever".',
        ),
        (
            {"train": {"samples": 10, "sample": 3}},
            "train.sample",
            'The training data has no setting called "sample"; it knows samples, source, batch_size, drop_remainder, '
            "repeat and shuffle.",
        ),
        (
            {"train": {"samples": 10}, "epoch": 3},
            "epoch",
            'A scenario has no setting called "epoch"; it knows train, epochs, steps_per_epoch, steps_per_execution '
            "and validation.",
        ),
        (
            {"train": {}},
            "train.samples",
            "The number of training samples is required: a whole number, or empty (null) for an endless stream.",
        ),
        ({}, "train", 'The training data, what fit() is given, is required: add "train": {"samples": ...}.'),
        (
            {"train": {"samples": None}},
            "train.samples",
            "NumPy arrays always have a length, so they cannot be an endless stream: give the number of samples, "
            'or choose the source "dataset" or "generator".',
        ),
        (
            {"train": {"samples": 10, "repeat": "after_batch"}},
            "train.repeat",
            'NumPy arrays cannot be repeated: choose the source "dataset" or "generator" to use .repeat().',
        ),
        ({"train": {"samples": 10}, "epochs": -1}, "epochs", "The number of epochs must be at least 0, not -1."),
        ({"train": {"samples": 10}, "epochs": 10**6}, "epochs", "The number of epochs must be at most 100,000, not 1,000,000."),
        ({"train": {"samples": 10}, "steps_per_epoch": 0}, "steps_per_epoch", "Steps per epoch must be at least 1, not 0."),
        (
            {"train": {"samples": 10}, "steps_per_epoch": [3]},
            "steps_per_epoch",
            "Steps per epoch must be a whole number of at least 1, or empty to let Keras decide, not a list [...].",
        ),
        (
            {"train": {"samples": 10}, "steps_per_execution": None},
            "steps_per_execution",
            "Steps per execution must be a whole number of at least 1; it cannot be empty.",
        ),
        (
            {"train": {"samples": 10}, "validation": {"split": 1.0}},
            "validation.split",
            "The validation split must be strictly between 0 and 1, such as 0.2 (a fifth), not 1.0.",
        ),
        (
            {"train": {"samples": 10}, "validation": {"split": 0}},
            "validation.split",
            "The validation split must be strictly between 0 and 1, such as 0.2 (a fifth), not 0.",
        ),
        (
            {"train": {"samples": 10}, "validation": {"split": "0.2"}},
            "validation.split",
            'The validation split must be a fraction such as 0.2, not "0.2".',
        ),
        (
            {"train": {"samples": 10}, "validation": {"split": 0.2, "samples": 3}},
            "validation.samples",
            'A validation split has no setting called "samples"; it knows split, batch_size, steps and freq.',
        ),
        (
            {"train": {"samples": 10}, "validation": {"samples": 3, "freq": 0}},
            "validation.freq",
            "Validation frequency must be at least 1, not 0.",
        ),
        (
            {"train": {"samples": 10}, "validation": {"samples": 3, "batch_size": "x"}},
            "validation.batch_size",
            'The validation batch size must be a whole number of at least 1, or empty to use the training batch size, not "x".',
        ),
        (
            {"train": {"samples": 10}, "validation": 5},
            "validation",
            'Validation must be empty (null) for none, {"split": 0.2} to split the training arrays, '
            'or a validation set {"samples": ...}, not 5.',
        ),
        (
            {"train": [1, 2]},
            "train",
            'The training data must be a group of settings {"samples": ...}, not a list [...].',
        ),
        ([], "", "A scenario is one group of settings in braces {...}; this is a list [...]."),
    ],
)
def test_bad_fields_are_named_with_the_reason(data, field, message):
    # Each bad value is rejected with its field's dotted name and a plain sentence naming the field as the form does.
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    assert caught.value.field == field
    assert caught.value.message == message
    assert str(caught.value) == (f"{field}: {message}" if field else message)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "The file is not valid JSON: expecting value at line 1, column 1."),
        ("{", "The file is not valid JSON: expecting property name enclosed in double quotes at line 1, column 2."),
        ('{"train": {"samples": NaN}}', "The file holds NaN, which JSON does not allow; write a plain number."),
        ('{"train": {"samples": 1}, "train": {"samples": 2}}', 'The setting "train" is written twice in the same braces'),
        (b"\xff\xfe{", "The file is not UTF-8 text (byte number 1 is not UTF-8); save it as UTF-8 in a text editor."),
        ("[" * 100_000, "The file is not valid JSON: its brackets nest far too deeply for a scenario."),
        ('{"train": {"samples": ' + "9" * 5000 + "}}", "The file is not valid JSON: a number in it has thousands of digits."),
        ("x" * 2_000_000, "The text is longer than 1 MiB; a scenario is a few lines."),
        (b"x" * 2_000_000, "The file is larger than 1 MiB; a scenario file is a few lines."),
    ],
)
def test_unreadable_text_gets_one_clear_line(text, words):
    # Broken JSON, odd constants, duplicate keys, bad encodings and huge inputs: a ScenarioError, no traceback.
    with pytest.raises(ScenarioError) as caught:
        scenario_from_json(text)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_round_trip_through_json(data):
    # A scenario written out as JSON reads back as the same scenario.
    scenario = scenario_from_dict(data)
    assert scenario_from_json(scenario.to_json()) == scenario


@settings(max_examples=600, deadline=None)
@given(json_values)
def test_any_json_value_is_read_or_refused_cleanly(value):
    # Fuzz: arbitrary JSON values either read as a scenario or raise ScenarioError; nothing else escapes.
    try:
        scenario_from_dict(value)
    except ScenarioError as error:
        assert str(error)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(["train", "epochs", "steps_per_epoch", "steps_per_execution", "validation"]), json_values))
def test_scenario_shaped_junk_is_refused_cleanly(value):
    # Fuzz closer to the format: the right keys with junk values.
    try:
        scenario_from_dict(value)
    except ScenarioError as error:
        assert error.field is not None


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_any_text_is_read_or_refused_cleanly(text):
    # Fuzz the file reader itself with arbitrary text and bytes.
    try:
        scenario_from_json(text)
    except ScenarioError as error:
        assert str(error)


def test_written_json_is_the_shared_format():
    # to_json writes every key of the format, so other tools can read our files.
    written = json.loads(scenario_from_json(FORMAT_EXAMPLE).to_json())
    assert written == json.loads(FORMAT_EXAMPLE)
