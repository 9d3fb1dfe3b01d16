"""Coverage-floor benchmark: floors on ~100,000 measured statements.

Generates a package of many modules (default 1,000 modules x 99 statements) in a
temporary directory, writes coverage data for it directly with coverage.py's
``CoverageData.add_lines`` (80 % of the functions "ran"), then times, each the
median of ``--reps`` runs:

  1. load      coverage.py loading the data file (``Coverage.load`` + every
               file's measured lines);
  2. report    coverage.py's own ``coverage report`` arithmetic (load + analysis of
               every source file: what ``coverage report --fail-under`` costs);
  3. testguard ``testguard coverage`` end to end in-process (load, analysis, total,
               per-path floors with 4 globs, ratchet against a baseline, the table;
               with ``--diff-base``-style changed lines on 10 % of the files);
  4. floors    only the floor evaluation on the already-loaded data (what testguard
               adds on top of coverage.py).

    python bench/bench_coverage.py [--modules 1000] [--functions 10] [--reps 3]

The target: testguard's work beyond coverage.py's own (3 - 2, and 4) under 1 s.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "hooks"))

import coverage
from testguard.checks import CHECKS
from testguard.checks.coverage import gate as coverage_floor
from testguard.checks.coverage.settings import SECTION as COVERAGE
from testguard.checks.coverage.data import in_directory, load_sqlite, project_settings
from testguard.checks.coverage.floors import FloorRules, changed_coverage, evaluate
from testguard.core.config import load_config
from testguard.core.gitdiff import ChangedLines
from testguard.core.context import Context, RunOptions

BODY = 8  # statements in each function body, plus its def line


def generate(root: Path, modules: int, functions: int) -> tuple[int, dict[str, set[int]]]:
    """The package and, per file, the lines that "ran"; returns the statement count."""
    ran: dict[str, set[int]] = {}
    statements = 0
    for m in range(modules):
        sub = root / "bigpkg" / f"area{m % 10}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / "__init__.py").touch()
        lines: list[str] = []
        executed: set[int] = set()
        for f in range(functions):
            start = len(lines) + 1
            lines.append(f"def f{f}(x):")
            executed.add(start)
            lines.extend(f"    x = x + {i}" for i in range(BODY - 1))
            lines.append("    return x")
            if (m * functions + f) % 5:  # 4 of 5 functions ran
                executed.update(range(start + 1, start + 1 + BODY))
            lines.append("")
            statements += BODY + 1
        path = sub / f"mod{m}.py"
        path.write_text("\n".join(lines) + "\n")
        ran[str(path)] = executed
    (root / "bigpkg" / "__init__.py").touch()
    return statements, ran


def write_data(root: Path, ran: dict[str, set[int]]) -> None:
    data = coverage.CoverageData(basename=str(root / ".coverage"))
    data.add_lines({path: sorted(lines) for path, lines in ran.items()})
    data.write()


def median(reps: int, fn: Callable[[], Any]) -> tuple[float, float]:
    """Median (wall, CPU) seconds: CPU time is what counts on a shared, loaded machine."""
    walls, cpus = [], []
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--functions", type=int, default=11)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-coverage-") as tmp:
        root = Path(tmp)
        statements, ran = generate(root, args.modules, args.functions)
        (root / "pyproject.toml").write_text(
            '[tool.testguard.coverage]\nfail-under = 90\n'
            'paths = { "bigpkg/**" = 70, "bigpkg/area1/**" = 85, "bigpkg/area2/mod2.py" = 90,'
            ' "*.py" = 10 }\n\n[tool.coverage.run]\nsource = ["bigpkg"]\n'
        )
        (root / ".testguard-baseline.json").write_text(
            '{"version": 1, "tool": "testguard", "figures": {"coverage:total": 79.0,'
            ' "coverage:bigpkg/**": 81.0}, "findings": []}\n'
        )
        write_data(root, ran)
        print(f"{args.modules} modules, {statements} statements, data file"
              f" {(root / '.coverage').stat().st_size // 1024} KiB")

        def load() -> None:
            with in_directory(root):
                cov = coverage.Coverage(config_file=True)
                cov.load()
                data = cov.get_data()
                for name in data.measured_files():
                    data.lines(name)

        def report() -> None:
            with in_directory(root):
                cov = coverage.Coverage(config_file=True)
                cov.load()
                cov.report(file=io.StringIO())

        config = load_config(root, sections=[check.config for check in CHECKS])
        rel = {os.path.relpath(p, root): lines for p, lines in ran.items()}
        changed = ChangedLines(ref="main", merge_base="0" * 40, _lines={
            p: set(range(1, 40)) for i, p in enumerate(sorted(rel)) if i % 10 == 0
        })

        def testguard() -> None:
            ctx = Context(root=root, config=config, paths=[], options=RunOptions(python=sys.executable))
            ctx.changed = changed
            result = coverage_floor.run(ctx)
            assert result.figures["coverage:total"] > 0

        settings = project_settings(root, None)
        loaded = load_sqlite(root, settings.data_file, settings)

        def floors() -> None:
            ev = evaluate(loaded, FloorRules(COVERAGE.of(config).paths))
            changed_coverage(loaded, changed)
            assert ev.total.statements == statements

        t_load = median(args.reps, load)
        t_report = median(args.reps, report)
        t_testguard = median(args.reps, testguard)
        t_floors = median(args.reps, floors)
    print(f"{'':38} {'wall':>8} {'CPU':>8}")
    for label, (wall, cpu) in (
        ("coverage.py load of the data", t_load),
        ("coverage.py report (load + analysis)", t_report),
        ("testguard coverage, end to end", t_testguard),
        ("  beyond coverage.py's report", (t_testguard[0] - t_report[0], t_testguard[1] - t_report[1])),
        ("floors + changed lines on loaded data", t_floors),
    ):
        print(f"{label:38} {wall:7.3f}s {cpu:7.3f}s")
    ok = t_testguard[1] - t_report[1] < 1.0 and t_floors[1] < 1.0
    print("target (under 1 s beyond coverage.py's own work):", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
