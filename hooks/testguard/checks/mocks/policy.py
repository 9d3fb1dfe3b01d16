"""The allow policy: strict by default; ``allow`` classes and ``allow-targets`` globs.

With a policy, an allowed use is not reported, and the uses that only support
mocking (the library import, the ``mocker`` fixture, a mock object without a
spec) are reported only where the file (import) or the test (fixture, mock
object) also mocks something that is not allowed.

A mock object without a spec is excused only by an allowed *patch* in its test:
it is then taken to configure the allowed double (``get.return_value =
Mock(status_code=200)``).  An allowed mock *object* (``create_autospec(Session)``
with ``http`` allowed) excuses nothing next to it: a bare ``MagicMock()`` there
stands in for something nobody allowed, and is reported unless ``unknown`` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from testguard.checks.mocks.settings import MocksConfig
from testguard.checks.mocks.uses import Use


@dataclass(frozen=True)
class Policy:
    allow: frozenset[str]
    targets: tuple[str, ...]

    @classmethod
    def from_config(cls, config: MocksConfig) -> Policy:
        return cls(frozenset(config.allow), tuple(config.allow_targets))

    @property
    def strict(self) -> bool:
        return not self.allow and not self.targets

    def allows_target(self, dotted: str | None) -> bool:
        """``smtplib.SMTP`` allows ``smtplib.SMTP`` and everything under it."""
        if not dotted or not self.targets:
            return False
        parts = dotted.replace("()", "").split(".")
        prefixes = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
        return any(fnmatchcase(p, pattern) for p in prefixes for pattern in self.targets)

    def allows(self, use: Use) -> bool:
        return use.cls in self.allow or self.allows_target(use.target) or self.allows_target(use.resolved)


def reported(uses: list[Use], policy: Policy) -> list[Use]:
    """The uses to report under ``policy`` (all of them when it is strict)."""
    if policy.strict:
        return uses
    denied: set[int | None] = set()
    patched: set[int | None] = set()  # scopes with an allowed patch
    keep: list[Use] = []
    supporting: list[Use] = []
    for use in uses:
        if not use.targeted:
            supporting.append(use)
        elif use.kind == "mock-object" and use.target is None and "unknown" not in policy.allow:
            supporting.append(use)  # a bare Mock(): judged by the test it is in
        elif policy.allows(use):
            if use.kind != "mock-object":
                patched.add(use.scope)
        else:
            denied.add(use.scope)
            keep.append(use)
    for use in supporting:
        if use.code == "TG204" and (use.scope in denied or use.scope not in patched):
            keep.append(use)
    denied.update(u.scope for u in keep if u.code == "TG204")
    for use in supporting:
        if (use.code == "TG201" and denied) or (use.code == "TG205" and use.scope in denied):
            keep.append(use)
    return keep
