"""Checkpoints, images and data folders that are damaged, hostile or huge: refused from their headers
before anything big is read or allocated, with a message naming the file and no Python internals."""

from __future__ import annotations

import gzip
import io
import json
import pickle
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

from tests.bounded_run import run

SMALL = "conv 4 k=3 | relu | maxpool k=2 | flatten | fc 10"
INTERNALS = (
    "allow_pickle",
    "Unable to allocate",
    "cannot reshape",
    "cannot convert",
    "Traceback",
    "internal error",
)


def _arrays(path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _clean(result) -> str:
    text = result.output if hasattr(result, "output") else result.stdout + result.stderr
    assert not any(word in text for word in INTERNALS), text
    return result.stderr


def _npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    """A version 1.0 .npy header, padded as numpy pads it."""
    text = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    pad = 64 - (10 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def _with_entry(path, out, name: str, raw: bytes, compress: int = zipfile.ZIP_STORED) -> None:
    """The checkpoint at `path` with entry `name` replaced by the raw .npy bytes `raw`."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", compress) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info.filename, src.read(info))
        dst.writestr(name, raw)


def test_an_entry_claiming_a_trillion_values_is_refused_from_its_header(cli, model_file, tmp_path):
    bad = tmp_path / "claims.npz"
    _with_entry(model_file, bad, "param:0.weight.npy", _npy_header((10**12,)) + b"\0" * 16)
    result = cli("predict", "--model", bad)
    assert result.exit_code == 1
    assert "entry 'param:0.weight.npy' claims 1000000000000 float32 values" in _clean(result)


def test_a_huge_compressed_entry_is_refused_before_it_is_decompressed(cli, model_file, tmp_path, monkeypatch):
    # 64 MiB of zeros deflate to 64 KB; with the bound set to 16 MiB the entry is refused from
    # the size its zip header states, before a byte of it is inflated.
    import cnncalc.nn.checkpoint as checkpoint

    monkeypatch.setattr(checkpoint, "MAX_CHECKPOINT_BYTES", 16 << 20)
    bad = tmp_path / "bomb.npz"
    raw = _npy_header((16 << 20,)) + bytes(64 << 20)
    _with_entry(model_file, bad, "param:0.weight.npy", raw, zipfile.ZIP_DEFLATED)
    tracemalloc.start()
    try:
        result = cli("predict", "--model", bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1 and "more than 16 MiB" in _clean(result)
    assert peak < 16 << 20


def test_a_pickle_is_not_a_checkpoint(cli, tmp_path):
    bad = tmp_path / "model.npz"
    bad.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    result = cli("predict", "--model", bad)
    assert result.exit_code == 1 and f"{bad} is not a readable cnncalc checkpoint" in _clean(result)


@pytest.mark.parametrize(("content", "reason"), [(b"", "不是 zip 文件"), (b"PK\x03\x04", "不是 zip 文件")])
def test_a_file_that_is_not_a_zip_says_why_in_chinese(zh, tmp_path, content, reason):
    bad = tmp_path / "empty.npz"
    bad.write_bytes(content)
    result = zh("predict", "--model", str(bad))
    assert result.exit_code == 1
    assert f"不是可读的 cnncalc 检查点（被截断了，或者是别的文件：{reason}）" in _clean(result), result.stderr
    assert "zip file" not in result.stderr


def test_an_entry_of_python_objects_is_never_loaded(cli, model_file, tmp_path):
    bad = tmp_path / "objects.npz"
    _with_entry(model_file, bad, "spec.npy", _npy_header((), "|O") + pickle.dumps("conv 4 k=3"))
    result = cli("predict", "--model", bad)
    assert result.exit_code == 1 and "entry 'spec.npy' holds object values" in _clean(result)


def test_a_folder_as_model_says_so(cli, tmp_path):
    result = cli("predict", "--model", tmp_path)
    assert result.exit_code == 1 and f"{tmp_path} is a folder, not a checkpoint" in _clean(result)


@pytest.mark.parametrize("value", [np.nan, np.inf], ids=["nan", "inf"])
def test_non_finite_weights_are_a_damaged_checkpoint(cli, model_file, tmp_path, value):
    arrays = _arrays(model_file)
    arrays["param:1.weight"] = np.full(arrays["param:1.weight"].shape, value, np.float32)  # layer 1 (node id)
    bad = tmp_path / "nan.npz"
    np.savez(bad, **arrays)
    for extra in ([], ["--json"]):
        result = cli("predict", "--model", bad, *extra)
        assert result.exit_code == 1
        assert "param 1.weight holds NaN or infinite values" in _clean(result)
        if extra:
            json.loads(result.stderr)


def test_a_spec_naming_layers_the_file_does_not_hold_is_refused_before_building(cli, model_file, tmp_path):
    arrays = _arrays(model_file)
    arrays["spec"] = np.array("input 1x8x8\nconv 100000 k=99 p=49\nflatten\nfc 10")
    bad = tmp_path / "spec.npz"
    np.savez(bad, **arrays)
    tracemalloc.start()
    try:
        result = cli("predict", "--model", bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1 and "parameters but it stores" in _clean(result)
    assert peak < 64 << 20  # the spec's conv alone would be 3.9 GB of weights


def test_class_names_from_a_checkpoint_are_printed_escaped(cli, model_file, tmp_path):
    arrays = _arrays(model_file)
    meta = json.loads(str(arrays["meta"]))
    meta["class_names"] = [f"\x1b]0;owned\x07\x1b[2J{d}" for d in range(10)]
    arrays["meta"] = np.array(json.dumps(meta))
    hostile = tmp_path / "names.npz"
    np.savez(hostile, **arrays)
    result = cli("predict", "--model", hostile)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b]0;owned\\x07\\x1b[2J" in result.stdout


def test_predict_refuses_data_of_another_image_size(cli, model_file, tmp_path):
    from tests.nn.test_nn_data import write_idx_dir

    write_idx_dir(tmp_path / "big", size=(28, 28))
    for command in (["predict", "--model", model_file], ["show", "maps", "--model", model_file]):
        result = cli(*command, "--data", tmp_path / "big")
        assert result.exit_code == 1, result.output
        assert "takes 1×8×8 images but the data" in result.stderr and "has 1×28×28" in result.stderr


def test_an_endless_image_is_refused_within_bounded_memory(model_file):
    result = run("predict", "--model", model_file, "--image", "/dev/zero", timeout=60)
    assert result.returncode == 1, result.stderr
    assert "--image /dev/zero is larger than 64 MiB" in result.stderr


# -- IDX data -------------------------------------------------------------------------------------


def test_an_idx_header_of_2_31_squared_images_is_refused_by_the_file_size(tmp_path):
    from cnncalc.arith.errors import CnnCalcError
    from cnncalc.nn.data import IMAGES_MAGIC, read_idx

    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(struct.pack(">IIII", IMAGES_MAGIC, 2**31, 2**31, 4) + bytes(100))
    with pytest.raises(CnnCalcError, match=r"promises 2147483648×2147483648×4 values .*more than"):
        read_idx(path, IMAGES_MAGIC)


def test_a_gzip_idx_is_never_decompressed_past_what_its_header_promises(tmp_path):
    from cnncalc.arith.errors import CnnCalcError
    from cnncalc.nn.data import LABELS_MAGIC, read_idx

    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    body = io.BytesIO()
    with gzip.GzipFile(fileobj=body, mode="wb") as gz:
        gz.write(struct.pack(">II", LABELS_MAGIC, 10))
        for _ in range(128):  # 128 MiB of zeros after the 10 labels: a 128 KB file
            gz.write(bytes(1 << 20))
    path.write_bytes(body.getvalue())
    tracemalloc.start()
    try:
        with pytest.raises(CnnCalcError, match="promises 10 values .* more bytes than that"):
            read_idx(path, LABELS_MAGIC)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def test_a_gzip_header_claiming_more_than_deflate_can_hold_is_refused_at_once(tmp_path):
    from cnncalc.arith.errors import CnnCalcError
    from cnncalc.nn.data import IMAGES_MAGIC, read_idx

    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">IIII", IMAGES_MAGIC, 1000, 100, 100)))
    with pytest.raises(CnnCalcError, match=r"promises 1000×100×100 values .*holds at most"):
        read_idx(path, IMAGES_MAGIC)
