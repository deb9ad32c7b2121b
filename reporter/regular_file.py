"""Read a small input file named on the command line, and nothing else.

Only a regular file is read (a symlink is followed first). A named pipe with
no writer would block the open forever and a device such as ``/dev/zero``
never ends, so both are refused before the file is opened. The cap holds for
a file that grows while it is read: at most one byte past it is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(Exception):
    """The path is a pipe, a device, a directory or a socket: it was not read."""

    def __init__(self, path: Path, mode: int) -> None:
        self.kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
        resolved = path.resolve()
        target = f" ({resolved})" if resolved != path.absolute() else ""
        super().__init__(f"is {self.kind}{target}, not a regular file")


class FileTooLarge(Exception):
    """The file holds more than the cap; ``size`` is at least the cap plus one."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"is {size:,} bytes, more than the {limit:,} bytes allowed")
        self.size = size
        self.limit = limit


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    Raises NotRegularFile or FileTooLarge, and OSError when it cannot be read.
    """
    _refuse_unless_regular(path, os.stat(path).st_mode)  # follows symlinks
    # O_NONBLOCK: a pipe swapped in after the check cannot block the open.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        _refuse_unless_regular(path, os.fstat(handle.fileno()).st_mode)
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise FileTooLarge(size, max_bytes)
        data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            # It grew while it was read; name its size now, not the bytes read.
            size = os.fstat(handle.fileno()).st_size
            raise FileTooLarge(max(size, len(data)), max_bytes)
    return data


def _refuse_unless_regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, mode)
