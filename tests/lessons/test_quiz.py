"""The quiz: deterministic per seed, answers from the arith core, exact grading."""

from __future__ import annotations

import pytest

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import walk
from cnncalc.arith.params import conv_params, fc_params
from cnncalc.arith.sizes import layer_output
from cnncalc.lessons.quiz import TOPICS, grade, make_quiz, parse_answer


def test_same_seed_same_quiz_and_topics_cycle() -> None:
    a = make_quiz("all", 8, seed=5)
    assert a == make_quiz("all", 8, seed=5)
    assert [p.topic for p in a] == ["shape", "params", "rf", "pool"] * 2
    assert make_quiz("all", 8, seed=6) != a


@pytest.mark.parametrize("topic", [t for t in TOPICS if t != "all"])
def test_answers_match_the_core(topic: str) -> None:
    """Recompute each answer from the command the problem points to, through the arith functions."""
    for p in make_quiz(topic, 12, seed=11):
        assert p.topic == topic
        args = dict(zip(p.command[1::2], p.command[2::2], strict=False)) if p.command[0] != "rf" else {}
        if p.command[0] == "shape" and "--op" not in p.command:
            want = layer_output(
                "conv",
                (int(args["--input"]),) * 2,
                int(args["--kernel"]),
                int(args["--stride"]),
                int(args["--padding"]),
            ).output[0]
        elif p.command[0] == "shape":
            stride = int(p.command[p.command.index("--stride") + 1]) if "--stride" in p.command else None
            n, k = int(p.command[4]), int(p.command[6])
            want = layer_output("maxpool", (n, n), k, stride, 0, 1, "--ceil" in p.command).output[0]
        elif p.command[0] == "params" and "--fc" in p.command:
            want = fc_params(int(p.command[3]), int(p.command[5])).total
        elif p.command[0] == "params":
            k = int(args["--k"])
            want = conv_params(int(args["--cin"]), int(args["--cout"]), (k, k)).total
        else:
            want = walk(p.command[1]).receptive_field[0]
        assert p.answer == want, p.question
        assert p.steps and p.steps[-1].value in (want, f"{want:,}")


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        ("92", True),
        (" 92 ", True),
        ("92.0", True),
        ("9,2", True),
        ("93", False),
        ("abc", False),
        (None, False),
    ],
    ids=["plain", "spaces", "decimal", "comma", "wrong", "garbage", "unanswered"],
)
def test_grading(given, ok) -> None:
    problem = make_quiz("shape", 1, seed=0)[0]
    fixed = type(problem)(**{**problem.__dict__, "answer": 92})
    assert grade(fixed, given).correct is ok


def test_parse_answer() -> None:
    assert parse_answer("5,184") == 5184
    assert parse_answer("−3") == -3
    assert parse_answer("") is None


def test_bad_topic_and_count() -> None:
    with pytest.raises(UsageError, match="topic 'maths'"):
        make_quiz("maths", 2, 1)
    with pytest.raises(UsageError, match="count 0"):
        make_quiz("all", 0, 1)
