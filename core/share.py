"""A scenario, or a lesson's step, as one line of text, to paste into a chat or onto a slide, and back.

The line is ``epochscope:1:`` followed by the scenario's JSON (or a one-step lesson's, core.lessons),
written compactly (every key whose value is what the reader would assume anyway is left out),
compressed with raw DEFLATE and written in URL-safe base64 without padding. The ``1`` is the
format's version: a later EpochScope can change what follows it and still read these lines, and
this one refuses a newer line by name instead of misreading it. Nothing here touches a network:
the line is the whole scenario (or step).

``decode`` accepts the line anywhere in the pasted text (a chat adds words around it) and turns
every failure into ``ShareError``: one plain line saying what is wrong and what to do.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Collection
from typing import Any

from core.lessons import Lesson, LessonError, lesson_from_json, looks_like_lesson
from core.scenario import MAX_FILE_BYTES, Scenario, ScenarioError, scenario_from_dict, scenario_from_json

PREFIX = "epochscope:"
VERSION = 1
LINE_START = f"{PREFIX}{VERSION}:"
# Raw DEFLATE (no zlib header or checksum): six bytes fewer, and the JSON parser checks the rest.
_DEFLATE_WINDOW = -15
# A line longer than this is no line made by encode (a scenario at the file limit compresses far below it).
MAX_LINE = 64 * 1024
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class ShareError(ValueError):
    """A pasted line that holds no usable scenario; ``str()`` is the one-line reason."""


def encode(scenario: Scenario) -> str:
    """The one-line text of ``scenario``; ``decode(encode(s)) == s`` for every scenario."""
    return _line(_shortest(scenario.to_dict(), scenario))


def encode_lesson(lesson: Lesson) -> str:
    """The one-line text of a lesson (one step, as a teacher shares it: its note and questions come along)."""
    data = lesson.to_dict()
    for step, written in zip(lesson.steps, data["steps"], strict=True):
        if step.scenario is not None:
            written["scenario"] = _shortest(written["scenario"], step.scenario)
    return _line(data)


def _line(data: dict[str, Any]) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    packer = zlib.compressobj(9, zlib.DEFLATED, _DEFLATE_WINDOW)
    packed = packer.compress(text.encode("utf-8")) + packer.flush()
    return LINE_START + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def _shortest(data: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """``data`` less every key the reader fills in the same: the reader itself decides, so nothing is guessed here."""
    for key in list(data):
        if isinstance(data[key], dict):
            for inner in list(data[key]):
                _drop_if_same(data[key], inner, data, scenario)
        _drop_if_same(data, key, data, scenario)
    return data


def _drop_if_same(holder: dict[str, Any], key: str, whole: dict[str, Any], scenario: Scenario) -> None:
    value = holder.pop(key)
    try:
        same = scenario_from_dict(whole) == scenario
    except ScenarioError:
        same = False
    if not same:
        holder[key] = value


def decode(text: str, trap_keys: Collection[str] = ()) -> Scenario | Lesson:
    """The scenario (or lesson) of the first EpochScope line in ``text``; ShareError with a one-line reason otherwise.

    ``trap_keys`` are the traps a lesson's step may name.
    """
    unpacked = _unpack(_find_line(text))
    if looks_like_lesson(unpacked):
        try:
            return lesson_from_json(unpacked, trap_keys)
        except LessonError as error:
            raise ShareError(f"The line's lesson cannot be used: {error}") from None
    try:
        return scenario_from_json(unpacked)
    except ScenarioError as error:
        where = f"{error.field}: " if error.field else ""
        raise ShareError(f"The line's scenario cannot be used: {where}{_sentence(error.message)}") from None


def _unpack(line: str) -> bytes:
    """The bytes a line packs, every way it can be damaged refused in plain words."""
    version, _, payload = line[len(PREFIX) :].partition(":")
    if version != str(VERSION):
        if version.isdigit() and int(version) > VERSION:
            raise ShareError(
                f"This line was made by a newer EpochScope (line format {version}); this one reads format {VERSION}."
            )
        raise ShareError(f"This line's format is not one EpochScope knows; a scenario line starts with {LINE_START}")
    if not payload:
        raise ShareError("The line stops after epochscope:1: with no scenario; copy the whole line again.")
    if not set(payload) <= _ALPHABET:
        raise ShareError("The line is damaged: it holds characters a scenario line never has; copy the whole line again.")
    try:
        packed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except binascii.Error:  # a length no base64 text has (one letter too many or too few)
        raise ShareError("The line is cut short or damaged; copy the whole line again.") from None
    unpacker = zlib.decompressobj(_DEFLATE_WINDOW)
    try:
        unpacked = unpacker.decompress(packed, MAX_FILE_BYTES + 1)
    except zlib.error:
        raise ShareError("The line is damaged: its letters do not unpack to a scenario; copy the whole line again.") from None
    if len(unpacked) > MAX_FILE_BYTES:
        raise ShareError("The line unpacks to more than a scenario ever holds; it was not made by EpochScope.")
    if not unpacker.eof:
        raise ShareError("The line is cut short: its end is missing; copy the whole line again.")
    if unpacker.unused_data:
        raise ShareError("The line is damaged: it goes on after its scenario ends; copy the whole line again.")
    return unpacked


def _find_line(text: str) -> str:
    if len(text) > MAX_LINE * 4:
        raise ShareError("The text is far longer than a scenario line; copy just the line that starts with epochscope:")
    for word in text.split():
        start = word.lower().find(PREFIX)
        if start >= 0:
            return word[start:].rstrip(".,;)\"'>]")
    if not text.strip():
        raise ShareError("There is no text to paste; copy a scenario line (it starts with epochscope:) first.")
    raise ShareError("This is not an EpochScope scenario line: one starts with epochscope: (copy it with Edit > Copy scenario).")


def _sentence(message: str) -> str:
    """The scenario reader speaks of "the file"; a pasted line is not one."""
    return message.replace("The file is not valid JSON", "it is not valid JSON").replace("The file", "The scenario")
