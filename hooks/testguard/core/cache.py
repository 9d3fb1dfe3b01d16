"""A per-file cache of static results, keyed by content.

A file whose size and mtime are unchanged is a hit without being read (as
ruff's cache does); when they changed, the file is read and its content hash
decides (a ``git checkout`` that touches mtimes costs a read, not a re-check).
The key of the whole cache includes testguard's version, the checks run and
the configuration they depend on, so a config change starts afresh.

The cache is JSON, never pickle: a pull request could commit a crafted cache
file, and loading it must not run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# testguard cache\n"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class StaticCache:
    def __init__(self, directory: Path | None, fingerprint: str) -> None:
        self.directory = directory
        self.fingerprint = fingerprint
        self.entries: dict[str, Any] = {}
        self.dirty = False
        self.file = directory / f"static-{fingerprint[:16]}.json" if directory else None
        if self.file is not None:
            self._load()

    def _load(self) -> None:
        assert self.file is not None
        try:
            data = json.loads(self.file.read_bytes())
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("fingerprint") == self.fingerprint:
            files = data.get("files")
            if isinstance(files, dict):
                self.entries = files

    def lookup(self, path: str, stat: os.stat_result | None) -> Any:
        """The cached results when size and mtime match, else None."""
        entry = self.entries.get(path)
        if entry is None or stat is None:
            return None
        if entry.get("stat") == [stat.st_mtime_ns, stat.st_size]:
            return entry.get("results")
        return None

    def lookup_content(self, path: str, digest: str, stat: os.stat_result | None) -> Any:
        entry = self.entries.get(path)
        if entry is None or entry.get("hash") != digest:
            return None
        if stat is not None:
            entry["stat"] = [stat.st_mtime_ns, stat.st_size]
            self.dirty = True
        return entry.get("results")

    def store(self, path: str, digest: str, stat: os.stat_result | None, results: Any) -> None:
        if self.file is None:
            return
        self.entries[path] = {
            "stat": [stat.st_mtime_ns, stat.st_size] if stat is not None else None,
            "hash": digest,
            "results": results,
        }
        self.dirty = True

    def save(self) -> None:
        if self.file is None or self.directory is None or not self.dirty:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            gitignore = self.directory / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# created by testguard\n*\n")
                (self.directory / "CACHEDIR.TAG").write_text(CACHEDIR_TAG)
            payload = json.dumps(
                {"fingerprint": self.fingerprint, "files": self.entries}, separators=(",", ":")
            )
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".static-", suffix=".tmp")
            with os.fdopen(fd, "w") as handle:
                handle.write(payload)
            os.replace(tmp, self.file)
        except OSError:
            # A read-only checkout still gets its results; only the speed-up is lost.
            return
