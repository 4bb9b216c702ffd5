"""Compare a plan with what Keras really did, and name the first difference.

The plan side is a ``Plan`` (walked lazily, only as far as the other side goes: a plan may
hold 10^12 steps) or plan JSON, whose runs may be compact repeating groups
``[[runs...], count]`` (scenario-format.md, "Plan output"), expanded lazily as well. The
other side is plan-shaped JSON (a conformance record, a simulation) or a recording. A
recording may have been stopped by the recorder part-way (``outcome`` ``"stopped"``,
``stopped`` = ``{"epoch", "part", "steps"}``): it is then compared up to where it stopped,
and the plan must have at least those steps there. A stop is never taken for an endless
epoch: the plan says whether the epoch ends.

Where the plan says an epoch's training batches come in a random order (``train_order``
"random": a shuffled PyDataset or flow, a ``shuffle`` after ``batch``), the recording keeps
the order Keras drew and the sizes are compared as a multiset (a recording cut part-way: its
batches must be among the planned ones). Two refusals match whatever ran before them.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from core.keras.replicas import replica_split
from core.plan import EpochPlan, Plan, Segment

__all__ = ["Comparison", "Difference", "Stopped", "compare", "conformance_record_as_plan", "count_words", "first_difference"]

_EPOCH_FLAGS = ("ran_out", "val_ran_out", "train_first_sample", "val_first_sample", "updates")
# Batch sizes are read from a plan's streams this many at a time (vectorised, bounded memory).
_SIZES_CHUNK = 4096

Runs = Iterator[tuple[int, int]]  # (batch size, how many in a row), lazily
SplitRuns = Iterator[tuple[tuple[int, ...], int]]  # (per-replica sizes of a global batch, how many in a row)


@dataclass(frozen=True)
class Difference:
    epoch: int | None  # counted from 1; None for the outcome
    where: str  # "outcome", "epochs", "train", "val", or a flag's name
    step: int | None  # counted from 1 within the part
    expected: Any
    seen: Any

    def __str__(self) -> str:
        place = "the outcome" if self.epoch is None else f"epoch {self.epoch}"
        if self.step is not None:
            place += f", {self.where} step {self.step:,}"
        elif self.epoch is not None:
            place += f", {self.where}"
        return f"{place}: planned {_words(self.expected)}, Keras did {_words(self.seen)}"


@dataclass(frozen=True)
class Stopped:
    """Where a recording was stopped before Keras ended it: epoch (from 1), part, steps recorded there."""

    epoch: int
    part: str  # "train" | "val"
    steps: int
    planned_steps: int | None  # what the plan has for that part; None when it never ends
    train_steps: int  # the epoch's training steps (all of them when it stopped in validation)

    def words(self) -> str:
        """What was run of the stopped epoch: "2,000 training steps", "10 training steps and 2,000 validation steps"."""
        if self.part == "train":
            return count_words(self.steps, "training step")
        return f"{count_words(self.train_steps, 'training step')} and {count_words(self.steps, 'validation step')}"


@dataclass(frozen=True)
class Comparison:
    difference: Difference | None
    stopped: Stopped | None  # None: the whole fit was seen

    @property
    def matches(self) -> bool:
        return self.difference is None


def first_difference(planned: Plan | dict[str, Any], seen: dict[str, Any]) -> Difference | None:
    """The first place where the plan (a Plan or plan JSON) and what was seen disagree, or None."""
    return compare(planned, seen).difference


def compare(planned: Plan | dict[str, Any], seen: dict[str, Any]) -> Comparison:
    """The plan against a recording or another plan-shaped account, walked no further than needed."""
    want = _PlanSide(planned)
    if seen["outcome"] == "stopped":
        return _compare_stopped(want, seen)
    return Comparison(_compare_whole(want, seen), None)


def _compare_whole(want: _PlanSide, seen: dict[str, Any]) -> Difference | None:
    if want.outcome != seen["outcome"] or (want.outcome == "endless" and want.endless != seen.get("endless")):
        expected, actual = _outcome_words(want.outcome, want.endless), _outcome_words(seen["outcome"], seen.get("endless"))
        return Difference(None, "outcome", None, expected, actual)
    if want.outcome == "error":
        return None  # both refused; the epochs Keras ran before its error are not planned
    seen_epochs = seen["epochs"]
    for index in range(min(want.finished, len(seen_epochs))):
        difference = _compare_epoch(want.number(index), want.epoch(index), _JsonEpoch(seen_epochs[index]), cut=None)
        if difference is not None:
            return difference
    if want.finished != len(seen_epochs):
        return Difference(None, "epochs", None, count_words(want.finished, "epoch"), count_words(len(seen_epochs), "epoch"))
    planned_updates, seen_updates = want.weight_updates, seen.get("weight_updates")
    if planned_updates is not None and planned_updates != seen_updates:
        return Difference(None, "weight_updates", None, planned_updates, seen_updates)
    if "stopped" in seen and want.stopped != seen["stopped"]:
        # tf.keras 2 ends the whole fit when the data runs out: where it did is part of what it did.
        return Difference(None, "stopped", None, _stop_words(want.stopped), _stop_words(seen["stopped"]))
    return None


def _stop_words(stopped: dict[str, Any] | None) -> str:
    return "a fit that runs every epoch" if not stopped else f"a fit that ends in epoch {stopped.get('epoch')}"


def _compare_stopped(want: _PlanSide, seen: dict[str, Any]) -> Comparison:
    """A recording stopped in its K-th epoch: epochs before it compared whole, that one up to the stop.

    ``stopped.epoch`` counts the recording's epochs from 1 (the epochs this fit ran); words and
    the returned Stopped name epochs by Keras' own number (after ``initial_epoch``).
    """
    where = seen["stopped"]
    ran, part, steps = int(where["epoch"]), where["part"], int(where["steps"])
    seen_epochs = seen["epochs"]
    number = want.number(ran - 1)
    if want.outcome == "error":
        expected = _outcome_words(want.outcome, want.endless)
        return Comparison(Difference(None, "outcome", None, expected, f"a fit that was still training at epoch {number}"), None)
    for index in range(ran - 1):
        if index >= want.finished:
            return Comparison(_ended_where_plan_does_not(want, index, _JsonEpoch(seen_epochs[index])), None)
        difference = _compare_epoch(want.number(index), want.epoch(index), _JsonEpoch(seen_epochs[index]), cut=None)
        if difference is not None:
            return Comparison(difference, None)
    if ran - 1 < want.finished:
        planned_epoch: _Epoch | None = want.epoch(ran - 1)
    elif want.outcome == "endless" and want.endless is not None and ran - 1 == want.finished:
        planned_epoch = want.endless_epoch()
        if planned_epoch is None and part != want.endless["part"]:  # plan JSON: only the part is known
            expected = _outcome_words(want.outcome, want.endless)
            return Comparison(Difference(number, part, None, expected, f"a stop in its {_part_words(part)}"), None)
    else:
        return Comparison(Difference(None, "epochs", None, count_words(want.finished, "epoch"), f"an epoch {number}"), None)
    planned_steps = planned_epoch.part_steps(part) if planned_epoch is not None else None
    stopped = Stopped(number, part, steps, planned_steps, _JsonEpoch(seen_epochs[ran - 1]).part_steps("train") or 0)
    if planned_epoch is None:
        return Comparison(None, stopped)
    return Comparison(_compare_epoch(number, planned_epoch, _JsonEpoch(seen_epochs[ran - 1]), cut=part), stopped)


def _ended_where_plan_does_not(want: _PlanSide, index: int, got: _Epoch) -> Difference:
    """Keras finished epoch ``index + 1``, which the plan says never ends (or does not have)."""
    if want.outcome == "endless" and want.endless is not None and index == want.finished:
        part = want.endless["part"]
        steps = got.part_steps(part) or 0
        ended = f"one that ended after {count_words(steps, 'step')}"
        never = "an epoch that never ends" if part == "train" else "a validation that never ends"
        return Difference(want.number(index), part, None, never, ended)
    return Difference(None, "epochs", None, count_words(want.finished, "epoch"), f"an epoch {want.number(index)}")


def _compare_epoch(number: int, want: _Epoch, got: _Epoch, *, cut: str | None) -> Difference | None:
    """Compare one epoch; ``cut``: the part the recording stopped in (compared up to there, later parts not at all)."""
    planned_number, seen_number = want.flag("epoch"), got.flag("epoch")
    if planned_number is not None and seen_number is not None and planned_number != seen_number:
        return Difference(number, "epoch", None, f"epoch {planned_number}", f"epoch {seen_number}")
    for part in ("train", "val"):
        got_runs, want_runs = got.runs(part), want.runs(part)
        if (want_runs is None) != (got_runs is None):
            return Difference(number, part, None, _presence(want_runs), _presence(got_runs))
        same_json = want.raw(part) is not None and want.raw(part) == got.raw(part)  # the same batches, however many
        if part == "train" and want.flag("train_order") == "random" and got_runs is not None and want_runs is not None:
            if not same_json:
                difference = _multiset_difference(number, want_runs, got_runs, seen_was_cut=(part == cut))
                if difference is not None:
                    return difference
        elif want_runs is not None and got_runs is not None and not same_json:
            mismatch = _first_run_mismatch(want_runs, got_runs, seen_was_cut=(part == cut))
            if mismatch is not None:
                step, expected, actual = mismatch
                return Difference(number, part, step, expected, actual)
        if part == cut:
            break  # what came after the stop was never seen
    for flag in _EPOCH_FLAGS:
        if cut is not None and not _flag_seen(flag, cut, got):
            continue
        if want.flag(flag) != got.flag(flag):
            return Difference(number, flag, None, want.flag(flag), got.flag(flag))
    if cut is None and want.flag("train_order") != "random":
        for part in ("train", "val"):
            got_splits = got.splits(part)
            if got_splits is None:
                continue  # the account says nothing of replicas
            mismatch = _first_split_mismatch(want.splits(part), got_splits)
            if mismatch is not None:
                step, expected, actual = mismatch
                return Difference(number, f"{part}_replicas", step, expected, actual)
    return None


def _first_split_mismatch(want: SplitRuns | None, got: SplitRuns) -> tuple[int, str, str] | None:
    """The first global batch whose split across replicas differs (step from 1), lazily; None when none does."""
    if want is None:
        return 1, "no split across replicas", "a split across replicas"
    return _first_run_mismatch(want, got, words=_split_words)


def _split_words(split: tuple[int, ...]) -> str:
    """ "a batch split 8, 8, 8, 8 across the replicas"."""
    return f"a batch split {', '.join(f'{size:,}' for size in split)} across the replicas"


def _flag_seen(flag: str, cut: str, got: _Epoch) -> bool:
    """In a stopped epoch only what happened before the stop can be compared."""
    if flag == "train_first_sample":
        return got.part_steps("train") != 0
    if flag == "val_first_sample":
        return cut == "val" and got.part_steps("val") != 0
    return flag == "ran_out" and cut == "val"  # training ended on its own before validation began


def _multiset_difference(number: int, want: Runs, got: Runs, *, seen_was_cut: bool) -> Difference | None:
    """Batches in a random order: the same sizes as many times each (a cut recording: no more than planned).

    The plan is read only as far as the recording goes (one batch further tells "more planned").
    """
    seen = Counter[int]()
    for size, count in got:
        seen[size] += count
    seen_steps = sum(seen.values())
    planned = Counter[int]()
    planned_steps = 0
    for size, count in want:
        take = min(count, seen_steps + 1 - planned_steps)
        planned[size] += take
        planned_steps += take
        if planned_steps > seen_steps:
            break
    if seen_was_cut:
        extra = seen - planned
        if not extra:
            return None
        return Difference(number, "train", None, _multiset_words(planned), _multiset_words(seen))
    if planned == seen:
        return None
    more = " or more" if planned_steps > seen_steps else ""
    return Difference(number, "train", None, _multiset_words(planned) + more, _multiset_words(seen))


def _multiset_words(sizes: Counter[int]) -> str:
    """ "3 batches of 32 and 1 of 4, in a random order"."""
    parts = [f"{count_words(count, 'batch')} of {size:,}" for size, count in sorted(sizes.items(), reverse=True)]
    if not parts:
        return "no batches"
    return ", ".join(parts) + " in a random order"


def _first_run_mismatch(
    want: Iterator[tuple[Any, int]],
    got: Iterator[tuple[Any, int]],
    *,
    seen_was_cut: bool = False,
    words: Callable[[Any], str] = lambda size: f"a batch of {size:,}",
) -> tuple[int, str, str] | None:
    """Walk two run-length encodings together (of batch sizes, or of splits across replicas); the first step
    (from 1) whose value differs, with each side in ``words``.

    With ``seen_was_cut`` the seen side stopped part-way: a plan that goes on is no difference.
    """
    want_run, got_run = next(want, None), next(got, None)
    want_left = want_run[1] if want_run else 0
    got_left = got_run[1] if got_run else 0
    step = 1
    while want_run is not None and got_run is not None:
        if want_run[0] != got_run[0]:
            return step, words(want_run[0]), words(got_run[0])
        take = min(want_left, got_left)
        step += take
        want_left -= take
        got_left -= take
        if want_left == 0:
            want_run = next(want, None)
            want_left = want_run[1] if want_run else 0
        if got_left == 0:
            got_run = next(got, None)
            got_left = got_run[1] if got_run else 0
    if want_run is not None and not seen_was_cut:
        return step, words(want_run[0]), "no more batches"
    if got_run is not None:
        return step, "no more batches", words(got_run[0])
    return None


# ---------------------------------------------------------------- the two sides


class _Epoch:
    """One epoch as the comparison reads it: lazy runs per part, flags, and its JSON runs when it has them."""

    def runs(self, part: str) -> Runs | None:
        raise NotImplementedError

    def raw(self, part: str) -> list | None:
        return None

    def flag(self, name: str) -> Any:
        raise NotImplementedError

    def part_steps(self, part: str) -> int | None:
        raise NotImplementedError

    def splits(self, part: str) -> SplitRuns | None:
        """Each global batch's per-replica sizes, lazily; None when this account has no replicas."""
        return None


class _JsonEpoch(_Epoch):
    def __init__(self, epoch: dict[str, Any]):
        self.epoch = epoch

    def runs(self, part: str) -> Runs | None:
        value = self.epoch.get(part)
        return None if value is None else _json_runs(value)

    def raw(self, part: str) -> list | None:
        return self.epoch.get(part)

    def flag(self, name: str) -> Any:
        return self.epoch.get(name)

    def part_steps(self, part: str) -> int | None:
        value = self.epoch.get(part)
        return None if value is None else _json_steps(value)

    def splits(self, part: str) -> SplitRuns | None:
        value = self.epoch.get(f"{part}_replicas")
        return None if value is None else _json_split_runs(value)


class _PlanEpoch(_Epoch):
    """An epoch of a Plan; ``endless``: the part that goes on for ever past its segment."""

    def __init__(self, epoch: EpochPlan, endless: str | None = None):
        self.epoch = epoch
        self.endless = endless

    def _segment(self, part: str) -> Segment | None:
        return self.epoch.train if part == "train" else self.epoch.val

    def runs(self, part: str) -> Runs | None:
        segment = self._segment(part)
        if segment is None:
            return None
        return _segment_runs(segment, endless=part == self.endless)

    def flag(self, name: str) -> Any:
        if name == "epoch":
            return getattr(self.epoch, "number", None)
        if name in ("train_order", "updates"):
            return getattr(self.epoch, name, None)
        if name in ("train_first_sample", "val_first_sample"):
            part = name.split("_", 1)[0]
            segment = self._segment(part)
            if segment is None:
                return None
            # A part that never ends has no batch counted in its segment, only where it starts.
            return segment.stream.first_sample(segment.start) if self.endless == part else segment.first_sample
        return getattr(self.epoch, name)

    def part_steps(self, part: str) -> int | None:
        if part == self.endless:
            return None
        segment = self._segment(part)
        return None if segment is None else segment.count

    def splits(self, part: str) -> SplitRuns | None:
        replicas = getattr(self.epoch, "replicas", 1)
        segment = self._segment(part)
        if replicas == 1 or segment is None:
            return None
        return ((replica_split(size, replicas), count) for size, count in _segment_runs(segment))


class _PlanSide:
    """The plan, as a Plan or plan JSON: outcome, finished epochs, and each epoch on demand."""

    def __init__(self, planned: Plan | dict[str, Any]):
        self.planned = planned
        if isinstance(planned, Plan):
            self.outcome = planned.outcome
            endless = planned.outcome == "endless"
            self.endless = {"epoch": planned.endless_epoch, "part": planned.endless_part} if endless else None
            self.finished = len(planned.epochs)  # an EpochSequence: no epoch is built to count them
            self.weight_updates = getattr(planned, "weight_updates", None)
            self.initial_epoch = getattr(planned.scenario, "initial_epoch", 0)
            stopped_epoch = getattr(planned, "stopped_epoch", None)
            self.stopped = None if stopped_epoch is None else {"epoch": stopped_epoch}
        else:
            self.outcome = planned["outcome"]
            self.endless = planned.get("endless") if self.outcome == "endless" else None
            self.finished = len(planned["epochs"])
            self.weight_updates = planned.get("weight_updates")
            numbered = [epoch["epoch"] for epoch in planned["epochs"][:1] if epoch.get("epoch") is not None]
            self.initial_epoch = numbered[0] - 1 if numbered else 0
            self.stopped = planned.get("stopped")

    def number(self, index: int) -> int:
        """Keras' number (from 1, after initial_epoch) of the fit's epoch at this 0-based index."""
        return self.initial_epoch + index + 1

    def epoch(self, index: int) -> _Epoch:
        if isinstance(self.planned, Plan):
            return _PlanEpoch(self.planned.epochs[index])
        return _JsonEpoch(self.planned["epochs"][index])

    def endless_epoch(self) -> _Epoch | None:
        """The epoch that never ends, as far as the plan describes it (plan JSON does not)."""
        planned = self.planned
        if not isinstance(planned, Plan) or planned.endless_from is None:
            return None
        number = self.number(self.finished)
        if planned.endless_part == "train":
            return _PlanEpoch(EpochPlan(train=planned.endless_from, number=number), endless="train")
        assert planned.endless_train is not None
        return _PlanEpoch(EpochPlan(train=planned.endless_train, val=planned.endless_from, number=number), endless="val")


def _segment_runs(segment: Segment, *, endless: bool = False) -> Runs:
    """The segment's batch sizes as runs, read from its stream a chunk at a time (for ever when ``endless``)."""
    offset = 0
    while endless or offset < segment.count:
        take = _SIZES_CHUNK if endless else min(_SIZES_CHUNK, segment.count - offset)
        sizes = segment.stream.sizes(segment.start + offset, take)
        offset += take
        if len(sizes) == 0:
            return
        edges = [0, *(int(i) + 1 for i in (sizes[1:] != sizes[:-1]).nonzero()[0]), len(sizes)]
        for begin, end in itertools.pairwise(edges):
            yield int(sizes[begin]), end - begin


def _json_runs(runs: list) -> Runs:
    """Plan JSON runs, with compact groups ``[[runs...], count]`` expanded one repeat at a time."""
    for run in runs:
        if isinstance(run[0], list):
            for _ in range(int(run[1])):
                yield from _json_runs(run[0])
        elif run[1]:
            yield int(run[0]), int(run[1])


def _json_split_runs(runs: list) -> SplitRuns:
    """Per-replica runs ``[[sizes...], count]``, with repeating groups ``[[runs...], count]`` expanded lazily."""
    for run in runs:
        if run[0] and isinstance(run[0][0], list):
            for _ in range(int(run[1])):
                yield from _json_split_runs(run[0])
        elif run[1]:
            yield tuple(int(size) for size in run[0]), int(run[1])


def _json_steps(runs: list) -> int:
    """Steps in plan JSON runs, in the size of the JSON (groups multiply, never expand)."""
    return sum(_json_steps(run[0]) * int(run[1]) if isinstance(run[0], list) else int(run[1]) for run in runs)


def _presence(part: Any) -> str:
    return "no validation" if part is None else "a validation run"


def _part_words(part: str) -> str:
    return "validation" if part == "val" else "epoch"


def _outcome_words(outcome: str, endless: dict[str, Any] | None) -> str:
    if outcome == "endless":
        endless = endless or {}
        return f"an endless {_part_words(endless.get('part', 'train'))} at epoch {endless.get('epoch')}"
    if outcome == "error":
        return "an error"
    if outcome == "stopped":
        return "a fit that was stopped part-way"
    return "a fit that returns"


def count_words(number: int, noun: str) -> str:
    """ "1 epoch", "2 epochs", "4,000 training steps", "2 batches": a number with its noun, plural when it is not 1."""
    plural = noun + ("es" if noun.endswith("batch") else "s")
    return f"{number:,} {noun if number == 1 else plural}"


def _words(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "none"
    return str(value)


def conformance_record_as_plan(keras_record: dict[str, Any]) -> dict[str, Any]:
    """shared/conformance's record shape -> the plan JSON shape (endless epochs cut, outcome named)."""
    outcome = keras_record["outcome"]
    epochs = keras_record["epochs"]
    if outcome in ("endless_train", "endless_val"):
        return {
            "outcome": "endless",
            # Keras' own number for the epoch (initial_epoch shifts it); older records lack it.
            "endless": {"epoch": epochs[-1].get("epoch", len(epochs)), "part": outcome.split("_", 1)[1]},
            "epochs": epochs[:-1],
        }
    converted = {"outcome": outcome, "epochs": epochs if outcome != "error" else []}
    if outcome != "error" and "stopped" in keras_record:
        converted["stopped"] = keras_record["stopped"]  # where tf.keras 2 ended the fit (null: it did not)
    return converted
