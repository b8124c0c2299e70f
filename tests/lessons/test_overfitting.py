"""The overfitting lesson's experiment: a real, seeded training run on a small, partly mislabelled
slice of the digits, and the same with dropout, weight decay and early stopping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.arith.errors import UsageError
from cnncalc.lessons.blocks import Para, Table
from cnncalc.lessons.overfitting import Setup, early_stop_epoch, experiment_data, overfitting_experiment


@pytest.fixture(scope="module")
def report():
    return overfitting_experiment()


def test_early_stop_epoch() -> None:
    losses = [0.9, 0.7, 0.8, 0.75, 0.72, 0.6]
    assert early_stop_epoch(losses, 3) == (5, 2)  # three epochs without beating 0.7
    assert early_stop_epoch(losses, 4) == (None, 6)  # 0.6 comes in time
    assert early_stop_epoch([1.0, 1.0], 1) == (2, 1)  # equal is no improvement
    with pytest.raises(UsageError, match="patience 0 must be at least 1"):
        early_stop_epoch(losses, 0)


@given(st.lists(st.integers(0, 20), min_size=1, max_size=30), st.integers(1, 5))
def test_early_stop_keeps_the_best_epoch_seen_before_stopping(losses, patience) -> None:
    stop, kept = early_stop_epoch(losses, patience)
    seen = losses if stop is None else losses[:stop]
    assert kept == seen.index(min(seen)) + 1
    if stop is not None:
        assert stop - kept == patience


def test_the_data_is_a_small_slice_with_some_labels_wrong() -> None:
    setup = Setup()
    data, test, wrong = experiment_data(setup)
    assert len(data.y_train) == setup.train_size and len(data.y_test) == setup.val_size
    assert len(test.y_test) == 359  # the digits' own test set, untouched
    assert 0.1 * setup.train_size < wrong < 0.3 * setup.train_size
    again, _, _ = experiment_data(setup)
    assert (again.y_train == data.y_train).all()


def test_train_accuracy_rises_while_validation_accuracy_falls(report) -> None:
    plain = report.run("plain")
    first, last, best = plain.history[0], plain.history[-1], plain.best
    assert last.train_accuracy >= 0.99 > first.train_accuracy
    assert last.val_accuracy < best.val_accuracy - 0.03  # it overfits, visibly
    assert last.val_loss > min(e.val_loss for e in plain.history)


def test_each_remedy_ends_better_on_validation_than_the_plain_run(report) -> None:
    plain = report.run("plain").kept.val_accuracy
    for name in ("dropout", "weight decay", "early stopping"):
        assert report.run(name).kept.val_accuracy > plain, name
    assert report.run("weight decay").history[-1].train_accuracy < 0.99  # it cannot memorise every label


def test_early_stopping_keeps_the_lowest_validation_loss(report) -> None:
    run = report.run("early stopping")
    losses = [e.val_loss for e in run.history]
    stop, kept = early_stop_epoch(losses, report.setup.patience)
    assert stop == len(run.history) < report.setup.epochs
    assert run.restored == kept == losses.index(min(losses)) + 1


def test_the_report_is_reproducible_and_words_its_own_numbers(report) -> None:
    again = overfitting_experiment()
    assert again.to_dict() == report.to_dict()
    text = " ".join(b.text for b in report.sections if isinstance(b, Para))
    plain = report.run("plain")
    assert f"peaks at {100 * plain.best.val_accuracy:.1f}% after epoch {plain.best.epoch}" in text
    assert f"falls to {100 * plain.history[-1].val_accuracy:.1f}%" in text
    summary = [b for b in report.sections if isinstance(b, Table)][-1]
    assert [r[0] for r in summary.rows] == ["plain", "dropout", "weight decay", "early stopping"]
    assert summary.rows[3][-1] == f"{100 * report.run('early stopping').test_accuracy:.1f}%"
