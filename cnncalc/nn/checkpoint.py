"""Checkpoints: one `.npz` holding everything needed to continue a run exactly.

Keys (all plain arrays, so `np.load(..., allow_pickle=False)` reads them):

    format            "cnncalc-checkpoint"        version    3 (1 and 2 are read too)
    spec              the network spec text, with its input line
    meta              JSON: settings, epoch, position, step, data source, classes, history, progress,
                      and with those settings: the schedule's state (the current learning rate
                      with it) and early stopping's (best loss, best epoch, epochs since, stopped);
                      the data trained on: "dataset", its fingerprint and image counts
    rng               JSON: the shuffle generator, its state at the epoch's start, the dropout generator
                      (and the augmentation generator when the run augments)
    param:<id>.<name> weights and biases (PyTorch layout)     buffer:<id>.<name> BN running statistics
    opt:<key>         the optimizer's state (Adam's m, v and t; SGD's momentum buffers; RMSprop's
                      square averages)
    best:param:…, best:buffer:…    early stopping: the weights of the best epoch so far

A validation split is not stored: the settings' seed and fraction carve the same one again.

A run is resumed only on the data it trained on: meta's "dataset" is the SHA-256 of that data's
contents (`Dataset.fingerprint`, after the validation split) with its image counts, and data of
another fingerprint is refused, whatever its name, naming both. It is an optional entry (a cnncalc
that does not know it reads the file as before, so the version stays 3); a checkpoint saved
without it has only the data's name, and is resumed only on data of that name or folder.

Parameters are named by the node id of their layer (`param:3.weight`, `param:5.1.2.weight`), which
depends only on the spec. Version 1 named them by the layer's index in the model (`param:2.weight`
for the third layer, counting an implicit flatten); version 1 checkpoints (chains: nothing else
trained then) still load, their names translated. Version 3 is version 2 with the training
options' state (validation split, schedule, early stopping, augmentation, the optimizers beyond
Adam and SGD): a cnncalc that reads only versions 1 and 2 refuses such a file as too new, naming
the versions it reads, instead of calling settings it has never heard of damaged. Version 2 files,
with or without that state, load as they are.

Files are saved with `cnncalc.safety.atomic` (a temporary name in the same folder, renamed into
place), so a crash, Ctrl-C or SIGTERM never leaves half a checkpoint behind. A run saves through a
`CheckpointFile`, which checks the path before training starts and notices when another run has
saved to the same file since: it then leaves that file alone and saves beside it.

Reading checks every entry from its zip and `.npy` headers (size, dtype, shape) before anything
is decompressed or allocated, refuses pickled objects and non-finite weights, and bounds the whole
file (`cnncalc.safety.limits`).
"""

from __future__ import annotations

import json
import math
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.network import walk
from cnncalc.arith.spec import parse_spec
from cnncalc.i18n import N_, _, translated
from cnncalc.nn.data import Dataset, highest_label, images_text
from cnncalc.nn.model import Model, build_model
from cnncalc.nn.settings import Settings
from cnncalc.nn.training import EpochStats, Progress, Trainer, optimizer_for
from cnncalc.safety.atomic import ANY, ChangedOnDisk, Snapshot, atomic_write, check_writable
from cnncalc.safety.bounded import size_text
from cnncalc.safety.limits import MAX_CHECKPOINT_BYTES, MAX_CHECKPOINT_ENTRIES

FORMAT = "cnncalc-checkpoint"
VERSION = 3
# Version 1 named parameters by layer index; it is read by translating the names (`_index_names`).
# Version 2 is version 3 without the guarantee that a reader knows every training option.
READABLE_VERSIONS = (1, 2, 3)


def save_checkpoint(
    path: Path | str, trainer: Trainer, data_source: str, expect: Snapshot | None | object = ANY
) -> Snapshot | None:
    """Write the trainer's complete state to `path` atomically; returns the saved file's snapshot.

    `expect`: what the caller last saw at `path` (see `cnncalc.safety.atomic`); a file changed
    since is not overwritten (`ChangedOnDisk`).
    """
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
        "dataset": _dataset_record(trainer.data),
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
    with atomic_write(path, field="save", expect=expect, make_parents=True) as saving:  # type: ignore[arg-type]
        np.savez(saving.file, **arrays)
    return saving.snapshot


class CheckpointFile:
    """Where a run saves its checkpoints, and what it last saw there.

    The path is checked when this is made, before any training. Each save expects the file as
    this run last read or wrote it: if another run has saved to it since, that file is left as it
    is, this run's state is saved beside it (`digits.1.npz`) and a CnnCalcError says so.
    """

    def __init__(self, path: Path | str, seen: Snapshot | None | object = ANY) -> None:
        self.path = Path(path)
        check_writable(self.path, field="save", make_parents=True)
        self.seen = Snapshot.of(self.path) if seen is ANY else seen

    def save(self, trainer: Trainer, data_source: str) -> None:
        try:
            self.seen = save_checkpoint(self.path, trainer, data_source, expect=self.seen)
        except ChangedOnDisk:
            kept = self._save_beside(trainer, data_source)
            raise CnnCalcError(
                _(
                    "{path} changed since this run last read or wrote it: another run saved to it. It was left "
                    "as it is, and this run (epoch {epoch}, step {step}) is saved to {kept}; resume whichever "
                    "run should go on"
                ),
                path=self.path,
                epoch=trainer.epoch,
                step=trainer.step,
                kept=kept,
            ) from None

    def _save_beside(self, trainer: Trainer, data_source: str) -> Path:
        for n in range(1, 1000):
            beside = self.path.with_name(f"{self.path.stem}.{n}{self.path.suffix}")
            try:
                save_checkpoint(beside, trainer, data_source, expect=None)
                return beside
            except ChangedOnDisk:
                continue
        raise CnnCalcError(_("{path}: no free name beside it to save this run to"), path=self.path)


def _damaged(path: Path | str, detail: str) -> CnnCalcError:
    return CnnCalcError(
        _("{path} is a damaged checkpoint: {detail}; train again with {field} {path}"),
        field="save",
        path=path,
        detail=detail,
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
    "settings": (lambda v: isinstance(v, dict), N_("an object")),
    "epoch": (lambda v: _is_int(v) and v >= 0, N_("a whole number ≥ 0")),
    "position": (lambda v: _is_int(v) and v >= 0, N_("a whole number ≥ 0")),
    "step": (lambda v: _is_int(v) and v >= 0, N_("a whole number ≥ 0")),
    "data": (lambda v: isinstance(v, str) and v != "", N_("a data source name")),
    "input_shape": (
        lambda v: isinstance(v, list) and len(v) in (2, 3) and all(_is_int(d) and d >= 1 for d in v),
        N_("a list of 2 or 3 sizes ≥ 1"),
    ),
    "class_names": (
        lambda v: isinstance(v, list) and len(v) >= 1 and all(isinstance(n, str) for n in v),
        N_("a list of class names"),
    ),
    "history": (
        lambda v: isinstance(v, list) and all(_is_epoch(h) for h in v),
        N_("a list of records of numbers"),
    ),
    "progress": (_is_record, N_("a record of numbers")),
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


def _is_dataset_record(value: object) -> bool:
    """{"sha256": 64 hex digits, "train": n, "test": n}, as `_dataset_record` writes it."""
    return (
        isinstance(value, dict)
        and set(value) == {"sha256", "train", "test"}
        and isinstance(value["sha256"], str)
        and len(value["sha256"]) == 64
        and all(c in "0123456789abcdef" for c in value["sha256"])
        and all(_is_int(value[k]) and value[k] >= 0 for k in ("train", "test"))
    )


# Entries of meta that only some checkpoints have: runs with some settings (older checkpoints
# have none of them), and the record of the data trained on (checkpoints saved before it was kept
# have none).
_OPTIONAL_META: dict[str, Callable[[object], bool]] = {
    "schedule": _is_optional(lambda v: isinstance(v, dict) and _is_epoch(v)),
    "early_stop": lambda v: isinstance(v, dict) and _is_epoch(v),
    "dataset": _is_dataset_record,
}
_OPTIONAL_META_KINDS = {"dataset": N_("a record of the data's SHA-256 and image counts")}
_RNG_KEYS = ("shuffle", "epoch_start", "dropout")


def _check_meta(path: Path | str, meta: object, rng: object) -> None:
    """Raise a 'damaged checkpoint' error unless meta and rng have every entry, of the right type."""
    if not isinstance(meta, dict):
        raise _damaged(path, _("its meta entry is {kind}, not an object").format(kind=type(meta).__name__))
    for key, (ok, what) in _META_CHECKS.items():
        if key not in meta:
            raise _damaged(path, _("meta has no {key!r} entry").format(key=key))
        if not ok(meta[key]):
            raise _damaged(
                path,
                _("meta {key!r} is {value!r}, not {what}").format(
                    key=key, value=meta[key], what=translated(what)
                ),
            )
    for key, ok in _OPTIONAL_META.items():
        if key in meta and not ok(meta[key]):
            what = _OPTIONAL_META_KINDS.get(key, N_("a record of numbers"))
            raise _damaged(
                path,
                _("meta {key!r} is {value!r}, not {what}").format(
                    key=key, value=meta[key], what=translated(what)
                ),
            )
    settings = meta["settings"]
    unknown = sorted(set(settings) - set(_SETTINGS_TYPES))
    if unknown:
        raise _damaged(path, _("unknown settings {names}").format(names=", ".join(map(repr, unknown))))
    for key, ok in _SETTINGS_TYPES.items():
        if key in settings and not ok(settings[key]):
            raise _damaged(path, _("setting {key!r} is {value!r}").format(key=key, value=settings[key]))
    if not isinstance(rng, dict):
        raise _damaged(path, _("its rng entry is {kind}, not an object").format(kind=type(rng).__name__))
    for key in _RNG_KEYS:
        if not isinstance(rng.get(key), dict):
            raise _damaged(path, _("rng {key!r} is missing or not a generator state").format(key=key))
    if "augment" in rng and not isinstance(rng["augment"], dict):
        raise _damaged(path, _("rng 'augment' is not a generator state"))


def read_checkpoint(path: Path | str) -> tuple[dict[str, np.ndarray], dict, dict]:
    """The arrays, meta and RNG states of a checkpoint, or a CnnCalcError saying what is wrong with it.

    Meta and RNG entries are checked for presence and type, so later code can trust them.
    """
    path = Path(path)
    arrays = _read_arrays(path)
    if str(arrays.get("format", "")) != FORMAT:
        raise CnnCalcError(
            _(
                "{path} is not a cnncalc checkpoint (no 'format: {format}' entry); was it saved by the trainer?"
            ),
            path=path,
            format=FORMAT,
        )
    version = arrays.get("version")
    if version is None or version.shape != () or version.dtype.kind not in "iu":
        raise _damaged(
            path, _("its version entry is {version!r}, not a whole number").format(version=version)
        )
    if int(version) not in READABLE_VERSIONS:
        raise CnnCalcError(
            _("{path} is checkpoint version {version}; this cnncalc reads versions {versions}"),
            path=path,
            version=int(version),
            versions=", ".join(map(str, READABLE_VERSIONS)),
        )
    try:
        meta = json.loads(str(arrays["meta"]))
        rng = json.loads(str(arrays["rng"]))
    except (KeyError, ValueError, RecursionError) as e:
        raise _damaged(path, _("unreadable metadata ({reason})").format(reason=type(e).__name__)) from None
    _check_meta(path, meta, rng)
    return arrays, meta, rng


# What a checkpoint entry may hold: numbers, or text (the format, spec, meta and rng entries).
_ENTRY_KINDS = "biuf" + "U"


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every entry of a checkpoint's .npz, each checked from its zip and `.npy` headers (size,
    dtype, shape) before it is decompressed or allocated."""
    try:
        st = path.stat()
    except OSError:
        raise CnnCalcError(
            _("checkpoint {path} does not exist; create one by training with {field} {path}"),
            field="save",
            path=path,
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise CnnCalcError(
            _("{path} is a folder, not a checkpoint; give the .npz file the trainer saved"), path=path
        )
    if not stat.S_ISREG(st.st_mode):
        raise CnnCalcError(
            _("{path} is not a regular file; a checkpoint is the .npz file the trainer saved"), path=path
        )
    if st.st_size > MAX_CHECKPOINT_BYTES + (1 << 20):
        raise CnnCalcError(
            _("{path} is larger than a checkpoint can be ({size})"),
            path=path,
            size=size_text(MAX_CHECKPOINT_BYTES),
        )
    try:
        with path.open("rb") as f, zipfile.ZipFile(f) as z:
            infos = z.infolist()
            if len(infos) > MAX_CHECKPOINT_ENTRIES:
                raise _damaged(
                    path,
                    _("it has {n} entries, more than {most}").format(
                        n=f"{len(infos):,}", most=f"{MAX_CHECKPOINT_ENTRIES:,}"
                    ),
                )
            claimed = sum(info.file_size for info in infos)
            if claimed > MAX_CHECKPOINT_BYTES:
                raise _damaged(
                    path,
                    _("its entries hold {size} unpacked, more than {most}").format(
                        size=size_text(claimed), most=size_text(MAX_CHECKPOINT_BYTES)
                    ),
                )
            return {info.filename.removesuffix(".npy"): _read_entry(path, z, info) for info in infos}
    except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as e:
        raise CnnCalcError(
            _("{path} is not a readable cnncalc checkpoint (truncated or another kind of file: {reason})"),
            path=path,
            reason=zip_reason(e),
        ) from None


# zipfile's words for the damage people meet most, so that they are said in the chosen language too;
# any other reason is shown as the library gives it.
ZIP_REASONS = (
    N_("File is not a zip file"),
    N_("Truncated file header"),
    N_("Truncated central directory"),
    N_("Bad magic number for file header"),
    N_("Bad magic number for central directory"),
    N_("Bad offset for central directory"),
    N_("That compression method is not supported"),
    N_("zipfiles that span multiple disks are not supported"),
)


def zip_reason(error: BaseException) -> str:
    """Why a checkpoint could not be read as a zip archive, in the chosen language where the catalog
    knows the words (zipfile's and the system's)."""
    if isinstance(error, OSError) and error.strerror:
        return translated(error.strerror)
    text = str(error)
    return translated(text) if text in ZIP_REASONS else text or type(error).__name__


def _read_entry(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    name = info.filename
    if not name.endswith(".npy"):
        raise _damaged(path, _("entry {name!r} is not an array (.npy)").format(name=name))
    with z.open(info) as member:
        try:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise ValueError(_(".npy format version {version}").format(version=version))
        except ValueError as e:
            raise _damaged(
                path, _("entry {name!r} has no readable array header ({reason})").format(name=name, reason=e)
            ) from None
        if dtype.hasobject or dtype.kind not in _ENTRY_KINDS or dtype.fields is not None:
            raise _damaged(
                path,
                _("entry {name!r} holds {dtype} values, not numbers or text (never loaded)").format(
                    name=name, dtype=dtype
                ),
            )
        claimed = math.prod(shape) * dtype.itemsize
        held = info.file_size - member.tell()
        if claimed != held:
            raise _damaged(
                path,
                _(
                    "entry {name!r} claims {shape} {dtype} values ({claimed} bytes) but holds {held} bytes"
                ).format(
                    name=name,
                    shape="×".join(map(str, shape)) or _("one"),
                    dtype=dtype,
                    claimed=f"{claimed:,}",
                    held=f"{held:,}",
                ),
            )
        data = member.read(claimed)
    if len(data) != claimed:
        raise _damaged(path, _("entry {name!r} is truncated").format(name=name))
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return array.copy()


def load_model(path: Path | str) -> tuple[Model, dict]:
    """The trained model of a checkpoint (for predict and show) and its metadata."""
    arrays, meta, _rng = read_checkpoint(path)
    model, _arrays = _restore_model(path, arrays, meta)
    return model, meta


def _restore_model(path, arrays: dict[str, np.ndarray], meta: dict) -> tuple[Model, dict[str, np.ndarray]]:
    """The model, with its saved weights and buffers, and the arrays with today's names."""
    if "spec" not in arrays:
        raise _damaged(path, _("it has no spec entry"))
    # The spec's parameters must all be stored: checked before building them, so that a spec
    # naming huge layers cannot make the model allocate what the file does not hold.
    try:
        network = walk(parse_spec(str(arrays["spec"])).with_input(tuple(meta["input_shape"])))
    except CnnCalcError as e:
        raise _damaged(path, _("its spec does not read ({reason})").format(reason=e)) from None
    stored = sum(a.size for k, a in arrays.items() if k.startswith("param:"))
    if network.total_params > stored:
        raise _damaged(
            path,
            _("its spec has {params} parameters but it stores {stored}").format(
                params=f"{network.total_params:,}", stored=f"{stored:,}"
            ),
        )
    model = build_model(
        str(arrays["spec"]),
        tuple(meta["input_shape"]),
        len(meta["class_names"]),
        seed=meta["settings"].get("seed", 0),
    )
    if int(arrays["version"]) == 1:
        arrays = _index_names(arrays, model)
    for kind, named in (("param", model.named_params()), ("buffer", model.named_buffers())):
        for name, target in named.items():
            stored = arrays.get(f"{kind}:{name}")
            if stored is None or stored.shape != target.shape or stored.dtype.kind not in "iuf":
                raise _damaged(
                    path,
                    _("{kind} {name} is missing or has the wrong shape or type for its spec").format(
                        kind=kind, name=name
                    ),
                )
            if not np.isfinite(stored).all():
                raise _damaged(
                    path, _("{kind} {name} holds NaN or infinite values").format(kind=kind, name=name)
                )
            if kind == "param":
                target[...] = stored
    model.load_buffers({k.split(":", 1)[1]: v for k, v in arrays.items() if k.startswith("buffer:")})
    return model, arrays


def _index_names(arrays: dict[str, np.ndarray], model: Model) -> dict[str, np.ndarray]:
    """A version 1 checkpoint's arrays under today's names: `param:2.weight` (the layer at index 2
    of the model) → `param:3.weight` (its node id), and the same for buffers and optimizer state."""
    ids = {str(i): layer.node_id for i, layer in enumerate(model.layers)}

    def renamed(key: str) -> str:
        head, _colon, name = key.rpartition(":")
        index, dot, param = name.partition(".")
        if not head or not dot or index not in ids:
            return key
        return f"{head}:{ids[index]}.{param}"

    return {renamed(k): v for k, v in arrays.items()}


def _dataset_record(data: Dataset) -> dict:
    """What a checkpoint keeps of the data it trained on, besides its name: the fingerprint of
    its contents and the counts of its images (validation images count as training images)."""
    train = len(data.y_train) + (len(data.y_val) if data.y_val is not None else 0)
    return {"sha256": data.fingerprint, "train": train, "test": len(data.y_test)}


def _same_source(saved: str, given: str) -> bool:
    """Whether two data source names name the same data: the same name, or the same folder."""
    if saved == given:
        return True
    try:
        return Path(saved).is_dir() and Path(given).is_dir() and os.path.samefile(saved, given)
    except OSError:
        return False


def check_same_data(path: Path | str, meta: dict, data: Dataset) -> None:
    """Refuse to resume a run on other data than it trained on: the data's fingerprint must be the
    one the checkpoint recorded. A checkpoint saved before the record was kept has only the data's
    name, and is resumed only on data of that name (the same folder)."""
    record, saved = meta.get("dataset"), meta["data"]
    if record is None:
        if not _same_source(saved, data.name):
            raise CnnCalcError(
                _(
                    "{path} was trained on {saved}, and {given} may be other data: an earlier cnncalc saved it, "
                    "which recorded the data's name but not its contents. Resume it with {field} {saved}, or start "
                    "a new run on {given} without {field:resume}"
                ),
                field="data",
                path=path,
                saved=saved,
                given=data.name,
            )
        return
    if record["sha256"] == data.fingerprint:
        return
    values = {
        "path": path,
        "saved": saved,
        "given": data.name,
        "saved_images": images_text(record["train"], record["test"]),
        "given_images": data.images_text,
    }
    if _same_source(saved, data.name):
        raise CnnCalcError(
            _(
                "{path} was trained on {saved} ({saved_images}), but {given} now holds other images or labels "
                "({given_images}); resume it with the data it was trained on, or start a new run on {given} "
                "without {field:resume}"
            ),
            field="data",
            **values,
        )
    raise CnnCalcError(
        _(
            "{path} was trained on {saved} ({saved_images}), not on {given} ({given_images}); resume it with "
            "{field} {saved}, or start a new run on {given} without {field:resume}"
        ),
        field="data",
        **values,
    )


def check_labels_fit(path: Path | str, meta: dict, data: Dataset) -> None:
    """Refuse data with labels past the saved model's classes, naming the data it was trained on:
    its class names, loss and accuracy would read outputs the model does not have."""
    classes = len(meta["class_names"])
    top = highest_label(data)
    if top >= classes:
        raise CnnCalcError(
            _(
                "the data {data} has labels up to {top} ({count} classes) but the model {path} has {classes} "
                "classes; use {field} with data whose labels are 0 to {last}, such as the data it was trained on "
                "({saved})"
            ),
            field="data",
            data=data.name,
            top=top,
            count=top + 1,
            path=path,
            classes=classes,
            last=classes - 1,
            saved=meta["data"],
        )


def resume_trainer(
    path: Path | str, data: Dataset, checkpoint: tuple[dict[str, np.ndarray], dict, dict] | None = None
) -> tuple[Trainer, dict]:
    """A trainer in exactly the state it was saved in, training on `data`.

    `checkpoint` is `read_checkpoint(path)` when the caller has already read it (to find its data).
    """
    arrays, meta, rng = checkpoint or read_checkpoint(path)
    if tuple(meta["input_shape"]) != data.input_shape:
        raise CnnCalcError(
            _(
                "{path} was trained on {shape} images but the data has {data_shape}; use the same {field} as the "
                "saved run ({saved})"
            ),
            field="data",
            path=path,
            shape="×".join(map(str, meta["input_shape"])),
            data_shape="×".join(map(str, data.input_shape)),
            saved=meta.get("data"),
        )
    check_labels_fit(path, meta, data)
    model, arrays = _restore_model(path, arrays, meta)
    settings = Settings(**meta["settings"])
    try:
        settings.check()
    except CnnCalcError as e:
        raise _damaged(path, _("its settings do not hold ({reason})").format(reason=e)) from None
    trainer = Trainer(model, optimizer_for(settings, model), data, settings)
    # the data as this run trains on it (a validation split carved again), as it was recorded
    check_same_data(path, meta, trainer.data)
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
        raise _damaged(
            path,
            _("its training state does not load ({kind}: {reason})").format(kind=type(e).__name__, reason=e),
        ) from None
    trainer.epoch_start_state = rng["epoch_start"]
    trainer.epoch, trainer.position, trainer.step = meta["epoch"], meta["position"], meta["step"]
    if trainer.position >= trainer.batches_per_epoch and "dataset" not in meta:
        # an earlier cnncalc's checkpoint, resumed on data of the same name that it cannot check
        raise CnnCalcError(
            _(
                "{path} stopped at batch {position} of an epoch, but an epoch of {data} has {batches} batches: "
                "{data} is not the data it was trained on, or the file is damaged; resume it with the data it was "
                "trained on"
            ),
            path=path,
            position=trainer.position,
            data=data.name,
            batches=trainer.batches_per_epoch,
        )
    if trainer.position >= trainer.batches_per_epoch or (trainer.position and trainer.progress.seen < 1):
        raise _damaged(
            path,
            _("it stopped at batch {position} of an epoch of {batches}").format(
                position=trainer.position, batches=trainer.batches_per_epoch
            ),
        )
    return trainer, meta
