"""Replacing a file whole or not at all (core/atomic.py): the baseline, fixes and reports."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from testguard.core.atomic import replace_file


def test_a_new_file_gets_what_the_umask_allows_and_an_old_one_keeps_its_mode(tmp_path: Path) -> None:
    new = tmp_path / "new.json"
    replace_file(new, b"{}\n", None)
    umask = os.umask(0)
    os.umask(umask)
    assert new.read_bytes() == b"{}\n"
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    old = tmp_path / "old.json"
    old.write_bytes(b"old")
    old.chmod(0o640)
    replace_file(old, b"new", old.stat().st_mode)
    assert old.read_bytes() == b"new" and stat.S_IMODE(old.stat().st_mode) == 0o640


def test_a_replace_that_fails_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.mkdir()  # the rename over a directory fails after the bytes were written
    (target / "kept").write_text("x")
    with pytest.raises(OSError):
        replace_file(target, b"data", None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    assert (target / "kept").read_text() == "x"
