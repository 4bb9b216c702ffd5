"""The code view's code runs with real Keras and feeds exactly the planned batches.

Each scenario's generated code is executed as a student would paste it; only the model class is
swapped for one that notes the size of every batch it trains and validates on (and the epoch
numbers Keras' callbacks see). The directory loader reads a temporary folder of real PNG files.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from core import plan, scenario_from_dict
from core.codegen import fit_code
from core.flavours import Flavour, flavour_of

PIPELINE = [
    {"op": "shuffle", "buffer_size": 100},
    {"op": "batch", "size": 32},
    {"op": "prefetch"},
]

# At least one scenario per new kind; each small enough for a fit of a second or two.
SCENARIOS: dict[str, dict[str, Any]] = {
    "pipeline_shuffle_batch_prefetch": {
        "train": {"samples": 100, "source": "dataset", "pipeline": PIPELINE, "shuffle": False},
        "epochs": 2,
    },
    "pipeline_take_skip_split": {
        "train": {
            "samples": 50,
            "source": "dataset",
            "pipeline": [
                {"op": "take", "count": 40},
                {"op": "batch", "size": 5},
                {"op": "unbatch"},
                {"op": "batch", "size": 16},
                {"op": "cache"},
            ],
            "shuffle": False,
        },
        "epochs": 2,
        "validation": {
            "samples": 50,
            "source": "dataset",
            "pipeline": [{"op": "skip", "count": 40}, {"op": "map"}, {"op": "batch", "size": 16}],
        },
    },
    "pipeline_filter_unknown_length": {
        "train": {
            "samples": 30,
            "source": "dataset",
            "pipeline": [{"op": "filter", "keep_every": 3}, {"op": "batch", "size": 4}],
            "shuffle": False,
        },
        "epochs": 3,
        "steps_per_epoch": 3,
    },
    "pipeline_repeat_shard_rebatch": {
        "train": {
            "samples": 40,
            "source": "dataset",
            "pipeline": [
                {"op": "repeat", "count": 2},
                {"op": "shard", "num_shards": 2, "index": 1},
                {"op": "batch", "size": 6},
                {"op": "rebatch", "size": 8, "drop_remainder": True},
            ],
            "shuffle": False,
        },
        "epochs": 2,
    },
    "pipeline_endless_counter": {
        "train": {"samples": None, "source": "dataset", "pipeline": [{"op": "batch", "size": 8}], "shuffle": False},
        "epochs": 2,
        "steps_per_epoch": 3,
    },
    "pipeline_assert_cardinality_too_large": {
        "train": {
            "samples": 20,
            "source": "dataset",
            "pipeline": [{"op": "assert_cardinality", "count": 30}, {"op": "batch", "size": 8}],
            "shuffle": False,
        },
        "epochs": 2,
    },
    "pydataset_shuffled_with_validation": {
        "train": {"samples": 50, "source": "pydataset", "batch_size": 16},
        "epochs": 2,
        "validation": {"samples": 20, "source": "pydataset", "batch_size": 8, "drop_remainder": True},
    },
    "pydataset_endless": {
        "train": {"samples": None, "source": "pydataset", "batch_size": 8, "shuffle": False},
        "epochs": 2,
        "steps_per_epoch": 3,
    },
    "image_data_generator_steps_1000": {
        "train": {"samples": 100, "source": "image_data_generator", "batch_size": 32, "shuffle": False},
        "epochs": 2,
        "steps_per_epoch": 1000,
        "validation": {"samples": 20, "source": "arrays"},
    },
    "directory_split": {
        "train": {"samples": 10, "source": "dataset", "batch_size": 4},
        "epochs": 2,
        "validation": {"split": 0.25, "split_by": "directory"},
    },
    "image_data_generator_split": {
        "train": {"samples": 10, "source": "image_data_generator", "batch_size": 4, "flow_shuffle": False},
        "epochs": 2,
        "validation": {"split": 0.25, "split_by": "image_data_generator", "freq": [2]},
    },
    "initial_epoch": {
        "train": {"samples": 20, "batch_size": 8},
        "epochs": 5,
        "initial_epoch": 3,
        "validation": {"split": 0.25, "freq": [4]},
    },
    "gradient_accumulation_across_epochs": {
        "train": {"samples": 50, "source": "dataset", "batch_size": 16, "shuffle": False},
        "epochs": 3,
        "gradient_accumulation_steps": 3,
        "steps_per_execution": 2,
    },
}


# The shipped examples, presets and traps are run too, those small enough to fit in a moment.
MAX_SHIPPED_STEPS = 300


def shipped_scenarios() -> dict[str, dict[str, Any]]:
    """Every example, preset and trap whose plan ends (or is refused) within MAX_SHIPPED_STEPS batches."""
    import json

    from tests.conftest import PROJECT

    named = {
        f"example {path.stem}": json.loads(path.read_text(encoding="utf-8")) for path in (PROJECT / "examples").glob("*.json")
    }
    for kind in ("presets", "traps"):
        for entry in json.loads((PROJECT / "resources" / f"{kind}.json").read_text(encoding="utf-8")):
            named[f"{kind[:-1]} {entry.get('key') or entry['name']}"] = entry["scenario"]
    small = {}
    for name, data in sorted(named.items()):
        result = plan(scenario_from_dict(data))
        if result.outcome == "error" or (
            result.outcome == "ok" and result.totals.steps + result.totals.validation_steps <= MAX_SHIPPED_STEPS
        ):
            small[name] = data
    return small


# Another flavour's code must run in a process of its own (tests/test_codegen_flavours.py runs those).
SCENARIOS.update((name, data) for name, data in shipped_scenarios().items() if flavour_of(scenario_from_dict(data)) == Flavour())


@pytest.fixture(scope="module")
def keras_modules():
    from core.recorder import tensorflow_available

    if not tensorflow_available():
        pytest.skip("TensorFlow/Keras not installed")
    from core.tensorflow_loader import load_tensorflow

    tf, keras = load_tensorflow()
    tf.get_logger().setLevel("ERROR")
    return tf, keras


def noting_model_class(keras: Any, tf: Any, notes: list[tuple[str, int]], caught: list | None = None) -> type:
    """keras.Sequential that notes ("epoch", number), ("train", size) and ("val", size) as fit runs.

    With ``caught`` (the warnings recorded so far), each epoch's end notes ("ran_out", n): how many
    "ran out of data" warnings Keras had given by then, training's and validation's alike.
    """

    def note(part: str):
        def write(x: Any) -> None:
            notes.append((part, int(x.shape[0])))

        return write

    class EpochNotes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            notes.append(("epoch", epoch + 1))  # Keras counts from initial_epoch, 0-based

        def on_epoch_end(self, epoch, logs=None):
            if caught is not None:
                notes.append(("ran_out", sum("ran out of data" in str(warning.message) for warning in caught)))

    class NotingSequential(keras.Sequential):
        def compile(self, *args, **kwargs):
            super().compile(*args, jit_compile=False, **kwargs)  # the notes are Python calls XLA cannot hold

        def fit(self, *args, **kwargs):
            return super().fit(*args, callbacks=[EpochNotes()], verbose=0, **kwargs)

        def train_step(self, data):
            # The batch itself goes in, not tf.shape of it: a static shape would fold into a constant, and
            # the note could then run even for the batch that never comes when the data runs out.
            tf.py_function(note("train"), [tf.nest.flatten(data)[0]], [])
            return super().train_step(data)

        def test_step(self, data):
            tf.py_function(note("val"), [tf.nest.flatten(data)[0]], [])
            return super().test_step(data)

    return NotingSequential


def write_image_files(folder, count: int, tf: Any) -> None:
    """``count`` real 2x2 PNG files in two class folders, as image_dataset_from_directory expects."""
    import numpy as np

    for index in range(count):
        classes = folder / "images" / ("cats" if index % 2 else "dogs")
        classes.mkdir(parents=True, exist_ok=True)
        pixels = np.full((2, 2, 3), index % 256, dtype="uint8")
        (classes / f"{index:03d}.png").write_bytes(tf.io.encode_png(pixels).numpy())


def planned_epochs(result) -> list[tuple[int, list[int], list[int] | None, bool]]:
    """(epoch number, training sizes, validation sizes or None, random order) for every planned epoch."""
    out = []
    for epoch in result.epochs:
        train = [size for size, count in epoch.train.runs() for _ in range(count)]
        val = None if epoch.val is None else [size for size, count in epoch.val.runs() for _ in range(count)]
        out.append((epoch.number, train, val, epoch.train_order == "random"))
    return out


def seen_epochs(notes: list[tuple[str, int]]) -> list[tuple[int, list[int], list[int] | None]]:
    """(epoch number, training sizes, validation sizes or None) for every epoch fit ran."""
    epochs: list[tuple[int, list[int], list[int] | None]] = []
    for part, value in notes:
        if part == "ran_out":
            continue
        if part == "epoch":
            epochs.append((value, [], None))
        elif part == "train":
            epochs[-1][1].append(value)
        else:
            number, train, val = epochs[-1]
            epochs[-1] = (number, train, (val or []) + [value])
    return epochs


def epochs_that_ran_out(notes: list[tuple[str, int]]) -> list[int]:
    """The numbers of the epochs during which Keras warned "ran out of data" (training or validation)."""
    numbers, number, before = [], 0, 0
    for part, value in notes:
        if part == "epoch":
            number = value
        elif part == "ran_out":
            if value > before:
                numbers.append(number)
            before = value
    return numbers


@pytest.mark.keras
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_generated_code_feeds_the_planned_batches(name, keras_modules, tmp_path, monkeypatch):
    # The pasted code, run by real Keras: same batch sizes per epoch (as a multiset where the order is random),
    # same epoch numbers, "ran out of data" in the same epochs, the same shuffle warning, the same weight
    # updates, or the same refusal.
    tf, keras = keras_modules
    scenario = scenario_from_dict(SCENARIOS[name])
    result = plan(scenario)
    code = fit_code(scenario)
    notes: list[tuple[str, int]] = []
    if getattr(scenario.validation, "split_by", "fit") == "directory":
        write_image_files(tmp_path, scenario.train.samples or 0, tf)
    monkeypatch.chdir(tmp_path)  # the directory loader's "images/" is the folder just written
    namespace: dict[str, Any] = {"__name__": "fit_code"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        monkeypatch.setattr(keras, "Sequential", noting_model_class(keras, tf, notes, caught))
        if result.outcome == "error":
            with pytest.raises(Exception) as refused:
                exec(compile(code, name, "exec"), namespace)
            raised = (result.error or "").split(":")[0]
            if raised.endswith("Error"):  # the plan names what Keras (or TensorFlow) raises
                assert type(refused.value).__name__ == raised, refused.value
            return
        assert result.outcome == "ok", "only finite plans are run here"
        exec(compile(code, name, "exec"), namespace)
    seen = seen_epochs(notes)
    expected = planned_epochs(result)
    assert [number for number, *_ in seen] == [number for number, *_ in expected]
    for (number, train, val), (_, planned_train, planned_val, random_order) in zip(seen, expected, strict=True):
        if random_order:
            train, planned_train = sorted(train), sorted(planned_train)
        assert (number, train, val) == (number, planned_train, planned_val)
    said = " ".join(str(warning.message) for warning in caught)
    codes = {warning.code for warning in result.warnings}
    assert epochs_that_ran_out(notes) == [epoch.number for epoch in result.epochs if epoch.ran_out or epoch.val_ran_out]
    assert ("`shuffle=True` was passed, but will be ignored" in said) == ("shuffle_ignored" in codes), said
    if scenario.gradient_accumulation_steps:
        assert int(namespace["model"].optimizer.iterations.numpy()) == result.weight_updates


def random_pipeline(draw: Any) -> list[dict[str, Any]]:
    from hypothesis import strategies as st

    from core.scenario import PIPELINE_OPS

    steps = []
    for op in [*draw(st.lists(st.sampled_from(PIPELINE_OPS), max_size=5)), "batch"]:
        step: dict[str, Any] = {"op": op}
        if op in ("batch", "rebatch"):
            step |= {"size": draw(st.integers(1, 50)), "drop_remainder": draw(st.booleans())}
        elif op in ("take", "skip", "assert_cardinality"):
            step["count"] = draw(st.integers(0, 50))
        elif op == "repeat":
            step["count"] = draw(st.none() | st.integers(0, 3))
        elif op == "shard":
            shards = draw(st.integers(1, 4))
            step |= {"num_shards": shards, "index": draw(st.integers(0, shards - 1))}
        elif op == "filter":
            step["keep_every"] = draw(st.integers(1, 4))
        elif op == "shuffle":
            step |= {"buffer_size": draw(st.integers(1, 50)), "reshuffle_each_iteration": draw(st.booleans())}
        steps.append(step)
    return steps


def random_data(draw: Any, where: str) -> dict[str, Any]:
    from hypothesis import strategies as st

    source = draw(st.sampled_from(["arrays", "dataset", "generator", "pydataset", "image_data_generator"]))
    data: dict[str, Any] = {"samples": draw(st.integers(0, 200)), "source": source}
    if source in ("dataset", "generator", "pydataset") and draw(st.booleans()):
        data["samples"] = None
    if source == "dataset" and draw(st.booleans()):
        data["pipeline"] = random_pipeline(draw)
    else:
        data["batch_size"] = draw(st.integers(1, 64) if where == "train" else st.none() | st.integers(1, 64))
        if source in ("dataset", "generator", "pydataset"):
            data["drop_remainder"] = draw(st.booleans())
        if source in ("dataset", "generator") and data["samples"] is not None:
            data["repeat"] = draw(st.sampled_from(["none", "before_batch", "after_batch"]))
    if source == "image_data_generator":
        data["flow_shuffle"] = draw(st.booleans())
    data["shuffle"] = draw(st.booleans())
    return data


def test_any_scenario_the_reader_accepts_gets_code_that_compiles():
    # Every source, pipeline step, split, initial_epoch, validation_freq list, accumulation and flavour: valid Python.
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from core.scenario import ScenarioError

    @st.composite
    def scenarios(draw: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"train": random_data(draw, "train"), "epochs": draw(st.integers(0, 5))}
        data["initial_epoch"] = draw(st.integers(0, 5))
        data["steps_per_epoch"] = draw(st.none() | st.integers(1, 20))
        data["gradient_accumulation_steps"] = draw(st.none() | st.integers(2, 5))
        data["keras"], data["backend"] = draw(
            st.sampled_from([("3", "tensorflow"), ("3", "jax"), ("3", "torch"), ("2", "tensorflow")])
        )
        data["replicas"] = draw(st.sampled_from([1, 2, 4])) if data["backend"] == "tensorflow" else 1
        kind = draw(st.sampled_from(["none", "set", "fit", "directory", "image_data_generator"]))
        freq = draw(st.integers(1, 3) | st.lists(st.integers(1, 6), max_size=3))
        if kind == "set":
            data["validation"] = random_data(draw, "validation") | {"freq": freq}
        elif kind != "none":
            data["validation"] = {"split": draw(st.sampled_from([0.1, 0.25, 0.5])), "split_by": kind, "freq": freq}
            if kind == "directory":
                data["train"] = {"samples": draw(st.integers(2, 50)), "source": "dataset", "batch_size": 8}
            elif kind == "image_data_generator":
                data["train"] = {"samples": draw(st.integers(2, 50)), "source": "image_data_generator", "batch_size": 8}
        return data

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios())
    def check(data: dict[str, Any]) -> None:
        try:
            scenario = scenario_from_dict(data)
        except ScenarioError:
            return  # a combination the format refuses (the reader's tests cover those)
        compile(fit_code(scenario), "fit_code", "exec")

    check()
