"""Batch normalisation (PyTorch's BatchNorm2d on maps, BatchNorm1d on features).

>>> import numpy as np
>>> bn = BatchNorm(1, dtype=np.float64)
>>> bn.forward(np.array([[1.0], [3.0]]), train=True).ravel().round(3).tolist()  # (x − 2)/√(1 + ε)
[-1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from cnncalc.nn.layer import Layer


class BatchNorm(Layer):
    """Batch normalisation over every axis but the channels (BatchNorm2d for maps, 1d for features).

    Training: x̂ = (x − μ_B)/√(σ²_B + ε), out = γ·x̂ + β, with the batch's mean and biased variance;
    running_mean ← (1 − m)·running_mean + m·μ_B, running_var ← (1 − m)·running_var + m·σ²_B·n/(n − 1).
    Evaluation uses the running statistics. ε = 1e-5, m = 0.1 (PyTorch's defaults).
    """

    kind = "bn"

    def __init__(
        self, channels: int, eps: float = 1e-5, momentum: float = 0.1, dtype: type = np.float32
    ) -> None:
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.params["weight"] = np.ones(channels, dtype)
        self.params["bias"] = np.zeros(channels, dtype)
        self.buffers["running_mean"] = np.zeros(channels, dtype)
        self.buffers["running_var"] = np.ones(channels, dtype)

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        axes = tuple(range(x.ndim - 1))
        gamma, beta = self.params["weight"], self.params["bias"]
        if not train:
            inv = 1.0 / np.sqrt(self.buffers["running_var"] + self.eps)
            return (x - self.buffers["running_mean"]) * (inv * gamma) + beta
        n = x.size // x.shape[-1]
        mean = x.mean(axis=axes)
        centred = x - mean
        var = np.mean(centred * centred, axis=axes)
        self.inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype)
        self.xhat = centred * self.inv_std
        m = self.momentum
        self.buffers["running_mean"] = ((1 - m) * self.buffers["running_mean"] + m * mean).astype(x.dtype)
        unbiased = var * (n / max(n - 1, 1))
        self.buffers["running_var"] = ((1 - m) * self.buffers["running_var"] + m * unbiased).astype(x.dtype)
        return self.xhat * gamma + beta

    def backward(self, grad: np.ndarray) -> np.ndarray:
        axes = tuple(range(grad.ndim - 1))
        self.grads["bias"] = grad.sum(axis=axes)
        self.grads["weight"] = (grad * self.xhat).sum(axis=axes)
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        n = grad.size // grad.shape[-1]
        # dx = γ/(n·σ)·(n·g − Σg − x̂·Σ(g·x̂))
        return (self.params["weight"] * self.inv_std / n) * (
            n * grad - self.grads["bias"] - self.xhat * self.grads["weight"]
        )
