"""A per-batch simulation of Keras 3.15.1's fit loop, for checking the planner on small sizes.

This is a line-by-line port of ``EpochIterator._enumerate_iterator``,
``catch_stop_iteration``, the TensorFlow ``train_function`` (steps_per_execution via
optional batches) and ``Trainer.fit`` / ``evaluate``, run over Python iterators of
``(size, first_sample)`` batches. It shares no arithmetic with ``core.keras`` or ``core.data``:
generators are real Python generators peeked as Keras peeks them, so replay and
carry-over happen by themselves.

A ``tf.data`` pipeline is run literally: every step is a Python generator over the list of
sample positions (``filter`` enumerates its input afresh each time it is read, ``shuffle``
fills its buffer before handing anything on, ``assert_cardinality`` raises when read past
what holds), a PyDataset is a list of batches read in order, and gradient accumulation
counts the batches one by one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit

Batch = tuple[int, int]
CUT = 400  # steps after which an epoch or validation run is taken to be endless


class KerasError(Exception):
    pass


class _FailedPrecondition(Exception):
    """tf.data's error when an assert_cardinality does not hold."""


# A shuffle forgets positions; its order is kept (the planner knows sizes and counts, not the order).
UNKNOWN_POSITION = -1


class _Adapter:
    def __init__(self, make: Callable[[], Iterator[Batch]], num_batches: int | None, order_random: bool = False):
        self._make = make
        self.num_batches = num_batches
        self.order_random = order_random

    def iterator(self) -> Iterator[Batch]:
        return self._make()


def _pass(samples: int, batch: int, drop: bool, offset: int = 0) -> list[Batch]:
    batches = []
    for start in range(0, samples, batch):
        size = min(batch, samples - start)
        if size < batch and drop:
            break
        batches.append((size, offset + start))
    return batches


def _adapter(spec: DataSpec, batch: int, offset: int = 0, positions: bool = True) -> _Adapter:
    samples = spec.samples
    if spec.pipeline is not None:
        return _pipeline_adapter(spec)
    if spec.source in ("pydataset", "image_data_generator"):
        return _pydataset_adapter(spec, batch, offset, positions)
    if samples is None:

        def stream() -> Iterator[Batch]:
            while True:
                yield (batch, -1)

        return _Adapter(stream, None) if spec.source == "dataset" else _generator_adapter(stream())
    one_pass = _pass(samples, batch, spec.drop_remainder and spec.source != "arrays", offset)

    def looping() -> Iterator[Batch]:
        while one_pass:
            yield from one_pass

    def cycling() -> Iterator[Batch]:
        position = 0
        while samples:
            yield (batch, offset + position)
            position = (position + batch) % samples

    if spec.source == "arrays":
        return _Adapter(lambda: iter(one_pass), len(one_pass))
    if spec.source == "dataset":
        if spec.repeat == "none":
            return _Adapter(lambda: iter(one_pass), len(one_pass))
        make = looping if spec.repeat == "after_batch" else cycling
        empty = not one_pass if spec.repeat == "after_batch" else not samples
        return _Adapter(make, 0 if empty else None)
    generator = {"none": lambda: iter(one_pass), "after_batch": looping, "before_batch": cycling}[spec.repeat]()
    return _generator_adapter(generator)


def _pydataset_adapter(spec: DataSpec, batch: int, offset: int, positions: bool) -> _Adapter:
    """A PyDataset: batch i holds samples [i*B, (i+1)*B); one pass per iterator (its order drawn anew when shuffled)."""
    if spec.samples is None:

        def endless() -> Iterator[Batch]:
            while True:
                yield (batch, UNKNOWN_POSITION)

        return _Adapter(endless, None)
    one_pass = _pass(spec.samples, batch, spec.drop_remainder, offset)
    if not one_pass:
        raise KerasError("The PyDataset has length 0")
    hidden = spec.shuffle or (spec.source == "image_data_generator" and spec.flow_shuffle) or not positions
    shown = [(size, UNKNOWN_POSITION if hidden else first) for size, first in one_pass]
    return _Adapter(lambda: iter(shown), len(shown), order_random=spec.shuffle)


# ---------------------------------------------------------------- tf.data, literally

# tf.data's cardinality() constants.
_INFINITE, _UNKNOWN = -1, -2


def _pipeline_adapter(spec: DataSpec) -> _Adapter:
    """A tf.data pipeline: a factory of fresh iterators (elements are sample positions, batches lists of them)."""
    samples = spec.samples
    if samples is None:
        make: Callable[[], Iterator[Any]] = lambda: (UNKNOWN_POSITION for _ in itertools.count())  # noqa: E731
        cardinality = _INFINITE
    else:
        make, cardinality = (lambda: iter(range(samples))), samples
    batched = order_random = False
    assert spec.pipeline is not None
    for step in spec.pipeline:
        make, cardinality, batched = _step(step, make, cardinality, batched)
        if step.op in ("batch", "unbatch", "rebatch"):
            order_random = False
        elif step.op == "shuffle" and batched:
            order_random = True

    def batches() -> Iterator[Batch]:
        for batch in make():
            yield (len(batch), batch[0])

    return _Adapter(batches, cardinality if cardinality >= 0 else None, order_random)


def _step(step: Any, make: Callable[[], Iterator[Any]], cardinality: int, batched: bool) -> tuple[Any, int, bool]:
    """One tf.data step: (a factory of iterators over its output, its cardinality, whether items are batches)."""
    op = step.op
    known = cardinality >= 0
    if op == "batch" or op == "rebatch":
        if batched and op == "batch":
            raise KerasError("a batch of batches")
        flat = _unbatched(make) if op == "rebatch" and batched else make

        def batch_of() -> Iterator[Any]:
            group: list[Any] = []
            for element in flat():
                group.append(element)
                if len(group) == step.size:
                    yield group
                    group = []
            if group and not step.drop_remainder:
                yield group

        if op == "rebatch":
            cardinality = _UNKNOWN
        elif known:
            cardinality = cardinality // step.size if step.drop_remainder else -(-cardinality // step.size)
        return batch_of, cardinality, True
    if op == "unbatch":
        return (_unbatched(make) if batched else make), _UNKNOWN, False
    if op == "repeat":

        def repeated() -> Iterator[Any]:
            passes = 0
            while step.count is None or passes < step.count:
                empty = True
                for item in make():
                    empty = False
                    yield item
                passes += 1
                if empty:
                    return

        if step.count == 0:
            cardinality = 0
        elif known and step.count is None:
            cardinality = _INFINITE if cardinality else 0
        elif known:
            cardinality *= step.count
        return repeated, cardinality, batched
    if op == "take":
        if cardinality == _INFINITE or known:
            cardinality = step.count if cardinality == _INFINITE else min(cardinality, step.count)
        return (lambda: itertools.islice(make(), step.count)), cardinality, batched
    if op == "skip":
        return (
            (lambda: itertools.islice(make(), step.count, None)),
            (max(0, cardinality - step.count) if known else cardinality),
            batched,
        )
    if op == "shard":
        if known:
            cardinality = len(range(step.index, cardinality, step.num_shards))
        return (
            (lambda: (item for number, item in enumerate(make()) if number % step.num_shards == step.index)),
            cardinality,
            batched,
        )
    if op == "filter":
        return (lambda: (item for number, item in enumerate(make()) if number % step.keep_every == 0)), _UNKNOWN, batched
    if op == "shuffle":
        return _shuffled(make, step.buffer_size, batched), cardinality, batched
    if op == "assert_cardinality":

        def asserted() -> Iterator[Any]:
            seen = 0
            for item in make():
                if seen == step.count:
                    raise _FailedPrecondition(f"expected {step.count} elements but contained at least {step.count + 1}")
                seen += 1
                yield item
            if seen < step.count:
                raise _FailedPrecondition(f"expected {step.count} elements but contained only {seen}")

        return asserted, step.count, batched
    return make, cardinality, batched  # cache, prefetch, map


def _unbatched(make: Callable[[], Iterator[Any]]) -> Callable[[], Iterator[Any]]:
    def unbatched() -> Iterator[Any]:
        for batch in make():
            yield from batch

    return unbatched


def _shuffled(make: Callable[[], Iterator[Any]], buffer_size: int, batched: bool) -> Callable[[], Iterator[Any]]:
    """The buffer fills before the first item comes out; positions (or, for batches, their order) are forgotten."""

    def forget(item: Any) -> Any:
        return [UNKNOWN_POSITION] * len(item) if batched else UNKNOWN_POSITION

    def shuffled() -> Iterator[Any]:
        source = make()
        buffer = list(itertools.islice(source, buffer_size))
        while buffer:
            yield forget(buffer.pop(0))
            buffer.extend(itertools.islice(source, 1))

    return shuffled


def _generator_adapter(generator: Iterator[Batch]) -> _Adapter:
    peeked = list(itertools.islice(generator, 2))
    if not peeked:
        raise KerasError("the generator must yield at least one batch")
    return _Adapter(lambda: itertools.chain(peeked, generator), None)


class _EpochIterator:
    def __init__(self, adapter: _Adapter, steps_per_epoch: int | None, steps_per_execution: int):
        self.adapter = adapter
        self.steps_per_epoch = steps_per_epoch
        self.steps_per_execution = steps_per_execution
        self.warned = False
        self.reset()

    def reset(self) -> None:
        self._current_iterator: Iterator[Batch] | None = None
        self._num_batches = self.adapter.num_batches
        self._steps_seen = 0

    def _warn(self) -> None:
        self.warned = True

    def enumerate_epoch(self) -> Iterator[Iterator[Batch]]:
        steps_per_epoch = self.steps_per_epoch or self._num_batches or -1
        if steps_per_epoch > 0:
            if self._current_iterator is None or self.steps_per_epoch is None:
                self._current_iterator = self.adapter.iterator()
                self._steps_seen = 0
            for _step in range(0, steps_per_epoch, self.steps_per_execution):
                if self._num_batches and self._steps_seen >= self._num_batches:
                    if self.steps_per_epoch:
                        self._warn()
                    break
                self._steps_seen += self.steps_per_execution
                yield self._current_iterator
            if self._num_batches and self._steps_seen >= self._num_batches:
                self._current_iterator = self.adapter.iterator()
                self._steps_seen = 0
        else:
            iterator = self.adapter.iterator()
            step = -self.steps_per_execution
            while True:
                step += self.steps_per_execution
                self._steps_seen = step + self.steps_per_execution
                yield iterator

    def stopped(self) -> None:
        """catch_stop_iteration's except branch."""
        if self._num_batches is None:
            self._num_batches = self._steps_seen
        self._warn()
        self._current_iterator = None


class _Stopped(Exception):
    pass


def _execute(iterator: Iterator[Batch], steps_per_execution: int, fed: list[Batch]) -> None:
    """train_function: up to steps_per_execution batches; none at all raises."""
    taken = 0
    for batch in itertools.islice(iterator, steps_per_execution):
        fed.append(batch)
        taken += 1
    if taken == 0:
        raise _Stopped


def _loop(epoch_iterator: _EpochIterator, fed: list[Batch]) -> bool:
    """One epoch (or evaluate) loop; False if it had to be cut as endless."""
    try:
        for iterator in epoch_iterator.enumerate_epoch():
            _execute(iterator, epoch_iterator.steps_per_execution, fed)
            if len(fed) > CUT:
                return False
    except _Stopped:
        epoch_iterator.stopped()
    return True


def _runs(batches: list[Batch]) -> list[list[int]]:
    runs: list[list[int]] = []
    for size, _ in batches:
        if runs and runs[-1][0] == size:
            runs[-1][1] += 1
        else:
            runs.append([size, 1])
    return runs


def simulate(scenario: Scenario) -> dict[str, Any]:
    """What the simulated Keras does, in plan JSON shape (outcome, endless, epochs)."""
    try:
        return _simulate(scenario)
    except (KerasError, _FailedPrecondition) as error:
        return {"outcome": "error", "epochs": [], "error": str(error)}


def _validates(freq: Any, number: int) -> bool:
    return number in freq if isinstance(freq, tuple) else number % freq == 0


def _first(batches: list[Batch], shown: bool) -> int | None:
    if not batches or not shown or batches[0][1] == UNKNOWN_POSITION:
        return None
    return batches[0][1]


def _largest_first(batches: list[Batch]) -> list[list[int]]:
    return _runs(sorted(batches, key=lambda batch: -batch[0]))


def _simulate(scenario: Scenario) -> dict[str, Any]:
    train = scenario.train
    validation = scenario.validation
    val_adapter = None
    val_steps: int | None = None
    val_freq: Any = 1
    train_samples = train.samples
    train_adapter = None
    if isinstance(validation, ValidationSplit) and validation.split_by != "fit":
        assert train.samples is not None
        validating = int(validation.split * train.samples)
        if validating == 0:
            raise KerasError("the validation side is empty")
        batch = train.batch_size or 32
        training = train.samples - validating
        if validation.split_by == "directory":
            train_adapter = _adapter(DataSpec(training, "dataset", batch), batch, positions=False)
            train_adapter = _Adapter(
                lambda: ((size, UNKNOWN_POSITION) for size, _ in _pass(training, batch, False)), train_adapter.num_batches
            )
            val_adapter = _Adapter(
                lambda: ((size, UNKNOWN_POSITION) for size, _ in _pass(validating, batch, False)), -(-validating // batch)
            )
        else:
            val_shuffle = train.flow_shuffle if validation.flow_shuffle is None else validation.flow_shuffle
            train_adapter = _pydataset_adapter(
                DataSpec(training, "image_data_generator", batch, False, "none", train.shuffle, flow_shuffle=train.flow_shuffle),
                batch,
                validating,
                True,
            )
            val_adapter = _pydataset_adapter(
                DataSpec(validating, "image_data_generator", batch, False, "none", False, flow_shuffle=val_shuffle),
                batch,
                0,
                True,
            )
        train_samples = training
        val_steps, val_freq = validation.steps, validation.freq
    elif isinstance(validation, ValidationSplit):
        if train.source != "arrays" or train.pipeline is not None:
            raise KerasError("validation_split needs arrays")
        assert train.samples is not None
        split_at = int(train.samples * (1.0 - validation.split) // 1)
        if split_at in (0, train.samples):
            raise KerasError("split leaves no data")
        train_samples = split_at
        val_count = train.samples - split_at
        val_batch = validation.batch_size or train.batch_size or (-(-val_count // validation.steps) if validation.steps else 32)
        val_adapter = _adapter(DataSpec(val_count, "arrays", val_batch, shuffle=False), val_batch, offset=split_at)
        val_steps, val_freq = validation.steps, validation.freq
    if train.source == "arrays":
        steps = scenario.steps_per_epoch
        batch = train.batch_size or (-(-(train_samples or 0) // steps) if steps else 32)
        if batch == 0:
            raise KerasError("division by zero")
    else:
        batch = train.batch_size or 32
    if train_adapter is None:
        train_adapter = _adapter(
            DataSpec(
                train_samples,
                train.source,
                batch,
                train.drop_remainder,
                train.repeat,
                train.shuffle,
                flow_shuffle=train.flow_shuffle,
                pipeline=train.pipeline,
            ),
            batch,
        )

    def make_evaluator() -> _EpochIterator:
        adapter = val_adapter
        if isinstance(validation, ValidationSet):  # built lazily, as fit() does
            passed = validation.batch_size or train.batch_size
            if validation.source == "arrays":
                val_batch = passed or (-(-(validation.samples or 0) // validation.steps) if validation.steps else 32)
                if val_batch == 0:
                    raise KerasError("division by zero")
            else:
                val_batch = passed or 32
            adapter = _adapter(replace(validation, shuffle=False), val_batch)
        assert adapter is not None
        return _EpochIterator(adapter, val_steps, scenario.steps_per_execution)

    if isinstance(validation, ValidationSet):
        val_steps, val_freq = validation.steps, validation.freq
    has_validation = validation is not None
    evaluator: _EpochIterator | None = None
    trainer = _EpochIterator(train_adapter, scenario.steps_per_epoch, scenario.steps_per_execution)
    positions = train.samples is not None and not (train.source == "arrays" and train.shuffle)
    val_positions = not (isinstance(validation, ValidationSet) and validation.samples is None)
    accumulation = scenario.gradient_accumulation_steps
    batches_so_far = 0
    epochs: list[dict[str, Any]] = []
    for epoch in range(scenario.initial_epoch, scenario.epochs):
        fed: list[Batch] = []
        trainer.warned = False
        if not _loop(trainer, fed):
            return _result(
                {"outcome": "endless", "endless": {"epoch": epoch + 1, "part": "train"}}, epochs, batches_so_far, accumulation
            )
        record: dict[str, Any] = {
            "epoch": epoch + 1,
            "train": _largest_first(fed) if train_adapter.order_random else _runs(fed),
            "train_first_sample": _first(fed, positions),
            "val": None,
            "val_first_sample": None,
            "ran_out": trainer.warned,
            "val_ran_out": False,
        }
        if train_adapter.order_random:
            record["train_order"] = "random"
        if accumulation is not None:
            record["updates"] = sum(
                1 for count in range(batches_so_far, batches_so_far + len(fed)) if (count + 1) % accumulation == 0
            )
        batches_so_far += len(fed)
        if has_validation and _validates(val_freq, epoch + 1):
            evaluator = evaluator or make_evaluator()
            evaluator.reset()
            evaluator.warned = False
            val_fed: list[Batch] = []
            if not _loop(evaluator, val_fed):
                ended = {"outcome": "endless", "endless": {"epoch": epoch + 1, "part": "val"}}
                return _result(ended, epochs, batches_so_far - len(fed), accumulation)
            if (
                evaluator._current_iterator is not None
                and isinstance(validation, ValidationSet)
                and validation.source == "generator"
            ):
                # TensorFlow's prefetch has pulled one batch past the last one used; it is lost.
                next(evaluator._current_iterator, None)
            record["val"] = _runs(val_fed)
            record["val_first_sample"] = _first(val_fed, val_positions)
            record["val_ran_out"] = evaluator.warned
        epochs.append(record)
    return _result({"outcome": "ok"}, epochs, batches_so_far, accumulation)


def _result(head: dict[str, Any], epochs: list[dict[str, Any]], batches: int, accumulation: int | None) -> dict[str, Any]:
    """The plan-shaped result; weight updates count the batches of the epochs that finished."""
    result = {**head, "epochs": epochs}
    if accumulation is not None:
        result["weight_updates"] = batches // accumulation
    return result
