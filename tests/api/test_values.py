"""Arguments mean the same in every form: Python ints, tuples, lists and NumPy arrays, or the CLI's
text for them."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
from cnncalc.api import values
from cnncalc.arith.errors import UsageError

AXES = st.lists(st.integers(1, 10_000), min_size=1, max_size=3)


@given(AXES)
def test_a_size_is_the_same_as_int_tuple_list_or_text(axes):
    text = "x".join(map(str, axes))
    assert values.sizes(tuple(axes), "input") == values.sizes(axes, "input") == values.sizes(text, "input")
    if len(axes) == 1:
        assert values.sizes(axes[0], "input") == values.sizes(np.int64(axes[0]), "input") == tuple(axes)


@given(st.lists(st.integers(3, 64), min_size=2, max_size=2), st.integers(1, 3), st.integers(0, 1))
def test_a_layer_from_python_values_is_the_layer_from_text(hw, k, p):
    from_python = cnncalc.shape(input=tuple(hw), kernel=(k, k), padding=(p, p))
    from_text = cnncalc.shape(input=f"{hw[0]}x{hw[1]}", kernel=str(k), padding=f"{p}x{p}")
    assert from_python.to_dict() == from_text.to_dict()


@pytest.mark.parametrize("bad", [True, (), [3, None], 2.5, "3.5", "x", {"h": 3}])
def test_what_is_not_a_size_is_refused_naming_the_argument(bad):
    with pytest.raises(UsageError, match="^kernel "):
        values.sizes(bad, "kernel")


def test_a_matrix_is_the_same_as_text_nested_lists_or_an_array():
    text = values.matrix("0 1 2; 3 4 5", "input")
    lists = values.matrix([[0, 1, 2], [3, 4, 5]], "input")
    array = values.matrix(np.arange(6).reshape(2, 3), "input")
    assert text.dtype == lists.dtype == array.dtype == np.int64
    assert text.tolist() == lists.tolist() == array.tolist() == [[[0, 1, 2], [3, 4, 5]]]
    channels = values.matrix("1 2; 3 4 | 5 6; 7 8", "input")
    assert channels.tolist() == values.matrix([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], "input").tolist()
    assert values.matrix([[0.5, 1]], "input").dtype == np.float64


def test_kernels_one_or_several():
    one = values.kernels([[0, 1], [2, 3]], "kernel")
    assert [k.shape for k in one] == [(1, 2, 2)]
    two_text = values.kernels(["0 1; 2 3", "1 1; 1 1"], "kernel")
    two_arrays = values.kernels([np.array([[0, 1], [2, 3]]), np.ones((2, 2), int)], "kernel")
    four_d = values.kernels(np.array([[[[0, 1], [2, 3]]], [[[1, 1], [1, 1]]]]), "kernel")
    assert [k.tolist() for k in two_text] == [k.tolist() for k in two_arrays] == [k.tolist() for k in four_d]
    multichannel = values.kernels([[[1, 0], [0, 1]], [[0, 1], [1, 0]]], "kernel")
    assert [k.shape for k in multichannel] == [(2, 2, 2)]  # a 3-D list is one kernel of two channels


def test_numbers_and_rows_take_every_form():
    assert values.numbers(1, "bias") == values.numbers("1", "bias") == [1]
    assert (
        values.numbers([1, 0], "bias") == values.numbers("1,0", "bias") == values.numbers(["1", "0"], "bias")
    )
    assert values.row([1, -2], "x", 8) == values.row("1 -2", "x", 8) == values.row(np.array([1, -2]), "x", 8)
    assert values.vector([2, 1, 0.1], "logits") == values.vector("2 1 0.1", "logits") == [2.0, 1.0, 0.1]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([["a"]], "holds <U1 values; it must hold numbers"),
        ([[True, False]], "holds bool values"),
        ([[1e7]], "too large for a step-through"),
        ([[1, 2], [3]], "rows of different lengths"),
        ([], "is empty"),
        (np.zeros((1, 1, 1, 1)), "has 4 axes"),
    ],
    ids=["text", "bool", "large", "ragged", "empty", "4-D"],
)
def test_a_bad_matrix_is_refused_naming_the_argument(value, message):
    with pytest.raises(UsageError, match=f"^grad .*{message}|^grad {message}"):
        values.matrix(value, "grad")


def test_whole_numbers_numbers_and_flags():
    assert values.whole(3, "cin") == values.whole("3", "cin") == values.whole(np.int32(3), "cin") == 3
    for bad in (3.0, True, "3.5", None):
        with pytest.raises(UsageError, match="^cin .* is not a whole number"):
            values.whole(bad, "cin")
    with pytest.raises(UsageError, match="^cin 0 must be at least 1"):
        values.whole(0, "cin", minimum=1)
    assert values.number("0.5", "p") == values.number(0.5, "p") == 0.5
    with pytest.raises(UsageError, match="^p nan is not a finite number"):
        values.number(float("nan"), "p")
    assert values.flag("yes", "ceil") is True and values.flag(False, "ceil") is False
    with pytest.raises(UsageError, match="^ceil 1 is not True or False"):
        values.flag(1, "ceil")


@given(st.binary(min_size=1) | st.binary().map(bytearray) | st.booleans().map(np.bool_))
def test_what_float_would_read_as_a_number_is_not_one(bad):
    # float(b"5") is 5.0 and float(np.True_) 1.0: a number nobody wrote would be worked through
    with pytest.raises(UsageError, match="^x .* is not a number"):
        values.number(bad, "x")


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**6), 10**6))
def test_a_real_number_is_itself(x):
    assert values.number(x, "x") == values.number(np.float64(x), "x") == float(x)


@given(st.lists(st.sampled_from(["max", "avg", "conv"]), min_size=0, max_size=4).map(np.array))
def test_an_array_is_not_a_choice_whatever_it_holds(array):
    # comparing an option with an array gives an array: its truth was NumPy's ValueError
    with pytest.raises(UsageError, match="^op .* is not one of max, avg"):
        values.choice(array, "op", ("max", "avg"))


@pytest.mark.parametrize(
    ("field", "example"),
    [("lr", "0.001"), ("momentum", "0.9"), ("weight_decay", "0.0005"), ("val_split", "0.2")],
)
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "fast"])
def test_a_bad_training_number_is_answered_with_an_example_that_fits_the_field(field, example, bad):
    # not "write e.g. lr 2": an example a user could keep
    with pytest.raises(UsageError, match=rf"^{field} .* write e\.g\. {field} {re.escape(example)}$"):
        cnncalc.train(**{field: bad})


@given(AXES)
def test_a_numpy_array_is_a_size_as_its_list_is(axes):
    array = np.array(axes, dtype=np.int64)
    assert values.sizes(array, "input") == values.sizes(axes, "input") == tuple(axes)
    assert cnncalc.shape(input=array, kernel=1).output == cnncalc.shape(input=axes, kernel=1).output


@pytest.mark.parametrize(
    "bad",
    [b"28", bytearray(b"\x1c"), ((28, 20), 3), [[28], [20]], np.array([[28, 20]]), {28}, np.True_],
    ids=["bytes", "bytearray", "nested", "nested-list", "2-D-array", "set", "numpy-bool"],
)
def test_what_only_looks_like_sizes_is_refused_not_read_as_other_sizes(bad):
    # b"28" spelled out was 50x56, and ((28, 20), 3) the three axes 28x20x3
    with pytest.raises(UsageError, match="^input .* is not a size; give a whole number"):
        cnncalc.shape(input=bad, kernel=3)


def test_numpy_arrays_give_shapes_positions_and_paddings():
    assert cnncalc.net("conv 8 k=3", input=np.array([1, 28, 28])).output_shape == (8, 26, 26)
    assert cnncalc.shape(input=28, kernel=3, padding=np.array([1, 2])).output == (28, 30)
    field = cnncalc.draw_rf("input 1x9x9 | conv 1 k=3 | conv 1 k=3", unit=np.array([2, 2]))
    assert field.to_dict() == cnncalc.draw_rf("input 1x9x9 | conv 1 k=3 | conv 1 k=3", unit=(2, 2)).to_dict()
    with pytest.raises(UsageError, match="^unit -2,2 is not a unit's position"):
        cnncalc.draw_rf("input 1x9x9 | conv 1 k=3", unit=np.array([-2, 2]))


def test_a_numpy_bool_is_true_or_false():
    assert values.flag(np.True_, "ceil") is True and values.flag(np.bool_(False), "ceil") is False
    assert cnncalc.shape(input=9, kernel=2, op="maxpool", ceil=np.True_).output == (5, 5)
    with pytest.raises(UsageError, match="^ceil .* is not True or False"):
        values.flag(np.int64(1), "ceil")


@pytest.mark.parametrize("one", [1.5, np.float32(1.5), np.float64(1.5), np.array(1.5)])
def test_one_number_is_one_number_in_every_form(one):
    assert values.numbers(one, "bias") == values.vector(one, "logits") == [1.5]
    assert values.row(one, "b1", 8) == (1.5,)
    assert values.row(np.int64(2), "b1", 8) == values.row(2, "b1", 8) == (2,)
    steps = cnncalc.step_conv(input=[[1, 2], [3, 4]], kernel=[[1]], bias=one)
    assert steps.output == [[2.5, 3.5], [4.5, 5.5]]
    assert cnncalc.step_linear(x=1, w1=[[2]], b1=one, w2=[[1]]).to_dict()["b"] == [1.5]


@pytest.mark.parametrize(
    "extreme",
    [np.array([[-(2**63), 1]]), np.array([[2**64 - 1]], dtype=np.uint64), np.array([[-1e7]])],
    ids=["int64-minimum", "uint64-maximum", "negative"],
)
def test_a_number_past_the_bound_is_refused_whatever_its_sign_or_type(extreme):
    # np.abs(int64 minimum) is the minimum itself: it passed, and (−2^63)×2 was worked out as 0
    with pytest.raises(UsageError, match="^input holds .*, too large for a step-through"):
        cnncalc.step_conv(input=extreme, kernel=[[2]])


def test_small_dtypes_are_widened_before_the_arithmetic():
    int8 = cnncalc.step_conv(input=np.array([[-128, 1]], np.int8), kernel=np.array([[-128]], np.int8))
    assert int8.output == [[16384, -128]]
    half = cnncalc.step_conv(input=np.array([[1, 2]], np.float16), kernel=[[1]])  # no overflow warning
    assert half.output == [[1.0, 2.0]]


@given(st.integers(min_value=2**1024, max_value=10**5000))
def test_a_whole_number_past_every_float_is_too_large_not_an_overflow(huge):
    # float(10**400) raised a bare OverflowError
    with pytest.raises(UsageError, match=r"^lr a [\d,]+-digit number is too large for a number here"):
        values.number(huge, "lr", "0.001")
    with pytest.raises(UsageError, match=r"^x a [\d,]+-digit number is too large"):
        cnncalc.step_gradient(x=-huge)


@pytest.mark.parametrize("big", [10**30, -(10**5000)], ids=["31-digit", "5001-digit"])
def test_a_whole_number_past_int64_in_a_matrix_is_too_large_not_a_non_number(big):
    # NumPy holds it as an object: "holds object values; it must hold numbers" said it was no number
    with pytest.raises(UsageError, match=r"^input holds a [\d,]+-digit number, too large for a step-through"):
        cnncalc.step_conv(input=[[big, 1]], kernel=[[1]])
    with pytest.raises(UsageError, match=r"^logits holds a [\d,]+-digit number, too large"):
        cnncalc.step_softmax(logits=[big, 1])


def test_a_masked_array_is_refused_unless_nothing_is_masked():
    # np.asarray drops the mask: the hidden 2 was worked out as if it were there
    hidden = np.ma.array([[1, 2], [3, 4]], mask=[[0, 1], [0, 0]])
    with pytest.raises(
        UsageError, match=r"^input has masked values; fill them first, e\.g\. input\.filled\(0\)"
    ):
        cnncalc.step_conv(input=hidden, kernel=[[1]])
    with pytest.raises(UsageError, match="^kernel has masked values"):
        cnncalc.step_conv(input=[[1, 2]], kernel=[np.ma.array([[1]], mask=[[1]])])
    assert cnncalc.step_conv(input=hidden.filled(0), kernel=[[1]]).output == [[1, 0], [3, 4]]
    assert cnncalc.step_conv(input=np.ma.array([[1, 2]]), kernel=[[1]]).output == [[1, 2]]
