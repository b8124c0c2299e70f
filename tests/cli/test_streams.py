"""Standard streams as a shell may hand them over: full, closed, ASCII-only, a reader that leaves.

These run cnncalc in a child process: the conditions are those of the real file descriptors.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.bounded_run import run


def _no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert "Exception ignored" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        [],
        ["shape", "--help"],
        ["step", "--help"],
        ["train", "--help"],
        ["shape", "-i", "3", "-k", "1"],
    ],
    ids=["help", "version", "welcome", "shape-help", "step-help", "train-help", "shape"],
)
def test_stdout_on_a_full_disk_is_one_message_and_exit_1(args):
    with open("/dev/full", "w") as full:
        result = run(*args, stdout=full)
    _no_traceback(result)
    assert result.returncode == 1
    assert result.stderr == "error: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["quiz", "--seed", "1", "-n", "1"], None),
        (["lesson", "rf"], None),
        (["step", "conv", "--example", "d2l"], None),
        (["rf", "--file", "-"], None),
        (["net", "--file", "-"], None),
        (["check", "--file", "-"], None),
    ],
    ids=["quiz", "lesson", "step", "rf-file", "net-file", "check-file"],
)
def test_closed_stdin_reads_as_empty(args, stdin):
    result = run(*args, closed=(0,))
    _no_traceback(result)
    if args[-1] == "-":  # an empty spec: a usage error that says so
        assert result.returncode == 2 and "the spec has no layers" in result.stderr
    else:  # no answer given: the lesson or quiz shows the answer
        assert result.returncode == 0 and result.stdout


@pytest.mark.parametrize(
    "args", [["shape", "-i", "3", "-k", "1"], ["net", "--preset", "vgg-16"]], ids=["shape", "net"]
)
def test_closed_stdout_is_one_message_and_exit_1(args):
    result = run(*args, closed=(1,))
    _no_traceback(result)
    assert result.returncode == 1
    assert result.stderr == "error: cannot write to standard output: it is closed\n"


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize(
    "args",
    [
        ["shape", "-i", "10", "-k", "3", "-s", "2"],
        ["shape", "-i", "10", "-k", "3", "-s", "2", "--json"],
        ["rf", "conv 1 k=3 | conv 1 k=3"],
        ["net", "--preset", "seed-001"],
        ["step", "conv", "--example", "d2l", "--all"],
        ["check", "input 2x96x96 | conv 8 k=5 -> 8x92x92"],
    ],
    ids=["shape", "shape-json", "rf", "net", "step", "check"],
)
def test_a_narrow_encoding_prints_ascii_forms(encoding, args):
    result = run(*args, env={"PYTHONIOENCODING": encoding})
    _no_traceback(result)
    assert result.returncode == 0, result.stderr
    result.stdout.encode(encoding)  # all of it could be written
    if "--json" in args:
        data = json.loads(result.stdout)
        assert data["output"] == [4, 4] and result.stdout.isascii()
    if args[0] == "shape" and "--json" not in args:
        assert "floor(7/2) + 1" in result.stdout and "10x10 -> 4x4" in result.stdout.replace("×", "x")


def test_json_is_ascii_safe_everywhere(cli):
    result = cli("shape", "-i", "10", "-k", "3", "-s", "2", "--json")
    assert result.stdout.isascii() and "\\u230a" in result.stdout  # ⌊ as an escape
    assert "⌊7/2⌋" in json.loads(result.stdout)["steps"][0]["substituted"]


@pytest.mark.parametrize(
    "args",
    [
        ["gradcheck"],
        ["train", "--steps", "40"],
        ["net", "--preset", "vgg-16"],
        ["step", "conv", "--example", "d2l", "--all"],
        ["shape", "-i", "96", "-k", "5"],
        ["--help"],
        ["show", "maps"],
    ],
    ids=["gradcheck", "train", "net", "step", "shape", "help", "show-maps"],
)
def test_a_reader_that_leaves_ends_the_run_quietly_with_141(args, tmp_path):
    if args[0] == "show":
        from typer.testing import CliRunner

        from cnncalc.cli.app import app

        model = tmp_path / "m.npz"
        trained = CliRunner().invoke(app, ["train", "--steps", "5", "--save", str(model), "--json"])
        assert trained.exit_code == 0, trained.output
        args = [*args, "--model", str(model)]
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head -1` after head has gone: every write finds no reader
    try:
        result = run(*args, stdout=write_end, timeout=120)
    finally:
        os.close(write_end)
    assert result.returncode == 141, result.stderr
    assert result.stderr == ""


def test_control_characters_in_an_error_are_escaped(cli):
    result = cli("rf", "conv 8 k=3\x1b[2J\x07")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\\x1b[2J\\x07" in result.stderr
