"""Receptive fields without torch: the forward state, and adaptive pooling's uneven windows.

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
from cnncalc.arith.receptive_field import ReceptiveField, adaptive_largest_window, back_recursion
from cnncalc.arith.sizes import adaptive_windows

Layer = tuple  # ("conv" | "avgpool", k, s, p) or ("adaptive", o)


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
