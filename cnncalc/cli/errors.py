"""How the CLI reports failures: a message on stderr and an exit code, never a traceback.

Domain errors (`CnnCalcError`) exit 1, malformed values (`UsageError`) exit 2, as Click does;
Ctrl-C (and SIGTERM, SIGHUP: `stop_like_ctrl_c`) exits 130; a reader that leaves (`| head -1`)
ends the run quietly with 141; a failed write to stdout (a full disk, a closed stream) exits 1 with
a message. Every message is printed with its control characters escaped, whatever file or stream
its values came from. `cnncalc --traceback COMMAND` re-raises instead, for bug reports. Under `--json` a failure is
one JSON object on stderr, `{"error": "...", "exit_code": 2}`, so scripts can read it: whether
the core refused a value (`reported`) or the options did not parse (`ReportingGroup`).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

from cnncalc.arith.errors import CnnCalcError
from cnncalc.cli.output import CLOSED_PIPE_EXIT, OutputFailed, silence_stdout, watched_stdout

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
    Exit to raise. Control characters in the message are escaped (values may come from files)."""
    from cnncalc.safety.text import printable

    message = printable(message)
    if ERRORS.json:
        import json

        _to_stderr(json.dumps({"error": message, "exit_code": code}, ensure_ascii=True) + "\n")
        return typer.Exit(code=code)
    _to_stderr(f"error: {message}\n" + (f"hint: {hint}\n" if hint else ""))
    return typer.Exit(code=code)


def _to_stderr(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except OSError:  # stderr itself is full or gone: the exit code still says it
        pass


def failed_output(e: OutputFailed) -> typer.Exit:
    """Stdout could not be written: quietly 141 when the reader left, else a message and exit 1."""
    silence_stdout()
    if isinstance(e.error, BrokenPipeError):
        return typer.Exit(code=CLOSED_PIPE_EXIT)
    return fail(f"cannot write to standard output: {e.error.strerror or e.error}")


def stop_like_ctrl_c() -> None:
    """SIGTERM and SIGHUP stop cnncalc as Ctrl-C does, as a KeyboardInterrupt: every `finally`
    runs (temporary files are removed) and the exit is a clean 130. A signal the caller chose to
    ignore (nohup) stays ignored; `train` handles all three itself to save first."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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
                with watched_stdout():
                    code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
                    sys.stdout.flush()  # a full disk shows here, not in the interpreter's last flush
            except _ClickException as e:
                if ERRORS.json:
                    fail(e.format_message(), e.exit_code)
                else:
                    try:
                        e.show()
                    except OSError:
                        pass
                sys.exit(e.exit_code)
            except typer.Abort:
                fail("aborted", 1)
                sys.exit(1)
            except OutputFailed as e:
                sys.exit(failed_output(e).exit_code)
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

    A core error that names fields (`CnnCalcError(..., field="lr")`) is shown with the command's
    options for them: `flags` maps field names to options where they differ from `--field-name`.
    """
    try:
        yield
    except (typer.Exit, typer.Abort, _ClickException):  # click reports its own usage errors
        raise
    except CnnCalcError as e:
        if ERRORS.traceback:
            raise
        hint = f"see `cnncalc {command} --help`" if command and e.exit_code == 2 else ""
        message = e.named(lambda field: flag_for(field, flags))
        raise fail(message, e.exit_code, hint) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None
    except OutputFailed as e:
        raise failed_output(e) from None
    except OSError as e:
        if ERRORS.traceback:
            raise
        where = f"{e.filename}: " if e.filename else ""
        raise fail(f"{where}{e.strerror or e}") from None
    except MemoryError:
        if ERRORS.traceback:
            raise
        raise fail(
            "not enough memory for this: the sizes given are too large for this computer; use smaller ones"
        ) from None
    except RecursionError:
        if ERRORS.traceback:
            raise
        raise fail("the input is nested too deeply to follow; simplify it") from None
    except Exception as e:
        if ERRORS.traceback:
            raise
        raise fail(
            f"internal error ({type(e).__name__}: {e}); this is a bug in cnncalc",
            1,
            "run it again as `cnncalc --traceback ...` and report what it prints",
        ) from None
