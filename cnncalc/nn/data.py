"""Datasets: the built-in 8×8 digits, MNIST-format IDX folders, and a verified downloader.

Images come out as float32 (N, C, H, W) in [0, 1], labels as int64. They are kept as the bytes
they were read as (`Images`), a quarter of the memory of floats, and scaled when a batch is read.

- `digits`: the UCI "Optical Recognition of Handwritten Digits" test set (E. Alpaydin, C. Kaynak;
  CC BY 4.0): 1797 images of 8×8 with values 0..16, shipped in `cnncalc/data/digits.npz` with a
  fixed stratified split, 20 % of each class for testing (1438 train, 359 test).
- IDX (MNIST's format): a big-endian header `0x00 0x00 type ndim`, ndim sizes as uint32, then the
  values. Images are type 0x08 (unsigned byte) with 3 dimensions (magic 2051), labels 1 dimension
  (magic 2049).
- `mnist`, `fashion-mnist`: downloaded once into the cache directory, each file checked against
  its pinned SHA-256 before use.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import math
import os
import struct
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import BinaryIO

import numpy as np

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.i18n import _
from cnncalc.safety.atomic import atomic_write
from cnncalc.safety.limits import (
    DOWNLOAD_DEADLINE_SECONDS,
    DOWNLOAD_STALL_SECONDS,
    GZIP_MAX_RATIO,
    MAX_IDX_VALUES,
)

# Bytes read (and decompressed) at a time.
READ_BLOCK = 1 << 20
IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
DIGIT_NAMES = tuple(str(d) for d in range(10))
FASHION_NAMES = (
    "T-shirt",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


@dataclass(frozen=True)
class Remote:
    """A dataset to download: its base URL and the SHA-256 of each gzipped IDX file."""

    url: str
    sha256: dict[str, str]
    class_names: tuple[str, ...] = DIGIT_NAMES


REMOTES = {
    "mnist": Remote(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        {
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    ),
    "fashion-mnist": Remote(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        {
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
        FASHION_NAMES,
    ),
}


class Images:
    """Images kept as bytes and read as float32 (N, C, H, W): images[i] = raw[i] · scale.

    Indexing converts only what it returns (a batch, a slice, one image), with the same values as
    converting the whole set up front: float32(raw) · float32(scale).

    >>> images = Images(np.array([[[[0, 255]]]], np.uint8), 1 / 255)
    >>> images[0].tolist(), images.shape, len(images)
    ([[[0.0, 1.0]]], (1, 1, 1, 2), 1)
    """

    dtype = np.dtype(np.float32)

    def __init__(self, raw: np.ndarray, scale: float) -> None:
        self.raw, self.scale = raw, np.float32(scale)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.raw.shape

    @property
    def ndim(self) -> int:
        return self.raw.ndim

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, index: object) -> np.ndarray:
        values = np.asarray(self.raw[index]).astype(np.float32)
        values *= self.scale
        return values

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        values = self[...]
        return values if dtype is None else values.astype(dtype)


@dataclass(frozen=True)
class Dataset:
    """Training and test images (float32 arrays or `Images`) with their labels (int64), and
    validation images if some were set aside (`cnncalc.nn.validation`) or given."""

    name: str
    x_train: np.ndarray | Images
    y_train: np.ndarray
    x_test: np.ndarray | Images
    y_test: np.ndarray
    class_names: tuple[str, ...] = DIGIT_NAMES
    x_val: np.ndarray | Images | None = None
    y_val: np.ndarray | None = None

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def classes(self) -> int:
        return len(self.class_names)

    @cached_property
    def fingerprint(self) -> str:
        """The SHA-256 of everything the data set holds: its class names, then each set's images
        (as stored: bytes and their scale, or float32 values) and labels, with their shapes.

        A checkpoint records it, so that a run is resumed only on the data it trained on; data
        with the same images and labels gives the same fingerprint whatever its name or folder.
        Computed once per data set (about 0.1 s for MNIST).
        """
        digest = hashlib.sha256()
        digest.update(json.dumps(list(self.class_names)).encode())
        for part in (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test, self.y_test):
            if part is None:
                digest.update(b"|none")
                continue
            if isinstance(part, Images):
                values = np.ascontiguousarray(part.raw)
                kind = f"|bytes·{float(part.scale)!r}"
            else:
                array = np.asarray(part)
                values = np.ascontiguousarray(array, np.int64 if array.dtype.kind in "iub" else np.float32)
                kind = f"|{values.dtype.str}"
            digest.update(f"{kind}·{values.dtype.str}·{values.shape}|".encode())
            digest.update(values)
        return digest.hexdigest()

    @property
    def images_text(self) -> str:
        """'1438 training and 359 test images' (validation images count as training images: they
        are set aside from them)."""
        train = len(self.y_train) + (len(self.y_val) if self.y_val is not None else 0)
        return images_text(train, len(self.y_test))


def images_text(train: int, test: int) -> str:
    """'1438 training and 359 test images'."""
    return _("{train} training and {test} test images").format(train=train, test=test)


def highest_label(data: Dataset) -> int:
    """The largest label of the training, validation and test sets (-1 when they hold none)."""
    sets = [y for y in (data.y_train, data.y_val, data.y_test) if y is not None and len(y)]
    return max((int(np.max(y)) for y in sets), default=-1)


def check_labels(data: Dataset, classes: int) -> None:
    """Refuse data with a label that a model of `classes` outputs has no output for (labels are
    0 … classes − 1): its loss, accuracy and class names would index past the outputs."""
    top = highest_label(data)
    if top >= classes:
        raise CnnCalcError(
            _(
                "the data {data} has labels up to {top} ({count} classes) but the model has {classes} classes; "
                "use data whose labels are 0 to {last}"
            ),
            field="data",
            data=data.name,
            top=top,
            count=top + 1,
            classes=classes,
            last=classes - 1,
        )


def check_source(source: str) -> str:
    """A data source's name, refusing an empty one (`Path("")` would be the current folder)."""
    if not source.strip():
        raise UsageError(
            _("{field} is empty; give digits, mnist, fashion-mnist or a folder of IDX files"), field="source"
        )
    return source


def load_dataset(source: str = "digits", cache_dir: Path | None = None) -> Dataset:
    """`digits`, `mnist`, `fashion-mnist` (downloaded when missing) or a folder of IDX files."""
    check_source(source)
    if source == "digits":
        return load_digits()
    if source in REMOTES:
        return load_idx_dir(download(source, cache_dir), name=source, class_names=REMOTES[source].class_names)
    path = Path(source)
    if path.is_dir():
        return load_idx_dir(path)
    raise CnnCalcError(
        _(
            "{field} {source!r} is neither a built-in dataset (digits, mnist, fashion-mnist) nor a folder of IDX files"
        ),
        field="source",
        source=source,
    )


def load_digits() -> Dataset:
    """The built-in 8×8 digits, scaled from 0..16 to [0, 1]."""
    with (
        resources.files("cnncalc").joinpath("data/digits.npz").open("rb") as f,
        np.load(f, allow_pickle=False) as z,
    ):
        arrays = {k: z[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    return Dataset(
        "digits",
        Images(arrays["x_train"][:, None], 1 / 16),
        arrays["y_train"].astype(np.int64),
        Images(arrays["x_test"][:, None], 1 / 16),
        arrays["y_test"].astype(np.int64),
    )


def read_idx(path: Path, expect_magic: int) -> np.ndarray:
    """Read one IDX file (gzipped or raw) of unsigned bytes, checking its magic number and size.

    The header's count is checked against the file before anything is decompressed or allocated:
    a raw file must hold exactly that many bytes, a gzip file cannot hold more than GZIP_MAX_RATIO
    times its own size, and no file more than MAX_IDX_VALUES. The values are then read straight
    into the array returned, and a file with more bytes than its header promises is refused.
    """
    ndim = expect_magic & 0xFF
    kind = _("images (magic 2051)") if expect_magic == IMAGES_MAGIC else _("labels (magic 2049)")
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            gzipped = file.read(2) == b"\x1f\x8b"
            file.seek(0)
            stream = gzip.GzipFile(fileobj=file) if gzipped else file
            header = stream.read(4 + 4 * ndim)
            if len(header) < 4 + 4 * ndim:
                raise CnnCalcError(
                    _("{path}: {size} bytes is too short for an IDX header; expected {kind}"),
                    path=path,
                    size=len(header),
                    kind=kind,
                )
            (magic,) = struct.unpack(">I", header[:4])
            if magic != expect_magic:
                raise CnnCalcError(
                    _("{path}: magic number {magic} ({hex}) is not IDX {kind}; is this the right file?"),
                    path=path,
                    magic=magic,
                    hex=f"0x{magic:08x}",
                    kind=kind,
                )
            dims = struct.unpack(f">{ndim}I", header[4:])
            count = math.prod(dims)
            _check_idx_count(path, dims, count, size - len(header), gzipped)
            values = np.empty(count, np.uint8)
            filled = _read_into(stream, memoryview(values))
            extra = len(stream.read(1))
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise CnnCalcError(_("{path}: cannot read ({reason})"), path=path, reason=e) from None
    if filled != count or extra:
        said = (
            _(
                "{path}: the header promises {shape} values ({size} bytes) but the file has more bytes than that; it "
                "is truncated or damaged"
            )
            if extra
            else _(
                "{path}: the header promises {shape} values ({size} bytes) but the file has {found} bytes; it is "
                "truncated or damaged"
            )
        )
        raise CnnCalcError(
            said,
            path=path,
            shape="×".join(map(str, dims)),
            size=4 + 4 * ndim + count,
            found=4 + 4 * ndim + filled,
        )
    return values.reshape(dims)


def _read_into(stream: BinaryIO, view: memoryview) -> int:
    """Fill `view` from `stream` in 1 MiB pieces (gzip decompresses a read into a new buffer first,
    so one big read would double the memory); how many bytes there were."""
    filled = 0
    while filled < len(view):
        got = stream.readinto(view[filled : filled + READ_BLOCK])
        if not got:
            break
        filled += got
    return filled


def _check_idx_count(path: Path, dims: tuple[int, ...], count: int, body: int, gzipped: bool) -> None:
    """Refuse a header whose count the file cannot hold (or cnncalc should not), before allocating."""
    shape = "×".join(map(str, dims))
    if count > MAX_IDX_VALUES:
        raise CnnCalcError(
            _(
                "{path}: the header promises {shape} values ({count}), more than the {most} cnncalc trains on; is the "
                "header damaged?"
            ),
            path=path,
            shape=shape,
            count=f"{count:,}",
            most=f"{MAX_IDX_VALUES:,}",
        )
    possible = body * GZIP_MAX_RATIO if gzipped else body
    if count > possible:
        raise CnnCalcError(
            _(
                "{path}: the header promises {shape} values ({count}) but the file holds at most {possible}; it is "
                "truncated or damaged"
            ),
            path=path,
            shape=shape,
            count=f"{count:,}",
            possible=f"{possible:,}",
        )


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise CnnCalcError(
        _("{folder}: no {stem} or {stem}.gz; an IDX folder needs the four MNIST-format files"),
        folder=folder,
        stem=stem,
    )


def load_idx_dir(
    folder: Path, name: str | None = None, class_names: tuple[str, ...] | None = None
) -> Dataset:
    """The four MNIST-format files of a folder; pixel bytes are scaled to [0, 1]."""
    folder = Path(folder)
    arrays = {
        key: read_idx(_find(folder, stem), IMAGES_MAGIC if key.endswith("images") else LABELS_MAGIC)
        for key, stem in IDX_FILES.items()
    }
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if len(images) != len(labels):
            raise CnnCalcError(
                _("{folder}: {images} {split} images but {labels} {split} labels"),
                folder=folder,
                images=len(images),
                labels=len(labels),
                split=split,
            )
        if len(images) == 0:
            raise CnnCalcError(_("{folder}: the {split} set is empty"), folder=folder, split=split)
    if arrays["train_images"].shape[1:] != arrays["test_images"].shape[1:]:
        raise CnnCalcError(_("{folder}: train and test images differ in size"), folder=folder)
    classes = int(max(arrays["train_labels"].max(), arrays["test_labels"].max())) + 1
    if class_names is None:
        class_names = DIGIT_NAMES if classes <= 10 else tuple(str(c) for c in range(classes))
    return Dataset(
        name or str(folder),
        Images(arrays["train_images"][:, None], 1 / 255),
        arrays["train_labels"].astype(np.int64),
        Images(arrays["test_images"][:, None], 1 / 255),
        arrays["test_labels"].astype(np.int64),
        class_names,
    )


def cache_dir() -> Path:
    """$CNNCALC_CACHE, else $XDG_CACHE_HOME/cnncalc, else ~/.cache/cnncalc."""
    if os.environ.get("CNNCALC_CACHE"):
        return Path(os.environ["CNNCALC_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnncalc"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(
    name: str,
    root: Path | None = None,
    remote: Remote | None = None,
    timeout: float = DOWNLOAD_STALL_SECONDS,
    deadline: float = DOWNLOAD_DEADLINE_SECONDS,
) -> Path:
    """Fetch a dataset's files into `root/name` unless already there and verified; return the folder.

    Each file is saved atomically and only after its SHA-256 matches, so an interrupted or
    corrupted download never looks complete and leaves nothing behind. A server silent for
    `timeout` seconds, or a download not finished within `deadline` seconds in all, is given up.
    """
    remote = remote or REMOTES.get(name)
    if remote is None:
        raise CnnCalcError(
            _("unknown dataset {name!r}; downloadable: {names}"), name=name, names=", ".join(REMOTES)
        )
    folder = (root or cache_dir()) / name
    folder.mkdir(parents=True, exist_ok=True)
    give_up = time.monotonic() + deadline
    for filename, expected in remote.sha256.items():
        target = folder / filename
        if target.is_file() and sha256_of(target) == expected:
            continue
        url = remote.url + filename
        with atomic_write(target) as saving:
            got = _fetch(url, saving.file, timeout, give_up, deadline)
            if got != expected:
                raise CnnCalcError(
                    _("{url}: SHA-256 {got} does not match the expected {expected}; not using it"),
                    url=url,
                    got=got,
                    expected=expected,
                )
    return folder


def _fetch(url: str, out: BinaryIO, timeout: float, give_up: float, deadline: float) -> str:
    """Copy `url` into `out` in pieces, checking the overall deadline between them; the SHA-256."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            while time.monotonic() <= give_up:
                block = response.read1(1 << 16)  # what has arrived: a trickle cannot hold us in read()
                if not block:
                    return digest.hexdigest()
                digest.update(block)
                out.write(block)
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as e:
        reason = getattr(e, "reason", None) or e or type(e).__name__
        raise CnnCalcError(
            _(
                "cannot download {url} ({reason}); check the connection, or put the four IDX files in a folder and use "
                "{field} FOLDER"
            ),
            field="source",
            url=url,
            reason=reason,
        ) from None
    raise CnnCalcError(
        _(
            "downloading {url} did not finish within {seconds} s; the server is too slow. Try again later, or put the "
            "four IDX files in a folder and use {field} FOLDER"
        ),
        field="source",
        url=url,
        seconds=f"{deadline:g}",
    )
