"""What a training run starts with: the defaults for each kind of data, and the settings of a run.

The defaults live here and nowhere else; the trainer, the checkpoints and `cnncalc train`'s
options and help all read them.

    digits (8×8, 1,438 images)   15 epochs, batch 32, Adam lr 0.002   (more, smaller steps)
    IDX data (28×28, 60,000)      5 epochs, batch 64, Adam lr 0.001   (note 000's Keras recipe)
    either                        SGD lr 0.01, momentum 0.9, seed 0

>>> Settings.for_data("digits")
Settings(optimizer='adam', lr=0.002, momentum=0.9, batch_size=32, seed=0)
>>> Settings.for_data("mnist", optimizer="sgd", seed=3)
Settings(optimizer='sgd', lr=0.01, momentum=0.9, batch_size=64, seed=3)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingDefaults:
    """The settings a run on one kind of data starts with unless it is given others."""

    epochs: int
    batch_size: int
    adam_lr: float
    sgd_lr: float = 0.01
    momentum: float = 0.9  # SGD's; PyTorch's own default is 0, but 0.9 is what people train with
    optimizer: str = "adam"
    seed: int = 0

    def lr(self, optimizer: str) -> float:
        """The learning rate for `optimizer` ("adam" or "sgd")."""
        return self.adam_lr if optimizer == "adam" else self.sgd_lr


DIGITS_DEFAULTS = TrainingDefaults(epochs=15, batch_size=32, adam_lr=2e-3)
IDX_DEFAULTS = TrainingDefaults(epochs=5, batch_size=64, adam_lr=1e-3)


def training_defaults(data_name: str) -> TrainingDefaults:
    """The built-in digits' defaults, or those of every other (IDX) data set."""
    return DIGITS_DEFAULTS if data_name == "digits" else IDX_DEFAULTS


@dataclass(frozen=True)
class Settings:
    """What a run was started with; stored in checkpoints so that a resume continues the same run.

    Fields left out take note 000's recipe (`IDX_DEFAULTS`); `for_data` picks the data's defaults.
    """

    optimizer: str = IDX_DEFAULTS.optimizer
    lr: float = IDX_DEFAULTS.adam_lr
    momentum: float = IDX_DEFAULTS.momentum
    batch_size: int = IDX_DEFAULTS.batch_size
    seed: int = IDX_DEFAULTS.seed

    @classmethod
    def for_data(cls, data_name: str, **given: str | float | int | None) -> Settings:
        """The defaults that suit the data set, overridden by the `given` values that are not None."""
        defaults = training_defaults(data_name)
        optimizer = str(given.get("optimizer") or defaults.optimizer)
        base: dict = {
            "optimizer": optimizer,
            "lr": defaults.lr(optimizer),
            "momentum": defaults.momentum,
            "batch_size": defaults.batch_size,
            "seed": defaults.seed,
        }
        base.update({k: v for k, v in given.items() if v is not None})
        return cls(**base)
