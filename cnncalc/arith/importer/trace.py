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
from dataclasses import dataclass, field, replace
from typing import Any

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.importer.evaluator import Evaluator, Native, Refusal, Unknown, line_of
from cnncalc.arith.layer_spec import canonical_kind
from cnncalc.arith.parsing import fmt_shape
from cnncalc.i18n import N_, _, fill

INPUT_NODE = 0
# words a block may not be called: the spec language's own (layers, merges, keywords)
_RESERVED_WORDS = {"add", "concat", "block", "end", "input"}


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
    ranks: tuple[int, ...] = ()  # the spatial axes its input may have (Conv2d: 2); () any number


@dataclass
class Region:
    """One call of a module of the file in the forward pass: its input, output and the nodes it made."""

    name: str
    input: int
    first: int
    output: int | None = None
    last: int = -1


@dataclass(frozen=True)
class _Call:
    """A block call in the written spec, and the items of the body it expands to."""

    name: str
    body: list


def _line(item: object) -> str:
    if isinstance(item, TNode):
        return item.text
    if isinstance(item, _Call):
        return item.name
    return str(item)


def _first_calls(items: list, found: list[str]) -> None:
    """Block keys in the order the spec first computes them, inner blocks before the block using them."""
    for item in items:
        if isinstance(item, _Call) and item.name not in found:
            _first_calls(item.body, found)
            if item.name not in found:
                found.append(item.name)


def _block_definitions(top: list, blocks: dict[str, str], classes: list[str]) -> list[str]:
    """`block NAME() … end` for every body, defined before its first use."""
    keys: list[str] = []
    _first_calls(top, keys)
    body = {key: text for text, key in blocks.items()}
    return [f"block {key}()\n{body[key]}\nend" for key in keys]


def _block_names(top: list, classes: list[str]) -> dict[str, str]:
    """The module's class name for each block, numbered in the order of first use when several
    bodies come from one class (BasicBlock, BasicBlock_2 …); never a word of the spec language."""
    keys: list[str] = []
    _first_calls(top, keys)
    names: dict[str, str] = {}
    for key in keys:
        cls = classes[int(key.strip("\x00"))]
        base = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in cls).strip("_") or "block"
        base = base if base[0].isalpha() else f"b_{base}"
        name, count = base, 1
        while name in names.values() or name.lower() in _RESERVED_WORDS or canonical_kind(name) is not None:
            count += 1
            name = f"{base}_{count}"
        names[key] = name
    return names


def _expanded(items: list) -> list[TNode]:
    """The layer nodes in the order the spec computes them: a block call's body at the call."""
    out: list[TNode] = []
    for item in items:
        if isinstance(item, TNode):
            out.append(item)
        elif isinstance(item, _Call):
            out.extend(_expanded(item.body))
    return out


@dataclass
class Trace:
    """The nodes of one forward pass. The input is `stated` (C, *spatial) by the file, or `given`
    as users write it (C×H×W, or N×C×H×W, or C×D×H×W …), read once the layers say how many
    spatial axes the network has (`read_input`): `input_shape` is (C, *spatial) when known."""

    stated: tuple[int, ...] | None
    given: tuple[int, ...] | None = None
    nodes: list[TNode] = field(default_factory=lambda: [TNode(INPUT_NODE, "input", ())])
    shapes: dict[int, tuple[int, ...] | None] = field(default_factory=dict)
    concats: dict[tuple[int, ...], int] = field(default_factory=dict)
    # the spatial axes of the first layer that states them, where it is ('nn.Conv3d(…) on line 4 of
    # m.py') and its call
    dims: tuple[int, str, str] | None = None
    regions: list[Region] = field(default_factory=list)
    reading: tuple[tuple[int, ...], int | None, str] | None = None  # `given` read: shape, batch, note

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        if self.given is None:
            return self.stated
        return self.read_given()[0]

    @property
    def batch(self) -> int | None:
        """N of an input given as N×C×…, else None."""
        return self.read_given()[1] if self.given is not None else None

    def read_given(self) -> tuple[tuple[int, ...], int | None, str]:
        """The given input read with the spatial axes the layers state so far (or the file's
        stated input has); read once: a layer that says otherwise later is refused."""
        if self.reading is None and self.given is not None:
            from cnncalc.arith.spec import read_input

            if self.dims is not None:
                dims, stating = self.dims[0], self.dims[1]
            else:
                dims = len(self.stated) - 1 if self.stated else None
                stating = _("the input {shape} the file states").format(shape=fmt_shape(self.stated or ()))
            self.reading = read_input(self.given, dims, stating)
        return self.reading or (self.stated or (), None, "")

    def state_dims(self, dims: int, call: str, line: int, path: str) -> None:
        """A layer that works on `dims` spatial axes (Conv3d: 3): every spatial layer of a network
        works on the same number, and the input is read with it."""
        if self.dims is not None:
            if self.dims[0] != dims:
                raise Refusal(
                    line,
                    _(
                        "{call}: a {dims}-D layer after the {stated}-D {layer}; every spatial layer of a "
                        "network works on the same number of axes"
                    ).format(call=call, dims=dims, stated=self.dims[0], layer=self.dims[2]),
                )
            return
        self.dims = (dims, _("{call} on line {line} of {path}").format(call=call, line=line, path=path), call)
        if self.given is None:
            if self.stated is not None and len(self.stated) - 1 != dims:
                raise Refusal(
                    line,
                    _(
                        "{call} works on {dims}-D maps, but the input {input} has {n} spatial axes; "
                        "the model cannot run on it"
                    ).format(call=call, dims=dims, input=fmt_shape(self.stated), n=len(self.stated) - 1),
                )
            return
        if self.reading is None:
            self.read_given()
            return
        from cnncalc.arith.spec import axes_text, read_input

        again = read_input(self.given, dims, self.dims[1])
        if again[:2] != self.reading[:2]:
            raise Refusal(
                line,
                _(
                    "{call} says the network is {dims}-D, but the input {input} was already read as "
                    "{shape} where the code needed a shape before any layer said so; give the input "
                    "with the batch in front (N×C×{axes})"
                ).format(
                    call=call,
                    dims=dims,
                    input=fmt_shape(self.given),
                    shape=fmt_shape(self.reading[0]),
                    axes=axes_text(dims),
                ),
            )

    def layer(
        self,
        source: Tensor,
        text: str,
        node: ast.AST,
        ev: Evaluator,
        expect: tuple[str, int] | None = None,
        owner: Any = None,
        ranks: tuple[int, ...] = (),
        call: str | None = None,
    ) -> Tensor:
        """A layer node reading `source`; one whose input must have exactly `ranks[0]` spatial
        axes states the network's (`state_dims`)."""
        call = ev.text(node) if call is None else call
        if len(ranks) == 1 and ranks[0] >= 1:
            self.state_dims(ranks[0], call, line_of(node), ev.path)
        n = TNode(len(self.nodes), "layer", (source.node,), text, line_of(node), call, expect, owner, ranks)
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
                fill(
                    _(
                        "{code} needs the shape of the tensor here, and the file does not say the input size; "
                        "give it with {field:input} CxHxW"
                    ),
                    code=why,
                ),
            )
        from cnncalc.arith.network import walk
        from cnncalc.arith.spec import parse_spec

        if tensor.node == INPUT_NODE:
            shape = self.input_shape
        else:
            # the walk is given the input read as the layers say, not as the spec's text would read it
            text, _order = self.spec_text(tensor.node, None)
            try:
                shape = walk(replace(parse_spec(text), input_shape=self.input_shape)).output_shape
            except CnnCalcError as e:
                raise Refusal(
                    line_of(node), _("the network up to here does not compute: {error}").format(error=e)
                ) from None
        self.shapes[tensor.node] = shape
        if shape is None:
            raise Refusal(line_of(node), _("{code}: the shape here is not known").format(code=why))
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
        in the order the spec computes them (a block's layers at each of its calls).

        A module of the file (a `BasicBlock`, an `Inception`) whose call reads one tensor and
        gives one becomes a parameterless block, defined once per distinct body and called where
        the code calls it."""
        idom = self.dominators(output)
        regions = self._clean_regions(output)
        blocks: dict[str, str] = {}  # body text → block name
        definitions: list[str] = []
        seen: set[int] = set()

        def chain(src: int, dst: int, inside: tuple[int, ...]) -> list[str | TNode | _Call]:
            items: list[list[str | TNode | _Call]] = []
            n = dst
            while n != src:
                if n < src:
                    raise self._crossed(dst)
                region = next(
                    (
                        r
                        for r in regions.get(n, ())
                        if id(r) not in inside and r.input >= src and r.input != n
                    ),
                    None,
                )
                if region is not None:
                    body = chain(region.input, n, (*inside, id(region)))
                    items.append([self._call(region, body, blocks, definitions)])
                    n = region.input
                    continue
                node = self.nodes[n]
                if node.id in seen:
                    raise self._crossed(node.id)
                seen.add(node.id)
                if node.kind == "layer":
                    items.append([node])
                    n = node.inputs[0]
                else:
                    d = idom[n]
                    part: list[str | TNode | _Call] = [f"{node.kind}("]
                    for i, source in enumerate(node.inputs):
                        if i:
                            part.append(";")
                        part.extend(chain(d, source, inside))
                    part.append(")")
                    items.append(part)
                    n = d
            return [x for part in reversed(items) for x in part]

        top = chain(INPUT_NODE, output, ())
        lines = [f"input {fmt_shape(input_shape, 'x')}"] if input_shape else []
        lines += _block_definitions(top, blocks, definitions)
        lines += [_line(item) for item in top]
        names = _block_names(top, definitions)
        text = "\n".join(lines)
        for key, name in names.items():
            text = text.replace(key, name)
        return text, _expanded(top)

    def _clean_regions(self, output: int) -> dict[int, list[Region]]:
        """The module calls that can be blocks, by their output node, outermost first: every node
        made in the call reads only nodes of the call or its input, and only its output is read
        from outside. The whole model's own call is not one."""
        readers: dict[int, list[int]] = {}
        for node in self.nodes:
            for i in node.inputs:
                readers.setdefault(i, []).append(node.id)
        out: dict[int, list[Region]] = {}
        for r in self.regions:
            if r.output is None or (r.input == INPUT_NODE and r.output == output) or r.output < r.first:
                continue
            inside = range(r.first, r.last + 1)
            if any(i not in inside and i != r.input for n in inside for i in self.nodes[n].inputs):
                continue
            if any(reader not in inside for n in inside if n != r.output for reader in readers.get(n, ())):
                continue
            out.setdefault(r.output, []).append(r)
        for found in out.values():
            found.sort(key=lambda r: r.first)  # the outermost call began first
        return out

    def _call(self, region: Region, body: list, blocks: dict[str, str], definitions: list[str]) -> _Call:
        """A block call; calls with the same body share one definition (named when written)."""
        text = "\n".join(_line(item) for item in body)
        key = blocks.setdefault(text, f"\x00{len(blocks)}\x00")
        if len(definitions) < len(blocks):
            definitions.append(region.name)
        return _Call(key, body)

    def _crossed(self, node_id: int) -> Refusal:
        node = self.nodes[node_id]
        return Refusal(
            node.line,
            _(
                "{call}: its output feeds branches that join in different places; the spec language "
                "nests branches (add( … ; … ), concat( … ; … )), so cnncalc cannot show this graph"
            ).format(call=node.call),
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
        return _("a tensor")

    def attr(self, ev: Evaluator, name: str, node: ast.AST) -> Any:
        return self.framework.tensor_attr(ev, self, name, node)

    def binop(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST, reflected: bool) -> Any:
        return self.framework.tensor_binop(ev, self, op, other, node, reflected)

    def getitem(self, ev: Evaluator, key: Any, node: ast.AST) -> Any:
        raise Refusal(
            line_of(node),
            _(
                "{code}: indexing or slicing a tensor changes its shape in ways the spec language does not show"
            ).format(code=ev.text(node)),
        )

    def iterate(self, ev: Evaluator, node: ast.AST) -> list:
        raise Refusal(
            line_of(node),
            _("{code}: looping over a tensor is not something cnncalc follows").format(code=ev.text(node)),
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

    label = N_("the batch size")

    def binop(self, ev: Evaluator, op: ast.operator, other: Any, node: ast.AST, reflected: bool) -> Any:
        return Unknown(_("the batch size, which is known only when the code runs"), line_of(node))


BATCH = BatchSize()
