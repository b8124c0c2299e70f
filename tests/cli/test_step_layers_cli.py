"""`cnncalc step softmax | activation | gradient | linear | batchnorm | dropout` end to end."""

from __future__ import annotations

import pytest

from cnncalc.cli.step_layers import TOUR


def test_softmax_as_the_issue_writes_it(cli, cli_json) -> None:
    r = cli("step", "softmax", "--logits", "2 1 0.1", "--label", "0")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.startswith("Softmax of 3 logits, and the cross-entropy loss for the true class 0\n")
    for line in (
        "  e^z_0 = e^2 = 7.38906",
        "  p_0 = e^z_0 / Σ e^z = 7.38906 / 11.2125 = 0.659001",
        "  L = −ln p_0 = −ln 0.659001 = 0.41703",
        "  ∂L/∂z_0 = p_0 − y_0 = 0.659001 − 1 = -0.340999",
    ):
        assert line in out.split("\n"), line
    d = cli_json("step", "softmax", "--logits", "2 1 0.1", "--label", "0")
    assert d["label"] == 0 and d["predicted"] == 0
    assert sum(d["probabilities"]) == pytest.approx(1)
    assert d["loss"] == pytest.approx(0.41703, abs=1e-5)
    assert [s["type"] for s in d["sections"]][:2] == ["worked", "worked"]


def test_softmax_loss_when_the_true_class_probability_underflows(cli) -> None:
    r = cli("step", "softmax", "--logits", "1000 0 -5", "--label", "2")
    assert r.exit_code == 0, r.output
    assert "−ln 0" not in r.stdout.replace("(−ln 0 is infinite)", "")
    assert "  L = −(z_2 − max z) + ln Σ e^(z_j − max z) = −(-5 − 1000) + ln 1 = 1005\n" in r.stdout
    assert "p_2 ≈ e^(-1005) is too small to write in float64" in r.stdout


def test_softmax_logits_may_be_negative(cli_json) -> None:
    d = cli_json("step", "softmax", "--logits", "-1 -2", "--label", "1")
    assert d["gradient"][1] < 0


def test_activation_gradient_linear_batchnorm_dropout_run(cli, cli_json) -> None:
    for argv, head in (
        (["activation", "--fn", "sigmoid", "--x", "0"], "sigmoid at x = 0"),
        (["gradient", "--depth", "3"], "The gradient through 3 layers"),
        (["linear"], "Two linear layers 2 → 3 → 2, and the one layer they equal"),
        (["batchnorm"], "Batch normalisation of 3 samples × 2 channels"),
        (["dropout", "--p", "0.25"], "Dropout with p = 0.25 on a 2×4 input (scale 1/(1 − p) = 1.33333)"),
    ):
        r = cli("step", *argv)
        assert r.exit_code == 0, r.output
        assert r.stdout.startswith(head), r.stdout[:120]
        assert cli_json("step", *argv)["sections"]
    assert cli_json("step", "activation", "--fn", "sigmoid", "--x", "0")["functions"][0]["derivatives"] == [
        0.25
    ]
    assert cli_json("step", "gradient", "--fn", "relu", "--depth", "5")["chains"][0]["input_gradient"] == 1
    assert cli_json("step", "linear", "--x", "1 2", "--w1", "1 0; 0 -1", "--w2", "1 1")["w"] == [[1, -1]]
    bn = cli_json("step", "batchnorm", "--batch", "1; 3; 5", "--gamma", "2", "--beta", "1")
    assert bn["mean"] == [3] and bn["gamma"] == [2]
    drop = cli_json("step", "dropout", "--input", "1 2; 3 4", "--p", "0.5", "--mask", "1 0; 0 1")
    assert drop["train_output"] == [[2, 0], [0, 8]] and drop["eval_output"] == [[1, 2], [3, 4]]


def test_a_negative_dropout_seed_is_a_usage_error(cli) -> None:
    # Found by the long fuzz run: numpy's generator refused it as an internal error.
    r = cli("step", "dropout", "--seed", "-1")
    assert r.exit_code == 2, r.output
    assert "--seed -1: the seed must be a whole number ≥ 0, e.g. --seed 0" in r.stderr
    assert "internal error" not in r.output


def test_the_net_table_says_which_batch_norm_values_are_trained(cli, cli_json) -> None:
    r = cli("net", "input 3x8x8 | conv 4 k=3 | bn | relu | flatten | fc 2")
    assert r.exit_code == 0, r.output
    lines = r.stdout.split("\n")
    assert any(line.startswith("Parameters (trainable)      410") for line in lines)
    assert any(
        line.startswith("Buffers (not trained)         8  batch norm's running means") for line in lines
    )
    assert "non-trainable params (418 in all)" in " ".join(r.stdout.split())
    d = cli_json("net", "input 3x8x8 | conv 4 k=3 | bn")
    assert (d["total_params"], d["buffers"], d["layers"][1]["buffers"]) == (120, 8, 8)


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["softmax", "--logits", "1"], 2, "--logits needs at least two numbers"),
        (["softmax", "--logits", "1 2", "--label", "5"], 2, "--label 5 is not a class"),
        (["softmax", "--logits", "1 x"], 2, "'x' is not a number"),
        (["softmax", "--logits", "1 2; 3 4"], 2, "--logits takes one row of numbers"),
        (["softmax", "--logits", "1 2 |"], 2, "--logits takes one row of numbers"),
        (
            ["softmax", "--logits", ""],
            2,
            '--logits is empty; write numbers separated by spaces, e.g. --logits "2 1 0.1"',
        ),
        (
            ["softmax", "--logits", "nan 1"],
            2,
            "--logits: 'nan' is not a number; write numbers separated by spaces, e.g. --logits \"2 1 0.1\"\n",
        ),
        (["activation", "--x", "-1 y"], 2, "--x: 'y' is not a number; write numbers separated by spaces"),
        (["activation", "--fn", "swish"], 2, "--fn 'swish' is not one of"),
        (["activation", "--slope", "2"], 2, "--slope 2.0 must be at least 0 and below 1"),
        (["gradient", "--depth", "1000"], 2, "--depth 1000 must be between 1 and 100"),
        (["linear", "--x", "1 2"], 2, "give --w1, --w2 too"),
        (["linear", "--x", "1 2", "--w1", "1 2 3", "--w2", "1"], 2, "--w1 rows need 2 numbers"),
        (["batchnorm", "--batch", "1 2"], 1, "--batch has 1 sample"),
        (["batchnorm", "--running-var", "-1 1"], 2, "--running-var must not be negative"),
        (["dropout", "--p", "1"], 2, "--p 1.0 must be at least 0 and below 1"),
        (["dropout", "--mask", "1 0"], 1, "--mask must be a 2×4 matrix of 0s and 1s"),
        (["dropout", "--input", "1 2 3 4 5 6 7 8 9"], 2, "--input is 1×9; a step-through takes at most 8×8"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_values_exit_cleanly_naming_the_option(cli, args, code, fragment) -> None:
    r = cli("step", *args)
    assert r.exit_code == code, r.output
    assert fragment in r.stderr, r.stderr
    assert "Traceback" not in r.output


@pytest.mark.parametrize("logits", ["", "nan 1", "1 x", "1 2 |", ";"])
def test_a_bad_vector_is_never_told_about_a_matrix_s_rows_and_channels(cli, logits) -> None:
    r = cli("step", "softmax", "--logits", logits)
    assert r.exit_code == 2, r.output
    assert "channel" not in r.stderr and "row 1" not in r.stderr and '"0 1; 2 3"' not in r.stderr


@pytest.mark.parametrize("logits", ["1,,2", ",1 2", "1 2,"])
def test_a_number_left_out_between_commas_is_refused_not_skipped(cli, cli_json, logits) -> None:
    r = cli("step", "softmax", "--logits", logits)
    assert r.exit_code == 2, r.output
    assert f'--logits "{logits}" has an empty place between commas' in r.stderr
    assert cli_json("step", "softmax", "--logits", "1, 2")["logits"] == [1.0, 2.0]  # one comma is fine


def test_every_tour_stop_of_this_module_runs(cli) -> None:
    for _, argv in TOUR:
        r = cli(*argv)
        assert r.exit_code == 0, (argv, r.output)


def test_svg_copy(cli, tmp_path) -> None:
    svg = tmp_path / "softmax.svg"
    r = cli("step", "softmax", "--svg", str(svg))
    assert r.exit_code == 0, r.output
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg")
