"""Walk a network: every node's output shape, parameters, MACs and receptive field.

This is the one place a network is interpreted; `net`, `check`, `rf`, `solve` and the trainer's
shape checks all use it, and each layer is computed by the same `sizes` / `params` functions the
single-layer commands use, and its receptive field by `receptive_field`.

The walk goes through the `Graph` of the spec (see `graph`) in its order, once:

    a layer     one handler per kind in `_HANDLERS`; a kind without one (activations, dropout,
                softmax) passes its shape and receptive field through unchanged
    add/concat  the branches' shapes are checked where they meet (`merges`), the field is the
                union of theirs
    a block     the totals of what it holds; its output is its last node's

>>> net = walk(parse_spec("input 2x96x96 | conv 8 k=5 | maxpool k=4"))
>>> [layer.output_shape for layer in net.layers]
[(8, 92, 92), (8, 23, 23)]
>>> net = walk("input 64x56x56 | add( conv 64 k=3 p=1 | bn | relu | conv 64 k=3 p=1 | bn ) | relu")
>>> [(r.id, r.kind, r.output_shape) for r in net.rows][:2]
[('1', 'add', (64, 56, 56)), ('1.1', 'conv', (64, 56, 56))]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from math import prod
from typing import TYPE_CHECKING

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.graph import INPUT, Graph, Node
from cnncalc.arith.layer_spec import RESIZING, SPATIAL, LayerSpec
from cnncalc.arith.params import ParamCount, bn_params, conv_cost, fc_macs, fc_params, flops_step
from cnncalc.arith.parsing import broadcast, fmt_count, fmt_shape
from cnncalc.arith.receptive_field import BackMaps, ReceptiveField, adaptive_largest_window, window_geometry
from cnncalc.arith.sizes import (
    AXIS_NAMES,
    Pad,
    ShapeResult,
    adaptive_windows,
    effective_kernel,
    layer_output,
)
from cnncalc.arith.spec import NetworkSpec, parse_spec
from cnncalc.arith.steps import Step, fmt_product, fmt_value
from cnncalc.i18n import _, current_language, ngettext
from cnncalc.safety.limits import MAX_SIZE, MAX_SIZE_TEXT

if TYPE_CHECKING:
    from fractions import Fraction

    from cnncalc.arith.merges import MergeMismatch

BYTES_PER_FLOAT32 = 4

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerResult:
    """One walked node, a row of the table: a layer, a merge (add, concat) or a block.

    A layer has its `LayerSpec`; a merge or a block has `layer` None, and `params` and `macs` that
    total what it holds. `node` places it in the graph (id, kind, inputs, path).
    """

    layer: LayerSpec | None
    input_shape: Shape | None
    output_shape: Shape | None
    shape: ShapeResult | None = None
    params: ParamCount | None = None
    macs: int = 0
    rf_view: ReceptiveField | None = None
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    implicit_flatten: bool = False
    node: Node | None = None

    @property
    def id(self) -> str:
        """The row's id: '3' in a chain, '5.1.2' inside blocks."""
        return self.node.id if self.node is not None else str(self.layer.number if self.layer else "")

    @property
    def kind(self) -> str:
        return self.node.kind if self.node is not None else (self.layer.kind if self.layer else "")

    @property
    def depth(self) -> int:
        return self.node.depth if self.node is not None else 1

    @property
    def is_container(self) -> bool:
        return self.node is not None and self.node.is_container

    @property
    def claim(self) -> tuple[int, ...] | None:
        return self.node.stated_claim if self.node is not None else (self.layer.claim if self.layer else None)

    def describe(self) -> str:
        if self.layer is not None:
            return self.layer.describe()
        return self.node.describe() if self.node is not None else ""

    @property
    def rf(self) -> tuple[int, ...] | None:
        """Input pixels one unit of this layer sees, per axis."""
        return self.rf_view.size if self.rf_view else None

    @property
    def jump(self) -> tuple[Fraction, ...] | None:
        return self.rf_view.jump if self.rf_view else None

    @property
    def start(self) -> tuple[Fraction, ...] | None:
        return self.rf_view.start if self.rf_view else None

    @property
    def total_params(self) -> int:
        return self.params.total if self.params else 0

    @property
    def activation_bytes(self) -> int:
        return prod(self.output_shape) * BYTES_PER_FLOAT32 if self.output_shape else 0

    @property
    def claim_holds(self) -> bool | None:
        if self.claim is None or self.output_shape is None:
            return None
        return tuple(self.claim) == tuple(self.output_shape)

    def claim_dict(self) -> dict:
        """The layer's claimed shape against the walked one, for `check --json`."""
        return {
            "number": self.layer.number if self.layer else None,
            "id": self.id,
            "spec": self.describe(),
            "claimed": list(self.claim) if self.claim else None,
            "actual": list(self.output_shape) if self.output_shape else None,
            "holds": self.claim_holds,
        }

    def geometry(self) -> dict:
        """kernel, stride, padding (before, after per axis), dilation and groups, where they apply."""
        layer = self.layer
        if self.shape is not None:
            geo = {
                "kernel": list(self.shape.kernel),
                "stride": list(self.shape.stride),
                "padding": [list(p) for p in self.shape.padding],
                "dilation": list(self.shape.dilation),
            }
        elif layer is not None and layer.kind in SPATIAL:
            geo = {
                "kernel": list(layer.kernel or ()),
                "stride": list(layer.stride or (1,)),
                "padding": layer.padding if isinstance(layer.padding, str) else list(layer.padding),
                "dilation": list(layer.dilation),
            }
        else:
            geo = {"kernel": None, "stride": None, "padding": None, "dilation": None}
        geo["groups"] = layer.groups if layer is not None and layer.kind in ("conv", "tconv") else None
        return geo

    def to_dict(self) -> dict:
        node = self.node
        return {
            "number": self.layer.number if self.layer else None,
            "type": self.kind,
            "spec": self.describe(),
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "output_shape": list(self.output_shape) if self.output_shape else None,
            "params": self.total_params,
            "weights": self.params.weights if self.params else 0,
            "biases": self.params.biases if self.params else 0,
            "buffers": self.params.buffers if self.params else 0,
            "macs": self.macs,
            "receptive_field": list(self.rf) if self.rf else None,
            "jump": [_num(j) for j in self.jump] if self.jump else None,
            "start": [_num(s) for s in self.start] if self.start else None,
            "activation_bytes": self.activation_bytes,
            "claim": list(self.claim) if self.claim else None,
            "claim_holds": self.claim_holds,
            "implicit_flatten": self.implicit_flatten,
            "steps": [s.to_dict() for s in self.steps],
            "notes": list(self.notes),
            "id": self.id,
            "path": list(node.path) if node else [],
            "depth": self.depth,
            "inputs": list(node.inputs) if node else [],
            **self.geometry(),
        }


@dataclass(frozen=True)
class NetworkResult:
    """A walked network: every node in the order computed, and the totals a summary prints.

    `layers` are the layer nodes only (a chain's layers in order); `rows` every node in the
    table's order (a block before what it holds); `nodes` every node in the order computed.
    """

    spec: NetworkSpec
    input_shape: Shape | None
    nodes: tuple[LayerResult, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    batch: int | None = None

    @property
    def graph(self) -> Graph:
        return self.spec.graph

    @property
    def layers(self) -> tuple[LayerResult, ...]:
        return tuple(r for r in self.nodes if r.layer is not None)

    @cached_property
    def rows(self) -> tuple[LayerResult, ...]:
        return tuple(self.by_id[node.id] for node in self.graph.rows)

    @cached_property
    def by_id(self) -> dict[str, LayerResult]:
        return {r.id: r for r in self.nodes}

    def result(self, node_id: str) -> LayerResult:
        """The walked node with this id."""
        return self.by_id[node_id]

    @property
    def output_shape(self) -> Shape | None:
        if not self.nodes:
            return self.input_shape
        return self.result(self.graph.output).output_shape if self.graph.output != INPUT else self.input_shape

    @property
    def total_params(self) -> int:
        return sum(layer.total_params for layer in self.layers)

    @property
    def total_buffers(self) -> int:
        """Values kept but not trained: batch norm's running means and variances."""
        return sum(layer.params.buffers for layer in self.layers if layer.params)

    @property
    def total_macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def total_flops(self) -> int:
        return flops_step(self.total_macs).value

    @property
    def param_bytes(self) -> int:
        return self.total_params * BYTES_PER_FLOAT32

    @property
    def input_bytes(self) -> int:
        return prod(self.input_shape) * BYTES_PER_FLOAT32 if self.input_shape else 0

    @property
    def activation_bytes(self) -> int:
        """Every layer's and every merge's output, one sample (a block's output is its last node's)."""
        return sum(r.activation_bytes for r in self.nodes if r.kind != "block")

    @property
    def sized(self) -> bool:
        """Whether the input's shape is known: without it, shapes, parameters, MACs and memory are
        unknown (None in `to_dict`), and only receptive fields are worked out."""
        return self.input_shape is not None

    @property
    def receptive_field(self) -> tuple[int, ...] | None:
        """One output unit's field per axis; None when unknown (a global layer on a map of unknown
        size: see `cnncalc.arith.receptive_field.size_needed`) or when there is none."""
        from cnncalc.arith.receptive_field import size_needed

        if size_needed(self) is not None:
            return None
        for layer in reversed(self.nodes):
            if layer.rf is not None and layer.kind != "block":
                return layer.rf
        return None

    @property
    def wrong_claims(self) -> tuple[LayerResult, ...]:
        return tuple(r for r in self.rows if r.claim_holds is False)

    def counts_unknown(self, row: LayerResult) -> bool:
        """Whether a row's parameters and MACs are unknown: without the input's shape, those of a
        layer that has parameters (conv, tconv, fc, a norm) and of a merge or block that holds one."""
        if self.sized:
            return False
        if row.layer is not None:
            return row.layer.kind in PARAMETRIC and not (
                row.layer.kind == "instancenorm" and not row.layer.affine
            )
        inside = row.id + "."  # a merge's or a block's rows: what it holds
        return any(self.counts_unknown(r) for r in self.layers if r.id.startswith(inside))

    def to_dict(self) -> dict:
        layers = [row.to_dict() for row in self.rows]
        for row, row_data in zip(self.rows, layers, strict=True):
            if not self.sized:
                row_data["activation_bytes"] = None
            if self.counts_unknown(row):
                row_data.update(params=None, weights=None, biases=None, buffers=None, macs=None)
        sized = self.sized
        data = {
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "output_shape": list(self.output_shape) if self.output_shape else None,
            "layers": layers,
            "total_params": self.total_params if sized else None,
            "trainable_params": self.total_params if sized else None,
            "buffers": self.total_buffers if sized else None,
            "total_macs": self.total_macs if sized else None,
            "total_flops": self.total_flops if sized else None,
            "param_bytes": self.param_bytes if sized else None,
            "activation_bytes": self.activation_bytes if sized else None,
            "receptive_field": list(self.receptive_field) if self.receptive_field else None,
            "spec": self.spec.to_text(" | "),
            "notes": list(self.notes),
            "batch": self.batch,
            "output_id": self.graph.output,
        }
        if self.batch is not None:
            data["batch_macs"] = self.batch * self.total_macs
            data["batch_activation_bytes"] = self.batch * self.activation_bytes
        return data


def walk(spec: NetworkSpec | str, input_shape: Shape | None = None) -> NetworkResult:
    """Interpret a network node by node. Without an input shape only receptive fields are known.

    `input_shape` replaces the spec's input, read as an input line is (`NetworkSpec.with_input`).
    """
    if isinstance(spec, str):
        spec = parse_spec(spec)
    spec = spec.with_input(input_shape)
    shape = spec.input_shape
    dims = _spatial_dims(spec, shape)
    walker = _Walker(spec, dims)
    walker.run(shape, ReceptiveField.of_input(dims))
    notes: tuple[str, ...] = ()
    if spec.input_shape is None:
        notes = (_("No input shape given: output shapes and parameter counts need 'input CxHxW'."),)
    if spec.input_note:
        notes += (_("{note}.").format(note=spec.input_note),)
    if hint := channels_last_hint(spec):
        notes += (hint,)
    return NetworkResult(spec, spec.input_shape, tuple(walker.results), notes, spec.batch)


def channels_last_hint(spec: NetworkSpec) -> str:
    """A hint when the input looks like H×W×C written channels last (Keras' input_shape)."""
    shape = spec.input_shape
    if shape is None or len(shape) != 3 or spec.dims is not None:
        return ""
    c, h, w = shape
    if w <= 4 and c >= 8 and h >= 8 and w < c:
        return ngettext(
            "input {input} reads as {c} channels of {h}×{w} (channels first, C×H×W). If it is a {c}×{h} "
            "image with {w} channel (Keras' channels-last input_shape), write {fix}.",
            "input {input} reads as {c} channels of {h}×{w} (channels first, C×H×W). If it is a {c}×{h} "
            "image with {w} channels (Keras' channels-last input_shape), write {fix}.",
            w,
        ).format(
            input=fmt_shape(spec.stated_input),
            c=c,
            h=h,
            w=w,
            fix=fmt_shape((*spec.stated_input[:-3], w, c, h), "x"),
        )
    return ""


class _Walker:
    """One pass over the graph in its order: each node's result from the results of its inputs."""

    def __init__(self, spec: NetworkSpec, dims: int) -> None:
        self.spec = spec
        self.graph = spec.graph
        self.dims = dims
        self.results: list[LayerResult] = []
        self.by_id: dict[str, LayerResult] = {}
        # per container id: [params, weights, biases, MACs] of the layers it holds, and those layers
        self.held: dict[str, list[int]] = {}
        self.held_layers: dict[str, list[LayerResult]] = {}
        # per node id: why its forward view cannot be trusted ('' when it can), and its back-recursion
        self.inexact: dict[str, str] = {INPUT: ""}
        self.back = BackMaps(dims)

    def run(self, shape: Shape | None, view: ReceptiveField) -> None:
        self.input_shape, self.input_view = shape, view
        for node in self.graph.nodes:
            if node.layer is not None:
                res = self.layer(node)
            elif node.is_merge:
                res = self.merge(node)
            else:
                res = self.block(node)
            self.results.append(res)
            self.by_id[node.id] = res

    def source(self, node_id: str) -> tuple[Shape | None, ReceptiveField | None]:
        if node_id == INPUT:
            return self.input_shape, self.input_view
        res = self.by_id[node_id]
        return res.output_shape, res.rf_view

    def where(self, node: Node) -> str:
        """How an error names the node: `layer 5.1.3 (conv 64 k=3) in basic 64`."""
        if node.layer is not None:
            text = _("layer {id} ({text})").format(id=node.id, text=node.describe())
        else:
            text = _("{kind} at {id}").format(kind=node.kind, id=node.id)
        blocks = [self.graph.by_id[c] for c in node.path if self.graph.by_id[c].kind == "block"]
        if blocks:
            text = _("{where} in {block}").format(where=text, block=blocks[-1].label)
        return text

    def layer(self, node: Node) -> LayerResult:
        layer = node.layer
        shape, view = self.source(node.inputs[0])
        try:
            res = _layer(layer, shape, self.dims, view, node)
            _check_sizes(res)
        except CnnCalcError as e:
            where = self.where(node)
            if shape is not None:
                where = _("{where}, input {shape}").format(where=where, shape=fmt_shape(shape))
            # the layer's values came from its spec line, not from a command's options: the field's
            # name is settled as the core wrote it (as `prefixed(where, keep_field=False)` does);
            # but the input's size, which the spec lacks, is what a command's option can give
            keep = e.field == "input"
            error = type(e)(
                _("{where}: {error}").format(where=where, error=e.template if keep else e),
                field=e.field if keep else None,
            )
            if hint := channels_last_hint(self.spec):
                error = type(e)(_("{error}. {hint}").format(error=error, hint=hint))
            raise error from None
        why = self.inexact[node.inputs[0]] or _own_inexactness(res)
        self.inexact[node.id] = why
        self.back.layer(node.id, node.inputs[0], layer.kind, window_geometry(res, self.dims))
        if why and res.rf is not None:
            res = self.by_back_recursion(res, why)
        counts = (res.params.total, res.params.weights, res.params.biases) if res.params else (0, 0, 0)
        for container in node.path:
            totals = self.held.setdefault(container, [0, 0, 0, 0])
            totals[0] += counts[0]
            totals[1] += counts[1]
            totals[2] += counts[2]
            totals[3] += res.macs
            self.held_layers.setdefault(container, []).append(res)
        return res

    def merge(self, node: Node) -> LayerResult:
        from cnncalc.arith.merges import (
            MergeMismatch,
            merge_steps,
            merged_shape,
            union_view,
        )  # chains need none

        sources = [self.source(i) for i in node.inputs]
        shapes = [s for s, _ in sources]
        views = [v for _, v in sources]
        out = None
        steps: tuple[Step, ...] = ()
        if all(s is not None for s in shapes):
            try:
                out = merged_shape(node.kind, shapes)
            except MergeMismatch as e:
                raise CnnCalcError(self.mismatch(node, shapes, e)) from None
            steps = merge_steps(node.kind, shapes, out)
        view = None
        notes: tuple[str, ...] = ()
        if all(v is not None for v in views):
            view, rf_steps, setter = union_view(views, out[1:] if out and len(out) > 1 else None)
            steps += rf_steps
            notes = (self.field_note(node, setter),)
        self.inexact[node.id] = next((self.inexact[i] for i in node.inputs if self.inexact[i]), "")
        self.back.merge(node.id, node.inputs)
        res = LayerResult(
            None,
            self.source(self.fork(node))[0],
            out,
            params=self.container_params(node),
            macs=self.held.get(node.id, [0, 0, 0, 0])[3],
            rf_view=view,
            steps=steps,
            notes=notes,
            node=node,
        )
        if self.inexact[node.id] and res.rf is not None:
            res = self.by_back_recursion(res, self.inexact[node.id])
        return res

    def fork(self, node: Node) -> str:
        """The id of the value a merge's branches start from (its input, as a block's is)."""
        first = node.branches[0] if node.branches else ()
        if not first:  # the identity: the fork's value is the merge's first input itself
            return node.inputs[0]
        head = self.graph.by_id[first[0]]
        return self.fork(head) if head.is_merge else head.inputs[0]

    def block(self, node: Node) -> LayerResult:
        shape_in, _view = self.source(node.inputs[0])
        out = self.by_id[node.output]
        return LayerResult(
            None,
            shape_in,
            out.output_shape,
            params=self.container_params(node),
            macs=self.held.get(node.id, [0, 0, 0, 0])[3],
            rf_view=out.rf_view,
            node=node,
        )

    def container_params(self, node: Node) -> ParamCount:
        params, weights, biases, _macs = self.held.get(node.id, [0, 0, 0, 0])
        held = self.held_layers.get(node.id, [])
        counted = [r for r in held if r.total_params]
        step = Step(
            _("parameters"),
            _("the sum over the layers it holds"),
            " + ".join(fmt_value(r.total_params) for r in counted[:12])
            + (" + …" if len(counted) > 12 else ""),
            params,
            why=ngettext(
                "{n} layer, {counted} with parameters", "{n} layers, {counted} with parameters", len(held)
            ).format(n=len(held), counted=len(counted)),
        )
        return ParamCount(node.kind, weights, biases, (step,))

    def branch_text(self, node: Node, index: int) -> str:
        """`branch 2 (conv 128 k=1 s=2 … bn)` or `branch 2 (the identity)`."""
        ids = node.branches[index] if index < len(node.branches) else ()
        if not ids:
            return _("branch {n} (the identity)").format(n=index + 1)
        first, last = self.graph.by_id[ids[0]], self.graph.by_id[ids[-1]]
        text = first.describe() if first is last else f"{first.describe()} … {last.describe()}"
        rows = ids[0] + ("–" + ids[-1] if first is not last else "")
        return _("branch {n} ({text}, {rows})").format(n=index + 1, text=text, rows=rows)

    def mismatch(self, node: Node, shapes: Sequence[Shape | None], e: MergeMismatch) -> str:
        a, b = shapes[e.first], shapes[e.other]
        where = self.where(node)
        if node.line:
            where = _("{where}, line {line}").format(where=where, line=node.line)
        text = _("{where}: {first} gives {a} but {other} gives {b}; {need}").format(
            where=where,
            first=self.branch_text(node, e.first),
            a=fmt_shape(a),
            other=self.branch_text(node, e.other),
            b=fmt_shape(b),
            need=e.need,
        )
        return text + (f" — {e.hint}" if e.hint else "")

    def field_note(self, node: Node, setter: int | None) -> str:
        if setter is None:
            return _("{kind} at {id}: the receptive field is the union of the branches' fields").format(
                kind=node.kind, id=node.id
            )
        return _("{kind} at {id}: {branch} sets the receptive field").format(
            kind=node.kind, id=node.id, branch=self.branch_text(node, setter)
        )

    def by_back_recursion(self, res: LayerResult, why: str) -> LayerResult:
        """Where the forward recurrence is not exact, back-recursion over the nodes so far bounds the
        largest field any unit has: never below the truth."""
        size = self.back.field(res.id)
        formula = (
            _("back-recursion over layers 1…{n}").format(n=res.layer.number)
            if self.graph.is_chain and res.layer is not None
            else _("back-recursion from {id} to the input").format(id=res.id)
        )
        step = Step(
            "RF",
            formula,
            "",
            size[0] if len(set(size)) == 1 else "×".join(map(str, size)),
            why=why,
        )
        steps = tuple(st for st in res.steps if not st.label.startswith("RF_")) + (step,)
        return replace(res, rf_view=replace(res.rf_view, size=size), steps=steps)


def _check_sizes(res: LayerResult) -> None:
    """Every size a layer gives is a layer size too, at most MAX_SIZE: its output, its receptive
    field and the jump between its units (so totals stay exact, printable and within a float)."""
    view = res.rf_view
    sizes = [*(res.output_shape or ())]
    if view is not None:
        sizes += [*view.size, *(j.numerator for j in view.jump), *(j.denominator for j in view.jump)]
    if any(v > MAX_SIZE for v in sizes):
        raise CnnCalcError(
            _(
                "its output, receptive field or jump between units is above {limit}, too large for "
                "any network; check the strides, kernels and input"
            ),
            limit=MAX_SIZE_TEXT,
        )


def _spatial_dims(spec: NetworkSpec, shape: Shape | None) -> int:
    """Spatial axes: from the input shape, else the longest per-axis kernel or stride (default 2)."""
    if shape is None:
        if spec.dims is not None:
            return spec.dims
        lens = [len(v) for layer in spec.layers for v in (layer.kernel, layer.stride) if v is not None]
        return max([n for n in lens if n > 1], default=2)
    for v in shape:
        if v < 1:
            raise CnnCalcError(_("input {shape}: every size must be at least 1"), shape=fmt_shape(shape))
    dims = len(shape) - 1
    if dims not in AXIS_NAMES:
        raise CnnCalcError(
            _("input {shape}: give C×L, C×H×W or C×D×H×W (channels first)"), shape=fmt_shape(shape)
        )
    return dims


# kinds that have parameters (instance norm only with affine=true)
PARAMETRIC = ("conv", "tconv", "fc", "bn", "groupnorm", "instancenorm")


# a kind's handler: (layer, input shape or None, spatial axes, receptive field so far or None, node)
Handler = Callable[[LayerSpec, Shape | None, int, ReceptiveField | None, Node | None], LayerResult]


def _layer(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    if shape is not None and len(shape) == 1 and layer.kind in (*SPATIAL, *RESIZING, "gap", "gmp"):
        raise CnnCalcError(
            _(
                "{kind} needs a C×H×W input, but the previous layer gives {n} flat features; "
                "spatial layers must come before flatten/fc"
            ),
            kind=layer.kind,
            n=shape[0],
        )
    return _HANDLERS.get(layer.kind, _passthrough)(layer, shape, dims, view, node)


def _through(
    view: ReceptiveField | None,
    kind: str,
    k: Sequence[int],
    s: Sequence[int | Fraction],
    d: Sequence[int],
    pads: Sequence[Pad],
) -> tuple[ReceptiveField | None, tuple[Step, ...]]:
    """The receptive field after a window layer; unknown stays unknown (after a global layer)."""
    return view.through(kind, k, s, d, pads) if view is not None else (None, ())


def _through_whole_map(
    view: ReceptiveField | None, spatial: Shape
) -> tuple[ReceptiveField | None, tuple[Step, ...]]:
    return view.through_whole_map(spatial) if view is not None else (None, ())


def _spatial(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """conv, tconv, maxpool, avgpool: the size per axis, then parameters and MACs for convolutions."""
    if shape is None:
        return _spatial_without_input(layer, dims, view, node)
    kind = layer.kind
    c, *sp = shape
    res, params, mac = _worked(
        kind,
        tuple(sp),
        layer.kernel,
        layer.stride,
        layer.padding,
        layer.dilation,
        layer.ceil,
        layer.output_padding if kind == "tconv" else 0,
        c,
        layer.units,
        layer.groups,
        layer.bias,
        current_language(),
    )
    steps: list[Step] = list(res.steps)
    macs = 0
    out = (c, *res.output)
    if params is not None:
        macs = mac.value
        steps += [*params.steps, mac]
        out = (layer.units, *res.output)
    new_view, rf_steps = _through(view, kind, res.kernel, res.stride, res.dilation, res.padding)
    return LayerResult(
        layer,
        shape,
        out,
        shape=res,
        params=params,
        macs=macs,
        rf_view=new_view,
        steps=(*steps, *rf_steps),
        notes=res.all_notes + (params.notes if params else ()),
        node=node,
    )


@lru_cache(maxsize=1024)
def _worked(
    kind: str,
    spatial: Shape,
    kernel: tuple[int, ...],
    stride: tuple[int, ...] | None,
    padding: str | tuple[int, ...],
    dilation: tuple[int, ...],
    ceil: bool,
    output_padding: tuple[int, ...] | int,
    cin: int,
    units: int | None,
    groups: int,
    bias: bool,
    language: str,
) -> tuple[ShapeResult, ParamCount | None, Step | None]:
    """A window layer's worked size, parameters and MACs. The same layer on the same input is worked
    once: a ResNet repeats its blocks, and their results are frozen, so they can be shared.
    `language` is part of the key: the working's words are in the language it was worked in."""
    res = layer_output(kind, spatial, kernel, stride, padding, dilation, ceil, output_padding)
    if kind not in ("conv", "tconv"):
        return res, None, None
    params, mac = conv_cost(
        cin, units, res.kernel, groups, bias, transposed=kind == "tconv", input=res.input, output=res.output
    )
    return res, params, mac


def _spatial_without_input(
    layer: LayerSpec, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """No input: only geometry that does not depend on the size can be computed (the field)."""
    padding = layer.padding
    if isinstance(padding, str) and padding == "same":
        raise UsageError(
            _(
                "padding 'same' depends on the size of the input map, which is not known: give {field} CxHxW "
                "(or start the spec with 'input CxHxW')"
            ),
            field="input",
        )
    k = broadcast(layer.kernel, dims, "k")
    s = broadcast(layer.stride or (1,), dims, "s")
    d = broadcast(layer.dilation, dims, "d")
    if isinstance(padding, str):  # valid: none; full: k_eff − 1 on each side
        pads = tuple(
            (0, 0) if padding == "valid" else (effective_kernel(k[i], d[i]) - 1,) * 2 for i in range(dims)
        )
    else:
        pads = tuple((v, v) for v in broadcast(padding, dims, "p"))
    new_view, rf_steps = _through(view, layer.kind, k, s, d, pads)
    return LayerResult(layer, None, None, rf_view=new_view, steps=rf_steps, node=node)


def _global_pool(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """gap: the mean of each whole map, C×1×1 (an adaptive pool to a size above 1 has its own rule)."""
    if layer.adaptive:
        return _adaptive_pool(layer, shape, view, node)
    if shape is None:
        return LayerResult(
            layer,
            None,
            None,
            notes=(_("global pooling: the receptive field becomes the whole input"),),
            node=node,
        )
    c, *sp = shape
    new_view, rf_steps = _through_whole_map(view, tuple(sp))
    out = (c,) + (1,) * len(sp)
    what, torch_name, keras_name = (
        (_("the mean over each whole {shape} map"), "AdaptiveAvgPool", "GlobalAveragePooling")
        if layer.kind == "gap"
        else (_("the maximum over each whole {shape} map"), "AdaptiveMaxPool", "GlobalMaxPooling")
    )
    step = Step(_("output"), "C×1×1", f"{c}×1×1", fmt_shape(out), why=what.format(shape=fmt_shape(sp)))
    note = _("PyTorch's {torch}{n}d(1) keeps C×{ones}; Keras' {keras}{n}D also flattens to C.").format(
        torch=torch_name, keras=keras_name, n=len(sp), ones="×".join("1" * len(sp))
    )
    return LayerResult(layer, shape, out, rf_view=new_view, steps=(step, *rf_steps), notes=(note,), node=node)


def _adaptive_pool(
    layer: LayerSpec, shape: Shape | None, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """PyTorch's AdaptiveAvgPool: output cell i averages rows ⌊i·n/o⌋ … ⌈(i+1)·n/o⌉ − 1.

    When o divides n this is exactly avgpool k = s = n/o; otherwise the windows differ in size by
    one: the forward view takes the largest window and the mean step n/o (jump and start), and the
    walk bounds the fields of later layers by the back-recursion.
    """
    if shape is None:
        return LayerResult(
            layer, None, None, notes=(_("adaptive pooling: the windows depend on the input size"),), node=node
        )
    c, *sp = shape
    out = broadcast(layer.output_size, len(sp), _("output size"))
    steps = [_adaptive_step(name, n, o) for name, n, o in zip(AXIS_NAMES[len(sp)], sp, out, strict=True)]
    notes: tuple[str, ...] = ()
    if any(n % o for n, o in zip(sp, out, strict=True)):
        notes = (
            _(
                "adaptive pooling with an output size that does not divide the input uses windows of unequal "
                "size; the receptive field shown is an upper bound (the largest window, then the largest step "
                "between windows)"
            ),
        )
    kernels = tuple(adaptive_largest_window(n, o) for n, o in zip(sp, out, strict=True))
    # the mean step n/o; fractions (and decimal, which it loads) only when o does not divide n
    strides: tuple[int | Fraction, ...] = tuple(n // o for n, o in zip(sp, out, strict=True))
    if any(n % o for n, o in zip(sp, out, strict=True)):
        from fractions import Fraction

        strides = tuple(Fraction(n, o) for n, o in zip(sp, out, strict=True))
    ones = (1,) * len(sp)
    new_view, rf_steps = _through(view, "avgpool", kernels, strides, ones, tuple((0, 0) for _ in sp))
    return LayerResult(
        layer, shape, (c, *out), rf_view=new_view, steps=(*steps, *rf_steps), notes=notes, node=node
    )


def _adaptive_step(name: str, n: int, o: int) -> Step:
    widths = [stop - start for start, stop in adaptive_windows(n, o)]
    if n % o and min(widths) == max(widths):  # 64 → 3: three windows of 22, which must overlap
        why = _("{o} windows of {k} {axis} cells, starting at ⌊i·{n}/{o}⌋ (some overlap)").format(
            o=o, k=widths[0], axis=name, n=n
        )
    elif n % o:
        why = _("{o} windows of {a} or {b} {axis} cells, starting at ⌊i·{n}/{o}⌋").format(
            o=o, a=min(widths), b=max(widths), axis=name, n=n
        )
    elif n != o:
        why = _("{o} windows of {k} (= avgpool k={k})").format(o=o, k=n // o)
    else:
        why = _("one cell per window: it changes nothing here")
    return Step(
        f"{name}_out",
        "o",
        str(o),
        o,
        why=_("adaptive pooling of {n} to {o}: {why}").format(n=n, o=o, why=why),
    )


def _flatten(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """The maps laid out as one vector: every feature sees whatever its map's units saw."""
    if shape is None:
        return LayerResult(layer, None, None, node=node)
    out = (prod(shape),)
    new_view, rf_steps = (view, ()) if len(shape) == 1 else _through_whole_map(view, shape[1:])
    step = Step(
        _("features"),
        "C·H·W" if len(shape) == 3 else "∏shape",
        fmt_product(shape),
        out[0],
        why=_("flatten lays the maps out as one vector; no parameters"),
    )
    return LayerResult(layer, shape, out, rf_view=new_view, steps=(step, *rf_steps), node=node)


def _fc(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """A fully connected layer; after a map it flattens it first, as PyTorch code must do by hand."""
    if shape is None:
        return LayerResult(layer, None, None, notes=(_("fc: every output sees the whole input"),), node=node)
    notes: tuple[str, ...] = ()
    rf_steps: tuple[Step, ...] = ()
    implicit = len(shape) > 1
    if implicit:
        notes = (
            _(
                "fc directly after a {shape} map: flattened implicitly to {n} features "
                "(PyTorch needs x.flatten(1) or nn.Flatten() here; Keras' Dense would act on the last axis only)."
            ).format(shape=fmt_shape(shape), n=fmt_value(prod(shape))),
        )
        view, rf_steps = _through_whole_map(view, shape[1:])
    fin = prod(shape)
    if fin > MAX_SIZE:  # a product of the input's sizes, each within the limit: say so, not "cin"
        raise UsageError(
            _(
                "flattening the input gives {product} features ({n}), more than {most}, too large to be a "
                "layer size; use a smaller input, or pool the map before the fully connected layer"
            ),
            product="·".join(map(str, shape)),
            n=fmt_count(fin),
            most=MAX_SIZE_TEXT,
        )
    p = fc_params(fin, layer.units, layer.bias)
    mac = fc_macs(fin, layer.units)
    return LayerResult(
        layer,
        shape,
        (layer.units,),
        params=p,
        macs=mac.value,
        rf_view=view,
        steps=(*p.steps, mac, *rf_steps),
        notes=notes,
        implicit_flatten=implicit,
        node=node,
    )


def _batch_norm(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """Shape and field pass through; γ and β per channel are the parameters."""
    if shape is None:
        return LayerResult(layer, None, None, rf_view=view, node=node)
    p = bn_params(shape[0])
    return LayerResult(layer, shape, shape, params=p, rf_view=view, steps=p.steps, node=node)


def _passthrough(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """Activations, dropout, softmax: shape and receptive field pass through."""
    return LayerResult(layer, shape, shape, rf_view=view, node=node)


def _pad(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """pad p: p rows or columns on both sides of each axis, n + 2p; the field keeps its size and
    its first unit moves p pixels out (as a window of 1 with padding p)."""
    p = broadcast(layer.padding, dims, "pad")
    ones = (1,) * dims
    new_view, rf_steps = _through(view, "conv", ones, ones, ones, tuple((v, v) for v in p))
    if shape is None:
        return LayerResult(layer, None, None, rf_view=new_view, steps=rf_steps, node=node)
    c, *sp = shape
    if layer.mode == "reflect" and any(v >= n for v, n in zip(p, sp, strict=True)):
        raise CnnCalcError(
            _(
                "reflection padding of {pad} needs more than that many rows and columns, but the map is "
                "{shape}; PyTorch stops here"
            ),
            pad=fmt_shape(p),
            shape=fmt_shape(sp),
        )
    out = (c, *(n + 2 * v for n, v in zip(sp, p, strict=True)))
    how = {
        "zero": _("{v} on each side, filled with zeros"),
        "reflect": _("{v} on each side, filled with a mirror of the rows next to the border"),
        "replicate": _("{v} on each side, filled with copies of the border row"),
    }[layer.mode or "zero"]
    steps = [
        Step(f"{name}_out", "n + 2·p", f"{fmt_value(n)} + 2·{v}", n + 2 * v, why=how.format(v=v))
        for name, n, v in zip(AXIS_NAMES[len(sp)], sp, p, strict=True)
    ]
    return LayerResult(layer, shape, out, rf_view=new_view, steps=(*steps, *rf_steps), node=node)


def resize_geometry(layer: LayerSpec, dims: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[Pad, ...]]:
    """upsample f and pixelshuffle r as the transposed conv they equal in reach: each input spreads
    over f outputs (k = s = f); bilinear reads two neighbours, so k = 2f with padding f/2."""
    f = broadcast(layer.factor, dims, _("scale factor"))
    if layer.kind == "upsample" and layer.mode == "bilinear":
        return tuple(2 * v for v in f), f, tuple((v // 2, v // 2) for v in f)
    return f, f, tuple((0, 0) for _ in f)


def _resize(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """upsample f: each axis ×f. pixelshuffle r: C×H×W → C/r²×rH×rW (channels into space)."""
    k, f, pads = resize_geometry(layer, dims)
    new_view, rf_steps = _through(view, "tconv", k, f, (1,) * dims, pads)
    if shape is None:
        return LayerResult(layer, None, None, rf_view=new_view, steps=rf_steps, node=node)
    c, *sp = shape
    steps = [
        Step(
            f"{name}_out",
            "n·f",
            f"{fmt_value(n)}·{v}",
            n * v,
            why=_("every input {axis} cell becomes {v}").format(axis=name, v=v),
        )
        for name, n, v in zip(AXIS_NAMES[len(sp)], sp, f, strict=True)
    ]
    if layer.kind == "pixelshuffle":
        r = f[0]
        block = r ** len(sp)
        if c % block:
            raise CnnCalcError(
                _(
                    "pixelshuffle {r} moves groups of {r}^{dims} = {block} channels into space, but the input "
                    "has {c} channels, not a multiple of {block}"
                ),
                r=r,
                dims=len(sp),
                block=block,
                c=c,
            )
        steps.insert(
            0,
            Step(
                "C_out",
                f"C/r^{len(sp)}",
                f"{c}/{block}",
                c // block,
                why=_("each {r}×{r} patch of outputs comes from {block} channels").format(r=r, block=block),
            ),
        )
        c //= block
    out = (c, *(n * v for n, v in zip(sp, f, strict=True)))
    return LayerResult(layer, shape, out, rf_view=new_view, steps=(*steps, *rf_steps), node=node)


def _affine_norm(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None, node: Node | None = None
) -> LayerResult:
    """instancenorm (γ, β only with affine=true) and groupnorm g (C must split into g groups)."""
    if shape is None:
        return LayerResult(layer, None, None, rf_view=view, node=node)
    c = shape[0]
    if layer.kind == "groupnorm" and (layer.groups < 1 or c % layer.groups):
        raise CnnCalcError(
            _("groupnorm {g}: {c} channels do not split into {g} equal groups"), g=layer.groups, c=c
        )
    if layer.kind == "instancenorm" and not layer.affine:
        return LayerResult(
            layer,
            shape,
            shape,
            rf_view=view,
            notes=(_("instance norm without affine=true has no parameters"),),
            node=node,
        )
    p = bn_params(c, layer.kind)
    return LayerResult(layer, shape, shape, params=p, rf_view=view, steps=p.steps, node=node)


_HANDLERS: dict[str, Handler] = {
    "pad": _pad,
    "upsample": _resize,
    "pixelshuffle": _resize,
    "instancenorm": _affine_norm,
    "groupnorm": _affine_norm,
    "gmp": _global_pool,
    "conv": _spatial,
    "tconv": _spatial,
    "maxpool": _spatial,
    "avgpool": _spatial,
    "gap": _global_pool,
    "flatten": _flatten,
    "fc": _fc,
    "bn": _batch_norm,
}


def keeps_shape(kind: str) -> bool:
    """Whether a layer of this kind passes its input's shape on and has no parameters (activations,
    dropout, softmax, …): true without knowing any shape."""
    return kind not in _HANDLERS


def _own_inexactness(res: LayerResult) -> str:
    """Why the forward recurrence cannot be trusted from this layer on ('' when it can).

    It assumes every unit of a layer sees as much as any other, one jump apart. A transposed conv
    breaks that (which inputs feed a run of outputs depends on how the windows line up), and so
    does an adaptive pool with windows of unequal size and unequal steps between them.
    """
    if res.layer.kind == "tconv":
        return _(
            "after a transposed convolution the field depends on how windows line up; this is the largest"
        )
    if res.layer.kind in ("upsample", "pixelshuffle"):
        return _("after {kind} the field depends on where a unit sits; this is the largest").format(
            kind=res.layer.kind
        )
    if _uneven_adaptive(res):
        return _("after unequal adaptive-pool windows the field depends on where a unit sits; this bounds it")
    return ""


def _uneven_adaptive(res: LayerResult) -> bool:
    if not res.layer.adaptive or res.input_shape is None or res.output_shape is None:
        return False
    return any(n % o for n, o in zip(res.input_shape[1:], res.output_shape[1:], strict=True))


def _num(v: Fraction) -> int | float:
    return v.numerator if v.denominator == 1 else float(v)
