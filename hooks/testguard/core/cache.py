"""A per-file cache of static results, keyed by content.

An entry is trusted only when the file's content hash matches: every cached
file is read and hashed on every run.  Trusting (size, mtime) as ruff does
would skip the read, but a file rewritten with the same size and its mtime set
back (``os.utime``, an archive extract, a coarse-mtime file system) would then
get the findings of its old content.  On the 5,127 test files (43 MB) of the
bench corpus the read and hash cost about 0.1 s of a warm run (bench/README.md).
The key of the whole cache includes testguard's version, the checks run and
the configuration they depend on, so a config change starts afresh.

The cache is JSON, never pickle: a pull request could commit a crafted cache
file, and loading it must not run code.  Nor may such a file pass its forged
results off as this machine's: the key of the whole cache also holds a random
secret kept in the user's cache directory, so only a cache this machine wrote
is ever read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# testguard cache\n"


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/testguard`` (``~/.cache/testguard``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "testguard"


def machine_secret() -> str:
    """A random secret of this user on this machine, made on first use.

    Where it cannot be kept, a new one for this run: the cache is then only not reused.
    """
    path = user_cache_dir() / "secret"
    try:
        secret = path.read_text("ascii").strip()
        if len(secret) == 64:
            return secret
    except (OSError, UnicodeDecodeError):
        pass
    secret = os.urandom(32).hex()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-", suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(secret)
        os.replace(tmp, path)
    except OSError:
        pass
    return secret


def content_hash(data: bytes) -> str:
    # sha256 runs on the CPU's SHA extensions where there are any: twice blake2b's speed here.
    import hashlib

    return hashlib.sha256(data).hexdigest()[:32]


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
            import json

            data = json.loads(self.file.read_bytes())
        except (OSError, ValueError, RecursionError):
            return
        if isinstance(data, dict) and data.get("fingerprint") == self.fingerprint:
            files = data.get("files")
            if isinstance(files, dict):
                self.entries = files

    def __contains__(self, path: str) -> bool:
        return path in self.entries

    def lookup(self, path: str, digest: str, compiled: bool) -> list[dict[str, Any]] | None:
        """The cached results of ``path`` when its content hash is ``digest``.

        ``compiled``: only an entry made after CPython compiled the file will do
        (a given or changed file must get TG001 when it does not parse).
        """
        entry = self.entries.get(path)
        if not isinstance(entry, dict) or entry.get("hash") != digest:
            return None
        if compiled and entry.get("compiled") is not True:
            return None
        results = entry.get("results")
        return results if isinstance(results, list) else None

    def store(self, path: str, digest: str, compiled: bool, results: list[dict[str, Any]]) -> None:
        if self.file is None:
            return
        self.entries[path] = {"hash": digest, "compiled": compiled, "results": results}
        self.dirty = True

    def save(self) -> None:
        if self.file is None or self.directory is None or not self.dirty:
            return
        try:
            # The markers that keep the cache out of git and backups go only into a directory
            # testguard makes: `cache-dir = "."` must not hide the project itself.
            made = not self.directory.exists()
            self.directory.mkdir(parents=True, exist_ok=True)
            if made:
                (self.directory / ".gitignore").write_text("# created by testguard\n*\n")
                (self.directory / "CACHEDIR.TAG").write_text(CACHEDIR_TAG)
            import json
            import tempfile

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
