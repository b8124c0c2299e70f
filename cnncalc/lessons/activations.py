"""Activation functions and why a network needs them (notes 001, 002, 004), every value worked out.

Three step-throughs:

- `step_activations`: f(x) and f'(x) for ReLU, sigmoid, tanh, ReLU6 and leaky ReLU at the
  learner's x values (the derivative is what backpropagation multiplies by).
- `collapse_linear`: note 001's "interview question": two linear layers with nothing between them
  are one linear layer, W = W₂·W₁ and b = W₂·b₁ + b₂, shown on the learner's numbers; a ReLU in
  between breaks the collapse.
- `gradient_through_depth`: note 002's vanishing gradient: through a chain of L one-unit layers
  a_i = f(w·a_{i−1} + b), ∂a_L/∂x = Π w·f'(z_i); σ' ≤ 1/4, so sigmoid layers shrink the gradient
  at least fourfold each, while ReLU passes it unchanged where it is active.

PyTorch's conventions at the kinks: ReLU'(0) = 0, ReLU6'(0) = ReLU6'(6) = 0, LeakyReLU'(0) = slope.

>>> t = step_activations([-2, 0, 2], ("sigmoid",))
>>> [round(v, 4) for v in t.functions[0].values], [round(g, 4) for g in t.functions[0].derivatives]
([0.1192, 0.5, 0.8808], [0.105, 0.25, 0.105])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.steps import Step, plural
from cnncalc.lessons.blocks import Section, Table, Worked
from cnncalc.lessons.matrix import fmt_number

# e^x overflows float64 above this
_EXP_MAX = 709.0


def _n(v: float) -> str:
    text = fmt_number(v)
    return f"({text})" if text.startswith("-") else text


def _exp_text(x: float) -> str:
    return f"e^{_n(x)}"


# -- the functions --------------------------------------------------------------------------------


def sigmoid(x: float) -> float:
    """1/(1 + e^(−x)), computed from e^(−|x|) so that it never overflows."""
    e = math.exp(-abs(x))
    return 1 / (1 + e) if x >= 0 else e / (1 + e)


@dataclass(frozen=True)
class Activation:
    """One activation: its formula, its derivative's, and both as worked steps at a point."""

    name: str
    label: str
    formula: str
    derivative: str
    value: Callable[[float, float], float]
    grad: Callable[[float, float], float]
    value_step: Callable[[float, float], Step]
    grad_step: Callable[[float, float], Step]


def _relu_value(x: float, slope: float) -> Step:
    return Step(f"ReLU({fmt_number(x)})", f"max(0, {fmt_number(x)})", "", max(0.0, x))


def _relu_grad(x: float, slope: float) -> Step:
    return Step(
        f"ReLU'({fmt_number(x)})",
        "1 if x > 0, else 0",
        "",
        1.0 if x > 0 else 0.0,
        why="x > 0: the unit is active" if x > 0 else "x ≤ 0: the unit is off (PyTorch takes 0 at x = 0 too)",
    )


def _sigmoid_value(x: float, slope: float) -> Step:
    v = sigmoid(x)
    if -x > _EXP_MAX:
        return Step(f"σ({fmt_number(x)})", f"1/(1 + {_exp_text(-x)})", f"1/(1 + {_exp_text(-x)}) ≈ 0", v)
    return Step(
        f"σ({fmt_number(x)})",
        "1/(1 + e^(−x))",
        f"1/(1 + {_exp_text(-x)}) = 1/(1 + {fmt_number(math.exp(-x))})",
        v,
    )


def _sigmoid_grad(x: float, slope: float) -> Step:
    s = sigmoid(x)
    return Step(
        f"σ'({fmt_number(x)})", "σ(x)·(1 − σ(x))", f"{fmt_number(s)}·(1 − {fmt_number(s)})", s * (1 - s)
    )


def _tanh_value(x: float, slope: float) -> Step:
    v = math.tanh(x)
    if abs(x) > _EXP_MAX / 2:
        return Step(f"tanh({fmt_number(x)})", "(e^x − e^(−x))/(e^x + e^(−x))", "", v)
    a, b = math.exp(x), math.exp(-x)
    return Step(
        f"tanh({fmt_number(x)})",
        "(e^x − e^(−x))/(e^x + e^(−x))",
        f"({fmt_number(a)} − {fmt_number(b)})/({fmt_number(a)} + {fmt_number(b)})",
        v,
    )


def _tanh_grad(x: float, slope: float) -> Step:
    t = math.tanh(x)
    return Step(f"tanh'({fmt_number(x)})", "1 − tanh²(x)", f"1 − {_n(t)}²", 1 - t * t)


def _relu6_value(x: float, slope: float) -> Step:
    return Step(f"ReLU6({fmt_number(x)})", f"min(max(0, {fmt_number(x)}), 6)", "", min(max(0.0, x), 6.0))


def _relu6_grad(x: float, slope: float) -> Step:
    inside = 0 < x < 6
    return Step(
        f"ReLU6'({fmt_number(x)})",
        "1 if 0 < x < 6, else 0",
        "",
        1.0 if inside else 0.0,
        why="between the two kinks" if inside else "clipped at 0 or 6 (PyTorch takes 0 at the kinks)",
    )


def _leaky_value(x: float, slope: float) -> Step:
    if x > 0:
        return Step(f"LeakyReLU({fmt_number(x)})", "x (x > 0)", "", x)
    return Step(f"LeakyReLU({fmt_number(x)})", "slope·x (x ≤ 0)", f"{fmt_number(slope)}·{_n(x)}", slope * x)


def _leaky_grad(x: float, slope: float) -> Step:
    return Step(
        f"LeakyReLU'({fmt_number(x)})",
        "1 if x > 0, else the slope",
        "",
        1.0 if x > 0 else slope,
        why="a small slope below 0 keeps some gradient flowing where ReLU would give none",
    )


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "relu",
            "ReLU",
            "max(0, x)",
            "1 if x > 0, else 0",
            lambda x, a: max(0.0, x),
            lambda x, a: 1.0 if x > 0 else 0.0,
            _relu_value,
            _relu_grad,
        ),
        Activation(
            "sigmoid",
            "sigmoid σ",
            "1/(1 + e^(−x))",
            "σ(x)·(1 − σ(x)), at most 1/4",
            lambda x, a: sigmoid(x),
            lambda x, a: sigmoid(x) * (1 - sigmoid(x)),
            _sigmoid_value,
            _sigmoid_grad,
        ),
        Activation(
            "tanh",
            "tanh",
            "(e^x − e^(−x))/(e^x + e^(−x))",
            "1 − tanh²(x), at most 1",
            lambda x, a: math.tanh(x),
            lambda x, a: 1 - math.tanh(x) ** 2,
            _tanh_value,
            _tanh_grad,
        ),
        Activation(
            "relu6",
            "ReLU6",
            "min(max(0, x), 6)",
            "1 if 0 < x < 6, else 0",
            lambda x, a: min(max(0.0, x), 6.0),
            lambda x, a: 1.0 if 0 < x < 6 else 0.0,
            _relu6_value,
            _relu6_grad,
        ),
        Activation(
            "leakyrelu",
            "leaky ReLU",
            "x if x > 0, else slope·x",
            "1 if x > 0, else slope",
            lambda x, a: x if x > 0 else a * x,
            lambda x, a: 1.0 if x > 0 else a,
            _leaky_value,
            _leaky_grad,
        ),
    )
}


def parse_functions(text: str) -> tuple[str, ...]:
    """`"relu,sigmoid"` → ('relu', 'sigmoid'); unknown names are a usage error naming the choices."""
    names = tuple(dict.fromkeys(n.strip().lower().replace("_", "").replace("-", "") for n in text.split(",")))
    for name in names:
        if name not in ACTIVATIONS:
            raise UsageError(f"{{field}} {name!r} is not one of {', '.join(ACTIVATIONS)}", field="fn")
    return names


def _check_slope(slope: float) -> None:
    if not math.isfinite(slope) or slope < 0 or slope >= 1:
        raise UsageError(
            f"{{field}} {slope} must be at least 0 and below 1 (PyTorch's default: 0.01)", field="slope"
        )


# -- f(x) and f'(x) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionValues:
    name: str
    values: tuple[float, ...]
    derivatives: tuple[float, ...]

    def to_dict(self) -> dict:
        return {"name": self.name, "values": list(self.values), "derivatives": list(self.derivatives)}


@dataclass(frozen=True)
class ActivationTrace:
    xs: tuple[float, ...]
    slope: float
    functions: tuple[FunctionValues, ...]
    sections: tuple[Section, ...]

    def to_dict(self) -> dict:
        return {
            "x": list(self.xs),
            "slope": self.slope,
            "functions": [f.to_dict() for f in self.functions],
            "sections": [s.to_dict() for s in self.sections],
        }


def step_activations(xs: Sequence[float], names: Sequence[str], slope: float = 0.01) -> ActivationTrace:
    """f(x) and f'(x) of each named activation at each x, with the working."""
    _check_slope(slope)
    if not xs:
        raise UsageError("give at least one {field} value", field="x")
    xs = tuple(float(x) for x in xs)
    functions, sections = [], []
    for name in names:
        act = ACTIVATIONS[name]
        functions.append(
            FunctionValues(
                name, tuple(act.value(x, slope) for x in xs), tuple(act.grad(x, slope) for x in xs)
            )
        )
        steps = tuple(s for x in xs for s in (act.value_step(x, slope), act.grad_step(x, slope)))
        formula = act.formula.replace("slope", fmt_number(slope)) if name == "leakyrelu" else act.formula
        sections.append(Worked(f"{act.label}: f(x) = {formula}; f'(x) = {act.derivative}", steps))
    if len(names) > 1:
        headers = ("x", *(f"{ACTIVATIONS[n].label}'(x)" for n in names))
        rows = tuple(
            (fmt_number(x), *(fmt_number(f.derivatives[i]) for f in functions)) for i, x in enumerate(xs)
        )
        sections.append(
            Table(
                "The derivatives side by side: what backpropagation multiplies the gradient by",
                headers,
                rows,
                "r" * len(headers),
            )
        )
    return ActivationTrace(xs, slope, tuple(functions), tuple(sections))


# -- two linear layers are one --------------------------------------------------------------------

Vector = tuple[float, ...]
Matrix = tuple[tuple[float, ...], ...]

# the built-in numbers of `cnncalc step linear`: two small layers of whole numbers, where a ReLU
# between them changes the result
LINEAR_EXAMPLE: dict[str, Vector | Matrix] = {
    "x": (1, -2),
    "w1": ((1, 2), (3, -1), (-2, 1)),
    "b1": (0, 1, -1),
    "w2": ((1, -1, 2), (0, 1, 1)),
    "b2": (1, 0),
}


@dataclass(frozen=True)
class CollapseTrace:
    """Two linear layers y = W₂(W₁x + b₁) + b₂, and the one layer W = W₂W₁, b = W₂b₁ + b₂."""

    x: Vector
    w1: Matrix
    b1: Vector
    w2: Matrix
    b2: Vector
    hidden: Vector
    output: Vector
    w: Matrix
    b: Vector
    collapsed_output: Vector
    relu_hidden: Vector
    relu_output: Vector
    sections: tuple[Section, ...]

    def to_dict(self) -> dict:
        return {
            "x": list(self.x),
            "w1": [list(r) for r in self.w1],
            "b1": list(self.b1),
            "w2": [list(r) for r in self.w2],
            "b2": list(self.b2),
            "hidden": list(self.hidden),
            "output": list(self.output),
            "w": [list(r) for r in self.w],
            "b": list(self.b),
            "collapsed_output": list(self.collapsed_output),
            "relu_hidden": list(self.relu_hidden),
            "relu_output": list(self.relu_output),
            "sections": [s.to_dict() for s in self.sections],
        }


def _dot(row: Sequence[float], col: Sequence[float]) -> float:
    return sum(a * b for a, b in zip(row, col, strict=True))


def _dot_text(row: Sequence[float], col: Sequence[float], plus: float | None = None) -> str:
    terms = [f"{_n(a)}·{_n(b)}" for a, b in zip(row, col, strict=True)]
    if plus is not None:
        terms.append(_n(plus))
    return " + ".join(terms)


def _affine(name: str, w: Matrix, v: Vector, b: Vector, what: str) -> list[Step]:
    return [
        Step(f"{name}_{i}", f"{what}", _dot_text(w[i], v, b[i]), _dot(w[i], v) + b[i]) for i in range(len(w))
    ]


def collapse_linear(x: Vector, w1: Matrix, b1: Vector, w2: Matrix, b2: Vector) -> CollapseTrace:
    """Both ways of computing two stacked linear layers, and the same layers with a ReLU between.

    Weights are (outputs × inputs), as PyTorch's Linear.weight. Whole numbers stay whole.

    >>> t = collapse_linear((1, 2), ((1, 0), (0, -1)), (0, 0), ((1, 1),), (0,))
    >>> t.output, t.w, t.collapsed_output, t.relu_output
    ((-1,), ((1, -1),), (-1,), (1,))
    """
    _check_shapes(x, w1, b1, w2, b2)
    hidden = tuple(_dot(r, x) + b for r, b in zip(w1, b1, strict=True))
    output = tuple(_dot(r, hidden) + b for r, b in zip(w2, b2, strict=True))
    columns = tuple(zip(*w1, strict=True))
    w = tuple(tuple(_dot(r, c) for c in columns) for r in w2)
    b = tuple(_dot(r, b1) + bb for r, bb in zip(w2, b2, strict=True))
    collapsed = tuple(_dot(r, x) + bb for r, bb in zip(w, b, strict=True))
    relu_hidden = tuple(max(h, 0) for h in hidden)
    relu_output = tuple(_dot(r, relu_hidden) + bb for r, bb in zip(w2, b2, strict=True))
    n, m, k = len(x), len(w1), len(w2)
    sections: list[Section] = [
        Worked(f"Layer 1 ({n} → {m}): h = W₁x + b₁", tuple(_affine("h", w1, x, b1, "row of W₁ · x + b₁"))),
        Worked(
            f"Layer 2 ({m} → {k}): y = W₂h + b₂", tuple(_affine("y", w2, hidden, b2, "row of W₂ · h + b₂"))
        ),
        Worked(
            f"One layer ({n} → {k}) does the same: W = W₂W₁, b = W₂b₁ + b₂",
            tuple(
                Step(f"W_{i}{j}", "row i of W₂ · column j of W₁", _dot_text(w2[i], columns[j]), w[i][j])
                for i in range(k)
                for j in range(n)
            )
            + tuple(
                Step(f"b_{i}", "row i of W₂ · b₁ + b₂", _dot_text(w2[i], b1, b2[i]), b[i]) for i in range(k)
            )
            + tuple(_affine("y", w, x, b, "row of W · x + b")),
            (
                f"The same y: two linear layers ({plural(m * n + m + k * m + k, 'parameter')}) compute nothing "
                f"one linear layer ({plural(k * n + k, 'parameter')}) cannot. Without a non-linear function "
                "between them, any number of layers collapses into one (note 001).",
            ),
        ),
    ]
    negatives = [i for i, h in enumerate(hidden) if h < 0]
    relu_steps = tuple(
        Step(f"ReLU(h_{i})", f"max(0, {fmt_number(h)})", "", relu_hidden[i]) for i, h in enumerate(hidden)
    ) + tuple(_affine("y", w2, relu_hidden, b2, "row of W₂ · ReLU(h) + b₂"))
    if negatives:
        note = (
            f"ReLU zeroes h_{', h_'.join(map(str, negatives))}, so y changes from "
            f"({', '.join(map(fmt_number, output))}) to ({', '.join(map(fmt_number, relu_output))}): W and b "
            "no longer describe the two layers, and no single matrix does for every x. That is why every "
            "hidden layer has an activation."
        )
    else:
        note = (
            "Every h is positive for this x, so ReLU changes nothing here; for an x that makes some h "
            "negative it would, and no single matrix could follow it."
        )
    sections.append(Worked("With a ReLU between the layers", relu_steps, (note,)))
    return CollapseTrace(
        x, w1, b1, w2, b2, hidden, output, w, b, collapsed, relu_hidden, relu_output, tuple(sections)
    )


def _check_shapes(x: Vector, w1: Matrix, b1: Vector, w2: Matrix, b2: Vector) -> None:
    n, m = len(x), len(w1)
    if any(len(r) != n for r in w1):
        raise UsageError(f"{{field}} rows need {n} numbers, one per input in x", field="w1")
    if len(b1) != m:
        raise UsageError(f"{{field}} needs {m} numbers, one per row of w1", field="b1")
    if any(len(r) != m for r in w2):
        raise UsageError(
            f"{{field}} rows need {m} numbers, one per output of layer 1 (rows of w1)", field="w2"
        )
    if len(b2) != len(w2):
        raise UsageError(f"{{field}} needs {len(w2)} numbers, one per row of w2", field="b2")


# -- the gradient through depth -------------------------------------------------------------------


@dataclass(frozen=True)
class DepthChain:
    """One activation's chain: z_i, a_i, f'(z_i) for each layer, and ∂a_L/∂a_{i−1} from the top down."""

    name: str
    z: tuple[float, ...]
    a: tuple[float, ...]
    derivatives: tuple[float, ...]
    gradients: tuple[float, ...]  # gradients[i] = ∂a_L/∂a_i for i = L … 0 (index 0: the input x)

    @property
    def input_gradient(self) -> float:
        return self.gradients[0]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "z": list(self.z),
            "a": list(self.a),
            "derivatives": list(self.derivatives),
            "gradients": list(self.gradients),
            "input_gradient": self.input_gradient,
        }


@dataclass(frozen=True)
class DepthTrace:
    depth: int
    x: float
    weight: float
    bias: float
    slope: float
    chains: tuple[DepthChain, ...]
    sections: tuple[Section, ...]

    def to_dict(self) -> dict:
        return {
            "depth": self.depth,
            "x": self.x,
            "weight": self.weight,
            "bias": self.bias,
            "slope": self.slope,
            "chains": [c.to_dict() for c in self.chains],
            "sections": [s.to_dict() for s in self.sections],
        }


MAX_DEPTH = 100


def gradient_through_depth(
    names: Sequence[str],
    depth: int,
    x: float = 0.5,
    weight: float = 1.0,
    bias: float = 0.0,
    slope: float = 0.01,
) -> DepthTrace:
    """Backpropagation through `depth` one-unit layers a_i = f(w·a_{i−1} + b), for each activation.

    ∂a_L/∂a_{i−1} = ∂a_L/∂a_i · f'(z_i) · w, starting from ∂a_L/∂a_L = 1.

    >>> t = gradient_through_depth(("sigmoid", "relu"), 3, x=0.0)
    >>> round(t.chains[0].input_gradient, 5), t.chains[1].input_gradient
    (0.01335, 0.0)
    """
    _check_slope(slope)
    if not 1 <= depth <= MAX_DEPTH:
        raise UsageError(f"{{field}} {depth} must be between 1 and {MAX_DEPTH}", field="depth")
    for name, v in (("x", x), ("weight", weight), ("bias", bias)):
        if not math.isfinite(v):
            raise UsageError(f"{{field}} {v} must be a finite number", field=name)
    if weight and depth * math.log10(abs(weight)) > _LARGEST_POWER:
        _overflow(weight, depth, "|w|^depth")
    chains = []
    for name in names:
        act = ACTIVATIONS[name]
        z, a, d = [], [x], []
        for _ in range(depth):
            zi = weight * a[-1] + bias
            z.append(zi)
            a.append(act.value(zi, slope))
            d.append(act.grad(zi, slope))
        grads = [1.0]
        for i in reversed(range(depth)):
            grads.append(grads[-1] * d[i] * weight)
        if not all(math.isfinite(v) for v in (*z, *a, *grads)):
            _overflow(weight, depth, name)
        chains.append(DepthChain(name, tuple(z), tuple(a[1:]), tuple(d), tuple(reversed(grads))))
    return DepthTrace(
        depth, x, weight, bias, slope, tuple(chains), _depth_sections(chains, depth, x, weight, bias)
    )


_LARGEST_POWER = 300  # |w|^depth stays well inside a float64 (about 1.8e308)


def _overflow(weight: float, depth: int, where: str) -> None:
    raise CnnCalcError(
        f"with {{field}} {weight:g} the values overflow a float64 within {depth} layers "
        f"({where}); use a weight nearer 1 (for example between -10 and 10) or fewer layers",
        field="weight",
    )


def _depth_sections(
    chains: list[DepthChain], depth: int, x: float, w: float, b: float
) -> tuple[Section, ...]:
    sections: list[Section] = []
    for chain in chains:
        act = ACTIVATIONS[chain.name]
        rows = tuple(
            (
                str(i + 1),
                fmt_number(chain.z[i]),
                fmt_number(chain.a[i]),
                fmt_number(chain.derivatives[i]),
                fmt_number(chain.gradients[i]),
            )
            for i in reversed(range(depth))
        )
        shown = list(range(depth - 1, -1, -1))[:3]
        steps = tuple(
            Step(
                f"∂a_{depth}/∂a_{i}",
                f"∂a_{depth}/∂a_{i + 1} · f'(z_{i + 1}) · w",
                f"{fmt_number(chain.gradients[i + 1])} · {fmt_number(chain.derivatives[i])} · {_n(w)}",
                chain.gradients[i],
            )
            for i in shown
        )
        sections.append(
            Table(
                f"{act.label}: z_i = {fmt_number(w)}·a_(i−1) + {fmt_number(b)}, a_i = f(z_i), from a_0 = x = "
                f"{fmt_number(x)}; the gradient flows down from layer {depth}",
                ("layer i", "z_i", "a_i", "f'(z_i)", "∂a_L/∂a_(i−1)"),
                rows,
                "rrrrr",
            )
        )
        sections.append(Worked(f"{act.label}: the first steps down, each one multiplies by f'(z)·w", steps))
    summary = tuple(
        (ACTIVATIONS[c.name].label, fmt_number(c.input_gradient), _bound(c.name, depth, w)) for c in chains
    )
    sections.append(
        Table(
            f"What reaches the input through {plural(depth, 'layer')}",
            ("activation", "∂a_L/∂x", "why"),
            summary,
            "lrl",
            (
                "Note 002: with sigmoid units the gradient found at the output shrinks layer by layer on its way "
                "back, so the first layers barely learn (the vanishing gradient); ReLU passes it on unchanged "
                "wherever the unit is active, which is why CNNs use it.",
            ),
        )
    )
    return tuple(sections)


def _bound(name: str, depth: int, w: float) -> str:
    if name == "sigmoid":
        return f"σ' ≤ 1/4, so at most (|w|/4)^{depth} = {fmt_number((abs(w) / 4) ** depth)}"
    if name == "tanh":
        return f"tanh' ≤ 1 and below 1 away from 0, so at most |w|^{depth} = {fmt_number(abs(w) ** depth)}"
    if name in ("relu", "relu6"):
        return f"1 where active, 0 where not: w^{depth} = {fmt_number(w**depth)} if every unit stays active"
    return "1 where active, the slope where not"
