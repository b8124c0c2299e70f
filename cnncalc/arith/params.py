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

from dataclasses import dataclass
from math import gcd, prod

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.parsing import fmt_count
from cnncalc.arith.steps import Step, fmt_value, plural
from cnncalc.safety.limits import MAX_SIZE, MAX_SIZE_TEXT


@dataclass(frozen=True)
class ParamCount:
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
                f"{{field}} {fmt_count(c)} must be at least 1 (a layer needs channels)", field=name
            )
        if c > MAX_SIZE:
            raise UsageError(
                f"{{field}} {fmt_count(c)} is more than {MAX_SIZE_TEXT}, too large to be a layer size",
                field=name,
            )


def check_groups(cin: int, cout: int, groups: int) -> None:
    if groups < 1:
        raise UsageError(f"{{field}} {fmt_count(groups)} must be at least 1", field="groups")
    for name, c in (("cin", cin), ("cout", cout)):
        if c % groups:
            raise CnnCalcError(
                f"groups {fmt_count(groups)} does not divide {name} {fmt_count(c)}: each group needs a whole "
                f"number of channels; use {group_choices(cin, cout)}"
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
        return "1 (the channel counts share no divisor)"
    return f"one of {listed} (any divisor of gcd = {g})"


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
        sub = f"{cin} · ({cout}/{groups}) · {knum}" if groups > 1 else f"{cin} · {cout} · {knum}"
        why = "a transposed conv stores one k×k kernel for each (input channel, output channel in its group)"
        kind = "tconv"
    else:
        weights = cout * (cin // groups) * ks
        formula = f"{kdims} · (C_in/g) · C_out" if groups > 1 else f"{kdims} · C_in · C_out"
        sub = f"{knum} · ({cin}/{groups}) · {cout}" if groups > 1 else f"{knum} · {cin} · {cout}"
        why = (
            f"{'each of the ' + str(cout) + ' filters has' if cout > 1 else 'the one filter has'} one {'×'.join(map(str, kernel))} kernel per input channel it sees "
            f"({cin // groups}{' of ' + str(cin) + ', groups=' + str(groups) if groups > 1 else ''}); "
            "the same weights slide over every position (weight sharing)"
        )
        kind = "conv"
    steps = [Step("weights", formula, sub, weights, why=why)]
    notes: list[str] = []
    if groups == cin and groups > 1 and not transposed:
        notes.append(f"groups = C_in = {cin}: a depthwise convolution, each channel filtered on its own.")
    biases = cout if bias else 0
    if bias:
        steps.append(Step("biases", "C_out", str(cout), cout, why="one bias per output channel (filter)"))
        steps.append(Step("total", "weights + biases", f"{fmt_value(weights)} + {cout}", weights + cout))
        notes.append(
            f"Course notes often count weights only ({_notes_weight_formula(groups, transposed)} = "
            f"{fmt_value(weights)}); PyTorch and Keras add {plural(cout, 'bias', 'biases')} by default, "
            f"{fmt_value(weights + cout)} in all."
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
            "weights",
            "C_in · C_out",
            f"{fin} · {fout}",
            weights,
            why="every input feature connects to every output",
        )
    ]
    notes: tuple[str, ...] = ()
    if bias:
        steps.append(Step("biases", "C_out", str(fout), fout, why="one bias per output feature"))
        steps.append(Step("total", "C_in · C_out + C_out", f"{fmt_value(weights)} + {fout}", weights + fout))
        notes = (
            f"Course notes often count Ci·Co only (the weights, {fmt_value(weights)}); PyTorch and Keras "
            f"add {plural(fout, 'bias', 'biases')} by default, {fmt_value(weights + fout)} in all. C_out = {fout} is the "
            f"number of outputs, not of parameters.",
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
    buffers = {
        "bn": "; the running mean and variance are buffers, not trained",
        "instancenorm": "; the statistics are each sample's own, per channel",
        "groupnorm": "; the statistics are each sample's own, per group of channels",
    }
    step = Step(
        "parameters",
        "2·C",
        f"2·{channels}",
        2 * channels,
        why="a scale γ and a shift β per channel" + buffers.get(kind, ""),
    )
    if kind != "bn":  # instance and group norm keep no running statistics (PyTorch's defaults)
        return ParamCount(kind, 2 * channels, 0, (step,))
    note = (
        f"batch norm: {2 * channels} trainable parameters (γ, β) and {2 * channels} buffers (running mean and "
        f"variance, not trained); Keras' summary() lists all {4 * channels} as parameters, {2 * channels} of them "
        "non-trainable."
    )
    return ParamCount("bn", 2 * channels, 0, (step,), (note,), buffers=2 * channels)


def conv_macs(
    cin: int, cout: int, kernel: tuple[int, ...], groups: int, out_spatial: tuple[int, ...]
) -> Step:
    """Every output value of a convolution costs (C_in/g)·k_h·k_w multiply-accumulates."""
    per = (cin // groups) * prod(kernel)
    positions = prod(out_spatial)
    macs = cout * positions * per
    return Step(
        "MACs",
        "C_out · H_out · W_out · (C_in/g) · k_h · k_w"
        if len(out_spatial) == 2
        else "C_out · ∏out · (C_in/g) · ∏k",
        f"{cout} · {'·'.join(map(str, out_spatial))} · {per}",
        macs,
        why=f"each of the {cout * positions:,} output values is a dot product of {plural(per, 'weight')}"
        if cout * positions > 1
        else f"the one output value is a dot product of {plural(per, 'weight')}",
    )


def tconv_macs(
    cin: int, cout: int, kernel: tuple[int, ...], groups: int, in_spatial: tuple[int, ...]
) -> Step:
    """Every input value of a transposed convolution is stamped with (C_out/g)·k_h·k_w weights."""
    per = (cout // groups) * prod(kernel)
    macs = cin * prod(in_spatial) * per
    return Step(
        "MACs",
        "C_in · H_in · W_in · (C_out/g) · k_h · k_w",
        f"{cin} · {'·'.join(map(str, in_spatial))} · {per}",
        macs,
        why="each input value scatters into a k×k patch of every output channel in its group",
    )


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
    return Step("MACs", "C_in · C_out", f"{fin} · {fout}", fin * fout, why="one multiply-add per weight")


def flops_step(macs: int) -> Step:
    return Step(
        "FLOPs",
        "2 · MACs",
        f"2 · {fmt_value(macs)}",
        2 * macs,
        why="a multiply-accumulate is two floating-point operations (a multiply and an add)",
    )


def _kdims(n: int) -> tuple[str, ...]:
    return (
        {1: ("",), 2: ("h", "w"), 3: ("d", "h", "w")}[n]
        if n in (1, 2, 3)
        else tuple(str(i) for i in range(n))
    )
