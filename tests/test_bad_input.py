"""Bad scenario files as a person meets them: one short printable error line, never a hang or a traceback."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import cli
from core.files import BadScenarioFile, load_scenario
from core.keras.fit import plan
from core.scenario import ScenarioError, quote, scenario_from_dict, scenario_from_json
from tests.conftest import PROJECT
from tests.strategies import json_values

# A scenario-shaped file with a validation set whose file asks for shuffling (Keras never shuffles it).
SHUFFLED_VALIDATION = {
    "train": {"samples": 10, "source": "arrays", "batch_size": 4, "shuffle": False},
    "epochs": 1,
    "validation": {"samples": 6, "source": "arrays", "batch_size": 4, "shuffle": True},
}


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def assert_one_clean_line(text: str, limit: int = 400) -> None:
    """One line ending in a newline, no control or other unprintable character, and short."""
    assert text.endswith("\n") and text.count("\n") == 1, repr(text[:200])
    assert text[:-1].isprintable(), repr(text[:200])
    assert len(text) < limit, len(text)


# ---------------------------------------------------------------- what came from the file is quoted


@pytest.mark.parametrize("command", ["plan", "verify"])
def test_a_key_with_a_line_break_and_an_escape_sequence_stays_one_clean_line(tmp_path, command):
    # A key holding "\x1b[2J" (clear the screen) and "\n" prints as one line, escaped, with no control character.
    path = tmp_path / "evil.json"
    path.write_text(json.dumps({"train": {"samples": 10, "bad\x1b[2J\nkey": 1}}))
    code, out, err = run(command, str(path))
    assert code == 2 and out == ""
    assert_one_clean_line(err)
    assert err == (
        f'error: {path}: train."bad\\x1b[2J\\nkey": The training data has no setting called "bad\\x1b[2J\\nkey"; '
        "it knows samples, source, batch_size, drop_remainder, repeat and shuffle.\n"
    )


@pytest.mark.parametrize("command", ["plan", "verify"])
def test_a_900_kilobyte_key_gives_a_short_line(tmp_path, command):
    # A 900 kB key is quoted by its first 40 characters and "...", not copied whole into the error.
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"train": {"samples": 10}, "k" * 900_000: 1}))
    code, _, err = run(command, str(path))
    assert code == 2
    assert_one_clean_line(err)
    shown = '"' + "k" * 40 + '..."'
    assert err == (
        f"error: {path}: {shown}: A scenario has no setting called {shown}; "
        "it knows train, epochs, steps_per_epoch, steps_per_execution and validation.\n"
    )


def test_values_from_the_file_are_quoted_short_and_escaped(tmp_path):
    # A bad value full of control characters, separators and bidi overrides is quoted, escaped and cut short.
    value = "\u202eevil\u2028\r\t\x00\x7f" + "v" * 5000  # 10 characters, then v: 30 of them fit in 40
    path = tmp_path / "value.json"
    path.write_text(json.dumps({"train": {"samples": 10, "source": value}}))
    code, _, err = run("verify", str(path))
    assert code == 2
    assert_one_clean_line(err)
    assert '"\\u202eevil\\u2028\\r\\t\\x00\\x7f' + "v" * 30 + '..."' in err


def test_quote_escapes_every_unprintable_character_and_cuts_long_text():
    # quote() keeps printable text, including non-ASCII letters, and escapes all the rest.
    assert quote("Époque") == '"Époque"'
    assert quote('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert quote("\x1b[2J\n") == '"\\x1b[2J\\n"'
    assert quote("\ud800\U000e0001") == '"\\ud800\\U000e0001"'
    assert quote("x" * 41) == '"' + "x" * 40 + '..."'
    assert quote("x" * 40) == '"' + "x" * 40 + '"'


def test_keys_that_are_not_text_are_named_too():
    # scenario_from_dict is also called from Python (presets, the form): a number as a key is named, not a TypeError.
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"train": {"samples": 1, 5: 2}})
    assert str(caught.value) == (
        'train."5": The training data has no setting called "5"; '
        "it knows samples, source, batch_size, drop_remainder, repeat and shuffle."
    )


def test_an_odd_file_name_is_escaped_in_the_error_line(tmp_path):
    # The file's own name may hold a line break: the error still takes exactly one line.
    path = tmp_path / "two\nlines\x1b.json"
    path.write_text("[]")
    code, _, err = run("plan", str(path))
    assert code == 2
    assert_one_clean_line(err)
    assert "two\\nlines\\x1b.json: A scenario is one group of settings" in err


# ---------------------------------------------------------------- only small regular files are read


def test_a_fifo_is_refused_without_waiting(tmp_path):
    # A named pipe with no writer is refused at once by plan and verify (opening it used to block forever).
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    script = (
        "import io, sys; from core import cli; err = io.StringIO(); "
        f"codes = [cli.run([command, {str(fifo)!r}], io.StringIO(), err) for command in ('plan', 'verify')]; "
        "sys.stdout.write(repr(codes) + chr(10) + err.getvalue())"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=60)
    refusal = f"error: {fifo}: is a named pipe (FIFO), not a scenario file; EpochScope reads only ordinary files"
    assert done.stdout.splitlines() == ["[2, 2]", refusal, refusal]


def test_load_scenario_on_a_fifo_returns_at_once_in_a_thread(tmp_path):
    # The window's thread calls load_scenario: on a FIFO it must raise at once, not wait for a writer.
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    caught: list[BaseException] = []
    reader = threading.Thread(target=lambda: _capture(caught, fifo), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # unblock the stuck open() so the thread can end, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("load_scenario blocked on a FIFO")
    assert len(caught) == 1 and isinstance(caught[0], BadScenarioFile)
    assert caught[0].reason == "is a named pipe (FIFO), not a scenario file; EpochScope reads only ordinary files"


def _capture(caught: list[BaseException], path) -> None:
    try:
        load_scenario(path)
    except BaseException as error:  # the test inspects whatever came out
        caught.append(error)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/dev/zero", "is a device, not a scenario file; EpochScope reads only ordinary files"),
        ("/dev/null", "is a device, not a scenario file; EpochScope reads only ordinary files"),
    ],
)
def test_devices_are_refused(path, reason):
    # A device (an endless /dev/zero, an empty /dev/null) is no scenario file, and is not read.
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist here")
    code, _, err = run("plan", path)
    assert code == 2 and err == f"error: {path}: {reason}\n"


def test_a_folder_and_a_missing_file_are_named(tmp_path):
    # A folder and a missing path each get their own plain reason.
    assert run("plan", str(tmp_path)) == (2, "", f"error: {tmp_path}: is a folder, not a scenario file\n")
    missing = tmp_path / "nope.json"
    assert run("plan", str(missing)) == (2, "", f"error: {missing}: no such file\n")


def test_a_name_with_a_nul_character_is_refused_in_words():
    # A NUL in a path is a ValueError in Python; load_scenario still gives one clean BadScenarioFile line.
    with pytest.raises(BadScenarioFile) as caught:
        load_scenario("bad\x00name.json")
    assert str(caught.value) == "bad\\x00name.json: is not a possible file name: it holds a NUL character"


def test_a_file_over_one_mebibyte_is_refused_by_its_size(tmp_path):
    # A 2 MB file (a scenario is a few hundred bytes) is refused before it is read, and says the limit.
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2_000_000 + b"{}")
    code, _, err = run("plan", str(path))
    assert code == 2
    assert err == (f"error: {path}: is 2,000,002 bytes; a scenario file is a few lines, and EpochScope reads at most 1 MiB\n")


def test_a_file_of_exactly_the_limit_is_read(tmp_path):
    # The limit itself is allowed: 1 MiB of spaces around a scenario reads.
    body = b'{"train": {"samples": 3}}'
    path = tmp_path / "padded.json"
    path.write_bytes(body + b" " * ((1 << 20) - len(body)))
    assert load_scenario(path).train.samples == 3


def test_an_unreadable_file_says_so(tmp_path):
    # Without permission to read (as a normal user), the reason is plain words, not "[Errno 13]".
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / "secret.json"
    path.write_text("{}")
    path.chmod(0)
    assert run("plan", str(path))[2] == f"error: {path}: cannot be read: you do not have permission to read it\n"


# ---------------------------------------------------------------- a validation set's shuffle


def test_a_validation_sets_shuffle_is_kept_when_saved():
    # shuffle: true on a validation set reads, and is written back when the scenario is saved.
    scenario = scenario_from_dict(SHUFFLED_VALIDATION)
    assert scenario.validation.shuffle is True
    written = json.loads(scenario.to_json())
    assert written["validation"]["shuffle"] is True
    assert scenario_from_json(scenario.to_json()) == scenario


def test_a_validation_set_without_shuffle_is_written_as_the_format_shows():
    # The default (Keras never shuffles validation data) is left out, as in the format's example.
    written = json.loads(scenario_from_dict({"train": {"samples": 10}, "validation": {"samples": 3}}).to_json())
    assert "shuffle" not in written["validation"]


def test_the_plan_keeps_the_validation_order_although_the_file_says_shuffle():
    # Evaluation never shuffles, so the plan knows the validation set starts at sample 0 (verify compared None with 0).
    document = plan(scenario_from_dict(SHUFFLED_VALIDATION)).to_json()
    assert [(epoch["val"], epoch["val_first_sample"]) for epoch in document["epochs"]] == [([[4, 1], [2, 1]], 0)]


@pytest.mark.keras
@pytest.mark.usefixtures("require_keras")
def test_verify_matches_with_a_shuffled_validation_set(tmp_path):
    # Real Keras agrees with the plan: "match", not "val_first_sample: planned none, Keras did 0".
    path = tmp_path / "shuffled-validation.json"
    path.write_text(json.dumps(SHUFFLED_VALIDATION))
    code, out, _ = run("verify", str(path))
    assert code == 0 and out.startswith("match: Keras 3.15.1 ran exactly the planned"), out


# ---------------------------------------------------------------- fuzz: nothing but one clean line


def _check_refusal(error: BaseException) -> None:
    text = str(error)
    assert text and "\n" not in text and text.isprintable(), repr(text[:200])
    assert len(text) < 400, len(text)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_value_is_read_or_refused_in_one_clean_line(value):
    # Random JSON values either read as a scenario or give a ScenarioError of one short printable line.
    try:
        scenario_from_dict(value)
    except ScenarioError as error:
        _check_refusal(error)


_nasty_text = st.text(st.characters(codec="utf-8"), max_size=60) | st.sampled_from(["\x1b[2J", "\n", "\u202e", "k" * 5000])


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | _nasty_text,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(_nasty_text, children, max_size=4),
        max_leaves=12,
    ),
    st.sampled_from(["top", "train", "validation"]),
)
def test_nasty_keys_and_values_in_every_place_give_one_clean_line(value, place):
    # Keys and values with escapes, line breaks and huge lengths, at the top, in train or in validation.
    data: dict = {"train": {"samples": 10}}
    if place == "top" and isinstance(value, dict):
        data.update(value)
    elif place == "train" and isinstance(value, dict):
        data["train"].update(value)
    else:
        data["validation"] = value
    try:
        scenario_from_json(json.dumps(data))
    except ScenarioError as error:
        _check_refusal(error)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | json_values.map(lambda value: json.dumps(value).encode()))
def test_any_file_content_is_read_or_refused_in_one_clean_line(tmp_path, content):
    # Random bytes and random JSON in a file: load_scenario reads it or raises BadScenarioFile, one clean line.
    path = tmp_path / "fuzz.json"
    path.write_bytes(content)
    try:
        load_scenario(path)
    except BadScenarioFile as error:
        _check_refusal(error)
        assert error.path == path


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_the_command_line_gives_one_clean_line_for_any_bytes(tmp_path, content):
    # plan on a file of random bytes: exit 0 with a plan, or exit 2 with exactly one clean error line.
    path = tmp_path / "fuzz.json"
    path.write_bytes(content)
    code, out, err = run("plan", str(path))
    if code == 2:
        assert out == ""
        assert_one_clean_line(err)
    else:
        assert code == 0 and out


def test_the_window_refuses_a_fifo_at_once_and_says_why(window, tmp_path):
    # File > Open on a named pipe: the window's thread returns at once and the status bar gives the reason.
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    shown = window()
    shown.isVisible = lambda: False  # no modal box in a test; the message still goes to the status bar
    before = shown.plan
    finished = threading.Event()
    rescuer = threading.Thread(target=_unblock_after, args=(fifo, finished, 10), daemon=True)
    rescuer.start()
    started = time.monotonic()
    assert not shown.open_file(fifo)
    waited = time.monotonic() - started
    finished.set()
    rescuer.join()
    assert waited < 2, f"the window waited {waited:.1f} s on a FIFO"
    assert shown.plan is before
    assert shown.statusBar().currentMessage() == (
        f"{fifo}: is a named pipe (FIFO), not a scenario file; EpochScope reads only ordinary files"
    )


def _unblock_after(fifo, finished: threading.Event, seconds: float) -> None:
    """If the reader is still stuck after a while, open the FIFO's other end so the test ends (and fails)."""
    if finished.wait(seconds):
        return
    with contextlib.suppress(OSError):  # ENXIO: nobody is reading after all
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
