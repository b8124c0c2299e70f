"""Inverse problems: which padding, stride or kernel gives the output size I want?

Everything starts from the one output-size formula (PyTorch's, in `cnncalc.arith.sizes`):

    out = ⌊(n + p_before + p_after − d·(k − 1) − 1)/s⌋ + 1

Because of the floor, a target `o` is reached by a whole range of padded sizes: `out = o` exactly
when `(o − 1)·s ≤ n + P − k_eff ≤ o·s − 1`, with `P` the total padding and `k_eff = d·(k − 1) + 1`.
Each solver searches that range, and every answer is checked with `conv_output_size` before it is
returned.

>>> solve_padding(28, 5).answer["padding"]
2
>>> solve_padding(28, 4).answer["padding"]
[1, 2]
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.parsing import fmt_count
from cnncalc.arith.sizes import ceil_div, conv_output_size, effective_kernel
from cnncalc.arith.steps import Step
from cnncalc.i18n import N_, _, ngettext, translated
from cnncalc.safety.limits import MAX_COMBO_PAIRS, MAX_SIZE, MAX_SIZE_TEXT

# the values a solver checks, as its messages name them
_NAMES = {
    "input": N_("input"),
    "kernel": N_("kernel"),
    "stride": N_("stride"),
    "dilation": N_("dilation"),
    "output": N_("output"),
}


@dataclass(frozen=True)
class Solution:
    """The answer to one inverse problem, with the working that leads to it."""

    problem: str
    given: dict
    answer: dict
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    possible: bool = True

    def to_dict(self) -> dict:
        return {
            "problem": self.problem,
            **self.given,
            **self.answer,
            "possible": self.possible,
            "steps": [s.to_dict() for s in self.steps],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Combo:
    kernel: int
    stride: int
    padding: int
    output: int
    exact: bool  # every padded row is covered by some window

    def to_dict(self) -> dict:
        return {"kernel": self.kernel, "stride": self.stride, "padding": self.padding, "exact": self.exact}


def _check_padding(p: int) -> None:
    if p < 0:
        raise UsageError(_("padding {value} must not be negative"), value=fmt_count(p))
    if p > MAX_SIZE:
        raise UsageError(
            _("padding {value} is more than {most}, too large to be a layer size"),
            value=fmt_count(p),
            most=MAX_SIZE_TEXT,
        )


def _check(**values: int) -> None:
    for name, v in values.items():
        said = translated(_NAMES.get(name, name))
        if v < 1:
            raise UsageError(_("{name} {value} must be at least 1"), name=said, value=fmt_count(v))
        if v > MAX_SIZE:
            raise UsageError(
                _("{name} {value} is more than {most}, too large to be a layer size"),
                name=said,
                value=fmt_count(v),
                most=MAX_SIZE_TEXT,
            )


def solve_padding(n: int, k: int, s: int = 1, d: int = 1, target: int | None = None) -> Solution:
    """The padding that makes a conv output `target` (default ⌈n/s⌉, 'same').

    Symmetric padding p is preferred (PyTorch's `padding=p`); when only an odd total works, the
    split puts the extra row after, as TensorFlow's 'same' does.

    >>> solve_padding(96, 5, target=96).answer
    {'padding': 2, 'total_padding': 4}
    """
    _check(input=n, kernel=k, stride=s, dilation=d)
    keff = effective_kernel(k, d)
    o = ceil_div(n, s) if target is None else target
    _check(output=o)
    low = (o - 1) * s + keff - n  # smallest total padding: the o-th window just fits
    high = o * s + keff - n - 1  # largest: one more row would make room for an (o+1)-th window
    steps = _padding_range_steps(n, k, s, d, o, low, high, same=target is None)
    if high < 0:
        why = _no_padding_reaches(n, k, s, d, o)
        none = {"padding": None, "total_padding": None}  # the keys of an answer, none of them known
        return Solution("padding", _given(n, k, s, d, o), none, steps, (why,), possible=False)
    pads, answer, split, notes = _split_padding(max(low, 0), high, s, o)
    out = conv_output_size(n, k, s, pads, d)
    if out != o:
        raise CnnCalcError(
            _("internal check failed: padding {padding} gives {out}, not {target}"),
            padding=pads,
            out=out,
            target=o,
        )
    if low < 0:
        notes += (
            _("No padding is needed: without it the output is already {out}.").format(
                out=conv_output_size(n, k, s, 0, d)
            ),
        )
    steps += (split, _verify(n, k, s, d, pads, out))
    return Solution("padding", _given(n, k, s, d, o), answer, steps, notes)


def _padding_range_steps(
    n: int, k: int, s: int, d: int, o: int, low: int, high: int, same: bool
) -> tuple[Step, ...]:
    """The target (for 'same') and the range of total paddings P_min … P_max that reach it."""
    keff = effective_kernel(k, d)
    steps = []
    if same:
        steps.append(
            Step(_("target"), "⌈n/s⌉", f"⌈{n}/{s}⌉", o, why=_("'same' output: one output per s input cells"))
        )
    steps.append(
        Step(
            "P_min",
            "(o − 1)·s + d·(k − 1) + 1 − n",
            f"({o} − 1)·{s} + {d}·({k} − 1) + 1 − {n}",
            low,
            why=_("the padded input must hold the last of {o} windows, {s} apart, each {keff} wide").format(
                o=o, s=s, keff=keff
            ),
        )
    )
    if s > 1:
        steps.append(
            Step(
                "P_max",
                "o·s + d·(k − 1) − n",
                f"{o}·{s} + {d}·({k} − 1) − {n}",
                high,
                why=_("any more and a window number {number} would fit").format(number=o + 1),
            )
        )
    return tuple(steps)


def _no_padding_reaches(n: int, k: int, s: int, d: int, o: int) -> str:
    """Why no padding gives `o`: padding only adds rows, and the output is already larger."""
    keff = effective_kernel(k, d)
    if keff > n:
        return _("the kernel {keff} is larger than the input {n}").format(keff=keff, n=n)
    return _(
        "even with no padding the output is {out}, more than {target}: padding only "
        "adds rows. Use a stride ≥ {stride} or a larger kernel "
        "(see `cnncalc solve stride`/`kernel`)"
    ).format(out=conv_output_size(n, k, s, 0, d), target=o, stride=ceil_div(n - keff + 1, o))


def _split_padding(
    start: int, high: int, s: int, o: int
) -> tuple[tuple[int, int], dict, Step, tuple[str, ...]]:
    """The smallest even total in start … high as p on both sides, else the odd `start` split
    (⌊P/2⌋ before, ⌈P/2⌉ after): the padding pair, the answer, its step and notes."""
    even = next((t for t in range(start, high + 1) if t % 2 == 0), None)
    if even is not None:
        p = even // 2
        step = Step("p", "P/2", f"{even}/2", p, why=_("the same padding on both sides, PyTorch's padding=p"))
        notes: tuple[str, ...] = ()
        if start < even:
            notes = (
                _(
                    "A total of {total} would also give {target}, split {before} before and "
                    "{after} after (TensorFlow's 'same'); the symmetric choice needs one extra "
                    "padded row, which no window uses fully."
                ).format(total=start, target=o, before=start // 2, after=start - start // 2),
            )
        return (p, p), {"padding": p, "total_padding": even}, step, notes
    pads = (start // 2, start - start // 2)
    step = Step(
        "p",
        "(⌊P/2⌋, ⌈P/2⌉)",
        f"(⌊{start}/2⌋, ⌈{start}/2⌉)",
        _("{before} before, {after} after").format(before=pads[0], after=pads[1]),
        why=_("an odd total cannot be split evenly; the extra row goes after (bottom/right)"),
    )
    zero_pad = f"nn.ZeroPad2d(({pads[0]}, {pads[1]}, {pads[0]}, {pads[1]}))"
    if s == 1:
        note = _(
            "PyTorch's Conv2d pads both sides alike: use {zero_pad} before the conv, or padding='same' "
            "(stride 1 only)."
        ).format(zero_pad=zero_pad)
    else:
        note = _("PyTorch's Conv2d pads both sides alike: use {zero_pad} before the conv.").format(
            zero_pad=zero_pad
        )
    return pads, {"padding": list(pads), "total_padding": start}, step, (note,)


def _no_stride() -> dict:
    """The answer of `solve_stride` when no stride works: the keys of every answer, none known."""
    return {"stride": None, "strides": [], "stride_range": None, "stride_unbounded": False}


def solve_stride(n: int, k: int, target: int, p: int = 0, d: int = 1) -> Solution:
    """Every stride s with ⌊(n + 2p − k_eff)/s⌋ + 1 = target; the answer covers every row if it can.

    >>> solve_stride(32, 4, 16, p=1).answer["stride"]
    2
    """
    _check(input=n, kernel=k, output=target, dilation=d)
    _check_padding(p)
    keff = effective_kernel(k, d)
    span = n + 2 * p - keff
    steps = [
        Step(
            _("span"),
            "n + 2p − d·(k − 1) − 1",
            f"{n} + 2·{p} − {d}·({k} − 1) − 1",
            span,
            why=_("how far the window can move from the first position to the last"),
        )
    ]
    if span < 0:
        why = _("the kernel {keff} is larger than the padded input {padded}").format(
            keff=keff, padded=n + 2 * p
        )
        return Solution("stride", _given(n, k, None, d, target, p), _no_stride(), tuple(steps), (why,), False)
    # ⌊span/s⌋ = t  ⇔  span/(t + 1) < s ≤ span/t: one range of strides, found without a search
    # (sizes may be 10**30); t = 0 means any s > span, of which the smallest is shown
    t = target - 1
    lo, hi = (span + 1, span + 1) if t == 0 else (span // (t + 1) + 1, span // t)
    works = range(lo, hi + 1)
    if not works:
        every = _every_output(span)
        values = {"span": span, "target": target, "largest": span + 1}
        if every is not None:  # few enough to list them all
            values["outputs"] = ", ".join(map(str, every))
            if target > span + 1:
                why = _(
                    "the output ⌊{span}/s⌋ + 1 can only be {outputs}, not {target}: the largest is {largest} "
                    "(stride 1); change the padding or kernel (`cnncalc solve combos`)"
                ).format(**values)
            else:
                why = _(
                    "the output ⌊{span}/s⌋ + 1 can only be {outputs}, not {target}: no whole stride lands on "
                    "it; change the padding or kernel (`cnncalc solve combos`)"
                ).format(**values)
        else:  # the two reachable outputs on either side of the target, … where others are left out
            outs = sorted({span // s + 1 for s in _near(lo, span)})
            near = [v for v in outs if v < target][-2:] + [v for v in outs if v > target][:2]
            shown = ", ".join(map(str, near))
            values["outputs"] = (
                ("…, " if near[0] > 1 else "") + shown + (", …" if near[-1] < span + 1 else "")
            )
            if target > span + 1:
                why = _(
                    "the output ⌊{span}/s⌋ + 1 can be {outputs} but not {target}: the largest is {largest} "
                    "(stride 1); change the padding or kernel (`cnncalc solve combos`)"
                ).format(**values)
            else:
                why = _(
                    "the output ⌊{span}/s⌋ + 1 can be {outputs} but not {target}: no whole stride lands on it; "
                    "change the padding or kernel (`cnncalc solve combos`)"
                ).format(**values)
        return Solution(
            "stride",
            _given(n, k, None, d, target, p),
            _no_stride(),
            tuple(steps),
            (why,),
            False,
        )
    # an exact stride divides the span: span/s = t, so s = span/t when t divides it; for one
    # output the single window covers every row only when it spans the padded input (span 0)
    exact = [span // t] if t and span % t == 0 else [] if t or span else [works[0]]
    s = exact[0] if exact else works[0]
    if t == 0:
        why = _("every stride from {lo} up gives 1: a second window would not fit").format(lo=works[0])
    else:
        why = ngettext(
            "stride {strides} gives {target}",
            "strides {strides} give {target}",
            2 if works[-1] > works[0] else 1,
        ).format(strides=_ranges(works), target=target)
    steps.append(Step(_("o with s = {s}").format(s=s), "⌊span/s⌋ + 1", f"⌊{span}/{s}⌋ + 1", target, why=why))
    notes = []
    if not exact:
        notes.append(
            ngettext(
                "{span} is not a multiple of {s}: the last {rest} padded row is never covered by a window.",
                "{span} is not a multiple of {s}: the last {rest} padded rows are never covered by a window.",
                span % s,
            ).format(span=span, s=s, rest=span % s)
        )
    steps.append(_verify(n, k, s, d, (p, p), conv_output_size(n, k, s, p, d)))
    return Solution(
        "stride",
        _given(n, k, None, d, target, p),
        # for one output every stride past the span works: the range shows its first, and
        # stride_unbounded says that it has no last
        {
            "stride": s,
            "strides": _listed(works),
            "stride_range": [works[0], works[-1]],
            "stride_unbounded": t == 0,
        },
        tuple(steps),
        tuple(notes),
    )


def solve_kernel(n: int, target: int, s: int = 1, p: int = 0, d: int = 1) -> Solution:
    """Every kernel k with ⌊(n + 2p − d·(k − 1) − 1)/s⌋ + 1 = target.

    >>> solve_kernel(28, 24).answer["kernel"]
    5
    """
    _check(input=n, output=target, stride=s, dilation=d)
    _check_padding(p)
    padded = n + 2 * p
    # ⌊(padded − 1 − d(k − 1))/s⌋ = t  ⇔  t·s ≤ padded − 1 − d(k − 1) ≤ t·s + s − 1: one range of k
    t = target - 1
    k_lo = max(1, ceil_div(padded - t * s - s, d) + 1)
    k_hi = (padded - 1 - t * s) // d + 1
    ks = range(k_lo, k_hi + 1)
    steps = [
        Step(
            "k",
            "(n + 2p − (o − 1)·s − 1)/d + 1",
            f"({n} + 2·{p} − ({target} − 1)·{s} − 1)/{d} + 1",
            _fmt_frac(padded - (target - 1) * s - 1, d, 1),
            why=_("the largest kernel: its last window ends exactly at the last padded row"),
        )
    ]
    if not ks:
        largest = conv_output_size(n, 1, s, p, 1)
        why = (
            _("even a 1×1 kernel gives {largest} < {target}; add padding or lower the stride").format(
                largest=largest, target=target
            )
            if target > largest
            else _("no whole kernel gives {target} with stride {s} and dilation {d}").format(
                target=target, s=s, d=d
            )
        )
        return Solution(
            "kernel",
            _given(n, None, s, d, target, p),
            {"kernel": None, "kernels": [], "kernel_range": None},
            tuple(steps),
            (why,),
            False,
        )
    k = ks[-1]
    exact = (padded - effective_kernel(k, d)) % s == 0
    notes = (
        []
        if exact
        else [
            _(
                "with stride {s} the last rows are not covered exactly; kernels {kernels} all give {target}"
            ).format(s=s, kernels=_ranges(ks), target=target)
        ]
    )
    if ks[-1] > ks[0] and exact:
        notes.append(
            _("kernels {kernels} all give {target}; {k} is the one whose windows cover every row").format(
                kernels=_ranges(ks), target=target, k=k
            )
        )
    steps.append(_verify(n, k, s, d, (p, p), conv_output_size(n, k, s, p, d)))
    return Solution(
        "kernel",
        _given(n, None, s, d, target, p),
        {"kernel": k, "kernels": _listed(ks), "kernel_range": [ks[0], ks[-1]]},
        tuple(steps),
        tuple(notes),
    )


def solve_combos(
    n: int, target: int, max_kernel: int = 7, max_stride: int = 4, limit: int = 10
) -> tuple[Combo, ...]:
    """Small (k, s, p) with conv_output_size(n, k, s, p) = target, the plainest first.

    Plain means: odd kernels (a centre pixel), every row covered, then small k, s and p.

    >>> solve_combos(32, 16)[0]
    Combo(kernel=3, stride=2, padding=1, output=16, exact=False)
    """
    _check(input=n, output=target, max_kernel=max_kernel, max_stride=max_stride)
    if max_kernel * max_stride > MAX_COMBO_PAIRS:
        raise UsageError(
            _(
                "{field:max_kernel} {kernels} with {field:max_stride} {strides} is {pairs} (kernel, stride) pairs to try; "
                "at most {most}: lower one of them (or use `cnncalc solve kernel` / `stride`, which find a whole "
                "range at once)"
            ),
            kernels=fmt_count(max_kernel),
            strides=fmt_count(max_stride),
            pairs=fmt_count(max_kernel * max_stride),
            most=f"{MAX_COMBO_PAIRS:,}",
        )
    found: list[Combo] = []
    # The plainest first: odd kernels (a centre pixel), then 1×1, then even kernels; within each,
    # by stride, padding, windows covering every row, kernel. Stride by stride, stopping at `limit`.
    for kernels in (
        range(3, max_kernel + 1, 2),
        range(1, min(max_kernel, 1) + 1),
        range(2, max_kernel + 1, 2),
    ):
        for s in range(1, max_stride + 1):
            level = [c for k in kernels for c in _combos(n, target, k, s)]
            found += heapq.nsmallest(
                limit - len(found), level, key=lambda c: (c.padding, not c.exact, c.kernel)
            )
            if len(found) >= limit:
                return tuple(found)
    return tuple(found)


def _combos(n: int, target: int, k: int, s: int) -> list[Combo]:
    """The paddings 0 … k/2 with which kernel k and stride s map n to target, found in closed form:
    ⌊(n + 2p − k)/s⌋ + 1 = target  ⇔  (target − 1)·s ≤ n + 2p − k ≤ target·s − 1."""
    low = max(0, ceil_div((target - 1) * s + k - n, 2))
    high = min(k // 2, (target * s - 1 + k - n) // 2)
    return [
        Combo(k, s, p, target, (n + 2 * p - k) % s == 0)
        for p in range(low, high + 1)
        if k <= n + 2 * p and conv_output_size(n, k, s, p) == target
    ]


def _verify(n: int, k: int, s: int, d: int, pads: tuple[int, int], out: int) -> Step:
    pad = f"2·{pads[0]}" if pads[0] == pads[1] else f"{pads[0]} + {pads[1]}"
    return Step(
        _("check"),
        "⌊(n + p_before + p_after − d·(k − 1) − 1)/s⌋ + 1",
        f"⌊({n} + {pad} − {d}·({k} − 1) − 1)/{s}⌋ + 1",
        out,
        why=_("the forward formula confirms it"),
    )


def _given(n: int, k: int | None, s: int | None, d: int, o: int, p: int | None = None) -> dict:
    given = {"input": n, "kernel": k, "stride": s, "dilation": d, "padding_given": p, "output": o}
    return {key: v for key, v in given.items() if v is not None}


def _fmt_frac(num: int, den: int, plus: int) -> int | float:
    return num // den + plus if num % den == 0 else num / den + plus


LISTED = 1000


def _listed(values: range) -> list[int]:
    """The values themselves when there are at most LISTED of them (the range is always given too)."""
    return list(values) if values and values[-1] - values[0] < LISTED else []


def _every_output(span: int, most: int = 8) -> list[int] | None:
    """Every output ⌊span/s⌋ + 1 some stride s ≥ 1 gives, smallest first, if there are at most
    `most` of them; else None. The strides come in runs that share a quotient (span // q + 1 starts
    the next), so this takes at most `most` steps whatever the span.

    >>> _every_output(7), _every_output(1000)
    ([1, 2, 3, 4, 8], None)
    """
    found = [1]  # every s > span
    s = 1
    while s <= span:
        q = span // s
        found.append(q + 1)
        if len(found) > most:
            return None
        s = span // q + 1
    return sorted(found)


def _near(lo: int, span: int, reach: int = 8) -> range:
    """A few strides around lo, to show which outputs are reachable instead."""
    return range(max(1, lo - reach), min(span + 1, lo + reach) + 1)


def _ranges(values: list[int] | range) -> str:
    """[2, 3, 4, 7] → '2–4, 7'."""
    if isinstance(values, range):
        return str(values[0]) if values[-1] == values[0] else f"{values[0]}–{values[-1]}"
    runs: list[list[int]] = []
    for v in values:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)
