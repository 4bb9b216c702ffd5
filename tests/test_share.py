"""A scenario as one line of text (core.share): every shipped scenario round-trips, garbage is refused in one line."""

from __future__ import annotations

import base64
import json
import random
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.files import load_scenario
from core.lessons import Lesson, lesson_from_json
from core.scenario import ScenarioError, scenario_from_dict
from core.share import LINE_START, MAX_LINE, ShareError, decode, encode, encode_lesson
from gui.resources import presets, read_text, traps
from tests.strategies import pipeline_scenarios, scenarios

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.json"))
SHIPPED = (
    [pytest.param(load_scenario(path), id=f"example-{path.stem}") for path in EXAMPLES]
    + [pytest.param(scenario, id=f"preset-{index + 1}") for index, (_name, _words, scenario) in enumerate(presets())]
    + [pytest.param(trap.scenario, id=f"trap-{trap.key}") for trap in traps()]
)


def packed_line(payload: bytes, version: str = "1") -> str:
    """A line as encode writes one, around any bytes: raw DEFLATE, URL-safe base64 without padding."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(payload) + packer.flush()
    return f"epochscope:{version}:" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def refusal(text: str) -> str:
    with pytest.raises(ShareError) as caught:
        decode(text)
    message = str(caught.value)
    assert message and "\n" not in message and len(message) < 200, message
    return message


def test_examples_exist():
    # The round trip below covers every example file the project ships.
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("scenario", SHIPPED)
def test_every_shipped_scenario_comes_back_from_its_line(scenario):
    # Every example, preset and trap: one line without spaces, which reads back as the very same scenario.
    line = encode(scenario)
    assert line.startswith(LINE_START)
    assert line.split() == [line] and line.isascii()
    assert decode(line) == scenario
    assert len(line) < 300  # short enough for a chat or a slide


def test_the_mnist_line_is_short():
    # The MNIST preset (arrays, validation data) as a line: about a hundred characters.
    name, _words, scenario = presets()[0]
    assert name.startswith("MNIST")
    line = encode(scenario)
    print(f"MNIST preset line ({len(line)} characters): {line}")
    assert len(line) <= 110


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(scenarios(), pipeline_scenarios()))
def test_any_scenario_comes_back_from_its_line(data):
    # The keys the line leaves out are the ones the reader fills in the same: checked on scenarios of every kind.
    try:
        scenario = scenario_from_dict(data)
    except ScenarioError:
        return
    assert decode(encode(scenario)) == scenario


def test_a_line_is_found_in_the_words_around_it():
    # A chat adds words and punctuation around the line: the line is still read.
    scenario = traps()[0].scenario
    line = encode(scenario)
    assert decode(f"Try this one: {line}.\n") == scenario
    assert decode(f"(see {line})") == scenario


def test_random_bytes_are_refused_in_one_line():
    # Random text, random bytes after the prefix: a clear refusal, never a traceback, never a scenario.
    chooser = random.Random(13)
    for _ in range(300):
        junk = bytes(chooser.randrange(256) for _ in range(chooser.randrange(1, 80)))
        refusal(junk.decode("latin-1"))
        refusal(LINE_START + junk.decode("latin-1"))
        refusal(LINE_START + base64.urlsafe_b64encode(junk).decode("ascii"))


def test_a_line_cut_short_is_refused():
    # Every way of losing the line's end is refused (and says to copy it again), none reads as another scenario.
    line = encode(presets()[2][2])
    for end in range(len(LINE_START), len(line)):
        message = refusal(line[:end])
        assert "copy" in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "no text to paste"),
        ("   \n ", "no text to paste"),
        ("hello there", "not an EpochScope scenario line"),
        ('{"train": {"samples": 10}}', "not an EpochScope scenario line"),
        ("epochscope:2:q1YqKUrMzFOyqlYqTswtyEktVrIy", "newer EpochScope (line format 2)"),
        ("epochscope:x:q1YqKUrMzFOyqlYqTswtyEktVrIy", "format is not one EpochScope knows"),
        ("epochscope:1:", "no scenario"),
        ("epochscope:1:abc*def", "characters a scenario line never has"),
        ("epochscope:1:" + base64.urlsafe_b64encode(b"not deflate at all").decode(), "damaged"),
        (packed_line(b"hello, not JSON"), "not valid JSON"),
        (packed_line(b"\xff\xfe binary"), "not UTF-8"),
        (packed_line(b"[1, 2, 3]"), "cannot be used"),
        (packed_line(b'{"train": {"samples": 100, "batch_size": 0}}'), "train.batch_size"),
        (packed_line(b'{"train": {"samples": 100}, "epochs": -1}'), "epochs"),
        (packed_line(b'{"train": {"samples": 100}, "colour": "red"}'), "colour"),
        (packed_line(b" " * 2_000_000), "more than a scenario ever holds"),
        (packed_line(b'{"train": {"samples": 100}}') + "AAAA", "damaged"),
        ("epochscope:1:" + "A" * (MAX_LINE * 4), "far longer than a scenario line"),
    ],
)
def test_garbage_is_refused_with_a_clear_line(text, words):
    # Each kind of bad paste is named in plain words.
    assert words in refusal(text)


def test_a_valid_line_of_an_invalid_scenario_names_the_field():
    # The scenario reader's own message comes through, with the field it is about.
    message = refusal(packed_line(json.dumps({"train": {"samples": 100, "source": "arrays", "batch_size": -3}}).encode()))
    assert message.startswith("The line's scenario cannot be used: train.batch_size:")


TRAP_KEYS = [trap.key for trap in traps()]


def test_every_step_of_the_ready_lesson_comes_back_from_its_line():
    # A teacher shares one step: the line holds a lesson of that step, note, questions and what it hides included.
    lesson = lesson_from_json(read_text("lessons/from-ceil-to-keras.json"), TRAP_KEYS)
    lengths = []
    for step in lesson.steps:
        one = Lesson(lesson.title, (step,))
        line = encode_lesson(one)
        assert line.startswith(LINE_START) and line.split() == [line]
        assert decode(line, TRAP_KEYS) == one
        lengths.append(len(line))
    print(f"lesson step lines: {lengths} characters")
    assert max(lengths) < 700


def test_a_lesson_line_is_checked_as_a_lesson_file_is():
    # A step naming a trap this EpochScope does not have, or a question kind that does not exist: one line, the step named.
    bad_trap = packed_line(json.dumps({"lesson": "x", "steps": [{"trap": "no_such_trap"}]}).encode())
    assert refusal_with_traps(bad_trap).startswith("The line's lesson cannot be used: step 1: trap: There is no trap")
    bad_kind = packed_line(json.dumps({"lesson": "x", "steps": [{"trap": TRAP_KEYS[0], "questions": ["x"]}]}).encode())
    assert "step 1: questions:" in refusal_with_traps(bad_kind)


def refusal_with_traps(text: str) -> str:
    with pytest.raises(ShareError) as caught:
        decode(text, TRAP_KEYS)
    message = str(caught.value)
    assert "\n" not in message
    return message
