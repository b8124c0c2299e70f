"""A result's working speaks to whoever asked: the terminal's user reads options (`--explain N`,
`--json`, `--out FILE.svg`), a Python caller its arguments and methods (`explain=N`, `to_dict()`,
`svg()`). The same renderer draws both (`cnncalc.render.text.option`, `for_python`)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import cnncalc
from cnncalc.arith.errors import CnnCalcError
from cnncalc.cli.app import app
from cnncalc.render.text import command, for_python, for_terminal, json_hint, option

# A CLI option as the working would name it: `--` and a letter, not inside a word or a rule line.
FLAG = re.compile(r"(?<![\w-])--[a-z]")

BRANCHED = "input 3x32x32 | conv 16 k=3 p=1 | add( conv 16 k=3 p=1 | relu ) | gap | flatten | fc 10"
# (CLI argv, the same as an API call, a Python hint its text must hold, the CLI hint instead)
CASES: list[tuple[list[str], Callable[[], cnncalc.Result], str, str]] = [
    (
        ["net", "input 1x28x28 | conv 8 k=3 | flatten | fc 10"],
        lambda: cnncalc.net("input 1x28x28 | conv 8 k=3 | flatten | fc 10"),
        "explain=N (1–3)",
        "--explain N (1–3)",
    ),
    (["net", BRANCHED], lambda: cnncalc.net(BRANCHED), "depth=N", "--depth N"),
    (
        ["net", "conv 8 k=3 | gap | flatten | fc 10"],
        lambda: cnncalc.net("conv 8 k=3 | gap | flatten | fc 10"),
        "give input CxHxW",
        "give --input CxHxW",
    ),
    (
        ["net", "conv 8 k=3 | relu", "--explain", "1"],
        lambda: cnncalc.net("conv 8 k=3 | relu", explain=1),
        'give input="CxHxW"',
        "give --input CxHxW",
    ),
    (
        ["net", "input 1x8x8 | conv 4 k=3 -> 4x7x7"],
        lambda: cnncalc.net("input 1x8x8 | conv 4 k=3 -> 4x7x7"),
        "`cnncalc.check(spec)` works it through",
        "`cnncalc check` works it through",
    ),
    (
        ["net", "--list-presets"],
        cnncalc.list_presets,
        'cnncalc.net(preset="NAME")',
        "cnncalc net --preset NAME",
    ),
    (
        ["draw", "rf", "conv 1 k=3 | conv 1 k=3", "--input", "9"],
        lambda: cnncalc.draw_rf("conv 1 k=3 | conv 1 k=3", input=9),
        "svg() or html(); to_dict() lists every level",
        "--out FILE.svg or FILE.html; --json lists every level",
    ),
    (
        ["draw", "rf", "input 1x6x6x6 | conv 1 k=3x3x3"],
        lambda: cnncalc.draw_rf("input 1x6x6x6 | conv 1 k=3x3x3"),
        "to_dict() lists every level of a 3-D field",
        "--json lists every level of a 3-D field",
    ),
    (
        ["draw", "net", "--preset", "resnet-18"],
        lambda: cnncalc.draw_net(preset="resnet-18"),
        "depth=N (this network nests",
        "--depth N (this network nests",
    ),
    (
        ["net", "--preset", "resnet-18", "--depth", "1"],
        lambda: cnncalc.net(preset="resnet-18", depth=1),
        "explain=ID shows a row's notes",
        "--explain ID shows a row's notes",
    ),
    (
        ["solve", "input", "--preset", "lenet-5"],
        lambda: cnncalc.solve_input(preset="lenet-5"),
        'the sizes that output="5x5" lists',
        "the sizes that --output 5x5 lists",
    ),
    (
        ["step", "conv"],
        cnncalc.step_conv,
        'same as: cnncalc.step_conv(input="0 1 2; 3 4 5; 6 7 8", kernel="0 1; 2 3")',
        'same as: cnncalc step conv --input "0 1 2; 3 4 5; 6 7 8" --kernel "0 1; 2 3"',
    ),
    (
        ["step", "pool", "--example", "minpool"],
        lambda: cnncalc.step_pool(example="minpool"),
        'same as: cnncalc.step_pool(op="min", input="1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7", kernel=2)',
        'same as: cnncalc step pool --op min --input "1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7" --kernel 2',
    ),
]
IDS = [" ".join(argv[:2]) + f" {i}" for i, (argv, *_rest) in enumerate(CASES)]


@pytest.mark.parametrize(("argv", "call", "python_hint", "cli_hint"), CASES, ids=IDS)
def test_the_api_names_its_arguments_where_the_cli_names_its_options(argv, call, python_hint, cli_hint):
    result = call()
    text = result.text(width=100)
    assert python_hint in " ".join(text.split())
    assert not FLAG.search(text), FLAG.search(text)
    cli = CliRunner().invoke(app, argv, env={"COLUMNS": "100"})
    assert cli.exit_code == 0, cli.output
    assert cli_hint in " ".join(cli.output.split())


@pytest.mark.parametrize(("argv", "call", "python_hint", "cli_hint"), CASES, ids=IDS)
def test_every_notebook_display_names_arguments_too(argv, call, python_hint, cli_hint):
    result = call()
    html = result._repr_html_()
    rich_out = io.StringIO()
    Console(file=rich_out, width=100, color_system=None).print(result)
    pretty = rich_out.getvalue()
    for shown in (re.sub(r"<[^>]+>", "", html), pretty):
        assert not FLAG.search(shown), FLAG.search(shown)


def test_a_stopped_training_run_names_the_argument_that_stopped_it():
    report = cnncalc.train("conv 4 k=3 | relu | flatten | fc 10", steps=3, epochs=1)
    text = " ".join(report.text(width=120).split())
    assert "(stopped by steps)" in text
    assert not FLAG.search(text)
    cli = CliRunner().invoke(app, ["train", "conv 4 k=3 | relu | flatten | fc 10", "--steps", "3"])
    assert cli.exit_code == 0, cli.output
    assert "(stopped by --steps)" in " ".join(cli.output.split())


def test_a_saved_run_says_how_to_go_on_from_python(tmp_path: Path):
    # the terminal is told to try `cnncalc predict --model PATH`, a command Python does not have
    saved = tmp_path / "run.npz"
    text = " ".join(cnncalc.train(steps=2, save=saved).text(width=200).split())
    assert f'saved to {saved}: continue training it with `cnncalc.train(resume="{saved}")`' in text
    assert not FLAG.search(text), FLAG.search(text)
    cli = CliRunner().invoke(app, ["train", "--steps", "2", "--save", str(tmp_path / "cli.npz")])
    assert cli.exit_code == 0, cli.output
    assert f"try `cnncalc predict --model {tmp_path / 'cli.npz'}`" in " ".join(cli.output.split())


def test_a_picture_the_cli_writes_keeps_the_terminals_words(tmp_path: Path):
    """The CLI writes a picture through the API's `html()`; the page is for its user, who types options."""
    out = tmp_path / "field.html"
    cli = CliRunner().invoke(
        app, ["draw", "rf", "conv 1 k=3 | conv 1 k=3", "--input", "9", "--out", str(out)]
    )
    assert cli.exit_code == 0, cli.output
    page = out.read_text(encoding="utf-8")
    from_python = cnncalc.draw_rf("conv 1 k=3 | conv 1 k=3", input=9).html()
    hinted = [p for p in (page, from_python) if "lists every level" in p]
    assert len(hinted) in (0, 2)  # the page holds the working's hint or it does not, either way
    if hinted:
        assert "--json lists every level" in page
        assert "to_dict() lists every level" in from_python


def test_a_picture_that_cannot_be_drawn_says_how_each_reader_gets_its_numbers():
    field = cnncalc.draw_rf("input 1x6x6x6 | conv 1 k=3x3x3")
    with pytest.raises(CnnCalcError, match=r"to_dict\(\) lists its levels"):
        field.svg()
    cli = CliRunner().invoke(app, ["draw", "rf", "input 1x6x6x6 | conv 1 k=3x3x3", "--out", "x.svg"])
    assert cli.exit_code == 1
    assert "--json lists its levels" in cli.output


def test_the_hints_speak_to_the_terminal_unless_asked_otherwise():
    assert (option("explain", "N"), json_hint()) == ("--explain N", "--json")
    assert command("net", ("from", "FILE", True)) == "cnncalc net --from FILE"
    with for_python():
        assert option("class", "NAME", text=True) == 'class_name="NAME"'
        assert command("net", ("from", "FILE", True)) == 'cnncalc.net(source="FILE")'
        assert json_hint() == "to_dict()"
        with for_terminal():  # the CLI, writing a file through an API method
            assert option("explain", "N") == "--explain N"
            with for_python():  # the method's own block keeps the outer choice
                assert json_hint() == "--json"
    assert option("steps") == "--steps"


def test_a_narrow_table_says_how_a_notebook_gets_what_it_left_out():
    text = " ".join(cnncalc.net(preset="alexnet").text(width=60).split())
    assert "left out at this width: text(width=62) shows it, as does to_dict()." in text
    assert not FLAG.search(text), FLAG.search(text)
    cli = CliRunner().invoke(app, ["net", "--preset", "alexnet"], env={"COLUMNS": "60"})
    assert cli.exit_code == 0, cli.output
    assert "a terminal at least 62 columns wide shows it, as does --json." in " ".join(cli.output.split())


@pytest.mark.parametrize("preset", cnncalc.list_presets().names)
def test_no_network_s_text_names_a_flag_at_any_width_or_depth(preset):
    for depth in (None, 1):
        result = cnncalc.net(preset=preset, depth=depth)
        for width in (40, 60, 100):
            text = result.text(width=width)
            assert not FLAG.search(text), (width, depth, FLAG.search(text))
    answer = cnncalc.solve_input(preset=preset).text(width=60)
    assert not FLAG.search(answer), FLAG.search(answer)


@pytest.mark.parametrize("name", ["d2l", "multichannel", "stride", "padding", "maxpool", "minpool"])
def test_the_call_a_step_through_shows_does_the_same(name):
    """The "same as" line of an example is a call a notebook can copy, and it runs the example."""
    step = cnncalc.step_conv if name not in ("maxpool", "minpool") else cnncalc.step_pool
    example = step(example=name)
    (line,) = [li for li in example.text(width=300).splitlines() if li.startswith("same as: ")]
    again = eval(line.removeprefix("same as: "), {"cnncalc": cnncalc})  # noqa: S307 - our own text
    named = {k: v for k, v in example.to_dict().items() if k != "example"}
    assert {k: v for k, v in again.to_dict().items() if k != "example"} == named
