"""The tutor commands: `step conv`, `step pool`, `lesson`, `quiz`.

NumPy and rich are imported inside the commands (the calculator commands must start fast).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.parsing import parse_int, parse_padding, parse_sizes
from cnncalc.cli.errors import reported
from cnncalc.cli.options import JsonOpt
from cnncalc.cli.output import emit_json, use_color

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import RenderableType

    from cnncalc.lessons.examples import Example
    from cnncalc.lessons.quiz import Graded, Problem
    from cnncalc.lessons.step import ConvTrace, PoolTrace
    from cnncalc.render.console import Screen

TOUR = [
    ("Step through d2l's convolution, every cell written out", ["step", "conv", "--example", "d2l", "--all"]),
    (
        "Two input channels: partial sums per channel",
        ["step", "conv", "--example", "multichannel", "--cell", "0,0"],
    ),
    (
        "Max pooling: which cell wins, and where the gradient goes",
        ["step", "pool", "--example", "maxpool", "--backward"],
    ),
    ("A guided lesson: why weight sharing matters", ["lesson", "params", "--answer", "5184"]),
    (
        "Why skip connections help: the gradient through 20 blocks, with and without shortcuts",
        ["lesson", "residual", "--answer", "8448"],
    ),
]

# Piped output shows every cell in full up to this many cells, then one line per cell.
FULL_CELLS = 16

step_app = typer.Typer(
    help="Step through a convolution or a pooling cell by cell, with the arithmetic written out.",
    epilog=(
        "\b\nExamples:\n"
        '  cnncalc step conv --input "0 1 2; 3 4 5; 6 7 8" --kernel "0 1; 2 3"\n'
        "  cnncalc step conv --example edges --all\n"
        "  cnncalc step pool --op max --example maxpool --backward"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)

InputOpt = Annotated[
    str | None,
    typer.Option("--input", "-i", help="Input matrix: numbers by spaces, rows by ';', channels by '|'."),
]
StrideOpt = Annotated[str | None, typer.Option("--stride", "-s", help="Stride: N or AxB.")]
PaddingOpt = Annotated[str | None, typer.Option("--padding", "-p", help="Padding: N, AxB, same or valid.")]
ExampleOpt = Annotated[
    str | None,
    typer.Option(
        "--example",
        "-e",
        help="Built-in example: edges, d2l, cs231n, multichannel, stride, padding, maxpool.",
    ),
]
AllOpt = Annotated[
    bool, typer.Option("--all", "-a", help="Show every step at once (no pausing on a terminal).")
]
CellOpt = Annotated[
    str | None, typer.Option("--cell", help="Show only output cell ROW,COL (0-based), e.g. 1,0.")
]
SvgOpt = Annotated[Path | None, typer.Option("--svg", help="Also save the output as an SVG picture.")]
HtmlOpt = Annotated[Path | None, typer.Option("--html", help="Also save the output as an HTML page.")]


def _screen(record: bool = False) -> Screen:
    from cnncalc.render.console import Screen

    return Screen(color=use_color(), record=record)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _finish(screen: Screen, svg: Path | None, html: Path | None, title: str) -> None:
    for path, kind in ((svg, "svg"), (html, "html")):
        if path is not None:
            saved = screen.save(path, kind, title)
            sys.stderr.write(f"saved {saved}\n")


def _parse_cell(text: str, out_hw: tuple[int, int]) -> tuple[int, int]:
    parts = [p for p in text.replace("x", ",").replace(" ", ",").split(",") if p]
    if len(parts) != 2:
        raise UsageError(f"--cell {text!r} is not ROW,COL; write e.g. --cell 0,1")
    r, c = (parse_int(p, "--cell", minimum=0) for p in parts)
    h, w = out_hw
    if r >= h or c >= w:
        raise CnnCalcError(f"--cell {r},{c} is outside the {h}×{w} output; rows 0–{h - 1}, columns 0–{w - 1}")
    return r, c


def _shown(argv: list[str]) -> str:
    """The equivalent command line, when it is short enough to be worth copying."""
    text = " ".join(a if a and " " not in a and "|" not in a and ";" not in a else f'"{a}"' for a in argv)
    return text if len(text) <= 160 else ""


def _walk(screen: Screen, header: RenderableType, cells: list, full_view, summary: RenderableType) -> None:
    """Interactive: one cell per Enter, `q` to stop."""
    from rich.text import Text

    screen.print(header)
    for n, cell in enumerate(cells, 1):
        screen.print(Text(""))
        screen.print(full_view(cell))
        if n < len(cells):
            screen.print(Text(f"[{n}/{len(cells)}] Enter: next cell · q: quit", style="dim"), end=" ")
            try:
                answer = input()
            except EOFError:
                break
            if answer.strip().lower() in ("q", "quit", "exit"):
                break
    screen.print(Text(""))
    screen.print(summary)


@step_app.command("conv")
def step_conv_command(
    input: InputOpt = None,
    kernel: Annotated[
        list[str] | None,
        typer.Option(
            "--kernel",
            "-k",
            help="Kernel matrix (one per input channel, split by '|'); repeat for several kernels.",
        ),
    ] = None,
    bias: Annotated[
        list[str] | None,
        typer.Option("--bias", "-b", help="One bias per kernel: repeat, or a comma list like 1,0."),
    ] = None,
    stride: StrideOpt = None,
    padding: PaddingOpt = None,
    dilation: Annotated[
        str | None, typer.Option("--dilation", "-d", help="Dilation: N or AxB (1 = no gaps).")
    ] = None,
    example: ExampleOpt = None,
    all_: AllOpt = False,
    cell: CellOpt = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", "-t", help="Also show 1 where the value is above T, else 0 (note 002)."),
    ] = None,
    relu: Annotated[bool, typer.Option("--relu", help="Also show ReLU(value) = max(0, value).")] = False,
    json_: JsonOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """Step through a convolution: every output cell's products, partial sums, bias and value.

    \b
    Examples:
      cnncalc step conv --input "0 1 2; 3 4 5; 6 7 8" --kernel "0 1; 2 3"
      cnncalc step conv --example cs231n --cell 1,1
      cnncalc step conv --example edges --all
      cnncalc step conv -i "1 2; 3 4 | 5 6; 7 8" -k "1 0; 0 1 | 0 1; 1 0" -k "1 1; 1 1 | 0 0; 0 0" --bias 1,0 --padding 1
    On a terminal, Enter shows the next cell and q stops; piped or with --all, every cell is printed.
    """
    with reported("step conv"):
        if threshold is not None and not math.isfinite(threshold):
            raise UsageError(f"--threshold {threshold} is not a finite number; write e.g. --threshold 2")
        if input is None and kernel:
            raise UsageError("--kernel needs an --input matrix too (or use --example NAME)")
        ex = _chosen_example(example, input, "conv")
        trace = _conv_trace(ex, input, kernel, bias, stride, padding, dilation, threshold, relu)
        cells = _selected_cells(trace, cell)
        if json_:
            _emit_trace(trace, cells, ex)
            return
        _present("conv", trace, cells, ex, every_cell=all_ or cell is not None, svg=svg, html=html)


def _chosen_example(example: str | None, input: str | None, kind: str) -> Example | None:
    """The example to run: the one named, or the command's default when no --input is given."""
    from cnncalc.lessons.examples import DEFAULT, get_example

    if input is None:
        return get_example(example or DEFAULT[kind], kind)
    if example is not None:
        raise UsageError("give either --example or --input, not both")
    return None


def _conv_trace(
    ex: Example | None,
    input: str | None,
    kernel: list[str] | None,
    bias: list[str] | None,
    stride: str | None,
    padding: str | None,
    dilation: str | None,
    threshold: float | None,
    relu: bool,
) -> ConvTrace:
    """The options (each one given overrides the example's) parsed and stepped through."""
    from cnncalc.lessons.matrix import parse_matrix, parse_numbers
    from cnncalc.lessons.step import step_conv

    x = parse_matrix(ex.input if ex else input, "--input")
    kernel_texts = list(ex.kernels) if ex else list(kernel or [])
    if not kernel_texts:
        raise UsageError('give at least one --kernel matrix, e.g. --kernel "0 1; 2 3"')
    kernels = [
        parse_matrix(k, f"--kernel {n}" if len(kernel_texts) > 1 else "--kernel")
        for n, k in enumerate(kernel_texts, 1)
    ]
    biases = parse_numbers(bias, "--bias") if bias else (list(ex.bias) if ex and ex.bias else None)
    return step_conv(
        x,
        kernels,
        biases,
        parse_sizes(stride or (ex.stride if ex and ex.stride else "1"), "--stride"),
        parse_padding(padding or (ex.padding if ex else "0"), "--padding"),
        parse_sizes(dilation or (ex.dilation if ex else "1"), "--dilation"),
        threshold if threshold is not None else (ex.threshold if ex else None),
        relu or bool(ex and ex.relu),
    )


@step_app.command("pool")
def step_pool_command(
    input: InputOpt = None,
    op: Annotated[str, typer.Option("--op", help="max, avg or sum.")] = "max",
    kernel: Annotated[str | None, typer.Option("--kernel", "-k", help="Window size: N or AxB.")] = None,
    stride: Annotated[
        str | None, typer.Option("--stride", "-s", help="Stride: N or AxB (default: the kernel).")
    ] = None,
    padding: PaddingOpt = None,
    ceil: Annotated[
        bool, typer.Option("--ceil", help="PyTorch's ceil_mode: keep a last, partial window.")
    ] = False,
    backward: Annotated[
        bool,
        typer.Option("--backward", help="Show how the gradient routes back (max: winner only; avg: split)."),
    ] = False,
    grad: Annotated[
        str | None,
        typer.Option("--grad", help="Upstream gradient matrix for --backward (default: all ones)."),
    ] = None,
    example: ExampleOpt = None,
    all_: AllOpt = False,
    cell: CellOpt = None,
    json_: JsonOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """Step through a pooling: each window, its values and the result (max shows the winner).

    \b
    Examples:
      cnncalc step pool --input "1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7" --kernel 2
      cnncalc step pool --op avg --input "1 2 3; 4 5 6; 7 8 9" --kernel 2 --stride 1
      cnncalc step pool --example maxpool --backward
      cnncalc step pool -i "1 2 3 4 5; 6 7 8 9 0; 1 2 3 4 5; 6 7 8 9 0; 1 2 3 4 5" -k 2 --ceil
    """
    with reported("step pool"):
        ex = _chosen_example(example, input, "pool")
        if ex is None and kernel is None:
            raise UsageError("give the pooling window with --kernel, e.g. --kernel 2")
        if grad is not None and not backward:
            raise UsageError("--grad is the upstream gradient for --backward; add --backward")
        trace = _pool_trace(ex, input, op, kernel, stride, padding, ceil, backward, grad)
        cells = _selected_cells(trace, cell)
        if json_:
            _emit_trace(trace, cells, ex)
            return
        _present("pool", trace, cells, ex, every_cell=all_ or cell is not None, svg=svg, html=html)


def _pool_trace(
    ex: Example | None,
    input: str | None,
    op: str,
    kernel: str | None,
    stride: str | None,
    padding: str | None,
    ceil: bool,
    backward: bool,
    grad: str | None,
) -> PoolTrace:
    """The options (each one given overrides the example's) parsed and stepped through."""
    from cnncalc.lessons.matrix import parse_matrix
    from cnncalc.lessons.step import step_pool

    x = parse_matrix(ex.input if ex else input, "--input")
    if stride is None and ex is not None and ex.stride:
        stride = ex.stride
    return step_pool(
        x,
        ex.op if ex and op == "max" else op,
        parse_sizes(kernel or ex.pool_kernel, "--kernel"),
        parse_sizes(stride, "--stride") if stride else None,
        parse_padding(padding or (ex.padding if ex else "0"), "--padding"),
        ceil,
        backward,
        parse_matrix(grad, "--grad") if grad is not None else None,
    )


def _present(
    kind: str,
    trace: ConvTrace | PoolTrace,
    cells: list,
    ex: Example | None,
    every_cell: bool,
    svg: Path | None,
    html: Path | None,
) -> None:
    """On a terminal one cell per Enter; piped, exported or asked for (--all, --cell), the whole
    picture, every cell in full up to FULL_CELLS."""
    header, cell_view, summary, whole = _views(kind, trace, ex)
    screen = _screen(record=bool(svg or html))
    if not every_cell and _interactive() and not (svg or html):
        _walk(screen, header(), cells, cell_view, summary())
        return
    full = cells if (every_cell or len(cells) <= FULL_CELLS) else cells[:1]
    screen.print(whole(cells, full))
    _finish(screen, svg, html, f"cnncalc step {kind}{' --example ' + ex.name if ex else ''}")


def _views(kind: str, trace, ex: Example | None) -> tuple[Callable, Callable, Callable, Callable]:
    """The renderers of a conv or pool trace: header, one cell, summary, and the whole picture."""
    from rich.console import Group

    from cnncalc.render import lessons as views

    title, about = (ex.title, ex.about) if ex else ("", "")
    command = _shown(ex.argv()) if ex else ""
    if kind == "conv":
        names = ex.names if ex else ()
        return (
            lambda: views.conv_header(trace, title, about, command),
            lambda c: views.conv_cell_view(trace, c, names),
            lambda: views.conv_summary(trace, names),
            lambda cells, full: views.conv_view(trace, cells, full, title, about, command, names),
        )

    def summary() -> Group:
        outputs = [views.titled("output", views.grid(out)) for out in trace.output]
        return Group(*outputs, *([views.pool_backward_view(trace)] if trace.routes else []))

    return (
        lambda: views.pool_header(trace, title, about, command),
        lambda c: views.pool_cell_view(trace, c),
        summary,
        lambda cells, full: views.pool_view(trace, cells, full, title, about, command),
    )


def lesson(
    name: Annotated[str | None, typer.Argument(help="The lesson to run; see --list.")] = None,
    list_: Annotated[bool, typer.Option("--list", "-l", help="List the lessons.")] = False,
    answer: Annotated[
        str | None,
        typer.Option("--answer", help="Answer the lesson's question without being asked (for scripts)."),
    ] = None,
    json_: JsonOpt = False,
    svg: SvgOpt = None,
    html: HtmlOpt = None,
) -> None:
    """A guided lesson: a short explanation, a worked example computed live, and a question.

    \b
    Examples:
      cnncalc lesson --list
      cnncalc lesson conv
      cnncalc lesson params --answer 5184
      echo 5 | cnncalc lesson rf
    The answer is read from stdin (a prompt on a terminal); without one, the lesson shows it.
    """
    with reported("lesson"):
        from cnncalc.lessons.guided import build_lesson, check_answer

        if list_ or name is None:
            _list_lessons(json_, svg, html)
            return
        built = build_lesson(name)
        from cnncalc.render.lessons import lesson_feedback_view, lesson_view

        screen = _screen(record=bool(svg or html))
        if not json_:
            screen.print(lesson_view(built))
        given = answer if answer is not None else _read_answer(built.question.prompt, screen, json_)
        result = check_answer(built.question, given)
        if json_:
            data = built.to_dict()
            data["given"] = given
            data["correct"] = result
            emit_json(data)
            return
        screen.print(lesson_feedback_view(built.question, given, result))
        _finish(screen, svg, html, f"cnncalc lesson {built.name}")


def _list_lessons(json_: bool, svg: Path | None, html: Path | None) -> None:
    from cnncalc.lessons.guided import LESSONS

    if json_:
        emit_json({"lessons": [{"name": k, "title": v[0]} for k, v in LESSONS.items()]})
        return
    from cnncalc.render.lessons import lesson_list_view

    screen = _screen(record=bool(svg or html))
    screen.print(lesson_list_view([(k, v[0]) for k, v in LESSONS.items()]))
    _finish(screen, svg, html, "cnncalc lesson --list")


def _read_answer(prompt: str, screen: Screen | None, quiet: bool) -> str | None:
    """One answer: prompted on a terminal, else the next stdin line; None when stdin is exhausted."""
    if _interactive() and not quiet:
        try:
            return input("your answer: ")
        except EOFError:
            return None
    line = sys.stdin.readline()
    if not line:
        return None
    if screen is not None and not quiet:
        screen.print(f"your answer: {line.strip()}")
    return line.strip()


def quiz(
    topic: Annotated[str, typer.Option("--topic", help="shape, params, rf, pool or all.")] = "all",
    count: Annotated[int, typer.Option("--count", "-n", help="Number of questions.", min=1, max=100)] = 5,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed: the same seed gives the same questions.")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """A quiz on CNN arithmetic, graded exactly; a wrong answer shows the worked solution.

    \b
    Examples:
      cnncalc quiz
      cnncalc quiz --topic params --count 3 --seed 7
      printf '92\\n5184\\n' | cnncalc quiz --seed 1 --count 2
    Answers are read from stdin one per line; a missing answer counts as unanswered.
    """
    with reported("quiz"):
        import random

        from cnncalc.lessons.quiz import QuizResult, make_quiz

        chosen_seed = seed if seed is not None else random.SystemRandom().randrange(10**6)
        problems = make_quiz(topic, count, chosen_seed)
        result = QuizResult(topic, chosen_seed, _ask(problems, None if json_ else _screen()))
        if json_:
            emit_json(result.to_dict())
            return
        from rich.text import Text

        screen = _screen()
        screen.print(Text(f"Score: {result.score}/{len(problems)}", style="bold"))
        if seed is None:
            repeat = f"(seed {chosen_seed}: `cnncalc quiz --seed {chosen_seed}` repeats these questions)"
            screen.print(Text(repeat, style="dim"))


def _ask(problems: list[Problem], screen: Screen | None) -> tuple[Graded, ...]:
    """Each problem in turn, its answer read and graded; with a screen, the question and the
    verdict (and a wrong answer's working) are shown too."""
    from cnncalc.lessons.quiz import grade

    graded = []
    for n, problem in enumerate(problems, 1):
        if screen is not None:
            from cnncalc.render.lessons import quiz_question_view

            screen.print(quiz_question_view(problem, n, len(problems)))
        graded.append(grade(problem, _read_answer(problem.question, screen, screen is None)))
        if screen is not None:
            from cnncalc.render.lessons import quiz_feedback_view

            screen.print(quiz_feedback_view(graded[-1]))
    return tuple(graded)


def _selected_cells(trace, cell: str | None) -> list:
    """Every cell of a trace, or only the one `--cell i,j` names."""
    chosen = None if cell is None else _parse_cell(cell, tuple(trace.output.shape[1:]))
    return [c for c in trace.cells if chosen is None or (c.row, c.col) == chosen]


def _emit_trace(trace, cells: list, ex) -> None:
    data = trace.to_dict()
    data["steps"] = [c.to_dict() for c in cells]
    if ex:
        data["example"] = ex.name
    emit_json(data)


def register(app: typer.Typer) -> None:
    app.add_typer(step_app, name="step")
    app.command("lesson")(lesson)
    app.command("quiz")(quiz)
