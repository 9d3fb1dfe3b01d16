"""Replacing a file whole or not at all: the new bytes go to a temporary file beside it,
which is renamed over it, so a full disk, a crash or an interrupt leaves the old file as it
was, and no temporary file behind.  The baseline, the fixes and the report files use it."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def replace_file(target: Path, data: bytes, mode: int | None) -> None:
    """Puts ``data`` at ``target``; ``mode``: the permission bits to keep (those of the
    file being replaced), None for a new file (then what the umask allows).  Raises the
    OSError that stopped it."""
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temp, stat.S_IMODE(mode))
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
