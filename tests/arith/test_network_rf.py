"""Walking a network and its receptive fields: hand-checked networks and forward = backward views."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import walk
from cnncalc.arith.receptive_field import back_recursion

NOTES_NET = "input 2x96x96 | conv 8 k=5 | maxpool k=4 | conv 24 k=6 | maxpool k=4 | fc 100"


def test_course_notes_network_shapes_and_params() -> None:
    net = walk(NOTES_NET)
    # 96 − 5 + 1 = 92; 92/4 = 23; 23 − 6 + 1 = 18; ⌊18/4⌋ = 4 (the notes wrongly repeat 8×23×23)
    assert [layer.output_shape for layer in net.layers] == [
        (8, 92, 92),
        (8, 23, 23),
        (24, 18, 18),
        (24, 4, 4),
        (100,),
    ]
    # 5·5·2·8 + 8 = 408; 6·6·8·24 + 24 = 6936; 24·4·4·100 + 100 = 38500
    assert [layer.total_params for layer in net.layers] == [408, 0, 6936, 0, 38500]
    assert net.total_params == 45844
    assert net.layers[-1].implicit_flatten


def test_a_wrong_claim_is_caught() -> None:
    net = walk(NOTES_NET.replace("maxpool k=4 | fc", "maxpool k=4 -> 8x23x23 | fc"))
    assert [layer.layer.number for layer in net.wrong_claims] == [4]
    assert walk("input 2x96x96 | conv 8 k=5 -> 8x92x92").layers[0].claim_holds is True


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


def test_spatial_layer_after_flatten_is_an_error() -> None:
    with pytest.raises(CnnCalcError, match=r"layer 2 \(conv 4 k=3\).*64 flat features"):
        walk("input 1x8x8 | flatten | conv 4 k=3")


def test_same_padding_needs_an_input_shape() -> None:
    with pytest.raises(CnnCalcError, match="same"):
        walk("conv 1 k=3 p=same")


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
