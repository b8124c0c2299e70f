"""Walk a `NetworkSpec`: every layer's output shape, parameters, MACs and receptive field.

This is the one place a network is interpreted; `net`, `check`, `rf` and the trainer's shape
checks all use it, and each layer is computed by the same `sizes` / `params` functions the
single-layer commands use.

Receptive field, forward view (per axis), starting from one input pixel (RF 1, jump 1, start 0):

    RF_out    = RF_in + (k_eff − 1)·jump_in          k_eff = d·(k − 1) + 1
    jump_out  = jump_in · s                          (the distance, in input pixels, between units)
    start_out = start_in + ((k_eff − 1)/2 − p)·jump_in   (centre of the first unit, input coordinates)

>>> net = walk(parse_spec("input 2x96x96 | conv 8 k=5 | maxpool k=4"))
>>> [layer.output_shape for layer in net.layers]
[(8, 92, 92), (8, 23, 23)]
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from math import ceil, prod

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.params import (
    ParamCount,
    bn_params,
    conv_macs,
    conv_params,
    fc_macs,
    fc_params,
    tconv_macs,
)
from cnncalc.arith.parsing import broadcast, fmt_shape
from cnncalc.arith.sizes import AXIS_NAMES, ShapeResult, effective_kernel, layer_output
from cnncalc.arith.spec import SPATIAL, LayerSpec, NetworkSpec, parse_spec
from cnncalc.arith.steps import Step

BYTES_PER_FLOAT32 = 4


@dataclass(frozen=True)
class LayerResult:
    layer: LayerSpec
    input_shape: tuple[int, ...] | None
    output_shape: tuple[int, ...] | None
    shape: ShapeResult | None = None
    params: ParamCount | None = None
    macs: int = 0
    rf: tuple[int, ...] | None = None
    jump: tuple[Fraction, ...] | None = None
    start: tuple[Fraction, ...] | None = None
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    implicit_flatten: bool = False

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
    spec: NetworkSpec
    input_shape: tuple[int, ...] | None
    layers: tuple[LayerResult, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def total_params(self) -> int:
        return sum(layer.total_params for layer in self.layers)

    @property
    def total_macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def param_bytes(self) -> int:
        return self.total_params * BYTES_PER_FLOAT32

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
            "total_macs": self.total_macs,
            "total_flops": 2 * self.total_macs,
            "param_bytes": self.param_bytes,
            "activation_bytes": self.activation_bytes,
            "receptive_field": list(self.receptive_field) if self.receptive_field else None,
            "spec": self.spec.to_text(" | "),
            "notes": list(self.notes),
        }


def walk(spec: NetworkSpec | str, input_shape: tuple[int, ...] | None = None) -> NetworkResult:
    """Interpret a network layer by layer. Without an input shape only receptive fields are known."""
    if isinstance(spec, str):
        spec = parse_spec(spec)
    shape = input_shape if input_shape is not None else spec.input_shape
    if shape is not None:
        for v in shape:
            if v < 1:
                raise CnnCalcError(f"input {fmt_shape(shape)}: every size must be at least 1")
        dims = len(shape) - 1
        if dims not in AXIS_NAMES:
            raise CnnCalcError(f"input {fmt_shape(shape)}: give C×L, C×H×W or C×D×H×W (channels first)")
    else:
        lens = [len(v) for layer in spec.layers for v in (layer.kernel, layer.stride) if v is not None]
        dims = max([n for n in lens if n > 1], default=2)
    rf: tuple[int, ...] | None = (1,) * dims
    jump: tuple[Fraction, ...] | None = (Fraction(1),) * dims
    start: tuple[Fraction, ...] | None = (Fraction(0),) * dims
    results = []
    notes = []
    for layer in spec.layers:
        try:
            res = _layer(layer, shape, dims, rf, jump, start)
        except CnnCalcError as e:
            where = f"layer {layer.number} ({layer.describe()})"
            if shape is not None:
                where += f", input {fmt_shape(shape)}"
            raise e.prefixed(where) from None
        if res.rf is not None and any(r.layer.kind == "tconv" for r in (*results, res)):
            res = _rf_by_back_recursion(spec, results, res)
        results.append(res)
        shape = res.output_shape
        rf, jump, start = res.rf, res.jump, res.start
    if spec.input_shape is None and input_shape is None:
        notes.append("No input shape given: output shapes and parameter counts need 'input CxHxW'.")
    return NetworkResult(
        spec, input_shape if input_shape is not None else spec.input_shape, tuple(results), tuple(notes)
    )


def _layer(layer: LayerSpec, shape, dims, rf, jump, start) -> LayerResult:
    kind = layer.kind
    spatial = shape is not None and len(shape) > 1
    if shape is not None and not spatial and kind in SPATIAL + ("gap",):
        raise CnnCalcError(
            f"{kind} needs a C×H×W input, but the previous layer gives {shape[0]} flat features; "
            "spatial layers must come before flatten/fc"
        )
    if kind in SPATIAL:
        return _spatial(layer, shape, dims, rf, jump, start)
    if kind == "gap" and layer.adaptive:
        return _adaptive(layer, shape, rf, jump, start)
    if kind == "gap":
        if shape is None:
            return LayerResult(
                layer, None, None, notes=("global pooling: the receptive field becomes the whole input",)
            )
        c, *sp = shape
        new_rf, new_jump, new_start, step = _rf_global(sp, rf, jump, start)
        out = (c,) + (1,) * len(sp)
        return LayerResult(
            layer,
            shape,
            out,
            rf=new_rf,
            jump=new_jump,
            start=new_start,
            steps=(
                Step(
                    "output",
                    "C×1×1",
                    f"{c}×1×1",
                    fmt_shape(out),
                    why=f"the mean over each whole {fmt_shape(sp)} map",
                ),
                *step,
            ),
            notes=(
                f"PyTorch's AdaptiveAvgPool{len(sp)}d(1) keeps C×{'×'.join('1' * len(sp))}; Keras' GlobalAveragePooling{len(sp)}D also flattens to C.",
            ),
        )
    if kind == "flatten":
        if shape is None:
            return LayerResult(layer, None, None)
        out = (prod(shape),)
        new_rf, new_jump, new_start, rf_steps = (
            (rf, jump, start, ()) if not spatial else _rf_global(shape[1:], rf, jump, start)
        )
        step = Step(
            "features",
            "C·H·W" if len(shape) == 3 else "∏shape",
            "·".join(map(str, shape)),
            out[0],
            why="flatten lays the maps out as one vector; no parameters",
        )
        return LayerResult(
            layer, shape, out, rf=new_rf, jump=new_jump, start=new_start, steps=(step, *rf_steps)
        )
    if kind == "fc":
        if shape is None:
            return LayerResult(layer, None, None, notes=("fc: every output sees the whole input",))
        notes = []
        steps: list[Step] = []
        implicit = False
        new_rf, new_jump, new_start = rf, jump, start
        if spatial:
            implicit = True
            notes.append(
                f"fc directly after a {fmt_shape(shape)} map: flattened implicitly to {prod(shape)} features "
                "(PyTorch needs x.flatten(1) or nn.Flatten() here; Keras' Dense would act on the last axis only)."
            )
            new_rf, new_jump, new_start, rf_steps = _rf_global(shape[1:], rf, jump, start)
            steps.extend(rf_steps)
        fin = prod(shape)
        p = fc_params(fin, layer.units, layer.bias)
        mac = fc_macs(fin, layer.units)
        return LayerResult(
            layer,
            shape,
            (layer.units,),
            params=p,
            macs=mac.value,
            rf=new_rf,
            jump=new_jump,
            start=new_start,
            steps=(*p.steps, mac, *steps),
            notes=tuple(notes),
            implicit_flatten=implicit,
        )
    if kind == "bn":
        if shape is None:
            return LayerResult(layer, None, None, rf=rf, jump=jump, start=start)
        p = bn_params(shape[0])
        return LayerResult(layer, shape, shape, params=p, rf=rf, jump=jump, start=start, steps=p.steps)
    # activations, dropout, softmax: shape and receptive field pass through
    return LayerResult(layer, shape, shape, rf=rf, jump=jump, start=start)


def _spatial(layer: LayerSpec, shape, dims, rf, jump, start) -> LayerResult:
    kind = layer.kind
    op_pad = layer.output_padding
    padding = layer.padding
    if shape is None:
        # No input: only geometry that does not depend on the size can be computed.
        if isinstance(padding, str) and padding == "same":
            raise CnnCalcError("padding 'same' depends on the input size; add 'input CxHxW' to the spec")
        k = broadcast(layer.kernel, dims, "k")
        s = broadcast(layer.stride or (1,), dims, "s")
        d = broadcast(layer.dilation, dims, "d")
        if isinstance(padding, str):
            pads = tuple(
                (0, 0) if padding == "valid" else (effective_kernel(k[i], d[i]) - 1,) * 2 for i in range(dims)
            )
        else:
            pb = broadcast(padding, dims, "p")
            pads = tuple((v, v) for v in pb)
        new_rf, new_jump, new_start, rf_steps = _rf_forward(kind, k, s, d, pads, rf, jump, start)
        return LayerResult(layer, None, None, rf=new_rf, jump=new_jump, start=new_start, steps=rf_steps)
    c, *sp = shape
    res = layer_output(
        kind,
        tuple(sp),
        layer.kernel,
        layer.stride,
        padding,
        layer.dilation,
        layer.ceil,
        op_pad if kind == "tconv" else 0,
    )
    steps: list[Step] = list(res.steps)
    params = None
    macs = 0
    if kind in ("conv", "tconv"):
        cout = layer.units
        params = conv_params(c, cout, res.kernel, layer.groups, layer.bias, transposed=(kind == "tconv"))
        mac = (
            conv_macs(c, cout, res.kernel, layer.groups, res.output)
            if kind == "conv"
            else tconv_macs(c, cout, res.kernel, layer.groups, tuple(sp))
        )
        macs = mac.value
        steps.extend(params.steps)
        steps.append(mac)
        out = (cout, *res.output)
    else:
        out = (c, *res.output)
    new_rf, new_jump, new_start, rf_steps = _rf_forward(
        kind, res.kernel, res.stride, res.dilation, res.padding, rf, jump, start
    )
    steps.extend(rf_steps)
    return LayerResult(
        layer,
        shape,
        out,
        shape=res,
        params=params,
        macs=macs,
        rf=new_rf,
        jump=new_jump,
        start=new_start,
        steps=tuple(steps),
        notes=res.all_notes + (params.notes if params else ()),
    )


def _adaptive(layer: LayerSpec, shape, rf, jump, start) -> LayerResult:
    """PyTorch's AdaptiveAvgPool: output cell i averages rows ⌊i·n/o⌋ … ⌈(i+1)·n/o⌉ − 1.

    When o divides n this is exactly avgpool k = s = n/o; otherwise the windows differ in size by
    one, and the receptive field below uses the largest window and the mean step n/o.
    """
    if shape is None:
        return LayerResult(
            layer, None, None, notes=("adaptive pooling: the windows depend on the input size",)
        )
    c, *sp = shape
    out = broadcast(layer.output_size, len(sp), "output size")
    kernels, strides, steps, notes = [], [], [], []
    for name, n, o in zip(AXIS_NAMES[len(sp)], sp, out, strict=True):
        widths = [-(-(i + 1) * n // o) - (i * n // o) for i in range(o)]
        kernels.append(max(widths))
        strides.append(Fraction(n, o))
        if n % o == 0:
            why = (
                f"{o} windows of {n // o} (= avgpool k={n // o})"
                if n != o
                else "one cell per window: it changes nothing here"
            )
        else:
            why = f"{o} windows of {min(widths)} or {max(widths)} {name} cells, starting at ⌊i·{n}/{o}⌋"
        steps.append(Step(f"{name}_out", "o", str(o), o, why=f"adaptive pooling of {n} to {o}: {why}"))
    if any(n % o for n, o in zip(sp, out, strict=True)):
        notes.append(
            "adaptive pooling with an output size that does not divide the input uses windows of unequal size; "
            "the receptive field shown uses the largest window"
        )
    pads = tuple((0, 0) for _ in sp)
    new_rf, new_jump, new_start, rf_steps = _rf_forward(
        "avgpool", tuple(kernels), tuple(strides), (1,) * len(sp), pads, rf, jump, start
    )
    return LayerResult(
        layer,
        shape,
        (c, *out),
        rf=new_rf,
        jump=new_jump,
        start=new_start,
        steps=(*steps, *rf_steps),
        notes=tuple(notes),
    )


def _rf_by_back_recursion(spec: NetworkSpec, before: list[LayerResult], res: LayerResult) -> LayerResult:
    """After a transposed convolution the forward recurrence is not exact: which inputs feed a
    run of outputs depends on how the windows line up. Back-recursion over the layers so far gives
    the largest field any unit has (an upper bound, never below what torch measures)."""
    prefix = NetworkResult(spec, None, (*before, res))
    try:
        field, _ = back_recursion(prefix)
    except CnnCalcError:
        return res
    step = Step(
        "RF",
        "back-recursion over layers 1…" + str(res.layer.number),
        "",
        field[0] if len(set(field)) == 1 else "×".join(map(str, field)),
        why="after a transposed convolution the field depends on how windows line up; this is the largest",
    )
    steps = tuple(st for st in res.steps if not st.label.startswith("RF_")) + (step,)
    return replace(res, rf=field, steps=steps)


def _rf_forward(kind, k, s, d, pads, rf, jump, start):
    if rf is None:
        return None, None, None, ()
    names = AXIS_NAMES[len(k)]
    new_rf, new_jump, new_start, steps = [], [], [], []
    for i, name in enumerate(names):
        keff = effective_kernel(k[i], d[i])
        if kind == "tconv":
            # An output unit of a transposed conv is fed by at most ⌈k_eff/s⌉ input units.
            r = rf[i] + (ceil(Fraction(keff, s[i])) - 1) * jump[i]
            j = jump[i] / s[i]
            st = start[i] + (Fraction(pads[i][0]) - Fraction(keff - 1, 2)) / s[i] * jump[i]
            formula = "RF_in + (⌈k_eff/s⌉ − 1)·jump_in"
            sub = f"{rf[i]} + (⌈{keff}/{s[i]}⌉ − 1)·{_fmt(jump[i])}"
        else:
            r = rf[i] + (keff - 1) * jump[i]
            j = jump[i] * s[i]
            st = start[i] + (Fraction(keff - 1, 2) - pads[i][0]) * jump[i]
            formula = "RF_in + (k_eff − 1)·jump_in"
            sub = f"{rf[i]} + ({keff} − 1)·{_fmt(jump[i])}"
        r = int(ceil(r))
        new_rf.append(r)
        new_jump.append(j)
        new_start.append(st)
        steps.append(
            Step(f"RF_{name}", formula, sub, r, why=f"jump = {_fmt(j)}, first unit centred at {_fmt(st)}")
        )
    return tuple(new_rf), tuple(new_jump), tuple(new_start), tuple(steps)


def _rf_global(sp, rf, jump, start):
    """A layer that sees a whole map (gap, flatten + fc) is a window as large as the map."""
    if rf is None:
        return None, None, None, ()
    k = tuple(sp)
    pads = tuple((0, 0) for _ in sp)
    return _rf_forward("gap", k, (1,) * len(sp), (1,) * len(sp), pads, rf, jump, start)


# -- receptive field by back-recursion ------------------------------------------------------------


@dataclass(frozen=True)
class RFRow:
    number: int
    text: str
    k: tuple[int, ...]
    s: tuple[int, ...]
    d: tuple[int, ...]
    rf_out: tuple[int, ...]
    rf_in: tuple[int, ...]
    steps: tuple[Step, ...]

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "layer": self.text,
            "k": list(self.k),
            "s": list(self.s),
            "d": list(self.d),
            "rf_next": list(self.rf_out),
            "rf": list(self.rf_in),
            "steps": [s.to_dict() for s in self.steps],
        }


def back_recursion(net: NetworkResult) -> tuple[tuple[int, ...], tuple[RFRow, ...]]:
    """RF_i = (RF_{i+1} − 1)·s_i + d_i·(k_i − 1) + 1, from one unit after the last layer back to the input.

    Layers that do not move windows (activations, bn, dropout) have k = s = d = 1 and are skipped.
    Returns the receptive field per axis and the rows, last layer first.
    """
    geo = []
    for res in net.layers:
        layer = res.layer
        if layer.kind in SPATIAL:
            dims = len(net.layers[0].rf) if net.layers[0].rf else 2
            if res.shape is not None:
                k, s, d = res.shape.kernel, res.shape.stride, res.shape.dilation
            else:
                k = broadcast(layer.kernel, dims, "k")
                s = broadcast(layer.stride or (1,), dims, "s")
                d = broadcast(layer.dilation, dims, "d")
            geo.append((layer, k, s, d))
        elif layer.adaptive and res.input_shape is not None and res.output_shape is not None:
            # the largest window and the largest step between windows: an upper bound when o ∤ n
            pairs = tuple(zip(res.input_shape[1:], res.output_shape[1:], strict=True))
            k = tuple(max(-(-(i + 1) * n // o) - (i * n // o) for i in range(o)) for n, o in pairs)
            s = tuple(-(-n // o) for n, o in pairs)
            geo.append((layer, k, s, (1,) * len(k)))
        elif (
            res.input_shape is not None
            and len(res.input_shape) > 1
            and (
                layer.kind == "gap"
                or layer.kind == "flatten"
                or (layer.kind == "fc" and res.implicit_flatten)
            )
        ):
            sp = tuple(res.input_shape[1:])
            geo.append((layer, sp, (1,) * len(sp), (1,) * len(sp)))
    if not geo:
        raise CnnCalcError("the network has no layer with a kernel (conv, tconv, maxpool, avgpool, gap)")
    dims = len(geo[0][1])
    names = AXIS_NAMES[dims]
    rf = (1,) * dims
    rows = []
    for layer, k, s, d in reversed(geo):
        new, steps = [], []
        for i, name in enumerate(names):
            keff = effective_kernel(k[i], d[i])
            if layer.kind == "tconv":
                v = -(-(rf[i] + keff - 1) // s[i])
                steps.append(
                    Step(
                        f"RF_{name}",
                        "⌈(RF_{i+1} + d(k − 1))/s⌉",
                        f"⌈({rf[i]} + {d[i]}·({k[i]} − 1))/{s[i]}⌉",
                        v,
                        why="a transposed conv spreads its inputs s apart: the most inputs any run of outputs sees",
                    )
                )
            else:
                v = (rf[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1
                steps.append(
                    Step(
                        f"RF_{name}",
                        "(RF_{i+1} − 1)·s + d(k − 1) + 1",
                        f"({rf[i]} − 1)·{s[i]} + {d[i]}·({k[i]} − 1) + 1",
                        v,
                    )
                )
            new.append(v)
        rows.append(RFRow(layer.number, layer.describe(), k, s, d, rf, tuple(new), tuple(steps)))
        rf = tuple(new)
    return rf, tuple(rows)


def _fmt(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{float(v):g}"


def _num(v: Fraction) -> int | float:
    return v.numerator if v.denominator == 1 else float(v)
