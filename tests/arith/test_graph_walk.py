"""Walking graphs: shapes where branches meet, container totals, receptive fields through branches,
and inputs as users write them."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.network import walk
from cnncalc.arith.receptive_field import field_path
from cnncalc.arith.spec import parse_spec

BASIC = """
block basic(c)
  add( conv c k=3 p=1 bias=false | bn | relu | conv c k=3 p=1 bias=false | bn )
  relu
end
block down(c)
  add( conv c k=3 s=2 p=1 bias=false | bn | relu | conv c k=3 p=1 bias=false | bn
     ; conv c k=1 s=2 bias=false | bn )
  relu
end
input 64x56x56
basic 64 x2
down 128
"""
# note 004's Keras residual: Input((64, 64, 3)), two 3×3 'valid' convs of 64, Add()([x, input])
NOTE_004 = "input 3x64x64 | add( conv 64 k=3 | relu | conv 64 k=3 | relu ) | flatten"


def test_a_residual_stage_walks_like_resnet() -> None:
    net = walk(BASIC)
    shapes = {r.id: r.output_shape for r in net.nodes}
    assert shapes["1"] == shapes["1.2.1"] == (64, 56, 56)
    assert shapes["2.1.5"] == shapes["2.1.7"] == shapes["2"] == (128, 28, 28)
    # conv 3×3 64→64 without bias: 36,864; bn: 128; a block: 2·(36,864 + 128)
    assert net.result("1.1").total_params == 2 * (36_864 + 128)
    assert net.result("1").total_params == 4 * (36_864 + 128)
    # the projection: 64·128 + 256 in the shortcut, 64·128·9 + 128·128·9 + 512 in the main branch
    assert net.result("2").total_params == 64 * 128 * 9 + 128 * 128 * 9 + 2 * 256 + 64 * 128 + 256
    assert net.total_params == net.result("1").total_params + net.result("2").total_params
    assert net.total_macs == sum(r.macs for r in net.nodes if r.depth == 1)


def test_totals_count_each_layer_once() -> None:
    net = walk(BASIC)
    assert net.total_params == sum(r.total_params for r in net.layers)
    assert net.activation_bytes == sum(r.activation_bytes for r in net.nodes if r.kind != "block")
    assert len(net.layers) == len(parse_spec(BASIC).layers)


def test_note_004s_residual_is_a_domain_error_naming_both_branches() -> None:
    with pytest.raises(CnnCalcError) as info:
        walk(NOTE_004)
    message = str(info.value)
    assert not isinstance(info.value, UsageError)
    for needle in (
        "add at 1",
        "branch 1 (conv 64 k=3 … relu, 1.1–1.4) gives 64×60×60",
        "branch 2 (the identity) gives 3×64×64",
        "add needs the same C×H×W",
        "loses 4 rows and columns",
        "padding='same'",
        "conv 64 k=1",
    ):
        assert needle in message, message


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (
            "input 64x56x56 | add( conv 128 k=3 s=2 p=1 | bn )",
            ("gives 128×28×28", "gives 64×56×56", "'conv 128 k=1 s=2 bias=false | bn'"),
        ),
        ("input 64x8x8 | add( conv 32 k=3 p=1 )", ("gives 32×8×8", "'conv 32 k=1 bias=false | bn'")),
        (
            "input 8x9x9 | concat( conv 8 k=1 ; conv 8 k=3 )",
            ("concat at 1", "branch 2 (conv 8 k=3, 1.2) gives 8×7×7", "needs the same H×W"),
        ),
        ("input 8x4x4 | concat( flatten ; relu )", ("same rank", "flatten both or neither")),
        (
            "block b | add( conv 8 k=3 ) | end | input 8x9x9 | relu | b",
            ("add at 2.1 in b", "line 1", "gives 8×7×7"),
        ),
    ],
    ids=["stride", "channels", "concat-hw", "rank", "in-a-block"],
)
def test_mismatched_merges(text: str, needles: tuple[str, ...]) -> None:
    with pytest.raises(CnnCalcError) as info:
        walk(text)
    for needle in needles:
        assert needle in str(info.value), str(info.value)


def test_concat_joins_channels_in_branch_order() -> None:
    dense = (
        "block dense-layer(g=32) | concat( ; bn | relu | conv (4*g) k=1 | bn | relu | conv g k=3 p=1 ) | end"
    )
    net = walk(dense + " | input 64x56x56 | dense-layer x6")
    assert [net.result(f"1.{i}").output_shape[0] for i in range(1, 7)] == [96, 128, 160, 192, 224, 256]
    inception = "input 192x28x28 | concat( conv 64 k=1 ; conv 96 k=1 | conv 128 k=3 p=1 ; conv 16 k=1 | conv 32 k=5 p=2 ; maxpool k=3 s=1 p=1 | conv 32 k=1 )"
    merged = walk(inception).result("1")
    assert merged.output_shape == (256, 28, 28)
    assert merged.steps[0].substituted == "64 + 128 + 32 + 32"


def test_a_layer_error_inside_a_block_names_row_and_block() -> None:
    with pytest.raises(CnnCalcError) as info:
        walk("block b(k) | conv 4 k=k | end | input 1x4x4 | b 3 | b 3")
    assert "layer 2.1 (conv 4 k=3) in b 3, input 4×2×2" in str(info.value)


# -- receptive fields through branches ---------------------------------------------------------------


def test_the_residual_field_is_the_main_branch() -> None:
    net = walk(BASIC)
    # each basic block adds two 3×3 convs: 5, 9, 13, 17 at jump 1; down's 3×3 s2 then 3×3 at jump 2
    assert [net.result(i).rf for i in ("1.1", "1.2", "2.1.1")] == [(5, 5), (9, 9), (9 + 2, 9 + 2)]
    assert net.result("2").rf == (9 + 2 + 2 * 2,) * 2
    assert net.result("2").jump == (Fraction(2),) * 2
    assert "branch 1" in net.result("1.1.1").notes[0]


def test_the_union_of_fields_centred_apart_is_wider_than_each() -> None:
    # without an input nothing is checked where branches meet: the fields are [0, 2] and [−2, 0]
    net = walk("add( conv 1 k=3 ; conv 1 k=3 p=2 )")
    merged = net.result("1")
    assert merged.rf == (5, 5)
    assert merged.start == (Fraction(0),) * 2
    assert "union" in merged.notes[0]
    size, rows, path = field_path(net)
    assert rows[-1].rf_in == (3, 3)  # one path at a time sees 3
    assert size == (5, 5)  # the field of the graph is the union


def test_back_recursion_follows_the_widest_path() -> None:
    net = walk(
        "input 8x32x32 | conv 8 k=3 p=1 | add( conv 8 k=5 p=2 | conv 8 k=3 p=1 ; conv 8 k=1 ) | conv 8 k=3 p=1"
    )
    size, rows, path = field_path(net)
    assert size == (1 + 2 + 2 + 4 + 2,) * 2
    assert path == ("1", "2.1", "2.2", "2", "3")
    assert [r.id for r in rows] == ["3", "2.2", "2.1", "1"]
    assert net.receptive_field == size


@st.composite
def graphs_with_transposed_convs(draw) -> str:
    items = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv", "tconv", "add", "concat"]))
        k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        if kind in ("conv", "tconv"):
            items.append(f"{kind} 2 k={k} s={s}")
        else:
            a = f"conv 2 k={k} s={s}"
            b = f"tconv 2 k={k} s={s}" if draw(st.booleans()) else f"conv 2 k={k + 1} s={s}"
            items.append(f"{kind}( {a} ; {b} | conv 2 k=2 )")
    return " | ".join(items)


@given(graphs_with_transposed_convs())
@settings(max_examples=150, deadline=None)
def test_per_row_fields_after_transposed_convs_equal_the_back_recursion(text: str) -> None:
    # without an input shape branches are not checked, so any geometry may meet
    net = walk(text)
    checked = 0
    for row in net.nodes:
        if row.kind == "block" or row.rf is None:
            continue
        if any(net.result(i).kind == "tconv" for i in _ancestors(net, row.id) | {row.id}):
            assert row.rf == field_path(net, row.id)[0], (text, row.id)
            checked += 1
    assert checked or not any(r.kind == "tconv" for r in net.layers)


def _ancestors(net, node_id: str) -> set[str]:
    seen, stack = set(), [node_id]
    while stack:
        current = stack.pop()
        if current == "input" or current in seen:
            continue
        seen.add(current)
        stack.extend(net.result(current).node.inputs)
    return seen


def test_seeded_graphs_back_recursion_never_below_the_forward_union_when_centred_alike() -> None:
    rng = random.Random(7)
    for _ in range(40):
        k = [rng.choice((1, 3, 5)) for _ in range(3)]
        text = f"input 4x40x40 | conv 4 k={k[0]} p={k[0] // 2} | add( conv 4 k={k[1]} p={k[1] // 2} ; conv 4 k={k[2]} p={k[2] // 2} )"
        net = walk(text)
        assert field_path(net)[0] == net.receptive_field  # centred alike: max over paths = union


# -- inputs as users write them ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shape", "batch"),
    [
        ("input 1x3x32x32 | conv 8 k=3", (3, 32, 32), 1),
        ("input 8x3x32x32 | conv 8 k=3", (3, 32, 32), 8),
        ("input 2x16x16x16 | conv3d 8 k=3", (2, 16, 16, 16), None),
        ("input 2x16x16x16 | conv 8 k=3x3x3", (2, 16, 16, 16), None),
        ("input 1x2x16x16x16 | conv 8 k=3", (2, 16, 16, 16), 1),
        ("input 4x3x100 | conv1d 8 k=3", (3, 100), 4),
        ("input 3x100 | conv 8 k=3", (3, 100), None),
        ("input 3x32x32 | conv 8 k=3", (3, 32, 32), None),
    ],
    ids=["batch-1", "batch-8", "conv3d", "kernel-3d", "five-numbers", "conv1d-batch", "1d", "chw"],
)
def test_inputs_read_as_users_write_them(text: str, shape: tuple, batch: int | None) -> None:
    net = walk(text)
    assert (net.input_shape, net.batch) == (shape, batch)


def test_a_batch_is_said_and_kept_in_the_text() -> None:
    net = walk("input 1x3x224x224 | conv 8 k=3")
    assert any("read as N×C×H×W: a batch of 1" in n for n in net.notes)
    assert net.spec.to_text(" | ").startswith("input 1x3x224x224 | ")
    data = net.to_dict()
    assert (data["batch"], data["batch_macs"]) == (1, net.total_macs)
    assert walk("input 4x3x8x8 | conv 2 k=3").to_dict()["batch_activation_bytes"] == 4 * (2 * 6 * 6 * 4)


def test_three_d_layers_survive_the_round_trip() -> None:
    spec = parse_spec("input 2x8x8x8 | conv3d 4 k=3")
    assert spec.to_text(" | ") == "input 2x8x8x8 | conv3d 4 k=3"
    assert walk(spec.to_text(" | ")).output_shape == (4, 6, 6, 6)


def test_one_d_layers_keep_their_spelling_so_a_batch_reads_back() -> None:
    # 'conv 8 k=3' after 'input 4x3x100' would be a 2-D conv on a 4-channel 3×100 map
    spec = parse_spec(
        "input 4x3x100 | conv1d 8 k=3 | maxpool1d k=2 | convtranspose1d 2 k=2 s=2 | avgpool1d k=2"
    )
    text = spec.to_text(" | ")
    assert text == "input 4x3x100 | conv1d 8 k=3 | maxpool1d k=2 | tconv1d 2 k=2 s=2 | avgpool1d k=2"
    back = walk(text)
    assert (back.input_shape, back.batch, back.output_shape) == ((3, 100), 4, (2, 49))


@pytest.mark.parametrize(
    ("spelling", "dims", "shape", "output"),
    [
        ("tconv3d", 3, "2x9x10x11", (3, 11, 12, 13)),
        ("tconv2d", 2, "2x9x10", (3, 11, 12)),
        ("tconv1d", 1, "2x9", (3, 11)),
    ],
    ids=["3d", "2d", "1d"],
)
def test_tconv_with_a_dimension_is_a_transposed_convolution(spelling, dims, shape, output) -> None:
    net = walk(f"input {shape} | {spelling} 3 k=3")
    assert net.layers[0].layer.kind == "tconv"
    assert net.output_shape == output
    # as torch.nn.ConvTranspose{dims}d(2, 3, 3): (n − 1) + (3 − 1) + 1 = n + 2 per axis
    assert len(net.output_shape) == dims + 1


def test_a_3d_tconv_round_trips_as_tconv3d() -> None:
    spec = parse_spec("input 2x8x8x8 | convtranspose3d 4 k=3")
    assert spec.to_text(" | ") == "input 2x8x8x8 | tconv3d 4 k=3"
    assert walk(spec.to_text(" | ")).output_shape == (4, 10, 10, 10)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("input 3x32x32 | conv3d 8 k=3", "the network is 3-D"),
        ("input 1x2x3x4x5x6 | conv 8 k=3", "at most"),
        ("input 3x32x32 | conv 8 k=3x3x3 | conv1d 4 k=3", "one network has one number of spatial axes"),
    ],
    ids=["too-few-for-3d", "six-numbers", "mixed"],
)
def test_inputs_that_do_not_fit_the_network(text: str, needle: str) -> None:
    with pytest.raises(UsageError) as info:
        walk(text)
    assert needle in str(info.value)


def test_channels_last_gets_a_hint_never_another_network() -> None:
    net = walk("input 224x224x3 | conv 8 k=1")
    assert net.input_shape == (224, 224, 3)
    assert any("write 3x224x224" in n for n in net.notes)
    with pytest.raises(CnnCalcError) as info:
        walk("input 28x28x1 | conv 8 k=3")
    assert "kernel 3 is larger" in str(info.value) and "write 1x28x28" in str(info.value)
    assert not any("channels-last" in n for n in walk("input 3x224x224 | conv 8 k=3").notes)


def test_the_input_option_replaces_the_spec_input() -> None:
    spec = parse_spec("input 3x32x32 | conv 8 k=3")
    assert walk(spec, (1, 3, 64, 64)).output_shape == (8, 62, 62)
    assert walk(spec, (1, 3, 64, 64)).batch == 1


def test_claims_inside_blocks_are_checked_per_use() -> None:
    text = "block b(c) | conv c k=3 p=1 -> 8x8x8 | end | input 4x8x8 | b 8 | b 16 -> 16x8x8"
    wrong = walk(text).wrong_claims
    assert [r.id for r in wrong] == ["2.1"]


def test_json_rows_are_in_table_order_with_their_place() -> None:
    data = walk(BASIC).to_dict()
    ids = [row["id"] for row in data["layers"]]
    assert ids[:4] == ["1", "1.1", "1.1.1", "1.1.1.1"]
    row = next(r for r in data["layers"] if r["id"] == "2.1.6")
    assert (row["path"], row["depth"], row["inputs"]) == (["2", "2.1"], 3, ["1.2.2"])
    assert (row["kernel"], row["stride"], row["padding"], row["dilation"], row["groups"]) == (
        [1, 1],
        [2, 2],
        [[0, 0], [0, 0]],
        [1, 1],
        1,
    )
    merge = next(r for r in data["layers"] if r["id"] == "2.1")
    assert (merge["type"], merge["inputs"], merge["kernel"], merge["params"]) == (
        "add",
        ["2.1.5", "2.1.7"],
        None,
        64 * 128 * 9 + 128 * 128 * 9 + 2 * 256 + 64 * 128 + 256,
    )
