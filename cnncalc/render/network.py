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

import re
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import BYTES_PER_FLOAT32, LayerResult, NetworkResult
from cnncalc.arith.params import flops_step
from cnncalc.arith.parsing import fmt_axes, fmt_shape
from cnncalc.arith.receptive_field import field_beyond_input
from cnncalc.arith.steps import Step, group_digits, notes_once
from cnncalc.render.text import PLAIN, Styler, box_table, grid, join_blocks, render_notes, render_step

if TYPE_CHECKING:  # `net` needs neither the presets' list nor the solvers
    from cnncalc.arith.importer import ImportResult
    from cnncalc.arith.input_sizes import AxisSizes, InputSizes
    from cnncalc.arith.presets import Preset
    from cnncalc.arith.solve import Combo, Solution

_SHAPE_LABELS = re.compile(r"^([LDHW]_out|p_[LDHW].*|features|output)$")
_PARAM_LABELS = ("weights", "biases", "total", "parameters")


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
        notes += [n for n in lr.params.notes if n not in notes and not n.startswith("Course notes")]
    return notes


def _wrap(text: str, width: int, indent: str = "", hang: str = "  ") -> list[str]:
    """One paragraph wrapped to `width`, continuation lines indented by `hang` more."""
    return textwrap.wrap(text, max(width, 30), initial_indent=indent, subsequent_indent=indent + hang) or [""]


NET_HEADERS = ("#", "layer", "output", "params", "MACs", "RF / jump", "memory")
NET_ALIGN = "rlrrrrr"


def network_table(
    net: NetworkResult, title: str = "", style: Styler = PLAIN, width: int = 100, depth: int | None = None
) -> str:
    """The torchinfo-style table, its footnotes, the totals, the notes and a pointer to --explain.

    Rows nested in a block or a merge are indented under it; the block's or merge's own row
    carries the totals of what it holds. A row that starts a merge's second (third…) branch starts
    with `; `, as the branches are written. `depth` folds the rows nested deeper (as torchinfo's).

    >>> from cnncalc.arith.network import walk
    >>> print(network_table(walk("input 1x8x8 | conv 2 k=3")).split("\\n\\n")[0])
    #  layer       output  params  MACs  RF / jump  memory
    ──────────────────────────────────────────────────────
       input        1×8×8                    1 / 1   256 B
    1  conv 2 k=3   2×6×6      20   648      3 / 1   288 B
    """
    rows: list[list[str]] = []
    if net.input_shape:
        rows.append(["", "input", _shape(net.input_shape), "", "", "1 / 1", fmt_bytes(net.input_bytes)])
    footnotes: list[str] = []
    starts = branch_starts(net)
    shown = [lr for lr in net.rows if depth is None or lr.depth <= depth]
    for lr in shown:
        text = "  " * (lr.depth - 1) + ("; " if lr.id in starts else "") + lr.describe()
        if lr.implicit_flatten:
            text += " †"
            footnotes += _wrap(f"† layer {lr.id}: " + lr.notes[0], width)
        rows.append(
            [
                lr.id,
                text,
                _shape(lr.output_shape),
                group_digits(lr.total_params)
                if lr.params and (lr.total_params or not lr.is_container)
                else "—",
                fmt_count(lr.macs) if lr.macs else "—",
                f"{fmt_axes(lr.rf)} / {fmt_axes(lr.jump)}" if lr.rf else "—",
                fmt_bytes(lr.activation_bytes) if lr.output_shape else "?",
            ]
        )
    # a chain's numbers line up on the right as they always have; hierarchical ids read from the left
    align = NET_ALIGN if net.graph.is_chain else "l" + NET_ALIGN[1:]
    table = box_table(NET_HEADERS, rows, title=title, style=style, align=align, width=width, borders=False)
    notes = [
        f"layer {lr.id}: {n}"
        for lr in net.layers
        if not lr.implicit_flatten and (depth is None or lr.depth <= depth)
        for n in layer_notes(lr)
    ]
    folded = sum(len(layer_notes(lr)) for lr in net.layers if depth is not None and lr.depth > depth)
    if folded:
        notes.append(
            f"{folded} more note{'s' * (folded != 1)} about rows folded away: --explain ID shows a row's"
        )
    notes += list(net.notes)
    beyond = field_beyond_input(net)
    if beyond:
        notes.append(beyond)
    if net.graph.is_chain:
        hint = f"Explain a layer: --explain N (1–{len(net.layers)})."
    else:
        nested = next(lr for lr in net.rows if lr.depth > 1)
        fold = f" Fold the rows nested deeper than N: --depth N (this network nests {max_depth(net)} deep)."
        hint = (
            f"Explain a row, a layer, a merge or a block: --explain ID (e.g. {nested.node.path[-1]} or {nested.id})."
            + (fold if depth is None else "")
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
    rows = [
        [style("Parameters (trainable)", "bold"), style(group_digits(net.total_params), "bold", "green"), ""],
    ]
    buffers = net.total_buffers
    if buffers:
        rows.append(
            [
                "Buffers (not trained)",
                group_digits(buffers),
                "batch norm's running means and variances; Keras' summary() counts them as "
                f"non-trainable params ({group_digits(net.total_params + buffers)} in all)",
            ]
        )
    rows += [
        [
            "Parameter memory",
            fmt_bytes(net.param_bytes),
            f"float32: {group_digits(net.total_params)} × {BYTES_PER_FLOAT32} bytes",
        ],
    ]
    if net.output_shape:
        rows.append(
            [
                "Activation memory",
                fmt_bytes(net.activation_bytes),
                "one sample, forward pass, every layer's"
                + (" and merge's" if any(lr.node and lr.node.is_merge for lr in net.nodes) else "")
                + " output",
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
                    f"Activation memory ×{n}",
                    fmt_bytes(n * net.activation_bytes),
                    f"the batch of {n} (torchinfo's sizes count the batch)",
                ]
            )
            rows.append([f"MACs ×{n}", group_digits(n * net.total_macs), f"the batch of {n}"])
    if net.receptive_field:
        rows.append(["Receptive field", fmt_axes(net.receptive_field), "input pixels one output unit sees"])
    return grid(rows, "lrl", width=width)


def import_header(imported: ImportResult, spec_text: str, style: Styler = PLAIN, width: int = 100) -> str:
    """What `--from` read (and how it decided what it could not see), then the equivalent spec."""
    title = "\n".join(
        style(line, "bold")
        for line in _wrap(f"Read {imported.path} without running it: {imported.summary}.", width, hang="")
    )
    notes = render_notes(imported.notes, style, width, title=title) if imported.notes else title
    spec = "\n".join(style(line, "cyan") for line in spec_text.splitlines())
    return join_blocks(
        notes,
        "The same network in the spec language (save it, edit it, run `cnncalc net --file`):\n" + spec,
    )


def explain_layer(net: NetworkResult, row: int | str, style: Styler = PLAIN, width: int = 100) -> str:
    """A row's working, grouped: output shape, parameters, MACs, receptive field, notes.

    `row` is a layer's number in a chain, or any row's id (`5`, `5.1.2`): a block's or a merge's
    working shows what it holds, its branches and their shapes, and the totals."""
    lr = find_row(net, str(row))
    if lr.layer is None:
        return _explain_container(net, lr, style, width)
    head = style(f"Layer {lr.id}: {lr.describe()}", "bold")
    if lr.input_shape or lr.output_shape:
        head += f"   {_shape(lr.input_shape)} → {_shape(lr.output_shape)}"
    within = _within(net, lr)
    groups: dict[str, list[Step]] = {
        "Output shape": [],
        "Parameters": [],
        "MACs": [],
        "Receptive field": [],
        "Other": [],
    }
    for step in lr.steps:
        if step.label.startswith("RF_"):
            groups["Receptive field"].append(step)
        elif step.label in _PARAM_LABELS:
            groups["Parameters"].append(step)
        elif step.label == "MACs":
            groups["MACs"].append(step)
        elif _SHAPE_LABELS.match(step.label):
            groups["Output shape"].append(step)
        else:
            groups["Other"].append(step)
    if lr.macs:
        groups["MACs"].append(flops_step(lr.macs))
    if lr.layer.kind in ("maxpool", "avgpool") and lr.output_shape:
        groups["Output shape"].append(
            Step(
                "C_out",
                "C_in",
                str(lr.input_shape[0]),
                lr.output_shape[0],
                why="pooling works on each channel on its own",
            )
        )
    blocks = [head, within]
    for title, steps in groups.items():
        if steps:
            blocks.append(
                style(title, "bold")
                + "\n"
                + "\n".join(render_step(s, style, width) for s in notes_once(steps))
            )
    if not lr.steps:
        blocks.append("\n".join(_wrap(_passthrough(lr), width)))
    blocks.append(render_notes(lr.notes, style, width))
    return join_blocks(*blocks)


def find_row(net: NetworkResult, row: str) -> LayerResult:
    """The row with this id; a usage error that says which ids exist otherwise."""
    row = row.strip()
    for lr in net.nodes:
        if lr.id == row:
            return lr
    if net.graph.is_chain:
        raise UsageError(f"{{field}} {row}: the network has layers 1 to {len(net.layers)}", field="explain")
    top = [lr.id for lr in net.rows if lr.depth == 1]
    nested = next(lr.id for lr in net.rows if lr.depth > 1)
    raise UsageError(
        f"{{field}} {row}: no row {row}; the rows are {top[0]} to {top[-1]} and those nested in them "
        f"(their ids are in the table's first column, e.g. {nested})",
        field="explain",
    )


def _within(net: NetworkResult, lr: LayerResult) -> str:
    """`in basic 64 (row 5.1), in stage 64 ×2 (row 5)`: where a nested row sits."""
    if lr.node is None or not lr.node.path:
        return ""
    places = [f"{net.graph.by_id[c].describe()} (row {c})" for c in reversed(lr.node.path)]
    return "\n".join(_wrap("Inside " + ", inside ".join(places), width=100, hang="  "))


def _explain_container(net: NetworkResult, lr: LayerResult, style: Styler, width: int) -> str:
    """A merge: its branches, each with its output, then the merged shape and field; a block: what it
    holds, then its totals."""
    node = lr.node
    kind = "Block" if node.kind == "block" else node.kind.capitalize()
    head = style(f"{kind} {lr.id}: {lr.describe()}", "bold")
    if lr.input_shape or lr.output_shape:
        head += f"   {_shape(lr.input_shape)} → {_shape(lr.output_shape)}"
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
                else "the identity: the merge's input"
            )
            lines.append(f"  branch {i + 1} ({what}) → {_shape(out)}")
        listing = style("Branches", "bold") + "\n" + "\n".join(lines)
    else:
        listing = (
            style("Holds", "bold")
            + "\n"
            + grid([[r.id, r.describe(), "→ " + _shape(r.output_shape)] for r in held], "lll", indent="  ")
        )
    groups = {"Output shape": [], "Parameters": [], "MACs": [], "Receptive field": []}
    for step in lr.steps:
        groups["Receptive field" if step.label.startswith("RF") else "Output shape"].append(step)
    if lr.params is not None:
        groups["Parameters"] += list(lr.params.steps)
    if lr.macs:
        groups["MACs"].append(
            Step(
                "MACs",
                "the sum over the layers it holds",
                "",
                lr.macs,
                why="merging adds no multiply-accumulates"
                if node.is_merge
                else "a block adds none of its own",
            )
        )
    if node.kind == "block" and lr.rf:
        groups["Receptive field"].append(
            Step(
                "RF",
                f"the field of its last row, {node.output}",
                "",
                fmt_axes(lr.rf),
                why="a block computes nothing itself",
            )
        )
    blocks = [head, _within(net, lr), listing]
    for title, steps in groups.items():
        if steps:
            blocks.append(
                style(title, "bold") + "\n" + "\n".join(render_step(s, style, width) for s in steps)
            )
    blocks.append(render_notes(lr.notes, style, width))
    return join_blocks(*blocks)


def _passthrough(lr: LayerResult) -> str:
    kind = lr.layer.kind
    if kind == "dropout":
        return f"dropout {lr.layer.rate:g}: zeroes that share of values while training; shape and parameters unchanged"
    if kind in ("relu", "leakyrelu", "sigmoid", "tanh", "softmax"):
        return (
            f"{kind}: applied to every value on its own; the shape is unchanged and there are no parameters"
        )
    return "shape unchanged, no parameters"


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
        ["#", "layer", "input", "claimed", "actual", ""],
        rows,
        style=style,
        align="rlrrrc" if net.graph.is_chain else "llrrrc",
        width=width,
        borders=False,
    )
    claims = [lr for lr in net.rows if lr.claim is not None]
    wrong = net.wrong_claims
    plural = "s" if len(claims) > 1 else ""
    if not claims:
        verdict = "\n".join(
            _wrap(
                "No claims to check: write the shape you expect after a layer, e.g. 'conv 8 k=5 -> 8x92x92'.",
                width,
            )
        )
    elif not wrong:
        verdict = style(f"All {len(claims)} claim{plural} hold ✓", "bold", "green")
    else:
        verdict = style(f"{len(wrong)} of {len(claims)} claim{plural} wrong ✗", "bold", "red")
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
    what = "layer" if lr.layer is not None else lr.kind
    lines = [
        f"✗ {what} {lr.id} ({lr.describe()}): claimed {fmt_shape(claim)}, "
        f"actually {fmt_shape(actual)} (input {_shape(lr.input_shape)})"
    ]
    order = [r.id for r in net.nodes]
    before = order[: order.index(lr.id)]
    earlier = [
        net.result(i) for i in before if net.result(i).output_shape == claim and net.result(i).kind != "block"
    ]
    if earlier:
        e = earlier[-1]
        lines.append(
            f"  {fmt_shape(claim)} is the output of {'layer' if e.layer else e.kind} {e.id} ({e.describe()}): "
            "the claim repeats an earlier layer's shape."
        )
    if len(claim) != len(actual):
        lines.append(
            f"  the claim has {len(claim)} sizes but the layer outputs {len(actual)} "
            f"({'C×H×W' if len(actual) == 3 else 'features' if len(actual) == 1 else 'C and spatial sizes'})"
        )
    elif len(actual) == 1 and claim != actual:
        lines.append(f"  features: {actual[0]}, not {claim[0]}")
    elif len(actual) > 1 and claim == (*actual[1:], actual[0]):
        lines.append(
            f"  {fmt_shape(claim)} is the same shape written {'×'.join(('D', 'H', 'W')[-len(claim) + 1 :])}×C "
            f"(channels last, as Keras writes it); cnncalc writes C first, as PyTorch does: {fmt_shape(actual)}"
        )
    elif claim and claim[0] != actual[0]:
        lines.append(f"  channels: {actual[0]}, not {claim[0]}; " + _channel_origin(net, lr))
    for step in notes_once(lr.steps):
        if _SHAPE_LABELS.match(step.label) or step.label == "C_out":
            lines.append(render_step(step, style, width, indent="  "))
    return lines


def _channel_origin(net: NetworkResult, lr: LayerResult) -> str:
    """Where a row's channels come from: back along its first input to the conv or fc that set them."""
    x: LayerResult | None = lr
    while x is not None:
        if x.kind in ("conv", "tconv"):
            return (
                f"this {x.kind} has {x.layer.units} filters"
                if x is lr
                else f"layer {x.id} ({x.describe()}) made {x.layer.units} channels, "
                "and the layers after it keep the channel count"
            )
        if x.kind == "fc":
            return f"layer {x.id} ({x.describe()}) outputs {x.layer.units} features"
        if x.kind == "concat":
            return f"concat {x.id} joins its branches' channels"
        source = x.node.output if x.kind == "block" else x.node.inputs[0]
        x = net.result(source) if source != "input" else None
    return f"the input has {net.input_shape[0] if net.input_shape else '?'} channels and no conv changes them"


def presets_table(
    presets: Sequence[Preset], totals_by_name: dict[str, int], style: Styler = PLAIN, width: int = 100
) -> str:
    rows = [[p.name, group_digits(totals_by_name[p.name]), p.description] for p in presets]
    table = box_table(
        ["preset", "parameters", "description"], rows, style=style, align="lrl", width=width, borders=False
    )
    return join_blocks(table, style("Show one: cnncalc net --preset NAME", "dim"))


def solution_view(sol: Solution, style: Styler = PLAIN, width: int = 100) -> str:
    """The answer on the first line, then the working that finds it and checks it."""
    answer = {
        k: v for k, v in sol.answer.items() if k not in ("strides", "kernels", "stride_range", "kernel_range")
    }
    if sol.possible:
        head = style(f"{sol.problem}: ", "bold") + style(
            ", ".join(f"{k} = {_answer(v)}" for k, v in answer.items()), "bold", "green"
        )
    else:
        head = style(f"{sol.problem}: no solution", "bold", "red")
    working = "\n".join(render_step(s, style, width) for s in sol.steps)
    return head + "\n" + join_blocks(working, render_notes(sol.notes, style, width))


def _answer(v: object) -> str:
    if isinstance(v, list) and len(v) == 2:
        return f"{v[0]} before, {v[1]} after"
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
                    f"No conv with kernel ≤ {max_kernel}, stride ≤ {max_stride} and padding ≤ k/2 maps {n} to {target}.",
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
                "yes" if c.exact else f"no, {span % c.stride} left over",
            ]
        )
    table = box_table(
        ["k", "s", "p", "working", "every row covered"],
        rows,
        title=f"{n} → {target}: small (k, s, p)",
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
    head = style(
        f"Input sizes {title.split(':')[0] + ' ' if title else 'the network '}accepts, per axis "
        f"({spec.input_shape[0]} channels; tried 1 to {result.limit:,})",
        "bold",
    )
    lines = [_axis_line(ax, ax.accepted, "no size from 1 to {limit:,}", result) for ax in _distinct(result)]
    refusals = [
        f"{n:,} on {ax.axis}: {why}" for ax in _distinct(result) for n, why in sorted(ax.refused.items())
    ]
    blocks = [head, "\n".join(lines), render_notes(refusals, style, width, title="The nearest sizes refused")]
    given = fmt_shape(spec.input_shape)
    if result.given_accepted:
        net = walk(spec)
        last = net.result(result.last_node) if result.last_node != "input" else None
        where = f", last map {_shape(last.output_shape)} (row {last.id})" if last is not None else ""
        blocks.append(style(f"Your input {given}: accepted ✓{where}", "green"))
    else:
        blocks.append(style(f"Your input {given}: refused ✗", "bold", "red"))
    if result.target is not None:
        wanted = [
            _axis_line(ax, ax.wanted or (), "no size gives it", result) for ax in _distinct(result, True)
        ]
        example = (
            f" (e.g. {fmt_shape((spec.input_shape[0], *(ax.wanted[0] for ax in result.axes)))})"
            if result.possible
            else ""
        )
        blocks.append(
            style(f"A last map of {fmt_shape(result.target)} (row {result.last_node}){example}:", "bold")
            + "\n"
            + "\n".join(wanted)
        )
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
        label = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        out.append(replace(axes[0], axis=label))
    return out


def _axis_line(ax: AxisSizes, sizes, none: str, result: InputSizes) -> str:
    from cnncalc.arith.input_sizes import runs

    if not sizes:
        return f"  {ax.axis}: " + none.format(limit=result.limit)
    parts = []
    for first, last, step in runs(sizes):
        if first == last:
            parts.append(f"{first:,}")
        elif step == 1:
            parts.append(f"every size from {first:,} to {last:,}")
        else:
            parts.append(
                f"every {_ordinal(step)} size from {first:,} to {last:,} ({first}, {first + step}, …)"
            )
    return f"  {ax.axis}: " + "; ".join(parts)


def _ordinal(n: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(n, f"{n}th")
