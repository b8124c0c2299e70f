"""Options several commands share, defined once so they read and behave the same everywhere."""

from pathlib import Path
from typing import Annotated

import typer

JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print one JSON object instead of text (an error: one JSON object on stderr)."
    ),
]
FileOpt = Annotated[
    Path | None, typer.Option("--file", "-f", help="Read the spec from a file ('-' reads stdin).")
]
ClassOpt = Annotated[
    str | None,
    typer.Option(
        "--class",
        help="Which model of a --from file: a class, function or object (NAME), or a call (\"VGG('VGG11')\").",
    ),
]
