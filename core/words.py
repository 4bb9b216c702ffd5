"""Numbers and epochs in plain English, shared by the planner's warnings and the summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.scenario import PipelineStep


def epochs_words(numbers: list[int], total: int, step: int | None) -> str:
    """Epoch numbers as people write them: "epoch 2", "epochs 2, 4 and 6", "epochs 2-90".

    ``numbers`` are the first of ``total`` epochs; ``step`` says that all of them are
    ``numbers[0]``, ``numbers[0] + step``, ... (known without listing them).
    """
    first = numbers[0]
    if total == 1:
        return f"epoch {first:,}"
    if step is not None:
        last = first + (total - 1) * step
        if total == 2:
            return f"epochs {first:,} and {last:,}"
        if step == 1:
            return f"epochs {first:,}-{last:,}"
        if total == 3:
            return f"epochs {first:,}, {first + step:,} and {last:,}"
        return f"every {ordinal(step)} epoch from {first:,} to {last:,}"
    if total == len(numbers):
        return "epochs " + and_list(ranges(numbers))
    return f"{total:,} epochs (" + ", ".join(f"{number:,}" for number in numbers[:5]) + ", ...)"


def ranges(numbers: list[int]) -> list[str]:
    """Sorted numbers with runs of three or more consecutive ones written "a-b"."""
    out: list[str] = []
    start = 0
    for index in range(1, len(numbers) + 1):
        if index == len(numbers) or numbers[index] != numbers[index - 1] + 1:
            run = numbers[start:index]
            out += [f"{run[0]:,}-{run[-1]:,}"] if len(run) >= 3 else [f"{number:,}" for number in run]
            start = index
    return out


def and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number:,}{suffix}"


def step_call(step: PipelineStep) -> str:
    """A pipeline step as the tf.data call, short: batch(32), repeat(), filter(every 3rd), prefetch()."""
    op = step.op
    if op in ("batch", "rebatch"):
        return f"{op}({step.size}" + (", drop_remainder=True)" if step.drop_remainder else ")")
    if op == "repeat":
        return "repeat()" if step.count is None else f"repeat({step.count})"
    if op in ("take", "skip", "assert_cardinality"):
        return f"{op}({step.count})"
    if op == "shard":
        return f"shard({step.num_shards}, {step.index})"
    if op == "filter":
        every = step.keep_every or 1
        return "filter(every element)" if every == 1 else f"filter(every {ordinal(every)})"
    if op == "shuffle":
        return f"shuffle({step.buffer_size}" + (")" if step.reshuffle_each_iteration else ", reshuffle_each_iteration=False)")
    return f"{op}()"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def count_words(number: int, noun: str) -> str:
    """ "1 batch", "2 batches", "1,000 steps": the noun agrees with the number."""
    # "epoch" ends in a hard "ch", so it takes a plain s ("epochs", not "epoches").
    plural = noun + ("es" if noun.endswith(("ch", "sh", "ss", "x")) and not noun.endswith("epoch") else "s")
    return f"{number:,} {noun if number == 1 else plural}"


def number_words(value: float) -> str:
    """A number as people read it: 0.18, 4.992, 50,000, 1.2 million; never e-notation."""
    if value != value or value in (float("inf"), float("-inf")):
        return "no number"
    if value < 0:
        return "-" + number_words(-value)
    if value == 0:
        return "0"
    if value < 0.001:
        return "less than 0.001"
    if value < 1000:
        return f"{float(f'{value:.4g}'):,.4f}".rstrip("0").rstrip(".")
    if value < 1_000_000:
        return f"{round(value):,}"
    for scale, name in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if value >= scale:
            scaled = value / scale
            shown = f"{scaled:,.0f}" if scaled >= 100 else f"{float(f'{scaled:.3g}'):g}"
            return f"{shown} {name}"
    raise AssertionError("unreachable")
