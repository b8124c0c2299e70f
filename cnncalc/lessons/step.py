"""Step-through convolution and pooling: every output cell with its arithmetic written out.

Convolution (cross-correlation, as in PyTorch's `conv2d`), for output channel o at (i, j):

    out[o, i, j] = b[o] + Σ_c Σ_u Σ_v x_pad[c, i·s_h + u·d_h, j·s_w + v·d_w] · K[o, c, u, v]

Pooling takes the max, mean or sum of each window, channel by channel. The output sizes come from
`cnncalc.arith.sizes.layer_output`, the one place the size formula lives.

>>> t = step_conv(np.array([[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]), [np.array([[[0, 1], [2, 3]]])])
>>> t.output_list()
[[19, 25], [37, 43]]
>>> t.cells[0].text
'0×0 + 1×1 + 3×2 + 4×3 = 19'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.sizes import ShapeResult, layer_output
from cnncalc.i18n import _, ngettext
from cnncalc.lessons.matrix import fmt_number, pyvalue
from cnncalc.safety.limits import STEP_MAX_CELLS, STEP_MAX_PRODUCTS, STEP_MAX_SIDE

POOL_OPS = ("max", "min", "avg", "sum")
WINNER_OPS = ("max", "min")  # a window's value comes from one cell, which gets all the gradient
Pad = tuple[int, int]


def term(a: int | float, b: int | float) -> str:
    """`3×2`, with negative factors in parentheses: `2×(-1)`."""
    fa, fb = fmt_number(a), fmt_number(b)
    return f"{f'({fa})' if fa.startswith('-') else fa}×{f'({fb})' if fb.startswith('-') else fb}"


def join_sum(parts: list[str]) -> str:
    """`a + b + (-c)` → `a + b - c` reads like arithmetic on paper."""
    out = parts[0] if parts else "0"
    for p in parts[1:]:
        out += f" - {p[1:]}" if p.startswith("-") else f" + {p}"
    return out


@dataclass(frozen=True)
class ChannelSum:
    """One input channel's share of an output cell: its products and their partial sum."""

    channel: int
    values: tuple[int | float, ...]
    weights: tuple[int | float, ...]
    padding: tuple[bool, ...]
    total: int | float

    @property
    def text(self) -> str:
        return f"{' + '.join(term(a, b) for a, b in zip(self.values, self.weights, strict=True))} = {fmt_number(self.total)}"

    def to_dict(self) -> dict:
        return {
            "channel": self.channel,
            "values": list(self.values),
            "weights": list(self.weights),
            "products": [a * b for a, b in zip(self.values, self.weights, strict=True)],
            "padding": list(self.padding),
            "sum": self.total,
            "text": self.text,
        }


@dataclass(frozen=True)
class ConvCell:
    """Output channel `kernel`, cell (`row`, `col`): its window, products, partial sums and value."""

    kernel: int
    row: int
    col: int
    top: int  # input row of the window's first tap (negative inside the top padding)
    left: int
    taps: tuple[tuple[int, int], ...]  # input (row, col) of every tap, row-major
    channels: tuple[ChannelSum, ...]
    bias: int | float | None
    value: int | float

    @property
    def text(self) -> str:
        """d2l's `0×0 + 1×1 + 3×2 + 4×3 = 19` for one channel; the channel sums and bias otherwise."""
        if len(self.channels) == 1 and self.bias is None:
            return self.channels[0].text
        parts = [fmt_number(c.total) for c in self.channels]
        if self.bias is not None:
            parts.append(fmt_number(self.bias))
        return f"{join_sum(parts)} = {fmt_number(self.value)}"

    def to_dict(self) -> dict:
        return {
            "kernel": self.kernel,
            "row": self.row,
            "col": self.col,
            "window": {"top": self.top, "left": self.left, "taps": [list(t) for t in self.taps]},
            "channels": [c.to_dict() for c in self.channels],
            "bias": self.bias,
            "value": self.value,
            "text": self.text,
        }


@dataclass(frozen=True)
class ConvTrace:
    input: np.ndarray  # C×H×W
    kernels: tuple[np.ndarray, ...]  # each C×kh×kw
    bias: tuple[int | float, ...] | None
    shape: ShapeResult
    output: np.ndarray  # O×H_out×W_out
    cells: tuple[ConvCell, ...]
    integral: bool
    threshold: float | None = None
    relu: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def padding(self) -> tuple[Pad, Pad]:
        return self.shape.padding[0], self.shape.padding[1]

    def output_list(self) -> list:
        """A 2-D list for one kernel, 3-D for several (the `--json` contract)."""
        out = [[[pyvalue(v, self.integral) for v in row] for row in ch] for ch in self.output]
        return out[0] if len(out) == 1 else out

    def activated(self) -> np.ndarray | None:
        """ReLU then threshold (1 where value > T), as note 002 does; None when neither was asked for."""
        a = self.output
        if self.relu:
            a = np.maximum(a, 0)
        if self.threshold is not None:
            a = (a > self.threshold).astype(np.int64)
        return a if (self.relu or self.threshold is not None) else None

    def cell(self, kernel: int, row: int, col: int) -> ConvCell:
        h, w = self.output.shape[1:]
        return self.cells[(kernel * h + row) * w + col]

    def to_dict(self) -> dict:
        d = {
            "op": "conv",
            "input_shape": list(self.input.shape),
            "kernel_shape": [len(self.kernels), *self.kernels[0].shape],
            "output_shape": list(self.output.shape),
            "stride": list(self.shape.stride),
            "padding": [list(p) for p in self.shape.padding],
            "dilation": list(self.shape.dilation),
            "bias": list(self.bias) if self.bias is not None else None,
            "output": self.output_list(),
        }
        d["relu"] = self.relu
        d["threshold"] = self.threshold
        if self.relu:
            d["relu_output"] = _nested(np.maximum(self.output, 0), self.integral)
        act = self.activated()
        if self.threshold is not None and act is not None:
            d["thresholded"] = _nested(act, True)
        d["size_steps"] = [s.to_dict() for s in self.shape.steps]
        d["notes"] = list(self.notes + self.shape.all_notes)
        d["steps"] = [c.to_dict() for c in self.cells]
        return d


def step_conv(
    x: np.ndarray,
    kernels: list[np.ndarray],
    bias: list[int | float] | None = None,
    stride: tuple[int, ...] | int = 1,
    padding: str | int | tuple[int, ...] = 0,
    dilation: tuple[int, ...] | int = 1,
    threshold: float | None = None,
    relu: bool = False,
) -> ConvTrace:
    """Convolve a C×H×W input with O kernels of C×kh×kw, recording every output cell.

    out[o, i, j] = Σ_c Σ_u Σ_v x_pad[c, i·s_h + u·d_h, j·s_w + v·d_w] · k_o[c, u, v] + b_o

    >>> step_conv(np.arange(9).reshape(1, 3, 3), [np.arange(4).reshape(1, 2, 2)]).output.tolist()
    [[[19, 25], [37, 43]]]
    """
    _check_conv_operands(x, kernels, bias)
    shape = layer_output("conv", tuple(x.shape[1:]), tuple(kernels[0].shape[1:]), stride, padding, dilation)
    check_lesson_size(shape, len(kernels) * math.prod(shape.output), math.prod(kernels[0].shape))
    (pt, pb), (pl, pr) = shape.padding
    integral = (
        x.dtype.kind == "i"
        and all(k.dtype.kind == "i" for k in kernels)
        and all(isinstance(b, int) for b in bias or [])
    )
    dtype = np.int64 if integral else np.float64
    xp = np.pad(x.astype(dtype), ((0, 0), (pt, pb), (pl, pr)))
    in_padding = np.pad(np.zeros(x.shape, dtype=bool), ((0, 0), (pt, pb), (pl, pr)), constant_values=True)
    ho, wo = shape.output
    out = np.zeros((len(kernels), ho, wo), dtype=dtype)
    cells = []
    for o, k in enumerate(kernels):
        b = bias[o] if bias is not None else None
        for i in range(ho):
            for j in range(wo):
                cell = _conv_cell(xp, in_padding, k.astype(dtype), b, shape, (o, i, j), integral)
                out[o, i, j] = cell.value
                cells.append(cell)
    notes: tuple[str, ...] = ()
    if (pt, pb, pl, pr) != (0, 0, 0, 0):
        notes = (
            _(
                "Zero padding: {rows} on top, {bottom} at the bottom, {columns} left, {right} right; "
                "padding cells count as 0 in the products."
            ).format(
                rows=ngettext("{n:,} row", "{n:,} rows", pt).format(n=pt),
                bottom=pb,
                columns=ngettext("{n:,} column", "{n:,} columns", pl).format(n=pl),
                right=pr,
            ),
        )
    trace_bias = tuple(bias) if bias is not None else None
    return ConvTrace(
        x, tuple(kernels), trace_bias, shape, out, tuple(cells), integral, threshold, relu, notes
    )


def check_lesson_size(shape: ShapeResult, cells: int, taps: int) -> None:
    """Refuse, before anything is allocated, a step-through larger than a terminal lesson shows:
    a padded input over STEP_MAX_SIDE a side, over STEP_MAX_CELLS output cells, or over
    STEP_MAX_PRODUCTS products (`taps` per cell) written out."""
    padded = tuple(n + before + after for n, (before, after) in zip(shape.input, shape.padding, strict=True))
    if max(padded) > STEP_MAX_SIDE:
        raise CnnCalcError(
            _(
                "the padded input is {shape}: a step-through shows at most {most} rows and columns; use a "
                "smaller input, kernel or padding (`cnncalc shape` works out the size of any layer)"
            ),
            shape=fmt_shape(padded),
            most=STEP_MAX_SIDE,
        )
    if cells > STEP_MAX_CELLS:
        raise CnnCalcError(
            _(
                "{cells:,} output cells: a step-through shows at most {most:,}, each written out; use a "
                "smaller input, kernel or padding (`cnncalc shape` works out the size of any layer)"
            ),
            cells=cells,
            most=STEP_MAX_CELLS,
        )
    if cells * taps > STEP_MAX_PRODUCTS:
        raise CnnCalcError(
            _(
                "{cells:,} cells of {taps:,} products each: a step-through writes out at most {most:,} "
                "products; use a smaller input, kernel or padding (`cnncalc shape` works out the size of "
                "any layer)"
            ),
            cells=cells,
            taps=taps,
            most=STEP_MAX_PRODUCTS,
        )


def _check_conv_operands(x: np.ndarray, kernels: list[np.ndarray], bias: list[int | float] | None) -> None:
    """A C×H×W input, at least one kernel, every kernel C×kh×kw alike, one bias per kernel."""
    if x.ndim != 3:
        raise UsageError(_("the input must be C×H×W, got {axes} axes"), axes=x.ndim)
    if not kernels:
        raise UsageError(_("no {field} given; give at least one kernel"), field="kernels")
    c_in = x.shape[0]
    k0 = kernels[0].shape
    for n, k in enumerate(kernels, 1):
        if k.shape[0] != c_in:
            raise CnnCalcError(
                ngettext(
                    "kernel {n} has {channels} channel but the input has {inputs}; a kernel needs one "
                    "{size} matrix per input channel, separated by '|'",
                    "kernel {n} has {channels} channels but the input has {inputs}; a kernel needs one "
                    "{size} matrix per input channel, separated by '|'",
                    k.shape[0],
                ),
                n=n,
                channels=k.shape[0],
                inputs=c_in,
                size=f"{k.shape[1]}×{k.shape[2]}",
            )
        if k.shape != k0:
            raise CnnCalcError(
                _(
                    "kernel {n} is {shape} but kernel 1 is {first}; all kernels of one layer have the same size"
                ),
                n=n,
                shape=fmt_shape(k.shape),
                first=fmt_shape(k0),
            )
    if bias is not None and len(bias) != len(kernels):
        raise UsageError(
            ngettext(
                "{count} bias value for {kernels}; give one {field} value per kernel",
                "{count} bias values for {kernels}; give one {field} value per kernel",
                len(bias),
            ),
            field="bias",
            count=len(bias),
            kernels=ngettext("{n} kernel", "{n} kernels", len(kernels)).format(n=len(kernels)),
        )


def _conv_cell(
    xp: np.ndarray,
    in_padding: np.ndarray,
    k: np.ndarray,
    bias: int | float | None,
    shape: ShapeResult,
    at: tuple[int, int, int],
    integral: bool,
) -> ConvCell:
    """Output cell `at` = (kernel, row, col): its window on the padded input, each channel's
    products and partial sum, the bias and the value."""
    o, i, j = at
    (pt, _bottom), (pl, _right) = shape.padding
    (sh, sw), (dh, dw) = shape.stride, shape.dilation
    kh, kw = k.shape[1:]
    r0, c0 = i * sh, j * sw
    rows = slice(r0, r0 + dh * (kh - 1) + 1, dh)
    cols = slice(c0, c0 + dw * (kw - 1) + 1, dw)
    win, pads = xp[:, rows, cols], in_padding[:, rows, cols]
    partial = (win * k).sum(axis=(1, 2))
    value = partial.sum() + (bias if bias is not None else 0)
    channels = tuple(
        ChannelSum(
            c + 1,
            tuple(pyvalue(v, integral) for v in win[c].ravel()),
            tuple(pyvalue(v, integral) for v in k[c].ravel()),
            tuple(bool(p) for p in pads[c].ravel()),
            pyvalue(partial[c], integral),
        )
        for c in range(k.shape[0])
    )
    taps = tuple((r0 + u * dh - pt, c0 + v * dw - pl) for u in range(kh) for v in range(kw))
    return ConvCell(o + 1, i, j, r0 - pt, c0 - pl, taps, channels, bias, pyvalue(value, integral))


# -- pooling --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolCell:
    """One pooled value: the real input cells of its window, the result, and (max) the winner."""

    channel: int
    row: int
    col: int
    top: int
    left: int
    cells: tuple[tuple[int, int], ...]  # input (row, col) of the window's real cells, row-major
    values: tuple[int | float, ...]
    padding_cells: int  # window cells in the padding (they never win a max; they count in an avg)
    divisor: int
    value: int | float
    winner: tuple[int, int] | None
    op: str

    @property
    def text(self) -> str:
        vals = ", ".join(fmt_number(v) for v in self.values)
        if self.op in WINNER_OPS:
            r, c = self.winner or (0, 0)
            return _("{op}({values}) = {value}, from input row {row}, column {col}").format(
                op=self.op, values=vals, value=fmt_number(self.value), row=r, col=c
            )
        total = join_sum([fmt_number(v) for v in self.values])
        if self.op == "sum":
            return f"{total} = {fmt_number(self.value)}"
        if not self.padding_cells:
            return f"({total})/{self.divisor} = {fmt_number(self.value)}"
        return ngettext(
            "({total} + {n} padding zero)/{divisor} = {value}",
            "({total} + {n} padding zeros)/{divisor} = {value}",
            self.padding_cells,
        ).format(total=total, n=self.padding_cells, divisor=self.divisor, value=fmt_number(self.value))

    def to_dict(self) -> dict:
        return {
            "channel": self.channel,
            "row": self.row,
            "col": self.col,
            "window": {"top": self.top, "left": self.left, "cells": [list(c) for c in self.cells]},
            "values": list(self.values),
            "padding_cells": self.padding_cells,
            "divisor": self.divisor if self.op == "avg" else None,
            "winner": list(self.winner) if self.winner else None,
            "value": self.value,
            "text": self.text,
        }


@dataclass(frozen=True)
class Route:
    """Backward pass: the upstream gradient of one output cell and where it goes."""

    channel: int
    row: int
    col: int
    grad: int | float
    to: tuple[tuple[int, int, int | float], ...]  # (input row, col, amount)

    @property
    def text(self) -> str:
        parts = ", ".join(f"({r}, {c}) += {fmt_number(a)}" for r, c, a in self.to)
        return f"∂L/∂out[{self.row}, {self.col}] = {fmt_number(self.grad)} → {parts}"

    def to_dict(self) -> dict:
        return {
            "channel": self.channel,
            "row": self.row,
            "col": self.col,
            "grad": self.grad,
            "to": [{"row": r, "col": c, "amount": a} for r, c, a in self.to],
            "text": self.text,
        }


@dataclass(frozen=True)
class PoolTrace:
    op: str
    input: np.ndarray
    shape: ShapeResult
    output: np.ndarray
    cells: tuple[PoolCell, ...]
    integral: bool
    grad_output: np.ndarray | None = None
    grad_input: np.ndarray | None = None
    routes: tuple[Route, ...] = ()
    notes: tuple[str, ...] = ()

    def output_list(self) -> list:
        return _nested(self.output, self.integral and self.op != "avg")

    def cell(self, channel: int, row: int, col: int) -> PoolCell:
        h, w = self.output.shape[1:]
        return self.cells[(channel * h + row) * w + col]

    def to_dict(self) -> dict:
        d = {
            "op": self.op,
            "input_shape": list(self.input.shape),
            "kernel": list(self.shape.kernel),
            "stride": list(self.shape.stride),
            "padding": [list(p) for p in self.shape.padding],
            "ceil": self.shape.ceil,
            "output_shape": list(self.output.shape),
            "output": self.output_list(),
        }
        if self.grad_input is not None and self.grad_output is not None:
            grad_int = self.grad_input.dtype.kind == "i"
            d["grad_output"] = _nested(self.grad_output, self.grad_output.dtype.kind == "i")
            d["grad_input"] = _nested(self.grad_input, grad_int)
            d["routes"] = [r.to_dict() for r in self.routes]
        d["size_steps"] = [s.to_dict() for s in self.shape.steps]
        d["notes"] = list(self.notes + self.shape.all_notes)
        d["steps"] = [c.to_dict() for c in self.cells]
        return d


def _nested(a: np.ndarray, integral: bool) -> list:
    out = [[[pyvalue(v, integral) for v in row] for row in ch] for ch in a]
    return out[0] if len(out) == 1 else out


def step_pool(
    x: np.ndarray,
    op: str,
    kernel: tuple[int, ...] | int,
    stride: tuple[int, ...] | int | None = None,
    padding: str | int | tuple[int, ...] = 0,
    ceil: bool = False,
    backward: bool = False,
    grad: np.ndarray | None = None,
) -> PoolTrace:
    """Pool each channel of a C×H×W input; with `backward`, route an upstream gradient back.

    Padding follows PyTorch: for max it never wins (as if −∞), nor for min (PyTorch has no min
    pool; −max_pool2d(−x) is one, note 002's "minimum of four neighbours"); for avg it counts in the
    divisor (count_include_pad=True) while cells past the padded input (a ceil-mode overhang) do not.

    >>> step_pool(np.array([[[1, 2], [3, 4]]]), "max", 2).output.tolist()
    [[[4]]]
    """
    if op not in POOL_OPS:
        raise UsageError(
            _("{field} {value!r} is not one of {choices}"), field="op", value=op, choices=", ".join(POOL_OPS)
        )
    if x.ndim != 3:
        raise UsageError(_("the input must be C×H×W, got {axes} axes"), axes=x.ndim)
    # sum pooling has the size rule of avg pooling (no dilation, same ceil rule).
    shape = layer_output(
        "maxpool" if op in WINNER_OPS else "avgpool", tuple(x.shape[1:]), kernel, stride, padding, 1, ceil
    )
    check_lesson_size(shape, x.shape[0] * math.prod(shape.output), math.prod(shape.kernel))
    integral = x.dtype.kind == "i"
    ho, wo = shape.output
    out = np.zeros((x.shape[0], ho, wo), dtype=np.float64 if (op == "avg" or not integral) else np.int64)
    cells = []
    for c in range(x.shape[0]):
        for i in range(ho):
            for j in range(wo):
                cell = _pool_cell(x, op, shape, (c, i, j), integral)
                out[c, i, j] = cell.value
                cells.append(cell)
    notes: tuple[str, ...] = ()
    if op == "avg" and any(p for pair in shape.padding for p in pair):
        notes = (
            _(
                "Average pooling divides by the whole window, padding zeros included (PyTorch's default "
                "count_include_pad=True)."
            ),
        )
    trace = PoolTrace(op, x, shape, out, tuple(cells), integral, notes=notes)
    return _backward(trace, grad) if backward else trace


def _pool_cell(
    x: np.ndarray, op: str, shape: ShapeResult, at: tuple[int, int, int], integral: bool
) -> PoolCell:
    """Output cell `at` = (channel, row, col): the real input cells of its window, and their max or
    min (the first one wins, as in PyTorch), sum or mean over the window clipped to the padded input."""
    c, i, j = at
    (pt, pb), (pl, pr) = shape.padding
    (kh, kw), (sh, sw) = shape.kernel, shape.stride
    h, w = x.shape[1:]
    top, left = i * sh - pt, j * sw - pl
    # the window clipped to the padded input: what PyTorch's avg divides by
    r_hi, c_hi = min(top + kh, h + pb), min(left + kw, w + pr)
    real = [(r, cc) for r in range(max(top, 0), min(r_hi, h)) for cc in range(max(left, 0), min(c_hi, w))]
    vals = tuple(pyvalue(x[c, r, cc], integral) for r, cc in real)
    divisor = (r_hi - top) * (c_hi - left)
    winner = None
    if op in WINNER_OPS:
        # the first extreme wins, as in PyTorch (min pooling is -max_pool2d(-x) there)
        sign = 1 if op == "max" else -1
        best = max(range(len(vals)), key=lambda n: (sign * vals[n], -n))
        value: int | float = vals[best]
        winner = real[best]
    elif op == "sum":
        value = sum(vals)
    else:
        value = float(sum(vals)) / divisor
    return PoolCell(
        c + 1, i, j, top, left, tuple(real), vals, divisor - len(real), divisor, value, winner, op
    )


def _backward(trace: PoolTrace, grad: np.ndarray | None) -> PoolTrace:
    """max: the whole gradient goes to the winner; avg: split evenly over the window; sum: copied."""
    c_n, ho, wo = trace.output.shape
    if grad is None:
        grad = np.ones((c_n, ho, wo), dtype=np.int64)
    if grad.shape != trace.output.shape:
        raise CnnCalcError(
            _(
                "{field} is {shape} but the pooled output is {output}; give one upstream gradient per output cell"
            ),
            field="grad",
            shape=fmt_shape(grad.shape),
            output=fmt_shape(trace.output.shape),
        )
    g_int = grad.dtype.kind == "i" and trace.op != "avg"
    gin = np.zeros(trace.input.shape, dtype=np.int64 if g_int else np.float64)
    routes = []
    for cell in trace.cells:
        g = pyvalue(grad[cell.channel - 1, cell.row, cell.col], grad.dtype.kind == "i")
        if trace.op in WINNER_OPS:
            to = ((cell.winner[0], cell.winner[1], g),) if cell.winner else ()
        elif trace.op == "sum":
            to = tuple((r, c, g) for r, c in cell.cells)
        else:
            share = g / cell.divisor
            to = tuple((r, c, share) for r, c in cell.cells)
        for r, c, a in to:
            gin[cell.channel - 1, r, c] += a
        routes.append(Route(cell.channel, cell.row, cell.col, g, to))
    notes = list(trace.notes)
    if trace.op == "max":
        notes.append(_("Max pooling's gradient flows only to the cell that won; the others get 0."))
    elif trace.op == "min":
        notes.append(_("Min pooling's gradient flows only to the cell that won; the others get 0."))
    elif trace.op == "avg":
        notes.append(
            _(
                "Average pooling splits each gradient evenly over its window (÷ the divisor); "
                "shares that land on padding are dropped."
            )
        )
    return PoolTrace(
        trace.op,
        trace.input,
        trace.shape,
        trace.output,
        trace.cells,
        trace.integral,
        grad,
        gin,
        tuple(routes),
        tuple(notes),
    )
