"""Quiz problems on the arithmetic (output sizes, parameters, receptive fields, pooling), each with
its worked answer and the common mistakes a learner makes on it.

A `Mistake` is the same formula run with the mistake in it (padding left out, the floor forgotten,
note 001's (n − p)/s + 1, kernel and stride swapped, biases counted or not …): when a wrong answer
equals a mistake's value, the quiz says which mistake it was. Mistakes whose value is the right
answer are left out, so a diagnosis is never given for a right answer.

>>> p = shape_problem(random.Random(1))
>>> p.answer, [m.name for m in p.mistakes][:2]
(10, ['padding left out', 'padding on one side only'])
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import walk
from cnncalc.arith.params import conv_params, fc_params
from cnncalc.arith.receptive_field import RFRow, back_recursion
from cnncalc.arith.sizes import layer_output
from cnncalc.arith.steps import Step, group_digits, plural
from cnncalc.lessons.step import step_pool


@dataclass(frozen=True)
class Mistake:
    """A wrong answer a learner may give, why it is wrong, and the value it gives here."""

    name: str
    explain: str
    value: int | float

    def to_dict(self) -> dict:
        return {"name": self.name, "explain": self.explain, "value": self.value}


@dataclass(frozen=True)
class Problem:
    topic: str
    question: str
    answer: int | float
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    tolerance: float = 0.0  # for answers asked to a number of decimals
    mistakes: tuple[Mistake, ...] = ()

    def to_dict(self) -> dict:
        return {
            "topic": self.topic,
            "question": self.question,
            "answer": self.answer,
            "tolerance": self.tolerance,
            "steps": [s.to_dict() for s in self.steps],
            "notes": list(self.notes),
            "command": list(self.command),
            "mistakes": [m.to_dict() for m in self.mistakes],
        }


def matches(a: Fraction | float, b: float, tolerance: float = 0.0) -> bool:
    """Equal: exactly, as integers, when `b` is a whole number asked for exactly (10.0000000000000000001
    is not 10); else up to `tolerance` (an answer to 3 decimals) or float rounding.

    >>> matches(Fraction("10.0"), 10), matches(Fraction("10.0000000000000000001"), 10)
    (True, False)
    """
    if isinstance(b, int) and not tolerance:
        return a == b
    return abs(a - b) <= max(tolerance, 1e-9 * max(1.0, abs(b)))


def distinct(answer: float, mistakes: list[Mistake], tolerance: float = 0.0) -> tuple[Mistake, ...]:
    """The mistakes that give a wrong answer (two may give the same one: both are kept, and a wrong
    answer that equals them is diagnosed as either)."""
    return tuple(m for m in mistakes if math.isfinite(m.value) and not matches(m.value, answer, tolerance))


def _num(v: Fraction | float) -> int | float:
    """A whole Fraction as an int, any other as a float."""
    if isinstance(v, Fraction) and v.denominator == 1:
        return v.numerator
    return float(v)


def _fmt(v: int | float) -> str:
    return str(v) if isinstance(v, int) else f"{v:g}"


def _size_or_none(op: str, n: int, k: int, s: int | None, p: int, ceil: bool = False) -> int | None:
    """The output height PyTorch gives, or None when those numbers make no layer."""
    try:
        return layer_output(op, (n, n), k, s, p, 1, ceil).output[0]
    except CnnCalcError:
        return None


# -- output sizes -------------------------------------------------------------------------------------


def shape_mistakes(n: int, k: int, s: int, p: int, answer: int) -> tuple[Mistake, ...]:
    """The common ways to get ⌊(n + 2p − k)/s⌋ + 1 wrong, each computed with the mistake made."""
    span = n + 2 * p - k
    exact = Fraction(span, s) + 1
    mistakes = [
        Mistake(
            "the floor forgotten",
            f"({n} + 2·{p} − {k})/{s} + 1 = {_fmt(_num(exact))} is not a whole number; a window must fit "
            "entirely, so PyTorch rounds down",
            _num(exact),
        ),
        Mistake(
            "rounding up",
            f"⌈({n} + 2·{p} − {k})/{s}⌉ + 1 = {math.ceil(Fraction(span, s)) + 1}; a convolution rounds down "
            "(only a pool's ceil_mode rounds up)",
            math.ceil(Fraction(span, s)) + 1,
        ),
    ]
    unpadded = _size_or_none("conv", n, k, s, 0) if p else None
    if unpadded is not None:
        mistakes.append(
            Mistake(
                "padding left out",
                f"⌊({n} − {k})/{s}⌋ + 1 = {unpadded} is the size without padding; the {p} zeros on each side "
                f"make the input {n + 2 * p} wide",
                unpadded,
            )
        )
    if p:
        once = (n + p - k) // s + 1
        mistakes.append(
            Mistake(
                "padding on one side only",
                f"⌊({n} + {p} − {k})/{s}⌋ + 1 = {once}; padding goes on both sides: + 2p",
                once,
            )
        )
    note = Fraction(n - p, s) + 1
    mistakes.append(
        Mistake(
            "note 001's (n − p)/s + 1",
            f"({n} − {p})/{s} + 1 = {_fmt(_num(note))}; that formula leaves out the kernel and subtracts the "
            "padding: the output is ⌊(n + 2p − k)/s⌋ + 1",
            _num(note),
        )
    )
    if note.denominator != 1:
        mistakes.append(
            Mistake(
                "note 001's (n − p)/s + 1",
                f"⌊({n} − {p})/{s}⌋ + 1 = {math.floor(note)}; that formula leaves out the kernel and subtracts "
                "the padding: the output is ⌊(n + 2p − k)/s⌋ + 1",
                math.floor(note),
            )
        )
    swapped = _size_or_none("conv", n, s, k, p) if s != k else None
    if swapped is not None:
        mistakes.append(
            Mistake(
                "the stride read as the kernel",
                f"⌊({n} + 2·{p} − {s})/{k}⌋ + 1 = {swapped} swaps them: the kernel k = {k} is subtracted, the "
                f"stride s = {s} divides",
                swapped,
            )
        )
    unstrided = _size_or_none("conv", n, k, 1, p) if s > 1 else None
    if unstrided is not None:
        mistakes.append(
            Mistake(
                "the stride left out",
                f"⌊({n} + 2·{p} − {k})/1⌋ + 1 = {unstrided} is stride 1; with stride {s} the window stops at "
                f"every {s}th position only",
                unstrided,
            )
        )
    return distinct(answer, mistakes)


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
        f"A convolution with a {k}×{k} kernel, stride {s}{pad} takes a {n}×{n} input. What is the output height?",
        res.output[0],
        res.axes[0].steps,
        tuple(map(str, res.axes[0].notes)),
        ("shape", "--input", str(n), "--kernel", str(k), "--stride", str(s), "--padding", str(p)),
        mistakes=shape_mistakes(n, k, s, p, res.output[0]),
    )


# -- parameters -------------------------------------------------------------------------------------


def params_problem(rng: random.Random) -> Problem:
    if rng.random() < 0.7:
        return _conv_params_problem(rng)
    return _fc_params_problem(rng)


def _conv_params_problem(rng: random.Random) -> Problem:
    cin = rng.choice((1, 2, 3, 8, 16, 32, 64))
    cout = rng.choice((6, 8, 16, 24, 32, 64, 128, 192))
    k = rng.choice((1, 3, 3, 5))
    pc = conv_params(cin, cout, (k, k))
    per_channel = conv_params(1, cout, (k, k))
    mistakes = [
        Mistake(
            "the biases left out",
            f"{k}·{k}·{cin}·{cout} = {group_digits(pc.weights)} counts the weights only (the notes' kw·kh·Ci·Co); "
            f"the question counts the {plural(cout, 'bias', 'biases')} too",
            pc.weights,
        ),
        Mistake(
            "the input channels left out",
            f"{k}·{k}·{cout} + {cout} = {group_digits(per_channel.total)} gives each filter one {k}×{k} kernel; it "
            f"has one per input channel, {cin}",
            per_channel.total,
        ),
        Mistake(
            "one bias per weight",
            f"2·{k}·{k}·{cin}·{cout} = {group_digits(2 * pc.weights)}; there is one bias per filter (output "
            "channel), not per weight",
            2 * pc.weights,
        ),
    ]
    return Problem(
        "params",
        f"A convolution maps {plural(cin, 'input channel')} to {plural(cout, 'output channel')} with {k}×{k} "
        "kernels and biases. How many parameters does it have?",
        pc.total,
        pc.steps,
        pc.notes,
        ("params", "--cin", str(cin), "--cout", str(cout), "--k", str(k)),
        mistakes=distinct(pc.total, mistakes),
    )


def _fc_params_problem(rng: random.Random) -> Problem:
    c = rng.choice((8, 16, 24, 32, 64))
    hw = rng.choice((2, 3, 4, 5, 7))
    fout = rng.choice((10, 64, 100, 128))
    fin = c * hw * hw
    flat = Step(
        "features", "C·H·W", f"{c}·{hw}·{hw}", fin, why="flatten lays every value of the map out in a row"
    )
    pc = fc_params(fin, fout)
    channels_only = fc_params(c, fout)
    mistakes = [
        Mistake(
            "the biases left out",
            f"{group_digits(fin)}·{fout} = {group_digits(pc.weights)} counts the weights only (the notes' Ci·Co); "
            f"the question counts the {fout} biases too",
            pc.weights,
        ),
        Mistake(
            "the channels taken for the features",
            f"{c}·{fout} + {fout} = {group_digits(channels_only.total)} connects only {c} inputs; flatten hands on "
            f"all {c}·{hw}·{hw} = {group_digits(fin)} values",
            channels_only.total,
        ),
    ]
    return Problem(
        "params",
        f"A {c}×{hw}×{hw} feature map is flattened into a fully connected layer with {fout} outputs and biases. "
        "How many parameters does that layer have?",
        pc.total,
        (flat, *pc.steps),
        pc.notes,
        ("params", "--fc", "--cin", str(fin), "--cout", str(fout)),
        mistakes=distinct(pc.total, mistakes),
    )


# -- receptive fields -----------------------------------------------------------------------------------


def rf_working(rows: tuple[RFRow, ...], axis: str = "H") -> tuple[Step, ...]:
    """The back-recursion's steps of one axis, each labelled with the layer it works."""
    return tuple(
        Step(f"layer {r.number} ({r.text}) RF", s.formula, s.substituted, s.value, s.why, s.notes)
        for r in rows
        for s in r.steps
        if s.label == f"RF_{axis}"
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
    rf, rows = back_recursion(walk(spec))
    kernels = [r.k[0] for r in reversed(rows)]
    no_strides = 1 + sum(k - 1 for k in kernels)
    mistakes = [
        Mistake(
            "the strides left out",
            f"1 + {' + '.join(f'({k} − 1)' for k in kernels)} = {no_strides} grows the field by k − 1 per layer; "
            "after a stride s every later layer's window moves s input pixels per step, so its k − 1 counts s "
            "times",
            no_strides,
        ),
        Mistake(
            "the kernels added up",
            f"{' + '.join(map(str, kernels))} = {sum(kernels)}; neighbouring windows overlap, so a layer adds "
            "(k − 1)·jump, not k",
            sum(kernels),
        ),
        Mistake(
            "the last layer's kernel only",
            f"{kernels[-1]} is what one unit of the last layer sees of its own input; the layers before widen it",
            kernels[-1],
        ),
    ]
    return Problem(
        "rf",
        f"What is the receptive field (height, in input pixels) of one output unit of: {spec}?",
        rf[0],
        rf_working(rows),
        ("Back-recursion from one output unit: RF_i = (RF_{i+1} − 1)·s + d(k − 1) + 1, last layer first.",),
        ("rf", spec),
        mistakes=distinct(rf[0], mistakes),
    )


# -- pooling ----------------------------------------------------------------------------------------------


def pool_problem(rng: random.Random) -> Problem:
    kind = rng.random()
    if kind < 0.6:
        return _pool_size_problem(rng)
    if kind < 0.8:
        return _min_pool_problem(rng)
    return _pool_params_problem(rng)


def _pool_size_problem(rng: random.Random) -> Problem:
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
    answer = res.output[0]
    stride_used = k if s is None else s
    span = n - k
    mistakes = [
        Mistake(
            "the rounding forgotten" if ceil else "the floor forgotten",
            f"({n} − {k})/{stride_used} + 1 = {_fmt(_num(Fraction(span, stride_used) + 1))} is not whole; "
            + ("ceil_mode rounds up" if ceil else "a pool rounds down unless ceil_mode=True"),
            _num(Fraction(span, stride_used) + 1),
        ),
    ]
    other = _size_or_none("maxpool", n, k, s, 0, not ceil)
    if other is not None:
        mistakes.append(
            Mistake(
                "rounding down, as without ceil_mode" if ceil else "rounding up, as with ceil_mode",
                f"that is {other}, the output {'without' if ceil else 'with'} ceil_mode; "
                + (
                    "ceil_mode=True keeps a last partial window"
                    if ceil
                    else "PyTorch's default is ceil_mode=False"
                ),
                other,
            )
        )
    if s is None:
        one = _size_or_none("maxpool", n, k, 1, 0, ceil)
        if one is not None:
            mistakes.append(
                Mistake(
                    "stride 1 assumed",
                    f"⌊({n} − {k})/1⌋ + 1 = {one} slides one cell at a time; a pool's stride defaults to its "
                    f"kernel, {k}, so the windows do not overlap",
                    one,
                )
            )
    return Problem(
        "pool",
        f"A {k}×{k} max pool with {stride}{mode} takes a {n}×{n} map. What is the output height?",
        answer,
        res.axes[0].steps,
        res.notes + tuple(map(str, res.axes[0].notes)),
        tuple(argv),
        mistakes=distinct(answer, mistakes),
    )


def _min_pool_problem(rng: random.Random) -> Problem:
    values = [rng.randint(0, 9) for _ in range(16)]
    x = np.array(values, dtype=np.int64).reshape(1, 4, 4)
    row, col = rng.randint(0, 1), rng.randint(0, 1)
    mn = step_pool(x, "min", 2)
    mx = step_pool(x, "max", 2)
    av = step_pool(x, "avg", 2)
    cell = mn.cell(0, row, col)
    text = "; ".join(" ".join(map(str, values[i * 4 : i * 4 + 4])) for i in range(4))
    mistakes = [
        Mistake(
            "the maximum taken",
            f"{mx.cell(0, row, col).text}: that is max pooling",
            mx.cell(0, row, col).value,
        ),
        Mistake(
            "the average taken",
            f"{av.cell(0, row, col).text}: that is average pooling",
            av.cell(0, row, col).value,
        ),
    ]
    return Problem(
        "pool",
        f"A 2×2 min pool (stride 2) takes the 4×4 map {text}. What is output cell ({row}, {col}) (row, column, "
        "counting from 0)?",
        cell.value,
        (
            Step(
                f"out({row}, {col})",
                "the smallest value of the window",
                cell.text.split(" = ")[0],
                cell.value,
            ),
        ),
        (
            "Note 002 pools with the average, the minimum or the maximum; PyTorch's min pool is -max_pool2d(-x).",
        ),
        ("step", "pool", "--op", "min", "--input", text, "--kernel", "2"),
        mistakes=distinct(cell.value, mistakes),
    )


def _pool_params_problem(rng: random.Random) -> Problem:
    c = rng.choice((8, 16, 32, 64))
    side = rng.choice((8, 12, 14, 16, 28))
    fout = rng.choice((10, 64, 100))
    pooled = side // 2
    fc = fc_params(c * pooled * pooled, fout)
    unpooled = fc_params(c * side * side, fout)
    mistakes = [
        Mistake(
            "the pool skipped",
            f"{c}·{side}·{side}·{fout} + {fout} = {group_digits(unpooled.total)} is the layer without the pool; "
            f"the 2×2 pool hands on a {side // 2}×{side // 2} map",
            unpooled.total,
        ),
        Mistake(
            "the pool taken to divide by 2, not 4",
            f"{c}·{side * side // 2}·{fout} + {fout} = {group_digits(c * side * side // 2 * fout + fout)}; a 2×2 "
            "pool halves both height and width",
            c * side * side // 2 * fout + fout,
        ),
        Mistake(
            "the biases left out",
            f"{group_digits(fc.weights)} counts the weights only; the layer has {fout} biases too",
            fc.weights,
        ),
    ]
    return Problem(
        "pool",
        f"A {c}×{side}×{side} map goes through a 2×2 max pool, is flattened and feeds a fully connected layer with "
        f"{fout} outputs and biases. How many parameters does that layer have?",
        fc.total,
        (Step("features", "C·(H/2)·(W/2)", f"{c}·{pooled}·{pooled}", c * pooled * pooled), *fc.steps),
        ("The pool has no parameters; it makes the map 4× smaller, and so the layer after it (note 003).",),
        ("net", f"input {c}x{side}x{side} | maxpool k=2 | flatten | fc {fout}"),
        mistakes=distinct(fc.total, mistakes),
    )
