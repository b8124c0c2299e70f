"""Every command's --help keeps its examples one per line (click rewraps paragraphs it is not told
to keep), as docs/cli.md, which is generated from it, does too."""

from __future__ import annotations

import re

import pytest
import typer

from cnncalc.cli.app import app


def _command_paths(command, prefix=()) -> list[tuple[str, ...]]:
    paths = [prefix] if prefix else []
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, (*prefix, name))
    return paths


COMMANDS = _command_paths(typer.main.get_command(app))


def _examples(help_text: str) -> list[str]:
    section = help_text.split("Examples:", 1)[1]
    return re.split(r"\n(?:Options|Arguments):", section, maxsplit=1)[0].splitlines()


@pytest.mark.parametrize("path", [p for p in COMMANDS], ids=[" ".join(p) for p in COMMANDS])
def test_each_example_is_a_line_of_its_own(cli, path):
    result = cli(*path, "--help")
    assert result.exit_code == 0, result.output
    if "Examples:" not in result.stdout:
        return
    examples = _examples(result.stdout)
    for line in examples:
        # a command may be piped into (`printf ... | cnncalc quiz`), never run into the previous one
        starts = [
            m.start() for m in re.finditer(r"cnncalc ", line) if not line[: m.start()].rstrip().endswith("|")
        ]
        assert all(line[:s].strip() in ("", "$") for s in starts), f"{' '.join(path)}: {line!r}"
    assert any(line.strip().startswith(("cnncalc", "printf", "echo")) for line in examples)


def test_the_trainer_commands_examples_are_kept_apart(cli):
    """The four commands whose examples ran into one paragraph."""
    for command in ("train", "predict", "show", "gradcheck"):
        lines = _examples(cli(command, "--help").stdout)
        assert sum(line.strip().startswith(f"cnncalc {command}") for line in lines) >= 2, command
