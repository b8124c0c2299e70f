"""One image from a file, for a model to classify: a `.npy` array or a grey PGM (P5 binary, P2 ASCII).

The image comes back as a batch of one in the model's input shape, float32 in [0, 1]. Anything
else — another shape, NaN or infinite values, values outside 0..1, 0..16 and 0..255, a PGM whose
header or body is wrong, a file larger
than `MAX_IMAGE_BYTES` (at most that much is read) — is a `CnnCalcError` that names the file and
says what is wrong (its field is `image`).

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "one.pgm"
>>> _ = path.write_bytes(b"P2 2 1 4\\n0 4\\n")
>>> read_image(path, (1, 1, 2)).tolist()
[[[[0.0, 1.0]]]]
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from cnncalc.arith.errors import CnnCalcError
from cnncalc.arith.parsing import fmt_shape
from cnncalc.i18n import _
from cnncalc.safety.bounded import read_bytes
from cnncalc.safety.limits import MAX_IMAGE_BYTES

# The largest value an 8-bit binary PGM and an ASCII PGM may declare.
P5_MAXVAL, P2_MAXVAL = 255, 65535
# The ranges a .npy image's values may come in: 0..1, the digits' 0..16, and bytes' 0..255.
NPY_RANGES = (1, 16, 255)


def read_image(image: Path, shape: tuple[int, ...]) -> np.ndarray:
    """The image in `image` as a (1, *shape) float32 batch, values in [0, 1].

    The array is the model's input shape (C×H×W), or H×W for a one-channel model. A .npy's values
    must lie in 0..1, 0..16 (the digits' scale) or 0..255: one whose largest value is above 1 is
    taken as 0..16 or 0..255 and divided; a negative value, or one above 255, is refused.
    """
    raw = read_bytes(image, MAX_IMAGE_BYTES, field="image")  # a bound: an image of /dev/zero ends here
    try:
        img = np.load(io.BytesIO(raw), allow_pickle=False) if _is_npy(image) else read_pgm(raw)
    except (ValueError, EOFError) as e:
        raise CnnCalcError(
            _("cannot read {field} {path}: {reason}"), field="image", path=image, reason=e
        ) from None
    if img.dtype.kind not in "biuf":
        raise CnnCalcError(
            _("{field} {path} holds {dtype} values; it must hold numbers (a grey image)"),
            field="image",
            path=image,
            dtype=img.dtype,
        )
    img = img.astype(np.float64)
    accepted = ([tuple(shape[1:])] if shape[0] == 1 else []) + [tuple(shape)]
    if img.shape not in accepted:
        shown = fmt_shape(img.shape) if img.ndim else _("() (a single number)")
        expected = [fmt_shape(s) for s in accepted]
        raise CnnCalcError(
            _("{field} {path} has shape {shape} but the model expects {expected} images")
            if len(expected) == 1
            else _("{field} {path} has shape {shape} but the model expects {expected} or {other} images"),
            field="image",
            path=image,
            shape=shown,
            expected=expected[0],
            other=expected[-1],
        )
    if not np.isfinite(img).all():
        raise CnnCalcError(
            _(
                "{field} {path} contains NaN or infinite values; every pixel must be a number in 0..1, 0..16 "
                "or 0..255"
            ),
            field="image",
            path=image,
        )
    low, high = float(img.min()), float(img.max())
    if low < 0 or high > NPY_RANGES[-1]:
        raise CnnCalcError(
            _(
                "{field} {path} has values from {low} to {high}; an image's values must lie in 0..1, 0..16 (the "
                "digits' scale) or 0..255"
            ),
            field="image",
            path=image,
            low=f"{low:g}",
            high=f"{high:g}",
        )
    # the smallest of the accepted ranges that holds every value: 0..1 as it is, else divided
    top = next(top for top in NPY_RANGES if high <= top)
    return (img / top).reshape(1, *shape).astype(np.float32)


def _is_npy(path: Path) -> bool:
    return path.suffix.lower() == ".npy"


def read_pgm(raw: bytes) -> np.ndarray:
    """A P5 (binary, maxval ≤ 255) or P2 (ASCII) PGM's bytes as an H×W array of values / maxval.

    Malformed files raise ValueError with a message saying what is wrong.

    >>> read_pgm(b"P5 2 1 255\\n" + bytes([0, 255])).tolist()
    [[0.0, 1.0]]
    """
    (magic, *sizes), pos = _pgm_header(raw)
    if magic not in (b"P5", b"P2"):
        raise ValueError(_("only .npy and 8-bit PGM (P5 or P2) images are supported"))
    if not all(t.isdigit() for t in sizes):
        raise ValueError(_("the PGM header's width, height and maxval must be whole numbers"))
    w, h, maxval = (int(t) for t in sizes)
    if w < 1 or h < 1:
        raise ValueError(_("the PGM is {w}×{h}; width and height must be at least 1").format(w=w, h=h))
    if not 1 <= maxval <= (P5_MAXVAL if magic == b"P5" else P2_MAXVAL):
        raise ValueError(
            _("the PGM's maxval is {maxval}; it must be 1..{p5} for P5 (8-bit) or 1..{p2} for P2").format(
                maxval=maxval, p5=P5_MAXVAL, p2=P2_MAXVAL
            )
        )
    if magic == b"P5":
        body = raw[pos + 1 : pos + 1 + w * h]
        if len(body) < w * h:
            raise ValueError(
                _("the PGM is truncated: {n} of {w}×{h} = {total} pixels").format(
                    n=len(body), w=w, h=h, total=w * h
                )
            )
        data = np.frombuffer(body, np.uint8).astype(np.float64)
    else:
        words = raw[pos:].split()[: w * h]
        if len(words) < w * h or not all(t.isdigit() for t in words):
            raise ValueError(
                _("the PGM must hold {w}×{h} = {total} whole-number pixel values").format(
                    w=w, h=h, total=w * h
                )
            )
        data = np.array([int(t) for t in words], dtype=np.float64)
    if data.max() > maxval:
        raise ValueError(
            _("a PGM pixel is {value}, above the header's maxval {maxval}").format(
                value=int(data.max()), maxval=maxval
            )
        )
    return data.reshape(h, w) / maxval


def _pgm_header(raw: bytes) -> tuple[list[bytes], int]:
    """The header's four tokens (magic, width, height, maxval) and the position just after them.

    Tokens are separated by whitespace; a `#` starts a comment that runs to the end of its line.
    """
    tokens: list[bytes] = []
    pos = 0
    while len(tokens) < 4:
        while pos < len(raw) and raw[pos : pos + 1].isspace():
            pos += 1
        if pos >= len(raw):
            raise ValueError(_("the PGM header (magic, width, height, maxval) is incomplete"))
        if raw[pos : pos + 1] == b"#":
            newline = raw.find(b"\n", pos)
            pos = len(raw) if newline < 0 else newline + 1
            continue
        end = pos
        while end < len(raw) and not raw[end : end + 1].isspace():
            end += 1
        tokens.append(raw[pos:end])
        pos = end
    return tokens, pos
