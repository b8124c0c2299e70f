"""The calculator's text rendering, pinned at a fixed width."""

from cnncalc.arith.layer import ChannelCost, channel_cost, layer_params
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
  H_out = ⌊(H_in + 2p − k)/s⌋ + 1
        = ⌊(96 + 2·0 − 5)/1⌋ + 1 = ⌊91/1⌋ + 1
        = 92
    a 5-wide window slides over the 96 padded rows and fits at 92
    positions
    in general, with dilation d (PyTorch's form):
      ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1
  (W_out alike: the same numbers on every axis)
"""


def test_render_shape_exact_text():
    assert render_shape(ChannelCost(layer_output("conv", (96, 96), 5)), width=80) == EXPECTED_SHAPE


def test_render_shape_per_axis_when_axes_differ():
    text = render_shape(ChannelCost(layer_output("conv", (28, 20), 3, 2, 1)), width=80)
    assert "H_out = ⌊(H_in + 2p − k)/s⌋ + 1" in text
    assert "W_out = ⌊(W_in + 2p − k)/s⌋ + 1" in text
    assert "alike" not in text
    assert "28×20 → 14×10" in text


def test_render_wraps_notes_to_the_width():
    text = render_shape(ChannelCost(layer_output("conv", (10, 10), 3, 2)), width=60)
    assert "Notes" in text
    assert (
        max(len(line) for line in text.splitlines() if line.startswith("  •") or line.startswith("    "))
        <= 60
    )


def test_render_params_table_and_steps():
    text = render_params(layer_params(3, 192, (3,)), width=80)
    assert text.splitlines()[0] == "conv 3 → 192, kernel 3×3: 5,376 parameters"
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
    text = render_shape(ChannelCost(layer_output("conv", (10, 10), 3, 2)), width=200)
    assert "H and W: (10 + 2·0 − 3)/2 + 1 = 4.5 is not a whole number" in text
    assert "\n  • W:" not in text and "\n  • H:" not in text


def test_render_shape_with_channels_adds_the_parameters_and_cost():
    # conv 3 → 64, 3×3, 32×32 'same' via p=1: 3·3·3·64 + 64 = 1,792; MACs 64·32·32 · 3 · 3·3 = 1,769,472
    text = render_shape(channel_cost(layer_output("conv", (32, 32), 3, padding=1), 3, 64), width=100)
    assert text.splitlines()[0] == "convolution (2-D): 3×32×32 → 64×32×32"
    assert "\nParameters\n" in text
    assert "MACs = C_out · H_out · W_out · C_in · k_h · k_w" in text
    assert "= 64 · 32·32 · 3 · 3·3" in text  # each factor the formula names, in its place
    assert "= 1,769,472" in text and "FLOPs = 2 · MACs" in text


def test_render_params_with_input_titles_the_mapping_and_compares_a_dense_layer():
    text = render_params(layer_params(3, 8, (3,), input=(10, 10)), width=100)
    # 3×10×10 → 8×8×8: dense (300 · 512) + 512 = 154,112 parameters against 224
    assert text.splitlines()[0] == "conv 3 → 8, kernel 3×3, input 3×10×10 → 8×8×8: 224 parameters"
    assert "fully connected equivalent" in text and "= 154,112" in text
    assert "688×" in text
