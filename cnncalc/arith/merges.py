"""Where branches meet: the shape of an add or a concatenation, and the receptive field of the union.

    add:     every branch C×H×W alike → C×H×W (an element-wise sum; no parameters)
    concat:  every branch H×W alike   → (C_1 + C_2 + …)×H×W, joined on channels in branch order

A mismatch is a domain error that names both branches and their shapes, with what would fix it.

The receptive field of a merged unit is the union of its branches' fields on the input grid. With
equal jumps each branch's field is an interval that moves with the unit, so per axis

    first = min over branches of (start − (RF − 1)/2),  last = max of (start + (RF − 1)/2)
    RF    = last − first + 1

which is the largest branch's field when the branches are centred alike (the maximum over paths).

>>> merged_shape("add", [(64, 56, 56), (64, 56, 56)])
(64, 56, 56)
>>> merged_shape("concat", [(64, 28, 28), (128, 28, 28), (32, 28, 28)])
(224, 28, 28)
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from typing import TYPE_CHECKING

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.parsing import fmt_axis_value, fmt_shape
from cnncalc.arith.receptive_field import ReceptiveField, exact
from cnncalc.arith.sizes import AXIS_NAMES
from cnncalc.arith.steps import Step
from cnncalc.i18n import _

if TYPE_CHECKING:
    from fractions import Fraction

Shape = tuple[int, ...]


class MergeMismatch(CnnCalcError):
    """Two branches that cannot be merged: which ones (0-based) and why, for the walk to name them."""

    def __init__(self, first: int, other: int, need: str, hint: str) -> None:
        self.first, self.other, self.need, self.hint = first, other, need, hint
        super().__init__(need)


def merged_shape(kind: str, shapes: Sequence[Shape]) -> Shape:
    """The output of `kind` ('add' or 'concat') over the branches' shapes; `MergeMismatch` if they
    cannot meet."""
    first = shapes[0]
    for i, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(first):
            need = _("{kind} needs branches of the same rank").format(kind=kind)
            raise MergeMismatch(0, i, need, _rank_hint(first, shape))
        if kind == "add" and shape != first:
            need = _("add needs the same C×H×W from every branch")
            raise MergeMismatch(0, i, need, add_hint(first, shape))
        if kind == "concat" and shape[1:] != first[1:]:
            need = _("concat joins channels and needs the same H×W")
            raise MergeMismatch(0, i, need, concat_hint(first, shape))
    if kind == "add":
        return first
    return (sum(shape[0] for shape in shapes), *first[1:])


def merge_steps(kind: str, shapes: Sequence[Shape], out: Shape) -> tuple[Step, ...]:
    """The working of a merge's output shape."""
    shown = " + ".join(fmt_shape(s) for s in shapes)
    if kind == "add":
        return (
            Step(
                _("output"),
                _("branch₁ + branch₂ + …"),
                shown,
                fmt_shape(out),
                why=_(
                    "an element-wise sum: every branch has the same shape, which the sum keeps; no parameters"
                ),
            ),
        )
    channels = " + ".join(str(s[0]) for s in shapes)
    return (
        Step(
            "C_out",
            "C₁ + C₂ + …",
            channels,
            out[0],
            why=_("the branches' maps side by side on the channel axis, in branch order; no parameters"),
        ),
    )


def add_hint(a: Shape, b: Shape) -> str:
    """What would make two branches addable: a projection shortcut, or padding that keeps the size."""
    if len(a) == 1 or a[1:] == b[1:]:
        return _(
            "a projection 'conv {c} k=1 bias=false | bn' in the branch with {other} channels gives it {c}"
        ).format(c=a[0], other=b[0])
    larger, smaller = (a, b) if a[1] >= b[1] else (b, a)
    pairs = list(zip(larger[1:], smaller[1:], strict=True))
    stride = ceil(pairs[0][0] / pairs[0][1])
    if stride > 1 and all(-(-n // stride) == m for n, m in pairs):
        return _(
            "a projection shortcut 'conv {c} k=1 s={s} bias=false | bn' in the branch with "
            "{larger} gives it {smaller}, as ResNet's do"
        ).format(
            c=smaller[0], s=stride, larger=fmt_shape(larger), smaller=fmt_shape((smaller[0], *smaller[1:]))
        )
    lost = [n - m for n, m in pairs]
    if len(set(lost)) == 1:
        what = _("{n} rows and columns").format(n=lost[0])
    else:
        what = _("{sizes} (per axis)").format(sizes=fmt_shape(lost))
    hint = _(
        "the branch with {smaller} loses {what} to windows without padding: pad them "
        "(p=1 for k=3; Keras padding='same') so it keeps {size}"
    ).format(smaller=fmt_shape(smaller), what=what, size=fmt_shape(larger[1:]))
    if a[0] != b[0]:
        hint += _(
            "; and a projection 'conv {c} k=1 bias=false | bn' for the channels ({larger} → {c})"
        ).format(c=smaller[0], larger=larger[0])
    return hint


def concat_hint(a: Shape, b: Shape) -> str:
    return _(
        "H×W {a} and {b} differ: give the branches the same strides and "
        "'same' padding (p=(k − 1)/2 for an odd k), as Inception's do"
    ).format(a=fmt_shape(a[1:]), b=fmt_shape(b[1:]))


def _rank_hint(a: Shape, b: Shape) -> str:
    return _("one branch gives {a}, the other {b}: flatten both or neither before they meet").format(
        a=fmt_shape(a), b=fmt_shape(b)
    )


def union_view(
    views: Sequence[ReceptiveField], units: Shape | None = None
) -> tuple[ReceptiveField, tuple[Step, ...], int | None]:
    """The receptive field of a merged unit: per axis the union of the branches' fields.

    Returns the view, its working, and the branch (0-based) whose field holds every other's (None
    when no single branch's does: the branches are centred differently, or step at different
    rates). With unequal jumps the union depends on where the unit sits; `units` (the merged map's
    size) bounds it over the map, whose widest union is at its first or its last unit.
    """
    dims = len(views[0].size)
    sizes, jumps, starts, steps = [], [], [], []
    setters = set()
    for axis, name in enumerate(AXIS_NAMES[dims]):
        per = [(v.size[axis], v.jump[axis], v.start[axis]) for v in views]
        same_jump = len({j for _, j, _ in per}) == 1
        last = 0 if same_jump or units is None else units[axis] - 1
        # doubled input coordinates keep half-pixel centres (even kernels) whole numbers
        spans = [_span2(rf, jump, start, 0) for rf, jump, start in per]
        lo2, hi2 = min(a for a, _ in spans), max(b for _, b in spans)
        extent2 = hi2 - lo2
        if last:
            far = [_span2(rf, jump, start, last) for rf, jump, start in per]
            extent2 = max(extent2, max(b for _, b in far) - min(a for a, _ in far))
        size = ceil(extent2 / 2) + 1 if not isinstance(extent2, int) else -(-extent2 // 2) + 1
        jump = max(j for _, j, _ in per)
        start = _quarter(lo2 + hi2)
        holding = [i for i, span in enumerate(spans) if span == (lo2, hi2)]
        setter = holding[0] if holding and same_jump else None
        setters.add(setter)
        if not same_jump:
            why = _(
                "the branches step through the input at different rates (jumps {jumps}): the field "
                "depends on where the unit sits; this is the largest over the map"
            ).format(jumps=", ".join(fmt_axis_value(j) for _rf, j, _start in per))
        elif setter is not None:
            why = _("branch {n}'s field holds the others'").format(n=setter + 1)
        else:
            why = _("no branch's field holds all the others': the union is wider than each")
        sizes.append(size)
        jumps.append(jump)
        starts.append(start)
        steps.append(
            Step(
                f"RF_{name}",
                _("extent of the union of the branches' fields"),
                "∪(" + ", ".join(str(rf) for rf, _jump, _start in per) + ")",
                size,
                why=_("{why}; jump = {jump}, first unit centred at {start}").format(
                    why=why, jump=fmt_axis_value(jump), start=fmt_axis_value(start)
                ),
            )
        )
    setter = setters.pop() if len(setters) == 1 else None
    return ReceptiveField(tuple(sizes), tuple(jumps), tuple(starts)), tuple(steps), setter


def _quarter(value: int | Fraction) -> int | Fraction:
    """value / 4, exactly: an int when it divides."""
    if isinstance(value, int) and value % 4 == 0:
        return value // 4
    from fractions import Fraction

    return exact(Fraction(value) / 4)


def _span2(rf: int, jump: int | Fraction, start: int | Fraction, unit: int) -> tuple:
    """Twice the first and last input coordinate of unit `unit`'s field along one axis."""
    centre2 = 2 * (start + unit * jump)
    return centre2 - (rf - 1), centre2 + (rf - 1)
