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
