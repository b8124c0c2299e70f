"""One self-contained HTML page around a picture: inline style and script, nothing fetched.

The page's Content-Security-Policy forbids every network request, so it shows the same offline,
from a file, and from a mail attachment.
"""

from __future__ import annotations

from html import escape

from cnncalc.i18n import _, current_language

# the page's `lang`: a browser picks its fonts (and a reader its voice) by it
_HTML_LANG = {"en": "en", "zh": "zh-CN"}

_STYLE = """
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
h1 { font-size: 20px; margin: 0 0 12px; }
.picture svg { max-width: 100%; height: auto; }
.controls { margin: 12px 0; display: flex; gap: 8px; align-items: center; }
.controls button { font-size: 15px; padding: 4px 14px; }
.controls input { flex: 1; max-width: 420px; }
pre { background: #f5f7fa; padding: 10px 12px; border-radius: 4px; overflow-x: auto; }
li { margin: 4px 0; }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def html_page(
    title: str,
    body: str,
    working: list[str] | None = None,
    notes: list[str] | None = None,
    data: str | None = None,
    script: str | None = None,
) -> str:
    """`body` is trusted markup (the inline SVG and controls); the rest is escaped text."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_HTML_LANG.get(current_language(), "en")}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        f'<div class="picture">{body}</div>',
    ]
    if working:
        parts.append(f"<h2>{escape(_('Working'))}</h2>")
        parts.append("<pre>" + escape("\n".join(working)) + "</pre>")
    if notes:
        parts.append(
            f"<h2>{escape(_('Notes'))}</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>"
        )
    if data is not None:
        # JSON inside <script> must not be able to close the element
        parts.append(
            '<script type="application/json" id="frames-data">' + data.replace("</", "<\\/") + "</script>"
        )
    if script:
        parts.append(f"<script>{script}</script>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)
