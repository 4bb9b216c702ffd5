"""What each source hands Keras: the stream every new iterator over it yields, and the length Keras knows."""

from __future__ import annotations

from dataclasses import dataclass

from core.data.streams import CycleStream, EndlessStream, PassStream, Stream
from core.scenario import DataSpec
from core.words import count_words

# keras/src/trainers/data_adapters/data_adapter_utils.py: NUM_BATCHES_FOR_TENSOR_SPEC
GENERATOR_PEEKED_BATCHES = 2
ARRAYS_DEFAULT_BATCH_SIZE = 32


class KerasRefuses(Exception):
    """Keras raises for this call; the message says what a user would see and why."""


@dataclass(frozen=True)
class Source:
    """A data adapter: what every new iterator over it yields, and what length Keras knows."""

    first: Stream  # the first iterator
    later: Stream  # every later iterator (differs only for a one-shot generator)
    known_length: int | None  # data_adapter.num_batches
    batch_size: int
    # A Python generator over finite data: every iterator shares it (the replay and
    # the carry-over between validation runs come from that).
    shared_generator: bool = False

    def stream(self, iterator_index: int) -> Stream:
        return self.first if iterator_index == 0 else self.later


def make_source(spec: DataSpec, batch_size: int, *, offset: int = 0) -> Source:
    """Build the adapter model for data fed to fit with the given batch size."""
    samples = spec.samples
    if samples is None:
        stream = EndlessStream(batch_size)
        return Source(stream, stream, None, batch_size)
    positions = not (spec.source == "arrays" and spec.shuffle)
    if spec.source == "arrays":
        stream = PassStream(samples, batch_size, offset=offset, positions_known=positions)
        return Source(stream, stream, stream.batches_per_pass, batch_size)
    finite = PassStream(samples, batch_size, spec.drop_remainder, offset=offset)
    if spec.source == "generator" and finite.batches_per_pass == 0 and not (spec.repeat == "before_batch" and samples):
        raise KerasRefuses(
            "When passing a Python generator to a Keras model, the generator must yield at least "
            f"one batch. Received an empty generator ({count_words(samples, 'sample')}"
            + (f", batches of {batch_size} with the short one dropped" if spec.drop_remainder and samples else "")
            + ")."
        )
    if spec.repeat == "before_batch":
        if samples == 0:  # ds.repeat().batch(B) of nothing is empty, and TF knows it
            return Source(finite, finite, 0, batch_size)
        stream = CycleStream(samples, batch_size, offset=offset)
        return Source(stream, stream, None, batch_size)
    if spec.repeat == "after_batch":
        looping = PassStream(samples, batch_size, spec.drop_remainder, loops=True, offset=offset)
        if spec.source == "generator":
            return Source(looping, looping, None, batch_size, shared_generator=True)
        return Source(looping, looping, 0 if looping.batches_per_pass == 0 else None, batch_size)
    if spec.source == "dataset":
        return Source(finite, finite, finite.batches_per_pass, batch_size)
    # A one-shot generator: Keras peeked its first batches when it wrapped it, and
    # every new iterator replays them before whatever the generator has left (nothing).
    replay = PassStream(samples, batch_size, spec.drop_remainder, limit=GENERATOR_PEEKED_BATCHES, offset=offset)
    return Source(finite, replay, None, batch_size, shared_generator=True)


__all__ = ["ARRAYS_DEFAULT_BATCH_SIZE", "GENERATOR_PEEKED_BATCHES", "KerasRefuses", "Source", "make_source"]
