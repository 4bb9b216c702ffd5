"""The plan: what the installed Keras does with a scenario, epoch by epoch.

Immutable. Every view renders one Plan; nothing recomputes what it says.
Batches are held as segments of a stream (closed form), never one object per batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from core.data.streams import Stream, expand_runs
from core.keras.replicas import replica_split
from core.scenario import Scenario

__all__ = ["EpochPlan", "Plan", "PlanWarning", "Segment", "Totals", "expand_runs", "replica_runs", "write_json"]


@dataclass(frozen=True)
class Segment:
    """Consecutive batches ``[start, start + count)`` of one iterator's stream."""

    stream: Stream
    start: int
    count: int

    @property
    def samples(self) -> int:
        return self.stream.samples_in(self.start, self.count)

    @property
    def short_batches(self) -> int:
        return self.stream.short_batches_in(self.start, self.count)

    def runs(self, limit: int | None = None) -> list[list[int]]:
        """Run-length encoded sizes; with ``limit``, the first ``limit`` runs (more may follow).

        Without ``limit`` this is as long as the batches' sizes change (two runs a pass
        for a looping pass with a short batch): views pass a limit, the JSON uses compact_runs.
        """
        runs = self.stream.runs(self.start, self.count, limit)
        return runs if limit is None else runs[:limit]

    def compact_runs(self) -> list[list]:
        """The sizes as plan JSON runs: repeating passes are one group ``[[runs...], count]``; O(1)."""
        return self.stream.compact_runs(self.start, self.count)

    def largest_first(self) -> list[list[int]]:
        """The sizes as a multiset, ``[size, count]`` largest size first (batches in a random order)."""
        if self.count == 0:
            return []
        counts = self.stream.histogram(self.start, self.count)  # type: ignore[union-attr]
        return [[size, counts[size]] for size in sorted(counts, reverse=True) if counts[size]]

    @property
    def first_sample(self) -> int | None:
        return self.stream.first_sample(self.start) if self.count else None

    def size(self, step: int) -> int:
        return self.stream.size(self.start + step)

    def sample_ranges(self, step: int) -> list[tuple[int, int]]:
        return self.stream.sample_ranges(self.start + step)

    def pass_of(self, step: int) -> int:
        return self.stream.pass_of(self.start + step)


@dataclass(frozen=True)
class EpochPlan:
    """One epoch: the training batches, then the validation run (if any).

    ``number`` is Keras' own epoch number, counted from 1 and from the start of training, not
    of this fit (``initial_epoch + i + 1``: "Epoch 3/5"). ``train_order`` is "random" when the
    training batches come in a new random order every pass (a shuffled PyDataset or
    ImageDataGenerator, a ``shuffle`` after ``batch``): the sizes are then known as a multiset
    only, and the JSON lists them largest first. With gradient accumulation, ``accumulation``
    is G and ``batches_before`` the training batches of the fit before this epoch: the weights
    change after batch c of the fit (counted from 0) when (c + 1) % G == 0, so ``updates`` and
    ``update_steps()`` follow in closed form.
    """

    train: Segment
    ran_out: bool = False
    val: Segment | None = None
    val_ran_out: bool = False
    number: int = 1
    train_order: str = "fixed"  # "fixed" | "random"
    batches_before: int = 0
    accumulation: int | None = None  # gradient_accumulation_steps
    replicas: int = 1  # MirroredStrategy: each global batch is split across this many devices

    @property
    def updates(self) -> int | None:
        """Weight updates during this epoch's training; None without gradient accumulation."""
        if self.accumulation is None:
            return None
        before = self.batches_before
        return (before + self.train.count) // self.accumulation - before // self.accumulation

    def update_steps(self) -> range:
        """The 0-based training steps of this epoch whose batch ends with a weight update (a range: O(1))."""
        if self.accumulation is None:
            return range(0)
        first = (self.accumulation - 1 - self.batches_before) % self.accumulation
        return range(first, self.train.count, self.accumulation)

    @property
    def starts_fresh(self) -> bool:
        """The epoch's first batch is the data's first: a new iterator, not a continuation."""
        return self.train.start == 0

    @property
    def steps(self) -> int:
        return self.train.count

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "epoch": self.number,
            "train": self.train.compact_runs() if self.train_order != "random" else self.train.largest_first(),
            "train_first_sample": self.train.first_sample,
            "val": self.val.compact_runs() if self.val is not None else None,
            "val_first_sample": self.val.first_sample if self.val is not None else None,
            "ran_out": self.ran_out,
            "val_ran_out": self.val_ran_out,
        }
        if self.train_order == "random":
            out["train_order"] = "random"
        if self.accumulation is not None:
            out["updates"] = self.updates
        if self.replicas > 1:
            out["train_replicas"] = replica_runs(out["train"], self.replicas)
            out["val_replicas"] = None if out["val"] is None else replica_runs(out["val"], self.replicas)
        return out


def replica_runs(runs: list, replicas: int) -> list:
    """Plan JSON runs of global batch sizes as runs of per-replica sizes: ``[[32, 3]]`` -> ``[[[8, 8, 8, 8], 3]]``.

    A repeating group ``[[runs...], count]`` stays a group, so the list is as long as the runs.
    """
    out: list = []
    for run in runs:
        if isinstance(run[0], list):
            out.append([replica_runs(run[0], replicas), run[1]])
        else:
            out.append([list(replica_split(run[0], replicas)), run[1]])
    return out


@dataclass(frozen=True)
class PlanWarning:
    code: str
    text: str
    fix: str = ""
    epoch: int | None = None  # counted from 1, None when it concerns the whole run

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "epoch": self.epoch, "text": self.text}
        if self.fix:
            out["fix"] = self.fix
        return out


@dataclass(frozen=True)
class Totals:
    steps: int  # training batches over all epochs that finish
    samples_seen: int  # training samples those batches hold
    passes: float | None  # samples_seen / training samples; None without a length
    samples_never_seen: int | None  # training samples no batch ever held
    validation_steps: int


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    outcome: str  # "ok" | "endless" | "error"
    epochs: Sequence[EpochPlan] = ()  # core.keras.epochs.EpochSequence: computed on demand
    warnings: tuple[PlanWarning, ...] = ()
    totals: Totals = field(default_factory=lambda: Totals(0, 0, None, None, 0))
    keras_version: str = ""
    error: str | None = None
    endless_epoch: int | None = None  # counted from 1
    endless_part: str | None = None  # "train" | "val"
    # The batches of the endless epoch before it goes on forever (train part when
    # validation is endless); lets a view draw the epoch that never ends.
    endless_train: Segment | None = None
    # Where the part that never ends starts (its stream and first batch; count 0).
    endless_from: Segment | None = None
    train_samples: int | None = None  # after validation_split
    train_batch_size: int | None = None  # the batch size Keras actually uses
    # Weight updates over the epochs that finish, with gradient_accumulation_steps; None without it.
    weight_updates: int | None = None
    # Keras does not know how many batches a pass holds, though the pass ends (a filter, an unbatch,
    # a generator): it learns the length on running out, and every such epoch warns that it ran out.
    train_length_unknown: bool = False
    val_length_unknown: bool = False
    # tf.keras 2 ended the whole fit in this epoch (absolute, from 1) because the data ran out; None: it did not.
    stopped_epoch: int | None = None
    replicas: int = 1  # MirroredStrategy over this many devices; 1: no strategy

    def to_json(self) -> dict[str, Any]:
        out = self._json_head()
        out["epochs"] = [epoch.to_json() for epoch in self.epochs]
        out["warnings"] = [warning.to_json() for warning in self.warnings]
        return self._json_tail(out)

    def _json_head(self) -> dict[str, Any]:
        head: dict[str, Any] = {"outcome": self.outcome, "keras": self.keras_version}
        if self.weight_updates is not None:
            head["weight_updates"] = self.weight_updates
        return head

    def _json_tail(self, out: dict[str, Any]) -> dict[str, Any]:
        if self.outcome == "endless":
            out["endless"] = {"epoch": self.endless_epoch, "part": self.endless_part}
        if self.outcome == "error":
            out["error"] = self.error
        if getattr(self.scenario, "keras", "3") == "2":
            out["stopped"] = None if self.stopped_epoch is None else {"epoch": self.stopped_epoch}
        return out

    def json_chunks(self) -> Iterator[str]:
        """The plan JSON laid out for people (one epoch or warning per line), piece by piece.

        Epochs are written one at a time, so memory stays flat however many there are,
        and each line is short: compact runs keep a line's length independent of its batches.
        """
        head = self._json_head()
        yield "{\n" + ",\n".join(f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in head.items())
        if self.epochs:
            yield ',\n  "epochs": [\n'
            for index, epoch in enumerate(self.epochs):
                yield ("" if index == 0 else ",\n") + "    " + json.dumps(epoch.to_json())
            yield "\n  ]"
        else:
            yield ',\n  "epochs": []'
        tail = self._json_tail({"warnings": [warning.to_json() for warning in self.warnings]})
        for key, value in tail.items():
            if key == "warnings" and value:
                items = ",\n".join("    " + json.dumps(item) for item in value)
                yield f',\n  "warnings": [\n{items}\n  ]'
            else:
                yield f",\n  {json.dumps(key)}: {json.dumps(value)}"
        yield "\n}"


def write_json(plans: Sequence[Plan], out: TextIO) -> None:
    """Write one plan's JSON (an array for several), valid JSON laid out for people."""
    if len(plans) != 1:
        out.write("[\n")
    for index, one in enumerate(plans):
        if index:
            out.write(",\n")
        for chunk in one.json_chunks():
            out.write(chunk)
    out.write("\n]\n" if len(plans) != 1 else "\n")
