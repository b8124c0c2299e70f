"""Writing pictures: atomic, through symlinks, keeping modes, never renaming over a device."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from cnncalc.render.files import write_atomic


def test_new_file_gets_the_usual_mode_and_no_temp_file_is_left(tmp_path):
    target = tmp_path / "a.svg"
    assert write_atomic(target, b"<svg/>") == target
    assert target.read_bytes() == b"<svg/>"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["a.svg"]


def test_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "a.svg"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o640


def test_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "pictures" / "real.svg"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "link.svg"
    link.symlink_to(real)
    assert write_atomic(link, b"new") == real
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.svg"]


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.svg"
    link.symlink_to(tmp_path / "made.svg")
    write_atomic(link, b"x")
    assert link.is_symlink() and (tmp_path / "made.svg").read_bytes() == b"x"


def test_character_device_is_written_to_not_replaced():
    before = os.stat("/dev/null")
    assert str(write_atomic("/dev/null", b"data")) == "/dev/null"
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_fifo_without_a_reader_is_an_error_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="no reader"):
        write_atomic(fifo, b"data")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_fifo_with_a_reader_receives_the_data(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    ready = threading.Event()

    def read() -> None:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        ready.set()
        # an empty read means "no writer": before the first byte the writer may not have opened yet
        chunks: list[bytes] = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                chunk = None
            if chunk:
                chunks.append(chunk)
            elif chunk == b"" and chunks:
                break
            else:
                time.sleep(0.001)
        os.close(fd)
        received.append(b"".join(chunks))

    reader = threading.Thread(target=read)
    reader.start()
    ready.wait(5)
    write_atomic(fifo, b"x" * 200_000)  # more than a pipe buffer holds
    reader.join(5)
    assert received == [b"x" * 200_000]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match="folder"):
        write_atomic(tmp_path, b"x")


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "a.svg"
    target.write_bytes(b"old")

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["a.svg"]
