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
    with pytest.raises(CnnCalcError, match=r"line \d+: not valid Python"):
        import_source(code)


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
    assert [layer.describe() for layer in imported.spec.layers][:4] == [
        "conv 8 k=5 p=2",
        "bn",
        "tanh",
        "maxpool k=4",
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
