"""Guided lessons: a short explanation, a worked example computed live, and a checked question.

Every number in a lesson comes from the engines (`cnncalc.arith`, `cnncalc.lessons.step`) when the
lesson is built; the text only words them. A lesson is data (`Lesson`); `cnncalc.render.lessons`
draws it.

>>> build_lesson("rf").question.answer
8
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod

import numpy as np

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import walk
from cnncalc.arith.params import conv_macs, conv_params, fc_params
from cnncalc.arith.receptive_field import back_recursion
from cnncalc.arith.sizes import layer_output, same_padding, tconv_output_size
from cnncalc.arith.steps import Step, group_digits
from cnncalc.lessons.beyond_arithmetic import (
    build_activations,
    build_batchnorm,
    build_dropout,
    build_overfitting,
    build_softmax,
)
from cnncalc.lessons.blocks import Lesson, Para, Question, Table, Worked
from cnncalc.lessons.examples import EXAMPLES
from cnncalc.lessons.matrix import parse_matrix
from cnncalc.lessons.problems import matches, rf_working
from cnncalc.lessons.quiz import parse_answer
from cnncalc.lessons.step import ConvTrace, PoolTrace, step_conv, step_pool


@dataclass(frozen=True)
class ConvShow:
    trace: ConvTrace
    full: tuple[tuple[int, int, int], ...]  # (kernel, row, col) cells drawn in full; the rest one line each

    def to_dict(self) -> dict:
        return {"type": "conv", **self.trace.to_dict()}


@dataclass(frozen=True)
class PoolShow:
    trace: PoolTrace
    full: tuple[tuple[int, int, int], ...]

    def to_dict(self) -> dict:
        return {"type": "pool", **self.trace.to_dict()}


def check_answer(question: Question, given: str | None) -> bool | None:
    """True/False for an answer, None when there was none; within `question.tolerance` counts."""
    if given is None or not given.strip():
        return None
    value = parse_answer(given)
    return value is not None and matches(value, question.answer, question.tolerance)


def _conv_example(name: str, **over) -> ConvTrace:
    ex = EXAMPLES[name]
    return step_conv(
        parse_matrix(ex.input),
        [parse_matrix(k) for k in ex.kernels],
        list(ex.bias) or None,
        over.get("stride", int(ex.stride or 1)),
        over.get("padding", int(ex.padding) if ex.padding.isdigit() else ex.padding),
    )


# -- the lessons ------------------------------------------------------------------------------------


def lesson_conv() -> Lesson:
    d2l = _conv_example("d2l")
    first = d2l.cell(0, 0, 0)
    x = parse_matrix("1 2 0; 0 1 3; 2 1 1")
    k = parse_matrix("1 0; 0 1")
    q = step_conv(x, [k])
    target = q.cell(0, 1, 1)
    return Lesson(
        "conv",
        "What a convolution computes",
        (
            Para(
                "A convolution layer slides a small grid of weights, the kernel, over its input. At each position "
                "it multiplies every kernel weight by the input value under it and adds the products: one number "
                "of the output. Deep-learning libraries compute this without flipping the kernel (mathematicians "
                "call it cross-correlation); PyTorch's conv2d does exactly what is shown here."
            ),
            Para(
                f"d2l's example: the top-left window gives {first.text}. The window then moves one column right, "
                f"and so on, filling a {d2l.output.shape[1]}×{d2l.output.shape[2]} output."
            ),
            ConvShow(d2l, ((1, 0, 0),)),
        ),
        Question(
            "Input 1 2 0; 0 1 3; 2 1 1 and kernel 1 0; 0 1 (a 2×2 kernel, stride 1). "
            "What is output cell (1, 1) (row 1, column 1, counting from 0)?",
            target.value,
            (
                Step(
                    "out(1, 1)",
                    "Σ input × kernel over the window",
                    target.text.rsplit(" = ", 1)[0],
                    target.value,
                ),
            ),
            "The window of cell (1, 1) covers input rows 1–2 and columns 1–2.",
        ),
    )


def lesson_padding() -> Lesson:
    n, k = 28, 5
    p = same_padding(n, k)[0]
    padded = layer_output("conv", (n, n), k, 1, p)
    plain = layer_output("conv", (n, n), k)
    note_formula = (n - p) // 1 + 1
    trace = _conv_example("padding")
    qn, qk = 32, 7
    qp = same_padding(qn, qk)
    check = layer_output("conv", (qn, qn), qk, 1, qp[0])
    return Lesson(
        "padding",
        "Padding: keeping the size",
        (
            Para(
                f"Without padding, a k×k kernel fits at only n − k + 1 positions: a {n}×{n} input shrinks to "
                f"{plain.output[0]}×{plain.output[0]} under a {k}×{k} kernel. Padding adds a ring of p zeros on "
                "every side, so the window can also sit over the border."
            ),
            Worked(
                f"{n}×{n} input, {k}×{k} kernel, without and with padding {p}",
                plain.steps[:1] + padded.steps[:1],
            ),
            Para(
                f"Course notes (note 001) write the output size as (n − p)/s + 1. That is wrong twice: the kernel "
                f"size is missing and padding is added on both sides. For n = {n}, p = {p}, s = 1 it gives "
                f"({n} − {p})/1 + 1 = {note_formula}, but the layer really outputs {padded.output[0]}: "
                f"⌊(n + 2p − k)/s⌋ + 1."
            ),
            Para(
                "Padding cells are zeros: they add nothing to the products, but let the window reach the border."
            ),
            ConvShow(trace, ((1, 0, 0),)),
        ),
        Question(
            f"What padding p keeps a {qn}×{qn} input at {qn}×{qn} under a {qk}×{qk} kernel with stride 1?",
            qp[0],
            (
                Step(
                    "p",
                    "(k − 1)/2",
                    f"({qk} − 1)/2",
                    qp[0],
                    why="k − 1 extra positions, split over both sides",
                ),
                *check.steps[:1],
            ),
        ),
    )


def lesson_stride() -> Lesson:
    n, k = 7, 3
    s1 = layer_output("conv", (n, n), k, 1)
    s2 = layer_output("conv", (n, n), k, 2)
    odd = layer_output("conv", (10, 10), 3, 2)
    trace = _conv_example("stride")
    qn, qk, qs = 15, 3, 2
    q = layer_output("conv", (qn, qn), qk, qs)
    return Lesson(
        "stride",
        "Stride: how far the window jumps",
        (
            Para(
                "The stride s is how many cells the window moves between two outputs. With stride 2 every "
                "other position is skipped, so the output is about half as large: ⌊(n + 2p − k)/s⌋ + 1."
            ),
            Worked(f"{n}×{n} input, {k}×{k} kernel, stride 1 and stride 2", s1.steps[:1] + s2.steps[:1]),
            Para(
                f"Stride 1 gives {s1.output[0]}, stride 2 gives {s2.output[0]}: a smaller stride gives a LARGER "
                "output, not a smaller one as note 000 (§2) says; the window stops at more places."
            ),
            Worked(
                "cs231n's puzzle: a stride that does not fit",
                odd.steps[:1],
                tuple(map(str, odd.axes[0].notes)),
            ),
            ConvShow(trace, ((1, 0, 0), (1, 0, 1))),
        ),
        Question(
            f"A {qn}×{qn} input, a {qk}×{qk} kernel, stride {qs}, no padding. What is the output height?",
            q.output[0],
            q.steps[:1],
        ),
    )


def lesson_channels() -> Lesson:
    trace = _conv_example("multichannel")
    first = trace.cell(0, 0, 0)
    cs = _conv_example("cs231n")
    cin, cout, k = 16, 32, 3
    macs = conv_macs(cin, cout, (k, k), 1, (1, 1))
    per_value = macs.value // cout
    return Lesson(
        "channels",
        "Several channels and several kernels",
        (
            Para(
                "A colour image has 3 channels; a feature map has as many channels as the layer before had kernels. "
                "A kernel therefore has one k×k slice per input channel: each slice is cross-correlated with its "
                "channel, and the partial sums are added into one output value."
            ),
            Para(
                f"d2l's 2-channel example: {' and '.join(c.text for c in first.channels)}, "
                f"so the first output is {first.text}."
            ),
            ConvShow(trace, ((1, 0, 0),)),
            Para(
                f"Several kernels make several output channels: cs231n's demo has {len(cs.kernels)} kernels of "
                f"{'×'.join(map(str, cs.kernels[0].shape))}, so its output is "
                f"{'×'.join(map(str, cs.output.shape))}; every value adds "
                f"{prod(cs.kernels[0].shape)} products and a bias."
            ),
            ConvShow(cs, ((1, 0, 0),)),
        ),
        Question(
            f"A layer has {cout} kernels of {k}×{k} on a {cin}-channel input. How many multiplications make ONE "
            "output value?",
            per_value,
            (
                Step(
                    "products",
                    "C_in · k_h · k_w",
                    f"{cin} · {k} · {k}",
                    per_value,
                    why="one per weight of one kernel",
                ),
            ),
            f"At each output position the layer does {cout} such dot products: "
            f"{cout} · {per_value} = {group_digits(macs.value)} multiply-accumulates.",
        ),
    )


def lesson_pooling() -> Lesson:
    ex = EXAMPLES["maxpool"]
    x = parse_matrix(ex.input)
    mx = step_pool(x, "max", 2, backward=True)
    avg = step_pool(x, "avg", 2)
    first, first_avg = mx.cell(0, 0, 0), avg.cell(0, 0, 0)
    p1 = layer_output("maxpool", (92, 92), 4)
    p2 = layer_output("maxpool", (18, 18), 4)
    return Lesson(
        "pooling",
        "Pooling: shrinking a map without weights",
        (
            Para(
                "A pooling layer slides a window like a convolution but has no weights: max pooling keeps the "
                "largest value of each window, average pooling their mean. Its stride defaults to the window "
                "size, so windows do not overlap and a 2×2 pool halves height and width."
            ),
            Para(f"First window: {first.text}; averaged instead: {first_avg.text}."),
            PoolShow(mx, ((1, 0, 0),)),
            Para(
                "Going backward, max pooling sends each gradient only to the cell that won; the other cells of "
                "the window get 0. Average pooling splits it evenly."
            ),
            Worked(
                "Note 001's network: 8×92×92 after the first conv, then a 4×4 max pool",
                p1.steps[:1],
                p1.notes,
            ),
        ),
        Question(
            "In note 001's network the second conv gives 24×18×18, and a 4×4 max pool follows. "
            "What is the pool's output height?",
            p2.output[0],
            p2.steps[:1],
            f"So the map is 24×{p2.output[0]}×{p2.output[1]}; the note's '8×23×23' repeats the first pool's shape. "
            + " ".join(map(str, p2.axes[0].notes)),
        ),
    )


def lesson_params() -> Lesson:
    side, window, hidden_units = 1000, 10, 1000 * 1000
    pixels = side * side
    dense = fc_params(pixels, hidden_units, bias=False)
    local = hidden_units * window * window
    shared = conv_params(1, 1, (window, window), bias=False)
    many = conv_params(1, 100, (window, window), bias=False)
    q = conv_params(3, 192, (3, 3))
    return Lesson(
        "params",
        "Counting parameters, and why weight sharing matters",
        (
            Para(
                f"Note 001's argument: a {side}×{side} image has {group_digits(pixels)} pixels. A fully connected "
                f"layer with {group_digits(hidden_units)} hidden units gives every unit a weight for every pixel:"
            ),
            Worked("fully connected", dense.steps),
            Para(
                f"Local connections: each unit looks only at a {window}×{window} patch, "
                f"{group_digits(hidden_units)} · {window * window} = {group_digits(local)} weights "
                f"({group_digits(dense.weights // local)} times fewer)."
            ),
            Para(
                "Weight sharing: every unit uses the SAME patch of weights, because a feature (an edge, an eye) "
                f"looks the same wherever it is. That is a convolution: {group_digits(shared.weights)} weights for "
                f"one filter, {group_digits(many.weights)} for 100 filters."
            ),
            Worked(f"one {window}×{window} filter", shared.steps),
            Para(
                "Counting a conv layer: each of the C_out filters holds C_in slices of k_h × k_w weights, plus one "
                "bias per filter."
            ),
        ),
        Question(
            "Note 001's exercise: a conv layer with 3 input channels, 192 output channels and 3×3 kernels. "
            "How many WEIGHTS does it have (not counting biases)?",
            q.weights,
            q.steps,
            " ".join(q.notes),
        ),
    )


def lesson_rf() -> Lesson:
    two = walk("conv 1 k=3 | conv 1 k=3")
    three = walk("conv 1 k=3 | conv 1 k=3 | conv 1 k=3")
    rf2, rows2 = back_recursion(two)
    c = 64
    stacked = 3 * conv_params(c, c, (3, 3), bias=False).weights
    wide = three.receptive_field or (7, 7)
    single = conv_params(c, c, wide, bias=False)
    spec = "conv 1 k=3 | maxpool k=2 | conv 1 k=3"
    q = walk(spec)
    rf_q, rows_q = back_recursion(q)
    return Lesson(
        "rf",
        "Receptive field: how much of the image one unit sees",
        (
            Para(
                "A unit's receptive field is the patch of the input image that can change its value. Work it "
                "backward from one output unit: each layer widens it by d(k − 1), times the product of the strides "
                "before it."
            ),
            Worked("two 3×3 convolutions", rf_working(rows2)),
            Para(
                f"Two 3×3 layers see {rf2[0]}×{rf2[1]}, three see {three.receptive_field[0]}×"
                f"{three.receptive_field[1]}, like one {wide[0]}×{wide[1]} layer, but with {group_digits(stacked)} weights instead "
                f"of {group_digits(single.weights)} for {c} → {c} channels (VGG's argument)."
            ),
        ),
        Question(
            f"What is the receptive field (height) of one output unit of: {spec}?",
            rf_q[0],
            rf_working(rows_q),
            "The 2×2 pool has stride 2, so every layer after it moves twice as far in input pixels.",
        ),
    )


def lesson_fc() -> Lesson:
    spec = "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 | flatten | fc 100"
    net = walk(spec)
    flat = next(r for r in net.layers if r.layer.kind == "flatten")
    fc = next(r for r in net.layers if r.layer.kind == "fc")
    before = flat.input_shape or ()
    c, h, w = 64, 3, 3
    q = fc_params(c * h * w, 10)
    flat_step = Step(
        "features",
        "C·H·W",
        "·".join(map(str, before)),
        prod(before),
        why="flatten lays the map out as one long vector",
    )
    return Lesson(
        "fc",
        "Flatten and fully connected layers",
        (
            Para(
                "Convolutions keep the C×H×W layout; a classifier needs one vector. Flatten lays the map out in a "
                "row, and a fully connected layer connects every value to every output unit: C_in·C_out weights "
                "plus C_out biases. After flattening there is no image left, so no conv or pool can follow."
            ),
            Para(f"Note 001's network: {spec}."),
            Worked(
                f"{'×'.join(map(str, before))} → flatten → fc {fc.output_shape[0] if fc.output_shape else ''}",
                (flat_step, *(fc.params.steps if fc.params else ())),
            ),
            Para(
                f"That one fc layer holds {group_digits(fc.total_params)} of the network's "
                f"{group_digits(net.total_params)} parameters: fully connected layers are where parameters pile up."
            ),
            Para(
                f"Note 001 calls it '一个100参数的全连接层', a fully connected layer of 100 parameters; the 100 is its "
                f"number of outputs. With {group_digits(prod(before))} inputs it has "
                f"{group_digits(fc.total_params)} parameters (the notes' Ci·Co counts "
                f"{group_digits(fc.params.weights if fc.params else 0)} weights; add the 100 biases)."
            ),
        ),
        Question(
            f"A {c}×{h}×{w} map is flattened into a fully connected layer with 10 outputs (with biases). "
            "How many parameters does the layer have?",
            q.total,
            (Step("features", "C·H·W", f"{c}·{h}·{w}", c * h * w), *q.steps),
        ),
    )


def lesson_tconv() -> Lesson:
    up = layer_output("tconv", (4, 4), 4, 2, 1)
    conv_back = layer_output("conv", up.output, 4, 2, 1)
    qn, qk, qs, qp, qop = 7, 3, 2, 1, 1
    q = layer_output("tconv", (qn, qn), qk, qs, qp, output_padding=qop)
    return Lesson(
        "tconv",
        "Transposed convolution: growing a map",
        (
            Para(
                "Note 001 asks how to get an output as large as the input back, and answers: a 'deconvolution' with "
                "a stride smaller than 1. The layer is a transposed convolution: every input value stamps a scaled "
                "copy of the kernel into the output, s cells apart. It equals a normal convolution over the input "
                "with s − 1 zeros inserted between its cells: a stride of 1/s."
            ),
            Worked("4×4 input, 4×4 kernel, stride 2, padding 1", up.steps[:1]),
            Para(
                f"It doubles 4 to {up.output[0]}, and a convolution with the same k, s, p maps {up.output[0]} back "
                f"to {conv_back.output[0]}: the transposed layer undoes the shape (not the values)."
            ),
        ),
        Question(
            f"A transposed convolution with a {qk}×{qk} kernel, stride {qs}, padding {qp} and output_padding {qop} "
            f"takes a {qn}×{qn} input. What is the output height?",
            tconv_output_size(qn, qk, qs, qp, output_padding=qop),
            q.steps[:1],
        ),
    )


def _shifted_feature(col: int, size: int = 4) -> np.ndarray:
    """A 1×size×size feature map, 0 but for a 9 at row 1, column `col` (an edge a filter found)."""
    x = np.zeros((1, size, size), dtype=np.int64)
    x[0, 1, col] = 9
    return x


def lesson_pool_why() -> Lesson:
    cases = [(col, step_pool(_shifted_feature(col), "max", 2)) for col in (0, 1, 2)]
    rows = tuple(
        (
            f"row 1, column {col}",
            "; ".join(" ".join(str(v) for v in r) for r in t.output[0].tolist()),
            "same as column 0" if t.output_list() == cases[0][1].output_list() else "changed",
        )
        for col, t in cases
    )
    minpool = step_pool(parse_matrix(EXAMPLES["minpool"].input), "min", 2)
    plain_spec = "input 1x28x28 | conv 16 k=5 p=2 | relu | flatten | fc 10"
    pooled_spec = "input 1x28x28 | conv 16 k=5 p=2 | relu | maxpool k=2 | flatten | fc 10"
    plain, pooled = walk(plain_spec), walk(pooled_spec)
    param_rows = tuple(
        (
            net_name,
            " | ".join(lr.layer.describe() for lr in net.layers),
            " + ".join(group_digits(lr.total_params) for lr in net.layers if lr.total_params),
            group_digits(net.total_params),
        )
        for net_name, net in (("without the pool", plain), ("with a 2×2 max pool", pooled))
    )
    fc_plain, fc_pooled = plain.layers[-1].total_params, pooled.layers[-1].total_params
    q_channels, q_side = 32, 14
    q_out = layer_output("maxpool", (q_side, q_side), 2).output[0]
    q = fc_params(q_channels * q_out * q_out, 10)
    return Lesson(
        "pool-why",
        "Why pool: small shifts, min pooling, and the parameters after it",
        (
            Para(
                "Note 001: pooling makes the network robust to small translations 'to a degree'. A feature a "
                "filter found (9) moves by one column at a time; after a 2×2 max pool:"
            ),
            Table(
                "the same 4×4 feature map, the 9 moved along row 1",
                ("the 9 at", "pooled 2×2 map", ""),
                rows,
                "lll",
            ),
            Para(
                "A shift inside one pooling window changes nothing after the pool; a shift across a window's "
                "border does. That is the 'to a degree': pooling forgives small shifts, not all of them, and it "
                "gives up where exactly the feature was (note 001: a trade between computation and precision)."
            ),
            Para(
                "Note 002 pools with the average, the minimum or the maximum of four neighbours. Min pooling keeps "
                "the smallest value of each window (PyTorch has no MinPool2d; -max_pool2d(-x) is one; "
                "`cnncalc step pool --op min` works it):"
            ),
            PoolShow(minpool, ((1, 0, 0),)),
            Para(
                "Note 003 says pooling reduces the number of parameters. It has none itself; it makes the map "
                "smaller, and only the layers after it that depend on the map's size get fewer. Note 003's first "
                "block, with and without its pool:"
            ),
            Table(
                "parameters, layer by layer", ("network", "layers", "parameters", "total"), param_rows, "lllr"
            ),
            Para(
                f"The conv keeps its {group_digits(plain.layers[0].total_params)} parameters either way; the fully "
                f"connected layer after the pool sees a 4× smaller map and drops from {group_digits(fc_plain)} to "
                f"{group_digits(fc_pooled)}. A pool right before a global average pool, or after the last layer "
                "with weights, saves no parameters at all, only computation."
            ),
        ),
        Question(
            f"A {q_channels}×{q_side}×{q_side} map goes through a 2×2 max pool, is flattened, and feeds a fully "
            "connected layer with 10 outputs (with biases). How many parameters does that layer have?",
            q.total,
            (
                Step("features", "C·H·W", f"{q_channels}·{q_out}·{q_out}", q_channels * q_out * q_out),
                *q.steps,
            ),
            f"Without the pool it would be {group_digits(fc_params(q_channels * q_side * q_side, 10).total)}; the "
            "pool itself has 0.",
        ),
    )


def lesson_residual() -> Lesson:
    from cnncalc.lessons.residual import build_residual  # runs the trainer: numpy only when asked for

    return build_residual()


LESSONS: dict[str, tuple[str, Callable[[], Lesson]]] = {
    "conv": ("What a convolution computes", lesson_conv),
    "padding": ("Padding: keeping the size", lesson_padding),
    "stride": ("Stride: how far the window jumps", lesson_stride),
    "channels": ("Several channels and several kernels", lesson_channels),
    "pooling": ("Pooling: shrinking a map without weights", lesson_pooling),
    "params": ("Counting parameters, and why weight sharing matters", lesson_params),
    "rf": ("Receptive field: how much of the image one unit sees", lesson_rf),
    "fc": ("Flatten and fully connected layers", lesson_fc),
    "tconv": ("Transposed convolution: growing a map", lesson_tconv),
    "pool-why": ("Why pool: small shifts, min pooling, and the parameters after it", lesson_pool_why),
    "activations": ("Activation functions: why a network needs a non-linearity", build_activations),
    "softmax": ("Softmax and cross-entropy: from scores to probabilities to a loss", build_softmax),
    "batchnorm": (
        "Batch normalisation: normalise over the batch, then scale and shift",
        build_batchnorm,
    ),
    "dropout": ("Dropout: switching units off at random while training", build_dropout),
    "overfitting": (
        "Overfitting: dropout, weight decay and early stopping, trained for real",
        build_overfitting,
    ),
    "residual": (
        "Skip connections: the gradient path, matching shapes, projection shortcuts",
        lesson_residual,
    ),
}


def build_lesson(name: str) -> Lesson:
    key = name.strip().lower()
    if key not in LESSONS:
        raise UsageError(f"lesson {name!r} is not one of {', '.join(LESSONS)}")
    return LESSONS[key][1]()
