"""cnncalc export: the code it writes reads back (net --from) as the same network, for every preset
and for generated graphs; what a framework cannot say is refused with the row."""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.importer import import_source
from cnncalc.arith.network import NetworkResult, walk
from cnncalc.arith.presets import get_preset, list_presets
from cnncalc.render.export import to_keras, to_pytorch

PRESETS = [p.name for p in list_presets()]


def rows(net: NetworkResult, keep_kind: bool = True, skip: tuple[str, ...] = ()) -> list[tuple]:
    """Every computing row (layers and merges, not block containers): kind, shape, parameters."""
    return [
        (r.kind if keep_kind else "", r.output_shape, r.total_params)
        for r in net.nodes
        if r.kind != "block" and r.kind not in skip
    ]


def read_back(code: str, name: str) -> NetworkResult:
    imported = import_source(code, name)
    net = walk(imported.spec)
    imported.verify(net)
    return net


@pytest.mark.parametrize("preset", PRESETS)
def test_pytorch_export_reads_back_row_for_row(preset):
    net = walk(get_preset(preset))
    back = read_back(to_pytorch(net, "Net", preset), f"{preset}.py")
    assert rows(back) == rows(net)
    assert (back.total_params, back.output_shape, back.input_shape) == (
        net.total_params,
        net.output_shape,
        net.input_shape,
    )


@pytest.mark.parametrize("preset", PRESETS)
def test_keras_export_reads_back_with_the_same_shapes_and_parameters(preset):
    net = walk(get_preset(preset))
    back = read_back(to_keras(net, "net", preset), f"{preset}.py")
    # Keras pads numerically with a ZeroPadding row, flattens before Dense, pools adaptively with
    # fixed windows: the same shapes and parameters, rows of other kinds
    assert rows(back, False, ("pad", "flatten")) == rows(net, False, ("pad", "flatten"))
    assert (back.total_params, back.output_shape) == (net.total_params, net.output_shape)


def random_graph(rng: random.Random) -> str:
    c = rng.choice((2, 4))
    lines = [f"input {c}x{rng.choice((9, 12, 16))}x{rng.choice((9, 12, 16))}"]
    for _ in range(rng.randint(1, 5)):
        choice = rng.choice(("conv", "residual", "projection", "concat", "dense", "pool", "act"))
        if choice == "conv":
            k = rng.choice((1, 3))
            c = rng.choice((c, 2 * c))
            lines.append(f"conv {c} k={k} p={k // 2} g={rng.choice((1, 2)) if c % 2 == 0 else 1}")
        elif choice == "residual":
            lines.append(f"add( conv {c} k=3 p=1 | bn | relu | conv {c} k=3 p=1 )")
        elif choice == "projection":
            lines.append(f"add( conv {2 * c} k=3 p=1 ; conv {2 * c} k=1 | bn )")
            c *= 2
        elif choice == "concat":
            lines.append(f"concat( conv {c} k=1 ; conv {c} k=3 p=1 | relu ; maxpool k=3 s=1 p=1 )")
            c *= 3
        elif choice == "dense":
            lines.append(f"concat( ; bn | relu | conv {c} k=3 p=1 )")
            c *= 2
        elif choice == "pool":
            lines.append("maxpool k=2 ceil=true")
        else:
            lines.append(rng.choice(("relu", "relu6", "sigmoid", "hardswish", "dropout 0.2", "bn")))
    lines += ["gap", "flatten", "fc 3"]
    return "\n".join(lines)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6))
def test_generated_graphs_read_back_from_pytorch_and_keras(seed):
    net = walk(random_graph(random.Random(seed)))
    assert rows(read_back(to_pytorch(net), "g.py")) == rows(net)
    assert rows(read_back(to_keras(net), "g.py"), False, ("pad", "flatten")) == rows(
        net, False, ("pad", "flatten")
    )


def test_new_layer_kinds_read_back_from_pytorch():
    net = walk(
        "input 16x12x12 | pad 1 mode=reflect | conv 16 k=3 | instancenorm affine=true | groupnorm 4 | lrn 3 "
        "| upsample 2 | pixelshuffle 2 | silu | gelu | elu | hardsigmoid | gmp | flatten | fc 2"
    )
    assert rows(read_back(to_pytorch(net), "k.py")) == rows(net)


# networks of one, two and three spatial axes through every layer kind both frameworks can say
AXES = {
    "1d": "input 3x40 | pad 1 | conv 8 k=3 s=2 | conv 8 k=3 d=2 | bn | relu | maxpool k=2 | tconv 4 k=2 s=2 "
    "| upsample 2 | avgpool k=3 s=2 p=1 | add( conv 4 k=3 p=1 | relu ; ) | concat( conv 2 k=1 ; maxpool k=3 s=1 p=1 ) "
    "| dropout 0.2 | gmp | flatten | fc 5 | bn",
    "2d": "input 3x20x20 | pad 1 | conv 8 k=3 s=2 | conv 8 k=3 d=2 | bn | relu | maxpool k=2 | tconv 4 k=2 s=2 "
    "| upsample 2 | avgpool k=3 s=2 p=1 | add( conv 4 k=3 p=1 | relu ; ) | concat( conv 2 k=1 ; maxpool k=3 s=1 p=1 ) "
    "| dropout 0.2 | gmp | flatten | fc 5 | bn",
    "3d": "input 2x14x14x14 | pad 1 | conv3d 8 k=3 s=2 | conv 8 k=3 d=2 | bn | relu | maxpool k=2 | tconv 4 k=2 s=2 "
    "| upsample 2 | avgpool k=3 s=2 p=1 | add( conv 4 k=3 p=1 | relu ; ) | concat( conv 2 k=1 ; maxpool k=3 s=1 p=1 ) "
    "| dropout 0.2 | gap | flatten | fc 5 | bn",
}


def table(net: NetworkResult, skip: tuple[str, ...] = ()) -> tuple:
    """What the table shows, row by row and in total, but the layers' spelling."""
    rows = [
        (r.kind, r.output_shape, r.total_params, r.macs, r.rf_view.size if r.rf_view else None)
        for r in net.nodes
        if r.kind != "block" and r.kind not in skip
    ]
    totals = (net.input_shape, net.output_shape, net.total_params, net.total_macs, net.receptive_field)
    return rows, totals


@pytest.mark.parametrize("axes", sorted(AXES))
def test_pytorch_export_of_every_number_of_axes_reads_back_as_the_same_table(axes):
    net = walk(AXES[axes])
    back = read_back(to_pytorch(net), f"{axes}.py")
    assert table(back) == table(net)


@pytest.mark.parametrize("axes", sorted(AXES))
def test_keras_export_of_every_number_of_axes_reads_back_as_the_same_table(axes):
    net = walk(AXES[axes])
    back = read_back(to_keras(net), f"{axes}.py")
    # Keras pads before a window with a ZeroPadding row and flattens before Dense: rows of their own
    assert table(back, ("pad", "flatten")) == table(net, ("pad", "flatten"))


@pytest.mark.parametrize("target", ["pytorch", "keras"])
@pytest.mark.parametrize("given", [None, "3x8x8x8", "1x3x8x8x8"])
def test_cli_export_of_a_3d_network_reads_back_with_its_input(cli, tmp_path, given, target):
    spec = "input 3x8x8x8 | conv3d 4 k=3 | relu | flatten | fc 5"
    out = tmp_path / "m.py"
    assert cli("export", spec, "--to", target, "--out", str(out)).exit_code == 0
    result = cli("net", "--from", str(out), *(["--input", given] if given else []))
    assert result.exit_code == 0, result.output
    assert "conv3d 4 k=3  4×6×6×6     328" in result.stdout
    assert "Parameters (trainable)     4,653" in result.stdout


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("input 4x8x8 | pixelshuffle 2", "Keras has no pixelshuffle"),
        ("input 4x8x8 | pad 1 mode=reflect", "Keras pads with zeros only"),
        ("input 4x9x9 | adaptiveavgpool 2", "does not split evenly"),
        (
            "input 1x16x16 | conv 8 k=3 s=2 d=2",
            r"row 1 \(conv 8 k=3 s=2 d=2\): Keras does not allow strides > 1 together with dilation_rate > 1 "
            r"in one convolution \(here strides 2, dilation_rate 2\)",
        ),
        ("input 1x16x16 | conv 8 k=3 s=2x1 d=1x2", r"here strides \(2, 1\), dilation_rate \(1, 2\)"),
        ("input 1x8x8 | tconv 4 k=3 s=2 d=2", "Keras does not allow strides > 1 together with dilation_rate"),
        ("input 4x9 | upsample 2 mode=bilinear", "Keras' UpSampling1D repeats values only"),
        (
            "input 6x8x8 | tconv 12 k=3 s=2 g=3",
            r"row 1 \(tconv 12 k=3 s=2 g=3\): Keras' Conv2DTranspose has no groups \(here 3\)",
        ),
        ("input 6x8x8x8 | tconv3d 12 k=2 g=2", "Keras' Conv3DTranspose has no groups"),
        ("input 1x4x9x9x9 | upsample 2 mode=bilinear", "Keras' UpSampling3D repeats values only"),
    ],
)
def test_what_keras_cannot_say_is_refused_with_the_row(spec, words):
    with pytest.raises(CnnCalcError, match=words):
        to_keras(walk(spec))


# 'same' padding whose odd row goes after (an even kernel, a stride): the spec's p=same, Keras'
# padding='same', and PyTorch's for stride 1
UNEVEN_SAME = [
    "input 3x32x32 | conv 8 k=4 p=same | conv 8 k=2x5 p=same d=2 | relu",
    "input 3x32x32 | conv 8 k=3 s=2 p=same | conv 8 k=4 s=2 p=same",
    "input 3x31x33 | maxpool k=2 p=same | avgpool k=3 s=2 p=same",
    "input 4x31 | conv1d 8 k=4 s=3 p=same | maxpool1d k=2 p=same",
    "input 2x5x31x9 | maxpool3d k=2x3x4 s=2 p=same | conv3d 4 k=2 p=same",
]


@pytest.mark.parametrize("spec", UNEVEN_SAME)
def test_keras_export_writes_uneven_same_padding_as_same(spec):
    net = walk(spec)
    code = to_keras(net)
    assert 'padding="same"' in code
    back = read_back(code, "same.py")
    assert table(back, ("pad", "flatten")) == table(net, ("pad", "flatten"))


@pytest.mark.parametrize("spec", [UNEVEN_SAME[0], "input 4x31 | conv1d 8 k=4 p=same d=3 | relu"])
def test_pytorch_export_writes_uneven_same_padding_with_stride_1_as_same(spec):
    net = walk(spec)
    code = to_pytorch(net)
    assert 'padding="same"' in code
    assert table(read_back(code, "same.py")) == table(net)


@pytest.mark.parametrize(
    ("spec", "even", "words"),
    [
        (
            "input 3x32x32 | conv 8 k=3 s=2 p=same",
            "1",
            "row 1 (conv 8 k=3 s=2 p=same): padding ((0, 1), (0, 1)) differs between the two sides of an "
            "axis; PyTorch pads both sides alike, and takes padding='same' only in a convolution with stride 1: "
            "write the padding as numbers (p=1 gives the same output size)",
        ),
        ("input 3x31x32 | maxpool k=2 p=same", "1x0", "(p=1x0 gives the same output size)"),
    ],
)
def test_uneven_padding_pytorch_cannot_say_is_refused_with_an_even_one(spec, even, words):
    with pytest.raises(CnnCalcError) as refused:
        to_pytorch(walk(spec))
    assert words in str(refused.value)
    evened = walk(spec.replace("p=same", f"p={even}"))
    assert evened.output_shape == walk(spec).output_shape
    to_pytorch(evened)


def test_export_needs_the_input_size():
    with pytest.raises(CnnCalcError, match="input size"):
        to_pytorch(walk("conv 4 k=3 | relu"))


def test_cli_writes_the_file_atomically_and_says_what(cli, tmp_path):
    out = tmp_path / "lenet.py"
    result = cli("export", "--preset", "lenet-5", "--to", "pytorch", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and "61,706 parameters" in result.stdout
    code = out.read_text(encoding="utf-8")
    assert "class Lenet5(nn.Module)" in code
    assert [p.name for p in tmp_path.iterdir()] == ["lenet.py"]  # no temporary file left
    assert rows(read_back(code, "lenet.py")) == rows(walk(get_preset("lenet-5")))


@pytest.mark.parametrize(
    ("spec", "count"),
    [("input 1x8x8 | conv 4 k=3", "1 layer"), ("input 1x8x8 | conv 4 k=3 | relu", "2 layers")],
)
def test_cli_counts_the_layers_it_wrote_in_words(cli, tmp_path, spec, count):
    out = tmp_path / "net.py"
    result = cli("export", spec, "--to", "pytorch", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote {out}: pytorch code for 40 parameters, {count}"


def test_cli_prints_keras_code_for_a_spec(cli):
    result = cli("export", "input 1x28x28 | conv 8 k=3 | relu | flatten | fc 10", "--to", "keras")
    assert result.exit_code == 0, result.output
    assert "inputs = keras.Input(shape=(28, 28, 1))" in result.stdout
    assert 'layers.Conv2D(8, 3, padding="valid")' in result.stdout


@pytest.mark.parametrize("target", ["pytorch", "keras"])
def test_cli_export_from_standard_input_says_so(cli, cli_json, target):
    spec = "input 1x28x28 | conv 8 k=3 | relu | flatten | fc 10"
    result = cli("export", "--file", "-", "--to", target, input=spec)
    assert result.exit_code == 0, result.output
    assert "written by cnncalc export from standard input" in result.stdout.splitlines()[0]
    assert "from -" not in result.stdout
    assert cli_json("export", "--file", "-", "--to", target, input=spec)["source"] == "standard input"


def test_api_export_from_standard_input_says_so(monkeypatch):
    from cnncalc.api.export import export

    monkeypatch.setattr("sys.stdin", io.StringIO("input 1x8x8 | conv 2 k=3"))
    result = export(file="-", to="pytorch")
    assert result.source == "standard input"
    assert result.code.startswith('"""Net: written by cnncalc export from standard input.')


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--preset", "lenet-5"], 2, "give --to pytorch or --to keras"),
        (["--preset", "lenet-5", "--to", "tensorflow"], 2, "--to 'tensorflow' is not one of pytorch, keras"),
        (["conv 4 k=3", "--to", "pytorch"], 1, "--input"),
        (["--to", "keras"], 2, "give a network"),
        (
            ["input 1x16x16 | conv 8 k=3 s=2 d=2", "--to", "keras"],
            1,
            "error: row 1 (conv 8 k=3 s=2 d=2): Keras does not allow strides > 1 together with dilation_rate > 1",
        ),
        (
            ["input 3x32x32 | conv 8 k=3 s=2 p=same", "--to", "pytorch"],
            1,
            "takes padding='same' only in a convolution with stride 1: write the padding as numbers (p=1 gives",
        ),
    ],
)
def test_cli_refusals_name_the_flag(cli, args, code, words):
    result = cli("export", *args)
    assert result.exit_code == code, result.output
    assert words in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "clash"),
    [
        ("torch", "is a name the written PyTorch file already uses (import torch)"),
        ("nn", "is a name the written PyTorch file already uses (from torch import nn)"),
        ("model", "is a name the written PyTorch file already uses (model = ...().eval())"),
        (
            "example_input",
            "is a name the written PyTorch file already uses (example_input = torch.randn(...))",
        ),
        ("__name__", "is a name the written PyTorch file already uses"),
        ("print", "is the name of a Python built-in, which a class of that name would hide"),
        ("super", "is the name of a Python built-in"),
        ("Exception", "is the name of a Python built-in"),
    ],
)
def test_a_pytorch_class_name_the_file_needs_is_refused(cli, tmp_path, name, clash):
    out = tmp_path / "net.py"
    result = cli(
        "export",
        "input 1x8x8 | conv 4 k=3 | flatten | fc 10",
        "--to",
        "pytorch",
        "--name",
        name,
        "--out",
        out,
    )
    assert result.exit_code == 2, result.output
    assert f"error: --name {name!r} {clash}" in result.stderr
    assert "choose another name, e.g. --name Net" in result.stderr
    assert not out.exists()


def test_a_clashing_name_suggests_the_preset_s_own_and_keras_takes_any_python_name(cli):
    result = cli("export", "--preset", "lenet-5", "--to", "pytorch", "--name", "torch")
    assert result.exit_code == 2 and "e.g. --name Lenet5" in result.stderr
    result = cli("export", "--preset", "lenet-5", "--to", "keras", "--name", "torch")
    assert result.exit_code == 0, result.output  # Keras' model name is only a string in the file
    assert 'name="torch")' in result.stdout


def test_a_class_named_after_a_file_that_clashes_gets_net_after_it(tmp_path):
    from cnncalc.api.export import export

    model = tmp_path / "exception.py"
    model.write_text(
        "import torch.nn as nn\nmodel = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(144, 10))\n"
    )
    result = export(source=model, input="1x8x8", to="pytorch")
    assert result.name == "ExceptionNet" and "class ExceptionNet(nn.Module)" in result.code


def test_cli_exports_an_imported_model_with_its_class(cli, tmp_path):
    model = tmp_path / "two.py"
    model.write_text(
        "import torch.nn as nn\n"
        "class A(nn.Module):\n"
        "    def __init__(self, c=4):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(1, c, 3)\n"
        "    def forward(self, x):\n"
        "        return self.conv(x)\n"
        "class B(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(64, 2)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x.flatten(1))\n",
        encoding="utf-8",
    )
    refused = cli("export", "--from", str(model), "--to", "pytorch", "--input", "1x8x8")
    assert refused.exit_code == 2 and "--class" in refused.stderr
    result = cli("export", "--from", str(model), "--class", "A(c=6)", "--to", "pytorch", "--input", "1x8x8")
    assert result.exit_code == 0, result.output
    assert "nn.Conv2d(1, 6, kernel_size=3)" in result.stdout


def test_uneven_padding_no_even_one_can_give_is_refused_saying_so():
    # a 2-wide pool with stride 1 keeps 7 only with one padded row: no even padding does it
    with pytest.raises(CnnCalcError) as refused:
        to_pytorch(walk("input 2x7 | maxpool1d k=2 s=1 p=same"))
    assert (
        "row 1 (maxpool1d k=2 s=1 p=same): padding ((0, 1),) differs between the two sides of an axis; PyTorch "
        "pads both sides alike, takes padding='same' only in a convolution with stride 1, and no padding the "
        "same on both sides gives this layer's output size: use an odd kernel, or export it to Keras, whose "
        "padding='same' pads so"
    ) == str(refused.value)
    assert (
        walk("input 2x7 | maxpool1d k=2 s=1 p=1").output_shape
        != (2, 7)
        != walk("input 2x7 | maxpool1d k=2 s=1").output_shape
    )
    assert 'MaxPooling1D(2, strides=1, padding="same")' in to_keras(
        walk("input 2x7 | maxpool1d k=2 s=1 p=same")
    )


# -- pools: Keras must give PyTorch's values, not only its sizes ----------------------------------


def _keras_pool(x, kind, kernel, stride, code):
    """What the written Keras pool computes on x (H, W), read from the code: a ZeroPadding line
    (zeros that count), then 'valid' or 'same' (Keras' own padding, which counts for nothing)."""
    import re

    np = pytest.importorskip("numpy")
    zero = re.search(r"ZeroPadding2D\(\(?(\d+)(?:, (\d+))?\)?\)", code)
    if zero:
        p = int(zero.group(1))
        x = np.pad(x, p)
    same = 'padding="same"' in code.split("Pooling2D(")[1]
    h, w = x.shape
    if same:
        out = [-(-n // s) for n, s in ((h, stride), (w, stride))]
        total = [max((o - 1) * stride + kernel - n, 0) for o, n in zip(out, (h, w), strict=True)]
        x = np.pad(x, [(t // 2, t - t // 2) for t in total], constant_values=np.nan)
        h, w = x.shape
    rows = []
    for i in range(0, h - kernel + 1, stride):
        row = []
        for j in range(0, w - kernel + 1, stride):
            window = x[i : i + kernel, j : j + kernel]
            row.append(np.nanmax(window) if kind == "maxpool" else np.nanmean(window))
        rows.append(row)
    return np.array(rows)


@pytest.mark.parametrize(
    ("spec", "kind", "k", "s"),
    [
        ("input 1x7x7 | relu | maxpool k=3 s=2 p=1", "maxpool", 3, 2),  # ResNet's stem pool, after a ReLU
        ("input 1x7x7 | maxpool k=3 s=1 p=1", "maxpool", 3, 1),  # Inception's branch pool
        ("input 1x7x7 | avgpool k=3 s=1 p=1", "avgpool", 3, 1),
        ("input 1x8x8 | avgpool k=3 s=2 p=1", "avgpool", 3, 2),
        ("input 1x7x7 | maxpool k=2 s=2 ceil=true", "maxpool", 2, 2),
        ("input 1x7x7 | avgpool k=2 s=2 ceil=true", "avgpool", 2, 2),
    ],
)
def test_keras_pools_give_pytorchs_values(spec, kind, k, s):
    torch = pytest.importorskip("torch")
    import numpy as np

    code = to_keras(walk(spec))
    x = np.random.default_rng(0).standard_normal((7 if "7x7" in spec else 8,) * 2)
    if "relu" in spec:
        x = np.maximum(x, 0)
    module = torch.nn.Module()
    exec(to_pytorch(walk(spec)), module.__dict__)  # noqa: S102 - code cnncalc wrote, in a test
    want = module.__dict__["Net"]().double()(torch.tensor(x)[None, None]).detach().numpy()[0, 0]
    np.testing.assert_allclose(_keras_pool(x, kind, k, s, code), want, rtol=1e-12)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (
            "input 1x8x8 | conv 2 k=1 | maxpool k=3 s=2 p=1",
            "PyTorch pads max pooling with −∞, Keras only with zeros",
        ),
        ("input 1x8x8 | conv 2 k=1 | maxpool k=2 p=1", "pool the output of a ReLU"),
    ],
)
def test_keras_pools_that_would_change_the_values_are_refused(spec, words):
    with pytest.raises(CnnCalcError, match=words):
        to_keras(walk(spec))
