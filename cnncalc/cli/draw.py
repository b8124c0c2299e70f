"""`cnncalc draw`: pictures of the arithmetic, for the learner's own numbers.

conv, pool and tconv animate the window over the padded input as conv_arithmetic does; rf
draws the input pixels one unit sees, layer by layer; net draws the network as boxes. Only
typer, the standard library and `cnncalc.arith` are imported here; the renderers are imported
inside the commands, and Pillow only for a `.gif`.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.parsing import parse_int, parse_padding, parse_sizes
from cnncalc.cli.calc import DilationOpt, InputOpt, JsonOpt, KernelOpt, PaddingOpt, StrideOpt, parse_input
from cnncalc.cli.errors import reported
from cnncalc.cli.options import ClassOpt
from cnncalc.cli.output import emit_json, emit_text, terminal_width

if TYPE_CHECKING:
    from cnncalc.arith.frames import WindowFrames
    from cnncalc.arith.importer import ImportResult
    from cnncalc.arith.network_view import NetworkView
    from cnncalc.arith.spec import NetworkSpec

FORMATS = {".svg": "svg", ".html": "html", ".htm": "html", ".gif": "gif"}

TOUR = [
    (
        "conv_arithmetic's 'padding, strides' picture for any numbers (frame 4 as text; --out FILE.svg animates it)",
        ["draw", "conv", "--input", "5", "--kernel", "3", "--stride", "2", "--padding", "1", "--frame", "4"],
    ),
    (
        "The input pixels one unit of three stacked 3×3 convolutions sees",
        ["draw", "rf", "conv 1 k=3 | conv 1 k=3 | conv 1 k=3", "--input", "9"],
    ),
]

draw_app = typer.Typer(
    help="Pictures of the arithmetic: sliding windows, receptive fields, network diagrams (SVG, HTML, GIF).",
    epilog=(
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
        "--out", "-o", help="Write the picture: FILE.svg (animated), FILE.html (with controls) or FILE.gif."
    ),
]
FrameOpt = Annotated[
    str | None,
    typer.Option("--frame", help="Only frame N (0 = the first output position): a still picture."),
]
DimsOpt = Annotated[
    int | None,
    typer.Option("--dims", help="Spatial axes for a single-number --input: 1, 2 or 3 (3-D: --json only)."),
]

FLAGS = {
    "frame": "--frame",
    "input": "--input",
    "unit": "--unit",
    "layer": "--layer",
    "model": "--class",
    "path": "--from",
}


def _frames(
    op: str,
    input: str,
    kernel: str,
    stride: str | None,
    padding: str,
    dilation: str,
    dims: int | None,
    ceil: bool = False,
    output_padding: str = "0",
    frame: str | None = None,
) -> "WindowFrames":
    from cnncalc.arith.frames import window_frames

    return window_frames(
        op,
        parse_input(input, dims),
        parse_sizes(kernel, "--kernel"),
        None if stride is None else parse_sizes(stride, "--stride"),
        parse_padding(padding, "--padding"),
        parse_sizes(dilation, "--dilation", minimum=0),
        ceil,
        parse_sizes(output_padding, "--output-padding", minimum=0),
        None if frame is None else parse_int(frame, "--frame", minimum=0),
    )


def _out_format(out: Path, allowed: tuple[str, ...]) -> str:
    kind = FORMATS.get(out.suffix.lower())
    if kind is None or kind not in allowed:
        names = ", ".join("." + k for k in allowed)
        raise UsageError(f"--out {out}: write a picture ending in {names}")
    return kind


def _save(out: Path, data: str | bytes, what: str) -> None:
    from cnncalc.render.files import write_atomic

    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        written = write_atomic(out, raw)
    except OSError as e:
        raise CnnCalcError(f"--out {out}: cannot write it ({e.strerror or e})") from None
    size = len(raw)
    shown = f"{size / 1024:.1f} KiB" if size >= 1024 else f"{size} B"
    emit_text(f"wrote {written if written == out else f'{out} (→ {written})'}: {what}, {shown}")


def _sliding(
    op: str,
    input: str,
    kernel: str,
    stride: str | None,
    padding: str,
    dilation: str,
    dims: int | None,
    out: Path | None,
    frame: str | None,
    json: bool,
    ceil: bool = False,
    output_padding: str = "0",
) -> None:
    command = {"maxpool": "pool", "avgpool": "pool"}.get(op, op)
    with reported(f"draw {command}", flags=FLAGS):
        kind = _out_format(out, ("svg", "html", "gif")) if out is not None else None
        if json and out is not None:
            raise UsageError("give --json or --out, not both")
        if kind is None and not json and frame is None:
            frame = "0"  # the terminal shows one still
        pic = _frames(op, input, kernel, stride, padding, dilation, dims, ceil, output_padding, frame)
        if json:
            emit_json(pic.to_dict())
            return
        if kind is None:
            from cnncalc.render.sliding import caption, check_drawable, sliding_text, working_lines

            lines = [caption(pic), *working_lines(pic), ""]
            try:
                check_drawable(pic)
                fits = pic.grid_size[-1] * 2 + pic.output[-1] * 2 + 8 <= terminal_width()
            except CnnCalcError:
                fits = False
            frame_obj = pic.frames[0]
            lines.append(
                f"frame {frame_obj.index} (of 0 … {pic.frame_count - 1}): output "
                f"({', '.join(map(str, frame_obj.output))}) reads {len(frame_obj.input_cells)} cells"
            )
            if fits:
                lines += [
                    sliding_text(pic, frame_obj),
                    "  (o input, · padding or inserted zero, # window; ■ done, @ this cell)",
                ]
            lines += [
                "",
                "Write the animation with --out FILE.svg, FILE.html or FILE.gif; --json lists every frame.",
            ]
            emit_text("\n".join(lines))
            return
        if kind == "gif":
            from cnncalc.render.gif import sliding_gif

            data: str | bytes = sliding_gif(pic)
        elif kind == "html":
            from cnncalc.render.sliding import sliding_html

            data = sliding_html(pic)
        else:
            from cnncalc.render.sliding import sliding_svg

            data = sliding_svg(pic)
        what = (
            f"frame {pic.frames[0].index} of {pic.frame_count}"
            if pic.is_still()
            else f"{pic.frame_count} frame(s)"
        )
        _save(out, data, what)


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
    _sliding("conv", input, kernel, stride, padding, dilation, dims, out, frame, json)


@draw_app.command("pool")
def pool(
    input: InputOpt,
    kernel: KernelOpt,
    stride: StrideOpt = None,
    padding: PaddingOpt = "0",
    dilation: DilationOpt = "1",
    op: Annotated[str, typer.Option("--op", help="max or avg.")] = "max",
    ceil: Annotated[
        bool, typer.Option("--ceil", help="PyTorch's ceil_mode (keep a last partial window).")
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
    ops = {"max": "maxpool", "maxpool": "maxpool", "avg": "avgpool", "avgpool": "avgpool"}
    if op.lower() not in ops:
        with reported("draw pool"):
            raise UsageError(f"--op {op!r} is not max or avg")
    _sliding(ops[op.lower()], input, kernel, stride, padding, dilation, dims, out, frame, json, ceil=ceil)


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
            "--output-padding", help="Extra rows after (bottom/right), smaller than stride or dilation."
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
        input,
        kernel,
        stride,
        padding,
        dilation,
        dims,
        out,
        frame,
        json,
        output_padding=output_padding,
    )


# -- networks -------------------------------------------------------------------------------------

SpecArg = Annotated[
    str | None, typer.Argument(help='Network spec, e.g. "input 1x28x28 | conv 8 k=3 | fc 10".')
]
FileOpt = Annotated[
    Path | None, typer.Option("--file", "-f", help="Read the spec from a file ('-' reads stdin).")
]
PresetOpt = Annotated[
    str | None, typer.Option("--preset", "-P", help="A built-in network (see cnncalc net --list-presets).")
]
FromOpt = Annotated[
    Path | None,
    typer.Option("--from", help="Read a PyTorch or Keras model file (parsed with ast, never run)."),
]


def _network(
    spec: str | None,
    file: Path | None,
    preset: str | None,
    model: Path | None,
    model_class: str | None = None,
    model_input: str | None = None,
) -> "tuple[NetworkSpec, ImportResult | None]":
    """The network from exactly one source, as `cnncalc net` reads it."""
    from cnncalc.cli.sources import required_network

    source = required_network(
        spec,
        file,
        preset,
        model,
        missing="give a network: SPEC, --file FILE, --preset NAME or --from MODEL.py",
        model_class=model_class,
        model_input=model_input,
    )
    return source.spec, source.imported


def _view(
    net_spec: "NetworkSpec", imported: "ImportResult | None", input_shape: "tuple[int, ...] | None", form: str
) -> "NetworkView":
    """The network walked once, through the one adapter the pictures use."""
    from cnncalc.arith.network_view import network_view

    if input_shape is not None:
        net_spec = net_spec.with_input(input_shape)
    elif net_spec.input_shape is None:
        hint = f" (its first layer {imported.first_layer_hint})" if imported is not None else ""
        raise UsageError(f"the network does not say its input size; give --input {form}{hint}")
    return network_view(net_spec)


def _rf_input(text: str | None, spec_shape: "tuple[int, ...] | None") -> "tuple[int, ...] | None":
    """--input N, HxW (the spec's channels, or 1) or CxHxW."""
    if text is None:
        return None
    sizes = parse_sizes(text, "--input")
    if len(sizes) == 3:
        return sizes
    spatial = sizes * 2 if len(sizes) == 1 else sizes
    return (spec_shape[0] if spec_shape else 1, *spatial)


@draw_app.command("rf")
def rf(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: PresetOpt = None,
    model: FromOpt = None,
    model_class: ClassOpt = None,
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help="Input HxW (or CxHxW); the spec's input line otherwise."),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", "-u", help="The output unit i,j to follow (default: the centre one)."),
    ] = None,
    layer: Annotated[
        int | None,
        typer.Option("--layer", "-l", help="Follow a unit of layer N (default: the last with a window)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the picture: FILE.svg or FILE.html.")
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
        kind = _out_format(out, ("svg", "html")) if out is not None else None
        if json and out is not None:
            raise UsageError("give --json or --out, not both")
        from cnncalc.arith.rf_regions import rf_regions

        net_spec, imported = _network(spec, file, preset, model, model_class)
        view = _view(net_spec, imported, _rf_input(input, net_spec.input_shape), "HxW")
        units = None if unit is None else parse_sizes(unit, "--unit", minimum=0)
        pic = rf_regions(view, units, layer)
        if json:
            emit_json(pic.to_dict())
            return
        from cnncalc.render.rf_picture import rf_caption, rf_html, rf_svg, rf_text

        if kind is None:
            emit_text(rf_text(pic))
            return
        data = rf_svg(pic) if kind == "svg" else rf_html(pic)
        _save(out, data, rf_caption(pic))


@draw_app.command("net")
def net(
    spec: SpecArg = None,
    file: FileOpt = None,
    preset: PresetOpt = None,
    model: FromOpt = None,
    model_class: ClassOpt = None,
    input: Annotated[
        str | None, typer.Option("--input", "-i", help="Input shape CxHxW (sets or replaces the spec's).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the diagram: FILE.svg or FILE.html.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """A diagram of the network: each layer's output as a box sized by its shape (LeNet/AlexNet style).

    \b
    Examples:
      cnncalc draw net --preset lenet-5 --out lenet.svg
      cnncalc draw net "input 1x28x28 | conv 8 k=3 | relu | maxpool k=2 | flatten | fc 10" --out net.html
      cnncalc draw net --from model.py --input 1x28x28 --out model.svg
    """
    with reported("draw net", flags=FLAGS):
        kind = _out_format(out, ("svg", "html")) if out is not None else None
        if json and out is not None:
            raise UsageError("give --json or --out, not both")
        from cnncalc.arith.spec import parse_input_shape

        shape = parse_input_shape(input, "--input") if input is not None else None
        net_spec, imported = _network(spec, file, preset, model, model_class, input)
        view = _view(net_spec, imported, shape, "CxHxW")
        from cnncalc.render.net_diagram import net_diagram, net_html, net_svg, net_text

        diagram = net_diagram(view)
        if json:
            emit_json(diagram.to_dict())
            return
        if kind is None:
            emit_text(net_text(diagram))
            return
        data = net_svg(diagram) if kind == "svg" else net_html(diagram)
        _save(out, data, f"{len(diagram.boxes)} boxes")


def register(app: typer.Typer) -> None:
    app.add_typer(draw_app, name="draw")
