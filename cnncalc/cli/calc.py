"""The calculator commands: `shape`, `params`, `rf`.

They must start fast: only typer, the standard library and `cnncalc.arith` are imported here, and
output is rendered by the stdlib renderer in `cnncalc.render.calc` (no numpy, no rich).
"""

from math import prod
from pathlib import Path
from typing import Annotated

import typer

from cnncalc.arith.errors import UsageError
from cnncalc.arith.params import conv_macs, conv_params, fc_macs, fc_params, flops_step, tconv_macs
from cnncalc.arith.parsing import fmt_shape, parse_padding, parse_sizes
from cnncalc.arith.sizes import OPS, layer_output
from cnncalc.arith.steps import Step, group_digits
from cnncalc.cli.errors import reported
from cnncalc.cli.output import emit_json, emit_text, styler, terminal_width

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
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


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
        op = op.lower()
        if op not in OPS:
            raise UsageError(f"--op {op!r} is not one of {', '.join(OPS)}")
        size = parse_input(input, dims)
        res = layer_output(
            op,
            size,
            parse_sizes(kernel, "--kernel"),
            None if stride is None else parse_sizes(stride, "--stride"),
            parse_padding(padding, "--padding"),
            parse_sizes(dilation, "--dilation", minimum=0),
            ceil,
            parse_sizes(output_padding, "--output-padding", minimum=0),
        )
        if ceil and op not in ("maxpool", "avgpool"):
            raise UsageError("--ceil applies to pools (--op maxpool or avgpool)")
        channels = None
        params = None
        extra: list[Step] = []
        if cin is not None or cout is not None:
            if op in ("conv", "tconv"):
                if cin is None or cout is None:
                    raise UsageError("give both --cin and --cout for a convolution's channels")
                params = conv_params(cin, cout, res.kernel, groups, not no_bias, transposed=(op == "tconv"))
                mac = (
                    conv_macs(cin, cout, res.kernel, groups, res.output)
                    if op == "conv"
                    else tconv_macs(cin, cout, res.kernel, groups, res.input)
                )
                extra = [mac, flops_step(mac.value)]
                channels = (cin, cout)
            else:
                c = cin if cin is not None else cout
                if cin is not None and cout is not None and cin != cout:
                    raise UsageError(f"a pool keeps the channels: --cin {cin} and --cout {cout} differ")
                channels = (c, c)
        if json:
            data = res.to_dict()
            if channels:
                data["channels"] = {"in": channels[0], "out": channels[1]}
                data["output_shape"] = [channels[1], *res.output]
            if params:
                data.update(
                    weights=params.weights,
                    biases=params.biases,
                    params=params.total,
                    macs=extra[0].value,
                    flops=extra[1].value,
                )
            emit_json(data)
            return
        from cnncalc.render.calc import render_shape

        emit_text(render_shape(res, channels, params, extra, styler(), terminal_width()))


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
        notes: list[str] = []
        extra: list[Step] = []
        data: dict = {}
        if fc:
            if input is not None:
                raise UsageError(
                    "--input describes a conv layer's map; a fully connected layer (--fc) has none"
                )
            pc = fc_params(cin, cout, not no_bias)
            mac = fc_macs(cin, cout)
            extra = [mac, flops_step(mac.value)]
            data.update(macs=mac.value, flops=2 * mac.value)
            title = f"fully connected {cin} → {cout}"
        else:
            k = parse_sizes(kernel, "--kernel")
            size = parse_input(input, None) if input else None
            # a single K means a square K×K kernel, as on the course notes' kw·kh·Ci·Co
            dims = len(size) if size else (len(k) if len(k) > 1 else 2)
            ks = k * dims if len(k) == 1 else k
            pc = conv_params(cin, cout, ks, groups, not no_bias, transposed=transposed)
            kind = "transposed conv" if transposed else "conv"
            title = f"{kind} {cin} → {cout}, kernel {fmt_shape(ks)}" + (
                f", groups {groups}" if groups > 1 else ""
            )
            if size is not None:
                res = layer_output(
                    "tconv" if transposed else "conv",
                    size,
                    ks,
                    None if stride is None else parse_sizes(stride, "--stride"),
                    parse_padding(padding, "--padding"),
                    parse_sizes(dilation, "--dilation", minimum=0),
                )
                mac = (
                    tconv_macs(cin, cout, ks, groups, size)
                    if transposed
                    else conv_macs(cin, cout, ks, groups, res.output)
                )
                fc_equiv = fc_params(cin * prod(size), cout * prod(res.output), not no_bias)
                saving = fc_equiv.total / pc.total
                extra = [
                    *res.steps,
                    mac,
                    flops_step(mac.value),
                    Step(
                        "fully connected equivalent",
                        "(C_in·H_in·W_in) · (C_out·H_out·W_out) + biases",
                        f"({cin}·{fmt_shape(size).replace('×', '·')}) · ({cout}·{fmt_shape(res.output).replace('×', '·')})"
                        + (f" + {cout * prod(res.output)}" if not no_bias else ""),
                        fc_equiv.total,
                        why=f"a dense layer mapping the same input to the same output needs {saving:,.0f}× as many parameters",
                    ),
                ]
                notes.append(
                    f"Weight sharing: the conv reuses its {group_digits(pc.weights)} weights at all "
                    f"{group_digits(prod(res.output))} output positions; a fully connected layer would need "
                    f"{group_digits(fc_equiv.total)} parameters for the same {cin}×{fmt_shape(size)} → "
                    f"{cout}×{fmt_shape(res.output)} mapping."
                )
                notes.append("FLOPs = 2·MACs: a multiply-accumulate is one multiply and one add.")
                title += f", input {cin}×{fmt_shape(size)} → {cout}×{fmt_shape(res.output)}"
                data.update(
                    input=list(size),
                    output=list(res.output),
                    macs=mac.value,
                    flops=2 * mac.value,
                    fc_equivalent=fc_equiv.total,
                )
        if json:
            out = pc.to_dict()
            out.update(data)
            out["steps"] = out["steps"] + [s.to_dict() for s in extra]
            out["notes"] = out["notes"] + notes
            emit_json(out)
            return
        from cnncalc.render.calc import render_params

        emit_text(render_params(pc, title, extra, notes, styler(), terminal_width()))


def rf(
    spec: Annotated[
        str | None,
        typer.Argument(
            help='Network spec, layers separated by | or newlines, e.g. "conv 1 k=3 | conv 1 k=3".'
        ),
    ] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the spec from a file.")] = None,
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
        from cnncalc.arith.spec import parse_input_shape, parse_spec

        text = read_spec(spec, file)
        net_spec = parse_spec(text)
        if input:
            net_spec = net_spec.with_input(parse_input_shape(input, "--input"))
        net = walk(net_spec)
        field, rows, path = field_path(net)
        if json:
            emit_json(
                {
                    "receptive_field": list(field),
                    "rows": [r.to_dict() for r in rows],
                    "path": list(path),
                    "layers": [
                        {
                            k: v
                            for k, v in lr.to_dict().items()
                            if k
                            in (
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
                        }
                        for lr in net.rows
                    ],
                    "spec": net_spec.to_text(" | "),
                }
            )
            return
        from cnncalc.render.calc import render_rf

        emit_text(render_rf(field, rows, net, styler(), terminal_width(), path))


def read_spec_file(file: Path) -> str:
    """A spec file's text; `-` reads standard input. Unreadable files are usage errors."""
    if str(file) == "-":
        import sys

        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except OSError as e:
        raise UsageError(f"--file {file}: cannot read it ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise UsageError(f"--file {file}: not a UTF-8 text file") from None


def read_spec(spec: str | None, file: Path | None) -> str:
    """The spec from the argument or --file (exactly one of them)."""
    if spec is not None and file is not None:
        raise UsageError("give the spec as an argument or with --file, not both")
    if file is not None:
        return read_spec_file(file)
    if spec is None:
        raise UsageError('give a network spec, e.g. cnncalc rf "conv 1 k=3 | conv 1 k=3", or --file FILE')
    return spec


def register(app: typer.Typer) -> None:
    app.command("shape")(shape)
    app.command("params")(params)
    app.command("rf")(rf)
