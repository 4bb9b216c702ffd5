"""Scenario files: read with one clear line per failure, written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from core.scenario import MAX_FILE_BYTES, Scenario, ScenarioError, scenario_from_json


class BadScenarioFile(Exception):
    """A file that cannot be read as a scenario; the message names the file and the field."""


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file, turning every failure into one line that names the file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise BadScenarioFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadScenarioFile(f"{path}: is a folder, not a scenario file") from None
    except OSError as exc:
        raise BadScenarioFile(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return scenario_from_json(data)
    except ScenarioError as exc:
        raise BadScenarioFile(f"{path}: {exc}") from None


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename over it: never half a file."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(temporary, 0o666 & ~_umask())
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def save_scenario(path: str | Path, scenario: Scenario) -> None:
    write_atomically(path, scenario.to_json().encode("utf-8"))


def _umask() -> int:
    """The process umask (read by setting it and putting it back), so saved files get normal permissions."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
