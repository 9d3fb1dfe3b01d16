"""Where the report goes when that place is hostile: a reader that goes away, a closed
stdout, two outputs naming one file, a file that fills up, a path from the project's
config that would become a workflow command on stderr."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import Run, git, git_init, write
from conftest import testguard_env as env_for_testguard

EXIT_IN_TEST = "import sys\n\n\ndef test_a():\n    sys.exit(1)\n"


def _project(root: Path, tests: int = 1) -> None:
    write(root, {"pyproject.toml": '[project]\nname = "pkg"\n', "pkg/__init__.py": ""})
    for number in range(tests):
        write(root, {f"tests/test_{number}.py": EXIT_IN_TEST})


def _testguard(root: Path, *args: str, **popen: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "testguard", *args], cwd=root, text=True, env=env_for_testguard(),
        stderr=subprocess.PIPE, timeout=120, check=False, **popen,
    )


def test_a_reader_that_goes_away_changes_neither_the_verdict_nor_the_other_reports(tmp_path: Path) -> None:
    # `testguard check --format json | head -1` with nothing new: the pipe breaks, the run
    # still says 0 (it said 1, as if findings blocked) and still writes --report.
    _project(tmp_path, tests=40)
    baseline = _testguard(tmp_path, "baseline", "exits", stdout=subprocess.DEVNULL)
    assert baseline.returncode == 0, baseline.stderr
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte
    try:
        proc = _testguard(tmp_path, "exits", "--format", "json", "--report", "sarif:out.sarif",
                          stdout=write_end)
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "Error" not in proc.stderr and "Exception" not in proc.stderr
    assert '"results"' in (tmp_path / "out.sarif").read_text()


def test_a_closed_stdout_is_a_clear_error_before_the_checks_run(tmp_path: Path) -> None:
    _project(tmp_path)
    closed = _testguard(tmp_path, "exits", preexec_fn=lambda: os.close(1))
    assert closed.returncode == 2
    assert "stdout is closed" in closed.stderr and "--output FILE" in closed.stderr
    assert "internal error" not in closed.stderr
    to_file = _testguard(tmp_path, "exits", "--output", "report.txt", preexec_fn=lambda: os.close(1))
    assert to_file.returncode == 1, to_file.stderr
    assert "TG302" in (tmp_path / "report.txt").read_text()


def test_two_outputs_naming_one_file_are_refused(tmp_path: Path, tg: Callable[..., Run]) -> None:
    _project(tmp_path)
    (tmp_path / "link.txt").symlink_to("report.txt")
    for args in (
        ("--output", "report.txt", "--report", "json:report.txt"),
        ("--report", "json:report.txt", "--report", "sarif:link.txt"),
        ("--summary", "report.txt", "--output", "./report.txt"),
    ):
        result = tg(tmp_path, "exits", *args)
        assert result.code == 2, args
        assert "both write" in result.err and "a file of its own" in result.err
        assert not (tmp_path / "report.txt").exists()
    devnull = tg(tmp_path, "exits", "--output", os.devnull, "--report", f"json:{os.devnull}")
    assert devnull.code == 1, devnull.err


def _limited(size: int) -> Callable[[], None]:
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


def test_a_report_that_does_not_fit_leaves_the_old_file_whole(tmp_path: Path) -> None:
    _project(tmp_path, tests=60)  # a text report of several kilobytes
    (tmp_path / "report.txt").write_text("the previous report\n")
    (tmp_path / "summary.md").write_text("the job's summary so far\n")
    for args in (("--output", "report.txt"), ("--summary", "summary.md")):
        proc = _testguard(tmp_path, "exits", "--no-cache", *args, stdout=subprocess.DEVNULL,
                          preexec_fn=_limited(2048))
        assert proc.returncode == 2, proc.stderr
        assert "cannot write" in proc.stderr and "internal error" not in proc.stderr
    assert (tmp_path / "report.txt").read_text() == "the previous report\n"
    assert (tmp_path / "summary.md").read_text() == "the job's summary so far\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg", "pyproject.toml", "report.txt",
                                                          "summary.md", "tests"]


def test_a_report_written_through_a_symlink_keeps_the_link(tmp_path: Path, tg: Callable[..., Run]) -> None:
    _project(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "report.txt").symlink_to("out/real.txt")
    assert tg(tmp_path, "exits", "--output", "report.txt").code == 1
    assert (tmp_path / "report.txt").is_symlink()
    assert "TG302" in (tmp_path / "out" / "real.txt").read_text()


def test_the_configured_baseline_path_never_starts_a_workflow_command(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # A pull request can change pyproject.toml; the notes on stderr quote the baseline's path.
    _project(tmp_path)
    write(tmp_path, {"pyproject.toml": '[project]\nname = "pkg"\n[tool.testguard]\n'
                     'baseline = "b\\n::error::pwned ##[error]x"\n'})
    git_init(tmp_path)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    recorded = tg(tmp_path, "baseline", "exits")
    ignored = tg(tmp_path, "exits", "--no-baseline", "--format", "github")
    assert recorded.code == 0 and ignored.code == 1
    for err in (recorded.err, ignored.err):
        assert "pwned" in err
        assert not any(line.lstrip().startswith("::") for line in err.splitlines()), err
        assert "##[" not in err


def test_figures_of_the_baseline_file_never_start_a_workflow_command(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # The baseline is JSON in the repository: a re-record that would drop its figures lists
    # each key on stderr, and a key can hold a line break.
    _project(tmp_path)
    assert tg(tmp_path, "baseline", "exits").code == 0
    baseline = tmp_path / ".testguard-baseline.json"
    data = json.loads(baseline.read_text())
    data["figures"] = {"coverage:a\n::error::pwned ##[error]x": 90}
    baseline.write_text(json.dumps(data))
    refused = tg(tmp_path, "baseline")
    assert refused.code == 1 and "pwned" in refused.err
    assert not any(line.lstrip().startswith("::") for line in refused.err.splitlines()), refused.err
    assert "##[" not in refused.err


def test_a_closed_stderr_keeps_the_notes_out_of_the_report(tmp_path: Path) -> None:
    # With fd 2 closed, Python's sys.stderr is None and print(file=None) writes to stdout:
    # the notes ("mypy: skipped, ...") went into the JSON report, then a progress check
    # (sys.stderr.isatty()) was an internal error.
    _project(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "testguard", "run", "--format", "json"], cwd=tmp_path, text=True,
        env=env_for_testguard(), stdout=subprocess.PIPE, timeout=120, check=False,
        preexec_fn=lambda: os.close(2),
    )
    assert proc.returncode == 1
    assert "TG302" in [finding["code"] for finding in json.loads(proc.stdout)["findings"]]


def test_baseline_refuses_report_options_it_would_ignore(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # `testguard baseline --report json:out.json` wrote no report and said nothing: a CI step
    # that uploads out.json found none, or an old one.
    _project(tmp_path)
    refused = tg(tmp_path, "baseline", "--report", "json:out.json", "--summary", "summary.md")
    assert refused.code == 2
    assert "--report, --summary do not apply" in refused.err and "testguard run" in refused.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg", "pyproject.toml", "tests"]
    assert tg(tmp_path, "baseline", "--format", "json").code == 2
    assert tg(tmp_path, "baseline").code == 0


def test_a_report_never_writes_over_the_baseline_or_the_config(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # A slip such as `--report json:.testguard-baseline.json` replaced the accepted findings
    # with a report (and the next run failed on every one of them).
    _project(tmp_path)
    assert tg(tmp_path, "baseline", "exits").code == 0
    recorded = (tmp_path / ".testguard-baseline.json").read_text()
    config = (tmp_path / "pyproject.toml").read_text()
    for args, said in (
        (("--report", "json:.testguard-baseline.json"), "would write over the baseline"),
        (("--output", "./pyproject.toml"), "would write over the config"),
    ):
        result = tg(tmp_path, "exits", *args)
        assert result.code == 2 and said in result.err
    assert (tmp_path / ".testguard-baseline.json").read_text() == recorded
    assert (tmp_path / "pyproject.toml").read_text() == config


def test_a_report_to_dev_stdout_goes_where_stdout_goes(tmp_path: Path) -> None:
    # /dev/stdout resolves to /proc/<pid>/fd/pipe:[n] for a pipe (no file to rename over), and
    # to the log itself for `>> log`, which a rename would replace: both are written in place.
    _project(tmp_path)
    piped = _testguard(tmp_path, "exits", "--output", "/dev/stdout", "--report", "json:/dev/stderr",
                       stdout=subprocess.PIPE)
    assert piped.returncode == 1, piped.stderr
    assert piped.stdout.endswith("Found 1 error.\n")
    assert '"blocking": 1' in piped.stderr
    log = tmp_path / "log.txt"
    log.write_text("earlier lines\n")
    with log.open("a") as appended:
        proc = _testguard(tmp_path, "exits", "--output", "/dev/stdout", stdout=appended)
    assert proc.returncode == 1, proc.stderr
    lines = log.read_text().splitlines()
    assert lines[0] == "earlier lines" and lines[-1] == "Found 1 error."


def test_a_writable_report_file_in_a_directory_that_takes_no_new_file_is_written(tmp_path: Path) -> None:
    from conftest import without_root_powers

    prefix = without_root_powers()
    _project(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "report.txt").write_text("old\n")
    (shared / "report.txt").chmod(0o666)
    shared.chmod(0o555)
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "testguard", "exits", "--no-cache", "--output", "shared/report.txt"],
            cwd=tmp_path, capture_output=True, text=True, env=env_for_testguard(), timeout=120, check=False,
        )
    finally:
        shared.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    assert (shared / "report.txt").read_text().endswith("Found 1 error.\n")


def test_an_output_naming_a_directory_is_refused_before_the_run(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # `--output reports/` wrote a file called `reports`; an existing directory failed only
    # after every check had run.
    _project(tmp_path)
    (tmp_path / "existing").mkdir()
    for args in (("--output", "reports/"), ("--report", "sarif:existing"), ("--summary", "existing/")):
        result = tg(tmp_path, "exits", *args)
        assert result.code == 2 and "is a directory: give the name of a file in it" in result.err
    assert not (tmp_path / "reports").exists()


def test_a_stderr_reader_that_goes_away_does_not_change_the_verdict(tmp_path: Path) -> None:
    # `testguard run 2>&1 | true`: the first note on stderr raised BrokenPipeError and the
    # run ended with exit 1, though nothing new was found.
    _project(tmp_path)
    assert _testguard(tmp_path, "baseline", "exits", stdout=subprocess.DEVNULL).returncode == 0
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "testguard", "run", "--output", "report.txt"], cwd=tmp_path,
            env=env_for_testguard(), stdout=write_end, stderr=write_end, timeout=120, check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 0
    assert (tmp_path / "report.txt").read_text().endswith("(0 new, 1 baselined).\n")


def test_a_report_path_that_is_a_symlink_loop_is_left_alone(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # os.path.realpath stops inside a loop; the rename then replaced the link with a file.
    _project(tmp_path)
    (tmp_path / "loop").symlink_to("loop")
    result = tg(tmp_path, "exits", "--output", "loop")
    assert result.code == 2 and "cannot write loop" in result.err and "loop" in result.err
    assert (tmp_path / "loop").is_symlink()
