"""Under --json every failure is one JSON object on stderr, {"error": ..., "exit_code": ...}, and
nothing on stdout: whether the core refused a value or the options did not parse."""

from __future__ import annotations

import json

import pytest

from cnncalc.cli.app import app

CORE_ERRORS = [
    (["shape", "-i", "3", "-k", "5"], 1, "kernel 5 is larger than the padded input 3"),
    (["params", "--cin", "6", "--cout", "8", "--groups", "4"], 1, "groups 4 does not divide cin 6"),
    (["rf", "conv 1 k=3 | warp 9"], 2, "unknown layer 'warp'"),
    (["net", "--preset", "vgg17"], 2, "unknown preset 'vgg17'"),
    (["check", "conv 8 k=5"], 2, "check needs the input shape"),
    (["solve", "padding", "-i", "28", "-k", "3", "-o", "10"], 1, None),  # impossible: a result, not an error
    (["solve", "combos", "-i", "3", "-o", "16"], 1, None),
    (["step", "conv", "--example", "nope"], 2, "--example 'nope' is not one of"),
    (["step", "pool", "--op", "median", "-i", "1 2; 3 4", "-k", "2"], 2, "--op 'median' is not one of"),
    (["lesson", "nope"], 2, "lesson 'nope' is not one of"),
    (["quiz", "--topic", "maths"], 2, "--topic 'maths' is not one of"),
    (["tour", "--only", "bogus"], 2, "no part of the tour is called or shows 'bogus'"),
    (["train", "conv 4 k=3", "--preset", "digits"], 2, "give one network source, not SPEC and --preset"),
    (["predict", "--model", "/nonexistent/model.npz"], 1, "/nonexistent/model.npz"),
    (["gradcheck", "conv 4 k=3"], 2, "no input line"),
]


@pytest.mark.parametrize(
    ("argv", "code", "message"), CORE_ERRORS, ids=[" ".join(a[:2]) for a, _, _ in CORE_ERRORS]
)
def test_a_refused_value_is_one_json_object_on_stderr(cli, argv, code, message):
    result = cli(*argv, "--json")
    assert result.exit_code == code, result.output
    if message is None:  # an impossible inverse problem still answers on stdout, possible: false
        assert json.loads(result.stdout) and not result.stderr
        return
    assert result.stdout == ""
    error = json.loads(result.stderr)
    assert list(error) == ["error", "exit_code"] and error["exit_code"] == code
    assert message in error["error"]


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def test_every_command_reports_a_bad_option_as_json(cli):
    import typer

    commands = list(_commands(typer.main.get_command(app)))
    assert len(commands) == 31  # 13 commands, 5 solve problems, 8 step-throughs, 5 draw pictures
    for words in commands:
        result = cli(*words, "--no-such-option", "--json")
        assert result.exit_code == 2, (words, result.output)
        assert result.stdout == "", words
        error = json.loads(result.stderr)
        assert error == {"error": error["error"], "exit_code": 2}
        assert "No such option: --no-such-option" in error["error"], words


def test_without_json_errors_stay_text(cli):
    result = cli("shape", "-i", "3", "-k", "5")
    assert result.stderr.startswith("error: kernel 5 is larger")
    result = cli("shape", "--no-such-option")
    assert "No such option: --no-such-option" in result.stderr and not result.stderr.startswith("{")
