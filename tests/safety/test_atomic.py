"""The one way cnncalc saves: atomic, through symlinks, keeping modes, never renaming over a device."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.safety.atomic import ChangedOnDisk, Snapshot, atomic_write, check_writable, write_atomic


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
    with pytest.raises(CnnCalcError, match="no reader"):
        write_atomic(fifo, b"data")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_fifo_with_a_reader_receives_the_data(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    ready = threading.Event()

    def read() -> None:
        # Open without blocking (the writer then sees a reader) and read until everything came:
        # before the writer opens, a read finds no writer and returns nothing, so keep waiting.
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        ready.set()
        chunks: list[bytes] = []
        deadline = time.monotonic() + 10
        while sum(map(len, chunks)) < 200_000 and time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                chunk = b""
            if chunk:
                chunks.append(chunk)
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
    with pytest.raises(UsageError, match="folder"):
        write_atomic(tmp_path, b"x")


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "a.svg"
    target.write_bytes(b"old")

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(CnnCalcError, match="No space") as caught:
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["a.svg"]
    assert str(caught.value).startswith(f"cannot write {target}:") and ".tmp" not in str(caught.value)


def test_full_device_is_written_through_and_the_error_names_it():
    before = os.stat("/dev/full")
    with pytest.raises(CnnCalcError, match="--html /dev/full: No space left on device"):
        try:
            write_atomic("/dev/full", b"<html/>" * 10_000, field="html")
        except CnnCalcError as e:
            raise CnnCalcError(e.for_flag("--html")) from None
    after = os.stat("/dev/full")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


def test_a_symlink_to_a_device_stays_a_device(tmp_path):
    link = tmp_path / "out.svg"
    link.symlink_to("/dev/null")
    assert write_atomic(link, b"x") == link  # written through the link, as /dev/null itself
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_read_only_file_is_refused_not_replaced(tmp_path):
    target = tmp_path / "keep.npz"
    target.write_bytes(b"precious")
    target.chmod(0o444)
    if os.access(target, os.W_OK):
        pytest.skip("running as root: every file is writable")
    with pytest.raises(CnnCalcError, match="read-only"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"precious"


@pytest.mark.parametrize("name", ["", "."], ids=["empty", "dot"])
def test_no_file_name_is_a_usage_error(name):
    with pytest.raises(UsageError, match="give a file name"):
        check_writable(name, field="save")


def test_check_writable_refuses_a_missing_folder_and_can_create_it(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        check_writable(tmp_path / "no" / "a.npz")
    assert check_writable(tmp_path / "made" / "a.npz", make_parents=True) == tmp_path / "made" / "a.npz"
    assert (tmp_path / "made").is_dir() and list((tmp_path / "made").iterdir()) == []


def test_an_error_inside_the_block_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.npz"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as saving:
        saving.file.write(b"half")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["a.npz"]


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path):
    target = tmp_path / "shared.npz"
    target.write_bytes(b"run A, epoch 1")
    seen = Snapshot.of(target)
    write_atomic(target, b"run B, epoch 2")  # another program saves meanwhile
    with pytest.raises(ChangedOnDisk, match="changed since"):
        write_atomic(target, b"run A, epoch 2", expect=seen)
    assert target.read_bytes() == b"run B, epoch 2" and [p.name for p in tmp_path.iterdir()] == ["shared.npz"]


def test_expect_none_refuses_a_file_that_appeared(tmp_path):
    target = tmp_path / "new.npz"
    target.write_bytes(b"someone else's")
    with pytest.raises(ChangedOnDisk, match="was created"):
        write_atomic(target, b"mine", expect=None)


def test_the_new_snapshot_is_what_a_later_save_expects(tmp_path):
    target = tmp_path / "run.npz"
    with atomic_write(target, expect=None) as saving:
        saving.file.write(b"epoch 1")
    assert saving.snapshot == Snapshot.of(target)
    write_atomic(target, b"epoch 2", expect=saving.snapshot)
    assert target.read_bytes() == b"epoch 2"
