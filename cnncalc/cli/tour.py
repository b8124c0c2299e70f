"""`cnncalc tour`: a non-interactive walk through every feature on built-in examples.

Each command module contributes `TOUR = [(heading, argv), ...]`; the tour runs those commands
in-process, in the order of `COMMAND_MODULES`, so it always shows what the commands really print.
"""

import importlib
import sys
from typing import Annotated

import typer

from cnncalc.arith.errors import CnnCalcError
from cnncalc.cli.errors import reported


def tour_entries() -> list[tuple[str, list[str], int]]:
    """(heading, argv, expected exit code): a stop may show a failure on purpose (a wrong claim)."""
    from cnncalc.cli.app import COMMAND_MODULES

    entries: list[tuple[str, list[str], int]] = []
    for name in COMMAND_MODULES:
        for entry in getattr(importlib.import_module(name), "TOUR", []):
            heading, argv, *code = entry
            entries.append((heading, list(argv), code[0] if code else 0))
    return entries


def tour(
    only: Annotated[
        str | None,
        typer.Option("--only", help="Run only the stops whose command starts with this word, e.g. shape."),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the stops without running them.")] = False,
) -> None:
    """A guided walk through cnncalc's features on built-in examples (non-interactive).

    \b
    Examples:
      cnncalc tour
      cnncalc tour --only rf
      cnncalc tour --list
    """
    from cnncalc.cli.app import app

    with reported("tour"):
        entries = [e for e in tour_entries() if only is None or e[1][0] == only]
        if not entries:
            raise typer.BadParameter(f"no tour stop runs {only!r}", param_hint="--only")
        command = typer.main.get_command(app)
        for i, (heading, argv, expected) in enumerate(entries, 1):
            shown = " ".join(a if a and " " not in a and "|" not in a else f'"{a}"' for a in argv)
            if list_:
                sys.stdout.write(f"{i:2}. {heading}\n    cnncalc {shown}\n")
                continue
            sys.stdout.write(f"\n━━ {i}/{len(entries)} {heading}\n$ cnncalc {shown}\n\n")
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
        if not list_:
            sys.stdout.write(
                "\nThat was the tour. `cnncalc COMMAND --help` shows each command's options and examples.\n"
            )


def register(app: typer.Typer) -> None:
    app.command("tour")(tour)
