"""conv_arithmetic-style pictures of one layer: the window sliding over the padded input while
the output fills in. SVG (animated with SMIL, or a still), an HTML page with controls, and a
text still for the terminal. Standard library only.

The SVG marks what tests and scripts count: the root's `data-frames`, one `data-frame` output
cell per frame, and the window's discrete `animateTransform` with one value per frame.
"""

from __future__ import annotations

import json
from html import escape

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.frames import Frame, WindowFrames, output_position
from cnncalc.arith.parsing import fmt_shape
from cnncalc.i18n import N_, _, translated
from cnncalc.render.page import html_page
from cnncalc.render.svg import COLOURS, Element, document, el, fmt_number, text
from cnncalc.render.text import json_hint
from cnncalc.render.width import display_width

# Grid cells per side a picture draws; past this a cell is a few pixels and nothing can be read.
MAX_PICTURE_SIDE = 128
SECONDS_PER_FRAME = 0.6
_MARGIN = 20
_GAP = 48
_TITLE = 44
_LINE = 18

_NAMES = {
    "conv": N_("convolution"),
    "maxpool": N_("max pooling"),
    "avgpool": N_("average pooling"),
    "tconv": N_("transposed convolution"),
}


def check_drawable(pic: WindowFrames) -> None:
    """Pictures are 1-D or 2-D and at most `MAX_PICTURE_SIDE` cells a side."""
    if len(pic.grid) > 2:
        raise CnnCalcError(
            _(
                "a {dims}-D layer cannot be drawn on a page; draw one slice with a 2-D {field} HxW "
                "(the {json} geometry works for 3-D)"
            ),
            field="input",
            dims=len(pic.grid),
            json=json_hint(),
        )
    side = max(max(pic.grid_size), max(pic.output))
    if side > MAX_PICTURE_SIDE:
        raise CnnCalcError(
            _(
                "the picture would be {cells} cells, more than {limit} a side; use a smaller {field} "
                "(the sizes do not change with it: cnncalc shape gives them for any input)"
            ),
            field="input",
            cells=fmt_shape(pic.grid_size),
            limit=MAX_PICTURE_SIDE,
        )


def caption(pic: WindowFrames) -> str:
    """'convolution 5×5 → 3×3: kernel 3, stride 2, padding 1' (per-axis values where they differ)."""
    s = pic.shape
    parts = [_("kernel {k}").format(k=fmt_shape(s.kernel) if len(set(s.kernel)) > 1 else s.kernel[0])]
    if set(s.stride) != {1}:
        parts.append(_("stride {s}").format(s=_axes(s.stride)))
    pads = {p for pair in s.padding for p in pair}
    if pads != {0} or s.padding_mode:
        if all(a == b for a, b in s.padding):
            padding = _("padding {p}").format(p=_axes(tuple(a for a, _after in s.padding)))
        elif len(set(s.padding)) == 1:
            padding = _("padding {before} before, {after} after").format(
                before=s.padding[0][0], after=s.padding[0][1]
            )
        else:
            padding = _("padding {p}").format(p=", ".join(f"{a}+{b}" for a, b in s.padding))
        parts.append(padding + (f" ({s.padding_mode})" if s.padding_mode else ""))
    if set(s.dilation) != {1}:
        parts.append(_("dilation {d}").format(d=_axes(s.dilation)))
    if s.ceil:
        parts.append(_("ceil mode"))
    if any(s.output_padding):
        parts.append(_("output padding {p}").format(p=_axes(s.output_padding)))
    return _("{op} {input} → {output}: {settings}").format(
        op=translated(_NAMES[pic.op]),
        input=fmt_shape(s.input),
        output=fmt_shape(pic.output),
        settings=_(", ").join(parts),
    )


def _axes(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else fmt_shape(values)


class Layout:
    """Where everything goes: input grid on the left, output grid on the right, text below."""

    def __init__(self, pic: WindowFrames) -> None:
        self.pic = pic
        rows_cols = pic.grid_size if len(pic.grid) == 2 else (1, pic.grid_size[0])
        self.rows, self.cols = rows_cols
        out = pic.output if len(pic.output) == 2 else (1, pic.output[0])
        self.out_rows, self.out_cols = out
        # a ceil-mode pool's last window hangs past the grid: leave room to show it
        reach = [max(g.window(g.out - 1)[-1] + 1, g.size) for g in pic.grid]
        self.reach = (1, reach[0]) if len(reach) == 1 else tuple(reach)
        side = max(*self.reach, self.out_rows, self.out_cols)
        self.cell = max(8, min(36, 360 // side))
        self.in_x = _MARGIN
        self.in_y = _MARGIN + _TITLE
        self.out_x = self.in_x + self.reach[1] * self.cell + _GAP
        self.out_y = self.in_y
        self.lines = working_lines(pic)
        grids_h = max(self.reach[0], self.out_rows) * self.cell
        self.label_y = self.in_y + grids_h + 24
        self.text_y = self.label_y + 26
        width_px = self.out_x + self.out_cols * self.cell + _MARGIN
        longest = max([display_width(caption(pic)), *(display_width(line) for line in self.lines)]) * 7.2
        self.width = max(width_px, longest + 2 * _MARGIN, 320)
        self.height = self.text_y + _LINE * len(self.lines) + _MARGIN

    def cell_xy(self, cell: tuple[int, ...]) -> tuple[float, float]:
        r, c = (0, cell[0]) if len(cell) == 1 else cell
        return self.in_x + c * self.cell, self.in_y + r * self.cell

    def out_xy(self, position: tuple[int, ...]) -> tuple[float, float]:
        r, c = (0, position[0]) if len(position) == 1 else position
        return self.out_x + c * self.cell, self.out_y + r * self.cell


def working_lines(pic: WindowFrames) -> list[str]:
    """The arithmetic printed under the picture: each axis' size formula (and the tconv equivalence)."""
    lines = [s.line() for s in pic.shape.steps if s.label.endswith("_out")]
    if len(lines) == 2 and lines[0][1:] == lines[1][1:]:
        lines = [lines[0], _("({axis}_out alike)").format(axis=pic.grid[1].axis)]
    if pic.op == "tconv":
        g = pic.grid
        lines.append(
            _(
                "equals a stride-1 convolution (kernel flipped) over the input with {zeros} zero(s) between "
                "cells and border padding d(k − 1) − p = {border}"
            ).format(zeros=g[0].spacing - 1, border=_axes(tuple(a.start for a in g)))
        )
        lines.extend(s.line() for s in pic.equivalence if s.label.endswith("_out"))
    return lines


def _input_cells(layout: Layout) -> Element:
    pic = layout.pic
    group = el("g", class_="input-grid")
    grid = pic.grid if len(pic.grid) == 2 else None
    for r in range(layout.rows):
        for c in range(layout.cols):
            cell = (r, c) if grid else (c,)
            is_data = all(g.input_index(v) is not None for g, v in zip(pic.grid, cell, strict=True))
            x, y = layout.cell_xy(cell)
            if is_data:
                group.add(
                    el(
                        "rect",
                        x=x,
                        y=y,
                        width=layout.cell,
                        height=layout.cell,
                        fill=COLOURS.input,
                        stroke=COLOURS.input_edge,
                        class_="input-cell",
                    )
                )
            else:
                inset = 1.5
                group.add(
                    el(
                        "rect",
                        x=x + inset,
                        y=y + inset,
                        width=layout.cell - 2 * inset,
                        height=layout.cell - 2 * inset,
                        fill=COLOURS.padding,
                        stroke=COLOURS.padding_edge,
                        stroke_dasharray="3 2",
                        class_="padding-cell",
                    )
                )
    return group


def _window(layout: Layout, frame: Frame) -> Element:
    """The kernel's cells (with the gaps of a dilated kernel), drawn at the frame's origin."""
    pic = layout.pic
    x0, y0 = layout.cell_xy(frame.origin)
    group = el("g", id="window", class_="window", transform=f"translate({fmt_number(x0)},{fmt_number(y0)})")
    ks = [(g.kernel, g.dilation) for g in pic.grid]
    rows = [t * ks[0][1] for t in range(ks[0][0])] if len(ks) == 2 else [0]
    cols = [t * ks[-1][1] for t in range(ks[-1][0])]
    for r in rows:
        for c in cols:
            group.add(
                el(
                    "rect",
                    x=c * layout.cell,
                    y=r * layout.cell,
                    width=layout.cell,
                    height=layout.cell,
                    fill=COLOURS.window,
                    fill_opacity=COLOURS.window_opacity,
                    stroke=COLOURS.window,
                )
            )
    return group


def _origin_px(layout: Layout, frame: Frame) -> tuple[float, float]:
    return layout.cell_xy(frame.origin)


def _output_cell(layout: Layout, index: int, fill: str, dashed: bool) -> Element:
    position = output_position(index, layout.pic.output)
    x, y = layout.out_xy(position)
    return el(
        "rect",
        x=x,
        y=y,
        width=layout.cell,
        height=layout.cell,
        fill=fill,
        stroke=COLOURS.output_edge,
        stroke_dasharray="3 2" if dashed else None,
        class_="out-cell",
        data_frame=index,
    )


def _labels(layout: Layout, pic: WindowFrames) -> list[Element]:
    return [
        text(_MARGIN, _MARGIN + 14, caption(pic), 15, font_weight="bold"),
        text(
            layout.in_x,
            layout.in_y - 8,
            _grid_note(pic),
            12,
            fill=COLOURS.muted,
        ),
        text(
            layout.out_x,
            layout.out_y - 8,
            _("output {shape}").format(shape=fmt_shape(pic.output)),
            12,
            fill=COLOURS.muted,
        ),
    ] + [text(_MARGIN, layout.text_y + _LINE * i, line, 12.5) for i, line in enumerate(layout.lines)]


def _grid_note(pic: WindowFrames) -> str:
    """The input grid's label: `input 5×5, padded to 7×7`."""
    shapes = {"input": fmt_shape(pic.shape.input), "grid": fmt_shape(pic.grid_size)}
    if pic.op == "tconv":
        return _("input {input}, stretched and padded to {grid}").format(**shapes)
    if pic.grid_size != pic.shape.input:
        return _("input {input}, padded to {grid}").format(**shapes)
    return _("input {input}").format(**shapes)


def _frame_text(pic: WindowFrames, frame: Frame) -> str:
    where = ", ".join(map(str, frame.output))
    data = sum(
        all(g.input_index(v) is not None for g, v in zip(pic.grid, cell, strict=True))
        for cell in frame.input_cells
    )
    cells = len(frame.input_cells)
    values = {"index": frame.index + 1, "n": pic.frame_count, "where": where, "cells": cells}
    if data == cells:
        return _("frame {index} of {n}: output ({where}) reads {cells} cells").format(**values)
    if pic.op == "tconv":
        split = _(
            "frame {index} of {n}: output ({where}) reads {cells} cells ({data} input, {zeros} inserted zero or "
            "padding)"
        )
    else:
        split = _(
            "frame {index} of {n}: output ({where}) reads {cells} cells ({data} input, {zeros} padding)"
        )
    return split.format(data=data, zeros=cells - data, **values)


def sliding_svg(pic: WindowFrames) -> str:
    """An animated SVG of every frame, or a still when `pic` holds one frame of several."""
    check_drawable(pic)
    layout = Layout(pic)
    still = pic.is_still() or pic.frame_count == 1
    children: list[Element] = [*_labels(layout, pic), _input_cells(layout)]
    n = pic.frame_count
    if still:
        current = pic.frames[0].index
        outs = el("g", class_="output-grid")
        for i in range(n):
            if i < current:
                outs.add(_output_cell(layout, i, COLOURS.output, False))
            elif i == current:
                outs.add(_output_cell(layout, i, COLOURS.current, False))
            else:
                outs.add(_output_cell(layout, i, COLOURS.output_empty, True))
        children += [
            outs,
            _window(layout, pic.frames[0]),
            text(_MARGIN, layout.label_y, _frame_text(pic, pic.frames[0]), 13, class_="frame-label"),
        ]
        return document(
            layout.width,
            layout.height,
            children,
            caption(pic),
            _description(pic),
            data_frames=n,
            data_still=current,
        )

    dur = f"{fmt_number(n * SECONDS_PER_FRAME)}s"
    times = [i / n for i in range(n)]
    common = {"dur": dur, "repeatCount": "indefinite", "calcMode": "discrete"}
    outs = el("g", class_="output-grid")
    for i in range(n):
        cell = _output_cell(layout, i, COLOURS.output_empty, False)
        if i == 0:
            values, keys = f"{COLOURS.current};{COLOURS.output}", f"0;{_t(1 / n)}"
        else:
            values, keys = (
                f"{COLOURS.output_empty};{COLOURS.current};{COLOURS.output}",
                f"0;{_t(times[i])};{_t((i + 1) / n)}",
            )
        cell.add(el("animate", attributeName="fill", values=values, keyTimes=keys, **common))
        outs.add(cell)
    window = _window(layout, pic.frames[0])
    window.add(
        el(
            "animateTransform",
            attributeName="transform",
            type="translate",
            values=";".join(
                f"{fmt_number(x)},{fmt_number(y)}" for x, y in (_origin_px(layout, f) for f in pic.frames)
            ),
            keyTimes=";".join(_t(t) for t in times),
            **common,
        )
    )
    labels = el("g", class_="frame-labels")
    for i, frame in enumerate(pic.frames):
        label = text(
            _MARGIN, layout.label_y, _frame_text(pic, frame), 13, visibility="hidden", class_="frame-label"
        )
        keys = f"0;{_t(times[i])};{_t((i + 1) / n)}" if i else f"0;{_t(1 / n)}"
        values = "hidden;visible;hidden" if i else "visible;hidden"
        label.add(el("animate", attributeName="visibility", values=values, keyTimes=keys, **common))
        labels.add(label)
    children += [outs, window, labels]
    return document(layout.width, layout.height, children, caption(pic), _description(pic), data_frames=n)


def _t(v: float) -> str:
    return f"{v:.6f}".rstrip("0").rstrip(".") or "0"


def _description(pic: WindowFrames) -> str:
    if pic.op == "tconv":
        legend = _(
            "Blue cells: the input; dashed cells: padding and the zeros inserted between input cells; dark "
            "cells: the window; cyan cells: the output, filled in as the window slides."
        )
    else:
        legend = _(
            "Blue cells: the input; dashed cells: padding; dark cells: the window; cyan cells: the output, "
            "filled in as the window slides."
        )
    return legend + " " + " ".join(pic.notes)


# -- the HTML player ------------------------------------------------------------------------------

_PLAYER_JS = """
(function () {
  var data = JSON.parse(document.getElementById('frames-data').textContent);
  var n = data.origins.length, current = 0, timer = null;
  var win = document.getElementById('window');
  var cells = document.querySelectorAll('.out-cell');
  var label = document.getElementById('frame-label');
  var slider = document.getElementById('frame-slider');
  var play = document.getElementById('play');
  function show(i) {
    current = (i + n) % n;
    var o = data.origins[current];
    win.setAttribute('transform', 'translate(' + o[0] + ',' + o[1] + ')');
    for (var j = 0; j < cells.length; j++) {
      var k = +cells[j].getAttribute('data-frame');
      cells[j].setAttribute('fill', k < current ? data.colours.done : k === current ? data.colours.current : data.colours.empty);
    }
    label.textContent = data.labels[current];
    slider.value = current;
  }
  function stop() { if (timer !== null) { clearInterval(timer); timer = null; } play.textContent = 'Play'; }
  function start() { stop(); timer = setInterval(function () { show(current + 1); }, data.ms); play.textContent = 'Pause'; }
  play.addEventListener('click', function () { if (timer === null) start(); else stop(); });
  document.getElementById('next').addEventListener('click', function () { stop(); show(current + 1); });
  document.getElementById('prev').addEventListener('click', function () { stop(); show(current - 1); });
  slider.addEventListener('input', function () { stop(); show(+slider.value); });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') { stop(); show(current + 1); }
    else if (e.key === 'ArrowLeft') { stop(); show(current - 1); }
    else if (e.key === ' ') { e.preventDefault(); if (timer === null) start(); else stop(); }
  });
  show(0);
})();
"""


def sliding_html(pic: WindowFrames) -> str:
    """One self-contained page: the picture, Play/Pause, Back, Next, a frame slider, the working."""
    check_drawable(pic)
    layout = Layout(pic)
    first = pic.frames[0]
    outs = el("g", class_="output-grid")
    for i in range(pic.frame_count):
        outs.add(_output_cell(layout, i, COLOURS.output_empty, False))
    label = text(_MARGIN, layout.label_y, _frame_text(pic, first), 13, id="frame-label")
    svg = document(
        layout.width,
        layout.height,
        [*_labels(layout, pic), _input_cells(layout), outs, _window(layout, first), label],
        caption(pic),
        _description(pic),
        data_frames=pic.frame_count,
    )
    data = {
        "origins": [[round(v, 2) for v in _origin_px(layout, f)] for f in pic.frames],
        "labels": [_frame_text(pic, f) for f in pic.frames],
        "colours": {"done": COLOURS.output, "current": COLOURS.current, "empty": COLOURS.output_empty},
        "ms": int(SECONDS_PER_FRAME * 1000),
    }
    controls = (
        '<div class="controls">'
        f'<button id="prev" type="button">{escape(_("Back"))}</button>'
        f'<button id="play" type="button">{escape(_("Play"))}</button>'
        f'<button id="next" type="button">{escape(_("Next"))}</button>'
        f'<input id="frame-slider" type="range" min="0" max="{pic.frame_count - 1}" value="0" '
        f'aria-label="{escape(_("frame"))}">'
        "</div>"
    )
    notes = list(pic.shape.all_notes + pic.notes)
    return html_page(
        caption(pic),
        svg.split("\n", 1)[1] + controls,
        working=[s.line() for s in pic.shape.steps] + [s.line() for s in pic.equivalence],
        notes=notes,
        data=json.dumps(data, ensure_ascii=False),
        script=_player_js(),
    )


def _player_js() -> str:
    """The player's script, its Play/Pause button in the language of the page."""

    def quoted(word: str) -> str:
        return "'" + word.replace("\\", "\\\\").replace("'", "\\'") + "'"

    return _PLAYER_JS.replace("'Play'", quoted(_("Play"))).replace("'Pause'", quoted(_("Pause")))


# -- the terminal still ---------------------------------------------------------------------------


def sliding_text(pic: WindowFrames, frame: Frame) -> str:
    """One frame as text: `·` padding or inserted zero, `o` input, `#` the window; output `■`
    done, `@` this frame, `·` to come."""
    grid = pic.grid if len(pic.grid) == 2 else None
    rows = pic.grid_size[0] if grid else 1
    cols = pic.grid_size[-1]
    window = set(frame.input_cells)
    lines_in = []
    for r in range(rows):
        row = []
        for c in range(cols):
            cell = (r, c) if grid else (c,)
            if cell in window:
                row.append("#")
            elif all(g.input_index(v) is not None for g, v in zip(pic.grid, cell, strict=True)):
                row.append("o")
            else:
                row.append("·")
        lines_in.append(" ".join(row))
    out = pic.output if grid else (1, pic.output[0])
    lines_out = []
    for r in range(out[0]):
        row = []
        for c in range(out[1]):
            i = r * out[1] + c
            row.append("■" if i < frame.index else "@" if i == frame.index else "·")
        lines_out.append(" ".join(row))
    width = max(len(line) for line in lines_in)
    body = []
    for i in range(max(len(lines_in), len(lines_out))):
        left = lines_in[i] if i < len(lines_in) else ""
        right = lines_out[i] if i < len(lines_out) else ""
        body.append(f"  {left.ljust(width)}    {right}".rstrip())
    return "\n".join(body)
