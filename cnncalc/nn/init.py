"""Weight initialisation: He (Kaiming) for layers followed by ReLU, Glorot (Xavier) otherwise.

    He normal:       w ~ N(0, σ²),    σ = √(2 / fan_in)               keeps ReLU activations' variance
    Glorot uniform:  w ~ U(−a, a),    a = √(6 / (fan_in + fan_out))   Keras' default

For a conv weight (C_out, C_in/g, k_h, k_w): fan_in = C_in/g·k_h·k_w, fan_out = C_out/g·k_h·k_w
(PyTorch's convention). Biases start at 0.

>>> import numpy as np
>>> he_normal((64, 32, 3, 3), np.random.default_rng(0)).std().round(2)  # √(2/288) ≈ 0.083
np.float32(0.08)
"""

from __future__ import annotations

import math

import numpy as np


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight in PyTorch layout: (out, in) or (out, in/g, *kernel)."""
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def he_normal(shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    fan_in, _ = fans(shape)
    return (rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)).astype(dtype)


def glorot_uniform(shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    fan_in, fan_out = fans(shape)
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(dtype)
