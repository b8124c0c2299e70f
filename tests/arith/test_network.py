"""Walking a network: every layer's shape, parameters, MACs and memory, claims, and refusals."""

from __future__ import annotations

import pytest

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import BYTES_PER_FLOAT32, walk

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


def test_spatial_layer_after_flatten_is_an_error() -> None:
    with pytest.raises(CnnCalcError, match=r"layer 2 \(conv 4 k=3\).*64 flat features"):
        walk("input 1x8x8 | flatten | conv 4 k=3")


def test_same_padding_needs_an_input_shape() -> None:
    with pytest.raises(CnnCalcError, match="same"):
        walk("conv 1 k=3 p=same")


def test_each_kind_of_layer_has_its_shape_and_parameters() -> None:
    net = walk("input 3x8x8 | conv 4 k=3 p=1 | bn | relu | dropout 0.5 | gap | flatten | fc 2 | softmax")
    # conv: 4·3·9 + 4 = 112; bn: γ, β per channel = 8; fc: 4·2 + 2 = 10
    assert [(lr.layer.kind, lr.output_shape, lr.total_params) for lr in net.layers] == [
        ("conv", (4, 8, 8), 112),
        ("bn", (4, 8, 8), 8),
        ("relu", (4, 8, 8), 0),
        ("dropout", (4, 8, 8), 0),
        ("gap", (4, 1, 1), 0),
        ("flatten", (4,), 0),
        ("fc", (2,), 10),
        ("softmax", (2,), 0),
    ]


def test_totals_memory_and_flops() -> None:
    net = walk("input 1x4x4 | fc 2")
    # 16 inputs · 2 outputs = 32 MACs, 64 FLOPs; 34 parameters; 16 input values and 2 outputs of 4 bytes
    assert (net.total_macs, net.total_flops, net.total_params) == (32, 64, 34)
    assert net.param_bytes == 34 * BYTES_PER_FLOAT32
    assert (net.input_bytes, net.activation_bytes) == (16 * 4, 2 * 4)


def test_a_claim_reads_as_json_with_what_the_walk_found() -> None:
    layer = walk("input 2x96x96 | conv 8 k=5 -> 8x90x90").layers[0]
    assert layer.claim_dict() == {
        "number": 1,
        "id": "1",
        "spec": "conv 8 k=5",
        "claimed": [8, 90, 90],
        "actual": [8, 92, 92],
        "holds": False,
    }


def test_an_error_inside_a_layer_names_the_layer_and_no_flag() -> None:
    # the walk's values come from spec lines: a field is settled to its own name, never a flag
    with pytest.raises(CnnCalcError) as caught:
        walk("input 1x8x8 | conv 4 k=9")
    assert str(caught.value).startswith("layer 1 (conv 4 k=9), input 1×8×8: kernel 9 is larger")
    assert caught.value.field is None


@pytest.mark.parametrize(
    "first",
    ["conv 1 k=3", "tconv 1 k=2 s=2", "tconv 1 k=3 s=3 | conv 1 k=2 s=2"],
    ids=["conv", "tconv", "mixed"],
)
def test_the_walk_is_linear_in_the_number_of_layers(first):
    # With a transposed conv first, every later layer's field was found by walking the whole
    # prefix again: 4,000 layers took 55 s.
    from tests.bounded_run import within

    spec = "input 1x8x8 | " + first + " | " + " | ".join(["relu", "conv 1 k=1"] * 4000)
    with within(5):
        net = walk(spec)
    assert len(net.layers) == 8000 + first.count("|") + 1


def test_sizes_past_the_bound_are_refused_not_computed():
    from cnncalc.arith.errors import UsageError

    with pytest.raises(UsageError, match="is more than 10\\^30, too large to be a layer size"):
        walk("input 1x" + "1" + "0" * 300 + "x8 | conv 1 k=3")
    with pytest.raises(CnnCalcError, match="layer 3 .* above 10\\^30"):
        walk("input 1x" + "1" + "0" * 20 + "x8 | " + " | ".join(["tconv 1 k=4 s=10000"] * 3))


def test_an_fc_whose_flattened_input_is_past_the_bound_names_the_flattening_not_cin():
    from cnncalc.arith.errors import UsageError

    big = 10**12
    with pytest.raises(UsageError) as caught:
        walk(f"input {big}x{big}x{big} | fc 10")
    message = str(caught.value)
    assert (
        f"flattening the input gives {big}·{big}·{big} features (a 37-digit number), more than 10^30"
        in message
    )
    assert "cin" not in message
