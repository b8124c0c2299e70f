"""Gradient check: each layer's analytic gradient against central finite differences, in float64.

For a probe loss L(θ) = Σ f(x; θ)·R with a fixed random R (it works for any output shape),

    numerical ∂L/∂θ_i ≈ (L(θ + ε·e_i) − L(θ − ε·e_i)) / 2ε             error O(ε²)
    relative error    = |analytic − numerical| / (|analytic| + |numerical|)
                        (0 when both are below 1e-8: a gradient that is truly 0, like that of a conv
                        bias right before batch norm, has only rounding noise to compare)

Values below ~1e-6 mean the backward pass is right; ReLU and max-pool kinks can make a single
sample worse when an input sits within ε of the kink.

>>> rows = gradient_check("input 1x5x5 | conv 2 k=3 | tanh | flatten | fc 3")
>>> all(row.max_relative_error < 1e-6 for row in rows)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnncalc.arith.spec import NetworkSpec
from cnncalc.nn.model import Model, build_model

ALL_LAYERS_SPEC = (
    "input 2x8x8 | conv 4 k=3 p=1 | bn | relu | maxpool k=2 | conv 4 k=3 p=same g=2 | leakyrelu "
    "| avgpool k=2 | tconv 3 k=2 s=2 | tanh | gap | fc 6 | sigmoid | dropout 0.3 | fc 3"
)


@dataclass(frozen=True)
class GradCheckRow:
    layer: int  # the spec's layer number (0 for the input)
    kind: str
    name: str  # "weight", "bias" or "input"
    checked: int
    max_abs_gradient: float
    max_relative_error: float

    def to_dict(self) -> dict:
        return {
            "layer": self.layer,
            "kind": self.kind,
            "parameter": self.name,
            "checked": self.checked,
            "max_abs_gradient": self.max_abs_gradient,
            "max_relative_error": self.max_relative_error,
        }


def gradient_check(
    spec: NetworkSpec | str,
    input_shape: tuple[int, ...] | None = None,
    batch: int = 3,
    samples: int = 8,
    eps: float = 1e-5,
    seed: int = 0,
) -> list[GradCheckRow]:
    """Check up to `samples` entries of every parameter (and of the input) of every layer."""
    model = build_model(spec, input_shape, seed=seed, dtype=np.float64)
    model.layers[0].need_input_grad = True
    rng = np.random.default_rng(seed + 1)
    # Move parameters off their initial values (BN's 1 and 0, zero biases) so every term matters.
    for p in model.named_params().values():
        p += rng.normal(0, 0.2, p.shape)
    x = rng.normal(size=(batch, *model.input_shape))
    dropout_state = model.rng.bit_generator.state
    out = _forward(model, x, dropout_state)
    probe = rng.normal(size=out.shape)
    dx = model.backward(probe)
    grads = {k: v.copy() for k, v in model.named_grads().items()}

    def loss() -> float:
        return float((_forward(model, x, dropout_state) * probe).sum())

    rows = []
    internal = model.to_internal(x)
    for index, layer in enumerate(model.layers):
        for name, param in layer.params.items():
            analytic = grads[f"{index}.{name}"]
            rows.append(_check(layer.number, layer.kind, name, param, analytic, loss, samples, eps, rng))
    rows.append(_check_input(model, x, internal, dx, probe, dropout_state, samples, eps, rng))
    return rows


def relative_error(analytic: float, numerical: float) -> float:
    size = abs(analytic) + abs(numerical)
    return 0.0 if size < 1e-8 else float(abs(analytic - numerical) / size)


def _forward(model: Model, x: np.ndarray, dropout_state: dict) -> np.ndarray:
    model.rng.bit_generator.state = dropout_state  # the same dropout mask every time
    return model.forward(x, train=True)


def _check(index, kind, name, param, analytic, loss, samples, eps, rng) -> GradCheckRow:
    flat = param.reshape(-1)
    picks = rng.choice(flat.size, size=min(samples, flat.size), replace=False)
    worst = 0.0
    for i in picks:
        keep = flat[i]
        flat[i] = keep + eps
        up = loss()
        flat[i] = keep - eps
        down = loss()
        flat[i] = keep
        numerical = (up - down) / (2 * eps)
        a = analytic.reshape(-1)[i]
        worst = max(worst, relative_error(a, numerical))
    return GradCheckRow(index, kind, name, len(picks), float(np.abs(analytic).max()), worst)


def _check_input(model, x, internal, dx, probe, dropout_state, samples, eps, rng) -> GradCheckRow:
    """The gradient flowing out of the first layer, checked on the (NHWC) input itself."""

    def loss_at(xi: np.ndarray) -> float:
        model.rng.bit_generator.state = dropout_state
        out = xi
        for layer in model.layers:
            out = layer.forward(out, train=True)
        return float((out * probe).sum())

    flat = internal.reshape(-1)
    picks = rng.choice(flat.size, size=min(samples, flat.size), replace=False)
    worst = 0.0
    for i in picks:
        keep = flat[i]
        flat[i] = keep + eps
        up = loss_at(internal)
        flat[i] = keep - eps
        down = loss_at(internal)
        flat[i] = keep
        numerical = (up - down) / (2 * eps)
        a = dx.reshape(-1)[i]
        worst = max(worst, relative_error(a, numerical))
    return GradCheckRow(0, "input", "input", len(picks), float(np.abs(dx).max()), worst)
