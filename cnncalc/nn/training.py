"""The training loop: shuffled mini-batches, one optimizer step each, an evaluation per epoch.

Everything random has its own generator — the shuffle order and the dropout masks — and the
trainer can hand back the exact state it is in (`epoch`, `position` within the epoch, the
generators), so that a run saved and resumed computes bit for bit what an uninterrupted run does.

The loop never prints: `on_step` and `on_epoch` callbacks let the CLI draw progress, and
`should_stop` lets it stop cleanly between two steps (Ctrl-C).

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
from dataclasses import asdict, dataclass, field

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.spec import NetworkSpec
from cnncalc.nn.blas import blas_threads
from cnncalc.nn.data import Dataset
from cnncalc.nn.losses import softmax_cross_entropy
from cnncalc.nn.memory import keep_freed_memory
from cnncalc.nn.model import EVAL_BATCH, Model, build_model
from cnncalc.nn.optim import Optimizer, make_optimizer
from cnncalc.nn.parallel import plan_for, split_work
from cnncalc.nn.settings import Settings


class TrainingDiverged(CnnCalcError):
    """The loss became NaN or infinite; the parameters are those of the last good step."""


@dataclass(frozen=True)
class EpochStats:
    epoch: int
    loss: float
    train_accuracy: float
    test_accuracy: float
    seconds: float

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
    history: list[EpochStats]
    test_accuracy: float
    steps: int
    step_seconds: list[float] = field(default_factory=list)
    stopped: str = ""  # "", "steps" or "interrupted"

    @property
    def seconds_per_step(self) -> float:
        return sum(self.step_seconds) / len(self.step_seconds) if self.step_seconds else 0.0


class Trainer:
    def __init__(self, model: Model, optimizer: Optimizer, data: Dataset, settings: Settings) -> None:
        if settings.batch_size < 1:
            raise CnnCalcError(f"{{field}} {settings.batch_size} must be at least 1", field="batch_size")
        self.model, self.optimizer, self.data, self.settings = model, optimizer, data, settings
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
        optimizer = make_optimizer(settings.optimizer, model.named_params(), settings.lr, settings.momentum)
        return cls(model, optimizer, data, settings)

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

    def train_step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, int]:
        """One optimizer step; returns the batch's mean loss and how many it classified correctly."""
        # Overflow shows up as a non-finite loss, reported below with advice; no numpy warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            logits = self.model.forward(xb, train=True)
            loss, grad = softmax_cross_entropy(logits, yb)
        if not math.isfinite(loss):
            raise TrainingDiverged(
                f"the loss became {loss} at epoch {self.epoch + 1}, step {self.step + 1}; training stopped. "
                f"Try a smaller learning rate (now {self.settings.lr:g}), e.g. {{field}} {self.settings.lr / 10:g}",
                field="lr",
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
            raise CnnCalcError(f"{{field}} {epochs} must be at least 1", field="epochs")
        if max_steps is not None and max_steps < 1:
            raise CnnCalcError(f"{{field}} {max_steps} must be at least 1", field="max_steps")
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
        if stopped or not self.history:
            test_accuracy, _ = self.evaluate()
        else:
            test_accuracy = self.history[-1].test_accuracy
        return TrainResult(list(self.history), test_accuracy, len(step_seconds), step_seconds, stopped)

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
        loss, correct = self.train_step(self.data.x_train[idx], self.data.y_train[idx])
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
        """Evaluate on the test set, record the epoch's statistics and start the next epoch."""
        start = time.perf_counter()
        test_accuracy, _ = self.evaluate()
        p = self.progress
        stats = EpochStats(
            self.epoch + 1,
            p.loss_sum / p.seen,
            p.correct / p.seen,
            test_accuracy,
            p.seconds + time.perf_counter() - start,
        )
        self.history.append(stats)
        self.epoch += 1
        self.position = 0
        self.progress = Progress()
        return stats
