"""Data augmentation (note 004 §3.1, §4.3): each training batch is changed at random, so that no
epoch sees quite the same images and the network learns what does not depend on the change.

- Shifts (random crops): an H×W image is padded with m zero pixels on every side and a random
  H×W window of it is cut out, so the image moves by dy, dx ∈ {−m … m} pixels and what moves
  past the edge is cropped (torchvision's RandomCrop(size, padding=m); Keras'
  width/height_shift_range with zero fill). m = max(1, ⌊H/10 + ½⌋): 1 pixel on the 8×8 digits,
  3 on 28×28 images — a tenth of the image, as note 004's Keras example shifts.
- Flips: half the images, chosen at random, mirrored left to right. Only for classes that look the
  same mirrored (a shoe, a shirt); never for digits: a flipped 2 is not a 2 (`check_flip`).

Evaluation (validation and test) always sees the images unchanged. The generator is the run's
own stream of its seed and is saved in checkpoints, so a resumed run draws the same changes.

>>> import numpy as np
>>> image = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
>>> shifted = Augmenter(shift=1, flip=False, rng=np.random.default_rng(0))(image)
>>> shifted[0, 0].astype(int).tolist()  # moved by a random (dy, dx): here 1 up, 0 across
[[4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15], [0, 0, 0, 0]]
"""

from __future__ import annotations

import math

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.i18n import _
from cnncalc.nn.data import DIGIT_NAMES

AUGMENT_STREAM = 2  # the seed's child stream for augmentation (see cnncalc.nn.validation)


def shift_for(height: int) -> int:
    """The largest shift m in pixels for images `height` high (1-D data: its length): a tenth of
    it, at least 1."""
    return max(1, math.floor(height / 10 + 0.5))


def augment_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(AUGMENT_STREAM,)))


def check_flip(class_names: tuple[str, ...]) -> None:
    """Refuse flips for digits, with the reason."""
    if tuple(class_names) == DIGIT_NAMES:
        raise CnnCalcError(
            _(
                "{field}: a mirrored digit is not the same digit (a flipped 2 is not a 2, a 3 becomes an ε), so "
                "flipping digit images would teach the network wrong labels; drop {field} and use {field:augment} "
                "(small shifts) alone. Flips suit classes that look the same mirrored, such as fashion-mnist's "
                "clothes and shoes"
            ),
            field="flip",
        )


class Augmenter:
    """Random shifts by up to `shift` pixels (0: none) and, with `flip`, random left-right flips."""

    def __init__(self, shift: int, flip: bool, rng: np.random.Generator) -> None:
        self.shift, self.flip, self.rng = shift, flip, rng

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """A changed copy of the batch `x` (N, C, H, W), or (N, C, L) for 1-D data."""
        if x.ndim == 3:
            return self(x[:, :, None, :])[:, :, 0, :]
        n, c, h, w = x.shape
        out = x
        if self.shift:
            # A height or width of 1 (1-D data) is never shifted: it would leave nothing.
            my, mx = (self.shift if h > 1 else 0), (self.shift if w > 1 else 0)
            padded = np.zeros((n, c, h + 2 * my, w + 2 * mx), x.dtype)
            padded[:, :, my : my + h, mx : mx + w] = x
            top = self.rng.integers(0, 2 * my + 1, n)
            left = self.rng.integers(0, 2 * mx + 1, n)
            rows = (top[:, None] + np.arange(h))[:, None, :, None]
            cols = (left[:, None] + np.arange(w))[:, None, None, :]
            out = padded[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows, cols]
        if self.flip:
            mirrored = self.rng.random(n) < 0.5
            out = out.copy() if out is x else out
            out[mirrored] = out[mirrored, :, :, ::-1]
        return out
