"""Layers, each with its forward and backward pass side by side.

Activations are channels-last: NHWC for maps, (N, features) after flatten. Weights use PyTorch's
layout — conv (C_out, C_in/g, k_h, k_w), dense (out, in) — so they can be compared with, and
copied to, torch modules. Every layer computes in the dtype of its input (float32 for training,
float64 for gradient checks).

A layer's `forward(x, train)` keeps what its `backward(grad)` needs; `backward` stores parameter
gradients in `self.grads` (same keys as `self.params`) and returns the gradient for its input.

>>> import numpy as np
>>> relu = ReLU()
>>> relu.forward(np.array([[-1.0, 2.0]]), train=True), relu.backward(np.array([[5.0, 5.0]]))
(array([[0., 2.]]), array([[0., 5.]]))
"""

from __future__ import annotations

import math

import numpy as np

from cnncalc.nn.init import glorot_uniform, he_normal
from cnncalc.nn.parallel import matmul_work, run_split
from cnncalc.nn.windows import Pairs, add_taps, add_windows, pad_hw, tap, unpad_hw, windows

Size2 = tuple[int, int]

# Below this many input channels a convolution builds its im2col matrix transposed (see Conv2D).
FEW_CHANNELS = 4


class Layer:
    """Base class: no parameters, no state."""

    kind = "layer"

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        # The first layer's input is the data: its gradient is never needed, so skip computing it.
        self.need_input_grad = True
        self.number = 0  # the spec layer it implements (set by build_model)

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _init(shape: tuple[int, ...], init: str, rng: np.random.Generator, dtype) -> np.ndarray:
    return he_normal(shape, rng, dtype) if init == "he" else glorot_uniform(shape, rng, dtype)


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in PyTorch) by im2col and one matmul per group.

    Without groups, the im2col copy and the matmuls run per slice of the batch, in parallel
    inside `cnncalc.nn.parallel.split_work` (the weight gradient sums the slices' products).

    Shape: (N, H, W, C_in) → (N, H_out, W_out, C_out),
        H_out = ⌊(H + p_top + p_bottom − d·(k − 1) − 1)/s⌋ + 1   (rows that fill no window are dropped)
    out[n, oh, ow, o] = b[o] + Σ_{c, i, j} w[o, c, i, j] · x_pad[n, oh·s + i·d, ow·s + j·d, g(o)·C_in/g + c]
    """

    kind = "conv"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: Size2,
        stride: Size2 = (1, 1),
        padding: Pairs = ((0, 0), (0, 0)),
        dilation: Size2 = (1, 1),
        groups: int = 1,
        bias: bool = True,
        rng: np.random.Generator | None = None,
        init: str = "he",
        dtype=np.float32,
    ) -> None:
        super().__init__()
        self.kernel, self.stride, self.padding, self.dilation, self.groups = (
            kernel,
            stride,
            padding,
            dilation,
            groups,
        )
        rng = rng or np.random.default_rng(0)
        self.params["weight"] = _init((out_channels, in_channels // groups, *kernel), init, rng, dtype)
        if bias:
            self.params["bias"] = np.zeros(out_channels, dtype)

    def _weight_matrix(self) -> np.ndarray:
        """(g, k_h·k_w·C_in/g, C_out/g): the weight laid out to match the im2col columns."""
        w = self.params["weight"]
        cout, cg, kh, kw = w.shape
        g = self.groups
        return (
            w.reshape(g, cout // g, cg, kh, kw).transpose(0, 3, 4, 2, 1).reshape(g, kh * kw * cg, cout // g)
        )

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.in_shape = x.shape
        xp = pad_hw(x, self.padding)
        self.padded_shape = xp.shape
        win = windows(xp, self.kernel, self.stride, self.dilation)
        n, oh, ow, kh, kw, c = win.shape
        g, m, hw, k = self.groups, n * oh * ow, oh * ow, kh * kw * c
        wm = self._weight_matrix()
        self.cols_t = None
        has_bias = "bias" in self.params
        self.out_hw = (oh, ow)
        if g > 1:
            cols = win.reshape(m, kh * kw, g, c // g).transpose(2, 0, 1, 3).reshape(g, m, k // g)
            out = np.matmul(cols, wm).transpose(1, 0, 2).reshape(m, -1)
            if has_bias:
                out += self.params["bias"]
            self.cols, self.wm = cols, wm
            return out.reshape(n, oh, ow, -1)
        out = np.empty((m, wm.shape[2]), x.dtype)
        if c < FEW_CHANNELS:
            # Few channels (a grayscale input): copying window rows of c values each is slow, so
            # build the im2col matrix transposed, one contiguous row of m values per tap. A row
            # of ones times a bias row adds the bias inside the matmul (and gives its gradient).
            cols_t = np.empty((k + has_bias, m), x.dtype)
            if has_bias:
                cols_t[k] = 1
                wm = np.concatenate([wm[0], self.params["bias"][None]])[None]
            taps = cols_t[:k].reshape(kh, kw, c, n, oh, ow)

            def part_t(a: int, b: int) -> None:
                np.copyto(taps[:, :, :, a:b], win[a:b].transpose(3, 4, 5, 0, 1, 2))
                np.matmul(cols_t[:, a * hw : b * hw].T, wm[0], out=out[a * hw : b * hw])

            run_split(part_t, n, m * (k + out.shape[1]) + matmul_work(m, k, out.shape[1]))
            self.cols_t = cols_t
        else:
            cols = np.empty((m, k), x.dtype)
            rows6 = cols.reshape(n, oh, ow, kh, kw, c)

            def part(a: int, b: int) -> None:
                np.copyto(rows6[a:b], win[a:b])  # the im2col copy
                np.matmul(cols[a * hw : b * hw], wm[0], out=out[a * hw : b * hw])
                if has_bias:
                    out[a * hw : b * hw] += self.params["bias"]

            run_split(part, n, m * (k + out.shape[1]) + matmul_work(m, k, out.shape[1]))
            self.cols = cols
        self.wm = wm
        return out.reshape(n, oh, ow, -1)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        n, oh, ow, cout = grad.shape
        g, m, hw = self.groups, n * oh * ow, oh * ow
        kh, kw = self.kernel
        cg = self.params["weight"].shape[1]
        g2 = grad.reshape(m, cout)
        has_bias = "bias" in self.params
        if g == 1:
            # ∂W = colsᵀ·g, summed over the batch slices in order (one slice outside split_work).
            work = matmul_work(m, kh * kw * cg, cout)
            if self.cols_t is not None:
                parts = run_split(lambda a, b: self.cols_t[:, a * hw : b * hw] @ g2[a * hw : b * hw], n, work)
            else:
                parts = run_split(lambda a, b: self.cols[a * hw : b * hw].T @ g2[a * hw : b * hw], n, work)
            dwm = parts[0]
            for more in parts[1:]:
                dwm = dwm + more
            dwm = dwm[None]
            if self.cols_t is not None and has_bias:  # the row of ones in cols_t: ∂b = Σ_rows g
                self.grads["bias"] = dwm[0, -1]
                dwm = dwm[:, :-1]
            elif has_bias:
                # A matrix-vector product sums the rows far faster than numpy's column-wise reduction.
                self.grads["bias"] = np.ones(m, grad.dtype) @ g2
        else:
            if has_bias:
                self.grads["bias"] = np.ones(m, grad.dtype) @ g2
            gg = g2.reshape(m, g, cout // g).transpose(1, 0, 2)
            dwm = np.matmul(self.cols.transpose(0, 2, 1), gg)
        self.grads["weight"] = (
            dwm.reshape(g, kh, kw, cg, cout // g).transpose(0, 4, 3, 1, 2).reshape(cout, cg, kh, kw)
        )
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        if g == 1:
            dxp = np.zeros(self.padded_shape, grad.dtype)
            # One (m, C_in) product per tap, each added onto the map as a block: adding the taps of
            # a (m, k_h·k_w·C_in) product instead moves C_in values at a time and is 3× slower.
            w_taps = self.params["weight"].transpose(2, 3, 0, 1).reshape(kh * kw, cout, cg)

            def part(a: int, b: int) -> None:
                dtaps = np.matmul(g2[a * hw : b * hw], w_taps).reshape(kh, kw, b - a, oh, ow, cg)
                add_taps(dtaps, dxp[a:b], self.stride, self.dilation)

            run_split(part, n, m * kh * kw * cg + matmul_work(m, cout, kh * kw * cg))
        else:
            dcols = np.matmul(gg, self.wm.transpose(0, 2, 1)).reshape(g, n, oh, ow, kh, kw, cg)
            dcols = dcols.transpose(1, 2, 3, 4, 5, 0, 6).reshape(n, oh, ow, kh, kw, cg * g)
            dxp = add_windows(dcols, self.padded_shape, self.stride, self.dilation)
        return unpad_hw(dxp, self.padding, self.in_shape[1:3])


class ConvTranspose2D(Layer):
    """Transposed convolution: the backward pass of a convolution, used forwards (groups = 1).

    Shape: H_out = (H − 1)·s − 2p + d·(k − 1) + output_padding + 1.
    Input pixel (h, w) adds w[c, o, i, j]·x to output (h·s + i·d − p, w·s + j·d − p).
    Weight layout is PyTorch's ConvTranspose2d: (C_in, C_out, k_h, k_w).
    """

    kind = "tconv"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: Size2,
        stride: Size2,
        padding: Size2,
        dilation: Size2,
        out_size: Size2,
        bias: bool = True,
        rng: np.random.Generator | None = None,
        init: str = "he",
        dtype=np.float32,
    ) -> None:
        super().__init__()
        self.kernel, self.stride, self.padding, self.dilation, self.out_size = (
            kernel,
            stride,
            padding,
            dilation,
            out_size,
        )
        rng = rng or np.random.default_rng(0)
        # Fans of a transposed conv are those of the conv it transposes: swap in and out.
        w = _init((out_channels, in_channels, *kernel), init, rng, dtype)
        self.params["weight"] = np.ascontiguousarray(w.transpose(1, 0, 2, 3))
        if bias:
            self.params["bias"] = np.zeros(out_channels, dtype)

    def _full_shape(self, n: int, h: int, w: int, cout: int) -> tuple[int, int, int, int]:
        (kh, kw), (sh, sw), (dh, dw), (ph, pw) = self.kernel, self.stride, self.dilation, self.padding
        full_h = max((h - 1) * sh + dh * (kh - 1) + 1, ph + self.out_size[0])
        full_w = max((w - 1) * sw + dw * (kw - 1) + 1, pw + self.out_size[1])
        return n, full_h, full_w, cout

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        n, h, w, cin = x.shape
        wt = self.params["weight"]
        cout, (kh, kw) = wt.shape[1], self.kernel
        self.x2 = x.reshape(-1, cin)
        self.wm = wt.transpose(0, 2, 3, 1).reshape(cin, kh * kw * cout)
        cols = (self.x2 @ self.wm).reshape(n, h, w, kh, kw, cout)
        full = add_windows(cols, self._full_shape(n, h, w, cout), self.stride, self.dilation)
        (ph, pw), (oh, ow) = self.padding, self.out_size
        out = full[:, ph : ph + oh, pw : pw + ow, :]
        if "bias" in self.params:
            out = out + self.params["bias"]
        self.in_hw = (h, w)
        return np.ascontiguousarray(out)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        n, oh, ow, cout = grad.shape
        (kh, kw), (ph, pw) = self.kernel, self.padding
        if "bias" in self.params:
            self.grads["bias"] = grad.sum(axis=(0, 1, 2))
        full = np.zeros(self._full_shape(n, *self.in_hw, cout), grad.dtype)
        full[:, ph : ph + oh, pw : pw + ow, :] = grad
        cols = windows(full, self.kernel, self.stride, self.dilation, out=self.in_hw).reshape(
            -1, kh * kw * cout
        )
        cin = self.params["weight"].shape[0]
        self.grads["weight"] = (self.x2.T @ cols).reshape(cin, kh, kw, cout).transpose(0, 3, 1, 2)
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        return (cols @ self.wm.T).reshape(n, *self.in_hw, cin)


def _pool_pads(
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
        self.kernel, self.stride, self.padding, self.dilation, self.out_hw = (
            kernel,
            stride,
            padding,
            dilation,
            out_hw,
        )
        self.ceil = ceil

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.in_shape = x.shape
        self.pads = _pool_pads(
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
        self.pads = _pool_pads((h, w), self.out_hw, self.kernel, self.stride, self.dilation, self.padding)
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


def _averaging_matrix(n: int, o: int, dtype) -> np.ndarray:
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
        self.a_h = _averaging_matrix(h, oh, x.dtype)
        self.a_w = _averaging_matrix(w, ow, x.dtype)
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


class BatchNorm(Layer):
    """Batch normalisation over every axis but the channels (BatchNorm2d for maps, 1d for features).

    Training: x̂ = (x − μ_B)/√(σ²_B + ε), out = γ·x̂ + β, with the batch's mean and biased variance;
    running_mean ← (1 − m)·running_mean + m·μ_B, running_var ← (1 − m)·running_var + m·σ²_B·n/(n − 1).
    Evaluation uses the running statistics. ε = 1e-5, m = 0.1 (PyTorch's defaults).
    """

    kind = "bn"

    def __init__(self, channels: int, eps: float = 1e-5, momentum: float = 0.1, dtype=np.float32) -> None:
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.params["weight"] = np.ones(channels, dtype)
        self.params["bias"] = np.zeros(channels, dtype)
        self.buffers["running_mean"] = np.zeros(channels, dtype)
        self.buffers["running_var"] = np.ones(channels, dtype)

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        axes = tuple(range(x.ndim - 1))
        gamma, beta = self.params["weight"], self.params["bias"]
        if not train:
            inv = 1.0 / np.sqrt(self.buffers["running_var"] + self.eps)
            return (x - self.buffers["running_mean"]) * (inv * gamma) + beta
        n = x.size // x.shape[-1]
        mean = x.mean(axis=axes)
        centred = x - mean
        var = np.mean(centred * centred, axis=axes)
        self.inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype)
        self.xhat = centred * self.inv_std
        m = self.momentum
        self.buffers["running_mean"] = ((1 - m) * self.buffers["running_mean"] + m * mean).astype(x.dtype)
        unbiased = var * (n / max(n - 1, 1))
        self.buffers["running_var"] = ((1 - m) * self.buffers["running_var"] + m * unbiased).astype(x.dtype)
        return self.xhat * gamma + beta

    def backward(self, grad: np.ndarray) -> np.ndarray:
        axes = tuple(range(grad.ndim - 1))
        self.grads["bias"] = grad.sum(axis=axes)
        self.grads["weight"] = (grad * self.xhat).sum(axis=axes)
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        n = grad.size // grad.shape[-1]
        # dx = γ/(n·σ)·(n·g − Σg − x̂·Σ(g·x̂))
        return (self.params["weight"] * self.inv_std / n) * (
            n * grad - self.grads["bias"] - self.xhat * self.grads["weight"]
        )


_ZEROS: dict[np.dtype, np.ndarray] = {}


def _zeros(shape: tuple[int, ...], dtype) -> np.ndarray:
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
        self.mask = mask = np.empty(x.shape, bool)
        out = np.empty_like(x)
        # Against a zero array numpy's maximum is vectorised; against the scalar 0 it is 3× slower.
        zeros = _zeros(x.shape, x.dtype)

        def part(a: int, b: int) -> None:
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


class Flatten(Layer):
    """(N, H, W, C) → (N, C·H·W) in PyTorch's channel-major order, so weights after it match torch."""

    kind = "flatten"

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.in_shape = x.shape
        if x.ndim == 2:
            return x
        return x.transpose(0, 3, 1, 2).reshape(x.shape[0], -1)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if len(self.in_shape) == 2:
            return grad
        n, h, w, c = self.in_shape
        return grad.reshape(n, c, h, w).transpose(0, 2, 3, 1)


class Dense(Layer):
    """Fully connected: out = x·Wᵀ + b with W of shape (out, in); ∂W = gᵀ·x, ∂x = g·W."""

    kind = "fc"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: np.random.Generator | None = None,
        init: str = "he",
        dtype=np.float32,
    ) -> None:
        super().__init__()
        rng = rng or np.random.default_rng(0)
        self.params["weight"] = _init((out_features, in_features), init, rng, dtype)
        if bias:
            self.params["bias"] = np.zeros(out_features, dtype)

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        self.x = x
        out = x @ self.params["weight"].T
        if "bias" in self.params:
            out += self.params["bias"]
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        self.grads["weight"] = grad.T @ self.x
        if "bias" in self.params:
            self.grads["bias"] = grad.sum(axis=0)
        if not self.need_input_grad:
            return np.empty(0, grad.dtype)
        return grad @ self.params["weight"]


def parameter_count(layers: list[Layer]) -> int:
    return sum(math.prod(p.shape) for layer in layers for p in layer.params.values())
