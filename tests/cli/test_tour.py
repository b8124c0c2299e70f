"""`cnncalc tour`: every stop runs and exits as its module says it should."""

import pytest

from cnncalc.cli.app import app
from cnncalc.cli.tour import tour_entries
from cnncalc.render.width import display_width


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


def test_tour_list_wraps_headings_to_the_terminal_and_keeps_commands_whole(runner):
    result = runner.invoke(
        app, ["tour", "--list"], env={"NO_COLOR": "1", "COLUMNS": "80", "CNNCALC_LANG": "en"}
    )
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines if not line.startswith("    cnncalc ")) <= 80
    # a long heading goes on under itself, and its command follows whole
    at = lines.index("31. Note 004's way: a validation set every epoch, early stopping, the test set")
    assert lines[at + 1] == "    once at the end with precision, recall and F1 per class"
    assert lines[at + 2].startswith("    cnncalc train --epochs 4 --val-split 0.2")


@pytest.mark.parametrize("part", ["calc", "net", "lessons"])
def test_tour_parts_run(runner, part):
    result = runner.invoke(
        app, ["tour", "--only", part], env={"NO_COLOR": "1", "COLUMNS": "80", "CNNCALC_LANG": "en"}
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("━━ ") == len(tour_entries(part))
    assert "That was the tour." in result.stdout
    # an 80-column terminal: headings, tables and hints wrap to it; a command stays whole on its
    # line, to copy, and an error message is one line, as it is printed
    wide = [
        line
        for line in result.stdout.splitlines()
        if display_width(line) > 80 and not line.startswith(("$ cnncalc ", "error: "))
    ]
    assert wide == []


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


def test_tour_json_gives_each_stops_command_and_its_json_output(cli, cli_json):
    data = cli_json("tour", "--only", "calc")
    entries = tour_entries("calc")
    assert [s["heading"] for s in data["stops"]] == [heading for heading, _, _ in entries]
    first = data["stops"][0]
    assert first["command"] == "cnncalc shape --input 96 --kernel 5 --json"
    assert first["exit_code"] == 0
    assert first["output"] == cli_json("shape", "--input", "96", "--kernel", "5")
    rf = data["stops"][-1]
    assert rf["command"] == "cnncalc rf 'conv 1 k=3 | conv 1 k=3' --json"
    assert rf["output"]["receptive_field"] == [5, 5]


def test_tour_json_records_a_stop_that_fails_on_purpose(cli_json):
    stop = next(
        s for s in cli_json("tour", "--only", "check")["stops"] if s["command"].startswith("cnncalc check")
    )
    assert stop["exit_code"] == 1
    assert stop["output"]["all_hold"] is False


def test_tour_list_json_names_every_stop_without_running_it(cli_json):
    stops = cli_json("tour", "--list")["stops"]
    assert len(stops) == len(tour_entries())
    assert stops[0] == {
        "number": 1,
        "heading": tour_entries()[0][0],
        "command": "cnncalc shape --input 96 --kernel 5",
        "expected_exit_code": 0,
    }


def test_tour_json_records_the_error_of_a_stop_that_stops_on_purpose(cli_json):
    stops = cli_json("tour", "--only", "net")["stops"]
    stop = next(s for s in stops if s["heading"].startswith("Note 004's Keras residual"))
    assert stop["exit_code"] == 1 and "output" not in stop
    assert stop["error"]["exit_code"] == 1
    assert "64×60×60" in stop["error"]["error"] and "3×64×64" in stop["error"]["error"]


def test_tour_shows_the_rest_of_the_notes():
    """Issue 12: every new topic is in the tour."""
    stops = {tuple(argv[:2]) for _, argv, _ in tour_entries("lessons")}
    for stop in (
        ("step", "softmax"),
        ("step", "gradient"),
        ("step", "linear"),
        ("step", "batchnorm"),
        ("step", "dropout"),
        ("lesson", "pool-why"),
        ("lesson", "overfitting"),
    ):
        assert stop in stops, stop
    assert any(argv[:2] == ["step", "pool"] and "minpool" in argv for _, argv, _ in tour_entries("lessons"))
