"""``testguard mocks --inventory``: what every mock in the test suite replaces.

Counts the findings of the mock check (baselined ones included: they are the
existing mocks a team wants to move away from; suppressed and allowed uses are
not counted).  ``uses`` and ``by_class`` count replacements — patches and mock
objects —; ``by_kind`` also counts imports and ``mocker`` fixture requests,
which replace nothing by themselves.  Bands by uses in a file: simple 1–2,
moderate 3–9, complex 10 or more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from testguard.checks.mocks.targets import REPLACEMENTS
from testguard.core.findings import Finding

REPLACING = frozenset({"TG202", "TG203", "TG204"})
BANDS = ((10, "complex"), (3, "moderate"), (1, "simple"))


def band(uses: int) -> str:
    for floor, name in BANDS:
        if uses >= floor:
            return name
    return "none"


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def build(findings: Iterable[Finding]) -> dict[str, Any]:
    per_file: dict[str, tuple[Counter[str], Counter[str]]] = {}
    for finding in findings:
        if not finding.code.startswith("TG2"):
            continue
        by_class, by_kind = per_file.setdefault(finding.path, (Counter(), Counter()))
        by_kind[str(finding.details.get("kind", "unknown"))] += 1
        if finding.code in REPLACING:
            by_class[str(finding.details.get("class", "unknown"))] += 1
    total_class: Counter[str] = Counter()
    total_kind: Counter[str] = Counter()
    files: list[dict[str, Any]] = []
    for path, (by_class, by_kind) in per_file.items():
        total_class.update(by_class)
        total_kind.update(by_kind)
        uses = sum(by_class.values())
        files.append(
            {
                "path": path,
                "uses": uses,
                "by_class": _sorted(by_class),
                "by_kind": _sorted(by_kind),
                "band": band(uses),
            }
        )
    files.sort(key=lambda f: (-int(f["uses"]), str(f["path"])))
    return {
        "totals": {
            "uses": sum(total_class.values()),
            "files": len(files),
            "by_class": _sorted(total_class),
            "by_kind": _sorted(total_kind),
            "by_band": _sorted(Counter(str(f["band"]) for f in files)),
        },
        "files": files,
        "replacements": {cls: REPLACEMENTS[cls] for cls in total_class if cls in REPLACEMENTS},
        "bands": {"simple": "1-2 uses", "moderate": "3-9 uses", "complex": "10 or more uses"},
    }


def render_text(section: dict[str, Any], limit: int = 50) -> str:
    """The inventory as plain text, after the findings (``limit`` files, most uses first)."""
    totals = section.get("totals", {})
    lines = [
        "",
        f"Mock inventory: {totals.get('uses', 0)} uses in {totals.get('files', 0)} files",
        "",
        f"  {'class':<13} {'uses':>6}  reach for instead",
    ]
    replacements = section.get("replacements", {})
    for cls, count in totals.get("by_class", {}).items():
        lines.append(f"  {cls:<13} {count:>6}  {replacements.get(cls, '')}")
    kinds = ", ".join(f"{k} {v}" for k, v in totals.get("by_kind", {}).items())
    if kinds:
        lines += ["", f"  by kind: {kinds}"]
    bands = ", ".join(f"{k} {v}" for k, v in totals.get("by_band", {}).items())
    if bands:
        lines.append(f"  files by band: {bands} (simple 1-2 uses, moderate 3-9, complex 10+)")
    files = section.get("files", [])
    if files:
        lines += ["", f"  {'uses':>5}  {'band':<8}  file: classes"]
        for entry in files[:limit]:
            classes = ", ".join(f"{k} {v}" for k, v in entry.get("by_class", {}).items())
            lines.append(f"  {entry.get('uses', 0):>5}  {entry.get('band', ''):<8}  {entry.get('path', '')}: {classes}")
        if len(files) > limit:
            lines.append(f"  … {len(files) - limit} more files (see --format json)")
    return "\n".join(lines) + "\n"
