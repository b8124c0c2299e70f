"""Model code of 1, 2 or 3 spatial axes: the input's numbers are read with the axes the layers
work on (four are C×D×H×W for an nn.Conv3d, N×C×H×W for an nn.Conv2d), every layer gets a tensor
of the axes it works on, and the spec written states them so that it reads back the same.

The expected numbers are worked out from the model code in the comments; the oracle tests
(`tests/oracle/test_importer_axes_oracle.py`) check the same files against PyTorch itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.importer import import_file, import_source
from cnncalc.arith.network import walk

MODELS = Path(__file__).parent.parent / "fixtures" / "models"

# the brief's example: Conv3d(3, 4, 3) has 4·3·27 + 4 = 328 parameters, 8×8×8 → 6×6×6, so the
# flattened map has 4·216 = 864 values and Linear(864, 5) 4,325 parameters: 4,653 in all
CONV3D = (
    "import torch.nn as nn\n"
    "model = nn.Sequential(nn.Conv3d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(864, 5))\n"
)


def read(source: str, shape: tuple[int, ...] | None = None, path: str = "m.py"):
    imported = import_source(source, path, shape)
    net = walk(imported.spec)
    imported.verify(net)
    return imported, net


@pytest.mark.parametrize(
    ("given", "shape", "batch"),
    [((3, 8, 8, 8), (3, 8, 8, 8), None), ((2, 3, 8, 8, 8), (3, 8, 8, 8), 2)],
    ids=["CxDxHxW", "NxCxDxHxW"],
)
def test_four_numbers_are_c_d_h_w_for_a_3d_model(given, shape, batch):
    imported, net = read(CONV3D, given)
    assert (net.input_shape, net.batch, net.output_shape) == (shape, batch, (5,))
    assert [lr.output_shape for lr in net.layers] == [(4, 6, 6, 6), (4, 6, 6, 6), (864,), (5,)]
    assert net.total_params == 328 + 4_325 == 4_653
    # the spec says it is 3-D, so its text reads back the same network
    text = imported.spec.to_text(" | ")
    assert text.split(" | ")[1] == "conv3d 4 k=3"
    assert walk(text).total_params == 4_653 and walk(text).input_shape == shape


def test_four_numbers_stay_n_c_h_w_for_a_2d_model():
    source = "import torch.nn as nn\nm = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Linear(8 * 30 * 30, 2))\n"
    _imported, net = read(source, (1, 3, 32, 32))
    assert (net.input_shape, net.batch, net.total_params) == ((3, 32, 32), 1, 224 + 14_402)


@pytest.mark.parametrize(
    ("given", "shape", "batch"),
    [((3, 64), (3, 64), None), ((4, 3, 64), (3, 64), 4)],
    ids=["CxL", "NxCxL"],
)
def test_three_numbers_are_n_c_l_for_a_1d_model(given, shape, batch):
    imported, net = read((MODELS / "torch_1d_layers.py").read_text(encoding="utf-8"), given)
    assert (net.input_shape, net.batch) == (shape, batch)
    # pad 2 → 68; (68 − 2·4 − 1) // 2 + 1 = 30; pool 15; pad 17; ×2 34; (34 − 1)·2 + 3 = 69
    assert [lr.output_shape for lr in net.layers][:8] == [
        (3, 68),
        (6, 30),
        (6, 30),
        (6, 30),
        (6, 15),
        (6, 17),
        (6, 34),
        (4, 69),
    ]
    # conv 6·3·5 + 6, bn 2·6, transposed conv 6·4·3 + 4, fc 20·3 + 3, bn 2·3
    assert net.total_params == 96 + 12 + 76 + 63 + 6 == 253
    assert walk(imported.spec.to_text("\n")).batch == batch  # 'conv1d' keeps N×C×L readable


def test_every_3d_layer_kind_with_the_files_own_sample():
    imported = import_file(MODELS / "torch_3d_layers.py")
    net = walk(imported.spec)
    imported.verify(net)
    assert imported.spec.to_text(" | ") == (
        "input 2x8x16x16 | pad 0x2x1 mode=replicate | conv 4 k=1x3x3 | bn | instancenorm affine=true | "
        "maxpool3d k=2 | pad 1 | upsample 2 mode=bilinear | tconv3d 2 k=2 s=2 | adaptiveavgpool 4 | "
        "adaptivemaxpool 2 | flatten | fc 3"
    )
    # padding (front/back 0, top/bottom 2, left/right 1): 8×20×18; conv (1, 3, 3): 8×18×16; pool
    # 4×9×8; pad 1: 6×11×10; ×2: 12×22×20; transposed k=2 s=2: 24×44×40
    assert [lr.output_shape for lr in net.layers][4:8] == [
        (4, 4, 9, 8),
        (4, 6, 11, 10),
        (4, 12, 22, 20),
        (2, 24, 44, 40),
    ]
    # conv 4·2·9 + 4, bn 8, instance norm (affine) 8, transposed conv 4·2·8 + 2, fc 16·3 + 3
    assert net.total_params == 76 + 8 + 8 + 66 + 51 == 209


def test_too_few_numbers_for_a_3d_model_name_its_layer():
    with pytest.raises(UsageError) as e:
        import_source(CONV3D, "m.py", (3, 8, 8))
    assert str(e.value) == (
        "input 3×8×8 has 3 numbers, but the network is 3-D (nn.Conv3d(3, 4, 3) on line 2 of m.py): give "
        "C×D×H×W or N×C×D×H×W"
    )


def test_a_shape_read_before_any_layer_said_the_axes_is_refused_when_they_differ():
    source = (
        "import torch.nn as nn\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv3d(3, 4, 3)\n"
        "    def forward(self, x):\n"
        "        c = x.size(1)\n"
        "        return self.conv(x)\n"
    )
    # named on the line that builds the layer
    with pytest.raises(
        CnnCalcError, match=r"line 5: nn.Conv3d\(3, 4, 3\) says the network is 3-D, but the input "
    ):
        import_source(source, "m.py", (3, 8, 8, 8))
    # with the batch in front there is one reading only
    assert walk(import_source(source, "m.py", (1, 3, 8, 8, 8)).spec).output_shape == (4, 6, 6, 6)


@pytest.mark.parametrize(
    ("layers", "words"),
    [
        (
            "nn.Conv3d(3, 4, 3),\n nn.Conv2d(4, 4, 3)",
            "nn.Conv2d(4, 4, 3): a 2-D layer after the 3-D nn.Conv3d(3, 4, 3)",
        ),
        (
            "nn.Conv2d(3, 4, 3),\n nn.BatchNorm1d(4)",
            "nn.BatchNorm1d(4) takes input of the shape N×C / N×C×L, but for input 3×16×16 the layer "
            "before gives 4×14×14 (N×4×14×14); PyTorch would stop here",
        ),
        (
            # PyTorch would run it, on the last axis: 4×14×2, not the spec's fc of the 784 values
            "nn.Conv2d(3, 4, 3),\n nn.Linear(14, 2)",
            "nn.Linear(14, 2) on a 4×14×14 map: PyTorch applies it to the last axis only (the 14 values",
        ),
        (
            "nn.Conv2d(3, 4, 3), nn.Softmax2d(),\n nn.ZeroPad3d(1)",
            "nn.ZeroPad3d(1): a 3-D layer after the 2-D",
        ),
        ("nn.Conv1d(3, 4, 3),\n nn.PixelShuffle(2)", "nn.PixelShuffle(2): a 2-D layer after the 1-D"),
    ],
    ids=["conv2d-after-conv3d", "bn1d-on-a-map", "linear-on-a-map", "pad3d-on-a-2d-map", "shuffle-on-1d"],
)
def test_a_layer_given_other_axes_than_it_works_on_is_refused_with_its_line(layers, words):
    source = f"import torch.nn as nn\nm = nn.Sequential({layers})\n"
    first = layers.split("(")[0].removeprefix("nn.")
    shape = {"Conv3d": (1, 3, 16, 16, 16), "Conv2d": (3, 16, 16), "Conv1d": (3, 16)}[first]
    with pytest.raises(CnnCalcError) as e:
        read(source, shape)
    assert "line 3: " in str(e.value) and words in str(e.value)


MLP = "import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(10, 5), nn.ReLU(), nn.Linear(5, 2))\n"


def test_a_linear_model_reads_a_1xn_input_as_n_features_and_says_so():
    imported, net = read(MLP, (1, 10))
    assert net.total_params == 55 + 12
    assert imported.notes[0].startswith("line 2: nn.Linear(10, 5) reads the 1×10 input as its 10 features")


def test_a_linear_layer_on_the_last_axis_of_a_map_is_refused():
    # PyTorch's Linear(10, 5) on N×10×1 works on the last axis, of 1 value: it stops
    with pytest.raises(
        CnnCalcError,
        match=r"line 2: nn.Linear\(10, 5\) on a 10×1 map: PyTorch applies it to the last axis only \(the 1 value of",
    ):
        read(MLP, (10, 1))


def test_functional_padding_of_the_last_axis_only_is_not_the_specs_pad():
    source = (
        "import torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 4, 3)\n"
        "    def forward(self, x):\n"
        "        return F.pad(self.conv(x), (1, 1))\n"  # pads W only; the spec's pad 1 pads H and W
    )
    with pytest.raises(
        CnnCalcError, match=r"line 8: F.pad\(self.conv\(x\), \(1, 1\)\): a 1-D layer after the 2-D"
    ):
        read(source, (3, 16, 16))


def test_a_3d_input_for_a_network_without_a_layer_naming_its_axes_is_refused():
    # BatchNorm3d and global pooling work on 3-D maps, but the spec's bn and gap say no axes: as a
    # spec, 'input 3x8x8x8' would be a batch of 3 of 8×8×8
    source = (
        "import torch.nn as nn\n"
        "m = nn.Sequential(nn.BatchNorm3d(3), nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(3, 2))\n"
    )
    with pytest.raises(CnnCalcError, match="no layer of the network says so in the spec language"):
        import_source(source, "m.py", (3, 8, 8, 8))
    _imported, net = read(source, (1, 3, 8, 8, 8))  # five numbers say it
    assert (net.input_shape, net.total_params) == ((3, 8, 8, 8), 6 + 8)


def test_a_stated_2d_sample_for_a_3d_layer_is_refused_with_the_line():
    source = "import torch\nimport torch.nn as nn\nx = torch.randn(1, 3, 32, 32)\nm = nn.Sequential(nn.Conv3d(3, 4, 3))\n"
    with pytest.raises(
        CnnCalcError, match=r"line 4: nn.Conv3d\(3, 4, 3\) works on 3-D maps, but the input 3×32×32"
    ):
        import_source(source, "m.py")


def test_net_from_reads_a_3d_model_with_a_c_d_h_w_input(cli, tmp_path):
    path = tmp_path / "c3.py"
    path.write_text(CONV3D, encoding="utf-8")
    result = cli("net", "--from", path, "--input", "3x8x8x8")
    assert result.exit_code == 0, result.output
    assert "conv3d 4 k=3  4×6×6×6     328" in result.stdout
    assert "Parameters (trainable)     4,653" in result.stdout


# -- Keras: channels last, the axes in the layers' names ---------------------------------------------

KERAS_CONV3D = (
    "import keras\nfrom keras import layers\n"
    "model = keras.Sequential([keras.Input(shape=(8, 8, 8, 3)), layers.Conv3D(4, 3), layers.Flatten(), "
    "layers.Dense(5)])\n"
)
# (50, 3) is 3×50; 'same' with stride 2: ⌈50/2⌉ = 25; pool 12; transposed 'same' ×2: 24; pad 26;
# ×2: 52; the separable and depthwise branches keep 52 ('same') and join 6 + 4 channels on axis 2
KERAS_1D = """import keras
from keras import layers

inputs = keras.Input(shape=(50, 3))
x = layers.Conv1D(8, 5, strides=2, padding="same")(inputs)
x = layers.MaxPooling1D(2)(x)
x = layers.Conv1DTranspose(4, 4, strides=2, padding="same")(x)
x = layers.ZeroPadding1D((1, 1))(x)
x = layers.UpSampling1D(2)(x)
a = layers.SeparableConv1D(6, 3, padding="same")(x)
b = layers.DepthwiseConv1D(3, padding="same")(x)
x = layers.concatenate([a, b], axis=2)
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(3)(x)
model = keras.Model(inputs, outputs)
"""
# (8, 8, 8, 2) is 2×8×8×8; 'same' keeps 8; pool 4; (1, 2, 2) pool: 4×2×2; pad 1: 6×4×4; ×2:
# 12×8×8; transposed k=2 s=2: 24×16×16
KERAS_3D = """import keras
from keras import layers

model = keras.Sequential([
    layers.Conv3D(4, 3, padding="same", activation="relu", input_shape=(8, 8, 8, 2)),
    layers.MaxPooling3D(2),
    layers.AveragePooling3D((1, 2, 2)),
    layers.ZeroPadding3D(1),
    layers.UpSampling3D(2),
    layers.Conv3DTranspose(2, 2, strides=2),
    layers.GlobalMaxPooling3D(),
    layers.Dense(3),
])
"""


def test_keras_conv3d_is_a_3d_conv():
    imported, net = read(KERAS_CONV3D)
    assert imported.spec.to_text(" | ") == "input 3x8x8x8 | conv3d 4 k=3 | flatten | fc 5"
    # Conv3D: 3·3·3·3·4 + 4 = 328; Dense: 4·6·6·6·5 + 5 = 4,325
    assert [lr.total_params for lr in net.layers] == [328, 0, 4_325]
    assert net.total_params == 4_653
    assert any("(D, H, W, C); as C×D×H×W that is 3×8×8×8" in n for n in imported.notes)


def test_keras_1d_layers_and_a_concatenation_on_the_channel_axis():
    imported, net = read(KERAS_1D)
    assert [lr.output_shape for lr in net.layers][:5] == [(8, 25), (8, 12), (4, 24), (4, 26), (4, 52)]
    assert net.output_shape == (3,)
    # conv 8·3·5 + 8; transposed 4·8·4 + 4; separable 4·3 (depthwise, no bias) + 6·4 + 6;
    # depthwise 4·3 + 4; dense 10·3 + 3
    assert net.total_params == 128 + 132 + (12 + 30) + 16 + 33 == 351
    assert "conv1d 8 k=5 s=2 p=same" in imported.spec.to_text("\n")


def test_keras_3d_layers():
    imported, net = read(KERAS_3D)
    assert [lr.output_shape for lr in net.layers][:7] == [
        (4, 8, 8, 8),
        (4, 8, 8, 8),  # relu
        (4, 4, 4, 4),
        (4, 4, 2, 2),
        (4, 6, 4, 4),
        (4, 12, 8, 8),
        (2, 24, 16, 16),
    ]
    # Conv3D 4·2·27 + 4; Conv3DTranspose 4·2·8 + 2; Dense 2·3 + 3
    assert net.total_params == 220 + 66 + 9 == 295


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            ("layers.Conv3D(4, 3)", "layers.Conv2D(4, 3)"),
            "line 3: layers.Conv2D(4, 3) works on 2-D maps, but the input",
        ),
        (
            ("layers.Flatten(), ", "layers.GlobalAveragePooling2D(), "),
            "layers.GlobalAveragePooling2D(): a 2-D layer after the 3-D layers.Conv3D(4, 3)",
        ),
    ],
    ids=["conv2d-on-3d", "2d-pooling-on-3d"],
)
def test_a_keras_layer_of_other_axes_than_the_input_is_refused(change, words):
    with pytest.raises(CnnCalcError, match=re.escape(words)):
        read(KERAS_CONV3D.replace(*change))


def test_a_keras_concatenation_on_a_spatial_axis_is_refused():
    with pytest.raises(CnnCalcError, match=r"line 12: .*concatenation on axis 1"):
        read(KERAS_1D.replace("axis=2", "axis=1"))
