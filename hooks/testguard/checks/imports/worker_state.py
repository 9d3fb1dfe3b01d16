"""What an import may change in the interpreter that a later import would see: a fingerprint.

Part of the worker (standard library only, Python 3.9+, loaded by path, nothing
from testguard).  ``Fingerprint.changes()`` names what changed since the last
call: builtins, ``os.environ``, ``sys.path``/``meta_path``/``path_hooks``,
``sys.argv``, the recursion limit, the current directory, the umask, signal
handlers, the warnings filters (when one of them makes warnings errors: only
then can they change a verdict), trace and profile functions, the root logger,
and the identity of every attribute of the standard-library modules that were
loaded before.  Changes that every import makes are not counted: a package
gaining its imported submodule as an attribute, a cache filled the first time
(an attribute that was ``None``), a ``__warningregistry__``.
"""

from __future__ import annotations

import builtins
import os
import signal
import sys
import warnings
from itertools import chain
from types import ModuleType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_IGNORED_KEYS = frozenset({"__warningregistry__"})


def _stdlib_names() -> frozenset[str]:
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return frozenset(names)
    import sysconfig  # Python 3.9: no list, so judge by where the module lives

    found = set(sys.builtin_module_names)
    stdlib = os.path.normcase(sysconfig.get_paths()["stdlib"])
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None) or ""
        if os.path.normcase(where).startswith(stdlib) and "site-packages" not in where:
            found.add(name.split(".", 1)[0])
    return frozenset(found)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _signals() -> tuple[Any, ...]:
    handlers = []
    for number in _VALID_SIGNALS:
        try:
            handlers.append(_getsignal(number))
        except (OSError, ValueError):
            handlers.append(None)
    return tuple(handlers)


# signal.getsignal without the enum it wraps the answer in (ten times faster).
_getsignal = getattr(getattr(signal, "_signal", signal), "getsignal", signal.getsignal)
_VALID_SIGNALS = sorted(signal.valid_signals()) if hasattr(signal, "valid_signals") else []


def _environ() -> dict[Any, Any]:
    data = getattr(os.environ, "_data", None)
    return dict(data) if isinstance(data, dict) else dict(os.environ)


def _logging() -> tuple[Any, ...]:
    """The root logger's level and handlers, and the level logging.disable() set."""
    root = getattr(sys.modules.get("logging"), "root", None)
    if root is None:
        return (30, (), 0)  # as logging starts: WARNING, no handler, nothing disabled
    manager = getattr(root, "manager", None)
    return (root.level, tuple(getattr(root, "handlers", ())), getattr(manager, "disable", 0))


def _warnings() -> tuple[Any, ...]:
    """The warnings filters, where one makes a warning an error: only then can they change
    a verdict (re-adding a filter, which reorders them, is common and harmless)."""
    filters = tuple(warnings.filters)
    return filters if any(entry[0] == "error" for entry in filters) else ()


def _scalars() -> tuple[Any, ...]:
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = None
    digits = getattr(sys, "get_int_max_str_digits", None)
    return (
        cwd,
        _umask(),
        sys.getrecursionlimit(),
        sys.gettrace(),
        sys.getprofile(),
        digits() if digits is not None else None,
        tuple(sys.path),
        tuple(sys.meta_path),
        tuple(sys.path_hooks),
        tuple(sys.argv),
        _warnings(),
        _signals(),
        _logging(),
    )


_SCALAR_NAMES = (
    "the current directory",
    "the umask",
    "the recursion limit",
    "the trace function",
    "the profile function",
    "the integer string limit",
    "sys.path",
    "sys.meta_path",
    "sys.path_hooks",
    "sys.argv",
    "the warnings filters",
    "signal handlers",
    "the root logger",
)


_MISSING = object()


def _benign(module: str, key: str, old: object, new: object) -> bool:
    """A change every import makes: a submodule bound on its package, a cache filled."""
    if key in _IGNORED_KEYS:
        return True
    if old is None and new is not _MISSING:
        return True  # lazily initialised (tempfile.tempdir, mimetypes._db)
    return isinstance(new, ModuleType) and new.__name__ == f"{module}.{key}"


class Fingerprint:
    """The interpreter state as last seen; ``changes()`` compares and moves on.

    The standard-library modules are compared in one pass over all their keys and
    values (identity first, in C); only a module that differs is looked at by key.
    """

    def __init__(self) -> None:
        self.stdlib = _stdlib_names()
        self.scalars = _scalars()
        self.builtins = dict(vars(builtins))
        self.environ = _environ()
        self.names: list[str] = []
        self.dicts: list[dict[str, Any]] = []  # the live namespaces of the stdlib modules
        self.saved: list[dict[str, Any]] = []  # their copies as last seen
        self.known: set[str] = set()
        self.flat: list[Any] = []  # every value of every stdlib module, in order
        self.new: list[str] = []  # the modules imported since the last call
        self._add_new_modules()

    def _flatten(self) -> list[Any]:
        # A key added or removed changes the length; a value replaced, an identity.
        return list(chain.from_iterable(map(dict.values, self.dicts)))

    def _add_new_modules(self) -> None:
        self.new = []
        if len(sys.modules) == len(self.known) and not self.known.symmetric_difference(sys.modules):
            return
        self.new = sorted(sys.modules.keys() - self.known)
        for name in self.new:
            self.known.add(name)
            module = sys.modules.get(name)
            if isinstance(module, ModuleType) and name.split(".", 1)[0] in self.stdlib:
                self.names.append(name)
                self.dicts.append(vars(module))
                self.saved.append(dict(vars(module)))
                self.flat.extend(vars(module).values())
        self.known &= set(sys.modules)

    def forked(self) -> None:
        """In a forked child: what the fork itself changed (threading's locks) is no change."""
        self.changes()

    def changes(self) -> list[str]:
        """What changed since the last call (empty: nothing another import would see)."""
        found: list[str] = []
        scalars = _scalars()
        if scalars != self.scalars:
            found += [n for n, a, b in zip(_SCALAR_NAMES, self.scalars, scalars) if a != b]
            self.scalars = scalars
        if not _same(self.builtins, vars(builtins)):
            found += _dict_changes("builtins", self.builtins, vars(builtins))
            self.builtins = dict(vars(builtins))
        environ = _environ()
        if environ != self.environ:
            keys = {k for k in set(environ) | set(self.environ) if environ.get(k) != self.environ.get(k)}
            found += [f"os.environ[{_text(k)!r}]" for k in sorted(keys, key=repr)]
            self.environ = environ
        flat = self._flatten()
        if not _same_values(self.flat, flat):
            for position, (name, current) in enumerate(zip(self.names, self.dicts)):
                if not _same(self.saved[position], current):
                    found += _dict_changes(name, self.saved[position], current)
                    self.saved[position] = dict(current)
            self.flat = flat
        self._add_new_modules()
        return found


def _dict_changes(name: str, saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    found = []
    for key in set(saved) | set(current):
        old, new = saved.get(key, _MISSING), current.get(key, _MISSING)
        if old is new or _benign(name, key, old, new):
            continue
        found.append(f"{name}.{key}")
    return sorted(found)


def _same_values(saved: list[Any], current: list[Any]) -> bool:
    try:
        return bool(saved == current)  # identical items compare equal without calling __eq__
    except Exception:  # noqa: BLE001 -- a replaced value with an odd __eq__ is a change
        return False


def _same(saved: dict[str, Any], current: dict[str, Any]) -> bool:
    try:
        return bool(saved == current)  # identical values compare equal without calling __eq__
    except Exception:  # noqa: BLE001 -- a replaced value with an odd __eq__ is a change
        return False


def _text(key: object) -> str:
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
