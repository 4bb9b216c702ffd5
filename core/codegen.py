"""The Keras code for a scenario: what a student would type to get exactly this plan."""

from __future__ import annotations

from core.scenario import DataSpec, Scenario, ValidationSet, ValidationSplit


def fit_code(scenario: Scenario) -> str:
    """Copyable Python: the data pipeline(s) and the model.compile / model.fit calls."""
    lines = ["import numpy as np", "import keras"]
    train = scenario.train
    validation = scenario.validation
    needs_tf = train.source == "dataset" or (isinstance(validation, ValidationSet) and validation.source == "dataset")
    if needs_tf:
        lines.append("import tensorflow as tf")
    lines.append("")
    lines += _data_lines("x", "y", "train_data", train, train.batch_size)
    fit_args: list[str] = []
    if train.source == "arrays":
        fit_args += ["x", "y", f"batch_size={train.batch_size}"]
        if not train.shuffle:
            fit_args.append("shuffle=False")
    else:
        fit_args.append("train_data")
        if _validation_arrays_take_fit_batch_size(scenario):
            # Ignored for the batched training data, but it batches the validation arrays.
            fit_args.append(f"batch_size={train.batch_size}")
    fit_args.append(f"epochs={scenario.epochs}")
    if scenario.steps_per_epoch:
        fit_args.append(f"steps_per_epoch={scenario.steps_per_epoch}")
    if isinstance(validation, ValidationSplit):
        fit_args.append(f"validation_split={validation.split}")
    elif isinstance(validation, ValidationSet):
        lines.append("")
        lines += _data_lines("x_val", "y_val", "val_data", validation, validation.batch_size or train.batch_size)
        fit_args.append("validation_data=(x_val, y_val)" if validation.source == "arrays" else "validation_data=val_data")
    if validation is not None:
        if validation.batch_size and (isinstance(validation, ValidationSplit) or validation.source == "arrays"):
            fit_args.append(f"validation_batch_size={validation.batch_size}")
        if validation.steps:
            fit_args.append(f"validation_steps={validation.steps}")
        if validation.freq != 1:
            fit_args.append(f"validation_freq={validation.freq}")
    lines += [
        "",
        "model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])",
        f'model.compile(optimizer="sgd", loss="mse"{_execution(scenario)})',
        "model.fit(" + ", ".join(fit_args) + ")",
    ]
    return "\n".join(lines) + "\n"


def _validation_arrays_take_fit_batch_size(scenario: Scenario) -> bool:
    """Validation arrays with no validation_batch_size are batched by fit's batch_size, as the plan assumes."""
    validation = scenario.validation
    return (
        scenario.train.batch_size is not None
        and isinstance(validation, ValidationSet)
        and validation.source == "arrays"
        and validation.batch_size is None
    )


def _execution(scenario: Scenario) -> str:
    return f", steps_per_execution={scenario.steps_per_execution}" if scenario.steps_per_execution != 1 else ""


def _data_lines(x: str, y: str, name: str, spec: DataSpec, batch_size: int | None) -> list[str]:
    batch = batch_size or 32
    if spec.samples is None:
        return [
            "def endless_stream():",
            "    while True:  # a sensor, a crawler...: no length",
            f"        yield np.random.rand({batch}, 1), np.random.rand({batch}, 1)",
            f"{name} = endless_stream()"
            if spec.source == "generator"
            else f"{name} = tf.data.Dataset.from_generator(endless_stream, output_signature=("
            f"tf.TensorSpec((None, 1)), tf.TensorSpec((None, 1))))",
        ]
    lines = [f"{x} = np.arange({spec.samples}, dtype='float32').reshape(-1, 1)", f"{y} = np.zeros_like({x})"]
    if spec.source == "dataset":
        chain = f"tf.data.Dataset.from_tensor_slices(({x}, {y}))"
        drop = ", drop_remainder=True" if spec.drop_remainder else ""
        if spec.repeat == "before_batch":
            chain += f".repeat().batch({batch}{drop})"
        else:
            chain += f".batch({batch}{drop})" + (".repeat()" if spec.repeat == "after_batch" else "")
        lines.append(f"{name} = {chain}")
    elif spec.source == "generator":
        lines += _generator_lines(x, y, name, spec, batch)
    return lines


def _generator_lines(x: str, y: str, name: str, spec: DataSpec, batch: int) -> list[str]:
    function = f"{name}_batches"
    if spec.repeat == "before_batch":
        body = [
            "    position = 0",
            "    while True:  # cycles the samples into full batches",
            f"        index = np.arange(position, position + {batch}) % len({x})",
            f"        yield {x}[index], {y}[index]",
            f"        position = (position + {batch}) % len({x})",
        ]
    else:
        skip = (
            f"        if stop - start < {batch}:\n            break  # drop the short last batch\n" if spec.drop_remainder else ""
        )
        loop = [f"    for start in range(0, len({x}), {batch}):", f"        stop = min(start + {batch}, len({x}))"]
        inner = [*skip.rstrip("\n").split("\n")] if skip else []
        yields = [f"        yield {x}[start:stop], {y}[start:stop]"]
        body = loop + inner + yields
        if spec.repeat == "after_batch":
            body = ["    while True:  # loops over its batches forever"] + ["    " + line for line in body]
    return [f"def {function}():", *body, f"{name} = {function}()"]
