"""Parameter counts, multiply-accumulates and FLOPs of layers, with the working.

    conv:        weights = C_out · (C_in/g) · k_h · k_w      biases = C_out
    transposed:  weights = C_in · (C_out/g) · k_h · k_w      biases = C_out
    fc:          weights = C_in · C_out                        biases = C_out
    batch norm:  γ and β per channel = 2·C (running mean/var are buffers, not parameters)

MACs count one multiply and one add per weight use; FLOPs = 2·MACs (bias adds are not counted,
as in torchinfo and most papers).

>>> conv_params(3, 192, (3, 3)).weights
5184
>>> conv_params(3, 192, (3, 3)).total
5376
"""

from __future__ import annotations

from math import gcd, prod
from typing import NamedTuple

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.parsing import fmt_count
from cnncalc.arith.steps import Step, fmt_product, fmt_value
from cnncalc.i18n import _, ngettext
from cnncalc.safety.limits import MAX_SIZE, MAX_SIZE_TEXT


class ParamCount(NamedTuple):
    """A layer's weights, biases and buffers, with the working. (A NamedTuple, as `Step`: `cnncalc
    params` would otherwise import `dataclasses` for this class alone.)"""

    kind: str
    weights: int
    biases: int
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    buffers: int = 0  # values the layer keeps but does not train (batch norm's running statistics)

    @property
    def total(self) -> int:
        return self.weights + self.biases

    def to_dict(self) -> dict:
        d = {
            "kind": self.kind,
            "weights": self.weights,
            "biases": self.biases,
            "total": self.total,
            "steps": [s.to_dict() for s in self.steps],
            "notes": list(self.notes),
        }
        if self.buffers:
            d["buffers"] = self.buffers
        return d


def check_channels(**channels: int) -> None:
    """Every channel (or feature) count is a whole number from 1 to MAX_SIZE; else a UsageError."""
    for name, c in channels.items():
        if c < 1:
            raise UsageError(
                _("{field} {value} must be at least 1 (a layer needs channels)"),
                field=name,
                value=fmt_count(c),
            )
        if c > MAX_SIZE:
            raise UsageError(
                _("{field} {value} is more than {most}, too large to be a layer size"),
                field=name,
                value=fmt_count(c),
                most=MAX_SIZE_TEXT,
            )


def check_groups(cin: int, cout: int, groups: int) -> None:
    if groups < 1:
        raise UsageError(_("{field} {value} must be at least 1"), field="groups", value=fmt_count(groups))
    for name, c in (("cin", cin), ("cout", cout)):
        if c % groups:
            raise CnnCalcError(
                _(
                    "groups {groups} does not divide {name} {count}: each group needs a whole "
                    "number of channels; use {choices}"
                ),
                groups=fmt_count(groups),
                name=name,
                count=fmt_count(c),
                choices=group_choices(cin, cout),
            )


def group_choices(cin: int, cout: int, shown: int = 6) -> str:
    """The largest group counts that divide both channel counts: divisors of g = gcd(cin, cout),
    found as g/d for small d (no loop over the channel counts, however large they are).

    >>> group_choices(64, 96)
    'one of 1, 2, 4, 8, 16, 32 (any divisor of gcd = 32)'
    """
    g = gcd(cin, cout)
    small = [d for d in range(1, min(g, 64) + 1) if g % d == 0]
    found = sorted({*small, *(g // d for d in small)})
    listed = ", ".join(map(str, found[-shown:]))
    if g == 1:
        return _("1 (the channel counts share no divisor)")
    return _("one of {listed} (any divisor of gcd = {g})").format(listed=listed, g=g)


def conv_params(
    cin: int, cout: int, kernel: tuple[int, ...], groups: int = 1, bias: bool = True, transposed: bool = False
) -> ParamCount:
    check_channels(cin=cin, cout=cout)
    check_groups(cin, cout, groups)
    ks = prod(kernel)
    kdims = "·".join(f"k{a}" for a in _kdims(len(kernel)))
    knum = "·".join(map(str, kernel))
    if transposed:
        weights = cin * (cout // groups) * ks
        formula = f"C_in · (C_out/g) · {kdims}" if groups > 1 else f"C_in · C_out · {kdims}"
        ci, co = fmt_value(cin), fmt_value(cout)
        sub = f"{ci} · ({co}/{groups}) · {knum}" if groups > 1 else f"{ci} · {co} · {knum}"
        why = _(
            "a transposed conv stores one k×k kernel for each (input channel, output channel in its group)"
        )
        kind = "tconv"
    else:
        weights = cout * (cin // groups) * ks
        formula = f"{kdims} · (C_in/g) · C_out" if groups > 1 else f"{kdims} · C_in · C_out"
        ci, co = fmt_value(cin), fmt_value(cout)
        sub = f"{knum} · ({ci}/{groups}) · {co}" if groups > 1 else f"{knum} · {ci} · {co}"
        values = {
            "cout": co,
            "kernel": "×".join(map(str, kernel)),
            "seen": fmt_value(cin // groups),
            "cin": ci,
            "g": groups,
        }
        if groups > 1:
            why = ngettext(
                "the one filter has one {kernel} kernel per input channel it sees ({seen} of {cin}, groups={g}); "
                "the same weights slide over every position (weight sharing)",
                "each of the {cout} filters has one {kernel} kernel per input channel it sees ({seen} of {cin}, "
                "groups={g}); the same weights slide over every position (weight sharing)",
                cout,
            ).format(**values)
        else:
            why = ngettext(
                "the one filter has one {kernel} kernel per input channel it sees ({seen}); "
                "the same weights slide over every position (weight sharing)",
                "each of the {cout} filters has one {kernel} kernel per input channel it sees ({seen}); "
                "the same weights slide over every position (weight sharing)",
                cout,
            ).format(**values)
        kind = "conv"
    steps = [Step(_("weights"), formula, sub, weights, why=why)]
    notes: list[str] = []
    if groups == cin and groups > 1 and not transposed:
        notes.append(
            _("groups = C_in = {cin}: a depthwise convolution, each channel filtered on its own.").format(
                cin=cin
            )
        )
    biases = cout if bias else 0
    if bias:
        steps.append(
            Step(_("biases"), "C_out", fmt_value(cout), cout, why=_("one bias per output channel (filter)"))
        )
        steps.append(
            Step(
                _("total"), _("weights + biases"), f"{fmt_value(weights)} + {fmt_value(cout)}", weights + cout
            )
        )
        notes.append(
            ngettext(
                "Course notes often count weights only ({formula} = {weights}); PyTorch and Keras add "
                "{n} bias by default, {total} in all.",
                "Course notes often count weights only ({formula} = {weights}); PyTorch and Keras add "
                "{n} biases by default, {total} in all.",
                cout,
            ).format(
                formula=_notes_weight_formula(groups, transposed),
                weights=fmt_value(weights),
                n=f"{cout:,}",
                total=fmt_value(weights + cout),
            )
        )
    return ParamCount(kind, weights, biases, tuple(steps), tuple(notes))


def _notes_weight_formula(groups: int, transposed: bool) -> str:
    """Note 001's kw·kh·Ci·Co, with the group division where the layer has one: a grouped conv's
    filter sees Ci/g channels, a grouped transposed conv's input channel feeds Co/g."""
    if groups == 1:
        return "kw·kh·Ci·Co"
    return "kw·kh·Ci·(Co/g)" if transposed else "kw·kh·(Ci/g)·Co"


def fc_params(fin: int, fout: int, bias: bool = True) -> ParamCount:
    check_channels(cin=fin, cout=fout)
    weights = fin * fout
    steps = [
        Step(
            _("weights"),
            "C_in · C_out",
            f"{fmt_value(fin)} · {fmt_value(fout)}",
            weights,
            why=_("every input feature connects to every output"),
        )
    ]
    notes: tuple[str, ...] = ()
    if bias:
        steps.append(Step(_("biases"), "C_out", fmt_value(fout), fout, why=_("one bias per output feature")))
        steps.append(
            Step(
                _("total"),
                "C_in · C_out + C_out",
                f"{fmt_value(weights)} + {fmt_value(fout)}",
                weights + fout,
            )
        )
        notes = (
            ngettext(
                "Course notes often count Ci·Co only (the weights, {weights}); PyTorch and Keras "
                "add {n} bias by default, {total} in all. C_out = {fout} is the "
                "number of outputs, not of parameters.",
                "Course notes often count Ci·Co only (the weights, {weights}); PyTorch and Keras "
                "add {n} biases by default, {total} in all. C_out = {fout} is the "
                "number of outputs, not of parameters.",
                fout,
            ).format(
                weights=fmt_value(weights),
                n=f"{fout:,}",
                total=fmt_value(weights + fout),
                fout=fmt_value(fout),
            ),
        )
    return ParamCount("fc", weights, fout if bias else 0, tuple(steps), notes)


def bn_params(channels: int, kind: str = "bn") -> ParamCount:
    """A normalisation's scale γ and shift β per channel: 2·C (batch, instance and group norm alike).
    Batch norm also keeps a running mean and variance per channel: buffers, not trained.

    >>> p = bn_params(32)
    >>> p.total, p.buffers
    (64, 64)
    >>> bn_params(32, "groupnorm").buffers
    0
    """
    check_channels(channels=channels)
    if kind == "bn":
        why = _("a scale γ and a shift β per channel; the running mean and variance are buffers, not trained")
    elif kind == "instancenorm":
        why = _("a scale γ and a shift β per channel; the statistics are each sample's own, per channel")
    elif kind == "groupnorm":
        why = _(
            "a scale γ and a shift β per channel; the statistics are each sample's own, per group of channels"
        )
    else:
        why = _("a scale γ and a shift β per channel")
    step = Step(_("parameters"), "2·C", f"2·{channels}", 2 * channels, why=why)
    if kind != "bn":  # instance and group norm keep no running statistics (PyTorch's defaults)
        return ParamCount(kind, 2 * channels, 0, (step,))
    note = _(
        "batch norm: {trained} trainable parameters (γ, β) and {buffers} buffers (running mean and "
        "variance, not trained); Keras' summary() lists all {all} as parameters, {buffers} of them "
        "non-trainable."
    ).format(trained=2 * channels, buffers=2 * channels, all=4 * channels)
    return ParamCount("bn", 2 * channels, 0, (step,), (note,), buffers=2 * channels)


def conv_macs(
    cin: int, cout: int, kernel: tuple[int, ...], groups: int, out_spatial: tuple[int, ...]
) -> Step:
    """Every output value of a convolution costs (C_in/g)·k_h·k_w multiply-accumulates.

    >>> conv_macs(3, 8, (3, 3), 1, (2, 2)).line()
    'MACs = C_out · H_out · W_out · C_in · k_h · k_w = 8 · 2·2 · 3 · 3·3 = 864'
    """
    per = (cin // groups) * prod(kernel)
    positions = prod(out_spatial)
    macs = cout * positions * per
    sizes = "H_out · W_out" if len(out_spatial) == 2 else "∏out"
    return Step(
        "MACs",
        f"C_out · {sizes} · {_channels_seen('C_in', groups)} · {_kernel_factors(kernel)}",
        f"{fmt_value(cout)} · {fmt_product(out_spatial)} · {_seen(cin, groups)} · {fmt_product(kernel)}",
        macs,
        why=ngettext(
            "the one output value is a dot product of {weights}",
            "each of the {n} output values is a dot product of {weights}",
            cout * positions,
        ).format(n=f"{cout * positions:,}", weights=_weights(per)),
    )


def _weights(n: int) -> str:
    """'27 weights', '1 weight' (digits grouped)."""
    return ngettext("{n} weight", "{n} weights", n).format(n=f"{n:,}")


def tconv_macs(
    cin: int, cout: int, kernel: tuple[int, ...], groups: int, in_spatial: tuple[int, ...]
) -> Step:
    """Every input value of a transposed convolution is stamped with (C_out/g)·k_h·k_w weights.

    >>> tconv_macs(3, 8, (4, 4), 1, (4, 4)).line()
    'MACs = C_in · H_in · W_in · C_out · k_h · k_w = 3 · 4·4 · 8 · 4·4 = 6144'
    """
    per = (cout // groups) * prod(kernel)
    macs = cin * prod(in_spatial) * per
    sizes = "H_in · W_in" if len(in_spatial) == 2 else "∏in"
    return Step(
        "MACs",
        f"C_in · {sizes} · {_channels_seen('C_out', groups)} · {_kernel_factors(kernel)}",
        f"{fmt_value(cin)} · {fmt_product(in_spatial)} · {_seen(cout, groups)} · {fmt_product(kernel)}",
        macs,
        why=_("each input value scatters into a k×k patch of every output channel in its group"),
    )


def _channels_seen(name: str, groups: int) -> str:
    """The channels one filter works with: all of them, or a group's share (C_in/g)."""
    return f"({name}/g)" if groups > 1 else name


def _seen(channels: int, groups: int) -> str:
    return f"({fmt_value(channels)}/{groups})" if groups > 1 else fmt_value(channels)


def _kernel_factors(kernel: tuple[int, ...]) -> str:
    """The kernel's sizes as factors: k_h · k_w in 2-D, ∏k otherwise."""
    return "k_h · k_w" if len(kernel) == 2 else "∏k"


def conv_cost(
    cin: int,
    cout: int,
    kernel: tuple[int, ...],
    groups: int = 1,
    bias: bool = True,
    *,
    transposed: bool = False,
    input: tuple[int, ...],
    output: tuple[int, ...],
) -> tuple[ParamCount, Step]:
    """Parameters and MACs of a conv (or transposed conv) layer from `input` to `output` spatial sizes.

    A conv computes each output value from (C_in/g)·∏k weights; a transposed conv stamps each
    input value with (C_out/g)·∏k weights, so its MACs count the input positions.

    >>> params, macs = conv_cost(3, 8, (3, 3), input=(8, 8), output=(6, 6))
    >>> params.total, macs.value
    (224, 7776)
    """
    params = conv_params(cin, cout, kernel, groups, bias, transposed=transposed)
    if transposed:
        return params, tconv_macs(cin, cout, kernel, groups, input)
    return params, conv_macs(cin, cout, kernel, groups, output)


def fc_macs(fin: int, fout: int) -> Step:
    return Step(
        "MACs",
        "C_in · C_out",
        f"{fmt_value(fin)} · {fmt_value(fout)}",
        fin * fout,
        why=_("one multiply-add per weight"),
    )


def flops_step(macs: int) -> Step:
    return Step(
        "FLOPs",
        "2 · MACs",
        f"2 · {fmt_value(macs)}",
        2 * macs,
        why=_("a multiply-accumulate is two floating-point operations (a multiply and an add)"),
    )


def _kdims(n: int) -> tuple[str, ...]:
    return (
        {1: ("",), 2: ("h", "w"), 3: ("d", "h", "w")}[n]
        if n in (1, 2, 3)
        else tuple(str(i) for i in range(n))
    )
