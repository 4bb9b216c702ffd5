"""The words the planner writes for a student: plain numbers, right plurals, each warning once, no internal codes."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------- the words for every input kind of issue 11


def words_for(data: dict) -> tuple[Plan, str]:
    result = plan(scenario_from_dict(data))
    return result, summarize(result)


def test_a_shuffled_pydataset_is_its_batches_in_a_new_order_every_pass():
    # 100 samples in 32s: ceil(100 / 32) = 4 batches as the plan counts them, the short one anywhere.
    result, text = words_for({"train": {"samples": 100, "source": "pydataset", "batch_size": 32}, "epochs": 3})
    assert result.epochs[0].train.count == 4 and result.epochs[0].train_order == "random"
    assert "Training data: a PyDataset of ceil(100 / 32) = 4 batches over 100 samples, the last of 4 samples." in text
    assert "fit's shuffle reorders the batches every pass" in text
    (anywhere,) = [warning for warning in result.warnings if warning.code == "short_batch_anywhere"]
    assert text.count("can come anywhere") == 1 and "can come anywhere" in anywhere.text  # said once, by the warning
    assert "Epochs 1-3: 4 steps (3 x 32, 1 x 4, in a random order)" in text
    assert dict(key_numbers(result))["Batch order"] == "new every pass"


def test_an_unshuffled_pydataset_keeps_its_order_and_says_nothing_of_it():
    # shuffle=False: the batches come in index order, the short one last, and no word about a random order.
    result, text = words_for({"train": {"samples": 100, "source": "pydataset", "batch_size": 32, "shuffle": False}})
    assert result.epochs[0].train_order == "fixed"
    assert "random" not in text and "reorders" not in text
    assert "Epoch 1: 4 steps (3 x 32, 1 x 4), from sample 0" in text


def test_an_image_data_generator_flow_is_not_endless():
    # steps_per_epoch=1000 on 100 images: the words say one pass an epoch, 4 steps, the plan's own count.
    data = {"train": {"samples": 100, "source": "image_data_generator", "batch_size": 32}, "epochs": 3, "steps_per_epoch": 1000}
    result, text = words_for(data)
    assert [epoch.train.count for epoch in result.epochs] == [4, 4, 4] and all(epoch.ran_out for epoch in result.epochs)
    assert "an ImageDataGenerator flow over 100 images: a PyDataset of ceil(100 / 32) = 4 batches" in text
    assert (
        "a flow is not endless, whatever older articles say: an epoch reads it once, "
        "so steps_per_epoch=1,000 runs out after 4 steps" in text
    )
    (ran_out,) = [warning for warning in result.warnings if warning.code == "ran_out_of_data"]  # folded over the epochs
    assert ran_out.text.startswith("Epochs 1-3 each train 4 batches")


def test_a_pipeline_reads_as_its_steps_and_says_which_one_hides_the_length():
    # filter -> batch: the chain as written, what it yields (from the plan), and why Keras warns every epoch.
    data = {
        "train": {
            "samples": 30,
            "source": "dataset",
            "pipeline": [{"op": "filter", "keep_every": 3}, {"op": "batch", "size": 4}],
        },
        "epochs": 2,
    }
    result, text = words_for(data)
    assert result.train_length_unknown and all(epoch.ran_out for epoch in result.epochs)
    assert "Training data: 30 samples through a tf.data pipeline: filter(every 3rd) -> batch(4)." in text
    assert "It yields 3 batches (2 x 4, 1 x 2) and then ends." in text
    assert "After filter() TensorFlow does not know the length: Keras learns it only by running out of data." in text
    (unknown,) = [warning for warning in result.warnings if warning.code == "unknown_length"]
    assert text.count("steps_per_execution") == 1 and "steps_per_execution" in unknown.text  # what Keras learns: once
    assert dict(key_numbers(result))["Length known to Keras"] == "no: learned on running out"
    assert "passes over the data" not in text and "never seen" not in text  # a pipeline has no passes


def test_the_usual_pipeline_reads_as_a_sentence():
    # shuffle -> batch(32) -> prefetch on 1,000 samples: 32 batches, the length known, fit's shuffle turned off.
    data = {
        "train": {
            "samples": 1000,
            "source": "dataset",
            "pipeline": [{"op": "shuffle", "buffer_size": 1000}, {"op": "batch", "size": 32}, {"op": "prefetch"}],
            "shuffle": False,
        }
    }
    result, text = words_for(data)
    assert "through a tf.data pipeline: shuffle(1000) -> batch(32) -> prefetch()." in text
    assert "It yields 32 batches (31 x 32, 1 x 8) and then ends." in text
    assert not result.train_length_unknown and "does not know the length" not in text


@pytest.mark.parametrize(
    ("split_by", "source", "said"),
    [
        (
            "fit",
            "arrays",
            "Validation: the last 3 samples (validation_split=0.25): fit keeps floor(10 x (1 - 0.25)) = 7 to train",
        ),
        (
            "directory",
            "dataset",
            'image_dataset_from_directory(validation_split=0.25, subset="both") validates int(0.25 x 10) = 2 of the 10 files, '
            "the last of its shuffled list; 8 train.",
        ),
        (
            "image_data_generator",
            "image_data_generator",
            "ImageDataGenerator(validation_split=0.25) validates the FIRST int(0.25 x 10) = 2 of the 10 images; "
            "the last 8 train.",
        ),
    ],
)
def test_who_splits_the_validation_data_says_how_many(split_by, source, said):
    # N=10, f=0.25: fit validates its last 3, the directory loader its last 2 files, ImageDataGenerator its first 2.
    data = {"train": {"samples": 10, "source": source, "batch_size": 4}, "validation": {"split": 0.25, "split_by": split_by}}
    result, text = words_for(data)
    assert said in text
    assert result.epochs[0].val is not None and result.epochs[0].val.samples == 10 - result.train_samples


def test_initial_epoch_says_epochs_is_the_last_epoch():
    # epochs=5, initial_epoch=3: 2 epochs, numbered 4 and 5 as Keras' progress bar numbers them.
    result, text = words_for({"train": {"samples": 100, "batch_size": 32}, "epochs": 5, "initial_epoch": 3})
    assert [epoch.number for epoch in result.epochs] == [4, 5]
    assert "fit(epochs=5, initial_epoch=3) trains 2 epochs, numbered 4 and 5." in text
    assert text.count("is the number of the last epoch") == 1  # the planner's initial_epoch warning says why, once
    assert "Epochs 4-5: 4 steps (3 x 32, 1 x 4)" in text
    numbers = dict(key_numbers(result))
    assert numbers["Epochs trained"] == "2 (4-5)" and "Samples in epoch 4" in numbers
    none, words = words_for({"train": {"samples": 100, "batch_size": 32}, "epochs": 3, "initial_epoch": 3})
    assert len(none.epochs) == 0 and "trains no epoch" in words


def test_gradient_accumulation_counts_updates_across_epoch_ends():
    # G=3 on 4 batches an epoch: updates after batches 3, 6, 9 and 12, so 1, 1 and 2 per epoch, 4 in all.
    data = {"train": {"samples": 100, "batch_size": 32}, "epochs": 3, "gradient_accumulation_steps": 3}
    result, text = words_for(data)
    assert [epoch.updates for epoch in result.epochs] == [1, 1, 2] and result.weight_updates == 4
    assert "the weights change after every 3rd batch, counted from the start of fit across epoch ends: 4 updates from 12" in text
    assert text.count("a short batch weighs as much as a full one") == 1  # the planner's warning says it, once
    assert "Epochs 1-2: 4 steps (3 x 32, 1 x 4); 1 weight update each" in text
    assert "Epoch 3: 4 steps (3 x 32, 1 x 4); 2 weight updates" in text
    assert dict(key_numbers(result))["Weight updates"] == "4"


def test_shuffle_ignored_is_said_once():
    # fit(shuffle=True) with a tf.data pipeline over 20 epochs: one warning, and the summary says it once.
    data = {"train": {"samples": 100, "source": "dataset", "pipeline": [{"op": "batch", "size": 32}]}, "epochs": 20}
    result, text = words_for(data)
    (ignored,) = [warning for warning in result.warnings if warning.code == "shuffle_ignored"]
    assert text.count(ignored.text) == 1 and "shuffle_ignored" not in text


PIPELINE_RECORDS = json.loads(
    (PROJECT / "tests" / "conformance" / "keras-3.15.1-pipelines-public.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("record", PIPELINE_RECORDS, ids=[record["name"] for record in PIPELINE_RECORDS])
def test_every_pipeline_record_reads_plainly(record):
    # The 60 recorded setups of issue 11 (pipelines, PyDatasets, flows, splits, initial_epoch, accumulation): plain words.
    from core.scenario import ScenarioError

    try:
        scenario = scenario_from_dict(record["scenario"])
    except ScenarioError:
        return  # refused by the format itself: one line, tested with the reader
    result = plan(scenario)
    if result.outcome == "error":  # may quote what Python or TensorFlow raise word for word ("type(s)")
        assert result.error and "\n" not in result.error and not E_NOTATION.search(result.error)
        return
    assert_plain_words(result)


@given(st.text(alphabet=st.characters(), max_size=60), st.booleans())
def test_the_start_paths_escape_writes_what_html_escape_writes(text, quote):
    # gui.markup.escape stands in for html.escape (whose import loads the entity table at start-up): same output.
    import html

    from gui.markup import escape

    assert escape(text, quote=quote) == html.escape(text, quote=quote)
