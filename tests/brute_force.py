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
what holds, except through MirroredStrategy's distributed dataset), a PyDataset is a list of
batches read in order, and gradient accumulation counts the batches one by one.
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


def _adapter(spec: DataSpec, batch: int, offset: int = 0, positions: bool = True, asserts_checked: bool = True) -> _Adapter:
    samples = spec.samples
    if spec.pipeline is not None:
        return _pipeline_adapter(spec, asserts_checked)
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


def _pipeline_adapter(spec: DataSpec, asserts_checked: bool) -> _Adapter:
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
        make, cardinality, batched = _step(step, make, cardinality, batched, asserts_checked)
        if step.op in ("batch", "unbatch", "rebatch"):
            order_random = False
        elif step.op == "shuffle" and batched:
            order_random = True

    def batches() -> Iterator[Batch]:
        for batch in make():
            yield (len(batch), batch[0])

    return _Adapter(batches, cardinality if cardinality >= 0 else None, order_random)


def _step(
    step: Any, make: Callable[[], Iterator[Any]], cardinality: int, batched: bool, asserts_checked: bool = True
) -> tuple[Any, int, bool]:
    """One tf.data step: (a factory of iterators over its output, its cardinality, whether items are batches).

    ``asserts_checked`` False: MirroredStrategy's distributed dataset, where assert_cardinality only sets the length.
    """
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
    if op == "assert_cardinality" and not asserts_checked:
        return make, step.count, batched
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
    """What the simulated Keras does, in plan JSON shape (outcome, endless, epochs).

    The scenario's flavour is honoured: tf.keras 2 runs ``simulate_legacy``; PyTorch refuses
    ``steps_per_execution`` > 1; MirroredStrategy splits each batch and refuses what Keras 3 refuses.
    """
    try:
        _refuse_generators_on_replicas(scenario)
        if getattr(scenario, "keras", "3") == "2":
            return _with_replicas(scenario, simulate_legacy(scenario))
        if getattr(scenario, "backend", "tensorflow") == "torch" and scenario.steps_per_execution > 1:
            raise KerasError("`steps_per_execution` must be 1 with the PyTorch backend.")
        return _with_replicas(scenario, _simulate(scenario))
    except (KerasError, _FailedPrecondition) as error:
        return {"outcome": "error", "epochs": [], "error": str(error)}


def _refuse_generators_on_replicas(scenario: Scenario) -> None:
    validation = scenario.validation
    validates_on_generator = isinstance(validation, ValidationSet) and validation.source == "generator"
    generators = scenario.train.source == "generator" or validates_on_generator
    if getattr(scenario, "replicas", 1) > 1 and generators:
        raise KerasError("a generator under MirroredStrategy loses batches")


def _deal(size: int, replicas: int) -> list[int]:
    """Hand a global batch out as tf.distribute does: full shares of ceil(size / replicas) in replica order."""
    share = -(-size // replicas)
    shares = []
    left = size
    for _ in range(replicas):
        shares.append(min(share, left))
        left -= shares[-1]
    return shares


def _with_replicas(scenario: Scenario, result: dict[str, Any]) -> dict[str, Any]:
    """Each epoch's per-replica lists (Keras 3's refusal of an uneven batch is ``_read_to_build``'s)."""
    replicas = getattr(scenario, "replicas", 1)
    if replicas == 1 or result["outcome"] == "error":
        return result
    epochs = result["epochs"]
    for epoch in epochs:
        epoch["train_replicas"] = [[_deal(size, replicas), count] for size, count in epoch["train"]]
        epoch["val_replicas"] = None if epoch["val"] is None else [[_deal(size, replicas), count] for size, count in epoch["val"]]
    return result


def _validates(freq: Any, number: int) -> bool:
    return number in freq if isinstance(freq, tuple) else number % freq == 0


def _first(batches: list[Batch], shown: bool) -> int | None:
    if not batches or not shown or batches[0][1] == UNKNOWN_POSITION:
        return None
    return batches[0][1]


def _largest_first(batches: list[Batch]) -> list[list[int]]:
    return _runs(sorted(batches, key=lambda batch: -batch[0]))


def _read_to_build(epoch_iterator: _EpochIterator, replicas: int) -> None:
    """``for _, _, it in iterator: next(it); break`` outside catch_stop_iteration; the batch is reduced over replicas."""
    for iterator in epoch_iterator.enumerate_epoch():
        batch = next(iterator, None)
        if batch is None:
            raise KerasError("StopIteration: no batch to build the model from")
        if batch[0] % replicas:
            raise KerasError("AddN: the batch read to build does not split evenly")
        return


def _simulate(scenario: Scenario) -> dict[str, Any]:
    replicas = getattr(scenario, "replicas", 1)
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
            asserts_checked=replicas == 1,
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
            adapter = _adapter(replace(validation, shuffle=False), val_batch, asserts_checked=replicas == 1)
        assert adapter is not None
        return _EpochIterator(adapter, val_steps, scenario.steps_per_execution)

    if isinstance(validation, ValidationSet):
        val_steps, val_freq = validation.steps, validation.freq
    has_validation = validation is not None
    evaluator: _EpochIterator | None = None
    trainer = _EpochIterator(train_adapter, scenario.steps_per_epoch, scenario.steps_per_execution)
    # fit's _symbolic_build (JAX, PyTorch) or _maybe_symbolic_build (TensorFlow under a strategy), then reset().
    if getattr(scenario, "backend", "tensorflow") != "tensorflow" or replicas > 1:
        _read_to_build(trainer, replicas)
        trainer.reset()
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
                {"outcome": "endless", "endless": {"epoch": epoch + 1, "part": "train"}},
                epochs,
                batches_so_far,
                accumulation,
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
            if replicas > 1:  # evaluate's _maybe_symbolic_build, from where the last run left the iterator
                _read_to_build(evaluator, replicas)
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
                and getattr(scenario, "backend", "tensorflow") == "tensorflow"  # JAX and PyTorch read it directly
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


# ---------------------------------------------------------------- tf.keras 2, literally


class _LegacyHandler:
    """tf_keras.src.engine.data_adapter.DataHandler, line by line, over iterators of (size, first_sample).

    ``make`` gives a fresh iterator over the adapter's dataset (``iter(dataset)``); a Python
    generator's dataset hands back the same generator every time (``from_generator`` calls
    ``lambda: x``), which the caller arranges.
    """

    def __init__(self, make: Callable[[], Iterator[Batch]], size: int | None, recreate: bool, steps: int | None, spx: int):
        self.make = make
        self.recreate = recreate
        self.steps_per_epoch = steps
        self.spx = spx
        self.size = size
        self.inferred = steps if steps is not None else size  # _infer_steps
        self.insufficient = False
        self.current_step = 0
        self.warned = False
        if self.inferred == 0:
            raise KerasError("Expected input data to be non-empty.")
        if spx > 1 and self.inferred is None:
            raise KerasError("Could not infer the size of the data.")

    def enumerate_epochs(self, epochs: int) -> Iterator[Iterator[Batch]]:
        spx = self.spx
        if self.inferred is not None and self.spx > self.inferred:  # _truncate_execution_to_epoch
            self.spx = self.inferred
        try:
            iterator = self.make()
            for _epoch in range(epochs):
                if self.insufficient:
                    break
                if self.recreate:
                    iterator = self.make()
                    steps = self.steps_per_epoch if self.steps_per_epoch is not None else self.size
                    if steps is not None:
                        self.inferred = steps
                yield iterator
        finally:
            self.spx = spx

    def steps(self) -> Iterator[int]:
        """Yields the size of each execution (the real one yields the step; the size is what the call runs)."""
        self.current_step = 0
        while self.inferred is None or self.current_step < self.inferred:
            if self.insufficient:
                break
            if self.spx == 1 or self.inferred is None or self.inferred - self.current_step >= self.spx:
                yield self.spx
                self.current_step += self.spx
            else:
                remaining = self.inferred - self.current_step
                yield remaining
                self.current_step += remaining

    def stopped(self) -> None:
        """catch_stop_iteration's except branch."""
        if self.inferred is None:
            self.inferred = self.current_step
        else:
            self.insufficient = True
            self.warned = True


def _legacy_call(iterator: Iterator[Batch], size: int, fed: list[Batch]) -> None:
    """train_function / test_function: ``size`` batches in one call; running out inside it raises OutOfRange."""
    for _ in range(size):
        batch = next(iterator, None)
        if batch is None:
            raise _Stopped
        fed.append(batch)
        if len(fed) > CUT:
            raise _Endless


class _Endless(Exception):
    pass


def _legacy_data(
    spec: DataSpec, batch: int, epochs: int, steps: int | None, offset: int = 0, hidden: bool = False, checked: bool = True
) -> tuple[Any, ...]:
    """(make, size, recreate, shows positions) for data handed to tf.keras 2 (refusing what its adapters refuse).

    ``hidden``: a loader shuffled the files itself, so no position is shown.
    """
    if spec.source == "arrays":
        assert spec.samples is not None
        one_pass = _pass(spec.samples, batch, False, offset)
        passes = [batch_ for _ in range(epochs) for batch_ in one_pass]  # one dataset of all the epochs' passes
        return (lambda: iter(passes)), len(one_pass), False, not spec.shuffle
    if spec.source == "generator":
        adapter = _adapter(spec, batch, offset)  # peeks like Keras 3: keep only its generator, replayed once
        first = adapter.iterator()
        return (lambda: first), None, False, spec.samples is not None
    adapter = _adapter(spec, batch, offset, positions=not hidden, asserts_checked=checked)
    if spec.source in ("pydataset", "image_data_generator"):  # a keras.utils.Sequence, made anew every epoch
        if spec.samples is None:
            raise KerasError("a Sequence needs a length")
        return adapter.iterator, adapter.num_batches, True, True
    infinite = (spec.samples is None or spec.repeat != "none") and adapter.num_batches != 0
    if spec.pipeline is not None:
        infinite = _pipeline_cardinality(spec) == _INFINITE
    if infinite and steps is None:
        raise KerasError("When providing an infinite dataset, you must specify the number of steps to run")
    recreate = steps is None or adapter.num_batches == steps
    return adapter.iterator, adapter.num_batches, recreate, spec.samples is not None and not hidden


def _pipeline_cardinality(spec: DataSpec) -> int:
    samples = spec.samples
    cardinality = _INFINITE if samples is None else samples
    make: Callable[[], Iterator[Any]] = lambda: iter(())  # noqa: E731
    batched = False
    assert spec.pipeline is not None
    for step in spec.pipeline:
        make, cardinality, batched = _step(step, make, cardinality, batched)
    return cardinality


LEGACY_GENERATOR_BATCHES_LOST = 2  # tf.data's prefetch between validation runs of a shared generator (measured 2 or 3)


def simulate_legacy(scenario: Scenario) -> dict[str, Any]:
    """What tf.keras 2 does, batch by batch, in plan JSON shape (outcome, endless, epochs, stopped)."""
    try:
        return _simulate_legacy(scenario)
    except (KerasError, _FailedPrecondition, StopIteration) as error:
        return {"outcome": "error", "epochs": [], "error": str(error)}


def _simulate_legacy(scenario: Scenario) -> dict[str, Any]:
    train = scenario.train
    validation = scenario.validation
    if scenario.gradient_accumulation_steps is not None:
        raise KerasError("tf.keras 2's optimizers take no gradient_accumulation_steps")
    fit_epochs = max(0, scenario.epochs - scenario.initial_epoch)
    spx = scenario.steps_per_execution
    train_spec = train
    val_spec: DataSpec | None = None
    val_offset = 0
    val_steps: int | None = None
    val_freq: Any = 1
    hidden = False
    validating = 0
    if isinstance(validation, ValidationSplit) and validation.split_by != "fit":
        assert train.samples is not None
        validating = int(validation.split * train.samples)
        if validating == 0:
            raise KerasError("the validation side is empty")
        batch = train.batch_size or 32
        training = train.samples - validating
        val_steps, val_freq = validation.steps, validation.freq
        if validation.split_by == "directory":  # two tf.data datasets of a shuffled file list
            train_spec = DataSpec(training, "dataset", batch, False, "none", train.shuffle)
            val_spec, val_offset, hidden = DataSpec(validating, "dataset", batch), training, True
        else:  # two ImageDataGenerator flows: the first samples validate
            val_shuffle = train.flow_shuffle if validation.flow_shuffle is None else validation.flow_shuffle
            train_flow = train.flow_shuffle
            train_spec = DataSpec(training, "image_data_generator", batch, False, "none", train.shuffle, flow_shuffle=train_flow)
            val_spec = DataSpec(validating, "image_data_generator", batch, False, "none", False, flow_shuffle=val_shuffle)
    elif isinstance(validation, ValidationSplit):
        if train.source != "arrays" or train.pipeline is not None:
            raise KerasError("validation_split needs arrays")
        assert train.samples is not None
        split_at = int(train.samples * (1.0 - validation.split) // 1)
        if split_at in (0, train.samples):
            raise KerasError("split leaves no data")
        train_spec = replace(train, samples=split_at)
        val_count = train.samples - split_at
        val_batch = validation.batch_size or train.batch_size or (-(-val_count // validation.steps) if validation.steps else 32)
        val_spec, val_offset = DataSpec(val_count, "arrays", val_batch, shuffle=False), split_at
        val_steps, val_freq = validation.steps, validation.freq
    elif isinstance(validation, ValidationSet):
        val_spec, val_steps, val_freq = replace(validation, shuffle=False), validation.steps, validation.freq
    steps = scenario.steps_per_epoch
    if train_spec.source == "arrays":
        batch = train_spec.batch_size or (-(-(train_spec.samples or 0) // steps) if steps else 32)
        if batch == 0:
            raise KerasError("division by zero")
    else:
        batch = train_spec.batch_size or 32
    train_offset = validating if isinstance(validation, ValidationSplit) and validation.split_by == "image_data_generator" else 0
    make, size, recreate, positions = _legacy_data(
        train_spec, batch, fit_epochs, steps, train_offset, hidden, scenario.replicas == 1
    )
    handler = _LegacyHandler(make, size, recreate, steps, spx)
    random_order = train_spec.source in ("pydataset", "image_data_generator") and train_spec.shuffle
    evaluator: _LegacyHandler | None = None
    val_shown = True
    logs = False
    epochs: list[dict[str, Any]] = []
    numbers = range(scenario.initial_epoch + 1, scenario.epochs + 1)
    for number, iterator in zip(numbers, handler.enumerate_epochs(fit_epochs), strict=False):  # it may stop early
        fed: list[Batch] = []
        handler.warned = False
        try:
            for call in handler.steps():
                _legacy_call(iterator, call, fed)
                logs = True
        except _Stopped:
            handler.stopped()
        except _Endless:
            return {"outcome": "endless", "endless": {"epoch": number, "part": "train"}, "epochs": epochs}
        if not logs:
            raise KerasError("Unexpected result of `train_function` (Empty logs).")
        record: dict[str, Any] = {
            "epoch": number,
            "train": _largest_first(fed) if random_order else _runs(fed),
            "train_first_sample": _first(fed, positions and train_spec.samples is not None),
            "val": None,
            "val_first_sample": None,
            "ran_out": handler.warned,
            "val_ran_out": False,
        }
        if random_order:
            record["train_order"] = "random"
        if val_spec is not None and _validates(val_freq, number):
            if evaluator is None:  # the cached eval handler, built when validation first runs
                passed = val_spec.batch_size or train.batch_size
                if val_spec.source == "arrays":
                    val_batch = passed or (-(-(val_spec.samples or 0) // val_steps) if val_steps else 32)
                    if val_batch == 0:
                        raise KerasError("division by zero")
                else:
                    val_batch = passed or 32
                val_make, val_size, val_recreate, val_shown = _legacy_data(
                    val_spec, val_batch, 1, val_steps, val_offset, hidden, scenario.replicas == 1
                )
                evaluator = _LegacyHandler(val_make, val_size, val_recreate, val_steps, spx)
            evaluator.warned = False
            val_fed: list[Batch] = []
            for val_iterator in evaluator.enumerate_epochs(1):
                try:
                    for call in evaluator.steps():
                        _legacy_call(val_iterator, call, val_fed)
                except _Stopped:
                    evaluator.stopped()
                except _Endless:
                    ended = {"epoch": number, "part": "val"}
                    return {"outcome": "endless", "endless": ended, "epochs": epochs}
                if val_spec.source == "generator" and not evaluator.warned:
                    for _ in range(LEGACY_GENERATOR_BATCHES_LOST):  # what tf.data prefetched is lost
                        next(val_iterator, None)
            record["val"] = _runs(val_fed)
            record["val_first_sample"] = _first(val_fed, val_shown)
            record["val_ran_out"] = evaluator.warned
        epochs.append(record)
        if handler.insufficient:
            return {"outcome": "ok", "epochs": epochs, "stopped": {"epoch": number}}
    return {"outcome": "ok", "epochs": epochs, "stopped": None}
