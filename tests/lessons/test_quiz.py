"""The quiz: deterministic per seed, answers from the core, no repeats, exact grading, and a diagnosis
of the common mistakes computed by running the formula with the mistake made."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.network import walk
from cnncalc.arith.params import conv_params, fc_params
from cnncalc.arith.sizes import layer_output
from cnncalc.lessons.matrix import parse_matrix
from cnncalc.lessons.problems import Mistake, Problem, shape_mistakes, shape_problem
from cnncalc.lessons.quiz import TOPICS, grade, make_quiz, parse_answer
from cnncalc.lessons.step import step_pool

ALL = [t for t in TOPICS if t != "all"]


def test_same_seed_same_quiz_and_topics_cycle() -> None:
    a = make_quiz("all", 2 * len(ALL), seed=5)
    assert a == make_quiz("all", 2 * len(ALL), seed=5)
    assert [p.topic for p in a] == ALL * 2
    assert ALL[:4] == ["shape", "params", "rf", "pool"]  # the quiz a seed gave before keeps its start
    assert make_quiz("all", 8, seed=6) != a[:8]


def _pool_answer(p: Problem) -> int | float:
    if p.command[0] == "shape":
        stride = int(p.command[p.command.index("--stride") + 1]) if "--stride" in p.command else None
        n, k = int(p.command[4]), int(p.command[6])
        return layer_output("maxpool", (n, n), k, stride, 0, 1, "--ceil" in p.command).output[0]
    if p.command[:2] == ("step", "pool"):
        trace = step_pool(parse_matrix(p.command[p.command.index("--input") + 1]), "min", 2)
        row, col = (int(v) for v in p.question.split("cell (")[1].split(")")[0].split(", "))
        return trace.cell(0, row, col).value
    return walk(p.command[1]).layers[-1].total_params


@pytest.mark.parametrize("topic", ["shape", "params", "rf", "pool"])
def test_arithmetic_answers_match_the_core(topic: str) -> None:
    """Recompute each answer from the command the problem points to, through the arith functions."""
    for p in make_quiz(topic, 30, seed=11):
        assert p.topic == topic
        args = dict(zip(p.command[1::2], p.command[2::2], strict=False)) if p.command[0] != "rf" else {}
        if topic == "shape":
            want = layer_output(
                "conv",
                (int(args["--input"]),) * 2,
                int(args["--kernel"]),
                int(args["--stride"]),
                int(args["--padding"]),
            ).output[0]
        elif topic == "pool":
            want = _pool_answer(p)
        elif "--fc" in p.command:
            want = fc_params(int(p.command[3]), int(p.command[5])).total
        elif topic == "params":
            k = int(args["--k"])
            want = conv_params(int(args["--cin"]), int(args["--cout"]), (k, k)).total
        else:
            want = walk(p.command[1]).receptive_field[0]
        assert p.answer == want, p.question
        assert p.steps and p.steps[-1].value in (want, f"{want:,}")


@pytest.mark.parametrize("topic", TOPICS)
def test_no_question_is_asked_twice(topic: str) -> None:
    """Issue 12: `quiz --seed 88 --count 5` asked the same question twice."""
    for seed in (0, 88):
        questions = [p.question for p in make_quiz(topic, 100, seed)]
        assert len(set(questions)) == 100
    assert len({p.question for p in make_quiz("all", 5, 88)}) == 5


def test_a_topic_that_runs_out_says_so() -> None:
    with pytest.raises(CnnCalcError, match="the batchnorm questions ran out after"):
        from cnncalc.lessons import quiz

        saved = quiz._MAKERS["batchnorm"]
        quiz._MAKERS["batchnorm"] = lambda rng: saved(random.Random(0))
        try:
            make_quiz("batchnorm", 2, 1)
        finally:
            quiz._MAKERS["batchnorm"] = saved


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
        ("", False),
    ],
    ids=["plain", "spaces", "decimal", "comma", "wrong", "garbage", "unanswered", "blank"],
)
def test_grading(given, ok) -> None:
    problem = make_quiz("shape", 1, seed=0)[0]
    fixed = type(problem)(**{**problem.__dict__, "answer": 92})
    assert grade(fixed, given).correct is ok


def test_a_blank_line_is_no_answer() -> None:
    graded = grade(make_quiz("shape", 1, seed=1)[0], "  ")
    assert graded.given is None and not graded.correct and graded.mistakes == ()


def test_answers_to_three_decimals_are_graded_within_one_unit() -> None:
    p = next(p for p in make_quiz("softmax", 40, seed=2) if "3 decimals" in p.question)
    assert p.tolerance == 0.001
    assert grade(p, f"{p.answer + 0.0009:.4f}").correct
    assert not grade(p, f"{p.answer + 0.0021:.4f}").correct


def test_parse_answer() -> None:
    assert parse_answer("5,184") == 5184
    assert parse_answer("−3") == -3
    assert parse_answer("") is None


def test_bad_topic_and_count() -> None:
    with pytest.raises(UsageError, match="topic 'maths'"):
        make_quiz("maths", 2, 1)
    with pytest.raises(UsageError, match="count 0"):
        make_quiz("all", 0, 1)


# -- the diagnosis -------------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", ALL)
def test_every_mistake_is_diagnosed_and_never_a_right_answer(topic: str) -> None:
    for p in make_quiz(topic, 40, seed=3):
        for m in p.mistakes:
            assert not math.isclose(m.value, p.answer, abs_tol=p.tolerance), (p.question, m)
            graded = grade(p, repr(m.value))
            assert not graded.correct
            assert m in graded.mistakes, (p.question, m)
        assert grade(p, repr(p.answer)).mistakes == ()


def _named(mistakes: tuple[Mistake, ...]) -> dict[str, int | float]:
    """Each mistake's first value (note 001's has a second, floored)."""
    named: dict[str, int | float] = {}
    for m in mistakes:
        named.setdefault(m.name, m.value)
    return named


def test_shape_mistakes_rerun_the_formula_with_the_mistake() -> None:
    """n = 10, k = 7, s = 2, p = 2: ⌊(10 + 4 − 7)/2⌋ + 1 = 4, and every mistake gives another number."""
    n, k, s, p = 10, 7, 2, 2
    answer = layer_output("conv", (n, n), k, s, p).output[0]
    named = _named(shape_mistakes(n, k, s, p, answer))
    assert named["the floor forgotten"] == float(Fraction(n + 2 * p - k, s) + 1)
    assert named["rounding up"] == math.ceil((n + 2 * p - k) / s) + 1
    assert named["padding left out"] == layer_output("conv", (n, n), k, s, 0).output[0]
    assert named["padding on one side only"] == (n + p - k) // s + 1
    assert named["note 001's (n − p)/s + 1"] == Fraction(n - p, s) + 1
    assert named["the stride read as the kernel"] == layer_output("conv", (n, n), s, k, p).output[0]
    assert named["the stride left out"] == layer_output("conv", (n, n), k, 1, p).output[0]
    assert answer not in named.values()


def test_note_001_floored_is_recognised_too_and_a_shared_value_names_both() -> None:
    # (12 − 1)/2 + 1 = 6.5: a learner who floors it answers 6, which rounding up gives as well
    mistakes = shape_mistakes(12, 5, 2, 1, 5)
    assert [m.name for m in mistakes if m.value == 6.5] == ["note 001's (n − p)/s + 1"]
    assert [m.name for m in mistakes if m.value == 6] == ["rounding up", "note 001's (n − p)/s + 1"]


def test_a_mistake_equal_to_the_answer_is_not_offered() -> None:
    """28, k = 5, s = 2, p = 2: note 001's (28 − 2)/2 + 1 = 14 is the right answer here by chance."""
    mistakes = shape_mistakes(28, 5, 2, 2, 14)
    assert "note 001's (n − p)/s + 1" not in [m.name for m in mistakes]


def test_the_quiz_says_which_mistake_was_made() -> None:
    problem = next(
        p for p in (shape_problem(random.Random(seed)) for seed in range(200)) if "padding 1" in p.question
    )
    n = int(problem.command[2])
    k, s = int(problem.command[4]), int(problem.command[6])
    unpadded = layer_output("conv", (n, n), k, s, 0).output[0]
    if unpadded != problem.answer:
        assert "padding left out" in [m.name for m in grade(problem, str(unpadded)).mistakes]


def test_params_diagnoses_biases_counted_or_not() -> None:
    p = next(p for p in make_quiz("params", 20, seed=4) if "kernels and biases" in p.question)
    cin, cout, k = int(p.command[2]), int(p.command[4]), int(p.command[6])
    weights = conv_params(cin, cout, (k, k)).weights
    assert [m.name for m in grade(p, str(weights)).mistakes] == ["the biases left out"]


def test_rf_working_names_each_layer() -> None:
    p = make_quiz("rf", 1, seed=3)[0]
    layers = p.question.split(": ", 1)[1].rstrip("?").split(" | ")
    assert [s.label for s in p.steps] == [
        f"layer {i} ({layers[i - 1]}) RF" for i in range(len(layers), 0, -1)
    ]


def test_one_channel_is_singular_in_a_question() -> None:
    """Issue 12: 'maps 1 input channels'."""
    questions = [p.question for p in make_quiz("params", 100, seed=0)]
    one = [q for q in questions if q.startswith("A convolution maps 1 input")]
    assert one and all(q.startswith("A convolution maps 1 input channel to ") for q in one)


@pytest.mark.parametrize(
    ("given", "ok"),
    [
        ("10", True),
        ("10.0", True),
        ("1e1", True),
        ("10.0000000000000000001", False),
        ("9.9999999999999999999", False),
        ("1e999999999", False),  # not worked out: the exponent is longer than any answer needs
        ("nan", False),
    ],
)
def test_a_whole_number_answer_is_compared_exactly(given, ok) -> None:
    problem = make_quiz("shape", 1, seed=0)[0]
    fixed = type(problem)(**{**problem.__dict__, "answer": 10, "mistakes": ()})
    assert grade(fixed, given).correct is ok
