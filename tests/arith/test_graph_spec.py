"""The spec language's branches and blocks: the graph they expand to, round trips, errors and bounds."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import UsageError
from cnncalc.arith.graph import INPUT
from cnncalc.arith.spec import MAX_NESTING, MAX_NODES, parse_spec

RESIDUAL = "input 64x56x56 | add( conv 64 k=3 p=1 | bn | relu | conv 64 k=3 p=1 | bn ) | relu"
BASIC = """
input 64x56x56
block basic(c, s=1)
  add( conv c k=3 s=s p=1 bias=false | bn | relu | conv c k=3 p=1 bias=false | bn )
  relu
end
block down(c)
  add( conv c k=3 s=2 p=1 bias=false | bn | relu | conv c k=3 p=1 bias=false | bn
     ; conv c k=1 s=2 bias=false | bn )
  relu
end
basic 64 x2
down 128
"""


def table(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(id, kind, inputs) of every node, in the order computed."""
    return [(n.id, n.kind, n.inputs) for n in parse_spec(text).graph.nodes]


def test_a_chain_is_a_graph_of_numbered_layers() -> None:
    graph = parse_spec("input 1x8x8 | conv 4 k=3 | relu | fc 10").graph
    assert graph.is_chain
    assert table("input 1x8x8 | conv 4 k=3 | relu | fc 10") == [
        ("1", "conv", (INPUT,)),
        ("2", "relu", ("1",)),
        ("3", "fc", ("2",)),
    ]
    assert graph.output == "3"


def test_one_branch_adds_the_identity() -> None:
    assert table(RESIDUAL) == [
        ("1.1", "conv", (INPUT,)),
        ("1.2", "bn", ("1.1",)),
        ("1.3", "relu", ("1.2",)),
        ("1.4", "conv", ("1.3",)),
        ("1.5", "bn", ("1.4",)),
        ("1", "add", ("1.5", INPUT)),
        ("2", "relu", ("1",)),
    ]
    merge = parse_spec(RESIDUAL).graph.by_id["1"]
    assert merge.branches == (("1.1", "1.2", "1.3", "1.4", "1.5"), ())
    assert merge.label == "add(5 layers ; identity)"
    assert parse_spec(RESIDUAL).graph.by_id["1.3"].path == ("1",)


def test_branches_are_numbered_on_and_read_the_same_input() -> None:
    nodes = table("input 8x8x8 | conv 8 k=1 | add( conv 8 k=3 p=1 ; conv 8 k=1 | bn ) | relu")
    assert nodes == [
        ("1", "conv", (INPUT,)),
        ("2.1", "conv", ("1",)),
        ("2.2", "conv", ("1",)),
        ("2.3", "bn", ("2.2",)),
        ("2", "add", ("2.1", "2.3")),
        ("3", "relu", ("2",)),
    ]


def test_densenet_concat_puts_the_identity_first() -> None:
    graph = parse_spec("input 64x8x8 | concat( ; bn | relu | conv 32 k=3 p=1 )").graph
    node = graph.by_id["1"]
    assert (node.kind, node.inputs, node.branches) == ("concat", (INPUT, "1.3"), ((), ("1.1", "1.2", "1.3")))


def test_a_branch_may_hold_a_merge() -> None:
    text = (
        "input 8x8x8 | concat( conv 4 k=1 ; conv 4 k=1 | concat( conv 4 k=1x3 p=0x1 ; conv 4 k=3x1 p=1x0 ) )"
    )
    assert table(text) == [
        ("1.1", "conv", (INPUT,)),
        ("1.2", "conv", (INPUT,)),
        ("1.3.1", "conv", ("1.2",)),
        ("1.3.2", "conv", ("1.2",)),
        ("1.3", "concat", ("1.3.1", "1.3.2")),
        ("1", "concat", ("1.1", "1.3")),
    ]
    assert parse_spec(text).graph.by_id["1.3.2"].path == ("1", "1.3")


def test_blocks_expand_with_their_arguments_and_repetition() -> None:
    spec = parse_spec(BASIC)
    graph = spec.graph
    rows = [(n.id, n.describe()) for n in graph.rows]
    assert rows[:4] == [
        ("1", "basic 64 ×2"),
        ("1.1", "basic 64"),
        ("1.1.1", "add(5 layers ; identity)"),
        ("1.1.1.1", "conv 64 k=3 p=1 bias=false"),
    ]
    assert ("2", "down 128") in rows
    assert ("2.1.6", "conv 128 k=1 s=2 bias=false") in rows
    assert graph.by_id["1.2.1"].inputs == ("1.2.1.5", "1.1.2")  # the identity is block 1.1's output
    assert graph.by_id["2.1.1"].inputs == ("1.2.2",)  # block 2 reads block 1's last node, never a block
    assert graph.by_id["1"].output == "1.2.2" and graph.output == "2.2"
    assert graph.by_id["1.2.1.3"].path == ("1", "1.2", "1.2.1")
    assert [layer.number for layer in spec.layers] == list(range(1, len(spec.layers) + 1))


def test_containers_come_after_what_they_hold_and_rows_before() -> None:
    graph = parse_spec(BASIC).graph
    order = [n.id for n in graph.nodes]
    for node in graph.nodes:
        for source in node.inputs:
            assert source == INPUT or order.index(source) < order.index(node.id)
        if node.kind == "block":
            assert order.index(node.output) < order.index(node.id)
    rows = [n.id for n in graph.rows]
    assert (
        rows.index("1") < rows.index("1.1") < rows.index("1.1.1") < rows.index("1.1.1.1") < rows.index("1.2")
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("b 8", "conv 16 k=3 p=1"),
        ("b 8 2", "conv 16 k=3 s=2 p=1"),
        ("b c=8 s=2", "conv 16 k=3 s=2 p=1"),
        ("b 8 s=(1+1)", "conv 16 k=3 s=2 p=1"),
        ("b (2*4)", "conv 16 k=3 p=1"),
    ],
    ids=["positional", "two-positional", "named", "expression-arg", "expression-first"],
)
def test_block_parameters(call: str, expected: str) -> None:
    spec = parse_spec(f"block b(c, s=1) | conv (c * 2) k=3 s=s p=1 | end | input 3x16x16 | {call}")
    assert spec.layers[0].describe() == expected


def test_blocks_use_earlier_blocks_and_pass_their_parameters_on() -> None:
    text = """
    block unit(c, g=1) | conv c k=3 p=1 g=g bias=false | bn | relu6 | end
    block ir(cin, cout, t)
      unit (cin*t)
      unit (cin*t) g=(cin*t)
      conv cout k=1 bias=false
    end
    input 16x8x8
    ir 16 24 6
    """
    spec = parse_spec(text)
    assert [layer.describe() for layer in spec.layers] == [
        "conv 96 k=3 p=1 bias=false",
        "bn",
        "relu6",
        "conv 96 k=3 p=1 g=96 bias=false",
        "bn",
        "relu6",
        "conv 24 k=1 bias=false",
    ]
    assert spec.graph.by_id["1.2.1"].path == ("1", "1.2")


@pytest.mark.parametrize(
    "mark", ["x3", "×3", "*3", "X3", "x(n+1)"], ids=["x", "times", "star", "capital", "expression"]
)
def test_repetition_spellings(mark: str) -> None:
    spec = parse_spec(f"block r(n=2) | relu | end | block outer(n=2) | r {mark} | end | input 1x4x4 | outer")
    assert len(spec.layers) == 3


def test_merges_repeat_and_parentheses_span_lines() -> None:
    spec = parse_spec("input 4x8x8\nadd(\n  conv 4 k=3 p=1\n  bn\n ; conv 4 k=1\n) x2\n")
    assert [n.id for n in spec.graph.rows][:4] == ["1", "1.1", "1.1.1", "1.1.2"]
    assert spec.graph.by_id["1"].label == "add(2 layers ; 1 layer) ×2"


def test_claims_on_merges_and_calls() -> None:
    spec = parse_spec("block b | relu | end | input 4x8x8 | add( conv 4 k=3 p=1 ) -> 4x8x8 | b x2 -> 4x8x8")
    graph = spec.graph
    assert graph.by_id["1"].stated_claim == (4, 8, 8)
    assert graph.by_id["2"].stated_claim == (4, 8, 8)
    assert graph.by_id["2.1"].stated_claim is None


GRAPH_SPECS = [RESIDUAL, BASIC, "input 64x8x8 | concat( ; bn | relu | conv 32 k=3 p=1 ) x2 -> 128x8x8"]


@pytest.mark.parametrize("text", GRAPH_SPECS, ids=["residual", "blocks", "dense"])
@pytest.mark.parametrize("sep", ["\n", " | "], ids=["lines", "bars"])
def test_to_text_round_trips_graphs(text: str, sep: str) -> None:
    spec = parse_spec(text)
    again = parse_spec(spec.to_text(sep))
    assert again.input_shape == spec.input_shape
    assert [(n.id, n.kind, n.inputs, n.path, n.describe(), n.stated_claim) for n in again.graph.nodes] == [
        (n.id, n.kind, n.inputs, n.path, n.describe(), n.stated_claim) for n in spec.graph.nodes
    ]


@st.composite
def nested_specs(draw, depth: int = 0) -> str:
    """Sequences of layers, adds, concats and block calls, nested a few levels."""
    items = []
    for _ in range(draw(st.integers(1, 3))):
        choice = draw(
            st.sampled_from(["layer", "layer", "add", "concat", "call"] if depth < 3 else ["layer"])
        )
        if choice == "layer":
            items.append(draw(st.sampled_from(["relu", "bn", "conv 8 k=3 p=1", "maxpool k=3 s=1 p=1"])))
        elif choice == "call":
            items.append(draw(st.sampled_from(["unit", "unit x2", "unit 8 x(1+1)"])))
        else:
            branches = [draw(nested_specs(depth + 1)) for _ in range(draw(st.integers(1, 3)))]
            if choice == "concat" and len(branches) == 1:
                branches.insert(0, "")
            items.append(f"{choice}( {' ; '.join(branches)} )")
    return " | ".join(items)


@given(body=nested_specs())
@settings(max_examples=60, deadline=None)
def test_generated_graphs_round_trip(body: str) -> None:
    spec = parse_spec(f"block unit(c=8) | conv c k=3 p=1 | relu | end | input 8x12x12 | conv 8 k=1 | {body}")
    again = parse_spec(spec.to_text())
    assert [(n.id, n.kind, n.inputs, n.describe()) for n in again.graph.nodes] == [
        (n.id, n.kind, n.inputs, n.describe()) for n in spec.graph.nodes
    ]


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("input 1x8x8 | add( relu", ("add( is never closed",)),
        ("input 1x8x8 | relu )", ("')' without a matching '('",)),
        ("input 1x8x8 | relu ; relu", ("';' outside",)),
        ("input 1x8x8 | add relu", ("add needs its branches in parentheses",)),
        ("input 1x8x8 | add( )", ("no layers in any branch",)),
        ("input 1x8x8 | concat( relu )", ("two branches or more",)),
        ("input 1x8x8 | add( relu ) x0", ("repeat 1 to",)),
        ("input 1x8x8 | add( relu ) foo", ("unexpected 'foo'",)),
        ("input 1x8x8 | conv 4 k=3 x2", ("'x2' repeats a block or a merge, not a layer",)),
        ("input 1x8x8 | warp 3", ("layer 1 (warp 3)", "unknown layer 'warp'")),
        ("block b | relu | end | input 1x8x8 | bb", ("did you mean 'b'", "blocks defined so far: b")),
        ("input 1x8x8 | b | block b | relu | end", ("block 'b' is used before it is defined (line 1)",)),
        ("block a(c) | relu | a c | end | a 1", ("block 'a' uses itself",)),
        ("block a | relu | end | block a | relu | end", ("already defined",)),
        ("block conv | relu | end", ("'conv' is already a word",)),
        ("block add | relu | end", ("'add' is already a word",)),
        ("block 9a | relu | end", ("must start with a letter",)),
        ("block a(x, x) | relu | end", ("parameter 'x' twice",)),
        ("block a(same) | relu | end", ("parameter 'same' must be a name",)),
        ("block a(x=1, y) | relu | end", ("without a default follows",)),
        ("block a | relu", ("has no 'end'",)),
        ("block a | end", ("is empty",)),
        ("end", ("'end' without a 'block'",)),
        ("block a | block b | relu | end | end", ("defined on its own",)),
        ("block a | input 1x8x8 | end", ("'input' goes on a line of its own",)),
        ("input 1x8x8 | add( input 1x8x8 )", ("'input' goes on a line of its own",)),
        ("block b(c) | conv c k=3 | end | input 1x8x8 | b", ("needs c",)),
        ("block b(c) | conv c k=3 | end | input 1x8x8 | b 1 2", ("takes 1 value", "not 2")),
        ("block b(c) | conv c k=3 | end | input 1x8x8 | b d=2", ("no parameter 'd'",)),
        ("block b(c) | conv c k=3 | end | input 1x8x8 | b 1 c=2", ("c is given twice",)),
        ("block b(c) | conv c k=3 | end | input 1x8x8 | b c=2 3", ("comes after a named one",)),
        ("block b(c) | conv (c*q) k=3 | end | input 1x8x8 | b 2", ("layer 1.1", "in b 2", "'q'")),
        ("block b(c) | conv c k=0 | end | input 1x8x8 | b 2", ("layer 1.1 (conv 2 k=0) in b 2", "k 0")),
        ("block b(n) | relu | end | input 1x8x8 | b x(n)", ("'n', which is not a parameter",)),
    ],
    ids=[
        "unclosed",
        "stray-close",
        "stray-semicolon",
        "merge-without-parens",
        "empty-merge",
        "one-branch-concat",
        "repeat-zero",
        "junk-after-merge",
        "repeated-layer",
        "unknown-layer",
        "typo-of-block",
        "used-before-defined",
        "recursion",
        "defined-twice",
        "block-named-like-a-layer",
        "block-named-add",
        "bad-block-name",
        "parameter-twice",
        "reserved-parameter",
        "default-order",
        "no-end",
        "empty-block",
        "stray-end",
        "nested-definition",
        "input-in-block",
        "input-in-merge",
        "missing-argument",
        "too-many-arguments",
        "unknown-argument",
        "argument-twice",
        "positional-after-named",
        "unknown-name-in-expression",
        "bad-layer-in-block",
        "repeat-of-unknown-name",
    ],
)
def test_errors_are_usage_errors_naming_the_place(text: str, needles: tuple[str, ...]) -> None:
    with pytest.raises(UsageError) as info:
        parse_spec(text)
    for needle in needles:
        assert needle in str(info.value), str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "block r | relu | end | input 1x8x8 | r x10000",
        "block r | relu | end | block s | r x100 | end | input 1x8x8 | s x100",
        # each block doubles the one before: 2^30 layers if expanded
        "block b0 | relu | end\n"
        + "\n".join(f"block b{i + 1} | b{i} | b{i} | end" for i in range(30))
        + "\ninput 1x8x8 | b30",
        "input 1x8x8 | " + " | ".join(["relu"] * (MAX_NODES + 1)),
    ],
    ids=["10000-repeats", "nested-repeats", "doubling-blocks", "long-chain"],
)
def test_networks_beyond_the_bound_stop_quickly(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(UsageError) as info:
        parse_spec(text)
    assert f"{MAX_NODES:,}" in str(info.value)
    assert time.perf_counter() - started < 3


def test_nesting_is_bounded() -> None:
    deep = "input 1x8x8 | " + "add( " * (MAX_NESTING + 5) + "relu" + " )" * (MAX_NESTING + 5)
    with pytest.raises(UsageError, match="nest more than"):
        parse_spec(deep)
    chained = "block b0 | relu | end\n" + "\n".join(
        f"block b{i + 1} | b{i} | end" for i in range(MAX_NESTING + 5)
    )
    with pytest.raises(UsageError, match="nest more than"):
        parse_spec(chained + f"\ninput 1x8x8 | b{MAX_NESTING + 5}")


def test_an_enormous_spec_is_refused_before_it_is_read() -> None:
    with pytest.raises(UsageError, match="at most 1,000,000"):
        parse_spec("relu | " * 200_000)


def test_the_limit_itself_is_allowed() -> None:
    spec = parse_spec(
        "block r | relu | end | input 1x8x8 | r x4999"
    )  # 4,999 layers, 4,999 blocks, 1 container
    assert len(spec.graph.nodes) == MAX_NODES - 1
