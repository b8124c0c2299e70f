"""Shared fixtures: a CliRunner for the typer app, and helpers for oracle tests."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cnncalc.cli.app import app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner):
    """`cli("shape", "--input", "96")` → the click Result (exit_code, stdout, stderr, output)."""

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(
            app,
            [str(a) for a in args],
            input=input,
            env={"NO_COLOR": "1", "COLUMNS": "100", "CNNCALC_LANG": "en"},
        )

    return invoke


@pytest.fixture
def zh(cli):
    """`zh(*args)`: `cli` under --lang zh, and English again afterwards."""
    from cnncalc import i18n

    def invoke(*args: str, input: str | None = None):
        try:
            return cli("--lang", "zh", *args, input=input)
        finally:
            i18n.set_language("en")

    return invoke


@pytest.fixture
def cli_json(cli):
    """Run a command with --json, assert it succeeded, and return the parsed object."""

    def invoke(*args: str, input: str | None = None) -> dict:
        result = cli(*args, "--json", input=input)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    return invoke
