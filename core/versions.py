"""Which Keras the planner describes, and whether the installed one is the same.

Keras changes its data-handling details between releases, so a plan is only
as true as this match. Reading the installed version never imports Keras.
"""

from __future__ import annotations

PLANNED_KERAS_VERSION = "3.15.1"
# tf.keras 2 (scenario "keras": "2") is the tf-keras package, run with TF_USE_LEGACY_KERAS=1.
PLANNED_TF_KERAS_VERSION = "2.21.0"
PLANNED_TENSORFLOW_VERSION = "2.21.0"


def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution, read from its metadata; None if absent."""
    from importlib import metadata  # imported here: it costs ~20 ms, too much for the app's start

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def installed_keras_version() -> str | None:
    return installed_version("keras")


def planned_version(keras: str) -> str:
    """The version of the Keras a plan describes: Keras 3 for "3", tf-keras for "2"."""
    return PLANNED_TF_KERAS_VERSION if keras == "2" else PLANNED_KERAS_VERSION


def installed_tensorflow_version() -> str | None:
    for name in ("tensorflow-cpu", "tensorflow", "tensorflow-macos", "tensorflow-intel"):
        version = installed_version(name)
        if version:
            return version
    return None


def keras_version_note() -> str | None:
    """A sentence for the user when the installed Keras is not the one the planner describes."""
    installed = installed_keras_version()
    if installed is None or installed == PLANNED_KERAS_VERSION:
        return None
    return (
        f"The installed Keras is {installed}; EpochScope's plans describe Keras {PLANNED_KERAS_VERSION}. "
        "Details of data handling change between releases: use Verify to check a plan against your Keras, "
        f'or install the pinned versions with pip install "epochscope[demo]".'
    )
