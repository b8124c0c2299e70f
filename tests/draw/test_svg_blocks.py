"""The SVG building blocks the pictures (and later plots and heatmaps) share."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.render.svg import Series, document, el, grid, heatmap, line_plot, mix, nice_ticks
from tests.draw.svg_checks import SVG, parse_svg


def test_text_and_attributes_are_escaped():
    doc = document(10, 10, [el("text", 'a < b & "c"', data_note='x" onload="y')], title="<t>")
    root = parse_svg(doc)
    node = root.find(SVG + "text")
    assert node.text == 'a < b & "c"' and node.get("data-note") == 'x" onload="y'
    assert root.find(SVG + "title").text == "<t>"


@pytest.mark.parametrize(
    "attrs",
    [{"href": "https://example.org/a.png"}, {"fill": "url(http://example.org/p)"}, {"src": "pic.png"}],
    ids=["href", "url", "src"],
)
def test_document_refuses_references_outside_itself(attrs):
    with pytest.raises(ValueError, match="refers outside"):
        document(10, 10, [el("image", **attrs)], title="t")


def test_in_file_references_are_allowed():
    parse_svg(document(10, 10, [el("rect", fill="url(#cells)"), el("use", href="#a")], title="t"))


def test_non_finite_coordinates_are_refused():
    with pytest.raises(ValueError, match="not finite"):
        document(10, 10, [el("rect", x=float("nan"))], title="t")


def test_grid_skips_cells_without_a_style():
    g = grid(5, 5, 2, 2, 10, lambda r, c: None if r == c else {"fill": "#000"})
    assert [(e.attrs["x"], e.attrs["y"]) for e in g.children] == [(15, 5), (5, 15)]


def test_heatmap_maps_the_range_to_the_two_colours_and_titles_values():
    root = parse_svg(document(40, 20, [heatmap([[0, 5, 10]], 0, 0, 10, "#000000", "#ffffff")], title="h"))
    rects = root.iter(SVG + "rect")
    next(rects)  # the background
    cells = list(rects)
    assert [c.get("fill") for c in cells] == ["#000000", "#808080", "#ffffff"]
    assert [c.find(SVG + "title").text for c in cells] == ["0", "5", "10"]


def test_mix_clamps():
    assert mix("#000000", "#ffffff", -1) == "#000000" and mix("#000000", "#ffffff", 2) == "#ffffff"


@given(lo=st.floats(-1e6, 1e6), width=st.floats(1e-3, 1e6), count=st.integers(2, 10))
def test_nice_ticks_cover_the_range_with_round_steps(lo, width, count):
    hi = lo + width
    ticks = nice_ticks(lo, hi, count)
    step = (ticks[-1] - ticks[0]) / (len(ticks) - 1)
    # covered up to rounding noise of a billionth of a step
    assert ticks[0] <= lo + 1e-9 * step and ticks[-1] >= hi - 1e-9 * step
    mantissa = step / 10 ** math.floor(math.log10(step))
    # the step is read back from tick values rounded to 10 decimals and as precise as floats of
    # their size allow: a tiny step far from 0 (1e-4 at −356,618) comes back only to ~1e-6
    slack = 4 * (1e-10 + 4e-16 * max(abs(lo), abs(hi))) / step + 1e-9
    assert any(abs(mantissa - m) <= m * slack for m in (1, 2, 5, 10)), mantissa
    assert len(ticks) <= 2 * count + 2


def test_line_plot_draws_axes_ticks_and_one_polyline_per_series():
    plot = line_plot(
        [Series("loss", [1, 2, 3], [2.4, 0.9, 0.1]), Series("accuracy", [1, 2, 3], [0.7, 0.95, 0.98])],
        60,
        20,
        300,
        160,
        "epoch",
        "value",
    )
    root = parse_svg(document(400, 240, [plot], title="curves"))
    lines = [p for p in root.iter(SVG + "polyline") if p.get("class") == "series"]
    assert [p.get("data-name") for p in lines] == ["loss", "accuracy"]
    first = lines[0].get("points").split()
    assert first[0] == "60,26.4"  # x = 1 at the left edge; y = 2.4 on the 0…2.5 axis: 20 + 160·(1 − 2.4/2.5)
    labels = [t.text for t in root.iter(SVG + "text")]
    assert {"epoch", "value", "loss", "accuracy"} <= set(labels)
