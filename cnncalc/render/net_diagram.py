"""A network diagram in the style of the LeNet and AlexNet figures: each layer's output as a box.

A map C×H×W is a slab: its face is as tall as H, its depth follows W and its thickness the
channels (log scale, so 3 and 512 both stay visible); a flat vector is a bar. Layers that keep
the shape (activations, batch norm, dropout) join the box before them.

The diagram is a graph: every box names the boxes it reads, and a box's column is one more than
the deepest of them, so branches (when specs have them) lay out in the same drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnncalc.arith.network_view import NetworkView
from cnncalc.arith.parsing import fmt_shape
from cnncalc.i18n import _
from cnncalc.render.page import html_page
from cnncalc.render.svg import COLOURS, Element, document, el, text
from cnncalc.render.width import wrap

_FOLDED = ("relu", "leakyrelu", "sigmoid", "tanh", "bn", "dropout", "softmax")
_FILL = {
    "input": "#d9dde3",
    "conv": COLOURS.input,
    "tconv": "#9b8fd6",
    "maxpool": COLOURS.output,
    "avgpool": COLOURS.output,
    "gap": COLOURS.output,
    "adaptiveavgpool": COLOURS.output,
    "flatten": "#f2c48d",
    "fc": "#f0a35e",
}
_MARGIN = 24
_COLUMN_GAP = 40
_LABEL_WIDTH = 120


@dataclass(frozen=True)
class Box:
    """One drawn box: the layers it stands for, its output shape and the boxes it reads."""

    index: int
    kind: str
    labels: tuple[str, ...]
    layers: tuple[int, ...]
    shape: tuple[int, ...] | None
    params: int
    inputs: tuple[int, ...]
    column: int

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "type": self.kind,
            "layers": list(self.layers),
            "label": " + ".join(self.labels),
            "shape": list(self.shape) if self.shape else None,
            "params": self.params,
            "inputs": list(self.inputs),
            "column": self.column,
        }


@dataclass(frozen=True)
class Diagram:
    boxes: tuple[Box, ...]
    total_params: int

    def to_dict(self) -> dict:
        return {"boxes": [b.to_dict() for b in self.boxes], "total_params": self.total_params}


def net_diagram(view: NetworkView) -> Diagram:
    """Group the nodes into boxes (shape-keeping layers join the box they read) and give each a column."""
    boxes: list[Box] = []
    box_of: dict[int, int] = {}
    for node in view.nodes:
        sources = tuple(dict.fromkeys(box_of[i] for i in node.inputs))
        if (
            node.kind in _FOLDED
            and len(sources) == 1
            and boxes[sources[0]].shape == node.output_shape
            and boxes[sources[0]].kind != "input"
        ):
            b = boxes[sources[0]]
            boxes[sources[0]] = Box(
                b.index,
                b.kind,
                (*b.labels, node.text),
                (*b.layers, node.number),
                b.shape,
                b.params + node.params,
                b.inputs,
                b.column,
            )
            box_of[node.index] = b.index
            continue
        column = 1 + max((boxes[s].column for s in sources), default=-1)
        label = "input" if node.kind == "input" else node.text
        boxes.append(
            Box(
                len(boxes),
                node.kind,
                (label,),
                (node.number,),
                node.output_shape,
                node.params,
                sources,
                column,
            )
        )
        box_of[node.index] = len(boxes) - 1
    return Diagram(tuple(boxes), view.total_params)


class _Geometry:
    """Sizes of every box from the largest map in the network."""

    def __init__(self, diagram: Diagram) -> None:
        maps = [b.shape for b in diagram.boxes if b.shape and len(b.shape) > 1]
        self.max_h = max((s[-2] if len(s) > 2 else s[-1] for s in maps), default=1)
        self.max_w = max((s[-1] for s in maps), default=1)
        self.max_c = max((s[0] for s in maps), default=1)
        flats = [b.shape[0] for b in diagram.boxes if b.shape and len(b.shape) == 1]
        self.max_units = max(flats, default=1)

    def size(self, box: Box) -> tuple[float, float, float]:
        """(thickness, face height, depth offset) in pixels."""
        s = box.shape
        if not s:
            return 10, 40, 0
        if len(s) == 1:
            return 12, 30 + 130 * math.log1p(s[0]) / math.log1p(max(self.max_units, 2)), 0
        h = s[-2] if len(s) > 2 else s[-1]
        w = s[-1] if len(s) > 2 else 1
        thickness = 4 + 36 * math.log2(s[0] + 1) / math.log2(self.max_c + 1)
        return thickness, 24 + 136 * math.sqrt(h / self.max_h), 6 + 40 * math.sqrt(w / self.max_w) * 0.6


def net_svg(diagram: Diagram) -> str:
    geometry = _Geometry(diagram)
    columns: dict[int, list[Box]] = {}
    for b in diagram.boxes:
        columns.setdefault(b.column, []).append(b)
    row_height = 260
    x = _MARGIN
    placed: dict[int, tuple[float, float, float, float, float]] = {}
    for col in sorted(columns):
        boxes = columns[col]
        widest = max(geometry.size(b)[0] + geometry.size(b)[2] for b in boxes)
        span = max(widest, _LABEL_WIDTH)
        for row, b in enumerate(boxes):
            t, h, d = geometry.size(b)
            bx = x + (span - t - d) / 2
            mid = _MARGIN + 40 + row_height * row + 100
            placed[b.index] = (bx, mid - h / 2, t, h, d)
        x += span + _COLUMN_GAP
    width = x - _COLUMN_GAP + _MARGIN
    height = _MARGIN + 40 + row_height * max(len(v) for v in columns.values()) + 10

    first = diagram.boxes[0]
    title = _("input {shape}, {params:,} parameters").format(
        shape=fmt_shape(first.shape) if first.shape else "?", params=diagram.total_params
    )
    children: list[Element] = [
        el(
            "defs",
            "",
            el(
                "marker",
                "",
                el("path", d="M0,0 L8,4 L0,8 z", fill=COLOURS.axis),
                id="arrow",
                markerWidth=8,
                markerHeight=8,
                refX=8,
                refY=4,
                orient="auto",
            ),
        ),
        text(_MARGIN, _MARGIN + 14, _("Network: {title}").format(title=title), 15, font_weight="bold"),
    ]
    for b in diagram.boxes:
        bx, by, t, h, d = placed[b.index]
        for src in b.inputs:
            sx, sy, st, sh, sd = placed[src]
            children.append(
                el(
                    "line",
                    x1=sx + st + sd + 4,
                    y1=sy + sh / 2,
                    x2=bx - 4,
                    y2=by + h / 2,
                    stroke=COLOURS.axis,
                    stroke_width=1.2,
                    marker_end="url(#arrow)",
                )
            )
        children.append(_slab(b, bx, by, t, h, d))
        cx = bx + (t + d) / 2
        label_y = _MARGIN + 40 + row_height * (columns[b.column].index(b) + 1) - 60
        lines = [*b.labels[:3], *(["…"] if len(b.labels) > 3 else []), fmt_shape(b.shape) if b.shape else "?"]
        if b.params:
            lines.append(_("{n:,} params").format(n=b.params))
        for i, line in enumerate(lines):
            children.append(
                text(
                    cx,
                    label_y + 14 * i,
                    line,
                    11,
                    "middle",
                    fill=COLOURS.text if i < len(lines) - 2 else COLOURS.muted,
                )
            )
    return document(
        width,
        height,
        children,
        _("Network diagram: {title}").format(title=title),
        _("Each box is a layer's output: height for H, depth for W, thickness for the channels."),
    )


def _slab(b: Box, x: float, y: float, t: float, h: float, d: float) -> Element:
    """A box with a face (thickness × height) and, for maps, a top and a side in oblique view."""
    fill = _FILL.get(b.kind, "#cccccc")
    group = el("g", class_="box", data_type=b.kind, data_box=b.index)
    group.add(el("rect", x=x, y=y, width=t, height=h, fill=fill, stroke=COLOURS.axis, stroke_width=0.8))
    if d:
        dy = d * 0.6
        top = f"{x},{y} {x + d},{y - dy} {x + t + d},{y - dy} {x + t},{y}"
        side = f"{x + t},{y} {x + t + d},{y - dy} {x + t + d},{y + h - dy} {x + t},{y + h}"
        group.add(
            el(
                "polygon",
                points=_pts(top),
                fill=fill,
                fill_opacity=0.75,
                stroke=COLOURS.axis,
                stroke_width=0.8,
            )
        )
        group.add(
            el(
                "polygon",
                points=_pts(side),
                fill=fill,
                fill_opacity=0.55,
                stroke=COLOURS.axis,
                stroke_width=0.8,
            )
        )
    group.add(el("title", " + ".join(b.labels) + (f": {fmt_shape(b.shape)}" if b.shape else "")))
    return group


def _pts(points: str) -> str:
    return " ".join(
        ",".join(f"{float(v):.2f}".rstrip("0").rstrip(".") for v in p.split(",")) for p in points.split()
    )


def box_lines(diagram: Diagram) -> list[str]:
    return [
        f"{' + '.join(b.labels):<40} {fmt_shape(b.shape) if b.shape else '?':>14}"
        + ("  " + _("{n:,} params").format(n=b.params) if b.params else "")
        for b in diagram.boxes
    ]


def net_html(diagram: Diagram) -> str:
    svg = net_svg(diagram).split("\n", 1)[1]
    title = _("Network diagram: {params:,} parameters").format(params=diagram.total_params)
    return html_page(title, svg, working=box_lines(diagram))


def net_text(diagram: Diagram, width: int = 100) -> str:
    """The diagram's boxes as text lines, and how to write the picture; prose wrapped to `width`."""
    lines = wrap(
        _("{n} boxes (layers that keep the shape join the box before them):").format(n=len(diagram.boxes)),
        width,
    )
    lines += ["", *("  " + line for line in box_lines(diagram)), ""]
    lines += wrap(
        _("Write the diagram with --out FILE.svg or FILE.html; --json lists the boxes and what each reads."),
        width,
    )
    return "\n".join(lines)
