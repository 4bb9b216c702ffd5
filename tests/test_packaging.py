"""What `pip install .` installs: every shipped file, built without a complaint from setuptools."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

from tests.conftest import PROJECT

# What pyproject.toml builds from: the packages, the script module, and the files its metadata names.
BUILT_FROM = ("core", "gui", "resources", "main.py", "pyproject.toml", "README.md", "LICENSE")


def test_the_wheel_holds_every_shipped_file_and_setuptools_says_nothing_against_it(tmp_path):
    # A lesson folder once shipped through a glob of its parent's package data: the lesson was in the
    # wheel, but setuptools warned that the folder was absent from `packages` (and will stop shipping it).
    source = tmp_path / "source"
    source.mkdir()
    for name in BUILT_FROM:
        path = PROJECT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path / "wheel"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    said = built.stdout + built.stderr
    assert built.returncode == 0, said[-2000:]
    complaints = [line.strip() for line in said.splitlines() if "Warning:" in line and "Editable" not in line]
    assert complaints == []
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    resources = {
        path.relative_to(PROJECT).as_posix()
        for path in (PROJECT / "resources").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert resources - shipped == set()
    assert "resources/lessons/from-ceil-to-keras.json" in shipped
