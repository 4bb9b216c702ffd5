"""What differs between the Keras flavours, as data the one model of fit reads.

Keras 3 runs the same ``EpochIterator`` on TensorFlow, JAX and PyTorch (its backends differ
in two details only: PyTorch refuses ``steps_per_execution`` > 1, and only TensorFlow's
``tf.data`` prefetches a batch of a Python generator past the end of a validation run).
tf.keras 2 (the ``tf-keras`` package) keeps its iterator in a ``DataHandler`` instead, whose
rules are in ``core.keras.data_handler``. MirroredStrategy splits every global batch across
the replicas (``core.keras.replicas``); Keras 3 needs the first batch of a fit, and of a
validation run, to split evenly. Each rule was read from the installed source and checked
with the real thing (tests/conformance/flavours-public.json).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.keras.replicas import replica_split
from core.versions import planned_version
from core.words import count_words

__all__ = ["FitRules", "rules_of"]


@dataclass(frozen=True)
class FitRules:
    keras: str = "3"  # "3" or "2"
    backend: str = "tensorflow"
    replicas: int = 1

    @property
    def version(self) -> str:
        return planned_version(self.keras)

    @property
    def legacy(self) -> bool:
        """tf.keras 2: its DataHandler ends the whole fit when the data runs out."""
        return self.keras == "2"

    @property
    def batches_lost_after_validation_run(self) -> int:
        """Batches of a shared Python generator a validation run reads but never uses (tf.data's prefetch).

        Measured on this CPU: Keras 3 on TensorFlow loses 1 (sometimes more on a busy machine);
        tf.keras 2, whose adapter prefetches twice, 2 or 3 (the plan assumes 2 and warns); Keras 3
        on JAX and PyTorch reads the generator directly, one batch at a time, and loses none.
        """
        if self.legacy:
            return 2
        return 1 if self.backend == "tensorflow" else 0

    @property
    def first_batch_must_split(self) -> bool:
        """Keras 3 under MirroredStrategy fails (AddN) when the first batch leaves replicas uneven.

        tf.keras 2 trains such a batch (checked with tf-keras 2.21.0 over 3 logical CPUs).
        """
        return self.replicas > 1 and self.keras == "3"

    def uneven_first_batch(self, size: int, which: str, batch_size: int | None) -> str:
        """The refusal for a first global batch of ``size`` that does not split evenly, with its fix."""
        replicas = self.replicas
        split = replica_split(size, replicas)
        lower, upper = (batch_size or size) // replicas * replicas, -(-(batch_size or size) // replicas) * replicas
        multiples = " or ".join(f"{value:,}" for value in dict.fromkeys(v for v in (lower, upper) if v > 0))
        if batch_size is not None and size < batch_size:
            fix = (
                f"The data holds only {count_words(size, 'sample')}, less than one batch of {batch_size:,}: give it "
                f"a multiple of {replicas} samples, or a batch size that is a multiple of {replicas} no larger than {size:,}."
            )
        else:
            fix = f"Use a batch size that is a multiple of {replicas} ({multiples})."
        return (
            f"InvalidArgumentError: Inputs to operation AddN of type AddN must have the same size and shape. "
            f"MirroredStrategy splits the {which} of {count_words(size, 'sample')} across the {replicas} devices as "
            f"{', '.join(str(part) for part in split)}, and Keras 3 needs the first batch of training and of every "
            f"validation run to give each device the same number. {fix}"
        )


def rules_of(scenario: object) -> FitRules:
    """The flavour rules for a scenario (its ``keras``, ``backend`` and ``replicas``)."""
    return FitRules(
        getattr(scenario, "keras", "3"),
        getattr(scenario, "backend", "tensorflow"),
        getattr(scenario, "replicas", 1),
    )
