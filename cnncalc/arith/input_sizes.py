"""Which input sizes a network accepts, and which give the output you want (`solve input`).

Each spatial axis is solved on its own: a window's rows never depend on its columns, so a network
accepts H×W exactly when it accepts H along its first axis and W along its second. Along one axis,
every size n from 1 to a limit goes through the graph with the formulas of `sizes`
(`axis_length`, nothing worked, so a thousand sizes take a moment):

    a layer      out = ⌊(n + p_before + p_after − d·(k − 1) − 1)/s⌋ + 1 (ceil for ceil-mode pools,
                 (n − 1)·s − 2p + d·(k − 1) + output_padding + 1 for a transposed conv); it must be ≥ 1
    add/concat   every branch must bring the same length
    gap          1 (an adaptive pool: its size); after flatten or fc no axis is left to check

n is accepted when every window fits and every merge matches. With a target, the accepted n whose
last map (the last node with this axis, before global pooling or flatten) has the target length.
The channels do not depend on n; the network is walked once at an accepted size to check them.

>>> sizes = solve_input_sizes(parse_spec("input 1x28x28 | conv 8 k=5 | maxpool k=2"), limit=40)
>>> sizes.axes[0].accepted[:3], sizes.axes[0].last_map[28]
((6, 7, 8), 12)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.graph import INPUT, Node
from cnncalc.arith.layer_spec import SPATIAL
from cnncalc.arith.network import walk
from cnncalc.arith.parsing import broadcast, fmt_shape
from cnncalc.arith.sizes import AXIS_NAMES, axis_length, effective_kernel
from cnncalc.arith.spec import NetworkSpec, parse_spec
from cnncalc.i18n import _

MAX_LIMIT = 8192


@dataclass(frozen=True)
class AxisSizes:
    """One axis: the sizes accepted, the last map's length for each, and why the nearest refused
    sizes fail (the one just below the smallest accepted, and the first gap above it)."""

    axis: str
    accepted: tuple[int, ...]
    last_map: dict[int, int]
    refused: dict[int, str]
    wanted: tuple[int, ...] | None = None

    def to_dict(self) -> dict:
        return {
            "axis": self.axis,
            "accepted": [list(r) for r in runs(self.accepted)],
            "smallest": self.accepted[0] if self.accepted else None,
            "refused": {str(n): why for n, why in self.refused.items()},
            "wanted": [list(r) for r in runs(self.wanted)] if self.wanted is not None else None,
        }


@dataclass(frozen=True)
class InputSizes:
    """`solve input`: per axis what the network accepts from 1 to `limit`, and the given input's fate."""

    spec: NetworkSpec
    limit: int
    axes: tuple[AxisSizes, ...]
    target: tuple[int, ...] | None
    last_node: str
    # the flatten or fc that reads the last map whole, whose size then sets the fc's weights
    reader: str | None = None

    @property
    def given(self) -> tuple[int, ...]:
        return tuple(self.spec.input_shape[1:])

    @property
    def given_accepted(self) -> bool:
        return all(n in ax.last_map for n, ax in zip(self.given, self.axes, strict=True))

    @property
    def weights_fix_the_last_map(self) -> bool:
        """An fc reads the last map whole and the map's size varies with the input: a model built
        (weights made) for the given input takes only the sizes that give the same last map."""
        return self.reader is not None and any(len(set(ax.last_map.values())) > 1 for ax in self.axes)

    @property
    def possible(self) -> bool:
        if self.target is not None:
            return all(ax.wanted for ax in self.axes)
        return all(ax.accepted for ax in self.axes)

    def to_dict(self) -> dict:
        return {
            "problem": "input sizes",
            "channels": self.spec.input_shape[0],
            "input": list(self.spec.input_shape),
            "input_accepted": self.given_accepted,
            "limit": self.limit,
            "last_map": self.last_node,
            "output": list(self.target) if self.target else None,
            "possible": self.possible,
            "axes": [ax.to_dict() for ax in self.axes],
        }


def runs(values: Sequence[int] | None) -> list[tuple[int, int, int]]:
    """Sorted sizes as (first, last, step) runs: 5, 6, 7, 9, 11, 13 → (5, 7, 1), (9, 13, 2).

    >>> runs([5, 6, 7, 9, 11, 13, 20])
    [(5, 7, 1), (9, 13, 2), (20, 20, 1)]
    """
    out: list[tuple[int, int, int]] = []
    values = list(values or ())
    i = 0
    while i < len(values):
        j = i
        step = values[i + 1] - values[i] if i + 1 < len(values) else 1
        while j + 1 < len(values) and values[j + 1] - values[j] == step:
            j += 1
        if step > 1 and j - i < 2:  # two sizes a step apart are not a pattern
            j, step = i, 1
        out.append((values[i], values[j], step))
        i = j + 1
    return out


def solve_input_sizes(
    spec: NetworkSpec | str, target: tuple[int, ...] | None = None, limit: int | None = None
) -> InputSizes:
    """Every input size the network accepts along each axis, from 1 to `limit` (default: 1,024 or
    twice the spec's input, whichever is larger), and with `target` those whose last map has it."""
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if spec.input_shape is None:
        raise UsageError(
            _(
                "solve input needs the number of channels: start the spec with 'input CxHxW' or give {field:input} CxHxW"
            )
        )
    dims = len(spec.input_shape) - 1
    if limit is None:
        limit = max(1024, 2 * max(spec.input_shape[1:]))
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(
            _("{field} {value} must be between 1 and {limit:,}"), field="max", value=limit, limit=MAX_LIMIT
        )
    if target is not None:
        target = broadcast(target, dims, _("output"))
    names = AXIS_NAMES[dims]
    nodes = spec.graph.nodes
    last_node = _last_map_node(spec)
    axes = []
    for i, name in enumerate(names):
        geometry = {n.id: _axis_geometry(n, i, dims) for n in nodes if n.layer is not None}
        accepted, last_map, reasons = [], {}, {}
        for n in range(1, limit + 1):
            length, why = _through(nodes, geometry, n, last_node)
            if why:
                reasons[n] = why
            else:
                accepted.append(n)
                last_map[n] = length
        refused = _telling_refusals(accepted, reasons)
        wanted = None
        if target is not None:
            wanted = tuple(n for n in accepted if last_map[n] == target[i])
        axes.append(AxisSizes(name, tuple(accepted), last_map, refused, wanted))
    result = InputSizes(spec, limit, tuple(axes), target, last_node, _map_reader(spec))
    _check_channels(result)
    return result


def _axis_geometry(node: Node, axis: int, dims: int) -> tuple:
    """What one layer does to the length of one axis: ('window', op, k, s, pad, d, ceil, op_pad),
    ('size', o) for global or adaptive pooling, ('flat',) after which no axis is left, or ('same',)."""
    layer = node.layer
    if layer.kind in SPATIAL:
        k = broadcast(layer.kernel, dims, "k")[axis]
        s = broadcast(layer.stride or (1,), dims, "s")[axis]
        d = broadcast(layer.dilation, dims, "d")[axis]
        pad = (
            layer.padding
            if isinstance(layer.padding, str)
            else (broadcast(layer.padding, dims, "p")[axis],) * 2
        )
        op_pad = broadcast(layer.output_padding, dims, "op")[axis]
        op = "avgpool3d" if layer.kind == "avgpool" and dims == 3 else layer.kind
        return ("window", op, k, s, pad, d, layer.ceil, op_pad)
    if layer.kind == "pad":
        p = broadcast(layer.padding, dims, "pad")[axis]
        return ("window", "conv", 1, 1, (p, p), 1, False, 0)
    if layer.kind in ("upsample", "pixelshuffle"):
        f = broadcast(layer.factor, dims, _("scale factor"))[axis]
        return ("window", "tconv", f, f, (0, 0), 1, False, 0)
    if layer.kind in ("gap", "gmp"):
        return (
            "size",
            broadcast(layer.output_size, dims, _("output size"))[axis] if layer.output_size else 1,
        )
    if layer.kind in ("flatten", "fc"):
        return ("flat",)
    return ("same",)


def _through(nodes: Sequence[Node], geometry: dict[str, tuple], n: int, last_node: str) -> tuple[int, str]:
    """The length of `last_node` along one axis for input length n, or why n is refused."""
    length: dict[str, int | None] = {INPUT: n}
    for node in nodes:
        if node.kind == "block":
            length[node.id] = length[node.output]
            continue
        if node.layer is None:
            seen = [length[i] for i in node.inputs]
            if None not in seen and len(set(seen)) > 1:
                return 0, _("{kind} at {id}: its branches bring {sizes}").format(
                    kind=node.kind, id=node.id, sizes=", ".join(map(str, seen))
                )
            length[node.id] = seen[0] if None not in seen else None
            continue
        x = length[node.inputs[0]]
        geo = geometry[node.id]
        if x is None or geo[0] == "same":
            length[node.id] = x
        elif geo[0] == "flat":
            length[node.id] = None
        elif geo[0] == "size":
            length[node.id] = geo[1]
        else:
            _window, op, k, s, pad, d, ceil, op_pad = geo
            out = axis_length(op.removesuffix("3d"), x, k, s, pad, d, ceil, op_pad)
            # PyTorch's AvgPool3d alone wants every input (before padding) at least the kernel
            if out < 1 or (op == "avgpool3d" and x < k):
                return 0, _("layer {id} ({text}): {why}").format(
                    id=node.id, text=node.layer.describe(), why=_misfit(op, x, k, d, pad)
                )
            length[node.id] = out
    return length[last_node] or 0, ""


def _misfit(op: str, x: int, k: int, d: int, pad: tuple[int, int] | str) -> str:
    if op == "tconv":
        return _("an input of {n} gives no output").format(n=x)
    if isinstance(pad, str) or not sum(pad):
        return _("a window of {k} does not fit {n}").format(k=effective_kernel(k, d), n=x)
    return _("a window of {k} does not fit {n} (+ {p} padding)").format(
        k=effective_kernel(k, d), n=x, p=sum(pad)
    )


def _last_map_node(spec: NetworkSpec) -> str:
    """The last node, in the order computed, that still has spatial axes: before flatten, fc and
    global pooling (an adaptive pool to a size above 1 is the last map itself)."""
    last = INPUT
    for node in spec.graph.nodes:
        layer = node.layer
        if layer is not None and (
            layer.kind in ("flatten", "fc") or (layer.kind in ("gap", "gmp") and not layer.adaptive)
        ):
            break
        last = node.id
    return last


def _map_reader(spec: NetworkSpec) -> str | None:
    """The flatten or fc that ends the maps (as `_last_map_node` finds it), if no global pooling
    comes first: the fc it feeds has as many weights per unit as the last map has values."""
    nodes = spec.graph.nodes
    for i, node in enumerate(nodes):
        layer = node.layer
        if layer is not None and layer.kind in ("flatten", "fc"):
            feeds_fc = any(n.layer is not None and n.layer.kind == "fc" for n in nodes[i:])
            return node.id if feeds_fc else None
        if layer is not None and layer.kind in ("gap", "gmp") and not layer.adaptive:
            return None
    return None


def _telling_refusals(accepted: list[int], reasons: dict[int, str]) -> dict[int, str]:
    """The refusals worth reading: just below the smallest accepted size, and the first gap above."""
    if not accepted:
        return dict(list(reasons.items())[-1:])
    shown = {}
    if accepted[0] - 1 in reasons:
        shown[accepted[0] - 1] = reasons[accepted[0] - 1]
    gap = next((n for n in range(accepted[0], accepted[-1]) if n in reasons), None)
    if gap is not None:
        shown[gap] = reasons[gap]
    return shown


def _check_channels(result: InputSizes) -> None:
    """Walk once at an accepted size (the given one if accepted): channels and merges of channels."""
    spec = result.spec
    if not all(ax.accepted for ax in result.axes):
        return
    sizes = spec.input_shape[1:] if result.given_accepted else tuple(ax.accepted[0] for ax in result.axes)
    try:
        walk(spec.with_input((spec.input_shape[0], *sizes)))
    except CnnCalcError as e:
        raise type(e)(
            _("at input {shape}: {error}").format(shape=fmt_shape((spec.input_shape[0], *sizes)), error=e)
        ) from None
