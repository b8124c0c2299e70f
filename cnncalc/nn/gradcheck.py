"""Gradient check: each layer's analytic gradient, and the gradient each merge (add, concat) sends to
each of its branches, against central finite differences, in float64.

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

from dataclasses import dataclass, replace

import numpy as np

from cnncalc.arith.spec import NetworkSpec
from cnncalc.nn.layer import Layer
from cnncalc.nn.merge import Merge
from cnncalc.nn.model import Model, build_model

# Every layer kind, and both merges: a residual add and a concatenation.
ALL_LAYERS_SPEC = (
    "input 2x8x8 | conv 4 k=3 p=1 | bn | relu | add( conv 4 k=3 p=1 | tanh ) | maxpool k=2 "
    "| concat( conv 4 k=3 p=same g=2 | leakyrelu ; avgpool k=3 s=1 p=1 ) | avgpool k=2 "
    "| tconv 3 k=2 s=2 | tanh | gap | fc 6 | sigmoid | dropout 0.3 | fc 3"
)


@dataclass(frozen=True)
class GradCheckRow:
    id: str  # the node id of the layer or merge ("3", "5.1.2"), "input" for the input
    layer: int  # the spec's layer number (0 for the input and for merges)
    kind: str
    name: str  # "weight", "bias", "input", or a merge's "branch 1", "branch 2", …
    checked: int
    max_abs_gradient: float
    max_relative_error: float

    def to_dict(self) -> dict:
        return {
            "id": self.id,
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
    """Check up to `samples` entries of every parameter of every layer, of the gradient each merge
    sends to each of its branches, and of the input."""
    model = build_model(spec, input_shape, seed=seed, dtype=np.float64)
    model.input_grad = True
    rng = np.random.default_rng(seed + 1)
    # Move parameters off their initial values (BN's 1 and 0, zero biases) so every term matters.
    for p in model.named_params().values():
        p += rng.normal(0, 0.2, p.shape)
    x = model.to_internal(rng.normal(size=(batch, *model.input_shape)))
    dropout_state = model.rng.bit_generator.state
    out = _forward(model, x, dropout_state)
    probe = rng.normal(size=out.shape)
    merges = [layer for layer in model.layers if isinstance(layer, Merge)]
    sent = {merge.node_id: _recording_backward(merge) for merge in merges}
    dx = model.backward(probe)
    for merge in merges:
        del merge.backward  # the class's own again
    grads = {k: v.copy() for k, v in model.named_grads().items()}

    def loss() -> float:
        return float((_forward(model, x, dropout_state) * probe).sum())

    rows = []
    for layer in model.layers:
        for name, param in layer.params.items():
            analytic = grads[f"{layer.node_id}.{name}"]
            rows.append(_check(_row_of(layer, name), param, analytic, loss, samples, eps, rng))
        if isinstance(layer, Merge):
            for k, analytic in enumerate(sent[layer.node_id][0]):
                rows.append(_check_merge(layer, k, analytic, loss, samples, eps, rng))
    rows.append(
        _check(GradCheckRow("input", 0, "input", "input", 0, 0.0, 0.0), x, dx, loss, samples, eps, rng)
    )
    return rows


def relative_error(analytic: float, numerical: float) -> float:
    size = abs(analytic) + abs(numerical)
    return 0.0 if size < 1e-8 else float(abs(analytic - numerical) / size)


def _forward(model: Model, x: np.ndarray, dropout_state: dict) -> np.ndarray:
    model.rng.bit_generator.state = dropout_state  # the same dropout mask every time
    return model.run(x, train=True)


def _row_of(layer: Layer, name: str) -> GradCheckRow:
    """A row naming `layer`'s tensor `name`, its counts still to be filled in."""
    return GradCheckRow(layer.node_id, layer.number, layer.kind, name, 0, 0.0, 0.0)


def _recording_backward(merge: Merge) -> list[list[np.ndarray]]:
    """Make `merge.backward` keep (a copy of) the gradients it sends to its branches, in the list returned."""
    sent: list[list[np.ndarray]] = []
    own = merge.backward

    def backward(grad: np.ndarray) -> list[np.ndarray]:
        parts = own(grad)
        sent.append([p.copy() for p in parts])
        return parts

    merge.backward = backward  # type: ignore[method-assign]
    return sent


def _check(row, values, analytic, loss, samples, eps, rng) -> GradCheckRow:
    """`row` with the worst relative error over `samples` entries of `values` (changed in place,
    then restored): the analytic gradient against (loss(v + ε) − loss(v − ε))/2ε."""
    flat = values.reshape(-1)
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
        worst = max(worst, relative_error(analytic.reshape(-1)[i], numerical))
    return replace(
        row, checked=len(picks), max_abs_gradient=float(np.abs(analytic).max()), max_relative_error=worst
    )


def _check_merge(merge, k, analytic, loss, samples, eps, rng) -> GradCheckRow:
    """The gradient g that `merge` sends to its branch k, checked along `samples` random directions
    R of the value v the merge reads from that branch (changed for the merge alone, not for the
    value's other readers): Σ g·R against (L(v + ε·R) − L(v − ε·R))/2ε.

    Directions rather than single entries: a single activation's gradient is small, so the
    difference quotient's O(ε²) error weighs on it, and a value can sit on a kink of the loss — a
    branch that ends in a ReLU holds exact zeros, and a max pool after the merge has windows of
    them, tied. R is 0 on the values at 0 (weights move whole maps, and never sit there).
    """
    own = merge.forward
    branch: list[np.ndarray] = []

    def forward(xs, train):
        if not branch:  # the first run (the values never change): keep the branch's value to vary
            branch.append(xs[k].copy())
        return own([*xs[:k], branch[0], *xs[k + 1 :]], train)

    merge.forward = forward
    try:
        loss()
        value = branch[0]
        keep = value.copy()
        away = np.abs(keep) > 1e3 * eps
        if not away.any():
            away[...] = True
        worst = 0.0
        for _ in range(samples):
            direction = rng.normal(size=keep.shape) * away
            np.add(keep, eps * direction, out=value)
            up = loss()
            np.subtract(keep, eps * direction, out=value)
            down = loss()
            worst = max(worst, relative_error(float((analytic * direction).sum()), (up - down) / (2 * eps)))
        value[...] = keep
    finally:
        del merge.forward
    return GradCheckRow(
        merge.node_id, 0, merge.kind, f"branch {k + 1}", samples, float(np.abs(analytic).max()), worst
    )
