"""Checkpoints: one `.npz` holding everything needed to continue a run exactly.

Keys (all plain arrays, so `np.load(..., allow_pickle=False)` reads them):

    format            "cnncalc-checkpoint"        version    1
    spec              the network spec text, with its input line
    meta              JSON: settings, epoch, position, step, data source, classes, history, progress
    rng               JSON: the shuffle generator, its state at the epoch's start, the dropout generator
    param:<i>.<name>  weights and biases (PyTorch layout)     buffer:<i>.<name>  BN running statistics
    opt:<key>         the optimizer's state (Adam's m, v and t; SGD's momentum buffers)

Files are written to a temporary name in the same folder and renamed into place, so a crash or
Ctrl-C never leaves half a checkpoint behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.nn.data import Dataset
from cnncalc.nn.model import Model, build_model
from cnncalc.nn.optim import make_optimizer
from cnncalc.nn.training import EpochStats, Progress, Settings, Trainer

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
    }
    rng = {
        "shuffle": trainer.shuffle_rng.bit_generator.state,
        "epoch_start": trainer.epoch_start_state,
        "dropout": model.rng.bit_generator.state,
    }
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_checkpoint(path: Path | str) -> tuple[dict[str, np.ndarray], dict, dict]:
    """The arrays, meta and RNG states of a checkpoint, or a CnnCalcError saying what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise CnnCalcError(f"checkpoint {path} does not exist; create one with `cnncalc train --save {path}`")
    try:
        # Open the file ourselves: np.load(path) leaks its handle when the zip is damaged.
        with path.open("rb") as f, np.load(f, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise CnnCalcError(
            f"{path} is not a readable cnncalc checkpoint (truncated or another kind of file: {e})"
        ) from None
    if not isinstance(arrays, dict) or str(arrays.get("format", "")) != FORMAT:
        raise CnnCalcError(
            f"{path} is not a cnncalc checkpoint (no 'format: {FORMAT}' entry); was it saved by `cnncalc train --save`?"
        )
    if int(arrays.get("version", -1)) != VERSION:
        raise CnnCalcError(
            f"{path} is checkpoint version {arrays.get('version')}; this cnncalc reads version {VERSION}"
        )
    try:
        meta = json.loads(str(arrays["meta"]))
        rng = json.loads(str(arrays["rng"]))
    except (KeyError, ValueError) as e:
        raise CnnCalcError(f"{path}: damaged checkpoint metadata ({e})") from None
    return arrays, meta, rng


def load_model(path: Path | str) -> tuple[Model, dict]:
    """The trained model of a checkpoint (for predict and show) and its metadata."""
    arrays, meta, _ = read_checkpoint(path)
    model = _restore_model(path, arrays, meta)
    return model, meta


def _restore_model(path, arrays: dict[str, np.ndarray], meta: dict) -> Model:
    settings = meta.get("settings", {})
    try:
        model = build_model(
            str(arrays["spec"]),
            tuple(meta["input_shape"]),
            len(meta["class_names"]),
            seed=settings.get("seed", 0),
        )
    except KeyError as e:
        raise CnnCalcError(f"{path}: the checkpoint lacks {e}") from None
    for kind, named in (("param", model.named_params()), ("buffer", model.named_buffers())):
        for name, target in named.items():
            stored = arrays.get(f"{kind}:{name}")
            if stored is None or stored.shape != target.shape:
                raise CnnCalcError(f"{path}: {kind} {name} is missing or has the wrong shape for its spec")
            if kind == "param":
                target[...] = stored
    model.load_buffers({k.split(":", 1)[1]: v for k, v in arrays.items() if k.startswith("buffer:")})
    return model


def resume_trainer(path: Path | str, data: Dataset) -> tuple[Trainer, dict]:
    """A trainer in exactly the state it was saved in, training on `data`."""
    arrays, meta, rng = read_checkpoint(path)
    if tuple(meta["input_shape"]) != data.input_shape:
        raise CnnCalcError(
            f"{path} was trained on {'×'.join(map(str, meta['input_shape']))} images but the data has "
            f"{'×'.join(map(str, data.input_shape))}; use the same --data as the saved run ({meta.get('data')})"
        )
    model = _restore_model(path, arrays, meta)
    settings = Settings(**meta["settings"])
    optimizer = make_optimizer(settings.optimizer, model.named_params(), settings.lr, settings.momentum)
    optimizer.load_state({k.split(":", 1)[1]: v for k, v in arrays.items() if k.startswith("opt:")})
    trainer = Trainer(model, optimizer, data, settings)
    trainer.epoch, trainer.position, trainer.step = meta["epoch"], meta["position"], meta["step"]
    trainer.history = [EpochStats(**h) for h in meta["history"]]
    trainer.progress = Progress(**meta["progress"])
    trainer.shuffle_rng.bit_generator.state = rng["shuffle"]
    trainer.epoch_start_state = rng["epoch_start"]
    model.rng.bit_generator.state = rng["dropout"]
    return trainer, meta
