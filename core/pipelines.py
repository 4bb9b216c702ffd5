"""The data fit() is given for a scenario, built with the very APIs scenario-format.md names:
NumPy arrays, a tf.data pipeline (every step of ``pipeline`` applied in order), a hand-written
generator, a ``keras.utils.PyDataset`` subclass, a legacy ``ImageDataGenerator().flow``, and the
two splitting loaders (``image_dataset_from_directory`` over real image files in a temporary
folder, ``ImageDataGenerator(validation_split=f).flow(..., subset=...)``). Nothing is imitated:
Keras meets the same objects a student's script would hand it.

Column 0 of every sample's x (pixel 0 of an image) is its position in the data, so whoever
watches the batches (the recorder, the demo) can name each batch's first sample. A SampleMaker
decides what else a sample holds. NumPy, TensorFlow and Keras are passed in: importing this
module loads none of them.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit
from core.tensorflow_loader import image_data_generator_class
from core.words import step_call

TRAIN_SALT, VALIDATION_SALT = 0.0, 0.5
# image_dataset_from_directory is given a fixed seed: its file order is shuffled by it, as in any
# script that passes seed= so that both subsets come from one split.
DIRECTORY_SEED = 1337
# The temporary folder of the directory loader's image files is named from this.
IMAGE_FOLDER_PREFIX = "epochscope-images-"
# A directory image is one row of pixels: the position in base 256 (three bytes, so up to
# 16.7 million files) and then the sample's other features, each scaled into a byte.
POSITION_BYTES = 3


class SampleMaker(Protocol):
    def arrays(self, positions: Any, salt: float, np: Any) -> tuple[Any, Any]:
        """(x, y) for these positions; x[:, 0] is the position."""

    def tensors(self, position: Any, salt: float, tf: Any) -> tuple[Any, Any]:
        """The same for one position of an endless tf.data stream."""


class PositionsOnly:
    """x = [position], y = 0: nothing to learn, everything to record."""

    def arrays(self, positions: Any, salt: float, np: Any) -> tuple[Any, Any]:
        x = np.asarray(positions, dtype="float64").reshape(-1, 1)
        return x, np.zeros_like(x)

    def tensors(self, position: Any, salt: float, tf: Any) -> tuple[Any, Any]:
        x = tf.reshape(tf.cast(position, "float64"), (1,))
        return x, tf.zeros((1,), "float64")


def pipeline_batch_size(spec: DataSpec, scenario: Scenario) -> int:
    """What a data set is batched by: its own batch size, else the training one, else 32."""
    return spec.batch_size or scenario.train.batch_size or 32


def _pipeline(spec: DataSpec) -> tuple[Any, ...] | None:
    return getattr(spec, "pipeline", None)


def _flow_shuffle(spec: DataSpec) -> bool:
    return bool(getattr(spec, "flow_shuffle", True))


# ---------------------------------------------------------------- tf.data


def build_dataset(spec: DataSpec, batch_size: int, maker: SampleMaker, salt: float, np: Any, tf: Any) -> Any:
    """``Dataset.from_tensor_slices`` of the samples (``Dataset.counter()`` when endless), then the spec's batching."""
    if spec.samples is None:
        samples = tf.data.Dataset.counter().map(lambda i: maker.tensors(i, salt, tf))
    else:
        samples = tf.data.Dataset.from_tensor_slices(maker.arrays(np.arange(spec.samples), salt, np))
    steps = _pipeline(spec)
    if steps is not None:
        return apply_pipeline(samples, steps, tf)
    if spec.samples is None:
        return samples.batch(batch_size, drop_remainder=spec.drop_remainder)
    if spec.repeat == "before_batch":
        return samples.repeat().batch(batch_size, drop_remainder=spec.drop_remainder)
    batched = samples.batch(batch_size, drop_remainder=spec.drop_remainder)
    return batched.repeat() if spec.repeat == "after_batch" else batched


def apply_pipeline(dataset: Any, steps: Any, tf: Any) -> Any:
    """Each step of a scenario's ``pipeline``, in order, as the real ``tf.data`` call."""
    for step in steps:
        dataset = apply_step(dataset, step, tf)
    return dataset


def apply_step(dataset: Any, step: Any, tf: Any) -> Any:
    """One pipeline step (a PipelineStep) applied to a tf.data dataset."""
    op = step.op
    if op == "batch":
        return dataset.batch(step.size, drop_remainder=step.drop_remainder)
    if op == "repeat":
        return dataset.repeat() if step.count is None else dataset.repeat(step.count)
    if op == "take":
        return dataset.take(step.count)
    if op == "skip":
        return dataset.skip(step.count)
    if op == "shard":
        return dataset.shard(step.num_shards, step.index)
    if op == "filter":
        # The element's position in the filter's input: enumerate counts from 0 each time the
        # filter is iterated afresh (a repeat after it restarts the count; one before it does
        # not). This is what Keras 3.15.1 met in the conformance records (pipe1_2, pipe1_5, pipe1_11).
        keep_every = step.keep_every

        def kept(position: Any, element: Any) -> Any:
            return position % keep_every == 0

        def element_of(position: Any, element: Any) -> Any:
            return element

        return dataset.enumerate().filter(kept).map(element_of)
    if op == "unbatch":
        return dataset.unbatch()
    if op == "rebatch":
        return dataset.rebatch(step.size, drop_remainder=step.drop_remainder)
    if op == "shuffle":
        return dataset.shuffle(step.buffer_size, reshuffle_each_iteration=step.reshuffle_each_iteration)
    if op == "assert_cardinality":
        return dataset.apply(tf.data.experimental.assert_cardinality(step.count))
    if op == "cache":
        return dataset.cache()
    if op == "prefetch":
        return dataset.prefetch(tf.data.AUTOTUNE)
    if op == "map":
        return dataset.map(_unchanged)
    raise ValueError(f"unknown pipeline step {op!r}")


def _unchanged(x: Any, y: Any) -> tuple[Any, Any]:
    """The ``map`` step's function: a real map over every element that changes no batch."""
    return x, y


# ---------------------------------------------------------------- a hand-written generator


def build_generator(spec: DataSpec, batch_size: int, maker: SampleMaker, salt: float, np: Any) -> Any:
    """The generator one would write by hand for this spec."""
    samples = spec.samples

    def batch_of(positions: Any) -> tuple[Any, Any]:
        return maker.arrays(positions, salt, np)

    def one_pass():
        assert samples is not None
        for start in range(0, samples, batch_size):
            stop = min(start + batch_size, samples)
            if stop - start < batch_size and spec.drop_remainder:
                return
            yield batch_of(np.arange(start, stop))

    def stream():
        if samples is None:
            first = 0
            while True:
                yield batch_of(np.arange(first, first + batch_size))
                first += batch_size
        elif spec.repeat == "before_batch":
            if samples == 0:
                return
            position = 0
            while True:
                yield batch_of(np.arange(position, position + batch_size) % samples)
                position = (position + batch_size) % samples
        elif spec.repeat == "after_batch":
            while True:
                yielded = False
                for batch in one_pass():
                    yielded = True
                    yield batch
                if not yielded:  # nothing to loop over: end rather than spin forever
                    return
        else:
            yield from one_pass()

    return stream()


# ---------------------------------------------------------------- keras.utils.PyDataset


def build_pydataset(spec: DataSpec, batch_size: int, maker: SampleMaker, salt: float, np: Any, keras: Any) -> Any:
    """A real ``keras.utils.PyDataset`` subclass: batch i = samples [i*B, (i+1)*B); endless when samples is null."""
    samples = spec.samples
    num_batches = None if samples is None else pydataset_length(samples, batch_size, spec.drop_remainder)

    class Samples(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()  # workers, use_multiprocessing, max_queue_size: Keras' defaults

        @property
        def num_batches(self) -> int | None:
            return num_batches

        def __getitem__(self, index: int) -> tuple[Any, Any]:
            start = index * batch_size
            stop = start + batch_size if samples is None else min(start + batch_size, samples)
            return maker.arrays(np.arange(start, stop), salt, np)

    return Samples()


def pydataset_length(samples: int, batch_size: int, drop_remainder: bool) -> int:
    """len() of the PyDataset: ceil(N/B) batches, floor(N/B) with drop_remainder."""
    return samples // batch_size if drop_remainder else -(-samples // batch_size)


# ---------------------------------------------------------------- the legacy ImageDataGenerator


def as_images(x: Any) -> Any:
    """(N, F) sample rows as the rank-4 images a flow needs: N images of F x 1 pixels, 1 channel; pixel 0 is column 0."""
    return x.reshape(x.shape[0], x.shape[1], 1, 1)


def build_flow(spec: DataSpec, batch_size: int, maker: SampleMaker, salt: float, np: Any) -> Any:
    """``ImageDataGenerator().flow(x, y, batch_size=B, shuffle=flow_shuffle)`` over the samples as images."""
    assert spec.samples is not None
    x, y = maker.arrays(np.arange(spec.samples), salt, np)
    return image_data_generator_class()().flow(as_images(x), y, batch_size=batch_size, shuffle=_flow_shuffle(spec))


# ---------------------------------------------------------------- everything fit is given


def build_data(spec: DataSpec, batch_size: int, maker: SampleMaker, salt: float, np: Any, tf: Any, keras: Any = None) -> Any:
    """The object handed to fit for a dataset, generator, PyDataset or ImageDataGenerator source."""
    if spec.source == "dataset":
        return build_dataset(spec, batch_size, maker, salt, np, tf)
    if spec.source == "pydataset":
        return build_pydataset(spec, batch_size, maker, salt, np, keras)
    if spec.source == "image_data_generator":
        return build_flow(spec, batch_size, maker, salt, np)
    return build_generator(spec, batch_size, maker, salt, np)


def _split_by(validation: Any) -> str:
    return getattr(validation, "split_by", None) or "fit"


@contextmanager
def fit_inputs(scenario: Scenario, maker: SampleMaker, np: Any, tf: Any, keras: Any) -> Iterator[dict[str, Any]]:
    """Keyword arguments for model.fit (data, batch sizes, validation, initial_epoch), epochs aside.

    A context: the directory loader's image files live in a temporary folder until fit is done.
    """
    folder: str | None = None
    try:
        train = scenario.train
        # fit(batch_size=) batches arrays; a data set batches itself and Keras ignores it there, but
        # it is still what validation_batch_size defaults to. A pipeline says its own batching, so
        # the script passes none (and Keras batches validation arrays by 32).
        kwargs: dict[str, Any] = {"shuffle": train.shuffle}
        kwargs["batch_size"] = None if _pipeline(train) is not None else train.batch_size
        initial_epoch = getattr(scenario, "initial_epoch", 0)
        if initial_epoch:
            kwargs["initial_epoch"] = initial_epoch
        validation = scenario.validation
        split_by = _split_by(validation) if isinstance(validation, ValidationSplit) else "fit"
        if split_by == "directory":
            assert isinstance(validation, ValidationSplit)
            folder = tempfile.mkdtemp(prefix=IMAGE_FOLDER_PREFIX)
            kwargs["x"], kwargs["validation_data"] = directory_split(scenario, validation, maker, folder, np, tf, keras)
        elif split_by == "image_data_generator":
            assert isinstance(validation, ValidationSplit)
            kwargs["x"], kwargs["validation_data"] = flow_split(scenario, validation, maker, np)
        elif train.source == "arrays":
            assert train.samples is not None
            kwargs["x"], kwargs["y"] = maker.arrays(np.arange(train.samples), TRAIN_SALT, np)
        else:
            kwargs["x"] = build_data(train, pipeline_batch_size(train, scenario), maker, TRAIN_SALT, np, tf, keras)
        if isinstance(validation, ValidationSplit):
            if split_by == "fit":
                kwargs["validation_split"] = validation.split
                kwargs["validation_batch_size"] = validation.batch_size
            kwargs.update(validation_steps=validation.steps, validation_freq=_freq(validation.freq))
        elif isinstance(validation, ValidationSet):
            if validation.source == "arrays":
                assert validation.samples is not None
                kwargs["validation_data"] = maker.arrays(np.arange(validation.samples), VALIDATION_SALT, np)
            else:
                batch = validation_batch_size(validation, scenario)
                kwargs["validation_data"] = build_data(validation, batch, maker, VALIDATION_SALT, np, tf, keras)
            kwargs.update(
                validation_batch_size=validation.batch_size,
                validation_steps=validation.steps,
                validation_freq=_freq(validation.freq),
            )
        yield kwargs
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def validation_batch_size(validation: ValidationSet, scenario: Scenario) -> int:
    """A validation set's batches: its own size, else the training batch size, else 32 (always 32 after a training pipeline)."""
    if validation.batch_size:
        return validation.batch_size
    if _pipeline(scenario.train) is not None:
        return 32
    return scenario.train.batch_size or 32


def _freq(freq: Any) -> Any:
    """validation_freq as fit takes it: an int, or a list of epoch numbers."""
    return list(freq) if isinstance(freq, tuple) else freq


def flow_split(scenario: Scenario, validation: ValidationSplit, maker: SampleMaker, np: Any) -> tuple[Any, Any]:
    """``ImageDataGenerator(validation_split=f).flow(..., subset=...)``: (training flow, validation flow)."""
    train = scenario.train
    assert train.samples is not None
    x, y = maker.arrays(np.arange(train.samples), TRAIN_SALT, np)
    generator = image_data_generator_class()(validation_split=validation.split)
    batch = train.batch_size or 32
    val_shuffle = getattr(validation, "flow_shuffle", None)
    # A regression target (the demo's) differs in every sample; the class check is for labels.
    ignore_class_split = bool(getattr(maker, "regression", False))
    training = generator.flow(
        as_images(x), y, batch_size=batch, shuffle=_flow_shuffle(train), subset="training", ignore_class_split=ignore_class_split
    )
    validating = generator.flow(
        as_images(x),
        y,
        batch_size=batch,
        shuffle=_flow_shuffle(train) if val_shuffle is None else val_shuffle,
        subset="validation",
        ignore_class_split=ignore_class_split,
    )
    return training, validating


def directory_split(
    scenario: Scenario, validation: ValidationSplit, maker: SampleMaker, folder: str, np: Any, tf: Any, keras: Any
) -> tuple[Any, Any]:
    """``image_dataset_from_directory(validation_split=f, subset="both", seed=...)`` over one PNG file per sample.

    The files hold the samples' positions (and the maker's other features, a byte each); the
    datasets Keras returns are mapped back to (x, y) rows with the position in column 0, the way
    a script maps its images to what its model reads. The batches are the loader's own.
    """
    import os

    train = scenario.train
    assert train.samples is not None
    x, _targets = maker.arrays(np.arange(train.samples), TRAIN_SALT, np)
    features = x.shape[1] - 1
    low, high = (x[:, 1:].min(axis=0), x[:, 1:].max(axis=0)) if features and len(x) else (None, None)
    classes = os.path.join(folder, "samples")
    os.makedirs(classes)
    for index, row in enumerate(x):
        position = int(row[0])
        pixels = [(position >> (8 * byte)) & 0xFF for byte in range(POSITION_BYTES)]
        for feature in range(features):
            span = (high[feature] - low[feature]) or 1.0
            pixels.append(round(255 * (row[1 + feature] - low[feature]) / span))
        image = np.asarray(pixels, dtype="uint8").reshape(1, len(pixels), 1)
        with open(os.path.join(classes, f"{index:08d}.png"), "wb") as file:
            file.write(tf.io.encode_png(image).numpy())
    width = POSITION_BYTES + features
    # The loader prints "Using N files for training." even with verbose=False: not ours to show.
    with contextlib.redirect_stdout(io.StringIO()):
        training, validating = _load_directory(keras, folder, validation, train.batch_size or 32, width)
    targets = getattr(maker, "target_of_row", None)
    weights = tf.constant([256.0**byte for byte in range(POSITION_BYTES)], "float32")
    lows = tf.constant(low if features else [], "float32")
    spans = tf.constant([((h - lo) or 1.0) for h, lo in zip(high, low, strict=True)] if features else [], "float32")

    def rows(images: Any, labels: Any) -> tuple[Any, Any]:
        pixels = tf.reshape(images, (tf.shape(images)[0], width))
        position = tf.reduce_sum(pixels[:, :POSITION_BYTES] * weights, axis=1, keepdims=True)
        others = lows + pixels[:, POSITION_BYTES:] / 255.0 * spans
        row = tf.concat([position, others], axis=1)
        target = targets(row, tf) if targets is not None else tf.zeros_like(position)
        return row, target

    return training.map(rows), validating.map(rows)


def _load_directory(keras: Any, folder: str, validation: ValidationSplit, batch_size: int, width: int) -> tuple[Any, Any]:
    return keras.utils.image_dataset_from_directory(
        folder,
        validation_split=validation.split,
        subset="both",
        seed=DIRECTORY_SEED,
        batch_size=batch_size,
        image_size=(1, width),
        color_mode="grayscale",
        verbose=False,
    )


# ---------------------------------------------------------------- what was built, in words


def data_words(spec: DataSpec, batch_size: int) -> str:
    """What fit was handed for this data, named as the real object: "a keras.utils.PyDataset of 4 batches"."""
    steps = _pipeline(spec)
    if spec.source == "dataset" and steps is not None:
        return "a tf.data pipeline " + " -> ".join(step_call(step) for step in steps)
    if spec.source == "pydataset":
        if spec.samples is None:
            return "an endless keras.utils.PyDataset"
        batches = pydataset_length(spec.samples, batch_size, spec.drop_remainder)
        return f"a keras.utils.PyDataset of {batches:,} batch{'' if batches == 1 else 'es'}"
    if spec.source == "image_data_generator":
        return f"ImageDataGenerator().flow(shuffle={_flow_shuffle(spec)})"
    if spec.source == "dataset":
        return "a tf.data dataset"
    if spec.source == "generator":
        return "a Python generator"
    return "NumPy arrays"


NEW_SOURCES = ("pydataset", "image_data_generator")


def inputs_words(scenario: Scenario) -> str | None:
    """The real inputs the recorder builds for the scenario's new kinds of input, in words; None for the original three.

    "a keras.utils.PyDataset of 4 batches, validated on a tf.data pipeline batch(8) -> repeat()".
    """
    train, validation = scenario.train, scenario.validation
    new = train.source in NEW_SOURCES or _pipeline(train) is not None
    if isinstance(validation, ValidationSplit):
        split_by = _split_by(validation)
        new = new or split_by != "fit" or isinstance(validation.freq, tuple)
        if split_by == "directory":
            what = (
                f'image_dataset_from_directory(validation_split={validation.split}, subset="both") '
                f"over {train.samples:,} image files"
            )
        elif split_by == "image_data_generator":
            what = f'ImageDataGenerator(validation_split={validation.split}).flow(subset="training" and "validation")'
        else:
            what = f"{data_words(train, pipeline_batch_size(train, scenario))}, split by fit(validation_split={validation.split})"
    else:
        what = data_words(train, pipeline_batch_size(train, scenario))
        if isinstance(validation, ValidationSet):
            new = new or validation.source in NEW_SOURCES or _pipeline(validation) is not None
            new = new or isinstance(validation.freq, tuple)
            if validation.source == "arrays":
                what += ", validated on NumPy arrays"
            else:
                what += f", validated on {data_words(validation, validation_batch_size(validation, scenario))}"
    extras = []
    if getattr(scenario, "initial_epoch", 0):
        extras.append(f"initial_epoch={scenario.initial_epoch}")
    if getattr(scenario, "gradient_accumulation_steps", None):
        extras.append(f"an optimizer with gradient_accumulation_steps={scenario.gradient_accumulation_steps}")
    if not new and not extras:
        return None
    return ", ".join([what, *extras])
