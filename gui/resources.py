"""Files shipped in resources/, read with importlib.resources (works from a checkout and when installed)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from core.scenario import Scenario, scenario_from_dict


def read_text(name: str) -> str:
    return resources.files("resources").joinpath(name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Trap:
    """One entry of the gallery: a scenario where students go wrong, why, and the fix."""

    key: str
    name: str
    warning: str  # the code of the planner's warning that flags it
    explanation: str
    fix: str
    scenario: Scenario


def traps() -> list[Trap]:
    entries: list[dict[str, Any]] = json.loads(read_text("traps.json"))
    return [
        Trap(
            entry["key"],
            entry["name"],
            entry["warning"],
            entry["explanation"],
            entry["fix"],
            scenario_from_dict(entry["scenario"]),
        )
        for entry in entries
    ]


def presets() -> list[tuple[str, str, Scenario]]:
    """(name, one-line description, scenario) for the Presets menu."""
    entries: list[dict[str, Any]] = json.loads(read_text("presets.json"))
    return [(entry["name"], entry["description"], scenario_from_dict(entry["scenario"])) for entry in entries]
