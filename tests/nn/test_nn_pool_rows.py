"""Max pooling with windows one column apart runs by rows (the maximum of the rows' maxima, over
views): the same maxima as the copied taps, and the gradient sent to the same first maximum of
each window — checked against the taps on inputs full of ties, where any other routing shows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError
from cnncalc.nn import parallel
from cnncalc.nn.model import build_model
from cnncalc.nn.pool import MaxPool2D


def pool_of(spec: str) -> MaxPool2D:
    try:
        model = build_model(spec, dtype=np.float64)
    except CnnCalcError:
        assume(False)  # a pool that does not fit its input
    (pool,) = model.layers
    pool.need_input_grad = True
    return pool


@settings(max_examples=120, deadline=None)
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    k=st.tuples(st.integers(1, 3), st.integers(1, 4)),
    stride_h=st.integers(1, 3),
    d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    pad=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    ceil=st.booleans(),
    split=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_pooling_by_rows_has_the_maxima_and_the_routing_of_the_copied_taps(
    n, c, h, w, k, stride_h, d, pad, ceil, split, seed
):
    spec = (
        f"input {c}x{h}x{w} | maxpool k={k[0]}x{k[1]} s={stride_h}x1 d={d[0]}x{d[1]} "
        f"p={pad[0]}x{pad[1]} ceil={'true' if ceil else 'false'}"
    )
    by_rows, by_taps = pool_of(spec), pool_of(spec)
    by_taps.by_rows = False
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, (n, h, w, c)).astype(np.float64)  # few values: many ties
    before, parallel.MIN_PART = parallel.MIN_PART, (1 if split else parallel.MIN_PART)
    try:
        with parallel.split_work(2):
            out = by_rows.forward(x, train=True)
            g = rng.integers(-4, 5, out.shape).astype(np.float64)  # whole numbers: sums are exact
            dx = by_rows.backward(g)
    finally:
        parallel.MIN_PART = before
    np.testing.assert_array_equal(out, by_taps.forward(x, train=True))
    np.testing.assert_array_equal(dx, by_taps.backward(g))
    assert by_rows.separable and not by_taps.separable


@pytest.mark.parametrize("stride", ["2", "2x3", "1x2"])
def test_windows_further_apart_across_copy_their_taps(stride):
    pool = pool_of(f"input 2x9x9 | maxpool k=3 s={stride}")
    pool.forward(np.zeros((1, 9, 9, 2)), train=True)
    assert not pool.separable
