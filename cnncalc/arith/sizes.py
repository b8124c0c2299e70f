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

from typing import NamedTuple

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.parsing import PADDING_MODES, broadcast, fmt_axes, fmt_shape
from cnncalc.arith.steps import AxisNote, Step, fmt_value
from cnncalc.i18n import N_, _, ngettext, translated

OPS = ("conv", "maxpool", "avgpool", "tconv")
POOLS = ("maxpool", "avgpool")
AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
# Which border gets the extra row when the total padding is odd (PyTorch and TensorFlow agree).
_SIDES = {
    "L": (N_("left"), N_("right")),
    "D": (N_("front"), N_("back")),
    "H": (N_("top"), N_("bottom")),
    "W": (N_("left"), N_("right")),
}
# What one cell of an axis is called: a row of H, a column of W, a slice of D, an element of L
_ROWS = {"L": N_("element"), "D": N_("slice"), "H": N_("row"), "W": N_("column")}

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
            _(
                "Pooling stride defaults to the kernel ({kernel}): windows do not overlap, "
                "as in PyTorch's MaxPool2d and Keras' MaxPooling2D."
            ).format(kernel=fmt_shape(k)),
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
        raise UsageError(_("op {op!r} is not one of {ops}"), op=op, ops=", ".join(OPS))
    dims = len(input_size)
    if dims not in AXIS_NAMES:
        raise UsageError(
            _("input {shape} has {dims} axes; give N, HxW or DxHxW"), shape=fmt_shape(input_size), dims=dims
        )
    for n in input_size:
        if n < 1:
            raise UsageError(_("input size {n} must be at least 1"), n=n)
    return dims


def _check_geometry(
    op: str, k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...], op_pad: tuple[int, ...], ceil: bool
) -> None:
    """What PyTorch refuses before it looks at the input: sizes below 1, a misplaced option."""
    for name, values in (("kernel", k), ("stride", s), ("dilation", d)):
        for v in values:
            if v < 1:
                if name == "dilation":
                    raise UsageError(
                        _("{field} {value} is not allowed: 1 means no gaps; use {field} ≥ 1"),
                        field=name,
                        value=v,
                    )
                raise UsageError(_("{field} {value} is not allowed: use {field} ≥ 1"), field=name, value=v)
    if any(v < 0 for v in op_pad):
        raise UsageError(
            _("{field} {value} must not be negative"), field="output_padding", value=fmt_shape(op_pad)
        )
    if op != "tconv" and any(op_pad):
        raise UsageError(
            _("{field} only applies to a transposed convolution (tconv), not to {op}"),
            field="output_padding",
            op=op,
        )
    if ceil and op not in POOLS:
        raise UsageError(
            _("{field} mode applies to pools (maxpool, avgpool), not to {op}"), field="ceil", op=op
        )
    if op == "avgpool" and any(v != 1 for v in d):
        raise UsageError(
            _(
                "{field} {value} is not possible for average pooling (PyTorch's AvgPool has no "
                "dilation); drop {field}"
            ),
            field="dilation",
            value=fmt_axes(d),
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
            _(
                "padding {padding} on axis {axis} is negative; padding adds "
                "zeros at the border and cannot remove rows (crop the input instead)"
            ),
            padding=pad[0] if pad[0] == pad[1] else pad,
            axis=axis,
        )
    if op == "avgpool" and dims == 3 and n < k:
        # only PyTorch's AvgPool3d checks this, before padding; AvgPool1d/2d and MaxPool3d do not
        raise CnnCalcError(
            _(
                "input {n} on axis {axis} is smaller than the kernel {k}: PyTorch's AvgPool3d "
                "requires every input size (before padding) to be at least the kernel; use a kernel ≤ "
                "{n}"
            ),
            n=n,
            axis=axis,
            k=k,
        )
    if op == "conv":
        ax = conv_axis(n, k, s, pad, d, axis, dims)
    elif op == "tconv":
        if pad[0] != pad[1]:
            raise UsageError(
                _(
                    "a transposed convolution pads both sides alike; padding {before} before and "
                    "{after} after on axis {axis} is not possible in PyTorch"
                ),
                before=pad[0],
                after=pad[1],
                axis=axis,
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


def conv_axis(n: int, k: int, s: int, pad: Pad, d: int = 1, axis: str = "H", dims: int = 2) -> AxisSize:
    """One axis of a convolution of `dims` spatial axes (which names PyTorch's padding layer)."""
    _check_positive(n=n, k=k, s=s, d=d)
    _check_padding(pad, axis)
    pb, pa = pad
    keff = effective_kernel(k, d)
    padded = n + pb + pa
    if keff > padded:
        raise CnnCalcError(_too_small(n, k, d, pad, keff))
    num = padded - keff
    out = axis_length("conv", n, k, s, pad, d)
    formula, sub, notes = _window_formula("⌊", "⌋", axis, n, k, s, pad, d, num)
    step = Step(f"{axis}_out", formula, sub, out, why=_conv_why(n, keff, pad, s, out, axis), notes=notes)
    return AxisSize(
        axis,
        "conv",
        n,
        k,
        s,
        d,
        pad,
        out,
        (step,),
        tuple(_remainder_notes(n, k, s, pad, d, num, axis, dims=dims)),
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
            _(
                "pool padding {padding} on axis {axis} is more than half the kernel {k} (at most {most}); "
                "a window would cover only padding. Use padding ≤ k/2 or a larger kernel"
            ),
            padding=max(pb, pa),
            axis=axis,
            k=k,
            most=k // 2,
        )
    keff = effective_kernel(k, d)
    num = n + pb + pa - keff
    out, dropped = _pool_count(num, s, n, pb, ceil)
    if out < 1:
        raise CnnCalcError(_too_small(n, k, d, pad, keff, pool=True))
    formula, sub, general = _window_formula(
        "⌈" if ceil else "⌊", "⌉" if ceil else "⌋", axis, n, k, s, pad, d, num
    )
    if ceil and dropped:
        sub += _(" − 1 (the last window would start at {start} ≥ {n} + {pb}, past the input)").format(
            start=out * s, n=n, pb=pb
        )
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
        text = _(
            "({n} + {pad} − {keff})/{s} = {num}/{s} is not whole, but the extra ceil_mode window "
            "would start at {start} ≥ {n} + {pb}, inside the right padding only, so PyTorch drops it: the output "
            "is the same as without ceil mode."
        ).format(n=n, pad=_pad_num(pad), keff=keff, s=s, num=num, start=out * s, pb=pb)
        return (AxisNote(axis, text),)
    if ceil:
        text = _(
            "({n} + {pad} − {keff})/{s} = {num}/{s} is not whole; ceil_mode keeps one more window "
            "that hangs over the "
            "end (it sees only the cells that exist), so no {cell} is dropped."
        ).format(n=n, pad=_pad_num(pad), keff=keff, s=s, num=num, cell=translated(_ROWS[axis]))
        return (AxisNote(axis, text),)
    notes = _remainder_notes(n, k, s, pad, d, num, axis, pool=True)
    with_ceil = _pool_count(num, s, n, pb, True)[0]
    if with_ceil != out:
        text = _(
            "with ceil mode (PyTorch's ceil_mode=True) the output would be {output}, "
            "a last window over the remaining {cells}."
        ).format(output=with_ceil, cells=_cells(axis, num % s, f"{num % s:,}"))
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
            _(
                "output_padding {value} must be smaller than the stride {s} or the dilation {d} "
                "(PyTorch's rule: it only picks among the {sizes} sizes that map back to the same input); "
                "use output_padding ≤ {most}"
            ),
            value=output_padding,
            s=s,
            d=d,
            sizes=max(s, d),
            most=max(s, d) - 1,
        )
    out = axis_length("tconv", n, k, s, (p, p), d, output_padding=output_padding)
    if out < 1:
        produced = (n - 1) * s + d * (k - 1) + output_padding + 1
        values = {"axis": axis, "out": out, "p": p, "removed": 2 * p, "produced": produced}
        if out == 0:
            raise CnnCalcError(
                _(
                    "transposed convolution output on axis {axis} would be 0: padding {p} trims {removed} "
                    "({p} from each border), all {produced} the layer produces, leaving no output; "
                    "use padding ≤ {most}"
                ),
                most=(produced - 1) // 2,
                **values,
            )
        raise CnnCalcError(
            _(
                "transposed convolution output on axis {axis} would be {out}: padding {p} trims {removed} "
                "({p} from each border), more than the {produced} the layer produces; use padding ≤ {most}"
            ),
            most=(produced - 1) // 2,
            **values,
        )
    keff = effective_kernel(k, d)
    if keff == k:
        why = _(
            "each of the {cells} is spread {s} apart and stamped with the {k}-wide kernel; "
            "{p} is trimmed from each border"
        )
    else:  # a dilated kernel's k taps are d apart: it stamps a span of d·(k − 1) + 1
        why = _(
            "each of the {cells} is spread {s} apart and stamped with the {k}-tap kernel, dilated to "
            "span {keff}; {p} is trimmed from each border"
        )
    step = Step(
        f"{axis}_out",
        f"({axis}_in − 1)·s − 2p + d(k − 1) + output_padding + 1",
        f"({fmt_value(n)} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {output_padding} + 1",
        out,
        why=why.format(cells=_input_cells(axis, n), s=s, k=k, keff=keff, p=p),
    )
    return AxisSize(axis, "tconv", n, k, s, d, (p, p), out, (step,), ())


# -- helpers --------------------------------------------------------------------------------------


def _check_positive(**values: int) -> None:
    for name, v in values.items():
        if v < 1:
            raise UsageError(_("{name} {value} must be at least 1"), name=translated(_LONG[name]), value=v)


def _check_padding(pad: Pad, axis: str) -> None:
    if min(pad) < 0:
        raise UsageError(
            _("padding {padding} on axis {axis} is negative; padding must be 0 or more"),
            padding=min(pad),
            axis=axis,
        )


_LONG = {"n": N_("input size"), "k": N_("kernel"), "s": N_("stride"), "d": N_("dilation")}


def _cells(axis: str, n: int, shown: str) -> str:
    """`shown` (n as the sentence writes it) and the cells of the axis: '2 rows', '1 column'."""
    if axis == "H":
        return ngettext("{n} row", "{n} rows", n).format(n=shown)
    if axis == "W":
        return ngettext("{n} column", "{n} columns", n).format(n=shown)
    if axis == "D":
        return ngettext("{n} slice", "{n} slices", n).format(n=shown)
    return ngettext("{n} element", "{n} elements", n).format(n=shown)


def _padded_cells(axis: str, n: int) -> str:
    """'the 10 padded rows' without the article: '10 padded rows', '1 padded column'."""
    shown = f"{n:,}"
    if axis == "H":
        return ngettext("{n} padded row", "{n} padded rows", n).format(n=shown)
    if axis == "W":
        return ngettext("{n} padded column", "{n} padded columns", n).format(n=shown)
    if axis == "D":
        return ngettext("{n} padded slice", "{n} padded slices", n).format(n=shown)
    return ngettext("{n} padded element", "{n} padded elements", n).format(n=shown)


def _input_cells(axis: str, n: int) -> str:
    """'each of the 4 input rows' without 'each of the' (a transposed convolution's inputs; English
    says it in the plural even of one); digits grouped, as `_padded_cells` writes them."""
    shown = f"{n:,}"
    if axis == "H":
        return _("{n} input rows").format(n=shown)
    if axis == "W":
        return _("{n} input columns").format(n=shown)
    if axis == "D":
        return _("{n} input slices").format(n=shown)
    return _("{n} input elements").format(n=shown)


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
        raise UsageError(
            _("padding {mode!r} is not a number or one of {modes}"), mode=mode, modes=", ".join(PADDING_MODES)
        )
    keff = effective_kernel(k, d)
    if mode == "valid":
        return (0, 0), None
    if op == "tconv":
        if (keff - s) % 2 == 0 and keff >= s:
            raise UsageError(
                _(
                    "padding {mode!r} is not defined for a transposed convolution: give a number; "
                    "for an output of n·s use p=(k − s)/2 = {p}"
                ),
                mode=mode,
                p=(keff - s) // 2,
            )
        raise UsageError(
            _("padding {mode!r} is not defined for a transposed convolution: give a number"), mode=mode
        )
    if mode == "full":
        if op in POOLS:
            raise UsageError(_("padding 'full' is for convolutions; a pool may pad at most half its kernel"))
        return mode_padding(mode, n, k, s, d), Step(
            f"p_{axis}",
            "d(k − 1)",
            f"{d}·({k} − 1)",
            keff - 1,
            why=_("'full' pads so every window that touches the input at all is computed"),
        )
    pb, pa = mode_padding(mode, n, k, s, d)
    out = ceil_div(n, s)
    total = pb + pa
    values = {"axis": axis, "n": n, "s": s, "out": out, "pb": pb, "pa": pa}
    if total:
        why = _("'same' keeps ⌈{axis}_in/s⌉ = ⌈{n}/{s}⌉ = {out}; split {pb} + {pa}").format(**values)
    else:
        why = _("'same' keeps ⌈{axis}_in/s⌉ = ⌈{n}/{s}⌉ = {out}").format(**values)
    notes: tuple[str, ...] = ()
    if pb != pa:
        before, after = _SIDES[axis]
        notes = (
            _(
                "{axis}: the total padding {total} is odd, so it cannot be split evenly: {pb} {before}, "
                "{pa} {after} (PyTorch and TensorFlow both put the extra {cell} at the {after})."
            ).format(
                axis=axis,
                total=total,
                pb=pb,
                pa=pa,
                before=translated(before),
                after=translated(after),
                cell=translated(_ROWS[axis]),
            ),
        )
    if s > 1 and op == "conv":
        notes += (
            _(
                "{axis}: PyTorch's padding='same' needs stride 1; this is TensorFlow's rule for stride {s}."
            ).format(axis=axis, s=s),
        )
    step = Step(
        _("p_{axis} (total)").format(axis=axis),
        f"max((⌈{axis}_in/s⌉ − 1)·s + d(k − 1) + 1 − {axis}_in, 0)",
        f"max(({fmt_value(out)} − 1)·{s} + {d}·({k} − 1) + 1 − {fmt_value(n)}, 0)",
        total,
        why=why,
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
    n_, num_ = fmt_value(n), fmt_value(num)  # a long input (a 1-D signal) grouped as the value is
    if d != 1:
        sub = f"{lo}({n_} + {_pad_num(pad)} − {d}·({k} − 1) − 1)/{s}{hi} + 1 = {lo}{num_}/{s}{hi} + 1"
        return general, sub, ()
    formula = f"{lo}({axis}_in + {_pad_sym(pad)} − k)/s{hi} + 1"
    sub = f"{lo}({n_} + {_pad_num(pad)} − {k})/{s}{hi} + 1 = {lo}{num_}/{s}{hi} + 1"
    # said of n rather than H_in or W_in, so that the axes share one note (see `notes_once`)
    general_n = f"{lo}(n + {_pad_sym(pad)} − d(k − 1) − 1)/s{hi} + 1"
    return (
        formula,
        sub,
        (_("in general, with dilation d (PyTorch's form): {formula}").format(formula=general_n),),
    )


def _pad_sym(pad: Pad) -> str:
    return "2p" if pad[0] == pad[1] else "p_before + p_after"


def _pad_num(pad: Pad) -> str:
    return f"2·{pad[0]}" if pad[0] == pad[1] else f"{pad[0]} + {pad[1]}"


def _too_small(n: int, k: int, d: int, pad: Pad, keff: int, pool: bool = False) -> str:
    """Why a (dilated) kernel or pool window does not fit the padded input, and what would."""
    values = {"k": k, "keff": keff, "padded": n + pad[0] + pad[1], "n": n, "pb": pad[0], "pa": pad[1]}
    if pool and d > 1:
        text = _(
            "pool window {k} (dilated to {keff}) is larger than the padded input {padded} ({n} + {pb} + {pa}); "
            "use a kernel ≤ the padded input"
        )
    elif pool:
        text = _(
            "pool window {k} is larger than the padded input {padded} ({n} + {pb} + {pa}); use a kernel ≤ {padded}"
        )
    elif d > 1:
        text = _(
            "kernel {k} (dilated to {keff}) is larger than the padded input {padded} ({n} + {pb} + {pa}); "
            "use a kernel ≤ the padded input or padding ≥ {need}"
        )
    else:
        text = _(
            "kernel {k} is larger than the padded input {padded} ({n} + {pb} + {pa}); "
            "use a kernel ≤ {padded} or padding ≥ {need}"
        )
    return text.format(need=ceil_div(keff - n, 2), **values)


def _conv_why(n: int, keff: int, pad: Pad, s: int, out: int, axis: str) -> str:
    values = {
        "keff": keff,
        "s": s,
        "positions": ngettext("{n} position", "{n} positions", out).format(n=f"{out:,}"),
        "cells": _padded_cells(axis, n + pad[0] + pad[1]),
    }
    if s > 1:
        return _("a {keff}-wide window fits at {positions}, {s} apart, along the {cells}").format(**values)
    return _("a {keff}-wide window slides over the {cells} and fits at {positions}").format(**values)


def _decimal(numerator: int, denominator: int, places: int = 3) -> str:
    """An exact-looking decimal of numerator/denominator, with integer arithmetic (sizes may be 10**30).

    >>> _decimal(11, 2), _decimal(10, 3), _decimal(4, 1)
    ('5.5', '3.333…', '4')
    """
    whole, rest = divmod(numerator, denominator)
    scaled = rest * 10**places
    digits = str(scaled // denominator).rjust(places, "0").rstrip("0")
    approx = "…" if scaled % denominator else ""
    return f"{whole}.{digits}{approx}" if digits else f"{whole}{'.0…' if approx else ''}"


def _nearest_divisors(num: int, s: int, limit: int, reach: int = 64) -> list[int]:
    """The strides closest to s (one below, one above, within `reach`) that divide num exactly and
    are at most `limit` (the window's span: a longer stride would skip cells between windows)."""
    below = next((t for t in range(min(s - 1, limit), max(s - reach, 1), -1) if num % t == 0), 1)
    above = next((t for t in range(s + 1, min(s + reach, num, limit) + 1) if num % t == 0), None)
    return ([below] if below < s else []) + ([above] if above else [])


def _remainder_notes(
    n: int, k: int, s: int, pad: Pad, d: int, num: int, axis: str, pool: bool = False, dims: int = 2
) -> list[AxisNote]:
    """cs231n's "(10 − 3)/2 + 1 = 4.5": explain the fraction instead of silently flooring it."""
    r = num % s
    if r == 0:
        return []
    pb, pa = pad
    keff = effective_kernel(k, d)
    values = {
        "n": fmt_value(n),
        "pad": _pad_num(pad),
        "keff": keff,
        "s": s,
        "exact": _decimal(num + s, s),  # num/s + 1, unreduced: the same digits
        "kept": fmt_value(num // s + 1),
        "cells": _cells(axis, r, str(r)),
    }
    if r <= pa:
        text = ngettext(
            "({n} + {pad} − {keff})/{s} + 1 = {exact} is not a whole number; the floor keeps {kept}, so the "
            "last {cells} of the padded input is never covered by any window (only padding, so no data is lost).",
            "({n} + {pad} − {keff})/{s} + 1 = {exact} is not a whole number; the floor keeps {kept}, so the "
            "last {cells} of the padded input are never covered by any window (only padding, so no data is "
            "lost).",
            r,
        )
    else:
        text = ngettext(
            "({n} + {pad} − {keff})/{s} + 1 = {exact} is not a whole number; the floor keeps {kept}, so the "
            "last {cells} of the padded input is never covered by any window.",
            "({n} + {pad} − {keff})/{s} + 1 = {exact} is not a whole number; the floor keeps {kept}, so the "
            "last {cells} of the padded input are never covered by any window.",
            r,
        )
    notes = [AxisNote(axis, text.format(**values))]
    if s > keff:
        gap = s - keff
        text = ngettext(
            "the stride {s} is longer than the {keff}-wide window, so {cells} between neighbouring windows "
            "is skipped too.",
            "the stride {s} is longer than the {keff}-wide window, so {cells} between neighbouring windows "
            "are skipped too.",
            gap,
        ).format(s=s, keff=keff, cells=_cells(axis, gap, str(gap)))
        notes.append(AxisNote(axis, text))
    fixes = []
    extra = s - r  # padding that would complete one more window
    # a pool may pad at most k/2 on each side, and only symmetrically (PyTorch's MaxPool/AvgPool)
    allowed = (lambda p: p <= k // 2) if pool else (lambda p: True)
    if pb == pa and s <= keff:  # with gaps between windows no padding covers every row
        if extra % 2 == 0 and allowed(pb + extra // 2):
            fixes.append(_("padding {p} (output {out})").format(p=pb + extra // 2, out=num // s + 2))
        elif r % 2 == 0 and pb >= r // 2:
            fixes.append(_("padding {p} (output {out})").format(p=pb - r // 2, out=num // s + 1))
        elif not pool:
            fixes.append(
                _(
                    "padding {before} before and {after} after (output {out}; in PyTorch an "
                    "explicit F.pad or nn.ZeroPad{dims}d before the layer)"
                ).format(before=pb, after=pa + extra, out=num // s + 2, dims=dims)
            )
    near = _nearest_divisors(num, s, keff)
    if near:
        strides = _(" or ").join(
            _("{stride} (output {out})").format(stride=t, out=num // t + 1) for t in near
        )
        fixes.append(_("stride {strides}").format(strides=strides))
    if fixes:
        text = _("to cover every {cell} exactly, use {fixes}.").format(
            cell=translated(_ROWS[axis]), fixes=_("; or ").join(fixes)
        )
        notes.append(AxisNote(axis, text))
    return notes
