"""What each source hands Keras: the stream every new iterator over it yields, and the length Keras knows."""

from __future__ import annotations

from dataclasses import dataclass

from core.data.streams import CycleStream, EndlessStream, PassStream, PipelineStream, Stream
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
    # tf.data's cardinality() says INFINITE (a .repeat() without a count, Dataset.counter()), not just
    # unknown: tf.keras 2 refuses such a dataset without steps.
    infinite: bool = False

    def stream(self, iterator_index: int) -> Stream:
        return self.first if iterator_index == 0 else self.later

    @property
    def order_random(self) -> bool:
        """Every pass comes in a new random order of its batches (the plan lists their sizes largest first)."""
        return self.first.order_random

    @property
    def fails(self) -> str | None:
        """Reading past the end of the data raises this (tf.data's error), instead of ending the pass."""
        return self.first.fails

    @property
    def pipeline(self) -> bool:
        return isinstance(self.first, PipelineStream)


def make_source(
    spec: DataSpec, batch_size: int, *, offset: int = 0, positions_known: bool = True, asserts_checked: bool = True
) -> Source:
    """Build the adapter model for data fed to fit with the given batch size.

    ``positions_known`` False: the loader shuffled the samples itself (a directory split).
    ``asserts_checked`` False: a pipeline's assert_cardinality sets the length only (MirroredStrategy).
    """
    samples = spec.samples
    if spec.pipeline is not None:
        return _pipeline_source(spec, asserts_checked)
    if spec.source in ("pydataset", "image_data_generator"):
        return _pydataset_source(spec, batch_size, offset, positions_known)
    if samples is None:
        stream = EndlessStream(batch_size)
        return Source(stream, stream, None, batch_size, infinite=spec.source == "dataset")
    positions = not (spec.source == "arrays" and spec.shuffle) and positions_known
    if spec.source == "arrays":
        stream = PassStream(samples, batch_size, offset=offset, positions_known=positions)
        return Source(stream, stream, stream.batches_per_pass, batch_size)
    finite = PassStream(samples, batch_size, spec.drop_remainder, offset=offset, positions_known=positions)
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
        return Source(stream, stream, None, batch_size, infinite=spec.source == "dataset")
    if spec.repeat == "after_batch":
        looping = PassStream(samples, batch_size, spec.drop_remainder, loops=True, offset=offset)
        if spec.source == "generator":
            return Source(looping, looping, None, batch_size, shared_generator=True)
        empty = looping.batches_per_pass == 0
        return Source(looping, looping, 0 if empty else None, batch_size, infinite=not empty)
    if spec.source == "dataset":
        return Source(finite, finite, finite.batches_per_pass, batch_size)
    # A one-shot generator: Keras peeked its first batches when it wrapped it, and
    # every new iterator replays them before whatever the generator has left (nothing).
    replay = PassStream(samples, batch_size, spec.drop_remainder, limit=GENERATOR_PEEKED_BATCHES, offset=offset)
    return Source(finite, replay, None, batch_size, shared_generator=True)


def _pipeline_source(spec: DataSpec, asserts_checked: bool) -> Source:
    """A tf.data pipeline: its batches, and the length cardinality() tells Keras (None: unknown or infinite)."""
    # tf.data's algebra is loaded with the first pipeline, off the window's start path.
    from core.data.steps import INFINITE, Batches, PipelineRefused, run_pipeline

    assert spec.pipeline is not None
    try:
        stream = run_pipeline(spec.samples, spec.pipeline, asserts_checked)
    except PipelineRefused as refusal:
        raise KerasRefuses(f"tf.data refuses this pipeline: {refusal}. Change the pipeline.") from None
    assert isinstance(stream, Batches), "the scenario reader refuses a pipeline that ends unbatched"
    pipeline_stream = PipelineStream(stream, stream.batch_size)
    known = stream.cardinality if stream.cardinality >= 0 else None
    return Source(pipeline_stream, pipeline_stream, known, stream.batch_size, infinite=stream.cardinality == INFINITE)


def _pydataset_source(spec: DataSpec, batch_size: int, offset: int, positions_known: bool) -> Source:
    """A keras.utils.PyDataset (or an ImageDataGenerator flow, which is one): len() batches, reordered per pass."""
    if spec.samples is None:
        stream = EndlessStream(batch_size)
        return Source(stream, stream, None, batch_size)
    flow_shuffles = spec.source == "image_data_generator" and spec.flow_shuffle
    stream = PassStream(
        spec.samples,
        batch_size,
        spec.drop_remainder,
        offset=offset,
        positions_known=positions_known and not spec.shuffle and not flow_shuffles,
        order_random=spec.shuffle,
    )
    if stream.batches_per_pass == 0:
        what = "ImageDataGenerator flow" if spec.source == "image_data_generator" else "PyDataset"
        raise KerasRefuses(
            f'Keras raises ValueError("The PyDataset has length 0"): this {what} has no batch '
            f"({count_words(spec.samples, 'sample')}"
            + (f", batches of {batch_size:,} with the short one dropped" if spec.drop_remainder and spec.samples else "")
            + "). Give it at least one batch of data."
        )
    return Source(stream, stream, stream.batches_per_pass, batch_size)


__all__ = ["ARRAYS_DEFAULT_BATCH_SIZE", "GENERATOR_PEEKED_BATCHES", "KerasRefuses", "Source", "make_source"]
