"""A convolution as one matrix product, with the layout and threading that make it fast.

Without groups, a convolution is out = cols · W_m (+ b): cols is the im2col matrix, one row per
output pixel holding its window's k = k_h·k_w·C_in values, and W_m the weight as (k, C_out). Its
gradients are ∂W_m = colsᵀ · g, ∂b = Σ_rows g and, tap by tap, ∂x += g · W_tapᵀ at the pixels
that tap read.

The matrix is built in one of two layouts, whichever copies faster:

- rows (m, k), for C_in ≥ FEW_CHANNELS: each window row copies runs of C_in contiguous values;
- taps (k + 1, m), for fewer channels (a grayscale input): copying one or two values at a time is
  slow, so the transpose is built instead, one contiguous row of m values per tap, plus a row of
  ones that adds the bias inside the product (and gives its gradient in the weight gradient's).

Every copy and product runs per slice of the batch (`cnncalc.nn.parallel.run_split`), so the
slices can go to different threads; the weight gradient sums the slices' products in slice order.

>>> import numpy as np
>>> from cnncalc.nn.windows import windows
>>> x = np.arange(16.0).reshape(1, 4, 4, 1)
>>> out, cols = conv_product(windows(x, (2, 2), (2, 2), (1, 1)), np.ones((4, 1)), None)
>>> out.ravel().tolist(), cols.transposed  # each output is the sum of its 2×2 window
([10.0, 18.0, 42.0, 50.0], True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnncalc.nn.parallel import matmul_work, run_split
from cnncalc.nn.windows import add_taps

# Below this many input channels the im2col matrix is built transposed (one row per tap).
FEW_CHANNELS = 4


@dataclass
class Im2col:
    """The im2col matrix of a batch: (m, k) rows, or (k [+ 1 row of ones], m) when `transposed`."""

    matrix: np.ndarray
    transposed: bool
    ones_row: bool  # the transposed matrix ends in a row of ones (the bias)
    samples: int  # N: the batch is split by samples, each owning m/N consecutive rows

    def rows_of(self, a: int, b: int) -> np.ndarray:
        """The (rows, k) block of samples a … b − 1, or its (k, rows) transpose."""
        hw = self.matrix.shape[1 if self.transposed else 0] // self.samples
        if self.transposed:
            return self.matrix[:, a * hw : b * hw]
        return self.matrix[a * hw : b * hw]


def conv_product(win: np.ndarray, wm: np.ndarray, bias: np.ndarray | None) -> tuple[np.ndarray, Im2col]:
    """out (m, C_out) = im2col(win) · wm + bias, and the im2col matrix (kept for the backward pass).

    `win` is the (N, H_out, W_out, k_h, k_w, C) window view (`cnncalc.nn.windows.windows`), `wm`
    the (k_h·k_w·C, C_out) weight matrix. m = N·H_out·W_out.
    """
    n, oh, ow, kh, kw, c = win.shape
    m, k, hw, cout = n * oh * ow, kh * kw * c, oh * ow, wm.shape[1]
    dtype = wm.dtype
    out = np.empty((m, cout), dtype)
    work = m * (k + cout) + matmul_work(m, k, cout)
    if c < FEW_CHANNELS:
        has_bias = bias is not None
        cols_t = np.empty((k + has_bias, m), dtype)
        if has_bias:
            cols_t[k] = 1
            wm = np.concatenate([wm, bias[None]])
        taps = cols_t[:k].reshape(kh, kw, c, n, oh, ow)

        def part_t(a: int, b: int) -> None:
            np.copyto(taps[:, :, :, a:b], win[a:b].transpose(3, 4, 5, 0, 1, 2))
            np.matmul(cols_t[:, a * hw : b * hw].T, wm, out=out[a * hw : b * hw])

        run_split(part_t, n, work)
        return out, Im2col(cols_t, True, has_bias, n)
    cols = np.empty((m, k), dtype)
    rows6 = cols.reshape(n, oh, ow, kh, kw, c)

    def part(a: int, b: int) -> None:
        np.copyto(rows6[a:b], win[a:b])  # the im2col copy
        np.matmul(cols[a * hw : b * hw], wm, out=out[a * hw : b * hw])
        if bias is not None:
            out[a * hw : b * hw] += bias

    run_split(part, n, work)
    return out, Im2col(cols, False, False, n)


def weight_gradient(cols: Im2col, g2: np.ndarray, bias: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """(∂W_m, ∂b or None) for the output gradient g2 (m, C_out): ∂W_m = colsᵀ · g2, summed over the
    batch slices in slice order so that it has the same bits on any number of cores; ∂b = Σ_rows g2.
    """
    n = cols.samples
    rows = g2.shape[0] // n
    k = cols.matrix.shape[0 if cols.transposed else 1]
    work = matmul_work(g2.shape[0], k, g2.shape[1])
    if cols.transposed:
        parts = run_split(lambda a, b: cols.rows_of(a, b) @ g2[a * rows : b * rows], n, work)
    else:
        parts = run_split(lambda a, b: cols.rows_of(a, b).T @ g2[a * rows : b * rows], n, work)
    dwm = parts[0]
    for more in parts[1:]:
        dwm = dwm + more
    if cols.ones_row:
        return dwm[:-1], dwm[-1]
    if not bias:
        return dwm, None
    # A matrix-vector product sums the rows far faster than numpy's column-wise reduction.
    return dwm, np.ones(g2.shape[0], g2.dtype) @ g2


def input_gradient(
    g2: np.ndarray,
    weight: np.ndarray,
    padded_shape: tuple[int, int, int, int],
    out_hw: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """∂L/∂x_pad for the output gradient g2 (m, C_out) of a convolution without groups.

    One (m, C_in) product per tap, each added onto the map as a block: adding the taps of one
    (m, k_h·k_w·C_in) product instead moves C_in values at a time and is 3× slower.
    """
    cout, cin, kh, kw = weight.shape
    n = padded_shape[0]
    hw = out_hw[0] * out_hw[1]
    dxp = np.zeros(padded_shape, g2.dtype)
    w_taps = weight.transpose(2, 3, 0, 1).reshape(kh * kw, cout, cin)

    def part(a: int, b: int) -> None:
        dtaps = np.matmul(g2[a * hw : b * hw], w_taps).reshape(kh, kw, b - a, *out_hw, cin)
        add_taps(dtaps, dxp[a:b], stride, dilation)

    m = g2.shape[0]
    run_split(part, n, m * kh * kw * cin + matmul_work(m, cout, kh * kw * cin))
    return dxp
