"""The receptive-field picture: one unit's field on the input grid, one nested box per layer.

Boxes go from the first to the last unit (of each map) the chosen unit depends on, placed at
those units' centres in input pixels; dots mark the units themselves (a stride spreads them
out, a dilation leaves gaps); shaded pixels are the field. Padding the field reaches is drawn
dashed around the input.
"""

from __future__ import annotations

from fractions import Fraction

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.rf_regions import RFLevel, RFPicture
from cnncalc.i18n import _
from cnncalc.render.page import html_page
from cnncalc.render.svg import COLOURS, Element, document, el, text
from cnncalc.render.text import files_hint, json_hint
from cnncalc.render.width import display_width, wrap

_MARGIN = 20
_TOP = 50
_MAX_DOTS = 2500


def rf_caption(pic: RFPicture) -> str:
    return _("unit ({where}) of layer {n} ({text}) sees {field} input pixels").format(
        where=", ".join(map(str, pic.unit)), n=pic.number, text=pic.text, field=fmt_shape(pic.receptive_field)
    )


def level_lines(pic: RFPicture) -> list[str]:
    """One line per layer, from the unit out to the pixels (the back-recursion's rows)."""
    lines = []
    span = (1,) * len(pic.unit)
    for level in pic.levels:
        if level is pic.levels[-1]:
            line = _("layer {n} ({text}): {span} → {reach} input pixels")
        else:
            line = _("layer {n} ({text}): {span} → {reach} units of its input map {shape}")
        lines.append(
            line.format(
                n=level.number,
                text=level.text,
                span=fmt_shape(span),
                reach=fmt_shape(level.span),
                shape=fmt_shape(level.map_shape),
            )
        )
        span = level.span
    return lines


def _notes(pic: RFPicture) -> list[str]:
    notes = list(pic.notes)
    pads = [m for pair in pic.margin for m in pair]
    if any(pads):
        notes.append(
            _(
                "The field reaches past the input into the padding (dashed cells): those pixels are zeros, so a "
                "unit near the border sees fewer real pixels than its receptive field."
            )
        )
    for level in pic.levels:
        gaps = [len(t) < s for t, s in zip(level.touched, level.span, strict=True)]
        if any(gaps):
            notes.append(
                _(
                    "Through layer {n} ({text}) the unit reads only {read} of the {span} units its box spans: "
                    "a dilation, a stride longer than the window, or padding (a zero reads nothing) leaves gaps."
                ).format(
                    n=level.number,
                    text=level.text,
                    read=fmt_shape(tuple(len(t) for t in level.touched)),
                    span=fmt_shape(level.span),
                )
            )
    return notes


_LEVEL_COLOURS = ("#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


def _colour(i: int, count: int) -> str:
    """Inner boxes first; the outermost (the pixels) always in the window's dark blue."""
    return COLOURS.window if i == count - 1 else _LEVEL_COLOURS[i % len(_LEVEL_COLOURS)]


def check_drawable(pic: RFPicture) -> None:
    if len(pic.input) > 2:
        raise CnnCalcError(
            _("a field on a {dims}-D input cannot be drawn on a page; {json} lists its levels"),
            dims=len(pic.input),
            json=json_hint(),
        )


def rf_svg(pic: RFPicture) -> str:
    """The picture as one self-contained SVG (1-D or 2-D inputs)."""
    check_drawable(pic)
    (mt, mb), (ml, mr) = pic.margin if len(pic.margin) == 2 else ((0, 0), pic.margin[0])
    rows, cols = pic.input if len(pic.input) == 2 else (1, pic.input[0])
    total_r, total_c = rows + mt + mb, cols + ml + mr
    cell = max(3, min(24, 440 // max(total_r, total_c)))
    gx, gy = _MARGIN, _TOP

    def px(coord: tuple[Fraction | int, ...]) -> tuple[float, float]:
        r, c = (0, coord[0]) if len(coord) == 1 else coord
        return gx + (float(c) + ml) * cell, gy + (float(r) + mt) * cell

    defs = el(
        "defs",
        "",
        el(
            "pattern",
            "",
            el(
                "rect",
                x=0,
                y=0,
                width=cell,
                height=cell,
                fill="none",
                stroke=COLOURS.input_edge,
                stroke_width=0.6,
            ),
            id="cells",
            width=cell,
            height=cell,
            patternUnits="userSpaceOnUse",
            x=gx,
            y=gy,
        ),
        el(
            "pattern",
            "",
            el(
                "rect",
                x=0.5,
                y=0.5,
                width=cell - 1,
                height=cell - 1,
                fill="none",
                stroke=COLOURS.padding_edge,
                stroke_width=0.6,
                stroke_dasharray="2 2",
            ),
            id="pad-cells",
            width=cell,
            height=cell,
            patternUnits="userSpaceOnUse",
            x=gx,
            y=gy,
        ),
    )
    children: list[Element] = [defs, text(_MARGIN, 28, rf_caption(pic), 15, font_weight="bold")]
    if mt or mb or ml or mr:
        children.append(
            el(
                "rect",
                x=gx,
                y=gy,
                width=total_c * cell,
                height=total_r * cell,
                fill="url(#pad-cells)",
                class_="padding",
            )
        )
    x0, y0 = px((0,) * len(pic.input))
    children.append(
        el("rect", x=x0, y=y0, width=cols * cell, height=rows * cell, fill=COLOURS.input, class_="input")
    )
    children.append(el("rect", x=x0, y=y0, width=cols * cell, height=rows * cell, fill="url(#cells)"))

    field = el("g", class_="field", fill=COLOURS.window, fill_opacity=0.35)
    touched_rows = pic.levels[-1].touched[0] if len(pic.input) == 2 else (0,)
    touched_cols = pic.levels[-1].touched[-1]
    for r in touched_rows:
        for start, length in _runs(touched_cols):
            x, y = px((r, start) if len(pic.input) == 2 else (start,))
            field.add(el("rect", x=x, y=y, width=length * cell, height=cell))
    children.append(field)

    count = len(pic.levels)
    for i, level in enumerate(pic.levels):
        children.append(_box(level, i, count, cell, px))
    ux, uy = px(pic.unit_centre)
    children.append(
        el(
            "circle",
            cx=ux + cell / 2,
            cy=uy + cell / 2,
            r=max(cell * 0.35, 2.5),
            fill=COLOURS.current,
            stroke="#ffffff",
            class_="unit",
        )
    )

    legend_x = gx + total_c * cell + 30
    lines = level_lines(pic)
    legend = el("g", class_="legend")
    for i, line in enumerate(lines):
        y = gy + 8 + 22 * i
        legend.add(
            el(
                "rect",
                x=legend_x,
                y=y - 10,
                width=14,
                height=12,
                fill="none",
                stroke=_colour(i, count),
                stroke_width=2.5,
            )
        )
        legend.add(text(legend_x + 22, y, line, 12.5))
    y = gy + 8 + 22 * len(lines)
    legend.add(el("circle", cx=legend_x + 7, cy=y - 4, r=4, fill=COLOURS.current))
    legend.add(
        text(
            legend_x + 22,
            y,
            _("the unit, centred at pixel ({where})").format(
                where=", ".join(_num(c) for c in pic.unit_centre)
            ),
            12.5,
        )
    )
    notes = [line for note in _notes(pic) for line in wrap(note, 96)]
    for j, note in enumerate(notes):
        legend.add(text(legend_x, y + 30 + 18 * j, note, 11.5, fill=COLOURS.muted))
    children.append(legend)
    longest = max([display_width(line) for line in lines] + [display_width(n) for n in notes] + [0]) * 7.0
    width = max(legend_x + 22 + longest + _MARGIN, display_width(rf_caption(pic)) * 8.2 + 2 * _MARGIN)
    height = max(gy + total_r * cell, y + 30 + 18 * len(notes)) + _MARGIN
    return document(
        width,
        height,
        children,
        rf_caption(pic),
        _("Nested regions: the units each layer's window reads, back to the input pixels."),
    )


def _box(level: RFLevel, i: int, count: int, cell: float, px) -> Element:
    """The span of one level's units (centre to centre, half a pixel either side) and its dots."""
    colour = _colour(i, count)
    x1, y1 = px(level.centre(level.first))
    x2, y2 = px(level.centre(level.last))
    group = el("g", class_="level", data_layer=level.number)
    group.add(
        el(
            "rect",
            x=x1,
            y=y1,
            width=x2 - x1 + cell,
            height=y2 - y1 + cell,
            fill="none",
            stroke=colour,
            stroke_width=2.5,
        )
    )
    is_pixels = i == count - 1
    dots = 1
    for t in level.touched:
        dots *= len(t)
    if not is_pixels and dots <= _MAX_DOTS:
        grid = level.touched if len(level.touched) == 2 else ((0,), level.touched[0])
        for r in grid[0]:
            for c in grid[1]:
                x, y = px(level.centre((r, c) if len(level.touched) == 2 else (c,)))
                group.add(
                    el("circle", cx=x + cell / 2, cy=y + cell / 2, r=max(cell * 0.16, 1.2), fill=colour)
                )
    return group


def _runs(indices: tuple[int, ...]) -> list[tuple[int, int]]:
    """Sorted indices → (start, length) runs of consecutive values: (1, 2, 3, 7) → [(1, 3), (7, 1)]."""
    runs: list[tuple[int, int]] = []
    for v in indices:
        if runs and runs[-1][0] + runs[-1][1] == v:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((v, 1))
    return runs


def _num(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{float(v):g}"


def rf_html(pic: RFPicture) -> str:
    svg = rf_svg(pic).split("\n", 1)[1]
    return html_page(rf_caption(pic), svg, working=level_lines(pic), notes=_notes(pic))


def rf_text(pic: RFPicture, max_width: int = 100) -> str:
    """The caption, one line per layer and, when it fits, the field drawn with characters."""

    def indented(line: str) -> list[str]:
        return wrap(line, max_width, "  ", "    ")

    lines = [*wrap(rf_caption(pic), max_width), "", *(w for line in level_lines(pic) for w in indented(line))]
    first, last = pic.pixels_first, pic.pixels_last
    lines += indented(
        _("  field: pixels {first} … {last}").format(
            first=", ".join(map(str, first)), last=", ".join(map(str, last))
        )
    )
    notes = [w for note in _notes(pic) for w in wrap(note, max_width)]
    if len(pic.input) > 2:
        return "\n".join(
            [
                *lines,
                "",
                *notes,
                *wrap(_("{json} lists every level of a 3-D field.").format(json=json_hint()), max_width),
            ]
        )
    (mt, mb), (ml, mr) = pic.margin if len(pic.margin) == 2 else ((0, 0), pic.margin[0])
    rows, cols = pic.input if len(pic.input) == 2 else (1, pic.input[0])
    if (cols + ml + mr) * 2 <= max_width and rows + mt + mb <= 40:
        touched = pic.levels[-1].touched
        trows = set(touched[0]) if len(touched) == 2 else {0}
        tcols = set(touched[-1])
        lines.append("")
        for r in range(-mt, rows + mb):
            row = []
            for c in range(-ml, cols + mr):
                inside = 0 <= r < rows and 0 <= c < cols
                row.append("#" if r in trows and c in tcols else "o" if inside else "·")
            lines.append("  " + " ".join(row))
        lines += indented(_("  (# the field, o other input pixels, · padding)"))
    lines += [
        "",
        *notes,
        *wrap(
            _("Write the picture with {files}; {json} lists every level.").format(
                files=files_hint(), json=json_hint()
            ),
            max_width,
        ),
    ]
    return "\n".join(lines)
