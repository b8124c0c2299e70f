"""`cnncalc tour`: every stop runs and exits as its module says it should."""

import pytest

from cnncalc.cli.tour import tour_entries


def test_tour_covers_every_capability():
    commands = {argv[0] for _, argv, _ in tour_entries()}
    assert {
        "shape",
        "params",
        "rf",
        "net",
        "check",
        "solve",
        "step",
        "lesson",
        "train",
        "predict",
        "show",
    } <= commands


def test_tour_list_shows_every_stop_without_running_it(cli):
    result = cli("tour", "--list")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n    cnncalc ") == len(tour_entries())
    assert "Training" not in result.stdout


@pytest.mark.parametrize("part", ["calc", "net", "lessons"])
def test_tour_parts_run(cli, part):
    result = cli("tour", "--only", part)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("━━ ") == len(tour_entries(part))
    assert "That was the tour." in result.stdout


def test_tour_trains_then_looks_inside_the_saved_model(cli):
    result = cli("tour", "--only", "predict")  # the stop's whole part: train, predict, show, gradcheck
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("$ cnncalc train") < out.index("$ cnncalc predict") < out.index("$ cnncalc show")
    assert "test accuracy" in out and "predicted" in out


def test_tour_shows_the_notes_wrong_claim_and_expects_exit_1(cli):
    result = cli("tour", "--only", "check")
    assert result.exit_code == 0, result.output
    assert "(exit 1, as expected)" in result.stdout
    assert "24×4×4" in result.stdout


def test_tour_unknown_part_is_a_usage_error(cli):
    result = cli("tour", "--only", "bogus")
    assert result.exit_code == 2
    assert "calc, net, lessons or train" in result.output
