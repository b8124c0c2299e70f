"""add → relu as one step (`AddReLU`, a residual block's end): the bits of the two layers, both with
the compiled loop and with numpy's passes, whatever the inputs' layout."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.presets import preset_text
from cnncalc.nn import kernels
from cnncalc.nn.activations import ReLU
from cnncalc.nn.merge import Add, AddReLU
from cnncalc.nn.model import build_model

with kernels.enabled(True):
    HAS_NUMBA = kernels.compiled(0) is not None
WAYS = [
    False,
    pytest.param(True, marks=pytest.mark.skipif(not HAS_NUMBA, reason="numba is not installed here")),
]


def two_layers(xs, g):
    add, relu = Add(), ReLU()
    out = relu.forward(add.forward(xs, train=True), train=True)
    return out, add.backward(relu.backward(g))


def special(rng, shape, dtype):
    """Normal values with zeros, −0, NaN and ±inf sprinkled in."""
    v = rng.standard_normal(shape).astype(dtype)
    flat = v.reshape(-1)
    for value in (0.0, -0.0, np.nan, np.inf, -np.inf):
        flat[rng.integers(0, flat.size, size=max(1, flat.size // 20))] = value
    return v


@pytest.mark.parametrize("compiled", WAYS, ids=["numpy", "compiled"])
@settings(max_examples=40, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.integers(1, 6)),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
    transposed=st.booleans(),
)
def test_the_fused_step_has_the_bits_of_add_then_relu(compiled, shape, dtype, seed, transposed):
    rng = np.random.default_rng(seed)
    xs = [special(rng, shape, dtype) for _ in range(2)]
    g = special(rng, shape, dtype)
    if transposed:  # views in another order, as Flatten's backward hands its gradient on
        xs = [np.ascontiguousarray(x.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1) for x in xs]
        g = np.ascontiguousarray(g.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1)
    step = AddReLU([Add(), ReLU()])
    with kernels.enabled(compiled), np.errstate(invalid="ignore"):  # inf − inf, inf · 0
        want_out, want_back = two_layers(xs, g)
        out = step.forward(xs, train=True)
        back = step.backward(g)
    assert np.array_equal(out, want_out, equal_nan=True)
    assert np.array_equal(np.signbit(out), np.signbit(want_out))  # −0 + −0 gives 0, as np.maximum
    assert len(back) == 2
    for got, want in zip(back, want_back, strict=True):
        assert got.shape == want.shape
        assert np.array_equal(got, want, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(want))


def test_three_inputs_and_evaluation_run_the_two_layers():
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((2, 3, 3, 4)).astype(np.float32) for _ in range(3)]
    step = AddReLU([Add(), ReLU()])
    with kernels.enabled(True):
        assert np.array_equal(step.forward(xs, train=True), np.maximum(xs[0] + xs[1] + xs[2], 0))
        assert len(step.backward(np.ones_like(xs[0]))) == 3
        assert np.array_equal(step.forward(xs[:2], train=False), np.maximum(xs[0] + xs[1], 0))


def test_a_residual_network_runs_each_add_and_its_relu_as_one_step():
    model = build_model(preset_text("digits-resnet"), classes=10)
    kinds = [stage.kind for stage in model.stages]
    assert kinds.count("addrelu") == 2 and "add" not in kinds and "relu" not in kinds
    # an add whose output something else reads too, or that no ReLU follows, stays an add
    model = build_model(
        "input 2x4x4 | add( conv 2 k=3 p=1 ) | add( conv 2 k=3 p=1 ) | relu | gap | fc 3", classes=3
    )
    assert [stage.kind for stage in model.stages].count("add") == 1
    # one layer at a time (`forward(upto=…)`, what `show` uses) runs every layer on its own
    x = np.random.default_rng(1).random((2, 2, 4, 4), dtype=np.float32)
    assert np.allclose(model.forward(x), model.forward(x, upto=len(model.layers)), rtol=1e-6)
