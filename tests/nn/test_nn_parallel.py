"""Splitting a batch over threads (`split_work`) gives the serial results: the same logits, the same
input gradient, and parameter gradients equal up to the order of a sum."""

from __future__ import annotations

import numpy as np
import pytest

from cnncalc.nn import parallel
from cnncalc.nn.losses import softmax_cross_entropy
from cnncalc.nn.model import build_model

SPECS = {
    "keras-mnist-like": "input 1x12x12 | conv 8 k=3 | relu | maxpool k=2 | conv 8 k=3 | relu | flatten | fc 10",
    "rgb-stride-pad": "input 3x11x11 | conv 6 k=3 s=2 p=1 | relu | conv 4 k=1 | flatten | fc 10",
    "pools": "input 2x13x13 | conv 4 k=2 | maxpool k=3 s=2 p=1 ceil=true | avgpool k=2 | flatten | fc 10",
    "dilation-groups": "input 4x12x12 | conv 4 k=3 d=2 g=2 | leakyrelu | maxpool k=2 d=2 s=1 | flatten | fc 10",
}


def _step(spec: str, x: np.ndarray, y: np.ndarray):
    model = build_model(spec, classes=10, seed=3, dtype=np.float64)
    model.layers[0].need_input_grad = True
    logits = model.forward(x, train=True)
    _, dlogits = softmax_cross_entropy(logits, y)
    dx = model.backward(dlogits)
    return logits, dx, model.named_grads()


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_split_batch_matches_serial(spec, monkeypatch):
    rng = np.random.default_rng(0)
    shape = build_model(spec, classes=10, seed=3, dtype=np.float64).input_shape
    x = rng.normal(size=(7, *shape))
    y = rng.integers(0, 10, size=7)
    serial = _step(spec, x, y)
    monkeypatch.setattr(parallel, "MIN_PART", 1)  # split even these small batches
    with parallel.split_work(3):
        split = _step(spec, x, y)
    np.testing.assert_array_equal(split[0], serial[0])
    np.testing.assert_allclose(split[1], serial[1], rtol=1e-12, atol=1e-15)
    assert sorted(split[2]) == sorted(serial[2])
    for name, grad in serial[2].items():
        np.testing.assert_allclose(split[2][name], grad, rtol=1e-12, atol=1e-15, err_msg=name)


def test_run_split_uses_contiguous_slices_in_order(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    with parallel.split_work(3):
        parts = parallel.run_split(lambda a, b: (a, b), 10, size=100)
    assert parts == [(0, 3), (3, 6), (6, 10)]
    assert parallel.run_split(lambda a, b: (a, b), 10, size=100) == [(0, 10)]  # outside: serial
