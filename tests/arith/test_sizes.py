"""Output sizes: hand-checked golden cases (each worked out in its id or comment) and properties.

The properties compare the closed-form formulas with a brute-force count of window positions, so a
wrong formula cannot agree with itself.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.sizes import (
    ceil_div,
    conv_output_size,
    layer_output,
    pool_output_size,
    same_padding,
    tconv_output_size,
)

PROPS = settings(max_examples=300, deadline=None)


# -- golden cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "out"),
    [
        (96, 5, 1, 0, 1, 92),  # course notes 001: 96 − 5 + 1
        (28, 3, 2, 1, 1, 14),  # ⌊(28 + 2 − 3)/2⌋ + 1 = 13 + 1
        (227, 11, 4, 0, 1, 55),  # AlexNet conv1: (227 − 11)/4 + 1
        (224, 7, 2, 3, 1, 112),  # ResNet stem: ⌊(224 + 6 − 7)/2⌋ + 1 = 111 + 1
        (32, 3, 1, 1, 1, 32),  # 3×3, padding 1 keeps the size
        (10, 3, 1, 0, 2, 6),  # dilation 2 spans 5 cells: 10 − 5 + 1
        (10, 3, 2, 0, 1, 4),  # cs231n: (10 − 3)/2 + 1 = 4.5, floored
        (1, 1, 1, 0, 1, 1),  # the smallest layer
        (5, 7, 1, 1, 1, 1),  # padding lets a kernel larger than the input fit: 5 + 2 − 7 + 1
    ],
    ids=[
        "notes-96-k5",
        "28-k3-s2-p1",
        "alexnet-227-k11-s4",
        "resnet-224-k7-s2-p3",
        "32-k3-p1",
        "10-k3-d2",
        "cs231n-10-k3-s2",
        "1-k1",
        "5-k7-p1",
    ],
)
def test_conv_output_size(n: int, k: int, s: int, p: int, d: int, out: int) -> None:
    assert conv_output_size(n, k, s=s, p=p, d=d) == out


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "ceil", "out"),
    [
        (92, 4, None, 0, 1, False, 23),  # notes 001: 92/4
        (18, 4, None, 0, 1, False, 4),  # notes 001's second pool: ⌊14/4⌋ + 1 = 4 (not 23)
        (5, 2, None, 0, 1, False, 2),  # ⌊3/2⌋ + 1
        (5, 2, None, 0, 1, True, 3),  # ⌈3/2⌉ + 1: a last window over the 5th row alone
        (5, 2, 2, 1, 1, True, 3),  # ⌈5/2⌉ + 1 = 4, but window 4 would start at 6 ≥ 5 + 1: dropped
        (6, 3, 2, 1, 1, True, 4),  # ⌈5/2⌉ + 1 = 4; window 4 starts at 6 < 6 + 1: kept
        (112, 3, 2, 1, 1, False, 56),  # ResNet max pool
        (10, 2, 1, 0, 3, False, 7),  # dilation 3 spans 4: 10 − 4 + 1
        (1, 3, 3, 0, 1, True, 1),  # ceil keeps a window that starts on the only cell
    ],
    ids=[
        "notes-92-k4",
        "notes-18-k4",
        "5-k2",
        "5-k2-ceil",
        "5-k2-p1-ceil-dropped",
        "6-k3-s2-p1-ceil-kept",
        "resnet-112-k3-s2-p1",
        "10-k2-d3",
        "1-k3-ceil",
    ],
)
def test_pool_output_size(n: int, k: int, s: int | None, p: int, d: int, ceil: bool, out: int) -> None:
    assert pool_output_size(n, k, s=s, p=p, d=d, ceil=ceil) == out


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "op", "out"),
    [
        (4, 4, 2, 1, 1, 0, 8),  # DCGAN: (4 − 1)·2 − 2 + 3 + 1 = 8
        (7, 3, 2, 1, 1, 1, 14),  # (7 − 1)·2 − 2 + 2 + 1 + 1: output_padding picks 14 over 13
        (7, 3, 2, 1, 1, 0, 13),
        (1, 3, 1, 0, 1, 0, 3),  # a single cell stamped with a 3-wide kernel
        (5, 3, 1, 0, 2, 1, 10),  # (5 − 1) + 2·2 + 1 + 1; output_padding 1 < dilation 2 is allowed
    ],
    ids=["dcgan-4-k4-s2-p1", "7-k3-s2-p1-op1", "7-k3-s2-p1", "1-k3", "5-k3-d2-op1"],
)
def test_tconv_output_size(n: int, k: int, s: int, p: int, d: int, op: int, out: int) -> None:
    assert tconv_output_size(n, k, s=s, p=p, d=d, output_padding=op) == out


@pytest.mark.parametrize(
    ("n", "k", "s", "d", "pads"),
    [
        (28, 3, 1, 1, (1, 1)),
        (28, 4, 1, 1, (1, 2)),  # total 3 is odd: the extra row goes after (bottom/right)
        (5, 3, 2, 1, (1, 1)),  # out ⌈5/2⌉ = 3: (3 − 1)·2 + 3 − 5 = 2
        (6, 3, 2, 1, (0, 1)),  # out 3: (3 − 1)·2 + 3 − 6 = 1
        (7, 1, 3, 1, (0, 0)),  # a 1×1 kernel never needs padding
        (10, 3, 1, 2, (2, 2)),  # dilation 2 spans 5: total 4
        (2, 7, 1, 1, (3, 3)),  # 'same' still pads k − 1 when the kernel is larger than the input
    ],
    ids=["28-k3", "28-k4-odd", "5-k3-s2", "6-k3-s2", "7-k1-s3", "10-k3-d2", "2-k7"],
)
def test_same_padding(n: int, k: int, s: int, d: int, pads: tuple[int, int]) -> None:
    assert same_padding(n, k, s, d) == pads
    assert layer_output("conv", (n,), k, s, "same", d).output == (-(-n // s),)


def test_cs231n_fraction_is_explained_not_silently_floored() -> None:
    res = layer_output("conv", (10, 10), 3, 2, 0)
    assert res.output == (4, 4)
    text = " ".join(res.all_notes)
    assert "4.5" in text
    assert "never covered" in text
    assert "1 row" in text and "1 column" in text  # (10 − 3) mod 2 = 1 uncovered row and column
    # The first fix it proposes really does cover every row: one more padding row after the input.
    assert "padding 0 before and 1 after (output 5;" in text
    fixed = layer_output("conv", (10, 10), 3, 2, ((0, 1), (0, 1)))
    assert fixed.output == (5, 5)
    assert not any("never covered" in note for note in fixed.all_notes)


def test_exact_division_has_no_uncovered_note() -> None:
    assert not any("never covered" in note for note in layer_output("conv", (96, 96), 5).all_notes)


def test_same_padding_with_odd_total_says_the_extra_goes_bottom_right() -> None:
    res = layer_output("conv", (28, 28), 4, 1, "same")
    assert res.output == (28, 28)
    assert res.padding == ((1, 2), (1, 2))
    text = " ".join(note for step in res.steps for note in step.notes)
    assert "1 top, 2 bottom" in text
    assert "1 left, 2 right" in text


def test_same_padding_with_stride_says_it_is_tensorflows_rule() -> None:
    res = layer_output("conv", (5,), 3, 2, "same")
    assert res.output == (3,)
    assert any("TensorFlow" in note and "stride 1" in note for step in res.steps for note in step.notes)


@pytest.mark.parametrize(
    ("mode", "out", "pads"),
    [("valid", 26, (0, 0)), ("full", 30, (2, 2)), ("same", 28, (1, 1))],
    ids=["valid", "full", "same"],
)
def test_padding_modes(mode: str, out: int, pads: tuple[int, int]) -> None:
    res = layer_output("conv", (28, 28), 3, 1, mode)
    assert res.output == (out, out)
    assert res.padding == (pads, pads)
    assert res.padding_mode == mode


def test_per_axis_sizes() -> None:
    res = layer_output("conv", (28, 20), (3, 5), (1, 2), (1, 0), (1, 1))
    assert res.output == (28, 8)  # H: 28 + 2 − 3 + 1; W: ⌊(20 − 5)/2⌋ + 1
    assert [a.axis for a in res.axes] == ["H", "W"]
    assert layer_output("conv", (8, 28, 20), 3).output == (6, 26, 18)
    assert [a.axis for a in layer_output("conv", (9,), 3).axes] == ["L"]


def test_pool_stride_defaults_to_the_kernel_and_says_so() -> None:
    res = layer_output("maxpool", (92, 92), 4)
    assert res.output == (23, 23)
    assert res.stride == (4, 4)
    assert any("stride defaults to the kernel" in note for note in res.all_notes)
    assert layer_output("conv", (92, 92), 4).stride == (1, 1)


def test_ceil_mode_steps_show_the_dropped_last_window() -> None:
    res = layer_output("maxpool", (5,), 2, 2, 1, ceil=True)
    assert res.output == (3,)
    assert "past the input" in res.steps[-1].substituted


def test_ceil_note_does_not_promise_a_window_that_pytorch_drops() -> None:
    res = layer_output("maxpool", (5,), 2, 2, 1, ceil=True)
    assert res.output == layer_output("maxpool", (5,), 2, 2, 1).output == (3,)  # ceil changes nothing here
    assert not any("one more window" in note for note in res.all_notes)


def test_steps_carry_formula_numbers_and_result() -> None:
    step = layer_output("conv", (96, 96), 5).steps[0]
    assert step.formula == "⌊(H_in + 2p − k)/s⌋ + 1"  # the course notes' form when d = 1
    assert step.substituted == "⌊(96 + 2·0 − 5)/1⌋ + 1 = ⌊91/1⌋ + 1"
    assert step.value == 92
    assert step.line().endswith("= 92")
    assert step.notes == ("in general, with dilation d (PyTorch's form): ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1",)


@pytest.mark.parametrize(
    ("op", "ceil", "brackets"), [("conv", False, "⌊⌋"), ("maxpool", False, "⌊⌋"), ("maxpool", True, "⌈⌉")]
)
def test_a_dilated_window_is_worked_in_pytorchs_general_form(op: str, ceil: bool, brackets: str) -> None:
    plain = layer_output(op, (9, 9), 3, 2, 1, 1, ceil).steps[0]
    dilated = layer_output(op, (9, 9), 3, 2, 1, 2, ceil).steps[0]
    lo, hi = brackets
    assert plain.formula == f"{lo}(H_in + 2p − k)/s{hi} + 1"
    assert plain.substituted.startswith(f"{lo}(9 + 2·1 − 3)/2{hi} + 1")
    assert dilated.formula == f"{lo}(H_in + 2p − d(k − 1) − 1)/s{hi} + 1" and not dilated.notes
    assert dilated.substituted.startswith(f"{lo}(9 + 2·1 − 2·(3 − 1) − 1)/2{hi} + 1")


def test_ceil_notes_write_the_division_out() -> None:
    """Not '(5)/4': the numbers that make the 5, as the floor's note writes them."""
    kept = layer_output("maxpool", (9, 9), 4, 4, 0, ceil=True).all_notes
    assert any(n.startswith("H: (9 + 2·0 − 4)/4 = 5/4 is not whole; ceil_mode keeps") for n in kept)
    dropped = layer_output("maxpool", (5, 5), 2, 2, 1, ceil=True).all_notes
    assert any(n.startswith("H: (5 + 2·1 − 2)/2 = 5/2 is not whole, but") for n in dropped)


@pytest.mark.parametrize(
    ("k", "d", "said"),
    [
        (3, 1, "stamped with the 3-wide kernel;"),
        (3, 2, "stamped with the 3-tap kernel, dilated to span 5;"),
        (4, 3, "stamped with the 4-tap kernel, dilated to span 10;"),
        (1, 3, "stamped with the 1-wide kernel;"),  # one tap spans 1 whatever the dilation
    ],
    ids=["k3", "k3-d2", "k4-d3", "k1-d3"],
)
def test_tconv_working_says_the_span_a_dilated_kernel_stamps(k: int, d: int, said: str) -> None:
    axis = layer_output("tconv", (9,), k, 1, 0, d).axes[0]
    assert axis.out == 8 + d * (k - 1) + 1
    assert said in axis.steps[0].why


def test_huge_sizes_are_exact_python_ints() -> None:
    n = 10**30
    assert conv_output_size(n, 5) == n - 4
    assert conv_output_size(n, 3, s=2, p=1) == n // 2
    assert pool_output_size(n, 4) == n // 4
    assert tconv_output_size(n, 4, s=2, p=1) == 2 * n
    assert same_padding(n, 4, 3) == (1, 2)  # ⌈n/3⌉ = (n + 2)/3; total (n − 1) + 4 − n = 3
    assert layer_output("conv", (n, n, n), 3, 1, "same").output == (n, n, n)


# -- errors name the offending value --------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "needles"),
    [
        (
            lambda: layer_output("conv", (3, 3), 5),
            CnnCalcError,
            ("kernel 5", "padded input 3", "padding ≥ 1"),
        ),
        (lambda: layer_output("conv", (5,), 3, 1, 0, 3), CnnCalcError, ("kernel 3", "dilated to 7")),
        (
            lambda: layer_output("maxpool", (10,), 3, 1, 2),
            CnnCalcError,
            ("pool padding 2", "kernel 3", "at most 1"),
        ),
        (lambda: layer_output("avgpool", (1, 1), 3, 3), CnnCalcError, ("pool window 3",)),
        (
            lambda: layer_output("tconv", (10,), 3, 2, 0, 1, output_padding=2),
            CnnCalcError,
            ("output_padding 2", "stride 2", "≤ 1"),
        ),
        (lambda: layer_output("tconv", (1,), 1, 1, 1), CnnCalcError, ("would be -1", "padding 1")),
        (lambda: layer_output("conv", (10,), 3, 0), CnnCalcError, ("stride 0",)),
        (lambda: layer_output("conv", (10,), 3, 1, 0, 0), CnnCalcError, ("dilation 0",)),
        (lambda: layer_output("conv", (10,), 0), CnnCalcError, ("kernel 0",)),
        (lambda: layer_output("conv", (0, 5), 3), CnnCalcError, ("input size 0",)),
        (lambda: layer_output("conv", (10, 10), (3, 3, 3)), UsageError, ("3x3x3", "3 values", "2")),
        (lambda: layer_output("pool", (10,), 3), UsageError, ("'pool'", "maxpool")),
        (lambda: layer_output("conv", (10,), 3, output_padding=1), UsageError, ("output_padding", "tconv")),
        (lambda: layer_output("avgpool", (10,), 3, dilation=2), UsageError, ("dilation",)),
        (lambda: layer_output("conv", (10,), 3, 1, "bogus"), UsageError, ("'bogus'",)),
        (lambda: layer_output("tconv", (10,), 3, 1, "same"), UsageError, ("'same'", "transposed")),
        (lambda: layer_output("conv", (10,), 3, 1, ((0, 1),), 1), None, ()),
        (lambda: layer_output("tconv", (10,), 3, 1, ((0, 1),)), UsageError, ("0 before", "1 after")),
    ],
    ids=[
        "kernel-too-large",
        "dilated-too-large",
        "pool-padding",
        "pool-too-small",
        "output-padding",
        "tconv-negative",
        "stride-0",
        "dilation-0",
        "kernel-0",
        "input-0",
        "axes-mismatch",
        "unknown-op",
        "output-padding-on-conv",
        "avgpool-dilation",
        "bogus-padding-mode",
        "tconv-same",
        "asymmetric-conv-ok",
        "asymmetric-tconv",
    ],
)
def test_errors_name_the_offending_value(call, error, needles: tuple[str, ...]) -> None:
    if error is None:
        call()
        return
    with pytest.raises(error) as info:
        call()
    for needle in needles:
        assert needle in str(info.value)


@pytest.mark.parametrize("op", ["conv", "maxpool", "avgpool"])
def test_negative_padding_is_rejected(op: str) -> None:
    with pytest.raises(CnnCalcError, match="-1"):
        layer_output(op, (5, 5), 3, 1, -1)


# -- properties -----------------------------------------------------------------------------------


def window_starts(n: int, k: int, s: int, pb: int, pa: int, d: int) -> list[int]:
    """Brute force: every start (in padded coordinates) of a window that fits in the padded input."""
    span = d * (k - 1) + 1
    return list(range(0, n + pb + pa - span + 1, s))


@given(
    n=st.integers(1, 200),
    k=st.integers(1, 9),
    s=st.integers(1, 6),
    pb=st.integers(0, 6),
    pa=st.integers(0, 6),
    d=st.integers(1, 4),
)
@PROPS
def test_conv_output_counts_the_windows_that_fit(n: int, k: int, s: int, pb: int, pa: int, d: int) -> None:
    starts = window_starts(n, k, s, pb, pa, d)
    if not starts:
        with pytest.raises(CnnCalcError, match=f"kernel {k}"):
            conv_output_size(n, k, s, (pb, pa), d)
        return
    out = conv_output_size(n, k, s, (pb, pa), d)
    assert out == len(starts) >= 1
    assert layer_output("conv", (n,), k, s, ((pb, pa),), d).output == (out,)


@given(
    n=st.integers(1, 200),
    k=st.integers(1, 8),
    s=st.integers(1, 8),
    d=st.integers(1, 3),
    p_frac=st.integers(0, 100),
    ceil=st.booleans(),
)
@PROPS
def test_pool_output_follows_pytorch_window_rules(
    n: int, k: int, s: int, d: int, p_frac: int, ceil: bool
) -> None:
    p = p_frac * (k // 2) // 100  # always within k/2
    span = d * (k - 1) + 1
    num = n + 2 * p - span
    floor_starts = window_starts(n, k, s, p, p, d)
    # ceil_mode adds one window over the leftover cells (starting less than a stride past the last
    # cell a full window could start on), but only if it starts inside the input or its left padding.
    after = floor_starts[-1] + s if floor_starts else 0
    extra = ceil and after < num + s and after < n + p
    expected = len(floor_starts) + extra
    if expected < 1:
        with pytest.raises(CnnCalcError):
            pool_output_size(n, k, s, p, d, ceil)
        return
    out = pool_output_size(n, k, s, p, d, ceil)
    assert out == expected
    assert (out - 1) * s < n + p  # the last window starts inside the input or its left padding


@given(n=st.integers(1, 300), k=st.integers(1, 12), s=st.integers(1, 8), d=st.integers(1, 4))
@PROPS
def test_same_padding_gives_ceil_n_over_s(n: int, k: int, s: int, d: int) -> None:
    pb, pa = same_padding(n, k, s, d)
    assert pa - pb in (0, 1)  # the extra one goes after
    assert conv_output_size(n, k, s, (pb, pa), d) == -(-n // s)
    # and it is the least total padding that gives ⌈n/s⌉ windows
    least = next(t for t in range(0, 100) if len(window_starts(n, k, s, t, 0, d)) >= -(-n // s))
    assert pb + pa == least


@given(
    n=st.integers(1, 300), k=st.integers(1, 8), s=st.integers(1, 6), p=st.integers(0, 5), d=st.integers(1, 3)
)
@PROPS
def test_tconv_inverts_conv_with_the_right_output_padding(n: int, k: int, s: int, p: int, d: int) -> None:
    span = d * (k - 1) + 1
    if n + 2 * p < span:
        return
    m = conv_output_size(n, k, s, p, d)
    output_padding = (n + 2 * p - span) % s  # the rows the conv's floor dropped
    assert tconv_output_size(m, k, s, p, d, output_padding) == n
    assert layer_output("tconv", (m,), k, s, p, d, output_padding=output_padding).output == (n,)


@given(
    n=st.integers(1, 60),
    k=st.integers(1, 8),
    s=st.integers(1, 5),
    p=st.integers(0, 5),
    d=st.integers(1, 3),
    op=st.integers(0, 5),
)
@PROPS
def test_tconv_output_is_at_least_one_or_an_error_naming_the_value(n, k, s, p, d, op) -> None:
    try:
        out = tconv_output_size(n, k, s, p, d, op)
    except CnnCalcError as e:
        assert (f"output_padding {op}" in str(e)) if op >= max(s, d) else (f"padding {p}" in str(e))
        return
    assert out >= 1
    assert op < max(s, d)


@given(st.integers(10**20, 10**40), st.integers(1, 50), st.integers(1, 50), st.integers(0, 50))
@settings(max_examples=100, deadline=None)
def test_huge_inputs_match_exact_integer_arithmetic(n: int, k: int, s: int, p: int) -> None:
    assert conv_output_size(n, k, s, p) == (n + 2 * p - k) // s + 1


@pytest.mark.parametrize(
    ("op", "n", "k", "s", "p"),
    [
        ("conv", 10, 3, 2, 0),
        ("conv", 10, 3, 4, 0),
        ("maxpool", 8, 3, 2, 1),
        ("maxpool", 1, 2, 3, 1),
        ("avgpool", 11, 4, 3, 0),
    ],
    ids=["conv", "conv-stride-over-kernel", "maxpool", "maxpool-tiny", "avgpool"],
)
def test_suggested_fixes_really_cover_every_row(op, n, k, s, p):
    """Every 'use padding/stride X (output Y)' in the notes is a legal layer with no uncovered row."""
    import re

    res = layer_output(op, (n,), k, s, p)
    fix = next(note for note in res.all_notes if "to cover every" in note)
    strides = re.findall(r"(?:stride|or) (\d+) \(output (\d+)\)", fix)
    assert strides
    for stride, out in strides:
        alt = layer_output(op, (n,), k, int(stride), p)
        assert alt.output == (int(out),)
        assert int(stride) <= k  # no gaps between windows
        assert not [note for note in alt.all_notes if "never covered" in note]
    for pad, out in re.findall(r"padding (\d+) \(output (\d+)\)", fix):
        alt = layer_output(op, (n,), k, s, int(pad))  # raises if a pool may not pad that much
        assert alt.output == (int(out),)
    if op != "conv":
        assert "before and" not in fix  # pools pad both sides alike in PyTorch


@given(a=st.integers(-(10**40), 10**40), b=st.integers(1, 10**12))
def test_ceil_div_is_exact_for_huge_integers(a: int, b: int) -> None:
    assert ceil_div(a, b) == ceil(Fraction(a, b))


def test_axis_notes_carry_their_axis() -> None:
    # 10 × 11, k3 s2: H leaves (10 − 3) mod 2 = 1 row uncovered; W covers all 11 columns
    res = layer_output("conv", (10, 11), 3, 2)
    h, w = res.axes
    assert {n.axis for n in h.notes} == {"H"} and w.notes == ()
    assert h.notes[0].text.startswith("(10 + 2·0 − 3)/2 + 1 = 4.5 is not a whole number")
    assert res.all_notes[0] == "H: " + h.notes[0].text
    assert not res.alike and layer_output("conv", (10, 10), 3, 2).alike


def test_counts_of_one_are_singular() -> None:
    assert layer_output("conv", (3, 3), 3).steps[0].why.endswith("fits at 1 position")
    strided = layer_output("conv", (1, 1), 1, 2).steps[0].why
    assert strided.startswith("a 1-wide window fits at 1 position, 2 apart, along the 1 padded row")
    ceil_note = layer_output("maxpool", (18, 18), 4).axes[0].notes[-1].text
    assert ceil_note.endswith("a last window over the remaining 2 rows.")


@pytest.mark.parametrize(
    ("n", "k", "p", "message"),
    [
        (
            1,
            2,
            1,
            "transposed convolution output on axis L would be 0: padding 1 trims 2 (1 from each border), all 2 "
            "the layer produces, leaving no output; use padding ≤ 0",
        ),
        (
            4,
            3,
            4,
            "transposed convolution output on axis L would be -2: padding 4 trims 8 (4 from each border), more "
            "than the 6 the layer produces; use padding ≤ 2",
        ),
    ],
    ids=["trims-all", "trims-more"],
)
def test_tconv_padding_that_leaves_nothing_says_exactly_how_much_it_trims(n, k, p, message) -> None:
    with pytest.raises(CnnCalcError) as caught:
        layer_output("tconv", (n,), k, 1, p)
    assert str(caught.value) == message
    # the advice holds: the largest padding it allows leaves an output of at least 1
    most = int(message.rsplit("≤ ", 1)[1])
    assert layer_output("tconv", (n,), k, 1, most).output[0] >= 1


@pytest.mark.parametrize(
    ("spatial", "pad_layer"),
    [((16,), "nn.ZeroPad1d"), ((16, 16), "nn.ZeroPad2d"), ((8, 16, 16), "nn.ZeroPad3d")],
)
def test_the_uneven_padding_fix_names_the_padding_layer_of_the_convs_axes(spatial, pad_layer):
    notes = " ".join(layer_output("conv", spatial, (3,) * len(spatial), (2,) * len(spatial), 0).all_notes)
    assert f"in PyTorch an explicit F.pad or {pad_layer} before the layer" in notes
    assert notes.count("nn.ZeroPad") == len(spatial)
