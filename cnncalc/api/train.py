"""Training from Python: `train()` runs the tiny NumPy trainer exactly as `cnncalc train` does.

`start_training` sets a run up (a new network on its data, or a saved run resumed) and
`Training.run` trains it, saving a checkpoint after every epoch when asked; `cnncalc train` calls
the same two, adding its progress bar and Ctrl-C handling through `run`'s callbacks.

>>> report = train("conv 4 k=3 | relu | maxpool k=2 | flatten | fc 10", steps=5)
>>> report.steps, report.stopped
(5, 'steps')

Note 004's options are keywords too — a validation split, weight decay, early stopping, a
learning-rate schedule, augmentation (see `train`; `docs/trainer.md` has the rules):

>>> report = train(epochs=2, optimizer="adamw", val_split=0.2, early_stop=3, lr_schedule="cosine")
>>> [round(e.lr, 6) for e in report.result.history], report.trainer.settings.lr_epochs
([0.002, 0.001], 2)
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike, fspath
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from cnncalc.api.draw import Picture
from cnncalc.api.result import RichResult, for_python_caller
from cnncalc.api.sources import optional_network
from cnncalc.api.values import (
    PathArg,
    arguments,
    choice,
    flag,
    optional_number,
    optional_path,
    optional_whole,
    renamed,
    whole,
)
from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.i18n import _
from cnncalc.nn.settings import IDX_DEFAULTS

if TYPE_CHECKING:
    from rich.console import RenderableType

    from cnncalc.arith.spec import NetworkSpec
    from cnncalc.nn.checkpoint import CheckpointFile
    from cnncalc.nn.metrics import ClassMetrics
    from cnncalc.nn.training import EpochStats, Trainer, TrainResult
    from cnncalc.render.text import Styler

Optimizer = Literal["sgd", "momentum", "rmsprop", "adam", "adamw"]
OPTIMIZERS: tuple[Optimizer, ...] = ("sgd", "momentum", "rmsprop", "adam", "adamw")
Schedule = Literal["step", "cosine", "plateau"]
SCHEDULES: tuple[Schedule, ...] = ("step", "cosine", "plateau")
# What a new run starts with when not told otherwise, from the one record of training defaults
# (`cnncalc.nn.settings`; the learning rate, batch size and epochs depend on the data)
DEFAULT_OPTIMIZER = cast(Optimizer, IDX_DEFAULTS.optimizer)
DEFAULT_SEED = IDX_DEFAULTS.seed


class TrainingReport(RichResult):
    """A finished (or stopped) run: the epochs, the final test accuracy, where it was saved."""

    __slots__ = ("data", "losses", "result", "saved", "trainer")

    def __init__(
        self, trainer: Trainer, result: TrainResult, data: str, saved: Path | None, losses: list[float]
    ) -> None:
        self.trainer = trainer
        self.result = result
        self.data = data
        self.saved = saved
        self.losses = losses

    @property
    def test_accuracy(self) -> float:
        return self.result.test_accuracy

    @property
    def steps(self) -> int:
        """Optimizer steps in total (a resumed run counts the saved ones too)."""
        return self.trainer.step

    @property
    def epochs(self) -> int:
        """Completed epochs in total."""
        return self.trainer.epoch

    @property
    def stopped(self) -> str | None:
        """'steps' (stopped by `steps`), 'interrupted', 'early_stop' (the validation loss stopped
        improving), or None when the epochs ran to the end."""
        return self.result.stopped or None

    @property
    def metrics(self) -> ClassMetrics | None:
        """The test set's accuracy and per-class precision, recall and F1 at the end of the run
        (`Trainer.run` always measures them)."""
        return self.result.metrics

    def to_dict(self) -> dict[str, Any]:
        trainer, result = self.trainer, self.result
        history = [h.to_dict() for h in result.history]
        seconds = [h["seconds"] for h in history]
        stopper = trainer.early_stopping
        return {
            "data": self.data,
            "spec": trainer.model.spec_text.strip().replace("\n", " | "),
            "parameters": trainer.model.parameter_count,
            "settings": trainer.settings.to_dict(),
            "images": {
                "train": len(trainer.data.y_train),
                "validation": len(trainer.data.y_val) if trainer.data.y_val is not None else 0,
                "test": len(trainer.data.y_test),
            },
            "epochs": trainer.epoch,
            "steps": trainer.step,
            "stopped": self.stopped,
            "lr": trainer.optimizer.lr,
            "early_stop": None
            if stopper is None
            else {
                "patience": stopper.patience,
                "best_epoch": stopper.best_epoch or None,
                "best_val_loss": stopper.best_loss,
                "stopped_epoch": stopper.stopped_epoch,
            },
            "test_accuracy": result.test_accuracy,
            "test_metrics": self.metrics.to_dict() if self.metrics is not None else None,
            "history": history,
            "seconds_per_epoch": sum(seconds) / len(seconds) if seconds else None,
            "seconds_per_step": result.seconds_per_step,
            "saved": str(self.saved) if self.saved else None,
        }

    def summary(self) -> str:
        f1 = self.metrics.macro_f1 if self.metrics is not None else None
        if f1 is not None:
            said = (
                _(
                    "test accuracy {accuracy}, macro F1 {f1} after {epochs} epoch(s), {steps} steps (stopped: {stopped})"
                )
                if self.stopped
                else _("test accuracy {accuracy}, macro F1 {f1} after {epochs} epoch(s), {steps} steps")
            )
        else:
            said = (
                _("test accuracy {accuracy} after {epochs} epoch(s), {steps} steps (stopped: {stopped})")
                if self.stopped
                else _("test accuracy {accuracy} after {epochs} epoch(s), {steps} steps")
            )
        return said.format(
            accuracy=f"{self.test_accuracy:.2%}",
            f1=f"{f1:.3f}" if f1 is not None else "",
            epochs=self.epochs,
            steps=self.steps,
            stopped=self.stopped,
        )

    def renderable(self) -> RenderableType:
        from cnncalc.render.training import training_summary

        return training_summary(self.trainer, self.result, self.losses, self.saved)

    def plot(self) -> TrainingPlot:
        """The run as a picture: loss per step, accuracy per epoch, the confusion matrix."""
        from cnncalc.render.training import confusion_counts

        predicted = self.result.predicted
        if predicted is None:  # measured at the end of every run; a report built by hand may lack it
            _accuracy, predicted = self.trainer.evaluate()
        data = self.trainer.data
        counts = confusion_counts(data.y_test, predicted, len(data.class_names))
        title = _("{data}: {parameters} parameters, {summary}").format(
            data=self.data, parameters=f"{self.trainer.model.parameter_count:,}", summary=self.summary()
        )
        return TrainingPlot(
            title,
            [h.to_dict() for h in self.result.history],
            list(self.losses),
            counts,
            list(data.class_names),
        )


class TrainingPlot(Picture):
    """A run's curves and confusion matrix: `svg()` and `html()` are the files `train --plot` writes."""

    __slots__ = ("class_names", "confusion", "history", "losses", "title")

    def __init__(
        self,
        title: str,
        history: list[dict],
        losses: list[float],
        confusion: list[list[int]],
        class_names: list[str],
    ) -> None:
        self.title = title
        self.history = history
        self.losses = losses
        self.confusion = confusion
        self.class_names = class_names

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "history": self.history,
            "losses": self.losses,
            "confusion": self.confusion,
            "class_names": self.class_names,
        }

    def render(self, style: Styler, width: int) -> str:
        return self.title + "\n"

    @for_python_caller
    def svg(self) -> str:
        from cnncalc.render.training_pictures import training_plot_svg

        return training_plot_svg(self.history, self.losses, self.confusion, self.class_names, self.title)

    @for_python_caller
    def html(self) -> str:
        from cnncalc.render.page import html_page

        return html_page(self.title, self.svg().split("\n", 1)[1])


class Training:
    """A run set up and ready to train: its trainer, the data source, how long, where to save."""

    __slots__ = ("data", "epochs", "steps", "target", "trainer")

    def __init__(
        self, trainer: Trainer, data: str, epochs: int, steps: int | None, target: CheckpointFile | None
    ) -> None:
        self.trainer = trainer
        self.data = data
        self.epochs = epochs
        self.steps = steps
        self.target = target  # where checkpoints go, checked before any training

    @property
    def save(self) -> Path | None:
        return self.target.path if self.target is not None else None

    @property
    def planned_steps(self) -> int:
        """Optimizer steps this run will take: to the end of `epochs` more epochs, at most `steps`."""
        total = (self.trainer.epoch + self.epochs) * self.trainer.batches_per_epoch - self.trainer.step
        return min(total, self.steps) if self.steps else total

    def run(
        self,
        on_step: Callable[[Trainer, float], None] | None = None,
        on_epoch: Callable[[EpochStats], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> TrainingReport:
        """Train, saving after every epoch and at the end; a diverged loss keeps the last good save."""
        from cnncalc.nn.training import TrainingDiverged

        trainer, save, target = self.trainer, self.save, self.target
        losses: list[float] = []
        saved_epoch: list[int] = []

        def step_done(tr: Trainer, loss: float) -> None:
            losses.append(loss)
            if on_step is not None:
                on_step(tr, loss)

        def epoch_done(tr: Trainer, stats: EpochStats) -> None:
            if target is not None:
                target.save(tr, self.data)
                saved_epoch.append(tr.epoch)
            if on_epoch is not None:
                on_epoch(stats)

        try:
            result = trainer.run(
                self.epochs, self.steps, on_step=step_done, on_epoch=epoch_done, should_stop=should_stop
            )
        except TrainingDiverged as e:
            if save is not None and save.exists():
                raise CnnCalcError(
                    _("{error}; the last good checkpoint is kept in {path}"),
                    field=e.field,
                    error=e.template,
                    path=save,
                ) from None
            raise CnnCalcError(e.template, field=e.field) from None
        if target is not None and (result.stopped or saved_epoch[-1:] != [trainer.epoch]):
            target.save(trainer, self.data)
        return TrainingReport(trainer, result, self.data, save, losses)


def start_training(
    spec: str | None = None,
    *,
    file: PathArg | None = None,
    preset: str | None = None,
    data: str | PathLike[str] | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    optimizer: Optimizer = DEFAULT_OPTIMIZER,
    momentum: float | None = None,
    weight_decay: float | None = None,
    val_split: float | None = None,
    early_stop: int | None = None,
    lr_schedule: Schedule | None = None,
    lr_step: int | None = None,
    lr_factor: float | None = None,
    lr_patience: int | None = None,
    lr_epochs: int | None = None,
    min_lr: float | None = None,
    augment: bool = False,
    flip: bool = False,
    seed: int = DEFAULT_SEED,
    steps: int | None = None,
    save: PathArg | None = None,
    resume: PathArg | None = None,
) -> Training:
    """A run set up as `train` takes it, not yet trained (see `train` for the arguments)."""
    settings = {
        "batch_size": optional_whole(batch_size, "batch_size", minimum=1),
        "lr": optional_number(lr, "lr", "0.001"),
        "optimizer": choice(optimizer, "optimizer", OPTIMIZERS),
        "momentum": optional_number(momentum, "momentum", "0.9"),
        "weight_decay": optional_number(weight_decay, "weight_decay", "0.0005"),
        "val_split": optional_number(val_split, "val_split", "0.2"),
        "early_stop": optional_whole(early_stop, "early_stop", minimum=1),
        "lr_schedule": None if lr_schedule is None else choice(lr_schedule, "lr_schedule", SCHEDULES),
        "lr_step": optional_whole(lr_step, "lr_step", minimum=1),
        "lr_factor": optional_number(lr_factor, "lr_factor"),
        "lr_patience": optional_whole(lr_patience, "lr_patience", minimum=0),
        "lr_epochs": optional_whole(lr_epochs, "lr_epochs", minimum=1),
        "min_lr": optional_number(min_lr, "min_lr"),
        "augment": flag(augment, "augment"),
        "flip": flag(flip, "flip"),
        "seed": whole(seed, "seed", minimum=0),
    }
    count = optional_whole(epochs, "epochs", minimum=1)
    limit = optional_whole(steps, "steps", minimum=1)
    save_to = optional_path(save, "save")
    saved = optional_path(resume, "resume")
    data = _data_name(data)
    with renamed("source", "data"):  # the loader's name for what the caller gave as data
        return _started(spec, file, preset, data, settings, count, limit, save_to, saved)


def _data_name(data: object) -> str | None:
    """The data as its name or folder (a `Path` to a folder of IDX files is its text)."""
    if isinstance(data, PathLike):
        data = fspath(data)
    if data is not None and not isinstance(data, str):
        raise UsageError(
            _(
                "{field} {value!r} is not a dataset; give digits, mnist, fashion-mnist or a folder of IDX files"
            ),
            field="data",
            value=data,
        )
    return data


def _started(
    spec: str | None,
    file: PathArg | None,
    preset: str | None,
    data: str | None,
    settings: dict[str, Any],
    count: int | None,
    limit: int | None,
    save_to: Path | None,
    saved: Path | None,
) -> Training:
    """The run set up from checked arguments: resumed from `saved`, or a new network on its data."""
    from cnncalc.nn.checkpoint import CheckpointFile, read_checkpoint, resume_trainer
    from cnncalc.nn.data import check_source, load_dataset
    from cnncalc.nn.optim import check_hyperparameters
    from cnncalc.nn.settings import Settings, training_defaults
    from cnncalc.nn.training import Trainer
    from cnncalc.safety.atomic import ANY, Snapshot

    if data is not None:
        check_source(data)  # before anything is read: an empty name never means the default
    if saved is not None:
        _refuse_changes_on_resume(spec is not None or file is not None or preset is not None, settings)
        seen = Snapshot.of(saved)  # before reading: a save by another run after this is noticed
        checkpoint = read_checkpoint(saved)
        # the save path is checked here, before any training: a bad one never costs a run
        target = CheckpointFile(save_to or saved, seen if save_to is None or save_to == saved else ANY)
        source = data if data is not None else checkpoint[1]["data"]
        trainer, _meta = resume_trainer(saved, load_dataset(source), checkpoint)
    else:
        check_hyperparameters(settings["lr"], settings["momentum"], settings["weight_decay"])
        source = data if data is not None else "digits"
        # checked before the data is loaded: the defaults depend only on whether it is the digits
        chosen = Settings.for_data(source, **settings)
        target = CheckpointFile(save_to) if save_to is not None else None
        dataset = load_dataset(source)
        found = optional_network(spec, file, preset)
        network = found.spec if found is not None else _default_spec(dataset.name)
        trainer = Trainer.create(network, dataset, chosen)
    if count is None:
        count = training_defaults(trainer.data.name).epochs
    return Training(trainer, source, count, limit, target)


def _refuse_changes_on_resume(network_given: bool, settings: dict[str, Any]) -> None:
    """A resumed run continues with its own network and settings: refuse any that would be ignored."""
    if network_given:
        raise UsageError(
            _(
                "{field:resume} continues the saved network; do not give {field:spec}, {field:file} or "
                "{field:preset} with it"
            )
        )
    # every setting but these is None when not given
    defaults = {"optimizer": DEFAULT_OPTIMIZER, "seed": DEFAULT_SEED, "augment": False, "flip": False}
    changed = [name for name, value in settings.items() if value != defaults.get(name)]
    if changed:
        raise UsageError(
            _(
                "{field:resume} continues with the saved run's own settings, so that resuming is exact; drop "
                "{names} (or start a new run without {field:resume})"
            ),
            names=", ".join("{field:" + name + "}" for name in changed),
        )


def _default_spec(data_name: str) -> NetworkSpec:
    """digits: the small default CNN; anything else: note 000's Keras model, sized by the data."""
    from dataclasses import replace

    from cnncalc.arith.spec import parse_spec
    from cnncalc.nn.defaults import DIGITS_SPEC, KERAS_MNIST_SPEC

    if data_name == "digits":
        return parse_spec(DIGITS_SPEC)
    return replace(parse_spec(KERAS_MNIST_SPEC), input_shape=None)


@arguments
def train(
    spec: str | None = None,
    *,
    file: PathArg | None = None,
    preset: str | None = None,
    data: str | PathLike[str] | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    optimizer: Optimizer = DEFAULT_OPTIMIZER,
    momentum: float | None = None,
    weight_decay: float | None = None,
    val_split: float | None = None,
    early_stop: int | None = None,
    lr_schedule: Schedule | None = None,
    lr_step: int | None = None,
    lr_factor: float | None = None,
    lr_patience: int | None = None,
    lr_epochs: int | None = None,
    min_lr: float | None = None,
    augment: bool = False,
    flip: bool = False,
    seed: int = DEFAULT_SEED,
    steps: int | None = None,
    save: PathArg | None = None,
    resume: PathArg | None = None,
) -> TrainingReport:
    """Train a CNN with the tiny NumPy trainer: `cnncalc train`.

    The network is a spec, a `file` or a `preset` (default: a small CNN for the built-in 8×8
    `data="digits"`; `"mnist"`, `"fashion-mnist"` are downloaded once, or a folder of IDX files).
    `epochs` (digits: 15, others: 5), `batch_size` (32, 64) and `lr` (Adam, AdamW: 0.002 on digits,
    0.001 otherwise; SGD 0.01; RMSprop 0.001) default by the data; `steps` stops after that many
    optimizer steps. `save` writes a checkpoint (.npz) after every epoch and at the end; `resume`
    continues a saved run for `epochs` more, exactly as if it had never stopped (with every option).

    Note 004's options (each off unless given; `cnncalc.nn.settings.Settings` has them all):

    - `optimizer`: "sgd" (plain), "momentum" (`momentum` 0.9), "rmsprop", "adam", "adamw";
      `weight_decay` λ adds λ·w to the gradient (L2), or for "adamw" (default 0.01) shrinks the
      weights by lr·λ each step.
    - `val_split`: the fraction of each class's training images set aside for validation; each
      epoch is then reported on them, and the test set only at the end. `early_stop` N: stop once
      the validation loss has not improved for N epochs, keeping the best epoch's weights.
    - `lr_schedule`: "step" (×`lr_factor` every `lr_step` epochs), "cosine" (to `min_lr` over
      `lr_epochs`, default this run's epochs), "plateau" (×`lr_factor` once the validation loss has
      not improved for more than `lr_patience` epochs), as PyTorch's schedulers.
    - `augment`: random shifts of a tenth of the image; `flip`: mirrored images (not for digits).

    The report has the test set's per-class precision, recall and F1 (`report.metrics`).
    """
    return start_training(
        spec,
        file=file,
        preset=preset,
        data=data,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        momentum=momentum,
        weight_decay=weight_decay,
        val_split=val_split,
        early_stop=early_stop,
        lr_schedule=lr_schedule,
        lr_step=lr_step,
        lr_factor=lr_factor,
        lr_patience=lr_patience,
        lr_epochs=lr_epochs,
        min_lr=min_lr,
        augment=augment,
        flip=flip,
        seed=seed,
        steps=steps,
        save=save,
        resume=resume,
    ).run()
