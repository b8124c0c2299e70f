"""Where rich output goes: the terminal (trimmed of rich's trailing blanks) and SVG/HTML exports,
and prose that wraps as its language does.

`Screen` is what the tutor commands print to; `save_export` writes what a recording console
printed, atomically, for every command that offers `--svg`/`--html`. `prose` is a rich text that
wraps Chinese between any two characters: rich itself breaks lines at spaces only, so a Chinese
sentence (which has none) would jump whole to the next line, or be cut mid-way by a space before a
number.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.text import Text

from cnncalc.i18n import _
from cnncalc.render.width import closing_formula, display_width, is_wide, wrap


class Screen:
    """Prints renderables with trailing blanks trimmed (rich pads table and padded lines to their
    width, which litters copied text); optionally records them for an SVG/HTML export."""

    def __init__(
        self, color: bool = False, record: bool = False, file: TextIO | None = None, width: int | None = None
    ):
        options = dict(
            highlight=False,
            markup=False,
            emoji=False,
            color_system="auto" if color else None,
            no_color=not color,
        )
        self.console = Console(file=file, width=width, **options)
        self.recorder = (
            Console(record=True, file=io.StringIO(), width=self.console.width, **options) if record else None
        )

    def print(self, renderable: RenderableType = "", end: str = "\n") -> None:
        with self.console.capture() as capture:
            self.console.print(renderable, end=end)
        text = "\n".join(line.rstrip() for line in capture.get().split("\n"))
        self.console.file.write(text)
        self.console.file.flush()
        if self.recorder is not None:
            self.recorder.print(renderable, end=end)

    def save(self, path: str | Path, kind: str, title: str = "cnncalc") -> Path:
        if self.recorder is None:
            raise ValueError(_("this screen was not recording; create it with record=True"))
        return save_export(self.recorder, path, kind, title)


def save_export(console: Console, path: str | Path, kind: str, title: str = "cnncalc") -> Path:
    """Write what a `Console(record=True)` printed as SVG or HTML (`kind`), atomically; an error
    names the path as given with `--svg` or `--html`."""
    from cnncalc.safety.atomic import write_atomic

    data = console.export_svg(title=title, clear=False) if kind == "svg" else console.export_html(clear=False)
    return write_atomic(path, self_contained(data), field=kind)


def self_contained(document: str) -> str:
    """`document` without the web fonts rich's SVG export fetches from a CDN (its `@font-face`
    rules), so the file shows the same offline: the text falls back to the local monospace font
    its `font-family` lists next. Nothing else in rich's SVG or HTML refers outside the file.

    >>> self_contained('<style>@font-face { src: url("https://x/f.woff2"); } .t { fill: red }</style>')
    '<style>.t { fill: red }</style>'
    """
    import re

    return re.sub(r"@font-face\s*\{[^{}]*\}\s*", "", document)


def prose(text: str | Text, style: str = "") -> Text | WideText:
    """`text` for rich, wrapped the way its language wraps: text without a wide (CJK) character is
    the rich `Text` it always was, so English lines break exactly where rich breaks them; text with
    one breaks as `cnncalc.render.width.wrap` says (between any two Chinese characters, no line
    starting with a closing mark), keeping the text's styles.

    >>> console = Console(width=12, file=io.StringIO())
    >>> console.print(prose("每个过滤器在输入上滑动，计算点积"))
    >>> console.file.getvalue().splitlines()
    ['每个过滤器在', '输入上滑动，', '计算点积']
    >>> console.print(prose("  参见：cnncalc step conv"))
    >>> console.file.getvalue().splitlines()[3:]
    ['  参见：', 'cnncalc step', 'conv']
    """
    rich_text = Text(text, style=style) if isinstance(text, str) else text
    if not any(is_wide(c) for c in rich_text.plain):
        return rich_text
    return WideText(rich_text)


class WideText:
    """A rich `Text` holding Chinese, wrapped between characters to the width it is given."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def lines(self, width: int) -> list[Text]:
        """The text's lines at `width` columns, each a slice of the text (its styles kept)."""
        out: list[Text] = []
        for paragraph in self.text.split("\n", allow_blank=True):
            plain = paragraph.plain
            indent = plain[: len(plain) - len(plain.lstrip())]  # kept, as rich keeps it
            at = 0
            for n, line in enumerate(wrap(plain[len(indent) :], max(width, 2), indent) or [""]):
                # wrap() keeps every visible character in order and only drops or merges spaces, so
                # a line is the run of the paragraph holding its visible characters
                while n and at < len(plain) and plain[at].isspace():
                    at += 1
                end, visible = at, sum(not c.isspace() for c in line)
                while visible and end < len(plain):
                    visible -= not plain[end].isspace()
                    end += 1
                out.append(paragraph[at:end])
                at = end
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        if options.no_wrap:  # a no-wrap column: cropped like any other text
            yield self.text
            return
        for line in self.lines(options.max_width):
            line.no_wrap = True
            line.end = "\n"
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        """At least its widest unbreakable run (a word, or one Chinese character); at most one line."""
        plain = self.text.plain
        runs = "".join(" " + c + " " if is_wide(c) else c for c in plain).split()
        widest = max((display_width(r) for r in runs), default=0)
        longest = max((display_width(line) for line in plain.split("\n")), default=0)
        return Measurement(widest, longest).clamp(max_width=options.max_width)


class WorkedLine:
    """A worked step for rich: `label = formula = numbers = value` on one line when the width allows,
    else each `= …` on a line of its own under the first `=`, as the calculator lays out its
    working — rather than a line that ends in "= ⌊(28 + 2·0 − 5)/1⌋ + 1 =".

    >>> console = Console(width=30, file=io.StringIO())
    >>> console.print(WorkedLine("H_out", "⌊(n − k)/s⌋ + 1", ["⌊(28 − 5)/1⌋ + 1", Text("24")]))
    >>> console.file.getvalue().splitlines()
    ['H_out = ⌊(n − k)/s⌋ + 1', '      = ⌊(28 − 5)/1⌋ + 1', '      = 24']
    """

    def __init__(self, label: str, formula: str, rest: list[str | Text]) -> None:
        self.head = Text(f"{label} = {formula}")
        self.pad = " " * display_width(label)
        self.rest = [Text(r) if isinstance(r, str) else r for r in rest]

    def one_line(self) -> Text:
        line = self.head.copy()
        for r in self.rest:
            line.append(" = ")
            line.append_text(r)
        return line

    def aligned(self) -> list[Text]:
        lines = [self.head.copy()]
        for r in self.rest:
            line = Text(f"{self.pad} = ")
            line.append_text(r)
            lines.append(line)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        line = self.one_line()
        if options.no_wrap or line.cell_len <= options.max_width:
            yield line
            return
        yield from (prose(part) for part in self.aligned())

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max(line.cell_len for line in self.aligned())
        return Measurement(min(widest, self.one_line().cell_len), self.one_line().cell_len).clamp(
            max_width=options.max_width
        )


class FormulaNote:
    """A note for rich that, when it does not fit one line and ends in a formula after a colon,
    puts the formula on a line of its own (indented two) instead of breaking it."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text, self.style = text, style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        split = closing_formula(self.text)
        if options.no_wrap or display_width(self.text) <= options.max_width or split is None:
            yield prose(self.text, self.style)
            return
        head, formula = split
        if display_width(formula) + 2 > options.max_width:
            yield prose(self.text, self.style)
            return
        yield prose(head, self.style)
        yield Padding(Text(formula, style=self.style), (0, 0, 0, 2), expand=False)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, prose(self.text, self.style))


def bullet(text: str, style: str = "") -> RenderableType:
    """`• text`, its later lines indented under the text rather than under the bullet.

    >>> console = Console(width=24, file=io.StringIO())
    >>> console.print(bullet("padding cells count as 0 in the products"))
    >>> [line.rstrip() for line in console.file.getvalue().splitlines()]  # a Screen trims the blanks
    ['• padding cells count as', '  0 in the products']
    """
    from rich.table import Table

    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(Text("•", style=style), prose(text, style))
    return grid
