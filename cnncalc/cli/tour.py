"""`cnncalc tour`: a non-interactive walk through every feature on built-in examples.

Each command module contributes `TOUR = [(heading, argv), ...]`; the tour runs those commands
in-process, in the order of `COMMAND_MODULES`, so it always shows what the commands really print.
`{tmp}` in an argument is a scratch folder for the whole tour (a model saved by one stop is
looked at by the next), removed at the end.
"""

import importlib
import sys
import tempfile
from typing import Annotated

import typer

from cnncalc.arith.errors import CnnCalcError
from cnncalc.cli.errors import reported


def tour_entries(only: str | None = None) -> list[tuple[str, list[str], int]]:
    """(heading, argv, expected exit code): a stop may show a failure on purpose (a wrong claim).

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
        if only == section or any(argv[0] == only for _, argv, _ in part):
            return part
    return []


def tour(
    only: Annotated[
        str | None,
        typer.Option(
            "--only", help="Run one part: calc, net, lessons or train (or a command it shows, e.g. rf)."
        ),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the stops without running them.")] = False,
) -> None:
    """A guided walk through cnncalc's features on built-in examples (non-interactive).

    \b
    Examples:
      cnncalc tour
      cnncalc tour --only calc
      cnncalc tour --only train
      cnncalc tour --list
    """
    from cnncalc.cli.app import app

    with reported("tour"):
        entries = tour_entries(only)
        if not entries:
            raise typer.BadParameter(
                f"no part of the tour is called or shows {only!r}; try calc, net, lessons or train",
                param_hint="--only",
            )
        command = typer.main.get_command(app)
        with tempfile.TemporaryDirectory(prefix="cnncalc-tour-") as scratch:
            for i, (heading, argv, expected) in enumerate(entries, 1):
                _stop(
                    command,
                    i,
                    len(entries),
                    heading,
                    [a.replace("{tmp}", scratch) for a in argv],
                    expected,
                    list_,
                )
        if not list_:
            sys.stdout.write(
                "\nThat was the tour. `cnncalc COMMAND --help` shows each command's options and examples.\n"
            )


def _stop(command, i: int, total: int, heading: str, argv: list[str], expected: int, list_only: bool) -> None:
    shown = " ".join(a if a and " " not in a and "|" not in a else f'"{a}"' for a in argv)
    if list_only:
        sys.stdout.write(f"{i:2}. {heading}\n    cnncalc {shown}\n")
        return
    sys.stdout.write(f"\n━━ {i}/{total} {heading}\n$ cnncalc {shown}\n\n")
    sys.stdout.flush()
    try:
        # without standalone mode, click returns a command's exit code instead of exiting
        code = command.main(argv, prog_name="cnncalc", standalone_mode=False)
    except typer.Exit as e:
        code = e.exit_code
    code = code if isinstance(code, int) else 0
    if code != expected:
        raise CnnCalcError(f"tour stop {i} ({' '.join(argv[:2])}) exited {code}, expected {expected}")
    if code:
        sys.stdout.write(f"(exit {code}, as expected)\n")


def register(app: typer.Typer) -> None:
    app.command("tour")(tour)
