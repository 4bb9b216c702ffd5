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
    ("data", "field", "words"),
    [
        ({"train": {"samples": -1}}, "train.samples", "at least 0"),
        ({"train": {"samples": 10, "batch_size": 0}}, "train.batch_size", "at least 1"),
        ({"train": {"samples": 10**30}}, "train.samples", "at most"),
        ({"train": {"samples": 10.0}}, "train.samples", "without a decimal point"),
        ({"train": {"samples": "10"}}, "train.samples", "whole number"),
        ({"train": {"samples": True}}, "train.samples", "whole number"),
        ({"train": {"samples": 10, "shuffle": "yes"}}, "train.shuffle", "true or false"),
        ({"train": {"samples": 10, "source": "csv"}}, "train.source", '"arrays", "dataset", "generator"'),
        ({"train": {"samples": 10, "repeat": "forever", "source": "dataset"}}, "train.repeat", "before_batch"),
        ({"train": {"samples": 10, "sample": 3}}, "train.sample", "not a known key"),
        ({"train": {"samples": 10}, "epoch": 3}, "epoch", "not a known key"),
        ({"train": {}}, "train.samples", "is required"),
        ({}, "train", "is required"),
        ({"train": {"samples": None}}, "train.samples", "endless stream"),
        ({"train": {"samples": 10, "repeat": "after_batch"}}, "train.repeat", "cannot be repeated"),
        ({"train": {"samples": 10}, "epochs": -1}, "epochs", "at least 0"),
        ({"train": {"samples": 10}, "epochs": 10**6}, "epochs", "at most 100,000"),
        ({"train": {"samples": 10}, "steps_per_epoch": 0}, "steps_per_epoch", "at least 1"),
        ({"train": {"samples": 10}, "steps_per_execution": None}, "steps_per_execution", "got null"),
        ({"train": {"samples": 10}, "validation": {"split": 1.0}}, "validation.split", "strictly between 0 and 1"),
        ({"train": {"samples": 10}, "validation": {"split": 0}}, "validation.split", "strictly between 0 and 1"),
        ({"train": {"samples": 10}, "validation": {"split": "0.2"}}, "validation.split", "a number"),
        ({"train": {"samples": 10}, "validation": {"split": 0.2, "samples": 3}}, "validation.samples", "not a known key"),
        ({"train": {"samples": 10}, "validation": {"samples": 3, "freq": 0}}, "validation.freq", "at least 1"),
        ({"train": {"samples": 10}, "validation": 5}, "validation", "null or an object"),
        ({"train": [1, 2]}, "train", "must be an object"),
        ([], "", "JSON object"),
    ],
)
def test_bad_fields_are_named_with_the_reason(data, field, words):
    # Each bad value is rejected with its field's dotted name and a reason a person can act on.
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    assert caught.value.field == field
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "not valid JSON"),
        ("{", "not valid JSON: Expecting property name"),
        ('{"train": {"samples": NaN}}', "NaN is not a number JSON allows"),
        ('{"train": {"samples": 1}, "train": {"samples": 2}}', "appears twice"),
        (b"\xff\xfe{", "not UTF-8"),
        ("[" * 100_000, "not valid JSON"),
        ("x" * 2_000_000, "longer than"),
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
