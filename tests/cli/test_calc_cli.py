"""`cnncalc shape`, `params`, `rf` through typer's CliRunner: exit codes, text and JSON."""

import pytest

# -- shape ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["--input", "96", "--kernel", "5"], [92, 92]),
        (["-i", "28x20", "-k", "3", "-s", "2", "-p", "1"], [14, 10]),
        (["-i", "28", "-k", "4", "-p", "same"], [28, 28]),
        (["--dims", "1", "-i", "100", "-k", "5", "-s", "5"], [20]),
        (["-i", "8x28x20", "-k", "3"], [6, 26, 18]),
        (["--op", "maxpool", "-i", "92", "-k", "4"], [23, 23]),
        (["--op", "maxpool", "-i", "5", "-k", "2", "--ceil"], [3, 3]),
        (["--op", "avgpool", "-i", "7", "-k", "3", "-s", "2", "-p", "1"], [4, 4]),
        (["--op", "tconv", "-i", "4", "-k", "4", "-s", "2", "-p", "1"], [8, 8]),
        (["--op", "tconv", "-i", "4", "-k", "3", "-s", "2", "--output-padding", "1"], [10, 10]),
        (["-i", "32", "-k", "3", "-p", "full"], [34, 34]),
        (["-i", "32", "-k", "3", "-d", "2", "-p", "valid"], [28, 28]),
    ],
    ids=[
        "notes-96",
        "hxw-stride-pad",
        "same",
        "1d",
        "3d",
        "maxpool",
        "ceil",
        "avgpool",
        "tconv",
        "tconv-op",
        "full",
        "dilation",
    ],
)
def test_shape_json_output(cli_json, args, output):
    data = cli_json("shape", *args)
    assert data["output"] == output
    assert data["op"] in ("conv", "maxpool", "avgpool", "tconv")
    assert len(data["input"]) == len(output)
    assert data["steps"], "the working must be in the JSON"


def test_shape_text_shows_formula_numbers_and_result(cli):
    result = cli("shape", "--input", "96", "--kernel", "5")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "96×96 → 92×92" in out
    assert "⌊(H_in + 2p − k)/s⌋ + 1" in out
    assert "⌊(96 + 2·0 − 5)/1⌋ + 1 = ⌊91/1⌋ + 1" in out
    assert "= 92" in out


def test_shape_explains_a_stride_that_does_not_divide(cli):
    out = cli("shape", "-i", "10", "-k", "3", "-s", "2").stdout
    assert "4.5 is not a whole number" in out
    assert "never covered" in out
    assert "padding 0 before and 1 after (output 5;" in out


def test_shape_same_padding_odd_total_says_where_the_extra_row_goes(cli):
    out = cli("shape", "-i", "28", "-k", "4", "-p", "same").stdout
    assert "1 top, 2 bottom" in out
    assert "28×28 → 28×28" in out


def test_shape_with_channels_counts_parameters(cli_json, cli):
    data = cli_json("shape", "-i", "32", "-k", "3", "-p", "1", "--cin", "3", "--cout", "64")
    assert data["output_shape"] == [64, 32, 32]
    assert (data["weights"], data["biases"], data["params"]) == (3 * 3 * 3 * 64, 64, 3 * 3 * 3 * 64 + 64)
    assert data["macs"] == 64 * 32 * 32 * 27 and data["flops"] == 2 * data["macs"]
    text = cli("shape", "-i", "32", "-k", "3", "-p", "1", "--cin", "3", "--cout", "64").stdout
    assert "3×32×32 → 64×32×32" in text


def test_shape_huge_sizes_are_exact(cli_json):
    n = 10**30
    data = cli_json("shape", "-i", str(n), "-k", "3", "--dims", "1")
    assert data["output"] == [n - 2]


# -- bad input: usage errors exit 2, domain errors exit 1, never a traceback ------------------

BAD = [
    (["shape", "--input", "abc", "--kernel", "3"], 2, "'abc'"),
    (["shape", "--input", "96", "--kernel", "5", "--stride", "0"], 2, "--stride 0"),
    (["shape", "--input", "96", "--kernel", "5", "--padding", "bogus"], 2, "'bogus'"),
    (["shape", "--input", "96", "--kernel", "3.5"], 2, "'3.5'"),
    (["shape", "--input", "96x96x96x96", "--kernel", "3"], 2, "4 axes"),
    (["shape", "--input", "28x20", "--kernel", "3x3x3"], 2, "3x3x3"),
    (["shape", "--op", "pool", "--input", "9", "--kernel", "3"], 2, "'pool'"),
    (["shape", "--input", "3", "--kernel", "5"], 1, "kernel 5 is larger than the padded input 3"),
    (["shape", "--input", "96", "--kernel", "3", "--dilation", "0"], 2, "--dilation 0"),
    (["shape", "--input", "5", "--kernel", "3", "--dilation", "3"], 1, "dilated to 7"),
    (
        ["shape", "--op", "tconv", "-i", "4", "-k", "3", "-s", "2", "--output-padding", "2"],
        1,
        "output_padding 2",
    ),
    (["shape", "--op", "tconv", "-i", "1", "-k", "1", "-p", "1"], 1, "padding 1"),
    (["shape", "--op", "maxpool", "-i", "10", "-k", "2", "-p", "2"], 1, "pool padding 2"),
    (["shape", "--op", "maxpool", "-i", "3", "-k", "5"], 1, "pool window 5"),
    (["params", "--cin", "6", "--cout", "8", "--groups", "4"], 1, "groups 4 does not divide cin 6"),
    (["params", "--cin", "0", "--cout", "8"], 2, "--cin 0"),
    (["params", "--cin", "-3", "--cout", "8"], 2, "--cin -3"),
    (["params", "--cin", "8", "--cout", "8", "-g", "0"], 2, "--groups 0"),
    (["shape", "-i", "8", "-k", "3", "--cin", "4", "--cout", "0"], 2, "--cout 0"),
    (["params", "--cin", "x", "--cout", "8"], 2, "'x'"),
    (["rf", "conv 1 k=3 | warp 9"], 2, "layer 2"),
    (["rf", "conv 1 k=3 | conv k=3"], 2, "out channels"),
    (["rf", "conv 1 k=3 | conv 1 k=3 s=abc"], 2, "'abc'"),
    (["rf", "conv 1 k=3 | conv 1 k=3 q=1"], 2, "unknown option 'q'"),
    (["rf"], 2, "network spec"),
    (["shape", "--input", "9" * 5000, "--kernel", "3"], 2, "5,000 digits"),
    (["step", "conv", "--input", "1 2; 3 4", "--kernel", "1", "--threshold", "nan"], 2, "--threshold nan"),
    (["step", "conv", "--input", "1e308 1; 2 3", "--kernel", "1"], 2, "too large for a step-through"),
    (["step", "conv", "--input", "1 2; 3 4", "--kernel", "1", "--bias", "1e999"], 2, "'1e999'"),
    (["step", "pool", "--input", "9" * 5000 + " 1; 2 3", "--kernel", "1"], 2, "too large"),
    (["solve", "stride", "--input", "9" * 5000, "--kernel", "3", "--output", "2"], 2, "--input"),
    (["rf", "--file", "/nonexistent/net.txt"], 2, "/nonexistent/net.txt"),
]


@pytest.mark.parametrize(("args", "code", "needle"), BAD, ids=[" ".join(a)[:60] for a, _, _ in BAD])
def test_bad_input_exit_code_and_message(cli, args, code, needle):
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert needle in result.stderr
    assert "error: " in result.stderr.lower()
    assert "Traceback" not in result.output
    assert result.stdout == "" or "Usage" in result.stdout


def test_traceback_flag_reveals_the_exception(cli):
    from cnncalc.arith.errors import CnnCalcError

    result = cli("--traceback", "shape", "--input", "3", "--kernel", "5")
    assert result.exit_code == 1
    assert isinstance(result.exception, CnnCalcError)


# -- params -----------------------------------------------------------------------------------


def test_params_notes_example_counts_weights_and_biases(cli_json, cli):
    data = cli_json("params", "--cin", "3", "--cout", "192", "--k", "3")
    assert (data["weights"], data["biases"], data["total"]) == (5184, 192, 5376)
    text = cli("params", "--cin", "3", "--cout", "192", "--k", "3").stdout
    assert "3·3 · 3 · 192" in text and "5184" in text and "5,376" in text
    assert "count weights only" in text


@pytest.mark.parametrize(
    ("args", "total"),
    [
        (["--fc", "--cin", "576", "--cout", "64"], 576 * 64 + 64),
        (["--cin", "32", "--cout", "32", "--k", "3", "--groups", "32", "--no-bias"], 288),
        (["--cin", "16", "--cout", "8", "--k", "4", "--transposed"], 16 * 8 * 16 + 8),
        (["--cin", "4", "--cout", "8", "--k", "3x5", "--groups", "2"], 8 * 2 * 15 + 8),
    ],
    ids=["fc", "depthwise", "transposed", "rect-groups"],
)
def test_params_totals(cli_json, args, total):
    assert cli_json("params", *args)["total"] == total


def test_params_with_input_adds_macs_flops_and_fc_comparison(cli_json, cli):
    data = cli_json("params", "--cin", "3", "--cout", "8", "-k", "3", "--input", "10x10")
    assert data["output"] == [8, 8]
    assert data["macs"] == 8 * 8 * 8 * 27
    assert data["flops"] == 2 * data["macs"]
    assert data["fc_equivalent"] == (3 * 100) * (8 * 64) + 8 * 64
    text = cli("params", "--cin", "3", "--cout", "8", "-k", "3", "--input", "10x10").stdout
    assert "FLOPs = 2 · MACs" in text and "Weight sharing" in text


def test_params_dense_comparison_past_the_size_bound_is_counted_not_blamed_on_cin(cli, cli_json):
    # C_in·H_in·W_in = 10^36 inputs for the dense equivalent: a product, not a size anyone gave
    big = 10**12
    args = ("params", "--cin", str(big), "--cout", "10", "-k", "3", "-i", f"{big}x{big}")
    result = cli(*args)
    assert result.exit_code == 0, result.output
    data = cli_json(*args)
    out = big - 2
    assert data["total"] == 9 * big * 10 + 10
    assert data["macs"] == 10 * out * out * 9 * big
    assert data["fc_equivalent"] == (big**3) * (10 * out * out) + 10 * out * out
    # the ratio is exact, not a float's 17 digits padded out
    ratio = (2 * data["fc_equivalent"] + data["total"]) // (2 * data["total"])
    assert f"needs {ratio:,}× as many parameters" in " ".join(result.stdout.split())


def test_shape_input_written_as_a_power_names_it_and_writes_it_out(cli):
    result = cli("shape", "-i", "10**12", "-k", "3")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "error: --input '10**12' is written as a power; write the number itself, e.g. --input 1000000000000\n"
    )


@pytest.mark.parametrize(
    ("args", "formula", "substituted", "total"),
    [
        (
            ["--op", "tconv", "-i", "4", "-k", "4", "-s", "2", "-p", "1", "--cin", "3", "--cout", "8"],
            "MACs = C_in · H_in · W_in · C_out · k_h · k_w",
            "= 3 · 4·4 · 8 · 4·4",
            6144,
        ),
        (
            ["--op", "tconv", "-i", "4", "-k", "4", "--cin", "4", "--cout", "8", "-g", "2"],
            "MACs = C_in · H_in · W_in · (C_out/g) · k_h · k_w",
            "= 4 · 4·4 · (8/2) · 4·4",
            4 * 16 * 4 * 16,
        ),
        (
            ["-i", "4", "-k", "3", "--cin", "3", "--cout", "8"],
            "MACs = C_out · H_out · W_out · C_in · k_h · k_w",
            "= 8 · 2·2 · 3 · 3·3",
            864,
        ),
        (
            ["-i", "4", "-k", "3", "--cin", "4", "--cout", "8", "-g", "2"],
            "MACs = C_out · H_out · W_out · (C_in/g) · k_h · k_w",
            "= 8 · 2·2 · (4/2) · 3·3",
            576,
        ),
    ],
    ids=["tconv", "tconv-groups", "conv", "conv-groups"],
)
def test_macs_substitute_each_factor_the_formula_names(cli, cli_json, args, formula, substituted, total):
    lines = [line.strip() for line in cli("shape", *args).stdout.splitlines()]
    at = lines.index(formula)
    assert lines[at + 1] == substituted
    assert cli_json("shape", *args)["macs"] == total


def test_params_fc_rejects_input(cli):
    result = cli("params", "--fc", "--cin", "5", "--cout", "3", "--input", "4x4")
    assert result.exit_code == 2 and "--input describes a conv layer" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fc", "-k", "7"], "--kernel does not apply to a fully connected layer (--fc)"),
        (["--fc", "-k", "1"], "--kernel does not apply to a fully connected layer (--fc)"),
        (["--fc", "-g", "5"], "--groups 5 does not apply to a fully connected layer (--fc)"),
        (["--fc", "-s", "2"], "--stride does not apply to a fully connected layer (--fc)"),
        (["--fc", "-p", "same"], "--padding does not apply to a fully connected layer (--fc)"),
        (["--fc", "-d", "2"], "--dilation does not apply to a fully connected layer (--fc)"),
        (["--fc", "--transposed"], "--transposed and --fc describe different layers"),
        (["-k", "3", "-s", "2"], "--stride does not change a conv layer's parameters"),
        (["-k", "3", "-p", "1"], "--padding does not change a conv layer's parameters"),
        (["-k", "3", "-d", "2"], "--dilation does not change a conv layer's parameters"),
    ],
    ids=[
        "fc-kernel",
        "fc-kernel-1",
        "fc-groups",
        "fc-stride",
        "fc-padding",
        "fc-dilation",
        "fc-transposed",
        "conv-stride-no-input",
        "conv-padding-no-input",
        "conv-dilation-no-input",
    ],
)
def test_params_refuses_options_that_do_not_apply(cli, args, message):
    result = cli("params", "--cin", "10", "--cout", "5", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "total"),
    [
        (["--fc", "-g", "1", "-s", "1", "-p", "0", "-d", "1"], 55),  # values that change nothing
        (["-k", "3", "-s", "1", "-p", "valid", "-d", "1"], 9 * 50 + 5),
        (["-k", "3", "-s", "2", "-p", "1", "-d", "2", "--input", "9x9"], 9 * 50 + 5),  # they set the output
    ],
    ids=["fc-neutral", "conv-neutral", "conv-with-input"],
)
def test_params_accepts_options_that_change_nothing_or_apply(cli_json, args, total):
    assert cli_json("params", "--cin", "10", "--cout", "5", *args)["total"] == total


# -- rf ---------------------------------------------------------------------------------------


def test_rf_two_3x3_convs_see_5(cli_json, cli):
    data = cli_json("rf", "conv 1 k=3 | conv 1 k=3")
    assert data["receptive_field"] == [5, 5]
    assert [r["rf"] for r in data["rows"]] == [[3, 3], [5, 5]]
    text = cli("rf", "conv 1 k=3 | conv 1 k=3").stdout
    assert "Receptive field: 5" in text
    assert "(3 − 1)·1 + 1·(3 − 1) + 1" in text


def test_rf_with_dilation_stride_and_forward_view(cli_json):
    data = cli_json("rf", "conv 8 k=3 d=2 | conv 8 k=3 s=2 | maxpool k=2")
    # back-recursion by hand: 1 → (1−1)·2+2 = 2 → (2−1)·2+3 = 5 → (5−1)·1+2·2+1 = 9
    assert data["receptive_field"] == [9, 9]
    assert data["layers"][-1]["jump"] == [4, 4]


def test_rf_from_file(cli_json, tmp_path):
    f = tmp_path / "net.txt"
    f.write_text("# a comment\ninput 1x32x32\nconv 4 k=5   # first\nmaxpool k=2\n", encoding="utf-8")
    data = cli_json("rf", "--file", str(f))
    assert data["receptive_field"] == [6, 6]


# -- the app ----------------------------------------------------------------------------------


def test_no_arguments_prints_a_welcome_with_examples(cli):
    result = cli()
    assert result.exit_code == 0
    assert "cnncalc shape --input 96 --kernel 5" in result.stdout


def _all_command_paths() -> list[list[str]]:
    import typer

    from cnncalc.cli.app import app

    paths: list[list[str]] = []

    def visit(cmd, path):
        paths.append(path)
        if hasattr(cmd, "list_commands"):
            ctx = cmd.make_context("cnncalc", [], resilient_parsing=True)
            for name in cmd.list_commands(ctx):
                visit(cmd.get_command(ctx, name), [*path, name])

    visit(typer.main.get_command(app), [])
    return paths


COMMAND_PATHS = _all_command_paths()


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=[" ".join(p) or "cnncalc" for p in COMMAND_PATHS])
def test_every_command_help_has_examples(cli, path):
    result = cli(*path, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "cnncalc " + " ".join(path) in result.stdout.split("Examples:", 1)[1]


def test_all_command_groups_are_present():
    names = {p[0] for p in COMMAND_PATHS if p}
    assert {
        "shape",
        "params",
        "rf",
        "net",
        "check",
        "solve",
        "step",
        "lesson",
        "quiz",
        "train",
        "tour",
    } <= names


def test_tour_runs_the_calculator_stops(cli):
    result = cli("tour", "--only", "shape")
    assert result.exit_code == 0, result.output
    assert "$ cnncalc shape --input 96 --kernel 5" in result.stdout
    assert "96×96 → 92×92" in result.stdout


BIG = str(10**12 + 1)
HUGE = "1" + "0" * 200  # 10^200


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["params", "--cin", BIG, "--cout", BIG, "-g", "2"], 1, f"any divisor of gcd = {BIG}"),
        (
            ["shape", "-i", "8", "-k", "3", "--cin", BIG, "--cout", BIG, "-g", "2"],
            1,
            "groups 2 does not divide",
        ),
        (["net", f"input {BIG}x8x8 | conv {BIG} k=3 g=2"], 1, "groups 2 does not divide"),
        (["shape", "-i", "9" * 4000, "-k", "3", "--cin", "3", "--cout", "3"], 2, "--input has 4,000 digits"),
        (["params", "--cin", "3", "--cout", "3", "-i", f"{HUGE}x{HUGE}"], 2, "is more than 10^30"),
        (["net", f"input 1x{'1' + '0' * 300}x8 | conv 1 k=3"], 2, "is more than 10^30"),
        (["rf", "gap"], 2, "layer 1 (gap) sees the whole input map, whose size is not known: give --input"),
    ],
    ids=["params-hint", "shape-hint", "net-hint", "4000-digits", "params-10^200", "net-10^300", "rf-gap"],
)
def test_huge_values_finish_at_once_with_a_message_and_no_internals(cli, args, code, needle):
    from tests.bounded_run import within

    with within(5):
        result = cli(*args)
    assert result.exit_code == code, result.output
    assert needle in result.stderr
    for internal in (
        "Exceeds the limit",
        "set_int_max_str_digits",
        "OverflowError",
        "internal error",
        "Traceback",
    ):
        assert internal not in result.output


def test_a_spec_file_starting_with_a_byte_order_mark_reads(cli, tmp_path):
    spec = tmp_path / "net.txt"
    spec.write_bytes("input 1x8x8\nconv 2 k=3\n".encode("utf-8-sig"))
    result = cli("net", "--file", spec, "--json")
    assert result.exit_code == 0, result.output


# -- narrow terminals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["shape", "-i", "8", "-k", "3"],
        ["shape", "-i", "8", "-k", "3", "-p", "same"],
        ["shape", "--op", "tconv", "-i", "9x9x9", "-k", "3", "-s", "2", "--output-padding", "1"],
        ["params", "--cin", "32", "--cout", "32", "-k", "3", "--groups", "32", "--input", "56x56"],
    ],
    ids=["shape", "shape-same", "shape-tconv-3d", "params-with-input"],
)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_shape_and_params_fit_60_columns(runner, args, language):
    from cnncalc import i18n
    from cnncalc.cli.app import app
    from cnncalc.render.width import display_width

    env = {"NO_COLOR": "1", "COLUMNS": "60", "CNNCALC_LANG": language}
    try:
        result = runner.invoke(app, args, env=env)
    finally:
        i18n.set_language("en")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if display_width(line) > 60] == []


def test_shape_table_keeps_its_borders_where_they_fit_and_drops_them_where_not(runner):
    from cnncalc.cli.app import app

    def table(columns: int) -> list[str]:
        env = {"NO_COLOR": "1", "COLUMNS": str(columns), "CNNCALC_LANG": "en"}
        result = runner.invoke(app, ["shape", "-i", "10", "-k", "3", "-s", "2"], env=env)
        assert result.exit_code == 0, result.output
        return result.stdout.split("\n\n")[1].splitlines()

    assert table(80)[1] == "│ axis │ input │ kernel │ stride │ padding │ dilation │ output │"
    assert table(60) == [
        "axis  input  kernel  stride  padding  dilation  output",
        "──────────────────────────────────────────────────────",
        "H        10       3       2        0         1       4",
        "W        10       3       2        0         1       4",
    ]
