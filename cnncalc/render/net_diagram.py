"""A network diagram in the style of the LeNet and AlexNet figures: each layer's output as a box.

A map C×H×W is a slab: its face is as tall as H, its depth follows W and its thickness the
channels (log scale, so 3 and 512 both stay visible); a flat vector is a bar. A layer that keeps
the shape (an activation, batch norm, dropout) joins the box it reads when nothing else reads that
box, so a branch's first layer never joins the box the branches fork from.

The diagram is the network's graph: every box names the boxes it reads (`inputs`, in order: a
concat joins them in that order), merges (`add`, `concat`) are boxes of their own, and blocks and
merges are listed as groups with the boxes they hold. `net_layout` places the boxes: columns left
to right, each branch in a lane of its own between the fork and the merge. With `depth`, every
block or merge nested `depth` deep is drawn as one box (as `cnncalc net --depth` folds its rows),
its parameters the total of what it holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.graph import id_key
from cnncalc.arith.network_view import ContainerView, NetworkView
from cnncalc.arith.parsing import fmt_shape
from cnncalc.i18n import _, ngettext
from cnncalc.render.net_layout import lay_out
from cnncalc.render.page import html_page
from cnncalc.render.svg import COLOURS, Element, document, el, text
from cnncalc.render.text import box_table, files_hint, json_hint, option
from cnncalc.render.width import display_width, pad, wrap

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
    "add": "#8fcf8f",
    "concat": "#8fcf8f",
    "block": "#c3c9d9",
}
_MARGIN = 24
_COLUMN_GAP = 40
_LABEL_WIDTH = 120
# a graph's columns are as wide as their labels: about this many pixels a character at 11 px
_CHAR_WIDTH = 6.4
_LABEL_CHARS = 36


@dataclass(frozen=True)
class Box:
    """One drawn box: the layers it stands for, its output shape and the boxes it reads.

    `ids` are the graph's nodes it stands for (a collapsed block or merge: its id, then every node
    it holds); `path` the containers its first node sits in; `column` and `lane` its cell.
    """

    index: int
    kind: str
    labels: tuple[str, ...]
    layers: tuple[int, ...]
    shape: tuple[int, ...] | None
    params: int
    inputs: tuple[int, ...]
    column: int
    ids: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    lane: int = 0
    collapsed: bool = False
    # per input, the lane its arrow runs along (see net_layout)
    via: tuple[int, ...] = field(default=(), compare=False)

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
            "lane": self.lane,
            "ids": list(self.ids),
            "path": list(self.path),
            "collapsed": self.collapsed,
        }


@dataclass(frozen=True)
class Group:
    """A block or a merge as drawn: the boxes that hold its nodes, the box that holds its output
    node (`output`) and the boxes it reads from outside; a merge's `branches` in the order of its
    inputs (an identity branch holds no box)."""

    id: str
    kind: str
    label: str
    path: tuple[str, ...]
    shape: tuple[int, ...] | None
    params: int
    boxes: tuple[int, ...]
    output: int
    inputs: tuple[int, ...]
    branches: tuple[tuple[int, ...], ...]
    collapsed: bool

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "type": self.kind,
            "label": self.label,
            "path": list(self.path),
            "shape": list(self.shape) if self.shape else None,
            "params": self.params,
            "boxes": list(self.boxes),
            "output": self.output,
            "inputs": list(self.inputs),
            "branches": [list(b) for b in self.branches],
            "collapsed": self.collapsed,
        }


@dataclass(frozen=True)
class Diagram:
    """The boxes in the order computed, the groups (blocks and merges) in the table's order, the
    depth blocks were collapsed at (None: all open) and how deep the network nests."""

    boxes: tuple[Box, ...]
    total_params: int
    groups: tuple[Group, ...] = ()
    depth: int | None = None
    nesting: int = 1

    @property
    def is_chain(self) -> bool:
        """No blocks, no merges: every box reads the one before it."""
        return not self.groups

    @property
    def lanes(self) -> int:
        return 1 + max((b.lane for b in self.boxes), default=0)

    def to_dict(self) -> dict:
        return {
            "boxes": [b.to_dict() for b in self.boxes],
            "total_params": self.total_params,
            "groups": [g.to_dict() for g in self.groups],
            "depth": self.depth,
            "nesting": self.nesting,
        }


@dataclass
class _Unit:
    """A node as drawn (a layer, a merge, the input) or a collapsed block or merge."""

    key: str
    kind: str
    label: str
    layers: tuple[int, ...]
    shape: tuple[int, ...] | None
    params: int
    inputs: tuple[str, ...]
    path: tuple[str, ...]
    ids: tuple[str, ...]
    collapsed: bool = False


def net_diagram(view: NetworkView, depth: int | None = None) -> Diagram:
    """Group the nodes into boxes (a shape-keeping layer joins the box it reads when nothing else
    reads that box), collapse the blocks and merges nested `depth` deep, and place every box."""
    folded = {c.id: c for c in view.containers if depth is not None and c.depth == depth}
    units = _units(view, folded)
    readers: dict[str, int] = {}
    for unit in units:
        for source in unit.inputs:
            readers[source] = readers.get(source, 0) + 1
    members: list[list[_Unit]] = []
    box_of: dict[str, int] = {}
    for unit in units:
        if len(unit.inputs) == 1 and unit.kind in _FOLDED and not unit.collapsed:
            source = unit.inputs[0]
            into = members[box_of[source]]
            if (
                readers[source] == 1
                and into[-1].key == source
                and into[0].kind != "input"
                and into[0].shape == unit.shape
                and into[-1].path == unit.path
            ):
                into.append(unit)
                box_of[unit.key] = box_of[source]
                continue
        box_of[unit.key] = len(members)
        members.append([unit])
    inputs = [tuple(box_of[s] for s in group[0].inputs) for group in members]
    lanes = lay_out(view, frozenset(folded), box_of, inputs)
    boxes = tuple(
        Box(
            index,
            group[0].kind,
            tuple(u.label for u in group),
            tuple(n for u in group for n in u.layers),
            group[0].shape,
            sum(u.params for u in group),
            inputs[index],
            lanes.cells[index][0],
            tuple(i for u in group for i in u.ids),
            group[0].path,
            lanes.cells[index][1],
            group[0].collapsed,
            lanes.via[index],
        )
        for index, group in enumerate(members)
    )
    groups = _groups(view, folded, boxes, lanes.branches)
    nesting = max((c.depth for c in view.containers), default=0) + 1
    return Diagram(boxes, view.total_params, groups, depth if folded else None, nesting)


def _units(view: NetworkView, folded: dict[str, ContainerView]) -> list[_Unit]:
    """The nodes in the order computed, each collapsed container in its output's place."""
    owner: dict[int, str] = {}
    # per collapsed container, the ids it holds (its blocks too) and its layers' numbers
    held: dict[str, list[str]] = {c: [] for c in folded}
    layers: dict[str, list[int]] = {c: [] for c in folded}
    for c in view.containers:
        key = next((p for p in c.path if p in folded), None)
        if key is not None and c.kind == "block":
            held[key].append(c.id)
    units: list[_Unit] = []
    for node in view.nodes:
        holders = (*node.path, node.id) if node.is_merge else node.path
        key = next((c for c in holders if c in folded), None)
        if key is None:
            units.append(
                _Unit(
                    node.id,
                    node.kind,
                    node.text,
                    (node.number,) if not node.is_merge else (),
                    node.output_shape,
                    node.params,
                    tuple(_reader(view, folded, owner, i) for i in node.inputs),
                    node.path,
                    (node.id,),
                )
            )
            continue
        owner[node.index] = key
        if node.id != key:  # a collapsed merge's own node is the key
            held[key].append(node.id)
        if not node.is_merge:
            layers[key].append(node.number)
        container = folded[key]
        if node.index == container.output:
            units.append(
                _Unit(
                    key,
                    container.kind,
                    container.text,
                    tuple(layers[key]),
                    container.output_shape,
                    container.params,
                    tuple(_reader(view, folded, owner, i) for i in container.inputs),
                    container.path,
                    (key, *sorted(held[key], key=id_key)),
                    collapsed=True,
                )
            )
    return units


def _reader(view: NetworkView, folded: dict[str, ContainerView], owner: dict[int, str], index: int) -> str:
    """The unit that gives node `index`'s value to a reader outside it; refused if the reader
    would need a value from inside a collapsed block that is not the block's output."""
    key = owner.get(index)
    if key is None:
        return view.nodes[index].id
    if folded[key].output != index:
        raise CnnCalcError(
            _("cannot draw this network collapsed: node {id} is read from outside its {kind} at {container}"),
            id=view.nodes[index].id,
            kind=folded[key].kind,
            container=key,
        )
    return key


def _groups(
    view: NetworkView,
    folded: dict[str, ContainerView],
    boxes: Sequence[Box],
    branches: Mapping[str, tuple[tuple[int, ...], ...]],
) -> tuple[Group, ...]:
    """The blocks and merges that are drawn, open or collapsed, in the table's order."""
    box_of = {node_id: box.index for box in boxes for node_id in box.ids}
    held: dict[str, set[int]] = {}
    for node in view.nodes[1:]:
        for holder in (*node.path, node.id) if node.is_merge else node.path:
            held.setdefault(holder, set()).add(box_of[node.id])
    groups = []
    for c in view.containers:
        if any(p in folded for p in c.path):
            continue
        groups.append(
            Group(
                c.id,
                c.kind,
                c.text,
                c.path,
                c.output_shape,
                c.params,
                tuple(sorted(held[c.id])),
                box_of[view.nodes[c.output].id],
                tuple(box_of[view.nodes[i].id] for i in c.inputs),
                branches.get(c.id, ()),
                c.id in folded,
            )
        )
    return tuple(groups)


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
    chain = diagram.is_chain
    # a graph's boxes carry one more label line (box number and id)
    row_height = 260 if chain else 300
    columns: dict[int, list[Box]] = {}
    for b in diagram.boxes:
        columns.setdefault(b.column, []).append(b)
    x = _MARGIN
    left: dict[int, float] = {}
    placed: dict[int, tuple[float, float, float, float, float]] = {}
    for col in range(max(columns) + 1):
        boxes = columns.get(col, [])
        widest = max((geometry.size(b)[0] + geometry.size(b)[2] for b in boxes), default=0)
        span = max(widest, _LABEL_WIDTH)
        if not chain:  # room for the labels, so that neighbouring columns' labels do not run together
            longest = max((len(line) for b in boxes for line in _graph_labels(b)), default=0)
            span = max(span, _CHAR_WIDTH * longest + 12)
        left[col] = x
        for b in boxes:
            t, h, d = geometry.size(b)
            bx = x + (span - t - d) / 2
            mid = _lane_mid(b.lane, row_height)
            placed[b.index] = (bx, mid - h / 2, t, h, d)
        x += span + _COLUMN_GAP
    left[max(columns) + 1] = x
    width = x - _COLUMN_GAP + _MARGIN
    height = _MARGIN + 40 + row_height * diagram.lanes + 10

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
    if not chain and (legend := _graph_legend(diagram)):
        children.append(text(_MARGIN, _MARGIN + 30, legend, 11, fill=COLOURS.muted))
    for b in diagram.boxes:
        bx, by, t, h, d = placed[b.index]
        for k, src in enumerate(b.inputs):
            sx, sy, st, sh, sd = placed[src]
            start, end = (sx + st + sd + 4, sy + sh / 2), (bx - 4, by + h / 2)
            lane_y = _lane_mid(b.via[k], row_height) if b.via else end[1]
            route = _route(start, end, lane_y, left[diagram.boxes[src].column + 1], left[b.column])
            children.append(_arrow(route, src, b.index))
        children.append(_slab(b, bx, by, t, h, d, chain))
        cx = bx + (t + d) / 2
        if chain:
            label_y = _MARGIN + 40 + row_height * (b.lane + 1) - 60
            lines = [
                *b.labels[:3],
                *(["…"] if len(b.labels) > 3 else []),
                fmt_shape(b.shape) if b.shape else "?",
            ]
            if b.params:
                lines.append(_("{n:,} params").format(n=b.params))
            muted = range(len(lines) - 2, len(lines))
        else:
            label_y = _MARGIN + 40 + row_height * b.lane + 200
            labels = _graph_labels(b)
            lines = [_("box {index} · {id}").format(index=b.index, id=b.ids[0]), *labels]
            lines.append(fmt_shape(b.shape) if b.shape else "?")
            if b.params:
                lines.append(_("{n:,} params").format(n=b.params))
            muted = (0, *range(len(labels) + 1, len(lines)))
        for i, line in enumerate(lines):
            children.append(
                text(
                    cx,
                    label_y + 14 * i,
                    line,
                    11,
                    "middle",
                    fill=COLOURS.muted if i in muted else COLOURS.text,
                )
            )
    return document(
        width,
        height,
        children,
        _("Network diagram: {title}").format(title=title),
        _("Each box is a layer's output: height for H, depth for W, thickness for the channels."),
    )


def _graph_labels(box: Box) -> list[str]:
    """A graph box's label lines: its first two layers (each at most `_LABEL_CHARS` long), then "…";
    an open merge is called by its kind."""
    labels = list(box.labels[:2])
    if box.kind in ("add", "concat") and not box.collapsed:
        labels[0] = box.kind  # the branches are drawn: the merge's summary would repeat them
    lines = [line if len(line) <= _LABEL_CHARS else line[: _LABEL_CHARS - 1] + "…" for line in labels]
    return lines + (["…"] if len(box.labels) > 2 else [])


def _lane_mid(lane: int, row_height: float) -> float:
    return _MARGIN + 40 + row_height * lane + 100


def _route(
    start: tuple[float, float], end: tuple[float, float], lane_y: float, after: float, before: float
) -> list[tuple[float, float]]:
    """An arrow's points: right from `start`, down or up in the gap after the source's column to
    `lane_y`, along it, and in the gap before the target's column to `end`; `after` and `before` are
    the left edges of the columns after the source's and of the target's."""
    gap_after, gap_before = after - _COLUMN_GAP / 2, before - _COLUMN_GAP / 2
    points = [
        start,
        (gap_after, start[1]),
        (gap_after, lane_y),
        (gap_before, lane_y),
        (gap_before, end[1]),
        end,
    ]
    kept = [points[0]]
    for p in points[1:]:
        if p != kept[-1]:
            kept.append(p)
    # drop the middle of three points on one line
    out = [kept[0]]
    for i in range(1, len(kept) - 1):
        a, b, c = out[-1], kept[i], kept[i + 1]
        if not ((a[0] == b[0] == c[0]) or (a[1] == b[1] == c[1])):
            out.append(b)
    out.append(kept[-1])
    return out


def _arrow(route: list[tuple[float, float]], source: int, target: int) -> Element:
    """A straight line, or a polyline that turns in the gaps between columns."""
    style = {
        "stroke": COLOURS.axis,
        "stroke_width": 1.2,
        "marker_end": "url(#arrow)",
        "data_from": source,
        "data_to": target,
    }
    if len(route) == 2:
        (x1, y1), (x2, y2) = route
        return el("line", x1=x1, y1=y1, x2=x2, y2=y2, **style)
    return el("polyline", points=" ".join(f"{_num(x)},{_num(y)}" for x, y in route), fill="none", **style)


def _num(v: float) -> str:
    return f"{float(v):.2f}".rstrip("0").rstrip(".")


def _graph_legend(diagram: Diagram) -> str:
    """The line under the title: how branches are drawn (when some are open), and what is collapsed."""
    branches = any(g.kind != "block" and not g.collapsed for g in diagram.groups)
    legend = _(
        "Branches run in lanes from the box they read to their merge: an add sums its inputs, a concat "
        "joins their channels from the top lane down."
    )
    if diagram.depth is None:
        return legend if branches else ""
    if branches:
        return _("{legend} Blocks and merges nested {depth} deep are drawn as one box each.").format(
            legend=legend, depth=diagram.depth
        )
    return _("Blocks and merges nested {depth} deep are drawn as one box each.").format(depth=diagram.depth)


def _slab(b: Box, x: float, y: float, t: float, h: float, d: float, chain: bool = True) -> Element:
    """A box with a face (thickness × height) and, for maps, a top and a side in oblique view; a
    collapsed block or merge has a dashed outline."""
    fill = _FILL.get(b.kind, "#cccccc")
    group = el("g", class_="box", data_type=b.kind, data_box=b.index)
    if not chain:
        group.attrs.update({"data-id": b.ids[0], "data-lane": b.lane, "data-column": b.column})
    outline = {"stroke_dasharray": "4 2"} if b.collapsed else {}
    group.add(
        el("rect", x=x, y=y, width=t, height=h, fill=fill, stroke=COLOURS.axis, stroke_width=0.8, **outline)
    )
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
    title = " + ".join(b.labels) + (f": {fmt_shape(b.shape)}" if b.shape else "")
    group.add(el("title", title if chain else f"{b.ids[0]}  {title}"))
    return group


def _pts(points: str) -> str:
    return " ".join(
        ",".join(f"{float(v):.2f}".rstrip("0").rstrip(".") for v in p.split(",")) for p in points.split()
    )


def box_lines(diagram: Diagram, width: int = 120) -> list[str]:
    """One line per box (a chain), or a graph's table: each box's number, label, the boxes it reads,
    its shape and parameters (the SVG and the JSON give each box's ids in the network too)."""
    if diagram.is_chain:
        labels = [" + ".join(b.labels) for b in diagram.boxes]
        shapes = [fmt_shape(b.shape) if b.shape else "?" for b in diagram.boxes]
        counts = ["  " + _("{n:,} params").format(n=b.params) if b.params else "" for b in diagram.boxes]
        wide, high = 40, 14  # the columns' widths, unless the lines would not fit
        if max(wide + 1 + high + display_width(c) for c in counts) > width:
            wide, high = max(map(display_width, labels)), max(map(display_width, shapes))
        if max(wide + 1 + high + display_width(c) for c in counts) > width:  # a table, that wraps
            rows = [
                [label, shape, f"{b.params:,}" if b.params else ""]
                for label, shape, b in zip(labels, shapes, diagram.boxes, strict=True)
            ]
            return box_table(
                [_("layers"), _("output"), _("params")], rows, align="lrr", width=width, borders=False
            ).splitlines()
        return [
            f"{pad(label, wide)} {pad(shape, high, 'r')}{count}"
            for label, shape, count in zip(labels, shapes, counts, strict=True)
        ]
    starts = {branch[0] for g in diagram.groups for branch in g.branches[1:] if branch}
    rows = [
        [
            str(b.index),
            ("; " if b.index in starts else "") + " + ".join(b.labels),
            ", ".join(map(str, b.inputs)),
            fmt_shape(b.shape) if b.shape else "?",
            f"{b.params:,}" if b.params else "",
        ]
        for b in diagram.boxes
    ]
    headers = [_("box"), _("layers"), _("reads"), _("output"), _("params")]
    return box_table(headers, rows, align="rlrrr", width=width, borders=False).splitlines()


def net_html(diagram: Diagram) -> str:
    svg = net_svg(diagram).split("\n", 1)[1]
    title = _("Network diagram: {params:,} parameters").format(params=diagram.total_params)
    return html_page(title, svg, working=box_lines(diagram))


def net_text(diagram: Diagram, width: int = 100) -> str:
    """The diagram's boxes as text lines, and how to write the picture; prose wrapped to `width`."""
    if diagram.is_chain:
        lines = wrap(
            _("{n} boxes (layers that keep the shape join the box before them):").format(
                n=len(diagram.boxes)
            ),
            width,
        )
    else:
        how = ngettext(
            "{n} boxes in {lanes} lane. Each box reads the boxes under “reads”, in order: an add sums them, "
            "a concat joins their channels in that order; “;” starts a branch after the first. A layer that "
            "keeps the shape joins the box it reads when nothing else reads that box.",
            "{n} boxes in {lanes} lanes. Each box reads the boxes under “reads”, in order: an add sums them, "
            "a concat joins their channels in that order; “;” starts a branch after the first. A layer that "
            "keeps the shape joins the box it reads when nothing else reads that box.",
            diagram.lanes,
        )
        lines = wrap(how.format(n=len(diagram.boxes), lanes=diagram.lanes), width)
        if diagram.depth is not None:
            lines += wrap(
                _(
                    "Blocks and merges nested {depth} deep are drawn as one box each, with the total "
                    "parameters of what they hold ({option})."
                ).format(depth=diagram.depth, option=option("depth", str(diagram.depth))),
                width,
            )
    lines += ["", *("  " + line for line in box_lines(diagram, width - 2)), ""]
    lines += wrap(
        _("Write the diagram with {files}; {json} lists the boxes and what each reads.").format(
            files=files_hint(), json=json_hint()
        ),
        width,
    )
    if diagram.depth is None and diagram.nesting > 1:
        lines += wrap(
            _(
                "Draw every block or merge nested N deep as one box: {depth} (this network nests {n} deep)."
            ).format(depth=option("depth", "N"), n=diagram.nesting),
            width,
        )
    return "\n".join(lines)
