"""The layer kinds added for real model code (pad, upsample, pixelshuffle, instance and group norm,
local response norm, global and adaptive max pooling, newer activations) against PyTorch: each spec
is written as PyTorch code by `cnncalc export` and run; every layer's output shape and the
parameter total must equal the walk's. The receptive field after upsampling (a bound) is never
below the field measured from the input gradient."""

from __future__ import annotations

import runpy

import pytest

from cnncalc.arith.network import walk
from cnncalc.render.export import to_pytorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

SPECS = [
    "input 3x9x11 | pad 2 | conv 4 k=3 | pad 1x2 mode=reflect | pad 1 mode=replicate",
    "input 2x5x7 | upsample 2 | conv 3 k=3 | upsample 3x2 mode=bilinear",
    "input 18x4x5 | pixelshuffle 3 | conv 4 k=1",
    "input 8x6x6 | instancenorm | instancenorm affine=true | groupnorm 4 | groupnorm 8 | lrn 3",
    "input 4x7x9 | gmp | flatten | fc 3",
    "input 4x10x9 | adaptivemaxpool 3 | adaptiveavgpool 2x3",
    "input 4x6x6 | hardswish | hardsigmoid | silu | gelu | elu | relu6 | flatten | fc 2",
    "input 2x20 | pad 3 | conv 4 k=5 | upsample 2",
    "input 2x4x5x6 | pad 1 | conv3d 3 k=3 | upsample 2",
]


def run_exported(spec: str, tmp_path):
    net = walk(spec)
    path = tmp_path / "m.py"
    path.write_text(to_pytorch(net), encoding="utf-8")
    namespace = runpy.run_path(str(path))
    return net, namespace["Net"]().eval(), namespace["example_input"]


@pytest.mark.parametrize("spec", SPECS)
def test_new_layer_kinds_have_pytorchs_shapes_and_parameters(spec, tmp_path):
    net, model, x = run_exported(spec, tmp_path)
    shapes: list[tuple[int, ...]] = []
    for m in model.modules():
        if not list(m.children()):
            m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
    with torch.no_grad():
        model(x)
    assert shapes == [lr.output_shape for lr in net.layers]
    assert sum(p.numel() for p in model.parameters()) == net.total_params


@pytest.mark.parametrize(
    "spec",
    [
        "input 1x40x40 | conv 1 k=3 | upsample 2 | conv 1 k=3",
        "input 4x40x40 | conv 4 k=3 | pixelshuffle 2 | conv 1 k=3",
        "input 1x40x40 | conv 1 k=3 | upsample 2 mode=bilinear | conv 1 k=5",
        "input 1x40x40 | pad 2 | conv 1 k=5 s=2 | upsample 3 | conv 1 k=3",
    ],
)
def test_field_after_upsampling_is_never_below_the_gradient_support(spec, tmp_path):
    net, model, _ = run_exported(spec, tmp_path)
    for p in model.parameters():
        torch.nn.init.constant_(p, 0.1)
    x = torch.zeros(1, *net.input_shape, requires_grad=True)
    y = model(x)
    h, w = y.shape[-2:]
    y[0, 0, h // 2, w // 2].backward()
    support = (x.grad[0].abs().sum(0) > 0).nonzero()
    seen = tuple(int(support[:, i].max() - support[:, i].min()) + 1 for i in range(2))
    assert all(s <= f for s, f in zip(seen, net.receptive_field, strict=True)), (seen, net.receptive_field)
