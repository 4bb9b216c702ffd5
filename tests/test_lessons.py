"""Lesson files (core.lessons): the shipped lesson, round trips, and one clear line for every mistake."""

from __future__ import annotations

import json
import math

import pytest

from core.files import BadScenarioFile
from core.keras.fit import plan
from core.lessons import (
    FIELD_GROUPS,
    FORM_FIELDS,
    WINDOW_PARTS,
    Lesson,
    LessonStep,
    lesson_from_json,
    load_lesson,
    looks_like_lesson,
    save_lesson,
)
from core.questions import QUESTION_KINDS, questions_for
from core.scenario import scenario_from_dict
from gui.resources import read_text, traps

READY = "lessons/from-ceil-to-keras.json"
TRAPS = {trap.key: trap for trap in traps()}
PLAIN = {"train": {"samples": 100, "source": "dataset", "batch_size": 32, "shuffle": False}, "epochs": 3}


def step_scenario(step: LessonStep):
    return TRAPS[step.trap].scenario if step.trap is not None else step.scenario


def test_the_ready_lesson_reads_back_as_the_same_text():
    # Loading the shipped lesson and saving it gives the file's own text, byte for byte.
    text = read_text(READY)
    lesson = lesson_from_json(text, TRAPS)
    assert lesson.title == "From ceil(N/B) to what Keras really does"
    assert lesson.to_json() == text


def test_the_ready_lesson_starts_where_ceil_is_right_then_walks_the_traps():
    # 5 to 8 steps; the first is a plain scenario whose every epoch trains ceil(N / B) steps, the rest are traps.
    lesson = lesson_from_json(read_text(READY), TRAPS)
    assert 5 <= len(lesson.steps) <= 8
    first = lesson.steps[0]
    assert first.scenario is not None and first.trap is None
    first_plan = plan(first.scenario)
    samples, batch = first.scenario.train.samples, first.scenario.train.batch_size
    assert [epoch.steps for epoch in first_plan.epochs] == [math.ceil(samples / batch)] * first.scenario.epochs
    assert not first_plan.warnings
    assert all(step.trap in TRAPS for step in lesson.steps[1:])
    assert all(step.note and step.questions for step in lesson.steps)


@pytest.mark.parametrize("number", range(8))
def test_every_step_of_the_ready_lesson_plans_and_asks_every_question_it_names(number):
    # Each step's scenario plans, and each question kind it names is a real kind that this plan has a question for.
    lesson = lesson_from_json(read_text(READY), TRAPS)
    if number >= len(lesson.steps):
        pytest.skip("the lesson is shorter")
    step = lesson.steps[number]
    step_plan = plan(step_scenario(step))
    assert step_plan.outcome == "ok"
    assert set(step.questions) <= set(QUESTION_KINDS)
    assert [question.kind for question in questions_for(step_plan, step.questions)] == list(step.questions)
    assert set(step.hide) <= {*WINDOW_PARTS, *FIELD_GROUPS, *FORM_FIELDS}


def test_a_lesson_of_every_feature_round_trips(tmp_path):
    # Saved, loaded and saved again: the same lesson and the same text; optional keys only where they say something.
    lesson = Lesson(
        "Every feature",
        (
            LessonStep(
                scenario=scenario_from_dict(PLAIN), title="Plain", note="Ask first.", questions=("epoch_steps",), hide=("form",)
            ),
            LessonStep(trap="drop_remainder"),
            LessonStep(trap="batch_then_repeat", hide=("validation.*", "train.batch_size", "summary", "demo")),
        ),
    )
    path = tmp_path / "lesson.json"
    save_lesson(path, lesson)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["steps"][1] == {"trap": "drop_remainder"}
    again = load_lesson(path, TRAPS)
    assert again == lesson
    save_lesson(path, again)
    assert path.read_text(encoding="utf-8") == text


def test_a_field_group_spells_out_to_every_field_of_its_box():
    # "validation.*" hides the validation box's kind and every validation field, and nothing else.
    step = LessonStep(trap="drop_remainder", hide=("validation.*", "epochs", "summary"))
    assert step.hidden_fields == {"epochs"} | {key for key in FORM_FIELDS if key.split(".")[0] == "validation"}
    assert step.hidden_parts == {"summary"}


def test_only_a_lesson_looks_like_one():
    # The cheap check: a JSON object naming "lesson" or "steps" at its top level, valid or not.
    assert looks_like_lesson(read_text(READY).encode())
    assert looks_like_lesson(b'{"steps": 3}')
    assert not looks_like_lesson(json.dumps(PLAIN).encode())
    assert not looks_like_lesson(b"[1, 2]")
    assert not looks_like_lesson(b"\xff\x00 not json")
    assert not looks_like_lesson(b"[" * 100_000)


def lesson_with(**changes) -> dict:
    """A good two-step lesson, its second step changed (a value None removes the key)."""
    second = {"trap": "drop_remainder", "questions": ["epoch_steps"], "hide": ["summary"]}
    for key, value in changes.items():
        if value is None:
            second.pop(key, None)
        else:
            second[key] = value
    return {"lesson": "Two steps", "steps": [{"scenario": PLAIN}, second]}


BAD_LESSONS = [
    ("not JSON", b'{"lesson": "x", "steps": [', "is not valid JSON"),
    ("a list", b"[1, 2]", "one object in braces"),
    ("no title", json.dumps({"steps": [{"scenario": PLAIN}]}).encode(), "lesson: The lesson needs its title"),
    ("empty title", json.dumps({"lesson": " ", "steps": [{"scenario": PLAIN}]}).encode(), "lesson: Write it as text"),
    ("no steps", json.dumps({"lesson": "x", "steps": []}).encode(), "steps: A lesson needs a list of steps"),
    ("an unknown key", json.dumps({"lesson": "x", "steps": [{"scenario": PLAIN}], "level": 3}).encode(), '"level"'),
    ("a key twice", b'{"lesson": "x", "lesson": "y", "steps": []}', "written twice"),
    ("too many steps", json.dumps({"lesson": "x", "steps": [{"scenario": PLAIN}] * 201}).encode(), "at most 200 steps"),
    (
        "a step not an object",
        json.dumps({"lesson": "x", "steps": [{"scenario": PLAIN}, 7]}).encode(),
        "step 2: A step is an object",
    ),
    ("both scenario and trap", json.dumps(lesson_with(scenario=PLAIN)).encode(), "step 2: A step shows one thing"),
    ("neither", json.dumps(lesson_with(trap=None)).encode(), "step 2: A step shows one thing"),
    ("an unknown trap", json.dumps(lesson_with(trap="no_such_trap")).encode(), 'step 2: trap: There is no trap "no_such_trap"'),
    ("a trap not text", json.dumps(lesson_with(trap=3)).encode(), "step 2: trap: Name the trap by its key in quotes"),
    (
        "an unknown question",
        json.dumps(lesson_with(questions=["epoch_steps", "colour"])).encode(),
        'step 2: questions: "colour" is no question kind',
    ),
    (
        "questions not a list",
        json.dumps(lesson_with(questions="epoch_steps")).encode(),
        "step 2: questions: Write questions as a list",
    ),
    (
        "a question twice",
        json.dumps(lesson_with(questions=["epoch_steps", "epoch_steps"])).encode(),
        "step 2: questions: A name is listed twice",
    ),
    ("an unknown part", json.dumps(lesson_with(hide=["timeline"])).encode(), 'step 2: hide: "timeline" is no part of the window'),
    ("an unknown field", json.dumps(lesson_with(hide=["train.colour"])).encode(), 'step 2: hide: "train.colour"'),
    (
        "an unknown step key",
        json.dumps(lesson_with(notes="x")).encode(),
        'step 2: "notes": This setting is not part of a lesson step',
    ),
    ("a note not text", json.dumps(lesson_with(note=["a"])).encode(), "step 2: note: Write it as text"),
    ("a long note", json.dumps(lesson_with(note="x" * 2001)).encode(), "step 2: note: It is 2,001 characters"),
    (
        "a bad inline scenario",
        json.dumps({"lesson": "x", "steps": [{"scenario": {"train": {"samples": 100, "batch_size": 0}}}]}).encode(),
        "step 1: scenario.train.batch_size:",
    ),
    ("no scenario object", json.dumps({"lesson": "x", "steps": [{"scenario": 5}]}).encode(), "step 1: scenario:"),
    ("not UTF-8", b'{"lesson": "\xff", "steps": []}', "is not UTF-8"),
]


@pytest.mark.parametrize(("data", "words"), [pytest.param(data, words, id=name) for name, data, words in BAD_LESSONS])
def test_a_bad_lesson_is_one_line_naming_the_step_and_the_field(tmp_path, data, words):
    # Each mistake: one printable line naming the file, the step and the field; the file stays as it was.
    path = tmp_path / "bad lesson.json"
    path.write_bytes(data)
    with pytest.raises(BadScenarioFile) as caught:
        load_lesson(path, TRAPS)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert words in message
    assert "\n" not in message and len(message) < 600, message
    assert path.read_bytes() == data


def test_a_missing_lesson_file_is_one_line(tmp_path):
    # A file that is not there: the usual plain reason, no traceback.
    with pytest.raises(BadScenarioFile, match="no such file"):
        load_lesson(tmp_path / "gone.json", TRAPS)
