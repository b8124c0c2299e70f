"""The pictures from Python: a window sliding over its input, a receptive field, a network diagram.

Each result shows its picture in a notebook (inline SVG, animated when it holds every frame) above
the working; `svg()` and `html()` give the files `cnncalc draw ... --out` writes, `to_dict()` its
`--json`, and `str()` the text the terminal shows.

>>> picture = draw_conv(input=5, kernel=3, stride=2, padding=1)
>>> picture.frame_count, picture.svg().startswith("<?xml")
(9, True)

Standard library only; Pillow only for `gif()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from cnncalc.api.calc import spatial_input
from cnncalc.api.result import WIDTH, TextResult, for_python_caller
from cnncalc.api.sources import NetworkSource, replaced_input, required_network
from cnncalc.api.values import (
    Dims,
    PathArg,
    Shape,
    Size,
    arguments,
    flag,
    input_shape,
    optional_position,
    optional_sizes,
    optional_whole,
    sizes,
)
from cnncalc.api.values import padding as to_padding
from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.i18n import _

if TYPE_CHECKING:
    from cnncalc.arith.frames import WindowFrames
    from cnncalc.arith.rf_regions import RFPicture
    from cnncalc.arith.spec import NetworkSpec
    from cnncalc.render.net_diagram import Diagram
    from cnncalc.render.text import Styler

PoolOp = Literal["max", "avg"]


class Picture(TextResult):
    """A picture with its text: `svg()` and `html()` are the files, the notebook shows the SVG."""

    __slots__ = ()

    def svg(self) -> str:
        """A standalone SVG file."""
        raise NotImplementedError

    def html(self) -> str:
        """One self-contained HTML page: the picture and its working."""
        raise NotImplementedError

    @for_python_caller
    def _repr_html_(self) -> str:
        from cnncalc.render.notebook import styled_html
        from cnncalc.render.text import Styler

        text = styled_html(self.render(Styler(True), WIDTH))
        try:
            picture = self.svg().split("\n", 1)[1]  # inline: without the file's XML declaration
        except CnnCalcError:  # 3-D, or too large to draw: the text says why and what it holds
            return text
        return f'<div class="cnncalc">{picture}{text}</div>'


class SlidingPicture(Picture):
    """A conv, pool or transposed conv: its window over the (padded) input, one frame per output
    position, or the one frame asked for."""

    __slots__ = ("result",)

    def __init__(self, result: WindowFrames) -> None:
        self.result = result

    @property
    def frame_count(self) -> int:
        """Output positions, one frame each (the picture may hold only one of them)."""
        return self.result.frame_count

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def render(self, style: Styler, width: int) -> str:
        """The sizes, the working and the first frame held, drawn with characters when it fits."""
        from cnncalc.render.sliding import caption, check_drawable, sliding_text, working_lines
        from cnncalc.render.text import fit_worked_line
        from cnncalc.render.width import wrap

        pic = self.result
        lines = [
            *wrap(caption(pic), width),
            *(line for text in working_lines(pic) for line in fit_worked_line(text, width)),
            "",
        ]
        try:
            check_drawable(pic)
            fits = pic.grid_size[-1] * 2 + pic.output[-1] * 2 + 8 <= width
        except CnnCalcError:
            fits = False
        frame = pic.frames[0]
        lines += wrap(
            _("frame {index} (of 0 … {last}): output ({where}) reads {cells} cells").format(
                index=frame.index,
                last=pic.frame_count - 1,
                where=", ".join(map(str, frame.output)),
                cells=len(frame.input_cells),
            ),
            width,
        )
        if fits:
            lines += [
                sliding_text(pic, frame),
                *wrap(
                    _("  (o input, · padding or inserted zero, # window; ■ done, @ this cell)"),
                    width,
                    "  ",
                    "   ",
                ),
            ]
        return "\n".join(lines) + "\n"

    @for_python_caller
    def svg(self) -> str:
        from cnncalc.render.sliding import sliding_svg

        return sliding_svg(self.result)

    @for_python_caller
    def html(self) -> str:
        from cnncalc.render.sliding import sliding_html

        return sliding_html(self.result)

    @for_python_caller
    def gif(self) -> bytes:
        """An animated GIF (needs Pillow: `pip install "cnncalc[gif]"`)."""
        from cnncalc.render.gif import sliding_gif

        return sliding_gif(self.result)


def _sliding(
    op: str,
    input: Size,
    kernel: Size,
    stride: Size | None,
    padding: Size,
    dilation: Size,
    dims: Dims | None,
    frame: int | None,
    ceil: bool = False,
    output_padding: Size = 0,
) -> SlidingPicture:
    from cnncalc.arith.frames import window_frames

    return SlidingPicture(
        window_frames(
            op,
            spatial_input(input, dims),
            sizes(kernel, "kernel"),
            optional_sizes(stride, "stride"),
            to_padding(padding),
            sizes(dilation, "dilation", minimum=0),
            flag(ceil, "ceil"),
            sizes(output_padding, "output_padding", minimum=0),
            optional_whole(frame, "frame", minimum=0),
        )
    )


@arguments
def draw_conv(
    *,
    input: Size,
    kernel: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    dims: Dims | None = None,
    frame: int | None = None,
) -> SlidingPicture:
    """A convolution's window sliding over the padded input, one frame per output position, or
    only `frame` (0 = the first): `cnncalc draw conv`.

    >>> draw_conv(input=4, kernel=3).to_dict()["frames"][3]["input_cells"][0]
    [1, 1]
    """
    return _sliding("conv", input, kernel, stride, padding, dilation, dims, frame)


@arguments
def draw_pool(
    *,
    input: Size,
    kernel: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    op: PoolOp = "max",
    ceil: bool = False,
    dims: Dims | None = None,
    frame: int | None = None,
) -> SlidingPicture:
    """A pooling window sliding over the input (the stride defaults to the kernel): `cnncalc draw pool`.

    >>> draw_pool(input=5, kernel=2, ceil=True).frame_count
    9
    """
    ops = {"max": "maxpool", "maxpool": "maxpool", "avg": "avgpool", "avgpool": "avgpool"}
    chosen = ops.get(op.strip().lower()) if isinstance(op, str) else None
    if chosen is None:
        raise UsageError(_("{field} {value!r} is not max or avg"), field="op", value=op)
    return _sliding(chosen, input, kernel, stride, padding, dilation, dims, frame, ceil=ceil)


@arguments
def draw_tconv(
    *,
    input: Size,
    kernel: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    output_padding: Size = 0,
    dims: Dims | None = None,
    frame: int | None = None,
) -> SlidingPicture:
    """A transposed convolution drawn as its equivalent convolution: s − 1 zeros between input
    cells, d·(k − 1) − p around the border, a stride-1 window over that: `cnncalc draw tconv`.

    >>> draw_tconv(input=3, kernel=3, stride=2).to_dict()["output"]
    [7, 7]
    """
    return _sliding(
        "tconv", input, kernel, stride, padding, dilation, dims, frame, output_padding=output_padding
    )


# -- networks -------------------------------------------------------------------------------------


def _walked(found: NetworkSource, shape: tuple[int, ...] | None, form: str) -> NetworkSpec:
    """The network with its input: `shape` given, or the one it states."""
    net_spec = found.spec
    if shape is not None:
        return replaced_input(net_spec, shape)
    if net_spec.input_shape is None:
        if found.imported is not None:
            raise UsageError(
                _(
                    "the network does not say its input size; give {field:input} {form} (its first layer {hint})"
                ),
                form=form,
                hint=found.imported.first_layer_hint,
            )
        raise UsageError(_("the network does not say its input size; give {field:input} {form}"), form=form)
    return net_spec


class FieldPicture(Picture):
    """The input pixels one output unit sees, layer by layer, as nested regions on the input."""

    __slots__ = ("result",)

    def __init__(self, result: RFPicture) -> None:
        self.result = result

    @property
    def receptive_field(self) -> tuple[int, ...]:
        return self.result.receptive_field

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.rf_picture import rf_text

        return rf_text(self.result, width) + "\n"

    @for_python_caller
    def svg(self) -> str:
        from cnncalc.render.rf_picture import rf_svg

        return rf_svg(self.result)

    @for_python_caller
    def html(self) -> str:
        from cnncalc.render.rf_picture import rf_html

        return rf_html(self.result)


@arguments
def draw_rf(
    spec: str | None = None,
    *,
    file: PathArg | None = None,
    preset: str | None = None,
    source: PathArg | None = None,
    class_name: str | None = None,
    input: Size | None = None,
    unit: Size | None = None,
    layer: int | None = None,
) -> FieldPicture:
    """The input pixels one output unit sees, layer by layer: `cnncalc draw rf`.

    The network is given as `net()` takes it (`class_name` chooses the model of a `source` file).
    `input` is N (every axis of the map), HxW (the spec's channels, or 1) or CxHxW, and for a 1-D
    or 3-D network its own number of axes likewise; `unit` the output unit (i, j) to follow
    (default: the centre one) of `layer` (default: the last with a window).

    >>> draw_rf("conv 1 k=3 | conv 1 k=3", input=9).receptive_field
    (5, 5)
    """
    from cnncalc.arith.network_view import network_view
    from cnncalc.arith.rf_regions import rf_regions

    found = required_network(spec, file, preset, source, class_name=class_name)
    shape = None
    if input is not None:
        given = sizes(input, "input")
        own = found.spec.input_shape
        channels, axes = (own[0], len(own) - 1) if own else (1, 2)
        # N is every axis of the network's map, the sizes of its axes take its channels
        shape = (
            (channels, *given * axes)
            if len(given) == 1
            else (channels, *given)
            if len(given) == axes
            else given
        )
    view = network_view(_walked(found, shape, "HxW"))
    return FieldPicture(rf_regions(view, optional_position(unit, "unit"), optional_whole(layer, "layer")))


class NetPicture(Picture):
    """A network as boxes, each layer's output sized by its shape (LeNet/AlexNet style)."""

    __slots__ = ("result",)

    def __init__(self, result: Diagram) -> None:
        self.result = result

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()

    def render(self, style: Styler, width: int) -> str:
        from cnncalc.render.net_diagram import net_text

        return net_text(self.result, width) + "\n"

    @for_python_caller
    def svg(self) -> str:
        from cnncalc.render.net_diagram import net_svg

        return net_svg(self.result)

    @for_python_caller
    def html(self) -> str:
        from cnncalc.render.net_diagram import net_html

        return net_html(self.result)


@arguments
def draw_net(
    spec: str | None = None,
    *,
    file: PathArg | None = None,
    preset: str | None = None,
    source: PathArg | None = None,
    class_name: str | None = None,
    input: Shape | None = None,
    depth: int | None = None,
) -> NetPicture:
    """A diagram of the network, each layer's output a box sized by its shape: `cnncalc draw net`.

    The network and `input` (CxHxW) are given as `net()` takes them. A network with branches is
    drawn as its graph: merges are boxes, each branch runs in a lane of its own, and every box
    lists the boxes it reads; `depth` draws every block or merge nested that deep as one box.

    >>> len(draw_net(preset="lenet-5").to_dict()["boxes"]) > 3
    True
    >>> [b["inputs"] for b in draw_net("input 8x8x8 | add( conv 8 k=3 p=1 )").to_dict()["boxes"]]
    [[], [0], [1, 0]]
    """
    from cnncalc.arith.network_view import network_view
    from cnncalc.render.net_diagram import net_diagram

    shape = input_shape(input) if input is not None else None
    levels = optional_whole(depth, "depth", minimum=1)
    found = required_network(spec, file, preset, source, class_name=class_name, input=input)
    return NetPicture(net_diagram(network_view(_walked(found, shape, "CxHxW")), levels))
