"""The built-in digits, IDX parsing, and the downloader against a server on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from cnncalc.arith.errors import CnnCalcError
from cnncalc.nn.data import (
    IDX_FILES,
    IMAGES_MAGIC,
    LABELS_MAGIC,
    Remote,
    download,
    load_dataset,
    load_digits,
    load_idx_dir,
    read_idx,
)


def idx_bytes(values: np.ndarray, magic: int) -> bytes:
    return (
        struct.pack(">I", magic)
        + struct.pack(f">{values.ndim}I", *values.shape)
        + values.astype(np.uint8).tobytes()
    )


def write_idx_dir(folder: Path, n_train=12, n_test=5, size=(6, 7), gz=True) -> dict[str, bytes]:
    """Four small MNIST-format files with known contents; returns {file name: bytes written}."""
    rng = np.random.default_rng(0)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, *size)),
        "train_labels": np.arange(n_train) % 10,
        "test_images": rng.integers(0, 256, (n_test, *size)),
        "test_labels": np.arange(n_test) % 10,
    }
    written = {}
    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in IDX_FILES.items():
        data = idx_bytes(arrays[key], IMAGES_MAGIC if key.endswith("images") else LABELS_MAGIC)
        name = stem + (".gz" if gz else "")
        payload = gzip.compress(data) if gz else data
        (folder / name).write_bytes(payload)
        written[name] = payload
    return written


def test_digits_has_the_documented_stratified_split():
    d = load_digits()
    assert d.x_train.shape == (1438, 1, 8, 8) and d.x_test.shape == (359, 1, 8, 8)
    x = np.asarray(d.x_train)
    assert x.dtype == np.float32 and 0 <= x.min() and x.max() == 1.0
    counts = np.bincount(d.y_test, minlength=10)
    total = counts + np.bincount(d.y_train, minlength=10)
    assert total.sum() == 1797
    np.testing.assert_array_equal(counts, np.round(total * 0.2))


@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "raw"])
def test_idx_folder_loads_with_the_right_shapes_and_scale(tmp_path, gz):
    write_idx_dir(tmp_path, gz=gz)
    data = load_idx_dir(tmp_path)
    assert data.x_train.shape == (12, 1, 6, 7) and data.x_test.shape == (5, 1, 6, 7)
    assert np.asarray(data.x_train).max() <= 1.0 and data.x_train[:2].dtype == np.float32
    np.testing.assert_array_equal(data.y_train, np.arange(12) % 10)
    raw = read_idx(tmp_path / ("train-images-idx3-ubyte" + (".gz" if gz else "")), IMAGES_MAGIC)
    np.testing.assert_allclose(data.x_train[:, 0], raw / 255, rtol=1e-6)


def test_images_stay_bytes_and_read_as_the_floats_of_a_whole_conversion(tmp_path):
    write_idx_dir(tmp_path)
    images = load_idx_dir(tmp_path).x_train
    assert images.raw.dtype == np.uint8  # a quarter of the memory of float32
    whole = images.raw.astype(np.float32) * np.float32(1 / 255)
    picks = np.array([3, 0, 11, 3])
    np.testing.assert_array_equal(images[picks], whole[picks])  # bit for bit, as batches are read
    np.testing.assert_array_equal(images[2:5], whole[2:5])
    np.testing.assert_array_equal(np.asarray(images), whole)


@pytest.mark.parametrize(
    ("dims", "tail", "message"),
    [
        ((3, 2, 2), b"", r"promises 3×2×2 values \(12\) but the file holds at most 4; it is truncated"),
        ((1, 2, 2), b"\x07", "promises 1×2×2 values .* but the file has more bytes than that"),
        ((2**31, 2**31, 2**31), b"", "promises 2147483648×2147483648×2147483648 values"),
    ],
    ids=["short", "trailing-bytes", "absurd-header"],
)
def test_idx_sizes_must_match_the_header(tmp_path, dims, tail, message):
    path = tmp_path / "images"
    path.write_bytes(struct.pack(">4I", IMAGES_MAGIC, *dims) + bytes(4) + tail)
    with pytest.raises(CnnCalcError, match=message):
        read_idx(path, IMAGES_MAGIC)


def test_wrong_magic_number_is_named(tmp_path):
    write_idx_dir(tmp_path, gz=False)
    labels = tmp_path / "train-labels-idx1-ubyte"
    images = tmp_path / "train-images-idx3-ubyte"
    labels.write_bytes(images.read_bytes())
    with pytest.raises(CnnCalcError, match=r"magic number 2051 .* is not IDX labels \(magic 2049\)"):
        load_idx_dir(tmp_path)


def test_truncated_file_reports_the_promised_size(tmp_path):
    write_idx_dir(tmp_path, gz=False)
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-10])
    with pytest.raises(CnnCalcError, match=r"promises 12×6×7 values .* truncated"):
        load_idx_dir(tmp_path)


def test_image_and_label_counts_must_agree(tmp_path):
    write_idx_dir(tmp_path, gz=False)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4), LABELS_MAGIC))
    with pytest.raises(CnnCalcError, match="5 test images but 4 test labels"):
        load_idx_dir(tmp_path)


def test_missing_file_and_unknown_source_are_clear(tmp_path):
    with pytest.raises(CnnCalcError, match="no train-images-idx3-ubyte"):
        load_idx_dir(tmp_path)
    with pytest.raises(CnnCalcError, match="neither a built-in dataset"):
        load_dataset(str(tmp_path / "nowhere"))


@pytest.fixture
def server(tmp_path):
    """A static file server on 127.0.0.1 (loopback only) serving generated IDX files."""
    root = tmp_path / "site"
    written = write_idx_dir(root)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", written, root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_download_verifies_and_caches(tmp_path, server):
    url, written, root = server
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in written.items()}
    folder = download("tiny", tmp_path / "cache", Remote(url, hashes))
    assert sorted(p.name for p in folder.iterdir()) == sorted(written)
    assert load_idx_dir(folder).x_train.shape == (12, 1, 6, 7)
    # A second call uses the cache: it works even with the server's files gone.
    for p in root.iterdir():
        p.unlink()
    assert download("tiny", tmp_path / "cache", Remote(url, hashes)) == folder


def test_download_rejects_a_wrong_checksum_and_keeps_nothing(tmp_path, server):
    url, written, _ = server
    hashes = {name: "0" * 64 for name in written}
    with pytest.raises(CnnCalcError, match="SHA-256 .* does not match"):
        download("tiny", tmp_path / "cache", Remote(url, hashes))
    assert list((tmp_path / "cache" / "tiny").iterdir()) == []


def test_download_offline_is_a_clear_error(tmp_path):
    # Nothing listens on this loopback port (bound, then closed).
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    remote = Remote(f"http://127.0.0.1:{port}/", {"train-images-idx3-ubyte.gz": "0" * 64})
    with pytest.raises(CnnCalcError, match="cannot download .* use source FOLDER") as caught:
        download("tiny", tmp_path, remote, timeout=5)
    # A Python caller is told about load_dataset's `source`; the CLI names its option instead.
    assert caught.value.field == "source"
    assert "use --data FOLDER" in caught.value.for_flag("--data")


def test_a_trickling_server_meets_the_overall_deadline_and_leaves_nothing(tmp_path):
    # A byte every 0.2 s never trips a per-read timeout; the download's own deadline stops it.
    import time

    stop = threading.Event()

    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            while not stop.is_set():
                try:
                    self.wfile.write(b"\0")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)

        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    remote = Remote(f"http://127.0.0.1:{httpd.server_address[1]}/", {"train-images-idx3-ubyte.gz": "0" * 64})
    start = time.monotonic()
    try:
        with pytest.raises(CnnCalcError, match="did not finish within 1 s"):
            download("tiny", tmp_path, remote, timeout=5, deadline=1)
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
    assert time.monotonic() - start < 5
    assert list((tmp_path / "tiny").iterdir()) == []  # no .part, no temporary file


def test_a_data_set_s_fingerprint_follows_its_contents_not_its_name(tmp_path):
    from dataclasses import replace

    from cnncalc.nn.validation import split_validation

    digits = load_digits()
    assert digits.fingerprint == load_digits().fingerprint == replace(digits, name="renamed").fingerprint
    one_label = digits.y_test.copy()
    one_label[0] = (one_label[0] + 1) % 10
    assert replace(digits, y_test=one_label).fingerprint != digits.fingerprint
    assert split_validation(digits, 0.2, 0).fingerprint == split_validation(load_digits(), 0.2, 0).fingerprint
    assert split_validation(digits, 0.2, 0).fingerprint != split_validation(digits, 0.2, 1).fingerprint
    write_idx_dir(tmp_path / "a")
    write_idx_dir(tmp_path / "b", gz=False)
    assert load_idx_dir(tmp_path / "a").fingerprint == load_idx_dir(tmp_path / "b").fingerprint
    assert load_idx_dir(tmp_path / "a").images_text == "12 training and 5 test images"
