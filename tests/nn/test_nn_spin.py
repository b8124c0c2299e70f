"""Spinning helpers (`cnncalc.nn.spin`): used only while the machine has a core to spare, the same
results as sleeping ones and as one thread, errors and numpy's settings carried over, and nothing
left spinning after training or in a forked child."""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable

import numpy as np
import pytest

from cnncalc.nn import parallel, spin
from cnncalc.nn.model import build_model
from tests.nn.one_step import one_step

pytestmark = pytest.mark.skipif(spin.spin_locks() is None, reason="no pthread spin locks here")


@pytest.fixture
def idle_machine(tmp_path, monkeypatch):
    """A /proc/loadavg that says nothing else runs, on 4 cores: helpers may spin."""
    loadavg = tmp_path / "loadavg"
    loadavg.write_bytes(b"0.00 0.00 0.00 1/100 4242\n")
    monkeypatch.setattr(spin, "LOADAVG", str(loadavg))
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(spin, "SPINNERS", spin.Spinners())
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    return loadavg


def _pairing() -> Callable[[int], None]:
    """meet(a): the first two slices (a = 0 and 2 of 8) wait for each other, so they run on two
    threads, the helper's and the caller's, however busy the machine (a fixed sleep is not enough
    when other processes hold both cores)."""
    barrier = threading.Barrier(2, timeout=20)

    def meet(a: int) -> None:
        if a < 4:
            barrier.wait()

    return meet


def _threads_of_slices(n: int = 8) -> set[str]:
    seen: set[str] = set()
    meet = _pairing()

    def work(a: int, b: int) -> int:
        meet(a)
        seen.add(threading.current_thread().name)
        return b - a

    with parallel.split_work(2):
        assert parallel.run_split(work, n, size=10**9) == [2, 2, 2, 2]
    return seen


@pytest.mark.parametrize(
    ("runnable", "cores", "spinning", "wanted", "spare"),
    [
        (1, 2, 0, 1, True),  # only us: one helper fits beside the caller
        (2, 2, 1, 1, True),  # us and our spinning helper
        (2, 2, 0, 1, False),  # one other runnable thread
        (3, 2, 1, 1, False),  # us, our helper and one other
        (3, 4, 1, 1, True),
        (1, 4, 0, 3, True),
        (2, 4, 0, 3, False),
    ],
)
def test_helpers_spin_only_when_every_other_runnable_thread_keeps_a_core(
    runnable, cores, spinning, wanted, spare
):
    text = f"0.10 0.20 0.30 {runnable}/300 999\n".encode()
    assert spin.Spinners.spare(text, cores, spinning, wanted) is spare


@pytest.mark.parametrize("text", [b"", b"0.1 0.2 0.3", b"0.1 0.2 0.3 x/10 1"])
def test_an_unreadable_load_means_no_spinning(text):
    assert spin.Spinners.spare(text, 64, 0, 1) is False


def test_a_spinning_helper_takes_slices_and_is_parked_after_training(idle_machine):
    assert _threads_of_slices() == {threading.current_thread().name, "cnncalc-nn-spin"}
    helpers = spin.SPINNERS.helpers
    assert len(helpers) == 1
    assert helpers[0].parked  # split_work ended: it sleeps
    cpu = time.process_time()
    time.sleep(0.2)
    assert time.process_time() - cpu < 0.05  # and nothing spins


def test_a_busy_machine_gets_sleeping_helpers(idle_machine):
    idle_machine.write_bytes(b"3.00 3.00 3.00 5/100 4242\n")  # 4 others runnable on 4 cores
    names = _threads_of_slices()
    assert "cnncalc-nn-spin" not in names
    assert any(name.startswith("cnncalc-nn") for name in names)  # the pool's sleeping helper
    assert spin.SPINNERS.helpers == []


def test_the_load_is_read_again_and_spinning_helpers_are_parked(idle_machine, monkeypatch):
    monkeypatch.setattr(spin, "CHECK_INTERVAL", 0.0)
    with parallel.split_work(2):
        parallel.run_split(lambda a, b: time.sleep(0.002), 8, size=10**9)
        helper = spin.SPINNERS.helpers[0]
        assert not helper.parked
        idle_machine.write_bytes(b"3.00 3.00 3.00 6/100 4242\n")
        parallel.run_split(lambda a, b: time.sleep(0.002), 8, size=10**9)
        assert helper.parked
        idle_machine.write_bytes(b"0.00 0.00 0.00 1/100 4242\n")
        parallel.run_split(lambda a, b: time.sleep(0.002), 8, size=10**9)
        assert not helper.parked


def test_without_spin_locks_the_pool_is_used(idle_machine, monkeypatch):
    monkeypatch.setattr(spin, "spin_locks", lambda: None)
    assert "cnncalc-nn-spin" not in _threads_of_slices()


def test_switched_off_the_pool_is_used(idle_machine, monkeypatch):
    monkeypatch.setattr(spin, "ENABLED", False)
    assert "cnncalc-nn-spin" not in _threads_of_slices()


def test_a_training_step_has_the_same_bits_with_spinning_helpers(idle_machine):
    spec = "input 3x10x10 | conv 6 k=3 p=1 | bn | relu | add( conv 6 k=3 p=1 | bn | relu | conv 6 k=3 p=1 | bn ; ) | relu | gap | fc 10"
    rng = np.random.default_rng(1)
    shape = build_model(spec, classes=10, seed=3, dtype=np.float64).input_shape
    x, y = rng.normal(size=(6, *shape)), rng.integers(0, 10, size=6)
    serial = one_step(spec, x, y)
    with parallel.split_work(2):
        spun = one_step(spec, x, y)
    assert spin.SPINNERS.helpers  # they ran
    assert all(helper.parked for helper in spin.SPINNERS.helpers)  # and are parked again
    np.testing.assert_array_equal(spun[0], serial[0])
    np.testing.assert_array_equal(spun[1], serial[1])
    for name, grad in serial[2].items():
        np.testing.assert_array_equal(spun[2][name], grad, err_msg=name)


def test_a_failing_slice_on_a_spinning_helper_raises_in_the_caller(idle_machine):
    meet = _pairing()

    def work(a: int, b: int) -> int:
        meet(a)
        if threading.current_thread().name == "cnncalc-nn-spin":
            raise ZeroDivisionError(f"slice {a}")
        return a

    with parallel.split_work(2), pytest.raises(ZeroDivisionError, match="slice"):
        parallel.run_split(work, 8, size=10**9)
    assert _threads_of_slices() == {threading.current_thread().name, "cnncalc-nn-spin"}  # still usable


def test_numpy_error_settings_hold_on_a_spinning_helper(idle_machine):
    seen: dict[str, dict] = {}
    meet = _pairing()

    def work(a: int, b: int) -> None:
        meet(a)
        seen[threading.current_thread().name] = np.geterr()

    with parallel.split_work(2), np.errstate(over="ignore", invalid="raise"):
        parallel.run_split(work, 8, size=10**9)
    assert "cnncalc-nn-spin" in seen
    assert all(err["over"] == "ignore" and err["invalid"] == "raise" for err in seen.values())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_starts_without_the_parents_helpers(idle_machine):
    _threads_of_slices()  # the parent has a (parked) helper
    with parallel.split_work(2):
        parallel.run_split(lambda a, b: None, 8, size=10**9)  # …and one spinning inside the block
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads running
            pid = os.fork()
        if pid == 0:  # the child: its own helpers, or it would wait forever for the parent's
            try:
                ok = spin.SPINNERS.helpers == [] and len(_threads_of_slices()) == 2
            finally:
                os._exit(0 if ok else 1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.01)
    os.kill(pid, 9)
    pytest.fail("the forked child hung")


@pytest.mark.parametrize("orphan_takes", [0.0, 0.05], ids=["done-before", "still-running"])
def test_a_hand_off_left_unwaited_for_does_not_break_the_next_ones(idle_machine, orphan_takes):
    # A caller interrupted (KeyboardInterrupt) between handing a job out and waiting for it leaves
    # a stale "done" signal behind, or a job still running: later rounds must still wait for
    # their own slices, and get every one of them.
    def work(a: int, b: int) -> int:
        time.sleep(0.002)
        return b - a

    ran = []
    with parallel.split_work(2):
        parallel.run_split(work, 8, size=10**9)
        (helper,) = spin.SPINNERS.helpers
        helper.start(lambda: (time.sleep(orphan_takes), ran.append("orphan")))  # never waited for
        time.sleep(0.02)
        for _ in range(30):
            assert parallel.run_split(work, 8, size=10**9) == [2, 2, 2, 2]
    assert ran == ["orphan"]
    assert helper.parked


def test_parking_at_interpreter_shutdown_does_not_wait_for_a_helper(idle_machine, monkeypatch):
    """A split_work block left open until the interpreter exits is closed during shutdown, when
    its spinning helper's thread may already be gone: parking must not wait for it (it hung)."""
    with parallel.split_work(2):
        parallel.run_split(lambda a, b: None, 8, size=10**9)
        (helper,) = spin.SPINNERS.helpers
        assert not helper.parked
        with monkeypatch.context() as shutting_down:
            shutting_down.setattr(spin.sys, "is_finalizing", lambda: True)
            started = time.monotonic()
            helper.park()  # as if its thread were gone: returns at once
            assert helper.parked and time.monotonic() - started < 1
        helper.parked = False  # the thread is alive here: park it for real
        helper.park()
