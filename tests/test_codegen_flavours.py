"""The code view's code runs in every flavour and feeds what that flavour really feeds.

For tf.keras 2, the JAX and PyTorch backends, and MirroredStrategy over 2 and 4 devices, each
scenario's generated code runs as pasted, in a subprocess with that flavour's environment (one
subprocess per flavour, all its scenarios in turn: importing TensorFlow and a backend is most of
the time). Only ``keras.Sequential`` is swapped for one that notes every batch it trains and
validates on, on which replica, and the epoch numbers the callbacks see. Under MirroredStrategy
the first scenario's code has its commented logical-device lines switched on: they are what
makes the CPU into the devices the others then find.

Each run is compared with the planner's plan for the flavour and, where the public flavour records
hold the scenario, with what the real thing did when it was recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from core import plan, scenario_from_dict
from core.codegen import fit_code
from core.flavours import Flavour, flavour_of
from core.scenario import Scenario
from tests.conftest import CONFORMANCE_FOLDER, PROJECT
from tests.test_codegen_runs import shipped_scenarios

RECORDS = {
    record["name"]: record for record in json.loads((CONFORMANCE_FOLDER / "flavours-public.json").read_text(encoding="utf-8"))
}

# Scenarios written here (no record): sources the records leave out, run in the flavour and checked against the plan.
SEQUENCE = {
    "train": {"samples": 50, "source": "pydataset", "batch_size": 16},
    "epochs": 2,
    "validation": {"samples": 20, "source": "pydataset", "batch_size": 8, "drop_remainder": True},
}
FLOW_SPLIT = {
    "train": {"samples": 10, "source": "image_data_generator", "batch_size": 4, "flow_shuffle": False},
    "epochs": 2,
    "validation": {"split": 0.25, "split_by": "image_data_generator", "freq": [2]},
}
DIRECTORY_SPLIT = {
    "train": {"samples": 10, "source": "dataset", "batch_size": 4},
    "epochs": 2,
    "validation": {"split": 0.25, "split_by": "directory"},
}
FILTER_PIPELINE = {
    "train": {
        "samples": 30,
        "source": "dataset",
        "pipeline": [{"op": "filter", "keep_every": 3}, {"op": "batch", "size": 4}],
        "shuffle": False,
    },
    "epochs": 3,
    "steps_per_epoch": 3,
}
ENDLESS_PYDATASET = {
    "train": {"samples": None, "source": "pydataset", "batch_size": 8, "shuffle": False},
    "epochs": 2,
    "steps_per_epoch": 3,
}
SEQUENCE_WITH_STEPS = {
    "train": {"samples": 50, "source": "pydataset", "batch_size": 16, "shuffle": False},
    "epochs": 3,
    "steps_per_epoch": 2,
}
ACCUMULATION = {
    "train": {"samples": 50, "source": "dataset", "batch_size": 16, "shuffle": False},
    "epochs": 2,
    "gradient_accumulation_steps": 3,
}
DATASET_WITH_VALIDATION = {
    "train": {"samples": 64, "source": "dataset", "batch_size": 16, "shuffle": False},
    "epochs": 2,
    "validation": {"samples": 12, "source": "arrays", "batch_size": 4},
}

# Per flavour: public records (a run must match the plan and the record) and scenarios of our own (the plan).
FLAVOUR_SCENARIOS: dict[Flavour, dict[str, dict[str, Any]]] = {
    Flavour("2"): {
        **{name: RECORDS[name]["scenario"] for name in ("k2_floor_trap", "k2_gen_loop_spe", "k2_val_split", "fp004_k2")},
        **{name: RECORDS[name]["scenario"] for name in ("fp026_k2", "k2_repeat_no_steps")},
        "sequence_with_validation": SEQUENCE,
        "sequence_recreated_every_epoch": SEQUENCE_WITH_STEPS,
        "endless_sequence_refused": ENDLESS_PYDATASET,
        "accumulation_refused": ACCUMULATION,
        "flow_split": FLOW_SPLIT,
        "directory_split": DIRECTORY_SPLIT,
    },
    Flavour("3", "jax"): {
        **{name: RECORDS[name]["scenario"] for name in ("jax_gen_replay", "fp002_jax", "fp005_jax", "fp011_jax")},
        "pydataset_with_validation": SEQUENCE,
        "filter_pipeline": FILTER_PIPELINE,
        "directory_split": DIRECTORY_SPLIT,
    },
    Flavour("3", "torch"): {
        **{name: RECORDS[name]["scenario"] for name in ("torch_spx", "fp007_torch", "fp008_torch", "fp022_torch")},
        "endless_pydataset": ENDLESS_PYDATASET,
        "flow_split": FLOW_SPLIT,
    },
    Flavour("3", "tensorflow", 2): {
        **{name: RECORDS[name]["scenario"] for name in ("r2_even", "fp029_rep")},
        "dataset_with_validation": DATASET_WITH_VALIDATION,
    },
    Flavour("2", "tensorflow", 2): {
        "dataset_with_validation": DATASET_WITH_VALIDATION,
        "sequence_with_validation": SEQUENCE,
    },
    Flavour("3", "tensorflow", 4): {
        **{name: RECORDS[name]["scenario"] for name in ("r4_tail_split", "fp017_rep", "fp030_rep", "fp031_rep")},
        **{name: RECORDS[name]["scenario"] for name in ("fp027_rep", "fp019_rep")},
        "dataset_with_validation": DATASET_WITH_VALIDATION,
    },
}


def add_shipped_flavours(by_flavour: dict[Flavour, dict[str, dict[str, Any]]]) -> None:
    """The shipped examples, presets and traps of another flavour than Keras 3 on TensorFlow, one device, run in theirs."""
    for name, data in shipped_scenarios().items():
        flavour = flavour_of(scenario_from_dict(data))
        if flavour != Flavour():
            by_flavour.setdefault(flavour, {})[name] = data


add_shipped_flavours(FLAVOUR_SCENARIOS)

LOGICAL_DEVICE_LINES = ('# cpu = tf.config.list_physical_devices("CPU")[0]', "# tf.config.set_logical_device_configuration(")


def expanded(runs: list | None) -> list | None:
    """Run-length encoded sizes (``[size, count]``, or ``[[runs...], count]`` for a repeated group), one item a batch."""
    if runs is None:
        return None
    out: list = []
    for item, count in runs:
        if isinstance(item, list) and item and isinstance(item[0], list):
            out += (expanded(item) or []) * count
        else:
            out += [tuple(item) if isinstance(item, list) else item] * count
    return out


def expected_run(plan_json: dict[str, Any]) -> dict[str, Any]:
    """What the code must do, from a plan's JSON or a record's: the refusal's exception, or each epoch's batches."""
    if plan_json["outcome"] == "error":
        return {"error": plan_json["error"].split(":")[0]}
    assert plan_json["outcome"] == "ok", "only fits that end are run here"
    epochs = []
    for epoch in plan_json["epochs"]:
        epochs.append(
            {
                "epoch": epoch["epoch"],
                "random": epoch.get("train_order") == "random",
                "train": expanded(epoch["train"]),
                "val": expanded(epoch["val"]),
                "train_replicas": expanded(epoch.get("train_replicas")),
                "val_replicas": expanded(epoch.get("val_replicas")),
            }
        )
    return {"epochs": epochs}


def matches(seen: dict[str, Any], expected: dict[str, Any]) -> None:
    """The run did what was expected: the same exception, or per epoch the same number and batches (per replica too)."""
    if "error" in expected:
        assert seen["error"] is not None, f"{seen['name']}: the code ran, but Keras refuses this fit"
        if expected["error"].endswith("Error"):  # the plan names what Keras (or TensorFlow) raises
            assert seen["error"].split(":")[0] == expected["error"], (seen["name"], seen["error"])
        return
    assert seen["error"] is None, (seen["name"], seen["error"])
    assert [epoch["epoch"] for epoch in seen["epochs"]] == [epoch["epoch"] for epoch in expected["epochs"]], seen["name"]
    for ran, planned in zip(seen["epochs"], expected["epochs"], strict=True):
        for part in ("train", "val"):
            # Order matters, except for batches drawn in a random order: then only which batches came.
            in_order: Any = Counter if planned["random"] and part == "train" else list
            sizes = None if ran[part] is None else in_order(sum(replicas) for replicas in ran[part])
            wanted = None if planned[part] is None else in_order(planned[part])
            assert sizes == wanted, f"{seen['name']}: epoch {ran['epoch']} {part}"
            per_replica = planned[f"{part}_replicas"]
            if per_replica is not None:
                shares = in_order(tuple(replicas) for replicas in ran[part] or [])
                assert shares == in_order(per_replica), f"{seen['name']}: epoch {ran['epoch']} {part}"


def flavoured(flavour: Flavour, data: dict[str, Any]) -> Scenario:
    """The scenario run under the flavour."""
    return scenario_from_dict(data | {"keras": flavour.keras, "backend": flavour.backend, "replicas": flavour.replicas})


def flavour_runs(flavour: Flavour, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """Run every scenario's code of one flavour in one subprocess with the flavour's environment; what each fed."""
    jobs = []
    for index, (name, data) in enumerate(FLAVOUR_SCENARIOS[flavour].items()):
        scenario = flavoured(flavour, data)
        code = fit_code(scenario)
        if flavour.replicas > 1 and index == 0:
            for line in LOGICAL_DEVICE_LINES:
                assert line in code, "the code shows how to split the CPU into devices"
                code = code.replace(line, line.removeprefix("# "))
        images = scenario.train.samples if getattr(scenario.validation, "split_by", "fit") == "directory" else 0
        jobs.append({"name": name, "code": code, "images": images})
    (tmp_path / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KERAS_", "TF_USE_LEGACY"))}
    env |= flavour.environment() | {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(PROJECT), "KERAS_HOME": str(tmp_path)}
    command = [sys.executable, "-c", "from tests.test_codegen_flavours import run_jobs; run_jobs()", str(tmp_path)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads((tmp_path / "runs.json").read_text(encoding="utf-8"))
    assert (answer["keras"], answer["backend"]) == ("tf_keras" if flavour.keras == "2" else "keras", flavour.backend)
    return {run["name"]: run for run in answer["runs"]}


@pytest.mark.keras
@pytest.mark.parametrize("flavour", list(FLAVOUR_SCENARIOS), ids=lambda flavour: flavour.key)
def test_generated_code_feeds_what_the_flavour_feeds(flavour, tmp_path):
    # The pasted code under tf.keras 2, JAX, PyTorch and 2 or 4 devices feeds the plan's batches per epoch (per
    # replica under MirroredStrategy), as the public record of that flavour did, or meets the plan's refusal.
    if flavour.missing():
        if os.environ.get("EPOCHSCOPE_REQUIRE_KERAS") == "1":
            pytest.fail(f"{flavour.label} is not installed but EPOCHSCOPE_REQUIRE_KERAS=1: {flavour.install_hint()}")
        pytest.skip(f"{flavour.label} is not installed: {flavour.install_hint()}")
    runs = flavour_runs(flavour, tmp_path)
    for name, data in FLAVOUR_SCENARIOS[flavour].items():
        matches(runs[name], expected_run(plan(flavoured(flavour, data)).to_json()))
        if name in RECORDS:
            matches(runs[name], expected_run(RECORDS[name]["keras"]))


def test_the_code_sets_the_flavour_before_it_imports_keras_and_builds_the_model_in_the_strategy():
    # Without any Keras installed, for every scenario here and in test_codegen_runs: the variable that selects the
    # flavour comes before the first import it selects, tf.keras 2 code never imports Keras 3 or names its PyDataset,
    # and under MirroredStrategy the strategy is made before any data, the model and its compile in its scope.
    from tests.test_codegen_runs import SCENARIOS

    selecting = {"2": 'os.environ["TF_USE_LEGACY_KERAS"] = "1"', "jax": 'os.environ["KERAS_BACKEND"] = "jax"'}
    selecting["torch"] = 'os.environ["KERAS_BACKEND"] = "torch"'
    for flavour in FLAVOUR_SCENARIOS:
        for name, data in {**SCENARIOS, **FLAVOUR_SCENARIOS[flavour]}.items():
            code = fit_code(flavoured(flavour, data))
            compile(code, name, "exec")
            lines = code.splitlines()

            def first(*starts: str, lines: list[str] = lines) -> int:
                return min(index for index, line in enumerate(lines) if line.startswith(starts))

            where = (flavour.key, name)
            selector = selecting.get(flavour.keras if flavour.keras == "2" else flavour.backend)
            if selector:
                assert first(selector) < first("import tensorflow", "import keras"), where
            if flavour.keras == "2":
                assert "import keras" not in lines and "PyDataset" not in code, where
            if flavour.replicas > 1:
                scope = first("with strategy.scope():")
                assert lines[scope + 1].startswith("    model = keras.Sequential("), where
                assert lines[scope + 2].startswith("    model.compile("), where
                assert first("strategy = tf.distribute.MirroredStrategy()") < first("x = ", "train_data", "class "), where


def test_the_code_tab_follows_the_keras_chooser(window, qtbot):
    # Down three times in the Keras chooser reaches tf.keras 2: the code tab selects it; 2 typed into Devices adds
    # MirroredStrategy, the model built in its scope. The tab shows the code of the plan on screen, nothing else.
    from PySide6.QtCore import Qt

    from tests.test_gui import show_code_tab
    from tests.test_undo import type_into

    shown = window({"train": {"samples": 100, "source": "dataset", "batch_size": 32}, "epochs": 2})
    show_code_tab(qtbot, shown.summary)
    shown.form.flavour.setFocus()
    for _ in range(3):
        qtbot.keyClick(shown.form.flavour, Qt.Key.Key_Down)
    code = shown.summary.code.toPlainText()
    assert shown.plan.scenario.keras == "2" and code == fit_code(shown.plan.scenario)
    assert 'os.environ["TF_USE_LEGACY_KERAS"] = "1"' in code and "keras = tf.keras" in code
    type_into(qtbot, shown.form.replicas, "2")
    code = shown.summary.code.toPlainText()
    assert shown.plan.scenario.replicas == 2 and code == fit_code(shown.plan.scenario)
    assert "with strategy.scope():" in code and "[tf.config.LogicalDeviceConfiguration()] * 2" in code


# ------------------------------------------------------------ the subprocess


def run_jobs() -> None:
    """In the flavour's subprocess: run each job's code with a noting Sequential; write what each fed to runs.json."""
    import traceback

    folder = Path(sys.argv[1])
    jobs = json.loads((folder / "jobs.json").read_text(encoding="utf-8"))
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
        # tf.keras becomes a fresh module the first time anything imports from tensorflow.keras (as the code does
        # for ImageDataGenerator): import from it first, so the Sequential swapped below is the one the code finds.
        import tensorflow.keras.preprocessing.image

        keras = tf.keras
    else:
        import keras
    notes: list[tuple[str, int, int]] = []
    keras.Sequential = noting_model_class(keras, tf, notes)
    runs = []
    for index, job in enumerate(jobs):
        work = folder / f"job{index}"
        work.mkdir()
        os.chdir(work)  # the directory loader's "images/" is the folder written here
        write_image_files(work, job["images"], tf)
        notes.clear()
        error = None
        try:
            exec(compile(job["code"], job["name"], "exec"), {"__name__": "fit_code"})
        except Exception as refused:  # the refusal is the answer, compared by the test
            error = f"{type(refused).__name__}: {str(refused).splitlines()[0] if str(refused) else ''}"
            if not type(refused).__name__.endswith("Error"):
                error += "\n" + traceback.format_exc()
        runs.append({"name": job["name"], "error": error, "epochs": seen_epochs(notes)})
    backend = keras.backend.backend() if hasattr(keras.backend, "backend") else "tensorflow"
    package = keras.layers.Dense.__module__.split(".")[0]  # tf_keras (tf.keras 2) or keras (Keras 3)
    answer = {"keras": package, "backend": backend, "runs": runs}
    (folder / "runs.json").write_text(json.dumps(answer), encoding="utf-8")


def noting_model_class(keras: Any, tf: Any, notes: list[tuple[str, int, int]]) -> type:
    """keras.Sequential noting ("epoch", number, 0) and ("train" | "val", replica, size) for every batch, on any backend."""
    on_tensorflow = (
        not hasattr(keras, "backend") or not hasattr(keras.backend, "backend") or keras.backend.backend() == "tensorflow"
    )

    def note(part: str, data: Any) -> None:
        first = tf.nest.flatten(data)[0] if on_tensorflow else keras.tree.flatten(data)[0]
        if not on_tensorflow:  # JAX and PyTorch run the step eagerly here: the batch is at hand
            notes.append((part, 0, int(first.shape[0])))
            return
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group

        def write(replica_id: Any, x: Any) -> None:
            notes.append((part, int(replica_id), int(x.shape[0])))

        # The batch itself goes in, not its shape: a static shape would fold into a constant and be noted even
        # for the batch that never comes when the data runs out.
        tf.py_function(write, [tf.convert_to_tensor(replica), first], [])

    class EpochNotes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            notes.append(("epoch", epoch + 1, 0))

        def on_test_begin(self, logs=None):
            notes.append(("val_begin", 0, 0))  # a validation run may yield no batch at all

    class NotingSequential(keras.Sequential):
        def compile(self, *args, **kwargs):
            super().compile(*args, jit_compile=False, **kwargs)  # the notes are Python calls XLA and jax.jit cannot hold

        def fit(self, *args, **kwargs):
            return super().fit(*args, callbacks=[EpochNotes()], verbose=0, **kwargs)

        def train_step(self, *args):
            note("train", args[-1])  # JAX passes (state, data), the others data
            return super().train_step(*args)

        def test_step(self, *args):
            note("val", args[-1])
            return super().test_step(*args)

    return NotingSequential


def seen_epochs(notes: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
    """Per epoch: its number, and its training and validation batches, each as the list of its replicas' sizes."""
    epochs: list[dict[str, Any]] = []
    for part, replica, size in notes:
        if part == "epoch":
            epochs.append({"epoch": replica, "train": {}, "val": None})
            continue
        epoch = epochs[-1]
        if part == "val_begin":
            epoch["val"] = {}
        else:
            epoch[part].setdefault(replica, []).append(size)
    for epoch in epochs:
        for part in ("train", "val"):
            if epoch[part] is not None:
                # The k-th batch of every replica together make the k-th global batch.
                by_replica = [epoch[part][replica] for replica in sorted(epoch[part])]
                epoch[part] = [list(step) for step in zip(*by_replica, strict=True)]
    return epochs


def write_image_files(folder: Path, count: int, tf: Any) -> None:
    """``count`` real 2x2 PNG files in two class folders, as image_dataset_from_directory expects."""
    import numpy as np

    for index in range(count):
        classes = folder / "images" / ("cats" if index % 2 else "dogs")
        classes.mkdir(parents=True, exist_ok=True)
        pixels = np.full((2, 2, 3), index % 256, dtype="uint8")
        (classes / f"{index:03d}.png").write_bytes(tf.io.encode_png(pixels).numpy())
