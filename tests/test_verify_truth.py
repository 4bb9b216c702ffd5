"""verify tells the truth about long epochs: an epoch is endless only where the plan says so, a stop
is said for what it is, the plan is compared without being expanded, and Keras writes nothing in HOME."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from contextlib import contextmanager

import pytest

from core import cli, plan, scenario_from_dict
from core.compare import compare, first_difference
from core.recorder import StepLimits
from tests.app_process import printed_problems
from tests.conftest import PROJECT

LONG_EPOCH = {"train": {"samples": 16000, "source": "dataset", "batch_size": 4}, "epochs": 1}
TWO_LONG_EPOCHS = {
    "train": {"samples": 12000, "source": "dataset", "batch_size": 4},
    "epochs": 2,
    "validation": {"samples": 20000, "source": "dataset", "batch_size": 4},
}
# 3 samples in batches of 2, looped, for 10^12 steps: batches 2, 1, 2, 1, ... never merge into one run.
TRILLION = {"train": {"samples": 3, "source": "dataset", "batch_size": 2, "repeat": "after_batch"}, "steps_per_epoch": 10**12}


def verify(tmp_path, data, name="scenario.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["verify", str(path)], out, err)
    return code, out.getvalue(), err.getvalue()


@contextmanager
def within_seconds(seconds):
    """Fail (not hang) when the block takes longer: an unbounded walk of a plan would never end."""

    def too_slow(*_):
        raise AssertionError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- real Keras, through the command line


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_matches_an_epoch_of_4000_steps(tmp_path):
    # 16,000 samples in batches of 4: Keras runs 4,000 steps and returns; verify says so (it said "endless").
    started = time.monotonic()
    code, out, err = verify(tmp_path, LONG_EPOCH)
    assert (code, err) == (0, ""), out
    assert out == "match: Keras 3.15.1 ran exactly the planned 1 epoch: 4,000 training steps.\n"
    assert "endless" not in out and "never" not in out
    assert time.monotonic() - started < 60  # measured: about 5 s once TensorFlow is loaded


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_matches_two_epochs_of_3000_steps_with_5000_validation_steps_each(tmp_path):
    # The second scenario: 2 x 3,000 training steps, each followed by 5,000 validation steps.
    code, out, _ = verify(tmp_path, TWO_LONG_EPOCHS)
    assert code == 0
    assert out == "match: Keras 3.15.1 ran exactly the planned 2 epochs: 6,000 training steps and 10,000 validation steps.\n"


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_says_a_stop_is_a_stop_on_an_epoch_that_never_ends(tmp_path):
    # .repeat() without steps_per_epoch: the plan says epoch 1 never ends; verify stops it and says exactly that.
    code, out, _ = verify(tmp_path, {"train": {"samples": 64, "source": "dataset", "batch_size": 16, "repeat": "after_batch"}})
    assert code == 0
    assert out == (
        "match: Keras 3.15.1 ran epoch 1, which never ends (as planned); stopped after 3,000 training steps, "
        "as planned so far: match up to there.\n"
    )


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_names_an_overrun_as_a_difference_never_as_endless(tmp_path, monkeypatch):
    # A plan that says 2,500 steps where Keras runs 4,000: the recorder runs one step past the plan and names it.
    real_plan = cli.plan
    monkeypatch.setattr(cli, "plan", lambda scenario: real_plan(dataclasses.replace(scenario, steps_per_epoch=2500)))
    code, out, _ = verify(tmp_path, LONG_EPOCH)
    assert code == 1
    assert out.splitlines()[:2] == [
        "difference: epoch 1, train step 2,501: planned no more batches, Keras did a batch of 4",
        "(the fit was stopped in epoch 1 after 2,501 training steps)",
    ]
    assert "endless" not in out


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_writes_nothing_under_home_keras(tmp_path):
    # A verify run in a fresh HOME leaves no ~/.keras: Keras' keras.json goes to the app's settings folder.
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("KERAS_HOME", "XDG_CONFIG_HOME")}
    env["HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "main.py", "verify", "examples/floor_trap.json"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert printed_problems(done.stderr) == [], done.stderr  # a person would see a traceback or warning in the terminal
    assert not (home / ".keras").exists()
    assert (home / ".config" / "EpochScope" / "keras" / "keras.json").is_file()


# ---------------------------------------------------------------- where the recorder stops (no TensorFlow)


def test_keras_home_is_the_apps_folder_unless_the_user_chose_one(monkeypatch, tmp_path):
    # KERAS_HOME goes to $XDG_CONFIG_HOME/EpochScope/keras, a relative XDG path is ignored, a user's KERAS_HOME is kept.
    from core.tensorflow_loader import point_keras_home

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    point_keras_home()
    assert os.environ["KERAS_HOME"] == str(tmp_path / "config" / "EpochScope" / "keras")
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    point_keras_home()
    assert os.environ["KERAS_HOME"] == str(tmp_path / ".config" / "EpochScope" / "keras")
    monkeypatch.setenv("KERAS_HOME", "/somewhere/mine")
    point_keras_home()
    assert os.environ["KERAS_HOME"] == "/somewhere/mine"


def test_a_long_epoch_runs_to_its_planned_end_and_one_step_past():
    # The limits follow the plan: 4,000 planned steps run whole (+1 to catch an overrun); endless parts stop at 3,000.
    limits = StepLimits(plan(scenario_from_dict(TWO_LONG_EPOCHS)))
    assert [limits.limit(epoch, part) for epoch in (0, 1) for part in ("train", "val")] == [3001, 5001, 3001, 5001]
    endless = StepLimits(plan(scenario_from_dict({"train": {"samples": None, "source": "generator", "batch_size": 2}})))
    assert endless.limit(0, "train") == 3000
    # The demo's bound: a longer part is stopped after that many steps, and only those are compared.
    assert StepLimits(plan(scenario_from_dict(TRILLION)), 2000, 20_000).limit(0, "train") == 20_000


# ---------------------------------------------------------------- comparing without expanding the plan


def stopped_recording(train_runs, steps):
    epoch = {"train": train_runs, "train_first_sample": 0, "val": None, "val_first_sample": None}
    epoch |= {"ran_out": False, "val_ran_out": False}
    return {"outcome": "stopped", "stopped": {"epoch": 1, "part": "train", "steps": steps}, "epochs": [epoch]}


def test_a_trillion_step_plan_is_compared_only_as_far_as_the_recording_goes():
    # The Plan's 10^12 alternating batches are walked only for the 20,000 recorded: fast, in little memory.
    planned = plan(scenario_from_dict(TRILLION))
    recorded = stopped_recording([[[[2, 1], [1, 1]], 10_000]], 20_000)
    tracemalloc.start()
    try:
        with within_seconds(10):
            comparison = compare(planned, recorded)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert comparison.difference is None
    assert (comparison.stopped.steps, comparison.stopped.planned_steps) == (20_000, 10**12)
    assert peak < 5 * 2**20
    wrong = stopped_recording([[2, 1], [1, 1], [2, 2]], 4)  # step 4 should hold 1 sample
    assert str(compare(planned, wrong).difference) == "epoch 1, train step 4: planned a batch of 1, Keras did a batch of 2"


def test_plan_json_with_compact_groups_is_read_lazily():
    # A plan JSON run [[runs...], count] (scenario-format.md) is expanded one repeat at a time, never whole.
    group = [[[[32, 1], [28, 1]], 10**12]]
    planned = {"outcome": "ok", "epochs": [{"train": group, "train_first_sample": 0, "val": None, "val_first_sample": None}]}
    planned["epochs"][0] |= {"ran_out": False, "val_ran_out": False}
    with within_seconds(10):
        assert first_difference(planned, stopped_recording([[32, 1], [28, 1], [32, 1]], 3)) is None
        difference = first_difference(planned, stopped_recording([[32, 2]], 2))
        assert str(difference) == "epoch 1, train step 2: planned a batch of 28, Keras did a batch of 32"
        # The same compact JSON on both sides is the same batches, however many.
        assert first_difference(planned, json.loads(json.dumps(planned))) is None


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_says_where_an_endless_validation_was_stopped(tmp_path):
    # Validation from an endless generator every 2nd epoch: epoch 1 matched whole, epoch 2's validation stopped and said so.
    data = {
        "train": {"samples": 40, "batch_size": 8},
        "epochs": 3,
        "validation": {"samples": None, "source": "generator", "batch_size": 4, "freq": 2},
    }
    code, out, _ = verify(tmp_path, data)
    assert code == 0
    assert out == (
        "match: Keras 3.15.1 ran exactly the planned 1 epoch (5 training steps), then epoch 2, whose validation never "
        "ends (as planned); stopped after 5 training steps and 3,000 validation steps, as planned so far: match up to there.\n"
    )


def test_an_epoch_the_plan_says_never_ends_but_keras_ended_is_named():
    # The plan says epoch 1 never ends; a recording where Keras ended it after 5 steps is a difference, said in words.
    planned = plan(scenario_from_dict({"train": {"samples": 64, "source": "dataset", "batch_size": 16, "repeat": "after_batch"}}))
    ended = stopped_recording([[16, 5]], 5)["epochs"][0]
    recorded = {"outcome": "stopped", "stopped": {"epoch": 2, "part": "train", "steps": 3000}}
    recorded["epochs"] = [ended, dict(ended, train=[[16, 3000]])]
    difference = compare(planned, recorded).difference
    assert str(difference) == "epoch 1, train: planned an epoch that never ends, Keras did one that ended after 5 steps"


# ---------------------------------------------------------------- issue 11: verify on every new kind of input

PIPELINE_RECORDS = {
    case["name"]: case["scenario"]
    for case in json.loads((PROJECT / "tests" / "conformance" / "keras-3.15.1-pipelines-public.json").read_text(encoding="utf-8"))
}
VERIFIED_KINDS = [
    (
        "pyds1_3",
        "match: Keras 3.15.1 ran exactly the planned 2 epochs: 26 training steps and 2 validation steps.",
        "compared: each epoch's number, batch sizes (training in Keras' random batch order: as a multiset), first samples "
        'and "ran out of data" warnings, on a keras.utils.PyDataset of 13 batches, validated on a tf.data dataset.',
    ),
    (
        "idg1_4",
        "match: Keras 3.15.1 ran exactly the planned 3 epochs (epochs 3 to 5): 144 training steps and 3 validation steps.",
        "compared: each epoch's number, batch sizes (training in Keras' random batch order: as a multiset), first samples "
        'and "ran out of data" warnings, on ImageDataGenerator().flow(shuffle=False), validated on a tf.data dataset, '
        "initial_epoch=2.",
    ),
    (
        "pipe1_11",
        "match: Keras 3.15.1 ran exactly the planned 3 epochs: 42 training steps and 5 validation steps.",
        'compared: each epoch\'s number, batch sizes in order, first samples and "ran out of data" warnings, on a tf.data '
        "pipeline batch(5) -> filter(every 3rd), validated on a tf.data dataset.",
    ),
    (
        "split1_2",
        "match: Keras 3.15.1 ran exactly the planned 3 epochs: 15 training steps and 3 validation steps.",
        'compared: each epoch\'s number, batch sizes in order, first samples and "ran out of data" warnings, on '
        'image_dataset_from_directory(validation_split=0.25, subset="both") over 60 image files.',
    ),
    (
        "split1_5",
        "match: Keras 3.15.1 ran exactly the planned 5 epochs: 20 training steps and 10 validation steps.",
        'compared: each epoch\'s number, batch sizes in order, first samples and "ran out of data" warnings, on '
        'ImageDataGenerator(validation_split=0.25).flow(subset="training" and "validation").',
    ),
    (
        "accum1_2",
        "match: Keras 3.15.1 ran exactly the planned 2 epochs: 6 training steps with 3 weight updates.",
        'compared: each epoch\'s number, batch sizes in order, first samples, "ran out of data" warnings and the weight '
        "updates counted by the optimizer, on a tf.data pipeline batch(60) -> repeat(3), an optimizer with "
        "gradient_accumulation_steps=2.",
    ),
    (
        "pydsinf1_1",
        "match: Keras 3.15.1 ran epoch 1, which never ends (as planned); stopped after 3,000 training steps, as planned "
        "so far: match up to there.",
        'compared: each epoch\'s number, batch sizes in order, first samples and "ran out of data" warnings, on an '
        "endless keras.utils.PyDataset.",
    ),
    (
        "pipe1_6",
        "match: Keras 3.15.1 refused, as planned: FailedPreconditionError: Input dataset was expected to contain 3 "
        "elements but contained only 2 elements.",
        "compared: the outcome, on a tf.data pipeline cache() -> shuffle(32) -> batch(60, drop_remainder=True) -> "
        "prefetch(), validated on a tf.data pipeline filter(every 3rd) -> assert_cardinality(3) -> batch(8), initial_epoch=1.",
    ),
]


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
@pytest.mark.parametrize(("name", "verdict", "compared"), VERIFIED_KINDS, ids=[kind[0] for kind in VERIFIED_KINDS])
def test_verify_runs_each_new_kind_of_input_and_says_what_it_compared(tmp_path, name, verdict, compared):
    # A shuffled PyDataset, a flow, a filter pipeline, both splits, accumulation, an endless PyDataset, a refusal:
    # each runs for real, and the match names what was compared and what Keras was given.
    code, out, err = verify(tmp_path, PIPELINE_RECORDS[name])
    assert (code, err) == (0, ""), out
    assert out.splitlines() == [verdict, compared]


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_says_where_a_new_kind_differs_and_what_keras_was_given(tmp_path, monkeypatch):
    # A plan that forgets initial_epoch: verify names the first epoch that differs by Keras' own number.
    real_plan = cli.plan
    monkeypatch.setattr(cli, "plan", lambda scenario: real_plan(dataclasses.replace(scenario, initial_epoch=0)))
    code, out, _ = verify(tmp_path, PIPELINE_RECORDS["init1_1"])
    assert code == 1
    assert out.splitlines() == [
        "difference: epoch 1, epoch: planned epoch 1, Keras did epoch 4",
        "(Keras was given a keras.utils.PyDataset of 3 batches, initial_epoch=3)",
        "(recorded with Keras 3.15.1; the plan describes Keras 3.15.1)",
    ]


def test_a_directory_split_too_large_to_write_is_refused_with_the_reason():
    # Every sample is a real PNG file for image_dataset_from_directory: beyond 20,000 verify says so, in one line.
    from core.recorder import RecorderUnavailable, check_recordable

    data = {
        "train": {"samples": 50_000, "source": "dataset", "batch_size": 32},
        "validation": {"split": 0.2, "split_by": "directory"},
    }
    with pytest.raises(RecorderUnavailable) as refused:
        check_recordable(scenario_from_dict(data))
    assert str(refused.value) == (
        "A directory split of 50,000 samples needs 50,000 image files written for image_dataset_from_directory, "
        "too many to write here (the limit is 20,000); scale the scenario down, keeping the split and batch size "
        "you want to check."
    )
