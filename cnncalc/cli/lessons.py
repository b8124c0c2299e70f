"""The tutor commands: `step conv`, `step pool`, `lesson`, `quiz`.

`step conv` and `step pool` call the Python API's `step_conv` and `step_pool` (`cnncalc.api.step`)
and print, walk through or save what they return. NumPy and rich are imported inside the commands
(the calculator commands must start fast).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cnncalc.arith.errors import CnnCalcError
from cnncalc.cli.errors import LocalGroup, reported
from cnncalc.cli.options import NUMBER, JsonOpt
from cnncalc.cli.output import emit_json
from cnncalc.cli.step_layers import TOUR as LAYER_TOUR
from cnncalc.cli.step_layers import add_step_commands
from cnncalc.cli.tutor_output import HtmlOpt, SvgOpt, check_copies, open_screen, save_copies
from cnncalc.i18n import N_, _
from cnncalc.lessons.examples import example_names

if TYPE_CHECKING:
    from rich.console import RenderableType

    from cnncalc.api.step import WindowSteps
    from cnncalc.lessons.quiz import Graded, Problem
    from cnncalc.lessons.step import ConvTrace, PoolTrace
    from cnncalc.render.console import Screen

TOUR = [
    (
        N_("Step through d2l's convolution, every cell written out"),
        ["step", "conv", "--example", "d2l", "--all"],
    ),
    (
        N_("Two input channels: partial sums per channel"),
        ["step", "conv", "--example", "multichannel", "--cell", "0,0"],
    ),
    (
        N_("Max pooling: which cell wins, and where the gradient goes"),
        ["step", "pool", "--example", "maxpool", "--backward"],
    ),
    (
        N_("Min pooling (note 002): the smallest value of each window"),
        ["step", "pool", "--example", "minpool", "--cell", "0,0"],
    ),
    *LAYER_TOUR,
    (N_("A guided lesson: why weight sharing matters"), ["lesson", "params", "--answer", "5184"]),
    (
        N_("A guided lesson: why pool (small shifts, and the parameters after it)"),
        ["lesson", "pool-why", "--answer", "15690"],
    ),
    (
        N_("A guided lesson that trains for real: overfitting, dropout, weight decay, early stopping"),
        ["lesson", "overfitting", "--answer", "4"],
    ),
    (
        N_("Why skip connections help: the gradient through 20 blocks, with and without shortcuts"),
        ["lesson", "residual", "--answer", "8448"],
    ),
]

step_app = typer.Typer(
    cls=LocalGroup,
    help=_(
        "Step through a layer with the arithmetic written out: a convolution or a pooling cell by cell, "
        "softmax and cross-entropy, activations, the gradient through depth, two linear layers, batch norm, "
        "dropout."
    ),
    epilog=_(
        "\b\nExamples:\n"
        '  cnncalc step conv --input "0 1 2; 3 4 5; 6 7 8" --kernel "0 1; 2 3"\n'
        "  cnncalc step conv --example edges --all\n"
        "  cnncalc step pool --op max --example maxpool --backward\n"
        '  cnncalc step softmax --logits "2 1 0.1" --label 0\n'
        "  cnncalc step gradient --fn sigmoid,relu --depth 10"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)

InputOpt = Annotated[
    str | None,
    typer.Option("--input", "-i", help=_("Input matrix: numbers by spaces, rows by ';', channels by '|'.")),
]
StrideOpt = Annotated[str | None, typer.Option("--stride", "-s", help=_("Stride: N or AxB."))]
PaddingOpt = Annotated[str | None, typer.Option("--padding", "-p", help=_("Padding: N, AxB, same or valid."))]
ConvExampleOpt = Annotated[
    str | None,
    typer.Option(
        "--example", "-e", help=_("Built-in example: {names}.").format(names=", ".join(example_names("conv")))
    ),
]
PoolExampleOpt = Annotated[
    str | None,
    typer.Option(
        "--example", "-e", help=_("Built-in example: {names}.").format(names=", ".join(example_names("pool")))
    ),
]
AllOpt = Annotated[
    bool, typer.Option("--all", "-a", help=_("Show every step at once (no pausing on a terminal)."))
]
CellOpt = Annotated[
    str | None, typer.Option("--cell", help=_("Show only output cell ROW,COL (0-based), e.g. 1,0."))
]


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _walk(screen: Screen, header: RenderableType, cells: list, full_view, summary: RenderableType) -> None:
    """Interactive: one cell per Enter, `q` to stop."""
    from rich.text import Text

    screen.print(header)
    for n, cell in enumerate(cells, 1):
        screen.print(Text(""))
        screen.print(full_view(cell))
        if n < len(cells):
            screen.print(
                Text(
                    _("[{n}/{total}] Enter: next cell · q: quit").format(n=n, total=len(cells)), style="dim"
                ),
                end=" ",
            )
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
            help=_("Kernel matrix (one per input channel, split by '|'); repeat for several kernels."),
        ),
    ] = None,
    bias: Annotated[
        list[str] | None,
        typer.Option("--bias", "-b", help=_("One bias per kernel: repeat, or a comma list like 1,0.")),
    ] = None,
    stride: StrideOpt = None,
    padding: PaddingOpt = None,
    dilation: Annotated[
        str | None, typer.Option("--dilation", "-d", help=_("Dilation: N or AxB (1 = no gaps)."))
    ] = None,
    example: ConvExampleOpt = None,
    all_: AllOpt = False,
    cell: CellOpt = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            "-t",
            help=_("Also show 1 where the value is above T, else 0 (note 002)."),
            click_type=NUMBER,
        ),
    ] = None,
    relu: Annotated[bool, typer.Option("--relu", help=_("Also show ReLU(value) = max(0, value)."))] = False,
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
        check_copies(svg, html)
        from cnncalc.api.step import step_conv

        report = step_conv(
            input=input,
            kernel=kernel or None,
            bias=bias or None,
            stride=stride,
            padding=padding,
            dilation=dilation,
            example=example,
            cell=cell,
            threshold=threshold,
            relu=relu,
        )
        if json_:
            emit_json(report.to_dict())
            return
        _present(report, every_cell=all_ or cell is not None, svg=svg, html=html)


@step_app.command("pool")
def step_pool_command(
    input: InputOpt = None,
    op: Annotated[str, typer.Option("--op", help=_("max, min, avg or sum."))] = "max",
    kernel: Annotated[str | None, typer.Option("--kernel", "-k", help=_("Window size: N or AxB."))] = None,
    stride: Annotated[
        str | None, typer.Option("--stride", "-s", help=_("Stride: N or AxB (default: the kernel)."))
    ] = None,
    padding: PaddingOpt = None,
    ceil: Annotated[
        bool, typer.Option("--ceil", help=_("PyTorch's ceil_mode: keep a last, partial window."))
    ] = False,
    backward: Annotated[
        bool,
        typer.Option(
            "--backward", help=_("Show how the gradient routes back (max: winner only; avg: split).")
        ),
    ] = False,
    grad: Annotated[
        str | None,
        typer.Option("--grad", help=_("Upstream gradient matrix for --backward (default: all ones).")),
    ] = None,
    example: PoolExampleOpt = None,
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
        check_copies(svg, html)
        from cnncalc.api.step import step_pool

        report = step_pool(
            input=input,
            op=op,
            kernel=kernel,
            stride=stride,
            padding=padding,
            ceil=ceil,
            backward=backward,
            grad=grad,
            example=example,
            cell=cell,
        )
        if json_:
            emit_json(report.to_dict())
            return
        _present(report, every_cell=all_ or cell is not None, svg=svg, html=html)


def _present(report: WindowSteps, every_cell: bool, svg: Path | None, html: Path | None) -> None:
    """On a terminal one cell per Enter; piped, exported or asked for (--all, --cell), the whole
    picture, every cell in full up to `cnncalc.api.step.FULL_CELLS`."""
    screen = open_screen(record=bool(svg or html))
    if not every_cell and _interactive() and not (svg or html):
        _walk(screen, report.header(), list(report.cells), report.cell_view, report.closing())
        return
    if every_cell and len(report.cells) > 1:
        _check_shown(report.trace, len(report.cells))
    screen.print(report.view(every_cell))
    ex = report.example
    save_copies(screen, svg, html, f"cnncalc step {report.kind}{' --example ' + ex.name if ex else ''}")


def _check_shown(trace: ConvTrace | PoolTrace, cells: int) -> None:
    """--all draws the padded input grid once per cell: refuse more than STEP_MAX_SHOWN grid cells."""
    from cnncalc.safety.limits import STEP_MAX_SHOWN

    grid = trace.input.shape[0] * math.prod(
        n + before + after for n, (before, after) in zip(trace.shape.input, trace.shape.padding, strict=True)
    )
    if cells * grid > STEP_MAX_SHOWN:
        raise CnnCalcError(
            _(
                "--all would draw the {grid:,}-cell padded input {cells:,} times, more than the {most:,} cells a "
                "lesson shows; pick one with --cell ROW,COL, or leave out --all (every cell is then one line)"
            ),
            grid=grid,
            cells=cells,
            most=STEP_MAX_SHOWN,
        )


add_step_commands(step_app)


def lesson(
    name: Annotated[str | None, typer.Argument(help=_("The lesson to run; see --list."))] = None,
    list_: Annotated[bool, typer.Option("--list", "-l", help=_("List the lessons."))] = False,
    answer: Annotated[
        str | None,
        typer.Option("--answer", help=_("Answer the lesson's question without being asked (for scripts).")),
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

        check_copies(svg, html)
        if list_ or name is None:
            _list_lessons(json_, svg, html)
            return
        built = build_lesson(name)
        from cnncalc.render.lessons import lesson_feedback_view, lesson_view

        screen = open_screen(record=bool(svg or html))
        if not json_:
            screen.print(lesson_view(built))
        from cnncalc.safety.text import printable

        given = (
            printable(answer) if answer is not None else _read_answer(built.question.prompt, screen, json_)
        )
        result = check_answer(built.question, given)
        if json_:
            data = built.to_dict()
            data["given"] = given
            data["correct"] = result
            emit_json(data)
            return
        screen.print(lesson_feedback_view(built.question, given, result))
        save_copies(screen, svg, html, f"cnncalc lesson {built.name}")


def _list_lessons(json_: bool, svg: Path | None, html: Path | None) -> None:
    from cnncalc.lessons.guided import LESSONS, lesson_title

    if json_:
        emit_json({"lessons": [{"name": k, "title": lesson_title(k)} for k in LESSONS]})
        return
    from cnncalc.render.lessons import lesson_list_view

    screen = open_screen(record=bool(svg or html))
    screen.print(lesson_list_view([(k, lesson_title(k)) for k in LESSONS]))
    save_copies(screen, svg, html, "cnncalc lesson --list")


def _read_answer(prompt: str, screen: Screen | None, quiet: bool) -> str | None:
    """One answer: prompted on a terminal, else the next stdin line; None when stdin is exhausted.

    A line is read up to MAX_ANSWER_CHARS (an answer is a number) and its control characters are
    escaped before it is shown or graded: stdin may hold anything.
    """
    from cnncalc.safety.bounded import read_line
    from cnncalc.safety.limits import MAX_ANSWER_CHARS
    from cnncalc.safety.text import printable

    if _interactive() and not quiet:
        try:
            return printable(input(_("your answer: "))[:MAX_ANSWER_CHARS])
        except EOFError:
            return None
    line = read_line(sys.stdin, MAX_ANSWER_CHARS)
    if line is None:
        return None
    line = printable(line.strip())
    if screen is not None and not quiet:
        screen.print(_("your answer: {answer}").format(answer=line))
    return line


def quiz(
    topic: Annotated[
        str,
        typer.Option(
            "--topic",
            help=_("shape, params, rf, pool, activations, softmax, batchnorm, dropout, overfitting or all."),
        ),
    ] = "all",
    count: Annotated[int, typer.Option("--count", "-n", help=_("Number of questions."), min=1, max=100)] = 5,
    seed: Annotated[
        int | None, typer.Option("--seed", help=_("Random seed: the same seed gives the same questions."))
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """A quiz on the notes, graded exactly; a wrong answer shows the worked solution and, when it is a
    common mistake (padding left out, the floor forgotten, biases counted or not …), which one.

    \b
    Examples:
      cnncalc quiz
      cnncalc quiz --topic params --count 3 --seed 7
      cnncalc quiz --topic softmax --count 3
      printf '92\\n5184\\n' | cnncalc quiz --seed 1 --count 2
    Answers are read from stdin one per line; a missing answer counts as unanswered. No question is
    asked twice in one quiz; answers asked to 3 decimals count within one unit of the last decimal.
    """
    with reported("quiz"):
        import random

        from cnncalc.lessons.quiz import QuizResult, make_quiz

        chosen_seed = seed if seed is not None else random.SystemRandom().randrange(10**6)
        problems = make_quiz(topic, count, chosen_seed)
        result = QuizResult(topic, chosen_seed, _ask(problems, None if json_ else open_screen()))
        if json_:
            emit_json(result.to_dict())
            return
        from rich.text import Text

        screen = open_screen()
        screen.print(
            Text(_("Score: {score}/{total}").format(score=result.score, total=len(problems)), style="bold")
        )
        if seed is None:
            repeat = _("(seed {seed}: `cnncalc quiz --seed {seed}` repeats these questions)").format(
                seed=chosen_seed
            )
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


def register(app: typer.Typer) -> None:
    app.add_typer(step_app, name="step")
    app.command("lesson")(lesson)
    app.command("quiz")(quiz)
