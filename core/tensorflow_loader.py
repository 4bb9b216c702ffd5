"""Import TensorFlow and Keras on demand, quietly. Never called on the start path."""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType


def load_tensorflow() -> tuple[ModuleType, ModuleType]:
    """Return (tensorflow, keras), importing them the first time.

    TensorFlow's native start-up lines ("oneDNN custom operations are on" ...)
    ignore TF_CPP_MIN_LOG_LEVEL once the process runs, so the import is done with
    the process's stderr pointed at /dev/null and restored straight after.
    """
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return sys.modules["tensorflow"], sys.modules["keras"]
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
