"""`solve input`: the input sizes a network accepts, checked against walking every size."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.input_sizes import runs, solve_input_sizes
from cnncalc.arith.network import walk
from cnncalc.arith.spec import parse_spec

RESIDUAL_DOWN = (
    "input 8x32x32 | conv 8 k=3 | add( conv 16 k=3 s=2 p=1 | bn ; conv 16 k=1 s=2 ) | "
    "maxpool k=2 ceil=true | add( conv 16 k=3 p=1 ) | gap | fc 10"
)


def walks(spec, n: int) -> bool:
    try:
        walk(spec.with_input((spec.input_shape[0], n, n)))
    except CnnCalcError:
        return False
    return True


@pytest.mark.parametrize(
    "text",
    [
        RESIDUAL_DOWN,
        "input 3x20x20 | conv 4 k=5 | maxpool k=3 s=2 | concat( conv 2 k=1 ; conv 2 k=3 p=1 ) | flatten | fc 3",
        "input 1x9x9 | conv 2 k=3 s=2 | add( conv 2 k=3 s=2 ; conv 2 k=1 s=2 p=0 ) | conv 2 k=1",
        "input 1x9x9 | conv 2 k=4 p=same | tconv 2 k=3 s=2 | avgpool k=3 s=2 p=1 ceil=true",
        "input 2x12x12 | adaptiveavgpool 3 | conv 2 k=3",
    ],
    ids=["resnet-like", "concat", "never-matching", "same-and-tconv", "adaptive"],
)
def test_accepted_sizes_are_exactly_those_the_walk_takes(text: str) -> None:
    spec = parse_spec(text)
    result = solve_input_sizes(spec, limit=80)
    taken = tuple(n for n in range(1, 81) if walks(spec, n))
    assert result.axes[0].accepted == result.axes[1].accepted == taken


def test_a_residual_network_accepts_every_size_above_its_smallest() -> None:
    result = solve_input_sizes(parse_spec(RESIDUAL_DOWN))
    h = result.axes[0]
    # conv 3 → n − 2 ≥ 1; the stride-2 branches agree on every size; ceil pool of ⌈(n − 2)/2⌉ ≥ 1
    assert h.accepted == tuple(range(3, 1025))
    assert list(h.refused) == [2] and "conv 8 k=3" in h.refused[2]
    assert result.given_accepted and result.possible


def test_branches_that_never_agree_are_explained() -> None:
    result = solve_input_sizes(parse_spec("input 1x9x9 | add( conv 2 k=3 s=2 ; conv 2 k=1 s=2 )"), limit=50)
    assert not result.possible and result.axes[0].accepted == ()
    assert "add at 1: its branches bring" in next(iter(result.axes[0].refused.values()))


def test_sizes_that_give_the_output_wanted() -> None:
    result = solve_input_sizes(
        parse_spec("input 3x224x224 | conv 8 k=3 s=2 p=1 | conv 8 k=3 s=2 p=1 | gap"), (56, 28)
    )
    # ⌈⌈n/2⌉/2⌉ = 56 for n = 221 … 224; = 28 for n = 109 … 112
    assert result.axes[0].wanted == (221, 222, 223, 224)
    assert result.axes[1].wanted == (109, 110, 111, 112)
    assert result.last_node == "2"


def test_per_axis_kernels_give_per_axis_answers() -> None:
    result = solve_input_sizes(parse_spec("input 1x10x10 | conv 1 k=5x1 | conv 1 k=1x3"), limit=12)
    assert result.axes[0].accepted[0] == 5 and result.axes[1].accepted[0] == 3


def test_channels_are_checked_once_at_an_accepted_size() -> None:
    with pytest.raises(CnnCalcError, match="gives 4×8×8 but branch 2 \\(the identity\\) gives 3×8×8"):
        solve_input_sizes(parse_spec("input 3x8x8 | add( conv 4 k=3 p=1 )"), limit=20)


def test_without_channels_or_with_a_silly_limit() -> None:
    with pytest.raises(UsageError, match="number of channels"):
        solve_input_sizes(parse_spec("conv 4 k=3"))
    with pytest.raises(UsageError, match="between 1 and 8,192"):
        solve_input_sizes(parse_spec("input 1x8x8 | conv 4 k=3"), limit=10**6)


@given(st.lists(st.integers(1, 60), unique=True).map(sorted))
@settings(max_examples=100)
def test_runs_cover_exactly_the_values(values: list[int]) -> None:
    covered = [v for first, last, step in runs(values) for v in range(first, last + 1, step)]
    assert covered == values


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("input 1x32x32 | conv 6 k=5 | avgpool k=2 | flatten | fc 10", True),
        ("input 3x32x32 | fc 10", True),
        ("input 3x32 | conv1d 4 k=3 | flatten | relu | fc 2", True),
        ("input 1x32x32 | conv 6 k=5 | gap | flatten | fc 10", False),  # global pooling: always C×1×1
        ("input 1x32x32 | conv 6 k=5 | adaptiveavgpool 4 | flatten | fc 10", False),  # always 4×4
        ("input 1x32x32 | conv 6 k=5 | flatten", False),  # no weights read it
        ("input 1x32x32 | conv 6 k=5", False),
    ],
)
def test_an_fc_that_reads_the_last_map_whole_fixes_its_size(text: str, fixed: bool) -> None:
    assert solve_input_sizes(parse_spec(text), limit=64).weights_fix_the_last_map is fixed
