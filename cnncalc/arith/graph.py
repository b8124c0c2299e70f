"""The graph a network spec describes: nodes in topological order, each naming the nodes it reads.

This is the data model every reader of a network shares (the walk, the table, the receptive
field, `check`, `solve` and the trainer), in the manner of torch.fx: a list of nodes in which
every node comes after the nodes it reads.

Node kinds (`Node.kind`):

    a layer kind   conv, tconv, maxpool, avgpool, gap, bn, relu, relu6, …, fc: `layer` holds its
                   `LayerSpec`; it reads exactly one node
    add            the element-wise sum of the nodes it reads (their shapes must be equal)
    concat         the nodes it reads joined on channels, in the order of `inputs`
    block          a container (a block call, or a repetition `xN`): it computes nothing; its
                   value is the value of its `output` node

Ids are hierarchical strings. The items of the spec are "1", "2", …; the items inside container
"5" are "5.1", "5.2", …; the layers of a merge's branches are numbered on across its branches
(`add( conv | bn | relu | conv | bn ; conv | bn )` at "5.1" holds "5.1.1" … "5.1.5" and the
shortcut's "5.1.6", "5.1.7"). A merge is a container too: it holds its branches' layers and
computes their sum or concatenation. For a chain the ids are the layer numbers ("1" … "N").

`inputs` name computing nodes (layers, merges) or `INPUT`, the network's input, never a block: a
block that feeds another is resolved to the node that computes its output. An empty branch (the
identity) contributes the merge's own input to `inputs`.

`path` is the ids of the containers (blocks and merges) a node sits in, outermost first; its depth
in the table is `len(path) + 1`. `Graph.rows` gives the table's order (by id: a container before
what it holds, as torchinfo shows it); `Graph.nodes` the order to compute in.

Shapes are not part of the graph: `cnncalc.arith.network.walk` gives every node's result in the
same order (`NetworkResult.nodes`, and `.by_id`): its `input_shape` and `output_shape` (C, *spatial)
per sample, parameters, MACs and receptive field. A layer's input is its one input's output; a
merge's inputs are its `inputs`' outputs, in that order (`concat` joins them on channels in it).
To run a network, go through `Graph.nodes` and keep each computing node's value by id: a layer
applies to `value[inputs[0]]`, `add` sums `value[i] for i in inputs`, `concat` joins them, and a
`block` needs nothing (its `output` already holds its value).

>>> from cnncalc.arith.spec import parse_spec
>>> graph = parse_spec("input 8x8x8 | add( conv 8 k=3 p=1 | relu ) | relu").graph
>>> [(n.id, n.kind, n.inputs) for n in graph.nodes]
[('1.1', 'conv', ('input',)), ('1.2', 'relu', ('1.1',)), ('1', 'add', ('1.2', 'input')), ('2', 'relu', ('1',))]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from cnncalc.arith.layer_spec import LayerSpec

INPUT = "input"
MERGES = ("add", "concat")
CONTAINERS = ("block", *MERGES)


class Node(NamedTuple):
    """One node of the graph; see the module docstring for kinds, ids and inputs.

    (A named tuple rather than a dataclass: as immutable, and it costs `net` nothing to define.)"""

    id: str
    kind: str
    inputs: tuple[str, ...]
    path: tuple[str, ...] = ()
    layer: LayerSpec | None = None
    label: str = ""
    output: str = ""
    branches: tuple[tuple[str, ...], ...] = ()
    claim: tuple[int, ...] | None = None
    line: int = 0

    @property
    def depth(self) -> int:
        """1 for the spec's own items, 2 for what a block or merge at depth 1 holds, …"""
        return len(self.path) + 1

    @property
    def is_container(self) -> bool:
        return self.kind in CONTAINERS

    @property
    def is_merge(self) -> bool:
        return self.kind in MERGES

    @property
    def stated_claim(self) -> tuple[int, ...] | None:
        """The shape written after `->` on this node's line, if any."""
        return self.layer.claim if self.layer is not None else self.claim

    def describe(self) -> str:
        """The row's text: a layer's canonical spec text, a block's call, a merge's summary."""
        return self.layer.describe() if self.layer is not None else self.label


def id_key(node_id: str) -> tuple[int, ...]:
    """Sorting ids by this key gives the table's order: "5" < "5.1" < "5.1.2" < "5.2" < "6"."""
    return tuple(int(part) for part in node_id.split("."))


@dataclass(frozen=True)
class Graph:
    """The nodes in topological order and the id of the node that computes the network's output."""

    nodes: tuple[Node, ...]
    output: str

    @classmethod
    def chain(cls, layers: Sequence[LayerSpec]) -> Graph:
        """A chain: node N is layer N and reads node N − 1 (the first reads the input)."""
        nodes = []
        previous = INPUT
        for layer in layers:
            node_id = str(layer.number)
            nodes.append(Node(node_id, layer.kind, (previous,), layer=layer, line=layer.line))
            previous = node_id
        return cls(tuple(nodes), previous)

    @cached_property
    def by_id(self) -> dict[str, Node]:
        return {node.id: node for node in self.nodes}

    @cached_property
    def is_chain(self) -> bool:
        """No merges and no blocks: every node is a layer reading the one before it."""
        return all(node.layer is not None and node.depth == 1 for node in self.nodes)

    @cached_property
    def rows(self) -> tuple[Node, ...]:
        """The nodes in the table's order: by id, each container before what it holds."""
        return tuple(sorted(self.nodes, key=lambda node: id_key(node.id)))
