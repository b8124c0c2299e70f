"""Output sizes of convolution, pooling and transposed-convolution layers, per spatial axis.

The formulas are PyTorch's (`torch.nn.Conv2d`, `MaxPool2d`, `ConvTranspose2d` "Shape:" sections):

    conv, pool:  out = ⌊(n + p_before + p_after − d·(k − 1) − 1)/s⌋ + 1
    pool, ceil:  out = ⌈(n + p_before + p_after − d·(k − 1) − 1)/s⌉ + 1,
                 minus 1 if that last window would start past the input and its left padding
    transposed:  out = (n − 1)·s − 2p + d·(k − 1) + output_padding + 1

A non-integer quotient is floored: the last rows that do not fill a window are never covered,
and the worked notes say so instead of hiding it.

>>> conv_output_size(96, 5)
92
>>> pool_output_size(92, 4)
23
>>> tconv_output_size(4, 4, s=2, p=1)
8
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.parsing import PADDING_MODES, broadcast, fmt_axes, fmt_shape
from cnncalc.arith.steps import AxisNote, Step, plural

OPS = ("conv", "maxpool", "avgpool", "tconv")
POOLS = ("maxpool", "avgpool")
AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
# Which border gets the extra row when the total padding is odd (PyTorch and TensorFlow agree).
_SIDES = {"L": ("left", "right"), "D": ("front", "back"), "H": ("top", "bottom"), "W": ("left", "right")}
_ROWS = {"L": "element", "D": "slice", "H": "row", "W": "column"}

if TYPE_CHECKING:
    from fractions import Fraction

Pad = tuple[int, int]


def conv_output_size(n: int, k: int, s: int = 1, p: int | Pad = 0, d: int = 1) -> int:
    """⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1; raises `CnnCalcError` if the kernel does not fit.

    >>> conv_output_size(28, 3, s=2, p=1)
    14
    """
    return conv_axis(n, k, s, _pad(p), d).out


def pool_output_size(
    n: int, k: int, s: int | None = None, p: int | Pad = 0, d: int = 1, ceil: bool = False
) -> int:
    """Like `conv_output_size` with stride defaulting to the kernel and PyTorch's `ceil_mode`.

    >>> pool_output_size(5, 2, ceil=True)
    3
    """
    return pool_axis(n, k, k if s is None else s, _pad(p), d, ceil).out


def tconv_output_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1, output_padding: int = 0) -> int:
    """(n − 1)·s − 2p + d·(k − 1) + output_padding + 1."""
    return tconv_axis(n, k, s, p, d, output_padding).out


def effective_kernel(k: int, d: int) -> int:
    """A dilated kernel spans d·(k − 1) + 1 input cells."""
    return d * (k - 1) + 1


def ceil_div(a: int, b: int) -> int:
    """⌈a/b⌉ in integers (exact for sizes like 10**30, where a float would round).

    >>> ceil_div(7, 2), ceil_div(8, 2), ceil_div(-3, 2)
    (4, 4, -1)
    """
    return -(-a // b)


def adaptive_windows(n: int, o: int) -> tuple[tuple[int, int], ...]:
    """PyTorch's AdaptiveAvgPool windows along one axis: cell i covers [⌊i·n/o⌋, ⌈(i+1)·n/o⌉).

    When o divides n they are avgpool k = s = n/o; otherwise neighbouring windows differ in size
    by one (and may overlap).

    >>> adaptive_windows(5, 3)
    ((0, 2), (1, 4), (3, 5))
    """
    return tuple((i * n // o, ceil_div((i + 1) * n, o)) for i in range(o))


class AxisSize(NamedTuple):
    """The worked size of one spatial axis. A NamedTuple, not a frozen dataclass: this module is on
    the calculator's start-up path, where defining a dataclass costs about ten times as much."""

    axis: str
    op: str
    n: int
    k: int
    s: int
    d: int
    pad: Pad
    out: int
    steps: tuple[Step, ...]
    notes: tuple[AxisNote, ...] = ()


class ShapeResult(NamedTuple):
    """A layer's spatial output, per axis, with the working (a NamedTuple, as `AxisSize` is)."""

    op: str
    input: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[Pad, ...]
    ceil: bool
    output_padding: tuple[int, ...]
    axes: tuple[AxisSize, ...]
    padding_mode: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def output(self) -> tuple[int, ...]:
        return tuple(a.out for a in self.axes)

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for a in self.axes for s in a.steps)

    @property
    def all_notes(self) -> tuple[str, ...]:
        """The layer's notes, then every axis' notes as text (`H: …`)."""
        return self.notes + tuple(str(n) for a in self.axes for n in a.notes)

    @property
    def alike(self) -> bool:
        """Every axis has the same numbers (a square input and kernel): one axis' working is all."""
        return len(self.axes) > 1 and len({(a.n, a.k, a.s, a.d, a.pad) for a in self.axes}) == 1

    def to_dict(self) -> dict:
        return {
            "op": self.op,
            "input": list(self.input),
            "output": list(self.output),
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "dilation": list(self.dilation),
            "padding": [list(p) for p in self.padding],
            "padding_mode": self.padding_mode,
            "ceil": self.ceil,
            "output_padding": list(self.output_padding),
            "steps": [s.to_dict() for s in self.steps],
            "notes": list(self.all_notes),
        }


def layer_output(
    op: str,
    input_size: tuple[int, ...],
    kernel: tuple[int, ...] | int,
    stride: tuple[int, ...] | int | None = None,
    padding: str | int | tuple[int, ...] | tuple[Pad, ...] = 0,
    dilation: tuple[int, ...] | int = 1,
    ceil: bool = False,
    output_padding: tuple[int, ...] | int = 0,
) -> ShapeResult:
    """The spatial output of one layer, every axis worked.

    Sizes are one value for all axes or one per axis. `padding` is a number, one per axis,
    `(before, after)` pairs per axis, or a mode: `same`, `valid`, `full`.

    >>> layer_output("conv", (96, 96), 5).output
    (92, 92)
    """
    dims = _check_input(op, input_size)
    k = broadcast(_tuple(kernel), dims, "kernel")
    d = broadcast(_tuple(dilation), dims, "dilation")
    if stride is None:
        s = k if op in POOLS else (1,) * dims
    else:
        s = broadcast(_tuple(stride), dims, "stride")
    op_pad = broadcast(_tuple(output_padding), dims, "output_padding")
    _check_geometry(op, k, s, d, op_pad, ceil)
    mode = padding if isinstance(padding, str) else None
    notes: tuple[str, ...] = ()
    if op in POOLS and stride is None:
        notes = (
            f"Pooling stride defaults to the kernel ({fmt_shape(k)}): windows do not overlap, "
            "as in PyTorch's MaxPool2d and Keras' MaxPooling2D.",
        )
    axes = tuple(
        _axis_size(
            op,
            name,
            input_size[i],
            k[i],
            s[i],
            d[i],
            mode if mode is not None else _axis_pad(padding, i, dims),
            ceil,
            op_pad[i],
            dims,
        )
        for i, name in enumerate(AXIS_NAMES[dims])
    )
    return ShapeResult(
        op=op,
        input=tuple(input_size),
        kernel=k,
        stride=s,
        dilation=d,
        padding=tuple(a.pad for a in axes),
        ceil=ceil,
        output_padding=op_pad,
        axes=axes,
        padding_mode=mode,
        notes=notes,
    )


def _check_input(op: str, input_size: tuple[int, ...]) -> int:
    """The number of spatial axes, once the op is known and every size is at least 1."""
    if op not in OPS:
        raise UsageError(f"op {op!r} is not one of {', '.join(OPS)}")
    dims = len(input_size)
    if dims not in AXIS_NAMES:
        raise UsageError(f"input {fmt_shape(input_size)} has {dims} axes; give N, HxW or DxHxW")
    for n in input_size:
        if n < 1:
            raise UsageError(f"input size {n} must be at least 1")
    return dims


def _check_geometry(
    op: str, k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...], op_pad: tuple[int, ...], ceil: bool
) -> None:
    """What PyTorch refuses before it looks at the input: sizes below 1, a misplaced option."""
    for name, values in (("kernel", k), ("stride", s), ("dilation", d)):
        for v in values:
            if v < 1:
                fix = "1 means no gaps; use {field} ≥ 1" if name == "dilation" else "use {field} ≥ 1"
                raise UsageError(f"{{field}} {v} is not allowed: {fix}", field=name)
    if any(v < 0 for v in op_pad):
        raise UsageError(f"{{field}} {fmt_shape(op_pad)} must not be negative", field="output_padding")
    if op != "tconv" and any(op_pad):
        raise UsageError(
            f"{{field}} only applies to a transposed convolution (tconv), not to {op}", field="output_padding"
        )
    if ceil and op not in POOLS:
        raise UsageError(f"{{field}} mode applies to pools (maxpool, avgpool), not to {op}", field="ceil")
    if op == "avgpool" and any(v != 1 for v in d):
        raise UsageError(
            f"{{field}} {fmt_axes(d)} is not possible for average pooling (PyTorch's AvgPool has no "
            "dilation); drop {field}",
            field="dilation",
        )


def _axis_size(
    op: str, axis: str, n: int, k: int, s: int, d: int, padding: Pad | str, ceil: bool, op_pad: int, dims: int
) -> AxisSize:
    """One axis of `layer_output`: its padding (worked, for a mode), then the op's own formula."""
    if isinstance(padding, str):
        pad, pad_step = _mode_padding(padding, op, n, k, s, d, axis)
    else:
        pad, pad_step = padding, None
    if min(pad) < 0:
        raise CnnCalcError(
            f"padding {pad[0] if pad[0] == pad[1] else pad} on axis {axis} is negative; padding adds "
            "zeros at the border and cannot remove rows (crop the input instead)"
        )
    if op == "avgpool" and dims == 3 and n < k:
        # only PyTorch's AvgPool3d checks this, before padding; AvgPool1d/2d and MaxPool3d do not
        raise CnnCalcError(
            f"input {n} on axis {axis} is smaller than the kernel {k}: PyTorch's AvgPool3d "
            "requires every input size (before padding) to be at least the kernel; use a kernel ≤ "
            f"{n}"
        )
    if op == "conv":
        ax = conv_axis(n, k, s, pad, d, axis)
    elif op == "tconv":
        if pad[0] != pad[1]:
            raise UsageError(
                f"a transposed convolution pads both sides alike; padding {pad[0]} before and "
                f"{pad[1]} after on axis {axis} is not possible in PyTorch"
            )
        ax = tconv_axis(n, k, s, pad[0], d, op_pad, axis)
    else:
        ax = pool_axis(n, k, s, pad, d, ceil, axis, op=op)
    return ax._replace(steps=(pad_step, *ax.steps)) if pad_step is not None else ax


def same_padding(n: int, k: int, s: int = 1, d: int = 1) -> Pad:
    """Padding for out = ⌈n/s⌉ (TensorFlow's 'same'; PyTorch's for s = 1): (before, after).

    The extra row of an odd total goes after (bottom/right), as both frameworks do.

    >>> same_padding(28, 4)
    (1, 2)
    """
    out = ceil_div(n, s)
    total = max((out - 1) * s + effective_kernel(k, d) - n, 0)
    return total // 2, total - total // 2


def mode_padding(mode: str, n: int, k: int, s: int = 1, d: int = 1) -> Pad:
    """The (before, after) padding of a mode on an input of n: valid 0, full k_eff − 1, same `same_padding`."""
    if mode == "valid":
        return (0, 0)
    if mode == "full":
        return (effective_kernel(k, d) - 1,) * 2
    return same_padding(n, k, s, d)


def axis_length(
    op: str, n: int, k: int, s: int, pad: Pad | str, d: int = 1, ceil: bool = False, output_padding: int = 0
) -> int:
    """The output length along one axis with nothing worked, below 1 when nothing fits: the formulas
    `conv_axis`, `pool_axis` and `tconv_axis` show, for solvers that try many input sizes.

    >>> axis_length("conv", 96, 5, 1, (0, 0)), axis_length("maxpool", 5, 2, 2, (0, 0), ceil=True)
    (92, 3)
    """
    if isinstance(pad, str):
        pad = mode_padding(pad, n, k, s, d)
    keff = effective_kernel(k, d)
    if op == "tconv":
        return (n - 1) * s - pad[0] - pad[1] + keff + output_padding
    num = n + pad[0] + pad[1] - keff
    if op == "conv":
        return num // s + 1 if num >= 0 else 0
    # a ceil-mode pool may start its one window over the padded input's end (PyTorch allows it)
    return _pool_count(num, s, n, pad[0], ceil)[0]


def conv_axis(n: int, k: int, s: int, pad: Pad, d: int = 1, axis: str = "H") -> AxisSize:
    _check_positive(n=n, k=k, s=s, d=d)
    _check_padding(pad, axis)
    pb, pa = pad
    keff = effective_kernel(k, d)
    padded = n + pb + pa
    if keff > padded:
        raise CnnCalcError(_too_small(n, k, d, pad, keff, "kernel"))
    num = padded - keff
    out = axis_length("conv", n, k, s, pad, d)
    formula, sub, notes = _window_formula("⌊", "⌋", axis, n, k, s, pad, d, num)
    step = Step(f"{axis}_out", formula, sub, out, why=_conv_why(n, keff, pad, s, out, axis), notes=notes)
    return AxisSize(
        axis, "conv", n, k, s, d, pad, out, (step,), tuple(_remainder_notes(n, k, s, pad, d, num, axis))
    )


def pool_axis(
    n: int, k: int, s: int, pad: Pad, d: int = 1, ceil: bool = False, axis: str = "H", op: str = "maxpool"
) -> AxisSize:
    _check_positive(n=n, k=k, s=s, d=d)
    _check_padding(pad, axis)
    pb, pa = pad
    # PyTorch: "pad should be at most half of effective kernel size"; a window made only of
    # padding would have nothing to take the max or mean of.
    if max(pb, pa) > k // 2:
        raise CnnCalcError(
            f"pool padding {max(pb, pa)} on axis {axis} is more than half the kernel {k} (at most {k // 2}); "
            "a window would cover only padding. Use padding ≤ k/2 or a larger kernel"
        )
    keff = effective_kernel(k, d)
    num = n + pb + pa - keff
    out, dropped = _pool_count(num, s, n, pb, ceil)
    if out < 1:
        raise CnnCalcError(_too_small(n, k, d, pad, keff, "pool window"))
    formula, sub, general = _window_formula(
        "⌈" if ceil else "⌊", "⌉" if ceil else "⌋", axis, n, k, s, pad, d, num
    )
    if ceil and dropped:
        sub += f" − 1 (the last window would start at {out * s} ≥ {n} + {pb}, past the input)"
    step = Step(f"{axis}_out", formula, sub, out, why=_conv_why(n, keff, pad, s, out, axis), notes=general)
    return AxisSize(
        axis, op, n, k, s, d, pad, out, (step,), _pool_notes(n, k, s, pad, d, num, out, ceil, dropped, axis)
    )


def _pool_notes(
    n: int, k: int, s: int, pad: Pad, d: int, num: int, out: int, ceil: bool, dropped: bool, axis: str
) -> tuple[AxisNote, ...]:
    """What the floor (or ceil_mode) did with the rows that do not fill a last window."""
    if num < 0 or num % s == 0:
        return ()
    pb = pad[0]
    keff = effective_kernel(k, d)
    if ceil and dropped:
        text = (
            f"({n} + {_pad_num(pad)} − {keff})/{s} = {num}/{s} is not whole, but the extra ceil_mode window "
            f"would start at {out * s} ≥ {n} + {pb}, inside the right padding only, so PyTorch drops it: the output "
            "is the same as without ceil mode."
        )
        return (AxisNote(axis, text),)
    if ceil:
        text = (
            f"({n} + {_pad_num(pad)} − {keff})/{s} = {num}/{s} is not whole; ceil_mode keeps one more window "
            "that hangs over the "
            f"end (it sees only the cells that exist), so no {_ROWS[axis]} is dropped."
        )
        return (AxisNote(axis, text),)
    notes = _remainder_notes(n, k, s, pad, d, num, axis, pool=True)
    with_ceil = _pool_count(num, s, n, pb, True)[0]
    if with_ceil != out:
        text = (
            f"with ceil mode (PyTorch's ceil_mode=True) the output would be {with_ceil}, "
            f"a last window over the remaining {plural(num % s, _ROWS[axis])}."
        )
        notes.append(AxisNote(axis, text))
    return tuple(notes)


def _pool_count(num: int, s: int, n: int, pb: int, ceil: bool) -> tuple[int, bool]:
    """PyTorch's pooling_output_shape: floor or ceil, then drop a ceil window that would start
    past the input and its left padding. Returns (out, whether that window was dropped)."""
    if not ceil:
        return num // s + 1, False
    out = ceil_div(num, s) + 1
    if (out - 1) * s >= n + pb:
        return out - 1, True
    return out, False


def tconv_axis(
    n: int, k: int, s: int, p: int, d: int = 1, output_padding: int = 0, axis: str = "H"
) -> AxisSize:
    _check_positive(n=n, k=k, s=s, d=d)
    _check_padding((p, p), axis)
    if output_padding >= max(s, d):
        raise CnnCalcError(
            f"output_padding {output_padding} must be smaller than the stride {s} or the dilation {d} "
            f"(PyTorch's rule: it only picks among the {max(s, d)} sizes that map back to the same input); "
            f"use output_padding ≤ {max(s, d) - 1}"
        )
    out = axis_length("tconv", n, k, s, (p, p), d, output_padding=output_padding)
    if out < 1:
        raise CnnCalcError(
            f"transposed convolution output on axis {axis} would be {out}: padding {p} removes more than the "
            f"layer produces ({(n - 1) * s + d * (k - 1) + output_padding + 1}); use a smaller padding"
        )
    step = Step(
        f"{axis}_out",
        f"({axis}_in − 1)·s − 2p + d(k − 1) + output_padding + 1",
        f"({n} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {output_padding} + 1",
        out,
        why=(
            f"each of the {n} input {_ROWS[axis]}s is spread {s} apart and stamped with the {k}-wide kernel; "
            f"{p} is trimmed from each border"
        ),
    )
    return AxisSize(axis, "tconv", n, k, s, d, (p, p), out, (step,), ())


# -- helpers --------------------------------------------------------------------------------------


def _check_positive(**values: int) -> None:
    for name, v in values.items():
        if v < 1:
            raise UsageError(f"{_LONG.get(name, name)} {v} must be at least 1")


def _check_padding(pad: Pad, axis: str) -> None:
    if min(pad) < 0:
        raise UsageError(f"padding {min(pad)} on axis {axis} is negative; padding must be 0 or more")


_LONG = {"n": "input size", "k": "kernel", "s": "stride", "d": "dilation"}


def _tuple(v: int | tuple[int, ...]) -> tuple[int, ...]:
    return (v,) if isinstance(v, int) else tuple(v)


def _pad(p: int | Pad) -> Pad:
    return (p, p) if isinstance(p, int) else (p[0], p[1])


def _axis_pad(padding, i: int, dims: int) -> Pad:
    if isinstance(padding, int):
        return (padding, padding)
    padding = tuple(padding)
    if padding and isinstance(padding[0], tuple | list):
        pairs = (
            padding if len(padding) == dims else broadcast(tuple(tuple(p) for p in padding), dims, "padding")
        )
        pb, pa = pairs[i]
        return (pb, pa)
    vals = broadcast(padding, dims, "padding")
    return (vals[i], vals[i])


def _mode_padding(mode: str, op: str, n: int, k: int, s: int, d: int, axis: str) -> tuple[Pad, Step | None]:
    if mode not in PADDING_MODES:
        raise UsageError(f"padding {mode!r} is not a number or one of {', '.join(PADDING_MODES)}")
    keff = effective_kernel(k, d)
    if mode == "valid":
        return (0, 0), None
    if op == "tconv":
        hint = (
            f"; for an output of n·s use p=(k − s)/2 = {(keff - s) // 2}"
            if (keff - s) % 2 == 0 and keff >= s
            else ""
        )
        raise UsageError(f"padding {mode!r} is not defined for a transposed convolution: give a number{hint}")
    if mode == "full":
        if op in POOLS:
            raise UsageError("padding 'full' is for convolutions; a pool may pad at most half its kernel")
        return mode_padding(mode, n, k, s, d), Step(
            f"p_{axis}",
            "d(k − 1)",
            f"{d}·({k} − 1)",
            keff - 1,
            why="'full' pads so every window that touches the input at all is computed",
        )
    pb, pa = mode_padding(mode, n, k, s, d)
    out = ceil_div(n, s)
    total = pb + pa
    why = f"'same' keeps ⌈{axis}_in/s⌉ = ⌈{n}/{s}⌉ = {out}"
    notes: tuple[str, ...] = ()
    if pb != pa:
        before, after = _SIDES[axis]
        notes = (
            f"{axis}: the total padding {total} is odd, so it cannot be split evenly: {pb} {before}, {pa} {after} "
            f"(PyTorch and TensorFlow both put the extra {_ROWS[axis]} at the {after}).",
        )
    if s > 1 and op == "conv":
        notes += (
            f"{axis}: PyTorch's padding='same' needs stride 1; this is TensorFlow's rule for stride {s}.",
        )
    step = Step(
        f"p_{axis} (total)",
        f"max((⌈{axis}_in/s⌉ − 1)·s + d(k − 1) + 1 − {axis}_in, 0)",
        f"max(({out} − 1)·{s} + {d}·({k} − 1) + 1 − {n}, 0)",
        total,
        why=why + (f"; split {pb} + {pa}" if total else ""),
        notes=notes,
    )
    return (pb, pa), step


def _window_formula(
    lo: str, hi: str, axis: str, n: int, k: int, s: int, pad: Pad, d: int, num: int
) -> tuple[str, str, tuple[str, ...]]:
    """The size formula and its numbers: the course notes' ⌊(n + 2p − k)/s⌋ + 1 when d = 1, with
    PyTorch's general form after it; PyTorch's form alone when the kernel is dilated.

    `lo`/`hi` are the floor (⌊ ⌋) or, for a pool in ceil mode, the ceiling (⌈ ⌉) brackets.
    """
    general = f"{lo}({axis}_in + {_pad_sym(pad)} − d(k − 1) − 1)/s{hi} + 1"
    if d != 1:
        sub = f"{lo}({n} + {_pad_num(pad)} − {d}·({k} − 1) − 1)/{s}{hi} + 1 = {lo}{num}/{s}{hi} + 1"
        return general, sub, ()
    formula = f"{lo}({axis}_in + {_pad_sym(pad)} − k)/s{hi} + 1"
    sub = f"{lo}({n} + {_pad_num(pad)} − {k})/{s}{hi} + 1 = {lo}{num}/{s}{hi} + 1"
    # said of n rather than H_in or W_in, so that the axes share one note (see `notes_once`)
    general_n = f"{lo}(n + {_pad_sym(pad)} − d(k − 1) − 1)/s{hi} + 1"
    return formula, sub, (f"in general, with dilation d (PyTorch's form): {general_n}",)


def _pad_sym(pad: Pad) -> str:
    return "2p" if pad[0] == pad[1] else "p_before + p_after"


def _pad_num(pad: Pad) -> str:
    return f"2·{pad[0]}" if pad[0] == pad[1] else f"{pad[0]} + {pad[1]}"


def _too_small(n: int, k: int, d: int, pad: Pad, keff: int, what: str) -> str:
    dil = f" (dilated to {keff})" if d > 1 else ""
    padded = n + pad[0] + pad[1]
    need = ceil_div(keff - n, 2)
    fix = f"use a kernel ≤ {padded if d == 1 else 'the padded input'}"
    if what == "kernel":
        fix += f" or padding ≥ {need}"
    return f"{what} {k}{dil} is larger than the padded input {padded} ({n} + {pad[0]} + {pad[1]}); {fix}"


def _conv_why(n: int, keff: int, pad: Pad, s: int, out: int, axis: str) -> str:
    padded = n + pad[0] + pad[1]
    return (
        f"a {keff}-wide window fits at {plural(out, 'position')}, {s} apart, along the "
        f"{plural(padded, 'padded ' + _ROWS[axis])}"
        if s > 1
        else f"a {keff}-wide window slides over the {plural(padded, 'padded ' + _ROWS[axis])} and fits at "
        f"{plural(out, 'position')}"
    )


def _decimal(x: Fraction, places: int = 3) -> str:
    """An exact-looking decimal of a fraction, with integer arithmetic (sizes may be 10**30)."""
    whole, rest = divmod(x.numerator, x.denominator)
    scaled = rest * 10**places
    digits = str(scaled // x.denominator).rjust(places, "0").rstrip("0")
    approx = "…" if scaled % x.denominator else ""
    return f"{whole}.{digits}{approx}" if digits else f"{whole}{'.0…' if approx else ''}"


def _nearest_divisors(num: int, s: int, limit: int, reach: int = 64) -> list[int]:
    """The strides closest to s (one below, one above, within `reach`) that divide num exactly and
    are at most `limit` (the window's span: a longer stride would skip cells between windows)."""
    below = next((t for t in range(min(s - 1, limit), max(s - reach, 1), -1) if num % t == 0), 1)
    above = next((t for t in range(s + 1, min(s + reach, num, limit) + 1) if num % t == 0), None)
    return ([below] if below < s else []) + ([above] if above else [])


def _remainder_notes(
    n: int, k: int, s: int, pad: Pad, d: int, num: int, axis: str, pool: bool = False
) -> list[AxisNote]:
    """cs231n's "(10 − 3)/2 + 1 = 4.5": explain the fraction instead of silently flooring it."""
    r = num % s
    if r == 0:
        return []
    from fractions import Fraction  # only on this teaching path: keeps `shape` start-up lean

    exact = Fraction(num, s) + 1
    rows = _ROWS[axis]
    pb, pa = pad
    lost = f"the last {r} {rows}{'s' if r > 1 else ''} of the padded input {'are' if r > 1 else 'is'} never covered by any window"
    if r <= pa:
        lost += " (only padding, so no data is lost)"
    keff = effective_kernel(k, d)
    notes = [
        AxisNote(
            axis,
            f"({n} + {_pad_num(pad)} − {keff})/{s} + 1 = {_decimal(exact)} is not a whole number; "
            f"the floor keeps {num // s + 1}, so {lost}.",
        )
    ]
    if s > keff:
        gap = s - keff
        text = (
            f"the stride {s} is longer than the {keff}-wide window, so {gap} {rows}"
            f"{'s' if gap > 1 else ''} between neighbouring windows {'are' if gap > 1 else 'is'} skipped too."
        )
        notes.append(AxisNote(axis, text))
    fixes = []
    extra = s - r  # padding that would complete one more window
    # a pool may pad at most k/2 on each side, and only symmetrically (PyTorch's MaxPool/AvgPool)
    allowed = (lambda p: p <= k // 2) if pool else (lambda p: True)
    if pb == pa and s <= keff:  # with gaps between windows no padding covers every row
        if extra % 2 == 0 and allowed(pb + extra // 2):
            fixes.append(f"padding {pb + extra // 2} (output {num // s + 2})")
        elif r % 2 == 0 and pb >= r // 2:
            fixes.append(f"padding {pb - r // 2} (output {num // s + 1})")
        elif not pool:
            fixes.append(
                f"padding {pb} before and {pa + extra} after (output {num // s + 2}; in PyTorch an "
                "explicit F.pad or nn.ZeroPad2d before the layer)"
            )
    near = _nearest_divisors(num, s, keff)
    if near:
        fixes.append("stride " + " or ".join(f"{t} (output {num // t + 1})" for t in near))
    if fixes:
        notes.append(AxisNote(axis, f"to cover every {rows} exactly, use " + "; or ".join(fixes) + "."))
    return notes
