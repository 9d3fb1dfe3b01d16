"""The rules of ``testguard imports`` (import smoke test): what each catches, why, an example, the fix."""

from __future__ import annotations

from testguard.core.rulebook import RuleDoc

RULES = (
    RuleDoc(
        code="TG101",
        check="imports",
        name="import-failed",
        summary="Module failed to import: a name or module is missing",
        why="A module that cannot be imported fails for every user the moment it is used; tests "
            "that never import it will not notice.",
        bad="# mypkg/report.py\nfrom mypkg.utils import format_money  # renamed to fmt_money",
        good="# mypkg/report.py\nfrom mypkg.utils import fmt_money",
        fix="Fix the import or add the missing dependency to the project. Modules that are meant "
            "to be optional go in `[tool.testguard.imports] exclude`.",
    ),
    RuleDoc(
        code="TG102",
        check="imports",
        name="import-raised",
        summary="Module raised another exception while importing",
        why="Import-time side effects (reading files, connecting, parsing env) that fail make the "
            "whole package unusable, and usually only in production.",
        bad="# mypkg/settings.py\nPORT = int(os.environ['PORT'])",
        good="# mypkg/settings.py\ndef port() -> int:\n    return int(os.environ.get('PORT', '8000'))",
        fix="Move the work out of module level into a function that is called when needed. An "
            "exception without text (a bare `assert`) is reported with the source line that raised it "
            "(`AssertionError: assert sys.platform == \"win32\"`); a module that guards a platform "
            "(`sys.platform`, `os.name`, `platform.system()`) gets a hint: leave modules meant for one "
            "platform only out with `[tool.testguard.imports] exclude`.",
    ),
    RuleDoc(
        code="TG103",
        check="imports",
        name="import-exited",
        summary="Module exited the process while importing",
        why="An exit at import time kills whatever imported the module: the test run, the "
            "web server, the CLI that only wanted `--help`.",
        bad="# mypkg/cli.py\nimport sys\nsys.exit(main())",
        good="# mypkg/cli.py\nimport sys\nif __name__ == '__main__':\n    sys.exit(main())",
        fix='Guard the exit with `if __name__ == "__main__":` or move it into a function.',
    ),
    RuleDoc(
        code="TG104",
        check="imports",
        name="import-timeout",
        summary="Module import timed out (hang)",
        why="An import that blocks (network, input(), a lock) hangs every process that imports it.",
        bad="# mypkg/client.py\nSESSION = connect('db.internal:5432')",
        good="# mypkg/client.py\ndef session():\n    return connect('db.internal:5432')",
        fix="Do not block at import time; raise `[tool.testguard.imports] timeout` only for "
            "modules that are legitimately slow to import.",
    ),
    RuleDoc(
        code="TG105",
        check="imports",
        name="import-crashed",
        summary="The interpreter crashed while importing (signal, e.g. segfault)",
        why="A crash at import time usually means a broken native extension or an ABI mismatch, "
            "which takes down every process that touches the module.",
        bad="# mypkg/fast.py\nfrom mypkg._speedups import kernel  # built for another Python",
        good="# after rebuilding the extension for this interpreter\nfrom mypkg._speedups import kernel",
        fix="Rebuild or reinstall the native extension for the project's interpreter.",
    ),
    RuleDoc(
        code="TG106",
        check="imports",
        name="syntax-error",
        summary="Syntax error",
        why="A module that does not parse cannot be imported at all.",
        bad="def total(items)\n    return sum(items)",
        good="def total(items):\n    return sum(items)",
        fix="Fix the syntax; check the project's interpreter version matches the syntax you use.",
    ),
)
