"""Pooling layers: max and average over windows, the global mean, and adaptive average pooling.

>>> import numpy as np
>>> pool = MaxPool2D((2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1), (1, 1))
>>> pool.forward(np.arange(4.0).reshape(1, 2, 2, 1), train=True).ravel().tolist()
[3.0]
"""

from __future__ import annotations

import numpy as np

from cnncalc.nn.layer import Layer, Size2
from cnncalc.nn.parallel import run_split
from cnncalc.nn.windows import Pairs, pad_hw, tap, unpad_hw, windows


def pool_pads(
    in_hw: Size2, out_hw: Size2, kernel: Size2, stride: Size2, dilation: Size2, padding: Pairs
) -> Pairs:
    """Padding plus, in ceil mode, the extra rows after it that the last window reaches into."""
    pads = []
    for n, o, k, s, d, (before, after) in zip(in_hw, out_hw, kernel, stride, dilation, padding, strict=True):
        need = (o - 1) * s + d * (k - 1) + 1
        pads.append((before, max(after, need - n - before)))
    return tuple(pads)  # type: ignore[return-value]


class MaxPool2D(Layer):
    """Max pooling; the gradient goes to the first maximum of each window, as in PyTorch.

    Shape: H_out = ⌊(H + 2p − d·(k − 1) − 1)/s⌋ + 1 (⌈⌉ in ceil mode); padding counts as −∞.
    """

    kind = "maxpool"

    def __init__(
        self, kernel: Size2, stride: Size2, padding: Pairs, dilation: Size2, out_hw: Size2, ceil: bool = False
    ) -> None:
        super().__init__()
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.out_hw, self.ceil = out_hw, ceil

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.in_shape = x.shape
        self.pads = pool_pads(
            x.shape[1:3], self.out_hw, self.kernel, self.stride, self.dilation, self.padding
        )
        xp = pad_hw(x, self.pads, -np.inf)
        self.padded_shape = xp.shape
        kh, kw = self.kernel
        # The taps copied out into one contiguous block each: numpy compares and multiplies strided
        # views only C values at a time, so the comparisons below (and in backward) run 2–3× faster
        # on copies, and one strided copy costs far less than one strided arithmetic pass.
        win = windows(xp, self.kernel, self.stride, self.dilation, self.out_hw)
        n, oh, ow, _, _, c = win.shape
        stack = np.empty((kh, kw, n, oh, ow, c), x.dtype)
        self.taps = taps = stack.reshape(kh * kw, n, oh, ow, c)
        self.out = out = np.empty((n, oh, ow, c), x.dtype)

        def part(a: int, b: int) -> None:
            np.copyto(stack[:, :, a:b], win[a:b].transpose(3, 4, 0, 1, 2, 5))
            if kh * kw == 1:
                out[a:b] = taps[0, a:b]
                return
            np.maximum(taps[0, a:b], taps[1, a:b], out=out[a:b])
            for t in range(2, kh * kw):
                np.maximum(out[a:b], taps[t, a:b], out=out[a:b])

        run_split(part, n, stack.size)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        kh, kw = self.kernel
        size = self.padded_shape[1:3]
        disjoint = all(
            s >= d * (k - 1) + 1 for s, d, k in zip(self.stride, self.dilation, self.kernel, strict=True)
        )
        # Windows that tile the padded map exactly (k = s, sizes divide) write every pixel below.
        tiled = all(
            s == k and d == 1 and o * s == n
            for s, d, k, o, n in zip(self.stride, self.dilation, self.kernel, self.out_hw, size, strict=True)
        )
        dxp = np.empty(self.padded_shape, grad.dtype) if tiled else np.zeros(self.padded_shape, grad.dtype)
        last = kh * kw - 1

        def part(a: int, b: int) -> None:
            out, g = self.out[a:b], grad[a:b]
            hit = np.empty(out.shape, bool)
            unclaimed = np.empty(out.shape, bool)  # windows whose maximum no earlier tap has taken
            share = np.empty_like(g)
            for t in range(kh * kw):
                np.equal(self.taps[t, a:b], out, out=hit)
                if t == 0:
                    np.logical_not(hit, out=unclaimed)
                else:
                    hit &= unclaimed  # ties: only the first maximum in scan order gets the gradient
                    if t < last:
                        unclaimed ^= hit  # hit ⊆ unclaimed, so this removes the windows just taken
                np.multiply(g, hit, out=share)
                target = tap(dxp[a:b], t // kw, t % kw, self.stride, self.dilation, self.out_hw)
                if disjoint:  # windows do not overlap: each pixel gets one share at most
                    target[...] = share
                else:
                    target += share

        run_split(part, len(grad), self.taps.size)
        return unpad_hw(dxp, self.pads, self.in_shape[1:3])


class AvgPool2D(Layer):
    """Average pooling, PyTorch's default count_include_pad=True: padding counts as zeros in the mean.

    Shape as for max pooling. The divisor is the window's size clipped to the padded input (it is
    smaller than k_h·k_w only for the extra window of ceil mode).
    """

    kind = "avgpool"

    def __init__(
        self, kernel: Size2, stride: Size2, padding: Pairs, out_hw: Size2, ceil: bool = False
    ) -> None:
        super().__init__()
        self.kernel, self.stride, self.padding, self.out_hw, self.ceil = kernel, stride, padding, out_hw, ceil
        self.dilation = (1, 1)

    def _sum(self, xp: np.ndarray) -> np.ndarray:
        kh, kw = self.kernel
        total = tap(xp, 0, 0, self.stride, self.dilation, self.out_hw).copy()
        for t in range(1, kh * kw):
            total += tap(xp, t // kw, t % kw, self.stride, self.dilation, self.out_hw)
        return total

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        n, h, w, c = self.in_shape = x.shape
        self.pads = pool_pads((h, w), self.out_hw, self.kernel, self.stride, self.dilation, self.padding)
        # 1 over the input and its explicit padding, 0 over the extra ceil-mode rows: the divisor.
        (pt, pb), (pl, pr) = self.padding
        inside = np.ones((1, h + pt + pb, w + pl + pr, 1), x.dtype)
        extra = ((0, self.pads[0][1] - pb), (0, self.pads[1][1] - pr))
        self.count = self._sum(pad_hw(inside, extra))
        xp = pad_hw(x, self.pads)
        self.padded_shape = xp.shape
        return self._sum(xp) / self.count

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        share = grad / self.count
        dxp = np.zeros(self.padded_shape, grad.dtype)
        kh, kw = self.kernel
        for t in range(kh * kw):
            tap(dxp, t // kw, t % kw, self.stride, self.dilation, self.out_hw)[...] += share
        return unpad_hw(dxp, self.pads, self.in_shape[1:3])


class GlobalAvgPool(Layer):
    """The mean of each whole map: (N, H, W, C) → (N, 1, 1, C); out = Σ x / (H·W)."""

    kind = "gap"

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.in_shape = x.shape
        return x.mean(axis=(1, 2), keepdims=True)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        h, w = self.in_shape[1:3]
        return np.broadcast_to(grad / (h * w), self.in_shape).copy()


def adaptive_windows(n: int, o: int) -> list[tuple[int, int]]:
    """PyTorch's AdaptiveAvgPool windows along one axis: cell i covers [⌊i·n/o⌋, ⌈(i+1)·n/o⌉).

    >>> adaptive_windows(5, 3)
    [(0, 2), (1, 4), (3, 5)]
    """
    return [(i * n // o, -(-(i + 1) * n // o)) for i in range(o)]


def averaging_matrix(n: int, o: int, dtype: type) -> np.ndarray:
    """(o, n): row i holds 1/width over window i, so A·x averages each window of x."""
    a = np.zeros((o, n), dtype)
    for i, (start, stop) in enumerate(adaptive_windows(n, o)):
        a[i, start:stop] = 1 / (stop - start)
    return a


class AdaptiveAvgPool2D(Layer):
    """Average pooling to a fixed output size (PyTorch's AdaptiveAvgPool2d), whatever the input.

    Shape: (N, H, W, C) → (N, H_out, W_out, C). Cell (i, j) averages rows ⌊i·H/H_out⌋ … ⌈(i+1)·H/H_out⌉ − 1
    and the columns likewise; the windows differ in size by one when H_out does not divide H.
    The window is a product of a row range and a column range, so with the averaging matrices A_h
    (H_out × H) and A_w (W_out × W): out[n] = A_h · x[n] · A_wᵀ per channel, and ∂x[n] = A_hᵀ · g[n] · A_w.
    """

    kind = "gap"

    def __init__(self, out_hw: Size2) -> None:
        super().__init__()
        self.out_hw = out_hw

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        n, h, w, c = self.in_shape = x.shape
        oh, ow = self.out_hw
        self.a_h = averaging_matrix(h, oh, x.dtype)
        self.a_w = averaging_matrix(w, ow, x.dtype)
        rows = np.matmul(self.a_h, x.reshape(n, h, w * c)).reshape(n * oh, w, c)
        return np.matmul(self.a_w, rows).reshape(n, oh, ow, c)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        n, h, w, c = self.in_shape
        oh, ow = self.out_hw
        cols = np.matmul(self.a_w.T, grad.reshape(n * oh, ow, c)).reshape(n, oh, w * c)
        return np.matmul(self.a_h.T, cols).reshape(n, h, w, c)

    def __repr__(self) -> str:
        return f"AdaptiveAvgPool2D({self.out_hw})"
