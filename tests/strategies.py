"""Hypothesis strategies: small scenarios over every option, and arbitrary junk for the reader."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

sources = st.sampled_from(["arrays", "dataset", "generator"])
repeats = st.sampled_from(["none", "before_batch", "after_batch"])


@st.composite
def data_specs(draw: Any, *, allow_stream: bool = True) -> dict[str, Any]:
    source = draw(sources)
    samples = draw(st.one_of(st.integers(0, 40), st.none() if allow_stream and source != "arrays" else st.just(7)))
    spec: dict[str, Any] = {
        "samples": samples,
        "source": source,
        "batch_size": draw(st.one_of(st.integers(1, 12), st.none() if source == "arrays" else st.just(3))),
        "drop_remainder": draw(st.booleans()) if source != "arrays" else False,
        "repeat": draw(repeats) if source != "arrays" else "none",
        "shuffle": draw(st.booleans()),
    }
    return spec


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    train = draw(data_specs())
    validation: Any = draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"split": st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 0.9])},
                optional={"batch_size": st.integers(1, 8), "steps": st.integers(1, 12), "freq": st.integers(1, 3)},
            ),
            data_specs().flatmap(
                lambda spec: st.fixed_dictionaries(
                    {
                        **{key: st.just(value) for key, value in spec.items() if key != "shuffle"},
                        "batch_size": st.one_of(st.none(), st.integers(1, 8)),
                        "steps": st.one_of(st.none(), st.integers(1, 12)),
                        "freq": st.integers(1, 3),
                    }
                )
            ),
        )
    )
    return {
        "train": train,
        "epochs": draw(st.integers(0, 7)),
        "steps_per_epoch": draw(st.one_of(st.none(), st.integers(1, 30))),
        "steps_per_execution": draw(st.integers(1, 4)),
        "validation": validation,
    }


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**40), 10**40), st.floats(allow_nan=False), st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=5)),
    max_leaves=20,
)


@st.composite
def huge_scenarios(draw: Any) -> dict[str, Any]:
    """Scenarios at the format's limits: up to 10^12 samples and steps, looping passes, long executions.

    Epochs stay at most 300 so a test can print whole plans; the sizes that matter for output
    (steps, samples, steps_per_execution) go to the limits.
    """
    big = st.sampled_from([1, 2, 3, 7, 14, 32, 60, 1000, 10**6, 27 * 10**6, 10**9, 10**12])
    source = draw(sources)
    spec: dict[str, Any] = {
        "samples": draw(st.one_of(st.sampled_from([0, 1, 7, 14, 60, 100, 1281167, 10**9, 10**12]), st.integers(0, 10**12))),
        "source": source,
        "batch_size": draw(st.one_of(st.sampled_from([1, 2, 28, 32, 256, 10**6]), st.integers(1, 10**9))),
        "drop_remainder": draw(st.booleans()) if source != "arrays" else False,
        "repeat": draw(repeats) if source != "arrays" else "none",
        "shuffle": draw(st.booleans()),
    }
    if source != "arrays" and draw(st.integers(0, 9)) == 0:
        spec["samples"] = None
    validation = draw(
        st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"split": st.sampled_from([0.1, 0.3, 0.5])}, optional={"steps": big, "freq": st.integers(1, 3)}
            ),
            data_specs().flatmap(
                lambda data: st.fixed_dictionaries(
                    {
                        **{key: st.just(value) for key, value in data.items() if key not in ("shuffle", "samples")},
                        "samples": st.sampled_from([1, 60, 10**6, 10**12]),
                        "steps": st.one_of(st.none(), big),
                        "freq": st.integers(1, 3),
                    }
                )
            ),
        )
    )
    return {
        "train": spec,
        "epochs": draw(st.one_of(st.integers(0, 3), st.integers(0, 300))),
        "steps_per_epoch": draw(st.one_of(st.none(), big, st.sampled_from([27 * 10**6, 10**9, 10**12]))),
        "steps_per_execution": draw(st.sampled_from([1, 2, 3, 7, 1000, 10**6])),
        "validation": validation,
    }


# ---------------------------------------------------------------- real input pipelines and more of fit

_ELEMENT_OPS = ("repeat", "take", "skip", "shard", "filter", "shuffle", "assert_cardinality", "cache", "map", "unbatch")
_BATCH_OPS = ("repeat", "take", "skip", "shard", "filter", "shuffle", "assert_cardinality", "prefetch")


@st.composite
def pipeline_steps(draw: Any, op: str) -> dict[str, Any]:
    """One step of the format's table with small arguments."""
    step: dict[str, Any] = {"op": op}
    if op in ("batch", "rebatch"):
        step.update(size=draw(st.integers(1, 7)), drop_remainder=draw(st.booleans()))
    elif op == "repeat":
        step["count"] = draw(st.one_of(st.none(), st.integers(0, 3)))
    elif op in ("take", "skip"):
        step["count"] = draw(st.integers(0, 30))
    elif op == "shard":
        shards = draw(st.integers(1, 4))
        step.update(num_shards=shards, index=draw(st.integers(0, shards - 1)))
    elif op == "filter":
        step["keep_every"] = draw(st.integers(1, 4))
    elif op == "shuffle":
        step.update(buffer_size=draw(st.integers(1, 6)), reshuffle_each_iteration=draw(st.booleans()))
    elif op == "assert_cardinality":
        step["count"] = draw(st.integers(0, 30))
    return step


@st.composite
def pipelines(draw: Any) -> list[dict[str, Any]]:
    """A pipeline the format accepts: single-sample steps, a batch, batch steps, maybe unbatch/rebatch and more."""

    def some(ops: tuple[str, ...], most: int) -> list[dict[str, Any]]:
        return [draw(pipeline_steps(op)) for op in draw(st.lists(st.sampled_from(ops), max_size=most))]

    steps = [*some(_ELEMENT_OPS, 3), draw(pipeline_steps("batch")), *some(_BATCH_OPS, 3)]
    again = draw(st.sampled_from(["none", "unbatch", "rebatch", "unbatch_rebatch"]))
    if again == "unbatch":
        steps += [{"op": "unbatch"}, *some(_ELEMENT_OPS, 2), draw(pipeline_steps("batch")), *some(_BATCH_OPS, 2)]
    elif again == "rebatch":
        steps += [draw(pipeline_steps("rebatch")), *some(_BATCH_OPS, 2)]
    elif again == "unbatch_rebatch":  # a sample is one row: rebatch then batches single samples (as Keras recorded)
        steps += [{"op": "unbatch"}, *some(_ELEMENT_OPS, 2), draw(pipeline_steps("rebatch")), *some(_BATCH_OPS, 2)]
    return steps


@st.composite
def new_data_specs(draw: Any, *, validation: bool = False) -> dict[str, Any]:
    """Data of every source, the new ones (pydataset, image_data_generator, pipelines) weighted up."""
    kind = draw(st.sampled_from(["pipeline", "pipeline", "pydataset", "image_data_generator", "old"]))
    if kind == "old":
        return draw(data_specs())
    if kind == "pipeline":
        samples = draw(st.one_of(st.integers(0, 30), st.none()))
        return {"samples": samples, "source": "dataset", "shuffle": draw(st.booleans()), "pipeline": draw(pipelines())}
    spec: dict[str, Any] = {
        "samples": draw(st.integers(0, 40) if kind == "image_data_generator" else st.one_of(st.integers(0, 40), st.none())),
        "source": kind,
        "batch_size": draw(st.integers(1, 12)),
        "shuffle": draw(st.booleans()),
    }
    if kind == "pydataset":
        spec["drop_remainder"] = draw(st.booleans())
    else:
        spec["flow_shuffle"] = draw(st.booleans())
    return spec


@st.composite
def pipeline_scenarios(draw: Any) -> dict[str, Any]:
    """Small scenarios over every new key: sources, pipelines, splits, freq lists, initial_epoch, accumulation."""
    train = draw(new_data_specs())
    freq = draw(st.one_of(st.integers(1, 3), st.lists(st.integers(1, 8), max_size=4)))
    kinds = ["none", "set"]
    if train["source"] == "arrays":
        kinds.append("fit_split")
    if train["source"] == "dataset" and "pipeline" not in train and train["samples"] is not None:
        kinds.append("directory_split")
    if train["source"] == "image_data_generator":
        kinds.append("generator_split")
    kind = draw(st.sampled_from(kinds))
    validation: Any = None
    steps = draw(st.one_of(st.none(), st.integers(1, 12)))
    if kind == "set":
        validation = {**draw(new_data_specs(validation=True)), "steps": steps, "freq": freq}
        validation.pop("shuffle", None)
    elif kind != "none":
        validation = {"split": draw(st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 0.9])), "steps": steps, "freq": freq}
        validation["split_by"] = {"fit_split": "fit", "directory_split": "directory", "generator_split": "image_data_generator"}[
            kind
        ]
        if kind == "generator_split" and draw(st.booleans()):
            validation["flow_shuffle"] = draw(st.booleans())
    epochs = draw(st.integers(0, 7))
    return {
        "train": train,
        "epochs": epochs,
        "initial_epoch": draw(st.integers(0, 3)),
        "gradient_accumulation_steps": draw(st.one_of(st.none(), st.integers(2, 5))),
        "steps_per_epoch": draw(st.one_of(st.none(), st.integers(1, 30))),
        "steps_per_execution": draw(st.integers(1, 4)),
        "validation": validation,
    }


@st.composite
def huge_pipeline_scenarios(draw: Any) -> dict[str, Any]:
    """Pipelines over up to 10^12 samples with counts to the limits (shard and filter stay small, as written)."""
    huge = st.sampled_from([0, 1, 7, 1000, 10**6, 10**9, 10**12])

    def step(op: str) -> dict[str, Any]:
        if op in ("batch", "rebatch"):
            return {"op": op, "size": draw(st.sampled_from([1, 3, 32, 10**6])), "drop_remainder": draw(st.booleans())}
        if op == "repeat":
            return {"op": op, "count": draw(st.sampled_from([None, 2, 3, 10**6]))}
        if op in ("take", "skip", "assert_cardinality"):
            return {"op": op, "count": draw(huge)}
        if op == "shard":
            shards = draw(st.integers(1, 7))
            return {"op": op, "num_shards": shards, "index": draw(st.integers(0, shards - 1))}
        if op == "filter":
            return {"op": op, "keep_every": draw(st.integers(1, 7))}
        if op == "shuffle":
            return {"op": op, "buffer_size": draw(st.sampled_from([1, 1000, 10**6]))}
        return {"op": op}

    steps = [step(op) for op in draw(st.lists(st.sampled_from(_ELEMENT_OPS), max_size=3))]
    steps += [step("batch"), *(step(op) for op in draw(st.lists(st.sampled_from(_BATCH_OPS), max_size=3)))]
    if draw(st.booleans()):
        steps += [step("rebatch"), *(step(op) for op in draw(st.lists(st.sampled_from(_BATCH_OPS), max_size=2)))]
    return {
        "train": {"samples": draw(st.one_of(st.none(), huge)), "source": "dataset", "shuffle": False, "pipeline": steps},
        "epochs": draw(st.sampled_from([1, 3, 300])),
        "initial_epoch": draw(st.sampled_from([0, 2])),
        "gradient_accumulation_steps": draw(st.sampled_from([None, 2, 7])),
        "steps_per_epoch": draw(st.sampled_from([None, 1, 64, 10**6, 10**9, 10**12])),
        "steps_per_execution": draw(st.sampled_from([1, 7, 1000])),
    }
