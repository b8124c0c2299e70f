"""A network as the pictures see it: nodes with their shapes, windows and the nodes they read.

`network_view` is the one place the pictures call the network walk (`walk` and
`back_recursion` in `cnncalc.arith.receptive_field`), and it uses only their public results; the
pictures read `NetworkView` only.

`nodes` are the nodes that compute something, in the walk's order (topological, as torch.fx keeps
them): the input (index 0), every layer, and every merge (`add`, `concat`), each naming the nodes it
reads by index. A chain's node reads the one before it (`inputs == (index − 1,)`); a merge reads the
ends of its branches, in order (an identity branch is the merge's own input). `containers` are the
blocks and merges that hold other nodes, with the ids of the graph (`cnncalc.arith.graph`), so a
picture can draw them whole or open.

>>> view = network_view("input 1x28x28 | conv 8 k=5 | maxpool k=2")
>>> [(n.kind, n.output_shape, n.inputs) for n in view.nodes]
[('input', (1, 28, 28), ()), ('conv', (8, 24, 24), (0,)), ('maxpool', (8, 12, 12), (1,))]
>>> view = network_view("input 8x8x8 | add( conv 8 k=3 p=1 | relu ) | relu")
>>> [(n.id, n.kind, n.inputs) for n in view.nodes]
[('input', 'input', ()), ('1.1', 'conv', (0,)), ('1.2', 'relu', (1,)), ('1', 'add', (2, 0)), ('2', 'relu', (3,))]
>>> [(c.id, c.kind, c.inputs, c.output) for c in view.containers]
[('1', 'add', (0,), 3)]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.graph import INPUT, MERGES
from cnncalc.arith.spec import NetworkSpec

if TYPE_CHECKING:
    from cnncalc.arith.network import NetworkResult

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
    """One node: the input (index 0), a layer or a merge, what it outputs and which nodes it reads.

    `number` is a layer's number (0 for the input and for a merge); `id` and `path` place the node
    in the graph as `cnncalc net` shows it ("5.1.2", inside the containers `path`). `jump` and
    `start` are the forward view of the receptive field: the distance between neighbouring output
    units and the centre of the first one, in input pixels.
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
    id: str = INPUT
    path: tuple[str, ...] = ()

    @property
    def is_merge(self) -> bool:
        return self.kind in MERGES

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
            "id": self.id,
            "path": list(self.path),
        }


@dataclass(frozen=True)
class ContainerView:
    """A block or a merge: the nodes it holds (those with its id in their `path`, and a merge's own
    node) read `inputs` from outside it, and its value is node `output`'s.

    `branches` are a merge's branches, each the ids of its items (empty: the identity); `params`
    the total of the layers it holds, as `cnncalc net` shows on its row.
    """

    id: str
    kind: str
    text: str
    path: tuple[str, ...]
    inputs: tuple[int, ...]
    output: int
    output_shape: tuple[int, ...] | None
    params: int
    branches: tuple[tuple[str, ...], ...] = ()

    @property
    def depth(self) -> int:
        """1 for the spec's own items, as `cnncalc net --depth` counts."""
        return len(self.path) + 1


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
    containers: tuple[ContainerView, ...] = ()

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        return self.nodes[0].output_shape

    @property
    def is_chain(self) -> bool:
        """No merges and no blocks: every node reads the one before it."""
        return not self.containers

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
    index = {INPUT: 0}
    blocks = []
    for res in net.nodes:
        node = res.node
        if node.kind == "block":
            blocks.append(res)
            continue
        index[node.id] = len(nodes)
        inputs = tuple(index[i] for i in node.inputs)
        if node.is_merge:
            nodes.append(
                NodeView(
                    len(nodes),
                    0,
                    node.kind,
                    node.describe(),
                    inputs,
                    res.output_shape,
                    jump=res.jump,
                    start=res.start,
                    id=node.id,
                    path=node.path,
                )
            )
            continue
        window = None
        if res.shape is not None:
            window = Window(res.shape.kernel, res.shape.stride, res.shape.dilation, res.shape.padding)
        nodes.append(
            NodeView(
                len(nodes),
                res.layer.number,
                res.layer.kind
                if not res.layer.adaptive
                else f"adaptive{'avg' if res.layer.kind == 'gap' else 'max'}pool",
                res.layer.describe(),
                inputs,
                res.output_shape,
                res.total_params,
                window,
                res.jump,
                res.start,
                id=node.id,
                path=node.path,
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
        _containers(net, nodes, index),
    )


def _containers(
    net: NetworkResult, nodes: list[NodeView], index: dict[str, int]
) -> tuple[ContainerView, ...]:
    """Every block and merge, in the table's order, with the nodes it reads from outside itself."""
    outside: dict[str, dict[int, None]] = {}
    for node in nodes[1:]:
        holders = (*node.path, node.id) if node.is_merge else node.path
        for source in node.inputs:
            source_node = nodes[source]
            for holder in holders:
                if holder not in source_node.path and holder != source_node.id:
                    outside.setdefault(holder, {})[source] = None
    found = []
    for res in net.rows:
        node = res.node
        if not node.is_container:
            continue
        output = index[node.id] if node.is_merge else index[node.output]
        found.append(
            ContainerView(
                node.id,
                node.kind,
                node.describe(),
                node.path,
                tuple(outside.get(node.id, {index[node.inputs[0]]: None})),
                output,
                res.output_shape,
                res.total_params,
                node.branches,
            )
        )
    return tuple(found)
