"""File contents by git object id: the versions the baseline's line numbers refer to.

The baseline records, per file, the id git gives the file's content (a blob id).
``store`` computes those ids with ``git hash-object -w`` (so the content is in the
local object database even before it is committed); ``read`` gets contents back
with one ``git cat-file --batch``.  Without git, ids are computed here, as git
would for a file without filters, and nothing can be read back.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from testguard.core.gitsays import warn_refused

_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def is_object_id(text: str) -> bool:
    return _OBJECT_ID.fullmatch(text) is not None


def object_id(data: bytes, length: int = 40) -> str:
    """The blob id of ``data``: SHA-1 (40 hex digits) or, for SHA-256 repositories, 64."""
    digest = hashlib.sha256() if length == 64 else hashlib.sha1()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def _git(root: Path, args: list[str], data: bytes, doing: str = "", instead: str = "") -> bytes | None:
    """git's output, None when it fails; a refusal of the repository is said on stderr."""
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, input=data, capture_output=True, check=False
        )
    except OSError:
        return None
    if proc.returncode != 0 and doing:
        warn_refused(doing, proc.stderr, instead)
    return proc.stdout if proc.returncode == 0 else None


def store(root: Path, paths: Iterable[str]) -> dict[str, str]:
    """Git's blob id of each file (with the filters ``git add`` applies), written to
    the object database; files git cannot take are left out (empty without git)."""
    listed = sorted(p for p in set(paths) if "\n" not in p and "\r" not in p)
    if not listed:
        return {}
    names = b"".join(os.fsencode(p) + b"\n" for p in listed)
    out = _git(
        root, ["hash-object", "-w", "--stdin-paths"], names,
        "record the files' contents for the baseline",
        "its entries are written without them and match by their text only",
    )
    ids = out.decode("ascii", "replace").split() if out is not None else []
    if len(ids) != len(listed) or not all(is_object_id(i) for i in ids):
        return {}
    return dict(zip(listed, ids))


def read(root: Path, ids: Iterable[str]) -> dict[str, bytes]:
    """The content of each blob git has; ids it lacks (or cannot be asked for) are left out."""
    return _batch(root, sorted({i for i in ids if is_object_id(i)}))


def read_committed(root: Path, revision: str, paths: Iterable[str]) -> dict[str, bytes]:
    """The content of each of ``paths`` (relative to ``root``) at ``revision``, in one git
    call; a path that commit does not have (or git cannot say) is left out."""
    if revision.startswith("-"):
        return {}
    wanted = sorted({p for p in paths if p and "\n" not in p and "\r" not in p})
    found = _batch(root, [f"{revision}:./{p}" for p in wanted])
    return {p: found[f"{revision}:./{p}"] for p in wanted if f"{revision}:./{p}" in found}


def _batch(root: Path, names: list[str]) -> dict[str, bytes]:
    """``git cat-file --batch`` for object names (ids, ``rev:./path``); blobs only."""
    if not names:
        return {}
    # A path that is not UTF-8 goes to git as the bytes it is (os.fsencode's surrogateescape).
    out = _git(root, ["cat-file", "--batch"], b"".join(os.fsencode(n) + b"\n" for n in names))
    if out is None:
        return {}
    found: dict[str, bytes] = {}
    pos = 0
    for name in names:
        end = out.find(b"\n", pos)
        if end < 0:
            break
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or not header[2].isdigit():
            continue  # "<name> missing": no content follows
        size = int(header[2])
        if header[1] == b"blob" and (header[0] == os.fsencode(name) or not is_object_id(name)):
            found[name] = out[pos : pos + size]
        pos += size + 1
    return found
