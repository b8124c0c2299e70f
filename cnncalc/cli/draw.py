"""`cnncalc draw`: pictures of the arithmetic, for the learner's own numbers.

conv, pool and tconv animate the window over the padded input as conv_arithmetic does; rf
draws the input pixels one unit sees, layer by layer; net draws the network as boxes. Each command
calls the Python API's function (`cnncalc.api.draw`) and shows, saves or prints as JSON its
picture. Only typer, the standard library, `cnncalc.arith` and `cnncalc.api` are imported here;
the renderers are imported by the pictures, and Pillow only for a `.gif`.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from cnncalc.api import draw as api
from cnncalc.arith.errors import UsageError
from cnncalc.cli.calc import DilationOpt, InputOpt, JsonOpt, KernelOpt, PaddingOpt, StrideOpt
from cnncalc.cli.errors import LocalGroup, reported
from cnncalc.cli.options import FILE_NAME, ClassOpt
from cnncalc.cli.output import emit_json, emit_text, styler, terminal_width
from cnncalc.cli.pictures import picture_format, save_picture
from cnncalc.i18n import N_, _
from cnncalc.render.text import for_terminal

TOUR = [
    (
        N_(
            "conv_arithmetic's 'padding, strides' picture for any numbers (frame 4 as text; --out FILE.svg animates it)"
        ),
        ["draw", "conv", "--input", "5", "--kernel", "3", "--stride", "2", "--padding", "1", "--frame", "4"],
    ),
    (
        N_("The input pixels one unit of three stacked 3×3 convolutions sees"),
        ["draw", "rf", "conv 1 k=3 | conv 1 k=3 | conv 1 k=3", "--input", "9"],
    ),
]

draw_app = typer.Typer(
    cls=LocalGroup,
    help=_(
        "Pictures of the arithmetic: sliding windows, receptive fields, network diagrams (SVG, HTML, GIF)."
    ),
    epilog=_(
        "\b\nExamples:\n"
        "  cnncalc draw conv -i 5 -k 3 -s 2 -p 1 --out conv.svg\n"
        "  cnncalc draw tconv -i 3 -k 3 -s 2 --out tconv.html\n"
        '  cnncalc draw rf "conv 8 k=3 | conv 8 k=3 | maxpool k=2" --input 12x12 --out rf.svg\n'
        "  cnncalc draw net --preset lenet-5 --out lenet.svg"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)

OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help=_("Write the picture: FILE.svg (animated), FILE.html (with controls) or FILE.gif."),
        click_type=FILE_NAME,
    ),
]
FrameOpt = Annotated[
    str | None,
    typer.Option("--frame", help=_("Only frame N (0 = the first output position): a still picture.")),
]
DimsOpt = Annotated[
    int | None,
    typer.Option("--dims", help=_("Spatial axes for a single-number --input: 1, 2 or 3 (3-D: --json only).")),
]

# The fields of the Python API whose options are not `--field`: the spec argument, --from, --class.
FLAGS = {"spec": "SPEC", "source": "--from", "class_name": "--class"}


def _sliding(
    command: str,
    out: Path | None,
    frame: str | None,
    json: bool,
    draw: Callable[[str | None], api.SlidingPicture],
) -> None:
    """`draw conv`, `pool` or `tconv`: `draw(frame)` is the picture, shown as text (one frame),
    JSON (every frame, or the one asked for) or written to `--out`."""
    with reported(f"draw {command}", flags=FLAGS):
        kind = picture_format(out, ("svg", "html", "gif")) if out is not None else None
        if json and out is not None:
            raise UsageError(_("give --json or --out, not both"))
        if kind is None and not json and frame is None:
            frame = "0"  # the terminal shows one still
        pic = draw(frame)
        if json:
            emit_json(pic.to_dict())
            return
        if out is None:
            hint = _(
                "Write the animation with --out FILE.svg, FILE.html or FILE.gif; --json lists every frame."
            )
            from cnncalc.render.width import wrap

            width = terminal_width()
            emit_text(pic.render(styler(), width) + "\n" + "\n".join(wrap(hint, width)))
            return
        with for_terminal():
            data = pic.gif() if kind == "gif" else pic.html() if kind == "html" else pic.svg()
        still = pic.result.is_still()
        save_picture(
            out,
            data,
            _("frame {index} of {n}").format(index=pic.result.frames[0].index, n=pic.frame_count)
            if still
            else _("{n} frame(s)").format(n=pic.frame_count),
        )


@draw_app.command("conv")
def conv(
    input: InputOpt,
    kernel: KernelOpt,
    stride: StrideOpt = None,
    padding: PaddingOpt = "0",
    dilation: DilationOpt = "1",
    dims: DimsOpt = None,
    out: OutOpt = None,
    frame: FrameOpt = None,
    json: JsonOpt = False,
) -> None:
    """A convolution's window sliding over the padded input, one frame per output position.

    Without --out, prints the sizes and one frame as text.

    \b
    Examples:
      cnncalc draw conv -i 4 -k 3 --out conv.svg                # no padding, no strides
      cnncalc draw conv -i 5 -k 3 -s 2 -p 1 --out conv.html     # with Play/Pause/Next controls
      cnncalc draw conv -i 7 -k 3 -d 2 --out dilated.gif        # needs pip install "cnncalc[gif]"
      cnncalc draw conv -i 96 -k 5 --frame 0 --out still.svg    # one frame of a large layer
      cnncalc draw conv -i 5 -k 3 --json                        # every frame's cells, for scripts
    """
    _sliding(
        "conv",
        out,
        frame,
        json,
        lambda frame: api.draw_conv(
            input=input,
            kernel=kernel,
            stride=stride,
            padding=padding,
            dilation=dilation,
            dims=dims,
            frame=frame,
        ),
    )


@draw_app.command("pool")
def pool(
    input: InputOpt,
    kernel: KernelOpt,
    stride: StrideOpt = None,
    padding: PaddingOpt = "0",
    dilation: DilationOpt = "1",
    op: Annotated[str, typer.Option("--op", help=_("max or avg."))] = "max",
    ceil: Annotated[
        bool, typer.Option("--ceil", help=_("PyTorch's ceil_mode (keep a last partial window)."))
    ] = False,
    dims: DimsOpt = None,
    out: OutOpt = None,
    frame: FrameOpt = None,
    json: JsonOpt = False,
) -> None:
    """A pooling window sliding over the input (stride defaults to the kernel).

    \b
    Examples:
      cnncalc draw pool -i 4 -k 2 --out pool.svg
      cnncalc draw pool -i 5 -k 2 --ceil --out ceil.svg         # the last window hangs over
    """
    _sliding(
        "pool",
        out,
        frame,
        json,
        lambda frame: api.draw_pool(
            input=input,
            kernel=kernel,
            stride=stride,
            padding=padding,
            dilation=dilation,
            op=op,
            ceil=ceil,
            dims=dims,
            frame=frame,
        ),
    )


@draw_app.command("tconv")
def tconv(
    input: InputOpt,
    kernel: KernelOpt,
    stride: StrideOpt = None,
    padding: PaddingOpt = "0",
    dilation: DilationOpt = "1",
    output_padding: Annotated[
        str,
        typer.Option(
            "--output-padding", help=_("Extra rows after (bottom/right), smaller than stride or dilation.")
        ),
    ] = "0",
    dims: DimsOpt = None,
    out: OutOpt = None,
    frame: FrameOpt = None,
    json: JsonOpt = False,
) -> None:
    """A transposed convolution drawn as its equivalent convolution (conv_arithmetic's picture).

    s − 1 zeros go between input cells and d·(k − 1) − p zeros around the border; a stride-1
    window over that grid gives (n − 1)·s − 2p + d·(k − 1) + output_padding + 1 outputs.

    \b
    Examples:
      cnncalc draw tconv -i 3 -k 3 -s 2 --out tconv.svg
      cnncalc draw tconv -i 3 -k 3 -s 2 -p 1 --output-padding 1 --out tconv.html
    """
    _sliding(
        "tconv",
        out,
        frame,
        json,
        lambda frame: api.draw_tconv(
            input=input,
            kernel=kernel,
            stride=stride,
            padding=padding,
            dilation=dilation,
            output_padding=output_padding,
            dims=dims,
            frame=frame,
        ),
    )


# -- networks -------------------------------------------------------------------------------------

SpecArg = Annotated[
    str | None, typer.Argument(help=_('Network spec, e.g. "input 1x28x28 | conv 8 k=3 | fc 10".'))
]
FileOpt = Annotated[
    Path | None,
    typer.Option(
        "--file", "-f", help=_("Read the spec from a file ('-' reads stdin)."), click_type=FILE_NAME
    ),
]
PresetOpt = Annotated[
    str | None, typer.Option("--preset", "-P", help=_("A built-in network (see cnncalc net --list-presets)."))
]
FromOpt = Annotated[
    Path | None,
    typer.Option(
        "--from",
        help=_("Read a PyTorch or Keras model file (parsed with ast, never run)."),
        click_type=FILE_NAME,
    ),
]


@draw_app.command("rf")
def rf(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: PresetOpt = None,
    model: FromOpt = None,
    class_name: ClassOpt = None,
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help=_("Input HxW (or CxHxW); the spec's input line otherwise.")),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", "-u", help=_("The output unit i,j to follow (default: the centre one).")),
    ] = None,
    layer: Annotated[
        int | None,
        typer.Option("--layer", "-l", help=_("Follow a unit of layer N (default: the last with a window).")),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help=_("Write the picture: FILE.svg or FILE.html."), click_type=FILE_NAME
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """The input pixels one output unit sees, layer by layer, as nested regions on the input.

    The picture of the back-recursion `cnncalc rf` computes: each box holds the units of one map
    the chosen unit depends on (dots at their centres); the shaded pixels are its receptive field.

    \b
    Examples:
      cnncalc draw rf "conv 1 k=3 | conv 1 k=3 | conv 1 k=3" --input 9x9 --out rf.svg
      cnncalc draw rf "conv 8 k=3 d=2 | conv 8 k=3 d=4" --input 20 --out dilated.svg
      cnncalc draw rf --preset lenet-5 --unit 2,2 --out lenet-rf.html
    """
    with reported("draw rf", flags=FLAGS):
        kind = picture_format(out, ("svg", "html")) if out is not None else None
        if json and out is not None:
            raise UsageError(_("give --json or --out, not both"))
        pic = api.draw_rf(
            spec,
            file=file,
            preset=preset,
            source=model,
            class_name=class_name,
            input=input,
            unit=unit,
            layer=layer,
        )
        _show_picture(pic, out, kind, json)


def _show_picture(
    pic: api.FieldPicture | api.NetPicture, out: Path | None, kind: str | None, json: bool
) -> None:
    """A network's picture as JSON, as text, or written to `--out`."""
    if json:
        emit_json(pic.to_dict())
    elif out is None:
        emit_text(pic.render(styler(), terminal_width()))
    else:
        with for_terminal():
            data = pic.svg() if kind == "svg" else pic.html()
        if isinstance(pic, api.FieldPicture):
            from cnncalc.render.rf_picture import rf_caption

            save_picture(out, data, rf_caption(pic.result))
        else:
            save_picture(out, data, _("{n} boxes").format(n=len(pic.result.boxes)))


@draw_app.command("net")
def net(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: PresetOpt = None,
    model: FromOpt = None,
    class_name: ClassOpt = None,
    input: Annotated[
        str | None, typer.Option("--input", "-i", help=_("Input shape CxHxW (sets or replaces the spec's)."))
    ] = None,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            "-d",
            min=1,
            help=_("Draw every block or merge nested N deep as one box (its parameters the total it holds)."),
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help=_("Write the diagram: FILE.svg or FILE.html."), click_type=FILE_NAME
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """A diagram of the network: each layer's output as a box sized by its shape (LeNet/AlexNet style).

    A network with branches is drawn as its graph: add and concat are boxes of their own, each
    branch runs in a lane between the box it reads and its merge, and every box lists the boxes
    it reads.

    \b
    Examples:
      cnncalc draw net --preset lenet-5 --out lenet.svg
      cnncalc draw net "input 1x28x28 | conv 8 k=3 | relu | maxpool k=2 | flatten | fc 10" --out net.html
      cnncalc draw net --preset digits-resnet --out resnet.svg
      cnncalc draw net --preset resnet-18 --depth 2
      cnncalc draw net --from model.py --input 1x28x28 --out model.svg
    """
    with reported("draw net", flags=FLAGS):
        kind = picture_format(out, ("svg", "html")) if out is not None else None
        if json and out is not None:
            raise UsageError(_("give --json or --out, not both"))
        pic = api.draw_net(
            spec, file=file, preset=preset, source=model, class_name=class_name, input=input, depth=depth
        )
        _show_picture(pic, out, kind, json)


def register(app: typer.Typer) -> None:
    app.add_typer(draw_app, name="draw")
