"""The calculator's text rendering, pinned at a fixed width."""

from cnncalc.arith.params import conv_params
from cnncalc.arith.sizes import layer_output
from cnncalc.arith.steps import Step
from cnncalc.render.calc import render_params, render_shape
from cnncalc.render.text import Styler, box_table, render_step

EXPECTED_SHAPE = """\
convolution (2-D): 96×96 → 92×92

┌──────┬───────┬────────┬────────┬─────────┬──────────┬────────┐
│ axis │ input │ kernel │ stride │ padding │ dilation │ output │
├──────┼───────┼────────┼────────┼─────────┼──────────┼────────┤
│ H    │    96 │      5 │      1 │       0 │        1 │     92 │
│ W    │    96 │      5 │      1 │       0 │        1 │     92 │
└──────┴───────┴────────┴────────┴─────────┴──────────┴────────┘

Working
  H_out = ⌊(H_in + 2p − d(k − 1) − 1)/s⌋ + 1
        = ⌊(96 + 2·0 − 1·(5 − 1) − 1)/1⌋ + 1 = ⌊91/1⌋ + 1
        = 92
    a 5-wide window slides over the 96 padded rows and fits at 92
    positions
  (W_out alike: the same numbers on every axis)
"""


def test_render_shape_exact_text():
    assert render_shape(layer_output("conv", (96, 96), 5), width=80) == EXPECTED_SHAPE


def test_render_shape_per_axis_when_axes_differ():
    text = render_shape(layer_output("conv", (28, 20), 3, 2, 1), width=80)
    assert "H_out = ⌊(H_in + 2p − d(k − 1) − 1)/s⌋ + 1" in text
    assert "W_out = ⌊(W_in + 2p − d(k − 1) − 1)/s⌋ + 1" in text
    assert "alike" not in text
    assert "28×20 → 14×10" in text


def test_render_wraps_notes_to_the_width():
    text = render_shape(layer_output("conv", (10, 10), 3, 2), width=60)
    assert "Notes" in text
    assert (
        max(len(line) for line in text.splitlines() if line.startswith("  •") or line.startswith("    "))
        <= 60
    )


def test_render_params_table_and_steps():
    text = render_params(conv_params(3, 192, (3, 3)), "conv 3 → 192", width=80)
    assert text.splitlines()[0] == "conv 3 → 192: 5,376 parameters"
    assert "│ weights │ 5,184 │" in text
    assert "│ total   │ 5,376 │" in text


def test_box_table_right_aligns_numbers_and_left_aligns_text():
    text = box_table(["name", "n"], [["a", 5], ["bb", 123]])
    assert text.splitlines()[3] == "│ a    │   5 │"
    assert text.splitlines()[4] == "│ bb   │ 123 │"


def test_styler_adds_ansi_only_when_enabled():
    assert Styler(False)("x", "bold") == "x"
    assert Styler(True)("x", "bold") == "\x1b[1mx\x1b[0m"


def test_render_step_aligns_continuation_lines_under_the_label():
    lines = render_step(Step("RF", "(RF′ − 1)·s + k", "(3 − 1)·1 + 3", 5), indent="").splitlines()
    assert lines == ["RF = (RF′ − 1)·s + k", "   = (3 − 1)·1 + 3", "   = 5"]


def test_alike_axes_share_their_notes():
    # 10 × 10, k3 s2: (10 − 3)/2 + 1 = 4.5 on both axes, said once for H and W
    text = render_shape(layer_output("conv", (10, 10), 3, 2), width=200)
    assert "H and W: (10 + 2·0 − 3)/2 + 1 = 4.5 is not a whole number" in text
    assert "\n  • W:" not in text and "\n  • H:" not in text
