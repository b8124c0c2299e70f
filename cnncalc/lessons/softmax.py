"""Softmax and cross-entropy, step by step: the classifier's last layer and its loss (notes 000, 002, 004).

    p_i = e^(z_i) / Σ_j e^(z_j)          L = −ln p_y          ∂L/∂z_i = p_i − y_i

computed in the numerically stable form the trainer and PyTorch use (subtract m = max z first:
the factor e^(−m) cancels, and no exponential can overflow):

    p_i = e^(z_i − m) / Σ_j e^(z_j − m)   L = ln Σ_j e^(z_j − m) + m − z_y

The probabilities, the loss and its gradient come from `cnncalc.nn.losses`, the trainer's own
loss; this module words them.

>>> t = step_softmax([2, 1, 0.1], label=0)
>>> [round(p, 4) for p in t.probabilities], round(t.loss, 4)
([0.659, 0.2424, 0.0986], 0.417)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnncalc.arith.errors import UsageError
from cnncalc.arith.steps import Step, fmt_value
from cnncalc.i18n import _
from cnncalc.lessons.blocks import Section, Worked
from cnncalc.lessons.matrix import fmt_number
from cnncalc.nn.losses import log_softmax, softmax_cross_entropy

# e^z overflows float64 above ln(1.8·10^308) ≈ 709.78
OVERFLOW = math.log(np.finfo(np.float64).max)
# below this a float64 is subnormal: it keeps fewer than 16 significant digits
TINY = float(np.finfo(np.float64).tiny)


@dataclass(frozen=True)
class SoftmaxTrace:
    logits: tuple[float, ...]
    label: int | None
    exps: tuple[float, ...] | None  # e^z as written; None when one of them overflows float64
    shift: float  # m = max z
    shifted_exps: tuple[float, ...]  # e^(z − m)
    probabilities: tuple[float, ...]
    loss: float | None
    gradient: tuple[float, ...] | None
    sections: tuple[Section, ...]

    def loss_working(self) -> tuple[Step, ...]:
        """The sum of the exponentials, the true class's probability and the loss, as worked steps."""
        wanted = ("Σ e^z", f"p_{self.label}", "L")
        steps = [s for sec in self.sections if isinstance(sec, Worked) for s in sec.steps]
        return tuple(
            next(s for s in steps if s.label == w) for w in wanted if any(s.label == w for s in steps)
        )

    @property
    def predicted(self) -> int:
        """The class with the largest probability (the first, on a tie)."""
        return int(np.argmax(self.probabilities))

    def to_dict(self) -> dict:
        return {
            "logits": list(self.logits),
            "label": self.label,
            "exps": list(self.exps) if self.exps is not None else None,
            "sum": sum(self.exps) if self.exps is not None else None,
            "max": self.shift,
            "shifted_exps": list(self.shifted_exps),
            "shifted_sum": sum(self.shifted_exps),
            "probabilities": list(self.probabilities),
            "predicted": self.predicted,
            "loss": self.loss,
            "gradient": list(self.gradient) if self.gradient is not None else None,
            "sections": [s.to_dict() for s in self.sections],
        }


def step_softmax(logits: Sequence[float], label: int | None = None) -> SoftmaxTrace:
    """Every number of softmax, the cross-entropy loss for `label` and its gradient p − y.

    >>> step_softmax([0, 0]).probabilities
    (0.5, 0.5)
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or len(z) < 2:
        raise UsageError(_("{field} needs at least two numbers, one score per class"), field="logits")
    if not np.isfinite(z).all():
        raise UsageError(_("{field} must be finite numbers"), field="logits")
    if label is not None and not 0 <= label < len(z):
        raise UsageError(
            _("{field} {label} is not a class: the {n} logits are classes 0 to {last}"),
            field="label",
            label=label,
            n=len(z),
            last=len(z) - 1,
        )
    shift = float(z.max())
    shifted = np.exp(z - shift)
    probabilities = tuple(float(v) for v in np.exp(log_softmax(z)))
    exps = tuple(float(v) for v in np.exp(z)) if z.max() <= OVERFLOW else None
    loss = gradient = None
    if label is not None:
        value, grad = softmax_cross_entropy(z[None], np.array([label]))
        # + 0.0 turns −0.0 (a certain right answer) into 0.0, in the text and in the JSON
        loss, gradient = float(value) + 0.0, tuple(float(g) + 0.0 for g in grad[0])
    zs, shifted_exps = tuple(float(v) for v in z), tuple(float(v) for v in shifted)
    sections = _sections(zs, exps, shift, shifted_exps, probabilities, label, loss, gradient)
    return SoftmaxTrace(
        logits=zs,
        label=label,
        exps=exps,
        shift=shift,
        shifted_exps=shifted_exps,
        probabilities=probabilities,
        loss=loss,
        gradient=gradient,
        sections=sections,
    )


def _n(v: float) -> str:
    """A number inside a formula: negative ones in parentheses, e^(-1)."""
    text = fmt_number(v)
    return f"({text})" if text.startswith("-") else text


def _sections(
    z: tuple[float, ...],
    exps: tuple[float, ...] | None,
    shift: float,
    shifted: tuple[float, ...],
    p: tuple[float, ...],
    label: int | None,
    loss: float | None,
    gradient: tuple[float, ...] | None,
) -> tuple[Section, ...]:
    sections: list[Section] = []
    n = len(z)
    prediction = _("prediction: class {label} (p = {p})").format(
        label=int(np.argmax(p)), p=fmt_number(max(p))
    )
    if exps is not None:
        sections.append(
            Worked(
                _("1. Exponentials: e^z makes every score positive, and a larger score a larger share"),
                tuple(Step(f"e^z_{i}", f"e^{_n(z[i])}", "", exps[i]) for i in range(n)),
            )
        )
        total = sum(exps)
        sums = Step(
            "Σ e^z", " + ".join(f"e^z_{i}" for i in range(n)), " + ".join(fmt_number(e) for e in exps), total
        )
        shares = tuple(
            Step(f"p_{i}", f"e^z_{i} / Σ e^z", f"{fmt_number(exps[i])} / {fmt_number(total)}", p[i])
            for i in range(n)
        )
        sections.append(
            Worked(
                _("2. Normalise: divide each by the sum, so the probabilities add up to 1"),
                (sums, *shares),
                (prediction,),
            )
        )
    else:
        sections.append(
            Worked(
                _("1–2. e^z would overflow"),
                (),
                (
                    _(
                        "the largest logit {z} is above {limit}: e^{z} is larger than float64 can hold (inf), "
                        "so only the stable form below can be computed"
                    ).format(z=fmt_number(shift), limit=f"{OVERFLOW:.2f}"),
                    prediction,
                ),
            )
        )
    if label is not None and loss is not None and gradient is not None:
        sections.append(_loss_section(z, shift, sum(shifted), p, label, loss))
        sections.append(
            Worked(
                _("4. Gradient: ∂L/∂z_i = p_i − y_i (y is 1 for the true class, 0 for the others)"),
                tuple(
                    Step(
                        f"∂L/∂z_{i}",
                        f"p_{i} − y_{i}",
                        f"{fmt_number(p[i])} − {int(i == label)}",
                        gradient[i],
                    )
                    for i in range(n)
                ),
                (
                    _(
                        "The true class's logit is pushed up (negative gradient), every other one down, each by "
                        "its probability: the gradients add up to 0."
                    ),
                ),
            )
        )
    sections.append(_stable_section(z, shift, shifted, p, label, loss))
    return tuple(sections)


def _minus_ln(written: str) -> str:
    """−ln of a number as written, as the loss is printed."""
    value = float(written)
    return fmt_value(-math.log(value) + 0.0) if value > 0 else "inf"


def _loss_section(
    z: tuple[float, ...], shift: float, shifted_total: float, p: tuple[float, ...], label: int, loss: float
) -> Worked:
    written = fmt_number(p[label])
    rest = math.fsum(q for i, q in enumerate(p) if i != label)
    confident = _(
        "A confident right answer (p near 1) costs almost nothing; a confident wrong one costs a lot."
    )
    if p[label] >= TINY and _minus_ln(written) == fmt_value(loss):
        step = Step("L", f"−ln p_{label}", f"−ln {written}", loss)
        notes: tuple[str, ...] = (confident,)
    elif (
        written == "1"
        and rest > 0
        and fmt_value(-math.log1p(-float(fmt_number(rest))) + 0.0) == fmt_value(loss)
    ):
        # p_y rounds to 1 as written: −ln 1 = 0 would be false, so p_y is written as 1 − (the others' share)
        step = Step("L", f"−ln p_{label}", f"−ln(1 − {fmt_number(rest)})", loss)
        notes = (
            _(
                "p_{label} is 1 − {rest}, which rounds to 1 as written: −ln 1 would be 0, so p_{label} is "
                "written as 1 minus the other classes' share."
            ).format(label=label, rest=fmt_number(rest)),
            confident,
        )
    else:
        # −ln p_y as written would not give the loss (p_y underflowed to 0, is subnormal and so inexact,
        # or is too rounded), so the working is the log-sum-exp form, which needs no p_y
        # (−ln p_y = −(z_y − m) + ln Σ e^(z_j − m))
        if p[label] == 0:
            why = _("p_{label} ≈ e^{power} is too small to write in float64 (it underflows to 0)")
            note = _(
                "−ln p_{label} cannot be worked from p_{label} = 0 (−ln 0 is infinite), so the loss is worked "
                "from the logits, in the stable form below: the loss PyTorch reports."
            )
        elif p[label] < TINY:
            why = _(
                "p_{label} ≈ e^{power} is below float64's smallest normal number: it is stored with only a "
                "few exact digits"
            )
            note = _(
                "−ln p_{label} worked from the inexact p_{label} = {p} would not give the loss, so the loss is "
                "worked from the logits, in the stable form below: the loss PyTorch reports."
            )
        else:
            why = _("p_{label} = {p} as written is rounded too far to give the loss")
            note = _(
                "−ln p_{label} worked from p_{label} = {p} as written would not give the loss, so the loss is "
                "worked from the logits, in the stable form below: the loss PyTorch reports."
            )
        step = Step(
            "L",
            f"−(z_{label} − max z) + ln Σ e^(z_j − max z)",
            f"−({fmt_number(z[label])} − {_n(shift)}) + ln {fmt_number(shifted_total)}",
            loss,
            why=why.format(label=label, power=_n(-loss), p=written),
        )
        notes = (note.format(label=label, p=written),)
    return Worked(
        _("3. Cross-entropy loss for the true class {label}: L = −ln p_y").format(label=label), (step,), notes
    )


def _stable_section(
    z: tuple[float, ...],
    shift: float,
    shifted: tuple[float, ...],
    p: tuple[float, ...],
    label: int | None,
    loss: float | None,
) -> Worked:
    n = len(z)
    total = sum(shifted)
    steps = [Step("m", "max z", f"max({', '.join(fmt_number(v) for v in z)})", shift)]
    steps += [
        Step(f"e^(z_{i} − m)", f"e^({fmt_number(z[i])} − {_n(shift)})", "", shifted[i]) for i in range(n)
    ]
    steps.append(
        Step("Σ e^(z − m)", _("sum of the above"), " + ".join(fmt_number(e) for e in shifted), total)
    )
    top = int(np.argmax(p))
    steps.append(Step(f"p_{top}", f"e^(z_{top} − m) / Σ e^(z − m)", f"1 / {fmt_number(total)}", p[top]))
    if label is not None and loss is not None:
        steps.append(
            Step(
                "L",
                "ln Σ e^(z − m) + m − z_y",
                f"ln {fmt_number(total)} + {_n(shift)} − {_n(z[label])}",
                loss,
                why=_("the log-sum-exp form: −ln p_y without computing p_y"),
            )
        )
    return Worked(
        _("The numerically stable form (what the trainer and PyTorch's cross_entropy compute)"),
        tuple(steps),
        (
            _(
                "Subtracting the largest logit m multiplies every e^z by the same e^(−m), which the division "
                "cancels: the probabilities do not change, and no exponent is above 0, so nothing overflows "
                "(e^1000 is inf in float64)."
            ),
        ),
    )
