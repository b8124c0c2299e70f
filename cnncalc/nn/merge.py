"""Where branches meet: the element-wise sum (`add`, ResNet's shortcut) and the concatenation on
channels (`concat`, Inception's branches, DenseNet's layers).

A merge reads several values, so its `forward` takes the list of them (in the order of the node's
`inputs`) and its `backward` returns one gradient per input, in the same order. Neither has
parameters. Activations are channels-last, so "on channels" is the last axis, for NHWC maps and for
(N, features) alike.

>>> import numpy as np
>>> a, b = np.ones((1, 2, 2, 3)), np.zeros((1, 2, 2, 1))
>>> Concat().forward([a, b], train=True)[0, 0, 0].tolist()
[1.0, 1.0, 1.0, 0.0]
>>> cat = Concat()
>>> _ = cat.forward([a, b], train=True)
>>> [g.shape for g in cat.backward(np.ones((1, 2, 2, 4)))]
[(1, 2, 2, 3), (1, 2, 2, 1)]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cnncalc.nn import kernels
from cnncalc.nn.activations import ReLU
from cnncalc.nn.layer import Layer
from cnncalc.nn.parallel import run_split


class Merge(Layer):
    """A layer that reads several values: forward(list of arrays) → array, backward(grad) → list."""

    def forward(self, xs: Sequence[np.ndarray], train: bool) -> np.ndarray:  # type: ignore[override]
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:  # type: ignore[override]
        raise NotImplementedError


class Add(Merge):
    """The element-wise sum of equally shaped inputs: out = Σ_i x_i, so ∂L/∂x_i = ∂L/∂out for every i.

    backward hands every input the same array: no layer writes into the gradient it is given, and
    the model sums the gradients of a value read by several consumers into a new array.
    """

    kind = "add"

    def forward(self, xs: Sequence[np.ndarray], train: bool) -> np.ndarray:  # type: ignore[override]
        self.count = len(xs)
        out = np.empty_like(xs[0])
        first, second, rest = xs[0], xs[1], xs[2:]

        def part(a: int, b: int) -> None:
            np.add(first[a:b], second[a:b], out=out[a:b])
            for x in rest:
                out[a:b] += x[a:b]

        run_split(part, len(out), out.size * len(xs))
        return out

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:  # type: ignore[override]
        return [grad] * self.count


class AddReLU(Merge):
    """add → relu as one step of a training run (`cnncalc.nn.model.plan_steps`), a residual
    block's end: with the compiled loops (`cnncalc.nn.kernels`, two inputs of MIN_SIZE elements
    or more) the sum and the ReLU are one pass, and backward the ReLU's gradient is one pass,
    handed to every input as Add does. Otherwise, and in evaluation, the two layers run. Either
    way the operations are the two layers', so the bits are theirs."""

    kind = "addrelu"

    def __init__(self, layers: list[Layer]) -> None:
        super().__init__()
        self.layers = layers
        self.add: Add = layers[0]  # type: ignore[assignment]
        self.relu: ReLU = layers[1]  # type: ignore[assignment]
        self.out: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"AddReLU({', '.join(map(repr, self.layers))})"

    def forward(self, xs: Sequence[np.ndarray], train: bool) -> np.ndarray:  # type: ignore[override]
        loops = kernels.compiled(xs[0].size) if train and len(xs) == 2 else None
        if loops is None or xs[0].shape != xs[1].shape or xs[0].dtype != xs[1].dtype:
            self.out = None
            return self.relu.forward(self.add.forward(xs, train), train)
        a, b = (np.ascontiguousarray(x).reshape(-1) for x in xs)
        out = np.empty(xs[0].shape, xs[0].dtype)  # C order: its flat view is the array's
        loops.add_relu(a, b, out.reshape(-1))
        self.loops, self.out = loops, out
        return out

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:  # type: ignore[override]
        if self.out is None:
            return self.add.backward(self.relu.backward(grad))
        through = np.empty(grad.shape, grad.dtype)  # C order (grad may be a transposed view)
        self.loops.relu_gradient(
            np.ascontiguousarray(grad).reshape(-1), self.out.reshape(-1), through.reshape(-1)
        )
        self.out = None
        return [through, through]


class Concat(Merge):
    """Inputs joined on channels, in order: out[..., o_i : o_i + C_i] = x_i with o_i = C_1 + … + C_(i−1);
    ∂L/∂x_i is the same slice of ∂L/∂out. The inputs agree on every other axis (N, H, W)."""

    kind = "concat"

    def forward(self, xs: Sequence[np.ndarray], train: bool) -> np.ndarray:  # type: ignore[override]
        self.widths = [x.shape[-1] for x in xs]
        out = np.empty((*xs[0].shape[:-1], sum(self.widths)), xs[0].dtype)
        bounds = self._bounds()

        def part(a: int, b: int) -> None:
            for x, (lo, hi) in zip(xs, bounds, strict=True):
                out[a:b, ..., lo:hi] = x[a:b]

        run_split(part, len(out), out.size)
        return out

    def _bounds(self) -> list[tuple[int, int]]:
        ends = np.cumsum(self.widths).tolist()
        return list(zip([0, *ends[:-1]], ends, strict=True))

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:  # type: ignore[override]
        return [grad[..., lo:hi] for lo, hi in self._bounds()]
