"""Step-through convolution and pooling: hand-checked goldens, records, errors, and the one size formula."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.sizes import layer_output
from cnncalc.lessons.matrix import parse_matrix
from cnncalc.lessons.step import step_conv, step_pool

D2L_X = "0 1 2; 3 4 5; 6 7 8"
D2L_K = "0 1; 2 3"


def conv(x: str, *kernels: str, **kw):
    return step_conv(parse_matrix(x), [parse_matrix(k) for k in kernels], **kw)


def test_d2l_golden() -> None:
    t = conv(D2L_X, D2L_K)
    # d2l §7.2 prints [[19, 25], [37, 43]]; every cell written out as in the book
    assert t.output_list() == [[19, 25], [37, 43]]
    assert [c.text for c in t.cells] == [
        "0×0 + 1×1 + 3×2 + 4×3 = 19",
        "1×0 + 2×1 + 4×2 + 5×3 = 25",
        "3×0 + 4×1 + 6×2 + 7×3 = 37",
        "4×0 + 5×1 + 7×2 + 8×3 = 43",
    ]
    assert all(isinstance(v, int) for row in t.output_list() for v in row)


def test_d2l_multichannel_golden() -> None:
    # d2l §7.4: corr2d_multi_in gives [[56, 72], [104, 120]]
    t = conv(D2L_X + " | 1 2 3; 4 5 6; 7 8 9", "0 1; 2 3 | 1 2; 3 4")
    assert t.output_list() == [[56, 72], [104, 120]]
    first = t.cells[0]
    assert [c.total for c in first.channels] == [19, 37]
    assert first.text == "19 + 37 = 56"


def test_several_kernels_and_bias_give_a_3d_output() -> None:
    t = conv(D2L_X, D2L_K, "1 0; 0 1", bias=[1, -2])
    assert t.output_list() == [[[20, 26], [38, 44]], [[2, 4], [8, 10]]]
    assert t.cell(1, 0, 0).text == "4 - 2 = 2"
    d = t.to_dict()
    assert d["output_shape"] == [2, 2, 2]
    assert len(d["steps"]) == 8
    assert d["steps"][0]["channels"][0]["products"] == [0, 1, 6, 12]


def test_padding_cells_are_marked_and_count_as_zero() -> None:
    t = conv("1 2; 3 4", "1 1; 1 1", padding=(1,))
    assert t.output_list() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    first = t.cells[0]
    assert (first.top, first.left) == (-1, -1)
    assert first.channels[0].padding == (True, True, True, False)


def test_same_padding_and_dilation_use_the_arith_sizes() -> None:
    t = conv("1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16", "1 0; 0 1", padding="same")
    assert t.output.shape == (1, 4, 4)
    assert t.shape.padding == ((0, 1), (0, 1))
    d = conv("1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16", "1 0; 0 1", dilation=(2,))
    assert d.output_list() == [[12, 14], [20, 22]]
    assert d.cells[0].taps == ((0, 0), (0, 2), (2, 0), (2, 2))


def test_threshold_and_relu() -> None:
    t = conv(D2L_X, "0 -1; 0 1", threshold=2)
    assert t.output_list() == [[3, 3], [3, 3]]
    assert t.to_dict()["thresholded"] == [[1, 1], [1, 1]]  # 3 > 2, note 002's rule
    t2 = conv(D2L_X, "1 0; 0 -1", relu=True)
    assert t2.output_list() == [[-4, -4], [-4, -4]]
    assert t2.to_dict()["relu_output"] == [[0, 0], [0, 0]]
    t3 = conv(D2L_X, "1 0; 0 -1", relu=True, threshold=-1)
    assert t3.activated().tolist() == [[[1, 1], [1, 1]]]  # ReLU first (0), then 0 > -1


@pytest.mark.parametrize(
    ("x", "k", "err", "fragment"),
    [
        ("1 2; 3 4 | 5 6; 7 8", "1 0; 0 1", CnnCalcError, "kernel 1 has 1 channel but the input has 2"),
        ("1 2; 3 4", "1 2 3; 4 5 6; 7 8 9", CnnCalcError, "kernel 3 is larger than the padded input 2"),
    ],
    ids=["channel-count", "kernel-too-large"],
)
def test_impossible_layers_are_domain_errors(x, k, err, fragment) -> None:
    with pytest.raises(err) as e:
        conv(x, k)
    assert fragment in str(e.value)
    assert e.value.exit_code == 1


def test_bias_count_must_match_kernels() -> None:
    with pytest.raises(UsageError, match="2 bias values for 1 kernel"):
        conv(D2L_X, D2L_K, bias=[1, 2])


def test_max_pool_contract_and_winner() -> None:
    t = step_pool(parse_matrix("1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7"), "max", 2)
    assert t.output_list() == [[6, 8], [9, 7]]
    assert [c.winner for c in t.cells] == [(1, 1), (1, 3), (2, 0), (3, 3)]
    assert t.cells[0].text == "max(1, 2, 5, 6) = 6, from input row 1, column 1"


def test_first_maximum_wins_a_tie() -> None:
    t = step_pool(parse_matrix("5 5; 5 5"), "max", 2)
    assert t.cells[0].winner == (0, 0)


def test_avg_pool_divides_by_padding_too() -> None:
    t = step_pool(parse_matrix("1 2 3; 4 5 6; 7 8 9"), "avg", 2, padding=(1,))
    assert t.cells[0].text == "(1 + 3 padding zeros)/4 = 0.25"
    assert t.output_list() == [[0.25, 1.25], [2.75, 7.0]]


def test_sum_pool() -> None:
    t = step_pool(parse_matrix("1 2; 3 4"), "sum", 2)
    assert t.output_list() == [[10]]
    assert t.cells[0].text == "1 + 2 + 3 + 4 = 10"


def test_backward_routes_max_to_the_winner_and_splits_avg() -> None:
    x = parse_matrix("1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7")
    mx = step_pool(x, "max", 2, backward=True, grad=parse_matrix("1 2; 3 4"))
    assert mx.grad_input.tolist() == [[[0, 0, 0, 0], [0, 1, 0, 2], [3, 0, 0, 0], [0, 0, 0, 4]]]
    avg = step_pool(x, "avg", 2, backward=True)
    assert avg.grad_input.tolist() == [[[0.25] * 4] * 4]
    assert (
        avg.routes[0].text
        == "∂L/∂out[0, 0] = 1 → (0, 0) += 0.25, (0, 1) += 0.25, (1, 0) += 0.25, (1, 1) += 0.25"
    )
    with pytest.raises(CnnCalcError, match="^grad is 1×1×1 but the pooled output is 1×2×2"):
        step_pool(x, "max", 2, backward=True, grad=parse_matrix("1"))


def test_pool_ceil_keeps_the_last_partial_window() -> None:
    x = parse_matrix("1 2 3 4 5; 6 7 8 9 0; 1 2 3 4 5; 6 7 8 9 0; 1 2 3 4 5")
    t = step_pool(x, "max", 2, ceil=True)
    assert t.output.shape == (1, 3, 3)
    assert t.cell(0, 2, 2).values == (5,)


def test_unknown_pool_op() -> None:
    with pytest.raises(UsageError, match="'median' is not one of max, min, avg, sum"):
        step_pool(parse_matrix("1 2; 3 4"), "median", 2)


def test_min_pool_names_the_smallest_cell_and_routes_its_gradient_there() -> None:
    t = step_pool(parse_matrix("4 2 7 1; 3 2 9 8"), "min", 2, backward=True)
    assert t.output.tolist() == [[[2, 1]]]
    assert t.cell(0, 0, 0).text == "min(4, 2, 3, 2) = 2, from input row 0, column 1"  # the first minimum
    assert t.grad_input.tolist() == [[[0, 1, 0, 1], [0, 0, 0, 0]]]


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    op=st.sampled_from(["conv", "max", "avg"]),
    ceil=st.booleans(),
)
def test_output_size_is_layer_outputs(h, w, k, s, p, op, ceil) -> None:
    """One formula, one place: the traced grids are exactly the size `layer_output` says."""
    x = np.arange(h * w, dtype=np.int64).reshape(1, h, w)
    arith_op = {"conv": "conv", "max": "maxpool", "avg": "avgpool"}[op]
    try:
        expected = layer_output(
            arith_op, (h, w), k, s if op == "conv" else s, p, 1, ceil and op != "conv"
        ).output
    except CnnCalcError:
        return
    if op == "conv":
        t = step_conv(x, [np.ones((1, k, k), dtype=np.int64)], stride=s, padding=p)
    else:
        t = step_pool(x, op, k, s, p, ceil)
    assert t.output.shape[1:] == expected
    assert len(t.cells) == expected[0] * expected[1]
