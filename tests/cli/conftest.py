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
