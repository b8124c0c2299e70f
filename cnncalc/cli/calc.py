"""The calculator commands: `shape`, `params`, `rf`.

Each parses its options into a call of the Python API's function of the same name
(`cnncalc.api.calc`) and prints that result: its `to_dict()` under --json, else its text.
They must start fast: only typer, the standard library, `cnncalc.arith` and `cnncalc.api.calc` are
imported here, and output is rendered by the stdlib renderer in `cnncalc.render.calc` (no numpy,
no rich).
"""

from typing import Annotated

import typer

from cnncalc.api import calc as api
from cnncalc.cli.errors import reported
from cnncalc.cli.options import FileOpt, JsonOpt
from cnncalc.cli.output import emit_result
from cnncalc.i18n import N_, _

TOUR = [
    (N_("Output size of a convolution (course notes: 96 → 92)"), ["shape", "--input", "96", "--kernel", "5"]),
    (
        N_("A stride that does not divide evenly (cs231n's 4.5)"),
        ["shape", "--input", "10", "--kernel", "3", "--stride", "2"],
    ),
    (
        N_("'same' padding with an even kernel: where the extra row goes"),
        ["shape", "--input", "28", "--kernel", "4", "--padding", "same"],
    ),
    (
        N_("Pooling: stride defaults to the kernel"),
        ["shape", "--op", "maxpool", "--input", "92", "--kernel", "4"],
    ),
    (
        N_("Transposed convolution doubles the size"),
        ["shape", "--op", "tconv", "--input", "4", "--kernel", "4", "--stride", "2", "--padding", "1"],
    ),
    (
        N_("Parameters of a 3×3 conv, 3 → 192 channels (5184, or 5376 with biases)"),
        ["params", "--cin", "3", "--cout", "192", "--k", "3"],
    ),
    (N_("Receptive field of two stacked 3×3 convolutions"), ["rf", "conv 1 k=3 | conv 1 k=3"]),
]

InputOpt = Annotated[
    str, typer.Option("--input", "-i", help=_("Input size: N, HxW or DxHxW (N is square 2-D unless --dims)."))
]
KernelOpt = Annotated[str, typer.Option("--kernel", "-k", "--k", help=_("Kernel size: N or per axis AxB."))]
StrideOpt = Annotated[
    str | None, typer.Option("--stride", "-s", help=_("Stride: N or AxB. Default 1; for pools, the kernel."))
]
PaddingOpt = Annotated[
    str,
    typer.Option("--padding", "-p", help=_("Padding: N, AxB, same (output ⌈n/s⌉), valid (0) or full (k−1).")),
]
DilationOpt = Annotated[str, typer.Option("--dilation", "-d", help=_("Dilation: N or AxB (1 = no gaps)."))]


def shape(
    input: InputOpt,
    kernel: KernelOpt,
    stride: StrideOpt = None,
    padding: PaddingOpt = "0",
    dilation: DilationOpt = "1",
    op: Annotated[str, typer.Option("--op", help=_("Layer: conv, maxpool, avgpool or tconv."))] = "conv",
    ceil: Annotated[
        bool, typer.Option("--ceil", help=_("Pools: PyTorch's ceil_mode (keep a last partial window)."))
    ] = False,
    output_padding: Annotated[
        str,
        typer.Option(
            "--output-padding", help=_("tconv: extra size on one side, smaller than stride or dilation.")
        ),
    ] = "0",
    dims: Annotated[
        int | None, typer.Option("--dims", help=_("Spatial axes for a single-number --input: 1, 2 or 3."))
    ] = None,
    cin: Annotated[
        int | None,
        typer.Option("--cin", help=_("Input channels (adds C to the shape and counts parameters).")),
    ] = None,
    cout: Annotated[int | None, typer.Option("--cout", help=_("Output channels (conv/tconv)."))] = None,
    groups: Annotated[int, typer.Option("--groups", "-g", help=_("Channel groups (with --cin/--cout)."))] = 1,
    no_bias: Annotated[bool, typer.Option("--no-bias", help=_("Count no bias (with --cin/--cout)."))] = False,
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
        report = api.shape(
            input=input,
            kernel=kernel,
            stride=stride,
            padding=padding,
            dilation=dilation,
            op=op,
            ceil=ceil,
            output_padding=output_padding,
            dims=dims,
            cin=cin,
            cout=cout,
            groups=groups,
            no_bias=no_bias,
        )
        emit_result(report, json)


def params(
    cin: Annotated[int, typer.Option("--cin", help=_("Input channels (or input features with --fc)."))],
    cout: Annotated[int, typer.Option("--cout", help=_("Output channels (or output features with --fc)."))],
    kernel: Annotated[
        str | None,
        typer.Option("--kernel", "-k", "--k", help=_("Kernel: K or KhxKw (default 3; not with --fc).")),
    ] = None,
    groups: Annotated[
        int, typer.Option("--groups", "-g", help=_("Channel groups; = cin for depthwise."))
    ] = 1,
    no_bias: Annotated[bool, typer.Option("--no-bias", help=_("The layer has no bias."))] = False,
    fc: Annotated[bool, typer.Option("--fc", help=_("A fully connected layer: Ci·Co + Co."))] = False,
    transposed: Annotated[bool, typer.Option("--transposed", help=_("A transposed convolution."))] = False,
    input: Annotated[
        str | None,
        typer.Option(
            "--input", "-i", help=_("Input HxW: adds the output size, MACs, FLOPs and the fc comparison.")
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
        report = api.params(
            cin=cin,
            cout=cout,
            kernel=kernel,
            groups=groups,
            no_bias=no_bias,
            fc=fc,
            transposed=transposed,
            input=input,
            stride=stride,
            padding=padding,
            dilation=dilation,
        )
        emit_result(report, json)


def rf(
    spec: Annotated[
        str | None,
        typer.Argument(
            help=_('Network spec, layers separated by | or newlines, e.g. "conv 1 k=3 | conv 1 k=3".')
        ),
    ] = None,
    file: FileOpt = None,
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help=_("Input CxHxW (needed for 'same' padding, gap and fc).")),
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
    with reported("rf", flags={"spec": "SPEC"}):
        emit_result(api.rf(spec, file=file, input=input), json)


def register(app: typer.Typer) -> None:
    app.command("shape")(shape)
    app.command("params")(params)
    app.command("rf")(rf)
