"""The step-throughs from Python: every number of a layer written out, as `cnncalc step ...` shows it.

Matrices are the CLI's text (`"0 1; 2 3"`, channels split by `|`), nested lists or NumPy arrays;
rows of numbers likewise (`"2 1 0.1"` or `[2, 1, 0.1]`).

>>> step_conv(input=[[0, 1, 2], [3, 4, 5], [6, 7, 8]], kernel=[[0, 1], [2, 3]]).output
[[19, 25], [37, 43]]
>>> round(step_softmax(logits=[2, 1, 0.1], label=0).loss, 4)
0.417

These load NumPy (the step-throughs compute with it) and rich only to draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, cast

from cnncalc.api.result import RichResult
from cnncalc.api.values import (
    Matrix,
    Numbers,
    Size,
    arguments,
    choice,
    flag,
    grid,
    kernels,
    matrix,
    names,
    number,
    numbers,
    optional_number,
    optional_whole,
    row,
    sizes,
    vector,
    whole,
)
from cnncalc.api.values import padding as to_padding
from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.i18n import _, ngettext, translated

if TYPE_CHECKING:
    from rich.console import RenderableType

    from cnncalc.lessons.activations import ActivationTrace, CollapseTrace, DepthTrace
    from cnncalc.lessons.batchnorm import BatchNormTrace
    from cnncalc.lessons.dropout import DropoutTrace
    from cnncalc.lessons.examples import Example
    from cnncalc.lessons.softmax import SoftmaxTrace  # noqa: F401  (named in a string: SoftmaxSteps' base)
    from cnncalc.lessons.step import ConvCell, ConvTrace, PoolCell, PoolTrace

ConvExample = Literal["d2l", "edges", "cs231n", "multichannel", "stride", "padding"]
PoolExample = Literal["maxpool", "minpool"]
PoolOp = Literal["max", "min", "avg", "sum"]
Activation = Literal["relu", "sigmoid", "tanh", "relu6", "leakyrelu"]

# Drawn without --all (or a chosen cell), every cell is shown in full up to this many, then one line each.
FULL_CELLS = 16
# The largest step-throughs worth reading: more values are a table nobody works through.
MOST_VALUES = 16
MOST_SIDE = 8


class Sectioned(Protocol):
    """A step-through's trace: its numbers (`to_dict()`) and the sections that show its working."""

    @property
    def sections(self) -> Any: ...

    def to_dict(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=Sectioned)


def _example(example: str | None, input: object, kind: str) -> Example | None:
    """The example to run: the one named, or the command's default when no input is given."""
    from cnncalc.lessons.examples import DEFAULT, example_names, get_example

    if example is not None and not isinstance(example, str):
        raise UsageError(
            _("{field} {value!r} is not one of {options}"),
            field="example",
            value=example,
            options=", ".join(example_names(kind)),
        )
    if input is None:
        return get_example(example or DEFAULT[kind], kind)
    if example is not None:
        raise UsageError(_("give either {field:example} or {field:input}, not both"))
    return None


def _cell(value: str | Sequence[int], out_hw: tuple[int, int]) -> tuple[int, int]:
    """One output cell, `"1,0"` or `(1, 0)`: row then column, 0-based, inside the output."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        value = value.tolist()  # an array of the row and column
    if isinstance(value, str):
        text = value
    elif isinstance(value, Sequence):
        text = ",".join(map(str, value))
    else:
        text = ""  # one number is not a cell
    parts = [p for p in text.replace("x", ",").replace(" ", ",").split(",") if p]
    if len(parts) != 2:
        raise UsageError(
            _("{field} {value!r} is not ROW,COL; write e.g. {field} 0,1"), field="cell", value=value
        )
    r, c = (whole(p, "cell", minimum=0) for p in parts)
    h, w = out_hw
    if r >= h or c >= w:
        raise CnnCalcError(
            _("{field} {row},{col} is outside the {size} output; rows 0–{last_row}, columns 0–{last_col}"),
            field="cell",
            row=r,
            col=c,
            size=f"{h}×{w}",
            last_row=h - 1,
            last_col=w - 1,
        )
    return r, c


def _command(ex: Example | None) -> str:
    """What runs an example, when it is short enough to be worth copying: its command line at the
    terminal, the function's call for a Python caller."""
    from cnncalc.render.text import reads_python

    if ex is None:
        return ""
    argv = ex.argv()
    if reads_python():
        text = _call(argv)
    else:
        text = "cnncalc " + " ".join(
            a if a and " " not in a and "|" not in a and ";" not in a else f'"{a}"' for a in argv
        )
    return text if len(text) <= 160 + len("cnncalc ") else ""


def _call(argv: list[str]) -> str:
    """An example's command line as the call that does the same: `step conv --input "0 1" --kernel
    A --kernel B --relu` → `cnncalc.step_conv(input="0 1", kernel=["A", "B"], relu=True)`."""
    import json

    group, command, *rest = argv
    given: dict[str, list[str]] = {}
    values: list[str] = []
    for a in rest:
        if a.startswith("--"):
            values = given.setdefault(a[2:].replace("-", "_"), [])
        else:
            values.append(a)

    def literal(text: str) -> str:  # `2` for a number, `"0 1; 2 3"` for the CLI's text
        return text if text.isdecimal() else json.dumps(text, ensure_ascii=False)

    shown = [
        f"{k}=True"
        if not v
        else f"{k}={literal(v[0])}"
        if len(v) == 1
        else f"{k}=[{', '.join(map(literal, v))}]"
        for k, v in given.items()
    ]
    return f"cnncalc.{group}_{command}({', '.join(shown)})"


class WindowSteps(RichResult):
    """A convolution or pooling stepped through cell by cell (`step_conv`, `step_pool`)."""

    __slots__ = ("cells", "example", "trace")

    def __init__(
        self,
        trace: ConvTrace | PoolTrace,
        cells: Sequence[ConvCell | PoolCell],
        example: Example | None,
    ) -> None:
        self.trace = trace
        self.cells = tuple(cells)
        self.example = example

    @property
    def kind(self) -> Literal["conv", "pool"]:
        from cnncalc.lessons.step import ConvTrace

        return "conv" if isinstance(self.trace, ConvTrace) else "pool"

    @property
    def output(self) -> list[Any]:
        """The output as nested lists: rows of one map, or one list of rows per kernel or channel."""
        result: list[Any] = self.trace.output_list()
        return result

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = self.trace.to_dict()
        data["steps"] = [c.to_dict() for c in self.cells]
        if self.example is not None:
            data["example"] = self.example.name
        return data

    def summary(self) -> str:
        return _("{kind} {input} → {output}, {n} cells").format(
            kind=self.kind,
            input="×".join(map(str, self.trace.input.shape)),
            output="×".join(map(str, self.trace.output.shape)),
            n=len(self.cells),
        )

    def header(self) -> RenderableType:
        """The input, the kernels or window, and the sizes: what comes before the first cell."""
        from cnncalc.render import lessons as views

        title, about = self._about()
        if self.kind == "conv":
            return views.conv_header(self.trace, title, about, _command(self.example))  # type: ignore[arg-type]
        return views.pool_header(self.trace, title, about, _command(self.example))  # type: ignore[arg-type]

    def cell_view(self, cell: Any) -> RenderableType:
        """One output cell in full: its window, products and sum (or winner)."""
        from cnncalc.render import lessons as views

        if self.kind == "conv":
            return views.conv_cell_view(self.trace, cell, self._names())  # type: ignore[arg-type]
        return views.pool_cell_view(self.trace, cell)  # type: ignore[arg-type]

    def closing(self) -> RenderableType:
        """The output (and where a pooling's gradient goes): what comes after the last cell."""
        from rich.console import Group

        from cnncalc.render import lessons as views

        if self.kind == "conv":
            return views.conv_summary(self.trace, self._names())  # type: ignore[arg-type]
        trace: PoolTrace = self.trace  # type: ignore[assignment]
        outputs = [views.titled(_("output"), views.grid(out)) for out in trace.output]
        return Group(*outputs, *([views.pool_backward_view(trace)] if trace.routes else []))

    def view(self, every_cell: bool = False) -> RenderableType:
        """The whole step-through: every cell in full when `every_cell` or when there are few, else
        the first in full and the others one line each."""
        from cnncalc.render import lessons as views

        title, about = self._about()
        cells = list(self.cells)
        full = cells if (every_cell or len(cells) <= FULL_CELLS) else cells[:1]
        command = _command(self.example)
        if self.kind == "conv":
            return views.conv_view(self.trace, cells, full, title, about, command, self._names())  # type: ignore[arg-type]
        return views.pool_view(self.trace, cells, full, title, about, command)  # type: ignore[arg-type]

    def renderable(self) -> RenderableType:
        return self.view()

    def _about(self) -> tuple[str, str]:
        """The example's title and description, in the language spoken (empty without an example)."""
        if self.example is None:
            return "", ""
        return translated(self.example.title), translated(self.example.about)

    def _names(self) -> tuple[str, ...]:
        """What each of the example's kernels looks for, in the language spoken."""
        return tuple(translated(name) for name in self.example.names) if self.example else ()


@arguments
def step_conv(
    *,
    input: Matrix | None = None,
    kernel: Matrix | Sequence[Matrix] | None = None,
    bias: Numbers | None = None,
    stride: Size | None = None,
    padding: Size | None = None,
    dilation: Size | None = None,
    example: ConvExample | None = None,
    cell: str | Sequence[int] | None = None,
    threshold: float | None = None,
    relu: bool = False,
) -> WindowSteps:
    """Step through a convolution, every output cell's products, partial sums and bias: `cnncalc step conv`.

    out[o, i, j] = Σ_c Σ_u Σ_v x_pad[c, i·s + u·d, j·s + v·d] · k_o[c, u, v] + b_o

    `input` is C×H×W (a matrix is one channel); `kernel` one C×k×k kernel or a list of them (one
    output map each), `bias` one number per kernel. Without `input`, a built-in `example` (each
    option given overrides the example's). `cell` (row, col) keeps one output cell's steps.

    >>> step_conv(example="d2l", cell=(1, 1)).to_dict()["steps"][0]["value"]
    43
    """
    from cnncalc.lessons.matrix import parse_matrix
    from cnncalc.lessons.step import step_conv as steps

    limit = optional_number(threshold, "threshold")
    if input is None and kernel is not None:
        raise UsageError(_("{field:kernel} needs an {field:input} matrix too (or use {field:example} NAME)"))
    ex = _example(example, input, "conv")
    x = parse_matrix(ex.input) if ex is not None else matrix(input, "input")  # type: ignore[arg-type]
    chosen = [parse_matrix(k) for k in ex.kernels] if ex is not None else []
    if ex is None and kernel is not None:
        chosen = kernels(kernel, "kernel")
    if not chosen:
        raise UsageError(_('give at least one {field:kernel} matrix, e.g. {field:kernel} "0 1; 2 3"'))
    biases: list[int | float] | None = None
    if bias is not None:
        biases = numbers(bias, "bias")
    elif ex is not None and ex.bias:
        biases = list(ex.bias)
    trace = steps(
        x,
        chosen,
        biases,
        sizes(stride if stride is not None else (ex.stride if ex and ex.stride else 1), "stride"),
        to_padding(padding if padding is not None else (ex.padding if ex else 0)),
        sizes(dilation if dilation is not None else (ex.dilation if ex else 1), "dilation"),
        limit if limit is not None else (ex.threshold if ex else None),
        flag(relu, "relu") or bool(ex and ex.relu),
    )
    return WindowSteps(trace, _chosen_cells(trace, cell), ex)


def _chosen_cells(trace: ConvTrace | PoolTrace, cell: str | Sequence[int] | None) -> list[Any]:
    """Every cell of a trace, or only the one `cell` names."""
    h, w = trace.output.shape[1:]
    chosen = None if cell is None else _cell(cell, (h, w))
    return [c for c in trace.cells if chosen is None or (c.row, c.col) == chosen]


@arguments
def step_pool(
    *,
    input: Matrix | None = None,
    op: PoolOp = "max",
    kernel: Size | None = None,
    stride: Size | None = None,
    padding: Size | None = None,
    ceil: bool = False,
    backward: bool = False,
    grad: Matrix | None = None,
    example: PoolExample | None = None,
    cell: str | Sequence[int] | None = None,
) -> WindowSteps:
    """Step through a pooling, each window, its values and the result: `cnncalc step pool`.

    max/min keep the winner, avg divides by the whole window (padding included, as PyTorch does),
    sum adds it up; the stride defaults to the kernel. With `backward`, how the upstream gradient
    (`grad`, default all ones) routes back: to the winner only (max), split evenly (avg).

    >>> step_pool(input="1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7", kernel=2).output
    [[6, 8], [9, 7]]
    """
    from cnncalc.lessons.matrix import parse_matrix
    from cnncalc.lessons.step import POOL_OPS
    from cnncalc.lessons.step import step_pool as steps

    ex = _example(example, input, "pool")
    if ex is None and kernel is None:
        raise UsageError(_("give the pooling window with {field:kernel}, e.g. {field:kernel} 2"))
    if grad is not None and not backward:
        raise UsageError(
            _("{field:grad} is the upstream gradient for {field:backward}; add {field:backward}")
        )
    x = parse_matrix(ex.input) if ex is not None else matrix(input, "input")  # type: ignore[arg-type]
    if stride is None and ex is not None and ex.stride:
        stride = ex.stride
    chosen: str = choice(op, "op", POOL_OPS)
    trace = steps(
        x,
        ex.op if ex and chosen == "max" else chosen,
        sizes(kernel if kernel is not None else ex.pool_kernel, "kernel"),  # type: ignore[union-attr]
        sizes(stride, "stride") if stride is not None else None,
        to_padding(padding if padding is not None else (ex.padding if ex else 0)),
        flag(ceil, "ceil"),
        flag(backward, "backward"),
        matrix(grad, "grad") if grad is not None else None,
    )
    return WindowSteps(trace, _chosen_cells(trace, cell), ex)


class LayerSteps(RichResult, Generic[T]):
    """A layer that is not a convolution, worked out in sections: softmax, activations, the
    gradient through depth, two linear layers, batch norm, dropout. `trace` holds its numbers."""

    __slots__ = ("head", "trace")

    def __init__(self, head: str, trace: T) -> None:
        self.head = head
        self.trace = trace

    def to_dict(self) -> dict[str, Any]:
        return self.trace.to_dict()

    def summary(self) -> str:
        return self.head

    def renderable(self) -> RenderableType:
        from cnncalc.render.lessons import sections_view

        return sections_view(self.head, self.trace.sections)


class SoftmaxSteps(LayerSteps["SoftmaxTrace"]):
    """Softmax and cross-entropy worked out, with the probabilities and the loss at hand."""

    __slots__ = ()

    @property
    def probabilities(self) -> list[float]:
        return list(self.trace.probabilities)

    @property
    def loss(self) -> float | None:
        """The cross-entropy loss for `label`, None without one."""
        loss: float | None = self.trace.loss
        return loss


@arguments
def step_softmax(*, logits: Numbers = "2 1 0.1", label: int | None = None) -> SoftmaxSteps:
    """Softmax and cross-entropy, worked out: `cnncalc step softmax`.

    p_i = e^(z_i − max z) / Σ_j e^(z_j − max z); with the true class y, the loss −ln p_y and its
    gradient p − one_hot(y).

    >>> [round(p, 3) for p in step_softmax(logits=[2, 1, 0.1]).probabilities]
    [0.659, 0.242, 0.099]
    """
    from cnncalc.lessons.softmax import step_softmax as steps

    y = optional_whole(label, "label")
    trace = steps(vector(logits, "logits", 100), y)
    if y is None:
        head = _("Softmax of {n} logits").format(n=len(trace.logits))
    else:
        head = _("Softmax of {n} logits, and the cross-entropy loss for the true class {label}").format(
            n=len(trace.logits), label=y
        )
    return SoftmaxSteps(head, trace)


@arguments
def step_activation(
    *,
    x: Numbers = "-2 -0.5 0 0.5 2",
    fn: str | Sequence[Activation] = "relu,sigmoid,tanh",
    slope: float = 0.01,
) -> LayerSteps[ActivationTrace]:
    """Activation functions f(x) and their derivatives f'(x) at each x: `cnncalc step activation`.

    >>> step_activation(fn=["relu"], x=[-1, 2]).to_dict()["functions"][0]["values"]
    [0.0, 2.0]
    """
    from cnncalc.lessons.activations import parse_functions, step_activations

    chosen = parse_functions(names(fn, "fn"))
    trace = step_activations(vector(x, "x"), chosen, number(slope, "slope", "0.01"))
    head = _("{functions} at x = {xs}").format(
        functions=", ".join(chosen), xs=", ".join(f"{v:g}" for v in trace.xs)
    )
    return LayerSteps(head, trace)


@arguments
def step_gradient(
    *,
    fn: str | Sequence[Activation] = "sigmoid,relu",
    depth: int = 10,
    x: float = 0.5,
    weight: float = 1.0,
    bias: float = 0.0,
    slope: float = 0.01,
) -> LayerSteps[DepthTrace]:
    """The gradient through a chain of one-unit layers a_i = f(w·a_(i−1) + b): `cnncalc step gradient`.

    Backpropagation multiplies by f'(z)·w at every layer: sigmoid shrinks it at least fourfold
    each time (σ' ≤ 1/4), ReLU passes it unchanged where it is active.

    >>> chains = step_gradient(fn="sigmoid", depth=3, x=0).to_dict()["chains"]
    >>> round(chains[0]["input_gradient"], 5)
    0.01335
    """
    from cnncalc.lessons.activations import gradient_through_depth, parse_functions

    layers = whole(depth, "depth")
    a0, w, b = number(x, "x"), number(weight, "weight", "1.5"), number(bias, "bias", "0")
    trace = gradient_through_depth(
        parse_functions(names(fn, "fn")), layers, a0, w, b, number(slope, "slope", "0.01")
    )
    head = _("The gradient through {n} layers a_i = f({w}·a_(i−1) + {b}), from x = {x}").format(
        n=layers, w=f"{w:g}", b=f"{b:g}", x=f"{a0:g}"
    )
    return LayerSteps(head, trace)


@arguments
def step_linear(
    *,
    x: Numbers | None = None,
    w1: Matrix | None = None,
    b1: Numbers | None = None,
    w2: Matrix | None = None,
    b2: Numbers | None = None,
) -> LayerSteps[CollapseTrace]:
    """Two linear layers with no activation between them are one: W = W₂W₁, b = W₂b₁ + b₂:
    `cnncalc step linear`.

    Without arguments, a built-in example; otherwise `x`, `w1` and `w2` (one row per output;
    the biases default to 0). A ReLU between the layers breaks the collapse, as the last part shows.

    >>> step_linear(x=[1, 2], w1=[[1, 0], [0, -1]], w2=[[1, 1]]).to_dict()["w"]
    [[1, -1]]
    """
    from cnncalc.lessons.activations import LINEAR_EXAMPLE, collapse_linear

    given = {"x": x, "w1": w1, "b1": b1, "w2": w2, "b2": b2}
    if all(v is None for v in given.values()):
        trace = collapse_linear(**LINEAR_EXAMPLE)  # type: ignore[arg-type]
    else:
        missing = [k for k in ("x", "w1", "w2") if given[k] is None]
        if missing:
            named = ", ".join("{field:" + k + "}" for k in missing)
            raise UsageError(
                _("give {missing} too (or none of them, for the built-in example)"), missing=named
            )
        m1 = grid(w1, "w1", MOST_SIDE, MOST_SIDE)  # type: ignore[arg-type]
        m2 = grid(w2, "w2", MOST_SIDE, MOST_SIDE)  # type: ignore[arg-type]
        trace = collapse_linear(
            x=row(x, "x", MOST_SIDE),  # type: ignore[arg-type]
            w1=tuple(tuple(r) for r in m1),
            b1=row(b1, "b1", MOST_SIDE) if b1 is not None else (0,) * len(m1),
            w2=tuple(tuple(r) for r in m2),
            b2=row(b2, "b2", MOST_SIDE) if b2 is not None else (0,) * len(m2),
        )
    head = _("Two linear layers {n} → {m} → {k}, and the one layer they equal").format(
        n=len(trace.x), m=len(trace.hidden), k=len(trace.output)
    )
    return LayerSteps(head, trace)


@arguments
def step_batchnorm(
    *,
    batch: Matrix = "1 2; 3 6; 5 4",
    gamma: Numbers | None = None,
    beta: Numbers | None = None,
    eps: float = 1e-5,
    momentum: float = 0.1,
    running_mean: Numbers | None = None,
    running_var: Numbers | None = None,
) -> LayerSteps[BatchNormTrace]:
    """Batch normalisation of an N×C batch, per channel: mean, variance, normalise, γ and β; the
    running statistics; evaluation: `cnncalc step batchnorm`.

    x̂ = (x − μ_B)/√(σ²_B + ε), y = γ·x̂ + β; running = (1 − momentum)·running + momentum·batch.

    >>> step_batchnorm(batch=[[1], [3], [5]]).to_dict()["mean"]
    [3.0]
    """
    from cnncalc.lessons.batchnorm import step_batchnorm as steps

    rows = grid(batch, "batch", MOST_VALUES, MOST_SIDE)
    per = {
        name: vector(value, name) if value is not None else None
        for name, value in (
            ("gamma", gamma),
            ("beta", beta),
            ("running_mean", running_mean),
            ("running_var", running_var),
        )
    }
    trace = steps(rows, eps=number(eps, "eps", "1e-5"), momentum=number(momentum, "momentum", "0.1"), **per)
    n, c = trace.batch.shape
    head = ngettext(
        "Batch normalisation of {n} samples × {c} channel: a training step, then evaluation",
        "Batch normalisation of {n} samples × {c} channels: a training step, then evaluation",
        c,
    ).format(n=n, c=c)
    return LayerSteps(head, trace)


@arguments
def step_dropout(
    *,
    input: Matrix = "1 2 3 4; 5 6 7 8",
    p: float = 0.5,
    seed: int = 0,
    mask: Matrix | None = None,
) -> LayerSteps[DropoutTrace]:
    """Dropout: the random mask, the 1/(1 − p) scaling of what is kept, training against
    evaluation: `cnncalc step dropout`.

    >>> step_dropout(input=[[2, 4]], p=0.5, mask=[[1, 0]]).to_dict()["train_output"]
    [[4.0, 0.0]]
    """
    from cnncalc.lessons.dropout import step_dropout as steps

    values = grid(input, "input", MOST_SIDE, MOST_SIDE)
    chosen = grid(mask, "mask", MOST_SIDE, MOST_SIDE) if mask is not None else None
    rate = number(p, "p")
    # the core checks the mask holds only 0s and 1s, in the input's shape
    trace = steps(values, rate, whole(seed, "seed"), cast("list[list[int]] | None", chosen))
    rows, cols = trace.input.shape
    head = _("Dropout with p = {p} on a {size} input (scale 1/(1 − p) = {scale})").format(
        p=f"{rate:g}", size=f"{rows}×{cols}", scale=f"{trace.scale:g}"
    )
    return LayerSteps(head, trace)
