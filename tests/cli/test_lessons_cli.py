"""`cnncalc step conv|pool`, `lesson`, `quiz` end to end through the CLI."""

from __future__ import annotations

import json
import re

import pytest

from cnncalc.cli.app import app
from cnncalc.lessons.examples import EXAMPLES
from cnncalc.lessons.quiz import make_quiz

D2L = ["--input", "0 1 2; 3 4 5; 6 7 8", "--kernel", "0 1; 2 3"]
POOL = ["--op", "max", "--input", "1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7", "--kernel", "2"]


def test_step_conv_json_contract(cli_json) -> None:
    d = cli_json("step", "conv", *D2L)
    assert d["output"] == [[19, 25], [37, 43]]
    assert [s["text"] for s in d["steps"]][0] == "0×0 + 1×1 + 3×2 + 4×3 = 19"
    assert d["steps"][3]["value"] == 43
    assert d["size_steps"][0]["value"] == 2


def test_step_conv_several_kernels_is_3d(cli_json) -> None:
    d = cli_json("step", "conv", *D2L, "--kernel", "1 0; 0 1", "--bias", "1,0")
    assert d["output"] == [[[20, 26], [38, 44]], [[4, 6], [10, 12]]]
    assert d["bias"] == [1, 0]


def test_step_pool_json_contract(cli_json) -> None:
    d = cli_json("step", "pool", *POOL)
    assert d["output"] == [[6, 8], [9, 7]]
    assert d["steps"][0]["winner"] == [1, 1]


def test_step_pool_backward_json(cli_json) -> None:
    d = cli_json("step", "pool", *POOL, "--backward")
    assert d["grad_input"] == [[0, 0, 0, 0], [0, 1, 0, 1], [1, 0, 0, 0], [0, 0, 0, 1]]
    d = cli_json(
        "step", "pool", "--op", "avg", "--input", "1 2; 3 4", "--kernel", "2", "--backward", "--grad", "2"
    )
    assert d["output"] == [[2.5]]
    assert d["grad_input"] == [[0.5, 0.5], [0.5, 0.5]]


def test_step_conv_text_is_every_cell_when_piped(cli) -> None:
    r = cli("step", "conv", *D2L)
    assert r.exit_code == 0, r.output
    for line in ("0×0 + 1×1 + 3×2 + 4×3 = 19", "1×0 + 2×1 + 4×2 + 5×3 = 25", "4×0 + 5×1 + 7×2 + 8×3 = 43"):
        assert line in r.stdout
    assert "Cell (1, 1): window on input rows 1–2, columns 1–2" in r.stdout
    assert not any(line != line.rstrip() for line in r.stdout.splitlines())


def test_step_conv_one_cell(cli) -> None:
    r = cli("step", "conv", *D2L, "--cell", "1,0")
    assert r.exit_code == 0, r.output
    assert "3×0 + 4×1 + 6×2 + 7×3 = 37" in r.stdout
    assert "= 19" not in r.stdout
    d = json.loads(cli("step", "conv", *D2L, "--cell", "1,0", "--json").stdout)
    assert [(s["row"], s["col"]) for s in d["steps"]] == [(1, 0)]


def test_default_examples(cli) -> None:
    r = cli("step", "conv")
    assert r.exit_code == 0 and "0×0 + 1×1 + 3×2 + 4×3 = 19" in r.stdout
    r = cli("step", "pool")
    assert r.exit_code == 0 and "max(1, 2, 5, 6) = 6" in r.stdout


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_example_runs_and_matches_its_command_line(cli, name: str) -> None:
    ex = EXAMPLES[name]
    kind = "conv" if ex.op == "conv" else "pool"
    by_name = cli("step", kind, "--example", name, "--json")
    by_args = cli(*ex.argv(), "--json")
    assert by_name.exit_code == 0 and by_args.exit_code == 0, by_name.output + by_args.output
    assert json.loads(by_name.stdout)["output"] == json.loads(by_args.stdout)["output"]
    text = cli("step", kind, "--example", name)
    assert text.exit_code == 0 and ex.title in text.stdout


def test_edges_example_thresholds_at_2(cli_json) -> None:
    d = cli_json("step", "conv", "--example", "edges")
    assert d["threshold"] == 2
    assert len(d["thresholded"]) == 4
    assert all(
        v == (o > 2)
        for ch, tch in zip(d["output"], d["thresholded"], strict=True)
        for row, trow in zip(ch, tch, strict=True)
        for o, v in zip(row, trow, strict=True)
    )


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (
            ["step", "conv", "--input", "1 2 3; 4 5", "--kernel", "1"],
            2,
            "row 2 ('4 5') has 2 numbers but row 1 has 3",
        ),
        (["step", "conv", "--input", "1 2; 3 x", "--kernel", "1"], 2, "'x' is not a number"),
        (
            ["step", "conv", "--input", "1 2; 3 4 | 5 6; 7 8", "--kernel", "1 0; 0 1"],
            1,
            "kernel 1 has 1 channel but the input has 2",
        ),
        (
            ["step", "conv", "--input", "1 2; 3 4", "--kernel", "1 2 3; 4 5 6; 7 8 9"],
            1,
            "larger than the padded input",
        ),
        (["step", "conv", *D2L, "--cell", "5,5"], 1, "--cell 5,5 is outside the 2×2 output"),
        (["step", "conv", *D2L, "--stride", "0"], 2, "--stride 0 must be at least 1"),
        (["step", "conv", "--example", "maxpool"], 2, "maxpool is a pool example"),
        (["step", "conv", "--example", "nope"], 2, "--example 'nope' is not one of"),
        (["step", "pool", "--op", "median", *POOL[2:]], 2, "--op 'median' is not one of max, min, avg, sum"),
        (
            ["step", "pool", "--input", "1 2; 3 4", "--kernel", "2", "--padding", "2"],
            1,
            "more than half the kernel",
        ),
        (["quiz", "--topic", "maths"], 2, "--topic 'maths'"),
        (["lesson", "nope"], 2, "lesson 'nope' is not one of"),
    ],
    ids=[
        "ragged",
        "nan",
        "channels",
        "too-large",
        "cell",
        "stride",
        "wrong-example",
        "no-example",
        "op",
        "pool-pad",
        "topic",
        "lesson",
    ],
)
def test_bad_input_exits_cleanly(cli, args, code, fragment) -> None:
    r = cli(*args)
    assert r.exit_code == code, r.output
    assert fragment in r.stderr
    assert "Traceback" not in r.output


def test_quiz_reads_answers_from_stdin(cli) -> None:
    problems = make_quiz("all", 2, seed=1)
    right = f"{problems[0].answer}\n{problems[1].answer + 1}\n"
    r = cli("quiz", "--seed", "1", "--count", "2", input=right)
    assert r.exit_code == 0, r.output
    assert f"✓ correct: {problems[0].answer}" in r.stdout
    assert "✗ not quite" in r.stdout and problems[1].steps[0].formula in r.stdout  # the worked solution
    assert "Score: 1/2" in r.stdout


def test_quiz_contract_and_exhausted_stdin(cli) -> None:
    r = cli("quiz", "--seed", "1", "--count", "2", input="1\n1\n")
    assert r.exit_code == 0 and "Score: 0/2" in r.stdout
    r = cli("quiz", "--seed", "1", "--count", "3", input="1\n")
    assert r.exit_code == 0, r.output
    assert r.stdout.count("(no answer)") == 2 and "Score: 0/3" in r.stdout


def test_quiz_json(cli) -> None:
    problems = make_quiz("params", 2, seed=4)
    r = cli(
        "quiz", "--topic", "params", "--seed", "4", "--count", "2", "--json", input=f"{problems[0].answer}\n"
    )
    d = json.loads(r.stdout)
    assert (d["score"], d["count"], d["seed"]) == (1, 2, 4)
    assert [q["correct"] for q in d["questions"]] == [True, False]
    assert d["questions"][1]["given"] is None


def test_lesson_list_and_run(cli) -> None:
    r = cli("lesson", "--list")
    assert r.exit_code == 0 and re.search(r"\nparams +Counting parameters", r.stdout)
    r = cli("lesson", "params", "--answer", "5184")
    assert r.exit_code == 0 and "✓ correct: 5184" in r.stdout
    r = cli("lesson", "rf", input="7\n")
    assert r.exit_code == 0 and "✗ not quite: you said 7, the answer is 8" in r.stdout
    d = json.loads(cli("lesson", "tconv", "--json", input="14\n").stdout)
    assert d["correct"] is True and d["question"]["answer"] == 14


def test_svg_and_html_are_written(cli, tmp_path) -> None:
    svg, html = tmp_path / "d2l.svg", tmp_path / "d2l.html"
    r = cli("step", "conv", "--example", "d2l", "--all", "--svg", str(svg), "--html", str(html))
    assert r.exit_code == 0, r.output
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<svg")
    assert "4×0" in html.read_text(encoding="utf-8")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left behind


def test_svg_into_a_missing_directory_fails_cleanly(cli, tmp_path) -> None:
    r = cli("step", "pool", "--svg", str(tmp_path / "no" / "such" / "x.svg"))
    assert r.exit_code == 2
    assert (
        r.stderr.startswith(f"error: --svg {tmp_path}/no/such/x.svg: the folder")
        and "Traceback" not in r.output
    )


@pytest.mark.parametrize("kind", ["conv", "pool"])
def test_on_a_terminal_enter_shows_the_next_cell_and_q_stops(cli, monkeypatch, kind) -> None:
    monkeypatch.setattr("cnncalc.cli.lessons._interactive", lambda: True)
    result = cli("step", kind, input="\nq\n")
    assert result.exit_code == 0, result.output
    # d2l's conv and the maxpool example both have 4 output cells: two shown, then q
    assert "[1/4] Enter: next cell · q: quit" in result.stdout
    assert "[2/4] Enter" in result.stdout and "[3/4]" not in result.stdout
    assert "output" in result.stdout.rsplit("[2/4]", 1)[1]  # the summary after stopping


@pytest.mark.parametrize(("command", "other"), [("conv", "maxpool"), ("pool", "d2l")])
def test_example_help_lists_only_the_commands_own_examples(cli, command: str, other: str) -> None:
    text = " ".join(cli("step", command, "--help").stdout.split())
    listed = text.split("Built-in example: ", 1)[1].split(".", 1)[0].split(", ")
    assert listed == [n for n, e in EXAMPLES.items() if (e.op == "conv") == (command == "conv")]
    assert other not in listed


def test_a_blank_answer_is_no_answer(cli) -> None:
    r = cli("quiz", "--seed", "1", "--count", "1", input="\n")
    assert r.exit_code == 0, r.output
    assert "(no answer) the answer is" in r.stdout
    assert "you said ," not in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["step", "conv", "-i", "1", "-k", "1", "-p", "300", "--json"], "the padded input is 601×601"),
        (["step", "conv", "-i", "1", "-k", "1", "-p", "1000"], "the padded input is 2001×2001"),
        (["step", "pool", "-i", "1", "-k", "2001", "-p", "1000"], "the padded input is 2001×2001"),
        (["step", "conv", "-i", "1", "-k", "1", "-p", "24", "--all"], "--all would draw the 2,401-cell"),
    ],
    ids=["conv-p300-json", "conv-p1000", "pool-k2001", "conv-all"],
)
def test_a_step_through_past_what_a_lesson_shows_is_refused_within_bounded_memory(args, message):
    import json

    from tests.bounded_run import run

    result = run(*args, timeout=30)  # 1 GB of address space: the padding alone used to take 2.8 GB
    assert result.returncode == 1, result.stderr
    assert message in (json.loads(result.stderr)["error"] if "--json" in args else result.stderr)
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr


def test_all_draws_every_cell_only_within_the_bound(cli):
    grid = "; ".join(" ".join("1" for _ in range(32)) for _ in range(32))
    result = cli("step", "conv", "-i", grid, "-k", "1 1 1; 1 1 1; 1 1 1", "--all")
    assert result.exit_code == 1 and "--all would draw the 1,024-cell padded input 900 times" in result.stderr
    assert cli("step", "conv", "-i", grid, "-k", "1 1 1; 1 1 1; 1 1 1", "--cell", "5,5").exit_code == 0


def test_an_endless_answer_line_is_read_in_bounded_memory():
    from tests.bounded_run import run

    # 200 MB on one line, no newline: read in 1,000-character pieces and graded wrong
    result = run("quiz", "--seed", "1", "-n", "1", stdin=b"9" * (200 << 20), timeout=60, memory=1 << 30)
    assert result.returncode == 0, result.stderr
    assert "your answer: 99999999999999999999…(209715200 chars)…" in result.stdout
    assert "Score: 0/1" in result.stdout


def test_binary_stdin_is_echoed_escaped(cli):
    result = cli("quiz", "--seed", "1", "-n", "1", input="\x1b[31m\x07red\x1b]0;title\x07\n")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "your answer: \\x1b[31m\\x07red\\x1b]0;title\\x07" in result.stdout


@pytest.mark.parametrize("lesson", ["padding", "stride", "pooling", "rf"])
def test_a_lesson_on_a_narrow_terminal_keeps_its_formulas_whole(runner, lesson):
    # a worked step too long for the line puts each "= …" under the first "=", and the general
    # formula goes to a line of its own, instead of lines ending in "=" or "(n + 2p −"
    result = runner.invoke(
        app, ["lesson", lesson, "--answer", "1"], env={"NO_COLOR": "1", "COLUMNS": "60", "CNNCALC_LANG": "en"}
    )
    assert result.exit_code in (0, 1), result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 60 for line in lines)
    worked = [
        line
        for line in lines
        if re.match(r"\s+(H_out|W_out|layer \d|RF)", line) or line.lstrip().startswith("= ")
    ]
    assert worked and not any(re.search(r" [=−+·(]$", line) for line in worked), worked
    if lesson != "rf":
        assert "      ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1" in lines
