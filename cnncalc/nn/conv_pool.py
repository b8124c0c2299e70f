"""A convolution, its ReLU and the max pool after them, computed as one stage.

conv → ReLU → max pool (k = s, no padding or dilation, floor mode) is the commonest block of a
small CNN, and computed layer by layer most of its time goes into passes over the convolution's
full output: writing it, the ReLU's pass and mask, copying the pool's taps out, comparing them.
Computed together:

- The im2col rows are ordered by pool window and tap (`pooled_windows`): the product then gives,
  for each sample, one contiguous block per pool tap, and the pool is p_h·p_w − 1 element-wise
  maxima of whole blocks. Convolution outputs that no pool window reads (the last row and column
  when the pool does not divide the size) are not computed at all.
- ReLU and max commute exactly: max(relu(a), relu(b)) = relu(max(a, b)), so the ReLU runs on the
  pooled map, p_h·p_w times smaller. Its gradient is the pool's, sent to the first maximum of each
  window, and only where that maximum is > 0: exactly what ReLU then pool give (PyTorch's too —
  where every value of a window is ≤ 0 the pool picks the first, and the ReLU zeroes it).
- The forward pass records which tap won each window (`first_maxima`), so the convolution's
  output is only ever one slice's scratch block; the backward pass builds its gradient from that,
  one multiply per tap, and takes the weight and input gradients slice by slice, in one pass.

The layers keep their parameters (the convolution's weight and bias, and their gradients), so
checkpoints, `show` and the oracle tests see the same model; `Model.forward(upto=…)` still runs
the layers one by one.

>>> import numpy as np
>>> from cnncalc.nn.model import build_model
>>> model = build_model("input 1x8x8 | conv 2 k=3 | relu | maxpool k=2 | flatten | fc 3")
>>> [type(stage).__name__ for stage in model.stages]
['ConvPool', 'Flatten', 'Dense']
>>> x = np.random.default_rng(0).random((2, 1, 8, 8), dtype=np.float32)
>>> bool(np.allclose(model.forward(x), model.forward(x, upto=len(model.layers)), rtol=1e-5))
True
"""

from __future__ import annotations

import numpy as np

from cnncalc.nn.activations import ReLU, shared_zeros
from cnncalc.nn.conv import Conv2D
from cnncalc.nn.im2col import (
    Im2col,
    SlicedIm2col,
    add_input_gradient,
    product_work,
    sum_in_order,
    tap_weights,
)
from cnncalc.nn.layer import Layer
from cnncalc.nn.norm import BatchNorm, BatchNormReLU
from cnncalc.nn.parallel import matmul_work, run_split
from cnncalc.nn.pool import MaxPool2D
from cnncalc.nn.windows import pad_hw, pooled_windows, unpad_hw


def fusable(conv: Layer, pool: Layer) -> bool:
    """Whether `conv` (then an optional ReLU) then `pool` can run as one ConvPool."""
    return (
        isinstance(conv, Conv2D)
        and conv.groups == 1
        and isinstance(pool, MaxPool2D)
        and pool.kernel == pool.stride
        and pool.dilation == (1, 1)
        and pool.padding == ((0, 0), (0, 0))
        and not pool.ceil
    )


def plan_stages(layers: list[Layer]) -> list[Layer]:
    """The layers to run in order, with every conv → (ReLU →) max pool that can be fused as one
    stage, and every batch norm → ReLU as one `BatchNormReLU`."""
    stages: list[Layer] = []
    i = 0
    while i < len(layers):
        conv = layers[i]
        has_relu = i + 1 < len(layers) and isinstance(layers[i + 1], ReLU)
        j = i + 1 + has_relu
        if j < len(layers) and fusable(conv, layers[j]):
            stages.append(ConvPool(layers[i : j + 1]))
            i = j + 1
        elif isinstance(conv, BatchNorm) and has_relu:
            stages.append(BatchNormReLU(layers[i : i + 2]))
            i += 2
        else:
            stages.append(conv)
            i += 1
    return stages


class ConvPool(Layer):
    """conv → (ReLU →) max pool in one stage; see the module docstring.

    Shape: (N, H, W, C_in) → (N, P_h, P_w, C_out), P = ⌊H_conv/p⌋ with H_conv the convolution's
    output size and p the pool's kernel (= stride).
    """

    kind = "convpool"

    def __init__(self, layers: list[Layer]) -> None:
        """`layers`: the Conv2D, the ReLU if there is one, and the MaxPool2D (see `fusable`)."""
        super().__init__()
        self.layers = layers
        self.conv: Conv2D = layers[0]  # type: ignore[assignment]
        self.pool: MaxPool2D = layers[-1]  # type: ignore[assignment]
        self.relu = len(layers) == 3

    def __repr__(self) -> str:
        return f"ConvPool({', '.join(map(repr, self.layers))})"

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        conv = self.conv
        xp = pad_hw(x, conv.padding)
        self.in_shape, self.padded_shape = x.shape, xp.shape
        win = pooled_windows(xp, conv.kernel, conv.stride, conv.dilation, self.pool.kernel, self.pool.out_hw)
        n, ph, pw, oh, ow = win.shape[:5]
        wm, bias = conv.weight_matrix()[0], conv.params.get("bias")
        cout = wm.shape[1]
        pooled = np.empty((n, oh, ow, cout), x.dtype)
        # Training keeps which tap won each window (the im2col blocks are built again for ∂W, see
        # `cnncalc.nn.im2col`); the convolution's output itself is only ever a slice's scratch block.
        cols = SlicedIm2col(win, bias is not None)
        hits = np.empty((n, ph * pw, oh, ow, cout), bool) if train else None
        weights = Im2col.weights_for(win, wm, bias)

        def part(a: int, b: int) -> None:
            out = np.empty(((b - a) * ph * pw * oh * ow, cout), x.dtype)
            cols.product(weights, bias, a, b, out)
            taps = out.reshape(b - a, ph * pw, oh, ow, cout)
            self._pool(taps, pooled[a:b], None if hits is None else hits[a:b])

        rows, k = n * ph * pw * oh * ow, int(np.prod(win.shape[5:]))
        run_split(part, n, product_work(rows, k, cout) + rows * cout)
        if train:
            self.cols, self.hits = cols, hits
        return pooled

    def _pool(self, taps: np.ndarray, pooled: np.ndarray, hits: np.ndarray | None) -> None:
        """pooled = max over the taps (axis 1) of the convolution's output blocks, then the ReLU;
        `hits` (when training) gets, for each tap, where it holds the first maximum (> 0 after a
        ReLU): where the gradient goes."""
        if taps.shape[1] == 1:
            np.copyto(pooled, taps[:, 0])
        else:
            np.maximum(taps[:, 0], taps[:, 1], out=pooled)
            for t in range(2, taps.shape[1]):
                np.maximum(pooled, taps[:, t], out=pooled)
        if hits is not None:
            first_maxima(taps, pooled, hits)
            if self.relu:
                np.logical_and(hits, (pooled > 0)[:, None], out=hits)
        if self.relu:
            np.maximum(pooled, shared_zeros(pooled.shape, pooled.dtype), out=pooled)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        conv, cols, hits = self.conv, self.cols, self.hits
        n, oh, ow, cout = grad.shape
        ph, pw = self.pool.kernel
        weight = conv.params["weight"]
        _, cin, kh, kw = weight.shape
        w_taps = tap_weights(weight)
        dxp = np.zeros(self.padded_shape, grad.dtype) if conv.need_input_grad else None
        sum_bias = "bias" in conv.params and not cols.ones_row

        def part(a: int, b: int) -> tuple[np.ndarray, np.ndarray | None]:
            # The gradient of the convolution's output: each pooled value's, at the tap that won.
            d_out = np.empty((b - a, ph * pw, oh, ow, cout), grad.dtype)
            for t in range(ph * pw):
                np.multiply(grad[a:b], hits[a:b, t], out=d_out[:, t])
            rows = d_out.reshape(-1, cout)
            if dxp is not None:
                # Back to the convolution's own row order first, so that each tap's block is added
                # onto the map in runs of a whole row (p_w·P_w·C_in values), not C_in at a time.
                natural = d_out.reshape(b - a, ph, pw, oh, ow, cout).transpose(0, 3, 1, 4, 2, 5)
                natural = np.ascontiguousarray(natural).reshape(-1, cout)
                covered = (oh * ph, ow * pw)  # the convolution's outputs the pool reads
                add_input_gradient(natural, w_taps, dxp[a:b], (kh, kw), covered, conv.stride, conv.dilation)
            dbias = np.ones(rows.shape[0], grad.dtype) @ rows if sum_bias else None
            return cols.weight_gradient(rows, a, b), dbias

        m = cols.m
        work = matmul_work(m, cols.k, cout) + m * cout + m * cols.k  # the block is built again
        if dxp is not None:
            work += m * kh * kw * cin + matmul_work(m, cout, kh * kw * cin)
        parts = run_split(part, n, work)
        dweights = sum_in_order([p[0] for p in parts])
        if cols.ones_row:
            conv.store_grads(dweights[:-1], dweights[-1])
        else:
            conv.store_grads(dweights, sum_in_order([p[1] for p in parts]) if sum_bias else None)
        if dxp is None:
            return np.empty(0, grad.dtype)
        return unpad_hw(dxp, conv.padding, self.in_shape[1:3])


def first_maxima(taps: np.ndarray, pooled: np.ndarray, hits: np.ndarray) -> None:
    """hits[:, t] = where tap t (axis 1 of `taps`) is the first to hold the maximum `pooled`:
    ties go to the earliest tap in scan order, as in PyTorch. The last tap wins where no earlier
    one does (it must then hold the maximum), so it needs no comparison.
    """
    last = taps.shape[1] - 1
    if last == 0:
        hits[:, 0] = True
        return
    seen = np.equal(taps[:, 0], pooled, out=hits[:, 0]).copy()  # some earlier tap holds the maximum
    equal = np.empty(pooled.shape, bool)
    for t in range(1, last):
        np.equal(taps[:, t], pooled, out=equal)
        np.greater(equal, seen, out=hits[:, t])  # equal and not seen
        seen |= equal
    np.logical_not(seen, out=hits[:, last])
