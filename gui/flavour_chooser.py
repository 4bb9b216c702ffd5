"""The Keras chooser's words: which Keras runs fit, on which backend, over how many devices.

The form (gui/form.py) builds the chooser's two fields like any other (undoable, red with the
reason when wrong, saved in the file); this module holds what they offer and say, and the quiet
line under them: whether the chosen flavour is installed here. Planning needs nothing installed;
only running it for real (Verify, the live demo) does. Whether it is installed is found without
importing anything (``Flavour.available``), and asked once the window is on screen.
"""

from __future__ import annotations

from core.flavours import FLAVOURS, Flavour

# The chooser's choices: (words, value); the value is "keras:backend" ("3:jax", "2:tensorflow").
FLAVOUR_CHOICES = [(flavour.label, f"{flavour.keras}:{flavour.backend}") for flavour in FLAVOURS]
DEFAULT_FLAVOUR = "3:tensorflow"

KERAS_HELP = (
    "Which Keras runs fit(): Keras 3 on its TensorFlow, JAX or PyTorch backend (the KERAS_BACKEND setting),\n"
    "or tf.keras 2, the Keras of older courses and answers (the tf-keras package, TF_USE_LEGACY_KERAS=1).\n"
    "They feed batches differently when the data runs out, with steps_per_execution and more:\n"
    "the plan follows the one chosen. View > Compare puts two side by side. Default: Keras 3 on TensorFlow."
)
REPLICAS_HELP = (
    "How many devices (GPUs) run fit() together under tf.distribute.MirroredStrategy: each batch of B samples\n"
    "is split across them, ceil(B / devices) samples each, device 1 first (later ones may get fewer or none).\n"
    "steps_per_epoch still counts whole batches. TensorFlow only. Default: 1 (no strategy)."
)
WHY_ONE_DEVICE = "Several devices mean MirroredStrategy, which only TensorFlow has: choose Keras 3 (TensorFlow) or tf.keras 2."


def flavour_value(keras: str, backend: str) -> str:
    """The chooser's value for a scenario's ``keras`` and ``backend``."""
    return f"{keras}:{backend}"


def keras_and_backend(value: str) -> tuple[str, str]:
    keras, _, backend = value.partition(":")
    return keras, backend


def runs_on_tensorflow(value: str) -> bool:
    return keras_and_backend(value)[1] == "tensorflow"


def choice_words(value: str, installed: bool | None) -> str:
    """A choice as the list shows it: its name, and "not installed" when it is not (nothing before it is known)."""
    label = Flavour(*keras_and_backend(value)).label
    return label if installed is not False else f"{label} (not installed)"


def choice_tooltip(value: str, installed: bool | None) -> str:
    flavour = Flavour(*keras_and_backend(value))
    if installed is False:
        return f"{flavour.label} is not installed here. Its plan is exact anyway; to run it for real: {flavour.install_hint()}"
    return f"{flavour.label}: the plan follows its rules."


def installed_words(flavour: Flavour, installed: bool | None) -> str:
    """The quiet line under the chooser. Until the check after the first paint it says it is checking: the line
    holds its place from the start, so the form below does not jump down when the answer comes."""
    if installed is None:
        return "Checking whether it is installed here..."
    if installed:
        return "Installed here: Verify and the live demo run it for real."
    missing = ", ".join(flavour.missing())
    return f"Not installed here ({missing}): the plan is exact anyway. To run it for real: {flavour.install_hint()}"


def installed_flavours() -> dict[str, bool]:
    """Which choices are installed, by value; found with importlib, importing nothing."""
    return {value: Flavour(*keras_and_backend(value)).available() for _words, value in FLAVOUR_CHOICES}
