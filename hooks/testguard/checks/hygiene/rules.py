"""The rules of ``testguard hygiene`` (production hygiene): what each catches, why, an example, the fix."""

from __future__ import annotations

from testguard.core.rulebook import RuleDoc, suppress

RULES = (
    RuleDoc(
        code="TG801",
        check="hygiene",
        name="test-code-in-production",
        summary="Production module imports test code at module level",
        why="The tests are not installed with the package: the import works in the repository "
            "and in CI, then fails where the package is deployed, or quietly runs a test fake "
            "in production. Test code is what the test globs match, every `conftest.py`, and "
            "`[tool.testguard.hygiene] test-code`.",
        bad="# mypkg/service.py\nfrom tests.helpers import FakePaymentClient\n\n"
            "client = FakePaymentClient()",
        good="# mypkg/service.py\nfrom mypkg.payments import PaymentClient\n\nclient = PaymentClient()",
        fix="Move what production needs into the package (the tests can import it from there), "
            "or import it inside the function that needs it only in tests. Imports under "
            "`if TYPE_CHECKING:` and inside functions are not reported. " + suppress("TG801"),
    ),
    RuleDoc(
        code="TG802",
        check="hygiene",
        name="placeholder-in-production",
        summary="Placeholder in production code that a test imports",
        why="A class whose body is only `pass`, `...` or a docstring (or nothing but such stub "
            "methods), or a function that only does that or raises `NotImplementedError`, created "
            "so that tests collect: the tests import it and test nothing real, and the rising count "
            "of collected tests looks like progress. Not reported: abstract methods "
            "(`@abstractmethod`), `@overload` stubs, `.pyi` files, a class with a base class or a "
            "metaclass (it inherits behaviour: exception classes, `typing.Protocol` classes and "
            "their methods, ABCs), a definition production code uses other than by calling it (a "
            "no-op callback, a marker class others derive from), and placeholders no test imports.",
        bad="# mypkg/limits.py\nclass RateLimiter:\n    pass\n\n"
            "# tests/test_limits.py\nfrom mypkg.limits import RateLimiter",
        good="# mypkg/limits.py\nclass RateLimiter:\n    def __init__(self, per_second: int) -> None:\n"
             "        self.per_second = per_second\n\n    def allow(self, key: str) -> bool:\n"
             "        ...  # the real implementation",
        fix="Implement it, or delete it together with the tests that import it (they test "
            "nothing). A base class whose methods are meant to be overridden: derive it from "
            "`abc.ABC` and make them `@abstractmethod`. " + suppress("TG802"),
    ),
    RuleDoc(
        code="TG803",
        check="hygiene",
        name="import-cycle",
        summary="Cycle of first-party modules through module-level imports",
        why="Two modules that import each other at import time work or fail with `ImportError: "
            "cannot import name` depending on which one is imported first: the test run happens "
            "to use one order, production another. A cycle through a package's `__init__` that "
            "only re-exports its submodules is a cycle too: `from mypkg import Client` in a "
            "submodule runs `mypkg/__init__.py`, which imports the submodule back. Imports inside "
            "functions and under `if TYPE_CHECKING:` break a cycle. Reported once per group of "
            "modules that import each other, at the import that closes the shortest cycle "
            "through the group's first module (by name); the message has the whole cycle, the "
            "details every module of the group.",
        bad="# mypkg/__init__.py\nfrom mypkg.client import Client\nfrom mypkg.retry import Retry\n\n"
            "# mypkg/client.py\nfrom mypkg import Retry  # mypkg -> mypkg.client -> mypkg",
        good="# mypkg/client.py\nfrom mypkg.retry import Retry  # the submodule, not the package",
        fix="Import the submodule that defines the name, not the package that re-exports it; move "
            "what both modules need into a third; or import inside the function that needs it "
            "(or under `if TYPE_CHECKING:` for annotations). " + suppress("TG803"),
    ),
)
