"""A prefilter that screens with plain substrings before it runs its regex.

``static.scan_source`` calls each static check's ``prefilter.search(text)`` on
every test file.  Python's ``re`` scans slowly for alternations
(``[Mm]ock|asynctest|…``): about 25 ms per MB, a second over a large suite,
while ``"mock" in text`` is ten times faster.  Most files fail the substring screen; only the rest pay for
the regex.  Every static check uses it.

``starts``: words every match of the regex begins with.  Given them, the regex
is tried only where one of them occurs (``regex.match`` at each ``str.find``
hit) instead of scanning the whole text: the same files pass, and a file with
an ``exit`` in it costs a few matches rather than a scan of every position
(on the bench corpus the exits regex took 0.5 s of a cold run that way).
"""

from __future__ import annotations

import re


class Screened:
    """Quacks like the ``re.Pattern`` the static pipeline expects (``search``, ``pattern``)."""

    def __init__(self, screen: tuple[str, ...], pattern: str, starts: tuple[str, ...] = ()) -> None:
        self.screen = screen
        self.starts = starts
        self.regex = re.compile(pattern)
        self.pattern = pattern
        # Set per run by a check's prepare(): at least one of these must occur as well.
        self.also: tuple[str, ...] | None = None

    def search(self, text: str) -> re.Match[str] | None:
        if not _contains_any(text, self.screen):
            return None
        if self.also is not None and not _contains_any(text, self.also):
            return None
        if not self.starts:
            return self.regex.search(text)
        for word in self.starts:
            at = text.find(word)
            while at >= 0:
                found = self.regex.match(text, at)
                if found is not None:
                    return found
                at = text.find(word, at + 1)
        return None


def _contains_any(text: str, words: tuple[str, ...]) -> bool:
    # A plain loop: a generator inside any() costs more than the search itself here.
    for word in words:
        if word in text:
            return True
    return False
