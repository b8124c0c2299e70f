"""Live comparisons with PyTorch on hypothesis-generated layers (skipped when torch is missing).

Each test draws a layer, asks torch (the same helpers generate_fixtures.py uses) and cnncalc, and
requires: torch raises ⇔ cnncalc raises `CnnCalcError`, and when both answer, the same answer.
An output with a 0 in it counts as a rejection (see `empty_output_message`).
"""

from __future__ import annotations

import os

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnncalc.arith.errors import CnnCalcError  # noqa: E402
from cnncalc.arith.network import walk  # noqa: E402
from cnncalc.arith.params import bn_params, conv_params, fc_params  # noqa: E402
from cnncalc.arith.receptive_field import back_recursion  # noqa: E402
from cnncalc.arith.sizes import layer_output  # noqa: E402
from tests.oracle.generate_fixtures import (  # noqa: E402
    TORCH_ERRORS,
    empty_output_message,
    rf_bound,
    tf_same_split,
    torch_bn_params,
    torch_conv_params,
    torch_conv_shape,
    torch_fc_params,
    torch_pool_shape,
    torch_receptive_fields,
    torch_same_split_stride1,
    torch_same_strided,
    torch_tconv_shape,
)
from tests.oracle.test_fixtures import ours_shape, per_axis, rf_spec  # noqa: E402

pytestmark = pytest.mark.oracle

# CNNCALC_ORACLE_EXAMPLES=5000 pytest -m oracle  searches harder (the default keeps the suite quick).
EXAMPLES = int(os.environ.get("CNNCALC_ORACLE_EXAMPLES", "200"))
LIVE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_SIDE = {1: 48, 2: 40, 3: 12}


def torch_answer(fn) -> list[int] | str:
    """torch's output size, or its error message (an empty output is an error too)."""
    try:
        out = fn()
    except TORCH_ERRORS as e:
        return str(e).splitlines()[0]
    return empty_output_message(out) if 0 in out else out


def ours_answer(case: dict) -> list[int] | str:
    try:
        return list(ours_shape(case))
    except CnnCalcError as e:
        return f"CnnCalcError: {e}"


def assert_agree(case: dict, theirs: list[int] | str, ours: list[int] | str) -> None:
    if isinstance(theirs, str):
        assert isinstance(ours, str), f"torch rejects {case} ({theirs}) but cnncalc gives {ours}"
    else:
        assert ours == theirs, f"{case}: torch {theirs}, cnncalc {ours}"


@st.composite
def sizes(draw, dims: int, lo: int, hi: int):
    """One value for all axes, or one per axis."""
    if dims > 1 and draw(st.booleans()):
        return draw(st.lists(st.integers(lo, hi), min_size=dims, max_size=dims))
    return draw(st.integers(lo, hi))


@st.composite
def conv_layers(draw):
    dims = draw(st.integers(1, 3))
    return {
        "op": "conv",
        "input": draw(st.lists(st.integers(1, MAX_SIDE[dims]), min_size=dims, max_size=dims)),
        "kernel": draw(sizes(dims, 1, 7)),
        "stride": draw(sizes(dims, 1, 4)),
        "padding": draw(sizes(dims, 0, 3)),
        "dilation": draw(sizes(dims, 1, 3)),
    }


@st.composite
def pool_layers(draw):
    dims = draw(st.integers(1, 3))
    op = draw(st.sampled_from(("maxpool", "avgpool")))
    kernel = draw(sizes(dims, 1, 6))
    kmin = min(per_axis(kernel, dims))
    case = {
        "op": op,
        "input": draw(st.lists(st.integers(1, MAX_SIDE[dims] - 10), min_size=dims, max_size=dims)),
        "kernel": kernel,
        "stride": draw(st.none() | sizes(dims, 1, 5)),
        "padding": draw(sizes(dims, 0, kmin // 2 + 1)),
        "ceil": draw(st.booleans()),
    }
    if op == "maxpool":
        case["dilation"] = draw(sizes(dims, 1, 3))
    return case


@st.composite
def tconv_layers(draw):
    dims = draw(st.integers(1, 3))
    stride = draw(sizes(dims, 1, 4))
    dilation = draw(sizes(dims, 1, 3))
    top = max(max(per_axis(stride, dims)), max(per_axis(dilation, dims)))
    return {
        "op": "tconv",
        "input": draw(st.lists(st.integers(1, 16 if dims < 3 else 8), min_size=dims, max_size=dims)),
        "kernel": draw(sizes(dims, 1, 6)),
        "stride": stride,
        "padding": draw(sizes(dims, 0, 4)),
        "dilation": dilation,
        "output_padding": draw(sizes(dims, 0, top)),  # top itself is sometimes too large
    }


@given(conv_layers())
@LIVE
def test_conv_agrees_with_torch(case: dict) -> None:
    theirs = torch_answer(
        lambda: torch_conv_shape(
            case["input"], case["kernel"], case["stride"], case["padding"], case["dilation"]
        )
    )
    assert_agree(case, theirs, ours_answer(case))


@given(pool_layers())
@LIVE
def test_pool_agrees_with_torch(case: dict) -> None:
    theirs = torch_answer(
        lambda: torch_pool_shape(
            case["op"],
            case["input"],
            case["kernel"],
            case["stride"],
            case["padding"],
            case.get("dilation", 1),
            case["ceil"],
        )
    )
    assert_agree(case, theirs, ours_answer(case))


def test_avgpool3d_rejects_an_input_smaller_than_its_kernel_like_torch() -> None:
    case = {"op": "avgpool", "input": [2, 2, 2], "kernel": 3, "stride": 1, "padding": 1, "ceil": False}
    assert isinstance(torch_answer(lambda: torch_pool_shape("avgpool", [2, 2, 2], 3, 1, 1)), str)
    assert torch_pool_shape("avgpool", [2, 2], 3, 1, 1) == [2, 2]  # the 2-D pool accepts it
    with pytest.raises(CnnCalcError):
        ours_shape(case)


@given(tconv_layers())
@LIVE
def test_tconv_agrees_with_torch(case: dict) -> None:
    theirs = torch_answer(
        lambda: torch_tconv_shape(
            case["input"],
            case["kernel"],
            case["stride"],
            case["padding"],
            case["dilation"],
            case["output_padding"],
        )
    )
    assert_agree(case, theirs, ours_answer(case))


@given(
    st.integers(1, 3).flatmap(
        lambda dims: st.tuples(
            st.lists(st.integers(1, MAX_SIDE[dims]), min_size=dims, max_size=dims),
            st.lists(st.integers(1, 7), min_size=dims, max_size=dims),
            st.lists(st.integers(1, 3), min_size=dims, max_size=dims),
        )
    )
)
@LIVE
def test_same_padding_stride_1_agrees_with_torch(layer: tuple[list[int], list[int], list[int]]) -> None:
    n, k, d = layer
    res = layer_output("conv", tuple(n), tuple(k), 1, "same", tuple(d))
    assert list(res.output) == torch_conv_shape(n, k, 1, "same", d) == n
    assert [list(pair) for pair in res.padding] == [
        list(torch_same_split_stride1(k[i], d[i])) for i in range(len(n))
    ]


@given(
    st.integers(1, 3).flatmap(
        lambda dims: st.tuples(
            st.lists(st.integers(1, MAX_SIDE[dims]), min_size=dims, max_size=dims),
            st.lists(st.integers(1, 7), min_size=dims, max_size=dims),
            st.lists(st.integers(1, 5), min_size=dims, max_size=dims),
        )
    )
)
@LIVE
def test_same_padding_any_stride_agrees_with_tensorflow_rule_run_in_torch(layer) -> None:
    n, k, s = layer
    ones = [1] * len(n)
    res = layer_output("conv", tuple(n), tuple(k), tuple(s), "same", tuple(ones))
    out, split = torch_same_strided(n, k, s, ones)
    assert list(res.output) == out == [-(-n[i] // s[i]) for i in range(len(n))]
    assert [list(pair) for pair in res.padding] == split
    assert split == [list(tf_same_split(n[i], k[i], s[i])) for i in range(len(n))]


@given(
    dims=st.integers(1, 3),
    cin=st.integers(1, 48),
    cout=st.integers(1, 48),
    groups=st.sampled_from((1, 1, 2, 3, 4, 8, 16)),
    kernel=st.lists(st.integers(1, 7), min_size=1, max_size=3),
    bias=st.booleans(),
    transposed=st.booleans(),
)
@LIVE
def test_conv_params_agree_with_torch(dims, cin, cout, groups, kernel, bias, transposed) -> None:
    k = tuple((kernel * 3)[:dims])
    try:
        theirs = torch_conv_params(dims, cin, cout, k, groups, bias, transposed)
    except TORCH_ERRORS:
        with pytest.raises(CnnCalcError, match=f"groups {groups}"):
            conv_params(cin, cout, k, groups, bias, transposed)
        return
    got = conv_params(cin, cout, k, groups, bias, transposed)
    assert (got.weights, got.biases) == theirs


@given(fin=st.integers(1, 4096), fout=st.integers(1, 512), bias=st.booleans(), dims=st.integers(1, 3))
@LIVE
def test_fc_and_bn_params_agree_with_torch(fin: int, fout: int, bias: bool, dims: int) -> None:
    got = fc_params(fin, fout, bias)
    assert (got.weights, got.biases) == torch_fc_params(fin, fout, bias)
    assert bn_params(fout).total == torch_bn_params(dims, fout)


@st.composite
def rf_chains(draw):
    dims = draw(st.integers(1, 2))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("conv", "conv", "maxpool", "avgpool")))
        k = draw(st.lists(st.integers(1, 5), min_size=dims, max_size=dims))
        if kind == "conv":
            s = draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims))
            d = draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims))
            p = draw(st.lists(st.integers(0, 2), min_size=dims, max_size=dims))
        else:
            s = [draw(st.integers(1, ki)) for ki in k]
            d = [1] * dims
            p = [draw(st.integers(0, ki // 2)) for ki in k]
        layers.append({"kind": kind, "k": k, "s": s, "p": p, "d": d})
    return dims, layers


@given(rf_chains())
@settings(max_examples=max(EXAMPLES * 3 // 4, 1), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_receptive_field_agrees_with_torch_gradient(chain) -> None:
    dims, layers = chain
    assume(rf_bound(layers, dims) <= (300 if dims == 1 else 60))
    n, rfs = torch_receptive_fields(layers, dims)
    net = walk(rf_spec({"input": n, "layers": layers}))
    assert [list(layer.rf) for layer in net.layers] == rfs
    assert list(back_recursion(net)[0]) == rfs[-1]


def torch_largest_field_1d(layers: list[dict], n: int = 64) -> int:
    """The widest input extent of any output unit (away from the borders), from torch's Jacobian of a
    1-D chain with all-ones weights. Through a transposed conv the units differ, so take the largest.

    The chain is linear (no bias, no activation), so its Jacobian is its output for the n unit
    inputs: one forward pass of a batch of n, instead of a backward pass per output unit."""
    modules = []
    for layer in layers:
        k, s, d = layer["k"][0], layer["s"][0], layer["d"][0]
        if layer["kind"] == "avgpool":
            modules.append(torch.nn.AvgPool1d(k, s))
            continue
        cls = torch.nn.ConvTranspose1d if layer["kind"] == "tconv" else torch.nn.Conv1d
        m = cls(1, 1, k, s, dilation=d).double()
        with torch.no_grad():
            m.weight.fill_(1.0)
            m.bias.zero_()
        modules.append(m)
    net = torch.nn.Sequential(*modules)
    with torch.no_grad():
        jac = net(torch.eye(n, dtype=torch.float64).reshape(n, 1, n))[:, 0, :].T  # (outputs, inputs)
    widest = 0
    for row in jac:
        nz = (row != 0).nonzero().flatten()
        if len(nz) and nz.min() > 0 and nz.max() < n - 1:
            widest = max(widest, int(nz.max() - nz.min() + 1))
    return widest


@st.composite
def tconv_chains(draw):
    layers = [{"kind": "tconv", "k": [draw(st.integers(1, 5))], "s": [draw(st.integers(1, 3))], "d": [1]}]
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(("conv", "tconv", "avgpool")))
        k = draw(st.integers(1, 5))
        s = draw(st.integers(1, 3 if kind != "avgpool" else k))
        layers.insert(draw(st.integers(0, len(layers))), {"kind": kind, "k": [k], "s": [s], "d": [1]})
    return layers


@given(tconv_chains())
@settings(max_examples=max(EXAMPLES // 2, 1), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_back_recursion_bounds_the_field_through_transposed_convs(layers: list[dict]) -> None:
    """Through a transposed conv the exact field depends on how windows align with the spread-out
    inputs, so the back-recursion is an upper bound: never smaller than any unit's field in torch."""
    spec = " | ".join(
        f"{lay['kind']}{' 1' if lay['kind'] != 'avgpool' else ''} k={lay['k'][0]} s={lay['s'][0]}"
        for lay in layers
    )
    widest = torch_largest_field_1d(layers)
    assume(widest > 0)
    assert back_recursion(walk(f"input 1x64 | {spec}"))[0][0] >= widest
