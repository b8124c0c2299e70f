"""The calculator from Python: `shape`, `params` and `rf`, as `cnncalc shape`, `params` and `rf` compute them.

>>> cnncalc_shape = shape(input=96, kernel=5)
>>> cnncalc_shape.output
(92, 92)
>>> params(cin=3, cout=192, kernel=3).total
5376
>>> rf("conv 1 k=3 | conv 1 k=3").receptive_field
(5, 5)

Like the commands, these never load NumPy or rich: standard library and `cnncalc.arith` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from cnncalc.api.result import TextResult
from cnncalc.api.values import (
    Dims,
    PathArg,
    Shape,
    Size,
    arguments,
    choice,
    flag,
    input_shape,
    optional_sizes,
    optional_whole,
    sizes,
    whole,
)
from cnncalc.api.values import padding as to_padding
from cnncalc.arith.errors import UsageError
from cnncalc.arith.sizes import OPS, layer_output
from cnncalc.i18n import N_, _, translated

if TYPE_CHECKING:
    from cnncalc.arith.layer import ChannelCost, LayerParams
    from cnncalc.arith.network import NetworkResult
    from cnncalc.arith.receptive_field import RFRow
    from cnncalc.render.text import Styler

Op = Literal["conv", "maxpool", "avgpool", "tconv"]

RF_MISSING = N_('give a network spec, e.g. "conv 1 k=3 | conv 1 k=3", or {field:file}')


def spatial_input(value: Size, dims: Dims | int | str | None) -> tuple[int, ...]:
    """A layer's input size: N (square 2-D, or `dims` axes), HxW or DxHxW."""
    found = sizes(value, "input")
    if dims is None:
        return found * 2 if len(found) == 1 else found
    axes = whole(dims, "dims")
    if axes not in (1, 2, 3):
        raise UsageError(_("{field} {value} must be 1, 2 or 3"), field="dims", value=axes)
    if len(found) == 1:
        return found * axes
    if len(found) != axes:
        raise UsageError(
            _(
                "{field} {value} has {count} axes but {field:dims} is {dims}; drop {field:dims} or give {dims} sizes"
            ),
            field="input",
            value="x".join(map(str, found)),
            count=len(found),
            dims=axes,
        )
    return found


class ShapeReport(TextResult):
    """A layer's output size, per axis, with the working; with channels, its parameters and MACs."""

    __slots__ = ("result",)

    def __init__(self, result: ChannelCost) -> None:
        self.result = result

    @property
    def output(self) -> tuple[int, ...]:
        """The spatial output size, per axis."""
        return self.result.shape.output

    @property
    def output_shape(self) -> tuple[int, ...]:
        """C×H×W when channels were given, else the spatial size."""
        return self.result.output_shape

    @property
    def params(self) -> int | None:
        """Trainable parameters of a convolution given both channel counts, else None."""
        return self.result.params.total if self.result.params is not None else None

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.calc import render_shape

        return render_shape(self.result, style, width)


@arguments
def shape(
    *,
    input: Size,
    kernel: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    op: Op = "conv",
    ceil: bool = False,
    output_padding: Size = 0,
    dims: Dims | None = None,
    cin: int | None = None,
    cout: int | None = None,
    groups: int = 1,
    no_bias: bool = False,
) -> ShapeReport:
    """Output size of a conv, pool or transposed-conv layer: `cnncalc shape`.

    out = ⌊(n + 2p − d·(k − 1) − 1)/s⌋ + 1 per axis (pools: stride defaults to the kernel;
    tconv: (n − 1)·s − 2p + d·(k − 1) + output_padding + 1). Sizes are one number for every axis,
    one per axis (`(28, 20)`), or the CLI's text (`"28x20"`); `padding` may also be `"same"`,
    `"valid"` or `"full"`. With `cin` and `cout`, also the parameters, MACs and FLOPs.

    >>> shape(input=(28, 20), kernel=3, stride=2, padding=1).output
    (14, 10)
    """
    from cnncalc.arith.layer import channel_cost

    res = layer_output(
        choice(op, "op", OPS),
        spatial_input(input, dims),
        sizes(kernel, "kernel"),
        optional_sizes(stride, "stride"),
        to_padding(padding),
        sizes(dilation, "dilation", minimum=0),
        flag(ceil, "ceil"),
        sizes(output_padding, "output_padding", minimum=0),
    )
    cost = channel_cost(
        res,
        optional_whole(cin, "cin"),
        optional_whole(cout, "cout"),
        whole(groups, "groups"),
        not flag(no_bias, "no_bias"),
    )
    return ShapeReport(cost)


class ParamsReport(TextResult):
    """A conv or fully connected layer's parameters; with an input, its output, MACs and FLOPs."""

    __slots__ = ("result",)

    def __init__(self, result: LayerParams) -> None:
        self.result = result

    @property
    def total(self) -> int:
        return self.result.params.total

    @property
    def weights(self) -> int:
        return self.result.params.weights

    @property
    def biases(self) -> int:
        return self.result.params.biases

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.calc import render_params

        return render_params(self.result, style, width)


@arguments
def params(
    *,
    cin: int,
    cout: int,
    kernel: Size | None = None,
    groups: int = 1,
    no_bias: bool = False,
    fc: bool = False,
    transposed: bool = False,
    input: Size | None = None,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
) -> ParamsReport:
    """Parameters of a conv or fully connected layer: `cnncalc params`.

    conv: weights = k_h·k_w · C_in/g · C_out, plus C_out biases (the kernel is 3 unless given);
    fc: C_in · C_out + C_out. With `input` (HxW) also the output size, MACs, FLOPs and the fully
    connected layer that would map the same input to the same output. A setting that would change
    nothing is refused: a kernel, groups, stride, padding or dilation with `fc`, and stride,
    padding or dilation for a conv without `input`.

    >>> params(cin=576, cout=64, fc=True).total
    36928
    """
    from cnncalc.arith.layer import layer_params

    result = layer_params(
        whole(cin, "cin"),
        whole(cout, "cout"),
        optional_sizes(kernel, "kernel"),
        whole(groups, "groups"),
        not flag(no_bias, "no_bias"),
        fc=flag(fc, "fc"),
        transposed=flag(transposed, "transposed"),
        input=spatial_input(input, None) if input is not None else None,
        stride=optional_sizes(stride, "stride"),
        padding=to_padding(padding),
        dilation=sizes(dilation, "dilation", minimum=0),
    )
    return ParamsReport(result)


class ReceptiveFieldReport(TextResult):
    """The receptive field of a network, by back-recursion from its last layer, and each row's
    forward view (field, jump, start)."""

    __slots__ = ("network", "path", "receptive_field", "rows")

    # the forward view's columns `cnncalc rf --json` lists per row
    LAYER_KEYS = (
        "number",
        "id",
        "path",
        "inputs",
        "type",
        "spec",
        "output_shape",
        "receptive_field",
        "jump",
        "start",
    )

    def __init__(
        self,
        network: NetworkResult,
        receptive_field: tuple[int, ...],
        rows: tuple[RFRow, ...],
        path: tuple[str, ...],
    ) -> None:
        self.network = network
        self.receptive_field = receptive_field
        self.rows = rows
        self.path = path

    def to_dict(self) -> dict[str, Any]:
        """The field, the back-recursion rows (along the path that sets it) and each row's forward view."""
        return {
            "receptive_field": list(self.receptive_field),
            "rows": [r.to_dict() for r in self.rows],
            "path": list(self.path),
            "layers": [
                {k: v for k, v in lr.to_dict().items() if k in self.LAYER_KEYS} for lr in self.network.rows
            ],
            "spec": self.network.spec.to_text(" | "),
        }

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.calc import render_rf

        return render_rf(self.receptive_field, self.rows, self.network, style, width, self.path)


@arguments
def rf(
    spec: str | None = None, *, file: PathArg | None = None, input: Shape | None = None
) -> ReceptiveFieldReport:
    """Receptive field of a network, by back-recursion from the last layer: `cnncalc rf`.

    RF_i = (RF_{i+1} − 1)·s_i + d_i·(k_i − 1) + 1, from one unit (RF = 1) after the last layer.
    The network is a spec (`"conv 1 k=3 | conv 1 k=3"`) or a `file` holding one; `input` (CxHxW)
    is needed for 'same' padding, global pooling and fully connected layers.

    >>> rf("conv 8 k=3 d=2 | conv 8 k=3 d=4").receptive_field
    (13, 13)
    """
    from cnncalc.api.sources import required_network
    from cnncalc.arith.network import walk
    from cnncalc.arith.receptive_field import field_path

    source = required_network(spec, file, missing=translated(RF_MISSING))
    net = walk(source.spec, input_shape(input) if input is not None else None)
    field, rows, path = field_path(net)
    return ReceptiveFieldReport(net, field, rows, path)
