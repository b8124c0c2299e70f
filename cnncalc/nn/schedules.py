"""Learning-rate schedules with PyTorch's semantics: StepLR, CosineAnnealingLR, ReduceLROnPlateau.

A schedule is stepped once at the end of every epoch (after the validation pass, as PyTorch's
examples do) and sets the optimizer's `lr` for the next one. Epoch e = 1, 2, … has just ended:

    step      every `step_size` epochs  lr ← γ·lr                 (StepLR; lr₀·γ^⌊e/step_size⌋)
    cosine    lr ← η_min + (lr − η_min)·(1 + cos(π·e/T))/(1 + cos(π·(e − 1)/T))
              which follows η_min + (lr₀ − η_min)·(1 + cos(π·e/T))/2 down to η_min at e = T
              (CosineAnnealingLR's recursive form; past T it rises again, as PyTorch's does)
    plateau   when the watched loss has not fallen below best·(1 − 10⁻⁴) for more than
              `patience` epochs: lr ← max(factor·lr, min_lr)              (ReduceLROnPlateau)

The updates are PyTorch's recursive ones (not the closed forms), so the rates agree with
PyTorch's to the last bit or two. Each schedule's state is a small JSON-able dict (for checkpoints).

>>> from cnncalc.nn.optim import SGD
>>> import numpy as np
>>> opt = SGD({"w": np.zeros(1)}, lr=0.1)
>>> schedule = StepLR(opt, step_size=2, gamma=0.5)
>>> rates = []
>>> for epoch in range(5):
...     rates.append(opt.lr)
...     schedule.step(0.0)
>>> rates
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

import math

from cnncalc.arith.errors import CnnCalcError
from cnncalc.i18n import _
from cnncalc.nn.optim import Optimizer
from cnncalc.nn.settings import SCHEDULE_DEFAULTS, Settings


class Schedule:
    """Sets `optimizer.lr` after every epoch; `lr₀` is the rate the optimizer had at the start."""

    name = "schedule"

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0  # epochs stepped

    def step(self, loss: float) -> None:
        """The epoch has ended with this loss (only `plateau` reads it); set the next epoch's rate."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr(self.optimizer.lr, loss)

    def _next_lr(self, lr: float, loss: float) -> float:
        raise NotImplementedError

    def state(self) -> dict:
        """What a checkpoint keeps: with the optimizer's current `lr`, the schedule continues exactly."""
        return {"lr": self.optimizer.lr, "base_lr": self.base_lr, "last_epoch": self.last_epoch}

    def load_state(self, state: dict) -> None:
        self.optimizer.lr = float(state["lr"])
        self.base_lr = float(state["base_lr"])
        self.last_epoch = int(state["last_epoch"])


class StepLR(Schedule):
    """lr ← γ·lr after every `step_size`-th epoch (torch.optim.lr_scheduler.StepLR)."""

    name = "step"

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size, self.gamma = step_size, gamma

    def _next_lr(self, lr: float, loss: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


class CosineAnnealingLR(Schedule):
    """Half a cosine from lr₀ down to η_min over `t_max` epochs (torch's CosineAnnealingLR)."""

    name = "cosine"

    def __init__(self, optimizer: Optimizer, t_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer)
        self.t_max, self.eta_min = t_max, eta_min

    def _next_lr(self, lr: float, loss: float) -> float:
        e, t, low = self.last_epoch, self.t_max, self.eta_min
        if (e - 1 - t) % (2 * t) == 0:  # the bottom was the last epoch: the cosine turns up again
            return lr + (self.base_lr - low) * (1 - math.cos(math.pi / t)) / 2
        return (1 + math.cos(math.pi * e / t)) / (1 + math.cos(math.pi * (e - 1) / t)) * (lr - low) + low


class ReduceLROnPlateau(Schedule):
    """lr ← max(factor·lr, min_lr) once the loss has not improved (fallen below best·(1 − threshold))
    for more than `patience` epochs; the count then starts again (torch's ReduceLROnPlateau, mode
    "min", threshold_mode "rel", no cooldown). A change smaller than `eps` is not made."""

    name = "plateau"

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 0.1,
        patience: int = 10,
        min_lr: float = 0.0,
        threshold: float = 1e-4,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(optimizer)
        self.factor, self.patience, self.min_lr = factor, patience, min_lr
        self.threshold, self.eps = threshold, eps
        self.best = math.inf
        self.bad_epochs = 0

    def _next_lr(self, lr: float, loss: float) -> float:
        if loss < self.best * (1 - self.threshold):
            self.best, self.bad_epochs = loss, 0
        else:
            self.bad_epochs += 1
        if self.bad_epochs > self.patience:
            self.bad_epochs = 0
            reduced = max(lr * self.factor, self.min_lr)
            if lr - reduced > self.eps:
                return reduced
        return lr

    def state(self) -> dict:
        # JSON has no infinity: None stands for "no loss seen yet"
        best = None if math.isinf(self.best) else self.best
        return {**super().state(), "best": best, "bad_epochs": self.bad_epochs}

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self.best = math.inf if state["best"] is None else float(state["best"])
        self.bad_epochs = int(state["bad_epochs"])


def make_schedule(settings: Settings, optimizer: Optimizer) -> Schedule | None:
    """The schedule `settings` asks for, on `optimizer`; None without one. Parameters not given
    take `SCHEDULE_DEFAULTS`; cosine needs `lr_epochs` (the trainer sets it to its first run's
    epochs when it is not given)."""
    kind = settings.lr_schedule
    if kind is None:
        return None
    defaults = SCHEDULE_DEFAULTS[kind]

    def value(name: str) -> float | int:
        given = getattr(settings, name)
        return given if given is not None else defaults[name]  # type: ignore[return-value]

    if kind == "step":
        return StepLR(optimizer, int(value("lr_step")), float(value("lr_factor")))
    if kind == "cosine":
        if settings.lr_epochs is None:
            raise CnnCalcError(
                _("the cosine schedule needs {field}, the epochs to anneal over, e.g. {field} 15"),
                field="lr_epochs",
            )
        return CosineAnnealingLR(optimizer, settings.lr_epochs, float(value("min_lr")))
    return ReduceLROnPlateau(
        optimizer, float(value("lr_factor")), int(value("lr_patience")), float(value("min_lr"))
    )
