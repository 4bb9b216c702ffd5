"""How MirroredStrategy splits a global batch across replicas (Keras 3.15.1 and tf.keras 2 on TensorFlow 2.21).

tf.distribute rebatches each global batch of B samples into R per-replica batches of
ceil(B / R) samples, handed out in replica order: the later replicas get what is left, so they
can be short or empty (B = 41 over 4 replicas: 11, 11, 11, 8; B = 3 over 4: 1, 1, 1, 0).
"""

from __future__ import annotations

__all__ = ["replica_split", "splits_evenly"]


def replica_split(batch_size: int, replicas: int) -> tuple[int, ...]:
    """The per-replica sizes of one global batch, in replica order."""
    each = -(-batch_size // replicas)
    return tuple(min(each, max(0, batch_size - index * each)) for index in range(replicas))


def splits_evenly(batch_size: int, replicas: int) -> bool:
    """Every replica gets the same number of samples (what the first batch of a fit or evaluate needs)."""
    return batch_size % replicas == 0
