"""Fully connected layers and the flatten before them.

>>> import numpy as np
>>> fc = Dense(3, 2)
>>> fc.forward(np.ones((4, 3), np.float32), train=True).shape
(4, 2)
"""

from __future__ import annotations

import numpy as np

from cnncalc.nn.layer import Layer, init_weight


class Flatten(Layer):
    """(N, H, W, C) → (N, C·H·W) in PyTorch's channel-major order, so weights after it match torch."""

    kind = "flatten"

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.in_shape = x.shape
        if x.ndim == 2:
            return x
        return x.transpose(0, 3, 1, 2).reshape(x.shape[0], -1)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if len(self.in_shape) == 2:
            return grad
        n, h, w, c = self.in_shape
        return grad.reshape(n, c, h, w).transpose(0, 2, 3, 1)


class Dense(Layer):
    """Fully connected: out = x·Wᵀ + b with W of shape (out, in); ∂W = gᵀ·x, ∂x = g·W."""

    kind = "fc"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: np.random.Generator | None = None,
        init: str = "he",
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        rng = rng or np.random.default_rng(0)
        self.params["weight"] = init_weight((out_features, in_features), init, rng, dtype)
        if bias:
            self.params["bias"] = np.zeros(out_features, dtype)

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.x = x
        out = x @ self.params["weight"].T
        if "bias" in self.params:
            out += self.params["bias"]
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        self.grads["weight"] = grad.T @ self.x
        if "bias" in self.params:
            self.grads["bias"] = grad.sum(axis=0)
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        return grad @ self.params["weight"]
