"""Batch norm's element-wise passes run over one row per sample with its per-channel vectors tiled
to the row (long inner loops for numpy): the same operations as broadcasting each channel's value
over (pixels, C) rows, so the same bits — checked here against that plain formulation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.nn import parallel
from cnncalc.nn.norm import BatchNorm


def by_channel_rows(x, g, gamma, beta, eps):
    """Training-mode forward and backward written over (rows, C) with broadcasting, in the order
    of operations BatchNorm documents: its outputs must match these bits exactly."""
    rows, grows = x.reshape(-1, x.shape[-1]), g.reshape(-1, x.shape[-1])
    n = rows.shape[0]
    ones = np.ones(n, x.dtype)
    mean = (ones @ rows) / x.dtype.type(n)
    centred = rows - mean
    var = (ones @ (centred * centred)) / x.dtype.type(n)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
    out = centred * (inv_std * gamma)
    out += beta
    dbias, sum_gc = ones @ grows, ones @ (grows * centred)
    a = gamma * inv_std
    b = -a * inv_std * inv_std * sum_gc / x.dtype.type(n)
    c = -a * dbias / x.dtype.type(n)
    dx = centred * b
    dx += c
    dx += grows * a
    return out.reshape(x.shape), dx.reshape(x.shape), sum_gc * inv_std, dbias


@settings(max_examples=60, deadline=None)
@given(
    shape=st.one_of(
        st.tuples(st.integers(1, 9), st.integers(1, 5), st.integers(1, 5), st.integers(1, 7)),
        st.tuples(st.integers(2, 9), st.integers(1, 12)),  # BatchNorm1d on features
    ),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
    split=st.booleans(),
)
def test_batch_norm_has_the_bits_of_the_per_channel_formulation(shape, dtype, seed, split):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    bn = BatchNorm(shape[-1], dtype=dtype)
    bn.need_input_grad = True
    bn.params["weight"][:] = rng.uniform(0.5, 2, shape[-1])
    bn.params["bias"][:] = rng.standard_normal(shape[-1])
    want = by_channel_rows(x, g, bn.params["weight"], bn.params["bias"], bn.eps)
    before, parallel.MIN_PART = parallel.MIN_PART, (1 if split else parallel.MIN_PART)
    try:
        with parallel.split_work(2, 4):
            got = (bn.forward(x, train=True), bn.backward(g), bn.grads["weight"], bn.grads["bias"])
    finally:
        parallel.MIN_PART = before
    for have, expected in zip(got, want, strict=True):
        assert have.dtype == expected.dtype and have.shape == expected.shape
        if not split:  # cut into slices, the sums over slices are added in another order
            assert np.array_equal(have, expected)
        else:
            np.testing.assert_allclose(have, expected, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-5)
