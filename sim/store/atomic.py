"""Atomic file writes: a temporary file in the same folder, fsync, rename. Readers never see half a file."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path

FILE_MODE = 0o644
"""Written files are readable by all, like files written directly."""


def fsync_dir(path: Path) -> None:
    """Persist a rename in ``path`` (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def tmp_name(path: Path, suffix: str = "") -> Path:
    """A hidden temporary name next to ``path`` (``suffix`` keeps writers that look at it happy)."""
    return path.with_name(f".{path.name}.tmp-{secrets.token_hex(4)}{suffix}")


_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK}
"""Errors of ``os.link`` that mean the file system cannot hard-link (not a full disk, not a clash)."""


def _link_new(tmp: Path, path: Path) -> None:
    """Move ``tmp`` to ``path`` only if ``path`` does not exist (``FileExistsError`` otherwise).

    A hard link is atomic and never replaces; where links are not supported, an exclusive create
    claims the name first (a reader may then briefly see an empty file)."""
    try:
        os.link(tmp, path)
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        os.replace(tmp, path)
        return
    tmp.unlink()


def atomic_write(
    path: str | Path, write: Callable[[Path], None], suffix: str = "", exclusive: bool = False
) -> Path:
    """Call ``write(tmp)`` to fill a temporary file, then fsync it and rename it to ``path``.

    ``exclusive``: never replace an existing ``path`` (raise ``FileExistsError``): a name claimed
    by one writer cannot be taken over by another."""
    path = Path(path)
    tmp = tmp_name(path, suffix)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        if exclusive:
            _link_new(tmp, path)
        else:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
    return path


def atomic_write_bytes(path: str | Path, data: bytes, exclusive: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (``exclusive``: only if ``path`` does not exist)."""
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return atomic_write(path, write, exclusive=exclusive)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))
