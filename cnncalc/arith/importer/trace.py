"""The forward pass as a graph, and that graph as the spec language.

Reading `forward()` (or Keras' functional calls) builds a `Trace`: nodes in the order the code
computes them, each reading earlier nodes, as torch.fx records a forward pass. `Tensor` is the
value a traced variable holds. A layer node carries its spec text (`conv 64 k=3 p=1`), the line
that built it and what the code states about its input (`in_channels=64`), checked against the
walked shapes once the network is walked.

The spec language nests branches: `add( A ; B )` and `concat( A ; B )` start from one tensor and
join into one. `Trace.spec_text` writes the graph that way, splitting each merge at its
immediate dominator (the last tensor every path to it passes through): x ↦ x + f(x) is
`add( f ; )`, an Inception module is `concat( b1 ; b2 ; b3 ; b4 )`. DenseNet's growing
`torch.cat(features)` is nested first (cat(a, b, c) with cat(a, b) already computed is
cat(cat(a, b), c)). A graph whose branches cross (a tensor feeding two merges that do not nest)
cannot be written so and is refused, naming the line; no layer is ever written twice or dropped.

A tensor's shape is known by walking the spec of the graph up to it (`Trace.shape`), with the
same `walk` every command uses; the code needs it for `x.size(1)`, `x.view(-1, 1, 28, 28)`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from math import prod
from typing import Any

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.importer.evaluator import Evaluator, Native, Refusal, Unknown, line_of
from cnncalc.arith.parsing import fmt_shape

INPUT_NODE = 0


@dataclass
class TNode:
    """One computed value: the input, a layer, or a merge (`add`, `concat`) of earlier nodes."""

    id: int
    kind: str
    inputs: tuple[int, ...]
    text: str = ""
    line: int = 0
    call: str = ""
    expect: tuple[str, int] | None = None
    owner: Any = None  # the module object whose call made this layer (weights shared: refused)


@dataclass
class Trace:
    """The nodes of one forward pass; `input_shape` (C, *spatial) when it is known."""

    input_shape: tuple[int, ...] | None
    nodes: list[TNode] = field(default_factory=lambda: [TNode(INPUT_NODE, "input", ())])
    shapes: dict[int, tuple[int, ...] | None] = field(default_factory=dict)
    concats: dict[tuple[int, ...], int] = field(default_factory=dict)
    dims: tuple[int, str] | None = None  # spatial axes of the first layer that states them, and it

    def layer(
        self,
        source: Tensor,
        text: str,
        node: ast.AST,
        ev: Evaluator,
        expect: tuple[str, int] | None = None,
        owner: Any = None,
    ) -> Tensor:
        n = TNode(len(self.nodes), "layer", (source.node,), text, line_of(node), ev.text(node), expect, owner)
        self.nodes.append(n)
        return Tensor(self, n.id, source.framework)

    def merge(self, kind: str, sources: list[Tensor], node: ast.AST, ev: Evaluator) -> Tensor:
        ids = tuple(t.node for t in sources)
        framework = sources[0].framework
        if kind == "concat":
            if len(ids) == 1:
                return sources[0]
            ids = self._nest_concat(ids)
            if len(ids) == 1:
                return Tensor(self, ids[0], framework)
        n = TNode(len(self.nodes), kind, ids, kind, line_of(node), ev.text(node))
        self.nodes.append(n)
        if kind == "concat":
            self.concats[tuple(t.node for t in sources)] = n.id
        return Tensor(self, n.id, framework)

    def _nest_concat(self, ids: tuple[int, ...]) -> tuple[int, ...]:
        """cat(a, b, c) after cat(a, b) was computed: cat(cat(a, b), c) (the same channels, in order)."""
        for cut in range(len(ids) - 1, 1, -1):
            earlier = self.concats.get(ids[:cut])
            if earlier is not None:
                return (earlier, *ids[cut:])
        return ids

    # -- shapes ----------------------------------------------------------------------------------------

    def shape(self, tensor: Tensor, node: ast.AST, why: str) -> tuple[int, ...]:
        """The shape of one sample at `tensor` (C, *spatial), by walking the graph up to it."""
        if tensor.node in self.shapes:
            known = self.shapes[tensor.node]
            if known is not None:
                return known
        if self.input_shape is None:
            raise Refusal(
                line_of(node),
                f"{why} needs the shape of the tensor here, and the file does not say the input size; "
                "give it with --input CxHxW",
            )
        from cnncalc.arith.network import walk
        from cnncalc.arith.spec import parse_spec

        if tensor.node == INPUT_NODE:
            shape = self.input_shape
        else:
            text, _ = self.spec_text(tensor.node, self.input_shape)
            try:
                shape = walk(parse_spec(text)).output_shape
            except CnnCalcError as e:
                raise Refusal(line_of(node), f"the network up to here does not compute: {e}") from None
        self.shapes[tensor.node] = shape
        if shape is None:
            raise Refusal(line_of(node), f"{why}: the shape here is not known")
        return shape

    # -- the spec ----------------------------------------------------------------------------------------

    def dominators(self, upto: int) -> dict[int, int]:
        idom: dict[int, int] = {INPUT_NODE: INPUT_NODE}
        for n in self.nodes[1 : upto + 1]:
            found = n.inputs[0]
            for other in n.inputs[1:]:
                found = _intersect(idom, found, other)
            idom[n.id] = found
        return idom

    def spec_text(self, output: int, input_shape: tuple[int, ...] | None) -> tuple[str, list[TNode]]:
        """The graph up to `output` in the spec language, one layer per line, and the layer nodes
        in the order of those lines."""
        idom = self.dominators(output)
        lines: list[str] = [f"input {fmt_shape(input_shape, 'x')}"] if input_shape else []
        order: dict[int, TNode] = {}
        seen: set[int] = set()

        def chain(src: int, dst: int) -> list[str | TNode]:
            items: list[list[str | TNode]] = []
            n = dst
            while n != src:
                if n < src:
                    raise self._crossed(dst)
                node = self.nodes[n]
                if node.id in seen:
                    raise self._crossed(node.id)
                seen.add(node.id)
                if node.kind == "layer":
                    items.append([node])
                    n = node.inputs[0]
                else:
                    d = idom[n]
                    part: list[str | TNode] = [f"{node.kind}("]
                    for i, source in enumerate(node.inputs):
                        if i:
                            part.append(";")
                        part.extend(chain(d, source))
                    part.append(")")
                    items.append(part)
                    n = d
            return [x for part in reversed(items) for x in part]

        for item in chain(INPUT_NODE, output):
            if isinstance(item, TNode):
                lines.append(item.text)
                order[len(lines)] = item
            else:
                lines.append(item)
        return "\n".join(lines), [order[k] for k in sorted(order)]

    def _crossed(self, node_id: int) -> Refusal:
        node = self.nodes[node_id]
        return Refusal(
            node.line,
            f"{node.call}: its output feeds branches that join in different places; the spec language "
            "nests branches (add( … ; … ), concat( … ; … )), so cnncalc cannot show this graph",
        )


def _intersect(idom: dict[int, int], a: int, b: int) -> int:
    while a != b:
        while a > b:
            a = idom[a]
        while b > a:
            b = idom[b]
    return a


class Tensor(Native):
    """A value of the traced forward pass: a node of the trace. Its framework (PyTorch or Keras)
    says what its methods and operators mean (`cnncalc.arith.importer.pytorch` / `keras`)."""

    def __init__(self, trace: Trace, node: int, framework: Any) -> None:
        self.trace = trace
        self.node = node
        self.framework = framework

    @property
    def label(self) -> str:  # type: ignore[override]
        return "a tensor"

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        return self.framework.tensor_attr(ev, self, name, node)

    def binop(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST, reflected: bool) -> Any:
        return self.framework.tensor_binop(ev, self, op, other, node, reflected)

    def getitem(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        raise Refusal(
            line_of(node),
            f"{ev.text(node)}: indexing or slicing a tensor changes its shape in ways the spec "
            "language does not show",
        )

    def iterate(self, ev: Evaluator, node: ast.AST) -> list:
        raise Refusal(
            line_of(node), f"{ev.text(node)}: looping over a tensor is not something cnncalc follows"
        )

    def isinstance_of(self, kind: Any) -> bool | None:
        path = getattr(kind, "path", "")
        if "cuda" in path:
            return False  # the model is read on the CPU
        return True if path.rsplit(".", 1)[-1] in ("Tensor", "KerasTensor") else None

    def shape(self, ev: Evaluator, node: ast.AST, why: str) -> tuple[int, ...]:
        return self.trace.shape(self, node, why)


class BatchSize(Native):
    """`x.size(0)`: the batch, which the spec leaves out (a table is per sample)."""

    label = "the batch size"

    def binop(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST, reflected: bool) -> Any:
        return Unknown("the batch size, which is known only when the code runs", line_of(node))


BATCH = BatchSize()


def features(shape: tuple[int, ...]) -> int:
    return prod(shape)
