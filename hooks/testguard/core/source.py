"""Reading a Python source file safely: every bad file is a TG001, never a traceback."""

from __future__ import annotations

import codecs
import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

from testguard.core.findings import Finding

# PEP 263: a coding cookie in a comment on line 1 or 2.
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


@dataclass
class Source:
    path: str
    text: str
    data: bytes

    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def line(self, number: int) -> str:
        lines = self.lines
        return lines[number - 1] if 0 < number <= len(lines) else ""


FILES_CHECK = "files"  # the check that TG001 and TG002 findings belong to


def bad_file(path: str, message: str, line: int = 1, col: int = 1) -> Finding:
    return Finding(path=path, line=line, col=col, code="TG001", message=message, check=FILES_CHECK)


def detect_encoding(data: bytes) -> tuple[str, bytes]:
    """The encoding PEP 263 says the file has, and the data without a UTF-8 BOM (a BOM with
    a cookie for another encoding gives that encoding: ``decode`` refuses the pair, as CPython)."""
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    first, _, rest = data.partition(b"\n")
    match = _COOKIE.match(first)
    if match is None and _BLANK_OR_COMMENT.match(first):
        second = rest.partition(b"\n")[0]
        match = _COOKIE.match(second)
    if match is None or (bom and _is_utf8(match.group(1).decode("ascii", "replace"))):
        return "utf-8", data
    return match.group(1).decode("ascii", "replace"), (codecs.BOM_UTF8 + data if bom else data)


def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    except LookupError:
        return False


def decode(path: str, data: bytes) -> Source | Finding:
    if b"\0" in data:
        return bad_file(path, "binary file (contains NUL bytes); not checked")
    encoding, body = detect_encoding(data)
    try:
        codecs.lookup(encoding)
    except LookupError:
        return bad_file(path, f"unknown encoding {encoding!r} in coding cookie; not checked")
    if body.startswith(codecs.BOM_UTF8):
        return bad_file(path, f"a UTF-8 byte order mark with a coding cookie for {encoding!r}"
                        " (CPython refuses the file); not checked — remove one of them")
    try:
        text = body.decode(encoding)
    except LookupError:  # rot13, hex, base64: codecs CPython does not read source in either
        return bad_file(path, f"{encoding!r} in coding cookie is not a text encoding; not checked")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        col = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
        return bad_file(
            path,
            f"not valid {encoding} (byte 0x{body[exc.start]:02x} at offset {exc.start});"
            " not checked — save the file as UTF-8 or declare its encoding (PEP 263)",
            line,
            col,
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Source(path=path, text=text, data=data)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
"""O_NONBLOCK: opening a FIFO must not wait for a writer (it is then reported as not a file)."""


class NotARegularFile(OSError):
    """A path that is there but is no regular file (a FIFO, a device, a directory)."""


class FileTooLarge(OSError):
    """A regular file over the size limit; ``size`` is its size."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file too large ({size} bytes, limit {limit})")
        self.size = size


def read_regular(absolute: str, max_size: int) -> bytes:
    """The bytes of a regular file, in one open and one fstat: nothing else is read (a FIFO
    would block, a device never end).  Raises FileNotFoundError, NotARegularFile,
    FileTooLarge, or the OSError that opening or reading raised."""
    fd = os.open(absolute, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(f"{absolute} is not a regular file")
        if info.st_size > max_size:
            raise FileTooLarge(info.st_size, max_size)
        return _read_to_end(fd, info.st_size)
    finally:
        os.close(fd)


def read_bytes(root: Path, path: str, max_size: int) -> bytes | Finding:
    """The bytes of ``root/path``, or exactly why they cannot be read: one open, one fstat."""
    absolute = os.path.join(root, path)
    try:
        return read_regular(absolute, max_size)
    except FileNotFoundError:
        if os.path.islink(absolute):
            return bad_file(path, f"broken symbolic link to {os.readlink(absolute)!r}; not checked")
        return bad_file(path, "file not found; not checked")
    except NotARegularFile:
        return bad_file(path, "not a regular file; not checked")
    except FileTooLarge as exc:
        return bad_file(
            path,
            f"file too large ({exc.size} bytes, limit {max_size}); not checked"
            " — raise 'max-file-size' in [tool.testguard] or exclude it",
        )
    except OSError as exc:
        return bad_file(path, f"cannot read file: {exc.strerror or exc}; not checked")


def _read_to_end(fd: int, size: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, max(size + 1, 1 << 16)):
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_source(root: Path, path: str, max_size: int) -> Source | Finding:
    """Reads ``root/path`` as Python source, or says exactly why it cannot."""
    data = read_bytes(root, path, max_size)
    return data if isinstance(data, Finding) else decode(path, data)


def compile_error(source: Source) -> Finding | None:
    """TG001 when CPython cannot compile the file: what importing it would raise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escape sequences: not ours to report
            compile(source.text, source.path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return bad_file(
            source.path,
            f"syntax error: {exc.msg}; not checked",
            exc.lineno or 1,
            exc.offset or 1,
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        # CPython 3.11's parser gives up on deep nesting (``----1``) with a bare MemoryError.
        reason = str(exc) or f"CPython's parser gave up ({type(exc).__name__}): nested too deeply"
        return bad_file(source.path, f"cannot parse: {reason}; not checked")
    return None
