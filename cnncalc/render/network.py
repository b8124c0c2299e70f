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


def network_table(net: NetworkResult, title: str = "", style: Styler = PLAIN, width: int = 100) -> str:
    """The torchinfo-style table, its footnotes, the totals, the notes and a pointer to --explain.

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
    for lr in net.layers:
        text = lr.layer.describe()
        if lr.implicit_flatten:
            text += " †"
            footnotes += _wrap(f"† layer {lr.layer.number}: " + lr.notes[0], width)
        rows.append(
            [
                str(lr.layer.number),
                text,
                _shape(lr.output_shape),
                group_digits(lr.total_params) if lr.params else "—",
                fmt_count(lr.macs) if lr.macs else "—",
                f"{fmt_axes(lr.rf)} / {fmt_axes(lr.jump)}" if lr.rf else "—",
                fmt_bytes(lr.activation_bytes) if lr.output_shape else "?",
            ]
        )
    table = box_table(
        NET_HEADERS, rows, title=title, style=style, align=NET_ALIGN, width=width, borders=False
    )
    notes = [
        f"layer {lr.layer.number}: {n}"
        for lr in net.layers
        if not lr.implicit_flatten
        for n in layer_notes(lr)
    ]
    notes += list(net.notes)
    beyond = field_beyond_input(net)
    if beyond:
        notes.append(beyond)
    hint = style(f"Explain a layer: --explain N (1–{len(net.layers)}).", "dim")
    return join_blocks(
        table, "\n".join(footnotes), totals(net, style, width), render_notes(notes, style, width), hint
    )


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
                "one sample, forward pass, every layer's output",
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


def explain_layer(net: NetworkResult, number: int, style: Styler = PLAIN, width: int = 100) -> str:
    """Layer N's working, grouped: output shape, parameters, MACs, receptive field, notes."""
    if not 1 <= number <= len(net.layers):
        raise UsageError(f"--explain {number}: the network has layers 1 to {len(net.layers)}")
    lr = net.layers[number - 1]
    head = style(f"Layer {number}: {lr.layer.describe()}", "bold")
    if lr.input_shape or lr.output_shape:
        head += f"   {_shape(lr.input_shape)} → {_shape(lr.output_shape)}"
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
    blocks = [head]
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
    """Claimed vs actual for every layer that carries a claim, and the working for each wrong one."""
    rows = []
    for lr in net.layers:
        holds = lr.claim_holds
        mark = "" if holds is None else style("✓", "green") if holds else style("✗", "bold", "red")
        rows.append(
            [
                str(lr.layer.number),
                lr.layer.describe(),
                _shape(lr.input_shape),
                fmt_shape(lr.layer.claim) if lr.layer.claim else "",
                _shape(lr.output_shape),
                mark,
            ]
        )
    table = box_table(
        ["#", "layer", "input", "claimed", "actual", ""],
        rows,
        style=style,
        align="rlrrrc",
        width=width,
        borders=False,
    )
    claims = [lr for lr in net.layers if lr.layer.claim is not None]
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
    claim, actual = tuple(lr.layer.claim or ()), tuple(lr.output_shape or ())
    lines = [
        f"✗ layer {lr.layer.number} ({lr.layer.describe()}): claimed {fmt_shape(claim)}, "
        f"actually {fmt_shape(actual)} (input {_shape(lr.input_shape)})"
    ]
    earlier = [x for x in net.layers if x.layer.number < lr.layer.number and x.output_shape == claim]
    if earlier:
        e = earlier[-1]
        lines.append(
            f"  {fmt_shape(claim)} is the output of layer {e.layer.number} ({e.layer.describe()}): "
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
        if _SHAPE_LABELS.match(step.label):
            lines.append(render_step(step, style, width, indent="  "))
    return lines


def _channel_origin(net: NetworkResult, lr: LayerResult) -> str:
    for x in reversed(net.layers[: lr.layer.number]):
        if x.layer.kind in ("conv", "tconv"):
            own = x is lr
            return (
                f"this {x.layer.kind} has {x.layer.units} filters"
                if own
                else f"layer {x.layer.number} ({x.layer.describe()}) made {x.layer.units} channels, "
                "and the layers after it keep the channel count"
            )
        if x.layer.kind == "fc":
            return f"layer {x.layer.number} ({x.layer.describe()}) outputs {x.layer.units} features"
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
