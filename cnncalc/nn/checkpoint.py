"""Checkpoints: one `.npz` holding everything needed to continue a run exactly.

Keys (all plain arrays, so `np.load(..., allow_pickle=False)` reads them):

    format            "cnncalc-checkpoint"        version    1
    spec              the network spec text, with its input line
    meta              JSON: settings, epoch, position, step, data source, classes, history, progress,
                      and with those settings: the schedule's state (the current learning rate
                      with it) and early stopping's (best loss, best epoch, epochs since, stopped)
    rng               JSON: the shuffle generator, its state at the epoch's start, the dropout generator
                      (and the augmentation generator when the run augments)
    param:<i>.<name>  weights and biases (PyTorch layout)     buffer:<i>.<name>  BN running statistics
    opt:<key>         the optimizer's state (Adam's m, v and t; SGD's momentum buffers; RMSprop's
                      square averages)
    best:param:…, best:buffer:…    early stopping: the weights of the best epoch so far

A validation split is not stored: the settings' seed and fraction carve the same one again.

Files are written to a temporary name in the same folder and renamed into place, so a crash or
Ctrl-C never leaves half a checkpoint behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.nn.data import Dataset
from cnncalc.nn.model import Model, build_model
from cnncalc.nn.training import EpochStats, Progress, Settings, Trainer, optimizer_for

FORMAT = "cnncalc-checkpoint"
VERSION = 1


def save_checkpoint(path: Path | str, trainer: Trainer, data_source: str) -> None:
    """Write the trainer's complete state to `path` atomically."""
    path = Path(path)
    model = trainer.model
    meta = {
        "settings": asdict(trainer.settings),
        "epoch": trainer.epoch,
        "position": trainer.position,
        "step": trainer.step,
        "data": data_source,
        "input_shape": list(model.input_shape),
        "class_names": list(trainer.data.class_names),
        "history": [h.to_dict() for h in trainer.history],
        "progress": asdict(trainer.progress),
        "schedule": trainer.schedule.state() if trainer.schedule is not None else None,
    }
    rng = {
        "shuffle": trainer.shuffle_rng.bit_generator.state,
        "epoch_start": trainer.epoch_start_state,
        "dropout": model.rng.bit_generator.state,
    }
    if trainer.augmenter is not None:
        rng["augment"] = trainer.augmenter.rng.bit_generator.state
    best: dict[str, np.ndarray] = {}
    if trainer.early_stopping is not None:
        meta["early_stop"], best = trainer.early_stopping.state()
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT),
        "version": np.array(VERSION),
        "spec": np.array(model.spec_text),
        "meta": np.array(json.dumps(meta)),
        "rng": np.array(json.dumps(rng)),
    }
    arrays.update({f"param:{k}": v for k, v in model.named_params().items()})
    arrays.update({f"buffer:{k}": v for k, v in model.named_buffers().items()})
    arrays.update({f"opt:{k}": v for k, v in trainer.optimizer.state().items()})
    arrays.update({f"best:{k}": v for k, v in best.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _damaged(path: Path | str, detail: str) -> CnnCalcError:
    return CnnCalcError(
        f"{path} is a damaged checkpoint: {detail}; train again with {{field}} {path}", field="save"
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_record(value: object) -> bool:
    """An object of numbers, as Progress is saved."""
    return isinstance(value, dict) and all(_is_number(v) for v in value.values())


def _is_epoch(value: object) -> bool:
    """An object of numbers or nulls, as EpochStats are saved (a run with a validation set has
    no test accuracy per epoch, one without has no validation loss)."""
    return isinstance(value, dict) and all(v is None or _is_number(v) for v in value.values())


def _is_optional(check: Callable[[object], bool]) -> Callable[[object], bool]:
    return lambda v: v is None or check(v)


# The meta entries every checkpoint has, and what each must be.
_META_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "settings": (lambda v: isinstance(v, dict), "an object"),
    "epoch": (lambda v: _is_int(v) and v >= 0, "a whole number ≥ 0"),
    "position": (lambda v: _is_int(v) and v >= 0, "a whole number ≥ 0"),
    "step": (lambda v: _is_int(v) and v >= 0, "a whole number ≥ 0"),
    "data": (lambda v: isinstance(v, str) and v != "", "a data source name"),
    "input_shape": (
        lambda v: isinstance(v, list) and len(v) in (2, 3) and all(_is_int(d) and d >= 1 for d in v),
        "a list of 2 or 3 sizes ≥ 1",
    ),
    "class_names": (
        lambda v: isinstance(v, list) and len(v) >= 1 and all(isinstance(n, str) for n in v),
        "a list of class names",
    ),
    "history": (
        lambda v: isinstance(v, list) and all(_is_epoch(h) for h in v),
        "a list of records of numbers",
    ),
    "progress": (_is_record, "a record of numbers"),
}
_SETTINGS_TYPES: dict[str, Callable[[object], bool]] = {
    "optimizer": lambda v: isinstance(v, str),
    "lr": _is_number,
    "momentum": _is_number,
    "batch_size": lambda v: _is_int(v) and v >= 1,
    "seed": lambda v: _is_int(v) and v >= 0,
    "weight_decay": _is_number,
    "val_split": _is_number,
    "early_stop": _is_optional(_is_int),
    "lr_schedule": _is_optional(lambda v: isinstance(v, str)),
    "lr_step": _is_optional(_is_int),
    "lr_factor": _is_optional(_is_number),
    "lr_patience": _is_optional(_is_int),
    "lr_epochs": _is_optional(_is_int),
    "min_lr": _is_optional(_is_number),
    "augment": lambda v: isinstance(v, bool),
    "flip": lambda v: isinstance(v, bool),
}
# Entries of meta that only runs with some settings have (older checkpoints have none of them).
_OPTIONAL_META: dict[str, Callable[[object], bool]] = {
    "schedule": _is_optional(lambda v: isinstance(v, dict) and _is_epoch(v)),
    "early_stop": lambda v: isinstance(v, dict) and _is_epoch(v),
}
_RNG_KEYS = ("shuffle", "epoch_start", "dropout")


def _check_meta(path: Path | str, meta: object, rng: object) -> None:
    """Raise a 'damaged checkpoint' error unless meta and rng have every entry, of the right type."""
    if not isinstance(meta, dict):
        raise _damaged(path, f"its meta entry is {type(meta).__name__}, not an object")
    for key, (ok, what) in _META_CHECKS.items():
        if key not in meta:
            raise _damaged(path, f"meta has no {key!r} entry")
        if not ok(meta[key]):
            raise _damaged(path, f"meta {key!r} is {meta[key]!r}, not {what}")
    for key, ok in _OPTIONAL_META.items():
        if key in meta and not ok(meta[key]):
            raise _damaged(path, f"meta {key!r} is {meta[key]!r}, not a record of numbers")
    settings = meta["settings"]
    unknown = sorted(set(settings) - set(_SETTINGS_TYPES))
    if unknown:
        raise _damaged(path, f"unknown settings {', '.join(map(repr, unknown))}")
    for key, ok in _SETTINGS_TYPES.items():
        if key in settings and not ok(settings[key]):
            raise _damaged(path, f"setting {key!r} is {settings[key]!r}")
    if not isinstance(rng, dict):
        raise _damaged(path, f"its rng entry is {type(rng).__name__}, not an object")
    for key in _RNG_KEYS:
        if not isinstance(rng.get(key), dict):
            raise _damaged(path, f"rng {key!r} is missing or not a generator state")
    if "augment" in rng and not isinstance(rng["augment"], dict):
        raise _damaged(path, "rng 'augment' is not a generator state")


def read_checkpoint(path: Path | str) -> tuple[dict[str, np.ndarray], dict, dict]:
    """The arrays, meta and RNG states of a checkpoint, or a CnnCalcError saying what is wrong with it.

    Meta and RNG entries are checked for presence and type, so later code can trust them.
    """
    path = Path(path)
    if not path.is_file():
        raise CnnCalcError(
            f"checkpoint {path} does not exist; create one by training with {{field}} {path}", field="save"
        )
    try:
        # Open the file ourselves: np.load(path) leaks its handle when the zip is damaged.
        with path.open("rb") as f, np.load(f, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise CnnCalcError(
            f"{path} is not a readable cnncalc checkpoint (truncated or another kind of file: {e})"
        ) from None
    if str(arrays.get("format", "")) != FORMAT:
        raise CnnCalcError(
            f"{path} is not a cnncalc checkpoint (no 'format: {FORMAT}' entry); was it saved by the trainer?"
        )
    version = arrays.get("version")
    if version is None or version.shape != () or version.dtype.kind not in "iu":
        raise _damaged(path, f"its version entry is {version!r}, not a whole number")
    if int(version) != VERSION:
        raise CnnCalcError(
            f"{path} is checkpoint version {int(version)}; this cnncalc reads version {VERSION}"
        )
    try:
        meta = json.loads(str(arrays["meta"]))
        rng = json.loads(str(arrays["rng"]))
    except (KeyError, ValueError) as e:
        raise _damaged(path, f"unreadable metadata ({e})") from None
    _check_meta(path, meta, rng)
    return arrays, meta, rng


def load_model(path: Path | str) -> tuple[Model, dict]:
    """The trained model of a checkpoint (for predict and show) and its metadata."""
    arrays, meta, _ = read_checkpoint(path)
    model = _restore_model(path, arrays, meta)
    return model, meta


def _restore_model(path, arrays: dict[str, np.ndarray], meta: dict) -> Model:
    if "spec" not in arrays:
        raise _damaged(path, "it has no spec entry")
    model = build_model(
        str(arrays["spec"]),
        tuple(meta["input_shape"]),
        len(meta["class_names"]),
        seed=meta["settings"].get("seed", 0),
    )
    for kind, named in (("param", model.named_params()), ("buffer", model.named_buffers())):
        for name, target in named.items():
            stored = arrays.get(f"{kind}:{name}")
            if stored is None or stored.shape != target.shape or stored.dtype.kind not in "iuf":
                raise _damaged(path, f"{kind} {name} is missing or has the wrong shape or type for its spec")
            if kind == "param":
                target[...] = stored
    model.load_buffers({k.split(":", 1)[1]: v for k, v in arrays.items() if k.startswith("buffer:")})
    return model


def resume_trainer(
    path: Path | str, data: Dataset, checkpoint: tuple[dict[str, np.ndarray], dict, dict] | None = None
) -> tuple[Trainer, dict]:
    """A trainer in exactly the state it was saved in, training on `data`.

    `checkpoint` is `read_checkpoint(path)` when the caller has already read it (to find its data).
    """
    arrays, meta, rng = checkpoint or read_checkpoint(path)
    if tuple(meta["input_shape"]) != data.input_shape:
        raise CnnCalcError(
            f"{path} was trained on {'×'.join(map(str, meta['input_shape']))} images but the data has "
            f"{'×'.join(map(str, data.input_shape))}; use the same {{field}} as the saved run ({meta.get('data')})",
            field="data",
        )
    model = _restore_model(path, arrays, meta)
    settings = Settings(**meta["settings"])
    try:
        settings.check()
    except CnnCalcError as e:
        raise _damaged(path, f"its settings do not hold ({e})") from None
    trainer = Trainer(model, optimizer_for(settings, model), data, settings)
    # Every value below was type-checked by read_checkpoint; what can still be wrong is a missing
    # optimizer entry, a history or progress record with other fields, a foreign generator state,
    # or a schedule, early-stopping or augmentation state that the settings call for but is not there.
    try:
        trainer.optimizer.load_state(
            {k.split(":", 1)[1]: v for k, v in arrays.items() if k.startswith("opt:")}
        )
        trainer.history = [EpochStats(**h) for h in meta["history"]]
        trainer.progress = Progress(**meta["progress"])
        trainer.shuffle_rng.bit_generator.state = rng["shuffle"]
        # Checked now on a scratch generator: the trainer applies it only when it replays the epoch.
        type(trainer.shuffle_rng.bit_generator)().state = rng["epoch_start"]
        model.rng.bit_generator.state = rng["dropout"]
        if trainer.schedule is not None:
            trainer.schedule.load_state(meta["schedule"])
        if trainer.early_stopping is not None:
            best = {k.split(":", 1)[1]: v for k, v in arrays.items() if k.startswith("best:")}
            trainer.early_stopping.load_state(meta["early_stop"], best, model)
        if trainer.augmenter is not None:
            trainer.augmenter.rng.bit_generator.state = rng["augment"]
    except (KeyError, TypeError, ValueError) as e:
        raise _damaged(path, f"its training state does not load ({type(e).__name__}: {e})") from None
    trainer.epoch_start_state = rng["epoch_start"]
    trainer.epoch, trainer.position, trainer.step = meta["epoch"], meta["position"], meta["step"]
    if trainer.position >= trainer.batches_per_epoch or (trainer.position and trainer.progress.seen < 1):
        raise _damaged(
            path, f"it stopped at batch {trainer.position} of an epoch of {trainer.batches_per_epoch}"
        )
    return trainer, meta
