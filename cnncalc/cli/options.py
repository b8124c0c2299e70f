"""Options several commands share, defined once so they read and behave the same everywhere.

Two option types keep what the user typed where typer would lose it: `NUMBER` (a float option)
passes a `NumberText`, so that `--lr 1e309` is refused as `1e309`, not as the `inf` it reads as;
`FILE_NAME` (a path option) refuses an empty name, which `Path("")` would read as the current
folder. Each is typer's own type for the annotation (the same help, checks and completion) with
that one change.
"""

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.main import get_click_type
from typer.models import OptionInfo

from cnncalc.api.values import NumberText
from cnncalc.i18n import _

# typer's types for a float and a Path option (click's own, bundled by typer 0.28 or not before)
_FLOAT = type(get_click_type(annotation=float, parameter_info=OptionInfo()))
_PATH = type(get_click_type(annotation=Path, parameter_info=OptionInfo()))


class _NumberType(_FLOAT):  # type: ignore[valid-type,misc]
    """A float option whose value keeps the text it was typed as."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        number = super().convert(value, param, ctx)  # click's refusal of text that is no number
        return NumberText(value) if isinstance(value, str) else number


class _FileNameType(_PATH):  # type: ignore[valid-type,misc]
    """A path option that refuses an empty name."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and value == "":
            self.fail(_("the name is empty; give a file name"), param, ctx)
        return super().convert(value, param, ctx)


NUMBER = _NumberType()
FILE_NAME = _FileNameType()

JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help=_("Print one JSON object instead of text (an error: one JSON object on stderr).")
    ),
]
FileOpt = Annotated[
    Path | None,
    typer.Option(
        "--file", "-f", help=_("Read the spec from a file ('-' reads stdin)."), click_type=FILE_NAME
    ),
]
ClassOpt = Annotated[
    str | None,
    typer.Option(
        "--class",
        help=_(
            "Which model of a --from file: a class, function or object (NAME), or a call (\"VGG('VGG11')\")."
        ),
    ),
]
