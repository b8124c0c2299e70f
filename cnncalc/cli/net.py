"""Whole networks: `net` (the torchinfo-style table), `check` (claimed shapes) and `solve` (inverse problems).

Each command calls the Python API's function (`cnncalc.api.net`: `net`, `check`, `solve_padding` …)
and prints its result. Only typer, the standard library, `cnncalc.arith` and `cnncalc.api` are
imported here; the renderers are imported by the results. Like the calculator, these commands
print with the standard-library renderer (no rich, no numpy): a VGG-16 table starts within about
1.15–1.2× of `cnncalc shape`.
"""

from pathlib import Path
from typing import Annotated

import typer

from cnncalc.api import net as api
from cnncalc.cli.errors import LocalGroup, reported
from cnncalc.cli.options import FILE_NAME, ClassOpt, FileOpt, JsonOpt
from cnncalc.cli.output import emit_result, emit_text
from cnncalc.i18n import N_, _

# no `from __future__ import annotations`: typer would evaluate every string annotation of every
# command at each start (about 1.5 ms for this module); names used only in hints are quoted instead

# The fields of the Python API whose options are not `--field`: the spec argument, --from, --class.
FLAGS = {"spec": "SPEC", "source": "--from", "class_name": "--class"}

EXAMPLE_MODELS = Path(__file__).resolve().parent.parent / "data" / "models"

TOUR = [
    (N_("A whole network, torchinfo-style: note 001's 2×96×96 network"), ["net", "--preset", "seed-001"]),
    (N_("The working behind one row of the table"), ["net", "--preset", "seed-001", "--explain", "4"]),
    (
        N_("Note 001 claims 8×23×23 after the second pool: check catches it (exit 1) and shows the truth"),
        ["check", "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 -> 8x23x23"],
        1,
    ),
    (
        N_("Networks branch: torchvision's ResNet-18, folded to its blocks (a residual add in each)"),
        ["net", "--preset", "resnet-18", "--depth", "2"],
    ),
    (
        N_(
            "Note 004's Keras residual cannot add 64×60×60 to its 64×64×3 input: both branches named (exit 1)"
        ),
        ["net", "input 3x64x64 | add( conv 64 k=3 | relu | conv 64 k=3 | relu ) | flatten"],
        1,
    ),
    (
        N_("Which input sizes ResNet-50 takes, and which give a 7×7 last map"),
        ["solve", "input", "--preset", "resnet-50", "--output", "7x7"],
    ),
    (
        N_("Reading note 003's PyTorch class without running it"),
        ["net", "--from", str(EXAMPLE_MODELS / "note003_torch_cnn.py")],
    ),
    (
        N_("Which padding keeps 28×28 with a 5×5 kernel?"),
        ["solve", "padding", "--input", "28", "--kernel", "5"],
    ),
    (
        N_("Small (kernel, stride, padding) choices that halve 32"),
        ["solve", "combos", "--input", "32", "--output", "16"],
    ),
]

SpecArg = Annotated[
    str | None,
    typer.Argument(
        help=_('Network spec, layers separated by | or newlines, e.g. "input 1x28x28 | conv 8 k=3 | fc 10".')
    ),
]
InputOpt = Annotated[
    str | None,
    typer.Option("--input", "-i", help=_("Input shape CxHxW, channels first (sets or replaces the spec's).")),
]


def net(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: Annotated[
        str | None, typer.Option("--preset", "-P", help=_("A built-in network; see --list-presets."))
    ] = None,
    list_presets: Annotated[
        bool, typer.Option("--list-presets", help=_("List the built-in networks."))
    ] = False,
    model: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help=_("Read a PyTorch or Keras model file (parsed with ast, never run)."),
            click_type=FILE_NAME,
        ),
    ] = None,
    class_name: ClassOpt = None,
    input: InputOpt = None,
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            "-e",
            help=_("Show the worked formulas of row ID: a layer (4), or a block or merge (5, 5.1.2)."),
        ),
    ] = None,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth", "-d", min=1, help=_("Show rows nested at most N deep (a block's row has its totals).")
        ),
    ] = None,
    show_spec: Annotated[
        bool,
        typer.Option(
            "--spec",
            help=_("Print the network in the spec language instead (a preset as written, to save and edit)."),
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
      cnncalc net --from vgg.py --class "VGG('VGG11')" --input 3x32x32
      cnncalc net --list-presets
    """
    with reported("net", flags=FLAGS):
        if list_presets:
            emit_result(api.list_presets(), json)
            return
        if show_spec:
            from cnncalc.api.sources import required_network

            found = required_network(spec, file, preset, model, class_name=class_name, input=input)
            emit_text(api.spec_text(found, preset, input))
            return
        report = api.net(
            spec,
            file=file,
            preset=preset,
            source=model,
            class_name=class_name,
            input=input,
            explain=explain,
            depth=depth,
        )
        emit_result(report, json)


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
    with reported("check", flags=FLAGS):
        report = api.check(spec, file=file, input=input)
        emit_result(report, json)
        if not report.all_hold:
            raise typer.Exit(code=1)


# -- solve ----------------------------------------------------------------------------------------

solve_app = typer.Typer(
    cls=LocalGroup,
    name="solve",
    help=_(
        "Inverse problems: the padding, stride or kernel that gives the output size you want, and the "
        "input sizes a whole network accepts."
    ),
    epilog=_(
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

NOpt = Annotated[int, typer.Option("--input", "-i", min=1, help=_("Input size N (one axis)."))]
KOpt = Annotated[int, typer.Option("--kernel", "-k", min=1, help=_("Kernel size k."))]
SOpt = Annotated[int, typer.Option("--stride", "-s", min=1, help=_("Stride s."))]
POpt = Annotated[int, typer.Option("--padding", "-p", min=0, help=_("Padding p on each side."))]
DOpt = Annotated[int, typer.Option("--dilation", "-d", min=1, help=_("Dilation d (1 = no gaps)."))]
OOpt = Annotated[int, typer.Option("--output", "-o", min=1, help=_("The output size you want."))]


def _show_solution(
    report: "api.SolutionReport | api.CombosReport | api.InputSizesReport", json: bool
) -> None:
    """The answer, or why there is none (exit 1)."""
    emit_result(report, json)
    if not report.possible:
        raise typer.Exit(code=1)


@solve_app.command("padding")
def solve_padding_cmd(
    input: NOpt,
    kernel: KOpt,
    stride: SOpt = 1,
    dilation: DOpt = 1,
    output: Annotated[
        int | None, typer.Option("--output", "-o", min=1, help=_("Target size (default ⌈N/s⌉, 'same')."))
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
        report = api.solve_padding(
            input=input, kernel=kernel, stride=stride, dilation=dilation, output=output
        )
        _show_solution(report, json)


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
        report = api.solve_stride(
            input=input, kernel=kernel, output=output, padding=padding, dilation=dilation
        )
        _show_solution(report, json)


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
        report = api.solve_kernel(
            input=input, output=output, stride=stride, padding=padding, dilation=dilation
        )
        _show_solution(report, json)


@solve_app.command("combos")
def solve_combos_cmd(
    input: NOpt,
    output: OOpt,
    max_kernel: Annotated[int, typer.Option("--max-kernel", min=1, help=_("Largest kernel to try."))] = 7,
    max_stride: Annotated[int, typer.Option("--max-stride", min=1, help=_("Largest stride to try."))] = 4,
    json: JsonOpt = False,
) -> None:
    """Small (kernel, stride, padding) combinations that map N to a target size, plainest first.

    \b
    Examples:
      cnncalc solve combos --input 32 --output 16
    """
    with reported("solve combos"):
        report = api.solve_combos(input=input, output=output, max_kernel=max_kernel, max_stride=max_stride)
        _show_solution(report, json)


@solve_app.command("input")
def solve_input_cmd(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: Annotated[str | None, typer.Option("--preset", "-P", help=_("A built-in network."))] = None,
    input: InputOpt = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help=_("The last map's size you want, HxW (the map before global pooling or flatten)."),
        ),
    ] = None,
    largest: Annotated[
        int | None,
        typer.Option(
            "--max", min=1, help=_("Try sizes up to N per axis (default 1,024 or twice the input).")
        ),
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
    with reported("solve input", flags=FLAGS):
        report = api.solve_input(spec, file=file, preset=preset, input=input, output=output, max=largest)
        _show_solution(report, json)


def register(app: typer.Typer) -> None:
    app.command("net")(net)
    app.command("check")(check)
    app.add_typer(solve_app, name="solve")
