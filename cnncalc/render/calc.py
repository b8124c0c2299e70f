"""Text for the calculator commands (`shape`, `params`, `rf`): tables, then the working, then notes.

Standard library only; see `cnncalc.render.text` for why these commands do not use rich.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cnncalc.arith.parsing import fmt_axes, fmt_shape
from cnncalc.arith.steps import Step, group_digits, notes_once
from cnncalc.i18n import N_, _, translated
from cnncalc.render.text import PLAIN, Styler, box_table, join_blocks, render_notes, render_step, table_width
from cnncalc.render.width import wrap

if TYPE_CHECKING:  # the network walk is only needed by `rf`; keep `shape` start-up lean
    from cnncalc.arith.layer import ChannelCost, LayerParams
    from cnncalc.arith.network import NetworkResult
    from cnncalc.arith.receptive_field import RFRow
    from cnncalc.arith.sizes import ShapeResult

OP_NAMES = {
    "conv": N_("convolution"),
    "maxpool": N_("max pooling"),
    "avgpool": N_("average pooling"),
    "tconv": N_("transposed convolution"),
}


def _pad_text(pad: tuple[int, int]) -> str:
    return str(pad[0]) if pad[0] == pad[1] else f"{pad[0]}+{pad[1]}"


def render_shape(cost: ChannelCost, style: Styler = PLAIN, width: int = 100) -> str:
    """The summary line, a per-axis table, the worked formula of every axis, parameters and cost
    when the layer has channels, and teaching notes."""
    res = cost.shape
    working, axis_notes = _axes_working(res, style, width)
    blocks = [
        "\n".join(wrap(_shape_title(cost, style), width)),
        _axes_table(res, style, width),
        style(_("Working"), "bold") + "\n" + working,
    ]
    if cost.params is not None or cost.cost_steps:
        steps = [*(cost.params.steps if cost.params else ()), *cost.cost_steps]
        blocks.append(
            style(_("Parameters"), "bold") + "\n" + "\n".join(render_step(s, style, width) for s in steps)
        )
    notes = [*res.notes, *axis_notes, *(cost.params.notes if cost.params else ())]
    blocks.append(render_notes(notes, style, width))
    return join_blocks(*blocks)


def _shape_title(cost: ChannelCost, style: Styler) -> str:
    res = cost.shape
    head_in, head_out = fmt_shape(res.input), fmt_shape(res.output)
    if cost.channels:
        head_in = f"{cost.channels[0]}×{head_in}"
        head_out = f"{cost.channels[1]}×{head_out}"
    title = _("{op} ({dims}-D): {input} → {output}").format(
        op=translated(OP_NAMES[res.op]),
        dims=len(res.input),
        input=head_in,
        output=style(head_out, "bold", "green"),
    )
    if res.padding_mode:
        title += _(" (padding '{mode}')").format(mode=res.padding_mode)
    if res.ceil:
        title += _(" (ceil mode)")
    return title


def _axes_table(res: ShapeResult, style: Styler, width: int = 100) -> str:
    headers = [_("axis"), _("input"), _("kernel"), _("stride"), _("padding"), _("dilation")]
    if res.op == "tconv":
        headers.append(_("out pad"))
    headers.append(_("output"))
    rows = []
    for i, ax in enumerate(res.axes):
        row: list[object] = [ax.axis, ax.n, ax.k, ax.s, _pad_text(ax.pad), ax.d]
        if res.op == "tconv":
            row.append(res.output_padding[i])
        row.append(ax.out)
        rows.append(row)
    # a terminal too narrow for the borders (60 columns, a transposed conv's 8 columns) gets the
    # table without them, as `net` draws its own
    align = "l" + "r" * (len(headers) - 1)
    borders = table_width(headers, rows, align) <= width
    return box_table(headers, rows, style=style, align=align, width=width, borders=borders)


def _axes_working(res: ShapeResult, style: Styler, width: int) -> tuple[str, list[str]]:
    """Every axis' worked formula and its notes; alike axes are worked once and said together."""
    if not res.alike:
        working = "\n".join(
            render_step(s, style, width) for s in notes_once(s for a in res.axes for s in a.steps)
        )
        return working, [str(n) for a in res.axes for n in a.notes]
    first = res.axes[0]
    names = res.axes[0].axis
    for a in res.axes[1:]:
        names = _("{first} and {second}").format(first=names, second=a.axis)
    working = "\n".join(render_step(s, style, width) for s in first.steps)
    working += "\n  " + _("({axes} alike: the same numbers on every axis)").format(
        axes=", ".join(a.axis + "_out" for a in res.axes[1:])
    )
    return working, [n.labelled(names) for n in first.notes]


def render_params(result: LayerParams, style: Styler = PLAIN, width: int = 100) -> str:
    """The parameter count as a table, every step of the working, then the notes."""
    pc = result.params
    rows = [
        [_("weights"), group_digits(pc.weights)],
        [_("biases"), group_digits(pc.biases)],
        [_("total"), group_digits(pc.total)],
    ]
    table = box_table(["", _("count")], rows, style=style)
    working = "\n".join(render_step(s, style, width) for s in result.steps)
    return join_blocks(
        "\n".join(
            wrap(
                _("{layer}: {total} parameters").format(
                    layer=_params_title(result), total=style(group_digits(pc.total), "bold", "green")
                ),
                width,
            )
        ),
        table,
        style(_("Working"), "bold") + "\n" + working,
        render_notes(result.all_notes, style, width),
    )


def _params_title(result: LayerParams) -> str:
    """`conv 3 → 64, kernel 3×3, input 3×224×224 → 64×224×224`, `fully connected 576 → 64`."""
    if result.kernel is None:
        return _("fully connected {cin} → {cout}").format(cin=result.cin, cout=result.cout)
    values = {"cin": result.cin, "cout": result.cout, "kernel": fmt_shape(result.kernel)}
    if result.kind == "tconv":
        title = _("transposed conv {cin} → {cout}, kernel {kernel}").format(**values)
    else:
        title = _("conv {cin} → {cout}, kernel {kernel}").format(**values)
    if result.groups > 1:
        title += _(", groups {groups}").format(groups=result.groups)
    if result.shape is not None:
        res = result.shape
        title += _(", input {input} → {output}").format(
            input=f"{result.cin}×{fmt_shape(res.input)}", output=f"{result.cout}×{fmt_shape(res.output)}"
        )
    return title


def render_rf(
    rf: tuple[int, ...],
    rows: Sequence[RFRow],
    net: NetworkResult,
    style: Styler = PLAIN,
    width: int = 100,
    path: Sequence[str] = (),
) -> str:
    """Back-recursion from the last layer to the first, then the forward view (RF, jump, start).

    Through a graph the back-recursion follows the path that sets the field (the widest of the
    paths from the input); the title names it, and the forward view shows every row."""
    title = _("Receptive field: {rf}").format(rf=style(fmt_axes(rf), "bold", "green"))
    if len(set(rf)) == 1 and len(rf) > 1:
        title += _(" ({pixels} input pixels)").format(pixels="×".join(str(v) for v in rf))
    graph_notes = [] if net.graph.is_chain else _path_notes(rf, rows, net, path)
    back = box_table(
        ["#", _("layer"), "k", "s", "d", "RF_{i+1}", "RF_i"],
        [
            [r.id or r.number, r.text, *(fmt_axes(v) for v in (r.k, r.s, r.d, r.rf_out, r.rf_in))]
            for r in rows
        ],
        title=_("Back-recursion, last layer first: {formula}").format(
            formula="RF_i = (RF_{i+1} − 1)·s_i + d_i·(k_i − 1) + 1"
        ),
        style=style,
        width=width,
    )
    working = []
    for r in rows:
        # axes with identical numbers need one line, not one per axis
        shown = r.steps if len({s.substituted for s in r.steps}) > 1 else r.steps[:1]
        for s in shown:
            label = _("layer {layer} {label}").format(
                layer=r.id or r.number, label=s.label if len(shown) > 1 else "RF"
            )
            working.append(render_step(Step(label, s.formula, s.substituted, s.value, s.why), style, width))
    shapes = net.input_shape is not None
    forward = box_table(
        ["#", _("layer")] + ([_("output")] if shapes else []) + ["RF", _("jump"), _("start")],
        [
            [lr.id, "  " * (lr.depth - 1) + lr.describe()]
            + ([fmt_shape(lr.output_shape) if lr.output_shape else ""] if shapes else [])
            + [fmt_axes(v) if v else "?" for v in (lr.rf, lr.jump, lr.start)]
            for lr in net.rows
        ],
        title=_("Forward view: jump = distance between neighbouring units, start = centre of the first unit"),
        style=style,
        width=width,
    )
    notes = [
        _(
            "One unit after the last layer sees RF_1 input pixels per axis; padding does not change the size, "
            "only where the window sits (start)."
        ),
        *graph_notes,
        *net.notes,
    ]
    return join_blocks(
        title,
        back,
        style(_("Working"), "bold") + "\n" + "\n".join(working),
        forward,
        render_notes(notes, style, width),
    )


def _path_notes(
    rf: tuple[int, ...], rows: Sequence[RFRow], net: NetworkResult, path: Sequence[str]
) -> list[str]:
    """Which path sets the field, and what the forward view's union says where they differ."""
    merges = [i for i in path if net.result(i).kind in ("add", "concat")]
    rows_path = " → ".join(path)
    if merges:
        note = _(
            "The field is the largest over the paths from the input; the widest runs through rows "
            "{path}, through {merges}: the table above follows it."
        ).format(path=rows_path, merges=", ".join(f"{net.result(i).kind} {i}" for i in merges))
    else:
        note = _(
            "The field is the largest over the paths from the input; the widest runs through rows "
            "{path}: the table above follows it."
        ).format(path=rows_path)
    notes = [note]
    widest = rows[-1].rf_in if rows else None
    if widest is not None and tuple(widest) != tuple(rf):
        notes.append(
            _(
                "That path alone sees {widest}: where branches are centred differently the union of "
                "their fields is wider than any one path's, {rf} here (the forward view below)."
            ).format(widest=fmt_axes(widest), rf=fmt_axes(rf))
        )
    return notes
