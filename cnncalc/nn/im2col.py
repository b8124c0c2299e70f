"""A convolution as one matrix product, with the layout and threading that make it fast.

Without groups, a convolution is out = cols · W_m (+ b): cols is the im2col matrix, one row per
output pixel holding its window's k = k_h·k_w·C_in values, and W_m the weight as (k, C_out). Its
gradients are ∂W_m = colsᵀ · g, ∂b = Σ_rows g and ∂x: for a stride-1 convolution a correlation of
the padded output gradient with the flipped kernel (one more im2col product), otherwise, tap by
tap, ∂x += g · W_tapᵀ at the pixels that tap read.

The matrix is built in one of two layouts, whichever copies faster:

- rows (m, k), for C_in ≥ FEW_CHANNELS: each window row copies runs of C_in contiguous values;
- taps (k + 1, m), for fewer channels (a grayscale input): copying one or two values at a time is
  slow, so the transpose is built instead, one contiguous row of m values per tap, plus a row of
  ones that adds the bias inside the product (and gives its gradient in the weight gradient's).

A batch's matrix is never held whole (`SlicedIm2col`): each slice of samples builds its block
(`Im2col`) when it needs it — for the forward product, and again for the weight gradient — and
drops it. The whole matrix (9× the input for a 3×3 kernel, several MB) would be written out to
memory in the forward pass and read back in the backward one; a slice's block (~1 MB) is used
while it is still in cache, and building it again costs one more copy of an input that is.

Rows belong to samples: a window view (N, *R, k_h, k_w, C) gives each sample ∏R consecutive rows,
so the work is split by samples (`cnncalc.nn.parallel.run_split`) and each slice of the batch can
go to another thread. `conv_forward` and `conv_backward` do a plain convolution's passes that way;
`cnncalc.nn.conv_pool` builds on the same pieces. Weight gradients are summed over the slices in
slice order, so they have the same bits on any number of cores.

>>> import numpy as np
>>> from cnncalc.nn.windows import windows
>>> x = np.arange(16.0).reshape(1, 4, 4, 1)
>>> out, cols = conv_forward(windows(x, (2, 2), (2, 2), (1, 1)), np.ones((4, 1)), None, keep=True)
>>> out.ravel().tolist(), Im2col.of(cols.win, bias=False).transposed  # sums of the 2×2 windows
([10.0, 18.0, 42.0, 50.0], True)
"""

from __future__ import annotations

import math

import numpy as np

from cnncalc.nn.parallel import matmul_work, run_split
from cnncalc.nn.windows import Pairs, pad_hw, tap, unpad_hw, windows

# Below this many input channels the im2col matrix is built transposed (one row per tap).
FEW_CHANNELS = 4


class Im2col:
    """The im2col matrix of some windows: (m, k) rows, or (k [+ a row of ones], m) transposed.

    `win` is a window view (N, *R, k_h, k_w, C): sample n owns rows n·∏R … (n + 1)·∏R − 1.
    The matrix is allocated here and filled by `fill`.
    """

    def __init__(self, win: np.ndarray, bias: bool) -> None:
        n, *rows, kh, kw, c = win.shape
        self.samples, self.rows_per_sample = n, math.prod(rows)
        self.k = kh * kw * c
        self.m = m = n * self.rows_per_sample
        self.transposed = c < FEW_CHANNELS
        self.ones_row = self.transposed and bias
        if self.transposed:
            self.matrix = np.empty((self.k + self.ones_row, m), win.dtype)
            if self.ones_row:
                self.matrix[self.k] = 1
            # (k_h, k_w, C, N, *R): the copy target, one contiguous run of ∏R values per sample
            self._target = self.matrix[: self.k].reshape(kh, kw, c, n, *rows)
            self._order = (len(rows) + 1, len(rows) + 2, len(rows) + 3, 0, *range(1, len(rows) + 1))
        else:
            self.matrix = np.empty((m, self.k), win.dtype)
            self._target = self.matrix.reshape(win.shape)

    @classmethod
    def of(cls, win: np.ndarray, bias: bool) -> Im2col:
        """The matrix of `win`, filled."""
        cols = cls(win, bias)
        cols.fill(win, 0, len(win))
        return cols

    def rows(self, a: int, b: int) -> slice:
        """The rows (of the product, of its gradient) that samples a … b − 1 own."""
        return slice(a * self.rows_per_sample, b * self.rows_per_sample)

    def fill(self, win: np.ndarray, a: int, b: int) -> None:
        """Copy the windows of samples a … b − 1 into the matrix (the im2col copy)."""
        if self.transposed:
            np.copyto(self._target[:, :, :, a:b], win[a:b].transpose(self._order))
        else:
            np.copyto(self._target[a:b], win[a:b])

    def block(self, a: int, b: int) -> np.ndarray:
        """Samples a … b − 1's rows as a (rows, k [+ 1]) matrix (a transposed view in the taps layout)."""
        return self.matrix[:, self.rows(a, b)].T if self.transposed else self.matrix[self.rows(a, b)]

    @staticmethod
    def weights_for(win: np.ndarray, wm: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        """What the rows of any Im2col of these windows are multiplied by: wm (k, C_out), with the
        bias as a last row when the matrix has a row of ones (the layout depends only on C)."""
        return np.concatenate([wm, bias[None]]) if bias is not None and win.shape[-1] < FEW_CHANNELS else wm

    def product(self, weights: np.ndarray, bias: np.ndarray | None, a: int, b: int, out: np.ndarray) -> None:
        """out = samples a … b − 1's rows · weights (+ bias, unless the row of ones adds it)."""
        np.matmul(self.block(a, b), weights, out=out)
        if bias is not None and not self.ones_row:
            out += bias


class SlicedIm2col:
    """A batch's im2col matrix that is never held whole: each slice of samples builds its own
    block from the windows when it needs it, for the forward product and again for the weight
    gradient (see the module docstring). The windows must stay unchanged until the backward pass.
    """

    def __init__(self, win: np.ndarray, bias: bool) -> None:
        n, *rows, kh, kw, c = win.shape
        self.win, self.bias = win, bias
        self.samples, self.rows_per_sample = n, math.prod(rows)
        self.k = kh * kw * c
        self.m = n * self.rows_per_sample
        self.ones_row = c < FEW_CHANNELS and bias

    def rows(self, a: int, b: int) -> slice:
        """The rows (of the product, of its gradient) that samples a … b − 1 own."""
        return slice(a * self.rows_per_sample, b * self.rows_per_sample)

    def product(self, weights: np.ndarray, bias: np.ndarray | None, a: int, b: int, out: np.ndarray) -> None:
        """out = samples a … b − 1's rows · weights (+ bias), their block built for it."""
        Im2col.of(self.win[a:b], self.bias).product(weights, bias, 0, b - a, out)

    def weight_gradient(self, grad: np.ndarray, a: int, b: int) -> np.ndarray:
        """Samples a … b − 1's share of ∂(weights) = rowsᵀ · grad, grad being their rows' gradient."""
        return Im2col.of(self.win[a:b], self.bias).block(0, b - a).T @ grad


def split_bias_gradient(
    cols: SlicedIm2col, dweights: np.ndarray, grad: np.ndarray, bias: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """(∂W_m, ∂b or None) from the summed ∂(weights): the ones row's gradient is ∂b; without it,
    ∂b = Σ_rows grad (a matrix-vector product sums the rows far faster than numpy's column sum)."""
    if cols.ones_row:
        return dweights[:-1], dweights[-1]
    return dweights, (np.ones(grad.shape[0], grad.dtype) @ grad if bias else None)


def sum_in_order(parts: list[np.ndarray]) -> np.ndarray:
    """The sum of the slices' partial sums, always added in slice order (the same bits on any core count)."""
    total = parts[0]
    for more in parts[1:]:
        total = total + more
    return total


def conv_forward(
    win: np.ndarray, wm: np.ndarray, bias: np.ndarray | None, keep: bool
) -> tuple[np.ndarray, SlicedIm2col | None]:
    """out (m, C_out) = im2col(win) · wm + bias, and, when `keep` (for backward), the Im2col that
    rebuilds the slices' blocks from `win` in the backward pass.

    `win` is the (N, H_out, W_out, k_h, k_w, C) window view (`cnncalc.nn.windows.windows`), `wm`
    the (k_h·k_w·C, C_out) weight matrix. m = N·H_out·W_out. Each slice builds and drops its own
    small matrix, so a batch never holds a whole im2col matrix.
    """
    n, oh, ow, kh, kw, c = win.shape
    cout = wm.shape[1]
    out = np.empty((n * oh * ow, cout), wm.dtype)
    cols = SlicedIm2col(win, bias is not None)
    weights = Im2col.weights_for(win, wm, bias)

    def part(a: int, b: int) -> None:
        cols.product(weights, bias, a, b, out[a * oh * ow : b * oh * ow])

    run_split(part, n, product_work(out.shape[0], kh * kw * c, cout))
    return out, cols if keep else None


def product_work(m: int, k: int, cout: int) -> int:
    """The work of an im2col copy and product of m rows, in `run_split`'s units."""
    return m * (k + cout) + matmul_work(m, k, cout)


def tap_weights(weight: np.ndarray) -> np.ndarray:
    """(k_h·k_w, C_out, C_in): the weight (C_out, C_in, k_h, k_w) as one matrix per tap, contiguous."""
    cout, cin, kh, kw = weight.shape
    return np.ascontiguousarray(weight.transpose(2, 3, 0, 1).reshape(kh * kw, cout, cin))


def add_input_gradient(
    grad: np.ndarray,
    w_taps: np.ndarray,
    dxp: np.ndarray,
    kernel: tuple[int, int],
    out_hw: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    """dxp += ∂L/∂x_pad for the output gradient grad (N·H_out·W_out rows, C_out) of N samples.

    Tap by tap: the (rows, C_in) product grad · W_tapᵀ, added at once onto the pixels that tap read
    (while it is still in cache) as one block with runs of W_out·C_in values. Adding the taps of
    one (rows, k_h·k_w·C_in) product instead moves C_in values at a time and is 3× slower.
    """
    n, (oh, ow), cin = dxp.shape[0], out_hw, w_taps.shape[2]
    block = np.empty((grad.shape[0], cin), grad.dtype)
    for t in range(kernel[0] * kernel[1]):
        np.matmul(grad, w_taps[t], out=block)
        tap(dxp, t // kernel[1], t % kernel[1], stride, dilation, out_hw)[...] += block.reshape(
            n, oh, ow, cin
        )


def flipped_weights(weight: np.ndarray) -> np.ndarray:
    """(k_h·k_w·C_out, C_in): the weight (C_out, C_in, k_h, k_w) turned 180° in space and laid out
    for an im2col product with the output gradient's windows (`input_gradient_by_correlation`)."""
    cout, cin, kh, kw = weight.shape
    return np.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(2, 3, 0, 1).reshape(kh * kw * cout, cin))


def correlation_pads(kernel: tuple[int, int], dilation: tuple[int, int], padding: Pairs) -> Pairs | None:
    """How much zero padding around the output gradient of a stride-1 convolution turns its input
    gradient into a plain correlation with the flipped kernel: d·(k − 1) − p on each side. None
    when a side's padding p is wider than d·(k − 1) (the gradient would have to be cropped)."""
    pads = tuple(
        (d * (k - 1) - before, d * (k - 1) - after)
        for k, d, (before, after) in zip(kernel, dilation, padding, strict=True)
    )
    return None if min(min(pair) for pair in pads) < 0 else pads  # type: ignore[return-value]


def input_gradient_by_correlation(
    grad_padded: np.ndarray,
    w_flipped: np.ndarray,
    dx: np.ndarray,
    kernel: tuple[int, int],
    dilation: tuple[int, int],
) -> None:
    """dx (n, H, W, C_in) = ∂L/∂x of a stride-1 convolution, for the gradient g (n, H_out, W_out,
    C_out) of its output, padded by `correlation_pads`: with stride 1, input pixel q is read by
    output q − i·d through tap i, so ∂x[q] = Σ_i g[q − i·d]·w[i] — a correlation of the padded
    gradient with the flipped kernel. One im2col product, written straight into dx: nothing is
    added pixel by pixel, and the padding's gradient is never computed.
    """
    win = windows(grad_padded, kernel, (1, 1), dilation, out=dx.shape[1:3])
    np.matmul(Im2col.of(win, bias=False).block(0, len(win)), w_flipped, out=dx.reshape(-1, dx.shape[-1]))


def conv_backward(
    cols: SlicedIm2col,
    grad: np.ndarray,
    weight: np.ndarray,
    in_shape: tuple[int, int, int, int] | None,
    padding: Pairs,
    out_hw: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    bias: bool,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(∂W_m, ∂b or None, ∂x or None) for the output gradient grad (m, C_out); ∂x (of `in_shape`,
    the unpadded input's) only when `in_shape` is given. All in one pass over the batch's slices.

    ∂x of a stride-1 convolution whose output is about as large as its input is a correlation of
    the padded gradient (`input_gradient_by_correlation`); otherwise the taps' products are added
    onto a zeroed padded map (`add_input_gradient`) and the padding cut off.
    """
    cout, cin, kh, kw = weight.shape
    n = cols.samples
    # The correlation has a row per input pixel, the taps a row per output pixel: it pays for a
    # padded ("same") convolution, not for one whose output is much smaller than its input.
    by_correlation = (
        stride == (1, 1)
        and in_shape is not None
        and in_shape[1] * in_shape[2] <= 1.25 * out_hw[0] * out_hw[1]
    )
    pads = correlation_pads((kh, kw), dilation, padding) if by_correlation else None
    dx = dxp = None
    if in_shape is not None and pads is not None:
        dx = np.empty(in_shape, grad.dtype)
        w_flipped = flipped_weights(weight)
        grad_padded = pad_hw(grad.reshape(n, *out_hw, cout), pads)
    elif in_shape is not None:
        (top, bottom), (left, right) = padding
        dxp = np.zeros((n, in_shape[1] + top + bottom, in_shape[2] + left + right, cin), grad.dtype)
        w_taps = tap_weights(weight)

    def part(a: int, b: int) -> np.ndarray:
        rows = grad[cols.rows(a, b)]
        if dx is not None:
            input_gradient_by_correlation(grad_padded[a:b], w_flipped, dx[a:b], (kh, kw), dilation)
        elif dxp is not None:
            add_input_gradient(rows, w_taps, dxp[a:b], (kh, kw), out_hw, stride, dilation)
        return cols.weight_gradient(rows, a, b)

    m = grad.shape[0]
    work = matmul_work(m, cols.k, cout) + m * cols.k  # the blocks are built again
    if in_shape is not None:
        work += m * kh * kw * cin + matmul_work(m, cout, kh * kw * cin)
    dweights = sum_in_order(run_split(part, n, work))
    dwm, dbias = split_bias_gradient(cols, dweights, grad, bias)
    if dxp is not None:
        dx = unpad_hw(dxp, padding, in_shape[1:3])
    return dwm, dbias, dx
