"""What differs between the Keras flavours, as data the one model of fit reads.

Keras 3 runs the same ``EpochIterator`` on TensorFlow, JAX and PyTorch (its backends differ
in two details only: PyTorch refuses ``steps_per_execution`` > 1, and only TensorFlow's
``tf.data`` prefetches a batch of a Python generator past the end of a validation run).
tf.keras 2 (the ``tf-keras`` package) keeps its iterator in a ``DataHandler`` instead, whose
rules are in ``core.keras.data_handler``. MirroredStrategy splits every global batch across
the replicas (``core.keras.replicas``); Keras 3 needs the first batch of a fit, and of a
validation run, to split evenly. Before fitting, Keras 3 reads one batch to build the model (on JAX and
PyTorch, and on TensorFlow under a strategy; under a strategy before every validation run too), so data
without that batch fails there. Each rule was read from the installed source and checked
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
    def reads_a_batch_to_build(self) -> bool:
        """Keras 3 reads the first training batch before epoch 1, even when initial_epoch >= epochs.

        JAX and PyTorch: ``_symbolic_build(iterator=epoch_iterator)`` in their ``fit`` (the model is unbuilt).
        TensorFlow: ``_maybe_symbolic_build`` does it only under a distribution strategy, where it also
        reduces the batch across the replicas (the AddN that needs an even split). tf.keras 2 does neither: it
        trains an uneven first batch (checked with tf-keras 2.21.0 over 3 logical CPUs).
        """
        return self.keras == "3" and (self.backend != "tensorflow" or self.replicas > 1)

    @property
    def reads_a_batch_before_validation(self) -> bool:
        """Under a strategy Keras 3's ``evaluate`` calls ``_maybe_symbolic_build`` too, before every validation run.

        It reads the next batch of the cached evaluation iterator where the last run left it (the batch after
        the ones it used, when validation_steps stopped short of the set), then resets. On JAX and PyTorch
        ``_symbolic_build`` reads nothing once the model is built, which training has done.
        """
        return self.keras == "3" and self.backend == "tensorflow" and self.replicas > 1

    @property
    def asserts_cardinality(self) -> bool:
        """Does a pipeline's false assert_cardinality raise? Not through MirroredStrategy's distributed dataset.

        tf.distribute hands over the real data under the asserted length (measured: a filter asserted at 3 that
        yields 2 gives one batch of 2, one said 7 of 5 gives all 5 batches, neither raises).
        """
        return self.replicas == 1

    def no_batch_to_build(self, which: str) -> str:
        """The error when the batch read to build the model is not there, by backend, with its fix."""
        when = "before epoch 1, even when initial_epoch >= epochs," if which == "training" else "before every validation run"
        if self.backend == "torch":
            raised = "ValueError: Exception encountered when calling Sequential.call() (the model is called on no input)."
            where = "Keras 3 on PyTorch"
        else:
            raised = "StopIteration (bare, with no message)."
            where = "Keras 3 on JAX" if self.backend == "jax" else f"Keras 3 under MirroredStrategy over {self.replicas} devices"
        return (
            f"{raised} {where} reads one {which} batch {when} to build the model, and the {which} data yields "
            "no batch at all. Give it at least one batch: more samples than the batch size, a smaller batch size, "
            "or drop_remainder=False."
        )

    def uneven_later_validation_batch(self, size: int, steps: int | None) -> str:
        """A validation run after the first reads, before it starts, a batch that does not split: the AddN error."""
        split = ", ".join(str(part) for part in replica_split(size, self.replicas))
        return (
            "InvalidArgumentError: Inputs to operation AddN of type AddN must have the same size and shape. "
            f"Before every validation run Keras 3 under MirroredStrategy reads one batch where the last run left its "
            f"iterator, and with validation_steps={steps} short of the set that is the batch after the ones it "
            f"used: a batch of {count_words(size, 'sample')}, split {split} across the {self.replicas} devices, which "
            "must be even. Let validation_steps cover the whole set, or make every batch of it split evenly "
            f"(a batch size and sample count that are multiples of {self.replicas}, or drop_remainder=True)."
        )

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
            f"{', '.join(str(part) for part in split)}, and Keras 3 reads the first batch of training (before epoch 1, "
            f"even when initial_epoch >= epochs) and of every validation run to build the model, reducing it across "
            f"the devices, which needs each device to get the same number. {fix}"
        )


def rules_of(scenario: object) -> FitRules:
    """The flavour rules for a scenario (its ``keras``, ``backend`` and ``replicas``)."""
    return FitRules(
        getattr(scenario, "keras", "3"),
        getattr(scenario, "backend", "tensorflow"),
        getattr(scenario, "replicas", 1),
    )
