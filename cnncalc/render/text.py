"""Plain-text rendering for the calculator commands, standard library only.

`rich` costs about 20 ms to import, more than the whole start-up budget of `cnncalc shape`
(1.3 × `import typer`), so the three calculator commands render boxed tables and worked steps
here, and so do the network commands (`net`, `check`, `solve`); lessons and the trainer use rich.

>>> print(box_table(["axis", "out"], [["H", "92"]]))
┌──────┬─────┐
│ axis │ out │
├──────┼─────┤
│ H    │  92 │
└──────┴─────┘
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from cnncalc.arith.steps import Step, fmt_value
from cnncalc.i18n import _
from cnncalc.render.width import closing_formula, display_width, pad, widest_word, wrap

_ANSI = {"bold": "1", "dim": "2", "green": "32", "red": "31", "cyan": "36", "yellow": "33"}


def is_numeric(cell: str) -> bool:
    """A cell that reads as a number (`5,376`, `−3`, `96×96`, `1/4`), right-aligned in a table: an
    optional sign, then digits and `,.×x/` and spaces (the regex `^[−\\-+]?[\\d,.×x/ ]+$`, read
    with str methods to spare the start compiling it).

    >>> is_numeric("5,376"), is_numeric("−3"), is_numeric("96×96"), is_numeric("H"), is_numeric("-")
    (True, True, True, False, False)
    """
    body = cell[1:] if cell[:1] in ("−", "-", "+") else cell
    if body.endswith("\n"):  # as the regex's `$`, which also matches before a final newline
        body = body[:-1]
    return body != "" and all(ch.isdecimal() or ch in ",.×x/ " for ch in body)


class Styler:
    """Adds ANSI styles when enabled (a terminal without NO_COLOR); otherwise returns text as is."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(_ANSI[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


PLAIN = Styler(False)


# Who reads the text: at the terminal options are typed (`--explain N`), through the Python API
# (`cnncalc.net(...)`) they are keyword arguments (`explain=N`) and `to_dict()` is what `--json`
# prints. The API renders its results inside `for_python()`, the CLI writes the API's files inside
# `for_terminal()`; the hints below speak accordingly (unset: the terminal).
_READER: contextvars.ContextVar[str | None] = contextvars.ContextVar("cnncalc_render_reader", default=None)
# CLI option → the API's argument, where the two names differ (docs/python.md)
_ARGUMENTS = {"from": "source", "class": "class_name"}


@contextmanager
def for_python() -> Iterator[None]:
    """Render for a Python caller inside the block (hints name arguments and methods, not options),
    unless an outer block already chose the reader: the CLI writing a result's files for its user."""
    token = _READER.set(_READER.get() or "python")
    try:
        yield
    finally:
        _READER.reset(token)


@contextmanager
def for_terminal() -> Iterator[None]:
    """Render for the terminal's user inside the block, even through the API's methods."""
    token = _READER.set("terminal")
    try:
        yield
    finally:
        _READER.reset(token)


def reads_python() -> bool:
    """Whether the text being rendered is for a Python caller (inside `for_python()`)."""
    return _READER.get() == "python"


def option(flag: str, value: str = "", text: bool = False) -> str:
    """How the reader gives option `flag` (its CLI name): `--flag VALUE` at the terminal,
    `name=VALUE` in Python (`name="VALUE"` when `text`); without a value, `--flag` or `name`.

    >>> option("explain", "N")
    '--explain N'
    >>> with for_python():
    ...     option("explain", "N"), option("from", "FILE", text=True)
    ('explain=N', 'source="FILE"')
    """
    if reads_python():
        name = _ARGUMENTS.get(flag, flag.replace("-", "_"))
        if not value:
            return name
        return f'{name}="{value}"' if text else f"{name}={value}"
    return f"--{flag} {value}" if value else f"--{flag}"


def command(name: str, *options: tuple[str, str, bool], arguments: str = "") -> str:
    """A command with options ((flag, value, text) triples, as `option` takes them): `cnncalc net
    --preset NAME` at the terminal, `cnncalc.net(preset="NAME")` in Python (`arguments` is what the
    call's positional place holds there, e.g. "spec").

    >>> command("net", ("preset", "NAME", True))
    'cnncalc net --preset NAME'
    >>> with for_python():
    ...     command("net", ("preset", "NAME", True)), command("check", arguments="spec")
    ('cnncalc.net(preset="NAME")', 'cnncalc.check(spec)')
    """
    given = [option(*o) for o in options]
    if reads_python():
        return f"cnncalc.{name}({', '.join([arguments] * bool(arguments) + given)})"
    return " ".join(["cnncalc", name, *given])


def json_hint() -> str:
    """What gives the numbers as data: `--json`, or a result's `to_dict()`."""
    return "to_dict()" if reads_python() else "--json"


def width_hint(n: int) -> str:
    """What shows a text at least `n` columns wide: a terminal that wide, or `text(width=n)`."""
    return f"text(width={n})" if reads_python() else _("a terminal at least {n} columns wide").format(n=n)


def files_hint() -> str:
    """How a picture is written out: `--out FILE.svg or FILE.html`, or its `svg()` and `html()`."""
    return _("svg() or html()") if reads_python() else _("--out FILE.svg or FILE.html")


def visible_len(text: str) -> int:
    """The width text takes on screen: ANSI style codes take none, a CJK character two columns."""
    return display_width(text)


def _fit(text: str, width: int, how: str) -> str:
    return pad(text, width, how)


def _narrow(widths: list[int], floors: list[int], wrappable: list[bool], excess: int) -> list[int]:
    """Take `excess` characters from the widest wrappable columns, never below their floor."""
    widths = list(widths)
    while excess > 0:
        candidates = [i for i, w in enumerate(widths) if wrappable[i] and w > floors[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return widths


def box_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    title: str = "",
    style: Styler = PLAIN,
    align: Sequence[str] | None = None,
    width: int | None = None,
    borders: bool = True,
) -> str:
    """A table drawn with box characters; numeric cells are right-aligned.

    `align` gives each column's alignment ("l", "r" or "c"; headers follow it) instead of guessing
    from the text. With `width`, a table that would be wider wraps its widest left-aligned columns
    at spaces (cells may carry ANSI styles; such columns are never wrapped, so keep them narrow).
    `borders=False` draws a rule under the headers only and two spaces between columns, which
    saves a character per column and two at the edges: long network tables fit 80 columns. Where
    wrapping is not enough, such a table keeps one space between columns.

    >>> print(box_table(["layer", "params"], [["conv 8 k=5", "408"]], align="lr", borders=False))
    layer       params
    ──────────────────
    conv 8 k=5     408
    """
    cells = [[str(c) for c in row] for row in rows]
    cols = _laid_out(headers, cells, align, width, borders, style)
    lines = wrap_keeping_formula(title, width, "") if width is not None else [title]
    out = [style(t, "bold") for t in lines] if title else []
    body = [cols.row(line) for r in cells for line in cols.lines_of(r)]
    if borders:
        out += [cols.rule("┌", "┬", "┐"), cols.row(headers, header=True), cols.rule("├", "┼", "┤")]
        out += [*body, cols.rule("└", "┴", "┘")]
    else:
        out += [cols.row(headers, header=True), "─" * cols.total, *body]
    return "\n".join(out)


def table_width(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    align: Sequence[str] | None = None,
    width: int | None = None,
    borders: bool = True,
) -> int:
    """The width `box_table` draws these columns in (its title aside): at most `width` when they
    fit, wrapped; `width=0` gives the narrowest they can be drawn in.

    >>> table_width(["layer", "params"], [["conv 8 k=5", "408"]], align="lr", borders=False)
    18
    >>> table_width(["layer", "params"], [["conv 8 k=5", "408"]], align="lr", width=0, borders=False)
    12
    """
    cells = [[str(c) for c in row] for row in rows]
    return _laid_out(headers, cells, align, width, borders, PLAIN).total


def _laid_out(
    headers: Sequence[str],
    cells: list[list[str]],
    align: Sequence[str] | None,
    width: int | None,
    borders: bool,
    style: Styler,
) -> _Columns:
    """The columns of a table, narrowed (and without borders, closer together) towards `width`."""
    widths = [max([visible_len(h)] + [visible_len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    cols = _Columns(widths, align, borders, style)
    if width is not None and cols.total > width:
        cols.narrow_to(width, headers, cells)
        if cols.total > width and not borders:  # still too wide: one space between columns, and
            cols.widths = list(widths)  # the columns narrowed only as far as that needs
            cols.gap = 1
            cols.narrow_to(width, headers, cells)
    return cols


class _Columns:
    """The columns of one `box_table`: their widths and alignment, and how a row is drawn."""

    def __init__(self, widths: list[int], align: Sequence[str] | None, borders: bool, style: Styler) -> None:
        self.widths = widths
        self.align = align
        self.borders = borders
        self.style = style
        self.wraps = False
        self.gap = 2  # spaces between columns without borders

    @property
    def total(self) -> int:
        """The table's width: cells, one space either side and a bar between (or `gap` spaces)."""
        n = len(self.widths)
        return sum(self.widths) + (3 * n + 1 if self.borders else self.gap * (n - 1))

    def narrow_to(self, width: int, headers: Sequence[str], cells: list[list[str]]) -> None:
        """Take the excess from the widest plain left-aligned columns, never splitting a word.

        A table aligned by its cells (no `align`) wraps the columns that hold no number."""
        align = self.align or [
            "r" if any(is_numeric(r[i]) for r in cells) else "l" for i in range(len(headers))
        ]
        plain = [all("\x1b" not in r[i] for r in cells) for i in range(len(headers))]
        wrappable = [a == "l" and plain[i] for i, a in enumerate(align)]
        floors = [
            max([visible_len(h)] + [_indent(r[i]) + widest_word(r[i]) for r in cells])
            if wrappable[i]
            else self.widths[i]
            for i, h in enumerate(headers)
        ]
        self.widths = _narrow(self.widths, floors, wrappable, self.total - width)
        self.wraps = True

    def rule(self, left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * (w + 2) for w in self.widths) + right

    def row(self, row: Sequence[str], header: bool = False) -> str:
        if not self.borders:
            how = self.align or ["l"] * len(row)
            return (
                (" " * self.gap)
                .join(
                    _fit(self.style(c, "bold") if header else c, self.widths[i], how[i])
                    for i, c in enumerate(row)
                )
                .rstrip()
            )
        parts = []
        for i, c in enumerate(row):
            if self.align is not None:
                pad = _fit(c, self.widths[i], self.align[i])
            elif not header and is_numeric(c):
                pad = _fit(c, self.widths[i], "r")
            else:
                pad = _fit(c, self.widths[i], "l")
            parts.append(" " + (self.style(pad, "bold") if header else pad) + " ")
        return "│" + "│".join(parts) + "│"

    def lines_of(self, row: list[str]) -> list[list[str]]:
        """A row as the lines it takes: a wrapped cell takes several, the others stay on the first."""
        if not self.wraps:
            return [row]
        pieces = [
            _wrap_cell(c, self.widths[i]) if visible_len(c) > self.widths[i] else [c]
            for i, c in enumerate(row)
        ]
        height = max(len(p) for p in pieces)
        return [[p[j] if j < len(p) else "" for p in pieces] for j in range(height)]


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _wrap_cell(text: str, width: int) -> list[str]:
    """A cell's text on several lines; an indented cell (a nested row of a network) keeps its indent."""
    indent = " " * _indent(text)
    lines = wrap(
        text.lstrip(" "), width, initial_indent=indent, subsequent_indent=indent, break_long_words=False
    )
    return lines or [""]


def grid(
    rows: Sequence[Sequence[str]],
    align: Sequence[str],
    gap: int = 2,
    indent: str = "",
    width: int | None = None,
) -> str:
    """Columns without borders (a label, a number, a comment); no trailing spaces.

    With `width`, a left-aligned last column wraps under itself, or, when the columns before it
    leave it fewer than 20, on the lines below its row, indented.

    >>> print(grid([["MACs", "936", ""], ["FLOPs", "1,872", "2 · MACs"]], "lrl"))
    MACs     936
    FLOPs  1,872  2 · MACs
    """
    widths = [max(visible_len(r[i]) for r in rows) for i in range(len(align))]
    sep = " " * gap
    out = []
    for r in rows:
        head = indent + sep.join(_fit(c, widths[i], align[i]) for i, c in enumerate(r[:-1]))
        last = r[-1]
        room = (width or 0) - visible_len(head) - gap
        if width is not None and align[-1] == "l" and visible_len(head + sep + last) > width and room >= 20:
            wrapped = wrap(last, room)
            out.append(head + sep + wrapped[0])
            out.extend(" " * (visible_len(head) + gap) + w for w in wrapped[1:])
        elif width is not None and align[-1] == "l" and visible_len(head + sep + last) > width:
            under = indent + " " * 4
            out.append(head.rstrip())
            out.extend(under + w for w in wrap(last, max(width - visible_len(under), 20)))
        else:
            out.append((head + sep + _fit(last, widths[-1], align[-1])).rstrip())
    return "\n".join(out)


def render_step(step: Step, style: Styler = PLAIN, width: int = 100, indent: str = "  ") -> str:
    """`label = formula`, then `= numbers in`, then `= value`, aligned under the first `=`, then why."""
    pad = " " * display_width(step.label)
    lines = _fit_formula(f"{indent}{step.label} = ", step.formula, width)
    lines[0] = lines[0].replace(step.label, style(step.label, "bold"), 1)
    if step.substituted and step.substituted not in (step.formula, fmt_value(step.value)):
        lines += _fit_sum(f"{indent}{pad} = ", f"{indent}{pad} + ", step.substituted, width)
    lines.append(f"{indent}{pad} = {style(fmt_value(step.value), 'bold', 'green')}")
    room = max(width - display_width(indent) - 4, 30)
    for text in ((step.why,) if step.why else ()) + step.notes:
        lines.extend(wrap_keeping_formula(text, room, indent + "  "))
    return "\n".join(lines)


def _fit_sum(first: str, more: str, text: str, width: int) -> list[str]:
    """`first + text` on as many lines as a long sum needs, broken before its outermost `+`s, each
    further line starting with `more` (a `+` under the `=`); text without such a `+` stays whole.

    >>> _fit_sum("a = ", "  + ", "10 + ⌊(3 + 4)/2⌋ + 30", 14)
    ['a = 10', '  + ⌊(3 + 4)/2⌋', '  + 30']
    """
    if display_width(first + text) <= width:
        return [first + text]
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([⌊⌈":
            depth += 1
        elif ch in ")]⌋⌉":
            depth -= 1
        elif depth == 0 and text.startswith(" + ", i):
            terms.append(text[start:i])
            start = i + 3
    terms.append(text[start:])
    if len(terms) == 1:
        return _fit_formula(first, text, width)
    lines = [first + terms[0]]
    for term in terms[1:]:
        if display_width(f"{lines[-1]} + {term}") <= width:
            lines[-1] += f" + {term}"
        else:
            lines.append(more + term)
    return lines


def _fit_formula(first: str, text: str, width: int) -> list[str]:
    """`first + text` on as many lines as a long formula needs, broken before a `+`, `−` or ` · ` (else
    after a comma) at any depth of brackets, each further line two columns in from the formula's
    start. Where no break fits, the first one there is; a formula with none stays whole.

    >>> _fit_formula("p = ", "max((n − 1)·s + k − n, 0)", 22)
    ['p = max((n − 1)·s + k', '      − n, 0)']
    """
    hang = " " * (display_width(first) + 2)
    lines, line, rest = [], first, text
    while display_width(line + rest) > width:
        room = width - display_width(line)
        # (end of this line, start of the next) in `rest`, before an operator or after a comma
        cuts = [(i, i + 1) for i in range(1, len(rest)) if rest.startswith((" + ", " − ", " · "), i)]
        cuts = cuts or [(i + 1, i + 2) for i in range(1, len(rest)) if rest.startswith(", ", i)]
        if not cuts:
            break
        fitting = [c for c in cuts if display_width(rest[: c[0]]) <= room]
        end, start = fitting[-1] if fitting else cuts[0]
        lines.append(line + rest[:end])
        line, rest = hang, rest[start:]
    lines.append(line + rest)
    return lines


def wrap_keeping_formula(text: str, width: int, indent: str) -> list[str]:
    """`text` wrapped to `width` columns after `indent`; a note that ends in a formula after a colon
    ("in general …: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1") and does not fit on one line puts the formula
    on a line of its own instead of breaking it, when it fits there.

    >>> wrap_keeping_formula("in general: ⌊(n + 2p − k)/s⌋ + 1", 24, "")
    ['in general:', '  ⌊(n + 2p − k)/s⌋ + 1']
    >>> wrap_keeping_formula("in general: ⌊(n + 2p − k)/s⌋ + 1", 40, "")
    ['in general: ⌊(n + 2p − k)/s⌋ + 1']
    """
    lines = wrap(text, width, initial_indent=indent, subsequent_indent=indent)
    split = closing_formula(text) if len(lines) > 1 else None
    if split is None:
        return lines
    head, formula = split
    inner = indent + "  "
    if display_width(inner + formula) > width:
        return lines
    return [*wrap(head, width, initial_indent=indent, subsequent_indent=indent), inner + formula]


def fit_worked_line(text: str, width: int) -> list[str]:
    """A line of working that fits `width` as it is; one too long that works a formula
    ("H_out = formula = numbers = value") puts each further "= …" under its first "="; prose wraps,
    a closing formula kept whole (`wrap_keeping_formula`).

    >>> fit_worked_line("H_out = (H_in − 1)·s + k = (3 − 1)·2 + 3 = 7", 30)
    ['H_out = (H_in − 1)·s + k', '      = (3 − 1)·2 + 3', '      = 7']
    """
    if display_width(text) <= width:
        return [text]
    label, sep, rest = text.partition(" = ")
    if not sep or " " in label:  # prose, not `symbol = …`
        return wrap_keeping_formula(text, width, "")
    first, *more = rest.split(" = ")
    pad = " " * display_width(label)
    return [f"{label} = {first}", *(f"{pad} = {part}" for part in more)]


def render_notes(
    notes: Sequence[str], style: Styler = PLAIN, width: int = 100, title: str | None = None
) -> str:
    if not notes:
        return ""
    lines = [style(_("Notes") if title is None else title, "bold")]
    for n in notes:
        lines.extend(wrap(n, max(width - 4, 30), initial_indent="  • ", subsequent_indent="    "))
    return "\n".join(lines)


def join_blocks(*blocks: str) -> str:
    return "\n\n".join(b for b in blocks if b) + "\n"
