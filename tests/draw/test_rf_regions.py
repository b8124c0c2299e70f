"""The receptive-field picture's geometry: by hand, against `cnncalc rf`'s back-recursion, and
(when torch imports) against the gradient of one unit with respect to the input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.network import walk
from cnncalc.arith.network_view import network_view
from cnncalc.arith.receptive_field import back_recursion
from cnncalc.arith.rf_regions import MAX_SIDE, rf_regions


def test_three_stacked_3x3_convs_see_7x7_by_hand():
    pic = rf_regions(network_view("input 1x9x9 | conv 1 k=3 | relu | conv 1 k=3 | conv 1 k=3"))
    assert pic.unit == (1, 1)  # the centre of the 3×3 output
    assert [lv.span for lv in pic.levels] == [(3, 3), (5, 5), (7, 7)]
    assert [lv.number for lv in pic.levels] == [4, 3, 1]  # relu (layer 2) moves no window
    assert pic.pixels_first == (1, 1) and pic.pixels_last == (7, 7)
    assert pic.unit_centre == (4, 4)


def test_stride_and_padding_place_the_field_and_reach_into_padding():
    pic = rf_regions(network_view("input 1x8x8 | conv 1 k=3 s=2 p=1 | conv 1 k=3 p=1"), unit=(0, 0))
    # layer 2 unit 0 reads layer-1 units -1…1 (-1 is padding, a zero that reads nothing);
    # units 0 and 1 read pixels -1…3, the back-recursion's span is -3…3
    assert pic.levels[0].touched == ((-1, 0, 1), (-1, 0, 1))
    assert pic.levels[1].touched == (tuple(range(-1, 4)), tuple(range(-1, 4)))
    assert (pic.levels[1].first, pic.levels[1].last, pic.receptive_field) == ((-3, -3), (3, 3), (7, 7))
    assert pic.margin == ((3, 0), (3, 0))


def test_dilation_leaves_gaps_in_the_field():
    pic = rf_regions(network_view("input 1x9x9 | conv 1 k=3 d=2 | conv 1 k=3 d=2"), unit=(0, 0))
    assert pic.levels[-1].touched[0] == (0, 2, 4, 6, 8)
    assert pic.receptive_field == (9, 9)


def test_flatten_stops_the_picture_with_a_note():
    pic = rf_regions(network_view("input 1x12x12 | conv 1 k=3 | maxpool k=2 | flatten | fc 3"))
    assert pic.number == 2 and pic.levels[-1].span == (4, 4)
    assert "Layer 3 (flatten)" in pic.notes[0]


def test_layer_option_follows_an_earlier_unit():
    pic = rf_regions(network_view("input 1x12x12 | conv 1 k=3 | conv 1 k=3"), layer=1)
    assert pic.number == 1 and pic.receptive_field == (3, 3)


@pytest.mark.parametrize(
    ("spec", "kwargs", "error", "needle"),
    [
        ("conv 1 k=3", {}, UsageError, "give input HxW"),
        ("input 1x8x8 | tconv 1 k=3 s=2", {}, CnnCalcError, "transposed convolution"),
        ("input 1x8x8 | flatten | fc 2", {}, CnnCalcError, "no conv or pool layer"),
        ("input 1x8x8 | conv 1 k=3", {"unit": (6, 0)}, UsageError, "outside layer 1's output 6×6"),
        (
            "input 1x8x8 | conv 1 k=3",
            {"unit": (1,)},
            UsageError,
            "unit 1 has 1 index but layer 1's output 6×6 has 2 axes",
        ),
        (
            "input 1x8 | conv1d 1 k=3",
            {"unit": (1, 2)},
            UsageError,
            "has 2 indices but layer 1's output 6 has 1 axis",
        ),
        ("input 1x8x8 | conv 1 k=3", {"layer": 5}, UsageError, "not a layer"),
        ("input 1x8x8 | conv 1 k=3 | gap", {"layer": 2}, CnnCalcError, "pick layer before 2"),
        (f"input 1x{MAX_SIDE + 1}x8 | conv 1 k=3", {}, CnnCalcError, f"larger than the {MAX_SIDE}"),
    ],
    ids=[
        "no-input",
        "tconv",
        "no-window",
        "unit-outside",
        "unit-axes",
        "unit-axes-1d",
        "layer-missing",
        "layer-gap",
        "too-large",
    ],
)
def test_refusals_name_the_value(spec, kwargs, error, needle):
    with pytest.raises(error) as e:
        rf_regions(network_view(spec), **kwargs)
    assert needle in str(e.value)


LAYER = st.one_of(
    st.builds(
        lambda k, s, p, d: f"conv 1 k={k} s={s} p={p} d={d}",
        st.integers(1, 4),
        st.integers(1, 3),
        st.integers(0, 2),
        st.integers(1, 2),
    ),
    st.builds(lambda k, s: f"maxpool k={k} s={s}", st.integers(1, 3), st.integers(1, 3)),
    st.builds(lambda k: f"avgpool k={k}", st.integers(1, 3)),
    st.just("relu"),
)


def _chain(n: int, layers: list[str]):
    spec = f"input 1x{n}x{n} | " + " | ".join(layers)
    try:
        view = network_view(spec)
        return spec, view, rf_regions(view, unit=(0, 0))
    except CnnCalcError:
        return None


@settings(max_examples=80, deadline=None)
@given(n=st.integers(6, 40), layers=st.lists(LAYER, min_size=1, max_size=4))
def test_spans_are_the_back_recursion_of_cnncalc_rf(n, layers):
    found = _chain(n, layers)
    if found is None:
        return
    spec, view, pic = found
    prefix = spec.split(" | ")[: pic.number + 1]
    field, rows = back_recursion(walk(" | ".join(prefix)))
    assert pic.receptive_field == field
    assert [lv.span for lv in pic.levels] == [r.rf_in for r in rows]
    for lv in pic.levels:  # the units really read lie within the span
        for t, a, b in zip(lv.touched, lv.first, lv.last, strict=True):
            assert list(t) == sorted(set(t)) and all(a <= v <= b for v in t)


@pytest.mark.oracle
@settings(max_examples=40, deadline=None)
@given(n=st.integers(6, 30), layers=st.lists(LAYER, min_size=1, max_size=4))
def test_touched_pixels_are_where_the_gradient_reaches(n, layers):
    torch = pytest.importorskip("torch")
    found = _chain(n, layers)
    if found is None:
        return
    _, view, pic = found
    x = torch.ones(1, 1, n, n, dtype=torch.float64, requires_grad=True)
    y = x
    for node in view.nodes[1 : pic.number + 1]:
        if node.window is None:
            continue
        w = node.window
        ones = torch.ones(1, 1, *w.kernel, dtype=torch.float64)  # every tap positive: no cancellation
        y = torch.nn.functional.conv2d(
            y, ones, stride=w.stride, padding=tuple(a for a, _ in w.padding), dilation=w.dilation
        )
    y[0, 0, 0, 0].backward()
    reached = {tuple(v) for v in (x.grad[0, 0] != 0).nonzero().tolist()}
    rows, cols = pic.levels[-1].touched
    ours = {(r, c) for r in rows for c in cols if 0 <= r < n and 0 <= c < n}
    assert ours == reached


BRANCHED = "input 1x16x16 | conv 4 k=3 | add( conv 4 k=3 p=1 | conv 4 k=3 p=1 ; conv 4 k=1 ) | conv 4 k=3"


def test_a_layer_in_a_branch_is_followed_through_what_it_reads():
    # layer 4 (the 1×1 shortcut, 2.3) reads layer 1, not layer 3 before it in the spec
    pic = rf_regions(network_view(BRANCHED), layer=4)
    assert [lv.number for lv in pic.levels] == [4, 1]
    assert [lv.span for lv in pic.levels] == [(1, 1), (3, 3)]
    assert pic.levels[0].map_shape == (14, 14)
    main = rf_regions(network_view(BRANCHED), layer=3)
    assert [lv.number for lv in main.levels] == [3, 2, 1]


@pytest.mark.parametrize(
    ("spec", "layer", "needle"),
    [
        (BRANCHED, None, "layer 5 (conv 4 k=3) depends on the add at 2, where branches meet"),
        (BRANCHED, None, "the last with a window is layer 1"),
        ("input 1x8x8 | add( conv 1 k=3 p=1 ) | conv 1 k=3", None, "cnncalc rf gives the field through"),
        (
            "input 1x8x8 | conv 2 k=3 | concat( conv 1 k=1 ; maxpool k=3 s=1 p=1 ) | conv 1 k=3",
            4,
            "concat at 2",
        ),
    ],
    ids=["add", "hint", "no-layer-before", "concat"],
)
def test_a_unit_past_a_merge_is_refused_rather_than_drawn_along_one_branch(spec, layer, needle):
    with pytest.raises(CnnCalcError) as e:
        rf_regions(network_view(spec), layer=layer)
    assert needle in str(e.value)


@pytest.mark.parametrize(
    ("spec", "given", "input_shape"),
    [
        ("input 4x100 | conv 8 k=3", 50, (4, 50)),  # 1-D: N is the length, not a 50×50 map
        ("input 1x6x6x6 | conv 1 k=3x3x3", 5, (1, 5, 5, 5)),
        ("input 1x6x6x6 | conv 1 k=3x3x3", "5x5x5", (1, 5, 5, 5)),  # D×H×W, not C×H×W
        ("input 3x32x32 | conv 1 k=3", "9x9", (3, 9, 9)),
        ("input 3x32x32 | conv 1 k=3", "2x9x9", (2, 9, 9)),
        ("conv 1 k=3 | conv 1 k=3", 9, (1, 9, 9)),
    ],
)
def test_draw_rf_reads_input_by_the_networks_own_axes(spec, given, input_shape):
    import cnncalc

    assert tuple(cnncalc.draw_rf(spec, input=given).to_dict()["input"]) == input_shape[1:]
