"""`cnncalc tour`: a non-interactive walk through every feature on built-in examples.

Each command module contributes `TOUR = [(heading, argv), ...]`; the tour runs those commands
in-process, in the order of `COMMAND_MODULES`, so it always shows what the commands really print.
`{tmp}` in an argument is a scratch folder for the whole tour (a model saved by one stop is
looked at by the next), removed at the end.
"""

import contextlib
import importlib
import io
import shlex
import sys
import tempfile
from typing import Annotated

import typer
from typer.core import TyperGroup

from cnncalc.arith.errors import CnnCalcError
from cnncalc.cli.errors import reported
from cnncalc.cli.options import JsonOpt
from cnncalc.cli.output import emit_json, terminal_width
from cnncalc.i18n import _, current_language, translated
from cnncalc.render.width import display_width, wrap


def tour_entries(only: str | None = None) -> list[tuple[str, list[str], int]]:
    """(heading, argv, expected exit code): a stop may show a failure on purpose (a wrong claim).
    The headings are in English, marked `N_()` where the modules define them: `translated()` shows
    them in the current language.

    `only` picks one module's part of the tour, named by the module (calc, net, lessons, train)
    or by any command it shows, so stops that build on each other (train, then predict) stay
    together.
    """
    from cnncalc.cli.app import COMMAND_MODULES

    sections: dict[str, list[tuple[str, list[str], int]]] = {}
    for name in COMMAND_MODULES:
        for entry in getattr(importlib.import_module(name), "TOUR", []):
            heading, argv, *code = entry
            sections.setdefault(name.rsplit(".", 1)[-1], []).append(
                (heading, list(argv), code[0] if code else 0)
            )
    if only is None:
        return [e for part in sections.values() for e in part]
    for section, part in sections.items():
        if only == section or any(argv[0] == only for _heading, argv, _code in part):
            return part
    return []


def tour(
    only: Annotated[
        str | None,
        typer.Option(
            "--only", help=_("Run one part: calc, net, lessons or train (or a command it shows, e.g. rf).")
        ),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help=_("List the stops without running them."))] = False,
    json: JsonOpt = False,
) -> None:
    """A guided walk through cnncalc's features on built-in examples (non-interactive).

    With --json, one object: every stop's heading, command and exit code, and the command's own
    JSON output (run with --json; `text` for a command that prints pictures only).

    \b
    Examples:
      cnncalc tour
      cnncalc tour --only calc
      cnncalc tour --only train
      cnncalc tour --list
      cnncalc tour --only net --json
    """
    from cnncalc.cli.app import app

    with reported("tour"):
        entries = tour_entries(only)
        if not entries:
            raise typer.BadParameter(
                _("no part of the tour is called or shows {only!r}; try calc, net, lessons or train").format(
                    only=only
                ),
                param_hint="--only",
            )
        command = typer.main.get_command(app)
        with tempfile.TemporaryDirectory(prefix="cnncalc-tour-") as scratch:
            stops = [
                (translated(h), [a.replace("{tmp}", scratch) for a in argv], code)
                for h, argv, code in entries
            ]
            if list_:
                _list(stops, json)
            elif json:
                emit_json({"stops": [_json_stop(command, i, *stop) for i, stop in enumerate(stops, 1)]})
            else:
                for i, stop in enumerate(stops, 1):
                    _text_stop(command, i, len(stops), *stop)
                closing = _(
                    "That was the tour. `cnncalc COMMAND --help` shows each command's options and examples."
                )
                sys.stdout.write("\n" + "\n".join(wrap(closing, terminal_width())) + "\n")


Stop = tuple[str, list[str], int]  # heading, argv, expected exit code


def _shown(argv: list[str]) -> str:
    return " ".join(a if a and " " not in a and "|" not in a else f'"{a}"' for a in argv)


def _list(stops: list[Stop], json: bool) -> None:
    if json:
        records = [
            {**_stop_record(i, heading, argv), "expected_exit_code": code}
            for i, (heading, argv, code) in enumerate(stops, 1)
        ]
        emit_json({"stops": records})
        return
    width = terminal_width()
    for i, (heading, argv, _code) in enumerate(stops, 1):
        # the heading wraps under itself, as the tour prints it; the command stays whole, to copy
        for line in wrap(heading, width, initial_indent=f"{i:2}. ", subsequent_indent="    "):
            sys.stdout.write(line + "\n")
        sys.stdout.write(f"    cnncalc {_shown(argv)}\n")


def _stop_record(number: int, heading: str, argv: list[str]) -> dict:
    return {"number": number, "heading": heading, "command": shlex.join(["cnncalc", *argv])}


def _run(command: TyperGroup, number: int, argv: list[str], expected: int) -> int:
    """Run one stop in-process; an exit code other than the one it should have stops the tour."""
    try:
        # without standalone mode, click returns a command's exit code instead of exiting; the stop
        # speaks the tour's language (`cnncalc --lang zh tour` too, whatever the environment says)
        code = command.main(["--lang", current_language(), *argv], prog_name="cnncalc", standalone_mode=False)
    except typer.Exit as e:
        code = e.exit_code
    code = code if isinstance(code, int) else 0
    if code != expected:
        raise CnnCalcError(
            _("tour stop {number} ({command}) exited {code}, expected {expected}"),
            number=number,
            command=" ".join(argv[:2]),
            code=code,
            expected=expected,
        )
    return code


def _text_stop(
    command: TyperGroup, number: int, total: int, heading: str, argv: list[str], expected: int
) -> None:
    # the heading wraps under itself; the command stays on one line, to copy
    mark = f"━━ {number}/{total} "
    lines = wrap(heading, terminal_width(), initial_indent=mark, subsequent_indent=" " * display_width(mark))
    sys.stdout.write("\n" + "\n".join(lines) + f"\n$ cnncalc {_shown(argv)}\n\n")
    sys.stdout.flush()
    if _run(command, number, argv, expected):
        sys.stdout.write(_("(exit {code}, as expected)").format(code=expected) + "\n")


def _json_stop(command: TyperGroup, number: int, heading: str, argv: list[str], expected: int) -> dict:
    """One stop run with --json (when its command has it), its output parsed; a stop that fails on
    purpose with nothing on stdout records the error object the command wrote to stderr."""
    import json

    with_json = _has_json(command, argv)
    argv = [*argv, "--json"] if with_json else argv
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = _run(command, number, argv, expected)
    record = {**_stop_record(number, heading, argv), "exit_code": code}
    if not with_json:
        record["text"] = out.getvalue()
    elif out.getvalue().strip():
        record["output"] = json.loads(out.getvalue())
    else:
        record["error"] = json.loads(err.getvalue())
    return record


def _has_json(command: TyperGroup, argv: list[str]) -> bool:
    """Whether the (sub)command `argv` names takes --json."""
    for word in argv:
        subcommands = getattr(command, "commands", {})
        if word not in subcommands:
            break
        command = subcommands[word]
    return any("--json" in p.opts for p in command.params)


def register(app: typer.Typer) -> None:
    app.command("tour")(tour)
