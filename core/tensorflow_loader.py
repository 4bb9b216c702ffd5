"""Import TensorFlow and Keras on demand, quietly (never on the start path); say whether they are
installed without importing them, and how to install them when they are not."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

APP_FOLDER = "EpochScope"  # as QSettings names the app's folder (organisation and application name)

INSTALL_HINT = (
    "Verifying against real Keras needs TensorFlow, which is not installed. Install it with:\n"
    '    python -m pip install "tensorflow-cpu==2.21.0" "keras==3.15.1"\n'
    '(or pip install -e ".[demo]" in a checkout of EpochScope).'
)
BUILD_HINT = (
    "Real Keras (the live demo and verify) needs TensorFlow, which this self-contained build of "
    "EpochScope leaves out (it would add about 1.3 GB); everything else works without it. To use real "
    "Keras, install Python 3.10 or newer, then in a copy of the EpochScope folder run:\n"
    '    python -m pip install ".[demo]"\n'
    "and start EpochScope with the command: epochscope"
)


def install_hint() -> str:
    """How to get real Keras: pip for a Python install, the full install for a self-contained build."""
    return BUILD_HINT if getattr(sys, "frozen", False) else INSTALL_HINT


def tensorflow_available() -> bool:
    from importlib.util import find_spec

    return find_spec("tensorflow") is not None and find_spec("keras") is not None


def settings_folder() -> Path:
    """The app's own per-user settings folder, where Qt keeps its settings too (no Qt needed to find it).

    Linux and other Unix: ``$XDG_CONFIG_HOME/EpochScope`` (``~/.config/EpochScope``); Windows:
    ``%APPDATA%\\EpochScope``; macOS: ``~/Library/Application Support/EpochScope``.
    """
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        configured = os.environ.get("XDG_CONFIG_HOME", "")
        # The XDG rules: a relative path there is invalid and must be ignored.
        base = Path(configured) if os.path.isabs(configured) else home / ".config"
    return base / APP_FOLDER


def point_keras_home() -> None:
    """Keras writes keras.json into KERAS_HOME (else ~/.keras) when first imported: keep it in our folder.

    A KERAS_HOME the user set is respected.
    """
    if not os.environ.get("KERAS_HOME"):
        os.environ["KERAS_HOME"] = str(settings_folder() / "keras")


def load_tensorflow() -> tuple[ModuleType, ModuleType]:
    """Return (tensorflow, keras), importing them the first time.

    TensorFlow's native start-up lines ("oneDNN custom operations are on" ...)
    ignore TF_CPP_MIN_LOG_LEVEL once the process runs, so the import is done with
    the process's stderr pointed at /dev/null and restored straight after.
    """
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return sys.modules["tensorflow"], sys.modules["keras"]
    point_keras_home()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            keras = importlib.import_module("keras")
            tensorflow = importlib.import_module("tensorflow")
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return tensorflow, keras


def image_data_generator_class() -> type:
    """Keras 3's legacy ImageDataGenerator (what tf.keras.preprocessing.image.ImageDataGenerator is), loaded quietly."""
    load_tensorflow()
    return importlib.import_module("keras.src.legacy.preprocessing.image").ImageDataGenerator
