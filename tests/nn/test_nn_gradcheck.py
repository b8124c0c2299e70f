"""Finite differences agree with every layer's backward pass (no torch needed)."""

from __future__ import annotations

import pytest

from cnncalc.nn import layers as L
from cnncalc.nn.gradcheck import ALL_LAYERS_SPEC, gradient_check

SPECS = {
    "every-layer": ALL_LAYERS_SPEC,
    "strided-dilated": "input 2x11x11 | conv 3 k=3 s=2 d=2 p=2 | sigmoid | maxpool k=2 s=1 d=2 | flatten | fc 4",
    "grouped": "input 4x6x6 | conv 4 k=3 g=4 | tanh | conv 2 k=1 g=2 | avgpool k=3 s=2 p=1 ceil=true | fc 3",
    "1d": "input 2x16 | conv 3 k=3 s=2 | leakyrelu | flatten | fc 3",
    "bn-features": "input 1x4x4 | flatten | fc 6 | bn | softmax | fc 3",
    "adaptive-pool": "input 2x7x6 | conv 3 k=2 | adaptiveavgpool 4x3 | flatten | fc 3",
}


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_every_gradient_matches_finite_differences(spec):
    rows = gradient_check(spec)
    assert rows, "nothing was checked"
    assert {r.kind for r in rows} >= {"input"}
    for row in rows:
        assert row.max_relative_error < 1e-6, row


def test_a_wrong_backward_is_caught(monkeypatch):
    # Tanh with the derivative of the wrong function: the check must notice.
    monkeypatch.setattr(L.Tanh, "backward", lambda self, grad: grad * (1 - self.out))
    rows = gradient_check("input 1x5x5 | conv 2 k=3 | tanh | flatten | fc 3")
    conv_weight = next(r for r in rows if r.kind == "conv" and r.name == "weight")
    assert conv_weight.max_relative_error > 1e-3
