"""The calculator commands: `shape`, `params`, `rf`.

They must start fast: only typer, the standard library and `cnncalc.arith` are imported here, and
output is rendered by the stdlib renderer in `cnncalc.render.calc` (no numpy, no rich).
"""

from typing import TYPE_CHECKING, Annotated

import typer

from cnncalc.arith.errors import UsageError
from cnncalc.arith.parsing import parse_padding, parse_sizes
from cnncalc.arith.sizes import OPS, layer_output
from cnncalc.cli.errors import reported
from cnncalc.cli.options import FileOpt, JsonOpt
from cnncalc.cli.output import emit_json, emit_text, styler, terminal_width

# no `from __future__ import annotations`: typer evaluates the commands' annotations; names used
# only in hints are quoted instead, and imported only for type checkers
if TYPE_CHECKING:
    from cnncalc.arith.network import NetworkResult
    from cnncalc.arith.receptive_field import RFRow

TOUR = [
    ("Output size of a convolution (course notes: 96 → 92)", ["shape", "--input", "96", "--kernel", "5"]),
    (
        "A stride that does not divide evenly (cs231n's 4.5)",
        ["shape", "--input", "10", "--kernel", "3", "--stride", "2"],
    ),
    (
        "'same' padding with an even kernel: where the extra row goes",
        ["shape", "--input", "28", "--kernel", "4", "--padding", "same"],
    ),
    (
        "Pooling: stride defaults to the kernel",
        ["shape", "--op", "maxpool", "--input", "92", "--kernel", "4"],
    ),
    (
        "Transposed convolution doubles the size",
        ["shape", "--op", "tconv", "--input", "4", "--kernel", "4", "--stride", "2", "--padding", "1"],
    ),
    (
        "Parameters of a 3×3 conv, 3 → 192 channels (5184, or 5376 with biases)",
        ["params", "--cin", "3", "--cout", "192", "--k", "3"],
    ),
    ("Receptive field of two stacked 3×3 convolutions", ["rf", "conv 1 k=3 | conv 1 k=3"]),
]

InputOpt = Annotated[
    str, typer.Option("--input", "-i", help="Input size: N, HxW or DxHxW (N is square 2-D unless --dims).")
]
KernelOpt = Annotated[str, typer.Option("--kernel", "-k", "--k", help="Kernel size: N or per axis AxB.")]
StrideOpt = Annotated[
    str | None, typer.Option("--stride", "-s", help="Stride: N or AxB. Default 1; for pools, the kernel.")
]
PaddingOpt = Annotated[
    str,
    typer.Option("--padding", "-p", help="Padding: N, AxB, same (output ⌈n/s⌉), valid (0) or full (k−1)."),
]
DilationOpt = Annotated[str, typer.Option("--dilation", "-d", help="Dilation: N or AxB (1 = no gaps).")]


def parse_input(text: str, dims: int | None) -> tuple[int, ...]:
    sizes = parse_sizes(text, "--input")
    if dims is not None:
        if dims not in (1, 2, 3):
            raise UsageError(f"--dims {dims} must be 1, 2 or 3")
        if len(sizes) == 1:
            return sizes * dims
        if len(sizes) != dims:
            raise UsageError(
                f"--input {text} has {len(sizes)} axes but --dims is {dims}; drop --dims or give {dims} sizes"
            )
        return sizes
    return sizes * 2 if len(sizes) == 1 else sizes


def shape(
    input: InputOpt,
    kernel: KernelOpt,
    stride: StrideOpt = None,
    padding: PaddingOpt = "0",
    dilation: DilationOpt = "1",
    op: Annotated[str, typer.Option("--op", help="Layer: conv, maxpool, avgpool or tconv.")] = "conv",
    ceil: Annotated[
        bool, typer.Option("--ceil", help="Pools: PyTorch's ceil_mode (keep a last partial window).")
    ] = False,
    output_padding: Annotated[
        str,
        typer.Option(
            "--output-padding", help="tconv: extra size on one side, smaller than stride or dilation."
        ),
    ] = "0",
    dims: Annotated[
        int | None, typer.Option("--dims", help="Spatial axes for a single-number --input: 1, 2 or 3.")
    ] = None,
    cin: Annotated[
        int | None, typer.Option("--cin", help="Input channels (adds C to the shape and counts parameters).")
    ] = None,
    cout: Annotated[int | None, typer.Option("--cout", help="Output channels (conv/tconv).")] = None,
    groups: Annotated[int, typer.Option("--groups", "-g", help="Channel groups (with --cin/--cout).")] = 1,
    no_bias: Annotated[bool, typer.Option("--no-bias", help="Count no bias (with --cin/--cout).")] = False,
    json: JsonOpt = False,
) -> None:
    """Output size of a conv, pool or transposed-conv layer, with the working.

    \b
    Examples:
      cnncalc shape --input 96 --kernel 5                   # 92×92
      cnncalc shape -i 28x20 -k 3 -s 2 -p 1                 # 14×10
      cnncalc shape -i 28 -k 4 -p same                      # 28×28, padding 1 top, 2 bottom
      cnncalc shape --op maxpool -i 92 -k 4                 # 23×23 (stride = kernel)
      cnncalc shape --op maxpool -i 5 -k 2 --ceil           # 3×3
      cnncalc shape --op tconv -i 4 -k 4 -s 2 -p 1          # 8×8
      cnncalc shape --dims 1 -i 100 -k 5 -s 5               # 20
      cnncalc shape -i 32 -k 3 -p 1 --cin 3 --cout 64       # 64×32×32 and 1,792 parameters
    """
    with reported("shape"):
        from cnncalc.arith.layer import channel_cost

        op = op.lower()
        if op not in OPS:
            raise UsageError(f"--op {op!r} is not one of {', '.join(OPS)}")
        res = layer_output(
            op,
            parse_input(input, dims),
            parse_sizes(kernel, "--kernel"),
            None if stride is None else parse_sizes(stride, "--stride"),
            parse_padding(padding, "--padding"),
            parse_sizes(dilation, "--dilation", minimum=0),
            ceil,
            parse_sizes(output_padding, "--output-padding", minimum=0),
        )
        cost = channel_cost(res, cin, cout, groups, not no_bias)
        if json:
            emit_json(cost.to_dict())
            return
        from cnncalc.render.calc import render_shape

        emit_text(render_shape(cost, styler(), terminal_width()))


def params(
    cin: Annotated[int, typer.Option("--cin", help="Input channels (or input features with --fc).")],
    cout: Annotated[int, typer.Option("--cout", help="Output channels (or output features with --fc).")],
    kernel: Annotated[str, typer.Option("--kernel", "-k", "--k", help="Kernel: K or KhxKw.")] = "3",
    groups: Annotated[int, typer.Option("--groups", "-g", help="Channel groups; = cin for depthwise.")] = 1,
    no_bias: Annotated[bool, typer.Option("--no-bias", help="The layer has no bias.")] = False,
    fc: Annotated[bool, typer.Option("--fc", help="A fully connected layer: Ci·Co + Co.")] = False,
    transposed: Annotated[bool, typer.Option("--transposed", help="A transposed convolution.")] = False,
    input: Annotated[
        str | None,
        typer.Option(
            "--input", "-i", help="Input HxW: adds the output size, MACs, FLOPs and the fc comparison."
        ),
    ] = None,
    stride: StrideOpt = None,
    padding: PaddingOpt = "0",
    dilation: DilationOpt = "1",
    json: JsonOpt = False,
) -> None:
    """Parameter count of a conv or fully connected layer, with the working.

    \b
    Examples:
      cnncalc params --cin 3 --cout 192 --k 3               # 5184 weights + 192 biases = 5376
      cnncalc params --cin 32 --cout 32 -k 3 --groups 32    # depthwise: 288 weights + 32 biases
      cnncalc params --fc --cin 576 --cout 64               # 36,928
      cnncalc params --cin 3 --cout 64 -k 3 -p 1 --input 224x224   # + MACs, FLOPs, vs fully connected
    """
    with reported("params"):
        from cnncalc.arith.layer import layer_params

        result = layer_params(
            cin,
            cout,
            parse_sizes(kernel, "--kernel"),
            groups,
            not no_bias,
            fc=fc,
            transposed=transposed,
            input=parse_input(input, None) if input else None,
            stride=None if stride is None else parse_sizes(stride, "--stride"),
            padding=parse_padding(padding, "--padding"),
            dilation=parse_sizes(dilation, "--dilation", minimum=0),
        )
        if json:
            emit_json(result.to_dict())
            return
        from cnncalc.render.calc import render_params

        emit_text(render_params(result, styler(), terminal_width()))


def rf(
    spec: Annotated[
        str | None,
        typer.Argument(
            help='Network spec, layers separated by | or newlines, e.g. "conv 1 k=3 | conv 1 k=3".'
        ),
    ] = None,
    file: FileOpt = None,
    input: Annotated[
        str | None, typer.Option("--input", "-i", help="Input CxHxW (needed for 'same' padding, gap and fc).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Receptive field of a network, by back-recursion from the last layer to the first.

    RF_i = (RF_{i+1} − 1)·s_i + d_i·(k_i − 1) + 1, starting from one unit (RF = 1) after the last layer.

    \b
    Examples:
      cnncalc rf "conv 1 k=3 | conv 1 k=3"                          # 5 (two 3×3 see 5×5)
      cnncalc rf "conv 64 k=7 s=2 p=3 | maxpool k=3 s=2 p=1 | conv 64 k=3 p=1"
      cnncalc rf "conv 8 k=3 d=2 | conv 8 k=3 d=4"                  # dilation: 13
      cnncalc rf --file mynet.txt
    """
    with reported("rf"):
        from cnncalc.arith.network import walk
        from cnncalc.arith.receptive_field import field_path
        from cnncalc.arith.spec import parse_input_shape
        from cnncalc.cli.sources import required_network

        source = required_network(
            spec,
            file,
            missing='give a network spec, e.g. cnncalc rf "conv 1 k=3 | conv 1 k=3", or --file FILE',
        )
        net = walk(source.spec, parse_input_shape(input, "--input") if input else None)
        field, rows, path = field_path(net)
        if json:
            emit_json(_rf_json(net, field, rows, path))
            return
        from cnncalc.render.calc import render_rf

        emit_text(render_rf(field, rows, net, styler(), terminal_width(), path))


_RF_LAYER_KEYS = (
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


def _rf_json(
    net: "NetworkResult", field: tuple[int, ...], rows: "tuple[RFRow, ...]", path: tuple[str, ...]
) -> dict:
    """The receptive field, the back-recursion rows, the widest path and each row's forward view."""
    return {
        "receptive_field": list(field),
        "rows": [r.to_dict() for r in rows],
        "path": list(path),
        "layers": [{k: v for k, v in lr.to_dict().items() if k in _RF_LAYER_KEYS} for lr in net.rows],
        "spec": net.spec.to_text(" | "),
    }


def register(app: typer.Typer) -> None:
    app.command("shape")(shape)
    app.command("params")(params)
    app.command("rf")(rf)
