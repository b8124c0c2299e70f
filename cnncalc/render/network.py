"""Text for whole networks: the `net` table, `--explain N`, `check` and `solve`.

The table follows torchinfo's and Keras' `summary()`: one row per layer with its output shape,
parameters and MACs, plus what they leave out for a learner: the receptive field and jump of every
layer, and the activation memory. Totals: trainable parameters and their float32 memory, the
activation memory of one sample, MACs and FLOPs (FLOP = 2·MAC).

Every number comes from the `NetworkResult` of `cnncalc.arith.network.walk`; nothing is
recomputed here. Standard library only, like the calculator's text (see `cnncalc.render.text`):
laying out a 40-row table with rich took longer than the whole cold start of `cnncalc shape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnncalc.arith.errors import UsageError
from cnncalc.arith.layer_spec import SPATIAL
from cnncalc.arith.network import BYTES_PER_FLOAT32, LayerResult, NetworkResult, keeps_shape
from cnncalc.arith.parsing import fmt_axes, fmt_shape
from cnncalc.arith.receptive_field import field_beyond_input
from cnncalc.arith.sizes import AXIS_NAMES
from cnncalc.arith.steps import group_digits, notes_once
from cnncalc.i18n import N_, _, ngettext, translated
from cnncalc.render.row_working import is_shape_step, row_working
from cnncalc.render.text import (
    PLAIN,
    Styler,
    box_table,
    command,
    grid,
    join_blocks,
    json_hint,
    option,
    render_notes,
    render_step,
    table_width,
    width_hint,
)
from cnncalc.render.width import display_width, wrap

if TYPE_CHECKING:  # `net` needs neither the presets' list nor the solvers
    from cnncalc.arith.importer import ImportResult
    from cnncalc.arith.input_sizes import AxisSizes, InputSizes
    from cnncalc.arith.presets import Preset
    from cnncalc.arith.solve import Combo, Solution


def fmt_bytes(n: int) -> str:
    """1536 → '1.5 KiB' (binary units, as memory is allocated)."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def fmt_count(n: int) -> str:
    """5663488 → '5.66M': short enough for a table column; totals print every digit."""
    for div, unit in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n >= div:
            return f"{n / div:.3g}{unit}"
    return str(n)


def _shape(shape: Sequence[int] | None) -> str:
    return fmt_shape(shape) if shape else "?"


def layer_notes(lr: LayerResult) -> list[str]:
    """The notes worth a line under the table: floors, padding splits, implicit flatten.

    Parameter notes (weights-only counting) belong to `--explain`; an axis with the same numbers as
    an earlier one (W of a square layer) would repeat that axis' notes, so only the first says them.
    """
    if lr.shape is None:
        return list(dict.fromkeys(lr.notes))
    seen: set[tuple] = set()
    notes = list(lr.shape.notes)
    for ax in lr.shape.axes:
        numbers = (ax.n, ax.k, ax.s, ax.d, ax.pad)
        if numbers not in seen:
            seen.add(numbers)
            notes += [str(n) for n in ax.notes]
    if lr.params is not None:
        notes += [n for n in lr.params.notes if n not in notes and not _weights_only_note(n)]
    return notes


def _weights_only_note(note: str) -> bool:
    """The note that compares with the course notes' weights-only count (`--explain` says it): it
    quotes their formula, kw·kh·Ci·Co (or Ci·Co for fc), in every language."""
    return "kw·kh·" in note or "Ci·Co" in note


def _wrap(text: str, width: int, indent: str = "", hang: str = "  ") -> list[str]:
    """One paragraph wrapped to `width` display columns, continuation lines indented by `hang` more."""
    return wrap(text, max(width, 30), initial_indent=indent, subsequent_indent=indent + hang) or [""]


NET_HEADERS = ("#", N_("layer"), N_("output"), N_("params"), "MACs", N_("RF / jump"), N_("memory"))
NET_ALIGN = "rlrrrrr"
# the columns a narrow table writes tightly, then leaves out, memory first
RF_COLUMN, MEMORY_COLUMN = 5, 6
TIGHT_HEADERS = {RF_COLUMN: N_("RF/jump")}
# rows whose MACs are unknown along with their parameters when the input's shape is not given
MAC_KINDS = ("conv", "tconv", "fc", "block", "add", "concat")


@dataclass(frozen=True)
class TableLayout:
    """How the `net` table is drawn: the first of `TABLE_LAYOUTS` that fits the width.

    Where the terminal has room, each nesting level indents the layer by two columns and every
    column is there. A deep network in 60 or 80 columns indents by one column a level (the
    hierarchical ids say the depth too), then writes the receptive field and memory without spaces
    (`35/4`, `3.1MiB`), then leaves out the memory column (the output shape × 4 bytes), then the
    receptive field's; a line under the table names what is left out and the width that shows it.
    """

    indent: int  # columns of indent per nesting level
    tight: bool = False  # RF / jump and memory written without spaces
    left_out: tuple[int, ...] = ()  # columns left out


TABLE_LAYOUTS = (
    TableLayout(2),
    TableLayout(1),
    TableLayout(1, tight=True),
    TableLayout(1, tight=True, left_out=(MEMORY_COLUMN,)),
    TableLayout(1, tight=True, left_out=(RF_COLUMN, MEMORY_COLUMN)),
)


@dataclass(frozen=True)
class _TableRow:
    level: int  # nesting levels to indent the layer column by
    cells: list[str]  # every column's cell, the layer's without its indent
    tight: dict[int, str]  # the cells written without spaces, by column


def _table_parts(
    rows: Sequence[_TableRow], layout: TableLayout, is_chain: bool
) -> tuple[list[str], list[list[str]], str]:
    """The headers, cells and alignment of the table drawn in `layout`."""
    keep = [i for i in range(len(NET_HEADERS)) if i not in layout.left_out]
    headers = [
        translated(TIGHT_HEADERS[i] if layout.tight and i in TIGHT_HEADERS else NET_HEADERS[i]) for i in keep
    ]
    cells = []
    for row in rows:
        cells_of_row = list(row.cells)
        cells_of_row[1] = " " * (layout.indent * row.level) + cells_of_row[1]
        if layout.tight:
            for i, cell in row.tight.items():
                cells_of_row[i] = cell
        cells.append([cells_of_row[i] for i in keep])
    # a chain's numbers line up on the right as they always have; hierarchical ids read from the left
    align = NET_ALIGN if is_chain else "l" + NET_ALIGN[1:]
    return headers, cells, "".join(align[i] for i in keep)


def _left_out_note(rows: Sequence[_TableRow], layout: TableLayout, is_chain: bool) -> str:
    """What a narrow table leaves out, and the width at which it is all there."""
    n = table_width(*_table_parts(rows, TABLE_LAYOUTS[2], is_chain), width=0, borders=False)
    if RF_COLUMN in layout.left_out:
        note = _(
            "The RF / jump and memory columns are left out at this width: {wider} shows them, as does {json}."
        )
    else:
        note = _("The memory column is left out at this width: {wider} shows it, as does {json}.")
    return note.format(wider=width_hint(n), json=json_hint())


def _tight_bytes(n: int) -> str:
    """fmt_bytes without its space: 1536 → '1.5KiB'."""
    return fmt_bytes(n).replace(" ", "")


def network_table(
    net: NetworkResult, title: str = "", style: Styler = PLAIN, width: int = 100, depth: int | None = None
) -> str:
    """The torchinfo-style table, its footnotes, the totals, the notes and a pointer to --explain.

    Rows nested in a block or a merge are indented under it; the block's or merge's own row
    carries the totals of what it holds. A row that starts a merge's second (third…) branch starts
    with `; `, as the branches are written. `depth` folds the rows nested deeper (as torchinfo's).
    A table too wide for `width` is drawn tighter (`TableLayout`).

    >>> from cnncalc.arith.network import walk
    >>> print(network_table(walk("input 1x8x8 | conv 2 k=3")).split("\\n\\n")[0])
    #  layer       output  params  MACs  RF / jump  memory
    ──────────────────────────────────────────────────────
       input        1×8×8                    1 / 1   256 B
    1  conv 2 k=3   2×6×6      20   648      3 / 1   288 B
    """
    rows: list[_TableRow] = []
    if net.input_shape:
        cells = ["", "input", _shape(net.input_shape), "", "", "1 / 1", fmt_bytes(net.input_bytes)]
        rows.append(_TableRow(0, cells, {RF_COLUMN: "1/1", MEMORY_COLUMN: _tight_bytes(net.input_bytes)}))
    footnotes: list[str] = []
    starts = branch_starts(net)
    shown = [lr for lr in net.rows if depth is None or lr.depth <= depth]
    for lr in shown:
        text = ("; " if lr.id in starts else "") + lr.describe()
        if lr.claim_holds is False:
            text += " ✗"
        if lr.implicit_flatten:
            text += " †"
            footnotes += _wrap(_("† layer {id}: {note}").format(id=lr.id, note=lr.notes[0]), width)
        cells = [
            lr.id,
            text,
            _shape(lr.output_shape),
            "?"
            if net.counts_unknown(lr)
            else group_digits(lr.total_params)
            if lr.params and (lr.total_params or not lr.is_container)
            else "—",
            "?"
            if net.counts_unknown(lr) and lr.kind in MAC_KINDS
            else fmt_count(lr.macs)
            if lr.macs
            else "—",
            f"{fmt_axes(lr.rf)} / {fmt_axes(lr.jump)}" if lr.rf else "—",
            fmt_bytes(lr.activation_bytes) if lr.output_shape else "?",
        ]
        tight = {
            RF_COLUMN: f"{fmt_axes(lr.rf)}/{fmt_axes(lr.jump)}" if lr.rf else "—",
            MEMORY_COLUMN: _tight_bytes(lr.activation_bytes) if lr.output_shape else "?",
        }
        rows.append(_TableRow(lr.depth - 1, cells, tight))
    is_chain = net.graph.is_chain
    for layout in TABLE_LAYOUTS:  # the first that fits; the last, the narrowest, where none does
        headers, cells, align = _table_parts(rows, layout, is_chain)
        if table_width(headers, cells, align, width=width, borders=False) <= width:
            break
    if layout.left_out:
        footnotes[:0] = _wrap(_left_out_note(rows, layout, is_chain), width, hang="")
    table = box_table(headers, cells, title=title, style=style, align=align, width=width, borders=False)
    notes = [
        _("layer {id}: {note}").format(id=lr.id, note=n)
        for lr in net.layers
        if not lr.implicit_flatten and (depth is None or lr.depth <= depth)
        for n in layer_notes(lr)
    ]
    folded = sum(len(layer_notes(lr)) for lr in net.layers if depth is not None and lr.depth > depth)
    if folded:
        notes.append(
            ngettext(
                "{n} more note about rows folded away: {explain} shows a row's notes",
                "{n} more notes about rows folded away: {explain} shows a row's notes",
                folded,
            ).format(n=folded, explain=option("explain", "ID"))
        )
    notes += list(net.notes)
    notes += [
        _(
            "✗ row {id} ({layer}): the spec claims {claimed}, but it gives {actual}; `{check}` works it through"
        ).format(
            id=lr.id,
            layer=lr.describe(),
            claimed=fmt_shape(lr.claim),
            actual=fmt_shape(lr.output_shape),
            check=command("check", arguments="spec"),
        )
        for lr in net.wrong_claims
    ]
    beyond = field_beyond_input(net)
    if beyond:
        notes.append(beyond)
    if net.graph.is_chain:
        hint = _("Explain a layer: {explain} (1–{n}).").format(
            explain=option("explain", "N"), n=len(net.layers)
        )
    else:
        nested = next(lr for lr in net.rows if lr.depth > 1)
        hint = _("Explain a row, a layer, a merge or a block: {explain} (e.g. {outer} or {inner}).").format(
            explain=option("explain", "ID"), outer=nested.node.path[-1], inner=nested.id
        )
        if depth is None:
            hint += _(" Fold the rows nested deeper than N: {depth} (this network nests {n} deep).").format(
                depth=option("depth", "N"), n=max_depth(net)
            )
    return join_blocks(
        table,
        "\n".join(footnotes),
        totals(net, style, width),
        render_notes(notes, style, width),
        "\n".join(style(line, "dim") for line in _wrap(hint, width, hang="")),
    )


def branch_starts(net: NetworkResult) -> set[str]:
    """The ids of the rows that start a merge's second, third… branch."""
    return {branch[0] for node in net.graph.nodes if node.is_merge for branch in node.branches[1:] if branch}


def max_depth(net: NetworkResult) -> int:
    return max((lr.depth for lr in net.nodes), default=1)


def totals(net: NetworkResult, style: Styler = PLAIN, width: int = 100) -> str:
    """Label, value and what it means, one total a line; every digit printed.

    >>> from cnncalc.arith.network import walk
    >>> print(totals(walk("input 1x4x4 | fc 2")))
    Parameters (trainable)     34
    Parameter memory        136 B  float32: 34 × 4 bytes
    Activation memory         8 B  one sample, forward pass, every layer's output
    MACs                       32
    FLOPs                      64  2 · MACs
    Receptive field             4  input pixels one output unit sees
    """
    if not net.sized:
        return _unsized_totals(net, style, width)
    rows = [
        [
            style(_("Parameters (trainable)"), "bold"),
            style(group_digits(net.total_params), "bold", "green"),
            "",
        ],
    ]
    buffers = net.total_buffers
    if buffers:
        rows.append(
            [
                _("Buffers (not trained)"),
                group_digits(buffers),
                _(
                    "batch norm's running means and variances; Keras' summary() counts them as "
                    "non-trainable params ({n} in all)"
                ).format(n=group_digits(net.total_params + buffers)),
            ]
        )
    rows += [
        [
            _("Parameter memory"),
            fmt_bytes(net.param_bytes),
            _("float32: {n} × {size} bytes").format(n=group_digits(net.total_params), size=BYTES_PER_FLOAT32),
        ],
    ]
    if net.output_shape:
        merges = any(lr.node and lr.node.is_merge for lr in net.nodes)
        rows.append(
            [
                _("Activation memory"),
                fmt_bytes(net.activation_bytes),
                _("one sample, forward pass, every layer's and merge's output")
                if merges
                else _("one sample, forward pass, every layer's output"),
            ]
        )
        rows.append(
            [
                "MACs",
                group_digits(net.total_macs),
                fmt_count(net.total_macs) if net.total_macs >= 1000 else "",
            ]
        )
        rows.append(["FLOPs", group_digits(net.total_flops), "2 · MACs"])
        if net.batch is not None:
            n = net.batch
            rows.append(
                [
                    _("Activation memory ×{n}").format(n=n),
                    fmt_bytes(n * net.activation_bytes),
                    _("the batch of {n} (torchinfo's sizes count the batch)").format(n=n),
                ]
            )
            rows.append([f"MACs ×{n}", group_digits(n * net.total_macs), _("the batch of {n}").format(n=n)])
    if net.receptive_field:
        rows.append(
            [_("Receptive field"), fmt_axes(net.receptive_field), _("input pixels one output unit sees")]
        )
    return grid(rows, "lrl", width=width)


def _unsized_totals(net: NetworkResult, style: Styler, width: int) -> str:
    """The totals of a network whose input shape is not given: what is known, and why the rest is not.

    >>> from cnncalc.arith.network import walk
    >>> print(totals(walk("conv 8 k=3 | gap | fc 10")))
    Parameters (trainable)  ?  the layers' input channels and sizes need 'input CxHxW'
    Receptive field         ?  layer 2 (gap) sees the whole input map, whose size is not known: give
                               --input CxHxW (or start the spec with 'input CxHxW')
    """
    from cnncalc.arith.receptive_field import size_needed, size_needed_text

    has_params = any(net.counts_unknown(lr) for lr in net.layers)
    rows = [
        [
            style(_("Parameters (trainable)"), "bold"),
            style("?" if has_params else "0", "bold", "green"),
            _("the layers' input channels and sizes need 'input CxHxW'") if has_params else "",
        ]
    ]
    whole = size_needed(net)
    if whole is not None and any(lr.layer.kind in SPATIAL for lr in net.layers):
        rows.append([_("Receptive field"), "?", size_needed_text(whole, option("input"))])
    elif net.receptive_field:
        rows.append(
            [_("Receptive field"), fmt_axes(net.receptive_field), _("input pixels one output unit sees")]
        )
    return grid(rows, "lrl", width=width)


def import_header(imported: ImportResult, spec_text: str, style: Styler = PLAIN, width: int = 100) -> str:
    """What `--from` read (and how it decided what it could not see), then the equivalent spec."""
    title = "\n".join(
        style(line, "bold")
        for line in _wrap(
            _("Read {path} without running it: {summary}.").format(
                path=imported.path, summary=imported.summary
            ),
            width,
            hang="",
        )
    )
    notes = render_notes(imported.notes, style, width, title=title) if imported.notes else title
    spec = "\n".join(style(line, "cyan") for line in spec_text.splitlines())
    return join_blocks(
        notes,
        "\n".join(
            wrap(
                _("The same network in the spec language (save it, edit it, run `{command}`):").format(
                    command=command("net", ("file", "FILE", True))
                ),
                width,
            )
        )
        + "\n"
        + spec,
    )


def explain_layer(net: NetworkResult, row: int | str, style: Styler = PLAIN, width: int = 100) -> str:
    """A row's working, grouped: output shape, parameters, MACs, receptive field, notes.

    `row` is a layer's number in a chain, or any row's id (`5`, `5.1.2`): a block's or a merge's
    working shows what it holds, its branches and their shapes, and the totals."""
    lr = find_row(net, str(row))
    if lr.layer is None:
        return _explain_container(net, lr, style, width)
    head = _explain_head(_("Layer {id}: {layer}").format(id=lr.id, layer=lr.describe()), lr, style, width)
    within = _within(net, lr, width)
    blocks = [head, within]
    unknown = not net.sized and not keeps_shape(lr.layer.kind)
    if unknown:
        blocks.append(
            "\n".join(_wrap(translated(UNSIZED_ROW).format(input=option("input", "CxHxW", text=True)), width))
        )
    blocks += _working_blocks(net, lr, style, width)
    if not lr.steps and not unknown:
        blocks.append("\n".join(_wrap(_passthrough(lr), width)))
    blocks.append(render_notes(lr.notes, style, width))
    return join_blocks(*blocks)


def find_row(net: NetworkResult, row: str) -> LayerResult:
    """The row with this id; a usage error that says which ids exist otherwise."""
    row = row.strip()
    if not row:
        raise UsageError(
            _("{field} is empty: give a row's id from the table's first column, e.g. {example}"),
            field="explain",
            example=net.rows[0].id if net.rows else 1,
        )
    for lr in net.nodes:
        if lr.id == row:
            return lr
    if net.graph.is_chain:
        raise UsageError(
            _("{field} {row}: the network has layers 1 to {n}"), field="explain", row=row, n=len(net.layers)
        )
    top = [lr.id for lr in net.rows if lr.depth == 1]
    nested = next(lr.id for lr in net.rows if lr.depth > 1)
    raise UsageError(
        _(
            "{field} {row}: no row {row}; the rows are {first} to {last} and those nested in them "
            "(their ids are in the table's first column, e.g. {nested})"
        ),
        field="explain",
        row=row,
        first=top[0],
        last=top[-1],
        nested=nested,
    )


def _within(net: NetworkResult, lr: LayerResult, width: int = 100) -> str:
    """`in basic 64 (row 5.1), in stage 64 ×2 (row 5)`: where a nested row sits."""
    if lr.node is None or not lr.node.path:
        return ""
    places = [
        _("{container} (row {id})").format(container=net.graph.by_id[c].describe(), id=c)
        for c in reversed(lr.node.path)
    ]
    return "\n".join(_wrap(_("Inside {places}").format(places=_(", inside ").join(places)), width, hang="  "))


def _explain_head(title: str, lr: LayerResult, style: Styler, width: int) -> str:
    """`Layer 4: conv 8 k=3   1×28×28 → 8×26×26`, the shapes on a line of their own when the row
    would not fit the width."""
    lines = [style(line, "bold") for line in _wrap(title, width)]
    if lr.input_shape or lr.output_shape:
        shapes = f"{_shape(lr.input_shape)} → {_shape(lr.output_shape)}"
        if len(lines) == 1 and display_width(f"{title}   {shapes}") <= width:
            lines[0] += f"   {shapes}"
        else:
            lines.append(f"  {shapes}")
    return "\n".join(lines)


def _fit_lines(text: str, width: int, hang: str) -> str:
    """Each line of `text` as it is when it fits, else wrapped with its further lines at `hang`."""
    out = []
    for line in text.split("\n"):
        if display_width(line) <= width:
            out.append(line)
        else:
            indent = line[: len(line) - len(line.lstrip(" "))]
            out += wrap(
                line.strip(), width, initial_indent=indent, subsequent_indent=hang, break_long_words=False
            )
    return "\n".join(out)


def _explain_container(net: NetworkResult, lr: LayerResult, style: Styler, width: int) -> str:
    """A merge: its branches, each with its output, then the merged shape and field; a block: what it
    holds, then its totals."""
    node = lr.node
    head = _explain_head(
        translated(_CONTAINER_TITLES[node.kind]).format(id=lr.id, text=lr.describe()), lr, style, width
    )
    held = [r for r in net.rows if r.node is not None and r.node.path[-1:] == (lr.id,)]
    if node.is_merge:
        lines = []
        for i, ids in enumerate(node.branches):
            source = net.result(node.inputs[i]) if node.inputs[i] != "input" else None
            out = source.output_shape if source is not None else net.input_shape
            what = (
                f"{ids[0]}–{ids[-1]}"
                if len(ids) > 1
                else ids[0]
                if ids
                else _("the identity: the merge's input")
            )
            lines.append(_("  branch {n} ({what}) → {shape}").format(n=i + 1, what=what, shape=_shape(out)))
        listing = style(_("Branches"), "bold") + "\n" + "\n".join(lines)
    else:
        listing = (
            style(_("Holds"), "bold")
            + "\n"
            + _fit_lines(
                grid([[r.id, r.describe(), "→ " + _shape(r.output_shape)] for r in held], "lll", indent="  "),
                width,
                hang=" " * (4 + max(display_width(r.id) for r in held)),
            )
        )
    blocks = [head, _within(net, lr, width), listing]
    if net.counts_unknown(lr):
        blocks.append(
            "\n".join(_wrap(translated(UNSIZED_ROW).format(input=option("input", "CxHxW", text=True)), width))
        )
    blocks += _working_blocks(net, lr, style, width)
    blocks.append(render_notes(lr.notes, style, width))
    return join_blocks(*blocks)


def _working_blocks(net: NetworkResult, lr: LayerResult, style: Styler, width: int) -> list[str]:
    """The row's working, a block per group (`row_working`: the same groups `--json` gives)."""
    return [
        style(group.title, "bold") + "\n" + "\n".join(render_step(s, style, width) for s in group.steps)
        for group in row_working(net, lr)
    ]


UNSIZED_ROW = N_(
    "Without the input's shape, this row's output shape, parameters and MACs are not known: give "
    "{input} (or start the spec with 'input CxHxW')."
)


_CONTAINER_TITLES = {
    "block": N_("Block {id}: {text}"),
    "add": N_("Add {id}: {text}"),
    "concat": N_("Concat {id}: {text}"),
}


def _passthrough(lr: LayerResult) -> str:
    kind = lr.layer.kind
    if kind == "dropout":
        return _(
            "dropout {rate:g}: zeroes that share of values while training; shape and parameters unchanged"
        ).format(rate=lr.layer.rate)
    if kind in ("relu", "leakyrelu", "sigmoid", "tanh", "softmax"):
        return _(
            "{kind}: applied to every value on its own; the shape is unchanged and there are no parameters"
        ).format(kind=kind)
    return _("shape unchanged, no parameters")


def check_report(net: NetworkResult, style: Styler = PLAIN, width: int = 100) -> str:
    """Claimed vs actual for every row that carries a claim, and the working for each wrong one."""
    rows = []
    starts = branch_starts(net)
    for lr in net.rows:
        holds = lr.claim_holds
        mark = "" if holds is None else style("✓", "green") if holds else style("✗", "bold", "red")
        rows.append(
            [
                lr.id,
                "  " * (lr.depth - 1) + ("; " if lr.id in starts else "") + lr.describe(),
                _shape(lr.input_shape),
                fmt_shape(lr.claim) if lr.claim else "",
                _shape(lr.output_shape),
                mark,
            ]
        )
    table = box_table(
        ["#", _("layer"), _("input"), _("claimed"), _("actual"), ""],
        rows,
        style=style,
        align="rlrrrc" if net.graph.is_chain else "llrrrc",
        width=width,
        borders=False,
    )
    claims = [lr for lr in net.rows if lr.claim is not None]
    wrong = net.wrong_claims
    if not claims:
        verdict = "\n".join(
            _wrap(
                _(
                    "No claims to check: write the shape you expect after a layer, e.g. 'conv 8 k=5 -> 8x92x92'."
                ),
                width,
            )
        )
    elif not wrong:
        verdict = style(
            ngettext("All {n} claim hold ✓", "All {n} claims hold ✓", len(claims)).format(n=len(claims)),
            "bold",
            "green",
        )
    else:
        verdict = style(
            ngettext("{wrong} of {n} claim wrong ✗", "{wrong} of {n} claims wrong ✗", len(claims)).format(
                wrong=len(wrong), n=len(claims)
            ),
            "bold",
            "red",
        )
    explanations = [
        "\n".join(_wrap_claim_line(line, width) for line in explain_claim(net, lr, style, width))
        for lr in wrong
    ]
    return join_blocks(table, verdict, *explanations)


def _wrap_claim_line(line: str, width: int) -> str:
    # worked steps arrive already laid out (several lines); sentences are wrapped under their indent
    if "\n" in line:
        return line
    indent = line[: len(line) - len(line.lstrip())]
    return "\n".join(_wrap(line.lstrip(), width, indent=indent))


def explain_claim(net: NetworkResult, lr: LayerResult, style: Styler = PLAIN, width: int = 100) -> list[str]:
    """Why a claimed shape is wrong: the true shape, the formula per axis, where the channels come from."""
    claim, actual = tuple(lr.claim or ()), tuple(lr.output_shape or ())
    shapes = {"claim": fmt_shape(claim), "actual": fmt_shape(actual), "input": _shape(lr.input_shape)}
    if lr.layer is not None:
        head = _("✗ layer {id} ({text}): claimed {claim}, actually {actual} (input {input})")
    else:
        head = _("✗ {kind} {id} ({text}): claimed {claim}, actually {actual} (input {input})")
    lines = [head.format(kind=lr.kind, id=lr.id, text=lr.describe(), **shapes)]
    order = [r.id for r in net.nodes]
    before = order[: order.index(lr.id)]
    earlier = [
        net.result(i) for i in before if net.result(i).output_shape == claim and net.result(i).kind != "block"
    ]
    if earlier:
        e = earlier[-1]
        if e.layer is not None:
            repeats = _(
                "  {claim} is the output of layer {id} ({text}): the claim repeats an earlier layer's shape."
            )
        else:
            repeats = _(
                "  {claim} is the output of {kind} {id} ({text}): the claim repeats an earlier layer's shape."
            )
        lines.append(repeats.format(claim=fmt_shape(claim), kind=e.kind, id=e.id, text=e.describe()))
    if net.batch is not None and claim == (net.batch, *actual):
        lines.append(
            _(
                "  {claim} counts the batch of {batch}: the whole batch is {claim}, but cnncalc's shapes "
                "are one sample's (the batch shows only in the totals); claim {actual}"
            ).format(claim=fmt_shape(claim), batch=net.batch, actual=fmt_shape(actual))
        )
    elif len(actual) > 1 and claim == actual[1:]:
        lines.append(
            _(
                "  {claim} is the layer's {axes} without its channels; cnncalc's shapes start with the "
                "channels (C×{axes}): claim {actual}"
            ).format(claim=fmt_shape(claim), axes="×".join(AXIS_NAMES[len(claim)]), actual=fmt_shape(actual))
        )
    elif len(claim) != len(actual):
        what = (
            "C×H×W" if len(actual) == 3 else _("features") if len(actual) == 1 else _("C and spatial sizes")
        )
        lines.append(
            _("  the claim has {n} sizes but the layer outputs {m} ({what})").format(
                n=len(claim), m=len(actual), what=what
            )
        )
    elif len(actual) == 1 and claim != actual:
        lines.append(_("  features: {actual}, not {claim}").format(actual=actual[0], claim=claim[0]))
    elif len(actual) > 1 and claim == (*actual[1:], actual[0]):
        lines.append(
            _(
                "  {claim} is the same shape written {axes}×C (channels last, as Keras writes it); "
                "cnncalc writes C first, as PyTorch does: {actual}"
            ).format(
                claim=fmt_shape(claim),
                axes="×".join(("D", "H", "W")[-len(claim) + 1 :]),
                actual=fmt_shape(actual),
            )
        )
    elif claim and claim[0] != actual[0]:
        lines.append(
            _("  channels: {actual}, not {claim}; {origin}").format(
                actual=actual[0], claim=claim[0], origin=_channel_origin(net, lr)
            )
        )
    for step in notes_once(lr.steps):
        if is_shape_step(step.label) or step.label == "C_out":
            lines.append(render_step(step, style, width, indent="  "))
    return lines


def _channel_origin(net: NetworkResult, lr: LayerResult) -> str:
    """Where a row's channels come from: back along its first input to the conv or fc that set them."""
    x: LayerResult | None = lr
    while x is not None:
        if x.kind in ("conv", "tconv"):
            if x is lr:
                return _("this {kind} has {n} filters").format(kind=x.kind, n=x.layer.units)
            return _(
                "layer {id} ({text}) made {n} channels, and the layers after it keep the channel count"
            ).format(id=x.id, text=x.describe(), n=x.layer.units)
        if x.kind == "fc":
            return _("layer {id} ({text}) outputs {n} features").format(
                id=x.id, text=x.describe(), n=x.layer.units
            )
        if x.kind == "concat":
            return _("concat {id} joins its branches' channels").format(id=x.id)
        source = x.node.output if x.kind == "block" else x.node.inputs[0]
        x = net.result(source) if source != "input" else None
    return _("the input has {n} channels and no conv changes them").format(
        n=net.input_shape[0] if net.input_shape else "?"
    )


def presets_table(
    presets: Sequence[Preset], totals_by_name: dict[str, int], style: Styler = PLAIN, width: int = 100
) -> str:
    rows = [[p.name, group_digits(totals_by_name[p.name]), translated(p.description)] for p in presets]
    table = box_table(
        [_("preset"), _("parameters"), _("description")],
        rows,
        style=style,
        align="lrl",
        width=width,
        borders=False,
    )
    return join_blocks(
        table, style(_("Show one: {command}").format(command=command("net", ("preset", "NAME", True))), "dim")
    )


def solution_view(sol: Solution, style: Styler = PLAIN, width: int = 100) -> str:
    """The answer on the first line, then the working that finds it and checks it."""
    answer = {
        k: v
        for k, v in sol.answer.items()
        if k not in ("strides", "kernels", "stride_range", "kernel_range", "stride_unbounded")
    }
    if sol.possible:
        head = style(f"{sol.problem}: ", "bold") + style(
            ", ".join(f"{k} = {_answer(v)}" for k, v in answer.items()), "bold", "green"
        )
    else:
        head = style(_("{problem}: no solution").format(problem=sol.problem), "bold", "red")
    working = "\n".join(render_step(s, style, width) for s in sol.steps)
    return head + "\n" + join_blocks(working, render_notes(sol.notes, style, width))


def _answer(v: object) -> str:
    if isinstance(v, list) and len(v) == 2:
        return _("{before} before, {after} after").format(before=v[0], after=v[1])
    return str(v)


def combos_table(
    combos: Sequence[Combo],
    n: int,
    target: int,
    max_kernel: int = 7,
    max_stride: int = 4,
    style: Styler = PLAIN,
    width: int = 100,
) -> str:
    if not combos:
        return (
            "\n".join(
                _wrap(
                    _(
                        "No conv with kernel ≤ {k}, stride ≤ {s} and padding ≤ k/2 maps {n} to {target}."
                    ).format(k=max_kernel, s=max_stride, n=n, target=target),
                    width,
                )
            )
            + "\n"
        )
    rows = []
    for c in combos:
        span = n + 2 * c.padding - c.kernel
        working = (
            f"⌊({n} + 2·{c.padding} − {c.kernel})/{c.stride}⌋ + 1 = ⌊{span}/{c.stride}⌋ + 1 = {c.output}"
        )
        rows.append(
            [
                str(c.kernel),
                str(c.stride),
                str(c.padding),
                working,
                _("yes") if c.exact else _("no, {n} left over").format(n=span % c.stride),
            ]
        )
    table = box_table(
        ["k", "s", "p", _("working"), _("every row covered")],
        rows,
        title=_("{n} → {target}: small (k, s, p)").format(n=n, target=target),
        style=style,
        align="rrrll",
        width=width,
        borders=False,
    )
    return table + "\n"


def input_sizes_view(result: InputSizes, title: str = "", style: Styler = PLAIN, width: int = 100) -> str:
    """Per axis the sizes accepted (as runs), why the nearest refused ones fail, the given input's
    fate, and with a target the sizes that give it."""
    from cnncalc.arith.network import walk

    spec = result.spec
    c = spec.input_shape[0]
    if title:
        head = ngettext(
            "Input sizes {name} accepts, per axis ({c} channel; tried 1 to {limit:,})",
            "Input sizes {name} accepts, per axis ({c} channels; tried 1 to {limit:,})",
            c,
        )
    else:
        head = ngettext(
            "Input sizes the network accepts, per axis ({c} channel; tried 1 to {limit:,})",
            "Input sizes the network accepts, per axis ({c} channels; tried 1 to {limit:,})",
            c,
        )
    head = head.format(name=title.split(":")[0], c=spec.input_shape[0], limit=result.limit)
    head = "\n".join(style(line, "bold") for line in _wrap(head, width, hang=""))
    lines = [
        _wrap_axis_line(
            _axis_line(ax, ax.accepted, _("no size from 1 to {limit:,}").format(limit=result.limit)), width
        )
        for ax in _distinct(result)
    ]
    refusals = [
        _("{n:,} on {axis}: {why}").format(n=n, axis=ax.axis, why=why)
        for ax in _distinct(result)
        for n, why in sorted(ax.refused.items())
    ]
    blocks = [
        head,
        "\n".join(lines),
        render_notes(refusals, style, width, title=_("The nearest sizes refused")),
    ]
    given = fmt_shape(spec.input_shape)
    if result.given_accepted:
        net = walk(spec)
        last = net.result(result.last_node) if result.last_node != "input" else None
        if last is not None:
            accepted = _("Your input {input}: accepted ✓, last map {shape} (row {id})").format(
                input=given, shape=_shape(last.output_shape), id=last.id
            )
        else:
            accepted = _("Your input {input}: accepted ✓").format(input=given)
        blocks.append("\n".join(style(line, "green") for line in _wrap(accepted, width)))
        if result.target is None and result.weights_fix_the_last_map:
            reader = net.result(result.reader)
            last_shape = last.output_shape if last is not None else spec.input_shape
            note = _(
                "Layer {id} ({text}) reads the last map whole, so the fc weights of a model built for "
                "{input} (PyTorch's nn.Linear, Keras' Dense) fit only a last map of {shape}: such a "
                "model takes only the sizes that {output} lists."
            ).format(
                id=reader.id,
                text=reader.describe(),
                input=given,
                shape=_shape(last_shape),
                output=option("output", "x".join(map(str, last_shape[1:])), text=True),
            )
            blocks.append(render_notes([note], style, width))
    else:
        refused = _("Your input {input}: refused ✗").format(input=given)
        blocks.append("\n".join(style(line, "bold", "red") for line in _wrap(refused, width)))
    if result.target is not None:
        wanted = [
            _wrap_axis_line(_axis_line(ax, ax.wanted or (), _("no size gives it")), width)
            for ax in _distinct(result, True)
        ]
        if result.possible:
            example = fmt_shape((spec.input_shape[0], *(ax.wanted[0] for ax in result.axes)))
            target = _("A last map of {target} (row {id}) (e.g. {example}):")
        else:
            example, target = "", _("A last map of {target} (row {id}):")
        target = target.format(target=fmt_shape(result.target), id=result.last_node, example=example)
        blocks.append("\n".join([*(style(line, "bold") for line in _wrap(target, width)), *wanted]))
    return join_blocks(*blocks)


def _distinct(result: InputSizes, wanted: bool = False) -> list[AxisSizes]:
    """The axes, those with the same answer as an earlier one folded into it ('H and W')."""
    from dataclasses import replace

    groups: dict[tuple, list[AxisSizes]] = {}
    for ax in result.axes:
        groups.setdefault(ax.wanted if wanted else ax.accepted, []).append(ax)
    out = []
    for axes in groups.values():
        names = [ax.axis for ax in axes]
        label = (
            names[0]
            if len(names) == 1
            else _("{axes} and {last}").format(axes=", ".join(names[:-1]), last=names[-1])
        )
        out.append(replace(axes[0], axis=label))
    return out


def _wrap_axis_line(line: str, width: int) -> str:
    """An axis' line ('  H and W: …') wrapped, its further lines under the sizes."""
    return "\n".join(_wrap(line.strip(), width, indent="  "))


def _axis_line(ax: AxisSizes, sizes, none: str) -> str:
    from cnncalc.arith.input_sizes import runs

    if not sizes:
        return _("  {axis}: {sizes}").format(axis=ax.axis, sizes=none)
    parts = []
    for first, last, step in runs(sizes):
        if first == last:
            parts.append(f"{first:,}")
        elif step == 1:
            parts.append(_("every size from {first:,} to {last:,}").format(first=first, last=last))
        else:
            # {step} is the step as a number, for languages that say "every 3 sizes" (每 3 个)
            parts.append(
                _("every {ordinal} size from {first:,} to {last:,} ({first}, {second}, …)").format(
                    ordinal=_ordinal(step), step=step, first=first, last=last, second=first + step
                )
            )
    return _("  {axis}: {sizes}").format(axis=ax.axis, sizes=_("; ").join(parts))


def _ordinal(n: int) -> str:
    return {2: _("2nd"), 3: _("3rd")}.get(n) or _("{n}th").format(n=n)
