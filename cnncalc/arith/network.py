"""Walk a `NetworkSpec`: every layer's output shape, parameters, MACs and receptive field.

This is the one place a network is interpreted; `net`, `check`, `rf` and the trainer's shape
checks all use it, and each layer is computed by the same `sizes` / `params` functions the
single-layer commands use, and its receptive field by `receptive_field`.

Each kind of layer has one handler in `_HANDLERS`; a kind without one (activations, dropout,
softmax) passes its shape and receptive field through unchanged.

>>> net = walk(parse_spec("input 2x96x96 | conv 8 k=5 | maxpool k=4"))
>>> [layer.output_shape for layer in net.layers]
[(8, 92, 92), (8, 23, 23)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from math import prod

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.params import ParamCount, bn_params, conv_cost, fc_macs, fc_params, flops_step
from cnncalc.arith.parsing import broadcast, fmt_shape
from cnncalc.arith.receptive_field import ReceptiveField, adaptive_largest_window, back_recursion
from cnncalc.arith.sizes import (
    AXIS_NAMES,
    Pad,
    ShapeResult,
    adaptive_windows,
    effective_kernel,
    layer_output,
)
from cnncalc.arith.spec import SPATIAL, LayerSpec, NetworkSpec, parse_spec
from cnncalc.arith.steps import Step

BYTES_PER_FLOAT32 = 4

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerResult:
    """One walked layer: shapes in and out, the worked size, parameters, MACs and receptive field."""

    layer: LayerSpec
    input_shape: Shape | None
    output_shape: Shape | None
    shape: ShapeResult | None = None
    params: ParamCount | None = None
    macs: int = 0
    rf_view: ReceptiveField | None = None
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    implicit_flatten: bool = False

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
        if self.layer.claim is None or self.output_shape is None:
            return None
        return tuple(self.layer.claim) == tuple(self.output_shape)

    def claim_dict(self) -> dict:
        """The layer's claimed shape against the walked one, for `check --json`."""
        return {
            "number": self.layer.number,
            "spec": self.layer.describe(),
            "claimed": list(self.layer.claim) if self.layer.claim else None,
            "actual": list(self.output_shape) if self.output_shape else None,
            "holds": self.claim_holds,
        }

    def to_dict(self) -> dict:
        return {
            "number": self.layer.number,
            "type": self.layer.kind,
            "spec": self.layer.describe(),
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
            "claim": list(self.layer.claim) if self.layer.claim else None,
            "claim_holds": self.claim_holds,
            "implicit_flatten": self.implicit_flatten,
            "steps": [s.to_dict() for s in self.steps],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class NetworkResult:
    """A walked network: its layers in order, and the totals a summary prints."""

    spec: NetworkSpec
    input_shape: Shape | None
    layers: tuple[LayerResult, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def output_shape(self) -> Shape | None:
        return self.layers[-1].output_shape if self.layers else self.input_shape

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
        return sum(layer.activation_bytes for layer in self.layers)

    @property
    def receptive_field(self) -> tuple[int, ...] | None:
        for layer in reversed(self.layers):
            if layer.rf is not None:
                return layer.rf
        return None

    @property
    def wrong_claims(self) -> tuple[LayerResult, ...]:
        return tuple(layer for layer in self.layers if layer.claim_holds is False)

    def to_dict(self) -> dict:
        return {
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "output_shape": list(self.output_shape) if self.output_shape else None,
            "layers": [layer.to_dict() for layer in self.layers],
            "total_params": self.total_params,
            "trainable_params": self.total_params,
            "buffers": self.total_buffers,
            "total_macs": self.total_macs,
            "total_flops": self.total_flops,
            "param_bytes": self.param_bytes,
            "activation_bytes": self.activation_bytes,
            "receptive_field": list(self.receptive_field) if self.receptive_field else None,
            "spec": self.spec.to_text(" | "),
            "notes": list(self.notes),
        }


def walk(spec: NetworkSpec | str, input_shape: Shape | None = None) -> NetworkResult:
    """Interpret a network layer by layer. Without an input shape only receptive fields are known."""
    if isinstance(spec, str):
        spec = parse_spec(spec)
    shape = input_shape if input_shape is not None else spec.input_shape
    dims = _spatial_dims(spec, shape)
    view: ReceptiveField | None = ReceptiveField.of_input(dims)
    results: list[LayerResult] = []
    for layer in spec.layers:
        try:
            res = _layer(layer, shape, dims, view)
        except CnnCalcError as e:
            where = f"layer {layer.number} ({layer.describe()})"
            if shape is not None:
                where += f", input {fmt_shape(shape)}"
            # the layer's values came from its spec line, not from a command's options
            raise e.prefixed(where, keep_field=False) from None
        if res.rf is not None and (why := _forward_view_inexact((*results, res))):
            res = _rf_by_back_recursion(spec, results, res, why)
        results.append(res)
        shape, view = res.output_shape, res.rf_view
    notes: tuple[str, ...] = ()
    if spec.input_shape is None and input_shape is None:
        notes = ("No input shape given: output shapes and parameter counts need 'input CxHxW'.",)
    return NetworkResult(
        spec, input_shape if input_shape is not None else spec.input_shape, tuple(results), notes
    )


def _spatial_dims(spec: NetworkSpec, shape: Shape | None) -> int:
    """Spatial axes: from the input shape, else the longest per-axis kernel or stride (default 2)."""
    if shape is None:
        lens = [len(v) for layer in spec.layers for v in (layer.kernel, layer.stride) if v is not None]
        return max([n for n in lens if n > 1], default=2)
    for v in shape:
        if v < 1:
            raise CnnCalcError(f"input {fmt_shape(shape)}: every size must be at least 1")
    dims = len(shape) - 1
    if dims not in AXIS_NAMES:
        raise CnnCalcError(f"input {fmt_shape(shape)}: give C×L, C×H×W or C×D×H×W (channels first)")
    return dims


# a kind's handler: (layer, input shape or None, spatial axes, receptive field so far or None)
Handler = Callable[[LayerSpec, Shape | None, int, ReceptiveField | None], LayerResult]


def _layer(layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None) -> LayerResult:
    if shape is not None and len(shape) == 1 and layer.kind in (*SPATIAL, "gap"):
        raise CnnCalcError(
            f"{layer.kind} needs a C×H×W input, but the previous layer gives {shape[0]} flat features; "
            "spatial layers must come before flatten/fc"
        )
    return _HANDLERS.get(layer.kind, _passthrough)(layer, shape, dims, view)


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


def _spatial(layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None) -> LayerResult:
    """conv, tconv, maxpool, avgpool: the size per axis, then parameters and MACs for convolutions."""
    if shape is None:
        return _spatial_without_input(layer, dims, view)
    kind = layer.kind
    c, *sp = shape
    res = layer_output(
        kind,
        tuple(sp),
        layer.kernel,
        layer.stride,
        layer.padding,
        layer.dilation,
        layer.ceil,
        layer.output_padding if kind == "tconv" else 0,
    )
    steps: list[Step] = list(res.steps)
    params = None
    macs = 0
    out = (c, *res.output)
    if kind in ("conv", "tconv"):
        params, mac = conv_cost(
            c,
            layer.units,
            res.kernel,
            layer.groups,
            layer.bias,
            transposed=kind == "tconv",
            input=res.input,
            output=res.output,
        )
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
    )


def _spatial_without_input(layer: LayerSpec, dims: int, view: ReceptiveField | None) -> LayerResult:
    """No input: only geometry that does not depend on the size can be computed (the field)."""
    padding = layer.padding
    if isinstance(padding, str) and padding == "same":
        raise CnnCalcError("padding 'same' depends on the input size; add 'input CxHxW' to the spec")
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
    return LayerResult(layer, None, None, rf_view=new_view, steps=rf_steps)


def _global_pool(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None
) -> LayerResult:
    """gap: the mean of each whole map, C×1×1 (an adaptive pool to a size above 1 has its own rule)."""
    if layer.adaptive:
        return _adaptive_pool(layer, shape, view)
    if shape is None:
        return LayerResult(
            layer, None, None, notes=("global pooling: the receptive field becomes the whole input",)
        )
    c, *sp = shape
    new_view, rf_steps = _through_whole_map(view, tuple(sp))
    out = (c,) + (1,) * len(sp)
    step = Step(
        "output", "C×1×1", f"{c}×1×1", fmt_shape(out), why=f"the mean over each whole {fmt_shape(sp)} map"
    )
    note = (
        f"PyTorch's AdaptiveAvgPool{len(sp)}d(1) keeps C×{'×'.join('1' * len(sp))}; "
        f"Keras' GlobalAveragePooling{len(sp)}D also flattens to C."
    )
    return LayerResult(layer, shape, out, rf_view=new_view, steps=(step, *rf_steps), notes=(note,))


def _adaptive_pool(layer: LayerSpec, shape: Shape | None, view: ReceptiveField | None) -> LayerResult:
    """PyTorch's AdaptiveAvgPool: output cell i averages rows ⌊i·n/o⌋ … ⌈(i+1)·n/o⌉ − 1.

    When o divides n this is exactly avgpool k = s = n/o; otherwise the windows differ in size by
    one: the forward view takes the largest window and the mean step n/o (jump and start), and the
    walk bounds the fields of later layers by the back-recursion.
    """
    if shape is None:
        return LayerResult(
            layer, None, None, notes=("adaptive pooling: the windows depend on the input size",)
        )
    c, *sp = shape
    out = broadcast(layer.output_size, len(sp), "output size")
    steps = [_adaptive_step(name, n, o) for name, n, o in zip(AXIS_NAMES[len(sp)], sp, out, strict=True)]
    notes: tuple[str, ...] = ()
    if any(n % o for n, o in zip(sp, out, strict=True)):
        notes = (
            "adaptive pooling with an output size that does not divide the input uses windows of unequal size; "
            "the receptive field shown is an upper bound (the largest window, then the largest step between "
            "windows)",
        )
    kernels = tuple(adaptive_largest_window(n, o) for n, o in zip(sp, out, strict=True))
    strides = tuple(Fraction(n, o) for n, o in zip(sp, out, strict=True))
    ones = (1,) * len(sp)
    new_view, rf_steps = _through(view, "avgpool", kernels, strides, ones, tuple((0, 0) for _ in sp))
    return LayerResult(layer, shape, (c, *out), rf_view=new_view, steps=(*steps, *rf_steps), notes=notes)


def _adaptive_step(name: str, n: int, o: int) -> Step:
    widths = [stop - start for start, stop in adaptive_windows(n, o)]
    if n % o:
        why = f"{o} windows of {min(widths)} or {max(widths)} {name} cells, starting at ⌊i·{n}/{o}⌋"
    elif n != o:
        why = f"{o} windows of {n // o} (= avgpool k={n // o})"
    else:
        why = "one cell per window: it changes nothing here"
    return Step(f"{name}_out", "o", str(o), o, why=f"adaptive pooling of {n} to {o}: {why}")


def _flatten(layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None) -> LayerResult:
    """The maps laid out as one vector: every feature sees whatever its map's units saw."""
    if shape is None:
        return LayerResult(layer, None, None)
    out = (prod(shape),)
    new_view, rf_steps = (view, ()) if len(shape) == 1 else _through_whole_map(view, shape[1:])
    step = Step(
        "features",
        "C·H·W" if len(shape) == 3 else "∏shape",
        "·".join(map(str, shape)),
        out[0],
        why="flatten lays the maps out as one vector; no parameters",
    )
    return LayerResult(layer, shape, out, rf_view=new_view, steps=(step, *rf_steps))


def _fc(layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None) -> LayerResult:
    """A fully connected layer; after a map it flattens it first, as PyTorch code must do by hand."""
    if shape is None:
        return LayerResult(layer, None, None, notes=("fc: every output sees the whole input",))
    notes: tuple[str, ...] = ()
    rf_steps: tuple[Step, ...] = ()
    implicit = len(shape) > 1
    if implicit:
        notes = (
            f"fc directly after a {fmt_shape(shape)} map: flattened implicitly to {prod(shape)} features "
            "(PyTorch needs x.flatten(1) or nn.Flatten() here; Keras' Dense would act on the last axis only).",
        )
        view, rf_steps = _through_whole_map(view, shape[1:])
    fin = prod(shape)
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
    )


def _batch_norm(layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None) -> LayerResult:
    """Shape and field pass through; γ and β per channel are the parameters."""
    if shape is None:
        return LayerResult(layer, None, None, rf_view=view)
    p = bn_params(shape[0])
    return LayerResult(layer, shape, shape, params=p, rf_view=view, steps=p.steps)


def _passthrough(
    layer: LayerSpec, shape: Shape | None, dims: int, view: ReceptiveField | None
) -> LayerResult:
    """Activations, dropout, softmax: shape and receptive field pass through."""
    return LayerResult(layer, shape, shape, rf_view=view)


_HANDLERS: dict[str, Handler] = {
    "conv": _spatial,
    "tconv": _spatial,
    "maxpool": _spatial,
    "avgpool": _spatial,
    "gap": _global_pool,
    "flatten": _flatten,
    "fc": _fc,
    "bn": _batch_norm,
}


def _forward_view_inexact(layers: Sequence[LayerResult]) -> str:
    """Why the forward recurrence cannot be trusted after these layers ('' when it can).

    It assumes every unit of a layer sees as much as any other, one jump apart. A transposed conv
    breaks that (which inputs feed a run of outputs depends on how the windows line up), and so
    does an adaptive pool with windows of unequal size and unequal steps between them.
    """
    if any(r.layer.kind == "tconv" for r in layers):
        return "after a transposed convolution the field depends on how windows line up; this is the largest"
    if any(_uneven_adaptive(r) for r in layers):
        return "after unequal adaptive-pool windows the field depends on where a unit sits; this bounds it"
    return ""


def _uneven_adaptive(res: LayerResult) -> bool:
    if not res.layer.adaptive or res.input_shape is None or res.output_shape is None:
        return False
    return any(n % o for n, o in zip(res.input_shape[1:], res.output_shape[1:], strict=True))


def _rf_by_back_recursion(
    spec: NetworkSpec, before: list[LayerResult], res: LayerResult, why: str
) -> LayerResult:
    """Where the forward recurrence is not exact (`_forward_view_inexact`), back-recursion over the
    layers so far bounds the largest field any unit has: never below the truth."""
    prefix = NetworkResult(spec, None, (*before, res))
    try:
        size, _ = back_recursion(prefix)
    except CnnCalcError:
        return res
    step = Step(
        "RF",
        "back-recursion over layers 1…" + str(res.layer.number),
        "",
        size[0] if len(set(size)) == 1 else "×".join(map(str, size)),
        why=why,
    )
    steps = tuple(st for st in res.steps if not st.label.startswith("RF_")) + (step,)
    return replace(res, rf_view=replace(res.rf_view, size=size), steps=steps)


def _num(v: Fraction) -> int | float:
    return v.numerator if v.denominator == 1 else float(v)
