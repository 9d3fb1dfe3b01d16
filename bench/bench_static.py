"""Static-check benchmark: testguard against ruff (TID251) on the bench corpus.

In one run:
  1. `testguard exits` vs `ruff check` with only TID251 banning sys.exit and os._exit,
     cold (no cache) and warm (caches filled, nothing changed): medians and ratio;
  2. `testguard check` (mocks + exits + fallbacks) vs ruff TID251 banning
     unittest.mock and mock, cold and warm;
  3. one `testguard CHECK FILE` call per static check as pre-commit makes it, on a
     2,006-line test file, against `python -c pass` and `ruff check FILE`;
  4. recall: every mock import ruff reports in test files must be reported by
     `testguard mocks` at the same file and line;
  5. peak RSS of testguard and ruff;
  6. `testguard check` against ruff on the multi-project layout (the same sdists
     unpacked whole side by side, no git repository at the top; corpus.prepare_multi).

    python bench/bench_static.py [--reps 5] [--hook-reps 10] [--json results.json]
    python bench/bench_static.py --save-findings ref.json    # findings of `check`, both layouts
    python bench/bench_static.py --compare-with ref.json     # the same, compared: exit 1 on a difference
    python bench/bench_static.py --profile                   # cProfile of one cold and one warm `check`

Needs `ruff` on PATH (`pip install ruff`); prepares the corpus with corpus.py first.
testguard runs from this checkout (`python -m testguard`, PYTHONPATH=hooks).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import corpus  # bench/ is not a package: imported from the path set above

RUFF_EXITS = """\
[lint]
select = ["TID251"]
[lint.flake8-tidy-imports.banned-api]
"sys.exit".msg = "process exit"
"os._exit".msg = "process exit"
"""

RUFF_MOCKS = """\
[lint]
select = ["TID251"]
[lint.flake8-tidy-imports.banned-api]
"unittest.mock".msg = "mock library"
"mock".msg = "mock library"
"""

SECTIONS = ("exits", "check", "multi", "given", "hook", "recall")

# The staged test file of the hook call: a real one of about 2,000 lines (2,006),
# with mocks in it (so `mocks` and `check` parse it).
HOOK_FILE = "projects/kombu-5.4.2/t/unit/transport/test_redis.py"
HOOK_CHECKS = ("mocks", "exits", "fallbacks", "check")

# The least work any tool doing testguard's job in Python does, timed without testguard:
# the floors the goals are measured against (bench/README.md, "Floors").
COMPILE_FLOOR = "import sys; compile(open(sys.argv[1], 'rb').read(), sys.argv[1], 'exec')"
COMPILE_PARSE_FLOOR = (
    "import sys, ast_grep_py; t = open(sys.argv[1], encoding='utf-8').read(); "
    "compile(t, sys.argv[1], 'exec'); ast_grep_py.SgRoot(t, 'python').root()"
)
# tree-sitter parses of the given files (one path a line), in one forked process a
# core, as testguard's pool runs them: nothing else, not even reading the results.
PARSE_FLOOR = """\
import os, sys
from ast_grep_py import SgRoot
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
workers = min(os.cpu_count() or 1, 8)
children = []
for k in range(workers):
    pid = os.fork()
    if pid == 0:
        for path in paths[k::workers]:
            with open(path, encoding="utf-8", errors="replace") as handle:
                SgRoot(handle.read(), "python").root()
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""


@dataclass
class Run:
    wall: float
    cpu: float
    maxrss_kb: int
    returncode: int
    stdout: bytes
    stderr: bytes


@dataclass
class Series:
    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def best(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def maxrss_mb(self) -> float:
        return max(r.maxrss_kb for r in self.runs) / 1024

    def describe(self) -> str:
        walls = ", ".join(f"{r.wall:.3f}" for r in self.runs)
        return (
            f"{self.label:<38} median {self.median:7.3f}s  min {self.best:7.3f}s  "
            f"cpu {self.cpu:7.3f}s  "
            f"rss {self.maxrss_mb:6.1f} MB  [{walls}]"
        )


def gnu_time() -> str | None:
    """GNU time, if installed: it reports the tool's own peak RSS.

    A child's ru_maxrss from wait4 starts at the RSS its parent had when it forked
    (Linux carries the old mm's high-water mark across exec), so measured from this
    script every tool would weigh at least as much as the bench itself.
    """
    path = shutil.which("time") or "/usr/bin/time"
    with tempfile.NamedTemporaryFile() as out:
        try:
            ok = (
                subprocess.run(
                    [path, "-f", "%M", "-o", out.name, "true"],
                    capture_output=True,
                    check=False,
                ).returncode
                == 0
            )
        except OSError:
            return None
        return path if ok and out.read().strip().isdigit() else None


GNU_TIME = gnu_time()


def measure(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> Run:
    """Wall time, CPU time (wait4) and peak RSS (GNU time, else wait4) of one command."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile() as rss,
    ):
        argv = [GNU_TIME, "-f", "%M", "-o", rss.name, *cmd] if GNU_TIME else list(cmd)
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        maxrss = usage.ru_maxrss
        if GNU_TIME:
            text = rss.read().decode(errors="replace").strip().splitlines()
            maxrss = int(text[-1]) if text and text[-1].isdigit() else maxrss
        out.seek(0)
        err.seek(0)
        return Run(
            wall,
            usage.ru_utime + usage.ru_stime,
            maxrss,
            proc.returncode,
            out.read(),
            err.read(),
        )


class Tools:
    """How to invoke ruff and testguard, with their cache locations."""

    def __init__(self, root: Path, workdir: Path, testguard: Sequence[str]) -> None:
        self.root = root
        self.testguard = list(testguard)
        self.workdir = workdir
        ruff = shutil.which("ruff")
        if ruff is None:
            raise SystemExit("bench: ruff not found on PATH (pip install ruff)")
        self.ruff = ruff
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(REPO / "hooks"), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        # keep testguard's default format predictable
        self.env.pop("GITHUB_ACTIONS", None)
        # An installed testguard has its bytecode compiled (pip does it): without this,
        # a PYTHONDONTWRITEBYTECODE=1 in the environment makes every call compile
        # every module it imports again (about 25 ms of a hook call here).
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.ruff_configs = {}
        for name, text in (("exits", RUFF_EXITS), ("mocks", RUFF_MOCKS)):
            path = workdir / f"ruff-{name}.toml"
            path.write_text(text)
            self.ruff_configs[name] = path

    def ruff_cmd(
        self, config: str, *, cache: bool, paths: Sequence[str] = (".",)
    ) -> list[str]:
        cmd = [
            self.ruff,
            "check",
            "--config",
            str(self.ruff_configs[config]),
            "--ignore-noqa",
            "--no-respect-gitignore",
            "--output-format",
            "json",
            "--exit-zero",
        ]
        cmd += (
            ["--cache-dir", str(self.workdir / f"ruff-cache-{config}")]
            if cache
            else ["--no-cache"]
        )
        return [*cmd, *paths]

    def testguard_cmd(self, check: str, *args: str) -> list[str]:
        return [*self.testguard, check, "--format", "json", *args]

    def clear_testguard_cache(self) -> None:
        shutil.rmtree(self.root / ".testguard_cache", ignore_errors=True)

    def clear_ruff_cache(self, config: str) -> None:
        shutil.rmtree(self.workdir / f"ruff-cache-{config}", ignore_errors=True)

    def testguard_has(self, check: str) -> bool:
        run = measure(self.testguard_cmd(check, "--help"), self.root, self.env)
        return run.returncode == 0

    def run(self, cmd: Sequence[str]) -> Run:
        result = measure(cmd, self.root, self.env)
        if result.returncode not in (0, 1):
            lines = result.stderr.decode(errors="replace").strip().splitlines() or [
                "(no output)"
            ]
            raise ToolFailed(
                f"`{' '.join(cmd[-4:])}` exited {result.returncode}: {lines[-1][:300]}"
            )
        return result


class ToolFailed(Exception):
    """A tool exited with neither 0 nor 1 (not there yet, or broken)."""


def findings_of(run: Run) -> list[dict[str, Any]]:
    data = json.loads(run.stdout.decode("utf-8") or "null")
    if isinstance(data, dict):
        items = data.get("findings", [])
        return items if isinstance(items, list) else []
    return data if isinstance(data, list) else []


def files_checked(run: Run) -> object:
    """Files checked; per check when testguard gives that (`check` runs three at once)."""
    data = json.loads(run.stdout.decode("utf-8") or "null")
    if not isinstance(data, dict):
        return "?"
    checks = data.get("checks")
    if isinstance(checks, dict):
        counts = [
            c.get("files_checked") for c in checks.values() if isinstance(c, dict)
        ]
        numbers = [n for n in counts if isinstance(n, int)]
        if numbers:
            return max(numbers)
    summary = data.get("summary")
    return summary.get("files_checked", "?") if isinstance(summary, dict) else "?"


def compare(
    tools: Tools, reps: int, tg_check: str, ruff_config: str, given: Sequence[str] = ()
) -> dict[str, Series]:
    """Cold then warm, runs interleaved so a load spike hits both tools alike.

    ``given``: files named on both command lines (as ``pre-commit run --all-files``
    passes them) instead of the whole project.
    """
    scope = " (given files)" if given else ""
    cold_tg, cold_ruff = (
        Series(f"testguard {tg_check}{scope} cold"),
        Series(f"ruff TID251 ({ruff_config}){scope} cold"),
    )
    warm_tg, warm_ruff = (
        Series(f"testguard {tg_check}{scope} warm"),
        Series(f"ruff TID251 ({ruff_config}){scope} warm"),
    )
    tg_cmd = tools.testguard_cmd(tg_check, *given)
    paths = tuple(given) or (".",)
    # The floor of a cold `check`: parsing the files that have a finding, which any
    # design on tree-sitter parses (the list comes from the first cold run).
    floor = Series("tree-sitter parse alone (no testguard)") if tg_check == "check" and not given else None
    parse_list = tools.workdir / "parsed-files.txt"
    for _ in range(reps):
        tools.clear_testguard_cache()
        cold_tg.runs.append(tools.run(tg_cmd))
        cold_ruff.runs.append(tools.run(tools.ruff_cmd(ruff_config, cache=False, paths=paths)))
        if floor is not None:
            if not floor.runs:
                with_findings = sorted({str(f["path"]) for f in findings_of(cold_tg.runs[0])})
                by_size = sorted(with_findings, key=lambda p: -(tools.root / p).stat().st_size)
                parse_list.write_text("".join(str(tools.root / p) + "\n" for p in by_size))
                floor.label = f"tree-sitter parse of the {len(by_size)} files with findings"
            floor.runs.append(tools.run([sys.executable, "-c", PARSE_FLOOR, str(parse_list)]))
    tools.clear_ruff_cache(ruff_config)
    tools.run(tools.ruff_cmd(ruff_config, cache=True, paths=paths))  # fill
    tools.clear_testguard_cache()
    tools.run(tg_cmd)  # fill
    for _ in range(reps):
        warm_tg.runs.append(tools.run(tg_cmd))
        warm_ruff.runs.append(tools.run(tools.ruff_cmd(ruff_config, cache=True, paths=paths)))
    for series in (cold_tg, cold_ruff, warm_tg, warm_ruff, *([floor] if floor else [])):
        print("  " + series.describe(), flush=True)
    if floor is not None:
        print(
            f"  floor: that parse alone is {floor.median / cold_ruff.median:.2f}x ruff cold (median), "
            f"{floor.cpu / cold_ruff.cpu:.2f}x its cpu",
            flush=True,
        )
    counts = {
        warm_tg.label: len(findings_of(warm_tg.runs[-1])),
        warm_ruff.label: sum(
            f.get("code") == "TID251" for f in findings_of(warm_ruff.runs[-1])
        ),
    }
    checked = files_checked(warm_tg.runs[-1])
    print(
        f"  findings: testguard {counts[warm_tg.label]} in {checked} test files checked, "
        f"ruff {counts[warm_ruff.label]} (every file)",
        flush=True,
    )
    print(
        f"  ratio testguard/ruff (median): cold {cold_tg.median / cold_ruff.median:.2f}x, "
        f"warm {warm_tg.median / warm_ruff.median:.2f}x; "
        f"(min): cold {cold_tg.best / cold_ruff.best:.2f}x, "
        f"warm {warm_tg.best / warm_ruff.best:.2f}x; "
        f"(cpu): cold {cold_tg.cpu / cold_ruff.cpu:.2f}x, warm {warm_tg.cpu / warm_ruff.cpu:.2f}x",
        flush=True,
    )
    return {
        "cold_tg": cold_tg,
        "cold_ruff": cold_ruff,
        "warm_tg": warm_tg,
        "warm_ruff": warm_ruff,
        **({"parse_floor": floor} if floor else {}),
    }


def hook_python(dest: Path) -> str | None:
    """A venv with testguard's dependencies and nothing else, as pre-commit builds one.

    The interpreter running this script may load site-wide .pth files at start-up
    (here one imports certifi: 30-40 ms on every start); a hook's venv does not.
    """
    import tomllib

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    venv = dest / "hook-venv"
    python = venv / "bin" / "python"
    stamp = venv / ".bench-deps"
    wanted = "\n".join(deps) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return str(python)
    made = subprocess.run(
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        capture_output=True,
        check=False,
    )
    if made.returncode == 0:
        made = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *deps],
            capture_output=True,
            check=False,
        )
    if made.returncode != 0:
        print(
            f"  (no hook venv: {made.stderr.decode(errors='replace')[-300:]})",
            flush=True,
        )
        return None
    stamp.write_text(wanted)
    return str(python)


def hook_call(tools: Tools, reps: int, python: str | None) -> dict[str, Series]:
    """`testguard CHECK FILE` from the project root, as pre-commit runs it, per static check."""
    where = "hook venv" if python else "this interpreter"
    hook = [python or sys.executable, "-m", "testguard"]
    if tools.testguard[:2] != [sys.executable, "-m"]:
        hook, where = list(tools.testguard), "--testguard"
    out = {
        "floor": Series(f"python -c pass ({where})"),
        "ruff": Series("ruff check FILE (no cache)"),
        "bench_floor": Series("python -c pass (this interpreter)"),
        "compile": Series("python: compile FILE (no testguard)"),
        "compile_parse": Series("python: compile + parse FILE (no testguard)"),
    }
    interpreter = python or sys.executable
    for check in HOOK_CHECKS:
        out[f"cold_{check}"] = Series(f"testguard {check} FILE (no cache)")
        out[f"warm_{check}"] = Series(f"testguard {check} FILE (corpus cached)")
    for _ in range(reps):
        out["floor"].runs.append(tools.run([hook[0], "-c", "pass"]))
        out["bench_floor"].runs.append(tools.run([sys.executable, "-c", "pass"]))
        out["compile"].runs.append(tools.run([interpreter, "-c", COMPILE_FLOOR, HOOK_FILE]))
        out["compile_parse"].runs.append(
            tools.run([interpreter, "-c", COMPILE_PARSE_FLOOR, HOOK_FILE])
        )
        out["ruff"].runs.append(
            tools.run(tools.ruff_cmd("mocks", cache=False, paths=[HOOK_FILE]))
        )
        tools.clear_testguard_cache()
        for check in HOOK_CHECKS:
            out[f"cold_{check}"].runs.append(
                tools.run([*hook, check, "--format", "json", HOOK_FILE])
            )
    # A repository where testguard already ran: its cache holds every test file.
    tools.clear_testguard_cache()
    tools.run(tools.testguard_cmd("check"))
    for _ in range(reps):
        for check in HOOK_CHECKS:
            out[f"warm_{check}"].runs.append(
                tools.run([*hook, check, "--format", "json", HOOK_FILE])
            )
    for series in out.values():
        print("  " + series.describe(), flush=True)
    floor = out["floor"].median
    print(
        "  hook / python -c pass (median): "
        + ", ".join(
            f"{check} {out[f'cold_{check}'].median / floor:.1f}x" for check in HOOK_CHECKS
        ),
        flush=True,
    )
    print(
        "  floor / python -c pass (median), the work alone: "
        f"compile {out['compile'].median / floor:.1f}x (exits, fallbacks: every named file is "
        f"compiled), compile + parse {out['compile_parse'].median / floor:.1f}x (mocks, check: "
        "this file has mock candidates)",
        flush=True,
    )
    return out


def normalised_findings(run: Run) -> list[str]:
    """The findings of one JSON report, one sorted line each (nothing run-specific)."""
    return sorted(json.dumps(f, sort_keys=True) for f in findings_of(run))


def findings_by_layout(tools_by_layout: dict[str, Tools]) -> dict[str, list[str]]:
    """`testguard check` findings on each corpus layout, no cache."""
    out = {}
    for layout, tools in tools_by_layout.items():
        run = tools.run([*tools.testguard_cmd("check"), "--no-cache"])
        out[layout] = normalised_findings(run)
        print(f"  {layout}: {len(out[layout])} findings", flush=True)
    return out


def compare_findings(reference: dict[str, list[str]], now: dict[str, list[str]]) -> bool:
    same = True
    for layout in sorted(set(reference) | set(now)):
        before, after = set(reference.get(layout, [])), set(now.get(layout, []))
        gone, new = sorted(before - after), sorted(after - before)
        if gone or new or len(reference.get(layout, [])) != len(now.get(layout, [])):
            same = False
        print(
            f"  {layout}: reference {len(reference.get(layout, []))}, now {len(now.get(layout, []))}, "
            f"gone {len(gone)}, new {len(new)}",
            flush=True,
        )
        for line in (gone[:5]):
            print(f"    gone {line}", flush=True)
        for line in (new[:5]):
            print(f"    new  {line}", flush=True)
    print("  findings identical" if same else "  FINDINGS DIFFER", flush=True)
    return same


def profile(tools: Tools, label: str, top: int = 25) -> None:
    """cProfile of one cold and one warm `testguard check`, the top by cumulative time."""
    for state in ("cold", "warm"):
        if state == "cold":
            tools.clear_testguard_cache()
        with tempfile.NamedTemporaryFile(suffix=".prof") as prof:
            cmd = [*tools.testguard_cmd("check")]
            if cmd[:3] == [sys.executable, "-m", "testguard"]:
                cmd = [sys.executable, "-m", "cProfile", "-o", prof.name, "-m", "testguard", *cmd[3:]]
            else:
                print("  --profile needs the default --testguard", flush=True)
                return
            tools.run(cmd)
            import pstats

            print(f"\n== profile: check {state}, {label}", flush=True)
            stats = pstats.Stats(prof.name, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(top)
            stats.sort_stats("tottime").print_stats(top)


def testfile_matcher(root: Path) -> Callable[[str], bool]:
    """testguard's own test-file matcher for the corpus; the corpus globs if it is missing."""
    try:
        sys.path.insert(0, str(REPO / "hooks"))
        from testguard.core.config import load_config
        from testguard.core.project import TestFileMatcher

        return TestFileMatcher(root, load_config(root))
    except ImportError:
        patterns = [re.compile(glob_regex(g)) for g in corpus.TEST_GLOBS]
        return lambda path: any(p.fullmatch(path) for p in patterns)


def test_files(root: Path) -> list[str]:
    """The corpus's test files, as testguard sees them (its test globs)."""
    is_test = testfile_matcher(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        rel = Path(dirpath).relative_to(root).as_posix()
        found += [f if rel == "." else f"{rel}/{f}" for f in filenames if f.endswith(".py")]
    return sorted(f for f in found if is_test(f))


def glob_regex(glob: str) -> str:
    out = re.escape(glob).replace(r"\*\*/", "(?:.*/)?").replace(r"/\*\*", "/.*")
    return out.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")


def import_lines(root: Path, relpath: str, line: int) -> set[int] | None:
    """The reported line and its import statement's first line; None if not an import."""
    try:
        tree = ast.parse((root / relpath).read_bytes())
    except (SyntaxError, ValueError, OSError):
        return {line}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            end = node.end_lineno or node.lineno
            if node.lineno <= line <= end:
                return {line, node.lineno}
    return None


def source_line(root: Path, rel: str, line: int) -> str:
    lines = (root / rel).read_text(errors="replace").splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def recall(tools: Tools) -> dict[str, Any]:
    is_test = testfile_matcher(tools.root)
    ruff_run = tools.run(tools.ruff_cmd("mocks", cache=False))
    expected: list[tuple[str, int, set[int]]] = []
    for item in findings_of(ruff_run):
        if item.get("code") != "TID251":
            continue
        rel = Path(item["filename"]).resolve().relative_to(tools.root).as_posix()
        line = int(item["location"]["row"])
        if not is_test(rel):
            continue
        lines = import_lines(tools.root, rel, line)
        if lines is not None:
            expected.append((rel, line, lines))
    tools.clear_testguard_cache()
    tg_run = tools.run(tools.testguard_cmd("mocks"))
    # A mock import is TG201; any other code on the line would not be "the import reported".
    reported: dict[str, set[int]] = {}
    total = 0
    for item in findings_of(tg_run):
        total += 1
        if item.get("code") == "TG201":
            reported.setdefault(str(item.get("path")), set()).add(
                int(item.get("line", 0))
            )
    misses = [
        (rel, line)
        for rel, line, lines in expected
        if not lines & reported.get(rel, set())
    ]
    covered = {(rel, n) for rel, _, lines in expected for n in lines}
    extras = sorted(
        (rel, n)
        for rel, lines in reported.items()
        for n in lines
        if (rel, n) not in covered
    )
    hit = len(expected) - len(misses)
    pct = 100.0 * hit / len(expected) if expected else 100.0
    print(
        f"  ruff TID251 mock imports in test files: {len(expected)}; "
        f"testguard mocks: {total} findings, "
        f"{sum(len(v) for v in reported.values())} TG201 lines",
        flush=True,
    )
    print(f"  recall: {hit}/{len(expected)} ({pct:.1f}%)", flush=True)
    print(f"  TG201 lines ruff does not report: {len(extras)}", flush=True)
    for rel, line in extras[:5]:
        print(
            f"    extra {rel}:{line}: {source_line(tools.root, rel, line)}", flush=True
        )
    for rel, line in misses[:20]:
        text = source_line(tools.root, rel, line)
        print(f"    miss {rel}:{line}: {text}", flush=True)
    return {
        "extras": len(extras),
        "expected": len(expected),
        "hit": hit,
        "percent": pct,
        "misses": [f"{rel}:{line}" for rel, line in misses],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=corpus.DEFAULT_DEST,
        help="corpus directory as made by corpus.py (default: bench/.corpus)",
    )
    parser.add_argument(
        "--reps", type=int, default=5, help="repetitions of each cold/warm run"
    )
    parser.add_argument(
        "--hook-reps", type=int, default=10, help="repetitions of the hook call"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--testguard",
        metavar="CMD",
        help="command that runs testguard (default: this checkout, "
        "python -m testguard with PYTHONPATH=hooks)",
    )
    parser.add_argument(
        "--no-git",
        action="store_true",
        help="corpus without its own git repo: testguard walks the directory "
        "(put such a corpus outside any git work tree)",
    )
    parser.add_argument(
        "--no-hook-venv",
        action="store_true",
        help="time the hook call with this interpreter, not a clean venv",
    )
    parser.add_argument(
        "--sections",
        type=lambda text: set(text.split(",")),
        default=set(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--multi-corpus",
        type=Path,
        default=corpus.MULTI_DEST,
        help="where the multi-project layout goes (outside any git work tree; "
        f"default: {corpus.MULTI_DEST})",
    )
    parser.add_argument(
        "--save-findings",
        type=Path,
        metavar="FILE",
        help="write the findings of `check` on both layouts to FILE, then stop",
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="FILE",
        help="compare the findings of `check` on both layouts with FILE "
        "(from --save-findings), then stop: exit 1 when they differ",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print the top of cProfile for one cold and one warm `check` on each layout, then stop",
    )
    args = parser.parse_args(argv)

    counts = corpus.prepare(
        args.corpus.resolve(),
        corpus.DEFAULT_TOTAL,
        corpus.DEFAULT_SEED,
        not args.no_git,
        4,
    )
    root = args.corpus.resolve() / "tree"
    multi = args.multi_corpus.resolve()
    if args.save_findings or args.compare_with or args.profile or "multi" in args.sections:
        corpus.prepare_multi(args.corpus.resolve(), multi, 4)
    print(f"corpus: {root} ({sum(counts.values())} .py files)", flush=True)
    print(
        f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f}; "
        f"python {sys.version.split()[0]}",
        flush=True,
    )
    results: dict[str, Any] = {"files": counts}
    with tempfile.TemporaryDirectory(prefix="tg-bench-") as tmp:
        command = (
            args.testguard.split() if args.testguard else [sys.executable, "-m", "testguard"]
        )
        tools = Tools(root, Path(tmp), command)
        layouts = {"tree": tools, "multi": Tools(multi, Path(tmp), command)}
        if args.save_findings or args.compare_with:
            print("\n== findings of `check`, no cache, both layouts", flush=True)
            now = findings_by_layout(layouts)
            if args.save_findings:
                args.save_findings.write_text(json.dumps(now, indent=0) + "\n")
                return 0
            return 0 if compare_findings(json.loads(args.compare_with.read_text()), now) else 1
        if args.profile:
            for layout, layout_tools in layouts.items():
                profile(layout_tools, layout)
            return 0
        print(
            subprocess.run(
                [tools.ruff, "--version"], capture_output=True, text=True, check=False
            ).stdout.strip()
        )
        print(
            "peak RSS: "
            + (
                "GNU time (%M)"
                if GNU_TIME
                else "wait4 ru_maxrss (includes the RSS of this script at fork)"
            ),
            flush=True,
        )
        available = {c: tools.testguard_has(c) for c in ("exits", "check", "mocks")}
        # warm the page cache for both tools
        tools.run(tools.ruff_cmd("exits", cache=False))

        def section(key: str, title: str, check: str, body: Callable[[], Any]) -> None:
            if key not in args.sections:
                return
            print(f"\n== {title}", flush=True)
            try:
                if not available[check]:
                    raise ToolFailed("no such command")
                results[key] = body()
            except ToolFailed as exc:
                print(f"  testguard {check}: not available ({exc})", flush=True)
                results[key] = f"not available: {exc}"

        section(
            "exits",
            "testguard exits vs ruff TID251 (sys.exit, os._exit)",
            "exits",
            lambda: compare(tools, args.reps, "exits", "exits"),
        )
        section(
            "check",
            "testguard check vs ruff TID251 (unittest.mock, mock)",
            "check",
            lambda: compare(tools, args.reps, "check", "mocks"),
        )
        section(
            "multi",
            "testguard check vs ruff TID251 (unittest.mock, mock), multi-project layout, no git",
            "check",
            lambda: compare(layouts["multi"], args.reps, "check", "mocks"),
        )
        section(
            "given",
            "testguard exits vs ruff TID251, every test file named (pre-commit run --all-files)",
            "exits",
            lambda: compare(tools, args.reps, "exits", "exits", given=test_files(root)),
        )
        section(
            "hook",
            f"hook call: one staged file ({HOOK_FILE}), each static check",
            "exits",
            lambda: hook_call(
                tools,
                args.hook_reps,
                None if args.no_hook_venv else hook_python(args.corpus.resolve()),
            ),
        )
        section(
            "recall",
            "recall of mock imports against ruff TID251 (test files only)",
            "mocks",
            lambda: recall(tools),
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=summarise) + "\n")
    return 0


def summarise(obj: object) -> object:
    if isinstance(obj, Series):
        return {
            "median_s": round(obj.median, 4),
            "min_s": round(obj.best, 4),
            "cpu_s": round(obj.cpu, 4),
            "peak_rss_mb": round(obj.maxrss_mb, 1),
            "walls_s": [round(r.wall, 4) for r in obj.runs],
        }
    raise TypeError(type(obj).__name__)


if __name__ == "__main__":
    sys.exit(main())
