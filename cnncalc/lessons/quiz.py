"""Quiz problems generated from a seed and answered by the calculator core.

Each problem carries the worked Steps of its answer (from `cnncalc.arith`), shown after a wrong
answer, and the `cnncalc` command that prints the same working.

>>> [p.topic for p in make_quiz("all", 4, seed=1)]
['shape', 'params', 'rf', 'pool']
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import walk
from cnncalc.arith.params import conv_params, fc_params
from cnncalc.arith.receptive_field import back_recursion
from cnncalc.arith.sizes import layer_output
from cnncalc.arith.steps import Step

TOPICS = ("shape", "params", "rf", "pool", "all")
_CYCLE = ("shape", "params", "rf", "pool")


@dataclass(frozen=True)
class Problem:
    topic: str
    question: str
    answer: int | float
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    command: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "topic": self.topic,
            "question": self.question,
            "answer": self.answer,
            "steps": [s.to_dict() for s in self.steps],
            "notes": list(self.notes),
            "command": list(self.command),
        }


@dataclass(frozen=True)
class Graded:
    problem: Problem
    given: str | None  # None: no answer (stdin ran out)
    correct: bool

    def to_dict(self) -> dict:
        return {**self.problem.to_dict(), "given": self.given, "correct": self.correct}


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


def parse_answer(text: str | None) -> float | None:
    """`'5,184'`, `' 92 '`, `'3.5'` → a number; anything else → None (graded wrong, not an error)."""
    if text is None:
        return None
    t = re.sub(r"[\s,_]", "", text).replace("−", "-")
    try:
        return float(t)
    except ValueError:
        return None


def grade(problem: Problem, given: str | None) -> Graded:
    value = parse_answer(given)
    ok = value is not None and abs(value - problem.answer) <= 1e-9 * max(1.0, abs(problem.answer))
    return Graded(problem, given, ok)


def make_quiz(topic: str, count: int, seed: int) -> list[Problem]:
    """`count` problems on `topic` (or all topics in turn); the same seed gives the same quiz."""
    if topic not in TOPICS:
        raise UsageError(f"{{field}} {topic!r} is not one of {', '.join(TOPICS)}", field="topic")
    if count < 1:
        raise UsageError(f"{{field}} {count} must be at least 1", field="count")
    rng = random.Random(seed)
    return [_MAKERS[topic if topic != "all" else _CYCLE[i % len(_CYCLE)]](rng) for i in range(count)]


def shape_problem(rng: random.Random) -> Problem:
    while True:
        n = rng.choice((7, 10, 12, 15, 28, 32, 64, 96, 224))
        k = rng.choice((1, 2, 3, 3, 5, 5, 7))
        s = rng.choice((1, 1, 2, 2, 3))
        p = rng.choice((0, 0, 1, (k - 1) // 2, (k - 1) // 2))
        if k <= n + 2 * p and 2 * p < k:
            break
    res = layer_output("conv", (n, n), k, s, p)
    pad = f", padding {p}" if p else ", no padding"
    return Problem(
        "shape",
        f"A convolution with a {k}×{k} kernel, stride {s}{pad} takes a {n}×{n} input. "
        "What is the output height?",
        res.output[0],
        res.axes[0].steps,
        tuple(map(str, res.axes[0].notes)),
        ("shape", "--input", str(n), "--kernel", str(k), "--stride", str(s), "--padding", str(p)),
    )


def params_problem(rng: random.Random) -> Problem:
    if rng.random() < 0.7:
        cin = rng.choice((1, 2, 3, 8, 16, 32, 64))
        cout = rng.choice((6, 8, 16, 24, 32, 64, 128, 192))
        k = rng.choice((1, 3, 3, 5))
        pc = conv_params(cin, cout, (k, k))
        return Problem(
            "params",
            f"A convolution maps {cin} input channels to {cout} output channels with {k}×{k} kernels and biases. "
            "How many parameters does it have?",
            pc.total,
            pc.steps,
            pc.notes,
            ("params", "--cin", str(cin), "--cout", str(cout), "--k", str(k)),
        )
    c = rng.choice((8, 16, 24, 32, 64))
    hw = rng.choice((2, 3, 4, 5, 7))
    fout = rng.choice((10, 64, 100, 128))
    fin = c * hw * hw
    flat = Step(
        "features", "C·H·W", f"{c}·{hw}·{hw}", fin, why="flatten lays every value of the map out in a row"
    )
    pc = fc_params(fin, fout)
    return Problem(
        "params",
        f"A {c}×{hw}×{hw} feature map is flattened into a fully connected layer with {fout} outputs and biases. "
        "How many parameters does that layer have?",
        pc.total,
        (flat, *pc.steps),
        pc.notes,
        ("params", "--fc", "--cin", str(fin), "--cout", str(fout)),
    )


def rf_problem(rng: random.Random) -> Problem:
    layers = []
    for _ in range(rng.choice((2, 3, 3))):
        if layers and rng.random() < 0.3:
            layers.append("maxpool k=2")
        else:
            k = rng.choice((3, 3, 5))
            s = rng.choice((1, 1, 2))
            layers.append(f"conv 1 k={k}" + (f" s={s}" if s > 1 else ""))
    spec = " | ".join(layers)
    net = walk(spec)
    rf, rows = back_recursion(net)
    steps = tuple(s for row in rows for s in row.steps if s.label.endswith("_H"))
    return Problem(
        "rf",
        f"What is the receptive field (height, in input pixels) of one output unit of: {spec}?",
        rf[0],
        steps,
        ("Back-recursion from one output unit: RF_i = (RF_{i+1} − 1)·s + d(k − 1) + 1, last layer first.",),
        ("rf", spec),
    )


def pool_problem(rng: random.Random) -> Problem:
    n = rng.choice((5, 7, 9, 12, 18, 23, 28, 92))
    k = rng.choice((2, 2, 3, 4))
    s = rng.choice((None, None, 1, 2))
    ceil = rng.random() < 0.25 and (s is None or s > 1)
    if k > n:
        k = 2
    res = layer_output("maxpool", (n, n), k, s, 0, 1, ceil)
    stride = f"stride {s}" if s is not None else "the default stride"
    mode = ", ceil_mode=True" if ceil else ""
    argv = ["shape", "--op", "maxpool", "--input", str(n), "--kernel", str(k)]
    argv += ["--stride", str(s)] if s is not None else []
    argv += ["--ceil"] if ceil else []
    return Problem(
        "pool",
        f"A {k}×{k} max pool with {stride}{mode} takes a {n}×{n} map. What is the output height?",
        res.output[0],
        res.axes[0].steps,
        res.notes + tuple(map(str, res.axes[0].notes)),
        tuple(argv),
    )


_MAKERS = {"shape": shape_problem, "params": params_problem, "rf": rf_problem, "pool": pool_problem}
