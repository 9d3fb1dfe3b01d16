"""``testguard hygiene``: the production side of lying tests (TG801–TG803).

Reads every Python file of the project (its imports and definitions; nothing
runs) into one import graph:

- TG801: a production module imports test code when it is imported (the tests
  are not installed with the package);
- TG802: a placeholder (a class of only pass/.../docstring; a function of only
  those or raise NotImplementedError) that a test imports: the test exercises
  a stub;
- TG803: production modules that import each other when they are imported
  (one finding per group, at the import that closes a shortest cycle).

Test code: the test globs ([tool.testguard] tests), every conftest.py, and
[tool.testguard.hygiene] test-code.  Production: every other Python file.
Imports inside functions and under `if TYPE_CHECKING:` are not imports at
import time.  [tool.testguard.hygiene] disable turns codes off.

Given files (pre-commit) do not narrow the analysis, only the report: a
finding is reported when it rests on one of them (the importing module, the
stub or a test that imports it, a module of the cycle).  --diff-base does not
narrow it either: a new test importing an old stub, or an import closing a
cycle, makes a finding at a line the change did not touch (record existing
findings with `testguard baseline`).
"""

from __future__ import annotations

from pathlib import Path

from testguard.checks.hygiene.rules import RULES
from testguard.checks.hygiene.settings import SECTION
from testguard.core.check import Check
from testguard.core.config import Config
from testguard.core.context import Context
from testguard.core.findings import CheckResult


def _run(ctx: Context) -> CheckResult:
    from testguard.checks.hygiene import gate

    return gate.run(ctx)


def _configured(root: Path, config: Config) -> bool:
    """Run by default when the project has first-party packages (config, [project].name or layout)."""
    from testguard.core.project import first_party

    return bool(first_party(root, config).names)


CHECK = Check(
    name="hygiene",
    help="production code that imports test code, stubs that tests import, import cycles (TG8xx)",
    rules=RULES,
    config=SECTION,
    description=__doc__ or "",
    run=_run,
    diff_filter=False,  # a finding may rest on lines elsewhere: a test that imports a stub
    configured=_configured,
)
