"""Receptive fields, without torch: hand-checked networks, the forward state (RF, jump, start),
the forward view agreeing with the back-recursion, and adaptive pooling's uneven windows.

The exact field of a 1-D chain is counted by brute force here (which input pixels each unit depends
on, layer by layer, with PyTorch's window rules written out independently), so the bounds cannot
agree with themselves.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.network import walk
from cnncalc.arith.presets import preset_text
from cnncalc.arith.receptive_field import (
    ReceptiveField,
    adaptive_largest_window,
    back_recursion,
    field_beyond_input,
)
from cnncalc.arith.sizes import adaptive_windows

Layer = tuple  # ("conv" | "avgpool", k, s, p) or ("adaptive", o)
NOTES_NET = "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 | fc 100"


def exact_field(n: int, layers: list[Layer]) -> int | None:
    """The widest span of input pixels any final unit depends on (None if a layer does not fit)."""
    spans = [(i, i) for i in range(n)]
    for layer in layers:
        m = len(spans)
        if layer[0] == "adaptive":
            o = layer[1]
            # PyTorch's AdaptiveAvgPool1d: cell i averages ⌊i·m/o⌋ … ⌈(i+1)·m/o⌉ − 1
            taps = [range(floor(Fraction(i * m, o)), ceil(Fraction((i + 1) * m, o))) for i in range(o)]
        else:
            _, k, s, p = layer
            out = (m + 2 * p - k) // s + 1
            if out < 1:
                return None
            taps = [[q for q in range(j * s - p, j * s - p + k) if 0 <= q < m] for j in range(out)]
        if any(not t for t in taps):
            return None
        spans = [(min(spans[q][0] for q in t), max(spans[q][1] for q in t)) for t in taps]
    return max(hi - lo + 1 for lo, hi in spans)


def spec_of(n: int, layers: list[Layer]) -> str:
    parts = [f"input 1x{n}"]
    for layer in layers:
        if layer[0] == "adaptive":
            parts.append(f"adaptiveavgpool {layer[1]}")
        else:
            kind, k, s, p = layer
            parts.append(f"{kind}{' 1' if kind == 'conv' else ''} k={k} s={s} p={p}")
    return " | ".join(parts)


# -- adaptive pooling ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "o", "windows"),
    [
        (5, 3, ((0, 2), (1, 4), (3, 5))),  # ⌊0⌋–⌈5/3⌉, ⌊5/3⌋–⌈10/3⌉, ⌊10/3⌋–5: widths 2, 3, 2
        (6, 3, ((0, 2), (2, 4), (4, 6))),  # o divides n: avgpool k = s = 2
        (3, 5, ((0, 1), (0, 2), (1, 2), (1, 3), (2, 3))),  # more cells than inputs: windows overlap
    ],
    ids=["5to3-uneven", "6to3-even", "3to5-grows"],
)
def test_adaptive_windows(n: int, o: int, windows: tuple) -> None:
    assert adaptive_windows(n, o) == windows


@given(n=st.integers(1, 200), o=st.integers(1, 50))
def test_adaptive_windows_tile_the_input_and_differ_by_at_most_one(n: int, o: int) -> None:
    windows = adaptive_windows(n, o)
    assert windows[0][0] == 0 and windows[-1][1] == n
    assert all(a <= b for (a, _), (b, _) in zip(windows, windows[1:], strict=False))  # starts ascend
    widths = {stop - start for start, stop in windows}
    assert max(widths) - min(widths) <= 1 if o <= n else max(widths) <= 2


def test_one_adaptive_pool_sees_its_largest_window() -> None:
    # 5 → 3: windows of 2, 3 and 2 inputs; a unit of the middle window sees 3
    net = walk("input 1x5 | adaptiveavgpool 3")
    assert adaptive_largest_window(5, 3) == 3
    assert net.receptive_field == (3,)
    assert back_recursion(net)[0] == (3,)


@given(n=st.integers(1, 200), o=st.integers(1, 50))
def test_an_adaptive_pool_s_working_names_the_window_widths_it_has(n: int, o: int) -> None:
    # 64 → 3 is three windows of 22 (starting at 0, 21, 42), which read "of 22 or 22 H cells"
    why = walk(f"input 1x{n}x1 | adaptiveavgpool {o}x1").layers[0].steps[0].why
    widths = sorted({stop - start for start, stop in adaptive_windows(n, o)})
    assert f"{widths[0]} or {widths[0]} " not in why
    if n % o:
        shown = (
            f"windows of {widths[0]} or {widths[1]} H cells"
            if len(widths) == 2
            else f"windows of {widths[0]} H"
        )
        assert shown in why, why


def test_adaptive_pool_field_per_axis() -> None:
    # H: 7 → 4, windows 2, 3, 3, 2 → 3;  W: 8 → 3, windows 3, 4, 3 → 4
    net = walk("input 1x7x8 | adaptiveavgpool 4x3")
    assert net.receptive_field == (3, 4)
    assert back_recursion(net)[0] == (3, 4)


def test_after_an_uneven_adaptive_pool_the_back_recursion_steps_by_the_largest_gap() -> None:
    # 7 → 4: windows 0–1, 1–3, 3–5, 5–6, starts 0, 1, 3, 5 (steps up to ⌈7/4⌉ = 2); a 2-wide conv
    # after it joins windows 1–3 and 3–5: 5 pixels = (2 − 1)·2 + 3
    layers: list[Layer] = [("adaptive", 4), ("conv", 2, 1, 0)]
    assert exact_field(7, layers) == 5
    field, rows = back_recursion(walk(spec_of(7, layers)))
    assert field == (5,)
    assert (rows[1].k, rows[1].s) == ((3,), (2,))


@st.composite
def chains_with_adaptive_pools(draw) -> tuple[int, list[Layer]]:
    layers: list[Layer] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("conv", "avgpool", "adaptive", "adaptive")))
        if kind == "adaptive":
            layers.append(("adaptive", draw(st.integers(1, 9))))
        else:
            k = draw(st.integers(1, 4))
            s = draw(st.integers(1, 3 if kind == "conv" else k))
            layers.append((kind, k, s, draw(st.integers(0, k // 2))))
    return draw(st.integers(3, 40)), layers


@given(chains_with_adaptive_pools())
@settings(max_examples=300, deadline=None)
def test_both_views_bound_the_exact_field_through_adaptive_pools(chain) -> None:
    n, layers = chain
    exact = exact_field(n, layers)
    if exact is None:
        return
    net = walk(spec_of(n, layers))
    assert back_recursion(net)[0][0] >= exact
    assert net.receptive_field[0] >= exact


def test_after_unequal_windows_the_walk_uses_the_back_recursion() -> None:
    # 6 → conv k3 s2 → 2 units → adaptive 4: windows 0, 0, 1, 1 (steps 0 and 1) → avgpool k2 p1:
    # a unit over windows 1 and 2 sees both conv units, pixels 0–4; the mean jump 2·2/4 = 1
    # alone would say 3 + (2 − 1)·1 = 4
    layers: list[Layer] = [("conv", 3, 2, 0), ("adaptive", 4), ("avgpool", 2, 1, 1)]
    assert exact_field(6, layers) == 5
    last = walk(spec_of(6, layers)).layers[-1]
    assert last.rf == (5,)
    assert last.steps[-1].label == "RF" and "unequal adaptive-pool windows" in last.steps[-1].why


@given(n=st.integers(1, 60), o=st.integers(1, 20))
def test_a_lone_adaptive_pool_field_is_exact(n: int, o: int) -> None:
    field = exact_field(n, [("adaptive", o)])
    net = walk(spec_of(n, [("adaptive", o)]))
    assert net.receptive_field == back_recursion(net)[0] == (field,)


# -- the forward state ------------------------------------------------------------------------------


def test_the_input_sees_itself() -> None:
    start = ReceptiveField.of_input(2)
    assert (start.size, start.jump, start.start) == ((1, 1), (1, 1), (0, 0))


def test_through_a_strided_conv_then_a_pool() -> None:
    # conv k3 s2 p1: RF 1 + 2·1 = 3, jump 2, first centre 0 + (1 − 1)·1 = 0
    view, steps = ReceptiveField.of_input(1).through("conv", (3,), (2,), (1,), ((1, 1),))
    assert (view.size, view.jump, view.start) == ((3,), (2,), (0,))
    assert steps[0].substituted == "1 + (3 − 1)·1"
    # maxpool k2 s2: RF 3 + 1·2 = 5, jump 4, centre 0 + (1/2 − 0)·2 = 1
    view, steps = view.through("maxpool", (2,), (2,), (1,), ((0, 0),))
    assert (view.size, view.jump, view.start) == ((5,), (4,), (1,))
    assert steps[0].why == "jump = 4, first unit centred at 1"


def test_through_a_transposed_conv_divides_the_jump() -> None:
    # an output of tconv k4 s2 is fed by ⌈4/2⌉ = 2 inputs; the jump halves
    view, steps = ReceptiveField.of_input(1).through("tconv", (4,), (2,), (1,), ((1, 1),))
    assert (view.size, view.jump) == ((2,), (Fraction(1, 2),))
    assert steps[0].formula == "RF_in + (⌈k_eff/s⌉ − 1)·jump_in"


def test_a_whole_map_is_one_window() -> None:
    view, _ = ReceptiveField.of_input(2).through("conv", (3, 3), (2, 2), (1, 1), ((0, 0), (0, 0)))
    whole, _ = view.through_whole_map((4, 5))
    # 3 + (4 − 1)·2 = 9 and 3 + (5 − 1)·2 = 11
    assert whole.size == (9, 11)


# -- hand-checked fields and the two views agreeing -----------------------------------------------


@pytest.mark.parametrize(
    ("spec", "rf"),
    [
        ("conv 1 k=3 | conv 1 k=3", 5),  # Inception-v3: two 3×3 see a 5×5 patch
        ("conv 1 k=3 | conv 1 k=3 | conv 1 k=3", 7),  # VGG: three 3×3 = one 7×7
        ("conv 1 k=3 d=2", 5),  # a dilated 3×3 spans 5
        ("conv 1 k=2 | conv 1 k=2 d=2 | conv 1 k=2 d=4 | conv 1 k=2 d=8", 16),  # WaveNet: doubling dilations
        ("conv 96 k=11 s=4 | maxpool k=3 s=2 | conv 256 k=5 p=2", 51),  # AlexNet conv2: 19 + 4·8
        ("conv 1 k=3 s=2 | conv 1 k=3 s=2", 7),  # (3 − 1)·2 + 3
        ("input 1x32x32 | conv 1 k=3 | gap", 32),  # global pooling sees the whole input
        # notes 001: 40 before the fc; the fc sees all 4×4 units, 40 + 3·16 = 88 < 96, because the
        # second pool's floor drops 2 rows of its 18 (8 input pixels)
        (NOTES_NET.rsplit(" | fc", 1)[0], 40),
        (NOTES_NET, 88),
    ],
    ids=[
        "inception-2x3x3",
        "vgg-3x3x3",
        "dilated-3",
        "wavenet",
        "alexnet-conv2",
        "strided",
        "gap",
        "notes-conv",
        "notes-fc",
    ],
)
def test_receptive_field(spec: str, rf: int) -> None:
    net = walk(spec)
    assert net.receptive_field == (rf, rf)
    assert back_recursion(net)[0] == (rf, rf)


def test_back_recursion_rows_run_from_the_last_layer_to_the_first() -> None:
    rf, rows = back_recursion(walk("conv 1 k=3 | conv 1 k=3"))
    assert rf == (5, 5)
    assert [row.number for row in rows] == [2, 1]
    assert [(row.rf_out, row.rf_in) for row in rows] == [((1, 1), (3, 3)), ((3, 3), (5, 5))]
    assert rows[1].steps[0].substituted == "(3 − 1)·1 + 1·(3 − 1) + 1"
    assert rows[1].to_dict()["rf"] == [5, 5]


def test_activations_and_bn_do_not_change_the_field() -> None:
    plain = walk("conv 1 k=3 | conv 1 k=3")
    assert (
        walk("conv 1 k=3 | bn | relu | dropout 0.5 | conv 1 k=3 | sigmoid").receptive_field
        == plain.receptive_field
    )
    rf, rows = back_recursion(walk("conv 1 k=3 | relu | conv 1 k=3"))
    assert len(rows) == 2


def test_jump_and_start() -> None:
    # k3 s2 p0 twice: the first unit sees inputs 0..2 (centre 1), then 0..6 (centre 3).
    net = walk("conv 1 k=3 s=2 | conv 1 k=3 s=2")
    assert [layer.jump for layer in net.layers] == [(2, 2), (4, 4)]
    assert [layer.start for layer in net.layers] == [(1, 1), (3, 3)]
    # padding 1 centres the first unit on input 0
    assert walk("conv 1 k=3 p=1").layers[0].start == (0, 0)
    # an even kernel centres between two pixels
    assert walk("conv 1 k=2").layers[0].start == (Fraction(1, 2), Fraction(1, 2))


def test_per_axis_and_1d_fields() -> None:
    assert walk("input 1x28x28 | conv 1 k=3x5 | conv 1 k=3x1").receptive_field == (5, 5)
    assert walk("input 1x100 | conv 1 k=7 | maxpool k=2").receptive_field == (8,)


def test_transposed_conv_field_matches_the_back_recursion() -> None:
    # tconv k4 s2: every output is fed by ⌈4/2⌉ = 2 inputs
    assert back_recursion(walk("tconv 1 k=4 s=2"))[0] == (2, 2)
    # tconv k5 s3 then k3 s2: measured with torch, the largest field any output unit has is 2
    assert back_recursion(walk("tconv 1 k=5 s=3 | tconv 1 k=3 s=2"))[0] == (2, 2)


def test_forward_view_agrees_with_back_recursion_after_a_transposed_conv() -> None:
    net = walk("tconv 1 k=5 s=3 | tconv 1 k=3 s=2")
    assert net.receptive_field == back_recursion(net)[0] == (2, 2)


@st.composite
def chains(draw):
    layers = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(("conv", "maxpool", "avgpool", "relu")))
        k, s = draw(st.integers(1, 7)), draw(st.integers(1, 4))
        if kind == "conv":
            layers.append(f"conv 1 k={k} s={s} d={draw(st.integers(1, 3))} p={draw(st.integers(0, 2))}")
        elif kind == "relu":
            layers.append("relu")
        else:
            layers.append(f"{kind} k={k} s={s}")
    return " | ".join(layers)


@given(chains())
@settings(max_examples=200, deadline=None)
def test_forward_and_back_recursion_agree_without_transposed_convs(spec: str) -> None:
    if spec.replace("relu", "").strip(" |") == "":
        return
    net = walk(spec)
    rf, rows = back_recursion(net)
    assert net.receptive_field == rf
    assert rows[-1].rf_in == rf
    fields = [layer.rf for layer in net.layers]
    assert all(a[0] <= b[0] for a, b in zip(fields, fields[1:], strict=False))  # a field never shrinks


def test_a_field_wider_than_the_image_says_it_counts_padding_and_covers_the_image() -> None:
    """note 003's network: 40 > 28, and the classifier's one unit sees every pixel."""
    note = field_beyond_input(walk(preset_text("torch-mnist")))
    assert note is not None
    assert "The receptive field 40 is wider than the 28×28 input" in note
    assert "zero padding past the border (12 more pixels per axis)" in note
    assert note.endswith("every unit of the last layer sees the whole image.")


def test_a_field_wider_than_the_image_need_not_cover_it_from_every_unit() -> None:
    note = field_beyond_input(walk("input 1x8x8 | conv 1 k=5 p=2 | conv 1 k=5 p=2"))
    assert note is not None and "9 is wider than the 8×8 input" in note
    assert "(1 more pixel per axis)" in note
    assert note.endswith("units near the border see part image, part padding.")


@pytest.mark.parametrize("spec", ["input 1x28x28 | conv 1 k=5", "conv 1 k=3 | conv 1 k=3"])
def test_no_note_when_the_field_fits_or_there_is_no_input(spec: str) -> None:
    assert field_beyond_input(walk(spec)) is None


def test_rf_of_a_whole_map_layer_without_input_asks_for_the_input():
    from cnncalc.arith.errors import UsageError

    with pytest.raises(
        UsageError, match=r"layer 1 \(gap\) sees the whole input map, whose size is not known"
    ):
        back_recursion(walk("gap"))
