"""Importing model source with ast: what is read, what is refused (with line numbers), and that
nothing is ever executed."""

import glob
import re
from pathlib import Path

import pytest

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.importer import import_file, import_source
from cnncalc.arith.network import walk

MODELS = Path(__file__).parent.parent / "fixtures" / "models"
# the notes' two models ship with the package (the tour imports them); test those very files
EXAMPLES = Path(__file__).resolve().parents[2] / "cnncalc" / "data" / "models"
NOTES = Path("/work/shared/notes")


def spec_of(source: str) -> str:
    return import_source(source).spec.to_text(" | ")


def test_note_003_class_follows_forward_and_its_comment_input():
    imported = import_file(EXAMPLES / "note003_torch_cnn.py")
    assert imported.model == "CNN"  # the note's module-level `cnn = CNN()`, named by its class
    assert imported.spec.to_text(" | ") == (
        "input 1x28x28 | conv 16 k=5 p=2 | relu | maxpool k=2 | conv 32 k=5 p=2 | relu | maxpool k=2 | flatten | fc 10"
    )
    assert walk(imported.spec).total_params == 28_938
    assert [layer.line for layer in imported.spec.layers][:3] == [12, 19, 20]


@pytest.mark.skipif(not NOTES.is_dir(), reason="course notes not present")
def test_note_003_squashed_text_is_refused_with_a_line_number():
    text = Path(glob.glob(str(NOTES / "003_*.txt"))[0]).read_text(encoding="utf-8")
    code = text[text.index("import torch") : text.index("print(cnn)") + len("print(cnn)")]
    with pytest.raises(CnnCalcError, match=r"line 3: '%matplotlib inline' is a Jupyter") as e:
        import_source(code)
    assert "Line 4 is not valid Python either" in str(e.value)
    assert "the preset torch-mnist" in str(e.value)


# note 003's code as the note prints it: a notebook magic, then the class on one line
NOTE_003_AS_PRINTED = (
    "import torch\nfrom torch import nn\n%matplotlib inline\n"
    "class CNN(nn.Module):def __init__(self):super(CNN, self).__init__()self.conv1 = nn.Sequential( "
    "# input shape (1, 28, 28)nn.Conv2d(in_channels=1, # input heightout_channels=16, # n_filterskernel_size=5, "
    "# filter sizestride=1, # filter movement/steppadding=2, # padding to keep same width/height), "
    "# output shape (16, 28, 28)nn.ReLU(), # activationnn.MaxPool2d(kernel_size=2), "
    "# choose max value in 2x2 area, output shape (16, 14, 14))self.out = nn.Linear(32 * 7 * 7, 10)\n"
    "cnn = CNN()\nprint(cnn)\n"
)


def test_a_notebook_magic_is_named_and_the_bundled_copy_offered():
    with pytest.raises(CnnCalcError) as e:
        import_source(NOTE_003_AS_PRINTED, "note003.py")
    message = str(e.value)
    assert message.startswith(
        "note003.py, line 3: '%matplotlib inline' is a Jupyter (IPython) command, not Python; delete that line."
    )
    assert "Line 4 is not valid Python either (invalid syntax): several statements run together" in message
    assert "a formatted copy is built in: the preset torch-mnist, or the file " in message
    assert message.endswith(str(EXAMPLES / "note003_torch_cnn.py"))
    assert (EXAMPLES / "note003_torch_cnn.py").is_file()


def test_a_magic_alone_is_the_only_problem_named():
    source = (
        "import torch\nfrom torch import nn\n%matplotlib inline\nnet = nn.Sequential(nn.Conv2d(1, 8, 3))\n"
    )
    with pytest.raises(CnnCalcError) as e:
        import_source(source, "m.py")
    assert str(e.value) == (
        "m.py, line 3: '%matplotlib inline' is a Jupyter (IPython) command, not Python; delete that line"
    )


# note 004's snippets: layers added to a model the snippet never creates
NOTE_004_BN = """from keras.layers import BatchNormalization
model.add(Conv2D(32, kernel_size=(3,3), activation='relu'))
model.add(BatchNormalization())
"""


def test_add_calls_on_a_model_never_created_are_read_as_a_sequential():
    imported = import_source(NOTE_004_BN)
    assert imported.spec.to_text(" | ") == "conv 32 k=3 | relu | bn"
    assert imported.summary == "Keras Sequential model 'model', 3 layers"
    assert any(
        n.startswith("line 2: model is never created in this file (no model = Sequential())")
        for n in imported.notes
    )


def test_regularization_is_named_as_not_a_keras_layer():
    source = NOTE_004_BN.replace("BatchNormalization()", "Regularization(l2=0.01)")
    with pytest.raises(
        CnnCalcError, match=r"line 3: Regularization\(l2=0.01\): Keras has no Regularization layer"
    ):
        import_source(source)


def test_kernel_regularizer_is_noted_not_dropped_silently():
    source = (
        "from keras.models import Sequential\nfrom keras.layers import Dense, Flatten\nfrom keras import regularizers\n"
        "model = Sequential()\nmodel.add(Flatten(input_shape=(4, 4, 1)))\n"
        "model.add(Dense(10, kernel_regularizer=regularizers.l2(0.01)))\n"
    )
    imported = import_source(source)
    assert imported.spec.to_text(" | ") == "input 1x4x4 | flatten | fc 10"
    assert (
        "line 6: kernel_regularizer=regularizers.l2(0.01) adds a penalty on this layer's weights to the loss "
        "(L2: weight decay); it changes no shape and no parameter count"
    ) in imported.notes


@pytest.mark.parametrize(
    ("source", "summary"),
    [
        (
            "from keras.models import Sequential\nfrom keras.layers import Dense\nmodel = Sequential([Dense(2, input_dim=3)])",
            "Keras Sequential model 'model', 1 layer",
        ),
        (
            "import keras\nfrom keras import layers\nx = keras.Input(shape=(3,))\ny = layers.Dense(2)(x)",
            "Keras functional model, 1 layer",
        ),
        ("import torch.nn as nn\nnet = nn.Sequential(nn.Linear(3, 2))", "PyTorch model net, 1 layer"),
    ],
    ids=["sequential", "functional", "torch"],
)
def test_summary_names_the_model_once(source: str, summary: str):
    assert import_source(source).summary == summary


@pytest.mark.skipif(not NOTES.is_dir(), reason="course notes not present")
def test_note_000_keras_code_from_the_note_text():
    text = Path(glob.glob(str(NOTES / "000_*.txt"))[0]).read_text(encoding="utf-8")
    imported = import_source(text[text.index("import numpy as np") :])
    assert imported.framework == "Keras"
    assert imported.spec.input_shape == (1, 28, 28)
    assert walk(imported.spec).total_params == 93_322


def test_keras_fixture_converts_channels_last_and_activations():
    imported = import_file(EXAMPLES / "note000_keras_mnist.py")
    text = imported.spec.to_text(" | ")
    assert text.startswith("input 1x28x28 | conv 32 k=3 | relu | maxpool k=2")
    assert text.endswith("fc 10 | softmax")
    assert any("channels-last" in n for n in imported.notes)


def test_keras_functional_same_padding_bn_and_global_pool():
    imported = import_file(MODELS / "keras_functional.py")
    net = walk(imported.spec)
    assert imported.spec.input_shape == (3, 32, 32)
    kinds = [lr.layer.kind for lr in net.layers]
    assert kinds[kinds.index("gap") + 1] == "flatten"  # Keras' GlobalAveragePooling2D gives C features
    assert [lr.output_shape for lr in net.layers if lr.layer.kind == "conv"] == [(16, 32, 32), (32, 8, 8)]
    # conv 3→16 k3 (448) + bn 16 (32) + conv 16→32 k3 no bias (4608) + dense 32→10 (330)
    assert net.total_params == 448 + 32 + 4608 + 330


def test_torch_positional_keyword_and_nested_forms():
    source = """
import torch.nn as nn
from collections import OrderedDict
C = 8
model = nn.Sequential(
    nn.Sequential(OrderedDict([("c", nn.Conv2d(3, C, (3, 5), stride=2, padding=(1, 2), bias=False))])),
    nn.BatchNorm2d(num_features=C),
    nn.MaxPool2d(3, 2, 1, ceil_mode=True),
    nn.ConvTranspose2d(C, 4, 4, 2, 1),
    nn.AdaptiveAvgPool2d(1),
    nn.Flatten(),
    nn.Linear(4, 2),
)
"""
    assert spec_of(source) == (
        "conv 8 k=3x5 s=2 p=1x2 bias=false | bn | maxpool k=3 s=2 p=1 ceil=true | tconv 4 k=4 s=2 p=1 "
        "| gap | flatten | fc 2"
    )


def test_forward_order_wins_over_init_order_and_functional_calls_are_layers():
    source = """
import torch
import torch.nn as nn
import torch.nn.functional as F
class Net(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.fc = nn.Linear(8 * 6 * 6, classes)
        self.conv = nn.Conv2d(1, 8, 3)
        self.spare = nn.Linear(2, 2)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        x = x.flatten(1)
        return F.log_softmax(self.fc(x), dim=1)
"""
    with pytest.raises(
        CnnCalcError, match=r"line 10: nn.Linear\(2, 2\) \(self.spare\) is built.*6 parameters"
    ):
        import_source(source)
    imported = import_source(source.replace("        self.spare = nn.Linear(2, 2)\n", ""))
    assert imported.spec.to_text(" | ") == "conv 8 k=3 | relu | maxpool k=2 | flatten | fc 10 | softmax"


def test_module_calls_become_blocks_in_the_order_forward_calls_them():
    imported = import_file(MODELS / "torch_blocks_in_order.py")
    assert imported.spec.input_shape == (2, 100)
    assert [layer.describe() for layer in imported.spec.layers][:4] == [  # nn.Conv1d, nn.MaxPool1d
        "conv1d 8 k=5 p=2",
        "bn",
        "tanh",
        "maxpool1d k=4",
    ]
    # each call of the file's Block module is a block of the spec, defined once per distinct body
    # (numbered: a block may not be called `block`, the spec's own word, in any case)
    text = imported.spec.to_text("\n")
    assert "block Block_2()" in text and "block Block_3()" in text
    assert [n.label for n in imported.spec.graph.nodes if n.kind == "block"] == ["Block_2", "Block_3"]


def test_verify_catches_a_wrong_in_features_with_its_line():
    source = "import torch.nn as nn\nm = nn.Sequential(\n  nn.Conv2d(1, 4, 3),\n  nn.Flatten(),\n  nn.Linear(100, 10),\n)\n"
    imported = import_source(source, "m.py")
    net = walk(imported.spec, (1, 28, 28))
    with pytest.raises(CnnCalcError, match=r"line 5: nn.Linear\(100, 10\) expects in_features=100.*2704"):
        imported.verify(net)


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        (
            "import torch.nn as nn\nm = nn.Sequential(\n nn.Conv2d(1, 8, 3),\n nn.LSTM(8, 8),\n)",
            4,
            "LSTM is not a layer",
        ),
        ("import torch.nn as nn\nlayers = []\nm = nn.Sequential(*layers)", 3, "no layers"),
        (
            "import torch.nn as nn\nk = int(input())\nm = nn.Sequential(nn.Conv2d(1, 8, k))",
            3,
            "cannot work out kernel_size",
        ),
        (
            "from keras.layers import Conv2D\nfrom keras.models import Sequential\nm = Sequential()\n"
            "m.add(Conv2D(8, 3, activation='selu'))",
            4,
            "activation 'selu'",
        ),
        (
            "from keras.models import Sequential\nfrom keras import layers\nm = Sequential([\n layers.LSTM(8),\n])",
            4,
            "LSTM is not a Keras layer",
        ),
        (
            "import torch.nn as nn\nclass A(nn.Module):\n def __init__(self):\n  super().__init__()\n"
            "  self.c = nn.Conv2d(1, 2, 3)\n def forward(self, x):\n  return torch.cat([self.c(x), x], 1)",
            7,
            "torch is not defined",
        ),
        ("import torch.nn as nn\ndef f(:\n  pass", 2, "not valid Python"),
    ],
    ids=[
        "unknown-torch-layer",
        "starred",
        "runtime-value",
        "keras-activation",
        "keras-lstm",
        "undefined-name",
        "syntax",
    ],
)
def test_what_cannot_be_read_names_the_line(source, line, words):
    with pytest.raises(CnnCalcError) as err:
        import_source(source, "model.py")
    assert f"line {line}" in str(err.value)
    assert words in str(err.value)


def test_a_file_without_layers_is_refused():
    with pytest.raises(CnnCalcError, match="no PyTorch"):
        import_source("print('hello')\n")


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="cannot read"):
        import_file(tmp_path / "absent.py")


def test_the_file_is_never_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    imported = import_file(MODELS / "evil_model_never_run.py")
    assert not (tmp_path / "EXECUTED.txt").exists()
    assert imported.spec.to_text(" | ") == "conv 4 k=3 | relu | flatten | fc 10"
    assert "1 input channels" in imported.first_layer_hint


def test_importer_package_has_no_exec_or_eval():
    package = Path(import_source.__code__.co_filename).parent
    files = sorted(package.glob("*.py"))
    assert len(files) >= 6
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"(?<![\w.])(exec|eval|compile|__import__)\s*\(|import_module|runpy", source), (
            path
        )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "nn.Sequential(nn.Conv2d(1, 8, kernel_size=(3, 3, 3)), nn.ReLU())",
            "has 3 values, but Conv2d takes 2",
        ),
        ("nn.Sequential(nn.Conv2d(1, 8, 3), nn.Conv3d(8, 8, 3))", "a 3-D layer after the 2-D"),
        (
            "nn.Sequential(nn.MaxPool1d(2, stride=(2, 2)))",
            "stride=(2, 2) has 2 values, but MaxPool1d takes 1",
        ),
    ],
    ids=["tuple-length", "mixed-dims", "pool-tuple"],
)
def test_layers_pytorch_would_refuse_are_refused_with_the_line(tmp_path, code, message):
    f = tmp_path / "model.py"
    f.write_text(f"import torch.nn as nn\n\nnet = {code}\n", encoding="utf-8")
    with pytest.raises(CnnCalcError, match="line 3") as info:
        import_file(f)
    assert message in str(info.value)


# -- untrusted model files: bounded, and nothing pasted into the spec ------------------------------


@pytest.mark.parametrize(
    ("call", "refused"),
    [
        ('nn.Conv2d(1, 8, 3, dilation="1 k=7")', "dilation='1 k=7' is not a whole number ≥ 1"),
        ('nn.Conv2d(1, "8 k=7", 3)', "out_channels='8 k=7' is not a whole number ≥ 1"),
        ("nn.Conv2d(1, 8, 3.0)", "kernel_size=3.0 is not a whole number ≥ 1"),
        ('nn.LeakyReLU("0.1 | conv 9 k=3")', "negative_slope='0.1 | conv 9 k=3' is not a number"),
        ('nn.Dropout(p="0.5 | fc 3")', "p='0.5 | fc 3' is not a number"),
        ("nn.MaxPool2d(2, stride=True)", "stride=True is not a whole number ≥ 1"),
    ],
    ids=["dilation-text", "channels-text", "float-kernel", "slope-text", "dropout-text", "bool-stride"],
)
def test_a_value_that_is_not_a_constant_of_the_right_type_is_refused_with_its_line(call, refused):
    source = f"import torch.nn as nn\nnet = nn.Sequential(\n    {call},\n)\n"
    with pytest.raises(CnnCalcError, match=re.escape(f"<model>, line 3: {call}: {refused}")):
        import_source(source)


@pytest.mark.parametrize(
    "layer",
    [
        "layers.Conv2D(8, 3, strides=2, dilation_rate=2)",
        "layers.Conv1D(8, 3, strides=(2,), dilation_rate=3)",
        "layers.Conv3DTranspose(8, 3, strides=2, dilation_rate=(1, 1, 2))",
        "layers.SeparableConv2D(8, 3, strides=(1, 2), dilation_rate=2)",
        "layers.DepthwiseConv2D(3, strides=2, dilation_rate=2)",
    ],
    ids=["conv2d", "conv1d", "conv3d-transpose", "separable", "depthwise"],
)
def test_keras_strides_with_dilation_are_refused_as_keras_refuses_them(layer):
    source = f"import keras\nfrom keras import layers\nmodel = keras.Sequential([\n    {layer},\n])\n"
    with pytest.raises(CnnCalcError) as e:
        import_source(source, "k.py")
    assert str(e.value).startswith(f"k.py, line 4: {layer}: strides=")
    assert "`strides > 1` not supported in conjunction with `dilation_rate > 1`" in str(e.value)


def test_keras_strides_or_dilation_alone_are_read():
    source = (
        "import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(16, 16, 3)), "
        "layers.Conv2D(8, 3, strides=2), layers.Conv2D(8, 3, dilation_rate=2, strides=(1, 1))])\n"
    )
    assert spec_of(source) == "input 3x16x16 | conv 8 k=3 s=2 | conv 8 k=3 d=2"


def test_padding_same_with_a_stride_is_refused_as_pytorch_refuses_it():
    source = "import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding='same'))\n"
    with pytest.raises(CnnCalcError, match="line 2: .*padding='same' with stride 2: PyTorch refuses"):
        import_source(source)
    same = "import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(1, 8, 3, padding='same'))\n"
    assert spec_of(same) == "conv 8 k=3 p=same"


def test_a_constant_squared_past_any_layer_size_is_not_computed():
    from tests.bounded_run import within

    source = (
        "import torch.nn as nn\nx = 2\n" + "x = x * x\n" * 39 + "net = nn.Sequential(nn.Conv2d(1, x, 3))\n"
    )
    with within(2), pytest.raises(CnnCalcError, match="line 42: .*out_channels = x is larger than 10\\^30"):
        import_source(source)


def test_thousands_of_layers_in_one_sequential_read_in_linear_time():
    from tests.bounded_run import within

    source = (
        "import torch.nn as nn\nnet = nn.Sequential(\n"
        + "    nn.ReLU(),\n" * 8000
        + "    nn.Conv2d(1, 2, 3),\n)\n"
    )
    with within(10):
        assert len(import_source(source).spec.layers) == 8001


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("-" * 100_000 + "1", "nested too deeply for Python's parser"),
        ("+".join(["1"] * 300), "nested more than 100 levels deep"),
        ("f" + "()" * 150, "nested more than 100 levels deep"),
        ("9" * 5000, "a number with thousands of digits, far too large to be a layer size"),
    ],
    ids=["unary-100000", "sum-300", "calls-150", "5000-digits"],
)
def test_deep_or_huge_source_is_refused_cleanly(expression, message):
    source = f"import torch.nn as nn\nx = {expression}\nnet = nn.Sequential(nn.Conv2d(1, 8, 3))\n"
    with pytest.raises(CnnCalcError, match=re.escape(message)) as caught:
        import_source(source)
    assert "Recursion" not in str(caught.value) and "MemoryError" not in str(caught.value)


def test_a_nul_byte_names_its_line():
    with pytest.raises(CnnCalcError, match="<model>, line 3: a NUL byte"):
        import_source("import torch.nn as nn\nnet = nn.Sequential(nn.ReLU())\nx = 1\x00\n")


def test_a_model_file_over_the_size_bound_is_refused_without_parsing(tmp_path):
    big = tmp_path / "big.py"
    big.write_text("import torch.nn as nn\n" + "# padding\n" * 200_000)
    with pytest.raises(UsageError, match="larger than 1 MiB"):
        import_file(big)


def test_source_quoted_in_a_message_has_control_characters_escaped():
    source = 'import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(1, 8, 3, dilation="\x1b[2J"))\n'
    with pytest.raises(CnnCalcError) as caught:
        import_source(source)
    assert "\x1b" not in str(caught.value) and "\\x1b[2J" in str(caught.value)
