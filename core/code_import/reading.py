"""The reading as a whole: every fit call found, the chosen one built into a scenario, relations kept,
the scenario checked by ``core.scenario`` and the notes written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.code_import import expr as ex
from core.code_import.build import PLACEHOLDERS, Builder, build, unknown_fields
from core.code_import.interpreter import FitCall, Interpreter
from core.code_import.source import CodeImportError, Source
from core.code_import.values import Dataset, Flow, PyDatasetValue, Seq, Stream
from core.scenario import ScenarioError, scenario_from_dict


@dataclass(frozen=True)
class CodeReading:
    scenario: dict[str, Any]  # a valid scenario; unresolved fields hold the placeholders above
    unresolved: tuple[str, ...]  # dotted fields the code does not determine ("train.samples")
    lines: dict[str, int]  # dotted field -> the 1-based line it came from (a notebook: its code cells joined)
    notes: tuple[str, ...]  # plain sentences: what was read and what was not
    calls: tuple[int, ...]  # the 1-based line of every fit / fit_generator call, in order
    chosen: int  # 0-based index into calls of the one read
    relations: dict[str, str]  # field -> formula over other fields ("ceil(train.samples / train.batch_size)")
    source: str  # the code as read
    # The Keras 2 ways the chosen call uses, for a box on what Keras 2 did: "fit_generator", "workers",
    # "use_multiprocessing", "max_queue_size". tf.keras 2 also ended the whole fit when the data ran out
    # (the scenario's "keras": "2" shows that).
    keras2: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "unresolved": list(self.unresolved),
            "lines": dict(self.lines),
            "notes": list(self.notes),
            "calls": list(self.calls),
            "chosen": self.chosen,
            "relations": dict(self.relations),
            "keras2": list(self.keras2),
        }


def read_source(source: Source, call: int | None) -> CodeReading:
    interpreter = Interpreter(source)
    reading = interpreter.run()
    fits = reading.fits
    if not fits:
        where = (
            " (a custom training loop with GradientTape or train_on_batch was found instead)" if reading.custom_loop_line else ""
        )
        raise CodeImportError(f"No fit call was found in the code{where}: nothing to read into a scenario.")
    if call is not None and not 1 <= call <= len(fits):
        calls = "1 fit call" if len(fits) == 1 else f"{len(fits)} fit calls"
        raise CodeImportError(f"There is no fit call number {call}: the code has {calls}.")
    chosen = (call - 1) if call is not None else len(fits) - 1
    fit = fits[chosen]
    scenario, builder = build(interpreter, fit)
    _flavour(scenario, builder, reading.environment)
    _replicas(scenario, builder, reading.strategy)
    relations = _relations(builder)
    _fill_from_relations(scenario, builder, relations)
    _fill_endless_steps(scenario, builder)
    notes = [*reading.notes, *_call_notes(fits, chosen), *builder.notes, *_keras2_notes(fit), *_data_notes(fit)]
    if reading.custom_loop_line is not None:
        notes.append(
            f"Line {reading.custom_loop_line} trains with a custom loop (GradientTape or train_on_batch): "
            "only the fit call is read; the timeline does not show that loop."
        )
    scenario = _valid(scenario, builder, notes)
    unresolved = tuple(dict.fromkeys(builder.unresolved))
    lines = {where: line for where, line in builder.lines.items() if where not in unresolved and line}
    notes.extend(_unresolved_notes(unresolved, relations))
    return CodeReading(
        scenario=scenario,
        unresolved=unresolved,
        lines=lines,
        notes=tuple(notes),
        calls=tuple(one.line for one in fits),
        chosen=chosen,
        relations=relations,
        source=source.text,
        keras2=tuple(
            name
            for name in ("fit_generator", "workers", "use_multiprocessing", "max_queue_size")
            if (name == "fit_generator" and fit.method == name) or name in fit.arguments
        ),
    )


def _flavour(scenario: dict[str, Any], builder: Builder, environment: dict[str, tuple[str, int]]) -> None:
    """Which Keras runs fit, where the code sets it: KERAS_BACKEND, or TF_USE_LEGACY_KERAS=1 for tf.keras 2."""
    legacy = environment.get("TF_USE_LEGACY_KERAS")
    if legacy is not None and legacy[0].strip().lower() in ("1", "true"):
        scenario["keras"] = "2"
        builder.lines["keras"] = legacy[1]
        return
    backend = environment.get("KERAS_BACKEND")
    if backend is not None and backend[0] in ("tensorflow", "jax", "torch"):
        if backend[0] != "tensorflow":
            scenario["backend"] = backend[0]
        builder.lines["backend"] = backend[1]


def _replicas(scenario: dict[str, Any], builder: Builder, strategy: tuple[int | None, int] | None) -> None:
    """MirroredStrategy's replicas: its device list's length, or to fill in (every GPU of the machine that runs it)."""
    if strategy is None:
        return
    count, line = strategy
    if count is not None and count >= 1:
        if count > 1:
            scenario["replicas"] = count
        builder.lines["replicas"] = line
    else:
        builder.unresolved.append("replicas")
        builder.notes.append(
            f"Line {line}: MirroredStrategy() uses every GPU of the machine that runs it: type how many in the form."
        )


def _relations(builder: Builder) -> dict[str, str]:
    """Fields computed from values the code does not know but the form holds: ceil(train.samples / train.batch_size)."""
    held = unknown_fields(builder)
    relations: dict[str, str] = {}
    for where, expression in builder.exprs.items():
        if not isinstance(expression, ex.Op) or not ex.unknowns(expression):
            continue
        fields = {key: name for key, name in held.items() if name != where}
        written = ex.substitute(expression, fields, _constant_fields(builder, where))
        if written is not None:
            relations[where] = ex.formula(written)
    return relations


def _constant_fields(builder: Builder, target: str) -> dict[tuple[int, Any], str]:
    """(line, value) -> the determined field written there; a field of the target's own part (validation.*) first."""
    section = target.split(".", 1)[0] if "." in target else "train"
    constants: dict[tuple[int, Any], str] = {}
    ranked = sorted(builder.exprs.items(), key=lambda item: not item[0].startswith(section + "."))
    for where, expression in ranked:
        if where == target or "[" in where or not isinstance(expression, ex.Const) or where not in builder.lines:
            continue
        constants.setdefault((builder.lines[where], expression.value), where)
    return constants


def _flat_values(scenario: dict[str, Any]) -> dict[str, int]:
    values: dict[str, int] = {}
    for key, value in scenario.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                if isinstance(inner_value, int) and not isinstance(inner_value, bool):
                    values[f"{key}.{inner}"] = inner_value
        elif isinstance(value, int) and not isinstance(value, bool):
            values[key] = value
    return values


def _fill_from_relations(scenario: dict[str, Any], builder: Builder, relations: dict[str, str]) -> None:
    """An unresolved field with a relation takes its value over the placeholders (steps = ceil(1000 / 32))."""
    for where, formula in relations.items():
        if where not in builder.unresolved or "[" in where:
            continue
        value = ex.evaluate_relation(formula, _flat_values(scenario))
        if value is not None and value >= 1:
            _set(scenario, where, value)


def _endless(data: Any) -> bool:
    if not isinstance(data, dict) or "split" in data:
        return False
    pipeline = data.get("pipeline")
    if pipeline is not None:
        return data.get("samples") is None or any(step.get("op") == "repeat" and step.get("count") is None for step in pipeline)
    return data.get("samples") is None or data.get("repeat", "none") != "none"


def _fill_endless_steps(scenario: dict[str, Any], builder: Builder) -> None:
    """Steps the code sets but the reader cannot know, over endless data: a placeholder count, so the plan ends."""
    if "steps_per_epoch" in builder.unresolved and scenario.get("steps_per_epoch") is None and _endless(scenario["train"]):
        scenario["steps_per_epoch"] = PLACEHOLDERS["endless_steps"]
    validation = scenario.get("validation")
    if "validation.steps" in builder.unresolved and _endless(validation) and validation.get("steps") is None:  # type: ignore[union-attr]
        validation["steps"] = PLACEHOLDERS["endless_steps"]  # type: ignore[index]


def _set(scenario: dict[str, Any], where: str, value: Any) -> None:
    if "." in where:
        outer, inner = where.split(".", 1)
        if isinstance(scenario.get(outer), dict) and "[" not in inner:
            scenario[outer][inner] = value
    else:
        scenario[where] = value


def _valid(scenario: dict[str, Any], builder: Builder, notes: list[str]) -> dict[str, Any]:
    """The scenario as core.scenario reads it; a value Keras would not take is noted and set back to its placeholder."""
    defaults = {
        "epochs": 1,
        "steps_per_epoch": None,
        "steps_per_execution": 1,
        "initial_epoch": 0,
        "gradient_accumulation_steps": None,
        "train.samples": PLACEHOLDERS["samples"],
        "train.batch_size": PLACEHOLDERS["batch_size"],
        "validation.samples": PLACEHOLDERS["validation_samples"],
        "validation.batch_size": None,
        "validation.steps": None,
        "validation.freq": 1,
        "validation.split": PLACEHOLDERS["split"],
    }
    for _attempt in range(8):
        try:
            return scenario_from_dict(scenario).to_dict()
        except ScenarioError as exc:
            where = exc.field
            if where not in defaults:
                notes.append(
                    f"The code's setup cannot be written as a scenario ({exc.message}); the form starts from Keras' defaults."
                )
                return scenario_from_dict({"train": {"samples": PLACEHOLDERS["samples"]}}).to_dict()
            line = builder.lines.get(where)
            notes.append(f"{'Line ' + str(line) + ': ' if line else ''}{exc.message}")
            _set(scenario, where, defaults[where])
            builder.unresolved.append(where)
    return scenario_from_dict({"train": {"samples": PLACEHOLDERS["samples"]}}).to_dict()


def _call_notes(fits: list[FitCall], chosen: int) -> list[str]:
    notes = []
    fit = fits[chosen]
    if len(fits) > 1:
        others = [one.line for index, one in enumerate(fits) if index != chosen]
        where = ", ".join(str(line) for line in others)
        lines_word = "line" if len(others) == 1 else "lines"
        notes.append(
            f"The code calls fit {len(fits)} times; the one at line {fit.line} is read (the others are at {lines_word} {where}); "
            "--call N picks another."
        )
    if fit.in_loop:
        notes.append(f"The fit call at line {fit.line} is inside a loop: each time round is a fit of its own; one call is shown.")
    if fit.in_function:
        notes.append(f"The fit call at line {fit.line} is inside the function {fit.in_function}(): its arguments are not known.")
    return notes


def _keras2_notes(fit: FitCall) -> list[str]:
    notes = []
    if fit.method == "fit_generator":
        notes.append(
            f"Line {fit.line}: fit_generator is Keras 2; Keras 3 has no fit_generator and takes the same data in fit(), "
            "which is what the scenario shows."
        )
    if fit.keras1_epochs:
        notes.append(f"Line {fit.line}: nb_epoch is Keras 1's name; it is read as epochs, which Keras 3 needs instead.")
    moved = [name for name in ("workers", "use_multiprocessing", "max_queue_size") if name in fit.arguments]
    if moved:
        names = " and ".join(f"{name}=" for name in moved)
        notes.append(
            f"Line {fit.line}: {names} in fit is Keras 2; Keras 3's fit does not take it (a TypeError): "
            "give it to your PyDataset instead (super().__init__(workers=4, use_multiprocessing=True))."
        )
    return notes


def _data_notes(fit: FitCall) -> list[str]:
    notes = []
    x = fit.arguments.get("x")
    if isinstance(x, Seq) and x.items:
        x = x.items[0]
    if "batch_size" in fit.arguments and isinstance(x, (Dataset, Flow, Stream, PyDatasetValue)):
        notes.append(f"Line {fit.line}: fit's batch_size is not used with this kind of data: the data makes its own batches.")
    return notes


def _unresolved_notes(unresolved: tuple[str, ...], relations: dict[str, str]) -> list[str]:
    notes = []
    for where in unresolved:
        if where in relations:
            notes.append(f"{where} is not fixed by the code; it follows {relations[where]} as you fill in the form.")
        else:
            notes.append(f"{where} is not fixed by the code: fill it in.")
    return notes


def flat_fields(scenario: dict[str, Any]) -> dict[str, Any]:
    """The scenario's fields by dotted name, in the format's order (a pipeline as one field)."""
    fields: dict[str, Any] = {}
    for key, value in scenario.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                fields[f"{key}.{inner}"] = inner_value
        else:
            fields[key] = value
    return fields
