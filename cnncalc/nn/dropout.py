"""Inverted dropout.

>>> import numpy as np
>>> Dropout(0.5, np.random.default_rng(0)).forward(np.ones((1, 4)), train=False)  # the identity
array([[1., 1., 1., 1.]])
"""

from __future__ import annotations

import numpy as np

from cnncalc.nn.layer import Layer


class Dropout(Layer):
    """Inverted dropout: in training each value is zeroed with probability `rate` and the rest are
    scaled by 1/(1 − rate), so evaluation is the identity. The mask comes from the model's RNG."""

    kind = "dropout"

    def __init__(self, rate: float, rng: np.random.Generator) -> None:
        super().__init__()
        self.rate, self.rng = rate, rng

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        if not train or self.rate == 0:
            self.scale = None
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.rate
        self.scale = keep * x.dtype.type(1 / (1 - self.rate))
        return x * self.scale

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad if self.scale is None else grad * self.scale
