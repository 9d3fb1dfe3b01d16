"""The rules of ``testguard exits`` (exit ban): what each catches, why, an example, the fix."""

from __future__ import annotations

from testguard.core.rulebook import RuleDoc, suppress

RULES = (
    RuleDoc(
        code="TG301",
        check="exits",
        name="exit-at-module-level",
        summary="Process exit at module level of a test module or conftest",
        why="An exit while pytest imports a test module or conftest aborts collection: the run "
            "ends early, sometimes with exit status 0, and tests silently stop running.",
        bad="import sys\nif sys.platform == 'win32':\n    sys.exit(0)",
        good="import sys, pytest\npytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='POSIX only')",
        fix="Skip with a marker instead of exiting. " + suppress("TG301"),
    ),
    RuleDoc(
        code="TG302",
        check="exits",
        name="exit-in-test",
        summary="Process exit inside a test, fixture or helper",
        why="An exit in a test raises SystemExit, which can end the test process or be reported "
            "confusingly; the code after it never runs.",
        bad="def test_main():\n    main()\n    sys.exit(0)",
        good="def test_main():\n    with pytest.raises(SystemExit) as exc:\n        main()\n    assert exc.value.code == 0",
        fix="Assert on the exit with `pytest.raises(SystemExit)`, or return/skip. "
            + suppress("TG302"),
        policy="Not a finding: `sys.exit()`, `exit()`, `quit()` or `raise SystemExit` directly inside "
            "a function decorated as a CLI command, which the framework's test runner (click's "
            "`CliRunner`, typer's) catches. The decorator must resolve, through the file's imports "
            "and aliases (`import click as c`, `from click import command as cmd`), to: "
            "`click.command` or `click.group` (with or without parentheses; also from `rich_click` "
            "and `asyncclick`); `<group>.command` / `<group>.group`, where `<group>` is a function of "
            "the same file decorated as a click group or a name assigned `click.Group(...)` there; "
            "`<app>.command` / `<app>.callback`, where `<app>` is a name assigned `typer.Typer(...)` "
            "in the same file. A `.command()` of any other object (imported, a parameter, a class of "
            "your own) is not known to be a CLI framework's and does not count. Still findings in a "
            "command: `os._exit()`, `os.abort()` and `os.kill(os.getpid(), …)` (they end the process, "
            "runner and all), `pytest.exit()` (TG303), and exits in a function nested inside the "
            "command. Also not findings: exits under `if __name__ == \"__main__\":`; `sys.exit()`, "
            "`exit()`, `quit()` and `raise SystemExit` inside `pytest.raises(SystemExit)` / "
            "`assertRaises(SystemExit)` (or BaseException), or inside a `try` whose handler catches "
            "SystemExit, BaseException or everything. `os._exit()`, `os.abort()` and "
            "`os.kill(os.getpid(), …)` are findings inside those too: no handler survives them.",
    ),
    RuleDoc(
        code="TG303",
        check="exits",
        name="pytest-exit",
        summary="`pytest.exit()` in test code",
        why="`pytest.exit()` ends the whole session: every later test is silently not run.",
        bad="def test_db():\n    if not db_up():\n        pytest.exit('no db')",
        good="def test_db():\n    if not db_up():\n        pytest.skip('no db')",
        fix="Use `pytest.skip()` / `pytest.fail()`. " + suppress("TG303"),
        policy="Not a finding: `pytest.exit()` under `if __name__ == \"__main__\":`, or where what it "
            "raises (`pytest.exit.Exception`, `_pytest.outcomes.Exit`, an Exception) is caught: inside "
            "`pytest.raises(pytest.exit.Exception)` (or `Exit`, `Exception`, `BaseException`), or a "
            "`try` whose handler catches one of those or everything. `pytest.raises(SystemExit)` does "
            "not catch it.",
    ),
)
