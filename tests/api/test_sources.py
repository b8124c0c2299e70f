"""Reading a network from its one source: a spec, a file or stdin, a preset, model code."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cnncalc.api.sources import optional_network, read_spec_file, required_network, with_input
from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.cli.errors import flag_for

MODEL = Path(__file__).resolve().parents[2] / "cnncalc" / "data" / "models" / "note003_torch_cnn.py"
CLI_FLAGS = {"spec": "SPEC", "source": "--from", "class_name": "--class"}


def test_each_source_gives_the_network_and_a_label(tmp_path):
    spec_file = tmp_path / "net.txt"
    spec_file.write_text("input 1x4x4 | fc 2\n")
    assert optional_network("conv 8 k=3").spec.layers[0].units == 8
    from_file = optional_network(file=spec_file)
    assert (from_file.spec.input_shape, from_file.label) == ((1, 4, 4), str(spec_file))
    assert optional_network(file=str(spec_file)).label == str(spec_file)
    preset = optional_network(preset="Seed_001")
    assert preset.label.startswith("seed-001: note 001's")
    model = optional_network(source=MODEL)
    assert model.imported is not None and model.label.startswith(f"{MODEL} (PyTorch model CNN")


def test_dash_reads_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("conv 1 k=3"))
    assert read_spec_file(Path("-")) == "conv 1 k=3"


def test_a_network_from_standard_input_is_labelled_so(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("input 1x4x4 | fc 2"))
    found = optional_network(file="-")
    assert (found.spec.input_shape, found.label) == ((1, 4, 4), "standard input")


def test_one_source_at_most_named_as_python_and_as_the_cli_calls_them():
    with pytest.raises(UsageError) as caught:
        optional_network("conv 8 k=3", preset="lenet-5")
    assert str(caught.value) == "give one network source, not spec and preset"
    assert (
        caught.value.named(lambda f: flag_for(f, CLI_FLAGS))
        == "give one network source, not SPEC and --preset"
    )
    assert optional_network() is None
    with pytest.raises(UsageError, match="^give a network$"):
        required_network(missing="give a network")
    with pytest.raises(UsageError) as caught:
        required_network()
    assert str(caught.value).startswith("give a network: spec (e.g.")
    assert "--file, --preset or --from" in caught.value.named(lambda f: flag_for(f, CLI_FLAGS))


def test_input_replaces_the_spec_input_and_model_code_needs_one(tmp_path):
    assert with_input(optional_network("input 1x8x8 | conv 2 k=3"), "3x16x16").input_shape == (3, 16, 16)
    assert with_input(optional_network("input 1x8x8 | conv 2 k=3"), (3, 16, 16)).input_shape == (3, 16, 16)
    model = tmp_path / "m.py"
    model.write_text("import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(1, 4, 3))\n")
    with pytest.raises(UsageError, match="does not say its input size; give input CxHxW"):
        with_input(optional_network(source=model), None)


def test_an_unreadable_file_is_a_usage_error_naming_the_argument(tmp_path):
    with pytest.raises(UsageError, match="^file .*missing.txt: cannot read it"):
        read_spec_file(tmp_path / "missing.txt")
    binary = tmp_path / "net.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UsageError, match="not a UTF-8 text file"):
        read_spec_file(binary)
    with pytest.raises(UsageError, match="^source /nonexistent/m.py: cannot read it"):
        optional_network(source="/nonexistent/m.py")


TWO_MODELS = """import torch.nn as nn
class Small(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.conv = nn.Conv2d(1, width, 3)
    def forward(self, x):
        return self.conv(x)
class Flat(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 2)
    def forward(self, x):
        n, c, h, w = x.shape
        return self.fc(x.reshape(n, c * h * w))
"""


def test_class_name_chooses_the_model_of_a_file_and_needs_one(tmp_path):
    model = tmp_path / "two.py"
    model.write_text(TWO_MODELS)
    with pytest.raises(UsageError) as caught:
        optional_network(source=model)
    assert "defines 2 models nothing else uses: Small() (line 2), Flat() (line 8)" in str(caught.value)
    assert "choose one with --class NAME" in caught.value.named(lambda f: flag_for(f, CLI_FLAGS))
    small = optional_network(source=model, class_name="Small(width=6)")
    assert small.spec.to_text(" | ") == "conv 6 k=3"
    assert small.label == f"{model} (PyTorch model Small(width=6), 1 layer)"
    with pytest.raises(UsageError, match="^class_name chooses the model of a model file; give source"):
        optional_network(preset="lenet-5", class_name="Small")


def test_input_reaches_the_forward_pass_of_model_code(tmp_path):
    model = tmp_path / "two.py"
    model.write_text(TWO_MODELS)
    with pytest.raises(CnnCalcError) as caught:
        optional_network(source=model, class_name="Flat")  # x.shape needs the input size
    assert str(caught.value).endswith("does not say the input size; give it with input CxHxW")
    assert caught.value.named(lambda f: flag_for(f, CLI_FLAGS)).endswith("give it with --input CxHxW")
    flat = optional_network(source=model, class_name="Flat", input=(4, 4, 4))
    assert flat.spec.to_text(" | ") == "input 4x4x4 | flatten | fc 2"
