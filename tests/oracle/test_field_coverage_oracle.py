"""When the receptive field is wider than the image, the net table says whether every unit of the
last layer sees the whole image; PyTorch's autograd says which input pixels each unit depends on."""

from __future__ import annotations

import pytest

from cnncalc.arith.network import walk
from cnncalc.arith.receptive_field import field_beyond_input

torch = pytest.importorskip("torch")
nn = torch.nn
pytestmark = pytest.mark.oracle


def _torch_net(spec: str) -> tuple[nn.Module, tuple[int, ...]]:
    """The spec as torch layers with all-ones weights (max pools as average pools: the same windows,
    and every cell of a window gets gradient)."""
    net = walk(spec)
    layers: list[nn.Module] = []
    for lr in net.layers:
        layer = lr.layer
        if layer.kind == "conv":
            (pt, _), (pl, _) = lr.shape.padding
            conv = nn.Conv2d(lr.input_shape[0], layer.units, lr.shape.kernel, lr.shape.stride, (pt, pl))
            layers.append(conv)
        elif layer.kind == "maxpool":
            layers.append(nn.AvgPool2d(lr.shape.kernel, lr.shape.stride))
        elif layer.kind == "flatten":
            layers.append(nn.Flatten())
        elif layer.kind == "fc":
            layers.append(nn.Linear(lr.input_shape[0], layer.units))
    model = nn.Sequential(*layers).double()
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(1.0)
    return model, net.input_shape


def _every_unit_sees_every_pixel(spec: str) -> bool:
    model, shape = _torch_net(spec)
    x = torch.ones(1, *shape, dtype=torch.float64, requires_grad=True)
    y = model(x)[0]
    for unit in range(y.numel()):
        (grad,) = torch.autograd.grad(y.flatten()[unit], x, retain_graph=True)
        if not bool((grad[0] != 0).all()):
            return False
    return True


@pytest.mark.parametrize(
    "spec",
    [
        "input 1x12x12 | conv 2 k=5 p=2 | maxpool k=2 | conv 2 k=5 p=2 | maxpool k=2 | flatten | fc 3",
        "input 1x8x8 | conv 1 k=5 p=2 | conv 1 k=5 p=2",
        "input 1x6x6 | conv 1 k=5 p=2 | conv 1 k=5 p=2 | conv 1 k=5 p=2",
        "input 1x9x9 | conv 1 k=3 p=1 | maxpool k=3 | conv 1 k=3 p=1",
    ],
)
def test_the_whole_image_claim_agrees_with_autograd(spec: str) -> None:
    note = field_beyond_input(walk(spec))
    assert note is not None
    assert note.endswith(
        "every unit of the last layer sees the whole image."
    ) == _every_unit_sees_every_pixel(spec)
