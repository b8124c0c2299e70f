"""Receptive fields: how many input pixels one unit sees, forwards (RF, jump, start) and backwards.

Forward view, per axis, from one input pixel (RF 1, jump 1, start 0), layer by layer:

    RF_out    = RF_in + (k_eff − 1)·jump_in          k_eff = d·(k − 1) + 1
    jump_out  = jump_in · s                          (the distance, in input pixels, between units)
    start_out = start_in + ((k_eff − 1)/2 − p)·jump_in   (centre of the first unit, input coordinates)

Back-recursion, from one unit after the last layer back to the input:

    RF_i = (RF_{i+1} − 1)·s_i + d_i·(k_i − 1) + 1

A transposed convolution spreads its inputs s apart, so an output is fed by at most ⌈k_eff/s⌉ of
them; there the back-recursion (the largest field any unit has) is the exact bound and the walk
uses it. An adaptive pool whose output does not divide its input is bounded by its largest window
and its largest step between windows.

>>> view, steps = ReceptiveField.of_input(1).through("conv", (3,), (1,), (1,), ((0, 0),))
>>> view.size, steps[0].substituted
((3,), '1 + (3 − 1)·1')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING, NamedTuple

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.graph import INPUT
from cnncalc.arith.layer_spec import SPATIAL
from cnncalc.arith.parsing import broadcast, fmt_axes, fmt_axis_value, fmt_shape
from cnncalc.arith.sizes import AXIS_NAMES, Pad, adaptive_windows, ceil_div, effective_kernel
from cnncalc.arith.steps import Step
from cnncalc.i18n import _, ngettext

# kinds whose inputs spread over several outputs: the field after them is bounded by back-recursion
SPREADING = ("tconv", "upsample", "pixelshuffle")

if TYPE_CHECKING:
    from fractions import Fraction

    from cnncalc.arith.layer_spec import LayerSpec
    from cnncalc.arith.network import LayerResult, NetworkResult


@dataclass(frozen=True)
class ReceptiveField:
    """The forward view after a layer, one value per spatial axis.

    `size`: input pixels one unit sees; `jump`: input pixels between neighbouring units; `start`:
    the centre of the first unit, in input coordinates (fractions after an even kernel, a
    transposed conv or an adaptive pool).
    """

    size: tuple[int, ...]
    jump: tuple[int | Fraction, ...]
    start: tuple[int | Fraction, ...]

    @classmethod
    def of_input(cls, dims: int) -> ReceptiveField:
        """Each input pixel sees itself: RF 1, jump 1, start 0."""
        return cls((1,) * dims, (1,) * dims, (0,) * dims)

    def through(
        self,
        kind: str,
        k: Sequence[int],
        s: Sequence[int | Fraction],
        d: Sequence[int],
        pads: Sequence[Pad],
    ) -> tuple[ReceptiveField, tuple[Step, ...]]:
        """The view after a layer of `kind` with kernel, stride, dilation and padding per axis."""
        axes = [
            _axis_through(kind, name, self.size[i], self.jump[i], self.start[i], k[i], s[i], d[i], pads[i][0])
            for i, name in enumerate(AXIS_NAMES[len(k)])
        ]
        view = ReceptiveField(tuple(a[0] for a in axes), tuple(a[1] for a in axes), tuple(a[2] for a in axes))
        return view, tuple(a[3] for a in axes)

    def through_whole_map(self, spatial: Sequence[int]) -> tuple[ReceptiveField, tuple[Step, ...]]:
        """A layer that sees a whole map (gap, flatten + fc) is a window as large as the map."""
        ones = (1,) * len(spatial)
        return self.through("gap", tuple(spatial), ones, ones, tuple((0, 0) for _ in spatial))


def exact(value: int | Fraction) -> int | Fraction:
    """A whole Fraction as an int, anything else as it is (an int's denominator is 1 too)."""
    return value.numerator if value.denominator == 1 else value


def _axis_through(
    kind: str,
    name: str,
    rf: int,
    jump: int | Fraction,
    start: int | Fraction,
    k: int,
    s: int | Fraction,
    d: int,
    pad_before: int,
) -> tuple[int, int | Fraction, int | Fraction, Step]:
    """One axis of `ReceptiveField.through`: the new (RF, jump, start) and the worked step."""
    # fractions (and the decimal module it loads) are imported only where a field needs them:
    # after a transposed conv, an even kernel or an adaptive pool; whole numbers stay ints
    keff = effective_kernel(k, d)
    if kind == "tconv":
        from fractions import Fraction

        # An output unit of a transposed conv is fed by at most ⌈k_eff/s⌉ input units.
        grown = rf + (ceil(Fraction(keff, s)) - 1) * jump
        new_jump = exact(Fraction(jump) / s)
        new_start = exact(start + (Fraction(pad_before) - Fraction(keff - 1, 2)) / s * jump)
        formula = "RF_in + (⌈k_eff/s⌉ − 1)·jump_in"
        sub = f"{rf} + (⌈{keff}/{s}⌉ − 1)·{fmt_axis_value(jump)}"
    else:
        grown = rf + (keff - 1) * jump
        new_jump = exact(jump * s)
        if keff % 2:
            half: int | Fraction = (keff - 1) // 2
        else:
            from fractions import Fraction

            half = Fraction(keff - 1, 2)
        new_start = exact(start + (half - pad_before) * jump)
        formula = "RF_in + (k_eff − 1)·jump_in"
        sub = f"{rf} + ({keff} − 1)·{fmt_axis_value(jump)}"
    size = int(ceil(grown))
    why = _("jump = {jump}, first unit centred at {start}").format(
        jump=fmt_axis_value(new_jump), start=fmt_axis_value(new_start)
    )
    return size, new_jump, new_start, Step(f"RF_{name}", formula, sub, size, why=why)


def adaptive_largest_window(n: int, o: int) -> int:
    """The widest of an adaptive pool's windows: its receptive field (an upper bound when o ∤ n).

    >>> adaptive_largest_window(5, 3)  # windows 0–1, 1–3, 3–4
    3
    """
    return max(stop - start for start, stop in adaptive_windows(n, o))


# -- back-recursion ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RFRow:
    """One layer of the back-recursion: its geometry, the field after it and the field before it."""

    number: int
    text: str
    k: tuple[int, ...]
    s: tuple[int, ...]
    d: tuple[int, ...]
    rf_out: tuple[int, ...]
    rf_in: tuple[int, ...]
    steps: tuple[Step, ...]
    id: str = ""

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "id": self.id,
            "layer": self.text,
            "k": list(self.k),
            "s": list(self.s),
            "d": list(self.d),
            "rf_next": list(self.rf_out),
            "rf": list(self.rf_in),
            "steps": [s.to_dict() for s in self.steps],
        }


Geometry = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def back_recursion(
    net: NetworkResult, target: str | None = None
) -> tuple[tuple[int, ...], tuple[RFRow, ...]]:
    """RF_i = (RF_{i+1} − 1)·s_i + d_i·(k_i − 1) + 1, from one unit of `target` (default: the network's
    output) back to the input.

    Layers that do not move windows (activations, bn, dropout) have k = s = d = 1 and are skipped.
    Through a graph the field is the largest over the paths from the input (see `field_path`).
    Returns the receptive field per axis and the rows of the path that sets it, last layer first.
    """
    size, rows, _path = field_path(net, target)
    return size, rows


def field_path(
    net: NetworkResult, target: str | None = None
) -> tuple[tuple[int, ...], tuple[RFRow, ...], tuple[str, ...]]:
    """The back-recursion through a graph: the field per axis, the rows of the path that sets it
    (last layer first) and that path's node ids (input side first).

    Walking the nodes backwards, each node needs a region of its input as large as the largest of
    what its readers need of its output; a merge passes the region on to every branch unchanged.
    That is the maximum over paths; where branches are centred differently their union (the
    forward view's field of a merge) is wider, and a graph's field is the larger of the two.
    """
    dims = len(net.layers[0].rf) if net.layers and net.layers[0].rf else 2
    nodes = [r for r in net.nodes if r.kind != "block"]
    target = target or net.graph.output
    whole = size_needed(net)
    if whole is not None:
        raise UsageError(size_needed_text(whole), field="input")
    if not any(window_geometry(r, dims) for r in nodes if r.layer is not None):
        raise CnnCalcError(_("the network has no layer with a kernel (conv, tconv, maxpool, avgpool, gap)"))
    need, setter = _needs(nodes, target, dims)
    path = []
    step = setter.get(INPUT)
    while step is not None:
        path.append(step)
        step = setter.get(step)
    by_id = {r.id: r for r in nodes}
    geo = [
        (by_id[i], g) for i in path if by_id[i].layer is not None and (g := window_geometry(by_id[i], dims))
    ]
    names = AXIS_NAMES[dims]
    rf = (1,) * dims
    rows = []
    for res, (k, s, d) in reversed(geo):
        layer = res.layer
        steps = tuple(_axis_back(layer.kind, name, rf[i], k[i], s[i], d[i]) for i, name in enumerate(names))
        new = tuple(int(step.value) for step in steps)
        rows.append(RFRow(layer.number, layer.describe(), k, s, d, rf, new, steps, res.id))
        rf = new
    size = need[INPUT]
    forward = net.result(target).rf if target != INPUT else None
    if not net.graph.is_chain and forward is not None and len(forward) == len(size):
        # branches centred apart: the union of their fields (the forward view) is wider than any path
        size = tuple(max(a, b) for a, b in zip(size, forward, strict=True))
    return size, tuple(rows), tuple(path)


# Layers whose windows are as large as the map they read (global pooling, flatten, fc after a map)
# or set by its size (adaptive pooling): their field needs the input's size.
SIZE_DEPENDENT = ("gap", "gmp", "flatten", "fc")


def size_needed(net: NetworkResult) -> LayerResult | None:
    """The first layer whose receptive field needs the input's size, when that size is not known
    (no input shape): the field after it is unknown, not the field before it."""
    if net.input_shape is not None:
        return None
    return next((r for r in net.nodes if r.layer is not None and r.layer.kind in SIZE_DEPENDENT), None)


def size_needed_text(res: LayerResult, field: str = "{field}") -> str:
    """Why a field needs the input's size: the layer that needs it, and what to give (`field`
    names the input option; left as a placeholder, the CLI names its own)."""
    if res.layer.adaptive:
        text = _(
            "layer {number} ({layer}) sets its windows from the size of its input map, which is not "
            "known: give {field} CxHxW (or start the spec with 'input CxHxW')"
        )
    else:
        text = _(
            "layer {number} ({layer}) sees the whole input map, whose size is not "
            "known: give {field} CxHxW (or start the spec with 'input CxHxW')"
        )
    return text.format(number=res.id, layer=res.describe(), field=field)


class BackMap(NamedTuple):
    """The back-recursion of one node, composed once instead of walked again for every node.

    Per axis, a region of x units of the node's output needs G(x) = G_anchor(a·x + b) input
    pixels: every layer whose back-recursion is affine ((x − 1)·s + d·(k − 1) + 1 = s·x + k_eff − s)
    folds into a and b, so only three things start a new anchor: the input (G(x) = x), a strided
    transposed conv (G(x) = G_in(⌈(x + k_eff − 1)/s⌉)) and a merge whose branches compose
    differently (G(x) = the largest of theirs).
    """

    anchor: str
    a: tuple[int, ...]
    b: tuple[int, ...]


class BackMaps:
    """Every node's `BackMap`, built in the walk's order; `field(id)` is its back-recursion, in time
    proportional to the anchors on its paths rather than to all the layers before it."""

    def __init__(self, dims: int) -> None:
        self.dims = dims
        self.maps: dict[str, BackMap] = {INPUT: BackMap(INPUT, (1,) * dims, (0,) * dims)}
        self.tconvs: dict[str, tuple[str, tuple[int, ...], tuple[int, ...]]] = {}
        self.merges: dict[str, tuple[str, ...]] = {}
        self.memo: dict[tuple[str, tuple[int, ...]], tuple[int, ...]] = {}

    def layer(self, node_id: str, source: str, kind: str, geometry: Geometry | None) -> None:
        before = self.maps[source]
        if geometry is None:
            self.maps[node_id] = before
            return
        k, s, d = geometry
        keff = tuple(effective_kernel(k[i], d[i]) for i in range(self.dims))
        if kind in SPREADING and any(v > 1 for v in s):
            self.tconvs[node_id] = (source, keff, s)
            self.maps[node_id] = BackMap(node_id, (1,) * self.dims, (0,) * self.dims)
            return
        if kind in SPREADING:  # stride 1: ⌈(x + k_eff − 1)/1⌉ is x + k_eff − 1
            step = [(1, keff[i] - 1) for i in range(self.dims)]
        else:
            step = [(s[i], keff[i] - s[i]) for i in range(self.dims)]
        a = tuple(before.a[i] * step[i][0] for i in range(self.dims))
        b = tuple(before.a[i] * step[i][1] + before.b[i] for i in range(self.dims))
        self.maps[node_id] = BackMap(before.anchor, a, b)

    def merge(self, node_id: str, sources: Sequence[str]) -> None:
        maps = [self.maps[source] for source in sources]
        if len({(m.anchor, m.a) for m in maps}) == 1:
            # the same anchor and slope: the largest of a·x + b is a·x + the largest b
            b = tuple(max(m.b[i] for m in maps) for i in range(self.dims))
            self.maps[node_id] = BackMap(maps[0].anchor, maps[0].a, b)
            return
        self.merges[node_id] = tuple(sources)
        self.maps[node_id] = BackMap(node_id, (1,) * self.dims, (0,) * self.dims)

    def field(self, node_id: str) -> tuple[int, ...]:
        """The input pixels one unit of the node needs, per axis (its back-recursion from 1)."""
        m = self.maps[node_id]
        return self._through(m, (1,) * self.dims)

    def _through(self, m: BackMap, x: tuple[int, ...]) -> tuple[int, ...]:
        y = tuple(m.a[i] * x[i] + m.b[i] for i in range(self.dims))
        while m.anchor in self.tconvs:
            source, keff, s = self.tconvs[m.anchor]
            y = tuple(ceil_div(y[i] + keff[i] - 1, s[i]) for i in range(self.dims))
            m = self.maps[source]
            y = tuple(m.a[i] * y[i] + m.b[i] for i in range(self.dims))
        if m.anchor == INPUT:
            return y
        key = (m.anchor, y)
        if key not in self.memo:
            results = [self._through(self.maps[source], y) for source in self.merges[m.anchor]]
            self.memo[key] = tuple(max(r[i] for r in results) for i in range(self.dims))
        return self.memo[key]


def _needs(
    nodes: Sequence[LayerResult], target: str, dims: int
) -> tuple[dict[str, tuple[int, ...]], dict[str, str]]:
    """Per node id, the input region (per axis) one unit of `target` depends on through it, and the
    reader that sets it (the next node on the widest path)."""
    need: dict[str, tuple[int, ...]] = {target: (1,) * dims}
    setter: dict[str, str] = {}
    for res in reversed(nodes):
        out = need.get(res.id)
        if out is None:
            continue
        geo = window_geometry(res, dims) if res.layer is not None else None
        region = out
        if geo is not None:
            k, s, d = geo
            region = tuple(_back_size(res.layer.kind, out[i], k[i], s[i], d[i]) for i in range(dims))
        for source in res.node.inputs:
            known = need.get(source)
            if known is None or region >= known:  # on a tie the earlier branch sets it
                setter[source] = res.id
            need[source] = (
                region if known is None else tuple(max(a, b) for a, b in zip(known, region, strict=True))
            )
    return need, setter


def _back_size(kind: str, rf: int, k: int, s: int, d: int) -> int:
    if kind in SPREADING:
        return ceil_div(rf + effective_kernel(k, d) - 1, s)
    return (rf - 1) * s + d * (k - 1) + 1


def window_geometry(res: LayerResult, dims: int) -> Geometry | None:
    """(k, s, d) per axis of a layer that moves windows (a whole map counts as one window; an uneven
    adaptive pool as its largest window and its largest step); None for one that does not."""
    layer: LayerSpec = res.layer
    if layer.kind in ("upsample", "pixelshuffle"):
        from cnncalc.arith.network import resize_geometry

        k, s, _padding = resize_geometry(layer, dims)
        return k, s, (1,) * dims
    if layer.kind in SPATIAL:
        if res.shape is not None:
            return res.shape.kernel, res.shape.stride, res.shape.dilation
        return (
            broadcast(layer.kernel, dims, "k"),
            broadcast(layer.stride or (1,), dims, "s"),
            broadcast(layer.dilation, dims, "d"),
        )
    if layer.adaptive and res.input_shape is not None and res.output_shape is not None:
        # the largest window and the largest step between windows: an upper bound when o ∤ n
        pairs = tuple(zip(res.input_shape[1:], res.output_shape[1:], strict=True))
        k = tuple(adaptive_largest_window(n, o) for n, o in pairs)
        return k, tuple(ceil_div(n, o) for n, o in pairs), (1,) * len(k)
    sees_whole_map = layer.kind in ("gap", "gmp", "flatten") or (layer.kind == "fc" and res.implicit_flatten)
    if sees_whole_map and res.input_shape is not None and len(res.input_shape) > 1:
        spatial = tuple(res.input_shape[1:])
        return spatial, (1,) * len(spatial), (1,) * len(spatial)
    return None


def _axis_back(kind: str, name: str, rf: int, k: int, s: int, d: int) -> Step:
    """One axis of one back-recursion row: the field before the layer, worked."""
    if kind in SPREADING:
        return Step(
            f"RF_{name}",
            "⌈(RF_{i+1} + d(k − 1))/s⌉",
            f"⌈({rf} + {d}·({k} − 1))/{s}⌉",
            ceil_div(rf + effective_kernel(k, d) - 1, s),
            why=_("a transposed conv spreads its inputs s apart: the most inputs any run of outputs sees"),
        )
    return Step(
        f"RF_{name}",
        "(RF_{i+1} − 1)·s + d(k − 1) + 1",
        f"({rf} − 1)·{s} + {d}·({k} − 1) + 1",
        (rf - 1) * s + d * (k - 1) + 1,
    )


def field_beyond_input(net: NetworkResult) -> str | None:
    """What a receptive field wider than the input means, or None when it is not wider.

    The back-recursion counts every position a window can reach, zero padding included, so the
    field can exceed the image. A unit centred at c sees [c − (RF − 1)/2, c + (RF − 1)/2]; when that
    holds [0, n − 1] for every unit of the last layer, each of them sees the whole image.

    >>> from cnncalc.arith.network import walk
    >>> print(field_beyond_input(walk("input 1x4x4 | conv 1 k=3 p=1 | conv 1 k=3 p=1 | flatten | fc 2")))
    The receptive field 8 is wider than the 4×4 input: it counts the zero padding past the border (4 more pixels per axis), and every unit of the last layer sees the whole image.
    """
    last = net.layers[-1] if net.layers else None
    if not net.input_shape or last is None or last.rf is None or last.start is None or last.jump is None:
        return None
    spatial = net.input_shape[1:]
    if len(spatial) != len(last.rf) or all(rf <= n for rf, n in zip(last.rf, spatial, strict=True)):
        return None
    out = last.output_shape[1:] if last.output_shape and len(last.output_shape) > 1 else (1,) * len(spatial)
    # doubled, so that (RF − 1)/2 stays whole: no fractions import (with decimal, ~1.5 ms of a start)
    whole = all(
        2 * (start + (o - 1) * jump) - (rf - 1) <= 0 and 2 * start + (rf - 1) >= 2 * (n - 1)
        for rf, n, o, start, jump in zip(last.rf, spatial, out, last.start, last.jump, strict=True)
    )
    extras = tuple(max(rf - n, 0) for rf, n in zip(last.rf, spatial, strict=True))
    values = {
        "rf": fmt_axes(last.rf),
        "input": fmt_shape(spatial),
        "extra": ngettext("{n} more pixel", "{n} more pixels", 1 if set(extras) == {1} else 2).format(
            n=fmt_axes(extras)
        ),
    }
    if whole:
        return _(
            "The receptive field {rf} is wider than the {input} input: it counts the zero padding past the "
            "border ({extra} per axis), and every unit of the last layer sees the whole image."
        ).format(**values)
    return _(
        "The receptive field {rf} is wider than the {input} input: it counts the zero padding past the "
        "border ({extra} per axis), and units near the border see part image, part padding."
    ).format(**values)
