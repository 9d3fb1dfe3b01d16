"""The import-fallback ban: first-party import failures hidden in tests are reported, third-party ones are not."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, write

FIXTURE = Path(__file__).parent / "fixtures" / "mocks" / "project"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    return tmp_path / "project"


def test_first_party_fallbacks_reported(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "fallbacks", "--format", "json", "--no-cache")
    assert run.code == 1
    found = [
        (f["path"], f["line"], f["col"], f["code"], f["details"].get("module"), f["details"].get("flag"))
        for f in run.json()["findings"]
    ]
    name = "tests/fallbacks_all.py"
    assert found == [
        (name, 6, 5, "TG401", "mypkg.ratelimit", None),
        (name, 18, 5, "TG401", "mypkg.billing", None),
        (name, 27, 8, "TG402", "mypkg.fast", None),
        (name, 31, 2, "TG403", "mypkg.ratelimit", "RATE_LIMITING_AVAILABLE"),
        (name, 41, 2, "TG403", "mypkg.billing", "billing"),
        (name, 44, 9, "TG403", "mypkg.ratelimit", "RATE_LIMITING_AVAILABLE"),
    ]


def test_message_points_at_the_import(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "fallbacks", "--no-cache")
    assert (
        "tests/fallbacks_all.py:31:2: TG403 pytest.mark.skipif on 'RATE_LIMITING_AVAILABLE', which is set"
        " when the import of 'mypkg.ratelimit' (line 6) fails" in run.out
    )


def test_third_party_and_reraising_handlers_are_fine(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/test_optional.py": """\
        import pytest

        try:
            import numpy
        except ImportError:
            numpy = None

        try:
            from mypkg import util
        except ImportError as exc:
            raise RuntimeError("mypkg is broken") from exc

        try:
            from mypkg import billing
        except ImportError:
            pytest.fail("mypkg.billing does not import")

        try:
            from mypkg import ratelimit
        except KeyError:
            ratelimit = None

        yaml = pytest.importorskip("yaml")


        @pytest.mark.skipif(numpy is None, reason="numpy is optional")
        def test_numpy():
            pass
    """})
    run = tg(project, "fallbacks", "--format", "json", "--no-cache", "tests/test_optional.py")
    assert (run.code, run.json()["findings"]) == (0, [])


def test_unittest_and_module_level_skips(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/test_flags.py": """\
        import unittest
        from unittest import skipIf

        import pytest

        HAVE_BILLING = False
        try:
            import mypkg.billing
            HAVE_BILLING = True
        except Exception:
            pass

        if not HAVE_BILLING:
            pytest.skip("no billing", allow_module_level=True)

        pytestmark = pytest.mark.skipif("not HAVE_BILLING")


        @skipIf(not HAVE_BILLING, "no billing")
        class TestIt(unittest.TestCase):
            def test_it(self):
                if HAVE_BILLING is False:
                    raise unittest.SkipTest("no billing")
    """})
    run = tg(project, "fallbacks", "--format", "json", "--no-cache", "tests/test_flags.py")
    assert [(f["line"], f["code"]) for f in run.json()["findings"]] == [
        (8, "TG401"), (13, "TG403"), (16, "TG403"), (19, "TG403"), (22, "TG403"),
    ]


def test_raising_skiptest_in_the_handler_hides_too(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/test_skiptest.py": """\
        import unittest

        try:
            from mypkg import billing
        except ImportError:
            raise unittest.SkipTest("billing does not import")
    """})
    run = tg(project, "fallbacks", "--format", "json", "--no-cache", "tests/test_skiptest.py")
    assert [(f["line"], f["code"]) for f in run.json()["findings"]] == [(4, "TG401")]


def test_production_code_is_not_checked(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"src/mypkg/compat.py": """\
        try:
            from mypkg import fast
        except ImportError:
            fast = None
    """})
    run = tg(project, "fallbacks", "--format", "json", "--no-cache", "src/mypkg/compat.py")
    assert (run.code, run.json()["findings"]) == (0, [])


def test_a_module_name_split_over_lines_is_read(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/test_split.py": """\
        import importlib

        import pytest

        try:
            billing = importlib.import_module("mypkg"
                                              ".billing")
        except ImportError:
            billing = None

        fast = pytest.importorskip(
            "mypkg"
            ".fast"
        )
    """})
    run = tg(project, "fallbacks", "--format", "json", "--no-cache", "tests/test_split.py")
    found = [(f["line"], f["code"], f["details"]["module"]) for f in run.json()["findings"]]
    assert found == [(6, "TG401", "mypkg.billing"), (11, "TG402", "mypkg.fast")]


def test_imports_under_type_checking_are_not_findings(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/test_typing_only.py": """\
        import typing
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            try:
                from mypkg import billing
            except ImportError:
                billing = None
        if typing.TYPE_CHECKING:
            pass
        else:
            try:
                from mypkg import ratelimit
            except ImportError:
                ratelimit = None
    """})
    run = tg(project, "fallbacks", "--format", "json", "--no-cache", "tests/test_typing_only.py")
    found = [(f["line"], f["code"], f["details"]["module"]) for f in run.json()["findings"]]
    assert found == [(13, "TG401", "mypkg")]  # the else branch runs
