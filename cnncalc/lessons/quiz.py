"""A quiz: problems generated from a seed, answered by the calculator core, graded with a diagnosis.

Each problem carries the worked Steps of its answer (from `cnncalc.arith` and the step-through
engines), shown after a wrong answer, the `cnncalc` command that prints the same working, and the
common mistakes, each computed by running the formula with the mistake made: a wrong answer that
equals one is named ("padding left out", "note 001's (n − p)/s + 1", "the biases left out" …).
No question is asked twice in one quiz.

>>> [p.topic for p in make_quiz("all", 4, seed=1)]
['shape', 'params', 'rf', 'pool']
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.parsing import typed
from cnncalc.lessons.problems import (
    Mistake,
    Problem,
    matches,
    params_problem,
    pool_problem,
    rf_problem,
    shape_problem,
)
from cnncalc.lessons.problems_layers import (
    activations_problem,
    batchnorm_problem,
    dropout_problem,
    overfitting_problem,
    softmax_problem,
)

__all__ = ["TOPICS", "Graded", "Mistake", "Problem", "QuizResult", "grade", "make_quiz", "parse_answer"]

_MAKERS: dict[str, Callable[[random.Random], Problem]] = {
    "shape": shape_problem,
    "params": params_problem,
    "rf": rf_problem,
    "pool": pool_problem,
    "activations": activations_problem,
    "softmax": softmax_problem,
    "batchnorm": batchnorm_problem,
    "dropout": dropout_problem,
    "overfitting": overfitting_problem,
}
TOPICS = (*_MAKERS, "all")
# draws allowed per question before a topic counts as out of new questions
_TRIES = 200


@dataclass(frozen=True)
class Graded:
    problem: Problem
    given: str | None  # None: no answer (stdin ran out, or a blank line)
    correct: bool
    mistakes: tuple[Mistake, ...] = ()  # the common mistakes a wrong answer equals (usually one)

    def to_dict(self) -> dict:
        return {
            **self.problem.to_dict(),
            "given": self.given,
            "correct": self.correct,
            "diagnosis": [m.to_dict() for m in self.mistakes],
        }


@dataclass(frozen=True)
class QuizResult:
    """A whole quiz: its topic and seed (the same seed asks the same questions), every answer graded."""

    topic: str
    seed: int
    graded: tuple[Graded, ...]

    @property
    def score(self) -> int:
        return sum(g.correct for g in self.graded)

    def to_dict(self) -> dict:
        return {
            "topic": self.topic,
            "seed": self.seed,
            "count": len(self.graded),
            "score": self.score,
            "questions": [g.to_dict() for g in self.graded],
        }


# A typed number: digits with an optional point, and an exponent short enough to work out exactly.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")


def parse_answer(text: str | None) -> Fraction | None:
    """`'5,184'`, `' 92 '`, `'3.5'`, `'1e3'` → the number, exactly (so that `10.0000000000000000001`
    is not 10); anything else → None (graded wrong, not an error)."""
    if text is None:
        return None
    t = re.sub(r"[\s,_]", "", typed(text)).replace("−", "-")
    return Fraction(t) if _NUMBER.fullmatch(t) else None


def grade(problem: Problem, given: str | None) -> Graded:
    """Right or wrong, and which common mistake a wrong answer is; a blank line is no answer at all."""
    if given is not None and not given.strip():
        given = None
    value = parse_answer(given)
    if value is None:
        return Graded(problem, given, False)
    if matches(value, problem.answer, problem.tolerance):
        return Graded(problem, given, True)
    made = tuple(m for m in problem.mistakes if matches(value, m.value, problem.tolerance))
    return Graded(problem, given, False, made)


def make_quiz(topic: str, count: int, seed: int) -> list[Problem]:
    """`count` different problems on `topic` (or all topics in turn); the same seed gives the same quiz."""
    if topic not in TOPICS:
        raise UsageError(f"{{field}} {topic!r} is not one of {', '.join(TOPICS)}", field="topic")
    if count < 1:
        raise UsageError(f"{{field}} {count} must be at least 1", field="count")
    rng = random.Random(seed)
    cycle = tuple(_MAKERS)
    asked: set[str] = set()
    problems = []
    for i in range(count):
        name = topic if topic != "all" else cycle[i % len(cycle)]
        for _ in range(_TRIES):
            problem = _MAKERS[name](rng)
            if problem.question not in asked:
                break
        else:
            raise CnnCalcError(
                f"the {name} questions ran out after {sum(p.topic == name for p in problems)} different ones; "
                "ask for fewer with {field}",
                field="count",
            )
        asked.add(problem.question)
        problems.append(problem)
    return problems
