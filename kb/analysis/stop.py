"""Swedish stop words, removed identically at index and query time.

Starts from whoosh's Snowball-derived Swedish list, drops words that carry meaning in
procurement texts, adds a few function words frequent in Swedish legal prose.
Unlike whoosh's StopFilter, renumbering keeps derived tokens (lemmas, parts) at their
word's position, so it can run after filters that emit several tokens per position.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whoosh.analysis import Token
from whoosh.lang.stopwords import stoplists

from kb.analysis.base import StatefulFilter
from kb.analysis.lexicon import fold

# Domain words that must stay searchable even if a generic list has them.
KEEP: frozenset[str] = frozenset("lag lagen krav kraven avtal ansvar rätt mål miljö".split())
EXTRA: frozenset[str] = frozenset("samt även också dock ska skall".split())
STOP_WORDS: frozenset[str] = (frozenset(stoplists["sv"]) | EXTRA) - KEEP
# Folded stop words for input typed without diacritics; "ar" stays (år, not only är).
FOLDED_STOP_WORDS: frozenset[str] = STOP_WORDS | {fold(w) for w in STOP_WORDS} - {"ar"}


class SwedishStopFilter(StatefulFilter):
    """Drop stop words (or mark them ``stopped`` when ``removestops=False``); renumber positions."""

    def __init__(self, stoplist: Iterable[str] = STOP_WORDS, renumber: bool = True) -> None:
        self.stops = frozenset(stoplist)
        self.renumber = renumber

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        stops = self.stops
        renumber = self.renumber
        pos = -1
        base = None
        dropping = False
        for t in tokens:
            derived = getattr(t, "derived", False)
            if not derived:
                dropping = t.text in stops
                if not dropping and t.positions and renumber:
                    base = t.pos if base is None else base
                    pos = base if pos < 0 else pos + 1
            if dropping:
                if not t.removestops:
                    t.stopped = True
                    yield t
                continue
            t.stopped = False
            if t.positions and renumber and pos >= 0:
                t.pos = pos
            yield t
