"""``epochscope import``: a script, a notebook or standard input read into a scenario, as JSON or in words."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from core.cli import EXIT_BAD_INPUT, EXIT_OK, run
from core.scenario import scenario_from_dict

CORPUS = Path(__file__).parent / "code_corpus"
PROJECT = Path(__file__).parent.parent


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["import", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_json_is_the_issue_object():
    # --json prints {"scenario", "unresolved", "lines", "notes"} (and more after), the scenario valid.
    code, out, err = _run(str(CORPUS / "so_fit_generator_flow_from_directory.py"), "--json")
    assert code == EXIT_OK and err == ""
    answer = json.loads(out)
    assert list(answer)[:4] == ["scenario", "unresolved", "lines", "notes"]
    scenario_from_dict(answer["scenario"])
    assert answer["unresolved"] == ["train.samples", "steps_per_epoch", "validation.samples", "validation.steps"]
    assert answer["lines"]["epochs"] == 33
    assert answer["relations"]["steps_per_epoch"] == "train.samples // train.batch_size"


def test_summary_in_words_for_a_notebook():
    # Without --json: each field with its line, Keras' defaults said as such, what to fill in, the notes.
    code, out, _ = _run(str(CORPUS / "course_cats_dogs.ipynb"))
    assert code == EXIT_OK
    assert "Read the fit call at line 15." in out
    assert "  epochs = 15  (line 18)" in out  # the fit call spans lines 15 to 20
    assert "  train.batch_size = 20  (line 11)" in out
    assert "  train.samples = 1000  (not in the code: fill it in)" in out
    assert "  steps_per_execution = 1  (Keras' default)" in out
    assert "To fill in: train.samples, validation.samples." in out


def test_summary_says_a_value_computed_from_an_unknown_as_the_code_computes_it():
    # steps_per_epoch=train_generator.samples // batch_size is in the code: it follows the samples, which are not.
    code, out, _ = _run(str(CORPUS / "so_fit_generator_flow_from_directory.py"))
    assert code == EXIT_OK
    assert "  steps_per_epoch = 62  (the code computes it as train.samples // train.batch_size)" in out
    assert "To fill in: train.samples, validation.samples." in out
    assert "Following what you fill in: steps_per_epoch, validation.steps." in out


def test_call_picks_a_fit_and_a_wrong_one_exits_2():
    code, out, _ = _run(str(CORPUS / "keras_io_transfer_two_fits.py"), "--call", "1", "--json")
    assert code == EXIT_OK and json.loads(out)["scenario"]["epochs"] == 20
    code, out, err = _run(str(CORPUS / "keras_io_transfer_two_fits.py"), "--call", "5")
    assert code == EXIT_BAD_INPUT and out == ""
    assert err == "error: There is no fit call number 5: the code has 2 fit calls.\n"


def test_no_fit_call_exits_2_with_one_line():
    code, out, err = _run(str(CORPUS / "sklearn_only.py"))
    assert code == EXIT_BAD_INPUT and out == ""
    assert err == "error: No fit call was found in the code: nothing to read into a scenario.\n"


def test_bad_input_exits_2_with_one_line(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("model.fit(x,\n", encoding="utf-8")
    code, _, err = _run(str(broken))
    assert code == EXIT_BAD_INPUT and err.startswith("error: Syntax error at line 1") and err.count("\n") == 1
    code, _, err = _run(str(tmp_path / "nowhere.ipynb"))
    assert code == EXIT_BAD_INPUT and err.startswith("error: Cannot read nowhere.ipynb")


def test_standard_input_through_main():
    # "-" reads pasted code from standard input, in a process of its own as a person runs it.
    code = "import numpy as np\nx = np.zeros((50, 2))\nmodel.fit(x, x, batch_size=10, epochs=4)\n"
    done = subprocess.run(
        [sys.executable, "main.py", "import", "-", "--json"], input=code.encode(), capture_output=True, cwd=PROJECT, timeout=120
    )
    assert done.returncode == EXIT_OK, done.stderr
    answer = json.loads(done.stdout)
    assert answer["scenario"]["train"]["samples"] == 50 and answer["scenario"]["epochs"] == 4
    done = subprocess.run(
        [sys.executable, "main.py", "import", "-"], input=b"x = 1\n", capture_output=True, cwd=PROJECT, timeout=120
    )
    assert done.returncode == EXIT_BAD_INPUT
    assert done.stderr.decode().strip() == "error: No fit call was found in the code: nothing to read into a scenario."
