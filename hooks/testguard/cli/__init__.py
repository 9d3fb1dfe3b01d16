"""The ``testguard`` command: one subcommand per check, plus check, run and baseline."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from testguard import __version__
from testguard.checks import CHECKS
from testguard.core.check import Check, find
from testguard.core.config import Config, load_config
from testguard.core.context import Context, RunOptions
from testguard.core.findings import CheckResult, UsageError
from testguard.core.lifetime import Terminated, contained
from testguard.core.project import find_root, relpath
from testguard.core.report import (
    BASELINED_ANNOTATIONS,
    FORMATS,
    Report,
    render,
    write_summary,
)
from testguard.core.report.model import prefix_within
from testguard.core.runner import apply_filters, exit_code, run_checks, say_skipped
from testguard.core.selection import Selection, Selectors, parse_list, resolve

DESCRIPTION = """\
testguard keeps a Python project's tests honest.

commands:
{checks}
  check       the static checks ({static}) and custom rules in one pass over the files
  run         every configured check, one report (what the GitHub Action calls)
  baseline    record today's findings so that only new ones fail
  rule        show a rule's documentation (rule CODE, rule --all)

Run `testguard COMMAND --help` for a command's options.

exit codes: 0 nothing blocking, 1 blocking findings, 2 usage or configuration error
"""


def plain(text: str) -> str:
    """Help text as plain terminal text: no RST double backticks."""
    return text.replace("``", "")


STATISTICS_FORMATS = ("text", "json")
_BASELINED_ENV = "TESTGUARD_ANNOTATE_BASELINED"


def _baselined_annotations(options: RunOptions) -> str:
    if options.annotate_baselined:
        return options.annotate_baselined
    value = os.environ.get(_BASELINED_ENV, "").strip() or BASELINED_ANNOTATIONS[0]
    if value not in BASELINED_ANNOTATIONS:
        raise UsageError(f"{_BASELINED_ENV}={value!r}: choose one of {', '.join(BASELINED_ANNOTATIONS)}")
    return value


def _default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _report_spec(value: str) -> tuple[str, str]:
    fmt, sep, path = value.partition(":")
    if not sep or fmt not in FORMATS or not path:
        raise argparse.ArgumentTypeError(
            f"expected FORMAT:FILE with FORMAT one of {', '.join(FORMATS)}, got {value!r}"
        )
    return fmt, path


@cache
def _common(with_paths: bool = True, reporting: bool = True) -> argparse.ArgumentParser:
    """The options every command has (``RunOptions``); ``reporting``: the rule selection
    and the report's shape too (every command but ``baseline``)."""
    parser = argparse.ArgumentParser(add_help=False)
    if with_paths:
        parser.add_argument(
            "paths", nargs="*", metavar="PATH",
            help="files or directories to check (default: the whole project)",
        )
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=FORMATS, default=None,
                     help="report format (default: text, or github when GITHUB_ACTIONS=true)")
    out.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    out.add_argument("--summary", metavar="FILE", help="append a Markdown job summary to FILE")
    out.add_argument("--report", metavar="FORMAT:FILE", type=_report_spec, action="append",
                     default=[], help="also write the report in FORMAT to FILE (repeatable)")
    out.add_argument("--paths-relative-to", metavar="DIR",
                     help="show paths relative to DIR, which holds the project (the Action passes"
                     " GITHUB_WORKSPACE; default: relative to the project root)")
    out.add_argument("--annotate-baselined", choices=BASELINED_ANNOTATIONS, default=None,
                     help="github format: baselined findings as notices or none (default: "
                     f"${_BASELINED_ENV}, else notice)")
    sel = parser.add_argument_group("what blocks")
    sel.add_argument("--config", metavar="FILE", help="pyproject.toml to read (default: the project's)")
    sel.add_argument("--diff-base", metavar="REF",
                     help="report only findings on lines changed since the merge-base with REF")
    sel.add_argument("--baseline", metavar="FILE", help="baseline file (default: from config)")
    sel.add_argument("--no-baseline", action="store_true", help="ignore the baseline file")
    sel.add_argument("--fail-on", choices=("new", "any"), default="new",
                     help="exit 1 on new findings only (default) or on any finding")
    sel.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    if reporting:
        out.add_argument("--statistics", action="store_true",
                         help="print one line per code (count, code, name) instead of the findings")
        sel.add_argument("--exit-zero", action="store_true",
                         help="exit 0 even when findings block (2 still means testguard failed)")
        rules = parser.add_argument_group("rule selection (as in ruff)")
        rules.add_argument("--select", metavar="CODES",
                           help="comma-separated codes or prefixes (TG3, TG30, TG301, ALL) to report;"
                           " replaces the config's selection")
        rules.add_argument("--extend-select", metavar="CODES",
                           help="codes or prefixes to report on top of the selection")
        rules.add_argument("--ignore", metavar="CODES", help="codes or prefixes not to report")
        fixes = parser.add_argument_group("fixes")
        fixes.add_argument("--fix", action="store_true",
                           help="apply the safe fixes (TG401-TG403), then report what remains")
        fixes.add_argument("--diff", action="store_true",
                           help="print the safe fixes as unified diffs, write nothing; exit 1 if"
                           " there is anything to fix")
    return parser


COMMANDS = ("check", "run", "baseline", "rule")
"""The commands that are not a check's own."""


def build_parser(checks: Sequence[Check], command: str | None = None) -> argparse.ArgumentParser:
    """The parser.  Given a known ``command``, only its subcommand is built: a hook call
    stays fast, and ``testguard --help`` lists the commands from the description anyway."""
    listing = "\n".join(f"  {c.name:<11} {c.help}" for c in checks)
    static = [c.name for c in checks if c.is_static]
    known = command in COMMANDS or find(checks, command or "") is not None

    def wanted(name: str) -> bool:
        return not known or name == command

    parser = argparse.ArgumentParser(
        prog="testguard",
        description=DESCRIPTION.format(checks=listing, static=", ".join(static)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"testguard {__version__}")
    # The commands are listed once, in the description; argparse's own listing is suppressed.
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help=argparse.SUPPRESS)
    for check in checks:
        if wanted(check.name):
            p = sub.add_parser(
                check.name, parents=[_common()],
                description=plain((check.description or check.help).strip()),
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            if check.name == command:
                check.add_arguments(p)
    if wanted("check"):
        check_command = sub.add_parser(
            "check", parents=[_common()],
            description=f"The static checks ({', '.join(static)}) and the custom rules in one pass over the files.",
        )
        check_command.set_defaults(custom_rules=True)
    if wanted("run"):
        run = sub.add_parser(
            "run", parents=[_common()],
            description="Every configured check, one report (what the GitHub Action calls).",
        )
        run.add_argument("--checks", metavar="A,B", help="comma-separated checks (default: all configured)")
        run.set_defaults(custom_rules=True)
    if wanted("baseline"):
        baseline = sub.add_parser(
            "baseline", parents=[_common(with_paths=False, reporting=False)],
            description="Write the baseline file: every current finding of CHECKS (default: all"
            " configured), keyed by rule, path and line text, plus the figures that ratchet.",
        )
        baseline.add_argument("checks", nargs="*", metavar="CHECK", help="checks to record")
        baseline.add_argument("--prune", action="store_true",
                              help="only remove entries that are fixed; never add new ones")
        baseline.add_argument("--allow-lower", action="store_true",
                              help="record figures (coverage, collected tests) lower than the recorded"
                              " ones; without it, a re-record that lowers one writes nothing, exit 1")
        baseline.set_defaults(custom_rules=True, paths=[])
    if wanted("rule"):
        rule = sub.add_parser(
            "rule", description="Show a rule's documentation: what it catches, why it matters,"
            " an example, how to fix or suppress it (the README's rule reference).",
        )
        from testguard.cli import rule as rule_command

        rule_command.add_arguments(rule)
    # Set after the subcommands: argparse builds each one's usage from the main usage.
    parser.usage = "testguard [-h] [--version] COMMAND [OPTIONS] [PATH ...]"
    return parser


def _named(checks: Sequence[Check], names: Sequence[str], where: str = "") -> list[Check]:
    """The checks called ``names``, in that order; ``where`` says where a bad name came from."""
    chosen = []
    for name in names:
        check = find(checks, name)
        if check is None:
            known = ", ".join(c.name for c in checks)
            raise UsageError(f"{where}unknown check {name!r}; choose from {known}")
        chosen.append(check)
    return chosen


def _configured_and_skipped(
    root: Path, config: Config, checks: Sequence[Check]
) -> tuple[list[Check], list[tuple[Check, str]]]:
    """The checks ``run`` runs by default, and each one it leaves out with the reason."""
    if config.checks:
        chosen = _named(checks, config.checks, f"{config.file}: [tool.testguard] checks: ")
        where = config.file.name if config.file is not None else "the config"
        return chosen, [
            (c, f"not in [tool.testguard] checks ({where})") for c in checks if c not in chosen
        ]
    chosen = [c for c in checks if c.is_static]
    skipped: list[tuple[Check, str]] = []
    for check in checks:
        if check.is_static:
            continue
        if check.configured(root, config):
            chosen.append(check)
        else:
            skipped.append((check, f"not configured ({check.enable or 'name it with --checks'})"))
    return chosen, skipped


def _select(args: argparse.Namespace, root: Path, config: Config, checks: Sequence[Check]) -> list[Check]:
    command = args.command
    if command == "check":
        return [c for c in checks if c.is_static]
    if command == "run" and args.checks:
        chosen = [c.strip() for c in args.checks.split(",") if c.strip()]
    elif command == "baseline" and args.checks:
        chosen = list(args.checks)
    elif command in ("run", "baseline"):
        chosen, skipped = _configured_and_skipped(root, config, checks)
        say_skipped(skipped)
        return chosen
    else:
        chosen = [command]
    return _named(checks, chosen)


def rule_selection(options: RunOptions, config: Config, root: Path) -> Selection:
    """The run's rule selection: the config's, then the command line's (ruff's precedence)."""
    where = str(config.file.relative_to(root)) if config.file and config.file.is_relative_to(root) else str(config.file)
    in_config = f"{where}: [tool.testguard]"
    sources = (
        Selectors(
            where=in_config + " {key}",
            select=tuple(config.select) if config.select is not None else None,
            extend_select=tuple(config.extend_select),
            ignore=tuple(config.ignore),
        ),
        Selectors(
            where="--{key}",
            select=parse_list(options.select, "--select") if options.select is not None else None,
            extend_select=parse_list(options.extend_select, "--extend-select"),
            ignore=parse_list(options.ignore, "--ignore"),
        ),
    )
    if not any(source.given for source in sources) and not config.per_file_ignores:
        return Selection()
    from testguard.checks import RULES

    known = list(RULES)
    if config.rules:
        from testguard.core import astgrep

        known += [rule.code for rule in astgrep.load_custom_rules(root, config.rules)]
    return resolve(sources, config.per_file_ignores, in_config, known)


def _selected_rules(checks: Sequence[Check], selection: Selection) -> list[Check]:
    """The checks with a selected rule; each other one is not run at all (no mypy, no imports)."""
    kept = [check for check in checks if selection.runs(check.codes)]
    say_skipped([
        (check, f"none of its rules is selected ({', '.join(check.codes)})")
        for check in checks if check not in kept
    ])
    return kept


def _emit(options: RunOptions, report: Report) -> None:
    from testguard.cli.outputs import to_stdout, write_report

    fmt = options.format or ("text" if options.statistics else _default_format())
    if options.statistics:
        from testguard.cli.statistics import render_statistics

        text = render_statistics(fmt, report)
    else:
        text = render(fmt, report)
    if options.output:
        write_report(options.output, text)
    elif text:
        to_stdout(text)
    for extra_fmt, path in options.reports:
        write_report(path, render(extra_fmt, report))
    if options.summary:
        write_report(options.summary, write_summary(report), append=True)


def _check_outputs(options: RunOptions, inputs: dict[str, Path | None]) -> None:
    """Before the checks run: the report has somewhere to go, no two outputs share a file,
    and none replaces a file the run reads (``--report json:.testguard-baseline.json``)."""
    from testguard.cli.outputs import distinct_targets, stdout_or_fail

    if not options.output:
        stdout_or_fail()
    named = [("--output", options.output)] if options.output else []
    named += [(f"--report {fmt}:{path}", path) for fmt, path in options.reports]
    if options.summary:
        named.append(("--summary", options.summary))
    distinct_targets(named)
    for option, path in named:
        if path.endswith(("/", os.sep)) or os.path.isdir(path):
            raise UsageError(f"{option} {path} is a directory: give the name of a file in it")
        for what, read in inputs.items():
            if read is not None and os.path.realpath(path) == os.path.realpath(read):
                raise UsageError(f"{option} would write over {what} ({path}): give the report another file")


def run_options(args: argparse.Namespace) -> RunOptions:
    """The parsed command line as the run's options; the command's own options go in ``given``."""
    parsed = vars(args)
    shared = {action.dest for action in _common()._actions} | {"command", "python", "custom_rules"}

    def text(name: str) -> str | None:
        value = parsed.get(name)
        return value if isinstance(value, str) else None

    python = parsed.get("python")
    return RunOptions(
        diff_base=args.diff_base,
        baseline=args.baseline,
        no_baseline=args.no_baseline,
        fail_on=args.fail_on,
        use_cache=not args.no_cache,
        python=str(python) if python else None,
        config=args.config,
        custom_rules=bool(parsed.get("custom_rules", False)),
        format=args.format,
        output=args.output,
        summary=args.summary,
        reports=tuple(args.report),
        paths_relative_to=args.paths_relative_to,
        annotate_baselined=args.annotate_baselined,
        select=text("select"),
        extend_select=text("extend_select"),
        ignore=text("ignore"),
        statistics=bool(parsed.get("statistics", False)),
        exit_zero=bool(parsed.get("exit_zero", False)),
        fix=bool(parsed.get("fix", False)),
        diff=bool(parsed.get("diff", False)),
        given={name: value for name, value in parsed.items() if name not in shared},
    )


def _run(args: argparse.Namespace) -> int:
    options = run_options(args)
    explicit = Path(options.config).resolve() if options.config else None
    root = explicit.parent if explicit else find_root(Path.cwd())
    config = load_config(root, explicit, [check.config for check in CHECKS])
    paths = [relpath(root, Path(p)) for p in args.paths]
    if args.command == "baseline":  # records every rule: a selection only narrows what a run reports
        _no_report_options(options, "testguard baseline writes the baseline file",
                           "run `testguard run` (or the check) for a report")
        ctx = Context(root=root, config=config, paths=paths, options=options)
        selected = _select(args, root, config, CHECKS)
        from testguard.cli.baseline import record

        return record(ctx, selected, explicit=bool(args.checks), prune=args.prune,
                      allow_lower=args.allow_lower)
    selection = rule_selection(options, config, root)
    ctx = Context(root=root, config=config, paths=paths, options=options, selection=selection)
    selected = _select(args, root, config, CHECKS)
    if selection.restricts:
        selected = _selected_rules(selected, selection)
    # Output options are checked before the checks run, which can take minutes.
    if options.fix and options.diff:
        raise UsageError("--fix writes the fixes, --diff only shows them: give one of them")
    if options.diff:
        _no_report_options(options, "--diff prints the fixes as diffs on stdout",
                           "run without --diff for a report", files_only=True)
    if options.statistics and (options.format or "text") not in STATISTICS_FORMATS:
        raise UsageError(f"--statistics prints {' or '.join(STATISTICS_FORMATS)}; not --format {options.format}")
    baselined_annotations = _baselined_annotations(options)
    _check_outputs(options, {"the baseline": ctx.baseline_path, "the config": config.file})
    path_base = Path(options.paths_relative_to) if options.paths_relative_to else None
    if path_base is not None:
        prefix_within(root, path_base)
    # `run` reports every check it could run, and exits 2 for one that could not (the Action's
    # whole answer is not lost to one check's broken setup); a named check's error ends the run.
    results: list[CheckResult] = run_checks(ctx, selected, keep_going=args.command == "run")
    apply_filters(ctx, results, selected)
    fixed: int | None = None
    if options.fix or options.diff:
        from testguard.core.fixes import apply_fixes

        outcome = apply_fixes(root, results, CHECKS, write=not options.diff)
        if options.diff:
            return _show_diffs(outcome.diffs, outcome.fixed, options.exit_zero)
        fixed = outcome.fixed
    report = Report(
        results=results,
        root=root,
        version=__version__,
        diff_base=options.diff_base,
        baseline_path=str(ctx.baseline_path.relative_to(root))
        if ctx.baseline is not None and ctx.baseline_path.is_relative_to(root)
        else None,
        path_base=path_base,
        baselined_annotations=baselined_annotations,
        given_paths=bool(paths),
        checks=CHECKS,
        fixed_now=fixed,
        fail_on=options.fail_on,
    )
    _emit(options, report)
    if any(result.error is not None for result in results):
        return 2  # not even --exit-zero: testguard could not do what it was asked
    if options.exit_zero:
        return 0
    if any(check.report_only(options) for check in selected):
        return 0  # e.g. an inventory: a report, not a gate
    return exit_code(results, options.fail_on)


def _no_report_options(options: RunOptions, command: str, instead: str, files_only: bool = False) -> None:
    """A command that writes no report (``baseline``, ``--diff``) refuses the report options:
    ignored, they would leave a CI step waiting for a file that never comes (or an old one).
    ``files_only``: only the options that name a file (or replace the output) are refused."""
    flags: list[tuple[str, object]] = [
        ("--output", options.output), ("--report", options.reports), ("--summary", options.summary),
        ("--statistics", options.statistics),
    ]
    if not files_only:
        flags += [("--format", options.format), ("--paths-relative-to", options.paths_relative_to),
                  ("--annotate-baselined", options.annotate_baselined)]
    given = [flag for flag, value in flags if value]
    if given:
        raise UsageError(
            f"{command}, no report: {', '.join(given)}"
            f" {'does' if len(given) == 1 else 'do'} not apply; {instead}"
        )


def _show_diffs(diffs: list[str], fixable: int, exit_zero: bool) -> int:
    """``--diff``: the fixes as unified diffs on stdout, what they would do on stderr (as ruff)."""
    from testguard.core.report.escape import encodable, inert
    from testguard.core.wording import plural

    from testguard.cli.outputs import to_stdout

    # Lines as they are (tabs, line endings: the patch must apply), made inert for Actions logs.
    if diffs:
        to_stdout("".join(inert(encodable(line)) for line in "".join(diffs).splitlines(keepends=True)))
    print(f"Would fix {plural(fixable, 'error')}." if fixable else "No fixes available.", file=sys.stderr)
    return 1 if fixable and not exit_zero else 0


def _rule(args: argparse.Namespace) -> int:
    from testguard.checks import RULES
    from testguard.cli import rule
    from testguard.cli.outputs import to_stdout

    to_stdout(rule.render(args, RULES))
    return 0


def _say(message: str) -> None:
    """An error on stderr, line by line made inert: it may quote config values, paths and
    tool output, and the Actions runner reads workflow commands on stderr too."""
    from testguard.core.report.escape import inert_lines

    print(inert_lines(message), file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    if sys.stderr is None:  # started with stderr closed (2>&-): print(file=None) would go to stdout
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # open for the rest of the process
    from testguard.cli.outputs import StderrUntilBroken

    original = sys.stderr
    sys.stderr = StderrUntilBroken.around(original)
    try:
        return _main(argv)
    finally:
        sys.stderr = original


def _main(argv: Sequence[str] | None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in arguments if not a.startswith("-")), None)
    parser = build_parser(CHECKS, command)
    args = parser.parse_args(arguments)
    if not args.command:
        parser.print_help()
        return 2
    try:
        if args.command == "rule":
            return _rule(args)
        with contained():  # whatever ends the run, no process it started outlives it
            return _run(args)
    except UsageError as exc:
        _say(f"testguard: error: {exc}")
        return 2
    except KeyboardInterrupt:
        print("testguard: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("testguard: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug in testguard, not the user's fault
        if os.environ.get("TESTGUARD_DEBUG"):
            import traceback

            traceback.print_exc()
        _say(
            f"testguard: internal error: {type(exc).__name__}: {exc}"
            " (set TESTGUARD_DEBUG=1 for the traceback, and please report it)"
        )
        return 2
