"""The command line: ``plan`` and ``verify`` on scenario files, ``import`` of training code. No Qt, no TensorFlow at import."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from core.explain import summarize
from core.files import BadScenarioFile, load_scenario
from core.flavours import Flavour
from core.keras.fit import plan
from core.plan import Plan, write_json
from core.scenario import quote
from core.versions import keras_version_note

EXIT_OK = 0
EXIT_DIFFERENCE = 1
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3
# The scenario names a Keras flavour (tf.keras 2, a backend) whose packages are not installed.
EXIT_FLAVOUR_MISSING = 4


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="epochscope",
        description="See exactly which batches Keras feeds to every epoch.",
        epilog=(
            "Without a command, epochscope opens the window: epochscope [SCENARIO.json] [--trap KEY] "
            "[--presentation] [--theme system|light|dark] [--screenshot OUT.png]. "
            "epochscope --install-launcher puts it in the applications menu; --uninstall-launcher removes it."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    plan_parser = commands.add_parser("plan", help="print what Keras will do with scenario files")
    plan_parser.add_argument("scenarios", nargs="+", metavar="SCENARIO.json")
    plan_parser.add_argument("--json", action="store_true", help="print the plan JSON (an array for several files)")
    verify_parser = commands.add_parser("verify", help="run real Keras on a scenario and compare it with the plan")
    verify_parser.add_argument("scenario", metavar="SCENARIO.json")
    import_parser = commands.add_parser("import", help="read a training script or notebook's fit call into a scenario")
    import_parser.add_argument("code", metavar="FILE.py|FILE.ipynb|-", help="the code to read; - reads it from standard input")
    import_parser.add_argument("--json", action="store_true", help='print {"scenario", "unresolved", "lines", "notes"}')
    import_parser.add_argument("--call", type=int, metavar="N", help="read the N-th fit call (1-based); the last by default")
    return parser


def run(argv: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage line already
        return EXIT_OK if exc.code == 0 else EXIT_BAD_INPUT
    if args.command == "plan":
        return _plan_command(args.scenarios, args.json, out, err)
    if args.command == "verify":
        return _verify_command(args.scenario, out, err)
    if args.command == "import":
        return _import_command(args.code, args.json, args.call, out, err)
    parser.print_help(out)
    return EXIT_BAD_INPUT


def _plan_command(paths: list[str], as_json: bool, out: TextIO, err: TextIO) -> int:
    try:
        scenarios = [load_scenario(path) for path in paths]
    except BadScenarioFile as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    plans = [plan(scenario) for scenario in scenarios]
    if as_json:
        write_json(plans, out)  # epoch by epoch: memory stays flat, size follows the plan's pieces
    else:
        for index, (path, one_plan) in enumerate(zip(paths, plans, strict=True)):
            if len(paths) > 1:
                out.write(("\n" if index else "") + f"== {quote(path, limit=len(path))}\n")
            out.write(summarize(one_plan) + "\n")
    note = keras_version_note()
    if note:
        print(f"note: {note}", file=err)
    return EXIT_OK


def _import_command(path: str, as_json: bool, call: int | None, out: TextIO, err: TextIO) -> int:
    import json

    from core.code_import import CodeImportError, read_code, read_code_file
    from core.code_import.source import MAX_CODE_BYTES, decode

    try:
        if path == "-":
            # Read no further than the longest code accepted: decode then says it is too long, in one line.
            reading = read_code(decode(sys.stdin.buffer.read(MAX_CODE_BYTES + 1)), call=call)
        else:
            reading = read_code_file(path, call=call)
    except CodeImportError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    if as_json:
        out.write(json.dumps(reading.to_json(), indent=2) + "\n")
        return EXIT_OK
    out.write(_import_summary(reading) + "\n")
    return EXIT_OK


def _import_summary(reading: Any) -> str:
    """The reading in words: each field with the line it came from, what is left to fill in, the notes."""
    from core.code_import.reading import flat_fields

    chosen_line = reading.calls[reading.chosen]
    text = [f"Read the fit call at line {chosen_line:,}."]
    for where, value in flat_fields(reading.scenario).items():
        if where in reading.lines:
            text.append(f"  {where} = {_json_value(value)}  (line {reading.lines[where]:,})")
        elif where in reading.relations:  # written in the code, from values it does not know
            text.append(f"  {where} = {_json_value(value)}  (the code computes it as {reading.relations[where]})")
        elif where in reading.unresolved:
            text.append(f"  {where} = {_json_value(value)}  (not in the code: fill it in)")
        else:
            text.append(f"  {where} = {_json_value(value)}  (Keras' default)")
    to_fill = [where for where in reading.unresolved if where not in reading.relations]
    following = [where for where in reading.unresolved if where in reading.relations]
    if to_fill:
        text.append("To fill in: " + ", ".join(to_fill) + ".")
    if following:
        text.append("Following what you fill in: " + ", ".join(following) + ".")
    text.extend(f"note: {note}" for note in reading.notes)
    return "\n".join(text)


def _json_value(value: Any) -> str:
    import json

    return json.dumps(value)


def _verify_command(path: str, out: TextIO, err: TextIO) -> int:
    from core.compare import compare, count_words
    from core.flavours import flavour_of
    from core.pipelines import inputs_words
    from core.record_flavour import FlavourMissing, RecordingFailed, check_flavour, record
    from core.recorder import RecorderUnavailable, check_recordable, recordable_steps

    try:
        scenario = load_scenario(path)
    except BadScenarioFile as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    planned = plan(scenario)
    flavour = flavour_of(scenario)
    try:
        check_flavour(scenario)
        check_recordable(scenario, recordable_steps(planned))
        # Keras 3 on TensorFlow runs here; another flavour in a process with its own environment.
        recorded = record(scenario, planned)
    except FlavourMissing as exc:
        print(f"error: {exc}", file=err)
        return EXIT_FLAVOUR_MISSING
    except (RecorderUnavailable, RecordingFailed) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_UNAVAILABLE
    # The Plan itself is compared, walked only as far as the recording goes (never its whole JSON).
    comparison = compare(planned, recorded)
    version = _flavour_version(flavour, recorded)
    split = _replica_difference(recorded)
    if comparison.difference is None and split is not None:
        print(f"difference: {split}", file=out)
        print(f"(recorded with {version}; the plan describes Keras {planned.keras_version})", file=out)
        return EXIT_DIFFERENCE
    # The new kinds of input (issue 11) say what was built and run; the original three read as before.
    inputs = inputs_words(scenario)
    if comparison.difference is not None:
        print(f"difference: {comparison.difference}", file=out)
        if comparison.stopped is not None:
            stopped = comparison.stopped
            print(f"(the fit was stopped in epoch {stopped.epoch} after {stopped.words()})", file=out)
        if inputs is not None:
            print(f"(Keras was given {inputs})", file=out)
        print(f"(recorded with {version}; the plan describes Keras {planned.keras_version})", file=out)
        return EXIT_DIFFERENCE
    if planned.outcome == "error":
        print(f"match: {version} refused, as planned: {recorded.get('error')}", file=out)
        if inputs is not None:
            print(f"compared: the outcome, on {inputs}.", file=out)
        return EXIT_OK
    finished = len(planned.epochs)
    done = f"{count_words(planned.totals.steps, 'training step')}"
    if planned.totals.validation_steps:
        done += f" and {count_words(planned.totals.validation_steps, 'validation step')}"
    if recorded.get("replicas", 1) > 1:
        done += f", every batch split across the {recorded['replicas']} devices as planned"
    weight_updates = recorded.get("weight_updates")
    if weight_updates is not None:
        done += f" with {count_words(weight_updates, 'weight update')}"
    numbers = _epoch_numbers(planned)
    stopped = comparison.stopped
    ended = recorded.get("stopped") if recorded.get("outcome") == "ok" else None
    if ended is not None:  # tf.keras 2 ends the whole fit where its data runs out
        done += f"; the data ran out in epoch {ended['epoch']:,} and ended fit there"
    if stopped is None:
        print(f"match: {version} ran exactly the planned {count_words(finished, 'epoch')}{numbers}: {done}.", file=out)
        if inputs is not None:
            print(f"compared: {_compared_parts(planned, recorded)}, on {inputs}.", file=out)
        return EXIT_OK
    # A stop is said for what it is: Keras was stopped, and agreed with the plan up to there.
    # verify sets no bound of its own: a part that ends is stopped only one step past its planned
    # end, which is a difference, so a stop that matches is always in a part that never ends.
    never = "which never ends" if stopped.part == "train" else "whose validation never ends"
    before = f"ran exactly the planned {count_words(finished, 'epoch')} ({done}), then" if finished else "ran"
    print(
        f"match: {version} {before} epoch {stopped.epoch}, {never} (as planned); stopped after {stopped.words()}, "
        "as planned so far: match up to there.",
        file=out,
    )
    if inputs is not None:
        print(f"compared: {_compared_parts(planned, recorded)}, on {inputs}.", file=out)
    return EXIT_OK


def _epoch_numbers(planned: Plan) -> str:
    """ " (epochs 3 to 5)" when the first epoch is not epoch 1 (fit's initial_epoch); "" otherwise."""
    epochs = planned.epochs
    if not len(epochs):
        return ""
    first, last = getattr(epochs[0], "number", 1), getattr(epochs[len(epochs) - 1], "number", len(epochs))
    if first == 1:
        return ""
    return f" (epoch {first})" if first == last else f" (epochs {first:,} to {last:,})"


def _compared_parts(planned: Plan, recorded: dict[str, Any]) -> str:
    """What verify compared, epoch by epoch: "each epoch's number, batch sizes (...), first samples, ..."."""
    epochs = planned.epochs
    # A random batch order comes from the source (a shuffled PyDataset, a shuffle after batch): every epoch has it.
    random_order = len(epochs) > 0 and getattr(epochs[0], "train_order", "fixed") == "random"
    sizes = "batch sizes (training in Keras' random batch order: as a multiset)" if random_order else "batch sizes in order"
    parts = ["each epoch's number", sizes, "first samples", '"ran out of data" warnings']
    if recorded.get("weight_updates") is not None:
        parts.append("the weight updates counted by the optimizer")
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _flavour_version(flavour: Flavour, recorded: dict[str, Any]) -> str:
    """The Keras that ran: "Keras 3.15.1", "tf.keras 2.21.0", "Keras 3.15.1 (JAX)", "Keras 3.15.1 on 4 devices"."""
    version = recorded.get("keras")
    if flavour.keras == "2":
        name = f"tf.keras {version}"
    elif flavour.backend == "tensorflow":
        name = f"Keras {version}"
    else:  # "Keras 3 (JAX)" with the version
        name = Flavour(flavour.keras, flavour.backend).label.replace("Keras 3", f"Keras {version}", 1)
    return name if flavour.replicas == 1 else f"{name} on {flavour.replicas} devices"


def _replica_difference(recorded: dict[str, Any]) -> str | None:
    """Under MirroredStrategy: the first recorded global batch that was not split as replica_split says, in words."""
    replicas = recorded.get("replicas", 1)
    if replicas == 1:
        return None
    from core.keras.replicas import replica_split

    for epoch in recorded.get("epochs", []):
        for part in ("train", "val"):
            for sizes, _count in epoch.get(f"{part}_replicas") or []:
                expected = replica_split(sum(sizes), replicas)
                if tuple(sizes) != expected:
                    words = "training" if part == "train" else "validation"
                    return (
                        f"epoch {epoch['epoch']:,}: a {words} batch of {sum(sizes):,} samples was split across the "
                        f"replicas as {list(sizes)}, not {list(expected)}"
                    )
    return None
