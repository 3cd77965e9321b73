"""Reading a local file whole, safely: only regular files, never more than a limit.

``Path.read_bytes()`` on ``/dev/zero`` never ends, on a FIFO waits for a writer forever, and on a
2 GB file takes 2 GB of memory before any size check can run. :func:`read_regular_file` looks at
what the path is before opening it, opens without blocking, looks again at what was opened (the
path may have been swapped in between), and reads at most ``limit + 1`` bytes.
"""

from __future__ import annotations

import os
import stat

__all__ = ["FileRefused", "read_regular_file"]

_CHUNK = 1 << 20
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class FileRefused(Exception):
    """The file was not read; :attr:`reason` says why, e.g. ``"is not a regular file"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _check(st: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise FileRefused("is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused("is not a regular file")
    if st.st_size > limit:
        raise FileRefused(f"is too large ({st.st_size:,} bytes; at most {limit:,})")


def read_regular_file(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """The bytes of ``path``, or :class:`FileRefused` when it is missing, unreadable, not a
    regular file (a device, FIFO or socket) or larger than ``limit`` bytes."""
    try:
        _check(os.stat(path), limit)
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise FileRefused("does not exist") from None
    except OSError as exc:
        raise FileRefused(f"cannot be read ({exc.strerror or exc})") from None
    try:
        _check(os.fstat(fd), limit)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:  # the file may grow while it is read
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise FileRefused(f"cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if total > limit:
        raise FileRefused(f"is too large (more than {limit:,} bytes)")
    return b"".join(chunks)
