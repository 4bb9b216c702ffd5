"""A per-batch simulation of Keras 3.15.1's fit loop, for checking the planner on small sizes.

This is a line-by-line port of ``EpochIterator._enumerate_iterator``,
``catch_stop_iteration``, the TensorFlow ``train_function`` (steps_per_execution via
optional batches) and ``Trainer.fit`` / ``evaluate``, run over Python iterators of
``(size, first_sample)`` batches. It shares no arithmetic with ``core.keras`` or ``core.data``:
generators are real Python generators peeked as Keras peeks them, so replay and
carry-over happen by themselves.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit

Batch = tuple[int, int]
CUT = 400  # steps after which an epoch or validation run is taken to be endless


class KerasError(Exception):
    pass


class _Adapter:
    def __init__(self, make: Callable[[], Iterator[Batch]], num_batches: int | None):
        self._make = make
        self.num_batches = num_batches

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


def _adapter(spec: DataSpec, batch: int, offset: int = 0) -> _Adapter:
    samples = spec.samples
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
    except KerasError as error:
        return {"outcome": "error", "epochs": [], "error": str(error)}


def _simulate(scenario: Scenario) -> dict[str, Any]:
    train = scenario.train
    validation = scenario.validation
    val_adapter = None
    val_steps, val_freq = None, 1
    train_samples = train.samples
    if isinstance(validation, ValidationSplit):
        if train.source != "arrays":
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
    train_adapter = _adapter(DataSpec(train_samples, train.source, batch, train.drop_remainder, train.repeat), batch)

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
            adapter = _adapter(validation, val_batch)
        assert adapter is not None
        return _EpochIterator(adapter, val_steps, scenario.steps_per_execution)

    if isinstance(validation, ValidationSet):
        val_steps, val_freq = validation.steps, validation.freq
    has_validation = validation is not None
    evaluator: _EpochIterator | None = None
    trainer = _EpochIterator(train_adapter, scenario.steps_per_epoch, scenario.steps_per_execution)
    positions = train.samples is not None and not (train.source == "arrays" and train.shuffle)
    val_positions = not (isinstance(validation, ValidationSet) and validation.samples is None)
    epochs: list[dict[str, Any]] = []
    for epoch in range(scenario.epochs):
        fed: list[Batch] = []
        trainer.warned = False
        if not _loop(trainer, fed):
            return {"outcome": "endless", "endless": {"epoch": epoch + 1, "part": "train"}, "epochs": epochs}
        record = {
            "train": _runs(fed),
            "train_first_sample": fed[0][1] if fed and positions else None,
            "val": None,
            "val_first_sample": None,
            "ran_out": trainer.warned,
            "val_ran_out": False,
        }
        if has_validation and (epoch + 1) % val_freq == 0:
            evaluator = evaluator or make_evaluator()
            evaluator.reset()
            evaluator.warned = False
            val_fed: list[Batch] = []
            if not _loop(evaluator, val_fed):
                return {"outcome": "endless", "endless": {"epoch": epoch + 1, "part": "val"}, "epochs": epochs}
            if evaluator._current_iterator is not None:
                # TensorFlow's prefetch has pulled one batch past the last one used; it is lost.
                next(evaluator._current_iterator, None)
            record["val"] = _runs(val_fed)
            record["val_first_sample"] = val_fed[0][1] if val_fed and val_positions else None
            record["val_ran_out"] = evaluator.warned
        epochs.append(record)
    return {"outcome": "ok", "epochs": epochs}
