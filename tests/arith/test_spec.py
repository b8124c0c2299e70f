"""The network spec language: every layer name, option, claim and comment, and its errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import UsageError
from cnncalc.arith.layer_spec import ALIASES
from cnncalc.arith.spec import parse_spec

ISSUE_EXAMPLE = """
input 2x96x96              # C x H x W, channels first (optional where no shape is needed)
conv 8 k=5 s=1 p=0 d=1 g=1 bias=true     # out channels, then options
tconv 16 k=4 s=2 p=1 op=0  # transposed
maxpool k=4                # s defaults to k; also p=, d=, ceil=true
avgpool k=2
gap                        # global average pooling
bn | relu | sigmoid | tanh | leakyrelu | softmax | dropout 0.5 | flatten
fc 100                     # aliases: dense, linear
conv 8 k=5 -> 8x92x92      # an optional claim of the output shape, for checking
"""


def only(text: str):
    """The single layer a one-layer spec parses to."""
    (layer,) = parse_spec(text).layers
    return layer


def test_the_issue_example_parses() -> None:
    net = parse_spec(ISSUE_EXAMPLE)
    assert net.input_shape == (2, 96, 96)
    assert [layer.kind for layer in net.layers] == [
        "conv",
        "tconv",
        "maxpool",
        "avgpool",
        "gap",
        "bn",
        "relu",
        "sigmoid",
        "tanh",
        "leakyrelu",
        "softmax",
        "dropout",
        "flatten",
        "fc",
        "conv",
    ]
    assert [layer.number for layer in net.layers] == list(range(1, 16))
    assert net.layers[-1].claim == (8, 92, 92)
    assert net.layers[6].line == 8  # the line of `bn | relu | …` in the text


@pytest.mark.parametrize(
    ("alias", "kind"),
    [
        ("conv 4 k=3", "conv"),
        ("conv2d 4 k=3", "conv"),
        ("Conv2D 4 k=3", "conv"),
        ("conv1d 4 k=3", "conv"),
        ("tconv 4 k=3", "tconv"),
        ("deconv 4 k=3", "tconv"),
        ("ConvTranspose2d 4 k=3", "tconv"),
        ("maxpool k=2", "maxpool"),
        ("MaxPool2d k=2", "maxpool"),
        ("max_pooling2d k=2", "maxpool"),
        ("avgpool k=2", "avgpool"),
        ("AveragePooling2D k=2", "avgpool"),
        ("gap", "gap"),
        ("GlobalAveragePooling2D", "gap"),
        ("adaptiveavgpool", "gap"),
        ("bn", "bn"),
        ("BatchNorm2d", "bn"),
        ("batch_normalization", "bn"),
        ("relu", "relu"),
        ("ReLU", "relu"),
        ("leakyrelu", "leakyrelu"),
        ("lrelu", "leakyrelu"),
        ("sigmoid", "sigmoid"),
        ("tanh", "tanh"),
        ("softmax", "softmax"),
        ("dropout", "dropout"),
        ("flatten", "flatten"),
        ("fc 10", "fc"),
        ("dense 10", "fc"),
        ("Linear 10", "fc"),
    ],
    ids=lambda v: v.replace(" ", "_"),
)
def test_names_and_aliases(alias: str, kind: str) -> None:
    assert only(alias).kind == kind


@pytest.mark.parametrize(
    ("kind", "alias"),
    [(kind, alias) for kind, aliases in ALIASES.items() if kind != "input" for alias in aliases],
    ids=lambda v: v,
)
def test_every_alias_in_the_table_parses(kind: str, alias: str) -> None:
    arguments = {
        "conv": " 4 k=3",
        "tconv": " 4 k=3",
        "fc": " 10",
        "maxpool": " k=2",
        "avgpool": " k=2",
        "pad": " 1",
        "upsample": " 2",
        "pixelshuffle": " 2",
        "groupnorm": " 2",
        "lrn": " 5",
    }
    assert only(alias + arguments.get(kind, "")).kind == kind


def test_conv_options() -> None:
    layer = only("conv 8 k=5 s=2 p=1 d=2 g=2 bias=false")
    assert (
        layer.units,
        layer.kernel,
        layer.stride,
        layer.padding,
        layer.dilation,
        layer.groups,
        layer.bias,
    ) == (
        8,
        (5,),
        (2,),
        (1,),
        (2,),
        2,
        False,
    )
    assert layer.describe() == "conv 8 k=5 s=2 p=1 d=2 g=2 bias=false"
    long = only("conv 8 kernel_size=3x5 stride=1x2 padding=1x2 dilation=1 groups=1 bias=true")
    assert (long.kernel, long.stride, long.padding) == ((3, 5), (1, 2), (1, 2))
    assert only("conv 8 k=3×5").kernel == (3, 5)


@pytest.mark.parametrize("mode", ["same", "valid", "full", "SAME"])
def test_padding_modes(mode: str) -> None:
    assert only(f"conv 8 k=3 p={mode}").padding == mode.lower()


def test_pool_options_and_default_stride() -> None:
    assert only("maxpool k=4").stride == (4,)
    assert only("maxpool 3").kernel == (3,)
    layer = only("maxpool k=3 s=2 p=1 d=2 ceil=true")
    assert (layer.kernel, layer.stride, layer.padding, layer.dilation, layer.ceil) == (
        (3,),
        (2,),
        (1,),
        (2,),
        True,
    )
    assert only("avgpool k=2 ceil_mode=yes").ceil is True


def test_tconv_dropout_and_leakyrelu_options() -> None:
    assert only("tconv 16 k=4 s=2 p=1 op=1").output_padding == (1,)
    assert only("tconv 16 k=4 output_padding=0").output_padding == (0,)
    assert only("dropout 0.25").rate == 0.25
    assert only("dropout p=0.3").rate == 0.3
    assert only("dropout rate=0").rate == 0
    assert only("leakyrelu 0.2").slope == 0.2
    assert only("leakyrelu slope=0.1").slope == 0.1
    assert only("fc 10 bias=false").bias is False


def test_comments_pipes_newlines_and_blank_lines() -> None:
    text = "# a network\n\ninput 1x28x28\nconv 8 k=3 | relu   # two layers\n  \n| maxpool k=2 |\n# end"
    net = parse_spec(text)
    assert net.input_shape == (1, 28, 28)
    assert [(layer.number, layer.kind, layer.line) for layer in net.layers] == [
        (1, "conv", 4),
        (2, "relu", 4),
        (3, "maxpool", 6),
    ]
    piped, lined = parse_spec("conv 8 k=3 | relu").layers, parse_spec("conv 8 k=3\nrelu").layers
    assert [(a.number, a.describe()) for a in piped] == [(b.number, b.describe()) for b in lined]


def test_claims() -> None:
    assert only("conv 8 k=5 -> 8x92x92").claim == (8, 92, 92)
    assert only("fc 10 ->10").claim == (10,)
    assert only("conv 8 k=5").claim is None


def test_to_text_round_trips() -> None:
    net = parse_spec(ISSUE_EXAMPLE)
    again = parse_spec(net.to_text())
    assert again.input_shape == net.input_shape
    assert [layer.describe() for layer in again.layers] == [layer.describe() for layer in net.layers]
    assert [layer.claim for layer in again.layers] == [layer.claim for layer in net.layers]


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("conv 8 k=3 | foo 3", ("layer 2", "'foo'", "expected one of")),
        ("cnov 8 k=3", ("layer 1", "'cnov'", "did you mean 'conv'")),
        ("deconv3d 8 k=3", ("layer 1", "'deconv3d'", "did you mean 'tconv3d'")),
        ("upconv2d 8 k=3", ("layer 1", "'upconv2d'", "did you mean 'tconv2d'")),
        ("conv 8 k=3\nconv 8 q=3", ("layer 2", "'q'", "k=")),
        ("relu k=3", ("layer 1", "'k'", "no options")),
        ("conv 8 k=", ("layer 1", "'k'", "no value")),
        ("conv 8", ("layer 1", "kernel", "k=N")),
        ("conv k=3", ("layer 1", "out channels")),
        ("fc", ("layer 1", "out features")),
        ("conv 8 9 k=3", ("layer 1", "'9'", "name=value")),
        ("conv 8 k=3.5", ("layer 1", "'3.5'", "whole number")),
        ("conv 8 k=abc", ("layer 1", "'abc'")),
        ("conv 8 k=3x", ("layer 1", "'3x'")),
        ("conv 8 k=1x2x3x4", ("layer 1", "'1x2x3x4'", "at most 3")),
        ("conv 8 k=3 s=0", ("layer 1", "s 0", "at least 1")),
        ("conv 8 k=3 p=bogus", ("layer 1", "'bogus'", "same, valid, full")),
        ("conv 8 k=3 p=-1", ("layer 1", "'-1'")),
        ("maxpool k=2 ceil=maybe", ("layer 1", "'maybe'", "true or false")),
        ("dropout 1.5", ("layer 1", "1.5", "[0, 1)")),
        ("leakyrelu x", ("layer 1", "'x'", "not a number")),
        ("conv 8 k=3 -> 8xabc", ("layer 1", "claim", "8x92x92")),
        ("conv 8 k=3 | input 1x28x28", ("layer 2", "'input' must come first")),
        (
            "input 3x8x8 | input 3x8x8",
            (
                "line 1: 'input 3x8x8' is a second input, after 'input 3x8x8' on line 1",
                "remove one of the two",
            ),
        ),
        ("input 3x8x8\ninput 3x9x9\nconv 8 k=3", ("line 2: 'input 3x9x9' is a second input", "on line 1")),
        ("input 3x8x8\nconv 8 k=3\ninput 3x8x8", ("line 3:", "is a second input")),
        ("input 28 | conv 1 k=3", ("'28'", "channels first")),
        ("input 1x28x28 extra | conv 1 k=3", ("input", "one shape")),
        ("", ("no layers",)),
        ("# only a comment", ("no layers",)),
    ],
    ids=[
        "unknown-layer",
        "typo",
        "deconv3d-is-a-tconv",
        "upconv2d-is-a-tconv",
        "unknown-option",
        "option-on-activation",
        "missing-value",
        "missing-kernel",
        "missing-channels",
        "missing-features",
        "extra-positional",
        "fraction",
        "word",
        "dangling-x",
        "four-axes",
        "stride-0",
        "bad-padding",
        "negative-padding",
        "bad-bool",
        "dropout-range",
        "bad-slope",
        "bad-claim",
        "late-input",
        "second-input",
        "second-input-changes-the-shape",
        "second-input-after-a-layer",
        "input-without-channels",
        "input-extra-token",
        "empty",
        "only-comment",
    ],
)
def test_errors_name_the_layer_and_the_token(text: str, needles: tuple[str, ...]) -> None:
    with pytest.raises(UsageError) as info:
        parse_spec(text)
    for needle in needles:
        assert needle in str(info.value), str(info.value)


@given(
    units=st.integers(1, 512),
    k=st.lists(st.integers(1, 9), min_size=1, max_size=3),
    s=st.integers(1, 4),
    p=st.integers(0, 4) | st.sampled_from(("same", "valid", "full")),
    sep=st.sampled_from((" | ", "\n", " |\n", "  #c\n")),
)
@settings(max_examples=150, deadline=None)
def test_generated_specs_parse_to_what_was_written(units: int, k: list[int], s: int, p, sep: str) -> None:
    ks = "x".join(map(str, k))
    net = parse_spec(f"conv {units} k={ks} s={s} p={p}{sep}relu{sep}maxpool k={ks}")
    conv, relu, pool = net.layers
    assert (conv.units, conv.kernel, conv.stride) == (units, tuple(k), (s,))
    assert conv.padding == (p if isinstance(p, str) else (p,))
    assert relu.kind == "relu"
    assert pool.stride == pool.kernel == tuple(k)


@pytest.mark.parametrize(
    ("text", "again"),
    [("conv 8 k=3 k=5", "'k'"), ("maxpool 2 k=3", "'k'"), ("conv 8 p=1 padding=2", "'padding'")],
    ids=["k-twice", "positional-and-k", "alias"],
)
def test_an_option_given_twice_is_refused(text, again):
    with pytest.raises(UsageError, match=f"layer 1 .*: {again} gives the .* a second time"):
        parse_spec(text)


def test_a_byte_order_mark_is_not_part_of_the_first_word():
    assert parse_spec("\ufeffinput 1x8x8\nconv 2 k=3").input_shape == (1, 8, 8)
