"""What testguard says when it runs in its own container image (``TESTGUARD_CONTAINER=1``)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

USER_HINT = (
    "; the container's user cannot write into the mounted project: run the image as"
    ' the project\'s owner, docker run --user "$(id -u):$(id -g)" ...'
    ' (README: "Other CI systems: the container image")'
)


def write_hint(directory: Path, exc: OSError) -> str:
    """The ``--user`` advice for a write refused in the image, else nothing."""
    if os.environ.get("TESTGUARD_CONTAINER") != "1" or exc.errno not in (errno.EACCES, errno.EPERM):
        return ""
    try:
        if directory.stat().st_uid == os.getuid():
            return ""  # already the owner: --user would not help
    except OSError:
        pass
    return USER_HINT
