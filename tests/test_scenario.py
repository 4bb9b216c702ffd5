"""The scenario reader: the shared format, defaults, round trips, and a clear message for every bad input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.scenario import (
    PIPELINE_OPS,
    DataSpec,
    PipelineStep,
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
            'The training source must be "arrays", "dataset", "generator", "pydataset" or "image_data_generator", not "csv".',
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
            'or choose the source "dataset", "generator" or "pydataset".',
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


# ---------------------------------------------------------------- real input pipelines and more of fit

PIPELINES_PUBLIC = json.loads(
    (__import__("pathlib").Path(__file__).parent / "conformance" / "keras-3.15.1-pipelines-public.json").read_text("utf-8")
)


def test_every_new_key_reads_into_the_contract_dataclasses():
    # A scenario using every new key reads into PipelineStep, DataSpec's new fields and the Scenario's new fields.
    scenario = scenario_from_dict(
        {
            "train": {
                "samples": 100,
                "source": "dataset",
                "shuffle": False,
                "pipeline": [
                    {"op": "shuffle", "buffer_size": 100},
                    {"op": "batch", "size": 8, "drop_remainder": True},
                    {"op": "repeat", "count": None},
                ],
            },
            "epochs": 5,
            "initial_epoch": 2,
            "gradient_accumulation_steps": 4,
            "validation": {"samples": 30, "source": "image_data_generator", "flow_shuffle": False, "freq": [3, 5]},
        }
    )
    assert scenario.train.pipeline == (
        PipelineStep("shuffle", buffer_size=100, reshuffle_each_iteration=True),
        PipelineStep("batch", size=8, drop_remainder=True),
        PipelineStep("repeat", count=None),
    )
    assert scenario.train.batch_size is None and scenario.train.repeat == "none"
    assert (scenario.initial_epoch, scenario.gradient_accumulation_steps) == (2, 4)
    assert isinstance(scenario.validation, ValidationSet)
    assert scenario.validation.flow_shuffle is False and scenario.validation.freq == (3, 5)
    assert PIPELINE_OPS[0] == "batch" and len(PIPELINE_OPS) == 13


def test_a_split_says_who_splits():
    # split_by and the validation flow's shuffle are kept; null split_by is the default, fit.
    split = scenario_from_dict(
        {
            "train": {"samples": 50, "source": "image_data_generator"},
            "validation": {"split": 0.2, "split_by": "image_data_generator", "flow_shuffle": False},
        }
    ).validation
    assert split == ValidationSplit(0.2, split_by="image_data_generator", flow_shuffle=False)
    assert scenario_from_dict({"train": {"samples": 5}, "validation": {"split": 0.2, "split_by": None}}).validation == (
        ValidationSplit(0.2)
    )


def test_old_files_save_unchanged():
    # The new keys are written only when they differ from their defaults.
    assert "initial_epoch" not in scenario_from_json(FORMAT_EXAMPLE).to_dict()
    assert json.loads(scenario_from_json(FORMAT_EXAMPLE).to_json()) == json.loads(FORMAT_EXAMPLE)


@pytest.mark.parametrize("case", PIPELINES_PUBLIC, ids=[case["name"] for case in PIPELINES_PUBLIC])
def test_every_public_pipeline_scenario_reads_and_round_trips(case):
    # Every scenario of the pipelines records reads (or is one the format refuses) and writes back the same.
    if case["keras"].get("refused_by") == "format":
        with pytest.raises(ScenarioError):
            scenario_from_dict(case["scenario"])
        return
    scenario = scenario_from_dict(case["scenario"])
    assert scenario_from_json(scenario.to_json()) == scenario


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"train": {"samples": 10}, "keras": 2}, "keras", 'The Keras flavour is "3" (Keras 3.15.1) or "2"'),
        ({"train": {"samples": 10}, "keras": "1"}, "keras", 'The Keras flavour is "3" (Keras 3.15.1) or "2"'),
        ({"train": {"samples": 10}, "backend": "numpy"}, "backend", 'The backend is "tensorflow", "jax" or "torch"'),
        ({"train": {"samples": 10}, "keras": "2", "backend": "jax"}, "backend", "tf.keras 2 runs on TensorFlow only"),
        ({"train": {"samples": 10}, "replicas": 0}, "replicas", "The number of replicas must be at least 1, not 0."),
        ({"train": {"samples": 10}, "replicas": 65}, "replicas", "The number of replicas must be at most 64, not 65."),
        ({"train": {"samples": 10}, "replicas": 2, "backend": "torch"}, "replicas", "MirroredStrategy, which is TensorFlow's"),
        ({"train": {"samples": 10}, "initial_epoch": -1}, "initial_epoch", "The initial epoch must be at least 0, not -1."),
        (
            {"train": {"samples": 10}, "gradient_accumulation_steps": 1},
            "gradient_accumulation_steps",
            "Gradient accumulation steps must be at least 2, not 1.",
        ),
        (
            {"train": {"samples": 10, "pipeline": [{"op": "batch", "size": 2}]}},
            "train.pipeline",
            'A pipeline is a chain of tf.data steps: it needs the source "dataset", not "arrays".',
        ),
        (
            {"train": {"samples": 10, "source": "dataset", "batch_size": 4, "pipeline": [{"op": "batch", "size": 2}]}},
            "train.batch_size",
            "With a pipeline, batch_size is left out",
        ),
        (
            {"train": {"samples": 10, "source": "dataset", "pipeline": [{"op": "repeat"}]}},
            "train.pipeline",
            "The training pipeline has no batch step",
        ),
        (
            {"train": {"samples": 10, "source": "dataset", "pipeline": [{"op": "batch", "size": 2}, {"op": "unbatch"}]}},
            "train.pipeline",
            "The training pipeline ends with unbatch",
        ),
        (
            {"train": {"samples": 10, "source": "dataset", "pipeline": [{"op": "window", "size": 2}]}},
            "train.pipeline[0].op",
            "A pipeline step's op must be one of batch, repeat,",
        ),
        (
            {"train": {"samples": 10, "source": "dataset", "pipeline": [{"op": "batch"}]}},
            "train.pipeline[0].size",
            "The batch step's size is required: a whole number.",
        ),
        (
            {"train": {"samples": 10, "source": "dataset", "pipeline": [{"op": "batch", "size": 2, "count": 3}]}},
            "train.pipeline[0].count",
            'The batch step has no setting called "count"; it takes size, drop_remainder.',
        ),
        (
            {"train": {"samples": 10, "source": "dataset", "pipeline": [{"op": "shard", "num_shards": 2, "index": 2}]}},
            "train.pipeline[0].index",
            "The shard step's index counts from 0, so it must be below num_shards (2), not 2.",
        ),
        (
            {"train": {"samples": 10, "flow_shuffle": False}},
            "train.flow_shuffle",
            "Training flow shuffle is the ImageDataGenerator flow's own shuffle",
        ),
        (
            {"train": {"samples": None, "source": "image_data_generator"}},
            "train.samples",
            "An ImageDataGenerator flow over arrays always has a length",
        ),
        (
            {"train": {"samples": 10, "source": "pydataset", "repeat": "after_batch"}},
            "train.repeat",
            "A PyDataset cannot be repeated",
        ),
        (
            {"train": {"samples": 10}, "validation": {"split": 0.2, "split_by": "directory"}},
            "validation.split_by",
            "A directory split (image_dataset_from_directory) gives tf.data datasets",
        ),
        (
            {"train": {"samples": 10}, "validation": {"split": 0.2, "split_by": "folder"}},
            "validation.split_by",
            'Who splits the validation data must be "fit", "directory" or "image_data_generator", not "folder".',
        ),
        (
            {"train": {"samples": 10}, "validation": {"split": 0.2, "freq": [0]}},
            "validation.freq",
            "The validation frequency's list holds epoch numbers from 1 to 100,000, not 0.",
        ),
        (
            {"train": {"samples": 10}, "validation": {"split": 0.2, "freq": "2"}},
            "validation.freq",
            "The validation frequency must be a whole number of at least 1 (every N epochs) or a list",
        ),
    ],
)
def test_new_keys_refuse_bad_values_with_the_field_named(data, field, words):
    # Each new key's bad value is one clear line naming its field.
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    assert caught.value.field == field
    assert words in caught.value.message
    assert "\n" not in str(caught.value)


_step_junk = st.fixed_dictionaries(
    {"op": st.one_of(st.sampled_from(PIPELINE_OPS), json_values)},
    optional={
        key: json_values
        for key in (
            "size",
            "drop_remainder",
            "count",
            "num_shards",
            "index",
            "keep_every",
            "buffer_size",
            "reshuffle_each_iteration",
        )
    },
)


@settings(max_examples=800, deadline=None)
@given(
    st.fixed_dictionaries(
        {"train": st.fixed_dictionaries({"samples": st.one_of(st.integers(0, 50), json_values)})},
        optional={
            "initial_epoch": json_values,
            "gradient_accumulation_steps": json_values,
            "keras": json_values,
            "backend": json_values,
            "replicas": json_values,
        },
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "source": st.one_of(st.sampled_from(["dataset", "pydataset", "image_data_generator"]), json_values),
            "flow_shuffle": json_values,
            "pipeline": st.one_of(st.lists(st.one_of(_step_junk, json_values), max_size=5), json_values),
            "batch_size": json_values,
        },
    ),
    st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {"split": st.one_of(st.sampled_from([0.2, 0.5]), json_values)},
            optional={
                "split_by": json_values,
                "flow_shuffle": json_values,
                "freq": st.one_of(st.lists(json_values), json_values),
            },
        ),
    ),
)
def test_new_keys_fuzzed_give_one_clean_line(top, train_extra, validation):
    # Junk in every new key (pipeline steps, flow_shuffle, split_by, freq lists, initial_epoch...): read, or one clear line.
    data = {**top, "train": {**top["train"], **train_extra}, "validation": validation}
    try:
        scenario_from_dict(data)
    except ScenarioError as error:
        assert error.field is not None and str(error) and "\n" not in str(error)


@pytest.mark.parametrize("op, key", [("shard", "num_shards"), ("filter", "keep_every")])
def test_a_stride_up_to_its_limit_plans_and_one_past_it_is_one_clear_line(op, key):
    # A stride prime to the pass (256 samples) lines up again only after `stride` passes: the
    # largest allowed plans, in closed form; one more is refused by the reader, naming the field.
    from core.keras.fit import plan
    from core.scenario import MAX_STRIDE

    def scenario(stride):
        step = {"op": op, key: stride, **({"index": 0} if op == "shard" else {})}
        pipeline = [{"op": "repeat", "count": None}, step, {"op": "batch", "size": 5}]
        return {
            "train": {"samples": 256, "source": "dataset", "shuffle": False, "pipeline": pipeline},
            "epochs": 2,
            "steps_per_epoch": 3,
        }

    largest = MAX_STRIDE - 1  # odd, so prime to 256
    planned = plan(scenario_from_dict(scenario(largest)))
    assert planned.outcome == "ok"
    assert [epoch.train.first_sample for epoch in planned.epochs] == [0, (15 * largest) % 256]
    with pytest.raises(ScenarioError) as refused:
        scenario_from_dict(scenario(MAX_STRIDE + 1))
    assert refused.value.field == f"train.pipeline[1].{key}"
    assert "from 1 to 100,000, not 100,001" in refused.value.message
