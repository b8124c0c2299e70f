"""Where rich output goes: the terminal (trimmed of rich's trailing blanks) and SVG/HTML exports.

`Screen` is what the tutor commands print to; `save_export` writes what a recording console
printed, atomically, for every command that offers `--svg`/`--html`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TextIO

from rich.console import Console, RenderableType


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
            raise ValueError("this screen was not recording; create it with record=True")
        return save_export(self.recorder, path, kind, title)


def save_export(console: Console, path: str | Path, kind: str, title: str = "cnncalc") -> Path:
    """Write what a `Console(record=True)` printed as SVG or HTML (`kind`), atomically; an error
    names the path as given with `--svg` or `--html`."""
    from cnncalc.safety.atomic import write_atomic

    data = console.export_svg(title=title, clear=False) if kind == "svg" else console.export_html(clear=False)
    return write_atomic(path, data, field=kind)
