"""Every result shows its working the way a notebook displays it: `_repr_html_` (parsed here as
XML, as a strict browser would), rich's console protocol (`Console(file=..., width=80)`, as rich's
notebook display does), IPython's `_repr_pretty_` and plain `str()`."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from rich.cells import cell_len
from rich.console import Console

import cnncalc
from cnncalc.arith.errors import UsageError
from cnncalc.i18n import set_language

# (a call, numbers its display must show: worked by hand or quoted from the course notes and d2l)
SHOWN: list[tuple[str, Callable[[], cnncalc.Result], list[str]]] = [
    ("shape", lambda: cnncalc.shape(input=96, kernel=5), ["96×96", "92×92", "⌊91/1⌋ + 1"]),
    (
        "shape-cost",
        lambda: cnncalc.shape(input=32, kernel=3, padding=1, cin=3, cout=64),
        ["64×32×32", "1792"],
    ),
    ("params", lambda: cnncalc.params(cin=3, cout=192, kernel=3), ["5,184", "5,376"]),
    ("rf", lambda: cnncalc.rf("conv 1 k=3 | conv 1 k=3"), ["Receptive field: 5", "5×5"]),
    ("net", lambda: cnncalc.net(preset="lenet-5"), ["61,706", "6×28×28"]),
    ("net-explain", lambda: cnncalc.net(preset="seed-001", explain=1), ["8×92×92", "408"]),
    ("presets", cnncalc.list_presets, ["vgg-16", "138,357,544"]),
    ("check", lambda: cnncalc.check("input 2x96x96 | conv 8 k=5 | maxpool k=4 -> 8x23x23"), ["8×23×23", "✓"]),
    ("solve-padding", lambda: cnncalc.solve_padding(input=28, kernel=5), ["padding = 2"]),
    ("solve-combos", lambda: cnncalc.solve_combos(input=32, output=16), ["32", "16"]),
    ("solve-input", lambda: cnncalc.solve_input(preset="lenet-5"), ["1×32×32", "accepted"]),
    (
        "step-conv",
        lambda: cnncalc.step_conv(example="d2l"),
        ["19", "25", "37", "43", "0×0 + 1×1 + 3×2 + 4×3"],
    ),
    ("step-pool", lambda: cnncalc.step_pool(input="1 2; 3 4", kernel=2), ["4"]),
    ("step-softmax", lambda: cnncalc.step_softmax(logits=[2, 1, 0.1]), ["0.659001", "0.242433", "0.0985659"]),
    ("step-activation", lambda: cnncalc.step_activation(fn="sigmoid", x=[0]), ["0.5", "0.25"]),
    ("step-gradient", lambda: cnncalc.step_gradient(fn="relu", depth=2), ["ReLU"]),
    ("step-linear", lambda: cnncalc.step_linear(x=[1, 2], w1=[[1, 0], [0, -1]], w2=[[1, 1]]), ["-1"]),
    ("step-batchnorm", lambda: cnncalc.step_batchnorm(batch=[[1], [3], [5]]), ["= 3", "2.66667", "1.22474"]),
    ("step-dropout", lambda: cnncalc.step_dropout(input=[[2, 4]], p=0.5, mask=[[1, 0]]), ["4"]),
    ("draw-conv", lambda: cnncalc.draw_conv(input=5, kernel=3, stride=2, padding=1), ["5×5 → 3×3"]),
    ("draw-pool", lambda: cnncalc.draw_pool(input=4, kernel=2), ["4×4 → 2×2"]),
    ("draw-tconv", lambda: cnncalc.draw_tconv(input=3, kernel=3, stride=2), ["3×3 → 7×7"]),
    ("draw-rf", lambda: cnncalc.draw_rf("conv 1 k=3 | conv 1 k=3", input=9), ["5×5"]),
    ("draw-net", lambda: cnncalc.draw_net(preset="lenet-5"), ["6×28×28", "850 params"]),
]
IDS = [name for name, _, _ in SHOWN]


def _text_of_html(markup: str) -> str:
    """The text a browser shows, after parsing the fragment as XML (well-formed or it fails)."""
    root = ET.fromstring(markup)
    assert root.tag in ("pre", "div")
    return "".join(root.itertext())


@pytest.mark.parametrize(("name", "call", "numbers"), SHOWN, ids=IDS)
def test_html_is_well_formed_escaped_and_shows_the_working(name, call, numbers):
    result = call()
    markup = result._repr_html_()
    shown = _text_of_html(markup)
    for number in numbers:
        assert number in shown, number
    assert not re.search(r"<(script|link|img|iframe)\b", markup)  # self-contained: nothing fetched or run
    assert "\x1b" not in markup  # styles are CSS, not terminal codes
    # the page's text is the terminal's, line for line (a picture's, after its SVG)
    working = ET.fromstring(markup)
    if working.tag == "div":
        working = working[-1]
    assert _lines("".join(working.itertext())) == _lines(result.text())


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


@pytest.mark.parametrize(("name", "call", "numbers"), SHOWN, ids=IDS)
def test_rich_console_draws_it_at_the_console_width(name, call, numbers):
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(call())
    for number in numbers:
        assert number in out.getvalue(), number
    assert max(map(cell_len, out.getvalue().splitlines())) <= 80  # folded where it cannot narrow, never cut


@pytest.mark.parametrize(("name", "call", "numbers"), SHOWN, ids=IDS)
def test_str_and_ipython_plain_display_are_the_working(name, call, numbers):
    result = call()

    class Printer:  # the part of IPython's RepresentationPrinter a result uses
        def __init__(self) -> None:
            self.parts: list[str] = []

        def text(self, text: str) -> None:
            self.parts.append(text)

    printer = Printer()
    result._repr_pretty_(printer, False)
    assert "".join(printer.parts) == str(result).rstrip("\n")
    for number in numbers:
        assert number in str(result), number
    assert "\x1b" not in str(result)
    assert repr(result).startswith(f"<{type(result).__name__}: ")


def test_text_follows_the_width_asked_for():
    table = cnncalc.net(preset="resnet-18")
    assert (
        max(map(len, table.text(width=80).splitlines()))
        <= 80
        < max(map(len, table.text(width=120).splitlines()))
    )


NARROW = [
    ("draw-net-chain", lambda: cnncalc.draw_net(preset="lenet-5"), 60),
    ("draw-net-long-labels", lambda: cnncalc.draw_net(preset="vgg-16"), 60),
    (
        "draw-rf",
        lambda: cnncalc.draw_rf("input 1x28x28 | conv 8 k=3 | relu | maxpool k=2 | flatten | fc 10"),
        60,
    ),
    (
        "draw-rf-100",
        lambda: cnncalc.draw_rf("input 1x28x28 | conv 8 k=3 | maxpool k=2 | flatten | fc 10"),
        100,
    ),
    ("draw-conv", lambda: cnncalc.draw_conv(input=5, kernel=3), 60),
    ("draw-tconv", lambda: cnncalc.draw_tconv(input=3, kernel=3, stride=2), 60),
    ("net-buffers", lambda: cnncalc.net(preset="resnet-18", depth=1), 40),
    ("net-unsized", lambda: cnncalc.net("conv 8 k=3 | relu | fc 10"), 40),
]


@pytest.mark.parametrize(("name", "call", "width"), NARROW, ids=[n[0] for n in NARROW])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_prose_and_totals_fit_a_narrow_width(name, call, width, language):
    """Sentences, a picture's legend and the totals' comments wrap; before, a 40-column network
    text held 150-column lines and a picture's text ignored the width asked for."""
    from cnncalc.render.width import display_width

    set_language(language)
    try:
        text = call().text(width=width)
    finally:
        set_language("en")
    too_wide = [line for line in text.splitlines() if display_width(line) > width]
    assert not too_wide, too_wide


@pytest.mark.parametrize(
    "width", [0, -1, None, 80.5, True], ids=["zero", "negative", "none", "float", "bool"]
)
def test_a_width_that_is_no_width_is_refused_naming_it(width):
    # rich drew a step-through in 0 columns as an empty string; "80" or None failed in the renderer
    for result in (cnncalc.shape(input=28, kernel=3), cnncalc.step_pool(example="maxpool")):
        with pytest.raises(UsageError, match="^width "):
            result.text(width=width)


def test_a_width_is_a_whole_number_in_any_form():
    import numpy as np

    steps = cnncalc.step_pool(example="maxpool")
    assert steps.text(width="60") == steps.text(width=np.int64(60)) == steps.text(width=60)


def test_what_the_user_wrote_is_escaped(tmp_path):
    spec = tmp_path / "<b>net & co.txt"
    spec.write_text("input 1x8x8 | conv 2 k=3")
    markup = cnncalc.net(file=spec)._repr_html_()
    assert "<b>" not in markup and "&lt;b&gt;net &amp; co.txt" in markup
    assert str(spec) in _text_of_html(markup)


def test_a_picture_shows_its_svg_above_the_working():
    markup = cnncalc.draw_conv(input=4, kernel=3)._repr_html_()
    root = ET.fromstring(markup)
    assert root[0].tag == "{http://www.w3.org/2000/svg}svg" and root[1].tag == "pre"
    # a layer too large to draw shows its working alone, and says so
    too_big = cnncalc.draw_conv(input=(3, 300, 300), kernel=3, frame=0)
    assert ET.fromstring(too_big._repr_html_()).tag == "pre"


def test_a_training_run_shows_its_tables(tmp_path):
    report = cnncalc.train("conv 4 k=3 | relu | maxpool k=2 | flatten | fc 10", steps=3)
    shown = _text_of_html(report._repr_html_())
    assert "Confusion matrix" in shown and f"after 0 epoch(s), {report.steps} steps" in shown
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(report)
    assert "loss (per step)" in out.getvalue()


@pytest.mark.parametrize(
    ("spec", "count"),
    [("input 1x8x8 | conv 2 k=3", "1 layer>"), ("input 1x8x8 | conv 2 k=3 | relu", "2 layers>")],
)
def test_an_export_counts_its_layers_in_words(spec, count):
    assert (
        repr(cnncalc.export(spec, to="pytorch"))
        == f"<ExportResult: pytorch code for Net: 20 parameters, {count}"
    )


def test_repr_of_a_network_from_a_spec_is_its_answer_not_the_table_header():
    # the first line of the text is the table's header ("#  layer  output  params …") for a spec
    assert repr(cnncalc.net("input 1x28x28 | conv 8 k=3 | flatten | fc 10")) == (
        "<NetworkReport: 3 layers, 1×28×28 → 10: 54,170 parameters>"
    )
    assert repr(cnncalc.net("conv 8 k=3")) == (
        "<NetworkReport: 1 layer; without its input shape, no sizes or parameter counts>"
    )
    # a preset's title line and an explained row say it already
    assert repr(cnncalc.net(preset="lenet-5")).startswith("<NetworkReport: lenet-5: LeNet-5")
    assert repr(cnncalc.net(preset="lenet-5", explain=1)).startswith("<NetworkReport: Layer 1: conv 6 k=5")


def test_a_preset_on_another_input_does_not_claim_its_own_in_the_title():
    # the title was the preset's description, "LeNet-5 (LeCun 1998) on 1×32×32", over a 3×28×28 table
    moved = cnncalc.net(preset="lenet-5", input=(3, 28, 28))
    assert repr(moved).startswith("<NetworkReport: lenet-5 on input 3×28×28 (its own is 1×32×32): ")
    assert moved.text().splitlines()[0].startswith("lenet-5 on input 3×28×28")
    same = cnncalc.net(preset="lenet-5", input="1x32x32")
    assert same.text() == cnncalc.net(preset="lenet-5").text()
