"""Fixtures the trainer's CLI tests share."""

from __future__ import annotations

import pytest

# a network small enough to train in a second on the built-in digits
SMALL = "conv 4 k=3 | relu | maxpool k=2 | flatten | fc 10"


@pytest.fixture(scope="session")
def model_file(tmp_path_factory):
    """A checkpoint of SMALL after two epochs on the digits, saved by `cnncalc train --save`.
    Tests that damage a checkpoint copy it first."""
    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    path = tmp_path_factory.mktemp("models") / "m.npz"
    result = CliRunner().invoke(app, ["train", SMALL, "--epochs", "2", "--save", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def make_idx(tmp_path):
    """`make_idx(name, size=8, top_label=9)` → a folder of the four MNIST-format files under
    tmp_path: 64 training and 16 test images of size×size random pixels (from `seed`), their labels
    0 … top_label (the first of each set is top_label)."""
    import struct

    import numpy as np

    def make(name: str, size: int = 8, top_label: int = 9, seed: int = 0, train: int = 64, test: int = 16):
        folder = tmp_path / name
        folder.mkdir()
        rng = np.random.default_rng(seed)
        for stem, n in (("train", train), ("t10k", test)):
            images = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
            labels = rng.integers(0, top_label + 1, n, dtype=np.uint8)
            labels[0] = top_label
            header = struct.pack(">IIII", 2051, n, size, size)
            (folder / f"{stem}-images-idx3-ubyte").write_bytes(header + images.tobytes())
            (folder / f"{stem}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 2049, n) + labels.tobytes())
        return folder

    return make
