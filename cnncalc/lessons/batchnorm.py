"""Batch normalisation on a tiny batch, every number written out (note 004 §4.1).

For each channel c of a batch of N samples (BatchNorm1d; BatchNorm2d does the same over N·H·W):

    μ_c = (1/N)·Σ x_ic       σ²_c = (1/N)·Σ (x_ic − μ_c)²       x̂_ic = (x_ic − μ_c)/√(σ²_c + ε)
    y_ic = γ_c·x̂_ic + β_c

and, for evaluation later, the running statistics (momentum m; the variance is the unbiased one):

    running_mean ← (1 − m)·running_mean + m·μ_c
    running_var  ← (1 − m)·running_var + m·σ²_c·N/(N − 1)

In evaluation mode the layer uses the running statistics instead of the batch's. The outputs and
running statistics come from the trainer's own `BatchNorm` layer (in float64); this module words them.

>>> t = step_batchnorm([[1.0], [3.0], [5.0]])
>>> round(t.mean[0], 3), round(t.var[0], 3), t.output[:, 0].round(3).tolist()
(3.0, 2.667, [-1.225, 0.0, 1.225])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.params import bn_params
from cnncalc.arith.steps import Step
from cnncalc.i18n import _
from cnncalc.lessons.blocks import Section, Table, Worked
from cnncalc.lessons.matrix import fmt_number
from cnncalc.nn.layers import BatchNorm


@dataclass(frozen=True)
class BatchNormTrace:
    batch: np.ndarray  # N×C
    gamma: tuple[float, ...]
    beta: tuple[float, ...]
    eps: float
    momentum: float
    mean: tuple[float, ...]
    var: tuple[float, ...]  # biased, what the batch is normalised with
    output: np.ndarray  # N×C, training mode
    running_mean_before: tuple[float, ...]
    running_var_before: tuple[float, ...]
    running_mean: tuple[float, ...]
    running_var: tuple[float, ...]
    eval_output: np.ndarray  # N×C, evaluation mode with the updated running statistics
    sections: tuple[Section, ...]

    def to_dict(self) -> dict:
        params = bn_params(self.batch.shape[1])
        return {
            "batch": self.batch.tolist(),
            "gamma": list(self.gamma),
            "beta": list(self.beta),
            "eps": self.eps,
            "momentum": self.momentum,
            "mean": list(self.mean),
            "var": list(self.var),
            "output": self.output.tolist(),
            "running_mean_before": list(self.running_mean_before),
            "running_var_before": list(self.running_var_before),
            "running_mean": list(self.running_mean),
            "running_var": list(self.running_var),
            "eval_output": self.eval_output.tolist(),
            "trainable_parameters": params.total,
            "buffers": params.buffers,
            "sections": [s.to_dict() for s in self.sections],
        }


def _per_channel(values: Sequence[float] | None, c: int, default: float, field: str) -> tuple[float, ...]:
    if values is None:
        return (default,) * c
    if len(values) != c:
        raise UsageError(
            _("{field} needs {n} numbers, one per channel (column of the batch)"), field=field, n=c
        )
    out = tuple(float(v) for v in values)
    if not all(math.isfinite(v) for v in out):
        raise UsageError(_("{field} must be finite numbers"), field=field)
    return out


def step_batchnorm(
    batch: Sequence[Sequence[float]] | np.ndarray,
    gamma: Sequence[float] | None = None,
    beta: Sequence[float] | None = None,
    eps: float = 1e-5,
    momentum: float = 0.1,
    running_mean: Sequence[float] | None = None,
    running_var: Sequence[float] | None = None,
) -> BatchNormTrace:
    """One training step of BatchNorm1d on an N×C batch (N samples in rows, C channels in columns),
    then the same batch in evaluation mode.
    """
    x = np.asarray(batch, dtype=np.float64)
    if x.ndim != 2:
        raise UsageError(_("{field} must be N×C: one row per sample, one column per channel"), field="batch")
    n, c = x.shape
    if n < 2:
        raise CnnCalcError(
            _(
                "{field} has 1 sample: a batch's variance needs at least 2 (PyTorch refuses too: 'Expected "
                "more than 1 value per channel when training'); give two rows or more"
            ),
            field="batch",
        )
    if not (math.isfinite(eps) and eps > 0):
        raise UsageError(
            _("{field} {value} must be a small positive number (PyTorch's default 1e-5)"),
            field="eps",
            value=eps,
        )
    if not (math.isfinite(momentum) and 0 <= momentum <= 1):
        raise UsageError(
            _("{field} {value} must be between 0 and 1 (PyTorch's default 0.1)"),
            field="momentum",
            value=momentum,
        )
    g = _per_channel(gamma, c, 1.0, "gamma")
    b = _per_channel(beta, c, 0.0, "beta")
    rm0 = _per_channel(running_mean, c, 0.0, "running_mean")
    rv0 = _per_channel(running_var, c, 1.0, "running_var")
    if any(v < 0 for v in rv0):
        raise UsageError(_("{field} must not be negative: it is a variance"), field="running_var")
    layer = BatchNorm(c, eps, momentum, dtype=np.float64)
    layer.params["weight"][:], layer.params["bias"][:] = g, b
    layer.buffers["running_mean"][:], layer.buffers["running_var"][:] = rm0, rv0
    out = layer.forward(x, train=True)
    rm, rv = tuple(map(float, layer.buffers["running_mean"])), tuple(map(float, layer.buffers["running_var"]))
    eval_out = layer.forward(x, train=False)
    mean = tuple(float(v) for v in x.mean(axis=0))
    var = tuple(float(v) for v in ((x - x.mean(axis=0)) ** 2).mean(axis=0))
    trace = (x, g, b, eps, momentum, mean, var, out, rm0, rv0, rm, rv, eval_out)
    return BatchNormTrace(*trace, _sections(*trace))


def _sections(
    x: np.ndarray,
    g: tuple[float, ...],
    b: tuple[float, ...],
    eps: float,
    m: float,
    mean: tuple[float, ...],
    var: tuple[float, ...],
    out: np.ndarray,
    rm0: tuple[float, ...],
    rv0: tuple[float, ...],
    rm: tuple[float, ...],
    rv: tuple[float, ...],
    eval_out: np.ndarray,
) -> tuple[Section, ...]:
    n, c = x.shape
    sections: list[Section] = []
    for ch in range(c):
        col = [float(v) for v in x[:, ch]]
        std = math.sqrt(var[ch] + eps)
        steps = [
            Step(
                f"μ_{ch}", "(1/N)·Σ x", f"({' + '.join(map(_p, col))})/{n}", mean[ch], why=_("the batch mean")
            ),
            Step(
                f"σ²_{ch}",
                "(1/N)·Σ (x − μ)²",
                f"({' + '.join(f'({fmt_number(v)} − {_p(mean[ch])})²' for v in col)})/{n}",
                var[ch],
                why=_("the batch variance, divided by N (biased)"),
            ),
        ]
        for i, v in enumerate(col):
            xhat = (v - mean[ch]) / std
            steps.append(
                Step(
                    f"x̂_{i}",
                    "(x − μ)/√(σ² + ε)",
                    f"({fmt_number(v)} − {_p(mean[ch])})/√({fmt_number(var[ch])} + {fmt_number(eps)})",
                    xhat,
                )
            )
            steps.append(
                Step(f"y_{i}", "γ·x̂ + β", f"{_p(g[ch])}·{_p(xhat)} + {_p(b[ch])}", float(out[i, ch]))
            )
        sections.append(
            Worked(
                _("Channel {channel} in training mode (γ = {gamma}, β = {beta}, ε = {eps})").format(
                    channel=ch, gamma=fmt_number(g[ch]), beta=fmt_number(b[ch]), eps=fmt_number(eps)
                ),
                tuple(steps),
                (
                    _(
                        "After normalising, the channel has mean 0 and variance 1 over the batch; γ and β, which "
                        "are learned, choose the scale and shift it gets instead."
                    ),
                )
                if ch == 0
                else (),
            )
        )
    sections.append(_running_section(n, c, m, mean, var, rm0, rv0, rm, rv))
    sections.append(_eval_section(x, g, b, eps, m, rm0, rv0, rm, rv, eval_out))
    sections.append(_params_section(c))
    return tuple(sections)


def _p(v: float) -> str:
    text = fmt_number(v)
    return f"({text})" if text.startswith("-") else text


def _running_section(
    n: int,
    c: int,
    m: float,
    mean: tuple[float, ...],
    var: tuple[float, ...],
    rm0: tuple[float, ...],
    rv0: tuple[float, ...],
    rm: tuple[float, ...],
    rv: tuple[float, ...],
) -> Worked:
    steps = []
    for ch in range(c):
        unbiased = var[ch] * n / (n - 1)
        steps += [
            Step(
                f"running_mean_{ch}",
                "(1 − m)·running_mean + m·μ",
                f"{fmt_number(1 - m)}·{_p(rm0[ch])} + {fmt_number(m)}·{_p(mean[ch])}",
                rm[ch],
            ),
            Step(
                f"s²_{ch}", "σ²·N/(N − 1)", f"{fmt_number(var[ch])}·{n}/{n - 1}", unbiased, why=_("unbiased")
            ),
            Step(
                f"running_var_{ch}",
                "(1 − m)·running_var + m·s²",
                f"{fmt_number(1 - m)}·{_p(rv0[ch])} + {fmt_number(m)}·{fmt_number(unbiased)}",
                rv[ch],
            ),
        ]
    return Worked(
        _("Running statistics (momentum m = {m}): kept for evaluation, never trained").format(
            m=fmt_number(m)
        ),
        tuple(steps),
        (
            _(
                "PyTorch normalises the batch with the biased variance (÷ N) but averages the unbiased one "
                "(÷ (N − 1)) into running_var."
            ),
        ),
    )


def _eval_section(
    x: np.ndarray,
    g: tuple[float, ...],
    b: tuple[float, ...],
    eps: float,
    m: float,
    rm0: tuple[float, ...],
    rv0: tuple[float, ...],
    rm: tuple[float, ...],
    rv: tuple[float, ...],
    eval_out: np.ndarray,
) -> Worked:
    steps = tuple(
        Step(
            _("y_{i} (channel {channel})").format(i=i, channel=ch),
            "γ·(x − running_mean)/√(running_var + ε) + β",
            f"{_p(g[ch])}·({fmt_number(float(x[i, ch]))} − {_p(rm[ch])})/√({fmt_number(rv[ch])} + "
            f"{fmt_number(eps)}) + {_p(b[ch])}",
            float(eval_out[i, ch]),
        )
        for ch in range(x.shape[1])
        for i in range(x.shape[0])
    )
    return Worked(
        _("Evaluation mode: the running statistics replace the batch's"),
        steps,
        (_eval_note(m, rm0, rv0),),
    )


def _eval_note(m: float, rm0: tuple[float, ...], rv0: tuple[float, ...]) -> str:
    """Why evaluation uses the running statistics, and how far one step moved them from the values
    they started at (the defaults 0 and 1, or the user's)."""
    values = {"m": fmt_number(m), "means": _values(rm0), "variances": _values(rv0)}
    if m == 0:
        return _(
            "At test time an image is normalised the same way whatever else is in its batch, so a "
            "prediction does not depend on the batch. With m = 0 the running statistics never move from "
            "their starting values (running mean {means}; running variance {variances}): the batches "
            "change nothing."
        ).format(**values)
    if m == 1:
        return _(
            "At test time an image is normalised the same way whatever else is in its batch, so a "
            "prediction does not depend on the batch. With m = 1 each step replaces the running statistics "
            "(from running mean {means}; running variance {variances}) with the last batch's: they "
            "remember nothing older."
        ).format(**values)
    return _(
        "At test time an image is normalised the same way whatever else is in its batch, so a "
        "prediction does not depend on the batch. One training step moves each running statistic "
        "m = {m} of the way from its starting value (running mean {means}; running variance "
        "{variances}) toward the batch's; they settle over many batches."
    ).format(**values)


def _values(per_channel: tuple[float, ...]) -> str:
    """One value per channel, said once when every channel has it: (0, 0) → '0', (0.5, 1) → '0.5, 1'."""
    if len(set(per_channel)) == 1:
        return fmt_number(per_channel[0])
    return ", ".join(map(fmt_number, per_channel))


def _params_section(c: int) -> Table:
    p = bn_params(c)
    rows = (
        (_("γ (weight), β (bias)"), f"2·C = {p.total}", _("yes"), _("trainable parameters")),
        (
            _("running mean, running variance"),
            f"2·C = {p.buffers}",
            _("no"),
            _("buffers: updated by the batches, not by gradients"),
        ),
    )
    return Table(
        _("What the layer stores for C = {c} channels").format(c=c),
        (_("values"), _("count"), _("trained"), "PyTorch"),
        rows,
        "lrcl",
        (
            _(
                "PyTorch counts {total} parameters (and keeps the buffers, plus num_batches_tracked, in its "
                "state_dict); Keras' summary() lists all {all} as parameters, {buffers} of them non-trainable."
            ).format(total=p.total, all=p.total + p.buffers, buffers=p.buffers),
        ),
    )
