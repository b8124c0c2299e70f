"""The convolution's fast paths against plain definitions (no torch needed): the input gradient of
a stride-1 convolution computed as a correlation against the adjoint of the forward pass, the
sliced im2col against one whole matrix, and the hand-written padding against np.pad."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.nn.conv import Conv2D
from cnncalc.nn.im2col import correlation_pads
from cnncalc.nn.windows import add_windows, pad_hw, windows


def reference_gradients(conv: Conv2D, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∂x, ∂W) from the definition: the im2col matrix of the padded input, ∂W_m = colsᵀ·g and
    ∂x_pad = col2im(g·W_mᵀ), the adjoint of reading the windows."""
    xp = pad_hw(x, conv.padding)
    win = windows(xp, conv.kernel, conv.stride, conv.dilation)
    n, oh, ow, kh, kw, c = win.shape
    cols = np.ascontiguousarray(win).reshape(n * oh * ow, -1)
    wm = conv.weight_matrix()[0]
    g2 = g.reshape(-1, wm.shape[1])
    dcols = (g2 @ wm.T).reshape(n, oh, ow, kh, kw, c)
    dxp = add_windows(dcols, xp.shape, conv.stride, conv.dilation)
    (top, _), (left, _) = conv.padding
    dx = dxp[:, top : top + x.shape[1], left : left + x.shape[2]]
    dw = (cols.T @ g2).reshape(kh, kw, c, -1).transpose(3, 2, 0, 1)
    return dx, dw


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 5),
    size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    channels=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.sampled_from([(1, 1), (1, 1), (2, 1), (2, 2)]),
    dilation=st.sampled_from([(1, 1), (1, 1), (2, 1), (1, 3)]),
    pads=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
    seed=st.integers(0, 2**16),
)
def test_conv_gradients_equal_the_adjoint_of_the_forward_pass(
    n, size, channels, kernel, stride, dilation, pads, seed
):
    padding = ((pads[0], pads[1]), (pads[2], pads[3]))
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    if any(s + p[0] + p[1] < r for s, p, r in zip(size, padding, reach, strict=True)):
        return  # no window fits: such a layer is refused when the network is built
    rng = np.random.default_rng(seed)
    conv = Conv2D(channels[0], channels[1], kernel, stride, padding, dilation, rng=rng, dtype=np.float64)
    conv.need_input_grad = True
    x = rng.standard_normal((n, *size, channels[0]))
    out = conv.forward(x, train=True)
    g = rng.standard_normal(out.shape)
    dx = conv.backward(g)
    want_dx, want_dw = reference_gradients(conv, x, g)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv.grads["weight"], want_dw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv.grads["bias"], g.sum(axis=(0, 1, 2)), rtol=1e-12, atol=1e-12)


def test_the_correlation_path_is_taken_exactly_when_the_padding_allows_it():
    # d·(k − 1) − p on each side: "same" padding of an even kernel is uneven, and a padding wider
    # than the kernel's reach would need the gradient cropped, so the taps path takes it.
    assert correlation_pads((3, 3), (1, 1), ((1, 1), (1, 1))) == ((1, 1), (1, 1))
    assert correlation_pads((4, 3), (1, 2), ((1, 2), (0, 4))) == ((2, 1), (4, 0))
    assert correlation_pads((1, 1), (1, 1), ((1, 1), (0, 0))) is None


@settings(max_examples=60, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 3), st.integers(0, 5), st.integers(0, 5), st.integers(1, 4)),
    pads=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
    value=st.sampled_from([0.0, -np.inf, 1.5]),
)
def test_padding_equals_numpy_pad(shape, pads, value):
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    padding = ((pads[0], pads[1]), (pads[2], pads[3]))
    got = pad_hw(x, padding, value)
    want = np.pad(x, ((0, 0), *padding, (0, 0)), constant_values=value)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
