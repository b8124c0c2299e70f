"""Model code read by `net --from`, and the same code run by PyTorch: the same parameters, the
same output shape, and for an nn.Sequential the same shape after every layer.

Each source is this test's own code, written to a file and run with runpy (cnncalc itself never
runs a model file); the input is given as a user gives `--input`, batch included or not."""

from __future__ import annotations

import runpy

import pytest

from cnncalc.arith.importer import import_file, import_source
from cnncalc.arith.network import walk

torch = pytest.importorskip("torch")
nn = torch.nn
pytestmark = pytest.mark.oracle

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

CASES = {
    "conv3d-cdhw": (
        "model = nn.Sequential(nn.Conv3d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(864, 5))\n",
        (3, 8, 8, 8),
    ),
    "conv3d-ncdhw": (
        "model = nn.Sequential(nn.Conv3d(3, 4, 3, padding=1), nn.BatchNorm3d(4), nn.MaxPool3d(2), "
        "nn.AvgPool3d((1, 2, 2)), nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(4, 2))\n",
        (2, 3, 8, 8, 8),
    ),
    "conv1d-ncl": (
        "model = nn.Sequential(nn.Conv1d(3, 8, 5, stride=2), nn.BatchNorm1d(8), nn.ReLU(), nn.MaxPool1d(2), "
        "nn.ConvTranspose1d(8, 4, 4, stride=2), nn.AdaptiveMaxPool1d(3), nn.Flatten(), nn.Linear(12, 6), "
        "nn.BatchNorm1d(6))\n",
        (4, 3, 50),
    ),
    "conv1d-cl": (
        "model = nn.Sequential(nn.ZeroPad1d(2), nn.Conv1d(2, 4, 3), nn.Upsample(scale_factor=3, mode='linear'), "
        "nn.ReplicationPad1d((1, 1)), nn.AvgPool1d(3, stride=2, ceil_mode=True), nn.Flatten(), nn.LazyLinear(3))\n",
        (2, 20),
    ),
    "conv3d-transposed": (
        "model = nn.Sequential(nn.ConstantPad3d(1, 0.0), nn.ConvTranspose3d(2, 3, 3, stride=2, output_padding=1), "
        "nn.InstanceNorm3d(3, affine=True), nn.Upsample(scale_factor=(1, 2, 2)), nn.AdaptiveMaxPool3d((1, 2, 3)), "
        "nn.Flatten(), nn.Linear(18, 2))\n",
        (2, 4, 5, 6),
    ),
}


def torch_and_cnncalc(name: str, tmp_path):
    body, given = CASES[name]
    path = tmp_path / f"{name.replace('-', '_')}.py"
    path.write_text(HEAD + body, encoding="utf-8")
    imported = import_file(path, given)
    net = walk(imported.spec)
    imported.verify(net)
    model = runpy.run_path(str(path))[imported.model].eval()
    batch = given if net.batch is not None else (2, *given)
    shapes: list[tuple[int, ...]] = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:]))) for m in model]
    with torch.no_grad():
        out = model(torch.randn(*batch))
    for h in hooks:
        h.remove()
    return model, out, shapes, net


@pytest.mark.parametrize("name", sorted(CASES))
def test_imported_model_matches_torch(name, tmp_path):
    model, out, shapes, net = torch_and_cnncalc(name, tmp_path)
    assert net.total_params == sum(p.numel() for p in model.parameters())
    assert net.output_shape == tuple(out.shape[1:])
    assert [lr.output_shape for lr in net.layers] == shapes


def _separable1d(cin: int, cout: int):
    return nn.Sequential(nn.Conv1d(cin, cin, 3, padding=1, groups=cin, bias=False), nn.Conv1d(cin, cout, 1))


class _Keras1D(nn.Module):
    """KERAS_1D built in PyTorch: 'same' padding as the sizes PyTorch needs for the same lengths."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv1d(3, 8, 5, stride=2, padding=2)
        self.pool = nn.MaxPool1d(2)
        self.tconv = nn.ConvTranspose1d(8, 4, 4, stride=2, padding=1)
        self.pad = nn.ZeroPad1d(1)
        self.up = nn.Upsample(scale_factor=2)
        self.separable = _separable1d(4, 6)
        self.depthwise = nn.Conv1d(4, 4, 3, padding=1, groups=4)
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        x = self.up(self.pad(self.tconv(self.pool(self.conv(x)))))
        x = torch.cat([self.separable(x), self.depthwise(x)], 1)
        return self.fc(x.mean(2))


def _keras_3d():
    return nn.Sequential(
        nn.Conv3d(2, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool3d(2),
        nn.AvgPool3d((1, 2, 2)),
        nn.ZeroPad3d(1),
        nn.Upsample(scale_factor=2),
        nn.ConvTranspose3d(4, 2, 2, stride=2),
        nn.AdaptiveMaxPool3d(1),
        nn.Flatten(),
        nn.Linear(2, 3),
    )


def _keras_conv3d():
    return nn.Sequential(nn.Conv3d(3, 4, 3), nn.Flatten(), nn.Linear(864, 5))


@pytest.mark.parametrize(
    ("source", "build", "shape"),
    [
        ("KERAS_CONV3D", _keras_conv3d, (3, 8, 8, 8)),
        ("KERAS_1D", _Keras1D, (3, 50)),
        ("KERAS_3D", _keras_3d, (2, 8, 8, 8)),
    ],
    ids=["conv3d", "1d", "3d"],
)
def test_keras_files_match_the_same_network_built_in_torch(source, build, shape):
    from tests.arith import test_importer_axes as keras_files

    imported = import_source(getattr(keras_files, source), "m.py")
    net = walk(imported.spec)
    imported.verify(net)
    model = build().eval()
    with torch.no_grad():
        out = model(torch.randn(2, *shape))
    assert net.input_shape == shape
    assert net.total_params == sum(p.numel() for p in model.parameters())
    assert net.output_shape == tuple(out.shape[1:])


# -- models changed after they are built --------------------------------------------------------------


def _changed(source: str, tmp_path, obj: str):
    path = tmp_path / "changed.py"
    path.write_text(source, encoding="utf-8")
    imported = import_file(path, (3, 32, 32))
    net = walk(imported.spec)
    imported.verify(net)
    found = runpy.run_path(str(path))[obj]
    model = (found() if isinstance(found, type) else found).eval()
    shapes: list[tuple[int, ...]] = []
    if isinstance(model, nn.Sequential):
        for m in model:
            m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
    with torch.no_grad():
        out = model(torch.randn(2, 3, 32, 32))
    assert net.total_params == sum(p.numel() for p in model.parameters())
    assert net.output_shape == tuple(out.shape[1:])
    if shapes:
        assert [lr.output_shape for lr in net.layers] == shapes


def _changes():
    from tests.arith import test_importer_changes

    return test_importer_changes


@pytest.mark.parametrize("name", list(_changes().FOLLOWED))
def test_a_followed_change_to_a_sequential_matches_torch(name, tmp_path):
    _changed(_changes().HEAD + _changes().FOLLOWED[name][0], tmp_path, "model")


@pytest.mark.parametrize("name", list(_changes().IN_INIT))
def test_a_followed_change_in_init_matches_torch(name, tmp_path):
    m = _changes()
    _changed("import torch.nn as nn\n" + m.CLASS.replace("{changes}\n", m.IN_INIT[name][0]), tmp_path, "Net")


def test_the_frozen_parameters_refused_are_ones_torch_would_not_count_as_trainable(tmp_path):
    # the brief's example: torch's trainable count is not the total the table would print
    path = tmp_path / "frozen.py"
    path.write_text(
        _changes().HEAD + "for p in model[0].parameters():\n    p.requires_grad = False\n", encoding="utf-8"
    )
    model = runpy.run_path(str(path))["model"]
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert (trainable, sum(p.numel() for p in model.parameters())) == (72_010, 72_234)


def test_requires_grad_set_on_a_module_freezes_nothing_in_torch(tmp_path):
    path = tmp_path / "attribute.py"
    path.write_text(_changes().HEAD + "model[0].requires_grad = False\n", encoding="utf-8")
    model = runpy.run_path(str(path))["model"]
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 72_234
