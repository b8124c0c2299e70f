"""The step-through pictures, pinned as text at a fixed width (no colour)."""

from __future__ import annotations

import io

from rich.console import Console

from cnncalc.lessons.guided import build_lesson
from cnncalc.lessons.matrix import parse_matrix
from cnncalc.lessons.step import step_conv, step_pool
from cnncalc.render.lessons import (
    conv_cell_view,
    conv_summary,
    lesson_feedback_view,
    lesson_view,
    pool_backward_view,
    pool_cell_view,
)


def render(renderable) -> str:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())


def test_d2l_cell_shows_window_kernel_products_and_the_output_so_far() -> None:
    t = step_conv(parse_matrix("0 1 2; 3 4 5; 6 7 8"), [parse_matrix("0 1; 2 3")])
    assert render(conv_cell_view(t, t.cells[1])) == (
        "Cell (0, 1): window on input rows 0–1, columns 1–2\n"
        "input        kernel\n"
        " 0 [1][2]     0  1\n"
        " 3 [4][5]     2  3\n"
        " 6  7  8\n"
        "1×0 + 2×1 + 4×2 + 5×3 = 25\n"
        "output\n"
        " 19 [25]\n"
        "  ?   ?"
    )


def test_padding_channels_and_bias() -> None:
    t = step_conv(
        parse_matrix("1 2; 3 4 | 5 6; 7 8"), [parse_matrix("1 0; 0 1 | 0 1; 1 0")], [1], padding=(1,)
    )
    assert render(conv_cell_view(t, t.cells[0])) == (
        "Cell (0, 0): window on input rows -1 to 0, columns -1 to 0\n"
        "input channel 1    kernel, channel 1\n"
        "[·][·] ·  ·         1  0\n"
        "[·][1] 2  ·         0  1\n"
        " ·  3  4  ·\n"
        " ·  ·  ·  ·\n"
        "input channel 2    kernel, channel 2\n"
        "[·][·] ·  ·         0  1\n"
        "[·][5] 6  ·         1  0\n"
        " ·  7  8  ·\n"
        " ·  ·  ·  ·\n"
        "channel 1: 0×1 + 0×0 + 0×0 + 1×1 = 1\n"
        "channel 2: 0×0 + 0×1 + 0×1 + 5×0 = 0\n"
        "channel sums + bias: 1 + 0 + 1 = 2\n"
        "output\n"
        "[2] ?  ?\n"
        " ?  ?  ?\n"
        " ?  ?  ?"
    )


def test_threshold_row_and_map() -> None:
    t = step_conv(parse_matrix("0 1 2; 3 4 5; 6 7 8"), [parse_matrix("0 1; 2 3")], threshold=30, relu=True)
    text = render(conv_cell_view(t, t.cells[2]))
    assert "ReLU: max(0, 37) = 37\nthreshold: 37 > 30 → 1" in text
    assert render(conv_summary(t)) == "output      > 30 (█ = 1)\n 19  25      ·  ·\n 37  43      █  █"


def test_max_pool_cell_names_the_winner() -> None:
    t = step_pool(parse_matrix("1 2 3 4; 5 6 7 8; 9 1 2 3; 4 5 6 7"), "max", 2, backward=True)
    assert render(pool_cell_view(t, t.cells[3])) == (
        "Cell (1, 1): 2×2 window at input rows 2–3, columns 2–3\n"
        "input           output\n"
        " 1  2  3  4      6  8\n"
        " 5  6  7  8      9 [7]\n"
        " 9  1 [2][3]\n"
        " 4  5 [6][7]\n"
        "max(2, 3, 6, 7) = 7, from input row 3, column 3"
    )
    back = render(pool_backward_view(t))
    assert "∂L/∂out[1, 1] = 1 → (3, 3) += 1" in back
    assert "gradient flows only to the cell that won" in back


def test_lesson_view_and_feedback() -> None:
    lesson = build_lesson("params")
    text = render(lesson_view(lesson))
    assert text.startswith("Counting parameters, and why weight sharing matters")
    assert "weights = C_in · C_out = 1,000,000 · 1,000,000 = 1,000,000,000,000" in text
    assert text.endswith("How many WEIGHTS does it have (not counting biases)?")
    wrong = render(lesson_feedback_view(lesson.question, "5376", False))
    assert wrong.startswith("✗ not quite: you said 5376, the answer is 5184")
    assert "weights = kh·kw · C_in · C_out = 3·3 · 3 · 192 = 5184" in wrong
    assert render(lesson_feedback_view(lesson.question, "5184", True)).startswith("✓ correct: 5184")


def test_a_table_section_aligns_its_columns_under_a_rule() -> None:
    from cnncalc.lessons.blocks import Table
    from cnncalc.render.lessons import table_view

    table = Table("derivatives", ("x", "ReLU'(x)"), (("-3", "0"), ("0.5", "1")), "rr", ("a note",))
    assert render(table_view(table)) == (
        "derivatives\n  x   ReLU'(x)\n──────────────\n -3          0\n0.5          1\n• a note"
    )


def test_softmax_sections_render_each_step_once() -> None:
    from cnncalc.lessons.softmax import step_softmax
    from cnncalc.render.lessons import sections_view

    text = render(sections_view("Softmax of 2 logits", step_softmax([0, 0], 1).sections))
    assert text.startswith(
        "Softmax of 2 logits\n"
        "\n"
        "1. Exponentials: e^z makes every score positive, and a larger score a larger share\n"
        "  e^z_0 = e^0 = 1\n"
        "  e^z_1 = e^0 = 1\n"
    )
    assert "  L = −ln p_1 = −ln 0.5 = 0.693147\n" in text


def test_a_wrong_quiz_answer_names_the_mistake_or_both() -> None:
    from cnncalc.lessons.problems import Problem, shape_mistakes
    from cnncalc.lessons.quiz import grade
    from cnncalc.render.lessons import quiz_feedback_view

    # n = 10, k = 7, s = 2, p = 2: the answer is 4; without the padding, or with k and s swapped, 2
    problem = Problem("shape", "?", 4, (), mistakes=shape_mistakes(10, 7, 2, 2, 4))
    text = " ".join(render(quiz_feedback_view(grade(problem, "2"))).split())
    assert text.startswith(
        "✗ not quite: you said 2, the answer is 4 Your answer is what you get with padding left out: "
        "⌊(10 − 7)/2⌋ + 1 = 2 is the size without padding"
    )
    assert "Or with the stride read as the kernel: ⌊(10 + 2·2 − 2)/7⌋ + 1 = 2 swaps them" in text
    one_side = " ".join(render(quiz_feedback_view(grade(problem, "3"))).split())
    assert "with padding on one side only: ⌊(10 + 2 − 7)/2⌋ + 1 = 3; padding goes on both sides" in one_side
    assert "Or with" not in one_side
