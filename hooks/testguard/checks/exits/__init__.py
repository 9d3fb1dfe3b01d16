"""``testguard exits``: no process exits in test code (TG301–TG303).

A ``sys.exit(1)`` at module level of a test module ends collection of that
file (and with it every test in it); inside a test it ends or fakes the run;
``pytest.exit()`` ends the whole session.  Allowed: code under
``if __name__ == "__main__":``, exits inside ``pytest.raises(SystemExit)`` /
``assertRaises(SystemExit)``, inside a ``try`` whose handler catches
SystemExit (or BaseException, or everything), references that are not
calls (``assertRaises(SystemExit, sys.exit, 1)``), and ``sys.exit()`` /
``raise SystemExit`` in a function decorated as a click or typer command
(``@click.command()``, ``@cli.command()`` of a click group of the file,
``@app.command()`` of a ``typer.Typer()`` of the file, through aliases too):
the framework's test runner catches them.
"""

from __future__ import annotations

from testguard.checks.exits.rules import RULES
from testguard.core.check import Check, StaticScan
from testguard.core.config import NoSettings, Section


def _scanner() -> StaticScan:
    from testguard.checks.exits import detect

    return detect.SCAN


CHECK = Check(
    name="exits",
    help="flag process exits in test code (TG3xx)",
    rules=RULES,
    config=Section("exits", {}, NoSettings, static=True),  # no keys yet
    description=__doc__ or "",
    static=_scanner,
)
