"""The Keras flavours a scenario can name: which Keras, which backend, how many devices.

One place says how each flavour is named to a person, what must be installed for it, and
the environment a process needs to run it (tf.keras 2 needs ``TF_USE_LEGACY_KERAS=1`` before
TensorFlow is imported, a backend needs ``KERAS_BACKEND`` before Keras is): so ``verify``,
the recorder and the live demo each run a flavour in a subprocess of its own. Nothing here
imports TensorFlow, Keras, JAX or PyTorch; whether one is installed is asked of importlib.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

__all__ = ["FLAVOURS", "Flavour", "flavour_of"]


@dataclass(frozen=True)
class Flavour:
    """Keras ``keras`` ("3" or "2") on ``backend``, fit under MirroredStrategy when ``replicas`` > 1."""

    keras: str = "3"
    backend: str = "tensorflow"
    replicas: int = 1

    @property
    def key(self) -> str:
        """A short name for files and test ids: "keras3-tensorflow", "keras2", "keras3-tensorflow-x4"."""
        name = "keras2" if self.keras == "2" else f"keras3-{self.backend}"
        return name if self.replicas == 1 else f"{name}-x{self.replicas}"

    @property
    def label(self) -> str:
        """How a person names it: "Keras 3 (JAX)", "tf.keras 2", "Keras 3 (TensorFlow), 4 devices"."""
        name = "tf.keras 2" if self.keras == "2" else f"Keras 3 ({_BACKEND_NAMES[self.backend]})"
        return name if self.replicas == 1 else f"{name}, {self.replicas} devices"

    @property
    def modules(self) -> tuple[str, ...]:
        """The Python packages this flavour imports (besides NumPy)."""
        if self.keras == "2":
            return ("tensorflow", "tf_keras")
        if self.backend == "tensorflow":
            return ("tensorflow", "keras")
        # The recorder builds tf.data pipelines and ImageDataGenerator flows with TensorFlow on every backend.
        return ("tensorflow", "keras", _BACKEND_MODULES[self.backend])

    @property
    def extra(self) -> str:
        """The pyproject extra that installs it: ``pip install -e ".[extra]"``."""
        if self.keras == "2":
            return "legacy"
        return {"tensorflow": "demo", "jax": "jax", "torch": "torch"}[self.backend]

    def missing(self) -> tuple[str, ...]:
        """The packages it needs that are not installed (found without importing them)."""
        return tuple(module for module in self.modules if importlib.util.find_spec(module) is None)

    def available(self) -> bool:
        return not self.missing()

    def install_hint(self) -> str:
        return f'pip install -e ".[{self.extra}]"'

    def environment(self) -> dict[str, str]:
        """Variables a process must have before it imports TensorFlow or Keras to run this flavour."""
        env = {"TF_USE_LEGACY_KERAS": "1" if self.keras == "2" else "0"}
        if self.keras == "3":
            env["KERAS_BACKEND"] = self.backend
        return env


_BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
_BACKEND_MODULES = {"jax": "jax", "torch": "torch"}

# The flavours the chooser offers, in its order (replicas are chosen beside them).
FLAVOURS = (Flavour("3", "tensorflow"), Flavour("3", "jax"), Flavour("3", "torch"), Flavour("2", "tensorflow"))


def flavour_of(scenario: object) -> Flavour:
    """The flavour a scenario names (its ``keras``, ``backend`` and ``replicas``)."""
    return Flavour(getattr(scenario, "keras", "3"), getattr(scenario, "backend", "tensorflow"), getattr(scenario, "replicas", 1))
