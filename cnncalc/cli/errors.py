"""How the CLI reports failures: a message on stderr and an exit code, never a traceback.

Domain errors (`CnnCalcError`) exit 1, malformed values (`UsageError`) exit 2, as Click does;
Ctrl-C (and SIGTERM, SIGHUP: `stop_like_ctrl_c`) exits 130; a reader that leaves (`| head -1`)
ends the run quietly with 141; a failed write to stdout (a full disk, a closed stream) exits 1 with
a message. Every message is printed with its control characters escaped, whatever file or stream
its values came from. `cnncalc --traceback COMMAND` re-raises instead, for bug reports. Under `--json` a failure is
one JSON object on stderr, `{"error": "...", "exit_code": 2}`, so scripts can read it: whether
the core refused a value (`reported`) or the options did not parse (`ReportingGroup`).

click (which typer bundles) writes its own words in English without gettext: "Usage:", "Error:",
"Missing option", "Show this message and exit." In another language `ReportingGroup` gives every
command a `LocalContext`, whose `LocalFormatter` writes help and usage lines in that language and
lays them out by display width, and says click's usage errors again, sentence by sentence, in that
language (`said_again`). English keeps click's own text, byte for byte.
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
from cnncalc.i18n import N_, _, current_language, translated

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
    text = _("error: {message}").format(message=message) + "\n"
    if hint:
        text += _("hint: {hint}").format(hint=hint) + "\n"
    _to_stderr(text)
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
    return fail(_("cannot write to standard output: {reason}").format(reason=os_reason(e.error)))


# The system's words for the failures people meet most (glibc's strerror), so that they are said in
# the chosen language too; any other reason is shown as the system gives it.
OS_REASONS = (
    N_("No such file or directory"),
    N_("Permission denied"),
    N_("Is a directory"),
    N_("Not a directory"),
    N_("No space left on device"),
    N_("File name too long"),
    N_("Read-only file system"),
    N_("File exists"),
    N_("Too many levels of symbolic links"),
    N_("Input/output error"),
    N_("Broken pipe"),
    N_("Bad file descriptor"),
    N_("Disk quota exceeded"),
    N_("it is closed"),
)


def os_reason(error: OSError) -> str:
    """Why a file or stream failed, in the chosen language where the catalog knows the words."""
    return translated(error.strerror) if error.strerror else str(error)


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


class LocalGroup(TyperGroup):
    """A group whose list of commands sums each one up in a language other than English as
    `local_summary` does: click cuts a help text after as many space-separated words as fit one
    line, and Chinese has no spaces between words, so a long first sentence came out as "..."
    alone. English keeps click's one-line summaries."""

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        if current_language() == "en":
            super().format_commands(ctx, formatter)
            return
        from cnncalc.render.width import display_width

        shown = {
            name: cmd
            for name in self.list_commands(ctx)
            if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden
        }
        # the second column's width as LocalFormatter.write_dl lays it out
        names = max((display_width(name) for name in shown), default=0)
        width = formatter.width - formatter.current_indent - min(names, 30) - 4
        kept = {cmd: cmd.short_help for cmd in shown.values()}
        try:
            for cmd in kept:
                if not cmd.short_help and cmd.help:
                    cmd.short_help = local_summary(cmd.help, width)
            super().format_commands(ctx, formatter)
        finally:
            for cmd, short in kept.items():
                cmd.short_help = short


# Where a summary that does not fit may be cut: after a clause.
_CLAUSE_ENDS = "，；：、,;:"


def local_summary(help: str, width: int) -> str:
    r"""A command's help summed up for a list of commands whose second column is `width` wide: its
    first paragraph if that fits in two lines, else one line cut after the last clause that fits
    (or else the last word, or at the width) and followed by an ellipsis — Chinese "……", else "…".

    >>> local_summary("测验，精确评分；答错时给出完整解答。\n\n示例：", 20)
    '测验，精确评分；答错时给出完整解答。'
    >>> local_summary("测验，精确评分；答错时给出完整解答，还会指出是哪一种常见错误。", 20)
    '测验，精确评分……'
    >>> local_summary("A quiz on the notes, graded exactly; a wrong answer shows the worked solution.", 40)
    'A quiz on the notes, graded exactly; a wrong answer shows the worked solution.'
    >>> local_summary("A quiz on the notes, graded exactly; a wrong answer shows the worked solution.", 30)
    'A quiz on the notes…'
    """
    from cnncalc.render.width import display_width, is_wide

    paragraph = _joined_lines(help.expandtabs().split("\n\n")[0].replace("\b", "").split("\n"))
    if display_width(paragraph) <= 2 * width:
        return paragraph
    ellipsis = "……" if any(is_wide(ch) for ch in paragraph) else "…"
    room = width - display_width(ellipsis)
    fits = [i for i in range(len(paragraph) + 1) if display_width(paragraph[:i]) <= room]
    cut = max(fits, default=0)
    clauses = [i for i in fits if i > 1 and paragraph[i - 1] == " " and paragraph[i - 2] in _CLAUSE_ENDS]
    clauses += [i for i in fits if i > 0 and paragraph[i - 1] in _CLAUSE_ENDS and is_wide(paragraph[i - 1])]
    words = [i for i in fits if i > 0 and paragraph[i] == " "] if cut < len(paragraph) else []
    if clauses:
        cut = max(clauses)
    elif words:
        cut = max(words)
    return paragraph[:cut].rstrip().rstrip(_CLAUSE_ENDS) + ellipsis


def _joined_lines(lines: Sequence[str]) -> str:
    """Lines of one paragraph as one line: Chinese lines join without a space between them."""
    from cnncalc.render.width import is_wide

    joined = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if not joined:
            joined = line
        else:
            joined += line if is_wide(joined[-1]) and is_wide(line[0]) else " " + line
    return joined


class ReportingGroup(LocalGroup):
    """The root command. It notes whether the run asked for --json (so `fail` speaks JSON), and
    shows click's own usage errors (an unknown option, a missing value) the same way."""

    running = 0  # runs in progress: a tour stop runs inside the tour's own run

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
        speak_locally(self)
        ReportingGroup.running += 1
        try:
            if not standalone_mode:
                return super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
            try:
                with watched_stdout():
                    code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
                    sys.stdout.flush()  # a full disk shows here, not in the interpreter's last flush
            except _ClickException as e:
                if ERRORS.json:
                    fail(said_again(e.format_message()), e.exit_code)
                else:
                    try:
                        show_usage_error(e)
                    except OSError:
                        pass
                sys.exit(e.exit_code)
            except typer.Abort:
                fail(_("aborted"), 1)
                sys.exit(1)
            except OutputFailed as e:
                sys.exit(failed_output(e).exit_code)
            sys.exit(code if isinstance(code, int) else 0)
        finally:
            ReportingGroup.running -= 1
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
        hint = (
            _("see `cnncalc {command} --help`").format(command=command)
            if command and e.exit_code == 2
            else ""
        )
        message = e.named(lambda field: flag_for(field, flags))
        raise fail(message, e.exit_code, hint) from None
    except KeyboardInterrupt:
        raise fail(_("interrupted"), 130) from None
    except OutputFailed as e:
        raise failed_output(e) from None
    except OSError as e:
        if ERRORS.traceback:
            raise
        if e.filename:
            raise fail(_("{file}: {reason}").format(file=e.filename, reason=os_reason(e))) from None
        raise fail(os_reason(e)) from None
    except MemoryError:
        if ERRORS.traceback:
            raise
        raise fail(
            _("not enough memory for this: the sizes given are too large for this computer; use smaller ones")
        ) from None
    except RecursionError:
        if ERRORS.traceback:
            raise
        raise fail(_("the input is nested too deeply to follow; simplify it")) from None
    except Exception as e:
        if ERRORS.traceback:
            raise
        raise fail(
            _("internal error ({kind}: {error}); this is a bug in cnncalc").format(
                kind=type(e).__name__, error=e
            ),
            1,
            _("run it again as `cnncalc --traceback ...` and report what it prints"),
        ) from None


# -- click's own words, in the chosen language ---------------------------------------------------

# a value in click's messages: quoted as the user typed it, or the number click read
_VALUE = r"'[^']*'|\"[^\"]*\"|\S+"
# click's usage errors, sentence by sentence: the pattern of its English text and the same sentence
# for the catalog, whose placeholders take the pattern's groups. What follows "Error:" or "Invalid
# value for X:" may be another of them (said again in turn) or cnncalc's own, translated already.
CLICK_SENTENCES = (
    (r"Error: (?P<message>.*)", N_("Error: {message}")),
    (r"Try (?P<command>'.+') for help\.", N_("Try {command} for help.")),
    (r"Invalid value for (?P<name>.+?): (?P<message>.*)", N_("Invalid value for {name}: {message}")),
    (r"Invalid value: (?P<message>.*)", N_("Invalid value: {message}")),
    # a missing choice: click adds its choices on the lines after, one a line
    (r"Missing option (?P<names>.+)\. Choose from:", N_("Missing option {names}. Choose from:")),
    (r"Missing argument (?P<names>.+)\. Choose from:", N_("Missing argument {names}. Choose from:")),
    (r"Missing parameter (?P<names>.+)\. Choose from:", N_("Missing parameter {names}. Choose from:")),
    (r"Missing option (?P<names>.+)\.", N_("Missing option {names}.")),
    (r"Missing argument (?P<names>.+)\.", N_("Missing argument {names}.")),
    (r"Missing parameter (?P<names>.+)\.", N_("Missing parameter {names}.")),
    (
        r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
        N_("No such option: {name} (Possible options: {options})"),
    ),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
    (r"Option (?P<name>'.+') requires an argument\.", N_("Option {name} requires an argument.")),
    (
        r"Option (?P<name>'.+') requires (?P<count>\d+) arguments\.",
        N_("Option {name} requires {count} arguments."),
    ),
    (r"Option (?P<name>'.+') does not take a value\.", N_("Option {name} does not take a value.")),
    (r"Got unexpected extra argument\(s\) \((?P<args>.*)\)", N_("Got unexpected extra argument(s) ({args})")),
    (rf"(?P<value>{_VALUE}) is not a valid int(?:eger)?\.", N_("{value} is not a valid integer.")),
    (rf"(?P<value>{_VALUE}) is not a valid float\.", N_("{value} is not a valid float.")),
    (
        rf"(?P<value>{_VALUE}) is not a valid boolean\. Recognized values: (?P<values>.+)",
        N_("{value} is not a valid boolean. Recognized values: {values}"),
    ),
    (
        rf"(?P<value>{_VALUE}) is not in the range (?P<range>\S+)\.",
        N_("{value} is not in the range {range}."),
    ),
    (rf"(?P<value>{_VALUE}) is not one of (?P<choices>'.+)\.", N_("{value} is not one of {choices}.")),
)
# the help texts click and typer give their own options
CLICK_HELP = (
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)


def said_again(text: str) -> str:
    """click's English usage-error text in the chosen language, line by line; English as it is.

    A line no pattern of `CLICK_SENTENCES` matches (cnncalc's own message after "Invalid value for
    …:", already translated) stays as it is.
    """
    if current_language() == "en":
        return text
    return "\n".join(_say_again(line) for line in text.split("\n"))


def _say_again(line: str) -> str:
    import re

    for pattern, message in CLICK_SENTENCES:
        found = re.fullmatch(pattern, line)
        if found:
            values = found.groupdict()
            for inner in ("message",):  # a sentence inside a sentence
                if inner in values:
                    values[inner] = _say_again(values[inner])
            return translated(message).format(**values)
    return line


def show_usage_error(error: Exception) -> None:
    """click's report of a usage error (the usage line, how to get help, the error) on stderr, in the
    chosen language."""
    if current_language() == "en":
        error.show()  # type: ignore[attr-defined]
        return
    import io

    buffer = io.StringIO()
    error.show(file=buffer)  # type: ignore[attr-defined]
    _to_stderr(said_again(buffer.getvalue()))


class LocalFormatter(typer.Context.formatter_class):  # type: ignore[misc,name-defined]
    """click's help formatter, with click's own words in the chosen language and, in a language other
    than English, the text laid out by display width (a CJK character takes two columns and Chinese
    wraps between any two characters); English is click's own layout."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        if current_language() == "en":
            super().write_heading(heading)
            return
        self.write(" " * self.current_indent + _("{heading}:").format(heading=heading) + "\n")

    def write_text(self, text: str) -> None:
        if current_language() == "en":
            super().write_text(text)
            return
        indent = " " * self.current_indent
        self.write(_wrap_paragraphs(text, self.width, indent) + "\n")

    def write_dl(self, rows: Sequence[tuple[str, ...]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(row[0], translated(row[1]) if len(row) > 1 and row[1] else "") for row in rows]
        if current_language() == "en":
            super().write_dl(rows, col_max, col_spacing)
            return
        from cnncalc.render.width import display_width

        first_col = min(max((display_width(row[0]) for row in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(indent + first)
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = _wrap_paragraphs(second, max(self.width - first_col - 2, 10), "").split("\n")
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write((" " * (first_col + self.current_indent) + line).rstrip() + "\n")


def _wrap_paragraphs(text: str, width: int, indent: str) -> str:
    """click's paragraphs (a blank line between them; a paragraph whose first line is `\\b` is kept
    as it is) wrapped to `width` columns by display width, each line after `indent`."""
    from cnncalc.render.width import wrap

    out = []
    for paragraph in text.expandtabs().split("\n\n"):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if not lines:
            continue
        if lines[0].strip() == "\b":
            out.append("\n".join(indent + line for line in lines[1:]))
            continue
        inner = " " * (len(lines[0]) - len(lines[0].lstrip()))
        joined = _joined_lines(lines)
        out.append("\n".join(wrap(joined, width, indent + inner, indent + inner)))
    return "\n\n".join(out)


class LocalContext(typer.Context):
    """A command's context whose help and usage lines go through `LocalFormatter`."""

    formatter_class = LocalFormatter


def speak_locally(command: Any) -> None:
    """Give `command` and every command under it a `LocalContext` (click makes a command's context
    from its `context_class`)."""
    command.context_class = LocalContext
    for sub in getattr(command, "commands", {}).values():
        speak_locally(sub)
