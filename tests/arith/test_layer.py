"""One layer on its own (`shape` with channels, `params`): hand-checked counts and the JSON shape."""

from __future__ import annotations

import pytest

from cnncalc.arith.errors import UsageError
from cnncalc.arith.layer import channel_cost, layer_params
from cnncalc.arith.sizes import layer_output


def test_a_pool_keeps_the_channels_it_is_given():
    cost = channel_cost(layer_output("maxpool", (92, 92), 4), cout=8)
    assert cost.channels == (8, 8) and cost.output_shape == (8, 23, 23)
    assert cost.params is None and cost.cost_steps == ()
    assert cost.to_dict()["output_shape"] == [8, 23, 23]


def test_a_transposed_conv_costs_its_input_positions():
    # tconv 4 → 2, 4×4 s2 p1: 4×4 → 8×8; weights 4·2·16 = 128 + 2 biases; MACs 4·16 inputs · 2·16 = 2,048
    cost = channel_cost(layer_output("tconv", (4, 4), 4, 2, 1), 4, 2)
    data = cost.to_dict()
    assert (data["params"], data["macs"], data["flops"]) == (130, 2048, 4096)
    assert data["output_shape"] == [2, 8, 8]


@pytest.mark.parametrize(
    ("args", "total", "macs"),
    [
        ((576, 64), 36928, 36864),  # 576·64 + 64; one MAC per weight
        ((3, 192, (3,)), 5376, None),  # no input: no MACs
        ((32, 32, (3,), 32), 320, None),  # depthwise: 32·1·9 + 32
    ],
    ids=["fc", "conv-no-input", "depthwise"],
)
def test_layer_params_totals(args, total, macs):
    fc = len(args) == 2
    result = layer_params(*args, fc=fc) if fc else layer_params(*args)
    assert result.params.total == total
    assert (result.macs.value if result.macs else None) == macs


def test_layer_params_with_input_lists_every_step_and_the_dense_comparison():
    result = layer_params(3, 8, (3,), input=(10, 10))
    data = result.to_dict()
    assert list(data) == [
        "kind",
        "weights",
        "biases",
        "total",
        "steps",
        "notes",
        "input",
        "output",
        "macs",
        "flops",
        "fc_equivalent",
    ]
    # 3·10·10 = 300 inputs, 8·8·8 = 512 outputs: 300·512 + 512 = 154,112
    assert (data["output"], data["fc_equivalent"]) == ([8, 8], 154112)
    assert [s["label"] for s in data["steps"]] == [
        "weights",
        "biases",
        "total",
        "H_out",
        "W_out",
        "MACs",
        "FLOPs",
        "fully connected equivalent",
    ]
    assert data["notes"][-1].startswith("FLOPs = 2·MACs")


def test_weight_sharing_note_with_one_weight_and_one_position() -> None:
    from cnncalc.arith.layer import layer_params

    note = next(n for n in layer_params(1, 1, (1,), input=(1, 1)).notes if n.startswith("Weight sharing"))
    assert note.startswith("Weight sharing: the conv reuses its 1 weight at its 1 output position;")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"fc": True, "kernel": (7,)}, "kernel"),
        ({"fc": True, "groups": 2}, "groups"),
        ({"fc": True, "stride": (2,)}, "stride"),
        ({"fc": True, "transposed": True}, "transposed"),
        ({"stride": (2,)}, "stride"),
        ({"padding": (1,)}, "padding"),
        ({"padding": "same"}, "padding"),
        ({"dilation": (2,)}, "dilation"),
    ],
    ids=[
        "fc-kernel",
        "fc-groups",
        "fc-stride",
        "fc-transposed",
        "stride",
        "padding",
        "padding-same",
        "dilation",
    ],
)
def test_layer_params_refuses_a_setting_that_changes_nothing(kwargs, field):
    with pytest.raises(UsageError) as caught:
        layer_params(4, 4, **kwargs)
    assert caught.value.field == field
