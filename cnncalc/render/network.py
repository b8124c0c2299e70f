"""Rich renderables for whole networks: the `net` table, `--explain N`, `check`, `solve`.

The table follows torchinfo's and Keras' `summary()`: one row per layer with its output shape,
parameters and MACs, plus what they leave out for a learner: the receptive field and jump of every
layer, and the activation memory. Totals: trainable parameters and their float32 memory, the
activation memory of one sample, MACs and FLOPs (FLOP = 2·MAC).

Every number comes from the `NetworkResult` of `cnncalc.arith.network.walk`; nothing is
recomputed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from fractions import Fraction

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import LayerResult, NetworkResult
from cnncalc.arith.params import flops_step
from cnncalc.arith.parsing import fmt_shape
from cnncalc.arith.presets import Preset
from cnncalc.arith.solve import Combo, Solution
from cnncalc.arith.steps import Step, group_digits
from cnncalc.render.text import render_step

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


def _axes(values: Sequence[int | Fraction] | None) -> str:
    """One number when every axis agrees (28), else per axis (28×20); fractional jumps as decimals."""
    if not values:
        return "—"
    texts = [str(v) if not isinstance(v, Fraction) or v.denominator == 1 else f"{float(v):g}" for v in values]
    return texts[0] if len(set(texts)) == 1 else "×".join(texts)


def _shape(shape: Sequence[int] | None) -> str:
    return fmt_shape(shape) if shape else "?"


def layer_notes(lr: LayerResult) -> list[str]:
    """The notes worth a line under the table: floors, padding splits, implicit flatten.

    Parameter notes (weights-only counting) belong to `--explain`; a note repeated for the W axis
    with the same numbers as for H is shown once.
    """
    notes = list(lr.shape.all_notes) if lr.shape is not None else list(lr.notes)
    if lr.shape is not None:
        notes += [n for n in lr.notes if n not in notes and not n.startswith("Course notes")]
    seen: set[str] = set()
    kept = []
    for note in notes:
        key = re.sub(r"^[LDHW]: ", "", note).replace("columns", "rows").replace("column", "row")
        if key not in seen:
            seen.add(key)
            kept.append(note)
    return kept


def network_table(net: NetworkResult, title: str = "") -> RenderableType:
    """The torchinfo-style table, the totals, and the notes."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("#", justify="right")
    table.add_column("layer")
    table.add_column("output", justify="right")
    table.add_column("params", justify="right")
    table.add_column("MACs", justify="right")
    table.add_column("RF / jump", justify="right")
    table.add_column("memory", justify="right")
    if net.input_shape:
        table.add_row("", "input", _shape(net.input_shape), "", "", "1 / 1", fmt_bytes(_bytes(net.input_shape)))
    footnotes = []
    for lr in net.layers:
        text = lr.layer.describe()
        if lr.implicit_flatten:
            text += " †"
            footnotes.append(f"† layer {lr.layer.number}: " + lr.notes[0])
        rf = f"{_axes(lr.rf)} / {_axes(lr.jump)}" if lr.rf else "—"
        table.add_row(
            str(lr.layer.number),
            text,
            _shape(lr.output_shape),
            group_digits(lr.total_params) if lr.params else "—",
            fmt_count(lr.macs) if lr.macs else "—",
            rf,
            fmt_bytes(lr.activation_bytes) if lr.output_shape else "?",
        )
    parts: list[RenderableType] = [Text(title, style="bold"), table] if title else [table]
    if footnotes:
        parts.append(Text("\n".join(footnotes)))
    parts.append(totals(net))
    notes = [f"layer {lr.layer.number}: {n}" for lr in net.layers if not lr.implicit_flatten for n in layer_notes(lr)]
    notes += list(net.notes)
    if notes:
        parts.append(bullets("Notes", notes))
    parts.append(Text(f"Explain a layer: --explain N (1–{len(net.layers)}).", style="dim"))
    return Group(*parts)


def _bytes(shape: Sequence[int]) -> int:
    n = 4
    for v in shape:
        n *= v
    return n


def totals(net: NetworkResult) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(justify="right")
    grid.add_column()
    grid.add_row("Parameters (trainable)", group_digits(net.total_params), "")
    grid.add_row("Parameter memory", fmt_bytes(net.param_bytes), f"float32: {group_digits(net.total_params)} × 4 bytes")
    if net.output_shape:
        grid.add_row("Activation memory", fmt_bytes(net.activation_bytes), "one sample, forward pass, every layer's output")
        grid.add_row("MACs", group_digits(net.total_macs), fmt_count(net.total_macs) if net.total_macs >= 1000 else "")
        flops = flops_step(net.total_macs)
        grid.add_row("FLOPs", group_digits(flops.value), "2 · MACs")
    if net.receptive_field:
        rf = _axes(net.receptive_field)
        grid.add_row("Receptive field", rf, "input pixels one output unit sees")
    return grid


def bullets(title: str, items: Iterable[str]) -> RenderableType:
    """A bold title and one bullet per item, wrapped lines hanging under the text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column()
    for item in items:
        grid.add_row("•", Text(item))
    return Group(Text(title, style="bold"), grid)


def explain_layer(net: NetworkResult, number: int) -> RenderableType:
    """Layer N's working, grouped: output shape, parameters, MACs, receptive field, notes."""
    if not 1 <= number <= len(net.layers):
        raise UsageError(f"--explain {number}: the network has layers 1 to {len(net.layers)}")
    lr = net.layers[number - 1]
    head = Text()
    head.append(f"Layer {number}: {lr.layer.describe()}", style="bold")
    if lr.input_shape or lr.output_shape:
        head.append(f"   {_shape(lr.input_shape)} → {_shape(lr.output_shape)}")
    groups: dict[str, list[Step]] = {"Output shape": [], "Parameters": [], "MACs": [], "Receptive field": [], "Other": []}
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
    parts: list[RenderableType] = [head]
    if lr.layer.kind in ("maxpool", "avgpool") and lr.output_shape:
        groups["Output shape"].append(
            Step("C_out", "C_in", str(lr.input_shape[0]), lr.output_shape[0], why="pooling works on each channel on its own")
        )
    for title, steps in groups.items():
        if steps:
            parts.append(Text(f"\n{title}", style="bold"))
            parts.append(Text("\n".join(render_step(s) for s in steps)))
    if not lr.steps:
        parts.append(Text(_passthrough(lr)))
    if lr.notes:
        parts.append(Text(""))
        parts.append(bullets("Notes", lr.notes))
    return Group(*parts)


def _passthrough(lr: LayerResult) -> str:
    kind = lr.layer.kind
    if kind == "dropout":
        return f"dropout {lr.layer.rate:g}: zeroes that share of values while training; shape and parameters unchanged"
    if kind in ("relu", "leakyrelu", "sigmoid", "tanh", "softmax"):
        return f"{kind}: applied to every value on its own; the shape is unchanged and there are no parameters"
    return "shape unchanged, no parameters"


def check_report(net: NetworkResult) -> RenderableType:
    """Claimed vs actual for every layer that carries a claim, and the working for each wrong one."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name, justify in (("#", "right"), ("layer", "left"), ("input", "right"), ("claimed", "right"),
                          ("actual", "right"), ("", "center")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for lr in net.layers:
        holds = lr.claim_holds
        mark = "" if holds is None else ("✓" if holds else "✗")
        table.add_row(
            str(lr.layer.number),
            lr.layer.describe(),
            _shape(lr.input_shape),
            fmt_shape(lr.layer.claim) if lr.layer.claim else "",
            _shape(lr.output_shape),
            Text(mark, style="green" if holds else "bold red"),
        )
    parts: list[RenderableType] = [table]
    claims = [lr for lr in net.layers if lr.layer.claim is not None]
    wrong = net.wrong_claims
    if not claims:
        parts.append(Text("No claims to check: write the shape you expect after a layer, e.g. 'conv 8 k=5 -> 8x92x92'."))
    elif not wrong:
        parts.append(Text(f"All {len(claims)} claim{'s' if len(claims) > 1 else ''} hold ✓", style="bold green"))
    else:
        parts.append(Text(f"{len(wrong)} of {len(claims)} claim{'s' if len(claims) > 1 else ''} wrong ✗", style="bold red"))
    for lr in wrong:
        parts.append(Text(""))
        parts.append(Text("\n".join(explain_claim(net, lr))))
    return Group(*parts)


def explain_claim(net: NetworkResult, lr: LayerResult) -> list[str]:
    """Why a claimed shape is wrong: the true shape, the formula per axis, where the channels come from."""
    claim, actual = tuple(lr.layer.claim or ()), tuple(lr.output_shape or ())
    lines = [
        f"✗ layer {lr.layer.number} ({lr.layer.describe()}): claimed {fmt_shape(claim)}, "
        f"actually {fmt_shape(actual)} (input {_shape(lr.input_shape)})"
    ]
    earlier = [x for x in net.layers if x.layer.number < lr.layer.number and x.output_shape == claim]
    if earlier:
        e = earlier[-1]
        lines.append(f"  {fmt_shape(claim)} is the output of layer {e.layer.number} ({e.layer.describe()}): "
                     "the claim repeats an earlier layer's shape.")
    if len(claim) != len(actual):
        lines.append(f"  the claim has {len(claim)} sizes but the layer outputs {len(actual)} "
                     f"({'C×H×W' if len(actual) == 3 else 'features' if len(actual) == 1 else 'C and spatial sizes'})")
    elif claim and claim[0] != actual[0]:
        lines.append(f"  channels: {actual[0]}, not {claim[0]}; " + _channel_origin(net, lr))
    for step in lr.steps:
        if _SHAPE_LABELS.match(step.label):
            lines.append(render_step(step, indent="  "))
    return lines


def _channel_origin(net: NetworkResult, lr: LayerResult) -> str:
    for x in reversed(net.layers[: lr.layer.number]):
        if x.layer.kind in ("conv", "tconv"):
            own = x is lr
            return (f"this {x.layer.kind} has {x.layer.units} filters" if own
                    else f"layer {x.layer.number} ({x.layer.describe()}) made {x.layer.units} channels, "
                         "and the layers after it keep the channel count")
        if x.layer.kind == "fc":
            return f"layer {x.layer.number} ({x.layer.describe()}) outputs {x.layer.units} features"
    return f"the input has {net.input_shape[0] if net.input_shape else '?'} channels and no conv changes them"


def presets_table(presets: Sequence[Preset], totals_by_name: dict[str, int]) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("preset")
    table.add_column("parameters", justify="right")
    table.add_column("description")
    for p in presets:
        table.add_row(p.name, group_digits(totals_by_name[p.name]), p.description)
    return Group(table, Text("Show one: cnncalc net --preset NAME", style="dim"))


def solution_view(sol: Solution) -> RenderableType:
    answer = {k: v for k, v in sol.answer.items() if k not in ("strides", "kernels")}
    head = Text()
    if sol.possible:
        head.append(f"{sol.problem}: ", style="bold")
        head.append(", ".join(f"{k} = {_answer(v)}" for k, v in answer.items()), style="bold green")
    else:
        head.append(f"{sol.problem}: no solution", style="bold red")
    parts: list[RenderableType] = [head, Text("\n".join(render_step(s) for s in sol.steps))]
    if sol.notes:
        parts.append(bullets("Notes", sol.notes))
    return Group(*parts)


def _answer(v: object) -> str:
    if isinstance(v, list) and len(v) == 2:
        return f"{v[0]} before, {v[1]} after"
    return str(v)


def combos_table(combos: Sequence[Combo], n: int, target: int, max_kernel: int = 7, max_stride: int = 4) -> RenderableType:
    if not combos:
        return Text(f"No conv with kernel ≤ {max_kernel}, stride ≤ {max_stride} and padding ≤ k/2 maps {n} to {target}.")
    table = Table(title=f"{n} → {target}: small (k, s, p)", box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left")
    for name in ("k", "s", "p", "working", "every row covered"):
        table.add_column(name, justify="right" if len(name) == 1 else "left")
    for c in combos:
        span = n + 2 * c.padding - c.kernel
        working = f"⌊({n} + 2·{c.padding} − {c.kernel})/{c.stride}⌋ + 1 = ⌊{span}/{c.stride}⌋ + 1 = {c.output}"
        table.add_row(str(c.kernel), str(c.stride), str(c.padding), working,
                      "yes" if c.exact else f"no, {span % c.stride} left over")
    return table
