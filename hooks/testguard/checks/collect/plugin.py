"""pytest plugin that ``testguard collect`` loads into the project's own pytest.

It runs inside the project's interpreter (Python 3.9+, standard library plus the
pytest that is running it), is copied to a temporary directory and loaded with
``-p _testguard_collect``.  It records, as JSON in ``$TESTGUARD_COLLECT_OUT``:
every collection error with the real exception's frames (so testguard can point
at the line that caused it, not at pytest's internals), pytest internal errors,
a failure while loading the initial conftest files, the number of collected
items and pytest's exit status.  The file is rewritten at every stage and at
interpreter exit, so a process exit halfway still leaves what was known.
"""

from __future__ import annotations

import atexit
import json
import os
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

_STATE: dict[str, Any] = {"stage": "startup", "items": None, "exitstatus": None, "errors": []}
_SEEN: set[str] = set()  # nodeids already recorded
# Read once, when the plugin loads: a conftest may clear os.environ to make the tests hermetic.
_OUT = "" if os.environ.get("PYTEST_XDIST_WORKER") else os.environ.get("TESTGUARD_COLLECT_OUT", "")


def _write() -> None:
    out = _OUT
    if not out:
        return  # only the main pytest process reports
    tmp = out + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(_STATE, handle)
        os.replace(tmp, out)
    except OSError:
        pass


atexit.register(_write)
_write()  # the plugin is loaded: pytest started (no state file means it never did)


def _cause(exc: BaseException) -> BaseException:
    """The exception that really happened under pytest's wrappers."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "cause", None)  # pytest's ConftestImportFailure
        if not isinstance(inner, BaseException):
            inner = exc.__cause__
        if not isinstance(inner, BaseException):
            break
        exc = inner
    return exc


def _frames(exc: BaseException) -> list[list[Any]]:
    frames: list[list[Any]] = [
        [f.filename, f.lineno or 0] for f in traceback.extract_tb(exc.__traceback__)
    ]
    if isinstance(exc, SyntaxError) and exc.filename:
        frames.append([exc.filename, exc.lineno or 0])
    return frames


def _message(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        text = exc.msg
    elif isinstance(exc, SystemExit):
        text = "" if exc.code is None else repr(exc.code)
    else:
        text = str(exc)
    return text.strip()


def _record(stage: str, exc: BaseException | None, nodeid: str, path: str, longrepr: str) -> None:
    entry: dict[str, Any] = {
        "stage": stage,
        "nodeid": nodeid,
        "path": path,
        "longrepr": longrepr[:8000],
        "type": "",
        "message": "",
        "frames": [],
    }
    if exc is not None:
        real = _cause(exc)
        entry["type"] = type(real).__name__
        entry["pytest_exit"] = isinstance(real, getattr(pytest.exit, "Exception", ()))
        entry["message"] = _message(real)[:2000]
        entry["frames"] = _frames(real)
    _STATE["errors"].append(entry)
    _write()


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests() -> Iterator[None]:
    outcome: Any = yield
    excinfo = getattr(outcome, "excinfo", None)
    if excinfo is not None and excinfo[1] is not None:
        path = str(getattr(excinfo[1], "path", ""))
        _record("conftest", excinfo[1], "", path, "".join(traceback.format_exception_only(excinfo[0], excinfo[1])))


def pytest_configure() -> None:
    _STATE["stage"] = "collecting"
    _write()


def pytest_collectstart(collector: Any) -> None:
    # Kept up to date so that a hard exit (os._exit, a crash) still names the file.
    path = getattr(collector, "path", None)
    out = _OUT
    if out and path is not None and str(path).endswith(".py"):
        try:
            # A file name that is not UTF-8 (PEP 383 surrogates) is written as its bytes.
            with open(out + ".current", "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(str(path))
        except OSError:
            pass


def pytest_exception_interact(node: Any, call: Any, report: Any) -> None:
    if getattr(report, "when", None) != "collect" and call.when != "collect":
        return
    nodeid = str(getattr(node, "nodeid", ""))
    _SEEN.add(nodeid)
    path = str(getattr(node, "path", "") or getattr(node, "fspath", ""))
    _record("collect", call.excinfo.value, nodeid, path, str(report.longrepr))


def pytest_collectreport(report: Any) -> None:
    if not report.failed or report.nodeid in _SEEN:
        return
    _SEEN.add(report.nodeid)
    crash = getattr(report.longrepr, "reprcrash", None)
    entry_path = str(getattr(report, "fspath", "") or "")
    _record("collect", None, report.nodeid, entry_path, str(report.longrepr))
    if crash is not None:
        _STATE["errors"][-1]["frames"] = [[str(crash.path), int(crash.lineno)]]
        _STATE["errors"][-1]["message"] = str(crash.message)[:2000]


def pytest_internalerror(excrepr: Any, excinfo: Any) -> None:
    _record("internal", excinfo.value, "", "", str(excrepr))


def pytest_collection_finish(session: Any) -> None:
    _STATE["stage"] = "collected"
    _STATE["items"] = len(session.items)
    _write()


def pytest_sessionfinish(session: Any, exitstatus: Any) -> None:
    _STATE["stage"] = "finished"
    _STATE["exitstatus"] = int(exitstatus)
    _write()
