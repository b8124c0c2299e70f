"""Convolution and transposed convolution layers (PyTorch's Conv2d and ConvTranspose2d).

>>> import numpy as np
>>> conv = Conv2D(1, 2, (3, 3))
>>> conv.forward(np.zeros((4, 8, 8, 1), np.float32), train=True).shape
(4, 6, 6, 2)
"""

from __future__ import annotations

import numpy as np

from cnncalc.nn.im2col import conv_backward, conv_forward
from cnncalc.nn.layer import Layer, Size2, init_weight
from cnncalc.nn.windows import Pairs, add_windows, pad_hw, unpad_hw, windows


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in PyTorch) by im2col and one matmul per group.

    Without groups, `cnncalc.nn.im2col` builds the im2col matrix and multiplies it, slice by slice
    of the batch (in evaluation it keeps nothing for a backward pass); with groups, each group is
    one slice of the channels and one batched matmul.

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
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.groups = groups
        rng = rng or np.random.default_rng(0)
        self.params["weight"] = init_weight((out_channels, in_channels // groups, *kernel), init, rng, dtype)
        if bias:
            self.params["bias"] = np.zeros(out_channels, dtype)

    def weight_matrix(self) -> np.ndarray:
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
        n, oh, ow = win.shape[:3]
        self.out_hw = (oh, ow)
        if self.groups > 1:
            out = self._grouped_forward(win)
        else:
            out, self.cols = conv_forward(win, self.weight_matrix()[0], self.params.get("bias"), keep=train)
        return out.reshape(n, oh, ow, -1)

    def _grouped_forward(self, win: np.ndarray) -> np.ndarray:
        """One batched matmul over the groups: (g, m, k/g) · (g, k/g, C_out/g)."""
        n, oh, ow, kh, kw, c = win.shape
        g, m, k = self.groups, n * oh * ow, kh * kw * c
        self.group_cols = win.reshape(m, kh * kw, g, c // g).transpose(2, 0, 1, 3).reshape(g, m, k // g)
        self.wm = self.weight_matrix()
        out = np.matmul(self.group_cols, self.wm).transpose(1, 0, 2).reshape(m, -1)
        if "bias" in self.params:
            out += self.params["bias"]
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        n, oh, ow, cout = grad.shape
        g2 = grad.reshape(n * oh * ow, cout)
        if self.groups > 1:
            return self._grouped_backward(g2)
        dwm, dbias, dx = conv_backward(
            self.cols,
            g2,
            self.params["weight"],
            self.in_shape if self.need_input_grad else None,
            self.padding,
            self.out_hw,
            self.stride,
            self.dilation,
            "bias" in self.params,
        )
        self.store_grads(dwm, dbias)
        return np.empty(0, grad.dtype) if dx is None else dx

    def store_grads(self, dwm: np.ndarray, dbias: np.ndarray | None) -> None:
        """Keep ∂W (given as ∂W_m, the (k_h·k_w·C_in, C_out) matrix of a convolution without groups)
        and ∂b."""
        cout, cg, kh, kw = self.params["weight"].shape
        self.grads["weight"] = dwm.reshape(kh, kw, cg, cout).transpose(3, 2, 0, 1).reshape(cout, cg, kh, kw)
        if dbias is not None:
            self.grads["bias"] = dbias

    def _grouped_backward(self, g2: np.ndarray) -> np.ndarray:
        m, cout = g2.shape
        g, (kh, kw), (oh, ow) = self.groups, self.kernel, self.out_hw
        cg = self.params["weight"].shape[1]
        n = m // (oh * ow)
        if "bias" in self.params:
            self.grads["bias"] = np.ones(m, g2.dtype) @ g2
        gg = g2.reshape(m, g, cout // g).transpose(1, 0, 2)
        dwm = np.matmul(self.group_cols.transpose(0, 2, 1), gg)
        self.grads["weight"] = (
            dwm.reshape(g, kh, kw, cg, cout // g).transpose(0, 4, 3, 1, 2).reshape(cout, cg, kh, kw)
        )
        if not self.need_input_grad:
            return np.empty(0, g2.dtype)
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
        dtype: type = np.float32,
    ) -> None:
        super().__init__()
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.out_size = out_size
        rng = rng or np.random.default_rng(0)
        # Fans of a transposed conv are those of the conv it transposes: swap in and out.
        w = init_weight((out_channels, in_channels, *kernel), init, rng, dtype)
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
