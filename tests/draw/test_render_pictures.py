"""Every picture of every draw case: XML that parses, nothing outside itself, one frame per
output position; the HTML player, the text still, the rf and network pictures."""

from __future__ import annotations

from html.parser import HTMLParser
from math import prod

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.frames import window_frames
from cnncalc.arith.network_view import network_view
from cnncalc.arith.rf_regions import rf_regions
from cnncalc.render.net_diagram import net_diagram, net_html, net_svg, net_text
from cnncalc.render.rf_picture import rf_html, rf_svg, rf_text
from cnncalc.render.sliding import MAX_PICTURE_SIDE, caption, sliding_html, sliding_svg, sliding_text
from tests.draw.cases import ALL, IDS
from tests.draw.svg_checks import SVG, animated_frames, parse_svg


@pytest.mark.parametrize(("op", "kwargs"), [c[1:] for c in ALL], ids=IDS)
def test_animated_svg_has_one_frame_per_output_position(op, kwargs):
    pic = window_frames(op, **kwargs)
    root = parse_svg(sliding_svg(pic))
    positions = prod(pic.output)
    assert int(root.get("data-frames")) == positions
    assert animated_frames(root) == positions
    cells = [r for r in root.iter(SVG + "rect") if r.get("class") == "out-cell"]
    assert sorted(int(c.get("data-frame")) for c in cells) == list(range(positions))
    assert all(len(c.findall(SVG + "animate")) == 1 for c in cells)
    # the window has one rect per kernel cell: a dilated kernel's gaps stay empty
    window = next(g for g in root.iter(SVG + "g") if g.get("id") == "window")
    assert len(window.findall(SVG + "rect")) == pic.window_cells


@pytest.mark.parametrize(("op", "kwargs"), [c[1:] for c in ALL], ids=IDS)
def test_still_shows_the_chosen_frame(op, kwargs):
    pic = window_frames(op, **kwargs)
    last = pic.frame_count - 1
    root = parse_svg(sliding_svg(window_frames(op, **kwargs, frame=last)))
    assert root.get("data-still") == str(last)
    assert not list(root.iter(SVG + "animate")) and not list(root.iter(SVG + "animateTransform"))
    fills = [r.get("fill") for r in root.iter(SVG + "rect") if r.get("class") == "out-cell"]
    assert len(set(fills[:-1])) == 1 and fills[-1] != fills[0]  # all done, the last one current


def test_padding_and_input_cells_are_drawn_as_conv_arithmetic_does():
    root = parse_svg(sliding_svg(window_frames("conv", (5, 5), 3, stride=2, padding=1)))
    inputs = [r for r in root.iter(SVG + "rect") if r.get("class") == "input-cell"]
    padding = [r for r in root.iter(SVG + "rect") if r.get("class") == "padding-cell"]
    assert len(inputs) == 25 and len(padding) == 49 - 25
    assert all(r.get("stroke-dasharray") for r in padding)


def test_transposed_picture_draws_inserted_zeros_as_padding_cells():
    root = parse_svg(sliding_svg(window_frames("tconv", (3, 3), 3, stride=2)))
    inputs = [r for r in root.iter(SVG + "rect") if r.get("class") == "input-cell"]
    assert len(inputs) == 9  # the 9 input cells on a 9×9 grid of zeros
    texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert (
        "equals a stride-1 convolution (kernel flipped)" in texts
        and "border padding d(k − 1) − p = 2" in texts
    )


@settings(max_examples=40, deadline=None)
@given(
    op=st.sampled_from(["conv", "maxpool", "tconv"]),
    n=st.lists(st.integers(1, 9), min_size=1, max_size=2).map(tuple),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    d=st.integers(1, 2),
)
def test_any_small_layer_draws_a_valid_self_contained_animation(op, n, k, s, p, d):
    try:
        pic = window_frames(op, n, k, s, p, d)
    except CnnCalcError:
        return
    root = parse_svg(sliding_svg(pic))
    assert int(root.get("data-frames")) == prod(pic.output)
    if pic.frame_count == 1:
        assert root.get("data-still") == "0"  # one output position: nothing to animate
    else:
        assert animated_frames(root) == prod(pic.output)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_page_is_self_contained_with_controls():
    pic = window_frames("conv", (5, 5), 3, stride=2, padding=1)
    page = sliding_html(pic)
    parser = _Page()
    parser.feed(page)
    ids = {a.get("id") for _, a in parser.tags}
    assert {"prev", "play", "next", "frame-slider", "frames-data", "window", "frame-label"} <= ids
    assert not [
        a for t, a in parser.tags if t in ("script", "img", "link") and (a.get("src") or a.get("href"))
    ]
    csp = next(a["content"] for t, a in parser.tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in csp
    assert caption(pic) in page and "⌊4/2⌋ + 1" in page
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    assert int(parse_svg(svg).get("data-frames")) == 9


def test_text_still_marks_window_padding_and_output():
    pic = window_frames("conv", (3, 3), 2, padding=1, frame=5)
    assert sliding_text(pic, pic.frames[0]).split("\n") == [
        "  · · · · ·    ■ ■ ■ ■",
        "  · # # o ·    ■ @ · ·",
        "  · # # o ·    · · · ·",
        "  · o o o ·    · · · ·",
        "  · · · · ·",
    ]


def test_three_d_and_oversized_pictures_are_refused():
    with pytest.raises(CnnCalcError, match="3-D layer cannot be drawn"):
        sliding_svg(window_frames("conv", (3, 3, 3), 2))
    big = window_frames("conv", (MAX_PICTURE_SIDE + 1, 4), 3, frame=0)
    with pytest.raises(CnnCalcError, match=f"more than {MAX_PICTURE_SIDE} a side"):
        sliding_svg(big)


def test_rf_picture_parses_and_draws_one_box_per_level():
    pic = rf_regions(
        network_view("input 1x12x12 | conv 1 k=3 p=1 | maxpool k=2 | conv 1 k=3 d=2"), unit=(0, 0)
    )
    root = parse_svg(rf_svg(pic))
    levels = [g for g in root.iter(SVG + "g") if g.get("class") == "level"]
    assert [int(g.get("data-layer")) for g in levels] == [lv.number for lv in pic.levels] == [3, 2, 1]
    assert root.find(SVG + "title").text == "unit (0, 0) of layer 3 (conv 1 k=3 d=2) sees 12×12 input pixels"
    page = rf_html(pic)
    assert "Content-Security-Policy" in page and "padding" in page
    text = rf_text(pic)
    assert text.startswith("unit (0, 0) of layer 3") and "field: pixels -1, -1 … 10, 10" in text


def test_net_diagram_groups_shape_keeping_layers_and_reads_as_a_graph():
    view = network_view("input 1x28x28 | conv 8 k=3 | relu | bn | maxpool k=2 | flatten | fc 10 | softmax")
    diagram = net_diagram(view)
    labels = [" + ".join(b.labels) for b in diagram.boxes]
    assert labels == ["input", "conv 8 k=3 + relu + bn", "maxpool k=2", "flatten", "fc 10 + softmax"]
    assert [b.inputs for b in diagram.boxes] == [(), (0,), (1,), (2,), (3,)]
    assert [b.column for b in diagram.boxes] == [0, 1, 2, 3, 4]
    assert diagram.boxes[1].params == 80 + 16  # conv weights + biases, then bn's γ and β
    root = parse_svg(net_svg(diagram))
    boxes = [g for g in root.iter(SVG + "g") if g.get("class") == "box"]
    assert [g.get("data-type") for g in boxes] == ["input", "conv", "maxpool", "flatten", "fc"]
    assert len([line for line in root.iter(SVG + "line") if line.get("marker-end")]) == 4
    assert "conv 8 k=3 + relu + bn" in net_text(diagram) and "<svg" in net_html(diagram)
