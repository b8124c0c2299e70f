"""Compiled loops for batch normalisation's passes and a residual add's ReLU (numba, the optional
`[fast]` extra).

A training step's batch norm reads a (rows, C) array a few times: the column sums, the centred
squares, the normalised output, and backward the two gradient sums and ∂x. In numpy each of those
is two or three whole-array passes plus their temporaries; here each is one loop over the rows
that keeps its per-channel sums in float64, and a ReLU right after the batch norm
(`cnncalc.nn.norm.BatchNormReLU`) is taken inside the same loops. A residual add and its ReLU
(`cnncalc.nn.merge.AddReLU`) are one loop too, and the ReLU's gradient another. The per-layer
profile of `benchmarks/train_step.py --preset digits-resnet --profile` shows the difference.

Why numba (docs/trainer.md says more): it is made for exactly this — loops over numpy arrays
compiled by LLVM — with wheels for Linux, macOS and Windows on x86-64 and ARM, and it releases the
GIL inside these loops (`nogil`), so the threads of `cnncalc.nn.parallel` run them side by side.
It is optional (`pip install ".[fast]"`): importing it loads LLVM, which costs time and memory, and it
pins the numpy versions it supports, which a calculator should not impose. It is imported here
only, on a batch norm's first training pass; the calculator never loads it. Without it — or with
CNNCALC_NUMBA=0 — `compiled()` is None and `cnncalc.nn.norm` runs its numpy passes: the same
formulas, with sums rounded in another order (both ways are checked against PyTorch).

Compiled code is cached beside this file (or in numba's per-user cache when that is read-only),
so only the first run on a machine compiles them.

Each loop runs over the rows it is given in order, and its callers add the slices' partial sums
in slice order (`cnncalc.nn.parallel`), so the bits do not depend on the number of threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import numpy as np

# CNNCALC_NUMBA=0 runs the numpy passes, as without numba (`enabled` switches it in a block).
ENABLED = os.environ.get("CNNCALC_NUMBA", "1") != "0"
# Arrays smaller than this (elements) take the numpy passes: their fixed cost is about the same,
# and a lesson's or a gradient check's tiny batch norm need not load numba.
MIN_SIZE = 1 << 14

_lock = threading.Lock()
_built: SimpleNamespace | None = None
_failed = False


def column_sums(x, out):  # pragma: no cover - compiled
    """out[c] += Σ_i x[i, c], in float64."""
    rows, channels = x.shape
    for i in range(rows):
        for c in range(channels):
            out[c] += x[i, c]


def centred_square_sums(x, mean, out):  # pragma: no cover - compiled
    """out[c] += Σ_i (x[i, c] − mean[c])², the difference in x's dtype, its square in float64."""
    rows, channels = x.shape
    for i in range(rows):
        for c in range(channels):
            d = np.float64(x[i, c] - mean[c])
            out[c] += d * d


def normalise(x, mean, scale, shift, relu, out):  # pragma: no cover - compiled
    """out = (x − mean)·scale + shift per channel, then max(·, 0) if `relu` (as np.maximum: a NaN
    stays NaN, −0 becomes 0)."""
    rows, channels = x.shape
    zero = x.dtype.type(0)  # a literal 0 would make v a float64
    for i in range(rows):
        for c in range(channels):
            v = (x[i, c] - mean[c]) * scale[c] + shift[c]
            if relu and not (v > 0 or v != v):  # max(v, 0) as np.maximum: NaN stays, −0 gives 0
                v = zero
            out[i, c] = v


def gradient_sums(g, x, y, mean, relu, sum_g, sum_gc):  # pragma: no cover - compiled
    """sum_g[c] += Σ_i g[i, c] and sum_gc[c] += Σ_i g[i, c]·(x[i, c] − mean[c]), in float64;
    with `relu`, g counts only where the output y > 0 (the ReLU's gradient)."""
    rows, channels = x.shape
    zero = g.dtype.type(0)
    for i in range(rows):
        for c in range(channels):
            gi = g[i, c]
            if relu and not y[i, c] > 0:
                gi = zero
            sum_g[c] += gi
            sum_gc[c] += np.float64(gi) * np.float64(x[i, c] - mean[c])


def input_gradient(g, x, y, mean, relu, a, b, c0, dx):  # pragma: no cover - compiled
    """dx = a·g + b·(x − mean) + c0 per channel, g zeroed where y ≤ 0 if `relu`."""
    rows, channels = x.shape
    zero = g.dtype.type(0)
    for i in range(rows):
        for c in range(channels):
            gi = g[i, c]
            if relu and not y[i, c] > 0:
                gi = zero
            dx[i, c] = (x[i, c] - mean[c]) * b[c] + c0[c] + gi * a[c]


def add_relu(a, b, out):  # pragma: no cover - compiled
    """out = max(a + b, 0) on flat arrays, as np.add then np.maximum (a NaN stays, −0 becomes 0)."""
    zero = out.dtype.type(0)
    for i in range(out.shape[0]):
        v = a[i] + b[i]
        if not (v > 0 or v != v):
            v = zero
        out[i] = v


def relu_gradient(g, y, out):  # pragma: no cover - compiled
    """out = g·(y > 0) on flat arrays, y the ReLU's output: g times 1 or 0, as numpy multiplies
    by the ReLU's mask (so g·0 keeps g's sign, and inf·0 is NaN)."""
    one, zero = g.dtype.type(1), g.dtype.type(0)
    for i in range(out.shape[0]):
        out[i] = g[i] * (one if y[i] > 0 else zero)


_LOOPS = (column_sums, centred_square_sums, normalise, gradient_sums, input_gradient, add_relu, relu_gradient)


def compiled(size: int) -> SimpleNamespace | None:
    """The loops above compiled by numba (attributes of the same names) for passes over `size`
    elements, or None: below MIN_SIZE, with ENABLED off, or where numba is not installed or fails
    to compile them (tried once, on the first call, in float32)."""
    global _built, _failed
    if not ENABLED or _failed or size < MIN_SIZE:
        return None
    if _built is not None:
        return _built
    with _lock:
        if _built is None and not _failed:
            try:
                loops = SimpleNamespace(**{f.__name__: _jit(f) for f in _LOOPS})
                _try(loops)
                _built = loops
            except Exception:  # noqa: BLE001 - numba missing or failing: the numpy passes then
                _failed = True
    return _built


def _try(loops: SimpleNamespace) -> None:
    """Run each loop once on a 2×2 float32 array (compiling, or loading the cache): a numba that
    cannot compile them fails here, not in the middle of a training step."""
    x, v, s = np.ones((2, 2), np.float32), np.ones(2, np.float32), np.zeros(2)
    loops.column_sums(x, s)
    loops.centred_square_sums(x, v, s)
    loops.normalise(x, v, v, v, True, np.empty_like(x))
    loops.gradient_sums(x, x, x, v, True, s, np.zeros(2))
    loops.input_gradient(x, x, x, v, True, v, v, v, np.empty_like(x))
    loops.add_relu(v, v, np.empty_like(v))
    loops.relu_gradient(v, v, np.empty_like(v))


def loaded() -> bool:
    """Whether a batch norm has loaded the compiled loops in this process."""
    return _built is not None


@contextmanager
def enabled(wanted: bool, min_size: int = 0) -> Iterator[None]:
    """Inside the block, use the compiled loops (where numba loads) for arrays of at least
    `min_size` elements, or (wanted False) the numpy passes always."""
    global ENABLED, MIN_SIZE
    before = ENABLED, MIN_SIZE
    ENABLED, MIN_SIZE = wanted, min_size
    try:
        yield
    finally:
        ENABLED, MIN_SIZE = before


def _jit(fn):  # noqa: ANN001, ANN202
    import numba  # the trainer's only numba import: never on the calculator's path

    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # no writable cache anywhere: compile on each run instead
        return numba.njit(nogil=True)(fn)
