"""`cnncalc draw`: JSON, files, the terminal still, and bad input exactly as `shape` reports it."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from tests.draw.cases import ALL, IDS, cli_args
from tests.draw.svg_checks import animated_frames, parse_svg


@pytest.mark.parametrize(("op", "kwargs"), [c[1:] for c in ALL], ids=IDS)
def test_json_lists_one_frame_per_output_position(cli_json, op, kwargs):
    data = cli_json("draw", *cli_args(op, kwargs))
    positions = 1
    for v in data["output"]:
        positions *= v
    assert data["frame_count"] == len(data["frames"]) == positions
    assert [f["index"] for f in data["frames"]] == list(range(positions))
    sizes = [g["size"] for g in data["grid"]]
    for frame in data["frames"]:
        assert all(0 <= c < s for cell in frame["input_cells"] for c, s in zip(cell, sizes, strict=True))


def test_json_frame_picks_one(cli_json):
    data = cli_json("draw", "conv", "-i", "5", "-k", "3", "-s", "2", "-p", "1", "--frame", "4")
    assert data["frame_count"] == 9
    assert data["frames"] == [
        {"index": 4, "output": [1, 1], "input_cells": [[r, c] for r in (2, 3, 4) for c in (2, 3, 4)]}
    ]


def test_terminal_shows_sizes_and_a_still(cli):
    result = cli("draw", "pool", "-i", "4", "-k", "2", "--frame", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("\n")
    assert lines[0] == "max pooling 4×4 → 2×2: kernel 2, stride 2"
    assert "frame 3 (of 0 … 3): output (1, 1) reads 4 cells" in result.stdout
    assert lines[5:9] == ["  o o o o    ■ ■", "  o o o o    ■ @", "  o o # #", "  o o # #"]


@pytest.mark.parametrize("suffix", [".svg", ".html"])
def test_out_writes_a_self_contained_picture(cli, tmp_path, suffix):
    out = tmp_path / f"conv{suffix}"
    result = cli("draw", "conv", "-i", "5", "-k", "3", "-s", "2", "-p", "1", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"wrote {out}: 9 frame(s), ")
    text = out.read_text(encoding="utf-8")
    svg = text if suffix == ".svg" else text[text.index("<svg") : text.index("</svg>") + 6]
    root = parse_svg(svg)
    assert root.get("data-frames") == "9"
    if suffix == ".svg":
        assert animated_frames(root) == 9


def test_still_svg_of_a_layer_too_large_to_animate(cli, tmp_path):
    out = tmp_path / "still.svg"
    result = cli("draw", "conv", "-i", "96", "-k", "5", "--frame", "100", "--out", out)
    assert result.exit_code == 0, result.output
    assert "frame 100 of 8464" in result.stdout
    assert ET.parse(out).getroot().get("data-still") == "100"


def _error(result) -> str:
    return result.stderr.split("\n")[0]


@pytest.mark.parametrize(
    "args",
    [
        ["--input", "abc", "--kernel", "3"],
        ["--input", "3", "--kernel", "5"],
        ["--input", "8", "--kernel", "3", "--stride", "0"],
        ["--input", "8", "--kernel", "3.5"],
        ["--input", "8", "--kernel", "3", "--padding", "middle"],
        ["--input", "8", "--kernel", "3", "--dilation", "0"],
        ["--input", "8x8", "--kernel", "3x3x3"],
    ],
    ids=[
        "input-text",
        "kernel-too-large",
        "stride-0",
        "kernel-float",
        "padding-word",
        "dilation-0",
        "kernel-axes",
    ],
)
def test_bad_input_gives_the_same_error_as_shape(cli, args):
    shape = cli("shape", *args)
    drawn = cli("draw", "conv", *args)
    assert shape.exit_code in (1, 2) and drawn.exit_code == shape.exit_code
    assert _error(drawn) == _error(shape) and _error(drawn).startswith("error: ")
    assert "Traceback" not in drawn.output and drawn.stdout == ""


def test_tconv_and_pool_errors_match_shape_too(cli):
    pairs = [
        (
            ["--op", "tconv", "-i", "4", "-k", "3", "-s", "2", "--output-padding", "2"],
            ["tconv", "-i", "4", "-k", "3", "-s", "2", "--output-padding", "2"],
        ),
        (
            ["--op", "tconv", "-i", "4", "-k", "3", "-p", "same"],
            ["tconv", "-i", "4", "-k", "3", "-p", "same"],
        ),
        (["--op", "maxpool", "-i", "4", "-k", "2", "-p", "2"], ["pool", "-i", "4", "-k", "2", "-p", "2"]),
        (
            ["--op", "avgpool", "-i", "8", "-k", "2", "-d", "2"],
            ["pool", "--op", "avg", "-i", "8", "-k", "2", "-d", "2"],
        ),
    ]
    for shape_args, draw_args in pairs:
        shape, drawn = cli("shape", *shape_args), cli("draw", *draw_args)
        assert (drawn.exit_code, _error(drawn)) == (shape.exit_code, _error(shape)), draw_args


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (
            ["conv", "-i", "100", "-k", "3", "--out", "x.svg"],
            1,
            "more than the 1,024 frames a picture shows; draw one of them with --frame N",
        ),
        (["conv", "-i", "100", "-k", "3", "--json"], 1, "--frame N (0 … 9,603)"),
        (["conv", "-i", "4", "-k", "3", "--frame", "4"], 2, "--frame 4 is not a frame of this layer"),
        (["conv", "-i", "4", "-k", "3", "--frame", "-1"], 2, "--frame -1 must be at least 0"),
        (["conv", "-i", "4", "-k", "3", "--out", "x.png"], 2, "write a picture ending in .svg, .html, .gif"),
        (["conv", "-i", "4x4x4", "-k", "2", "--out", "x.svg"], 1, "3-D layer cannot be drawn"),
        (
            ["conv", "-i", "300", "-k", "3", "--frame", "0", "--out", "x.svg"],
            1,
            "more than 128 a side; use a smaller --input",
        ),
        (["conv", "-i", "4", "-k", "3", "--json", "--out", "x.svg"], 2, "give --json or --out, not both"),
        (["pool", "-i", "4", "-k", "2", "--op", "min"], 2, "--op 'min' is not max or avg"),
        (["rf", "conv 1 k=3"], 2, "give --input HxW"),
        (
            ["rf", "input 1x8x8 | conv 1 k=3", "--unit", "9,9"],
            2,
            "--unit 9,9 is outside layer 1's output 6×6",
        ),
        (
            ["rf", "conv 8 k=3 | conv 8 k=3", "--input", "9", "--unit", "-1,0"],
            2,
            "--unit '-1,0' is not a unit's position: write its index on each axis from 0, e.g. --unit 2,2",
        ),
        (["rf", "input 1x8x8 | conv 1 k=3", "--unit", "1.5,2"], 2, "--unit '1.5,2' is not a unit's position"),
        (
            ["rf", "input 1x8x8 | conv 1 k=3", "--unit", "1"],
            2,
            "--unit 1 has 1 index but layer 1's output 6×6 has 2 axes",
        ),
        (["rf", "input 1x8x8 | conv 1 k=3", "--out", "x.gif"], 2, "ending in .svg, .html"),
        (
            ["rf", "input 1x6x6x6 | conv 1 k=3x3x3", "--out", "x.svg"],
            1,
            "3-D input cannot be drawn on a page",
        ),
        (["net", "conv 8 k=3"], 2, "give --input CxHxW"),
        (["net", "input 1x8x8 | conv 8 k=9"], 1, "kernel 9 is larger than the padded input 8"),
    ],
    ids=lambda v: v if isinstance(v, int) else None,
)
def test_refusals_exit_cleanly_naming_the_flag(cli, tmp_path, monkeypatch, args, code, needle):
    monkeypatch.chdir(tmp_path)
    result = cli("draw", *args)
    assert result.exit_code == code, result.output
    message = json.loads(result.stderr)["error"] if "--json" in args else result.stderr
    assert needle in message and "Traceback" not in result.output
    assert not any(tmp_path.iterdir()), "a refused picture must not leave a file"


def test_gif_without_pillow_names_the_extra(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # import PIL now raises ImportError
    result = cli("draw", "conv", "-i", "4", "-k", "3", "--out", tmp_path / "a.gif")
    assert result.exit_code == 1
    assert 'pip install "cnncalc[gif]"' in result.stderr
    assert not (tmp_path / "a.gif").exists()


def test_unwritable_out_is_a_clean_error(cli, tmp_path):
    result = cli("draw", "conv", "-i", "4", "-k", "3", "--out", tmp_path / "missing" / "a.svg")
    assert result.exit_code == 2  # checked before drawing: a path whose folder is missing is a bad value
    assert f"--out {tmp_path}/missing/a.svg: the folder {tmp_path}/missing does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_draw_rf_agrees_with_cnncalc_rf(cli_json):
    spec = "conv 8 k=7 s=2 p=3 | maxpool k=3 s=2 p=1 | conv 8 k=3 p=1 | conv 8 k=3 d=2"
    rf = cli_json("rf", spec)
    drawn = cli_json("draw", "rf", spec, "--input", "64")
    assert drawn["receptive_field"] == rf["receptive_field"]
    assert [lv["span"] for lv in drawn["levels"]] == [r["rf"] for r in rf["rows"]]
    assert drawn["input"] == [64, 64] and drawn["unit"] == [5, 5]  # the centre of the 12×12 output


def test_draw_rf_of_a_preset_stops_before_flatten(cli):
    result = cli("draw", "rf", "--preset", "lenet-5")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("unit (2, 2) of layer 6 (avgpool k=2) sees 16×16 input pixels")
    assert "Layer 7 (flatten) sees the whole map" in result.stdout


def test_draw_rf_and_net_write_pictures(cli, tmp_path):
    rf_out, net_out = tmp_path / "rf.html", tmp_path / "net.svg"
    assert cli("draw", "rf", "--preset", "seed-001", "--out", rf_out).exit_code == 0
    assert "Content-Security-Policy" in rf_out.read_text(encoding="utf-8")
    result = cli("draw", "net", "--preset", "alexnet", "--out", net_out)
    assert result.exit_code == 0, result.output
    parse_svg(net_out.read_text(encoding="utf-8"))


def test_draw_net_json_is_a_graph(cli_json):
    data = cli_json("draw", "net", "input 3x32x32 | conv 16 k=3 p=1 | relu | maxpool k=2 | flatten | fc 10")
    assert [b["label"] for b in data["boxes"]] == [
        "input",
        "conv 16 k=3 p=1 + relu",
        "maxpool k=2",
        "flatten",
        "fc 10",
    ]
    assert [b["inputs"] for b in data["boxes"]] == [[], [0], [1], [2], [3]]
    assert data["total_params"] == 448 + 40970


PROBE = """
import sys, runpy, io, contextlib
sys.argv = ["cnncalc", *{args!r}]
out = io.StringIO()
try:
    with contextlib.redirect_stdout(out):
        runpy.run_module("cnncalc", run_name="__main__")
except SystemExit as e:
    assert e.code in (0, None), e.code
assert out.getvalue(), "the command printed nothing"
print(sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "rich", "torch", "PIL")))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["draw", "conv", "-i", "5", "-k", "3", "--json"],
        ["draw", "tconv", "-i", "3", "-k", "3", "-s", "2"],
        ["draw", "rf", "input 1x9x9 | conv 1 k=3 | conv 1 k=3", "--json"],
        ["draw", "net", "--preset", "vgg-16"],
    ],
    ids=["conv-json", "tconv-text", "rf-json", "net-text"],
)
def test_draw_does_not_import_numpy_rich_or_pillow(args):
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


def test_a_link_to_standard_output_is_written_through(tmp_path):
    link = tmp_path / "picture.svg"
    link.symlink_to("/dev/stdout")
    result = subprocess.run(
        [sys.executable, "-m", "cnncalc", "draw", "conv", "-i", "3", "-k", "2", "--out", str(link)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    svg = result.stdout[: result.stdout.index("</svg>") + 7]
    assert parse_svg(svg).get("data-frames") == "4"
    assert result.stdout[len(svg) :].startswith(f"wrote {link}: 4 frame(s)")


def test_tour_part_runs(cli):
    result = cli("tour", "--only", "draw")
    assert result.exit_code == 0, result.output
    assert "$ cnncalc draw conv" in result.stdout and "sees 7×7 input pixels" in result.stdout


def test_three_d_geometry_is_still_available_as_json_and_text(cli, cli_json):
    data = cli_json("draw", "conv", "-i", "4x4x4", "-k", "2")
    assert data["frame_count"] == 27 and data["frames"][26]["input_cells"][-1] == [3, 3, 3]
    result = cli("draw", "rf", "input 1x6x6x6 | conv 1 k=3x3x3")
    assert result.exit_code == 0 and "sees 3×3×3 input pixels" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["draw", "net", "--preset", "lenet-5"],
        ["draw", "conv", "-i", "5", "-k", "3", "-s", "2", "-p", "1"],
        ["draw", "tconv", "-i", "3", "-k", "3", "-s", "2"],
        ["draw", "pool", "-i", "9", "-k", "3", "-s", "2", "-p", "1", "--ceil"],
    ],
)
def test_a_picture_as_text_fits_an_80_column_terminal(runner, args):
    from cnncalc.cli.app import app
    from cnncalc.render.width import display_width

    result = runner.invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "80", "CNNCALC_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert max(display_width(line) for line in result.stdout.splitlines()) <= 80, result.stdout
    assert "--json" in result.stdout  # the hint is there, wrapped


def test_a_long_working_line_goes_on_under_its_first_equals_sign(runner):
    from cnncalc.cli.app import app

    args = ["draw", "tconv", "-i", "3", "-k", "3", "-s", "2"]
    result = runner.invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "80", "CNNCALC_LANG": "en"})
    lines = result.stdout.splitlines()
    at = lines.index("H_out = (H_in − 1)·s − 2p + d(k − 1) + output_padding + 1")
    assert lines[at + 1 : at + 3] == ["      = (3 − 1)·2 − 2·0 + 1·(3 − 1) + 0 + 1", "      = 7"]
