"""The step-throughs of softmax, activations, the gradient through depth, two linear layers, batch
norm and dropout against PyTorch's golden answers in fixtures/layer_steps.json (no torch needed).

The fixture is written by generate_layer_fixtures.py, which runs torch and never imports cnncalc.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from cnncalc.lessons.activations import collapse_linear, gradient_through_depth, step_activations
from cnncalc.lessons.batchnorm import step_batchnorm
from cnncalc.lessons.dropout import step_dropout
from cnncalc.lessons.softmax import step_softmax

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "layer_steps.json"


@cache
def cases(kind: str) -> list:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return [pytest.param(c, id=c["id"]) for c in data["cases"] if c["kind"] == kind]


def test_every_kind_is_there() -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    kinds = {c["kind"] for c in data["cases"]}
    assert kinds == {"softmax", "activation", "depth", "linear", "batchnorm", "dropout"}
    assert data["count"] == len(data["cases"]) >= 300


@pytest.mark.parametrize("case", cases("softmax"))
def test_softmax(case: dict) -> None:
    trace = step_softmax(case["logits"], case["label"])
    np.testing.assert_allclose(trace.probabilities, case["probabilities"], rtol=1e-12, atol=1e-300)
    assert trace.loss == pytest.approx(case["loss"], rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(trace.gradient, case["gradient"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", cases("activation"))
def test_activation(case: dict) -> None:
    (fv,) = step_activations(case["x"], (case["name"],), case["slope"]).functions
    np.testing.assert_allclose(fv.values, case["values"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fv.derivatives, case["derivatives"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", cases("depth"))
def test_gradient_through_depth(case: dict) -> None:
    (chain,) = gradient_through_depth(
        (case["name"],), case["depth"], case["x"], case["weight"], case["bias"], case["slope"]
    ).chains
    assert chain.a[-1] == pytest.approx(case["output"], rel=1e-12, abs=1e-300)
    assert chain.input_gradient == pytest.approx(case["input_gradient"], rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("case", cases("linear"))
def test_two_linear_layers(case: dict) -> None:
    trace = collapse_linear(
        tuple(case["x"]),
        tuple(map(tuple, case["w1"])),
        tuple(case["b1"]),
        tuple(map(tuple, case["w2"])),
        tuple(case["b2"]),
    )
    assert list(trace.output) == case["output"] == list(trace.collapsed_output)
    assert [list(r) for r in trace.w] == case["w"]
    assert list(trace.b) == case["b"]
    assert list(trace.relu_output) == case["relu_output"]


@pytest.mark.parametrize("case", cases("batchnorm"))
def test_batchnorm(case: dict) -> None:
    trace = step_batchnorm(
        case["batch"],
        case["gamma"],
        case["beta"],
        case["eps"],
        case["momentum"],
        case["running_mean_before"],
        case["running_var_before"],
    )
    np.testing.assert_allclose(trace.output, case["output"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(trace.running_mean, case["running_mean"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(trace.running_var, case["running_var"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(trace.eval_output, case["eval_output"], rtol=1e-9, atol=1e-9)
    assert trace.to_dict()["trainable_parameters"] == case["trainable_parameters"]


@pytest.mark.parametrize("case", cases("dropout"))
def test_dropout(case: dict) -> None:
    trace = step_dropout(case["input"], case["p"], mask=case["mask"])
    np.testing.assert_allclose(trace.train_output, case["train_output"], rtol=1e-15)
    np.testing.assert_allclose(trace.grad_input, case["grad_input"], rtol=1e-15)
    np.testing.assert_array_equal(trace.eval_output, case["eval_output"])
