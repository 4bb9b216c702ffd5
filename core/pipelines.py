"""The data fit() is given for a scenario: NumPy arrays, a tf.data pipeline, or a hand-written
generator, exactly as scenario-format.md describes them.

Column 0 of every sample's x is its position in the data, so whoever watches the batches
(the recorder, the demo) can name each batch's first sample. A SampleMaker decides what else
a sample holds. NumPy and TensorFlow are passed in: importing this module loads neither.
"""

from __future__ import annotations

from typing import Any, Protocol

from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit

TRAIN_SALT, VALIDATION_SALT = 0.0, 0.5


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
    """What the pipeline batches by: its own batch size, else the training one, else 32."""
    return spec.batch_size or scenario.train.batch_size or 32


def build_data(spec: DataSpec, batch_size: int, maker: SampleMaker, salt: float, np: Any, tf: Any) -> Any:
    """The object handed to fit for a dataset or generator source."""
    if spec.source == "dataset":
        if spec.samples is None:
            stream = tf.data.Dataset.counter().map(lambda i: maker.tensors(i, salt, tf))
            return stream.batch(batch_size, drop_remainder=spec.drop_remainder)
        dataset = tf.data.Dataset.from_tensor_slices(maker.arrays(np.arange(spec.samples), salt, np))
        if spec.repeat == "before_batch":
            return dataset.repeat().batch(batch_size, drop_remainder=spec.drop_remainder)
        dataset = dataset.batch(batch_size, drop_remainder=spec.drop_remainder)
        return dataset.repeat() if spec.repeat == "after_batch" else dataset
    return _generator(spec, batch_size, maker, salt, np)


def _generator(spec: DataSpec, batch_size: int, maker: SampleMaker, salt: float, np: Any) -> Any:
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


def fit_arguments(scenario: Scenario, maker: SampleMaker, np: Any, tf: Any) -> dict[str, Any]:
    """Keyword arguments for model.fit (data, batch sizes, validation), epochs aside."""
    train = scenario.train
    kwargs: dict[str, Any] = {"batch_size": train.batch_size, "shuffle": train.shuffle}
    if train.source == "arrays":
        assert train.samples is not None
        kwargs["x"], kwargs["y"] = maker.arrays(np.arange(train.samples), TRAIN_SALT, np)
    else:
        kwargs["x"] = build_data(train, pipeline_batch_size(train, scenario), maker, TRAIN_SALT, np, tf)
    validation = scenario.validation
    if isinstance(validation, ValidationSplit):
        kwargs.update(
            validation_split=validation.split,
            validation_batch_size=validation.batch_size,
            validation_steps=validation.steps,
            validation_freq=validation.freq,
        )
    elif isinstance(validation, ValidationSet):
        if validation.source == "arrays":
            assert validation.samples is not None
            kwargs["validation_data"] = maker.arrays(np.arange(validation.samples), VALIDATION_SALT, np)
        else:
            batch = pipeline_batch_size(validation, scenario)
            kwargs["validation_data"] = build_data(validation, batch, maker, VALIDATION_SALT, np, tf)
        kwargs.update(
            validation_batch_size=validation.batch_size,
            validation_steps=validation.steps,
            validation_freq=validation.freq,
        )
    return kwargs
