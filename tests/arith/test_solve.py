"""Inverse problems: every answer, put back into the forward formula, gives the target."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnncalc.arith.errors import UsageError
from cnncalc.arith.sizes import conv_output_size
from cnncalc.arith.solve import solve_combos, solve_kernel, solve_padding, solve_stride


@pytest.mark.parametrize(
    ("n", "k", "s", "expected"),
    [(28, 5, 1, 2), (96, 3, 1, 1), (28, 4, 1, [1, 2]), (28, 3, 2, 1), (7, 1, 1, 0)],
    ids=["28-k5", "96-k3", "28-k4-uneven", "28-k3-s2", "k1-none"],
)
def test_same_padding(n, k, s, expected):
    sol = solve_padding(n, k, s)
    assert sol.possible
    assert sol.answer["padding"] == expected
    pads = (expected, expected) if isinstance(expected, int) else tuple(expected)
    assert conv_output_size(n, k, s, pads) == -(-n // s)


def test_uneven_padding_explains_pytorch_workaround():
    sol = solve_padding(28, 4)
    assert any("ZeroPad2d((1, 2, 1, 2))" in note for note in sol.notes)
    assert sol.steps[-1].value == 28


def test_padding_cannot_shrink_the_output():
    sol = solve_padding(28, 3, target=2)
    assert not sol.possible
    assert sol.answer["padding"] is None
    assert "padding only adds rows" in sol.notes[0]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 60), st.integers(1, 7), st.integers(1, 4), st.integers(1, 3), st.integers(1, 70))
def test_padding_answers_are_verified(n, k, s, d, target):
    sol = solve_padding(n, k, s, d, target)
    if sol.possible:
        p = sol.answer["padding"]
        pads = (p, p) if isinstance(p, int) else tuple(p)
        assert conv_output_size(n, k, s, pads, d) == target
    else:
        assert all(
            conv_output_size(n, k, s, (0, extra), d) != target
            for extra in range(0, 3 * (k * d + s))
            if d * (k - 1) + 1 <= n + extra
        )


def test_stride_for_a_halving():
    sol = solve_stride(32, 4, 16, p=1)
    assert sol.answer["stride"] == 2
    assert conv_output_size(32, 4, 2, 1) == 16


def test_stride_impossible_target_says_why():
    sol = solve_stride(28, 5, 25)
    assert not sol.possible
    assert "largest is 24" in sol.notes[0]


def test_stride_impossible_target_lists_every_reachable_output_when_they_are_few():
    sol = solve_stride(10, 3, 20)
    assert not sol.possible
    assert "can only be 1, 2, 3, 4, 8, not 20: the largest is 8 (stride 1)" in sol.notes[0]
    assert "…" not in sol.notes[0]


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 200), k=st.integers(1, 9), target=st.integers(2, 250), p=st.integers(0, 3))
def test_stride_impossible_target_shows_reachable_outputs_and_marks_what_it_leaves_out(n, k, target, p):
    assume(k <= n + 2 * p)
    sol = solve_stride(n, k, target, p)
    assume(not sol.possible)
    reachable = sorted({conv_output_size(n, k, s, p) for s in range(1, n + 2 * p + 2)})
    note = sol.notes[0]
    if "can only be " in note:
        listed = note.split("can only be ", 1)[1].split(", not ", 1)[0]
        assert [int(v) for v in listed.split(", ")] == reachable
        return
    listed = note.split("can be ", 1)[1].split(" but not ", 1)[0].split(", ")
    shown = [int(v) for v in listed if v != "…"]
    start = reachable.index(shown[0])
    assert reachable[start : start + len(shown)] == shown  # nothing left out in between
    assert (listed[0] == "…") == (shown[0] > reachable[0])
    assert (listed[-1] == "…") == (shown[-1] < reachable[-1])
    assert any(v < target for v in shown) or shown[0] == reachable[0]
    assert any(v > target for v in shown) or shown[-1] == reachable[-1]


def test_kernel_for_a_target():
    assert solve_kernel(28, 24).answer["kernel"] == 5
    sol = solve_kernel(28, 14, s=2)
    assert sol.answer["kernels"] == [1, 2]
    assert all(conv_output_size(28, k, 2) == 14 for k in sol.answer["kernels"])


def test_kernel_cannot_grow_the_output():
    sol = solve_kernel(28, 40)
    assert not sol.possible
    assert "28 < 40" in sol.notes[0]


def test_combos_reach_the_target_plainest_first():
    combos = solve_combos(32, 16)
    assert combos
    assert all(conv_output_size(32, c.kernel, c.stride, c.padding) == 16 for c in combos)
    assert (combos[0].kernel, combos[0].stride, combos[0].padding) == (3, 2, 1)


def test_bad_values_are_usage_errors():
    with pytest.raises(UsageError, match="stride 0"):
        solve_padding(28, 3, 0)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 60),
    k=st.integers(1, 9),
    target=st.integers(1, 40),
    p=st.integers(0, 3),
    d=st.integers(1, 3),
)
def test_stride_range_is_exactly_the_strides_that_work(n, k, target, p, d):
    """The closed-form range equals a brute-force search over every stride."""
    keff = d * (k - 1) + 1
    assume(keff <= n + 2 * p)
    brute = [s for s in range(1, n + 2 * p + 2) if conv_output_size(n, k, s, p, d) == target]
    sol = solve_stride(n, k, target, p, d)
    if target == 1:
        brute = brute[:1]  # every s > span gives 1: the smallest is reported
    assert sol.answer["strides"] == brute
    assert (sol.answer["stride"] is None) == (not brute)
    if brute:  # open-ended exactly when every stride past the range's end works too
        last = sol.answer["stride_range"][1]
        further = [conv_output_size(n, k, s, p, d) == target for s in range(last + 1, last + 40)]
        assert sol.answer["stride_unbounded"] == all(further)
        assert sol.answer["stride_unbounded"] or not any(further)


def test_one_output_takes_every_stride_from_the_first_up():
    sol = solve_stride(28, 3, 1)
    assert (sol.answer["stride"], sol.answer["strides"], sol.answer["stride_range"]) == (26, [26], [26, 26])
    assert sol.answer["stride_unbounded"] is True
    assert solve_stride(32, 4, 16, p=1).answer["stride_unbounded"] is False
    assert solve_stride(28, 3, 14).answer["stride_unbounded"] is False  # no stride at all


@pytest.mark.parametrize(
    ("target", "note"),
    [
        (13, "25 is not a multiple of 2: the last 1 padded row is never covered by a window."),
        (1, "25 is not a multiple of 26: the last 25 padded rows are never covered by a window."),
    ],
    ids=["one-row", "rows"],
)
def test_rows_never_covered_are_counted_in_words(target, note):
    assert solve_stride(28, 3, target).notes == (note,)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 60),
    target=st.integers(1, 40),
    s=st.integers(1, 4),
    p=st.integers(0, 3),
    d=st.integers(1, 3),
)
def test_kernel_range_is_exactly_the_kernels_that_work(n, target, s, p, d):
    brute = [
        k
        for k in range(1, n + 2 * p + 2)
        if d * (k - 1) + 1 <= n + 2 * p and conv_output_size(n, k, s, p, d) == target
    ]
    sol = solve_kernel(n, target, s, p, d)
    assert sol.answer["kernels"] == brute
    assert (sol.answer["kernel"] is None) == (not brute)


def test_solvers_answer_huge_sizes_at_once():
    n = 10**30
    assert solve_stride(n, 3, 2).answer["stride"] == n - 3
    assert solve_kernel(n, 2).answer["kernel"] == n - 1
    assert solve_stride(n, 3, 2).answer["stride_range"] == [(n - 3) // 2 + 1, n - 3]


def test_combos_refuse_a_search_past_the_bound_at_once():
    from tests.bounded_run import within

    with within(2):
        with pytest.raises(UsageError, match="^max_kernel 100,000 with max_stride 4 is 400,000"):
            solve_combos(32, 16, max_kernel=100_000)
        with pytest.raises(UsageError, match="is 700,000,000"):
            solve_combos(32, 16, max_stride=100_000_000)


def test_combos_stop_at_the_plainest_few_even_when_many_fit():
    # n = 300 to 2 with kernels and strides up to 256: millions of (k, s, p) fit; the ten plainest
    # are found stride by stride, not by listing and sorting them all.
    from tests.bounded_run import within

    with within(2):
        combos = solve_combos(300, 2, max_kernel=256, max_stride=256)
    assert len(combos) == 10 and all(
        conv_output_size(300, c.kernel, c.stride, c.padding) == 2 for c in combos
    )
    keys = [(c.kernel % 2 == 0, c.kernel == 1, c.stride, c.padding, not c.exact, c.kernel) for c in combos]
    assert keys == sorted(keys)


@pytest.mark.parametrize(("n", "k", "p", "lo", "covered"), [(28, 3, 0, 26, False), (5, 11, 3, 1, True)])
def test_one_output_takes_every_stride_from_the_smallest_and_covers_only_a_whole_span(n, k, p, lo, covered):
    sol = solve_stride(n, k, 1, p)
    assert sol.answer["stride"] == lo
    assert f"every stride from {lo} up gives 1" in sol.steps[1].why
    assert all(conv_output_size(n, k, s, p) == 1 for s in range(lo, lo + 50))
    # a note about uncovered rows only where rows are left over
    assert any("never covered" in note for note in sol.notes) is not covered
