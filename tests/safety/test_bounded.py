"""Reading with a bound: an endless file or line costs the bound, not the machine."""

from __future__ import annotations

import io
import os
import threading

import pytest

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.safety.bounded import read_bytes, read_line


def test_an_endless_device_is_refused_after_the_bound():
    with pytest.raises(CnnCalcError, match="--image /dev/zero is larger than 1 MiB"):
        try:
            read_bytes("/dev/zero", 1 << 20, field="image")
        except CnnCalcError as e:
            raise CnnCalcError(e.for_flag("--image")) from None


def test_a_file_at_the_bound_is_read_whole(tmp_path):
    path = tmp_path / "exact.bin"
    path.write_bytes(b"x" * 1024)
    assert read_bytes(path, 1024) == b"x" * 1024


def test_a_folder_or_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(UsageError, match="is a folder"):
        read_bytes(tmp_path, 10, usage=True)
    with pytest.raises(CnnCalcError, match="cannot read it"):
        read_bytes(tmp_path / "missing", 10)


def test_a_fifo_that_never_ends_is_read_up_to_the_bound(tmp_path):
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)

    def write_forever() -> None:
        try:
            with open(fifo, "wb") as f:
                while True:
                    f.write(b"y" * 65536)
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    with pytest.raises(CnnCalcError, match="larger than 256 KiB"):
        read_bytes(fifo, 256 << 10)
    writer.join(5)


def test_lines_are_read_up_to_the_bound_and_the_rest_skipped():
    stream = io.StringIO("12\n" + "3" * 10_000 + "\n45\n")
    assert read_line(stream, 100) == "12"
    assert read_line(stream, 100) == "33333333333333333333…(10000 chars)…"
    assert read_line(stream, 100) == "45"
    assert read_line(stream, 100) is None
