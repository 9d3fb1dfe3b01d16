"""`testguard rule` and `testguard --help`, as a user meets them in the terminal."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, run_testguard
from testguard.checks import CHECKS, RULES


def test_rule_prints_the_documentation_of_one_code(tmp_path: Path, tg: Callable[..., Run]) -> None:
    run = tg(tmp_path, "rule", "TG301")
    assert run.code == 0, run.err
    rule = RULES["TG301"]
    assert run.out.startswith(f"# {rule.name} (TG301)\n")
    for part in (rule.summary, rule.why, rule.bad, rule.good, rule.fix, "Check: exits",
                 "Default severity: error"):
        assert part in run.out


@pytest.mark.parametrize("code", ["TG001", "TG002", "TG003", "tg803"])
def test_rule_knows_the_core_codes_and_any_case(tmp_path: Path, tg: Callable[..., Run], code: str) -> None:
    run = tg(tmp_path, "rule", code)
    assert run.code == 0, run.err
    assert f"({code.upper()})" in run.out.splitlines()[0]


def test_rule_all_lists_every_rule_once_a_line(tmp_path: Path, tg: Callable[..., Run]) -> None:
    run = tg(tmp_path, "rule", "--all")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    assert {"TG001", "TG002", "TG003", "TG801", "TG802", "TG803"} <= set(RULES)
    assert all(RULES[line.split()[0]].name == line.split()[1] for line in lines)


def test_rule_json_for_editors(tmp_path: Path, tg: Callable[..., Run]) -> None:
    one = tg(tmp_path, "rule", "TG402", "--format", "json").json()
    assert one["code"] == "TG402"
    assert one["check"] == "fallbacks"
    assert set(one) >= {"name", "severity", "summary", "why", "bad", "good", "fix", "fixable", "url"}
    every = tg(tmp_path, "rule", "--all", "--format", "json").json()
    assert [rule["code"] for rule in every] == list(RULES)


@pytest.mark.parametrize(("args", "named"), [(("TG999",), "'TG999'"), (("mock",), "'mock'"), ((), "--all")])
def test_rule_unknown_or_missing_code_exits_2_naming_it(
    tmp_path: Path, tg: Callable[..., Run], args: tuple[str, ...], named: str
) -> None:
    run = tg(tmp_path, "rule", *args)
    assert run.code == 2
    assert run.out == ""
    assert named in run.err
    assert "Traceback" not in run.err


def test_help_lists_each_command_once_in_plain_text(tmp_path: Path) -> None:
    run = run_testguard(tmp_path, "--help")
    assert run.code == 0
    assert "positional arguments" not in run.out
    names = [c.name for c in CHECKS] + ["check", "run", "baseline", "rule"]
    for name in names:
        assert len(re.findall(rf"^  {name} ", run.out, flags=re.M)) == 1, name
    assert "``" not in run.out


@pytest.mark.parametrize("command", [c.name for c in CHECKS] + ["check", "run", "baseline", "rule"])
def test_each_command_help_is_plain_text(
    tmp_path: Path, tg: Callable[..., Run], capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as ended:
        tg(tmp_path, command, "--help")
    assert ended.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: testguard {command} ")
    assert "``" not in shown
    new_flags = ("--select", "--ignore", "--extend-select", "--statistics", "--exit-zero", "--fix", "--diff")
    reports = command not in ("baseline", "rule")
    listed = {flag for flag in new_flags if re.search(re.escape(flag) + r"(?![\w-])", shown)}
    assert listed == (set(new_flags) if reports else set()), shown
