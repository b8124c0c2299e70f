"""Finite differences agree with every layer's backward pass (no torch needed)."""

from __future__ import annotations

import numpy as np
import pytest

from cnncalc.arith.presets import preset_text
from cnncalc.nn import layers as L
from cnncalc.nn.gradcheck import ALL_LAYERS_SPEC, gradient_check
from cnncalc.nn.merge import Add, Concat

SPECS = {
    "every-layer": ALL_LAYERS_SPEC,
    "strided-dilated": "input 2x11x11 | conv 3 k=3 s=2 d=2 p=2 | sigmoid | maxpool k=2 s=1 d=2 | flatten | fc 4",
    "grouped": "input 4x6x6 | conv 4 k=3 g=4 | tanh | conv 2 k=1 g=2 | avgpool k=3 s=2 p=1 ceil=true | fc 3",
    "1d": "input 2x16 | conv 3 k=3 s=2 | leakyrelu | flatten | fc 3",
    "bn-features": "input 1x4x4 | flatten | fc 6 | bn | softmax | fc 3",
    "adaptive-pool": "input 2x7x6 | conv 3 k=2 | adaptiveavgpool 4x3 | flatten | fc 3",
    "residual-projection": "input 2x6x6 | add( conv 3 k=3 s=2 p=1 | bn | relu ; conv 3 k=1 s=2 ) | fc 3",
    "dense-concat": "input 2x5x5 | concat( ; conv 2 k=3 p=1 | tanh ) x2 | concat( maxpool k=3 s=1 p=1 ; ) | fc 3",
    # Stride-1 input gradients as correlations: uneven "same" padding (1 before, 2 after), a
    # dilation, fewer than 4 output channels (the gradient's im2col built transposed), and a
    # padding wider than d·(k − 1), which takes the tap-by-tap path instead.
    "stride-1-paddings": (
        "input 3x7x6 | conv 2 k=4 p=same | tanh | conv 5 k=3 d=2 p=2 | sigmoid | conv 3 k=1 p=1 | flatten | fc 3"
    ),
    "digits-resnet": preset_text("digits-resnet"),
    "digits-inception": preset_text("digits-inception"),
}


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_every_gradient_matches_finite_differences(spec):
    rows = gradient_check(spec)
    assert rows, "nothing was checked"
    assert {r.name for r in rows} >= {"input"}
    for row in rows:
        assert row.passed and row.max_relative_error < 1e-6, row


def test_a_wrong_backward_is_caught(monkeypatch):
    # Tanh with the derivative of the wrong function: the check must notice, at the tanh layer.
    monkeypatch.setattr(L.Tanh, "backward", lambda self, grad: grad * (1 - self.out))
    rows = gradient_check("input 1x5x5 | conv 2 k=3 | tanh | flatten | fc 3")
    tanh = next(r for r in rows if r.kind == "tanh" and r.name == "input")
    assert not tanh.passed and tanh.max_relative_error > 1e-3
    assert all(r.passed for r in rows if r.kind != "tanh")


def test_rounding_noise_of_a_large_layer_is_not_a_failure():
    # 980,000 outputs: the probe loss sums them, and its rounding, divided by 2ε, is about 10⁻⁵
    # of a gradient, as large as the old fixed tolerance. The row's own tolerance covers it.
    rows = gradient_check("input 1x700x700 | tanh", batch=3)
    (row,) = rows
    assert row.passed and not row.checked_as
    assert row.tolerance > 1e-5  # scaled with the layer, and reported


def test_a_vgg_16_is_checked_within_bounded_memory_and_time():
    import resource
    import time

    from cnncalc.arith.presets import get_preset
    from tests.bounded_run import within

    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with within(60):
        rows = gradient_check(get_preset("vgg-16"))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert time.perf_counter() - start < 20 and grown_mb < 200  # the whole model in float64: 1.1 GB
    assert all(r.passed for r in rows)
    conv = next(r for r in rows if r.layer == 25 and r.name == "weight")
    assert conv.checked_as.startswith("checked as conv 8 k=3 p=1 on 8×8×8 (the layer: 512×14×14 → 512×14×14")


def test_alexnet_layers_agree_one_at_a_time():
    # Checked through the whole network, kinks of every later ReLU and max pool made the
    # relative error of early layers reach 1.0.
    from cnncalc.arith.presets import get_preset
    from tests.bounded_run import within

    with within(60):
        assert all(r.passed for r in gradient_check(get_preset("alexnet")))


def test_every_merge_has_a_row_for_each_branch():
    rows = gradient_check("input 2x5x5 | add( conv 2 k=3 p=1 ; conv 2 k=1 ; ) | concat( ; tanh ) | fc 3")
    merges = [(r.id, r.kind, r.name) for r in rows if r.kind in ("add", "concat")]
    assert merges == [
        ("1", "add", "branch 1"),
        ("1", "add", "branch 2"),
        ("1", "add", "branch 3"),
        ("2", "concat", "branch 1"),
        ("2", "concat", "branch 2"),
    ]
    assert all(r.checked == 8 for r in rows if r.kind in ("add", "concat"))
    assert all(r.max_relative_error < 1e-6 for r in rows)


@pytest.mark.parametrize(
    ("merge", "wrong"),
    [
        (Add, lambda self, grad: [grad, 0.5 * grad]),  # the shortcut gets half its gradient
        (Concat, lambda self, grad: [grad[..., :w] for w in self.widths]),  # every slice from channel 0
    ],
    ids=["add", "concat"],
)
def test_a_wrong_merge_backward_is_caught_on_its_own_row(monkeypatch, merge, wrong):
    monkeypatch.setattr(merge, "backward", wrong)
    spec = "input 2x5x5 | conv 2 k=1 | " + (
        "add( conv 2 k=3 p=1 )" if merge is Add else "concat( conv 3 k=1 ; )"
    )
    rows = gradient_check(spec + " | fc 3")
    wrong_row = next(r for r in rows if (r.kind, r.name) == (merge.kind, "branch 2"))
    assert not wrong_row.passed and wrong_row.max_relative_error > 1e-3
    assert all(r.passed for r in rows if r is not wrong_row)
    assert np.isfinite([r.max_relative_error for r in rows]).all()
