"""Which rules a run reports: ``select``, ``ignore``, ``extend-select``, ``per-file-ignores``.

The semantics are ruff's.  A selector is a code or a prefix of codes (``TG3``,
``TG30``, ``TG301``) or ``ALL``.  Without any selection every rule is on.  The
sources are read in order, config first, then the command line; a source with a
``select`` starts over from nothing (dropping what earlier sources selected or
ignored), and its ``select``/``extend-select`` switch rules on and ``ignore``
switches them off, the more specific selector (the longer prefix) winning, and
``ignore`` winning between two selectors of the same length.  A source without
``select`` adjusts what the earlier ones left.  ``per-file-ignores`` then drops
the findings of the given codes in the files its globs match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from testguard.core.findings import UsageError
from testguard.core.globs import GlobSet

ALL = "ALL"


@dataclass(frozen=True)
class Selectors:
    """The selection of one source (the config, or the command line)."""

    where: str
    """How a message names one of its keys, ``{key}`` standing for it: ``--{key}``,
    ``pyproject.toml: [tool.testguard] {key}``."""

    def names(self, key: str) -> str:
        return self.where.replace("{key}", key)
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        return self.select is not None or bool(self.extend_select or self.ignore)


def _specificity(selector: str) -> int:
    return 0 if selector == ALL else len(selector)


def _matches(selector: str, code: str) -> bool:
    return selector == ALL or code.startswith(selector)


def _decide(code: str, sources: Sequence[Selectors]) -> bool:
    on = True  # no selection anywhere: every rule
    for source in sources:
        entries = [(s, True) for s in (source.select or ()) + source.extend_select]
        entries += [(s, False) for s in source.ignore]
        if source.select is not None:
            on = False
        matching = [(_specificity(s), not enabled, enabled) for s, enabled in entries if _matches(s, code)]
        if matching:
            on = max(matching)[2]  # longest prefix; at equal length, ignore (not enabled) wins
    return on


@dataclass(frozen=True)
class Selection:
    """The resolved selection: whether a code is on, and whether it is on for a path."""

    sources: tuple[Selectors, ...] = ()
    per_file: tuple[tuple[GlobSet, tuple[str, ...]], ...] = ()
    _cache: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @property
    def restricts(self) -> bool:
        return any(source.given for source in self.sources) or bool(self.per_file)

    def selects(self, code: str) -> bool:
        """Whether the rule ``code`` is on (anywhere)."""
        found = self._cache.get(code)
        if found is None:
            found = self._cache[code] = _decide(code, self.sources)
        return found

    def runs(self, codes: Iterable[str]) -> bool:
        """Whether a check (or custom rule) with these codes has anything to report."""
        return any(self.selects(code) for code in codes)

    def wants(self, code: str, path: str) -> bool:
        """Whether a finding of ``code`` in ``path`` is reported."""
        if not self.selects(code):
            return False
        for globs, selectors in self.per_file:
            if path and globs.match(path) and any(_matches(s, code) for s in selectors):
                return False
        return True


def parse_list(value: str | None, flag: str) -> tuple[str, ...]:
    """``TG3,TG401`` (a command-line value) as selectors; a flag given without a code
    (``--select ''``) is a UsageError rather than a selection of nothing."""
    if value is None:
        return ()
    selectors = tuple(part.strip() for part in value.split(",") if part.strip())
    if not selectors:
        raise UsageError(
            f"{flag} {value!r} names no rule code (codes or prefixes such as TG3, TG30, TG301,"
            " or ALL; `testguard rule --all` lists them)"
        )
    return selectors


def _checked(selectors: Iterable[str], where: str, known: Sequence[str]) -> tuple[str, ...]:
    out = []
    for raw in selectors:
        selector = raw.strip().upper()
        # "" is a prefix of every code: from the config it would switch every rule on or off
        if not selector or (selector != ALL and not any(code.startswith(selector) for code in known)):
            raise UsageError(
                f"{where} {raw!r} names no known rule code (codes or prefixes such as TG3,"
                " TG30, TG301, or ALL; `testguard rule --all` lists them)"
            )
        out.append(selector)
    return tuple(out)


def resolve(
    sources: Sequence[Selectors],
    per_file_ignores: Mapping[str, Sequence[str]],
    per_file_where: str,
    known: Sequence[str],
) -> Selection:
    """The selection of ``sources`` (config first, then the command line), every selector
    checked against the ``known`` codes: one that names none is a UsageError naming it."""
    checked = []
    for source in sources:
        checked.append(
            Selectors(
                where=source.where,
                select=None if source.select is None
                else _checked(source.select, source.names("select"), known),
                extend_select=_checked(source.extend_select, source.names("extend-select"), known),
                ignore=_checked(source.ignore, source.names("ignore"), known),
            )
        )
    per_file = tuple(
        (GlobSet([glob]), _checked(codes, f"{per_file_where} per-file-ignores {glob!r}:", known))
        for glob, codes in per_file_ignores.items()
    )
    return Selection(tuple(checked), per_file)
