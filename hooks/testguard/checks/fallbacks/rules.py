"""The rules of ``testguard fallbacks`` (import-fallback ban): what each catches, why, an example, the fix."""

from __future__ import annotations

from testguard.core.rulebook import RuleDoc, suppress

RULES = (
    RuleDoc(
        code="TG401",
        check="fallbacks",
        name="import-fallback",
        summary="First-party import inside try/except ImportError (or broader) in test code",
        why="If the project's own import fails, the tests should fail; catching the error turns a "
            "broken package into skipped or vacuous tests.",
        bad="try:\n    from mypkg import parser\nexcept ImportError:\n    parser = None",
        good="from mypkg import parser",
        fix="Import first-party code directly; `testguard fallbacks --fix` does it when the try only"
            " imports and its handler only sets a flag, removing the flag and the skips that test it"
            " (`--diff` shows the change first). When the module is optional because a third-party"
            " library it needs is (a database driver), guard on that library instead:"
            " `pytest.importorskip(\"psycopg\")`, then import the module normally, so that a"
            " broken module of your own still fails. " + suppress("TG401"),
        fixable=True,
        policy="Imports under `if TYPE_CHECKING:` (also `typing.TYPE_CHECKING`, through aliases) are "
            "never findings: type checkers read them, Python never runs them. Only the `if` branch "
            "counts; its `elif`/`else` branches run, and imports there are checked.",
    ),
    RuleDoc(
        code="TG402",
        check="fallbacks",
        name="importorskip-first-party",
        summary="`pytest.importorskip` of a first-party module",
        why="`importorskip` is for optional third-party dependencies; on the project's own module "
            "it skips the tests exactly when the module is broken.",
        bad="parser = pytest.importorskip('mypkg.parser')",
        good="from mypkg import parser",
        fix="Import the module directly; `--fix` turns a module-level"
            " `x = pytest.importorskip('mypkg.x')` into `import mypkg.x as x`. " + suppress("TG402"),
        fixable=True,
    ),
    RuleDoc(
        code="TG403",
        check="fallbacks",
        name="skip-on-import-flag",
        summary="Skip condition on a flag set by a failed import",
        why="A `*_AVAILABLE` flag set in an `except ImportError` and used in `skipif` hides an "
            "import failure as a skip.",
        bad="try:\n    import mypkg.fast\n    FAST = True\nexcept ImportError:\n    FAST = False\n\n@pytest.mark.skipif(not FAST, reason='no fast')\ndef test_fast(): ...",
        good="import mypkg.fast\n\ndef test_fast(): ...",
        fix="Import directly and let a broken import fail; `--fix` removes the skip with the flag"
            " when its condition is only the flag (`not FLAG`). " + suppress("TG403"),
        fixable=True,
    ),
)
