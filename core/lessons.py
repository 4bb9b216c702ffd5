"""Lesson files: a teacher's sequence of scenarios and traps, each with its note, its questions and what to hide.

A lesson is opened like a scenario (File > Open, the command line, Open Recent). It is a JSON object
(UTF-8, at most 1 MiB) with exactly these keys::

    {
      "lesson": "From ceil(N/B) to what Keras really does",
      "steps": [
        {
          "title": "A plain dataset: ceil(N / B) steps",
          "scenario": {"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 3},
          "note": "Ask the room first: how many steps does one epoch take?",
          "questions": ["epoch_steps", "epoch_last_batch"],
          "hide": ["summary", "validation", "train.pipeline"]
        },
        {"trap": "floor_ceil_mismatch", "questions": ["stopped_epoch"]}
      ]
    }

``lesson``
    the lesson's title: text, not empty.
``steps``
    a list of 1 to ``MAX_STEPS`` steps, shown in order. Each step is an object with:

    ``scenario`` or ``trap`` (exactly one of them)
        ``scenario``: a scenario object written inline, in the scenario file format (every rule
        of a scenario file applies, and a mistake is reported with the step's number and the
        field, as ``step 2: scenario.train.batch_size: ...``). ``trap``: the key of one of the
        traps of the Traps menu (``resources/traps.json``, such as ``"floor_ceil_mismatch"``): its
        scenario, with its story and fix shown above the summary.
    ``title`` (optional)
        the step's title on the lesson bar ("Step 2 of 7: title"); a trap's step without one
        shows the trap's name.
    ``note`` (optional)
        the teacher's note, shown under the title on the lesson bar.
    ``questions`` (optional)
        the question kinds to ask, in this order, when the step opens (predict, then reveal); each
        is one of ``core.questions.QUESTION_KINDS`` (``"epoch_steps"``, ``"stopped_epoch"``...).
        Without it, or with an empty list, the step asks nothing.
    ``hide`` (optional)
        what the students do not see during this step, as TensorFlow Playground's ``*_hide``
        flags: parts of the window (``WINDOW_PARTS``: ``"form"``, ``"presets"``, ``"summary"``,
        ``"demo"``, ``"compare"``, ``"traps"``) and the form's fields by their dotted key
        (``FORM_FIELDS``: ``"train.batch_size"``, ``"validation.steps"``...), or all of a box's
        fields at once (``FIELD_GROUPS``: ``"train.*"``, ``"validation.*"``). Everything comes back
        at the next step that does not hide it, and when the lesson is left.

Unknown keys, a duplicate key, a question kind or part that does not exist, a trap that is not in
the Traps menu: each is refused with one line naming the step and the field, and nothing the
person had is lost. Saving writes the canonical form (``to_json``): optional keys only when they
say something, inline scenarios as a scenario file writes them, so a saved lesson read and saved
again is the same text.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.files import BadScenarioFile, _why_unreadable, read_small_file, write_atomically
from core.questions import QUESTION_KINDS
from core.scenario import MAX_FILE_BYTES, Scenario, ScenarioError, quote, scenario_from_dict

MAX_STEPS = 200
MAX_TEXT = 2000  # characters of a title or a note: a few sentences read out to a room
WINDOW_PARTS: tuple[str, ...] = ("form", "presets", "summary", "demo", "compare", "traps")
# The form's fields as its rows are keyed (gui.form.ScenarioForm), hideable one by one.
FORM_FIELDS: tuple[str, ...] = (
    "keras",
    "replicas",
    "train.samples",
    "train.endless",
    "train.source",
    "train.use_pipeline",
    "train.batch_size",
    "train.drop_remainder",
    "train.repeat",
    "train.pipeline",
    "train.shuffle",
    "train.flow_shuffle",
    "epochs",
    "initial_epoch",
    "steps_per_epoch",
    "steps_per_execution",
    "gradient_accumulation_steps",
    "validation",
    "validation.split",
    "validation.split_by",
    "validation.samples",
    "validation.endless",
    "validation.source",
    "validation.use_pipeline",
    "validation.batch_size",
    "validation.drop_remainder",
    "validation.repeat",
    "validation.pipeline",
    "validation.flow_shuffle",
    "validation.steps",
    "validation.freq",
)
# A box of the form at once: "validation.*" is its Kind row ("validation") and every "validation." field.
FIELD_GROUPS: tuple[str, ...] = ("train.*", "validation.*")
_LESSON_KEYS = ("lesson", "steps")
_STEP_KEYS = ("title", "scenario", "trap", "note", "questions", "hide")


class LessonError(ValueError):
    """A lesson that cannot be used: ``where`` is ``"step 3: questions"`` (or ``"steps"``, ``""``), ``message`` the reason."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class LessonStep:
    scenario: Scenario | None = None  # written inline; None for a trap's step
    trap: str | None = None  # the key of a trap of resources/traps.json
    title: str = ""
    note: str = ""
    questions: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.title:
            out["title"] = self.title
        if self.scenario is not None:
            out["scenario"] = self.scenario.to_dict()
        else:
            out["trap"] = self.trap
        if self.note:
            out["note"] = self.note
        if self.questions:
            out["questions"] = list(self.questions)
        if self.hide:
            out["hide"] = list(self.hide)
        return out

    @property
    def hidden_parts(self) -> frozenset[str]:
        return frozenset(self.hide) & frozenset(WINDOW_PARTS)

    @property
    def hidden_fields(self) -> frozenset[str]:
        """The form's fields this step hides, its groups ("validation.*") spelled out."""
        groups = [name[:-2] for name in self.hide if name in FIELD_GROUPS]
        return frozenset(
            field
            for field in FORM_FIELDS
            if field in self.hide or any(field == group or field.startswith(f"{group}.") for group in groups)
        )


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple[LessonStep, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"lesson": self.title, "steps": [step.to_dict() for step in self.steps]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def looks_like_lesson(data: bytes) -> bool:
    """Whether these bytes are a JSON object whose top level names a lesson ("lesson" or "steps"), valid or not."""
    try:
        decoded = json.loads(data)
    except (ValueError, RecursionError):
        return False
    return isinstance(decoded, dict) and any(key in decoded for key in _LESSON_KEYS)


def load_lesson(path: str | Path, trap_keys: Collection[str]) -> Lesson:
    """Read a lesson file; every failure is one BadScenarioFile line naming the file, the step and the field."""
    try:
        data = read_small_file(path)
    except OSError as error:
        raise BadScenarioFile(path, _why_unreadable(error)) from None  # the same plain reasons as a scenario file's
    except ValueError:
        raise BadScenarioFile(path, "is not a possible file name: it holds a NUL character") from None
    try:
        return lesson_from_json(data, trap_keys)
    except LessonError as error:
        raise BadScenarioFile(path, error.message, error.where) from None


def save_lesson(path: str | Path, lesson: Lesson) -> None:
    """Write the lesson whole or not at all."""
    write_atomically(path, lesson.to_json().encode("utf-8"))


def lesson_from_json(text: str | bytes, trap_keys: Collection[str]) -> Lesson:
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise LessonError("", "The file is larger than 1 MiB; a lesson is a few pages.")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise LessonError("", f"The file is not UTF-8 text (byte number {error.start + 1:,}); save it as UTF-8.") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except LessonError:
        raise
    except json.JSONDecodeError as error:
        raise LessonError(
            "", f"The file is not valid JSON: {error.msg[:1].lower()}{error.msg[1:]} at line {error.lineno}."
        ) from None
    except (ValueError, RecursionError):
        raise LessonError(
            "", "The file is not valid JSON: it nests too deeply or holds a number of thousands of digits."
        ) from None
    return lesson_from_dict(data, trap_keys)


def lesson_from_dict(data: Any, trap_keys: Collection[str]) -> Lesson:
    """Validate a decoded lesson object; ``trap_keys`` are the traps a step may name."""
    if not isinstance(data, Mapping):
        raise LessonError("", 'A lesson is one object in braces: {"lesson": "its title", "steps": [...]}.')
    _check_keys(data, _LESSON_KEYS, "")
    title = _text(data, "lesson", "", required=True)
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise LessonError("steps", "A lesson needs a list of steps in brackets [...], at least one.")
    if len(steps) > MAX_STEPS:
        raise LessonError("steps", f"A lesson has at most {MAX_STEPS} steps; this one has {len(steps):,}.")
    return Lesson(title, tuple(_read_step(raw, f"step {number}", trap_keys) for number, raw in enumerate(steps, 1)))


def _read_step(raw: Any, where: str, trap_keys: Collection[str]) -> LessonStep:
    if not isinstance(raw, Mapping):
        raise LessonError(where, 'A step is an object in braces, with a "scenario" or a "trap".')
    _check_keys(raw, _STEP_KEYS, where)
    if ("scenario" in raw) == ("trap" in raw):
        raise LessonError(where, 'A step shows one thing: give it either "scenario" or "trap", not both or neither.')
    scenario = None
    trap = None
    if "scenario" in raw:
        try:
            scenario = scenario_from_dict(raw["scenario"])
        except ScenarioError as error:
            field = f"scenario.{error.field}" if error.field else "scenario"
            raise LessonError(f"{where}: {field}", error.message) from None
    else:
        trap = raw["trap"]
        example = next(iter(trap_keys), "floor_ceil_mismatch")
        if not isinstance(trap, str):
            raise LessonError(f"{where}: trap", f'Name the trap by its key in quotes, such as "{example}".')
        if trap not in trap_keys:
            raise LessonError(
                f"{where}: trap",
                f"There is no trap {quote(trap)}; the traps' keys are in resources/traps.json, such as {example}.",
            )
    questions = _names(raw, "questions", where, QUESTION_KINDS, f"question kind; they are: {', '.join(QUESTION_KINDS)}")
    hide = _names(
        raw,
        "hide",
        where,
        (*WINDOW_PARTS, *FIELD_GROUPS, *FORM_FIELDS),
        f"part of the window ({', '.join(WINDOW_PARTS)}) or field of the form (such as train.batch_size, or validation.*)",
    )
    return LessonStep(
        scenario=scenario,
        trap=trap,
        title=_text(raw, "title", where),
        note=_text(raw, "note", where),
        questions=questions,
        hide=hide,
    )


def _names(raw: Mapping[str, Any], key: str, where: str, known: tuple[str, ...], what: str) -> tuple[str, ...]:
    """A list of names, each one of ``known``; ``what`` says what a name is, and which, for the message."""
    values = raw.get(key, [])
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise LessonError(f"{where}: {key}", f"Write {key} as a list of names in brackets, such as [{quote(known[0])}].")
    for value in values:
        if value not in known:
            raise LessonError(f"{where}: {key}", f"{quote(value)} is no {what}.")
    if len(set(values)) != len(values):
        raise LessonError(f"{where}: {key}", "A name is listed twice; list each once.")
    return tuple(values)


def _text(raw: Mapping[str, Any], key: str, where: str, required: bool = False) -> str:
    field = f"{where}: {key}" if where else key
    if key not in raw:
        if required:
            raise LessonError(field, f'The lesson needs its title: add "{key}": "...".')
        return ""
    value = raw[key]
    if not isinstance(value, str) or (required and not value.strip()):
        raise LessonError(field, "Write it as text in quotes" + (", not empty." if required else "."))
    if len(value) > MAX_TEXT:
        raise LessonError(field, f"It is {len(value):,} characters; keep it under {MAX_TEXT:,}, a few sentences.")
    return value


def _check_keys(raw: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in raw:
        if key not in known:
            field = f"{where}: {quote(str(key))}" if where else quote(str(key))
            raise LessonError(
                field, f"This setting is not part of a lesson{' step' if where else ''}; the settings are: {', '.join(known)}."
            )


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise LessonError(quote(key), "This setting is written twice in the same braces; keep one.")
        result[key] = value
    return result
