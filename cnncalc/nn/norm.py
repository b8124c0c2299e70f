"""Batch normalisation (PyTorch's BatchNorm2d on maps, BatchNorm1d on features).

>>> import numpy as np
>>> bn = BatchNorm(1, dtype=np.float64)
>>> bn.forward(np.array([[1.0], [3.0]]), train=True).ravel().round(3).tolist()  # (x − 2)/√(1 + ε)
[-1.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from cnncalc.nn.im2col import sum_in_order
from cnncalc.nn.layer import Layer
from cnncalc.nn.parallel import run_split


class BatchNorm(Layer):
    """Batch normalisation over every axis but the channels (BatchNorm2d for maps, 1d for features).

    Training: x̂ = (x − μ_B)/√(σ²_B + ε), out = γ·x̂ + β, with the batch's mean and biased variance;
    running_mean ← (1 − m)·running_mean + m·μ_B, running_var ← (1 − m)·running_var + m·σ²_B·n/(n − 1).
    Evaluation uses the running statistics. ε = 1e-5, m = 0.1 (PyTorch's defaults).

    Backward, with Σ over the rows of a channel: ∂β = Σg, ∂γ = Σ g·x̂ and
    ∂x = γ/σ·(g − Σg/n − x̂·Σ(g·x̂)/n). The element-wise passes are split over the batch
    (`cnncalc.nn.parallel`), and sums over slices are added in slice order.
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
        gamma, beta = self.params["weight"], self.params["bias"]
        if not train:
            inv = 1.0 / np.sqrt(self.buffers["running_var"] + self.eps)
            return (x - self.buffers["running_mean"]) * (inv * gamma) + beta
        rows, wide, per_sample = _views(x)
        n = rows.shape[0]
        ones = np.ones(n, x.dtype)
        # Column sums as matrix-vector products: numpy's sum over a leading axis is ~10× slower.
        mean = (ones @ rows) / x.dtype.type(n)
        centred = np.empty_like(wide)
        out = np.empty_like(wide)
        mean_t = np.tile(mean, per_sample)

        def centre(a: int, b: int) -> np.ndarray:
            np.subtract(wide[a:b], mean_t, out=centred[a:b])
            np.multiply(centred[a:b], centred[a:b], out=out[a:b])
            return ones[: (b - a) * per_sample] @ out[a:b].reshape(-1, len(mean))

        var = sum_in_order(run_split(centre, len(x), rows.size)) / x.dtype.type(n)
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype)
        scale_t, beta_t = np.tile(inv_std * gamma, per_sample), np.tile(beta, per_sample)

        def normalise(a: int, b: int) -> None:
            np.multiply(centred[a:b], scale_t, out=out[a:b])
            out[a:b] += beta_t

        run_split(normalise, len(x), rows.size)
        self.centred, self.inv_std = centred, inv_std
        m = self.momentum
        self.buffers["running_mean"] = ((1 - m) * self.buffers["running_mean"] + m * mean).astype(x.dtype)
        unbiased = var * (n / max(n - 1, 1))
        self.buffers["running_var"] = ((1 - m) * self.buffers["running_var"] + m * unbiased).astype(x.dtype)
        return out.reshape(x.shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        rows, wide, per_sample = _views(grad)
        n, channels = rows.shape
        ones = np.ones(n, grad.dtype)
        centred, inv_std = self.centred, self.inv_std
        dx = np.empty_like(wide)

        def sums(a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
            np.multiply(wide[a:b], centred[a:b], out=dx[a:b])
            some = ones[: (b - a) * per_sample]
            # Σ g and Σ g·(x − μ) over these rows
            return some @ wide[a:b].reshape(-1, channels), some @ dx[a:b].reshape(-1, channels)

        parts = run_split(sums, len(grad), rows.size)
        self.grads["bias"] = dbias = sum_in_order([p[0] for p in parts])
        sum_gc = sum_in_order([p[1] for p in parts])
        self.grads["weight"] = sum_gc * inv_std  # Σ g·x̂
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        # dx = γ/σ·(g − Σg/n − x̂·Σ(g·x̂)/n) = a·g + b·(x − μ) + c, per channel
        a = self.params["weight"] * inv_std
        b = -a * inv_std * inv_std * sum_gc / grad.dtype.type(n)
        c = -a * dbias / grad.dtype.type(n)
        a_t, b_t, c_t = (np.tile(v, per_sample) for v in (a, b, c))

        def input_gradient(lo: int, hi: int) -> None:
            np.multiply(centred[lo:hi], b_t, out=dx[lo:hi])
            dx[lo:hi] += c_t
            dx[lo:hi] += wide[lo:hi] * a_t

        run_split(input_gradient, len(grad), rows.size)
        return dx.reshape(grad.shape)


def _views(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """x as (rows, C) — NHWC maps or (N, features) — as (N, pixels·C), one row per sample, and
    the pixels per sample. The element-wise passes use the second view with each per-channel
    vector tiled to a sample's length: numpy then runs inner loops as long as a sample instead of
    C-long ones (a pass over a 64×32×8×8 batch ~1.3× faster), with the same operations, so the
    same bits."""
    channels = x.shape[-1]
    wide = x.reshape(len(x), x.size // len(x) if len(x) else 0)
    return x.reshape(-1, channels), wide, wide.shape[1] // channels if channels else 0
