"""Batch norm's training passes, both ways they run, checked bit for bit against plain formulations:

- the numpy passes (no numba) run over one row per sample with the per-channel vectors tiled to the
  row: the same operations as broadcasting each channel's value over (pixels, C) rows;
- the compiled loops (`cnncalc.nn.kernels`) sum each channel in float64, row after row.

A fused bn → relu stage (`BatchNormReLU`) must give what the two layers give."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.nn import kernels, parallel
from cnncalc.nn.activations import ReLU
from cnncalc.nn.norm import BatchNorm, BatchNormReLU

with kernels.enabled(True):
    HAS_NUMBA = kernels.compiled(0) is not None
needs_numba = pytest.mark.skipif(not HAS_NUMBA, reason="numba is not installed here")


def numpy_reference(x, g, gamma, beta, eps):
    """Training-mode forward and backward written over (rows, C) with broadcasting, in the order
    of operations of the numpy passes: their outputs must match these bits exactly."""
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


def compiled_reference(x, g, gamma, beta, eps):
    """The same in the compiled loops' order: float64 sums taken row after row, each product of
    the gradient sums in float64, everything per element in x's dtype."""
    rows, grows = x.reshape(-1, x.shape[-1]), g.reshape(-1, x.shape[-1])
    n, dtype = rows.shape[0], x.dtype
    total, squares, sum_g, sum_gc = (np.zeros(rows.shape[1]) for _ in range(4))
    for row in rows:
        total += row
    mean = (total / n).astype(dtype)
    for row in rows:
        d = (row - mean).astype(np.float64)
        squares += d * d
    var = (squares / n).astype(dtype)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(dtype)
    out = (rows - mean) * (inv_std * gamma) + beta
    for grow, row in zip(grows, rows, strict=True):
        sum_g += grow
        sum_gc += grow.astype(np.float64) * (row - mean).astype(np.float64)
    dbias, sum_gc = sum_g.astype(dtype), sum_gc.astype(dtype)
    a = gamma * inv_std
    b = -a * inv_std * inv_std * sum_gc / dtype.type(n)
    c = -a * dbias / dtype.type(n)
    dx = (rows - mean) * b + c + grows * a
    return out.reshape(x.shape), dx.reshape(x.shape), sum_gc * inv_std, dbias


shapes = st.one_of(
    st.tuples(st.integers(1, 9), st.integers(1, 5), st.integers(1, 5), st.integers(1, 7)),
    st.tuples(st.integers(2, 9), st.integers(1, 12)),  # BatchNorm1d on features
)


def run_layer(shape, dtype, seed, split, compiled):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    bn = BatchNorm(shape[-1], dtype=dtype)
    bn.need_input_grad = True
    bn.params["weight"][:] = rng.uniform(0.5, 2, shape[-1])
    bn.params["bias"][:] = rng.standard_normal(shape[-1])
    before, parallel.MIN_PART = parallel.MIN_PART, (1 if split else parallel.MIN_PART)
    try:
        with kernels.enabled(compiled), parallel.split_work(2, 4):
            got = (bn.forward(x, train=True), bn.backward(g), bn.grads["weight"], bn.grads["bias"])
    finally:
        parallel.MIN_PART = before
    return x, g, bn, got


def check(got, want, split, dtype):
    for have, expected in zip(got, want, strict=True):
        assert have.dtype == expected.dtype and have.shape == expected.shape
        if not split:  # cut into slices, the sums over slices are added in another order
            assert np.array_equal(have, expected)
        else:
            np.testing.assert_allclose(have, expected, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-5)


@pytest.mark.parametrize(
    ("compiled", "reference"),
    [(False, numpy_reference), pytest.param(True, compiled_reference, marks=needs_numba)],
    ids=["numpy", "compiled"],
)
@settings(max_examples=60, deadline=None)
@given(
    shape=shapes,
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
    split=st.booleans(),
)
def test_each_way_has_the_bits_of_its_plain_formulation(compiled, reference, shape, dtype, seed, split):
    x, g, bn, got = run_layer(shape, dtype, seed, split, compiled=compiled)
    check(got, reference(x, g, bn.params["weight"], bn.params["bias"], bn.eps), split, dtype)


def both_ways(bn_relu: bool, x, g, seed: int, channels: int):
    """forward output, input gradient, ∂γ, ∂β and running statistics of bn → relu, as one
    BatchNormReLU stage or as the two layers."""
    rng = np.random.default_rng(seed)
    bn, relu = BatchNorm(channels, dtype=x.dtype), ReLU()
    bn.need_input_grad = relu.need_input_grad = True
    bn.params["weight"][:] = rng.uniform(0.5, 2, channels)
    bn.params["bias"][:] = rng.standard_normal(channels)
    if bn_relu:
        stage = BatchNormReLU([bn, relu])
        out = stage.forward(x, train=True)
        dx = stage.backward(g)
    else:
        out = relu.forward(bn.forward(x, train=True), train=True)
        dx = bn.backward(relu.backward(g))
    return (
        out,
        dx,
        bn.grads["weight"],
        bn.grads["bias"],
        bn.buffers["running_mean"],
        bn.buffers["running_var"],
    )


@pytest.mark.parametrize("compiled", [False, pytest.param(True, marks=needs_numba)])
@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_a_fused_bn_relu_stage_gives_what_the_two_layers_give(compiled, shape, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    with kernels.enabled(compiled):
        fused, layers = both_ways(True, x, g, seed, shape[-1]), both_ways(False, x, g, seed, shape[-1])
    assert (fused[0] >= 0).all() or np.isnan(fused[0]).any()
    for got, want in zip(fused, layers, strict=True):
        if compiled:  # the ReLU's gradient is taken inside the loops: the same values, up to rounding
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        else:  # the numpy passes run the ReLU layer's own operations
            assert np.array_equal(got, want)
    # where the output is 0 the ReLU passes no gradient back: ∂x there is the batch norm's
    # correction terms alone, as with the two layers
    assert np.array_equal(fused[0] > 0, layers[0] > 0)


@needs_numba
def test_the_compiled_relu_keeps_nan_and_gives_no_gradient_through_it():
    x = np.array([[np.nan, 1.0], [2.0, -1.0], [0.5, 3.0]], np.float32)
    with kernels.enabled(True):
        out, dx, *_ = both_ways(True, x, np.ones_like(x), 0, 2)
    assert np.isnan(out[:, 0]).all()  # a NaN batch statistic poisons the channel: never hidden
    assert (out[:, 1] >= 0).all() and out[1, 1] == 0


def test_evaluation_runs_the_two_layers():
    bn, relu = BatchNorm(3), ReLU()
    bn.buffers["running_mean"][:] = [1, -1, 0]
    x = np.random.default_rng(1).standard_normal((4, 2, 2, 3)).astype(np.float32)
    want = relu.forward(bn.forward(x, train=False), train=False)
    assert np.array_equal(BatchNormReLU([bn, relu]).forward(x, train=False), want)


def test_kernels_are_unavailable_when_disabled():
    with kernels.enabled(False):
        assert kernels.compiled(10**9) is None


def test_small_arrays_take_the_numpy_passes():
    """Only a batch of MIN_SIZE elements or more takes the compiled loops."""
    with kernels.enabled(True, min_size=kernels.MIN_SIZE):
        assert kernels.compiled(kernels.MIN_SIZE - 1) is None
        assert (kernels.compiled(kernels.MIN_SIZE) is not None) == HAS_NUMBA


def test_a_lesson_never_loads_numba():
    """`cnncalc step batchnorm` works a 2-sample example with the trainer's BatchNorm: numba (its
    import alone loads LLVM) stays unloaded."""
    code = (
        "import sys; from cnncalc.cli.app import app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(app, ['step', 'batchnorm']); "
        "print(r.exit_code, 'numba' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["0", "False"], done.stderr


@pytest.fixture
def fresh_kernels(monkeypatch):
    """The kernels module as before its first use."""
    monkeypatch.setattr(kernels, "_built", None)
    monkeypatch.setattr(kernels, "_failed", False)


def test_without_numba_the_numpy_passes_run(fresh_kernels, monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` raises ImportError
    with kernels.enabled(True):
        assert kernels.compiled(10**6) is None
        x = np.random.default_rng(0).standard_normal((4, 3, 3, 2)).astype(np.float32)
        out = BatchNorm(2).forward(x, train=True)
    np.testing.assert_allclose(out.reshape(-1, 2).mean(axis=0), 0, atol=1e-6)


@needs_numba
def test_loops_that_fail_to_compile_leave_the_numpy_passes(fresh_kernels, monkeypatch):
    import numba

    def broken(**options):
        def decorate(fn):
            def run(*args):
                raise numba.errors.TypingError("no")

            return run

        return decorate

    monkeypatch.setattr(numba, "njit", broken)
    with kernels.enabled(True):
        assert kernels.compiled(10**6) is None


@needs_numba
def test_without_a_writable_cache_the_loops_compile_uncached(fresh_kernels, monkeypatch):
    import numba

    real, seen = numba.njit, []

    def no_cache(**options):
        seen.append(options)
        if options.get("cache"):
            raise RuntimeError("cannot cache function: no locator available")
        return real(**options)

    monkeypatch.setattr(numba, "njit", no_cache)
    with kernels.enabled(True):
        assert kernels.compiled(10**6) is not None
    assert {"cache": True, "nogil": True} in seen and {"nogil": True} in seen
