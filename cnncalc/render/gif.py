"""The sliding-window animation as a GIF, through Pillow: an optional extra (`cnncalc[gif]`).

Pillow is imported only here, when a `.gif` is asked for; without it the error names the extra.
The frames are the SVG's, drawn with the same layout and colours.
"""

from __future__ import annotations

import io

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.frames import WindowFrames, output_position
from cnncalc.render.sliding import SECONDS_PER_FRAME, Layout, caption, check_drawable
from cnncalc.render.svg import COLOURS


def sliding_gif(pic: WindowFrames) -> bytes:
    """Every frame (or the one still) as an animated GIF that loops forever."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        raise CnnCalcError(
            'writing a GIF needs Pillow, an optional extra: pip install "cnncalc[gif]" '
            "(or write .svg or .html, which need nothing more)"
        ) from None
    check_drawable(pic)
    layout = Layout(pic)
    width = int(layout.out_x + layout.out_cols * layout.cell + 20)
    height = int(layout.label_y + 12)
    title = caption(pic).replace("×", "x").replace("→", "->")
    images = []
    for frame in pic.frames:
        image = Image.new("RGB", (width, height), COLOURS.background)
        draw = ImageDraw.Draw(image)
        draw.text((20, 14), title, fill=COLOURS.text)
        cell = layout.cell
        for r in range(layout.rows):
            for c in range(layout.cols):
                pos = (r, c) if len(pic.grid) == 2 else (c,)
                x, y = layout.cell_xy(pos)
                if all(g.input_index(v) is not None for g, v in zip(pic.grid, pos, strict=True)):
                    draw.rectangle((x, y, x + cell, y + cell), fill=COLOURS.input, outline=COLOURS.input_edge)
                else:
                    _dashed_square(draw, x + 2, y + 2, cell - 4, COLOURS.padding_edge)
        window = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        wdraw = ImageDraw.Draw(window)
        shade = _rgb(COLOURS.window) + (int(255 * COLOURS.window_opacity),)
        for t_r in range(pic.grid[0].kernel if len(pic.grid) == 2 else 1):
            for t_c in range(pic.grid[-1].kernel):
                offset = (t_r * pic.grid[0].dilation, t_c * pic.grid[-1].dilation)
                x, y = layout.cell_xy(
                    tuple(o + t for o, t in zip(frame.origin, offset[-len(pic.grid) :], strict=True))
                )
                wdraw.rectangle((x, y, x + cell, y + cell), fill=shade, outline=COLOURS.window)
        image = Image.alpha_composite(image.convert("RGBA"), window).convert("RGB")
        draw = ImageDraw.Draw(image)
        for i in range(pic.frame_count):
            x, y = layout.out_xy(output_position(i, pic.output))
            fill = (
                COLOURS.output
                if i < frame.index
                else COLOURS.current
                if i == frame.index
                else COLOURS.output_empty
            )
            draw.rectangle((x, y, x + cell, y + cell), fill=fill, outline=COLOURS.output_edge)
        draw.text(
            (20, layout.label_y - 12), f"frame {frame.index + 1} of {pic.frame_count}", fill=COLOURS.text
        )
        images.append(image)
    out = io.BytesIO()
    images[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=int(SECONDS_PER_FRAME * 1000),
        loop=0,
        optimize=False,
    )
    return out.getvalue()


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _dashed_square(draw, x: float, y: float, size: float, colour: str, dash: float = 3) -> None:
    """Pillow draws no dashed lines: the padding cell's border as short segments."""
    edges = (
        ((x, y), (1, 0)),
        ((x + size, y), (0, 1)),
        ((x + size, y + size), (-1, 0)),
        ((x, y + size), (0, -1)),
    )
    for (sx, sy), (dx, dy) in edges:
        t = 0.0
        while t < size:
            end = min(t + dash, size)
            draw.line((sx + dx * t, sy + dy * t, sx + dx * end, sy + dy * end), fill=colour)
            t += 2 * dash
