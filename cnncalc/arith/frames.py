"""Where the window reads, frame by frame: the geometry behind conv_arithmetic's animations.

One frame per output position, in row-major order. Each frame lists the cells its window reads,
in coordinates of the drawn grid: the padded input, row 0 = the first padding row. The sizes
come from `layer_output` (one formula, one place); this module only places the windows.

conv and pools: output position o (per axis) reads the padded cells

    o·s + t·d,   t = 0 … k − 1

A ceil-mode pool's last window may hang past the padded input; it reads only the cells that exist.

Transposed convolution, drawn as conv_arithmetic draws it (Dumoulin & Visin, "A guide to
convolution arithmetic", §4): the same output as a stride-1 convolution (kernel flipped) over
the input with s − 1 zeros inserted between neighbouring cells and q = d·(k − 1) − p zeros at
each border (output_padding more after). The grid has (n − 1)·s + 1 + 2q + op cells, and

    out = (n − 1)·s + 1 + 2q + op − d·(k − 1) = (n − 1)·s − 2p + d·(k − 1) + op + 1,

the transposed size formula. When p > d·(k − 1), q is negative: the border is cropped instead.

>>> pic = window_frames("conv", (4, 4), 3)
>>> pic.frame_count, pic.frames[1].input_cells[:3]
(4, ((0, 1), (0, 2), (0, 3)))
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.sizes import ShapeResult, layer_output
from cnncalc.arith.steps import Step
from cnncalc.i18n import _, ngettext

# An animation with more frames than this is no longer something a learner watches; a still
# (one frame) is always possible. Listed window reads bound the time and memory of one answer.
MAX_FRAMES = 1024
MAX_WINDOW_READS = 250_000


@dataclass(frozen=True)
class AxisGrid:
    """One axis of the drawn grid: where the input cells sit and how the window moves along it.

    conv/pool: `size` = n + p_before + p_after, input cell i at `start + i` (start = p_before).
    tconv: input cell i at `start + i·spacing` (spacing = s: s − 1 inserted zeros), start = q.
    """

    axis: str
    n: int
    size: int
    start: int
    spacing: int
    kernel: int
    dilation: int
    step: int
    out: int

    def input_index(self, cell: int) -> int | None:
        """Which input cell sits at grid position `cell`, or None for padding and inserted zeros.

        >>> AxisGrid("H", 3, 9, 2, 2, 3, 1, 1, 7).input_index(4)
        1
        """
        offset = cell - self.start
        if offset < 0 or offset % self.spacing or offset // self.spacing >= self.n:
            return None
        return offset // self.spacing

    def window(self, o: int) -> tuple[int, ...]:
        """Grid cells the window of output position `o` covers: o·step + t·d (some may lie past
        the grid for a ceil-mode pool)."""
        return tuple(o * self.step + t * self.dilation for t in range(self.kernel))

    def to_dict(self) -> dict:
        return {
            "axis": self.axis,
            "input": self.n,
            "size": self.size,
            "input_start": self.start,
            "input_spacing": self.spacing,
            "kernel": self.kernel,
            "dilation": self.dilation,
            "stride": self.step,
            "output": self.out,
        }


@dataclass(frozen=True)
class Frame:
    """Output position `output` (one index per axis) and the grid cells its window reads."""

    index: int
    output: tuple[int, ...]
    origin: tuple[int, ...]
    input_cells: tuple[tuple[int, ...], ...]

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "output": list(self.output),
            "input_cells": [list(c) for c in self.input_cells],
        }


@dataclass(frozen=True)
class WindowFrames:
    """The picture of one layer: its sizes (`shape`), the drawn grid per axis, and its frames
    (all of them, or the one asked for)."""

    op: str
    shape: ShapeResult
    grid: tuple[AxisGrid, ...]
    frame_count: int
    frames: tuple[Frame, ...]
    equivalence: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def output(self) -> tuple[int, ...]:
        return self.shape.output

    @property
    def grid_size(self) -> tuple[int, ...]:
        return tuple(g.size for g in self.grid)

    @property
    def window_cells(self) -> int:
        return prod(g.kernel for g in self.grid)

    def is_still(self) -> bool:
        return len(self.frames) == 1 and self.frame_count > 1

    def to_dict(self) -> dict:
        data = {
            "op": self.op,
            "input": list(self.shape.input),
            "output": list(self.output),
            "kernel": list(self.shape.kernel),
            "stride": list(self.shape.stride),
            "dilation": list(self.shape.dilation),
            "padding": [list(p) for p in self.shape.padding],
            "padding_mode": self.shape.padding_mode,
            "ceil": self.shape.ceil,
            "output_padding": list(self.shape.output_padding),
            "grid": [g.to_dict() for g in self.grid],
            "frame_count": self.frame_count,
            "frames": [f.to_dict() for f in self.frames],
            "steps": [s.to_dict() for s in self.shape.steps],
        }
        if self.equivalence:
            data["equivalence"] = [s.to_dict() for s in self.equivalence]
        data["notes"] = list(self.shape.all_notes + self.notes)
        return data


def window_frames(
    op: str,
    input_size: tuple[int, ...],
    kernel: tuple[int, ...] | int,
    stride: tuple[int, ...] | int | None = None,
    padding: str | int | tuple[int, ...] | tuple[tuple[int, int], ...] = 0,
    dilation: tuple[int, ...] | int = 1,
    ceil: bool = False,
    output_padding: tuple[int, ...] | int = 0,
    frame: int | None = None,
    max_frames: int = MAX_FRAMES,
) -> WindowFrames:
    """Every frame of a conv, pool or transposed conv (or only frame number `frame`).

    Arguments are `layer_output`'s. More than `max_frames` frames, or more than
    `MAX_WINDOW_READS` listed cells, is refused with a pointer to a single frame.

    >>> window_frames("maxpool", (4, 4), 2).frames[3].input_cells
    ((2, 2), (2, 3), (3, 2), (3, 3))
    """
    shape = layer_output(op, input_size, kernel, stride, padding, dilation, ceil, output_padding)
    grid = tuple(
        _axis_grid(a, op, op_pad) for a, op_pad in zip(shape.axes, shape.output_padding, strict=True)
    )
    count = prod(shape.output)
    window = prod(g.kernel for g in grid)
    if frame is None:
        if count > max_frames:
            raise CnnCalcError(
                _(
                    "this layer has {count} output positions, more than the {most} frames a picture "
                    "shows; draw one of them with {field} N (0 … {last}), or use a smaller input"
                ),
                field="frame",
                count=f"{count:,}",
                most=f"{max_frames:,}",
                last=f"{count - 1:,}",
            )
        if count * window > MAX_WINDOW_READS:
            raise CnnCalcError(
                _(
                    "{count} frames of a {window}-cell window are {cells} cells to list, more than "
                    "{most}; draw one frame with {field} N (0 … {last}) or use a smaller kernel"
                ),
                field="frame",
                count=f"{count:,}",
                window=f"{window:,}",
                cells=f"{count * window:,}",
                most=f"{MAX_WINDOW_READS:,}",
                last=f"{count - 1:,}",
            )
        indices = range(count)
    else:
        if not 0 <= frame < count:
            raise UsageError(
                _("{field} {frame} is not a frame of this layer: it has {count} (0 … {last})"),
                field="frame",
                frame=frame,
                count=f"{count:,}",
                last=f"{count - 1:,}",
            )
        if window > MAX_WINDOW_READS:
            raise CnnCalcError(
                _(
                    "the window covers {cells} cells, more than the {most} a picture lists; use a smaller kernel"
                ),
                cells=f"{window:,}",
                most=f"{MAX_WINDOW_READS:,}",
            )
        indices = range(frame, frame + 1)
    frames = tuple(_frame(i, shape.output, grid) for i in indices)
    equivalence = (
        tuple(s for g, a in zip(grid, shape.axes, strict=True) for s in _tconv_steps(g, a))
        if op == "tconv"
        else ()
    )
    notes: tuple[str, ...] = ()
    if op == "tconv":
        notes = (
            _(
                "A transposed convolution equals a stride-1 convolution with the kernel flipped, over the input "
                "with s − 1 zeros inserted between neighbouring cells and d·(k − 1) − p zeros at each border "
                "(output_padding more after); the picture draws that convolution."
            ),
        )
    return WindowFrames(op, shape, grid, count, frames, equivalence, notes)


def output_position(index: int, output: tuple[int, ...]) -> tuple[int, ...]:
    """Frame `index` in row-major order → the output position it computes.

    >>> output_position(5, (3, 4))
    (1, 1)
    """
    position = []
    for size in reversed(output):
        index, r = divmod(index, size)
        position.append(r)
    return tuple(reversed(position))


def _frame(index: int, output: tuple[int, ...], grid: tuple[AxisGrid, ...]) -> Frame:
    position = output_position(index, output)
    per_axis = [tuple(c for c in g.window(o) if c < g.size) for g, o in zip(grid, position, strict=True)]
    cells: list[tuple[int, ...]] = [()]
    for axis_cells in per_axis:
        cells = [c + (x,) for c in cells for x in axis_cells]
    origin = tuple(o * g.step for g, o in zip(grid, position, strict=True))
    return Frame(index, position, origin, tuple(cells))


def _axis_grid(a, op: str, op_pad: int) -> AxisGrid:
    if op != "tconv":
        pb, pa = a.pad
        return AxisGrid(a.axis, a.n, a.n + pb + pa, pb, 1, a.k, a.d, a.s, a.out)
    border = a.d * (a.k - 1) - a.pad[0]
    size = (a.n - 1) * a.s + 1 + 2 * border + op_pad
    return AxisGrid(a.axis, a.n, size, border, a.s, a.k, a.d, 1, a.out)


def _tconv_steps(g: AxisGrid, a) -> tuple[Step, ...]:
    """The equivalence, worked on one axis: zeros between, border, and the same output size."""
    name = g.axis
    op_pad = g.size - ((g.n - 1) * g.spacing + 1 + 2 * g.start)
    q = g.start
    if q >= 0:
        border_why = ngettext(
            "{q} zero at each border of the stretched input",
            "{q} zeros at each border of the stretched input",
            q,
        ).format(q=q)
    else:
        border_why = _(
            "negative: {cropped} cells are cropped from each border (the padding p = {p} is more than d(k − 1))"
        ).format(cropped=-q, p=a.pad[0])
    return (
        Step(
            _("{axis}: zeros between cells").format(axis=name),
            "s − 1",
            f"{g.spacing} − 1",
            g.spacing - 1,
            why=_("the {n} input cells are spread {s} apart: (n − 1)·s + 1 = {cells} cells").format(
                n=g.n, s=g.spacing, cells=(g.n - 1) * g.spacing + 1
            ),
        ),
        Step(
            _("{axis}: border padding q").format(axis=name),
            "d(k − 1) − p",
            f"{g.dilation}·({g.kernel} − 1) − {a.pad[0]}",
            q,
            why=border_why,
        ),
        Step(
            f"{name}_out",
            "(n − 1)·s + 1 + 2q + output_padding − d(k − 1)",
            f"({g.n} − 1)·{g.spacing} + 1 + 2·{q} + {op_pad} − {g.dilation}·({g.kernel} − 1)",
            g.size - g.dilation * (g.kernel - 1),
            why=_("a stride-1 window over the {size} grid cells: the transposed formula's {out}").format(
                size=g.size, out=a.out
            ),
        ),
    )
