"""The ten torchvision presets against tests/oracle/fixtures/torchvision.json, written from real
torchvision 0.29 (see generate_torchvision_fixtures.py and TORCHVISION.md).

Without torch: totals, outputs, weights-only MACs, every module call's output shape, parameters
and MACs (row for row), and the receptive field, jump and first pixel at each probe (stage ends
and the stem). With torch: each preset's graph is built in torch on the meta device and every
node's shape and the parameter total agree with the walk.

torchvision calls some operations as functions, which torchinfo (and the fixture) shows no row
for; the presets write them as layers, so the comparison leaves them out (`functional`).
"""

from __future__ import annotations

import json
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest

from cnncalc.arith.network import LayerResult, NetworkResult, walk
from cnncalc.arith.presets import get_preset

FIXTURE = Path(__file__).parent / "fixtures" / "torchvision.json"
PRESETS = [
    "resnet-18",
    "resnet-34",
    "resnet-50",
    "mobilenet-v2",
    "googlenet",
    "densenet-121",
    "squeezenet-1.0",
    "squeezenet-1.1",
    "vgg-16-bn",
    "inception-v3",
]
MODULES = {
    "conv": "Conv2d",
    "bn": "BatchNorm2d",
    "relu": "ReLU",
    "relu6": "ReLU6",
    "maxpool": "MaxPool2d",
    "avgpool": "AvgPool2d",
    "gap": "AdaptiveAvgPool2d",
    "fc": "Linear",
    "dropout": "Dropout",
}


@cache
def fixture() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["models"]


@cache
def walked(name: str) -> NetworkResult:
    return walk(get_preset(name))


def functional(name: str, net: NetworkResult, layer: LayerResult) -> bool:
    """The layers torchvision computes with a function (no module, so no row): every flatten; the
    ReLU inside GoogLeNet's and Inception-v3's BasicConv2d; Inception-v3's pools inside its mixed
    blocks; the global pooling of MobileNet-v2 and DenseNet and DenseNet's last ReLU."""
    if layer.kind == "flatten":
        return True
    if name in ("googlenet", "inception-v3") and layer.kind == "relu":
        return True
    if name == "inception-v3" and layer.kind in ("avgpool", "maxpool") and layer.depth > 1:
        return True
    if name in ("mobilenet-v2", "densenet-121") and layer.kind == "gap":
        return True
    return (
        name == "densenet-121" and layer.kind == "relu" and layer.depth == 1 and layer.id == net.layers[-4].id
    )


def module_rows(name: str) -> list[LayerResult]:
    net = walked(name)
    return [layer for layer in net.layers if not functional(name, net, layer)]


@pytest.mark.parametrize("name", PRESETS)
def test_totals_and_output_equal_torchvision(name: str) -> None:
    net, entry = walked(name), fixture()[name]
    assert net.total_params == entry["params"]
    assert list(net.output_shape) == entry["output"]
    assert list(net.input_shape) == entry["input"]
    assert net.total_macs == entry["macs"]


@pytest.mark.parametrize("name", PRESETS)
def test_every_module_call_has_torchvisions_shape_params_and_macs(name: str) -> None:
    leaves = [row for row in fixture()[name]["rows"] if row["leaf"]]
    ours = module_rows(name)
    assert len(ours) == len(leaves)
    for layer, row in zip(ours, leaves, strict=True):
        where = f"{name} row {layer.id} ({layer.describe()}) vs {row['path']}"
        assert MODULES[layer.kind] == row["type"], where
        assert list(layer.output_shape) == row["output"], where
        assert layer.total_params == row["params"], where
        assert layer.macs == row["macs"], where


PROBE_ROWS = {
    "mobilenet-v2": {f"features.{i}": str(i + 1) for i in range(19)},
    "googlenet": dict(
        zip(
            [
                "conv1",
                "maxpool1",
                "conv2",
                "conv3",
                "maxpool2",
                "inception3a",
                "inception3b",
                "maxpool3",
                "inception4a",
                "inception4b",
                "inception4c",
                "inception4d",
                "inception4e",
                "maxpool4",
                "inception5a",
                "inception5b",
            ],
            map(str, range(1, 17)),
            strict=True,
        )
    ),
    "densenet-121": {
        f"features.{name}": str(row)
        for name, row in (
            ("conv0", 1),
            ("pool0", 4),
            ("denseblock1", 5),
            ("transition1", 6),
            ("denseblock2", 7),
            ("transition2", 8),
            ("denseblock3", 9),
            ("transition3", 10),
            ("denseblock4", 11),
        )
    },
    "squeezenet-1.0": {**{f"features.{i}": str(i + 1) for i in range(13)}, "classifier.1": "15"},
    "squeezenet-1.1": {**{f"features.{i}": str(i + 1) for i in range(13)}, "classifier.1": "15"},
    "inception-v3": dict(
        zip(
            [
                "Conv2d_1a_3x3",
                "Conv2d_2a_3x3",
                "Conv2d_2b_3x3",
                "maxpool1",
                "Conv2d_3b_1x1",
                "Conv2d_4a_3x3",
                "maxpool2",
                "Mixed_5b",
                "Mixed_5c",
                "Mixed_5d",
                "Mixed_6a",
                "Mixed_6b",
                "Mixed_6c",
                "Mixed_6d",
                "Mixed_6e",
                "Mixed_7a",
                "Mixed_7b",
                "Mixed_7c",
            ],
            map(str, range(1, 19)),
            strict=True,
        )
    ),
}


DEPTHS = {"resnet-18": (2, 2, 2, 2), "resnet-34": (3, 4, 6, 3), "resnet-50": (3, 4, 6, 3)}


def probe_row(name: str, path: str) -> str:
    """Our row for a torchvision module path the fixture measured."""
    if name in DEPTHS:
        return _resnet_row(path, DEPTHS[name], basic=name != "resnet-50")
    if name == "vgg-16-bn":  # features.i is the spec's i-th layer
        return walked(name).layers[int(path.split(".")[1])].id
    return PROBE_ROWS[name][path]


def _resnet_row(path: str, depths: tuple[int, ...], basic: bool) -> str:
    """conv1 and maxpool are rows 1 and 4. ResNet-18/34's layer1 is `basic 64 xN` (its block i at
    5.i+1); every other layer is a stage: its first block at .1, the others repeated at .2.i (at .2
    alone when there is one)."""
    if path in ("conv1", "maxpool"):
        return {"conv1": "1", "maxpool": "4"}[path]
    stage, block = (int(v) for v in path.removeprefix("layer").split("."))
    if basic and stage == 1:
        return f"5.{block + 1}"
    if block == 0:
        return f"{4 + stage}.1"
    return f"{4 + stage}.2" if depths[stage - 1] == 2 else f"{4 + stage}.2.{block}"


@pytest.mark.parametrize("name", PRESETS)
def test_receptive_fields_equal_torchvisions_gradient_support(name: str) -> None:
    net = walked(name)
    points = fixture()[name]["receptive_fields"]["points"]
    for point in points:
        row = net.result(probe_row(name, point["path"]))
        where = f"{name} {point['path']} = row {row.id} ({row.describe()})"
        assert list(row.rf) == point["rf"], where
        assert [int(j) for j in row.jump] == point["jump"], where
        # cnncalc's start is the centre of unit 0's field; the fixture's first is where it begins
        assert [s - Fraction(rf - 1, 2) for s, rf in zip(row.start, row.rf, strict=True)] == point["first"], (
            where
        )


# -- the presets' own graphs run in torch ---------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.parametrize("name", PRESETS)
def test_the_preset_graph_runs_in_torch_with_the_walked_shapes(name: str) -> None:
    torch = pytest.importorskip("torch")
    from tests.oracle.test_graph_oracle import build_modules, run_graph

    spec = get_preset(name)
    with torch.device("meta"):
        modules = build_modules(spec)
        values = run_graph(spec, modules, torch.zeros(2, *spec.input_shape))
    for row in walked(name).nodes:
        assert row.output_shape == tuple(values[row.id].shape[1:]), (name, row.id)
    assert walked(name).total_params == sum(p.numel() for m in modules.values() for p in m.parameters())
