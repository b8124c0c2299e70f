"""What a training run starts with: the defaults for each kind of data, and the settings of a run.

The defaults live here and nowhere else; the trainer, the checkpoints and `cnncalc train`'s
options and help all read them.

    digits (8×8, 1,438 images)   15 epochs, batch 32, Adam lr 0.002   (more, smaller steps)
    IDX data (28×28, 60,000)      5 epochs, batch 64, Adam lr 0.001   (note 000's Keras recipe)
    either                        SGD lr 0.01 (momentum 0.9 with "momentum"), RMSprop lr 0.001,
                                  AdamW weight decay 0.01, seed 0

The rest of a run's settings are off unless given (note 004 §3.4, §4.3–4.5): a validation split,
weight decay, early stopping, a learning-rate schedule, augmentation. A schedule's parameters take
PyTorch's defaults (`SCHEDULE_DEFAULTS`) when not given.

>>> s = Settings.for_data("digits")
>>> s.optimizer, s.lr, s.batch_size, s.seed, s.weight_decay, s.val_split, s.lr_schedule
('adam', 0.002, 32, 0, 0.0, 0.0, None)
>>> s = Settings.for_data("mnist", optimizer="momentum", lr_schedule="step", seed=3)
>>> s.lr, s.momentum, s.lr_step, s.lr_factor
(0.01, 0.9, 5, 0.1)

Standard library only: `cnncalc train`'s options read these defaults without loading numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from cnncalc.arith.errors import UsageError
from cnncalc.i18n import _

# The update rules (`cnncalc.nn.optim`): plain SGD, SGD with momentum, RMSprop, Adam, and Adam
# with decoupled weight decay (AdamW).
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adamw")
# Learning-rate schedules, each as PyTorch's scheduler of that kind (`cnncalc.nn.schedules`).
SCHEDULES = ("step", "cosine", "plateau")
# The schedule parameters each schedule reads, with the default each takes when not given
# (PyTorch's, except StepLR's step_size, which PyTorch requires: every 5 epochs here).
# lr_epochs' default (cosine's T_max) is the number of epochs of the run's first `run()`.
SCHEDULE_DEFAULTS: dict[str, dict[str, float | int | None]] = {
    "step": {"lr_step": 5, "lr_factor": 0.1},
    "cosine": {"lr_epochs": None, "min_lr": 0.0},
    "plateau": {"lr_factor": 0.1, "lr_patience": 10, "min_lr": 0.0},
}
SCHEDULE_FIELDS = ("lr_step", "lr_factor", "lr_patience", "lr_epochs", "min_lr")


@dataclass(frozen=True)
class TrainingDefaults:
    """The settings a run on one kind of data starts with unless it is given others."""

    epochs: int
    batch_size: int
    adam_lr: float
    sgd_lr: float = 0.01
    rmsprop_lr: float = 0.001  # Keras' default; PyTorch's 0.01 is too large for these networks
    momentum: float = 0.9  # the "momentum" optimizer's; PyTorch's own default is 0
    adamw_weight_decay: float = 0.01  # torch.optim.AdamW's default
    optimizer: str = "adam"
    seed: int = 0

    def lr(self, optimizer: str) -> float:
        """The learning rate for `optimizer`."""
        if optimizer in ("adam", "adamw"):
            return self.adam_lr
        return self.rmsprop_lr if optimizer == "rmsprop" else self.sgd_lr


DIGITS_DEFAULTS = TrainingDefaults(epochs=15, batch_size=32, adam_lr=2e-3)
IDX_DEFAULTS = TrainingDefaults(epochs=5, batch_size=64, adam_lr=1e-3)


def training_defaults(data_name: str) -> TrainingDefaults:
    """The built-in digits' defaults, or those of every other (IDX) data set."""
    return DIGITS_DEFAULTS if data_name == "digits" else IDX_DEFAULTS


@dataclass(frozen=True)
class Settings:
    """What a run was started with; stored in checkpoints so that a resume continues the same run.

    Fields left out take note 000's recipe (`IDX_DEFAULTS`) and leave every extra off;
    `for_data` picks the data's defaults and the chosen optimizer's and schedule's.

    optimizer      sgd, momentum, rmsprop, adam or adamw (`cnncalc.nn.optim`)
    momentum       μ of sgd, momentum and rmsprop (0: none); Adam's β₁ is fixed at 0.9
    weight_decay   λ: added to the gradient as λ·w (L2), or for adamw the decoupled w ← w − lr·λ·w
    val_split      the fraction of each class's training images kept aside for validation (0: none)
    early_stop     patience: stop once the validation loss has not improved for this many epochs
                   (None: never), and keep the weights of its best epoch
    lr_schedule    None, step, cosine or plateau, with lr_step, lr_factor, lr_patience, lr_epochs,
                   min_lr (`SCHEDULE_DEFAULTS`; each only with a schedule that reads it)
    augment        random shifts of the training images (`cnncalc.nn.augment`); flip: mirror them
    """

    optimizer: str = IDX_DEFAULTS.optimizer
    lr: float = IDX_DEFAULTS.adam_lr
    momentum: float = 0.0
    batch_size: int = IDX_DEFAULTS.batch_size
    seed: int = IDX_DEFAULTS.seed
    weight_decay: float = 0.0
    val_split: float = 0.0
    early_stop: int | None = None
    lr_schedule: str | None = None
    lr_step: int | None = None
    lr_factor: float | None = None
    lr_patience: int | None = None
    lr_epochs: int | None = None
    min_lr: float | None = None
    augment: bool = False
    flip: bool = False

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def for_data(cls, data_name: str, **given: str | float | int | bool | None) -> Settings:
        """The defaults that suit the data set and the chosen optimizer and schedule, overridden by
        the `given` values that are not None; checked (`check`)."""
        defaults = training_defaults(data_name)
        optimizer = str(given.get("optimizer") or defaults.optimizer)
        if optimizer in ("adam", "adamw") and given.get("momentum") is not None:
            raise UsageError(
                _(
                    "{field} {value}: {optimizer} has no momentum setting (its β₁ = 0.9 plays that part); drop "
                    "{field}, or use {field:optimizer} momentum or rmsprop"
                ),
                field="momentum",
                value=given["momentum"],
                optimizer=optimizer,
            )
        base: dict = {
            "optimizer": optimizer,
            "lr": defaults.lr(optimizer),
            "momentum": defaults.momentum if optimizer == "momentum" else 0.0,
            "batch_size": defaults.batch_size,
            "seed": defaults.seed,
            "weight_decay": defaults.adamw_weight_decay if optimizer == "adamw" else 0.0,
        }
        schedule = given.get("lr_schedule")
        if isinstance(schedule, str) and schedule in SCHEDULE_DEFAULTS:
            base.update(SCHEDULE_DEFAULTS[schedule])
        base.update({k: v for k, v in given.items() if v is not None})
        settings = cls(**base)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise a UsageError naming the field of the first value that makes no sense."""
        if self.optimizer not in OPTIMIZERS:
            raise UsageError(
                _("{field} {value!r} is not an optimizer; use {names}"),
                field="optimizer",
                value=self.optimizer,
                names=", ".join(OPTIMIZERS),
            )
        if not 0 <= self.momentum < 1:
            raise UsageError(
                _("{field} {value}: momentum must be in [0, 1), e.g. {field} 0.9"),
                field="momentum",
                value=self.momentum,
            )
        if self.optimizer == "momentum" and self.momentum == 0:
            raise UsageError(
                _(
                    "{field} 0 makes {field:optimizer} momentum plain SGD; use a momentum in (0, 1), e.g. {field} "
                    "0.9, or {field:optimizer} sgd"
                ),
                field="momentum",
            )
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise UsageError(
                _("{field} {value} must be a number ≥ 0, e.g. {field} 0.0005"),
                field="weight_decay",
                value=self.weight_decay,
            )
        if not 0 <= self.val_split < 1:
            raise UsageError(
                _(
                    "{field} {value} is the fraction of the training images kept for validation; it must be in "
                    "[0, 1), e.g. {field} 0.2"
                ),
                field="val_split",
                value=self.val_split,
            )
        if self.early_stop is not None and self.early_stop < 1:
            raise UsageError(
                _("{field} {value}: the patience must be at least 1 epoch, e.g. {field} 3"),
                field="early_stop",
                value=self.early_stop,
            )
        self._check_schedule()

    def _check_schedule(self) -> None:
        if self.lr_schedule is not None and self.lr_schedule not in SCHEDULES:
            raise UsageError(
                _("{field} {value!r} is not a schedule; use {names}"),
                field="lr_schedule",
                value=self.lr_schedule,
                names=", ".join(SCHEDULES),
            )
        reads = SCHEDULE_DEFAULTS.get(self.lr_schedule or "", {})
        for name in SCHEDULE_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if name not in reads:
                users = [s for s, d in SCHEDULE_DEFAULTS.items() if name in d]
                raise UsageError(
                    _(
                        "{field} {value} is a parameter of the {first} schedule; add {field:lr_schedule} {first}, "
                        "or drop {field}"
                    )
                    if len(users) == 1
                    else _(
                        "{field} {value} is a parameter of the {first} or {second} schedule; add "
                        "{field:lr_schedule} {first}, or drop {field}"
                    ),
                    field=name,
                    value=value,
                    first=users[0],
                    second=users[-1],
                )
        ok = {
            "lr_step": self.lr_step is None or self.lr_step >= 1,
            "lr_factor": self.lr_factor is None or 0 < self.lr_factor < 1,
            "lr_patience": self.lr_patience is None or self.lr_patience >= 0,
            "lr_epochs": self.lr_epochs is None or self.lr_epochs >= 1,
            "min_lr": self.min_lr is None or (math.isfinite(self.min_lr) and 0 <= self.min_lr < self.lr),
        }
        rule = {
            "lr_step": _("{field} {value} must be at least 1 epoch, e.g. {field} 5"),
            "lr_factor": _(
                "{field} {value} multiplies the learning rate and must be in (0, 1), e.g. {field} 0.1"
            ),
            "lr_patience": _("{field} {value} must be 0 or more epochs, e.g. {field} 3"),
            "lr_epochs": _("{field} {value} must be at least 1 epoch, e.g. {field} 10"),
            "min_lr": _("{field} {value} must be ≥ 0 and below the learning rate {lr}, e.g. {field} 0"),
        }
        for name, good in ok.items():
            if not good:
                raise UsageError(rule[name], field=name, value=getattr(self, name), lr=f"{self.lr:g}")
