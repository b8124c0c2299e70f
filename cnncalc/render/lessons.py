"""Rich renderables for the tutor: step-through grids, lessons and quiz feedback.

Grids are drawn as text so they read the same with and without colour: window cells are in
`[ ]`, padding cells show `·` (a zero), output cells not computed yet show `?`. On a colour
terminal the window is also cyan, a max-pool winner green, padding dim.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from cnncalc.arith.parsing import fmt_axes
from cnncalc.arith.steps import Step, fmt_value, notes_once
from cnncalc.i18n import N_, _, ngettext, translated
from cnncalc.lessons.matrix import fmt_number
from cnncalc.lessons.step import WINNER_OPS, ConvCell, ConvTrace, PoolCell, PoolTrace, join_sum, term
from cnncalc.render.console import FormulaNote, WorkedLine, bullet, prose

PAD_MARK = "·"
PENDING = "?"
STYLE_WINDOW = "bold cyan"
STYLE_WINNER = "bold green"
STYLE_PAD = "dim"
STYLE_CURRENT = "bold yellow"
STYLE_HEAD = "bold"

# "{op} pooling" for each --op, as the pooling header names it
POOLINGS = {
    "max": N_("max pooling"),
    "min": N_("min pooling"),
    "avg": N_("avg pooling"),
    "sum": N_("sum pooling"),
}


# -- grids ----------------------------------------------------------------------------------------


def grid(
    values: np.ndarray,
    marks: dict[tuple[int, int], str] | None = None,
    pad: tuple[int, int, int, int] = (0, 0, 0, 0),
    pending: Iterable[tuple[int, int]] = (),
    cell_text: dict[tuple[int, int], str] | None = None,
) -> Text:
    """A 2-D array as aligned text. `marks` maps input (row, col), padding included (negative or past
    the end), to "window", "winner" or "current"; `pad` = (top, bottom, left, right) rings of `·`."""
    marks = marks or {}
    pending = set(pending)
    h, w = values.shape
    pt, pb, pl, pr = pad
    shown: dict[tuple[int, int], str] = {}
    for r in range(-pt, h + pb):
        for c in range(-pl, w + pr):
            if 0 <= r < h and 0 <= c < w:
                if (r, c) in pending:
                    shown[r, c] = PENDING
                elif cell_text and (r, c) in cell_text:
                    shown[r, c] = cell_text[r, c]
                else:
                    shown[r, c] = fmt_number(values[r, c].item())
            else:
                shown[r, c] = PAD_MARK
    width = max(len(s) for s in shown.values())
    text = Text(no_wrap=True)
    for r in range(-pt, h + pb):
        if r > -pt:
            text.append("\n")
        for c in range(-pl, w + pr):
            s = shown[r, c].rjust(width)
            mark = marks.get((r, c))
            is_pad = not (0 <= r < h and 0 <= c < w)
            style = {"window": STYLE_WINDOW, "winner": STYLE_WINNER, "current": STYLE_CURRENT}.get(
                mark or "", ""
            )
            if is_pad or s.strip() == PENDING:
                style = f"{style} {STYLE_PAD}".strip()
            if mark:
                text.append("[", style=style)
                text.append(s, style=style)
                text.append("]", style=style)
            else:
                text.append(f" {s} ", style=style)
    return text


def titled(title: str, body: RenderableType) -> Group:
    return Group(prose(title, STYLE_HEAD), body)


def side_by_side(*items: RenderableType, gap: int = 4) -> Table:
    table = Table.grid(padding=(0, gap))
    for _item in items:
        table.add_column(no_wrap=True)
    table.add_row(*items)
    return table


def steps_view(steps: Sequence[Step], notes: Sequence[str] = ()) -> Group:
    """Worked Steps, one `label = formula = numbers = value` line each, the why dimmed beneath."""
    parts: list[RenderableType] = []
    for s in notes_once(steps):
        rest: list[str | Text] = []
        if s.substituted and s.substituted not in (s.formula, fmt_value(s.value)):
            rest.append(s.substituted)
        rest.append(Text(fmt_value(s.value), style="bold green"))
        parts.append(WorkedLine(s.label, s.formula, rest))
        for t in ((s.why,) if s.why else ()) + s.notes:
            parts.append(Padding(FormulaNote(t, "dim"), (0, 0, 0, 2), expand=False))
    for n in notes:
        parts.append(bullet(n, "dim"))
    return Group(*parts)


def fmt_padding(pairs: Sequence[tuple[int, int]]) -> str:
    """((1, 1), (1, 1)) → '1'; ((1, 1), (0, 0)) → '1×0'; uneven sides are spelled out."""
    if all(a == b for a, b in pairs):
        return fmt_axes([a for a, _ in pairs])
    (pt, pb), (pl, pr) = pairs
    return _("top {top}, bottom {bottom}, left {left}, right {right}").format(
        top=pt, bottom=pb, left=pl, right=pr
    )


def _pads(pairs) -> tuple[int, int, int, int]:
    (pt, pb), (pl, pr) = pairs
    return pt, pb, pl, pr


def _range(a: int, b: int) -> str:
    if a == b:
        return f"{a}"
    return _("{first} to {last}").format(first=a, last=b) if a < 0 else f"{a}–{b}"


# -- convolution ----------------------------------------------------------------------------------


def _channel_label(trace: ConvTrace, c: int) -> str:
    return _("input channel {channel}").format(channel=c) if trace.input.shape[0] > 1 else _("input")


def _kernel_label(kernel: int, channel: int, many_kernels: bool, many_channels: bool) -> str:
    """The title over a kernel's matrix: which kernel, and which of its channels."""
    if many_kernels and many_channels:
        return _("kernel {kernel}, channel {channel}").format(kernel=kernel, channel=channel)
    if many_kernels:
        return _("kernel {kernel}").format(kernel=kernel)
    if many_channels:
        return _("kernel, channel {channel}").format(channel=channel)
    return _("kernel")


def conv_cell_view(trace: ConvTrace, cell: ConvCell, names: Sequence[str] = ()) -> Group:
    """One output cell in full: the input with the window, the kernel, the products, the output so far."""
    kern = trace.kernels[cell.kernel - 1]
    rows = sorted({r for r, _ in cell.taps})
    cols = sorted({c for _, c in cell.taps})
    many = len(trace.kernels) > 1
    name = f" ({names[cell.kernel - 1]})" if names and cell.kernel <= len(names) else ""
    where = {
        "row": cell.row,
        "col": cell.col,
        "name": name,
        "rows": _range(rows[0], rows[-1]),
        "cols": _range(cols[0], cols[-1]),
    }
    dilated = trace.shape.dilation != (1, 1)
    if many and dilated:
        head = _(
            "Output channel {kernel}, cell ({row}, {col}){name}: window on input rows {rows}, columns {cols} "
            "(dilated)"
        )
    elif many:
        head = _(
            "Output channel {kernel}, cell ({row}, {col}){name}: window on input rows {rows}, columns {cols}"
        )
    elif dilated:
        head = _("Cell ({row}, {col}){name}: window on input rows {rows}, columns {cols} (dilated)")
    else:
        head = _("Cell ({row}, {col}){name}: window on input rows {rows}, columns {cols}")
    head_text = head.format(kernel=cell.kernel, **where)
    parts: list[RenderableType] = [prose(head_text, STYLE_HEAD)]
    marks = {t: "window" for t in cell.taps}
    pads = _pads(trace.shape.padding)
    channels = trace.input.shape[0]
    for c in range(channels):
        parts.append(
            side_by_side(
                titled(_channel_label(trace, c + 1), grid(trace.input[c], marks, pads)),
                titled(_kernel_label(cell.kernel, c + 1, many, channels > 1), grid(kern[c])),
            )
        )
    parts.append(_products(trace, cell))
    parts.append(titled(_output_title(cell.kernel, many), _output_so_far(trace, cell)))
    return Group(*parts)


def _output_title(kernel: int, many: bool) -> str:
    return _("output {kernel}").format(kernel=kernel) if many else _("output")


def _products(trace: ConvTrace, cell: ConvCell) -> Group:
    lines: list[Text] = []
    multi = len(cell.channels) > 1
    for ch in cell.channels:
        t = Text(_("channel {channel}: ").format(channel=ch.channel) if multi else "")
        t.append(" + ".join(term(a, b) for a, b in zip(ch.values, ch.weights, strict=True)))
        t.append(" = ")
        t.append(fmt_number(ch.total), style="bold" if multi else "bold green")
        lines.append(t)
    if multi or cell.bias is not None:
        parts = [fmt_number(ch.total) for ch in cell.channels]
        if cell.bias is not None:
            parts.append(fmt_number(cell.bias))
        if multi and cell.bias is not None:
            label = _("channel sums + bias: {sum} = ")
        elif multi:
            label = _("channel sums: {sum} = ")
        else:
            label = _("+ bias: {sum} = ")
        t = Text(label.format(sum=join_sum(parts)))
        t.append(fmt_number(cell.value), style="bold green")
        lines.append(t)
    v = cell.value
    if trace.relu:
        r = max(v, 0)
        lines.append(Text(f"ReLU: max(0, {fmt_number(v)}) = {fmt_number(r)}"))
        v = r
    if trace.threshold is not None:
        on = v > trace.threshold
        lines.append(
            Text(
                _("threshold: {value} {sign} {threshold} → {result}").format(
                    value=fmt_number(v),
                    sign=">" if on else "≤",
                    threshold=fmt_number(trace.threshold),
                    result=int(on),
                )
            )
        )
    return Group(*lines)


def _output_so_far(trace: ConvTrace, cell: ConvCell) -> Text:
    out = trace.output[cell.kernel - 1]
    h, w = out.shape
    order = cell.row * w + cell.col
    pending = [(i, j) for i in range(h) for j in range(w) if i * w + j > order]
    return grid(out, {(cell.row, cell.col): "current"}, pending=pending)


def conv_compact(trace: ConvTrace, cell: ConvCell) -> RenderableType:
    """One cell on one line (a line per channel when there are several)."""
    where = (
        f"out[{cell.kernel}]({cell.row}, {cell.col})"
        if len(trace.kernels) > 1
        else f"({cell.row}, {cell.col})"
    )
    if len(cell.channels) == 1 and cell.bias is None:
        t = Text(f"{where}: {cell.channels[0].text}")
    else:
        t = Text(f"{where}: {cell.text}")
        for ch in cell.channels:
            t.append("\n    " + _("channel {channel}: ").format(channel=ch.channel) + ch.text, style="dim")
    return prose(t)


def conv_header(trace: ConvTrace, title: str = "", about: str = "", command: str = "") -> Group:
    c, h, w = trace.input.shape
    o = len(trace.kernels)
    kh, kw = trace.kernels[0].shape[1:]
    parts: list[RenderableType] = []
    if title:
        parts.append(prose(title, STYLE_HEAD))
    if about:
        parts.append(prose(about))
    if command:
        parts.append(prose(_("same as: {command}").format(command=command), "dim"))
    bias = (
        _(", bias {values}").format(values=", ".join(fmt_number(b) for b in trace.bias)) if trace.bias else ""
    )
    dilation = (
        _(", dilation {dilation}").format(dilation=fmt_axes(trace.shape.dilation))
        if trace.shape.dilation != (1, 1)
        else ""
    )
    parts.append(
        prose(
            ngettext(
                "Input {input}, {n} kernel of {kernel}{bias}, stride {stride}, padding {padding}{dilation} "
                "→ output {output}",
                "Input {input}, {n} kernels of {kernel}{bias}, stride {stride}, padding {padding}{dilation} "
                "→ output {output}",
                o,
            ).format(
                input=f"{c}×{h}×{w}",
                n=o,
                kernel=f"{c}×{kh}×{kw}",
                bias=bias,
                stride=fmt_axes(trace.shape.stride),
                padding=fmt_padding(trace.shape.padding),
                dilation=dilation,
                output=f"{o}×{trace.output.shape[1]}×{trace.output.shape[2]}",
            )
        )
    )
    parts.append(steps_view(trace.shape.steps, trace.notes + trace.shape.all_notes))
    return Group(*parts)


def conv_summary(trace: ConvTrace, names: Sequence[str] = ()) -> RenderableType:
    """The finished output grids, and the ReLU / threshold maps when asked for."""
    many = len(trace.kernels) > 1
    items = []
    act = trace.activated()
    for o in range(len(trace.kernels)):
        name = f" {names[o]}" if names and o < len(names) else ""
        items.append(
            titled(_output_title(o + 1, many) + name if many else _("output"), grid(trace.output[o]))
        )
        if act is not None:
            label = f"> {fmt_number(trace.threshold)} (█ = 1)" if trace.threshold is not None else "ReLU"
            if trace.threshold is not None:
                text = {
                    (i, j): ("█" if act[o, i, j] else "·")
                    for i in range(act.shape[1])
                    for j in range(act.shape[2])
                }
                items.append(titled(label, grid(act[o], cell_text=text)))
            else:
                items.append(titled(label, grid(act[o])))
    per_row = 2 if act is not None else 4
    rows = [side_by_side(*items[i : i + per_row]) for i in range(0, len(items), per_row)]
    return Group(*rows)


def _cells(cells, full, in_full, compact) -> list[RenderableType]:
    """Each cell worked in full when it is in `full`, else on one line; a blank line after each block."""
    full_ids = {id(c) for c in full}
    parts: list[RenderableType] = []
    for cell in cells:
        if id(cell) in full_ids:
            parts += [in_full(cell), Text("")]
        else:
            parts.append(compact(cell))
    if cells and id(cells[-1]) not in full_ids:
        parts.append(Text(""))
    return parts


def conv_view(
    trace: ConvTrace,
    cells: Sequence[ConvCell],
    full: Sequence[ConvCell],
    title: str = "",
    about: str = "",
    command: str = "",
    names: Sequence[str] = (),
) -> Group:
    """The header, each cell in `cells` (in full if it is in `full`, else on one line), the summary."""
    parts: list[RenderableType] = [conv_header(trace, title, about, command), Text("")]
    parts += _cells(cells, full, lambda c: conv_cell_view(trace, c, names), lambda c: conv_compact(trace, c))
    parts.append(conv_summary(trace, names))
    return Group(*parts)


# -- pooling --------------------------------------------------------------------------------------


def pool_cell_view(trace: PoolTrace, cell: PoolCell) -> Group:
    kh, kw = trace.shape.kernel
    many = trace.input.shape[0] > 1
    where = {
        "row": cell.row,
        "col": cell.col,
        "window": f"{kh}×{kw}",
        "rows": _range(cell.top, cell.top + kh - 1),
        "cols": _range(cell.left, cell.left + kw - 1),
    }
    if many:
        head_text = _(
            "Channel {channel}, cell ({row}, {col}): {window} window at input rows {rows}, columns {cols}"
        ).format(channel=cell.channel, **where)
    else:
        head_text = _("Cell ({row}, {col}): {window} window at input rows {rows}, columns {cols}").format(
            **where
        )
    head = prose(head_text, STYLE_HEAD)
    marks: dict[tuple[int, int], str] = {}
    pt, pb, pl, pr = _pads(trace.shape.padding)
    h, w = trace.input.shape[1:]
    for r in range(cell.top, cell.top + kh):
        for c in range(cell.left, cell.left + kw):
            if -pt <= r < h + pb and -pl <= c < w + pr:
                marks[r, c] = "window"
    if cell.winner:
        marks[cell.winner] = "winner"
    out = trace.output[cell.channel - 1]
    ho, wo = out.shape
    order = cell.row * wo + cell.col
    pending = [(i, j) for i in range(ho) for j in range(wo) if i * wo + j > order]
    line = Text(f"{cell.op}: " if cell.op not in WINNER_OPS else "")
    line.append(cell.text)
    return Group(
        head,
        side_by_side(
            titled(
                _("input channel {channel}").format(channel=cell.channel) if many else _("input"),
                grid(trace.input[cell.channel - 1], marks, (pt, pb, pl, pr)),
            ),
            titled(_("output"), grid(out, {(cell.row, cell.col): "current"}, pending=pending)),
        ),
        prose(line),
    )


def pool_compact(trace: PoolTrace, cell: PoolCell) -> RenderableType:
    where = (
        _("ch{channel} ({row}, {col})").format(channel=cell.channel, row=cell.row, col=cell.col)
        if trace.input.shape[0] > 1
        else f"({cell.row}, {cell.col})"
    )
    return prose(f"{where}: {cell.text}")


def pool_header(trace: PoolTrace, title: str = "", about: str = "", command: str = "") -> Group:
    c, h, w = trace.input.shape
    parts: list[RenderableType] = []
    if title:
        parts.append(prose(title, STYLE_HEAD))
    if about:
        parts.append(prose(about))
    if command:
        parts.append(prose(_("same as: {command}").format(command=command), "dim"))
    kh, kw = trace.shape.kernel
    parts.append(
        prose(
            _(
                "{pooling} of a {input} input: kernel {kernel}, stride {stride}, padding {padding}{ceil} "
                "→ output {output}"
            ).format(
                pooling=translated(POOLINGS[trace.op]),
                input=f"{c}×{h}×{w}",
                kernel=f"{kh}×{kw}",
                stride=fmt_axes(trace.shape.stride),
                padding=fmt_padding(trace.shape.padding),
                ceil=_(", ceil mode") if trace.shape.ceil else "",
                output="×".join(map(str, trace.output.shape)),
            )
        )
    )
    parts.append(steps_view(trace.shape.steps, trace.shape.all_notes))
    return Group(*parts)


def pool_backward_view(trace: PoolTrace) -> Group:
    parts: list[RenderableType] = [prose(_("Backward: where each output's gradient goes"), STYLE_HEAD)]
    parts += [Text(r.text) for r in trace.routes]
    if trace.grad_input is not None and trace.grad_output is not None:
        items = []
        many = trace.input.shape[0] > 1
        for c in range(trace.input.shape[0]):
            out_title, in_title = "∂L/∂out", "∂L/∂input"
            if many:
                out_title = _("∂L/∂out (channel {channel})").format(channel=c + 1)
                in_title = _("∂L/∂input (channel {channel})").format(channel=c + 1)
            items.append(titled(out_title, grid(trace.grad_output[c])))
            items.append(titled(in_title, grid(trace.grad_input[c])))
        parts.append(side_by_side(*items))
    parts += [bullet(n, "dim") for n in trace.notes]
    return Group(*parts)


def pool_view(
    trace: PoolTrace,
    cells: Sequence[PoolCell],
    full: Sequence[PoolCell],
    title: str = "",
    about: str = "",
    command: str = "",
) -> Group:
    parts: list[RenderableType] = [pool_header(trace, title, about, command), Text("")]
    parts += _cells(cells, full, lambda c: pool_cell_view(trace, c), lambda c: pool_compact(trace, c))
    many = trace.input.shape[0] > 1
    parts.append(
        side_by_side(
            *(
                titled(
                    _("output channel {channel}").format(channel=c + 1) if many else _("output"),
                    grid(trace.output[c]),
                )
                for c in range(trace.output.shape[0])
            )
        )
    )
    if trace.routes:
        parts += [Text(""), pool_backward_view(trace)]
    return Group(*parts)


# -- sections: the step-throughs of layers that are not convolutions, and lessons ------------------


def table_view(table) -> Group:
    """A `Table` block: its title, the cells under a rule, its notes dimmed."""
    from rich import box
    from rich.table import Table as RichTable

    grid_ = RichTable(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style=STYLE_HEAD)
    for i, header in enumerate(table.headers):
        how = table.align[i] if i < len(table.align) else "l"
        grid_.add_column(header, justify={"r": "right", "c": "center"}.get(how, "left"), no_wrap=how == "r")
    for row in table.rows:
        grid_.add_row(*(_cell_text(cell) for cell in row))
    parts: list[RenderableType] = [prose(table.title, STYLE_HEAD), grid_]
    parts += [bullet(n, "dim") for n in table.notes]
    return Group(*parts)


def _cell_text(cell: str) -> RenderableType:
    """A table cell as rich draws it, or wrapped between characters when it holds Chinese."""
    shown = prose(cell)
    return cell if isinstance(shown, Text) else shown


def section_view(block) -> RenderableType:
    """A `Para`, `Worked` or `Table` block."""
    from cnncalc.lessons.blocks import Para, Table, Worked

    if isinstance(block, Para):
        return prose(block.text)
    if isinstance(block, Worked):
        body = Padding(steps_view(block.steps, block.notes), (0, 0, 0, 2), expand=False)
        return titled(block.title, body) if block.title else body
    if isinstance(block, Table):
        return table_view(block)
    raise TypeError(_("not a section: {kind}").format(kind=type(block).__name__))


def sections_view(head: str, sections: Sequence) -> Group:
    """A step-through: its one-line summary, then each section with a blank line after it."""
    parts: list[RenderableType] = [prose(head, STYLE_HEAD), Text("")]
    for block in sections:
        parts += [section_view(block), Text("")]
    return Group(*parts[:-1])


# -- lessons and quiz -----------------------------------------------------------------------------


def lesson_list_view(items: Sequence[tuple[str, str]]) -> Group:
    table = Table.grid(padding=(0, 3))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for name, title in items:
        table.add_row(name, _cell_text(title))
    return Group(prose(_("Lessons (run one with `cnncalc lesson NAME`):"), STYLE_HEAD), table)


def _trace_cells(trace, full: Sequence[tuple[int, int, int]]):
    """A lesson shows only its chosen cells (in full), then the finished output."""
    chosen = [trace.cell(k - 1, r, c) for k, r, c in full]
    return chosen, chosen


def lesson_view(lesson) -> Group:
    """A lesson's explanation, worked examples and question (the answer comes after)."""
    from cnncalc.lessons.guided import ConvShow, PoolShow

    parts: list[RenderableType] = [prose(lesson.title, "bold underline"), Text("")]
    for block in lesson.blocks:
        if isinstance(block, ConvShow):
            cells, full = _trace_cells(block.trace, block.full)
            parts.append(Padding(conv_view(block.trace, cells, full), (0, 0, 0, 2), expand=False))
        elif isinstance(block, PoolShow):
            cells, full = _trace_cells(block.trace, block.full)
            parts.append(Padding(pool_view(block.trace, cells, full), (0, 0, 0, 2), expand=False))
        else:
            parts.append(section_view(block))
        parts.append(Text(""))
    parts.append(prose(_("Question: {prompt}").format(prompt=lesson.question.prompt), STYLE_HEAD))
    return Group(*parts)


def fmt_answer(v: int | float) -> str:
    """Answers as the steps print them: 307392 → '307,392'."""
    return f"{v:,}" if isinstance(v, int) and abs(v) >= 10000 else fmt_number(v)


def _verdict(correct: bool | None, given: str | None, answer: int | float) -> RenderableType:
    if correct:
        return prose(_("✓ correct: {answer}").format(answer=fmt_answer(answer)), "bold green")
    if correct is None or given is None:
        return prose(
            _("(no answer) the answer is {answer}").format(answer=fmt_answer(answer)), style="bold yellow"
        )
    return prose(
        _("✗ not quite: you said {given}, the answer is {answer}").format(
            given=given.strip(), answer=fmt_answer(answer)
        ),
        style="bold red",
    )


def lesson_feedback_view(question, given: str | None, correct: bool | None) -> Group:
    parts: list[RenderableType] = [_verdict(correct, given, question.answer)]
    if not correct:
        parts.append(Padding(steps_view(question.steps), (0, 0, 0, 2), expand=False))
    if question.explain:
        parts.append(prose(question.explain, "dim"))
    return Group(*parts)


def quiz_question_view(problem, number: int, total: int) -> RenderableType:
    t = Text(
        _("Q{number}/{total} [{topic}] ").format(number=number, total=total, topic=problem.topic),
        style=STYLE_HEAD,
    )
    t.append(problem.question)
    return prose(t)


def quiz_feedback_view(graded) -> Group:
    """✓, or the answer with its worked solution and the command that shows it."""
    problem = graded.problem
    if graded.correct:
        return Group(_verdict(True, graded.given, problem.answer), Text(""))
    shown = " ".join(
        a if " " not in a and "|" not in a and ";" not in a else f'"{a}"' for a in problem.command
    )
    parts: list[RenderableType] = [
        _verdict(False if graded.given is not None else None, graded.given, problem.answer)
    ]
    for n, m in enumerate(graded.mistakes):
        said = (
            _("Your answer is what you get with {mistake}: {explain}.")
            if n == 0
            else _("Or with {mistake}: {explain}.")
        )
        parts.append(Padding(prose(said.format(mistake=m.name, explain=m.explain), "yellow"), (0, 0, 0, 2)))
    parts.append(Padding(steps_view(problem.steps, problem.notes), (0, 0, 0, 2), expand=False))
    if shown:
        parts.append(prose("  " + _("see: cnncalc {command}").format(command=shown), "dim"))
    parts.append(Text(""))
    return Group(*parts)
