"""Writing a picture to the path the user gave, atomically and without clobbering what it is.

- A regular file (or a new name) is written to a temporary file in the same folder and renamed
  over it, so a reader never sees half a file; an existing file keeps its permission bits.
- A symlink is written through to its target (the link itself stays a link).
- A device, FIFO or socket (`/dev/stdout`, `/dev/null`, a named pipe) is written to directly:
  nothing is ever renamed over it. A FIFO with no reader is an error, not a hang.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` (see the module's rules); returns the file actually written."""
    path = Path(path)
    try:
        st = os.stat(path)  # follows symlinks: what the path points to
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder; give a file name inside it", str(path))
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_through(path, data, stat.S_ISFIFO(st.st_mode))
        return path
    target = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
        try:
            now = os.lstat(target)
        except FileNotFoundError:
            now = None
        if now is not None and not stat.S_ISREG(now.st_mode):
            # it changed under us (a device or folder appeared): never rename over it
            raise FileExistsError(errno.EEXIST, "it is no longer a regular file; not replaced", str(target))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _write_through(path: Path, data: bytes, fifo: bool) -> None:
    flags = os.O_WRONLY | (os.O_NONBLOCK if fifo else 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if fifo and e.errno == errno.ENXIO:
            raise OSError(errno.ENXIO, "it is a named pipe with no reader", str(path)) from None
        raise
    try:
        if fifo:
            os.set_blocking(fd, True)  # a reader is there: wait for it as a normal write does
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
