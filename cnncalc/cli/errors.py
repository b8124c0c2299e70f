"""How the CLI reports failures: a message on stderr and an exit code, never a traceback.

Domain errors (`CnnCalcError`) exit 1, malformed values (`UsageError`) exit 2, as Click does.
`cnncalc --traceback COMMAND` re-raises instead, for bug reports. Under `--json` a failure is
one JSON object on stderr, `{"error": "...", "exit_code": 2}`, so scripts can read it: whether
the core refused a value (`reported`) or the options did not parse (`ReportingGroup`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

from cnncalc.arith.errors import CnnCalcError

# click's base error, whether typer bundles click (0.28) or depends on it (earlier versions)
_ClickException = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class ErrorDisplay:
    """How failures are shown for the whole run: `traceback` from the root `--traceback` option,
    `json` when the command was given `--json`."""

    __slots__ = ("json", "traceback")

    def __init__(self) -> None:
        self.traceback = False
        self.json = False


ERRORS = ErrorDisplay()


def fail(message: str, code: int = 1, hint: str = "") -> typer.Exit:
    """Print `error: message` (and a hint) to stderr, or under --json one JSON object; return the
    Exit to raise."""
    if ERRORS.json:
        import json

        sys.stderr.write(json.dumps({"error": message, "exit_code": code}, ensure_ascii=False) + "\n")
        return typer.Exit(code=code)
    sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
    return typer.Exit(code=code)


def wants_json(argv: Sequence[str]) -> bool:
    """`--json` among the options (before a `--` that ends them)."""
    return "--json" in (argv[: list(argv).index("--")] if "--" in argv else argv)


class ReportingGroup(TyperGroup):
    """The root command. It notes whether the run asked for --json (so `fail` speaks JSON), and
    shows click's own usage errors (an unknown option, a missing value) the same way."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        outer = ERRORS.json  # a tour stop runs inside the tour's own run
        ERRORS.json = wants_json(argv)
        try:
            if not standalone_mode:
                return super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
            try:
                code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
            except _ClickException as e:
                if ERRORS.json:
                    fail(e.format_message(), e.exit_code)
                else:
                    e.show()
                sys.exit(e.exit_code)
            except typer.Abort:
                fail("aborted", 1)
                sys.exit(1)
            sys.exit(code if isinstance(code, int) else 0)
        finally:
            ERRORS.json = outer


def flag_for(field: str, flags: dict[str, str] | None = None) -> str:
    """The option a field is given with: `flags` names the exceptions, otherwise `--field-name`."""
    if flags and field in flags:
        return flags[field]
    return "--" + field.replace("_", "-")


@contextmanager
def reported(command: str = "", flags: dict[str, str] | None = None) -> Iterator[None]:
    """Turn core errors into clean exits; anything unexpected still gets a one-line message.

    A core error that names a field (`CnnCalcError(..., field="lr")`) is shown with the command's
    option for it: `flags` maps field names to options where they differ from `--field-name`.
    """
    try:
        yield
    except typer.Exit:
        raise
    except CnnCalcError as e:
        if ERRORS.traceback:
            raise
        hint = f"see `cnncalc {command} --help`" if command and e.exit_code == 2 else ""
        message = e.named(lambda field: flag_for(field, flags))
        raise fail(message, e.exit_code, hint) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None
    except BrokenPipeError:
        # `cnncalc ... | head`: the reader left; stop quietly, as Unix tools do
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(code=141) from None
    except (OSError, ValueError, OverflowError, MemoryError, RecursionError) as e:
        if ERRORS.traceback:
            raise
        raise fail(f"{type(e).__name__}: {e}", 1, "run with `cnncalc --traceback ...` to see where") from None
