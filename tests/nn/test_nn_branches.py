"""Branches that run side by side (`Model.sections`, `parallel.run_concurrently`): which steps form
them, and that running them on several threads gives the serial results bit for bit."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from cnncalc.arith.presets import preset_text
from cnncalc.nn import parallel
from cnncalc.nn.model import build_model
from tests.nn.one_step import one_step

SPECS = {
    # four branches from one fork, one of them a fused conv → ReLU → max pool, one a lone pool
    "inception": (
        "input 3x12x12 | conv 4 k=3 p=1 | concat( conv 2 k=1 ; conv 3 k=3 p=1 | relu | maxpool k=3 s=1 p=1"
        " ; conv 2 k=3 p=1 | relu | maxpool k=2 | conv 2 k=1 p=3 | bn ; maxpool k=3 s=1 p=1 ) | gap | fc 10"
    ),
    # branches that read the input itself: the input's gradient is the sum of three
    "input-fork": "input 2x6x6 | add( conv 2 k=3 p=1 | tanh ; conv 2 k=1 | bn ; ) | flatten | fc 10",
    # dropout in one branch: it draws its random numbers in the same order on any thread
    "dropout-branch": "input 2x6x6 | concat( conv 3 k=3 p=1 | dropout 0.5 ; conv 1 k=1 | sigmoid ) | gap | fc 10",
    "digits-resnet": preset_text("digits-resnet"),
}


def test_sections_are_the_branches_between_a_fork_and_its_merge():
    inception = build_model(preset_text("digits-inception"), classes=10)
    assert [len(s.branches) for s in inception.sections.values()] == [4, 3]
    for s in inception.sections.values():
        assert inception.steps[s.merge].is_merge and s.start < s.merge
        assert sorted(i for b in s.branches for i in b) == list(range(s.start, s.merge))
        assert all(inception.steps[b[0]].reads == (s.fork,) for b in s.branches)
    # the ResNet's first block adds its input itself (nothing to run beside the branch); the second
    # has its projection shortcut
    (projection,) = build_model(preset_text("digits-resnet"), classes=10).sections.values()
    assert [len(b) for b in projection.branches] == [4, 2]  # its bn → relu is one stage
    assert not build_model("input 2x5x5 | concat( ; conv 2 k=3 p=1 ) x2 | fc 3", classes=3).sections
    assert not build_model("input 1x8x8 | conv 2 k=3 | relu | flatten | fc 3", classes=3).sections


def test_branches_that_both_draw_random_numbers_run_one_after_another():
    spec = "input 2x6x6 | concat( conv 3 k=1 | dropout 0.5 ; conv 1 k=1 | dropout 0.2 ) | gap | fc 3"
    assert not build_model(spec, classes=3).sections


@pytest.mark.parametrize("workers", [2, 3], ids=lambda w: f"{w}-threads")
@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_branches_side_by_side_give_the_serial_results(spec, workers):
    rng = np.random.default_rng(0)
    shape = build_model(spec, classes=10, seed=3, dtype=np.float64).input_shape
    x = rng.normal(size=(5, *shape))
    y = rng.integers(0, 10, size=5)
    serial = one_step(spec, x, y)
    with parallel.split_work(workers, slices=1):
        assert parallel.branch_threads() == workers
        concurrent = one_step(spec, x, y)
    np.testing.assert_array_equal(concurrent[0], serial[0])
    np.testing.assert_array_equal(concurrent[1], serial[1])
    assert concurrent[3] == serial[3]
    for name, grad in serial[2].items():
        np.testing.assert_array_equal(concurrent[2][name], grad, err_msg=name)


def test_each_branch_runs_whole_in_some_thread_and_the_threads_share_them(monkeypatch):
    model = build_model(SPECS["inception"], classes=10, seed=3)
    (section,) = model.sections.values()
    seen: dict[int, set[int]] = {}
    for k, branch in enumerate(section.branches):
        for i in branch:
            stage = model.steps[i].stage
            inner = stage.forward

            def slow(x, train, inner=inner, k=k):
                seen.setdefault(k, set()).add(threading.get_ident())
                time.sleep(0.005)  # long enough for the helper to take a branch
                return inner(x, train)

            monkeypatch.setattr(stage, "forward", slow)
    with parallel.split_work(2, slices=1):
        model.forward(np.zeros((2, *model.input_shape), np.float32), train=True)
    assert sorted(seen) == list(range(len(section.branches)))
    assert all(len(threads) == 1 for threads in seen.values())  # a branch never changes thread
    assert len(set().union(*seen.values())) == 2


def test_splitting_keeps_the_threads_and_branches_run_in_order():
    with parallel.split_work(2):  # four slices: the layers' work is split instead
        assert parallel.branch_threads() == 1
    assert parallel.branch_threads() == 1  # outside split_work


def test_work_inside_a_branch_is_not_split_again(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 1)
    threads: list[set[int]] = []

    def branch() -> None:
        seen: set[int] = set()
        parallel.run_split(lambda a, b: seen.add(threading.get_ident()), 8, size=10**9)
        threads.append(seen)

    with parallel.split_work(2, slices=1):
        parallel.run_concurrently([branch, branch], [1, 1])
    assert all(len(seen) == 1 for seen in threads)


def test_a_failing_branch_raises_after_the_others_finish():
    finished = []

    def slow() -> int:
        time.sleep(0.01)
        finished.append(True)
        return 1

    def fail() -> int:
        raise ValueError("branch failed")

    with parallel.split_work(2, slices=1), pytest.raises(ValueError, match="branch failed"):
        parallel.run_concurrently([fail, slow, slow], [3, 2, 1])
    assert len(finished) == 2
    with parallel.split_work(2, slices=1):
        assert parallel.run_concurrently([lambda: "a", lambda: "b", lambda: "c"], [1, 5, 2]) == [
            "a",
            "b",
            "c",
        ]
