"""The training loop: shuffled mini-batches, one optimizer step each, an evaluation per epoch.

Everything random has its own generator — the shuffle order and the dropout masks — and the
trainer can hand back the exact state it is in (`epoch`, `position` within the epoch, the
generators), so that a run saved and resumed computes bit for bit what an uninterrupted run does.

The loop never prints: `on_step` and `on_epoch` callbacks let the CLI draw progress, and
`should_stop` lets it stop cleanly between two steps (Ctrl-C).

The settings may add, each in its own module: a validation set carved from the training data
(`validation`; then each epoch is evaluated on it and the test set only at the end), augmented
batches (`augment`), a learning-rate schedule stepped after every epoch (`schedules`) and early
stopping on the validation loss (`early_stopping`). Their states are part of what a checkpoint
keeps. At the end of `run`, the test set gives the accuracy and the per-class precision, recall
and F1 (`metrics`).

>>> from cnncalc.nn.data import load_digits
>>> from cnncalc.nn.defaults import DIGITS_SPEC
>>> trainer = Trainer.create(DIGITS_SPEC, load_digits(), seed=0)
>>> result = trainer.run(epochs=1, max_steps=3)
>>> trainer.step
3
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.arith.spec import NetworkSpec
from cnncalc.i18n import _
from cnncalc.nn.augment import Augmenter, augment_rng, check_flip, shift_for
from cnncalc.nn.blas import blas_threads
from cnncalc.nn.data import Dataset, check_labels
from cnncalc.nn.early_stopping import EarlyStopping
from cnncalc.nn.losses import softmax_cross_entropy
from cnncalc.nn.memory import keep_freed_memory
from cnncalc.nn.metrics import ClassMetrics, class_metrics
from cnncalc.nn.model import EVAL_BATCH, Model, build_model
from cnncalc.nn.optim import Optimizer, make_optimizer
from cnncalc.nn.parallel import plan_for, split_work
from cnncalc.nn.schedules import Schedule, make_schedule
from cnncalc.nn.settings import Settings
from cnncalc.nn.validation import evaluate_loss, split_validation


class TrainingDiverged(CnnCalcError):
    """The loss became NaN or infinite; the parameters are those of the last good step."""


@dataclass(frozen=True)
class EpochStats:
    """One finished epoch: the mean training loss and accuracy over its batches, then either the
    validation loss and accuracy (with a validation set) or the test accuracy, the seconds it took,
    and the learning rate it trained with."""

    epoch: int
    loss: float
    train_accuracy: float
    test_accuracy: float | None
    seconds: float
    val_loss: float | None = None
    val_accuracy: float | None = None
    lr: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Progress:
    """Running totals of the epoch in progress (so that a resumed epoch reports the same numbers)."""

    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    seconds: float = 0.0


@dataclass
class TrainResult:
    """What `run` did: the history, the test set's accuracy and per-class metrics at the end, the
    steps it took and how long each took, and why it stopped before its epochs were done."""

    history: list[EpochStats]
    test_accuracy: float
    steps: int
    step_seconds: list[float] = field(default_factory=list)
    stopped: str = ""  # "", "steps", "interrupted" or "early_stop"
    predicted: np.ndarray | None = None  # the test set's predicted classes
    metrics: ClassMetrics | None = None

    @property
    def seconds_per_step(self) -> float:
        return sum(self.step_seconds) / len(self.step_seconds) if self.step_seconds else 0.0


class Trainer:
    def __init__(self, model: Model, optimizer: Optimizer, data: Dataset, settings: Settings) -> None:
        if settings.batch_size < 1:
            raise CnnCalcError(
                _("{field} {value} must be at least 1"), field="batch_size", value=settings.batch_size
            )
        settings.check()
        if settings.val_split:
            data = split_validation(data, settings.val_split, settings.seed)
        if settings.early_stop is not None and data.y_val is None:
            raise UsageError(
                _(
                    "{field} {value} watches the validation loss, and this run has no validation set; set some "
                    "training images aside with {field:val_split}, e.g. {field:val_split} 0.2"
                ),
                field="early_stop",
                value=settings.early_stop,
            )
        if settings.flip:
            check_flip(data.class_names)
        check_labels(data, model.classes)
        self.model, self.optimizer, self.data, self.settings = model, optimizer, data, settings
        self.augmenter = (
            Augmenter(
                shift_for(data.input_shape[1]) if settings.augment else 0,
                settings.flip,
                augment_rng(settings.seed),
            )
            if settings.augment or settings.flip
            else None
        )
        # Cosine annealing without lr_epochs is made by the first `run`, which knows its epochs.
        self.schedule: Schedule | None = (
            make_schedule(settings, optimizer)
            if settings.lr_schedule and (settings.lr_schedule != "cosine" or settings.lr_epochs)
            else None
        )
        self.early_stopping = EarlyStopping(settings.early_stop) if settings.early_stop else None
        self.shuffle_rng = np.random.default_rng(settings.seed)
        self.epoch_start_state: dict = copy.deepcopy(self.shuffle_rng.bit_generator.state)
        self.epoch = 0  # completed epochs
        self.position = 0  # batches done in the current epoch
        self.step = 0  # optimizer steps in total
        self.progress = Progress()
        self.history: list[EpochStats] = []
        # Threads may differ from machine to machine; the slices of a batch never do (see parallel).
        self.threads, self.slices = plan_for(model.network.total_macs * settings.batch_size)

    @classmethod
    def create(
        cls, spec: NetworkSpec | str, data: Dataset, settings: Settings | None = None, seed: int = 0
    ) -> Trainer:
        settings = settings or Settings.for_data(data.name, seed=seed)
        model = build_model(spec, data.input_shape, data.classes, seed=settings.seed)
        return cls(model, optimizer_for(settings, model), data, settings)

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.data.y_train) / self.settings.batch_size)

    def evaluate(self, x: np.ndarray | None = None, y: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """Accuracy on the test set (or the given arrays) and the predicted classes."""
        x = self.data.x_test if x is None else x
        y = self.data.y_test if y is None else y
        predicted = (
            np.concatenate(
                [
                    self.model.forward(x[i : i + EVAL_BATCH]).argmax(axis=1)
                    for i in range(0, len(x), EVAL_BATCH)
                ]
            )
            if len(x)
            else np.zeros(0, np.int64)
        )
        return (float((predicted == y).mean()) if len(y) else 0.0), predicted

    def validate(self) -> tuple[float, float]:
        """(mean cross-entropy, accuracy) on the validation set."""
        if self.data.x_val is None or self.data.y_val is None:
            raise CnnCalcError(
                _("this run has no validation set; give {field} a fraction, e.g. 0.2"), field="val_split"
            )
        return evaluate_loss(self.model, self.data.x_val, self.data.y_val)

    def train_step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, int]:
        """One optimizer step; returns the batch's mean loss and how many it classified correctly."""
        # Overflow shows up as a non-finite loss, reported below with advice; no numpy warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            logits = self.model.forward(xb, train=True)
            loss, grad = softmax_cross_entropy(logits, yb)
        if not math.isfinite(loss):
            raise TrainingDiverged(
                _(
                    "the loss became {loss} at epoch {epoch}, step {step}; training stopped. Try a smaller learning "
                    "rate (now {lr}), e.g. {field} {smaller}"
                ),
                field="lr",
                loss=loss,
                epoch=self.epoch + 1,
                step=self.step + 1,
                lr=f"{self.settings.lr:g}",
                smaller=f"{self.settings.lr / 10:g}",
            )
        self.model.backward(grad)
        self.optimizer.step(self.model.named_grads())
        return loss, int((logits.argmax(axis=1) == yb).sum())

    def run(
        self,
        epochs: int,
        max_steps: int | None = None,
        on_step: Callable[[Trainer, float], None] | None = None,
        on_epoch: Callable[[Trainer, EpochStats], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> TrainResult:
        """Train `epochs` more epochs (finishing a started one counts as one), or stop after
        `max_steps` steps, or when `should_stop()` says so between two steps."""
        if epochs < 1:
            raise CnnCalcError(_("{field} {value} must be at least 1"), field="epochs", value=epochs)
        if max_steps is not None and max_steps < 1:
            raise CnnCalcError(_("{field} {value} must be at least 1"), field="max_steps", value=max_steps)
        stopper = self.early_stopping
        if stopper is not None and stopper.stopped_epoch is not None:
            raise CnnCalcError(
                _(
                    "this run stopped early after epoch {stopped}: its validation loss had not improved for "
                    "{patience} epochs, and it kept the weights of epoch {best}. There is nothing to continue; "
                    "start a new run (a larger {field} trains longer)"
                ),
                field="early_stop",
                stopped=stopper.stopped_epoch,
                patience=stopper.patience,
                best=stopper.best_epoch,
            )
        if self.settings.lr_schedule and self.schedule is None:  # cosine over this run's epochs
            self.settings = replace(self.settings, lr_epochs=self.epoch + epochs)
            self.schedule = make_schedule(self.settings, self.optimizer)
        keep_freed_memory()
        # BLAS single-threaded; the layers split each batch over `threads` threads themselves.
        with blas_threads(1), split_work(self.threads, self.slices):
            return self._run(epochs, max_steps, on_step, on_epoch, should_stop)

    def _run(
        self,
        epochs: int,
        max_steps: int | None,
        on_step: Callable[[Trainer, float], None] | None,
        on_epoch: Callable[[Trainer, EpochStats], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> TrainResult:
        target = self.epoch + epochs
        step_seconds: list[float] = []
        stopped = ""
        while self.epoch < target and not stopped:
            # Drawn with the first batch, not before the stop checks: a run stopped at an epoch's
            # end must not have drawn the next epoch's order (its checkpoint would skip it).
            order = None
            while self.position < self.batches_per_epoch:
                if max_steps is not None and len(step_seconds) >= max_steps:
                    stopped = "steps"
                    break
                if should_stop is not None and should_stop():
                    stopped = "interrupted"
                    break
                if order is None:
                    order = self._epoch_order()
                loss = self._next_batch(order, step_seconds)
                if on_step is not None:
                    on_step(self, loss)
            if stopped:
                break
            stats = self._finish_epoch()
            if on_epoch is not None:
                on_epoch(self, stats)
            if self.early_stopping is not None and self.early_stopping.stopped_epoch is not None:
                stopped = "early_stop"
        test_accuracy, predicted = self.evaluate()
        metrics = class_metrics(self.data.y_test, predicted, self.data.class_names)
        return TrainResult(
            list(self.history), test_accuracy, len(step_seconds), step_seconds, stopped, predicted, metrics
        )

    def _epoch_order(self) -> np.ndarray:
        """The shuffled order of this epoch's samples (replayed when resuming inside an epoch)."""
        if self.position == 0:
            self.epoch_start_state = copy.deepcopy(self.shuffle_rng.bit_generator.state)
        else:
            self.shuffle_rng.bit_generator.state = copy.deepcopy(self.epoch_start_state)
        return self.shuffle_rng.permutation(len(self.data.y_train))

    def _next_batch(self, order: np.ndarray, step_seconds: list[float]) -> float:
        """Train on the epoch's next batch, add it to the running totals, and return its loss."""
        bs = self.settings.batch_size
        idx = order[self.position * bs : (self.position + 1) * bs]
        start = time.perf_counter()
        xb = self.data.x_train[idx]
        if self.augmenter is not None:
            xb = self.augmenter(xb)
        loss, correct = self.train_step(xb, self.data.y_train[idx])
        elapsed = time.perf_counter() - start
        step_seconds.append(elapsed)
        self.position += 1
        self.step += 1
        p = self.progress
        p.loss_sum += loss * len(idx)
        p.correct += correct
        p.seen += len(idx)
        p.seconds += elapsed
        return loss

    def _finish_epoch(self) -> EpochStats:
        """Evaluate on the validation set if there is one, else on the test set; record the epoch's
        statistics; step the schedule and early stopping; start the next epoch."""
        start = time.perf_counter()
        val_loss = val_accuracy = test_accuracy = None
        if self.data.y_val is not None:
            val_loss, val_accuracy = self.validate()
        else:
            test_accuracy, _ = self.evaluate()
        p = self.progress
        stats = EpochStats(
            self.epoch + 1,
            p.loss_sum / p.seen,
            p.correct / p.seen,
            test_accuracy,
            p.seconds + time.perf_counter() - start,
            val_loss,
            val_accuracy,
            self.optimizer.lr,
        )
        self.history.append(stats)
        self.epoch += 1
        self.position = 0
        self.progress = Progress()
        if self.schedule is not None:  # the plateau schedule watches the validation loss if there is one
            self.schedule.step(val_loss if val_loss is not None else stats.loss)
        if self.early_stopping is not None and val_loss is not None:
            self.early_stopping.update(self.epoch, val_loss, self.model)
        return stats


def optimizer_for(settings: Settings, model: Model) -> Optimizer:
    """The optimizer `settings` asks for, on `model`'s parameters."""
    return make_optimizer(
        settings.optimizer, model.named_params(), settings.lr, settings.momentum, settings.weight_decay
    )
