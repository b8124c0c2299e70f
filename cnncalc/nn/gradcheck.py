"""Gradient check: each layer's analytic gradients, and the gradient each merge (add, concat) sends
to each of its branches, against central finite differences, in float64.

Every layer of the network is checked on its own, as a one-layer model with a random input of its
input shape, for a probe loss L(θ, x) = Σ f(x; θ)·R with a fixed random R (any output shape):

    numerical ∂L/∂θ_i ≈ (L(θ + ε·e_i) − L(θ − ε·e_i)) / 2ε             error O(ε²)
    agrees when |analytic − numerical| ≤ noise + 10⁻⁶·(|analytic| + |numerical|)
    noise = 100 · u · Σ|f·R| / ε      (u = 2.2·10⁻¹⁶: the rounding of L, magnified by 1/ε)

The rounding noise of the numerical derivative grows with the layer (Σ|f·R| over every output),
so the tolerance does too: a 1000×1000 input's 10⁻⁵ is noise, not a wrong gradient. One layer at
a time, an ε step crosses a ReLU or max-pool kink only in that layer, not in any layer after it.

Checked are the parameters (up to `samples` entries each) and the gradient passed back to the
input; chained, they are what back-propagation through the whole network computes. A layer too
large to check quickly (a VGG-16 conv: 512 channels on 14×14) is checked as a smaller copy with the
same kernel, stride, padding, dilation and groups (its arithmetic does not depend on the sizes),
and the row says what was compared.

A merge is checked on its own too, on random inputs of its branches' shapes: one row per branch,
the gradient it sends there (`add`: all of ∂L/∂out; `concat`: that branch's channels of it)
against the same difference quotients of the value it reads from the branch.

>>> rows = gradient_check("input 1x5x5 | conv 2 k=3 | tanh | flatten | fc 3")
>>> all(row.passed for row in rows)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.graph import INPUT
from cnncalc.arith.network import LayerResult, NetworkResult, walk
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.spec import NetworkSpec, parse_spec
from cnncalc.i18n import _
from cnncalc.nn.merge import Add, Concat, Merge
from cnncalc.nn.model import Model, build_model

# Every layer kind, and both merges: a residual add and a concatenation.
ALL_LAYERS_SPEC = (
    "input 2x8x8 | conv 4 k=3 p=1 | bn | relu | add( conv 4 k=3 p=1 | tanh ) | maxpool k=2 "
    "| concat( conv 4 k=3 p=same g=2 | leakyrelu ; avgpool k=3 s=1 p=1 ) | avgpool k=2 "
    "| tconv 3 k=2 s=2 | tanh | gap | fc 6 | sigmoid | dropout 0.3 | fc 3"
)

# A layer is checked at its own size when one sample costs at most this many multiply-accumulates
# and it holds at most this many parameters and activations: each check runs its forward pass
# 2·`samples` times per tensor, and this keeps a layer under about a second.
MAX_CHECKED_MACS = 1_000_000
MAX_CHECKED_VALUES = 1_000_000
# Relative tolerance on top of the rounding noise: central differences are exact to O(ε²).
RELATIVE_TOLERANCE = 1e-6
# How many times the estimated rounding noise of the numerical derivative a difference may be.
NOISE_FACTOR = 100


@dataclass(frozen=True)
class GradCheckRow:
    id: str  # the node id of the layer or merge ("3" in a chain, "5.1.2" inside blocks)
    layer: int  # the spec's layer number (0 for a merge)
    kind: str
    name: str  # "weight", "bias", "input", or a merge's "branch 1", "branch 2", …
    checked: int
    max_abs_gradient: float
    max_relative_error: float
    tolerance: float  # the relative error allowed where the difference was largest
    passed: bool
    checked_as: str = ""  # the smaller copy checked instead of a large layer, "" for the layer itself

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "layer": self.layer,
            "kind": self.kind,
            "parameter": self.name,
            "checked": self.checked,
            "max_abs_gradient": self.max_abs_gradient,
            "max_relative_error": self.max_relative_error,
            "tolerance": self.tolerance,
            "passed": self.passed,
            "checked_as": self.checked_as or None,
        }


def gradient_check(
    spec: NetworkSpec | str,
    input_shape: tuple[int, ...] | None = None,
    batch: int = 3,
    samples: int = 8,
    eps: float = 1e-5,
    seed: int = 0,
) -> list[GradCheckRow]:
    """Check up to `samples` entries of every parameter, and of the input, of every layer, and of
    the gradient each merge sends to each of its branches."""
    network = parse_spec(spec) if isinstance(spec, str) else spec
    shape = input_shape or network.input_shape
    if shape is None:
        raise CnnCalcError(_("the network needs an input shape: start the spec with e.g. 'input 1x28x28'"))
    walked = walk(network.with_input(tuple(shape)))
    rng = np.random.default_rng(seed + 1)
    rows: list[GradCheckRow] = []
    for res in walked.nodes:
        if res.layer is not None:
            text, in_shape, checked_as = _checked_layer(res)
            model = _one_layer_model(text, in_shape, seed)
            row = GradCheckRow(
                res.id, res.layer.number, res.layer.kind, "", 0, 0.0, 0.0, 0.0, False, checked_as
            )
            rows += _check_layer(model, row, batch, samples, eps, rng)
        elif res.node is not None and res.node.is_merge:
            rows += _check_merge(res, _branch_shapes(walked, res.node.inputs), batch, samples, eps, rng)
    return rows


def relative_error(analytic: float, numerical: float) -> float:
    size = abs(analytic) + abs(numerical)
    return 0.0 if size == 0 else float(abs(analytic - numerical) / size)


# -- one layer --------------------------------------------------------------------------------------


def _one_layer_model(text: str, in_shape: tuple[int, ...], seed: int) -> Model:
    """The layer alone; a flat input is C×1×1, a softmax gets a flatten after it (a final softmax
    is fused into the loss and has no layer of its own)."""
    shape = in_shape if len(in_shape) > 1 else (*in_shape, 1, 1)
    after = " | flatten" if text.startswith("softmax") else ""
    model = build_model(f"input {fmt_shape(shape, 'x')} | {text}{after}", seed=seed, dtype=np.float64)
    model.input_grad = True
    return model


def _check_layer(
    model: Model, row: GradCheckRow, batch: int, samples: int, eps: float, rng: np.random.Generator
) -> list[GradCheckRow]:
    """`row` (the layer's id, number and kind) for each of the model's parameters and its input."""
    # Move parameters off their initial values (BN's 1 and 0, zero biases) so every term matters.
    for p in model.named_params().values():
        p += rng.normal(0, 0.2, p.shape)
    x = model.to_internal(rng.normal(size=(batch, *model.input_shape)))
    dropout_state = model.rng.bit_generator.state

    def forward() -> np.ndarray:
        model.rng.bit_generator.state = dropout_state  # the same dropout mask every time
        out = x
        for layer in model.layers:
            out = layer.forward(out, train=True)
        return out

    out = forward()
    probe = rng.normal(size=out.shape)
    noise = NOISE_FACTOR * np.finfo(np.float64).eps * float(np.abs(out * probe).sum()) / eps
    dx = model.backward(probe)
    grads = {k: v.copy() for k, v in model.named_grads().items()}

    def loss() -> float:
        return float((forward() * probe).sum())

    rows = [
        _compare(
            replace(row, name=name), param, grads[f"{layer.node_id}.{name}"], loss, noise, samples, eps, rng
        )
        for layer in model.layers  # the layer, and a flatten around it (no parameters)
        for name, param in layer.params.items()
    ]
    rows.append(_compare(replace(row, name="input"), x, dx, loss, noise, samples, eps, rng))
    return rows


# -- one merge --------------------------------------------------------------------------------------


def _branch_shapes(walked: NetworkResult, inputs: tuple[str, ...]) -> list[tuple[int, ...]]:
    """The shapes of the values a merge reads (node ids, `INPUT` for the input), in order."""
    shapes = [walked.input_shape if i == INPUT else walked.result(i).output_shape for i in inputs]
    return [tuple(shape or ()) for shape in shapes]


def _check_merge(
    res: LayerResult,
    shapes: list[tuple[int, ...]],
    batch: int,
    samples: int,
    eps: float,
    rng: np.random.Generator,
) -> list[GradCheckRow]:
    """One row per branch of the merge: the gradient it sends back to that branch, at up to
    `samples` entries of random inputs of the branches' shapes, laid out as the trainer holds
    them (channels last)."""
    merge: Merge = Add() if res.kind == "add" else Concat()
    xs = [rng.normal(size=(batch, *_channels_last(shape))) for shape in shapes]
    out = merge.forward(xs, train=True)
    probe = rng.normal(size=out.shape)
    noise = NOISE_FACTOR * np.finfo(np.float64).eps * float(np.abs(out * probe).sum()) / eps
    sent = [g.copy() for g in merge.backward(probe)]

    def loss() -> float:
        return float((merge.forward(xs, train=True) * probe).sum())

    return [
        _compare(
            GradCheckRow(res.id, 0, res.kind, f"branch {k + 1}", 0, 0.0, 0.0, 0.0, False),
            x,
            analytic,
            loss,
            noise,
            samples,
            eps,
            rng,
        )
        for k, (x, analytic) in enumerate(zip(xs, sent, strict=True))
    ]


def _channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    """C×H×W → H×W×C, C×L → 1×L×C (1-D runs as maps of height 1), C stays C."""
    if len(shape) == 1:
        return shape
    spatial = shape[1:] if len(shape) == 3 else (1, *shape[1:])
    return (*spatial, shape[0])


# -- the comparison ---------------------------------------------------------------------------------


def _compare(
    row: GradCheckRow,
    values: np.ndarray,
    analytic: np.ndarray,
    loss,
    noise: float,
    samples: int,
    eps: float,
    rng: np.random.Generator,
) -> GradCheckRow:
    """`row` filled in from central differences at up to `samples` entries of `values` (changed in
    place, then restored)."""
    flat = values.reshape(-1)
    picks = rng.choice(flat.size, size=min(samples, flat.size), replace=False)
    worst_error, worst_ratio, tolerance = 0.0, 0.0, RELATIVE_TOLERANCE
    for i in picks:
        keep = flat[i]
        flat[i] = keep + eps
        up = loss()
        flat[i] = keep - eps
        down = loss()
        flat[i] = keep
        numerical = (up - down) / (2 * eps)
        a = float(analytic.reshape(-1)[i])
        size = abs(a) + abs(numerical)
        allowed = noise + RELATIVE_TOLERANCE * size
        ratio = abs(a - numerical) / allowed if allowed else 0.0
        worst_error = max(worst_error, relative_error(a, numerical))
        if ratio >= worst_ratio:
            worst_ratio, tolerance = ratio, (allowed / size if size else RELATIVE_TOLERANCE)
    return replace(
        row,
        checked=len(picks),
        max_abs_gradient=float(np.abs(analytic).max()) if analytic.size else 0.0,
        max_relative_error=worst_error,
        tolerance=float(tolerance),
        passed=bool(worst_ratio <= 1),
    )


# -- large layers are checked as a smaller copy -------------------------------------------------------


def _checked_layer(res: LayerResult) -> tuple[str, tuple[int, ...], str]:
    """The layer's spec text and input shape to check, and a note when a smaller copy stands in."""
    layer, in_shape = res.layer, tuple(res.input_shape)
    if _cheap(res):
        return layer.describe(), in_shape, ""
    for small, small_shape in _smaller_copies(res):
        try:
            trial = walk(parse_spec(f"input {fmt_shape(_as_map(small_shape), 'x')} | {small.describe()}"))
        except CnnCalcError:
            continue
        if _cheap(trial.layers[-1]):
            note = _(
                "checked as {small} on {small_shape} (the layer: {shape} → {output}; its arithmetic is the same "
                "at any size)"
            ).format(
                small=small.describe(),
                small_shape=fmt_shape(small_shape),
                shape=fmt_shape(in_shape),
                output=fmt_shape(res.output_shape),
            )
            return small.describe(), small_shape, note
    return layer.describe(), in_shape, ""


def _cheap(res: LayerResult) -> bool:
    values = res.total_params + math.prod(res.input_shape) + math.prod(res.output_shape or ())
    return res.macs <= MAX_CHECKED_MACS and values <= MAX_CHECKED_VALUES


def _as_map(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) > 1 else (*shape, 1, 1)


def _smaller_copies(res: LayerResult):
    """Copies with fewer channels (groups kept in proportion) and smaller maps, then with fewer
    channels only: what `_checked_layer` tries, in order."""
    layer, shape = res.layer, tuple(res.input_shape)
    channels, spatial = shape[0], shape[1:]
    groups = layer.groups
    if groups == 1:
        c, g = min(channels, 8), 1
        units = None if layer.units is None else min(layer.units, 8 if layer.kind != "fc" else 16)
    else:
        g = min(groups, 4)
        c = g * min(channels // groups, 2)
        units = None if layer.units is None else g * min(layer.units // groups, 2)
    small = replace(layer, units=units, groups=g)
    if layer.kind == "fc" and not spatial:
        yield small, (min(channels, 64),)
        return
    window = res.shape  # the per-axis kernel, stride and dilation of a window layer, else None
    reach = [8, *(layer.output_size or ())]
    if window is not None:
        reach += [
            d * (k - 1) + 1 + 2 * s
            for k, s, d in zip(window.kernel, window.stride, window.dilation, strict=True)
        ]
    yield small, (c, *(min(n, max(reach)) for n in spatial))
    yield small, (c, *spatial)
