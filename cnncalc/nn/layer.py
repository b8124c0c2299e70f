"""What every layer is: parameters, their gradients, buffers, and a forward and a backward pass.

Activations are channels-last: NHWC for maps, (N, features) after flatten. Weights use PyTorch's
layout — conv (C_out, C_in/g, k_h, k_w), dense (out, in) — so they can be compared with, and
copied to, torch modules. Every layer computes in the dtype of its input (float32 for training,
float64 for gradient checks).

A layer's `forward(x, train)` keeps what its `backward(grad)` needs; `backward` stores parameter
gradients in `self.grads` (same keys as `self.params`) and returns the gradient for its input.

>>> Layer().params, parameter_count([])
({}, 0)
"""

from __future__ import annotations

import math

import numpy as np

from cnncalc.nn.init import glorot_uniform, he_normal

Size2 = tuple[int, int]


class Layer:
    """Base class: no parameters, no state."""

    kind = "layer"

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        # The first layer's input is the data: its gradient is never needed, so skip computing it.
        self.need_input_grad = True
        # Where it sits in the graph (set by build_model): the spec's layer number, its node id and
        # the ids of the values it reads.
        self.number = 0
        self.node_id = ""
        self.reads: tuple[str, ...] = ()

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def init_weight(shape: tuple[int, ...], init: str, rng: np.random.Generator, dtype: type) -> np.ndarray:
    """He normal before a ReLU (`init="he"`), Glorot uniform otherwise (see `cnncalc.nn.init`)."""
    return he_normal(shape, rng, dtype) if init == "he" else glorot_uniform(shape, rng, dtype)


def parameter_count(layers: list[Layer]) -> int:
    """Weights and biases of all the layers: Σ over every parameter array of its size."""
    return sum(math.prod(p.shape) for layer in layers for p in layer.params.values())
