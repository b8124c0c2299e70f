"""A network as the pictures see it: nodes with their shapes, windows and the nodes they read.

`network_view` is the one place the pictures call the network walk (`walk` and
`back_recursion` in `cnncalc.arith.receptive_field`), and it uses only their public results. When the
walk moves or learns branches, this function is the one to re-point; the pictures read
`NetworkView` only.

A chain is a graph whose every node reads the one before it (`inputs == (index − 1,)`); the
node list is in topological order, as torch.fx keeps it, so branches fit the same shape.

>>> view = network_view("input 1x28x28 | conv 8 k=5 | maxpool k=2")
>>> [(n.kind, n.output_shape, n.inputs) for n in view.nodes]
[('input', (1, 28, 28), ()), ('conv', (8, 24, 24), (0,)), ('maxpool', (8, 12, 12), (1,))]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.spec import NetworkSpec

Pad = tuple[int, int]


@dataclass(frozen=True)
class Window:
    """A layer's sliding window per spatial axis, as its size formula used it."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[Pad, ...]

    def to_dict(self) -> dict:
        return {
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "dilation": list(self.dilation),
            "padding": [list(p) for p in self.padding],
        }


@dataclass(frozen=True)
class NodeView:
    """One node: the input (index 0) or a layer, what it outputs and which nodes it reads.

    `jump` and `start` are the forward view of the receptive field: the distance between
    neighbouring output units and the centre of the first one, in input pixels.
    """

    index: int
    number: int
    kind: str
    text: str
    inputs: tuple[int, ...]
    output_shape: tuple[int, ...] | None
    params: int = 0
    window: Window | None = None
    jump: tuple[Fraction, ...] | None = None
    start: tuple[Fraction, ...] | None = None

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "number": self.number,
            "type": self.kind,
            "spec": self.text,
            "inputs": list(self.inputs),
            "output_shape": list(self.output_shape) if self.output_shape else None,
            "params": self.params,
            "window": self.window.to_dict() if self.window else None,
        }


@dataclass(frozen=True)
class FieldRow:
    """One row of the back-recursion: layer `number` turns a field of `units_after` of its
    output units into `units_before` units of its input map."""

    number: int
    units_after: tuple[int, ...]
    units_before: tuple[int, ...]


@dataclass(frozen=True)
class NetworkView:
    nodes: tuple[NodeView, ...]
    receptive_field: tuple[int, ...] | None
    field_rows: tuple[FieldRow, ...]
    total_params: int

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        return self.nodes[0].output_shape

    def to_dict(self) -> dict:
        return {
            "nodes": [n.to_dict() for n in self.nodes],
            "receptive_field": list(self.receptive_field) if self.receptive_field else None,
            "total_params": self.total_params,
        }


def network_view(spec: NetworkSpec | str, input_shape: tuple[int, ...] | None = None) -> NetworkView:
    """Walk the network once and keep what the pictures draw."""
    from cnncalc.arith.network import walk
    from cnncalc.arith.receptive_field import back_recursion

    net = walk(spec, input_shape)
    shape = net.input_shape
    dims = len(shape) - 1 if shape else len(net.layers[0].rf) if net.layers and net.layers[0].rf else 2
    nodes = [
        NodeView(0, 0, "input", "input", (), shape, jump=(Fraction(1),) * dims, start=(Fraction(0),) * dims)
    ]
    for i, res in enumerate(net.layers, start=1):
        window = None
        if res.shape is not None:
            window = Window(res.shape.kernel, res.shape.stride, res.shape.dilation, res.shape.padding)
        nodes.append(
            NodeView(
                i,
                res.layer.number,
                res.layer.kind
                if not res.layer.adaptive
                else f"adaptive{'avg' if res.layer.kind == 'gap' else 'max'}pool",
                res.layer.describe(),
                (i - 1,),
                res.output_shape,
                res.total_params,
                window,
                res.jump,
                res.start,
            )
        )
    try:
        field, rows = back_recursion(net)
    except CnnCalcError:
        field, rows = None, ()
    return NetworkView(
        tuple(nodes),
        field,
        tuple(FieldRow(r.number, r.rf_out, r.rf_in) for r in rows),
        net.total_params,
    )
