"""PyTorch is the oracle: every stepped output agrees with conv2d / max_pool2d / avg_pool2d,
and the pooling --backward routes agree with autograd."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError
from cnncalc.lessons.examples import EXAMPLES
from cnncalc.lessons.matrix import parse_matrix
from cnncalc.lessons.step import step_conv, step_pool

torch = pytest.importorskip("torch")
F = torch.nn.functional
pytestmark = pytest.mark.oracle


def _t(a: np.ndarray):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def _torch_conv(x, kernels, bias, stride, pads, dilation):
    (pt, pb), (pl, pr) = pads
    xp = F.pad(_t(x)[None], (pl, pr, pt, pb))
    w = torch.stack([_t(k) for k in kernels])
    b = _t(bias) if bias is not None else None
    return F.conv2d(xp, w, b, stride=stride, dilation=dilation)[0].numpy()


@st.composite
def conv_cases(draw):
    c = draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    o = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ints = st.integers(-5, 5)
    x = np.array(draw(st.lists(ints, min_size=c * h * w, max_size=c * h * w)), dtype=np.int64).reshape(
        c, h, w
    )
    ks = [
        np.array(draw(st.lists(ints, min_size=c * kh * kw, max_size=c * kh * kw)), dtype=np.int64).reshape(
            c, kh, kw
        )
        for _ in range(o)
    ]
    bias = draw(st.none() | st.lists(ints, min_size=o, max_size=o))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.sampled_from([(0,), (1,), (2,), (1, 0), "same", "valid"]))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    return x, ks, bias, stride, padding, dilation


@settings(max_examples=80, deadline=None)
@given(conv_cases())
def test_conv_agrees_with_torch(case) -> None:
    x, ks, bias, stride, padding, dilation = case
    try:
        t = step_conv(x, ks, bias, stride, padding, dilation)
    except CnnCalcError:
        return  # the kernel does not fit; torch would raise too
    want = _torch_conv(x, ks, bias, stride, t.shape.padding, dilation)
    np.testing.assert_array_equal(t.output, want.astype(np.int64))
    # the records hold the same numbers as the grid
    for cell in t.cells:
        assert cell.value == t.output[cell.kernel - 1, cell.row, cell.col]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_same_padding_agrees_with_torchs_own_same() -> None:
    rng = np.random.default_rng(0)
    for k in (2, 3, 4, 5):
        x = rng.normal(size=(2, 6, 7))
        ks = [rng.normal(size=(2, k, k)) for _ in range(2)]
        t = step_conv(x, ks, [0.5, -1.0], 1, "same")
        want = F.conv2d(_t(x)[None], torch.stack([_t(a) for a in ks]), _t([0.5, -1.0]), padding="same")[0]
        np.testing.assert_allclose(t.output, want.numpy(), atol=1e-10)


@pytest.mark.parametrize("name", [n for n, e in EXAMPLES.items() if e.op == "conv"])
def test_conv_examples_agree_with_torch(name: str) -> None:
    ex = EXAMPLES[name]
    x = parse_matrix(ex.input)
    ks = [parse_matrix(k) for k in ex.kernels]
    stride = int(ex.stride or 1)
    t = step_conv(x, ks, list(ex.bias) or None, stride, int(ex.padding))
    want = _torch_conv(x, ks, list(ex.bias) or None, stride, t.shape.padding, 1)
    np.testing.assert_array_equal(t.output, want.astype(np.int64))


@st.composite
def pool_cases(draw):
    c = draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    x = np.array(
        draw(st.lists(st.integers(-9, 9), min_size=c * h * w, max_size=c * h * w)), dtype=np.int64
    ).reshape(c, h, w)
    k = draw(st.integers(1, 4))
    s = draw(st.none() | st.integers(1, 3))
    p = draw(st.integers(0, k // 2))
    return x, k, s, p, draw(st.booleans())


@settings(max_examples=80, deadline=None)
@given(pool_cases(), st.sampled_from(["max", "min", "avg"]))
def test_pool_and_backward_agree_with_torch(case, op) -> None:
    """Min pooling is -max_pool2d(-x) in PyTorch, which has no MinPool2d; its gradient goes to the
    first minimum as max's goes to the first maximum."""
    x, k, s, p, ceil = case
    try:
        t = step_pool(x, op, k, s, p, ceil, backward=True)
    except CnnCalcError:
        return
    xt = _t(x)[None].requires_grad_(True)
    stride = s if s is not None else k
    if op == "max":
        y = F.max_pool2d(xt, k, stride, p, ceil_mode=ceil)
    elif op == "min":
        y = -F.max_pool2d(-xt, k, stride, p, ceil_mode=ceil)
    else:
        y = F.avg_pool2d(xt, k, stride, p, ceil_mode=ceil, count_include_pad=True)
    np.testing.assert_allclose(t.output, y[0].detach().numpy(), atol=1e-12)
    y.backward(torch.ones_like(y))
    np.testing.assert_allclose(t.grad_input, xt.grad[0].numpy(), atol=1e-12)


def test_sum_pool_is_avg_times_window() -> None:
    x = np.arange(16, dtype=np.int64).reshape(1, 4, 4)
    t = step_pool(x, "sum", 2)
    want = F.avg_pool2d(_t(x)[None], 2)[0].numpy() * 4
    np.testing.assert_array_equal(t.output, want.astype(np.int64))
