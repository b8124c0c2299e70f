"""All the trainer's layers, one import away; each concept lives in its own module.

- `layer`: the `Layer` base class (params, grads, buffers, forward and backward), `parameter_count`
- `conv`: `Conv2D`, `ConvTranspose2D` (the im2col product and its threading: `im2col`)
- `pool`: `MaxPool2D`, `AvgPool2D`, `GlobalAvgPool`, `AdaptiveAvgPool2D`
- `norm`: `BatchNorm`
- `activations`: `ReLU`, `LeakyReLU`, `Sigmoid`, `Tanh`, `Softmax` (and `softmax`)
- `linear`: `Flatten`, `Dense`
- `dropout`: `Dropout`

>>> import numpy as np
>>> relu = ReLU()
>>> relu.forward(np.array([[-1.0, 2.0]]), train=True), relu.backward(np.array([[5.0, 5.0]]))
(array([[0., 2.]]), array([[0., 5.]]))
"""

from __future__ import annotations

from cnncalc.nn.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, softmax
from cnncalc.nn.conv import Conv2D, ConvTranspose2D
from cnncalc.nn.dropout import Dropout
from cnncalc.nn.layer import Layer, Size2, parameter_count
from cnncalc.nn.linear import Dense, Flatten
from cnncalc.nn.norm import BatchNorm
from cnncalc.nn.pool import AdaptiveAvgPool2D, AvgPool2D, GlobalAvgPool, MaxPool2D, adaptive_windows

__all__ = [
    "AdaptiveAvgPool2D",
    "AvgPool2D",
    "BatchNorm",
    "Conv2D",
    "ConvTranspose2D",
    "Dense",
    "Dropout",
    "Flatten",
    "GlobalAvgPool",
    "Layer",
    "LeakyReLU",
    "MaxPool2D",
    "ReLU",
    "Sigmoid",
    "Size2",
    "Softmax",
    "Tanh",
    "adaptive_windows",
    "parameter_count",
    "softmax",
]
