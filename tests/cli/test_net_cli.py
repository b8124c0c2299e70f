"""`cnncalc net`, `check` and `solve` through the CLI: exit codes, JSON keys and text."""

import json
import re
from pathlib import Path

import pytest

MODELS = Path(__file__).parent.parent / "fixtures" / "models"
# the notes' two models ship with the package (the tour imports them); test those very files
EXAMPLES = Path(__file__).resolve().parents[2] / "cnncalc" / "data" / "models"
SEED = "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 | flatten | fc 100"
NOTE_001_CLAIM = "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 -> 8x23x23"


def test_net_json_contract(cli_json):
    data = cli_json("net", SEED)
    assert [layer["output_shape"] for layer in data["layers"]] == [
        [8, 92, 92],
        [8, 23, 23],
        [24, 18, 18],
        [24, 4, 4],
        [384],
        [100],
    ]
    assert data["total_params"] == 45_844
    assert data["total_macs"] == 5_663_488
    first = data["layers"][0]
    assert (first["type"], first["params"], first["macs"], first["receptive_field"]) == (
        "conv",
        408,
        8 * 92 * 92 * (2 * 5 * 5),
        [5, 5],
    )


@pytest.mark.parametrize(
    ("preset", "total"), [("keras-mnist", 93_322), ("alexnet", 61_100_840), ("vgg-16", 138_357_544)], ids=str
)
def test_net_preset_totals(cli_json, preset, total):
    assert cli_json("net", "--preset", preset)["total_params"] == total


def test_net_text_table(cli):
    result = cli("net", "--preset", "seed-001")
    assert result.exit_code == 0, result.output
    assert "seed-001: note 001's 2×96×96 network" in result.stdout
    assert "24×4×4" in result.stdout
    assert "Parameters (trainable)      45,844" in result.stdout


def test_folded_rows_keep_a_count_of_their_notes(cli):
    full = cli("net", "--preset", "digits-resnet").stdout
    nested = re.findall(r"^  • layer \d+\.\d+: ", full, flags=re.M)  # notes of rows one level down
    assert nested, full
    folded = cli("net", "--preset", "digits-resnet", "--depth", "1")
    assert folded.exit_code == 0, folded.output
    assert not re.search(r"^  • layer \d+\.\d+: ", folded.stdout, flags=re.M)
    assert f"  • {len(nested)} more notes about rows folded away: --explain ID shows a row's notes\n" in (
        folded.stdout
    )
    assert "layer 8: PyTorch's AdaptiveAvgPool2d(1)" in folded.stdout  # a top-level row's note stays


@pytest.mark.parametrize("columns", [80, 100], ids=["80-columns", "100-columns"])
def test_net_vgg_16_fits_the_terminal(runner, columns):
    from cnncalc.cli.app import app

    result = runner.invoke(app, ["net", "--preset", "vgg-16"], env={"NO_COLOR": "1", "COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= columns and line == line.rstrip() for line in lines)
    assert "Parameters (trainable)     138,357,544" in lines
    assert "\x1b[" not in result.stdout
    assert sum(1 for line in lines if line.endswith(" / 32   16.0 KiB")) == 6  # layers 34 to 39


@pytest.mark.parametrize(
    ("args", "language", "left_out"),
    [
        (["--preset", "resnet-50"], "en", "The RF / jump and memory columns are left out"),
        (["--preset", "densenet-121", "--depth", "2"], "en", "The memory column is left out"),
        (["--preset", "resnet-18", "--depth", "1"], "zh", ""),
        (["--preset", "resnet-34", "--depth", "1"], "zh", "此宽度下省略了“内存”一栏"),
    ],
    ids=["resnet-50", "densenet-121-depth-2", "resnet-18-depth-1-zh", "resnet-34-depth-1-zh"],
)
def test_deep_networks_fit_60_columns(runner, args, language, left_out):
    from cnncalc import i18n
    from cnncalc.cli.app import app
    from cnncalc.render.width import display_width

    env = {"NO_COLOR": "1", "COLUMNS": "60", "CNNCALC_LANG": language}
    try:
        result = runner.invoke(app, ["net", *args], env=env)
    finally:
        i18n.set_language("en")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if display_width(line) > 60] == []
    flat = "".join(result.stdout.split())
    if left_out:
        assert "".join(left_out.split()) in flat
    else:  # the Chinese header written tightly is enough: every column stays
        assert "感受野/跳步" in result.stdout and "内存" in result.stdout.splitlines()[2]
        assert "--json" not in flat


def test_net_input_option_replaces_the_spec_input(cli_json):
    data = cli_json("net", "conv 8 k=3 p=1 | maxpool k=2", "--input", "3x32x32")
    assert data["output_shape"] == [8, 16, 16]


def test_net_from_file_and_stdin(cli_json, tmp_path):
    path = tmp_path / "net.txt"
    path.write_text("input 1x28x28\nconv 4 k=3   # a comment\nflatten\nfc 10\n", encoding="utf-8")
    assert cli_json("net", "--file", str(path))["total_params"] == 4 * 9 + 4 + 4 * 26 * 26 * 10 + 10
    assert cli_json("net", "--file", "-", input="input 1x4x4 | fc 2")["total_params"] == 34


def test_net_explain(cli):
    result = cli("net", "--preset", "seed-001", "--explain", "4")
    assert result.exit_code == 0, result.output
    assert "Layer 4: maxpool k=4   24×18×18 → 24×4×4" in result.stdout
    assert "= ⌊(18 + 2·0 − 4)/4⌋ + 1 = ⌊14/4⌋ + 1" in result.stdout


@pytest.mark.parametrize(("preset", "example"), [("lenet-5", "1"), ("resnet-18", "1")])
@pytest.mark.parametrize("given", ["", "  "])
def test_an_empty_explain_says_it_is_empty(cli, preset, example, given):
    result = cli("net", "--preset", preset, "--explain", given)
    assert result.exit_code == 2
    assert (
        f"--explain is empty: give a row's id from the table's first column, e.g. {example}" in result.stderr
    )


def test_net_explain_says_the_span_of_a_dilated_transposed_kernel(cli):
    result = cli("net", "input 1x9x9 | tconv 4 k=3 d=2", "--explain", "1")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "stamped with the 3-tap kernel, dilated to span 5;" in text
    assert "3-wide" not in text


# an integer of six digits or more written without its thousands separators, not one of a shape's
# sizes (next to ×, as in 24×70×70) nor part of a grouped or decimal number
UNGROUPED = re.compile(r"(?<![\d,.×])\d{6,}(?![\d,.×])")
WIDE = "input 24x70x70 | flatten | fc 10 | fc 200000"
SIGNAL = (
    "input 1x1000000 | conv1d 16 k=80 s=4 | maxpool1d k=2 | tconv1d 8 k=4 s=2 | pad 2 | upsample 2 | flatten"
)


@pytest.mark.parametrize(
    ("spec", "row", "shown"),
    [
        (WIDE, "1", "features = C·H·W\n           = 24·70·70\n           = 117,600"),
        (WIDE, "2", "MACs = C_in · C_out\n       = 117,600 · 10\n       = 1,176,000"),
        (WIDE, "3", "biases = C_out\n         = 200,000\n    one bias"),
        ("input 24x70x70 | fc 10", "1", "flattened implicitly to 117,600 features"),
        (SIGNAL, "1", "= ⌊(1,000,000 + 2·0 − 80)/4⌋ + 1 = ⌊999,920/4⌋ + 1"),
        (SIGNAL, "3", "= 16 · 124,990 · 8 · 4"),
        (SIGNAL, "4", "= 249,982 + 2·2\n"),
        (SIGNAL, "5", "= 249,986·2\n"),
        (SIGNAL, "6", "= 8·499,972\n"),
    ],
    ids=[
        "flatten",
        "fc-macs",
        "fc-biases",
        "implicit-flatten",
        "signal-conv",
        "signal-tconv",
        "pad",
        "upsample",
        "signal-flatten",
    ],
)
def test_explain_groups_the_digits_of_large_numbers(cli, spec, row, shown):
    result = cli("net", spec, "--explain", row)
    assert result.exit_code == 0, result.output
    assert shown in result.stdout
    head, working = result.stdout.split("\n", 1)  # the head's shapes are sizes (1×160000), not counts
    assert UNGROUPED.findall(working) == []


STEP_KEYS = ["label", "formula", "substituted", "value", "why", "notes", "text"]


def test_net_explain_json_adds_the_rows_working_and_keeps_every_other_key(cli_json):
    table = cli_json("net", "--preset", "seed-001")
    data = cli_json("net", "--preset", "seed-001", "--explain", "4")
    assert {key: value for key, value in data.items() if key != "explain"} == table
    explain = data["explain"]
    assert (explain["id"], explain["layer"], explain["input_shape"], explain["output_shape"]) == (
        "4",
        "maxpool k=4",
        [24, 18, 18],
        [24, 4, 4],
    )
    assert [group["group"] for group in explain["groups"]] == ["shape", "receptive_field"]
    shape = explain["groups"][0]
    assert shape["title"] == "Output shape"
    assert [s["label"] for s in shape["steps"]] == ["H_out", "W_out", "C_out"]
    h = shape["steps"][0]
    assert list(h) == STEP_KEYS  # as every --json writes a step (solve's, for one)
    assert list(h) == list(
        cli_json("solve", "stride", "--input", "28", "--kernel", "3", "--output", "1")["steps"][0]
    )
    assert (h["substituted"], h["value"]) == ("⌊(18 + 2·0 − 4)/4⌋ + 1 = ⌊14/4⌋ + 1", 4)
    assert explain["notes"][0].startswith("H: (18 + 2·0 − 4)/4 + 1 = 4.5 is not a whole number")


@pytest.mark.parametrize(
    ("args", "groups", "macs"),
    [
        (
            ["input 1x9x9 | tconv 4 k=3 d=2", "--explain", "1"],
            ["shape", "parameters", "macs", "receptive_field"],
            2916,
        ),
        (
            ["--preset", "resnet-18", "--explain", "6.1"],
            ["parameters", "macs", "receptive_field"],
            179_830_784,
        ),
        (
            ["--preset", "inception-v3", "--explain", "10.1"],
            ["shape", "parameters", "macs", "receptive_field"],
            None,
        ),
        (["input 1x8x8 | conv 2 k=3 | relu", "--explain", "2"], [], None),
    ],
    ids=["tconv", "block", "merge", "activation"],
)
def test_net_explain_json_has_the_groups_the_text_shows(cli, cli_json, args, groups, macs):
    explain = cli_json("net", *args)["explain"]
    assert [group["group"] for group in explain["groups"]] == groups
    text = cli("net", *args).stdout
    for group in explain["groups"]:
        assert f"\n{group['title']}\n" in text
        for step in group["steps"]:
            assert f"  {step['label']} = {step['formula']}" in text
    if macs is not None:
        steps = next(g["steps"] for g in explain["groups"] if g["group"] == "macs")
        assert steps[0]["label"] == "MACs" and steps[0]["value"] == macs


def test_list_presets(cli, cli_json):
    names = [p["name"] for p in cli_json("net", "--list-presets")["presets"]]
    assert names == [
        "seed-001",
        "keras-mnist",
        "torch-mnist",
        "lenet-5",
        "alexnet",
        "vgg-16",
        "digits",
        "digits-resnet",
        "digits-inception",
        "resnet-18",
        "resnet-34",
        "resnet-50",
        "mobilenet-v2",
        "googlenet",
        "densenet-121",
        "squeezenet-1.0",
        "squeezenet-1.1",
        "vgg-16-bn",
        "inception-v3",
    ]
    result = cli("net", "--list-presets")
    assert result.exit_code == 0
    assert "138,357,544" in result.stdout


def test_net_from_pytorch_model_shows_the_spec(cli):
    result = cli("net", "--from", str(EXAMPLES / "note003_torch_cnn.py"))
    assert result.exit_code == 0, result.output
    # the header wraps to the terminal where the file's path happens to end; compare the words
    assert "without running it: PyTorch model CNN" in " ".join(result.stdout.split())
    assert "conv 16 k=5 p=2\nrelu\nmaxpool k=2" in result.stdout
    assert "28,938" in result.stdout
    # the spec, then a blank line, then the table's title
    assert "flatten\nfc 10\n\n" in result.stdout


def test_net_from_json_includes_the_import(cli_json):
    data = cli_json("net", "--from", str(EXAMPLES / "note000_keras_mnist.py"))
    assert data["total_params"] == 93_322
    assert data["imported"]["framework"] == "Keras"
    assert data["imported"]["source_lines"]["1"] == 25


def test_net_from_model_without_input_asks_for_it(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("net", "--from", str(MODELS / "evil_model_never_run.py"))
    assert result.exit_code == 2
    assert "give --input CxHxW" in result.stderr
    assert not (tmp_path / "EXECUTED.txt").exists()
    result = cli("net", "--from", str(MODELS / "evil_model_never_run.py"), "--input", "1x28x28", "--json")
    assert result.exit_code == 0, result.output


def test_net_from_model_with_wrong_input_names_the_line(cli):
    result = cli("net", "--from", str(EXAMPLES / "note003_torch_cnn.py"), "--input", "1x32x32")
    assert result.exit_code == 1
    assert (
        "note003_torch_cnn.py, line 27: nn.Linear(32 * 7 * 7, 10) expects in_features=1568" in result.stderr
    )
    assert "the layer before gives 2048 features" in result.stderr


def test_net_from_unknown_layer_names_the_line(cli):
    result = cli("net", "--from", str(MODELS / "bad_unknown_layer.py"), "--input", "1x28x28")
    assert result.exit_code == 1
    assert "bad_unknown_layer.py, line 5: nn.LSTM(8, 8): LSTM is not a layer cnncalc knows" in result.stderr
    assert "Traceback" not in result.output


def test_shape_below_one_names_the_layer(cli):
    result = cli("net", "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=6 | maxpool k=4")
    assert result.exit_code == 1
    assert (
        "layer 5 (maxpool k=4), input 24×3×3: pool window 4 is larger than the padded input 3"
        in result.stderr
    )


def test_a_second_input_line_is_named_not_called_an_empty_spec(cli):
    result = cli("net", "input 3x8x8 | input 3x8x8")
    assert result.exit_code == 2
    assert "no layers" not in result.stderr
    assert result.stderr.startswith(
        "error: line 1: 'input 3x8x8' is a second input, after 'input 3x8x8' on line 1; a network has one "
        "input: remove one of the two\n"
    )


def test_net_accepts_tconv3d_as_the_transposed_convolution(cli_json):
    data = cli_json("net", "input 2x9x10x11 | tconv3d 3 k=3")
    assert data["layers"][-1]["output_shape"] == [3, 11, 12, 13]
    assert data["layers"][-1]["type"] == "tconv"


def test_a_misspelt_transposed_conv_is_never_offered_a_plain_conv(cli):
    result = cli("net", "input 2x9x10x11 | deconv3d 3 k=3")
    assert result.exit_code == 2
    assert "did you mean 'tconv3d'?" in result.stderr and "'conv3d'" not in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["net"], 2, "give a network"),
        (["net", SEED, "--preset", "seed-001"], 2, "not SPEC and --preset"),
        (["net", "--preset", "vgg16"], 2, "did you mean 'vgg-16'"),
        (["net", "input 1x8x8 | warp 3"], 2, "unknown layer 'warp'"),
        (["net", "--file", "/nonexistent/net.txt"], 2, "cannot read it"),
        (["net", SEED, "--explain", "9"], 2, "layers 1 to 6"),
        (["net", "conv 8 k=3", "--input", "3xx"], 2, "--input"),
        (["check", "conv 8 k=3 -> 8x6x6"], 2, "check needs the input shape"),
    ],
    ids=[
        "no-source",
        "two-sources",
        "bad-preset",
        "bad-layer",
        "missing-file",
        "explain-range",
        "bad-input",
        "check-no-input",
    ],
)
def test_bad_input_exit_codes(cli, args, code, words):
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert words in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["net", "conv 8 k=3 | conv 8 k=4 p=same"],
        ["rf", "conv 8 k=3 | conv 8 k=4 p=same"],
        ["export", "conv 8 k=3 | conv 8 k=4 p=same", "--to", "keras"],
    ],
    ids=["net", "rf", "export"],
)
def test_same_padding_without_an_input_size_asks_for_the_input_option(cli, args):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert (
        "error: layer 2 (conv 8 k=4 p=same): padding 'same' depends on the size of the input map, which "
        "is not known: give --input CxHxW (or start the spec with 'input CxHxW')"
    ) in result.stderr
    assert cli(*args, "--input", "3x9x9").exit_code == 0


def test_check_catches_note_001(cli):
    result = cli("check", NOTE_001_CLAIM)
    assert result.exit_code == 1
    assert "claimed 8×23×23, actually 24×4×4" in result.stdout
    assert "4  maxpool k=4  24×18×18  8×23×23    24×4×4  ✗" in result.stdout.splitlines()
    assert "1 of 1 claim wrong ✗" in result.stdout


def test_check_json_and_passing_claims(cli, cli_json):
    result = cli("check", NOTE_001_CLAIM, "--json")
    assert result.exit_code == 1
    good = cli_json("check", "input 2x96x96 | conv 8 k=5 -> 8x92x92 | maxpool k=4 -> 8x23x23")
    assert good["all_hold"] is True
    assert [c["holds"] for c in good["claims"]] == [True, True]


def test_check_tour_example_passes(cli):
    result = cli(
        "check",
        "input 2x96x96 | conv 8 k=5 -> 8x92x92 | maxpool k=4 -> 8x23x23 | conv 24 k=6 -> 24x18x18 "
        "| maxpool k=4 -> 24x4x4",
    )
    assert result.exit_code == 0, result.output
    assert "All 4 claims hold ✓" in result.stdout


@pytest.mark.parametrize(
    ("args", "key", "value"),
    [
        (["padding", "--input", "28", "--kernel", "5"], "padding", 2),
        (["padding", "--input", "28", "--kernel", "4"], "padding", [1, 2]),
        (["stride", "--input", "32", "--kernel", "4", "--padding", "1", "--output", "16"], "stride", 2),
        (["kernel", "--input", "28", "--output", "24"], "kernel", 5),
    ],
    ids=["padding-same", "padding-uneven", "stride", "kernel"],
)
def test_solve_json(cli_json, args, key, value):
    assert cli_json("solve", *args)[key] == value


def test_solve_stride_says_when_every_larger_stride_works_too(cli, cli_json):
    data = cli_json("solve", "stride", "--input", "28", "--kernel", "3", "--output", "1")
    assert (data["stride"], data["strides"], data["stride_range"]) == (26, [26], [26, 26])
    assert data["stride_unbounded"] is True
    assert (
        "every stride from 26 up gives 1"
        in cli("solve", "stride", "--input", "28", "--kernel", "3", "--output", "1").stdout
    )
    bounded = cli_json(
        "solve", "stride", "--input", "32", "--kernel", "4", "--padding", "1", "--output", "16"
    )
    assert (bounded["stride_range"], bounded["stride_unbounded"]) == ([2, 2], False)


def test_solve_stride_answer_line_names_only_the_stride(cli):
    # stride_unbounded is for programs (--json); the answer line says the stride, the working says
    # that every larger one works too
    for output in ("1", "16"):
        result = cli(
            "solve", "stride", "--input", "32", "--kernel", "3", "--padding", "1", "--output", output
        )
        assert result.exit_code == 0, result.output
        first = result.stdout.splitlines()[0]
        assert first in ("stride: stride = 32", "stride: stride = 2"), first
        assert "unbounded" not in result.stdout


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        (["stride", "--input", "3", "--kernel", "5", "--output", "1"], {"strides": [], "stride_range": None}),
        (
            ["stride", "--input", "10", "--kernel", "3", "--output", "5"],
            {"strides": [], "stride_range": None},
        ),
        (["padding", "--input", "28", "--kernel", "3", "--output", "2"], {"total_padding": None}),
        (["kernel", "--input", "3", "--output", "5"], {"kernels": [], "kernel_range": None}),
    ],
    ids=["stride-kernel-too-big", "stride-no-whole-stride", "padding", "kernel"],
)
def test_solve_json_without_a_solution_has_every_key(cli, args, keys):
    """A program reads the same keys whether or not there is an answer: null or empty when there is none."""
    result = cli("solve", *args, "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["possible"] is False
    assert {k: data.get(k, "missing") for k in keys} == keys
    if args[0] == "stride":
        assert data.get("stride_unbounded", "missing") is False


def test_solve_text_and_impossible(cli):
    result = cli("solve", "padding", "--input", "28", "--kernel", "5")
    assert result.exit_code == 0
    assert "padding = 2" in result.stdout
    result = cli("solve", "padding", "--input", "28", "--kernel", "3", "--output", "2")
    assert result.exit_code == 1
    assert "padding only adds rows" in result.stdout


def test_solve_combos(cli, cli_json):
    data = cli_json("solve", "combos", "--input", "32", "--output", "16")
    assert data["combos"][0] == {"kernel": 3, "stride": 2, "padding": 1, "exact": False}
    assert cli("solve", "padding", "--input", "0", "--kernel", "3").exit_code == 2


NARROW_RF = "input 3x224x224 | conv 64 k=7x5 s=2x1 p=3x2 d=1x2 bias=false | maxpool k=3 s=2 p=1 ceil=true | conv 8 k=3"


@pytest.mark.parametrize(
    "args",
    [
        ["rf", NARROW_RF],
        ["solve", "input", "--preset", "resnet-50", "--output", "7x7"],
        ["net", "--preset", "inception-v3", "--explain", "10"],
        ["net", "--preset", "inception-v3", "--explain", "10.1"],
        ["net", "--preset", "inception-v3", "--explain", "16.1.2.1"],
        ["net", "--preset", "resnet-18", "--explain", "6.1.1.6"],
        ["solve", "stride", "--input", "28", "--kernel", "3", "--output", "1"],
        ["solve", "stride", "--input", "28", "--kernel", "3", "--output", "13"],
        ["net", "input 1x9x9 | tconv 4 k=3 d=2", "--explain", "1"],
        ["shape", "--input", "8", "--kernel", "3", "--padding", "same"],
        ["net", "--preset", "digits-inception", "--explain", "1.1"],
    ],
    ids=[
        "rf-tables",
        "solve-input",
        "explain-block-sum",
        "explain-merge",
        "explain-deep-layer",
        "explain-head",
        "solve-stride-open",
        "solve-stride-one-row",
        "explain-dilated-tconv",
        "shape-same-padding",
        "explain-same-padding",
    ],
)
@pytest.mark.parametrize("columns", [60, 80])
def test_working_fits_a_narrow_terminal(runner, args, columns):
    from cnncalc.cli.app import app
    from cnncalc.render.width import display_width

    env = {"NO_COLOR": "1", "COLUMNS": str(columns), "CNNCALC_LANG": "en"}
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if display_width(line) > columns] == []


def test_a_long_sum_in_the_working_breaks_before_a_plus(runner):
    from cnncalc.cli.app import app

    env = {"NO_COLOR": "1", "COLUMNS": "60", "CNNCALC_LANG": "en"}
    result = runner.invoke(app, ["net", "--preset", "inception-v3", "--explain", "10"], env=env)
    assert (
        "  parameters = the sum over the layers it holds\n"
        "             = 18432 + 128 + 13824 + 96 + 76800 + 128\n"
        "             + 18432 + 128 + 55296 + 192 + 82944 + 192 + …\n"
    ) in result.stdout


@pytest.mark.parametrize(
    ("row", "working"),
    [
        ("5.1", "= 36864 + 128 + 36864 + 128 = 73984"),  # a sum the notes would write ungrouped
        ("8.2", "= 2,359,296 + 1024 + 2,359,296 + 1024 = 4,720,640"),
    ],
)
def test_a_blocks_parameter_sum_writes_its_terms_as_its_total(cli, row, working):
    """The terms and the total of a sum follow one rule (`fmt_value`: grouped from 100,000 up)."""
    result = cli("net", "--preset", "resnet-18", "--explain", row)
    assert result.exit_code == 0, result.output
    assert working in " ".join(result.stdout.split())


def test_a_claim_that_counts_the_batch_is_explained(cli):
    result = cli("check", "input 16x3x32x32 | conv 8 k=3 -> 16x8x30x30")
    assert result.exit_code == 1, result.output
    text = " ".join(result.stdout.split())
    assert (
        "16×8×30×30 counts the batch of 16: the whole batch is 16×8×30×30, but cnncalc's shapes are one "
        "sample's (the batch shows only in the totals); claim 8×30×30"
    ) in text
    assert "the claim has 4 sizes" not in text
    assert cli("check", "input 16x3x32x32 | conv 8 k=3 -> 8x30x30").exit_code == 0


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("input 1x28x28 | conv 8 k=5 -> 24x24", "24×24 is the layer's H×W without its channels"),
        ("input 1x28 | conv1d 8 k=5 -> 24", "24 is the layer's L without its channels"),
        ("input 1x8x28x28 | conv3d 8 k=5 -> 4x24x24", "4×24×24 is the layer's D×H×W without its channels"),
    ],
)
def test_a_claim_without_the_channels_is_explained(cli, spec, words):
    result = cli("check", spec)
    assert result.exit_code == 1, result.output
    text = " ".join(result.stdout.split())
    assert words in text and "cnncalc's shapes start with the channels" in text
    assert "the claim has" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("columns", [60, 72, 80])
def test_the_presets_list_fits_the_terminal_in_either_language(runner, lang, columns):
    """Chinese descriptions break between any two characters, so their column narrows like English's."""
    from cnncalc import i18n
    from cnncalc.cli.app import app
    from cnncalc.render.width import display_width

    try:
        result = runner.invoke(
            app,
            ["net", "--list-presets"],
            env={"NO_COLOR": "1", "COLUMNS": str(columns), "CNNCALC_LANG": lang},
        )
    finally:
        i18n.set_language("en")
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip("\n").split("\n")
    assert max(map(display_width, lines)) <= columns
    assert "138,357,544" in result.stdout  # vgg-16's total, whole on its line


@pytest.mark.parametrize(
    "args",
    [
        ["net", "--preset", "lenet-5"],
        ["draw", "net", "--preset", "lenet-5"],
        ["export", "--preset", "lenet-5", "--to", "pytorch"],
        ["solve", "input", "--preset", "lenet-5"],
    ],
    ids=["net", "draw-net", "export", "solve-input"],
)
def test_an_input_with_fewer_axes_than_the_networks_is_refused_not_read_as_1d(cli, args):
    """28x28 for LeNet (1×32×32) had been read as 28 channels of length 28: a 1-D LeNet, silently."""
    result = cli(*args, "--input", "28x28")
    assert result.exit_code == 2, result.output
    assert "--input 28×28 has 2 sizes but the network's own input 1×32×32 has 3" in result.stderr
    assert "e.g. --input 1x28x28" in result.stderr
    again = cli(*args, "--input", "1x28x28")
    assert again.exit_code == 0, again.output


def test_a_1d_network_refuses_a_2d_input(cli):
    result = cli("net", "input 4x100 | conv 8 k=3", "--input", "3x32x32")
    assert result.exit_code == 2
    assert "--input 3×32×32 has 3 sizes but the network's own input 4×100 has 2" in result.stderr
    assert cli("net", "input 4x100 | conv 8 k=3", "--input", "4x50").exit_code == 0
