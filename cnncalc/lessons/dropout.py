"""Dropout, step by step: the mask, the 1/(1 − p) scaling, training against evaluation (notes 002, 004).

In training each value is kept with probability 1 − p and scaled by 1/(1 − p), or zeroed:

    out = x · mask / (1 − p)        ∂L/∂x = ∂L/∂out · mask / (1 − p)

so every value's expected output, (1 − p)·x/(1 − p) = x, is what evaluation passes on unchanged
("inverted dropout", PyTorch's and Keras'). The mask comes from the trainer's own `Dropout` layer
with the given seed, unless one is given.

>>> t = step_dropout([[2.0, 4.0, 6.0, 8.0]], 0.5, mask=[[1, 0, 1, 0]])
>>> t.train_output.tolist(), t.eval_output.tolist()
([[4.0, 0.0, 12.0, 0.0]], [[2.0, 4.0, 6.0, 8.0]])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.steps import Step
from cnncalc.i18n import _, ngettext
from cnncalc.lessons.blocks import Section, Table, Worked
from cnncalc.lessons.matrix import fmt_number
from cnncalc.nn.layers import Dropout

MAX_VALUES = 64


@dataclass(frozen=True)
class DropoutTrace:
    input: np.ndarray  # H×W
    p: float
    seed: int | None  # None when the mask was given
    mask: np.ndarray  # 1 kept, 0 dropped
    train_output: np.ndarray
    eval_output: np.ndarray
    grad_input: np.ndarray  # for an upstream gradient of ones
    sections: tuple[Section, ...]

    @property
    def scale(self) -> float:
        return 1 / (1 - self.p)

    def to_dict(self) -> dict:
        return {
            "input": self.input.tolist(),
            "p": self.p,
            "seed": self.seed,
            "scale": self.scale,
            "mask": self.mask.astype(int).tolist(),
            "kept": int(self.mask.sum()),
            "dropped": int(self.mask.size - self.mask.sum()),
            "train_output": self.train_output.tolist(),
            "eval_output": self.eval_output.tolist(),
            "grad_input": self.grad_input.tolist(),
            "sections": [s.to_dict() for s in self.sections],
        }


def step_dropout(
    x: Sequence[Sequence[float]] | np.ndarray,
    p: float,
    seed: int = 0,
    mask: Sequence[Sequence[int]] | np.ndarray | None = None,
) -> DropoutTrace:
    """Dropout with rate `p` on a small matrix: its mask, training output, evaluation output and the
    gradient it passes back."""
    values = np.asarray(x, dtype=np.float64)
    if values.ndim != 2:
        raise UsageError(_("{field} must be a matrix (rows separated by ';')"), field="input")
    if values.size > MAX_VALUES:
        raise UsageError(
            _("{field} has {n} values; a step-through takes at most {most}"),
            field="input",
            n=values.size,
            most=MAX_VALUES,
        )
    if not (math.isfinite(p) and 0 <= p < 1):
        raise UsageError(
            _(
                "{field} {p} must be at least 0 and below 1: the probability that a value is dropped "
                "(p = 1 would drop everything)"
            ),
            field="p",
            p=p,
        )
    if seed < 0:
        raise UsageError(
            _("{field} {seed}: the seed must be a whole number ≥ 0, e.g. {field} 0"), field="seed", seed=seed
        )
    if mask is None:
        layer = Dropout(p, np.random.default_rng(seed))
        layer.forward(values, train=True)  # draws the mask as the trainer does
        # p = 0: the layer passes x through and keeps no mask; every value is kept
        keep = np.ones(values.shape, bool) if layer.scale is None else layer.scale != 0
        used_seed: int | None = seed
    else:
        keep = np.asarray(mask)
        if keep.shape != values.shape or not np.isin(keep, (0, 1)).all():
            raise CnnCalcError(
                _("{field} must be a {shape} matrix of 0s and 1s, like the input"),
                field="mask",
                shape=f"{values.shape[0]}×{values.shape[1]}",
            )
        keep = keep.astype(bool)
        used_seed = None
    scale = 1 / (1 - p)
    train = np.where(keep, values * scale, 0.0)
    grad = np.where(keep, scale, 0.0)
    return DropoutTrace(
        values, p, used_seed, keep, train, values.copy(), grad, _sections(values, p, keep, train, used_seed)
    )


def _sections(
    x: np.ndarray, p: float, keep: np.ndarray, train: np.ndarray, seed: int | None
) -> tuple[Section, ...]:
    scale = 1 / (1 - p)
    kept = int(keep.sum())
    if seed is not None:
        title = _("p = {p}: each value is dropped with probability {p} (seed {seed})")
    else:
        title = _("p = {p}: each value is dropped with probability {p} (the mask given)")
    grid = Table(
        title.format(p=fmt_number(p), seed=seed),
        (_("row"), _("input"), _("mask"), _("training output"), _("evaluation output")),
        tuple(
            (
                str(r),
                " ".join(fmt_number(v) for v in x[r]),
                " ".join(str(int(k)) for k in keep[r]),
                " ".join(fmt_number(v) for v in train[r]),
                " ".join(fmt_number(v) for v in x[r]),
            )
            for r in range(x.shape[0])
        ),
        "rllll",
        (
            ngettext(
                "{kept:,} value kept, {dropped} dropped; on average {mean} of {n} would be kept.",
                "{kept:,} values kept, {dropped} dropped; on average {mean} of {n} would be kept.",
                kept,
            ).format(kept=kept, dropped=x.size - kept, mean=fmt_number((1 - p) * x.size), n=x.size),
        ),
    )
    steps = [
        Step(_("scale"), "1/(1 − p)", f"1/(1 − {fmt_number(p)})", scale, why=_("applied to every kept value"))
    ]
    flat = list(zip(x.ravel().tolist(), keep.ravel().tolist(), train.ravel().tolist(), strict=True))
    shown = [next((f for f in flat if f[1]), None), next((f for f in flat if not f[1]), None)]
    for item in shown:
        if item is None:
            continue
        v, k, out = item
        if k:
            steps.append(
                Step(
                    _("kept {value}").format(value=fmt_number(v)),
                    "x · 1/(1 − p)",
                    f"{fmt_number(v)} · {fmt_number(scale)}",
                    out,
                )
            )
        else:
            steps.append(
                Step(
                    _("dropped {value}").format(value=fmt_number(v)),
                    "x · 0",
                    f"{fmt_number(v)} · 0",
                    0,
                    why=_("the mask is 0 here"),
                )
            )
    v0 = float(x.ravel()[0])
    steps.append(
        Step(
            "E[out]",
            "(1 − p)·x·1/(1 − p) + p·0",
            f"{fmt_number(1 - p)}·{fmt_number(v0)}·{fmt_number(scale)} + {fmt_number(p)}·0",
            (1 - p) * v0 * scale,
            why=_("the expected training output of the first value equals the value itself, {value}").format(
                value=fmt_number(v0)
            ),
        )
    )
    return (
        grid,
        Worked(
            _("Training mode: kept values are scaled up so the expected output stays the same"),
            tuple(steps),
            (
                _(
                    "Evaluation mode is the identity: every value passes unchanged, no mask, no scaling. (The "
                    "original paper scaled by 1 − p at test time instead; PyTorch and Keras scale by 1/(1 − p) "
                    "while training, so the trained network needs nothing at test time.)"
                ),
            ),
        ),
        Worked(
            _("Backward: the gradient takes the same path"),
            (
                Step(_("∂L/∂x (kept)"), "∂L/∂out · 1/(1 − p)", f"1 · {fmt_number(scale)}", scale),
                Step(
                    _("∂L/∂x (dropped)"),
                    "∂L/∂out · 0",
                    "1 · 0",
                    0,
                    why=_("a dropped value did not reach the output"),
                ),
            ),
            (
                _(
                    "Note 002: dropout sits between fully connected layers and cuts part of the flow at random "
                    "each step, so the network cannot rely on any one unit: it learns as if in noise, and "
                    "overfits less."
                ),
            ),
        ),
    )
