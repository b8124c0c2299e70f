"""The network walk against PyTorch: per-layer output shapes and parameter totals.

Each spec is turned into torch modules layer by layer, a zero tensor is run through them, and the
shapes and `sum(p.numel())` are compared with `walk`. Presets, the notes' models (imported from
their source) and seeded random networks with ceil pools, dilation, groups, transposed convs, batch
norm and global/adaptive pooling.
"""

from __future__ import annotations

import math
import random
import runpy
from pathlib import Path

import pytest

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.importer import import_file
from cnncalc.arith.layer_spec import LayerSpec
from cnncalc.arith.network import walk
from cnncalc.arith.presets import get_preset, preset_names
from cnncalc.arith.spec import parse_spec

torch = pytest.importorskip("torch")
nn = torch.nn
pytestmark = pytest.mark.oracle

MODELS = Path(__file__).parent.parent / "fixtures" / "models"
# the notes' two models ship with the package (the tour imports them); test those very files
EXAMPLES = Path(__file__).resolve().parents[2] / "cnncalc" / "data" / "models"


def _one(v: tuple[int, ...], dims: int) -> tuple[int, ...]:
    return v * dims if len(v) == 1 else v


def torch_layer(layer: LayerSpec, in_shape: tuple[int, ...]) -> nn.Module:
    """The PyTorch module a spec layer stands for, given its input shape (C, *spatial)."""
    dims = len(in_shape) - 1
    kind = layer.kind
    if kind in ("conv", "tconv"):
        k, s, d = _one(layer.kernel, dims), _one(layer.stride or (1,), dims), _one(layer.dilation, dims)
        p = layer.padding if isinstance(layer.padding, str) else _one(layer.padding, dims)
        if kind == "conv":
            cls = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[dims]
            return cls(in_shape[0], layer.units, k, s, p, d, layer.groups, layer.bias)
        cls = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d}[dims]
        return cls(
            in_shape[0], layer.units, k, s, p, _one(layer.output_padding, dims), layer.groups, layer.bias, d
        )
    if kind == "maxpool":
        cls = {1: nn.MaxPool1d, 2: nn.MaxPool2d}[dims]
        return cls(
            _one(layer.kernel, dims),
            _one(layer.stride, dims),
            _one(layer.padding, dims),
            _one(layer.dilation, dims),
            ceil_mode=layer.ceil,
        )
    if kind == "avgpool":
        cls = {1: nn.AvgPool1d, 2: nn.AvgPool2d}[dims]
        return cls(
            _one(layer.kernel, dims),
            _one(layer.stride, dims),
            _one(layer.padding, dims),
            ceil_mode=layer.ceil,
        )
    if kind == "gap":
        cls = {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d}[dims]
        return cls(_one(layer.output_size, dims) if layer.output_size else 1)
    if kind == "bn":
        return {0: nn.BatchNorm1d, 1: nn.BatchNorm1d, 2: nn.BatchNorm2d}[dims](in_shape[0])
    if kind == "flatten":
        return nn.Flatten()
    if kind == "fc":
        linear = nn.Linear(math.prod(in_shape), layer.units, layer.bias)
        return nn.Sequential(nn.Flatten(), linear) if dims > 0 else linear
    return {
        "relu": nn.ReLU(),
        "relu6": nn.ReLU6(),
        "leakyrelu": nn.LeakyReLU(layer.slope),
        "sigmoid": nn.Sigmoid(),
        "tanh": nn.Tanh(),
        "softmax": nn.Softmax(dim=1),
        "dropout": nn.Dropout(layer.rate),
    }[kind]


def torch_shapes(spec_text_or_spec, input_shape=None) -> tuple[list[tuple[int, ...]], int]:
    spec = parse_spec(spec_text_or_spec) if isinstance(spec_text_or_spec, str) else spec_text_or_spec
    shape = tuple(input_shape or spec.input_shape)
    x = torch.zeros(2, *shape)  # batch 2: BatchNorm1d refuses a batch of one in training mode
    shapes, params = [], 0
    with torch.no_grad():
        for layer in spec.layers:
            module = torch_layer(layer, tuple(x.shape[1:]))
            params += sum(p.numel() for p in module.parameters())
            x = module(x)
            shapes.append(tuple(x.shape[1:]))
    return shapes, params


def assert_agrees(spec) -> None:
    ours = walk(spec)
    shapes, params = torch_shapes(spec)
    assert [lr.output_shape for lr in ours.layers] == shapes
    assert ours.total_params == params


CHAINS = [name for name in preset_names() if get_preset(name).is_chain]  # graphs: test_torchvision_presets


@pytest.mark.parametrize("name", CHAINS, ids=str)
def test_preset_matches_torch(name):
    assert_agrees(get_preset(name))


@pytest.mark.parametrize(
    ("name", "total"),
    [
        ("seed-001", 45_844),
        ("keras-mnist", 93_322),
        ("torch-mnist", 28_938),
        ("lenet-5", 61_706),
        ("alexnet", 61_100_840),
        ("vgg-16", 138_357_544),
    ],
    ids=lambda v: str(v),
)
def test_preset_totals_are_the_published_ones(name, total):
    # torchvision's and Keras' published counts, independent of our walk
    assert walk(get_preset(name)).total_params == total


def test_note_003_class_imports_with_torch_total():
    namespace = runpy.run_path(str(EXAMPLES / "note003_torch_cnn.py"))  # the test may run its own fixture
    model = namespace["CNN"]()
    expected = sum(p.numel() for p in model.parameters())
    imported = import_file(EXAMPLES / "note003_torch_cnn.py")
    net = walk(imported.spec)
    imported.verify(net)
    assert net.total_params == expected == 28_938
    out = model(torch.zeros(1, *imported.spec.input_shape))
    assert tuple(out.shape[1:]) == net.output_shape


def test_note_000_keras_model_imports_with_torch_total():
    # note 000's Keras model written in PyTorch: Conv2D(32,3) MaxPool(2) Conv2D(64,3) MaxPool(2) Conv2D(64,3)
    # Flatten Dense(64) Dense(10)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(576, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )
    net = walk(import_file(EXAMPLES / "note000_keras_mnist.py").spec)
    assert net.total_params == sum(p.numel() for p in model.parameters()) == 93_322


@pytest.mark.parametrize("fixture", sorted(p.name for p in MODELS.glob("torch_*.py")), ids=str)
def test_torch_fixture_files_import_with_torch_totals(fixture, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a fixture that writes files when run writes them here
    namespace = runpy.run_path(str(MODELS / fixture))
    model = namespace.get("MODEL") or namespace[import_file(MODELS / fixture).model]()
    imported = import_file(MODELS / fixture)
    net = walk(imported.spec)
    imported.verify(net)
    assert net.total_params == sum(p.numel() for p in model.parameters())
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(2, *imported.spec.input_shape))
    assert tuple(out.shape[1:]) == net.output_shape


# -- generated networks ----------------------------------------------------------------------------


def _random_layer(rng: random.Random, channels: int, dims: int) -> str:
    kind = rng.choice(["conv", "conv", "tconv", "maxpool", "avgpool", "bn", "relu"])
    if kind == "conv":
        k = rng.randint(1, 5)
        groups = rng.choice([g for g in (1, 2, 4) if channels % g == 0])
        out = groups * rng.randint(1, 4)
        return (
            f"conv {out} k={k} s={rng.randint(1, 3)} p={rng.randint(0, k // 2 + 1)} d={rng.randint(1, 2)} g={groups}"
            + (" bias=false" if rng.random() < 0.2 else "")
        )
    if kind == "tconv":
        k, s, d = rng.randint(2, 4), rng.randint(1, 2), rng.randint(1, 2)
        groups = rng.choice([g for g in (1, 2) if channels % g == 0])
        return f"tconv {groups * rng.randint(1, 3)} k={k} s={s} p={rng.randint(0, 1)} op={rng.randint(0, max(s, d) - 1)} d={d} g={groups}"
    if kind in ("maxpool", "avgpool"):
        k = rng.randint(2, 3)
        text = f"{kind} k={k} s={rng.randint(1, 3)} p={rng.randint(0, k // 2)}"
        if kind == "maxpool" and rng.random() < 0.3:
            text += " d=2"
        return text + (" ceil=true" if rng.random() < 0.5 else "")
    return kind


def random_network(seed: int) -> str:
    rng = random.Random(seed)
    dims = rng.choice([1, 2, 2, 2])
    sizes = [rng.randint(6, 30) for _ in range(dims)]
    channels = rng.randint(1, 4)
    lines = ["input " + "x".join(map(str, [channels, *sizes]))]
    for _ in range(rng.randint(2, 6)):
        for _attempt in range(10):
            candidate = _random_layer(rng, channels, dims)
            try:
                net = walk("\n".join([*lines, candidate]))
            except CnnCalcError:
                continue
            lines.append(candidate)
            channels = net.output_shape[0]
            break
    tail = rng.choice(["gap", "adaptiveavgpool 3", "flatten", "fc", "gap | flatten | bn | fc"])
    if tail == "fc":
        tail = f"fc {rng.randint(2, 12)}"
    elif tail.endswith("fc"):
        tail += f" {rng.randint(2, 12)}"
    return " | ".join([*lines, tail])


@pytest.mark.parametrize("seed", range(80), ids=lambda s: f"seed{s}")
def test_random_network_matches_torch(seed):
    spec = random_network(seed)
    try:
        walk(spec)
    except CnnCalcError:
        pytest.skip(f"the tail does not fit: {spec}")
    assert_agrees(spec)


def test_random_networks_cover_every_feature():
    texts = " ".join(random_network(seed) for seed in range(80))
    for feature in ("ceil=true", "d=2", "g=2", "tconv", "op=1", "bn", "gap", "adaptiveavgpool", "avgpool"):
        assert feature in texts, feature


@pytest.mark.parametrize(
    "spec",
    [
        "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=6 | maxpool k=4",
        "input 1x5x5 | conv 1 k=7",
        "input 1x4x4 | tconv 2 k=3 s=1 p=3",
    ],
    ids=["pool-past-input", "kernel-too-big", "tconv-negative"],
)
def test_invalid_networks_fail_in_both(spec):
    with pytest.raises(CnnCalcError):
        walk(spec)
    try:
        shapes, _ = torch_shapes(spec)
    except RuntimeError:
        return
    assert 0 in shapes[-1], f"torch made {shapes[-1]}"  # an empty tensor: nothing left to compute
