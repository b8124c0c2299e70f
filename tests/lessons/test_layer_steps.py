"""The step-through engines of softmax, activations, linear layers, batch norm and dropout: their
properties, the working they show, and the values they refuse (their numbers are PyTorch's: see
test_layer_steps_oracle.py and tests/oracle/test_layer_fixtures.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.lessons.activations import (
    collapse_linear,
    gradient_through_depth,
    parse_functions,
    step_activations,
)
from cnncalc.lessons.batchnorm import step_batchnorm
from cnncalc.lessons.blocks import Table, Worked
from cnncalc.lessons.dropout import step_dropout
from cnncalc.lessons.softmax import step_softmax

LOGITS = st.lists(st.floats(-50, 50, allow_nan=False).map(lambda v: round(v, 2)), min_size=2, max_size=10)


def _lines(trace) -> list[str]:
    return [s.line() for sec in trace.sections if isinstance(sec, Worked) for s in sec.steps]


# -- softmax ------------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(LOGITS, st.data())
def test_softmax_probabilities_sum_to_one_and_gradients_to_zero(logits, data) -> None:
    label = data.draw(st.integers(0, len(logits) - 1))
    t = step_softmax(logits, label)
    assert math.fsum(t.probabilities) == pytest.approx(1, abs=1e-12)
    assert math.fsum(t.gradient) == pytest.approx(0, abs=1e-12)
    assert t.gradient[label] < 0 or t.probabilities[label] == pytest.approx(1)
    assert t.loss == pytest.approx(-math.log(t.probabilities[label]), rel=1e-9) or t.probabilities[label] == 0
    # the stable form's e^(z − m) are the plain e^z scaled by one factor
    if t.exps is not None:
        ratio = np.array(t.exps) / np.array(t.shifted_exps)
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)


def test_softmax_writes_every_number_out() -> None:
    lines = _lines(step_softmax([2, 1, 0.1], 0))
    assert "e^z_0 = e^2 = 7.38906" in lines
    assert "Σ e^z = e^z_0 + e^z_1 + e^z_2 = 7.38906 + 2.71828 + 1.10517 = 11.2125" in lines
    assert "p_0 = e^z_0 / Σ e^z = 7.38906 / 11.2125 = 0.659001" in lines
    assert "L = −ln p_0 = −ln 0.659001 = 0.41703" in lines
    assert "∂L/∂z_0 = p_0 − y_0 = 0.659001 − 1 = -0.340999" in lines
    assert "m = max z = max(2, 1, 0.1) = 2" in lines
    assert "L = ln Σ e^(z − m) + m − z_y = ln 1.51745 + 2 − 2 = 0.41703" in lines


def test_softmax_without_a_label_has_no_loss() -> None:
    t = step_softmax([3, 1])
    assert t.loss is None and t.gradient is None and t.predicted == 0
    assert not any("Cross-entropy" in getattr(s, "title", "") for s in t.sections)


def test_softmax_overflow_is_explained() -> None:
    t = step_softmax([1000, 0], 1)
    assert t.exps is None
    notes = " ".join(n for s in t.sections for n in s.notes)
    assert "e^1000 is larger than float64 can hold" in notes
    assert t.loss == pytest.approx(1000)


def test_softmax_loss_with_an_underflowed_probability_is_worked_in_the_stable_form() -> None:
    # p_2 = e^−1005 underflows to 0: no line may claim −ln 0 = 1005
    t = step_softmax([1000, 0, -5], 2)
    assert t.probabilities[2] == 0
    lines = _lines(t)
    assert "L = −(z_2 − max z) + ln Σ e^(z_j − max z) = −(-5 − 1000) + ln 1 = 1005" in lines
    assert not any("−ln 0" in line for line in lines)
    (loss,) = (s for s in t.loss_working() if s.label == "L")
    assert "e^(-1005) is too small to write" in loss.why


def test_softmax_loss_keeps_minus_ln_p_when_p_is_tiny_but_representable() -> None:
    lines = _lines(step_softmax([700, 0], 1))
    assert "L = −ln p_1 = −ln 9.85968e-305 = 700" in lines


def test_softmax_loss_with_a_subnormal_probability_is_worked_in_the_stable_form() -> None:
    # p_1 = e^−744 is subnormal (4.9e-324 steps): −ln 9.88131e-324 is 743.75, not the loss 744
    t = step_softmax([0, -744], 1)
    lines = _lines(t)
    assert "L = −(z_1 − max z) + ln Σ e^(z_j − max z) = −(-744 − 0) + ln 1 = 744" in lines
    assert not any("−ln 9.88131e-324" in line for line in lines)
    (loss,) = (s for s in t.loss_working() if s.label == "L")
    assert "smallest normal number" in loss.why


def test_softmax_loss_of_a_probability_that_rounds_to_one_is_not_minus_ln_1() -> None:
    lines = _lines(step_softmax([20, 0], 0))
    assert "L = −ln p_0 = −ln(1 − 2.06115e-09) = 2.06115e-09" in lines
    assert not any(line.startswith("L = −ln p_0 = −ln 1 =") for line in lines)


def test_softmax_certain_right_answer_costs_zero_not_minus_zero() -> None:
    t = step_softmax([1000, 0, -1000], 0)
    assert t.loss == 0 and math.copysign(1, t.loss) == 1 and t.to_dict()["loss"] == 0.0
    assert "L = −ln p_0 = −ln 1 = 0" in _lines(t)
    assert not any(line.endswith("= -0") for line in _lines(t))


@pytest.mark.parametrize(
    ("logits", "label", "error", "fragment"),
    [
        ([1], None, UsageError, "at least two numbers"),
        ([1, 2], 2, UsageError, "label 2 is not a class: the 2 logits are classes 0 to 1"),
        ([1, float("nan")], None, UsageError, "finite"),
    ],
)
def test_softmax_refuses(logits, label, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        step_softmax(logits, label)


# -- activations -------------------------------------------------------------------------------------


def test_activation_working() -> None:
    lines = _lines(step_activations([-2, 0], ("sigmoid", "relu")))
    assert "σ(-2) = 1/(1 + e^(−x)) = 1/(1 + e^2) = 1/(1 + 7.38906) = 0.119203" in lines
    assert "σ'(0) = σ(x)·(1 − σ(x)) = 0.5·(1 − 0.5) = 0.25" in lines
    assert "ReLU'(0) = 1 if x > 0, else 0 = 0" in lines


def test_sigmoid_derivative_is_at_most_a_quarter() -> None:
    xs = np.linspace(-10, 10, 81).tolist()
    (fv,) = step_activations(xs, ("sigmoid",)).functions
    assert max(fv.derivatives) == 0.25 and fv.derivatives[40] == 0.25


def test_the_derivatives_are_compared_side_by_side() -> None:
    t = step_activations([-1, 1], ("relu", "sigmoid", "tanh"))
    table = t.sections[-1]
    assert isinstance(table, Table)
    assert table.headers == ("x", "ReLU'(x)", "sigmoid σ'(x)", "tanh'(x)")
    assert table.rows[1][:2] == ("1", "1")


def test_parse_functions() -> None:
    assert parse_functions("ReLU, leaky_relu,relu") == ("relu", "leakyrelu")
    with pytest.raises(UsageError, match="fn 'swish' is not one of relu, sigmoid, tanh, relu6, leakyrelu"):
        parse_functions("swish")


def test_two_linear_layers_are_one() -> None:
    t = collapse_linear((1, -2), ((1, 2), (3, -1), (-2, 1)), (0, 1, -1), ((1, -1, 2), (0, 1, 1)), (1, 0))
    assert t.hidden == (-3, 6, -5) and t.output == (-18, 1) == t.collapsed_output
    assert t.w == ((-6, 5), (1, 0)) and t.b == (-2, 0)
    assert t.relu_output == (-5, 6)
    assert "W_00 = row i of W₂ · column j of W₁ = 1·1 + (-1)·3 + 2·(-2) = -6" in _lines(t)
    notes = " ".join(n for s in t.sections for n in s.notes)
    assert "two linear layers (17 parameters) compute nothing one linear layer (6 parameters) cannot" in notes
    assert "ReLU zeroes h_0, h_2" in notes


def test_linear_shapes_must_chain() -> None:
    with pytest.raises(UsageError, match="w1 rows need 2 numbers"):
        collapse_linear((1, 2), ((1,),), (0,), ((1,),), (0,))
    with pytest.raises(UsageError, match="w2 rows need 1 numbers"):
        collapse_linear((1,), ((1,),), (0,), ((1, 2),), (0,))


def test_the_gradient_vanishes_through_sigmoid_and_not_through_relu() -> None:
    t = gradient_through_depth(("sigmoid", "relu"), 20, x=0.5)
    sigmoid, relu = t.chains
    assert relu.input_gradient == 1
    assert 0 < sigmoid.input_gradient < 0.25**20
    # each step down multiplies by f'(z)·w
    for i in range(20):
        assert sigmoid.gradients[i] == pytest.approx(sigmoid.gradients[i + 1] * sigmoid.derivatives[i])


def test_depth_is_bounded() -> None:
    with pytest.raises(UsageError, match="depth 0 must be between 1 and 100"):
        gradient_through_depth(("relu",), 0)


@pytest.mark.parametrize("weight, bias", [(1e31, 0.0), (10.0, 1e300), (-1e200, 0.0)])
def test_overflowing_values_are_refused_not_printed_as_numbers(weight, bias) -> None:
    with pytest.raises(CnnCalcError, match="overflow a float64") as caught:
        gradient_through_depth(("relu", "sigmoid"), 10, weight=weight, bias=bias)
    assert caught.value.field == "weight"


def test_a_large_but_finite_chain_still_works() -> None:
    t = gradient_through_depth(("relu",), 10, x=1.0, weight=10.0)
    assert t.chains[0].input_gradient == pytest.approx(1e10)


# -- batch norm --------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(-9, 9), min_size=2, max_size=2), min_size=2, max_size=6))
def test_batchnorm_output_has_mean_beta_and_variance_near_gamma_squared(batch) -> None:
    t = step_batchnorm(batch, gamma=(2, 1), beta=(1, -1))
    for c, (g, b) in enumerate(((2, 1), (1, -1))):
        column = t.output[:, c]
        assert column.mean() == pytest.approx(b, abs=1e-9)
        if t.var[c] > 1e-3:
            assert column.var() == pytest.approx(g * g, rel=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "said", "unsaid"),
    [
        (
            {"running_mean": (0.5, 1), "running_var": (2, 3), "momentum": 0.3},
            "moves each running statistic m = 0.3 of the way from its starting value (running mean 0.5, 1; "
            "running variance 2, 3)",
            "(0 and 1)",
        ),
        ({}, "m = 0.1 of the way from its starting value (running mean 0; running variance 1)", "close to"),
        ({"momentum": 0}, "With m = 0 the running statistics never move", "settle"),
        ({"momentum": 1}, "With m = 1 each step replaces the running statistics", "settle"),
    ],
    ids=["given-starts", "defaults", "momentum-0", "momentum-1"],
)
def test_batchnorm_evaluation_note_speaks_of_the_starting_values_given(kwargs, said, unsaid) -> None:
    t = step_batchnorm([[1, 2], [3, 6], [5, 4]], **kwargs)
    notes = " ".join(n for s in t.sections for n in s.notes)
    assert said in notes and unsaid not in notes


def test_batchnorm_uses_the_biased_variance_and_keeps_the_unbiased_one() -> None:
    t = step_batchnorm([[1], [3], [5]])
    assert t.var == (pytest.approx(8 / 3),)
    assert t.running_var == (pytest.approx(0.9 * 1 + 0.1 * 4),)  # 4 = 8/3 · 3/2
    assert t.running_mean == (pytest.approx(0.3),)
    d = t.to_dict()
    assert (d["trainable_parameters"], d["buffers"]) == (2, 2)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"batch": [[1, 2]]}, CnnCalcError, "batch has 1 sample"),
        ({"batch": [[1], [2]], "gamma": [1, 2]}, UsageError, "gamma needs 1 numbers"),
        ({"batch": [[1], [2]], "eps": 0}, UsageError, "eps 0 must be a small positive number"),
        ({"batch": [[1], [2]], "momentum": 2}, UsageError, "momentum 2 must be between 0 and 1"),
        ({"batch": [[1], [2]], "running_var": [-1]}, UsageError, "running_var must not be negative"),
    ],
    ids=["one-sample", "gamma", "eps", "momentum", "running-var"],
)
def test_batchnorm_refuses(kwargs, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        step_batchnorm(**kwargs)


# -- dropout ----------------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 1000),
    st.sampled_from([0.0, 0.1, 0.5, 0.9]),
    st.lists(st.integers(-9, 9), min_size=1, max_size=12),
)
def test_dropout_scales_what_it_keeps_and_evaluation_is_the_identity(seed, p, row) -> None:
    t = step_dropout([row], p, seed=seed)
    x = np.array([row], dtype=float)
    np.testing.assert_allclose(t.train_output, np.where(t.mask, x / (1 - p), 0))
    np.testing.assert_array_equal(t.eval_output, x)
    np.testing.assert_allclose(t.grad_input, np.where(t.mask, 1 / (1 - p), 0))
    if p == 0:
        assert t.mask.all()


def test_dropout_draws_the_trainers_mask() -> None:
    """The mask is the trainer's own Dropout layer's, for the same generator seed."""
    from cnncalc.nn.layers import Dropout

    layer = Dropout(0.5, np.random.default_rng(3))
    layer.forward(np.ones((2, 4)), train=True)
    np.testing.assert_array_equal(step_dropout(np.ones((2, 4)), 0.5, seed=3).mask, layer.scale != 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"x": [[1, 2]], "p": 1.0}, UsageError, "p 1.0 must be at least 0 and below 1"),
        ({"x": [[1, 2]], "p": 0.5, "mask": [[1, 2]]}, CnnCalcError, "mask must be a 1×2 matrix of 0s and 1s"),
        ({"x": [[1] * 65], "p": 0.5}, UsageError, "at most 64"),
        ({"x": [[1, 2]], "p": 0.5, "seed": -1}, UsageError, "seed -1: the seed must be a whole number ≥ 0"),
    ],
    ids=["p-one", "mask", "too-many", "negative-seed"],
)
def test_dropout_refuses(kwargs, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        step_dropout(**kwargs)
