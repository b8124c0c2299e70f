"""Overfitting and its remedies, shown on a real training run (notes 002, 004 §3.4 and §4.4).

A network with far more weights than examples is trained on a small slice of the built-in digits,
with a fifth of its labels wrong, as real data sets have some: it first learns the digits, then
memorises the wrong labels too, so its training accuracy rises to 100% while its accuracy on a
validation set (images it never trains on) falls. The same run is repeated with each remedy of
note 004 §4.4: dropout, weight decay (L2), and early stopping on the validation loss. The test set
is looked at once, at the end, as note 004 §3.4 says.

Everything is computed by the trainer (`cnncalc.nn`) with its own options (a validation set,
weight decay, early stopping), seeded, in a second or two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnncalc.arith.errors import UsageError
from cnncalc.arith.network import walk
from cnncalc.i18n import N_, _, ngettext, translated
from cnncalc.lessons.blocks import Para, Section, Table
from cnncalc.nn.data import Dataset, load_digits
from cnncalc.nn.settings import Settings
from cnncalc.nn.training import Trainer

PLAIN = "flatten | fc 256 | relu | fc 256 | relu | fc 10"
DROPOUT = "flatten | fc 256 | relu | dropout 0.5 | fc 256 | relu | dropout 0.5 | fc 10"

# a run's name (what `OverfitReport.run` and the JSON call it) → what the tables call it
RUN_LABELS = {
    "plain": N_("plain"),
    "dropout": N_("dropout"),
    "weight decay": N_("weight decay"),
    "early stopping": N_("early stopping"),
}


@dataclass(frozen=True)
class Setup:
    """The experiment: how much data, how many wrong labels, how long, which seed."""

    train_size: int = 100
    wrong_fraction: float = 0.2
    val_size: int = 300
    epochs: int = 40
    lr: float = 0.002
    batch_size: int = 10
    weight_decay: float = 0.03
    patience: int = 3
    seed: int = 0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Epoch:
    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Run:
    name: str
    spec: str
    weight_decay: float
    patience: int | None
    history: tuple[Epoch, ...]
    restored: int | None  # early stopping: the epoch whose weights were kept
    test_accuracy: float

    @property
    def kept(self) -> Epoch:
        """The epoch whose weights the run ends with: the last, or the one early stopping restored."""
        return self.history[-1] if self.restored is None else self.history[self.restored - 1]

    @property
    def best(self) -> Epoch:
        """The epoch with the highest validation accuracy (the first, on a tie)."""
        return max(self.history, key=lambda e: (e.val_accuracy, -e.epoch))

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "spec": self.spec,
            "weight_decay": self.weight_decay,
            "patience": self.patience,
            "history": [e.to_dict() for e in self.history],
            "stopped_after": self.history[-1].epoch,
            "restored": self.restored,
            "test_accuracy": self.test_accuracy,
        }


@dataclass(frozen=True)
class OverfitReport:
    setup: Setup
    wrong_labels: int
    test_size: int
    runs: tuple[Run, ...]
    sections: tuple[Section, ...]

    def run(self, name: str) -> Run:
        return next(r for r in self.runs if r.name == name)

    def to_dict(self) -> dict:
        return {
            "setup": self.setup.to_dict(),
            "wrong_labels": self.wrong_labels,
            "test_size": self.test_size,
            "runs": [r.to_dict() for r in self.runs],
            "sections": [s.to_dict() for s in self.sections],
        }


def early_stop_epoch(val_losses: list[float] | tuple[float, ...], patience: int) -> tuple[int | None, int]:
    """(the epoch training stops after, or None if it never stops; the epoch whose weights are
    restored), both 1-based. It stops when the validation loss has not improved on its best for
    `patience` epochs in a row.

    >>> early_stop_epoch([0.9, 0.7, 0.8, 0.75, 0.72, 0.6], 3)
    (5, 2)
    >>> early_stop_epoch([0.9, 0.7, 0.8], 3)
    (None, 2)
    """
    if patience < 1:
        raise UsageError(
            _("{field} {value} must be at least {minimum}"), field="patience", value=patience, minimum=1
        )
    best, since = 0, 0
    for i in range(1, len(val_losses)):
        if val_losses[i] < val_losses[best]:
            best, since = i, 0
        else:
            since += 1
            if since == patience:
                return i + 1, best + 1
    return None, best + 1


def experiment_data(setup: Setup) -> tuple[Dataset, Dataset, int]:
    """(the small, partly mislabelled training slice with its validation images as the trainer's
    evaluation set, the untouched test set, how many labels are wrong)."""
    digits = load_digits()
    rng = np.random.default_rng(setup.seed)
    order = rng.permutation(len(digits.y_train))
    train = order[: setup.train_size]
    val = order[setup.train_size : setup.train_size + setup.val_size]
    labels = digits.y_train[train].copy()
    wrong = rng.random(setup.train_size) < setup.wrong_fraction
    # a wrong label is any of the other nine digits
    labels[wrong] = (labels[wrong] + rng.integers(1, 10, int(wrong.sum()))) % 10
    data = Dataset("digits", digits.x_train[train], labels, digits.x_train[val], digits.y_train[val])
    test = Dataset("digits", digits.x_train[:0], digits.y_train[:0], digits.x_test, digits.y_test)
    return data, test, int(wrong.sum())


def _train(
    name: str,
    spec: str,
    data: Dataset,
    test: Dataset,
    setup: Setup,
    weight_decay: float = 0.0,
    patience: int | None = None,
) -> Run:
    """One seeded training run, its validation curve, and the test accuracy at the end.

    The trainer's own options do the work (`cnncalc.nn.settings.Settings`): `weight_decay` (Adam
    on g + λ·w, torch.optim.Adam's weight_decay), the validation images given with the data, and
    `early_stop` (patience on the validation loss, the best epoch's weights put back); the test
    set is evaluated once, after training.
    """
    images = Dataset(
        data.name, data.x_train, data.y_train, test.x_test, test.y_test, x_val=data.x_test, y_val=data.y_test
    )
    settings = Settings(
        "adam",
        setup.lr,
        batch_size=setup.batch_size,
        seed=setup.seed,
        weight_decay=weight_decay,
        early_stop=patience,
    )
    trainer = Trainer.create(spec, images, settings)
    result = trainer.run(setup.epochs)
    history = tuple(
        Epoch(h.epoch, h.loss, h.train_accuracy, h.val_loss, h.val_accuracy)  # type: ignore[arg-type]
        for h in result.history
    )
    stopper = trainer.early_stopping
    restored = stopper.best_epoch if stopper is not None and stopper.stopped_epoch is not None else None
    return Run(name, spec, weight_decay, patience, history, restored, result.test_accuracy)


def overfitting_experiment(setup: Setup | None = None) -> OverfitReport:
    """The plain run and the three remedies, with the lesson's tables."""
    setup = setup or Setup()
    data, test, wrong = experiment_data(setup)
    runs = (
        _train("plain", PLAIN, data, test, setup),
        _train("dropout", DROPOUT, data, test, setup),
        _train("weight decay", PLAIN, data, test, setup, weight_decay=setup.weight_decay),
        _train("early stopping", PLAIN, data, test, setup, patience=setup.patience),
    )
    return OverfitReport(
        setup, wrong, len(test.y_test), runs, _sections(setup, wrong, len(test.y_test), runs)
    )


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


SHOWN_EPOCHS = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 40)


def _curve(run: Run, marks: set[int]) -> Table:
    rows = tuple(
        (
            str(e.epoch) + (" ←" if e.epoch in marks else ""),
            _pct(e.train_accuracy),
            _pct(e.val_accuracy),
            f"{e.val_loss:.3f}",
        )
        for e in run.history
        if e.epoch in SHOWN_EPOCHS or e.epoch in marks or e.epoch == run.history[-1].epoch
    )
    return Table(
        _("{run}: {spec}").format(run=translated(RUN_LABELS[run.name]), spec=run.spec),
        (_("epoch"), _("train acc"), _("val acc"), _("val loss")),
        rows,
        "rrrr",
    )


def _sections(setup: Setup, wrong: int, test_size: int, runs: tuple[Run, ...]) -> tuple[Section, ...]:
    plain, dropout, decay, early = runs
    last, best = plain.history[-1], plain.best
    fell = last.val_accuracy < best.val_accuracy
    values = {
        "train": _pct(last.train_accuracy),
        "wrong": wrong,
        "peak": _pct(best.val_accuracy),
        "epoch": best.epoch,
        "last": _pct(last.val_accuracy),
        "lowest": f"{min(e.val_loss for e in plain.history):.3f}",
        "loss": f"{last.val_loss:.3f}",
    }
    # the number of wrong labels chooses the form (English: "the 1 wrong one", "the 19 wrong ones")
    story = (
        ngettext(
            "The training accuracy climbs to {train}: the network has learned every training label, the "
            "{wrong:,} wrong one included. The validation accuracy peaks at {peak} after epoch {epoch} and then "
            "falls to {last}, while the validation loss rises from {lowest} to {loss}: memorising the noise made "
            "it worse on images it has not seen. That is overfitting.",
            "The training accuracy climbs to {train}: the network has learned every training label, the "
            "{wrong:,} wrong ones included. The validation accuracy peaks at {peak} after epoch {epoch} and then "
            "falls to {last}, while the validation loss rises from {lowest} to {loss}: memorising the noise made "
            "it worse on images it has not seen. That is overfitting.",
            wrong,
        )
        if fell
        else ngettext(
            "The training accuracy climbs to {train}: the network has learned every training label, the "
            "{wrong:,} wrong one included. The validation accuracy peaks at {peak} after epoch {epoch} and ends "
            "at {last}.",
            "The training accuracy climbs to {train}: the network has learned every training label, the "
            "{wrong:,} wrong ones included. The validation accuracy peaks at {peak} after epoch {epoch} and ends "
            "at {last}.",
            wrong,
        )
    ).format(**values)
    stopped = early.history[-1].epoch
    summary = tuple(
        (
            translated(RUN_LABELS[r.name]),
            _("{accuracy} (epoch {epoch})").format(accuracy=_pct(r.kept.train_accuracy), epoch=r.kept.epoch),
            _pct(r.kept.val_accuracy),
            _("{accuracy} (epoch {epoch})").format(accuracy=_pct(r.best.val_accuracy), epoch=r.best.epoch),
            _pct(r.test_accuracy),
        )
        for r in runs
    )
    return (
        Para(
            _(
                "The experiment: {train} training images of the built-in digits, {wrong} of them with a "
                "deliberately wrong label, {val} validation images, a network of two 256-unit fully connected "
                "layers ({params:,} parameters, far more than images), Adam lr {lr:g}, batches of {batch}, "
                "{epochs} epochs, seed {seed}."
            ).format(
                train=setup.train_size,
                wrong=wrong,
                val=setup.val_size,
                params=_params(PLAIN),
                lr=setup.lr,
                batch=setup.batch_size,
                epochs=setup.epochs,
                seed=setup.seed,
            )
        ),
        _curve(plain, {best.epoch}),
        Para(story),
        Para(
            ngettext(
                "Note 004 §4.4's remedies, each on the same data from the same start: dropout 0.5 after each "
                "hidden layer; weight decay λ = {decay:g} (an L2 penalty (λ/2)·Σw² on the weights, which keeps "
                "them small: large weights are what memorising takes); early stopping: watch the validation "
                "loss, stop once it has not improved for {patience:,} epoch, and keep the weights of its best "
                "epoch.",
                "Note 004 §4.4's remedies, each on the same data from the same start: dropout 0.5 after each "
                "hidden layer; weight decay λ = {decay:g} (an L2 penalty (λ/2)·Σw² on the weights, which keeps "
                "them small: large weights are what memorising takes); early stopping: watch the validation "
                "loss, stop once it has not improved for {patience:,} epochs, and keep the weights of its best "
                "epoch.",
                setup.patience,
            ).format(decay=setup.weight_decay, patience=setup.patience)
        ),
        _curve(dropout, {dropout.best.epoch}),
        _curve(decay, {decay.best.epoch}),
        Para(
            _(
                "Early stopping ended training after epoch {stopped} and restored the weights of epoch "
                "{restored}, the one with the lowest validation loss ({loss})."
            ).format(
                stopped=stopped,
                restored=early.restored,
                loss=f"{early.history[(early.restored or 1) - 1].val_loss:.3f}",
            )
        ),
        Table(
            _("After training: the test set ({n} images, looked at only now)").format(n=test_size),
            (_("run"), _("train acc (weights kept)"), _("val acc"), _("best val acc"), _("test acc")),
            summary,
            "lrrrr",
            (
                _(
                    "The validation set chooses (when to stop, which remedy, how strong); the test set only "
                    "reports at the end, so its number is an honest estimate for new images (note 004 §3.4)."
                ),
                _(
                    "Training accuracy is measured during each epoch, as Keras prints it: with dropout active."
                ),
            ),
        ),
    )


def _params(spec: str) -> int:
    return walk(f"input 1x8x8 | {spec}").total_params
