"""What every function of the Python API returns: the numbers, the working, and the same in a notebook.

A result has
- `to_dict()`: the command's `--json` object (the command prints exactly this);
- `str(result)` / `result.text(width=...)`: the working as plain text, what the terminal shows
  without colour;
- `_repr_html_()`: the same tables and working in Jupyter, as self-contained escaped HTML;
- `__rich__` or `__rich_console__`: the same for a rich `Console` (and rich's notebook display);
- `_repr_pretty_`: IPython's plain-text display, the working again.

`TextResult` is drawn by the standard-library renderer (the calculator, networks, solvers) and
never needs rich to be turned into text; `RichResult` is drawn with rich (the step-throughs, the
trainer). This module imports only the standard library.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

    from cnncalc.render.text import Styler

F = TypeVar("F", bound=Callable[..., Any])


def for_python_caller(method: F) -> F:
    """A result's method that renders for its Python caller: hints in what it writes name the
    API's arguments and methods (`explain=N`, `to_dict()`), not the CLI's options."""

    @functools.wraps(method)
    def rendered(*args: Any, **kwargs: Any) -> Any:
        from cnncalc.render.text import for_python

        with for_python():
            return method(*args, **kwargs)

    return rendered  # type: ignore[return-value]


# Width of the text a notebook shows: a Jupyter cell fits about 100 columns of monospace text.
WIDTH = 100


def columns(width: int) -> int:
    """A width for `text()`: a whole number of columns, at least 1 (rich draws nothing in 0, and
    `"80"` or None would fail deep in the renderer)."""
    from cnncalc.api.values import whole

    return whole(width, "width", minimum=1)


class Result:
    """The base of every result: `to_dict()`, `text()`, and the displays built on them."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The numbers, as the command's `--json` prints them."""
        raise NotImplementedError

    def text(self, width: int = WIDTH) -> str:
        """The working as plain text, wrapped to `width` columns."""
        raise NotImplementedError

    def summary(self) -> str:
        """The answer in one line (what `repr()` shows)."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.summary()}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self) if cycle else self.text().rstrip("\n"))

    def _repr_html_(self) -> str:
        raise NotImplementedError


class TextResult(Result):
    """A result drawn by the standard-library renderer (`cnncalc.render.text`): no rich, no numpy."""

    __slots__ = ()

    def render(self, style: Styler, width: int) -> str:
        """The text the command prints, styled by `style`."""
        raise NotImplementedError

    def text(self, width: int = WIDTH) -> str:
        from cnncalc.render.text import PLAIN, for_python

        with for_python():
            return self.render(PLAIN, columns(width))

    def summary(self) -> str:
        """The first line of the text: the answer."""
        return self.text().split("\n", 1)[0]

    def _repr_html_(self) -> str:
        from cnncalc.render.notebook import styled_html
        from cnncalc.render.text import Styler, for_python

        with for_python():
            return styled_html(self.render(Styler(True), WIDTH))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        from cnncalc.render.text import Styler, for_python

        with for_python():
            styled = self.render(Styler(True), options.max_width).rstrip("\n")
        # a line the renderer cannot narrow (a long table row) wraps rather than being cut off
        yield Text.from_ansi(styled, overflow="fold")


class RichResult(Result):
    """A result drawn with rich renderables (the tutor's step-throughs, the trainer's tables)."""

    __slots__ = ()

    def renderable(self) -> RenderableType:
        """What the command prints."""
        raise NotImplementedError

    def text(self, width: int = WIDTH) -> str:
        from cnncalc.render.notebook import rich_text
        from cnncalc.render.text import for_python

        with for_python():
            return rich_text(self.renderable(), columns(width))

    def _repr_html_(self) -> str:
        from cnncalc.render.notebook import rich_html
        from cnncalc.render.text import for_python

        with for_python():
            return rich_html(self.renderable(), WIDTH)

    def __rich__(self) -> RenderableType:
        from cnncalc.render.text import for_python

        with for_python():
            return self.renderable()
