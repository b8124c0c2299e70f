"""Pooling layers: max and average over windows, the global mean, and adaptive average pooling.

>>> import numpy as np
>>> pool = MaxPool2D((2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1), (1, 1))
>>> pool.forward(np.arange(4.0).reshape(1, 2, 2, 1), train=True).ravel().tolist()
[3.0]
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from cnncalc.arith.sizes import adaptive_windows
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
    # Windows one column apart are pooled by rows (`_forward_by_rows`); the tests compare that with
    # the copied taps by switching it off.
    by_rows = True

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
        self.separable = self.by_rows and self.stride[1] == 1
        return self._forward_by_rows(xp) if self.separable else self._forward_by_taps(xp)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        dxp = self._backward_by_rows(grad) if self.separable else self._backward_by_taps(grad)
        return unpad_hw(dxp, self.pads, self.in_shape[1:3])

    # Windows that move one column at a time (stride 1 across): a window's maximum is the maximum
    # of its rows' maxima, each taken once for all the windows that share it. The taps of both
    # stages are views whose rows are runs of W_out·C contiguous values, so nothing is copied out
    # (copying k_h·k_w taps out, as below, writes k_h·k_w times the output first).

    def _column_tap(self, a: np.ndarray, j: int) -> np.ndarray:
        """Of a (N, H_pad, W_pad, C) map, the (N, H_pad, W_out, C) values that column tap j reads."""
        start = j * self.dilation[1]
        return a[:, :, start : start + self.out_hw[1]]

    def _row_tap(self, a: np.ndarray, i: int) -> np.ndarray:
        """Of a (N, H_pad, W_out, C) map of row maxima, the (N, H_out, W_out, C) that row tap i reads."""
        start, step = i * self.dilation[0], self.stride[0]
        return a[:, start : start + step * (self.out_hw[0] - 1) + 1 : step]

    def _forward_by_rows(self, xp: np.ndarray) -> np.ndarray:
        kh, kw = self.kernel
        n, hp, _, c = xp.shape
        self.xp = xp
        # row_max[n, r, w]: the maximum of the k_w pixels of padded row r that window column w reads
        self.row_max = row_max = np.empty((n, hp, self.out_hw[1], c), xp.dtype)
        self.out = out = np.empty((n, *self.out_hw, c), xp.dtype)

        def part(a: int, b: int) -> None:
            _max_of(row_max[a:b], [self._column_tap(xp[a:b], j) for j in range(kw)])
            _max_of(out[a:b], [self._row_tap(row_max[a:b], i) for i in range(kh)])

        run_split(part, n, row_max.size * kw + out.size * kh)
        return out

    def _backward_by_rows(self, grad: np.ndarray) -> np.ndarray:
        """The gradient goes to the first row (top to bottom) whose maximum is the window's, then to
        the first pixel (left to right) of that row that holds it: the window's first maximum in
        row-major order, as with `_backward_by_taps`."""
        kh, kw = self.kernel
        dxp = np.zeros(self.padded_shape, grad.dtype)

        def part(a: int, b: int) -> None:
            row_max, xp, g = self.row_max[a:b], self.xp[a:b], grad[a:b]
            to_rows = np.zeros(row_max.shape, grad.dtype)  # the gradient each row maximum receives
            share = np.empty(g.shape, grad.dtype)
            for i, hit in enumerate(
                _first_hits([self._row_tap(row_max, i) for i in range(kh)], self.out[a:b])
            ):
                np.multiply(g, hit, out=share)
                self._row_tap(to_rows, i)[...] += share
            share = np.empty(row_max.shape, grad.dtype)
            for j, hit in enumerate(_first_hits([self._column_tap(xp, j) for j in range(kw)], row_max)):
                np.multiply(to_rows, hit, out=share)
                self._column_tap(dxp[a:b], j)[...] += share

        run_split(part, len(grad), self.row_max.size * 4 * kw + self.out.size * 4 * kh)
        return dxp

    # Any other stride: the taps are copied out, one contiguous block each.

    def _forward_by_taps(self, xp: np.ndarray) -> np.ndarray:
        kh, kw = self.kernel
        # The taps copied out into one contiguous block each: numpy compares and multiplies strided
        # views only C values at a time, so the comparisons below (and in backward) run 2–3× faster
        # on copies, and one strided copy costs far less than one strided arithmetic pass.
        win = windows(xp, self.kernel, self.stride, self.dilation, self.out_hw)
        n, oh, ow, _, _, c = win.shape
        stack = np.empty((kh, kw, n, oh, ow, c), xp.dtype)
        self.taps = taps = stack.reshape(kh * kw, n, oh, ow, c)
        self.out = out = np.empty((n, oh, ow, c), xp.dtype)

        def part(a: int, b: int) -> None:
            np.copyto(stack[:, :, a:b], win[a:b].transpose(3, 4, 0, 1, 2, 5))
            _max_of(out[a:b], [taps[t, a:b] for t in range(kh * kw)])

        run_split(part, n, stack.size)
        return out

    def _backward_by_taps(self, grad: np.ndarray) -> np.ndarray:
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

        def part(a: int, b: int) -> None:
            g = grad[a:b]
            share = np.empty_like(g)
            for t, hit in enumerate(_first_hits([self.taps[t, a:b] for t in range(kh * kw)], self.out[a:b])):
                np.multiply(g, hit, out=share)
                target = tap(dxp[a:b], t // kw, t % kw, self.stride, self.dilation, self.out_hw)
                if disjoint:  # windows do not overlap: each pixel gets one share at most
                    target[...] = share
                else:
                    target += share

        run_split(part, len(grad), self.taps.size)
        return dxp


def _max_of(out: np.ndarray, taps: list[np.ndarray]) -> None:
    """out = the element-wise maximum of the taps (one or more arrays of out's shape)."""
    if len(taps) == 1:
        out[...] = taps[0]
        return
    np.maximum(taps[0], taps[1], out=out)
    for more in taps[2:]:
        np.maximum(out, more, out=out)


def _first_hits(taps: list[np.ndarray], best: np.ndarray) -> Iterator[np.ndarray]:
    """For each tap in order, where it holds `best` and no earlier tap did (a boolean mask; each
    mask is valid until the next is asked for): ties go to the first maximum in tap order."""
    hit = np.empty(best.shape, bool)
    unclaimed = np.empty(best.shape, bool)  # where no earlier tap has taken the maximum
    for t, values in enumerate(taps):
        np.equal(values, best, out=hit)
        if t == 0:
            np.logical_not(hit, out=unclaimed)
        else:
            hit &= unclaimed
            if t < len(taps) - 1:
                unclaimed ^= hit  # hit ⊆ unclaimed, so this removes the windows just taken
        yield hit


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


def averaging_matrix(n: int, o: int, dtype: type) -> np.ndarray:
    """(o, n): row i holds 1/width over window i (`cnncalc.arith.sizes.adaptive_windows`, the
    calculator's own), so A·x averages each window of x."""
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
