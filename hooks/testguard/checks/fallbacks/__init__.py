"""``testguard fallbacks``: tests that hide a first-party import failure (TG401–TG403).

A test that does ``try: from mypkg.x import y`` / ``except ImportError:``
passes — or silently skips — when the project's own module is broken, which
is exactly when it should fail.  Reported: a first-party import inside a try
whose handler catches ImportError, ModuleNotFoundError, Exception,
BaseException or everything and does not re-raise or fail (TG401);
``pytest.importorskip`` of a first-party module (TG402); skip conditions
(``skipif``, ``skipIf``, ``skipUnless``, ``if not X: pytest.skip()``) on a name
such a handler sets (TG403).  Optional third-party dependencies handled the
same way are fine and not reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from testguard.checks.fallbacks.rules import RULES
from testguard.core.check import Check, StaticScan
from testguard.core.config import NoSettings, Section

if TYPE_CHECKING:
    from testguard.core.findings import Finding
    from testguard.core.fixes import FileFix


def _scanner() -> StaticScan:
    from testguard.checks.fallbacks import detect

    return detect.SCAN


def _fix(text: str, findings: Sequence[Finding]) -> FileFix:
    from testguard.checks.fallbacks import fix

    return fix.fix(text, findings)


CHECK = Check(
    name="fallbacks",
    help="flag tests that hide first-party import failures (TG4xx)",
    rules=RULES,
    config=Section("fallbacks", {}, NoSettings, static=True),  # no keys yet
    description=__doc__ or "",
    static=_scanner,
    fix=_fix,
)
