"""Whole networks: `net` (the torchinfo-style table), `check` (claimed shapes) and `solve` (inverse problems).

Only typer, the standard library and `cnncalc.arith` are imported here; the renderers are imported
inside the commands. Like the calculator, these commands print with the standard-library renderer
(no rich, no numpy): a VGG-16 table starts within about 1.15–1.2× of `cnncalc shape`.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cnncalc.arith.errors import UsageError
from cnncalc.cli.errors import reported
from cnncalc.cli.options import ClassOpt, FileOpt, JsonOpt
from cnncalc.cli.output import emit_json, emit_text, styler, terminal_width

# no `from __future__ import annotations`: typer would evaluate every string annotation of every
# command at each start (about 1.5 ms for this module); names used only in hints are quoted instead
if TYPE_CHECKING:
    from cnncalc.arith.solve import Solution

EXAMPLE_MODELS = Path(__file__).resolve().parent.parent / "data" / "models"

TOUR = [
    ("A whole network, torchinfo-style: note 001's 2×96×96 network", ["net", "--preset", "seed-001"]),
    ("The working behind one row of the table", ["net", "--preset", "seed-001", "--explain", "4"]),
    (
        "Note 001 claims 8×23×23 after the second pool: check catches it (exit 1) and shows the truth",
        ["check", "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 -> 8x23x23"],
        1,
    ),
    (
        "Networks branch: torchvision's ResNet-18, folded to its blocks (a residual add in each)",
        ["net", "--preset", "resnet-18", "--depth", "2"],
    ),
    (
        "Note 004's Keras residual cannot add 64×60×60 to its 64×64×3 input: both branches named (exit 1)",
        ["net", "input 3x64x64 | add( conv 64 k=3 | relu | conv 64 k=3 | relu ) | flatten"],
        1,
    ),
    (
        "Which input sizes ResNet-50 takes, and which give a 7×7 last map",
        ["solve", "input", "--preset", "resnet-50", "--output", "7x7"],
    ),
    (
        "Reading note 003's PyTorch class without running it",
        ["net", "--from", str(EXAMPLE_MODELS / "note003_torch_cnn.py")],
    ),
    ("Which padding keeps 28×28 with a 5×5 kernel?", ["solve", "padding", "--input", "28", "--kernel", "5"]),
    (
        "Small (kernel, stride, padding) choices that halve 32",
        ["solve", "combos", "--input", "32", "--output", "16"],
    ),
]

SpecArg = Annotated[
    str | None,
    typer.Argument(
        help='Network spec, layers separated by | or newlines, e.g. "input 1x28x28 | conv 8 k=3 | fc 10".'
    ),
]
InputOpt = Annotated[
    str | None,
    typer.Option("--input", "-i", help="Input shape CxHxW, channels first (sets or replaces the spec's)."),
]


NET_MISSING = (
    'give a network: a spec ("input 1x28x28 | conv 8 k=3 | fc 10"), --file FILE, --preset NAME '
    "(see --list-presets) or --from MODEL.py"
)


def net(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: Annotated[
        str | None, typer.Option("--preset", "-P", help="A built-in network; see --list-presets.")
    ] = None,
    list_presets: Annotated[bool, typer.Option("--list-presets", help="List the built-in networks.")] = False,
    model: Annotated[
        Path | None,
        typer.Option("--from", help="Read a PyTorch or Keras model file (parsed with ast, never run)."),
    ] = None,
    model_class: ClassOpt = None,
    input: InputOpt = None,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            "-e",
            help="Show the worked formulas of row ID: a layer (4), or a block or merge (5, 5.1.2).",
        ),
    ] = None,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth", "-d", min=1, help="Show rows nested at most N deep (a block's row has its totals)."
        ),
    ] = None,
    show_spec: Annotated[
        bool,
        typer.Option(
            "--spec",
            help="Print the network in the spec language instead (a preset as written, to save and edit).",
        ),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """A whole network as a table: output shape, parameters, MACs, receptive field and memory per layer.

    Totals: trainable parameters, their float32 memory, activation memory per sample, MACs and
    FLOPs (2 per MAC). Parameter counts are PyTorch's (batch norm: 2·C; running stats are buffers).

    \b
    Examples:
      cnncalc net "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 | flatten | fc 100"
      cnncalc net --preset vgg-16
      cnncalc net --preset seed-001 --explain 4
      cnncalc net --preset resnet-18 --depth 2
      cnncalc net --preset resnet-18 --explain 6.1
      cnncalc net --preset resnet-50 --spec > resnet50.txt
      cnncalc net --from model.py --input 1x28x28
      cnncalc net --list-presets
    """
    with reported("net", flags={"path": "--from", "model": "--class", "input": "--input"}):
        from cnncalc.arith.network import walk

        if list_presets:
            _list_presets(json)
            return
        from cnncalc.cli.sources import required_network, with_input

        source = required_network(
            spec, file, preset, model, missing=NET_MISSING, model_input=input, model_class=model_class
        )
        net_spec = with_input(source, input)
        imported = source.imported
        if show_spec:
            from cnncalc.arith.presets import find_preset

            text = (
                find_preset(preset).text if preset is not None and input is None else net_spec.to_text("\n")
            )
            emit_text(text.rstrip("\n") + "\n")
            return
        result = walk(net_spec)
        if imported is not None:
            imported.verify(result)
        if json:
            data = result.to_dict()
            if imported is not None:
                data["imported"] = imported.to_dict()
            emit_json(data)
            return
        from cnncalc.render.network import explain_layer, import_header, network_table

        style, width = styler(), terminal_width()
        if explain is not None:
            emit_text(explain_layer(result, explain, style, width))
            return
        table = network_table(result, source.label, style, width, depth)
        if imported is not None:
            table = import_header(imported, result.spec.to_text("\n"), style, width) + "\n" + table
        emit_text(table)


def _list_presets(json: bool) -> None:
    from cnncalc.arith.network import walk
    from cnncalc.arith.presets import get_preset, list_presets

    presets = list_presets()
    totals = {p.name: walk(get_preset(p.name)).total_params for p in presets}
    if json:
        emit_json(
            {
                "presets": [
                    {
                        "name": p.name,
                        "description": p.description,
                        "total_params": totals[p.name],
                        "spec": p.text,
                    }
                    for p in presets
                ]
            }
        )
        return
    from cnncalc.render.network import presets_table

    emit_text(presets_table(presets, totals, styler(), terminal_width()))


def check(
    spec: SpecArg = None,
    file: FileOpt = None,
    input: InputOpt = None,
    json: JsonOpt = False,
) -> None:
    """Check the output shapes a spec claims (`conv 8 k=5 -> 8x92x92`): ✓ or ✗ with the working.

    Exit status 0 when every claim holds, 1 when any is wrong.

    \b
    Examples:
      cnncalc check "input 2x96x96 | conv 8 k=5 -> 8x92x92 | maxpool k=4 -> 8x23x23"
      cnncalc check "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 -> 8x23x23"
      cnncalc check --file homework.txt
    """
    with reported("check"):
        from cnncalc.arith.network import walk
        from cnncalc.cli.sources import required_network, with_input

        net_spec = with_input(required_network(spec, file, missing=NET_MISSING), input)
        if net_spec.input_shape is None:
            raise UsageError("check needs the input shape: start the spec with 'input CxHxW' or give --input")
        result = walk(net_spec)
        wrong = result.wrong_claims
        if json:
            from cnncalc.render.network import explain_claim

            claims = [
                {
                    **lr.claim_dict(),
                    "explanation": explain_claim(result, lr) if lr.claim_holds is False else [],
                }
                for lr in result.rows
                if lr.claim is not None
            ]
            emit_json({**result.to_dict(), "claims": claims, "all_hold": not wrong})
        else:
            from cnncalc.render.network import check_report

            emit_text(check_report(result, styler(), terminal_width()))
        if wrong:
            raise typer.Exit(code=1)


# -- solve ----------------------------------------------------------------------------------------

solve_app = typer.Typer(
    name="solve",
    help="Inverse problems: the padding, stride or kernel that gives the output size you want, and the "
    "input sizes a whole network accepts.",
    epilog=(
        "\b\nExamples:\n"
        "  cnncalc solve padding --input 28 --kernel 5          # 2 keeps 28×28\n"
        "  cnncalc solve stride --input 32 --kernel 3 --padding 1 --output 16\n"
        "  cnncalc solve kernel --input 28 --output 24\n"
        "  cnncalc solve combos --input 32 --output 16\n"
        "  cnncalc solve input --preset resnet-50 --output 7x7"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

NOpt = Annotated[int, typer.Option("--input", "-i", min=1, help="Input size N (one axis).")]
KOpt = Annotated[int, typer.Option("--kernel", "-k", min=1, help="Kernel size k.")]
SOpt = Annotated[int, typer.Option("--stride", "-s", min=1, help="Stride s.")]
POpt = Annotated[int, typer.Option("--padding", "-p", min=0, help="Padding p on each side.")]
DOpt = Annotated[int, typer.Option("--dilation", "-d", min=1, help="Dilation d (1 = no gaps).")]
OOpt = Annotated[int, typer.Option("--output", "-o", min=1, help="The output size you want.")]


def _show_solution(sol: "Solution", json: bool) -> None:
    if json:
        emit_json(sol.to_dict())
    else:
        from cnncalc.render.network import solution_view

        emit_text(solution_view(sol, styler(), terminal_width()))
    if not sol.possible:
        raise typer.Exit(code=1)


@solve_app.command("padding")
def solve_padding_cmd(
    input: NOpt,
    kernel: KOpt,
    stride: SOpt = 1,
    dilation: DOpt = 1,
    output: Annotated[
        int | None, typer.Option("--output", "-o", min=1, help="Target size (default ⌈N/s⌉, 'same').")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """The padding that gives a target output size (default: 'same', ⌈N/s⌉).

    \b
    Examples:
      cnncalc solve padding --input 28 --kernel 5              # 2 on each side keeps 28
      cnncalc solve padding --input 28 --kernel 4              # odd total 3: 1 before, 2 after
      cnncalc solve padding --input 28 --kernel 3 --stride 2   # 14
    """
    with reported("solve padding"):
        from cnncalc.arith.solve import solve_padding

        _show_solution(solve_padding(input, kernel, stride, dilation, output), json)


@solve_app.command("stride")
def solve_stride_cmd(
    input: NOpt, kernel: KOpt, output: OOpt, padding: POpt = 0, dilation: DOpt = 1, json: JsonOpt = False
) -> None:
    """The stride that gives a target output size.

    \b
    Examples:
      cnncalc solve stride --input 32 --kernel 4 --padding 1 --output 16
    """
    with reported("solve stride"):
        from cnncalc.arith.solve import solve_stride

        _show_solution(solve_stride(input, kernel, output, padding, dilation), json)


@solve_app.command("kernel")
def solve_kernel_cmd(
    input: NOpt, output: OOpt, stride: SOpt = 1, padding: POpt = 0, dilation: DOpt = 1, json: JsonOpt = False
) -> None:
    """The kernel size that gives a target output size.

    \b
    Examples:
      cnncalc solve kernel --input 28 --output 24              # 5
    """
    with reported("solve kernel"):
        from cnncalc.arith.solve import solve_kernel

        _show_solution(solve_kernel(input, output, stride, padding, dilation), json)


@solve_app.command("combos")
def solve_combos_cmd(
    input: NOpt,
    output: OOpt,
    max_kernel: Annotated[int, typer.Option("--max-kernel", min=1, help="Largest kernel to try.")] = 7,
    max_stride: Annotated[int, typer.Option("--max-stride", min=1, help="Largest stride to try.")] = 4,
    json: JsonOpt = False,
) -> None:
    """Small (kernel, stride, padding) combinations that map N to a target size, plainest first.

    \b
    Examples:
      cnncalc solve combos --input 32 --output 16
    """
    with reported("solve combos"):
        from cnncalc.arith.solve import solve_combos

        combos = solve_combos(input, output, max_kernel, max_stride)
        if json:
            emit_json({"input": input, "output": output, "combos": [c.to_dict() for c in combos]})
        else:
            from cnncalc.render.network import combos_table

            emit_text(combos_table(combos, input, output, max_kernel, max_stride, styler(), terminal_width()))
        if not combos:
            raise typer.Exit(code=1)


@solve_app.command("input")
def solve_input_cmd(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: Annotated[str | None, typer.Option("--preset", "-P", help="A built-in network.")] = None,
    input: InputOpt = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="The last map's size you want, HxW (the map before global pooling or flatten).",
        ),
    ] = None,
    largest: Annotated[
        int | None,
        typer.Option("--max", min=1, help="Try sizes up to N per axis (default 1,024 or twice the input)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Which input sizes a network accepts (every window fits, every merge matches), per axis; with
    --output, which give that size of the last map.

    \b
    Examples:
      cnncalc solve input --preset resnet-50
      cnncalc solve input --preset resnet-50 --output 7x7
      cnncalc solve input "input 3x64x64 | conv 8 k=5 | maxpool k=2 | conv 8 k=5"
    """
    with reported("solve input", flags={"max": "--max"}):
        from cnncalc.arith.input_sizes import solve_input_sizes
        from cnncalc.arith.parsing import parse_sizes
        from cnncalc.cli.sources import required_network, with_input

        source = required_network(spec, file, preset, missing=NET_MISSING)
        net_spec = with_input(source, input)
        target = parse_sizes(output, "--output") if output is not None else None
        result = solve_input_sizes(net_spec, target, largest)
        if json:
            emit_json(result.to_dict())
        else:
            from cnncalc.render.network import input_sizes_view

            emit_text(input_sizes_view(result, source.label, styler(), terminal_width()))
        if not result.possible:
            raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("net")(net)
    app.command("check")(check)
    app.add_typer(solve_app, name="solve")
