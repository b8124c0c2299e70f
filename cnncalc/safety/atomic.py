"""Saving a file to the path a user gave: atomically, and without ever clobbering what the path is.

Every writer in cnncalc saves through `atomic_write` (checkpoints, `--svg`, `--html`, `draw --out`,
downloads):

- A regular file (or a new name) is written to a temporary file in the target's own folder,
  flushed to disk and renamed over the target, so no reader, crash, Ctrl-C or SIGTERM ever sees
  half a file. An existing file keeps its permission bits (and its owner, where allowed); a new
  one gets 0666 less the umask. A read-only file is refused, not replaced.
- A symlink is followed to the file it points to, which is replaced; the link stays a link.
- A character device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe) is written through,
  never renamed over; a FIFO with no reader is an error, not a hang. A block device (a disk) and
  a folder are refused.
- `expect=` is the `Snapshot` of the file the caller last read or wrote (None: it did not
  exist). If the file has changed since (another program saved to it), the save is refused with
  `ChangedOnDisk` and the file is left as it is.

The temporary file is removed on every way out (an error, an exception, Ctrl-C; the CLI turns
SIGTERM and SIGHUP into the same). Errors are `CnnCalcError`s naming the user's path, never the
temporary file; `field=` names the option it was given with (`{field}` in the message).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(folder / "a.txt", "hello").read_text()
'hello'
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cnncalc.arith.errors import CnnCalcError, UsageError
from cnncalc.i18n import _, translated


@dataclass(frozen=True)
class Snapshot:
    """What a file was when last seen. A save replaces the file (a new inode and modification
    time), so any save by another program since then shows as a different snapshot."""

    device: int
    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str | Path) -> Snapshot | None:
        """The file's snapshot now (symlinks followed), None when there is no file."""
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class ChangedOnDisk(CnnCalcError):
    """The file changed since the caller last read or wrote it: someone else saved to it."""


class _Any:
    """`expect=` default: save whatever the file is now."""


ANY = _Any()


@dataclass
class Saving:
    """A save in progress: write to `file`; `target` is the file written (symlinks followed) and,
    after the save, `snapshot` is its new state."""

    target: Path
    file: BinaryIO
    snapshot: Snapshot | None = None


def check_writable(path: str | Path, *, field: str | None = None, make_parents: bool = False) -> Path:
    """Refuse now, before any work, a path a save could not write; return the file it would write.

    A temporary file is created and removed in the target's folder, so permissions, a read-only
    disk or a missing folder show up here. `make_parents` creates missing folders (as the save
    would).
    """
    path = _named(path, field)
    target, st = _resolve(path, field)
    if st is not None and not stat.S_ISREG(st.st_mode):
        if not os.access(target, os.W_OK):
            raise _error(path, field, _("it cannot be written (permission denied)"))
        return target
    if st is not None and not os.access(target, os.W_OK):
        raise _error(path, field, _("it is read-only; make it writable or choose another name"))
    _folder(path, target, field, make_parents)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise _error(
            path,
            field,
            _("cannot create a file in {folder} ({reason})").format(folder=target.parent, reason=_reason(e)),
        ) from None
    return target


@contextmanager
def atomic_write(
    path: str | Path,
    *,
    field: str | None = None,
    expect: Snapshot | None | _Any = ANY,
    make_parents: bool = False,
) -> Iterator[Saving]:
    """Save to `path` by writing to `saving.file` inside the `with` block (see the module's rules).

    The file is replaced only when the block finishes without an exception; otherwise the old
    file is untouched and the temporary file removed.
    """
    path = _named(path, field)
    target, st = _resolve(path, field)
    if st is not None and not stat.S_ISREG(st.st_mode):
        try:
            with _open_through(path, st) as through:
                yield Saving(target, through)
                through.flush()  # a full device says so here, not when the file is closed
        except OSError as e:
            raise _error(path, field, _reason(e)) from None
        return
    _folder(path, target, field, make_parents)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise _error(path, field, _reason(e)) from None
    try:
        with os.fdopen(fd, "wb") as file:
            saving = Saving(target, file)
            yield saving
            file.flush()
            os.fsync(file.fileno())
        _keep_mode_and_owner(tmp, st)
        _check_unchanged(path, target, field, expect)
        os.replace(tmp, target)
        saving.snapshot = Snapshot.of(target)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _error(path, field, _reason(e)) from None
        raise


def write_atomic(
    path: str | Path,
    data: bytes | str,
    *,
    field: str | None = None,
    expect: Snapshot | None | _Any = ANY,
    make_parents: bool = False,
) -> Path:
    """Save `data` (text is written as UTF-8) to `path`; returns the file written."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_write(path, field=field, expect=expect, make_parents=make_parents) as saving:
        saving.file.write(raw)
    return saving.target


# -- internals ------------------------------------------------------------------------------------


def _error(path: Path | str, field: str | None, reason: str, usage: bool = False) -> CnnCalcError:
    """`reason` (a clause in the chosen language) said about the path the user gave."""
    kind = UsageError if usage else CnnCalcError
    if field is not None:
        return kind(_("{field} {path}: {reason}"), field=field, path=path, reason=reason)
    return kind(_("cannot write {path}: {reason}"), path=path, reason=reason)


def _reason(e: OSError) -> str:
    """What went wrong, without the temporary file's name that an OSError carries; the system's
    words in the chosen language where the catalog has them (`cnncalc.cli.errors.OS_REASONS`)."""
    if e.errno == errno.ENXIO:
        return _("it is a named pipe with no reader")
    return translated(e.strerror) if e.strerror else str(e)


def _named(path: str | Path, field: str | None) -> Path:
    """The path given, refusing an empty name (which `Path` would read as the current folder)."""
    if str(path) == "":
        if field is not None:
            raise UsageError(_("{field} is an empty name; give a file name"), field=field)
        raise UsageError(_("the file name to write is empty; give a file name"))
    return Path(path)


def _resolve(path: Path, field: str | None) -> tuple[Path, os.stat_result | None]:
    """The file a save to `path` writes and its stat: for a regular file or a new name, the real
    path (symlinks followed, even dangling ones); for a device or FIFO, the path as given (a link
    to /dev/stdout is opened as /dev/stdout)."""
    try:
        st = os.stat(path)  # follows symlinks: what the path points to
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise _error(path, field, _("part of the path is a file, not a folder"), usage=True) from None
    except OSError as e:
        raise _error(path, field, _reason(e)) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _error(
            path,
            field,
            _("it is a folder; give a file name inside it, e.g. {example}").format(example=f"{path}/NAME"),
            usage=True,
        )
    if st is not None and stat.S_ISBLK(st.st_mode):
        raise _error(path, field, _("it is a block device (a disk); a file is never written onto one"))
    if st is not None and not stat.S_ISREG(st.st_mode):
        return path, st
    return Path(os.path.realpath(path)), st


def _folder(path: Path, target: Path, field: str | None, make_parents: bool) -> None:
    folder = target.parent
    if make_parents:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise _error(
                path,
                field,
                _("cannot create the folder {folder} ({reason})").format(folder=folder, reason=_reason(e)),
            ) from None
    if not folder.is_dir():
        raise _error(path, field, _("the folder {folder} does not exist").format(folder=folder), usage=True)


@contextmanager
def _open_through(path: Path, st: os.stat_result) -> Iterator[BinaryIO]:
    """A device or FIFO opened for writing as it is: no O_CREAT, no O_TRUNC, never renamed over."""
    fifo = stat.S_ISFIFO(st.st_mode)
    # A FIFO is opened without blocking, so that one with no reader fails (ENXIO) at once.
    fd = os.open(path, os.O_WRONLY | (os.O_NONBLOCK if fifo else 0))
    if fifo:
        os.set_blocking(fd, True)  # a reader is there: wait for it as any write does
    with os.fdopen(fd, "wb") as file:
        yield file


def _keep_mode_and_owner(tmp: str, st: os.stat_result | None) -> None:
    if st is None:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    try:
        os.chown(tmp, st.st_uid, st.st_gid)
    except PermissionError:  # only root may give a file away; the owner saving it keeps it anyway
        pass


def _check_unchanged(path: Path, target: Path, field: str | None, expect: Snapshot | None | _Any) -> None:
    try:
        now = os.lstat(target)
    except FileNotFoundError:
        now = None
    if now is not None and not stat.S_ISREG(now.st_mode):
        # it changed under us (a device, a folder or a link appeared): never rename over it
        raise _error(path, field, _("it is no longer a regular file; not replaced"))
    if not isinstance(expect, _Any) and Snapshot.of(target) != expect:
        said = (
            _(
                "{path} was created since this program last read or wrote it (another program saved to it?); "
                "it was left as it is"
            )
            if expect is None
            else _(
                "{path} changed since this program last read or wrote it (another program saved to it?); "
                "it was left as it is"
            )
        )
        raise ChangedOnDisk(said, path=path)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
