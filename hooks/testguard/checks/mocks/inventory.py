"""``testguard mocks --inventory``: what every mock in the test suite replaces.

Counts the findings of the mock check (baselined ones included: they are the
existing mocks a team wants to move away from; suppressed and allowed uses are
not counted).  ``uses`` and ``by_class`` count replacements — patches and mock
objects —; ``by_kind`` also counts imports and ``mocker`` fixture requests,
which replace nothing by themselves.  Bands by uses in a file: simple 1–2,
moderate 3–9, complex 10 or more.  Files are listed simplest first, so that a
migration can start where it is cheapest (the README's advice): by band
(simple, moderate, complex, then the files with no replacement), then fewest
uses, then path; the per-band counts follow the same order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from testguard.checks.mocks.targets import REPLACEMENTS
from testguard.core.findings import CheckResult, Finding
from testguard.core.report.markdown import Budget, code, md
from testguard.core.report.model import Report

REPLACING = frozenset({"TG202", "TG203", "TG204"})
BANDS = ((10, "complex"), (3, "moderate"), (1, "simple"))
BAND_ORDER = ("simple", "moderate", "complex", "none")


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
    files.sort(key=lambda f: (BAND_ORDER.index(str(f["band"])), int(f["uses"]), str(f["path"])))
    by_band = Counter(str(f["band"]) for f in files)
    return {
        "totals": {
            "uses": sum(total_class.values()),
            "files": len(files),
            "by_class": _sorted(total_class),
            "by_kind": _sorted(total_kind),
            "by_band": {name: by_band[name] for name in BAND_ORDER if by_band[name]},
        },
        "files": files,
        "replacements": {cls: REPLACEMENTS[cls] for cls in total_class if cls in REPLACEMENTS},
        "bands": {"simple": "1-2 uses", "moderate": "3-9 uses", "complex": "10 or more uses"},
    }


def render_text(section: dict[str, Any], limit: int = 50) -> str:
    """The inventory as plain text, after the findings (``limit`` files, simplest first)."""
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


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): int(v) for k, v in value.items() if isinstance(v, (int, float))}


def _markdown(budget: Budget, report: Report, check: str, inv: Mapping[str, Any]) -> None:
    totals = inv.get("totals", {})
    totals = totals if isinstance(totals, Mapping) else {}
    # {"by_class": {...}, "uses": n, "files": m} from the mock check; a plain
    # {class: count} mapping is read the same way.
    by_class = (
        _counts(totals.get("by_class")) if "by_class" in totals else _counts(totals)
    )
    replacements = inv.get("replacements", {})
    replacements = replacements if isinstance(replacements, Mapping) else {}
    files = inv.get("files", [])
    files = (
        [f for f in files if isinstance(f, Mapping)] if isinstance(files, list) else []
    )
    uses = totals.get("uses", sum(by_class.values()))
    budget.add(f"#### Mock inventory ({md(check)}): {uses} uses in {len(files)} files")
    budget.add("")
    if by_class:
        budget.add("| class | uses | reach for instead |")
        budget.add("|---|---:|---|")
        for cls, count in sorted(by_class.items(), key=lambda kv: (-kv[1], kv[0])):
            budget.add(
                f"| {md(cls)} | {count} | {md(str(replacements.get(cls, '')))} |"
            )
        budget.add("")
    if not files:
        return
    per_file = [_counts(f.get("by_class", f.get("counts"))) for f in files]
    classes = sorted({c for counts in per_file for c in counts})
    budget.add("| file | uses | band | " + " | ".join(md(c) for c in classes) + " |")
    budget.add("|---|---:|---|" + "---:|" * len(classes))
    for i, (entry, counts) in enumerate(zip(files, per_file)):
        cells = " | ".join(str(counts.get(c, 0)) for c in classes)
        used = entry.get("uses", sum(counts.values()))
        line = (
            f"| {code(report.shown_path(str(entry.get('path', ''))))} | {used} | "
            f"{md(str(entry.get('band', '')))} | {cells} |"
        )
        if not budget.add(line):
            budget.note(f"| … {len(files) - i} more files: see the JSON report | | |")
            break
    budget.add("")


def render_markdown(result: CheckResult, report: Report, budget: Budget) -> None:
    """The inventory in the job summary: totals by class with what to use instead, then per file."""
    inventory = result.sections.get("inventory")
    if isinstance(inventory, Mapping):
        _markdown(budget, report, result.check, inventory)
