"""Every frame of every draw case against PyTorch (skipped when torch is not importable).

- conv and pools: the padded cells each window reads are the indices `F.unfold` gathers from a
  padded input whose cells hold their own index.
- pools, incl. ceil mode: the real input cells each output reads are those a one-hot input lights
  up through `F.max_pool2d` / `F.avg_pool2d` themselves (PyTorch's own window clipping).
- transposed: the input cells each output reads through the equivalent convolution are those
  `F.conv_transpose2d` with an all-ones kernel spreads a one-hot input to.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnncalc.arith.errors import CnnCalcError  # noqa: E402
from cnncalc.arith.frames import WindowFrames, window_frames  # noqa: E402
from tests.draw.cases import SLIDING, TRANSPOSED  # noqa: E402

F = torch.nn.functional
pytestmark = pytest.mark.oracle


def _as_2d(values: tuple[int, ...]) -> tuple[int, int]:
    return (1, values[0]) if len(values) == 1 else (values[0], values[1])


def unfold_cells(pic: WindowFrames) -> list[list[tuple[int, ...]]]:
    """Per output position (row-major), the padded cells F.unfold reads, as grid coordinates."""
    rows, cols = _as_2d(pic.grid_size)
    kh, kw = _as_2d(tuple(g.kernel for g in pic.grid))
    dh, dw = _as_2d(tuple(g.dilation for g in pic.grid))
    sh, sw = _as_2d(tuple(g.step for g in pic.grid))
    # a ceil-mode pool's last window hangs past the grid: extend it with cells that do not exist
    reach = [max(g.window(g.out - 1)[-1] + 1, g.size) for g in pic.grid]
    reach_r, reach_c = _as_2d(tuple(reach))
    index = torch.full((reach_r, reach_c), -1.0, dtype=torch.float64)
    index[:rows, :cols] = torch.arange(rows * cols, dtype=torch.float64).reshape(rows, cols)
    columns = F.unfold(index[None, None], (kh, kw), dilation=(dh, dw), stride=(sh, sw))[0]
    assert columns.shape[1] == pic.frame_count, "unfold counts a different number of windows"
    cells = []
    for position in range(columns.shape[1]):
        flat = [int(v) for v in columns[:, position].tolist() if v >= 0]
        cells.append([divmod(v, cols) if len(pic.grid) == 2 else (v % cols,) for v in flat])
    return cells


def real_cells(pic: WindowFrames, cells) -> set[tuple[int, ...]]:
    """The input cells (input coordinates) among grid cells: padding and inserted zeros dropped."""
    out = set()
    for cell in cells:
        idx = tuple(g.input_index(v) for g, v in zip(pic.grid, cell, strict=True))
        if None not in idx:
            out.add(idx)
    return out


def probe(pic: WindowFrames, op: str) -> list[set[tuple[int, ...]]]:
    """Per output position, the input cells PyTorch's own layer lets through (one-hot inputs)."""
    h, w = _as_2d(pic.shape.input)
    n = h * w
    x = torch.eye(n, dtype=torch.float64).reshape(1, n, h, w)
    k = _as_2d(pic.shape.kernel)
    s = _as_2d(pic.shape.stride)
    d = _as_2d(pic.shape.dilation)
    pads = pic.shape.padding if len(pic.grid) == 2 else ((0, 0), *pic.shape.padding)
    if op == "tconv":
        weight = torch.ones(n, 1, *k, dtype=torch.float64)
        p = tuple(a for a, _ in pads)
        op_pad = _as_2d(pic.shape.output_padding) if len(pic.grid) == 2 else (0, pic.shape.output_padding[0])
        y = F.conv_transpose2d(x, weight, stride=s, padding=p, output_padding=op_pad, groups=n, dilation=d)
    else:
        assert all(a == b for a, b in pads), "PyTorch pools pad both sides alike"
        p = tuple(a for a, _ in pads)
        if op == "maxpool":
            y = F.max_pool2d(x, k, s, p, d, ceil_mode=pic.shape.ceil)
        else:
            y = F.avg_pool2d(x, k, s, p, ceil_mode=pic.shape.ceil, count_include_pad=True)
    assert tuple(y.shape[2:]) == _as_2d(pic.output), "PyTorch gives another output size"
    seen = (y[0] > 0).reshape(n, -1)
    found = []
    for position in range(seen.shape[1]):
        ids = seen[:, position].nonzero().flatten().tolist()
        found.append({divmod(i, w) if len(pic.grid) == 2 else (i % w,) for i in ids})
    return found


@pytest.mark.parametrize(("op", "kwargs"), [c[1:] for c in SLIDING], ids=[c[0] for c in SLIDING])
def test_every_frame_reads_what_unfold_reads(op, kwargs):
    pic = window_frames(op, **kwargs)
    expected = unfold_cells(pic)
    assert [list(f.input_cells) for f in pic.frames] == expected


@pytest.mark.parametrize(
    ("op", "kwargs"),
    [c[1:] for c in SLIDING if c[1] != "conv"],
    ids=[c[0] for c in SLIDING if c[1] != "conv"],
)
def test_pool_frames_read_the_input_cells_torch_pools(op, kwargs):
    pic = window_frames(op, **kwargs)
    assert [real_cells(pic, f.input_cells) for f in pic.frames] == probe(pic, op)


@pytest.mark.parametrize(("op", "kwargs"), [c[1:] for c in TRANSPOSED], ids=[c[0] for c in TRANSPOSED])
def test_transposed_frames_read_the_input_cells_conv_transpose_spreads_to(op, kwargs):
    pic = window_frames(op, **kwargs)
    assert [real_cells(pic, f.input_cells) for f in pic.frames] == probe(pic, op)


@settings(max_examples=60, deadline=None)
@given(
    op=st.sampled_from(["conv", "maxpool", "avgpool", "tconv"]),
    n=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 3),
    d=st.integers(1, 3),
    ceil=st.booleans(),
)
def test_any_small_layer_agrees_with_torch(op, n, k, s, p, d, ceil):
    kwargs = {"input_size": n, "kernel": k, "stride": s, "padding": p}
    if op != "avgpool":
        kwargs["dilation"] = d
    if op in ("maxpool", "avgpool"):
        kwargs["ceil"] = ceil
    try:
        pic = window_frames(op, **kwargs)
    except CnnCalcError:
        return  # an impossible layer: the shape oracle tests check those refusals
    if op != "tconv":
        assert [list(f.input_cells) for f in pic.frames] == unfold_cells(pic)
    if op != "conv":
        assert [real_cells(pic, f.input_cells) for f in pic.frames] == probe(pic, op)
