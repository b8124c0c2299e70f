"""Plain-text rendering for the calculator commands, standard library only.

`rich` costs about 20 ms to import, more than the whole start-up budget of `cnncalc shape`
(1.3 × `import typer`), so the three calculator commands render boxed tables and worked steps
here; lessons, network tables and the trainer use rich.

>>> print(box_table(["axis", "out"], [["H", "92"]]))
┌──────┬─────┐
│ axis │ out │
├──────┼─────┤
│ H    │  92 │
└──────┴─────┘
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from cnncalc.arith.steps import Step, fmt_value

_NUMERIC = re.compile(r"^[−\-+]?[\d,.×x/ ]+$")
_ANSI = {"bold": "1", "dim": "2", "green": "32", "red": "31", "cyan": "36", "yellow": "33"}


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


def box_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], title: str = "", style: Styler = PLAIN
) -> str:
    """A table drawn with box characters; numeric cells are right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * (w + 2) for w in widths) + right

    def fmt_row(row: Sequence[str], header: bool = False) -> str:
        parts = []
        for i, c in enumerate(row):
            pad = c.rjust(widths[i]) if (not header and _NUMERIC.match(c)) else c.ljust(widths[i])
            parts.append(" " + (style(pad, "bold") if header else pad) + " ")
        return "│" + "│".join(parts) + "│"

    out = []
    if title:
        out.append(style(title, "bold"))
    out.append(line("┌", "┬", "┐"))
    out.append(fmt_row(list(headers), header=True))
    out.append(line("├", "┼", "┤"))
    out.extend(fmt_row(r) for r in cells)
    out.append(line("└", "┴", "┘"))
    return "\n".join(out)


def render_step(step: Step, style: Styler = PLAIN, width: int = 100, indent: str = "  ") -> str:
    """`label = formula`, then `= numbers in`, then `= value`, aligned under the first `=`, then why."""
    pad = " " * len(step.label)
    lines = [f"{indent}{style(step.label, 'bold')} = {step.formula}"]
    if step.substituted and step.substituted not in (step.formula, fmt_value(step.value)):
        lines.append(f"{indent}{pad} = {step.substituted}")
    lines.append(f"{indent}{pad} = {style(fmt_value(step.value), 'bold', 'green')}")
    wrap = max(width - len(indent) - 4, 30)
    for text in ((step.why,) if step.why else ()) + step.notes:
        lines.extend(textwrap.wrap(text, wrap, initial_indent=indent + "  ", subsequent_indent=indent + "  "))
    return "\n".join(lines)


def render_notes(notes: Sequence[str], style: Styler = PLAIN, width: int = 100, title: str = "Notes") -> str:
    if not notes:
        return ""
    lines = [style(title, "bold")]
    for n in notes:
        lines.extend(textwrap.wrap(n, max(width - 4, 30), initial_indent="  • ", subsequent_indent="    "))
    return "\n".join(lines)


def join_blocks(*blocks: str) -> str:
    return "\n\n".join(b for b in blocks if b) + "\n"
