"""What the tutor commands (`step …`, `lesson`, `quiz`) share: the rich screen they print on and
the --svg/--html copies of it. Standard library and typer only at import time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cnncalc.cli.options import FILE_NAME
from cnncalc.cli.output import use_color
from cnncalc.i18n import _

if TYPE_CHECKING:
    from cnncalc.render.console import Screen

SvgOpt = Annotated[
    Path | None,
    typer.Option("--svg", help=_("Also save the output as an SVG picture."), click_type=FILE_NAME),
]
HtmlOpt = Annotated[
    Path | None, typer.Option("--html", help=_("Also save the output as an HTML page."), click_type=FILE_NAME)
]


def open_screen(record: bool = False) -> Screen:
    from cnncalc.render.console import Screen

    return Screen(color=use_color(), record=record)


def check_copies(svg: Path | None, html: Path | None) -> None:
    """The paths given with --svg and --html, checked before any work (or any question asked)."""
    from cnncalc.safety.atomic import check_writable

    for path, field in ((svg, "svg"), (html, "html")):
        if path is not None:
            check_writable(path, field=field)


def save_copies(out: Screen, svg: Path | None, html: Path | None, title: str) -> None:
    """Save what was printed as SVG and/or HTML when asked, and say where."""
    for path, kind in ((svg, "svg"), (html, "html")):
        if path is not None:
            saved = out.save(path, kind, title)
            sys.stderr.write(_("saved {path}").format(path=saved) + "\n")
