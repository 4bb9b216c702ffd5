"""The code reader on a corpus of real-world training code: each snippet gives the scenario, lines, unresolved
fields and notes written down in tests/code_corpus/expected.json, and every scenario plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.code_import import CodeImportError, CodeReading, evaluate_relation, read_code, read_code_file
from core.keras.fit import plan
from core.scenario import scenario_from_dict, scenario_from_json

CORPUS = Path(__file__).parent / "code_corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
EXAMPLES = Path(__file__).parent.parent / "examples"


def test_corpus_is_large_and_varied():
    # The issue asks for at least 30 snippets, notebooks among them, each naming the source it is modelled on.
    files = sorted(path for path in CORPUS.iterdir() if path.suffix in (".py", ".ipynb"))
    assert len(files) >= 30
    assert sum(path.suffix == ".ipynb" for path in files) >= 3
    assert {path.name for path in files} == set(EXPECTED)
    for path in files:
        head = path.read_text(encoding="utf-8")[:600]
        assert "Modelled on" in head or "This repository's examples/" in head, path.name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_snippet(name):
    # Each snippet reads into exactly the scenario, lines, unresolved fields, relations and notes written down.
    expected = EXPECTED[name]
    if "error" in expected:
        with pytest.raises(CodeImportError) as raised:
            read_code_file(CORPUS / name)
        assert str(raised.value) == expected["error"]
        return
    reading = read_code_file(CORPUS / name)
    assert reading.scenario == expected["scenario"]
    assert list(reading.unresolved) == expected["unresolved"]
    assert reading.lines == expected["lines"]
    assert reading.relations == expected["relations"]
    assert list(reading.calls) == expected["calls"]
    assert reading.chosen == len(reading.calls) - 1
    for words in expected["notes_contain"]:
        assert any(words in note for note in reading.notes), (words, reading.notes)
    assert len(reading.notes) == expected["note_count"], reading.notes
    # The scenario is valid and plans as the code really would (an endless first epoch included).
    assert plan(scenario_from_dict(reading.scenario)).outcome == expected["plan"]
    # Every line named holds code (a notebook's lines count over its code cells joined).
    source_lines = reading.source.splitlines()
    assert all(1 <= line <= len(source_lines) and source_lines[line - 1].strip() for line in reading.lines.values())


@pytest.mark.parametrize("name", sorted(path.stem.removeprefix("examples_") for path in CORPUS.glob("examples_*.py")))
def test_examples_written_as_code_plan_like_the_example_files(name):
    # The repository's examples, written as the code a student has, give the same plan as the example file.
    reading = read_code_file(CORPUS / f"examples_{name}.py")
    from_code = plan(scenario_from_dict(reading.scenario)).to_json()
    from_file = plan(scenario_from_json((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))).to_json()
    assert from_code == from_file


def test_lines_point_at_the_value_in_a_script():
    # A field's line is where its value was written: the constant, the loader, the fit keyword.
    code = (
        "import numpy as np\nBATCH = 64\nx = np.zeros((640, 3))\ny = np.zeros(640)\nmodel.compile(loss='mse')\n"
        "model.fit(x, y,\n  batch_size=BATCH,\n  epochs=7)\n"
    )
    reading = read_code(code)
    assert reading.scenario["train"]["samples"] == 640 and reading.scenario["train"]["batch_size"] == 64
    assert reading.lines == {"train.source": 3, "train.samples": 3, "train.batch_size": 2, "epochs": 8}
    assert reading.unresolved == ()
    assert reading.calls == (6,) and reading.chosen == 0


def test_relation_follows_the_samples_typed_in_the_form():
    # steps = ceil(n / bs) with n unknown is kept as a relation the form can evaluate when the student types n.
    code = (
        "import math\nimport numpy as np\nx = np.load('x.npy')\nbs = 32\n"
        "def gen():\n    while True:\n        yield x[:bs], x[:bs]\n"
        "model.fit(gen(), steps_per_epoch=math.ceil(len(x) / bs), epochs=2, validation_data=(x, x))\n"
    )
    reading = read_code(code)
    assert reading.relations["steps_per_epoch"] == "ceil(validation.samples / 32)"
    assert "steps_per_epoch" in reading.unresolved and "validation.samples" in reading.unresolved
    # The placeholder steps are the relation's value over the placeholder samples (200 / 32 -> 7).
    assert reading.scenario["steps_per_epoch"] == 7
    assert evaluate_relation(reading.relations["steps_per_epoch"], {"validation.samples": 1000}) == 32


def test_call_picks_the_nth_fit_and_a_missing_one_is_one_line():
    # --call N reads the N-th fit call; asking for one that is not there says how many there are.
    code = "model.fit(x, y, epochs=1)\nmodel.fit(x, y, epochs=9)\n"
    assert read_code(code).scenario["epochs"] == 9
    first = read_code(code, call=1)
    assert first.scenario["epochs"] == 1 and first.chosen == 0 and first.calls == (1, 2)
    assert any("the one at line 1 is read (the others are at line 2)" in note for note in first.notes)
    with pytest.raises(CodeImportError, match=r"There is no fit call number 3: the code has 2 fit calls\."):
        read_code(code, call=3)


def test_scikit_learn_and_image_data_generator_fits_are_not_keras_fits():
    # scaler.fit(X) and datagen.fit(x) are not training; only the Keras fit is read.
    code = "scaler.fit(X)\ndatagen = ImageDataGenerator()\ndatagen.fit(x)\nmodel.fit(X, y, epochs=2)\n"
    reading = read_code(code)
    assert reading.calls == (4,)
    with pytest.raises(CodeImportError, match="No fit call was found"):
        read_code("scaler.fit(X)\nclf.fit(X, y)\n")


def test_a_value_keras_refuses_is_noted_and_set_back():
    # batch_size=0 is no scenario: the note says so in the scenario's words and the field is to be filled in.
    reading = read_code("import numpy as np\nx = np.zeros((10, 2))\nmodel.fit(x, x, batch_size=0)\n")
    assert reading.scenario["train"]["batch_size"] == 32
    assert "train.batch_size" in reading.unresolved
    assert any(note.startswith("Line 3:") for note in reading.notes)


def test_legacy_keras_environment_reads_as_tf_keras_2():
    # TF_USE_LEGACY_KERAS=1 set in the code means tf.keras 2 runs fit.
    reading = read_code("import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\nmodel.fit(x, y, epochs=2)\n")
    assert reading.scenario["keras"] == "2" and reading.lines["keras"] == 2


@pytest.mark.parametrize(
    ("formula", "values", "expected"),
    [
        ("ceil(train.samples / train.batch_size)", {"train.samples": 1000, "train.batch_size": 32}, 32),
        ("train.samples // 16", {"train.samples": 100}, 6),
        ("train.samples - int(train.samples * (1 / 5))", {"train.samples": 101}, 81),
        ("ceil(train.samples / train.batch_size)", {"train.samples": 1000}, None),
        ("train.samples / 3", {"train.samples": 10}, None),
        ("train.samples // 0", {"train.samples": 10}, None),
        ("__import__('os').system('true')", {}, None),
        ("(" * 500 + "1" + ")" * 500, {}, None),
        ("max(train.samples, 5) + min(2, 3)", {"train.samples": 1}, 7),
    ],
)
def test_evaluate_relation(formula, values, expected):
    # Relations are worked out exactly, never with eval: anything else is None.
    assert evaluate_relation(formula, values) == expected


def test_to_json_has_the_issue_keys_first():
    reading = read_code("model.fit(x, y, epochs=2)\n")
    assert isinstance(reading, CodeReading)
    assert list(reading.to_json())[:4] == ["scenario", "unresolved", "lines", "notes"]
    json.dumps(reading.to_json())


def test_plain_python_lines_that_begin_like_ipython_magics_are_kept():
    # "% (...)" continuing a string format and "!= 0" continuing a test are Python, not IPython's %magic / !shell.
    code = (
        "import numpy as np\nname = ('%d samples'\n        % (5,))\nok = (1\n      != 0)\nx = np.zeros((80, 2))\n"
        "%matplotlib inline\nmodel.fit(x, x, epochs=2)\n"
    )
    reading = read_code(code)
    assert reading.scenario["train"]["samples"] == 80 and reading.calls == (8,)
    assert read_code("x = ('%d'\n     % 3)\nmodel.fit(a, b, epochs=1)\n").calls == (3,)


def test_steps_the_code_sets_over_endless_data_get_a_placeholder_that_ends():
    # steps_per_epoch=len(flow) follows the samples; validation_steps from an argument, over an endless generator,
    # is a placeholder count (100), so the plan ends instead of running forever.
    code = (
        "gen = ImageDataGenerator(rescale=1/255.)\ntrain = gen.flow_from_directory('train', batch_size=24)\n"
        "def endless():\n    while True:\n        yield 1\n"
        "model.fit(train, steps_per_epoch=len(train), epochs=2, validation_data=endless(), validation_steps=args.val_steps)\n"
    )
    reading = read_code(code)
    assert reading.relations == {"steps_per_epoch": "ceil(train.samples / train.batch_size)"}
    assert reading.scenario["steps_per_epoch"] == 42  # ceil(1000 / 24) over the placeholder samples
    assert reading.scenario["validation"]["steps"] == 100
    assert plan(scenario_from_dict(reading.scenario)).outcome == "ok"


def test_keras2_ways_are_listed_for_the_window():
    reading = read_code_file(CORPUS / "keras2_sequence_docs.py")
    assert reading.keras2 == ("fit_generator", "workers", "use_multiprocessing")
    assert read_code("model.fit(x, y, epochs=1)\n").keras2 == ()


def test_mirrored_strategy_without_devices_leaves_the_replicas_to_fill_in():
    # MirroredStrategy() takes every GPU of the machine that runs it: the code cannot say how many.
    reading = read_code("strategy = tf.distribute.MirroredStrategy()\nmodel.fit(x, y, epochs=2)\n")
    assert "replicas" in reading.unresolved and "replicas" not in reading.scenario
    assert any("every GPU" in note for note in reading.notes)
