"""Splitting a batch over threads (`split_work`) gives the serial results bit for bit: the batch is cut
into the same slices whatever the number of threads, and sums over slices run in slice order."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from cnncalc.nn import parallel
from cnncalc.nn.model import build_model
from tests.nn.one_step import one_step

SPECS = {
    "keras-mnist-like": "input 1x12x12 | conv 8 k=3 | relu | maxpool k=2 | conv 8 k=3 | relu | flatten | fc 10",
    "rgb-stride-pad": "input 3x11x11 | conv 6 k=3 s=2 p=1 | relu | conv 4 k=1 | flatten | fc 10",
    "pools": "input 2x13x13 | conv 4 k=2 | maxpool k=3 s=2 p=1 ceil=true | avgpool k=2 | flatten | fc 10",
    "dilation-groups": "input 4x12x12 | conv 4 k=3 d=2 g=2 | leakyrelu | maxpool k=2 d=2 s=1 | flatten | fc 10",
    "two-conv-pools": "input 3x14x14 | conv 6 k=3 | relu | maxpool k=2 | conv 5 k=2 | maxpool k=2 | flatten | fc 10",
    # bn → relu and add → relu run fused
    "residual-bn": "input 2x8x8 | conv 6 k=3 p=1 bias=false | bn | relu | add( conv 6 k=3 p=1 | bn | relu "
    "| conv 6 k=3 p=1 bias=false | bn ) | relu | add( conv 8 k=3 s=2 p=1 | bn ; conv 8 k=1 s=2 ) | gap | fc 10",
}


def _run(spec: str, x: np.ndarray, y: np.ndarray, workers: int | None):
    if workers is None:
        return one_step(spec, x, y)
    with parallel.split_work(workers):
        return one_step(spec, x, y)


@pytest.mark.parametrize("workers", [1, 2, 3], ids=lambda w: f"{w}-threads")
@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_results_are_bit_identical_whatever_the_thread_count(spec, workers, monkeypatch):
    # A checkpoint resumed on a machine with another core count must continue bit for bit.
    rng = np.random.default_rng(0)
    shape = build_model(spec, classes=10, seed=3, dtype=np.float64).input_shape
    x = rng.normal(size=(7, *shape))
    y = rng.integers(0, 10, size=7)
    monkeypatch.setattr(parallel, "MIN_PART", 1)  # split even these small batches
    serial = _run(spec, x, y, None)
    split = _run(spec, x, y, workers)
    np.testing.assert_array_equal(split[0], serial[0])
    np.testing.assert_array_equal(split[1], serial[1])
    assert sorted(split[2]) == sorted(serial[2])
    for name, grad in serial[2].items():
        np.testing.assert_array_equal(split[2][name], grad, err_msg=name)


@pytest.mark.parametrize("workers", [None, 1, 2, 3, 8], ids=lambda w: f"split_work({w})" if w else "serial")
def test_slices_do_not_depend_on_the_thread_count(workers, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    if workers is None:
        parts = parallel.run_split(lambda a, b: (a, b), 10, size=100)
    else:
        with parallel.split_work(workers):
            parts = parallel.run_split(lambda a, b: (a, b), 10, size=100)
    assert parts == [(0, 2), (2, 5), (5, 7), (7, 10)]  # MAX_WORKERS = 4 contiguous slices, in order


@pytest.mark.parametrize("cores", [1, 2, 4])
def test_the_plan_cuts_the_same_slices_on_any_number_of_cores(cores, monkeypatch):
    monkeypatch.setattr(parallel, "available_cores", lambda: cores)
    # A small network: its layers unsplit, its threads left to run branches side by side.
    assert parallel.plan_for(parallel.SMALL_BATCH_MACS - 1) == (cores, 1)
    assert parallel.plan_for(parallel.SMALL_BATCH_MACS) == (cores, 2)
    assert parallel.plan_for(parallel.LARGE_BATCH_MACS) == (cores, parallel.MAX_WORKERS)


def test_a_plan_of_one_slice_runs_the_whole_batch_at_once(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    with parallel.split_work(3, slices=1):
        assert parallel.run_split(lambda a, b: (a, b), 10, size=10**9) == [(0, 10)]
    with parallel.split_work(3, slices=2):
        assert parallel.run_split(lambda a, b: (a, b), 10, size=10**9) == [(0, 5), (5, 10)]


def test_small_work_is_one_slice():
    with parallel.split_work(3):
        assert parallel.run_split(lambda a, b: (a, b), 10, size=parallel.MIN_PART) == [(0, 10)]
        assert parallel.run_split(lambda a, b: (a, b), 3, size=10**9) == [(0, 1), (1, 2), (2, 3)]


def test_a_failing_slice_raises_after_the_others_finish(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    done = []

    def work(a: int, b: int) -> int:
        if a == 2:
            raise ZeroDivisionError("slice 2")
        done.append(a)
        return a

    with parallel.split_work(2), pytest.raises(ZeroDivisionError, match="slice 2"):
        parallel.run_split(work, 10, size=100)
    assert sorted(done) == [0, 5, 7]


def test_concurrent_callers_share_the_pool_safely(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def caller(workers: int) -> None:
        try:
            start.wait()
            for _ in range(50):
                with parallel.split_work(workers):
                    got = parallel.run_split(lambda a, b: b - a, 40, size=100)
                assert got == [10, 10, 10, 10]
        except BaseException as e:  # reported to the main thread below
            errors.append(e)

    threads = [threading.Thread(target=caller, args=(1 + i % 4,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # however their blocks overlapped, none is left open: the settings from before hold again
    assert (parallel._workers, parallel._max_slices) == (1, parallel.MAX_WORKERS)


def test_numpy_error_settings_hold_in_every_thread(monkeypatch):
    # The trainer silences overflow while it checks the loss itself: its helpers must too.
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    seen: dict[int, dict] = {}
    # the first two slices wait for each other: they run on two threads however busy the machine
    pair = threading.Barrier(2, timeout=20)

    def slice_(a: int, b: int) -> None:
        if a < 2:
            pair.wait()
        seen[threading.get_ident()] = np.geterr()

    with parallel.split_work(2), np.errstate(over="ignore", invalid="raise"):
        parallel.run_split(slice_, 4, size=10**9)
        parallel.run_concurrently([lambda: slice_(2, 3)] * 3, [1, 1, 1])
    assert len(seen) == 2
    assert all(err["over"] == "ignore" and err["invalid"] == "raise" for err in seen.values())
