"""How results show in a notebook: the terminal's own text and tables as self-contained HTML.

`styled_html` takes what the standard-library renderer printed with its ANSI styles (bold, dim and
four colours, `cnncalc.render.text.Styler`) and writes it as one `<pre>` with inline styles;
`rich_html` and `rich_text` do the same for a rich renderable (the tutor's step-throughs). Text is
always escaped, nothing is fetched, and the markup is well-formed XML. Standard library at import;
rich is imported by the two functions that draw with it.

>>> styled_html("\\x1b[1;32m92\\x1b[0m < 96")  # doctest: +ELLIPSIS
'<pre class="cnncalc" style="..."><span style="font-weight: bold; color: #2e7d32">92</span> &lt; 96</pre>'
"""

from __future__ import annotations

import io
import re
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType

# The Styler's SGR codes as CSS; mid-tone colours read on a light and on a dark notebook theme.
_CSS = {
    "1": "font-weight: bold",
    "2": "opacity: 0.7",
    "31": "color: #c62828",
    "32": "color: #2e7d32",
    "33": "color: #b07d00",
    "36": "color: #00838f",
}
_SGR = re.compile(r"\x1b\[([0-9;]*)m")
PRE_STYLE = (
    "font-family: Menlo, 'DejaVu Sans Mono', Consolas, 'Liberation Mono', monospace; "
    "font-size: 13px; line-height: 1.3; white-space: pre; overflow-x: auto"
)


def styled_html(text: str) -> str:
    """ANSI-styled text as an escaped `<pre>`: each styled run one `<span>`, `ESC[0m` ends them all."""
    out: list[str] = []
    active: list[str] = []
    pos = 0
    for m in _SGR.finditer(text):
        _run(out, text[pos : m.start()], active)
        codes = [c for c in m.group(1).split(";") if c]
        if not codes or "0" in codes:
            active = []
        active += [c for c in codes if c in _CSS and c not in active]
        pos = m.end()
    _run(out, text[pos:], active)
    return f'<pre class="cnncalc" style="{PRE_STYLE}">' + "".join(out).rstrip("\n") + "</pre>"


def _run(out: list[str], text: str, active: list[str]) -> None:
    if not text:
        return
    if not active:
        out.append(escape(text))
        return
    out.append(f'<span style="{"; ".join(_CSS[c] for c in active)}">{escape(text)}</span>')


def rich_text(renderable: RenderableType, width: int) -> str:
    """What a colourless terminal `width` columns wide shows, without rich's trailing blanks."""
    from rich.console import Console

    console = Console(
        file=io.StringIO(), width=width, color_system=None, no_color=True, highlight=False, emoji=False
    )
    with console.capture() as capture:
        console.print(renderable)
    return "\n".join(line.rstrip() for line in capture.get().split("\n")).rstrip("\n") + "\n"


def rich_html(renderable: RenderableType, width: int) -> str:
    """A rich renderable drawn as on a colour terminal `width` columns wide, as one escaped `<pre>`
    with inline styles."""
    from rich.console import Console

    console = Console(
        record=True,
        file=io.StringIO(),
        width=width,
        color_system="truecolor",
        force_terminal=True,
        highlight=False,
        emoji=False,
    )
    console.print(renderable)
    # rich escapes the text and writes each style inline; {code} is the body, the rest its theme
    frame = f'<pre class="cnncalc" style="{PRE_STYLE}">{{code}}</pre>'
    return console.export_html(inline_styles=True, code_format=frame).rstrip("\n")
