"""The frame geometry without PyTorch: hand-computed frames, properties over sizes, the limits."""

from __future__ import annotations

from math import prod

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.frames import MAX_FRAMES, output_position, window_frames
from cnncalc.arith.sizes import layer_output
from tests.draw.cases import ALL, IDS


def test_no_padding_no_strides_by_hand():
    # conv_arithmetic's first picture: 4×4 input, 3×3 kernel → 2×2; frame 2 is output (1, 0)
    pic = window_frames("conv", (4, 4), 3)
    frame = pic.frames[2]
    assert frame.output == (1, 0)
    assert frame.input_cells == ((1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2), (3, 0), (3, 1), (3, 2))


def test_padding_strides_frame_reads_padding_rows_and_columns():
    # 5×5, k=3, s=2, p=1: output (1, 2) starts at padded row 2, column 4 of the 7×7 grid
    pic = window_frames("conv", (5, 5), 3, stride=2, padding=1)
    frame = pic.frames[5]
    assert frame.output == (1, 2)
    assert frame.input_cells == ((2, 4), (2, 5), (2, 6), (3, 4), (3, 5), (3, 6), (4, 4), (4, 5), (4, 6))
    assert [pic.grid[0].input_index(c) for c in (0, 1, 5, 6)] == [None, 0, 4, None]


def test_dilated_window_skips_cells():
    pic = window_frames("conv", (7, 7), 3, dilation=2)
    assert pic.frames[4].input_cells == (
        (1, 1),
        (1, 3),
        (1, 5),
        (3, 1),
        (3, 3),
        (3, 5),
        (5, 1),
        (5, 3),
        (5, 5),
    )


def test_same_padding_with_an_even_kernel_puts_the_extra_row_after():
    pic = window_frames("conv", (6, 6), 4, padding="same")
    assert [(g.start, g.size) for g in pic.grid] == [(1, 9), (1, 9)]  # 1 before, 2 after
    assert pic.frames[-1].input_cells[-1] == (8, 8)


def test_ceil_mode_window_hangs_over_and_reads_only_existing_cells():
    pic = window_frames("maxpool", (5, 5), 2, ceil=True)
    assert pic.output == (3, 3)
    last = pic.frames[-1]
    assert last.origin == (4, 4)
    assert last.input_cells == ((4, 4),)


def test_transposed_grid_inserts_zeros_and_pads_k_minus_1_minus_p():
    # conv_arithmetic's padding_strides_transposed: 3×3, k=3, s=2, p=1 → 5×5
    pic = window_frames("tconv", (3, 3), 3, stride=2, padding=1)
    axis = pic.grid[0]
    assert (axis.size, axis.start, axis.spacing, axis.step) == (7, 1, 2, 1)
    assert [axis.input_index(c) for c in range(7)] == [None, 0, None, 1, None, 2, None]
    assert pic.frames[0].input_cells[4] == (1, 1)  # the window's centre sits on input cell (0, 0)
    labels = [s.label for s in pic.equivalence]
    assert labels[:3] == ["H: zeros between cells", "H: border padding q", "H_out"]
    assert pic.equivalence[1].value == 1 and pic.equivalence[2].value == 5


def test_transposed_padding_beyond_the_kernel_crops_the_border():
    pic = window_frames("tconv", (4, 4), 3, stride=2, padding=3)
    axis = pic.grid[0]
    assert axis.start == -1 and axis.size == 5 and pic.output == (3, 3)
    assert [axis.input_index(c) for c in range(5)] == [None, 1, None, 2, None]  # cells 0 and 3 cropped
    assert "cropped" in pic.equivalence[1].why


def test_output_position_is_row_major():
    assert [output_position(i, (2, 3)) for i in range(6)] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]


@pytest.mark.parametrize(("op", "kwargs"), [c[1:] for c in ALL], ids=IDS)
def test_cases_have_one_frame_per_output_position(op, kwargs):
    pic = window_frames(op, **kwargs)
    assert pic.frame_count == len(pic.frames) == prod(pic.output)
    assert [f.output for f in pic.frames] == [output_position(i, pic.output) for i in range(pic.frame_count)]


@given(
    op=st.sampled_from(["conv", "maxpool", "avgpool", "tconv"]),
    n=st.lists(st.integers(1, 12), min_size=1, max_size=2).map(tuple),
    k=st.integers(1, 5),
    s=st.integers(1, 4),
    p=st.integers(0, 4),
    d=st.integers(1, 3),
    ceil=st.booleans(),
)
def test_frames_follow_the_size_formula(op, n, k, s, p, d, ceil):
    kwargs = {"kernel": k, "stride": s, "padding": p, "dilation": 1 if op == "avgpool" else d}
    if op in ("maxpool", "avgpool"):
        kwargs["ceil"] = ceil
    try:
        shape = layer_output(op, n, **kwargs)
    except CnnCalcError:
        with pytest.raises(CnnCalcError):
            window_frames(op, n, **kwargs)
        return
    many = prod(shape.output) > MAX_FRAMES  # an animation that large is refused: check a still
    pic = window_frames(op, n, **kwargs, frame=prod(shape.output) - 1 if many else None)
    assert pic.output == shape.output
    assert pic.frame_count == prod(shape.output)
    for g in pic.grid:
        last = g.window(g.out - 1)[-1]
        if op == "tconv" or not ceil:
            assert last == g.size - 1 or (op != "tconv" and last < g.size)  # no window past the grid
        assert g.window(g.out - 1)[0] < g.size  # every window starts on the grid
    for f in pic.frames:
        assert all(0 <= c < g.size for cell in f.input_cells for c, g in zip(cell, pic.grid, strict=True))
        if op == "tconv" or not ceil:
            assert len(f.input_cells) == k ** len(n)
    if op == "tconv":
        assert [s.value for s in pic.equivalence if s.label.endswith("_out")] == list(shape.output)


def test_too_many_frames_is_refused_naming_the_limit_and_the_still():
    with pytest.raises(CnnCalcError) as e:
        window_frames("conv", (100, 100), 3)
    assert e.value.field == "frame"
    message = e.value.for_flag("--frame")
    assert f"{MAX_FRAMES:,}" in message and "--frame N" in message and "9,604" in message


def test_a_still_of_a_huge_layer_is_instant():
    pic = window_frames("conv", (10**9, 10**9), 3, frame=10**17)
    assert pic.frame_count == (10**9 - 2) ** 2 and len(pic.frames) == 1
    assert pic.is_still()


def test_a_huge_window_is_refused_even_for_a_still():
    with pytest.raises(CnnCalcError, match="window covers"):
        window_frames("conv", (10**6, 10**6), 10**5, frame=0)


def test_frame_outside_the_layer_is_a_usage_error():
    with pytest.raises(UsageError) as e:
        window_frames("conv", (4, 4), 3, frame=4)
    assert e.value.for_flag("--frame") == "--frame 4 is not a frame of this layer: it has 4 (0 … 3)"


def test_to_dict_lists_frames_in_padded_coordinates():
    data = window_frames("conv", (3, 3), 2, padding=1).to_dict()
    assert data["frames"][0] == {
        "index": 0,
        "output": [0, 0],
        "input_cells": [[0, 0], [0, 1], [1, 0], [1, 1]],
    }
    assert data["grid"][0]["input_start"] == 1 and data["frame_count"] == 16
