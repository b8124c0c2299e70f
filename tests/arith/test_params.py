"""Parameter counts, MACs and FLOPs: hand-checked golden cases and relations between layer kinds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.params import (
    bn_params,
    conv_cost,
    conv_macs,
    conv_params,
    fc_macs,
    fc_params,
    flops_step,
    tconv_macs,
)

PROPS = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(
    ("cin", "cout", "kernel", "groups", "bias", "weights", "total"),
    [
        (3, 192, (3, 3), 1, True, 5184, 5376),  # notes 001: 3·3·3·192 = 5184 weights, + 192 biases
        (3, 192, (3, 3), 1, False, 5184, 5184),
        (2, 8, (5, 5), 1, True, 400, 408),  # notes 001's first layer: 5·5·2·8 + 8
        (8, 24, (6, 6), 1, True, 6912, 6936),  # notes 001's second layer: 6·6·8·24 + 24
        (32, 32, (3, 3), 32, False, 288, 288),  # depthwise: 32 kernels of 3×3, one per channel
        (64, 128, (3, 3), 4, True, 18432, 18560),  # 4 groups: 128 filters × 16 channels × 9
        (1, 16, (3, 5), 1, True, 240, 256),  # per-axis kernel 3×5
        (4, 8, (3, 3, 3), 1, True, 864, 872),  # 3-D: 27·4·8
        (16, 16, (1,), 1, True, 256, 272),  # 1-D pointwise
    ],
    ids=[
        "notes-3to192-k3",
        "3to192-k3-nobias",
        "notes-2to8-k5",
        "notes-8to24-k6",
        "depthwise-32-k3-nobias",
        "grouped-64to128-g4",
        "kernel-3x5",
        "3d-k3",
        "1d-pointwise",
    ],
)
def test_conv_params(cin: int, cout: int, kernel, groups: int, bias: bool, weights: int, total: int) -> None:
    p = conv_params(cin, cout, kernel, groups, bias)
    assert (p.weights, p.total) == (weights, total)
    assert p.biases == (cout if bias else 0)
    assert p.steps[-1].value == total


def test_course_notes_answer_and_pytorchs_are_both_shown() -> None:
    p = conv_params(3, 192, (3, 3))
    assert [s.value for s in p.steps] == [5184, 192, 5376]
    assert p.steps[0].substituted == "3·3 · 3 · 192"
    note = " ".join(p.notes)
    assert "5184" in note and "5376" in note and "weights only" in note


def test_depthwise_is_named() -> None:
    assert any("depthwise" in note for note in conv_params(32, 32, (3, 3), 32, False).notes)
    assert not any("depthwise" in note for note in conv_params(32, 32, (3, 3), 1).notes)


@pytest.mark.parametrize(
    ("cin", "cout", "kernel", "groups", "weights"),
    [
        (16, 8, (4, 4), 1, 2048),  # ConvTranspose2d weight is C_in × C_out/g × k × k = 16·8·16
        (8, 16, (4, 4), 2, 1024),  # 8 · 16/2 · 16
        (100, 512, (4, 4), 1, 819200),  # DCGAN generator's first layer
    ],
    ids=["tconv-16to8-k4", "tconv-8to16-k4-g2", "dcgan-100to512-k4"],
)
def test_tconv_params(cin: int, cout: int, kernel, groups: int, weights: int) -> None:
    p = conv_params(cin, cout, kernel, groups, transposed=True)
    assert (p.kind, p.weights, p.biases) == ("tconv", weights, cout)


@pytest.mark.parametrize(
    ("fin", "fout", "bias", "total"),
    [(576, 64, True, 36928), (384, 100, True, 38500), (784, 10, False, 7840)],
    ids=["576to64", "notes-384to100", "mnist-784to10-nobias"],
)
def test_fc_params(fin: int, fout: int, bias: bool, total: int) -> None:
    assert fc_params(fin, fout, bias).total == total


def test_bn_params_count_gamma_and_beta_only() -> None:
    p = bn_params(64)
    assert p.total == 128
    assert "buffers" in p.steps[0].why


def test_macs_and_flops() -> None:
    # 3→192, 3×3 on a 32×32 output: 192 · 32·32 · 27 multiply-accumulates.
    macs = conv_macs(3, 192, (3, 3), 1, (32, 32))
    assert macs.value == 5_308_416
    assert flops_step(macs.value).value == 10_616_832
    assert "2 · MACs" == flops_step(1).formula
    assert conv_macs(32, 32, (3, 3), 32, (10, 10)).value == 32 * 100 * 9  # depthwise: 1 channel per filter
    assert tconv_macs(16, 8, (4, 4), 1, (4, 4)).value == 16 * 16 * 8 * 16
    assert fc_macs(576, 64).value == 36864


@pytest.mark.parametrize(
    ("call", "needles"),
    [
        (lambda: conv_params(4, 6, (3, 3), 4), ("groups 4", "cout 6", "1, 2")),
        (lambda: conv_params(6, 4, (3, 3), 4), ("groups 4", "cin 6")),
        (lambda: conv_params(4, 4, (3, 3), 0), ("groups 0",)),
        (lambda: conv_params(0, 4, (3, 3)), ("cin 0",)),
        (lambda: conv_params(4, -2, (3, 3)), ("cout -2",)),
        (lambda: fc_params(0, 10), ("0",)),
        (lambda: bn_params(0), ("channels 0",)),
    ],
    ids=[
        "groups-not-dividing-cout",
        "groups-not-dividing-cin",
        "groups-0",
        "cin-0",
        "cout-negative",
        "fc-0",
        "bn-0",
    ],
)
def test_errors_name_the_offending_value(call, needles: tuple[str, ...]) -> None:
    with pytest.raises(CnnCalcError) as info:
        call()
    for needle in needles:
        assert needle in str(info.value)


channels = st.integers(1, 256)
kernels = st.lists(st.integers(1, 7), min_size=1, max_size=3).map(tuple)


@given(c=st.integers(1, 64), mult=st.integers(1, 4), kernel=kernels)
@PROPS
def test_depthwise_separable_saves_a_factor_of_the_channels(c: int, mult: int, kernel) -> None:
    dense = conv_params(c, c * mult, kernel, 1, bias=False).weights
    depthwise = conv_params(c, c * mult, kernel, c, bias=False).weights
    assert dense == depthwise * c


@given(
    g=st.sampled_from((1, 2, 4, 8)),
    a=st.integers(1, 16),
    b=st.integers(1, 16),
    kernel=kernels,
    bias=st.booleans(),
)
@PROPS
def test_groups_divide_the_weights_not_the_biases(g: int, a: int, b: int, kernel, bias: bool) -> None:
    dense = conv_params(a * g, b * g, kernel, 1, bias)
    grouped = conv_params(a * g, b * g, kernel, g, bias)
    assert grouped.weights * g == dense.weights
    assert grouped.biases == dense.biases == (b * g if bias else 0)


@given(cin=channels, cout=channels, kernel=kernels)
@PROPS
def test_a_transposed_conv_stores_the_weights_of_the_conv_it_transposes(cin: int, cout: int, kernel) -> None:
    assert conv_params(cin, cout, kernel, transposed=True).weights == conv_params(cout, cin, kernel).weights


@given(fin=st.integers(1, 10**6), fout=st.integers(1, 10**4), bias=st.booleans(), dims=st.integers(1, 3))
@PROPS
def test_fc_is_a_1x1_conv(fin: int, fout: int, bias: bool, dims: int) -> None:
    assert fc_params(fin, fout, bias).total == conv_params(fin, fout, (1,) * dims, 1, bias).total


@given(cin=channels, cout=channels, kernel=kernels, out=st.lists(st.integers(1, 64), min_size=1, max_size=3))
@PROPS
def test_macs_are_weights_times_output_positions(cin: int, cout: int, kernel, out: list[int]) -> None:
    positions = 1
    for v in out:
        positions *= v
    assert (
        conv_macs(cin, cout, kernel, 1, tuple(out)).value
        == conv_params(cin, cout, kernel).weights * positions
    )


def test_conv_cost_counts_a_transposed_convs_macs_at_its_inputs():
    # conv 3 → 8, 3×3, 8×8 → 6×6: 8·36 outputs × 3·9 weights = 7,776 MACs
    params, macs = conv_cost(3, 8, (3, 3), input=(8, 8), output=(6, 6))
    assert (params.total, macs.value) == (224, 7776)
    # tconv 3 → 8, 3×3, 6×6 → 8×8: 3·36 inputs × 8·9 weights = 7,776 as well, weights 3·8·9 = 216
    params, macs = conv_cost(3, 8, (3, 3), transposed=True, input=(6, 6), output=(8, 8))
    assert (params.weights, macs.value) == (216, 7776)


@pytest.mark.parametrize(
    ("transposed", "formula"),
    [(False, "kw·kh·(Ci/g)·Co = 4608"), (True, "kw·kh·Ci·(Co/g) = 4608")],
    ids=["grouped", "grouped-transposed"],
)
def test_the_notes_weight_formula_divides_by_the_groups(transposed: bool, formula: str) -> None:
    """3·3·32·64 = 18,432, not 4608: with 4 groups the note's formula must say where the /g goes."""
    note = conv_params(32, 64, (3, 3), groups=4, transposed=transposed).notes[-1]
    assert formula in note
    assert "kw·kh·Ci·Co =" not in note


def test_fc_says_the_notes_count_ci_co_only_and_co_counts_outputs() -> None:
    """Note 001's '100参数的全连接层': 100 is the number of outputs, not of parameters."""
    (note,) = fc_params(384, 100).notes
    assert "Ci·Co only (the weights, 38400)" in note
    assert "add 100 biases by default, 38500 in all" in note
    assert "C_out = 100 is the number of outputs, not of parameters" in note
    assert fc_params(384, 100, bias=False).notes == ()


def test_one_filter_and_one_bias_are_singular() -> None:
    pc = conv_params(1, 1, (3, 3))
    assert pc.steps[0].why.startswith("the one filter has one 3×3 kernel")
    assert "add 1 bias by default" in pc.notes[-1]
    assert "dot product of 1 weight" in conv_macs(1, 1, (1, 1), 1, (1, 1)).why


def test_the_groups_hint_is_worked_out_without_looping_over_channels():
    from cnncalc.arith.params import check_groups
    from tests.bounded_run import within

    # 10^12 + 1 channels in and out, 2 groups: a hint found by trying every channel count hung
    with (
        within(2),
        pytest.raises(CnnCalcError, match=r"use one of .* \(any divisor of gcd = 1000000000001\)"),
    ):
        check_groups(10**12 + 1, 10**12 + 1, 2)
    with pytest.raises(CnnCalcError, match=r"use one of 1, 2, 4, 8, 16, 32 \(any divisor of gcd = 32\)"):
        check_groups(64, 96, 3)


@pytest.mark.parametrize(
    ("channels", "field"),
    [({"cin": 0, "cout": 8}, "cin"), ({"cin": 8, "cout": -1}, "cout"), ({"cin": 10**31, "cout": 8}, "cin")],
    ids=["cin-0", "cout-negative", "cin-huge"],
)
def test_channel_counts_out_of_range_are_usage_errors_naming_the_field(channels, field):
    from cnncalc.arith.errors import UsageError

    with pytest.raises(UsageError) as caught:
        conv_params(channels["cin"], channels["cout"], (3, 3))
    assert caught.value.field == field


def test_large_counts_in_the_working_are_grouped_as_their_values_are() -> None:
    fc = fc_params(117_600, 200_000)
    assert [s.line() for s in fc.steps] == [
        "weights = C_in · C_out = 117,600 · 200,000 = 23,520,000,000",
        "biases = C_out = 200,000",
        "total = C_in · C_out + C_out = 23,520,000,000 + 200,000 = 23,520,200,000",
    ]
    assert "C_out = 200,000 is the number of outputs" in fc.notes[0]
    assert fc_macs(117_600, 10).line() == "MACs = C_in · C_out = 117,600 · 10 = 1,176,000"
    conv = conv_params(512, 200_000, (3, 3))
    assert conv.steps[0].substituted == "3·3 · 512 · 200,000"
    assert "each of the 200,000 filters" in conv.steps[0].why
    assert conv_macs(3, 8, (3,), 1, (160_000,)).substituted == "8 · 160,000 · 3 · 3"
    # short numbers stay as the course notes write them
    assert conv_params(3, 192, (3, 3)).steps[2].line() == "total = weights + biases = 5184 + 192 = 5376"
