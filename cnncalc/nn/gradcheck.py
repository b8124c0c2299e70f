"""Gradient check: each layer's analytic gradients against central finite differences, in float64.

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

>>> rows = gradient_check("input 1x5x5 | conv 2 k=3 | tanh | flatten | fc 3")
>>> all(row.passed for row in rows)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import LayerResult, walk
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.spec import NetworkSpec, parse_spec
from cnncalc.nn.model import Model, build_model

ALL_LAYERS_SPEC = (
    "input 2x8x8 | conv 4 k=3 p=1 | bn | relu | maxpool k=2 | conv 4 k=3 p=same g=2 | leakyrelu "
    "| avgpool k=2 | tconv 3 k=2 s=2 | tanh | gap | fc 6 | sigmoid | dropout 0.3 | fc 3"
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
    layer: int  # the spec's layer number
    kind: str
    name: str  # "weight", "bias" or "input"
    checked: int
    max_abs_gradient: float
    max_relative_error: float
    tolerance: float  # the relative error allowed where the difference was largest
    passed: bool
    checked_as: str = ""  # the smaller copy checked instead of a large layer, "" for the layer itself

    def to_dict(self) -> dict:
        return {
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
    """Check up to `samples` entries of every parameter, and of the input, of every layer."""
    network = parse_spec(spec) if isinstance(spec, str) else spec
    shape = input_shape or network.input_shape
    if shape is None:
        raise CnnCalcError("the network needs an input shape: start the spec with e.g. 'input 1x28x28'")
    walked = walk(network.with_input(tuple(shape)))
    rng = np.random.default_rng(seed + 1)
    rows: list[GradCheckRow] = []
    for res in walked.layers:
        text, in_shape, checked_as = _checked_layer(res)
        model = _one_layer_model(text, in_shape, seed)
        rows += _check_layer(model, res.layer.number, res.layer.kind, checked_as, batch, samples, eps, rng)
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
    model.layers[0].need_input_grad = True
    return model


def _check_layer(
    model: Model,
    number: int,
    kind: str,
    checked_as: str,
    batch: int,
    samples: int,
    eps: float,
    rng: np.random.Generator,
) -> list[GradCheckRow]:
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
        _compare(number, kind, name, param, grads[f"{i}.{name}"], loss, noise, samples, eps, rng, checked_as)
        for i, layer in enumerate(model.layers)  # the layer, and a flatten around it (no parameters)
        for name, param in layer.params.items()
    ]
    rows.append(_compare(number, kind, "input", x, dx, loss, noise, samples, eps, rng, checked_as))
    return rows


def _compare(
    number: int,
    kind: str,
    name: str,
    values: np.ndarray,
    analytic: np.ndarray,
    loss,
    noise: float,
    samples: int,
    eps: float,
    rng: np.random.Generator,
    checked_as: str,
) -> GradCheckRow:
    """Central differences at up to `samples` entries of `values` (changed in place, restored)."""
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
    return GradCheckRow(
        number,
        kind,
        name,
        len(picks),
        float(np.abs(analytic).max()) if analytic.size else 0.0,
        worst_error,
        float(tolerance),
        bool(worst_ratio <= 1),
        checked_as,
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
            note = (
                f"checked as {small.describe()} on {fmt_shape(small_shape)} (the layer: "
                f"{fmt_shape(in_shape)} → {fmt_shape(res.output_shape)}; its arithmetic is the same at any size)"
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
