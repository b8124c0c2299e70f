"""Element-wise activations, each with its derivative: ReLU, LeakyReLU, sigmoid, tanh, softmax.

>>> import numpy as np
>>> relu = ReLU()
>>> relu.forward(np.array([[-1.0, 2.0]]), train=True), relu.backward(np.array([[5.0, 5.0]]))
(array([[0., 2.]]), array([[0., 5.]]))
"""

from __future__ import annotations

import math

import numpy as np

from cnncalc.nn.layer import Layer
from cnncalc.nn.parallel import run_split

_ZEROS: dict[np.dtype, np.ndarray] = {}


def shared_zeros(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A read-only zero array of `shape`, a view of one shared buffer per dtype (grown as needed)."""
    size = math.prod(shape)
    buf = _ZEROS.get(np.dtype(dtype))
    if buf is None or buf.size < size:
        buf = _ZEROS[np.dtype(dtype)] = np.zeros(size, dtype)
        buf.flags.writeable = False
    return buf[:size].reshape(shape)


class ReLU(Layer):
    """max(0, x); the gradient is 1 where x > 0 and 0 elsewhere (also at 0, as in PyTorch)."""

    kind = "relu"

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        mask = np.empty(x.shape, bool) if train else None  # only a backward pass needs it
        self.mask = mask
        out = np.empty_like(x)
        # Against a zero array numpy's maximum is vectorised; against the scalar 0 it is 3× slower.
        zeros = shared_zeros(x.shape, x.dtype)

        def part(a: int, b: int) -> None:
            if mask is not None:
                np.greater(x[a:b], 0, out=mask[a:b])
            np.maximum(x[a:b], zeros[a:b], out=out[a:b])

        run_split(part, len(x), x.size)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = np.empty_like(grad)
        run_split(lambda a, b: np.multiply(grad[a:b], self.mask[a:b], out=out[a:b]), len(grad), grad.size)
        return out


class LeakyReLU(Layer):
    """x if x > 0 else slope·x (PyTorch's default slope 0.01)."""

    kind = "leakyrelu"

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        self.slope = slope

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.mask = x > 0
        return np.where(self.mask, x, x * x.dtype.type(self.slope))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.where(self.mask, grad, grad * grad.dtype.type(self.slope))


class Sigmoid(Layer):
    """σ(x) = 1/(1 + e^(−x)); σ' = σ·(1 − σ)."""

    kind = "sigmoid"

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        # e^(−|x|) never overflows; mirror it for negative x.
        e = np.exp(-np.abs(x))
        self.out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return self.out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.out * (1 - self.out)


class Tanh(Layer):
    """tanh(x); tanh' = 1 − tanh²."""

    kind = "tanh"

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.out = np.tanh(x)
        return self.out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * (1 - self.out * self.out)


def softmax(x: np.ndarray) -> np.ndarray:
    """e^(x_i − max x) / Σ_j e^(x_j − max x) along the last axis (the shift avoids overflow)."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class Softmax(Layer):
    """Softmax over the channels; ∂L/∂x = s·(g − Σ g·s). As the last layer it is fused into the loss."""

    kind = "softmax"

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.out = softmax(x)
        return self.out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self.out * (grad - (grad * self.out).sum(axis=-1, keepdims=True))
