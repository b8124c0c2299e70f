"""Every command's --help keeps its examples one per line (click rewraps paragraphs it is not told
to keep), as docs/cli.md, which is generated from it, does too."""

from __future__ import annotations

import os
import re
import subprocess
import sys

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


def _zh_help(columns: int, *args: str) -> str:
    """`cnncalc --lang zh ARGS --help` in a fresh process (the help is built in the chosen language)."""
    done = subprocess.run(
        [sys.executable, "-m", "cnncalc", "--lang", "zh", *args, "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": str(columns)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _command_rows(help_text: str) -> dict[str, list[str]]:
    """The list of commands of a Chinese --help: each command's summary, line by line."""
    section = help_text.split("\n命令：\n", 1)[1].split("\n\n", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if re.match(r"  \S", line):
            name, _, text = line.strip().partition(" ")
            rows[name] = [text.strip()]
        else:
            rows[name].append(line.strip())
    return rows


@pytest.mark.parametrize(
    ("group", "columns"), [((), 60), ((), 80), (("step",), 60), (("draw",), 60), (("solve",), 60)]
)
def test_chinese_command_lists_sum_each_command_up_in_whole_words(group, columns):
    # click shortens a summary by space-separated words; a Chinese sentence is one such word, so a
    # long one came out as "..." alone. A summary is the description's first paragraph if it fits in
    # two lines, else one line cut after a clause, with a Chinese ellipsis.
    from cnncalc.render.width import display_width

    listing = _zh_help(columns, *group)
    commands = listing.split("\n命令：\n", 1)[1].split("\n\n", 1)[0]
    assert max(display_width(line) for line in commands.splitlines()) <= columns
    rows = _command_rows(listing)
    assert len(rows) >= 3
    cut = []
    for name, lines in rows.items():
        summary = "".join(lines)
        assert summary and not summary.endswith("..."), (name, lines)
        if not summary.endswith("……"):
            assert summary.endswith("。") and len(lines) <= 2, (name, lines)  # a whole first paragraph
            continue
        cut.append(name)
        description = _zh_help(columns, *group, name).split("\n\n", 2)[1]
        whole = "".join(line.strip() for line in description.splitlines())
        assert len(lines) == 1 and whole.startswith(summary[: -len("……")]), (name, summary, whole)
        assert summary[-3] not in "，；：、", summary  # the clause mark gives way to the ellipsis
    if group == ():
        assert ("quiz" in cut) == (columns == 60) and "step" in cut  # their first paragraphs are long
