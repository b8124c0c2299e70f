"""The core's own sentences in Chinese, called from Python as a notebook would: errors of sizes,
parsing, expressions, the picture geometry (frames, receptive-field regions) and the API's values,
each with the English message's numbers and no English sentence left."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from cnncalc import i18n
from cnncalc.api import calc as api
from cnncalc.arith import expressions, frames, parsing, rf_regions, sizes, solve
from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network_view import network_view
from cnncalc.arith.receptive_field import field_beyond_input
from cnncalc.arith.steps import Step
from cnncalc.render.text import render_step
from tests.zh_helpers import english_runs, has_chinese, numbers


def in_language(language: str, call: Callable[[], object]) -> str:
    """What `call` says in `language`: its error's message, or the text it returns."""
    i18n.set_language(language)
    try:
        return str(call())
    except CnnCalcError as e:
        return str(e)
    finally:
        i18n.set_language("en")


def view(spec: str):
    return network_view(spec)


MESSAGES = {
    "op": lambda: sizes.layer_output("warp", (9, 9), 3),
    "negative axis padding": lambda: sizes.conv_axis(5, 3, 1, (-1, 0)),
    "input size": lambda: sizes.conv_axis(0, 3, 1, (0, 0)),
    "uneven padding": lambda: sizes.layer_output("conv", (9, 9), 3, padding=((0, -1), (0, 0))),
    "uneven tconv": lambda: sizes.layer_output("tconv", (9, 9), 3, padding=((0, 1), (0, 1))),
    "padding mode": lambda: sizes.layer_output("conv", (9, 9), 3, padding="weird"),
    "avgpool3d": lambda: sizes.layer_output("avgpool", (2, 2, 2), 3),
    "tconv too small": lambda: sizes.layer_output("tconv", (2, 2), 1, padding=3),
    "long expression": lambda: expressions.evaluate("(" * 300, {}),
    "operator expected": lambda: expressions.evaluate("(1 2)", {}),
    "bad character": lambda: expressions.evaluate("(1 $ 2)", {}),
    "ends early": lambda: expressions.evaluate("(1 +", {}),
    "divides by zero": lambda: expressions.evaluate("(1 // 0)", {}),
    "nests deeply": lambda: expressions.evaluate("(" * 20 + "1" + ")" * 20, {}),
    "unclosed": lambda: expressions.evaluate("((1 + 2)", {}),
    "unknown name": lambda: expressions.evaluate("(w)", {}),
    "name not a number": lambda: expressions.evaluate("(w)", {"w": "a"}),
    "too large": lambda: expressions.evaluate("(10000000 * 10000000)", {}),
    "too small": lambda: expressions.evaluate("(0 - 10000000 * 10000000)", {}),
    "not a boolean": lambda: parsing.parse_bool("maybe", "bias"),
    "axes": lambda: parsing.parse_sizes("1x2x3x4", "kernel"),
    "digits": lambda: parsing.parse_int("9" * 35, "n"),
    "enormous": lambda: parsing.fmt_count(10**40),
    "too many frames": lambda: frames.window_frames("conv", (99, 99), 3),
    "no such frame": lambda: frames.window_frames("conv", (9, 9), 3, frame=999),
    "window too large": lambda: frames.window_frames("conv", (600, 600), 600, frame=0),
    "tconv picture": lambda: " ".join(
        [*frames.window_frames("tconv", (3, 3), 2, stride=2, padding=2).notes]
        + [s.why for s in frames.window_frames("tconv", (3, 3), 3, stride=2, padding=1).equivalence]
    ),
    "no input to draw on": lambda: rf_regions.rf_regions(view("conv 1 k=3")),
    "picture too large": lambda: rf_regions.rf_regions(view("input 1x700x7 | conv 1 k=3")),
    "nothing to follow": lambda: rf_regions.rf_regions(view("input 1x7x7 | relu")),
    "unit axes": lambda: rf_regions.rf_regions(view("input 1x7x7 | conv 1 k=3"), unit=(0,)),
    "unit outside": lambda: rf_regions.rf_regions(view("input 1x7x7 | conv 1 k=3"), unit=(9, 9)),
    "no such layer": lambda: rf_regions.rf_regions(view("input 1x7x7 | conv 1 k=3"), layer=9),
    "resize": lambda: rf_regions.rf_regions(view("input 1x7x7 | conv 1 k=3 | pad 1")),
    "picture of a tconv": lambda: rf_regions.rf_regions(view("input 1x7x7 | conv 1 k=3 | tconv 1 k=2 s=2")),
    "whole map": lambda: rf_regions.rf_regions(view("input 1x7x7 | conv 1 k=3 | gap"), layer=2),
    "followed to": lambda: rf_regions.rf_regions(view("input 1x7x7 | conv 1 k=3 | gap")).notes[0],
    "unequal windows": lambda: rf_regions.rf_regions(
        view("input 1x7x7 | conv 1 k=3 | adaptiveavgpool 2")
    ).notes[0],
    "field wider than the input": lambda: field_beyond_input(
        __import__("cnncalc.arith.network", fromlist=["walk"]).walk(
            "input 1x4x4 | conv 1 k=3 p=1 | conv 1 k=3 p=1 | flatten | fc 2"
        )
    ),
    "solver's sizes": lambda: solve.solve_padding(0, 3),
    "api dims": lambda: api.shape(input=9, kernel=3, dims=4),
    "api whole": lambda: api.params(cin="x", cout=3),
    "api choice": lambda: api.shape(input=9, kernel=3, op="warp"),
    "api flag": lambda: api.shape(input=9, kernel=3, ceil=3),
    "api empty": lambda: api.shape(input=(), kernel=3),
}


@pytest.mark.parametrize("name", list(MESSAGES))
def test_the_core_says_it_in_chinese_with_the_same_numbers(name):
    english = in_language("en", MESSAGES[name])
    chinese = in_language("zh", MESSAGES[name])
    assert has_chinese(chinese), chinese
    assert english_runs(chinese, allowed=["cnncalc rf", "input CxHxW"]) == [], chinese
    assert Counter(numbers(chinese)) == Counter(numbers(english)), (english, chinese)


def test_a_chinese_label_s_working_lines_up_under_its_first_equals_sign():
    text = render_step(Step("权重", "kh·kw · C_in · C_out", "3·3 · 3 · 192", 5184, why="每个过滤器"))
    first, second, third, why = text.splitlines()
    assert first == "  权重 = kh·kw · C_in · C_out"
    assert second == "       = 3·3 · 3 · 192" and third == "       = 5184"
    assert why == "    每个过滤器"


def test_english_errors_fill_their_values_as_before():
    # the sentence is translated whole, then filled: English reads exactly as the f-strings did
    assert in_language("en", MESSAGES["op"]) == "op 'warp' is not one of conv, maxpool, avgpool, tconv"
    assert in_language("en", MESSAGES["uneven padding"]) == (
        "padding (0, -1) on axis H is negative; padding adds zeros at the border and cannot remove rows "
        "(crop the input instead)"
    )
