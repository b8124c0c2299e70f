"""One training step's results, for tests that compare two ways of running it bit for bit."""

from __future__ import annotations

import numpy as np

from cnncalc.nn.losses import softmax_cross_entropy
from cnncalc.nn.model import build_model


def one_step(spec: str, x: np.ndarray, y: np.ndarray) -> tuple:
    """(logits, ∂L/∂input, every parameter's gradient, the dropout generator's state) of one
    forward and backward pass of a fresh float64 model of `spec` (seed 3) on the batch x, y."""
    model = build_model(spec, classes=10, seed=3, dtype=np.float64)
    model.input_grad = True
    logits = model.forward(x, train=True)
    _, dlogits = softmax_cross_entropy(logits, y)
    dx = model.backward(dlogits)
    return logits, dx, model.named_grads(), model.rng.bit_generator.state
