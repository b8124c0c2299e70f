"""The `cnncalc` command: a typer app assembled from one module per command group.

Each module in `COMMAND_MODULES` has a `register(app)` function. Modules import only typer and
the standard library at import time; numpy and rich are imported inside the commands that need
them, so `cnncalc shape` starts fast.
"""

import importlib
import inspect
from collections.abc import Callable
from typing import Annotated

import typer

from cnncalc import __version__
from cnncalc.cli.errors import ERRORS, ReportingGroup
from cnncalc.i18n import (
    N_,
    _,
    current_language,
    language_from_environment,
    normalise_language,
    set_language,
    translated,
)

COMMAND_MODULES = (
    "cnncalc.cli.calc",
    "cnncalc.cli.net",
    "cnncalc.cli.lessons",
    "cnncalc.cli.tour",
    "cnncalc.cli.train",
    "cnncalc.cli.draw",
    "cnncalc.cli.export",
)
# The module that registers each command word, so that a start imports only that module (`net`
# would otherwise import and register the calculator's module first, about 1 ms).
# tests/cli/test_startup.py checks it against what the modules register.
OWNERS = {
    **dict.fromkeys(("shape", "params", "rf"), "cnncalc.cli.calc"),
    **dict.fromkeys(("net", "check", "solve"), "cnncalc.cli.net"),
    **dict.fromkeys(("lesson", "quiz", "step"), "cnncalc.cli.lessons"),
    "tour": "cnncalc.cli.tour",
    **dict.fromkeys(("train", "predict", "show", "gradcheck"), "cnncalc.cli.train"),
    "draw": "cnncalc.cli.draw",
    "export": "cnncalc.cli.export",
}

WELCOME = N_("""\
cnncalc {version} — the arithmetic of convolutional networks, with the working shown.

Try:
  cnncalc shape --input 96 --kernel 5            output size of a conv layer (96 → 92)
  cnncalc shape --op maxpool --input 92 -k 4     pooling (stride defaults to the kernel)
  cnncalc params --cin 3 --cout 192 --k 3        parameters: 5184 weights + 192 biases
  cnncalc rf "conv 1 k=3 | conv 1 k=3"           receptive field of two 3×3 convs: 5
  cnncalc tour                                   a guided walk through every feature

Every command has --help with examples, and --json for scripts.
""")


def _new_app(completion: bool = False) -> typer.Typer:
    """The root app, without commands. `completion` adds typer's --install-completion and
    --show-completion: only the full app has them (a shell asking for completions runs
    `cnncalc` with no command word), so `cnncalc shape` does not pay for building them."""
    new = typer.Typer(
        name="cnncalc",
        help=_("A calculator and tutor for the arithmetic of convolutional neural networks."),
        epilog=_(
            "\b\nExamples:\n"
            "  cnncalc shape --input 96 --kernel 5\n"
            "  cnncalc params --cin 3 --cout 192 --k 3\n"
            '  cnncalc rf "conv 1 k=3 | conv 1 k=3"\n'
            "  cnncalc net --preset keras-mnist\n"
            "  cnncalc step conv --example d2l\n"
            "  cnncalc train\n"
            "  cnncalc tour"
        ),
        cls=ReportingGroup,
        no_args_is_help=False,
        add_completion=completion,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    new.callback(invoke_without_command=True)(_root_command())
    return new


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cnncalc {__version__}")
        raise typer.Exit()


def _root_command() -> Callable[..., None]:
    """The root command, defined as the app is built: its options' help is in the chosen language."""

    def root(
        ctx: typer.Context,
        traceback: Annotated[
            bool,
            typer.Option("--traceback", help=_("Show the Python traceback on errors (for bug reports).")),
        ] = False,
        version: Annotated[
            bool,
            typer.Option("--version", callback=_version, is_eager=True, help=_("Show the version and exit.")),
        ] = False,
        lang: Annotated[
            str | None,
            typer.Option(
                "--lang",
                help=_(
                    "Language of the output: en or zh (中文). Default: $CNNCALC_LANG, else the locale (LANG)."
                ),
            ),
        ] = None,
    ) -> None:
        """A calculator and tutor for the arithmetic of convolutional neural networks."""
        ERRORS.traceback = traceback
        if lang is not None:
            chosen = normalise_language(lang)
        elif ReportingGroup.running > 1:  # a tour stop speaks the tour's language
            chosen = current_language()
        else:
            chosen = language_from_environment()
        if chosen is None:
            raise typer.BadParameter(
                _("{value!r} is not a language cnncalc speaks: use en or zh").format(value=lang)
            )
        set_language(chosen)
        if ctx.invoked_subcommand is None:
            typer.echo(translated(WELCOME).format(version=__version__), nl=False)

    return root


def _register(target: typer.Typer, modules: tuple[str, ...], only: str | None = None) -> typer.Typer:
    """`target` with the commands of `modules`; with `only`, just the command or group of that name
    (the others' help is then never prepared)."""
    for name in modules:
        importlib.import_module(name).register(target)
    if only is not None:
        _only(target, only)
    _keep_examples_verbatim(target)
    return target


# click's marker for "do not rewrap the next paragraph": a line holding only a backspace
NO_REWRAP = "\b"


def examples_verbatim(doc: str) -> str:
    r"""A command's help with its examples kept one per line: click rewraps every paragraph, so each
    paragraph after `Examples:` that is not marked already gets click's no-rewrap marker.

    >>> marked = examples_verbatim("Train.\n\nExamples:\n\n  cnncalc train\n  cnncalc train -e 2")
    >>> marked.split("\n")[3:]
    ['', '  \x08', '  cnncalc train', '  cnncalc train -e 2']
    >>> examples_verbatim("Step.\n\n\x08\nExamples:\n  cnncalc step conv") == "Step.\n\n\x08\nExamples:\n  cnncalc step conv"
    True
    """
    lines = doc.split("\n")
    at = next((i for i, line in enumerate(lines) if line.strip() == "Examples:"), None)
    if at is None:
        return doc
    marked = at > 0 and lines[at - 1].strip() == NO_REWRAP  # `Examples:` and its lines, verbatim already
    out = lines[: at + 1]
    for i in range(at + 1, len(lines)):
        text = lines[i].strip()
        starts_paragraph = not lines[i - 1].strip() or (i == at + 1 and not marked)
        if text and text != NO_REWRAP and starts_paragraph and out[-1].strip() != NO_REWRAP:
            out.append(lines[i][: len(lines[i]) - len(lines[i].lstrip())] + NO_REWRAP)
        out.append(lines[i])
    return "\n".join(out)


def _keep_examples_verbatim(target: typer.Typer) -> None:
    """Every command's examples one per line, in `--help` and docs/cli.md alike, whether or not its
    docstring marks them (see `examples_verbatim`)."""
    for info in target.registered_commands:
        if info.help is None and info.callback is not None and info.callback.__doc__:
            info.help = examples_verbatim(translated(inspect.cleandoc(info.callback.__doc__)))
    for group in target.registered_groups:
        if group.typer_instance is not None:
            _keep_examples_verbatim(group.typer_instance)


def _only(target: typer.Typer, word: str) -> typer.Typer:
    """Keep just the command or group called `word` in an app built from its module."""
    target.registered_commands = [
        info for info in target.registered_commands if (info.name or info.callback.__name__) == word
    ]
    target.registered_groups = [info for info in target.registered_groups if info.name == word]
    return target


def _lean_app(argv: list[str]) -> typer.Typer:
    """The app with only the module that owns the command being run.

    typer converts every registered command's signature at each start (about 1 ms a command), so
    `cnncalc shape` builds just that command; `--help` and the welcome get them all.
    """
    word = next(
        (a for i, a in enumerate(argv) if not a.startswith("-") and argv[i - 1 : i] != ["--lang"]), None
    )
    if word is not None:
        owner = OWNERS.get(word)
        for module in (owner,) if owner is not None else COMMAND_MODULES:
            lean = _register(_new_app(), (module,), only=word)
            if lean.registered_commands or lean.registered_groups:
                return lean
    return __getattr__("app")


def __getattr__(name: str) -> typer.Typer:
    """`app`, the whole CLI, is built on first use: `cnncalc shape` never needs the other modules."""
    if name == "app":
        full = _register(_new_app(completion=True), COMMAND_MODULES)
        globals()["app"] = full
        return full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _language(argv: list[str]) -> str:
    """The language asked for before the commands are built (their help is translated as they are):
    `--lang X` before the command word, else the environment. A bad value is reported later, by
    the root command's own option."""
    for i, a in enumerate(argv):
        if not a.startswith("-"):
            break
        value = (
            a.partition("=")[2]
            if a.startswith("--lang=")
            else argv[i + 1]
            if a == "--lang" and i + 1 < len(argv)
            else None
        )
        if value is not None:
            return normalise_language(value) or "en"
    return language_from_environment()


def main() -> None:
    import gc
    import sys

    from cnncalc.cli.errors import stop_like_ctrl_c
    from cnncalc.cli.output import prepare_streams

    prepare_streams()
    stop_like_ctrl_c()
    set_language(_language(sys.argv[1:]))
    app = _lean_app(sys.argv[1:])
    # What the start built (modules, classes, the app) lives as long as the process: set it aside
    # from the cyclic collector, which would otherwise walk it in every full collection, the one
    # at exit included (about 7 ms of a 55 ms `cnncalc shape`), and collect from here on as usual
    # (`cnncalc.__main__` paused the collector for the start).
    gc.freeze()
    gc.enable()
    app(prog_name="cnncalc")
