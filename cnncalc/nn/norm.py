"""Batch normalisation (PyTorch's BatchNorm2d on maps, BatchNorm1d on features).

>>> import numpy as np
>>> bn = BatchNorm(1, dtype=np.float64)
>>> bn.forward(np.array([[1.0], [3.0]]), train=True).ravel().round(3).tolist()  # (x − 2)/√(1 + ε)
[-1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np

from cnncalc.nn import kernels
from cnncalc.nn.activations import shared_zeros
from cnncalc.nn.im2col import sum_in_order
from cnncalc.nn.layer import Layer
from cnncalc.nn.parallel import run_split


class BatchNorm(Layer):
    """Batch normalisation over every axis but the channels (BatchNorm2d for maps, 1d for features).

    Training: x̂ = (x − μ_B)/√(σ²_B + ε), out = γ·x̂ + β, with the batch's mean and biased variance;
    running_mean ← (1 − m)·running_mean + m·μ_B, running_var ← (1 − m)·running_var + m·σ²_B·n/(n − 1).
    Evaluation uses the running statistics. ε = 1e-5, m = 0.1 (PyTorch's defaults).

    Backward, with Σ over the rows of a channel: ∂β = Σg, ∂γ = Σ g·x̂ and
    ∂x = γ/σ·(g − Σg/n − x̂·Σ(g·x̂)/n). A training pass runs as compiled loops where the optional
    numba loads (`cnncalc.nn.kernels`, for batches of MIN_SIZE elements or more), else as numpy
    passes; either way split over the batch (`cnncalc.nn.parallel`), with the sums over slices
    added in slice order.
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
        if not train:
            inv = 1.0 / np.sqrt(self.buffers["running_var"] + self.eps)
            return (x - self.buffers["running_mean"]) * (inv * self.params["weight"]) + self.params["bias"]
        return self.train_forward(x, relu=False)

    def train_forward(self, x: np.ndarray, relu: bool) -> np.ndarray:
        """The training pass, followed by max(·, 0) when `relu` (`BatchNormReLU`)."""
        loops = kernels.compiled(x.size)
        passes = _CompiledPasses(loops, x, relu) if loops is not None else _NumpyPasses(x, relu)
        n = passes.rows.shape[0]
        mean, var = passes.statistics()
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype)
        out = passes.normalise(inv_std * self.params["weight"], self.params["bias"])
        self.passes, self.inv_std = passes, inv_std
        m = self.momentum
        self.buffers["running_mean"] = ((1 - m) * self.buffers["running_mean"] + m * mean).astype(x.dtype)
        unbiased = var * (n / max(n - 1, 1))
        self.buffers["running_var"] = ((1 - m) * self.buffers["running_var"] + m * unbiased).astype(x.dtype)
        return out.reshape(x.shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """The gradient of the last training pass (through its ReLU too, if it had one)."""
        passes, inv_std = self.passes, self.inv_std
        self.passes = None  # what the forward pass kept goes with this backward pass
        n = passes.rows.shape[0]
        dbias, sum_gc = passes.gradient_sums(grad)
        self.grads["bias"] = dbias
        self.grads["weight"] = sum_gc * inv_std  # Σ g·x̂
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        # dx = γ/σ·(g − Σg/n − x̂·Σ(g·x̂)/n) = a·g + b·(x − μ) + c, per channel
        a = self.params["weight"] * inv_std
        b = -a * inv_std * inv_std * sum_gc / grad.dtype.type(n)
        c = -a * dbias / grad.dtype.type(n)
        return passes.input_gradient(a, b, c).reshape(grad.shape)


class BatchNormReLU(Layer):
    """bn → relu as one stage of a training run (`cnncalc.nn.conv_pool.plan_stages`): with the
    compiled loops the ReLU is taken inside the normalising loop, and its gradient inside the
    two backward loops, so neither needs a pass of its own. Evaluation runs the two layers.
    The layers keep their parameters and buffers, so checkpoints and `show` see the same model."""

    kind = "bnrelu"

    def __init__(self, layers: list[Layer]) -> None:
        super().__init__()
        self.layers = layers
        self.bn: BatchNorm = layers[0]  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"BatchNormReLU({', '.join(map(repr, self.layers))})"

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        if not train:
            return self.layers[1].forward(self.bn.forward(x, train=False), train=False)
        return self.bn.train_forward(x, relu=True)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self.bn.backward(grad)


class _CompiledPasses:
    """A training pass's batch norm (and ReLU) over the rows of x (N·pixels × C) with the compiled
    loops of `cnncalc.nn.kernels`: one loop a pass, sums in float64, the batch cut into
    `run_split`'s slices and their sums added in slice order."""

    def __init__(self, loops: SimpleNamespace, x: np.ndarray, relu: bool) -> None:
        self.loops, self.n, self.relu = loops, len(x), relu
        self.rows = x.reshape(-1, x.shape[-1])
        self.per_sample = self.rows.shape[0] // len(x) if len(x) else 0

    def _each_slice(self, fn: Callable[[int, int], object]) -> list:
        """fn(first row, stop row) for each of run_split's slices of the samples."""
        k = self.per_sample
        return run_split(lambda a, b: fn(a * k, b * k), self.n, self.rows.size)

    def _channel_sums(self, loop: Callable[..., None], count: int, rowwise: tuple, fixed: tuple) -> list:
        """`count` per-channel float64 sums that loop(*slices of `rowwise`, *fixed, *sums) adds."""
        channels = self.rows.shape[1]

        def part(lo: int, hi: int) -> list[np.ndarray]:
            sums = [np.zeros(channels) for _ in range(count)]
            loop(*(v[lo:hi] for v in rowwise), *fixed, *sums)
            return sums

        parts = self._each_slice(part)
        return [sum_in_order([p[i] for p in parts]) for i in range(count)]

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        rows, dtype = self.rows, self.rows.dtype
        (total,) = self._channel_sums(self.loops.column_sums, 1, (rows,), ())
        self.mean = (total / len(rows)).astype(dtype)
        (squares,) = self._channel_sums(self.loops.centred_square_sums, 1, (rows,), (self.mean,))
        return self.mean, (squares / len(rows)).astype(dtype)

    def normalise(self, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
        rows, mean, loop, relu = self.rows, self.mean, self.loops.normalise, self.relu
        self.out = out = np.empty_like(rows)
        self._each_slice(lambda lo, hi: loop(rows[lo:hi], mean, scale, shift, relu, out[lo:hi]))
        return out

    def gradient_sums(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Σ g and Σ g·(x − μ) per channel (g through the ReLU's gradient, if any)."""
        self.g = g = grad.reshape(self.rows.shape)
        sum_g, sum_gc = self._channel_sums(
            self.loops.gradient_sums, 2, (g, self.rows, self.out), (self.mean, self.relu)
        )
        return sum_g.astype(g.dtype), sum_gc.astype(g.dtype)

    def input_gradient(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """a·g + b·(x − μ) + c per channel, for the g of `gradient_sums`."""
        g, rows, mean, out, relu, loop = (
            self.g,
            self.rows,
            self.mean,
            self.out,
            self.relu,
            self.loops.input_gradient,
        )
        dx = np.empty_like(g)
        self._each_slice(
            lambda lo, hi: loop(g[lo:hi], rows[lo:hi], out[lo:hi], mean, relu, a, b, c, dx[lo:hi])
        )
        return dx


class _NumpyPasses:
    """The same passes in numpy, where numba is missing: each a few whole-array operations on
    (N, pixels·C) views with the per-channel vectors tiled to a sample's length (`_views`); sums
    over rows as matrix-vector products (numpy's sum over a leading axis is ~10× slower). The
    ReLU, if any, is the ReLU layer's own operations, so the bits are those of the two layers."""

    def __init__(self, x: np.ndarray, relu: bool) -> None:
        self.n, self.relu = len(x), relu
        self.rows, self.wide, self.per_sample = _views(x)
        self.ones = np.ones(self.rows.shape[0], x.dtype)

    def _split(self, fn: Callable[[int, int], object]) -> list:
        return run_split(fn, self.n, self.rows.size)

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        rows, wide, ones, count = self.rows, self.wide, self.ones, self.rows.dtype.type(len(self.rows))
        mean = (ones @ rows) / count
        self.centred = centred = np.empty_like(wide)
        squares = np.empty_like(wide)
        mean_t, k = np.tile(mean, self.per_sample), self.per_sample

        def centre(a: int, b: int) -> np.ndarray:
            np.subtract(wide[a:b], mean_t, out=centred[a:b])
            np.multiply(centred[a:b], centred[a:b], out=squares[a:b])
            return ones[: (b - a) * k] @ squares[a:b].reshape(-1, len(mean))

        return mean, sum_in_order(self._split(centre)) / count

    def normalise(self, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
        centred, out = self.centred, np.empty_like(self.wide)
        scale_t, shift_t = np.tile(scale, self.per_sample), np.tile(shift, self.per_sample)
        self.mask = mask = np.empty(out.shape, bool) if self.relu else None
        zeros = shared_zeros(out.shape, out.dtype) if self.relu else None

        def part(a: int, b: int) -> None:
            np.multiply(centred[a:b], scale_t, out=out[a:b])
            out[a:b] += shift_t
            if mask is not None:
                np.greater(out[a:b], 0, out=mask[a:b])
                np.maximum(out[a:b], zeros[a:b], out=out[a:b])

        self._split(part)
        return out

    def gradient_sums(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Σ g and Σ g·(x − μ) per channel, g through the ReLU's gradient if any (g·(x − μ) is
        kept in the buffer ∂x will fill)."""
        wide, centred, ones, k = grad.reshape(self.wide.shape), self.centred, self.ones, self.per_sample
        if self.mask is not None:
            wide = np.empty_like(wide)
            self._split(
                lambda a, b: np.multiply(grad.reshape(wide.shape)[a:b], self.mask[a:b], out=wide[a:b])
            )
        self.g = wide
        channels = self.rows.shape[1]
        self.dx = dx = np.empty_like(wide)

        def sums(a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
            np.multiply(wide[a:b], centred[a:b], out=dx[a:b])
            some = ones[: (b - a) * k]
            return some @ wide[a:b].reshape(-1, channels), some @ dx[a:b].reshape(-1, channels)

        parts = self._split(sums)
        return sum_in_order([p[0] for p in parts]), sum_in_order([p[1] for p in parts])

    def input_gradient(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        """a·g + b·(x − μ) + c per channel, for the g of `gradient_sums`."""
        wide, centred, dx = self.g, self.centred, self.dx
        a_t, b_t, c_t = (np.tile(v, self.per_sample) for v in (a, b, c))

        def part(lo: int, hi: int) -> None:
            np.multiply(centred[lo:hi], b_t, out=dx[lo:hi])
            dx[lo:hi] += c_t
            dx[lo:hi] += wide[lo:hi] * a_t

        self._split(part)
        return dx


def _views(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """x as (rows, C) — NHWC maps or (N, features) — as (N, pixels·C), one row per sample, and
    the pixels per sample. The element-wise passes use the second view with each per-channel
    vector tiled to a sample's length: numpy then runs inner loops as long as a sample instead of
    C-long ones (a pass over a 64×32×8×8 batch ~1.3× faster), with the same operations, so the
    same bits."""
    channels = x.shape[-1]
    wide = x.reshape(len(x), x.size // len(x) if len(x) else 0)
    return x.reshape(-1, channels), wide, wide.shape[1] // channels if channels else 0
