"""The command line: plan summaries, plan JSON, verify, and one clear line for every bad file."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from core import cli
from tests.conftest import PROJECT


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def scenario_file(tmp_path):
    def write(data, name="scenario.json"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data))
        return str(path)

    return write


def test_plan_prints_a_readable_summary():
    # The summary says steps per epoch, the short batch, the ran-out epoch and its fix, in words.
    code, out, _ = run("plan", str(PROJECT / "examples" / "floor_trap.json"))
    assert code == 0
    assert "100 / 32 = 3.125, so one pass is 4 steps; the last batch has 4 samples." in out
    assert "Epoch 2: 1 step (1 x 4), from sample 96; ran out of data" in out
    assert "Fix: Set steps_per_epoch to 4" in out


def test_plan_json_single_file_is_the_plan_document():
    # --json with one file prints the plan JSON of scenario-format.md.
    code, out, _ = run("plan", "--json", str(PROJECT / "examples" / "floor_trap.json"))
    document = json.loads(out)
    assert code == 0 and document["outcome"] == "ok"
    assert [epoch["train"] for epoch in document["epochs"]] == [[[32, 3]], [[4, 1]], [[32, 3]]]


def test_plan_json_several_files_is_an_array_in_order(scenario_file):
    # Several files: a JSON array, one plan per file, in the order given.
    first = scenario_file({"train": {"samples": 5, "batch_size": 2}}, "a.json")
    second = scenario_file({"train": {"samples": 9, "batch_size": 4}, "epochs": 2}, "b.json")
    code, out, _ = run("plan", "--json", first, second)
    documents = json.loads(out)
    assert code == 0
    assert [len(d["epochs"]) for d in documents] == [1, 2]
    assert documents[0]["epochs"][0]["train"] == [[2, 2], [1, 1]]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ({"train": {"samples": 10, "batch_size": 0}}, "train.batch_size: The training batch size must be at least 1, not 0."),
        (
            {"train": {"samples": 10}, "validation": {"split": 2}},
            "validation.split: The validation split must be strictly between 0 and 1, such as 0.2 (a fifth), not 2.",
        ),
        (
            "{not json",
            "The file is not valid JSON: expecting property name enclosed in double quotes at line 1, column 2.",
        ),
        (
            {"train": {"samples": 10}, "bogus": 1},
            'bogus: A scenario has no setting called "bogus"; it knows train, epochs, steps_per_epoch, '
            "steps_per_execution and validation.",
        ),
    ],
)
def test_bad_file_is_one_line_naming_file_and_field(scenario_file, content, words):
    # Exit code 2 and one error line: the file, the field (for grep), then the reason in plain words; nothing on stdout.
    path = scenario_file(content)
    code, out, err = run("plan", path)
    assert code == 2 and out == ""
    assert err == f"error: {path}: {words}\n"


def test_missing_file_and_folder_are_clear(tmp_path):
    # A path that is not a file says so, with exit code 2.
    code, _, err = run("plan", str(tmp_path / "nope.json"))
    assert code == 2 and "no such file" in err
    code, _, err = run("plan", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_unknown_command_and_no_arguments():
    # argparse errors are exit code 2, never a traceback.
    assert run("plan")[0] == 2
    assert run("frobnicate")[0] == 2


def test_verify_without_tensorflow_explains_the_install(monkeypatch, scenario_file):
    # Without TensorFlow, verify says exactly how to install it, with its own exit code.
    import core.recorder

    monkeypatch.setattr(core.recorder, "tensorflow_available", lambda: False)
    code, out, err = run("verify", scenario_file({"train": {"samples": 5}}))
    assert code == 3 and out == ""
    assert 'pip install "tensorflow-cpu==2.21.0" "keras==3.15.1"' in err


@pytest.mark.parametrize(
    ("flavour", "module", "extra"),
    [({"keras": "2"}, "tf_keras", "legacy"), ({"backend": "jax"}, "jax", "jax"), ({"backend": "torch"}, "torch", "torch")],
)
def test_verify_of_a_flavour_not_installed_says_how_to_install_it(monkeypatch, scenario_file, flavour, module, extra):
    # One line naming the flavour, what is missing and the pip command; exit 4; nothing started.
    import importlib.util

    import core.record_flavour

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == module else find_spec(name, *args))
    monkeypatch.setattr(core.record_flavour.subprocess, "Popen", None)  # a recording would fail loudly
    code, out, err = run("verify", scenario_file({**flavour, "train": {"samples": 5}}))
    assert (code, out) == (cli.EXIT_FLAVOUR_MISSING, "")
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert f"(missing {module})" in err and err.rstrip().endswith(f'install it with: pip install -e ".[{extra}]"')


def test_verify_says_weight_updates_are_recorded_on_tensorflow_only(monkeypatch, scenario_file):
    # The flavours' recorder notes batches, not the optimizer's updates: said in one line, nothing run.
    import core.record_flavour

    monkeypatch.setattr(core.record_flavour.Flavour, "missing", lambda self: ())
    monkeypatch.setattr(core.record_flavour.subprocess, "Popen", None)
    code, out, err = run("verify", scenario_file({"backend": "jax", "gradient_accumulation_steps": 2, "train": {"samples": 5}}))
    assert (code, out, err.count("\n")) == (cli.EXIT_UNAVAILABLE, "", 1)
    assert "with Keras 3 on TensorFlow on one device only, not with Keras 3 (JAX)" in err


def test_verify_refuses_scenarios_too_big_to_run(scenario_file):
    # An ImageNet-sized plan is not run for real; the message says why and what to do.
    code, _, err = run("verify", scenario_file({"train": {"samples": 1281167, "batch_size": 1}, "epochs": 10}))
    assert code == 3 and "too many to run for real" in err


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_says_match(scenario_file):
    # Real Keras on the floor trap: "match", exit 0.
    code, out, _ = run("verify", str(PROJECT / "examples" / "floor_trap.json"))
    assert code == 0 and out.startswith("match: Keras 3.15.1 ran exactly the planned 3 epochs: 7 training steps.")


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_reports_a_wrong_plan(monkeypatch):
    # A deliberately wrong planner (the textbook ceil(N/B) every epoch) is caught at the first difference.
    from core.keras import fit as planner

    real_plan = planner.plan

    def textbook(scenario):
        return real_plan(dataclasses.replace(scenario, steps_per_epoch=None))

    monkeypatch.setattr(cli, "plan", textbook)
    code, out, _ = run("verify", str(PROJECT / "examples" / "floor_trap.json"))
    assert code == 1
    assert out.startswith("difference: epoch 1, train step 4: planned a batch of 4, Keras did no more batches")


def test_bad_file_for_verify_is_exit_two(scenario_file):
    # verify shares plan's file checks.
    code, _, err = run("verify", scenario_file("[]"))
    assert code == 2 and err.endswith(": A scenario is one group of settings in braces {...}; this is a list [...].\n")


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    # `epochscope plan --json *.json | head -c 100`: head closes the pipe; the command ends quietly.
    import subprocess
    import sys

    paths = [str(PROJECT / "examples" / "mnist.json")] * 400
    process = subprocess.Popen(
        [sys.executable, str(PROJECT / "main.py"), "plan", "--json", *paths],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert process.stdout.read(100)
    process.stdout.close()  # the reader goes away with most of the output unread
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in stderr and "Error" not in stderr, stderr


def test_several_files_are_headed_by_their_names_escaped(scenario_file):
    # A file name with a line break or a terminal escape in it cannot split or colour the output.
    plain = scenario_file({"train": {"samples": 10, "batch_size": 4}}, name="a.json")
    odd = scenario_file({"train": {"samples": 10, "batch_size": 4}}, name="b\n\x1b[31m.json")
    code, out, _ = run("plan", plain, odd)
    assert code == 0
    headers = [line for line in out.splitlines() if line.startswith("== ")]
    assert headers == [f'== "{plain}"', '== "' + odd.replace("\n", "\\n").replace("\x1b", "\\x1b") + '"']
