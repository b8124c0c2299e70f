"""One layer on its own, as the calculator works it out: sizes with channels, parameters, MACs and
FLOPs, and the fully connected layer that would do the same mapping.

`channel_cost` adds channels to a `ShapeResult` (the `shape` command); `layer_params` counts a
conv or fc layer's parameters and, given an input, its output, MACs, FLOPs and the dense
equivalent (the `params` command). Both return immutable records with `to_dict()`; nothing here
prints. The records are NamedTuples, not frozen dataclasses: this module is on the calculator's
start-up path, where defining a dataclass costs about ten times as much.

>>> layer_params(3, 192, (3,)).params.total
5376
>>> cost = channel_cost(layer_output("conv", (32, 32), 3, padding=1), cin=3, cout=64)
>>> cost.output_shape, cost.params.total, cost.macs.value
((64, 32, 32), 1792, 1769472)
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING, NamedTuple

from cnncalc.arith.errors import UsageError
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.sizes import POOLS, Pad, ShapeResult, layer_output
from cnncalc.arith.steps import Step, fmt_product, fmt_value, group_digits
from cnncalc.i18n import _, ngettext

if TYPE_CHECKING:  # `params` is imported where a layer has channels: `shape -i 96 -k 5` needs none
    from cnncalc.arith.params import ParamCount


class ChannelCost(NamedTuple):
    """A layer's spatial result with its channels and, for a convolution, parameters and cost."""

    shape: ShapeResult
    channels: tuple[int, int] | None = None  # (in, out)
    params: ParamCount | None = None
    macs: Step | None = None
    flops: Step | None = None

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.channels[1], *self.shape.output) if self.channels else self.shape.output

    @property
    def cost_steps(self) -> tuple[Step, ...]:
        """MACs and FLOPs, after the parameter steps."""
        return tuple(s for s in (self.macs, self.flops) if s is not None)

    def to_dict(self) -> dict:
        data = self.shape.to_dict()
        if self.channels:
            data["channels"] = {"in": self.channels[0], "out": self.channels[1]}
            data["output_shape"] = list(self.output_shape)
        if self.params and self.macs and self.flops:
            data.update(
                weights=self.params.weights,
                biases=self.params.biases,
                params=self.params.total,
                macs=self.macs.value,
                flops=self.flops.value,
            )
        return data


def channel_cost(
    shape: ShapeResult, cin: int | None = None, cout: int | None = None, groups: int = 1, bias: bool = True
) -> ChannelCost:
    """`shape` with channels: a convolution needs both counts and has parameters and MACs; a pool
    keeps its channels (give either count). Without channels, the shape alone."""
    if cin is None and cout is None:
        return ChannelCost(shape)
    if shape.op in POOLS:
        if cin is not None and cout is not None and cin != cout:
            raise UsageError(
                _("a pool keeps its channels: {field} {cout} is not the {cin} input channels; leave it out"),
                field="cout",
                cout=cout,
                cin=cin,
            )
        c = cin if cin is not None else cout
        return ChannelCost(shape, (c, c))  # type: ignore[arg-type]
    if cin is None or cout is None:
        missing = "cin" if cin is None else "cout"
        raise UsageError(_("a convolution needs both channel counts; give {field} too"), field=missing)
    from cnncalc.arith.params import conv_cost, flops_step

    params, macs = conv_cost(
        cin,
        cout,
        shape.kernel,
        groups,
        bias,
        transposed=shape.op == "tconv",
        input=shape.input,
        output=shape.output,
    )
    return ChannelCost(shape, (cin, cout), params, macs, flops_step(macs.value))


class LayerParams(NamedTuple):
    """A conv or fc layer's parameters; with an input, its output, MACs, FLOPs and dense equivalent."""

    kind: str  # conv, tconv or fc
    cin: int
    cout: int
    kernel: tuple[int, ...] | None
    groups: int
    params: ParamCount
    shape: ShapeResult | None = None
    macs: Step | None = None
    flops: Step | None = None
    fc_equivalent: Step | None = None
    notes: tuple[str, ...] = ()

    @property
    def steps(self) -> tuple[Step, ...]:
        """The parameter count, then the output size, MACs, FLOPs and the dense comparison."""
        sizes = self.shape.steps if self.shape else ()
        extra = (self.macs, self.flops, self.fc_equivalent)
        return self.params.steps + sizes + tuple(s for s in extra if s is not None)

    @property
    def all_notes(self) -> tuple[str, ...]:
        return self.params.notes + self.notes

    def to_dict(self) -> dict:
        data = self.params.to_dict()
        if self.shape is not None:
            data.update(input=list(self.shape.input), output=list(self.shape.output))
        if self.macs is not None and self.flops is not None:
            data.update(macs=self.macs.value, flops=self.flops.value)
        if self.fc_equivalent is not None:
            data["fc_equivalent"] = self.fc_equivalent.value
        data["steps"] = [s.to_dict() for s in self.steps]
        data["notes"] = list(self.all_notes)
        return data


def layer_params(
    cin: int,
    cout: int,
    kernel: tuple[int, ...] | None = None,
    groups: int = 1,
    bias: bool = True,
    *,
    fc: bool = False,
    transposed: bool = False,
    input: tuple[int, ...] | None = None,
    stride: tuple[int, ...] | None = None,
    padding: str | tuple[int, ...] | tuple[Pad, ...] = (0,),
    dilation: tuple[int, ...] = (1,),
) -> LayerParams:
    """Parameters of a conv (weights = k_h·k_w · C_in/g · C_out) or fc layer (C_in · C_out), plus biases.

    A single kernel size is a square (cube) kernel, as the course notes' kw·kh·Ci·Co means; no
    kernel is a 3×3 one. With the input's spatial size also the output, MACs, FLOPs (2 per MAC)
    and the fully connected layer mapping the same input to the same output, whose size shows what
    weight sharing saves. A setting that would not change the answer is refused, not ignored: a
    kernel, groups, stride, padding or dilation for a fully connected layer, and stride, padding or
    dilation for a conv without an input (they change its output size, not its parameters).
    """
    from cnncalc.arith.params import conv_cost, conv_params, fc_macs, fc_params, flops_step

    _check_applies(fc, transposed, input, kernel, groups, stride, padding, dilation)
    if fc:
        mac = fc_macs(cin, cout)
        params = fc_params(cin, cout, bias)
        return LayerParams("fc", cin, cout, None, groups, params, macs=mac, flops=flops_step(mac.value))
    if kernel is None:
        kernel = (3,)
    dims = len(input) if input else (len(kernel) if len(kernel) > 1 else 2)
    ks = kernel * dims if len(kernel) == 1 else kernel
    kind = "tconv" if transposed else "conv"
    if input is None:
        return LayerParams(kind, cin, cout, ks, groups, conv_params(cin, cout, ks, groups, bias, transposed))
    res = layer_output(kind, input, ks, stride, padding, dilation)
    params, mac = conv_cost(
        cin, cout, ks, groups, bias, transposed=transposed, input=res.input, output=res.output
    )
    # the dense layer is a comparison, not a layer anyone gave: its sizes are products of the
    # layer's (C_in·H_in·W_in inputs, possibly past the 10^30 a given size may be), so they are
    # counted without `fc_params`' check on given sizes; the count stays exact
    dense = _dense_params(cin * prod(res.input), cout * prod(res.output), bias)
    positions = prod(res.output)
    notes = (
        ngettext(
            "Weight sharing: the conv reuses its {weights} at its {positions}; a fully connected layer would "
            "need {dense} parameters for the same {input} → {output} mapping.",
            "Weight sharing: the conv reuses its {weights} at all {positions}; a fully connected layer would "
            "need {dense} parameters for the same {input} → {output} mapping.",
            positions,
        ).format(
            weights=ngettext("{n} weight", "{n} weights", params.weights).format(n=f"{params.weights:,}"),
            positions=ngettext("{n} output position", "{n} output positions", positions).format(
                n=f"{positions:,}"
            ),
            dense=group_digits(dense.total),
            input=f"{cin}×{fmt_shape(res.input)}",
            output=f"{cout}×{fmt_shape(res.output)}",
        ),
        _("FLOPs = 2·MACs: a multiply-accumulate is one multiply and one add."),
    )
    dense_step = _dense_step(cin, cout, res, dense, params)
    return LayerParams(
        kind, cin, cout, ks, groups, params, res, mac, flops_step(mac.value), dense_step, notes
    )


def _check_applies(
    fc: bool,
    transposed: bool,
    input: tuple[int, ...] | None,
    kernel: tuple[int, ...] | None,
    groups: int,
    stride: tuple[int, ...] | None,
    padding: str | tuple[int, ...] | tuple[Pad, ...],
    dilation: tuple[int, ...],
) -> None:
    """Refuse a setting that would change nothing in the answer, as `layer_output` refuses ceil
    mode for a conv: whoever gave it expected it to count. A value that changes nothing anyway
    (groups 1, stride 1, padding 0 or 'valid', dilation 1) is let through."""
    # the settings of a window sliding over a map, by field, and whether each was given
    sliding = {
        "stride": stride is not None and any(v != 1 for v in stride),
        "padding": padding != "valid" and (isinstance(padding, str) or any(_padded(p) for p in padding)),
        "dilation": any(v != 1 for v in dilation),
    }
    if fc:
        if transposed:
            raise UsageError(
                _("{field} and {field:fc} describe different layers; give one of them"), field="transposed"
            )
        if input is not None:
            raise UsageError(
                _("{field} describes a conv layer's map; a fully connected layer has none"), field="input"
            )
        if kernel is not None:
            raise UsageError(
                _(
                    "{field} does not apply to a fully connected layer ({field:fc}): it has no kernel, every "
                    "input feature connects to every output; drop {field}"
                ),
                field="kernel",
            )
        if groups != 1:
            raise UsageError(
                _(
                    "{field} {value} does not apply to a fully connected layer ({field:fc}): it has no "
                    "channel groups; drop {field}"
                ),
                field="groups",
                value=groups,
            )
        for name, given in sliding.items():
            if given:
                raise UsageError(
                    _(
                        "{field} does not apply to a fully connected layer ({field:fc}): it does not slide "
                        "over a map; drop {field}"
                    ),
                    field=name,
                )
    elif input is None:
        for name, given in sliding.items():
            if given:
                raise UsageError(
                    _(
                        "{field} does not change a conv layer's parameters, only its output size, MACs and "
                        "FLOPs, which need the input size: give {field:input} HxW too, or drop {field}"
                    ),
                    field=name,
                )


def _padded(pad: int | Pad) -> bool:
    """Whether one axis's padding (a number, or a before/after pair) adds anything."""
    return any(pad) if isinstance(pad, tuple) else pad != 0


class _DenseCount(NamedTuple):
    """The fully connected equivalent's weights and biases."""

    weights: int
    biases: int

    @property
    def total(self) -> int:
        return self.weights + self.biases


def _dense_params(fin: int, fout: int, bias: bool) -> _DenseCount:
    return _DenseCount(fin * fout, fout if bias else 0)


def _dense_step(cin: int, cout: int, res: ShapeResult, dense: _DenseCount, conv: ParamCount) -> Step:
    """The fully connected layer from the same C_in·H_in·W_in inputs to the same C_out·H_out·W_out
    outputs, and how many times the conv's parameters it needs."""
    biases = f" + {fmt_value(dense.biases)}" if dense.biases else ""
    return Step(
        _("fully connected equivalent"),
        _("(C_in·H_in·W_in) · (C_out·H_out·W_out) + biases"),
        f"({fmt_product((cin, *res.input))}) · ({fmt_product((cout, *res.output))}){biases}",
        dense.total,
        why=_(
            "a dense layer mapping the same input to the same output needs {ratio}× as many parameters"
        ).format(ratio=f"{_rounded_ratio(dense.total, conv.total):,}"),
    )


def _rounded_ratio(a: int, b: int) -> int:
    """a/b rounded to a whole number, half to even as float formatting rounds, but exact: the
    ratio of two 60-digit counts has more digits than a float keeps.

    >>> _rounded_ratio(7, 2), _rounded_ratio(5, 2), _rounded_ratio(10**40 + 1, 3)
    (4, 2, 3333333333333333333333333333333333333334)
    """
    q, r = divmod(a, b)
    if 2 * r > b or (2 * r == b and q % 2):
        q += 1
    return q
