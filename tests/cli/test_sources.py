"""Reading a network from its one source: a spec, a file or stdin, a preset, model code."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cnncalc.arith.errors import UsageError
from cnncalc.cli.sources import optional_network, read_spec_file, required_network, with_input

MODEL = Path(__file__).resolve().parents[2] / "cnncalc" / "data" / "models" / "note003_torch_cnn.py"


def test_each_source_gives_the_network_and_a_label(tmp_path):
    spec_file = tmp_path / "net.txt"
    spec_file.write_text("input 1x4x4 | fc 2\n")
    assert optional_network("conv 8 k=3").spec.layers[0].units == 8
    from_file = optional_network(file=spec_file)
    assert (from_file.spec.input_shape, from_file.label) == ((1, 4, 4), str(spec_file))
    preset = optional_network(preset="Seed_001")
    assert preset.label.startswith("seed-001: note 001's")
    model = optional_network(model=MODEL)
    assert model.imported is not None and model.label.startswith(f"{MODEL} (PyTorch model CNN")


def test_dash_reads_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("conv 1 k=3"))
    assert read_spec_file(Path("-")) == "conv 1 k=3"


def test_one_source_at_most_and_a_required_one_says_what_to_give():
    with pytest.raises(UsageError, match="give one network source, not SPEC and --preset"):
        optional_network("conv 8 k=3", preset="lenet-5")
    assert optional_network() is None
    with pytest.raises(UsageError, match="^give a network$"):
        required_network(missing="give a network")


def test_input_replaces_the_spec_input_and_model_code_needs_one(tmp_path):
    assert with_input(optional_network("input 1x8x8 | conv 2 k=3"), "3x16x16").input_shape == (3, 16, 16)
    model = tmp_path / "m.py"
    model.write_text("import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(1, 4, 3))\n")
    with pytest.raises(UsageError, match="does not say its input size; give --input CxHxW"):
        with_input(optional_network(model=model), None)


def test_an_unreadable_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="cannot read it"):
        read_spec_file(tmp_path / "missing.txt")
    binary = tmp_path / "net.bin"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UsageError, match="not a UTF-8 text file"):
        read_spec_file(binary)
