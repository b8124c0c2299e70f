"""A validation set carved from the training data (note 004 §3.4): the run is watched and tuned on
it every epoch, and the test set is looked at only once, at the end.

The split is stratified and seeded: of each class's n_c training images, ⌊F·n_c + ½⌋ are kept
aside (chosen by a generator of the run's seed, its own stream: the shuffle, the weights and the
dropout masks are those of a run without a split); the rest train. The same seed, fraction and
data always give the same split, so a resumed run carves it again exactly.

>>> from cnncalc.nn.data import load_digits
>>> data = split_validation(load_digits(), 0.2, seed=0)
>>> len(data.y_train), len(data.y_val), len(data.y_test)
(1151, 287, 359)
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.i18n import _
from cnncalc.nn.data import Dataset, Images
from cnncalc.nn.losses import log_softmax
from cnncalc.nn.model import EVAL_BATCH, Model

# The run's seed drives several generators; each takes its own child stream of the seed
# (numpy's SeedSequence spawn keys; key 0 is the dropout masks').
SPLIT_STREAM = 1


def split_validation(data: Dataset, fraction: float, seed: int) -> Dataset:
    """`data` with ⌊fraction·n_c + ½⌋ of each class's training images moved to `x_val`, `y_val`."""
    if not 0 < fraction < 1:
        raise CnnCalcError(
            _("{field} {value} must be in (0, 1), e.g. {field} 0.2"), field="val_split", value=fraction
        )
    labels = np.asarray(data.y_train)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SPLIT_STREAM,)))
    held = [
        rng.permutation(members)[: math.floor(fraction * len(members) + 0.5)]
        for members in (np.flatnonzero(labels == c) for c in range(data.classes))
    ]
    val = np.sort(np.concatenate(held)) if held else np.zeros(0, np.int64)
    train = np.setdiff1d(np.arange(len(labels)), val, assume_unique=True)
    if len(val) == 0 or len(train) == 0:
        raise CnnCalcError(
            _(
                "{field} {value} of {n} training images leaves no validation images; choose a fraction such as 0.2"
            )
            if len(val) == 0
            else _(
                "{field} {value} of {n} training images leaves no training images; choose a fraction such as 0.2"
            ),
            field="val_split",
            value=fraction,
            n=len(labels),
        )
    return replace(
        data,
        x_train=_take(data.x_train, train),
        y_train=labels[train],
        x_val=_take(data.x_train, val),
        y_val=labels[val],
    )


def _take(images: np.ndarray | Images, index: np.ndarray) -> np.ndarray | Images:
    """The images at `index`, still as bytes if they were."""
    if isinstance(images, Images):
        return Images(images.raw[index], float(images.scale))
    return images[index]


def evaluate_loss(model: Model, x: np.ndarray | Images, y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of `model` on the images `x` with labels `y`, in evaluation
    mode (no dropout, BN's running statistics), a batch of EVAL_BATCH at a time."""
    if len(y) == 0:
        raise CnnCalcError(_("there are no images to evaluate"))
    total, correct = 0.0, 0
    for i in range(0, len(y), EVAL_BATCH):
        labels = y[i : i + EVAL_BATCH]
        logits = model.forward(x[i : i + EVAL_BATCH])
        logp = log_softmax(logits)
        total -= float(logp[np.arange(len(labels)), labels].sum(dtype=np.float64))
        correct += int((logits.argmax(axis=1) == labels).sum())
    return total / len(y), correct / len(y)
