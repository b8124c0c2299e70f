"""The input pixels one output unit sees, layer by layer: the picture of the back-recursion.

Start from one unit u of a layer's output and walk back. A layer with kernel k, stride s,
dilation d and padding p_before makes the units i of its output read the units

    i·s − p_before + t·d,   t = 0 … k − 1

of its input map. Applied to the whole set at each step, this gives the units of every earlier
map that the chosen unit depends on; their span is the back-recursion's
RF_i = (RF_{i+1} − 1)·s_i + d_i·(k_i − 1) + 1, and the last set is the field in input pixels
(indices below 0 or past the input are padding). The sets can have gaps: a dilated kernel skips
d − 1 units, a stride longer than the window skips the cells between windows, and a padding
unit (a constant zero) reads nothing below it, so a unit near the border sees fewer pixels.

Each level is placed on the input grid through the forward view of the walk: unit j of a map
is centred at start + j·jump input pixels, so the levels nest, the outermost being the pixels.

>>> from cnncalc.arith.network_view import network_view
>>> pic = rf_regions(network_view("input 1x7x7 | conv 1 k=3 | conv 1 k=3"), unit=(0, 0))
>>> [level.span for level in pic.levels]
[(3, 3), (5, 5)]
>>> pic.pixels_first, pic.pixels_last
((0, 0), (4, 4))
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.network_view import NetworkView, NodeView
from cnncalc.arith.parsing import fmt_shape
from cnncalc.i18n import _, ngettext

# A field is drawn cell by cell on the input grid; past this many cells per side it is no
# longer a picture anyone reads (and the index lists stay small).
MAX_SIDE = 256
_WINDOWED = ("conv", "maxpool", "avgpool")
_WHOLE_MAP = ("flatten", "fc", "gap", "gmp", "adaptiveavgpool", "adaptivemaxpool")


@dataclass(frozen=True)
class RFLevel:
    """The units of one map that the chosen unit depends on, through layer `number`'s window.

    `first` … `last` is the back-recursion's span (it may reach into padding: indices below 0
    or past the map); `touched[a]` lists the indices along axis a that are really read. Gaps
    come from dilation, from a stride longer than the window, and from the border: a padding
    unit is a zero that reads nothing below it. Unit j of the map is centred at
    `start + j·jump` input pixels.
    """

    number: int
    text: str
    map_shape: tuple[int, ...]
    first: tuple[int, ...]
    last: tuple[int, ...]
    touched: tuple[tuple[int, ...], ...]
    jump: tuple[Fraction, ...]
    start: tuple[Fraction, ...]

    @property
    def span(self) -> tuple[int, ...]:
        """Units from the first to the last: the back-recursion's RF_i."""
        return tuple(b - a + 1 for a, b in zip(self.first, self.last, strict=True))

    def centre(self, unit: tuple[int, ...]) -> tuple[Fraction, ...]:
        return tuple(s + j * u for s, j, u in zip(self.start, self.jump, unit, strict=True))

    def to_dict(self) -> dict:
        return {
            "layer": self.number,
            "spec": self.text,
            "map": list(self.map_shape),
            "first_unit": list(self.first),
            "last_unit": list(self.last),
            "span": list(self.span),
            "touched": [list(t) for t in self.touched],
            "jump": [_num(j) for j in self.jump],
            "first_centre": [_num(c) for c in self.centre(self.first)],
            "last_centre": [_num(c) for c in self.centre(self.last)],
        }


@dataclass(frozen=True)
class RFPicture:
    """Unit `unit` of layer `number`'s output and the levels it depends on, innermost first
    (the last level is the input: its units are pixels)."""

    input: tuple[int, ...]
    number: int
    text: str
    output_map: tuple[int, ...]
    unit: tuple[int, ...]
    unit_centre: tuple[Fraction, ...]
    levels: tuple[RFLevel, ...]
    notes: tuple[str, ...] = ()

    @property
    def receptive_field(self) -> tuple[int, ...]:
        return self.levels[-1].span

    @property
    def pixels_first(self) -> tuple[int, ...]:
        return self.levels[-1].first

    @property
    def pixels_last(self) -> tuple[int, ...]:
        return self.levels[-1].last

    @property
    def margin(self) -> tuple[tuple[int, int], ...]:
        """Padding cells (before, after) per axis that the field reaches beyond the input."""
        return tuple(
            (max(0, -lo), max(0, hi - (n - 1)))
            for lo, hi, n in zip(self.pixels_first, self.pixels_last, self.input, strict=True)
        )

    def to_dict(self) -> dict:
        return {
            "input": list(self.input),
            "layer": self.number,
            "spec": self.text,
            "output_map": list(self.output_map),
            "unit": list(self.unit),
            "unit_centre": [_num(c) for c in self.unit_centre],
            "receptive_field": list(self.receptive_field),
            "pixels": {"first": list(self.pixels_first), "last": list(self.pixels_last)},
            "levels": [level.to_dict() for level in self.levels],
            "notes": list(self.notes),
        }


def rf_regions(view: NetworkView, unit: tuple[int, ...] | None = None, layer: int | None = None) -> RFPicture:
    """Follow unit `unit` (default: the centre) of layer `layer` (default: the last layer with a
    window before any flatten, fc or global pooling) back to the input pixels."""
    shape = view.input_shape
    if shape is None:
        raise UsageError(_("the receptive field is drawn on the input: give {field} HxW"), field="input")
    spatial = shape[1:]
    if not spatial:
        raise CnnCalcError(_("input {shape} has no spatial axes to draw; give C×H×W"), shape=fmt_shape(shape))
    if max(spatial) > MAX_SIDE:
        raise CnnCalcError(
            _(
                "input {shape} is larger than the {most} cells per side a field picture draws; give a smaller "
                "{field} (the field's size does not depend on it: cnncalc rf gives it for any input)"
            ),
            field="input",
            shape=fmt_shape(spatial),
            most=MAX_SIDE,
        )
    chain, notes = _chain(view, layer)
    if not chain:
        raise CnnCalcError(
            _(
                "the network has no conv or pool layer before its first flatten, fc or global pooling: "
                "there is no window to follow"
            )
        )
    top = chain[-1]
    out_map = top.output_shape[1:]
    if unit is None:
        unit = tuple((n - 1) // 2 for n in out_map)
    elif len(unit) != len(out_map):
        raise UsageError(
            ngettext(
                "{field} {unit} has {count} index but layer {layer}'s output {shape} has {axes}",
                "{field} {unit} has {count} indices but layer {layer}'s output {shape} has {axes}",
                len(unit),
            ),
            field="unit",
            unit=",".join(map(str, unit)),
            count=len(unit),
            layer=top.number,
            shape=fmt_shape(out_map),
            axes=ngettext("{n} axis", "{n} axes", len(out_map)).format(n=len(out_map)),
        )
    elif any(not 0 <= u < n for u, n in zip(unit, out_map, strict=True)):
        raise UsageError(
            _("{field} {unit} is outside layer {layer}'s output {shape}: indices run from 0 to {last}"),
            field="unit",
            unit=",".join(map(str, unit)),
            layer=top.number,
            shape=fmt_shape(out_map),
            last=",".join(str(n - 1) for n in out_map),
        )
    levels: list[RFLevel] = []
    first = last = unit
    touched: tuple[tuple[int, ...], ...] = tuple((u,) for u in unit)
    for node in reversed(chain):
        w = node.window
        k, s, d = w.kernel, w.stride, w.dilation
        pb = tuple(p[0] for p in w.padding)
        size = node.output_shape[1:]
        # only real units read anything: a padding unit is a constant zero
        touched = tuple(
            tuple(sorted({i * s[a] - pb[a] + t * d[a] for i in idx if 0 <= i < size[a] for t in range(k[a])}))
            for a, idx in enumerate(touched)
        )
        first = tuple(f * s[a] - pb[a] for a, f in enumerate(first))
        last = tuple(v * s[a] - pb[a] + d[a] * (k[a] - 1) for a, v in enumerate(last))
        below = view.nodes[node.inputs[0]]
        levels.append(
            RFLevel(
                node.number, node.text, below.output_shape[1:], first, last, touched, below.jump, below.start
            )
        )
    centre = tuple(s + j * u for s, j, u in zip(top.start, top.jump, unit, strict=True))
    return RFPicture(spatial, top.number, top.text, out_map, unit, centre, tuple(levels), tuple(notes))


def _chain(view: NetworkView, layer: int | None) -> tuple[list[NodeView], list[str]]:
    """The windowed layers (conv, pools) up to `layer`, skipping layers that keep the shape."""
    numbers = [n.number for n in view.nodes[1:] if not n.is_merge]
    if layer is not None and layer not in numbers:
        raise UsageError(
            _("{field} {layer} is not a layer of this network (layers 1 … {last})"),
            field="layer",
            layer=layer,
            last=max(numbers, default=0),
        )
    chain: list[NodeView] = []
    notes: list[str] = []
    for node in view.nodes[1:]:
        if node.is_merge:
            continue
        if node.kind in ("pad", "upsample", "pixelshuffle"):
            raise CnnCalcError(
                _(
                    "layer {number} ({layer}) changes the map's size without a window; the picture "
                    "follows windows only; cnncalc rf gives the field"
                ),
                number=node.number,
                layer=node.text,
            )
        if node.kind == "tconv":
            raise CnnCalcError(
                _(
                    "layer {number} ({layer}) is a transposed convolution: which inputs feed an output "
                    "depends on how its windows line up, so its field is not one region per layer; "
                    "cnncalc rf gives an upper bound"
                ),
                number=node.number,
                layer=node.text,
            )
        if node.kind in _WHOLE_MAP:
            values = {"number": node.number, "layer": node.text, "followed": chain[-1].number if chain else 0}
            unequal = node.kind in ("adaptiveavgpool", "adaptivemaxpool")
            if layer is not None and layer >= node.number:
                if unequal:
                    raise CnnCalcError(
                        _(
                            "layer {number} ({layer}) has windows of unequal size; pick {field} before {number}"
                        ),
                        field="layer",
                        **values,
                    )
                raise CnnCalcError(
                    _(
                        "layer {number} ({layer}) sees the whole map (every unit after it sees the whole "
                        "input); pick {field} before {number}"
                    ),
                    field="layer",
                    **values,
                )
            if unequal:
                note = _(
                    "Layer {number} ({layer}) has windows of unequal size; the picture follows layer {followed}."
                )
            else:
                note = _(
                    "Layer {number} ({layer}) sees the whole map (every unit after it sees the whole input); "
                    "the picture follows layer {followed}."
                )
            notes.append(note.format(**values))
            break
        if node.kind in _WINDOWED:
            chain.append(node)
        if layer is not None and node.number == layer:
            break
    if chain and not view.is_chain:
        chain = _path_back(view, chain[-1])
    return chain, notes


def _path_back(view: NetworkView, top: NodeView) -> list[NodeView]:
    """The windowed layers `top` depends on, through the nodes it really reads; refused where two
    branches meet, since the picture draws one region per layer."""
    path: list[NodeView] = []
    node = top
    while node.index != 0:
        if node.is_merge:
            values = {"number": top.number, "layer": top.text, "kind": node.kind, "id": node.id}
            before = _last_before_branches(view)
            if before is None:
                raise CnnCalcError(
                    _(
                        "layer {number} ({layer}) depends on the {kind} at {id}, where branches meet, and "
                        "the picture follows one chain of windows; cnncalc rf gives the field through "
                        "the branches"
                    ),
                    **values,
                )
            raise CnnCalcError(
                _(
                    "layer {number} ({layer}) depends on the {kind} at {id}, where branches meet, and the "
                    "picture follows one chain of windows: follow a layer before the first branch (the "
                    "last with a window is {field} {before}), or let cnncalc rf give the field through the "
                    "branches"
                ),
                field="layer",
                before=before.number,
                **values,
            )
        if node.kind in _WINDOWED:
            path.append(node)
        node = view.nodes[node.inputs[0]]
    return path[::-1]


def _last_before_branches(view: NetworkView) -> NodeView | None:
    """The last windowed layer before the network's first branch: everything before it is a chain."""
    merges = {c.id for c in view.containers if c.kind != "block"}
    last = None
    for node in view.nodes[1:]:
        if node.is_merge or merges.intersection(node.path) or node.kind in _WHOLE_MAP:
            break
        if node.kind in _WINDOWED:
            last = node
    return last


def _num(v: Fraction) -> int | float:
    return v.numerator if v.denominator == 1 else float(v)
