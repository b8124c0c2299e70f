"""The exported PyTorch code of every preset, run by PyTorch: the same parameter total, output
shape and per-layer output shapes as `cnncalc net` (the table's layer rows, in order)."""

from __future__ import annotations

import runpy

import pytest

from cnncalc.arith.network import walk
from cnncalc.arith.presets import get_preset, list_presets
from cnncalc.render.export import to_pytorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.oracle

# the large ImageNet networks take seconds each on two cores: slow
HEAVY = {
    "vgg-16",
    "vgg-16-bn",
    "resnet-34",
    "resnet-50",
    "densenet-121",
    "inception-v3",
    "googlenet",
    "alexnet",
}


def run_exported(net, tmp_path):
    """The exported module, run by PyTorch: (the model, its output, every leaf module's output shape)."""
    path = tmp_path / "exported.py"
    path.write_text(to_pytorch(net, "Net"), encoding="utf-8")
    namespace = runpy.run_path(str(path))  # the code cnncalc wrote, never a user's file
    model = namespace["Net"]().eval()
    shapes: list[tuple[int, ...]] = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
        for m in model.modules()
        if not list(m.children())
    ]
    with torch.no_grad():
        out = model(namespace["example_input"])
    for h in hooks:
        h.remove()
    return model, out, shapes


@pytest.mark.parametrize(
    "spec",
    [
        "input 3x32x32 | conv 8 k=4 p=same | conv 8 k=2x5 p=same d=2 | conv 4 k=6x3 p=same",
        "input 4x31 | conv1d 8 k=4 p=same d=3 | relu",
        "input 2x9x10x11 | conv3d 4 k=2 p=same",
    ],
)
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # PyTorch pads a copy
def test_uneven_same_padding_runs_in_pytorch_with_the_tables_shapes(spec, tmp_path):
    net = walk(spec)
    model, out, shapes = run_exported(net, tmp_path)
    assert sum(p.numel() for p in model.parameters()) == net.total_params
    assert shapes == [lr.output_shape for lr in net.layers]


@pytest.mark.parametrize(
    "preset",
    [pytest.param(p.name, marks=pytest.mark.slow) if p.name in HEAVY else p.name for p in list_presets()],
)
def test_exported_pytorch_code_runs_with_the_tables_numbers(preset, tmp_path):
    net = walk(get_preset(preset))
    model, out, shapes = run_exported(net, tmp_path)
    assert sum(p.numel() for p in model.parameters()) == net.total_params
    assert tuple(out.shape[1:]) == net.output_shape
    assert shapes == [lr.output_shape for lr in net.layers]


def test_a_built_model_takes_the_sizes_solve_input_lists_for_its_last_map(tmp_path):
    """`solve input` says a model built for 1×32×32 takes only the sizes whose last map is 5×5."""
    from cnncalc.arith.input_sizes import solve_input_sizes

    spec = get_preset("lenet-5")
    listed = solve_input_sizes(spec, (5, 5), limit=64)
    assert listed.axes[0].wanted == (32, 33, 34, 35)
    model, _out, _shapes = run_exported(walk(spec), tmp_path)

    def runs(n: int) -> bool:
        try:
            with torch.no_grad():
                model(torch.randn(1, 1, n, n))
        except RuntimeError:
            return False
        return True

    assert [n for n in range(16, 65) if runs(n)] == list(listed.axes[0].wanted)
