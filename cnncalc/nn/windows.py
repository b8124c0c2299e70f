"""Sliding windows over channels-last maps: the im2col view and its adjoint, col2im.

Every spatial layer works on NHWC arrays (batch, height, width, channels). Window (oh, ow) of a
padded map starts at row oh·s_h and column ow·s_w, and its tap (i, j) reads row oh·s_h + i·d_h:

    windows(x)[n, oh, ow, i, j, c] = x[n, oh·s_h + i·d_h, ow·s_w + j·d_w, c]

`windows` returns that as a strided *view* (no copy); reshaping it to (N·H_out·W_out, k_h·k_w·C)
gives the im2col matrix, so a convolution becomes one BLAS matmul. `add_windows` is the adjoint:
it adds a gradient of that shape back onto the map, looping over the k_h·k_w taps (never over
pixels or samples); `tap` is the view of the map one tap reads. `pooled_windows` orders the
windows by the max pool that follows (see `cnncalc.nn.conv_pool`).

>>> import numpy as np
>>> windows(np.arange(16.0).reshape(1, 4, 4, 1), (2, 2), (2, 2), (1, 1)).shape
(1, 2, 2, 2, 2, 1)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import as_strided

from cnncalc.arith.sizes import conv_output_size

Pairs = tuple[tuple[int, int], tuple[int, int]]


def pad_hw(x: np.ndarray, pads: Pairs, value: float = 0.0) -> np.ndarray:
    """Pad the two spatial axes of an NHWC array by (before, after) pairs; no copy when all are 0.

    The border is filled and the map copied in by hand: np.pad does the same in ~20 µs more of
    Python per call, which a convolution on a small map pays in each slice of its batch.
    """
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    n, h, w, c = x.shape
    out = np.empty((n, top + h + bottom, left + w + right, c), x.dtype)
    out[:, :top] = value
    out[:, top + h :] = value
    out[:, top : top + h, :left] = value
    out[:, top : top + h, left + w :] = value
    out[:, top : top + h, left : left + w] = x
    return out


def unpad_hw(x: np.ndarray, pads: Pairs, size: tuple[int, int]) -> np.ndarray:
    """The inverse of `pad_hw`: the original H×W region of a padded array."""
    (top, _), (left, _) = pads
    return x[:, top : top + size[0], left : left + size[1], :]


def windows(
    x: np.ndarray,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    out: tuple[int, int] | None = None,
) -> np.ndarray:
    """A read-only view (N, H_out, W_out, k_h, k_w, C) of the windows of an (already padded) map.

    H_out is `conv_output_size` of the padded map unless `out` gives it (pooling in ceil mode pads
    the extra row itself before calling this).
    """
    n, h, w, c = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    if out is None:
        out = window_counts(h, w, kernel, stride, dilation)
    bn, bh, bw, bc = x.strides
    return strided_view(x, (n, out[0], out[1], kh, kw, c), (bn, bh * sh, bw * sw, bh * dh, bw * dw, bc))


@lru_cache(maxsize=1024)
def window_counts(
    h: int, w: int, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]
) -> tuple[int, int]:
    """How many windows fit down and across an (already padded) h×w map (`conv_output_size`,
    remembered: a training step asks for the same few sizes hundreds of times)."""
    return (
        conv_output_size(h, kernel[0], stride[0], 0, dilation[0]),
        conv_output_size(w, kernel[1], stride[1], 0, dilation[1]),
    )


def strided_view(x: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """A read-only view of x's memory with the given shape and strides (in bytes). For a
    contiguous x it is made directly on x's buffer, ~10× faster than numpy's `as_strided`."""
    if not x.flags.c_contiguous:
        return as_strided(x, shape=shape, strides=strides, writeable=False)
    view = np.ndarray(shape, x.dtype, x, 0, strides)
    view.flags.writeable = False
    return view


def pooled_windows(
    x: np.ndarray,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    pool: tuple[int, int],
    out: tuple[int, int],
) -> np.ndarray:
    """The convolution windows of an (already padded) map, grouped by the max pool that follows:
    a read-only view (N, p_h, p_w, P_h, P_w, k_h, k_w, C) where [n, a, b, p, q] is the window of
    convolution output (p·p_h + a, q·p_w + b), the pool window (p, q)'s tap (a, b). Pool windows
    tile the output (kernel = stride = `pool`); `out` = (P_h, P_w) of them. Rows and columns of the
    convolution's output that no pool window reads are left out.

    >>> pooled_windows(np.zeros((1, 5, 5, 2)), (2, 2), (1, 1), (1, 1), (2, 2), (2, 2)).shape
    (1, 2, 2, 2, 2, 2, 2, 2)
    """
    n, _, _, c = x.shape
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = kernel, stride, dilation, pool
    bn, bh, bw, bc = x.strides
    return strided_view(
        x,
        (n, ph, pw, out[0], out[1], kh, kw, c),
        (bn, bh * sh, bw * sw, bh * sh * ph, bw * sw * pw, bh * dh, bw * dw, bc),
    )


def tap(
    x: np.ndarray, i: int, j: int, stride: tuple[int, int], dilation: tuple[int, int], out: tuple[int, int]
) -> np.ndarray:
    """The (N, H_out, W_out, C) slice of a padded map that window tap (i, j) reads (a view)."""
    r0, c0 = i * dilation[0], j * dilation[1]
    return x[
        :,
        r0 : r0 + stride[0] * (out[0] - 1) + 1 : stride[0],
        c0 : c0 + stride[1] * (out[1] - 1) + 1 : stride[1],
        :,
    ]


def add_windows(
    cols: np.ndarray,
    padded_shape: tuple[int, int, int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """col2im: sum a (N, H_out, W_out, k_h, k_w, C) array back onto a zero map of `padded_shape`.

    Overlapping windows add up, which is exactly the chain rule for a pixel read by several windows.
    """
    n, oh, ow, kh, kw, c = cols.shape
    grad = np.zeros(padded_shape, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            tap(grad, i, j, stride, dilation, (oh, ow))[...] += cols[:, :, :, i, j, :]
    return grad
