"""ASCII folding for the "folded" field: å->a, ä->a, ö->o, é->e.

Lets "aterbruk mobler" find "återbruk möbler". Folding can merge tokens that share a
position (möbel/mobel...), so duplicates within a position are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whoosh.analysis import Token

from kb.analysis.base import StatefulFilter
from kb.analysis.lexicon import fold


class FoldFilter(StatefulFilter):
    """Replace each token's text by its ASCII-folded form (memoized), de-duplicating per position."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        cache = self._cache
        seen: set[str] = set()
        for t in tokens:
            text = t.text
            folded = cache.get(text)
            if folded is None:
                folded = cache[text] = fold(text)
            if not getattr(t, "derived", False):
                seen = set()
            elif folded in seen:
                continue
            seen.add(folded)
            t.text = folded
            yield t


class AddFoldedFilter(StatefulFilter):
    """Keep each token and add its ASCII-folded twin at the same position when it differs.

    Indexing both forms in one field lets "aterbruk" find "återbruk" without a second,
    folded copy of every field (half the postings to write), while the exact form,
    weighted higher at query time, still ranks exact spellings first.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        cache = self._cache
        for t in tokens:
            text = t.text
            yield t
            folded = cache.get(text)
            if folded is None:
                folded = cache[text] = fold(text)
            if folded != text:
                # Whoosh consumers read each token as it is yielded, so reusing it is safe.
                t.text = folded
                t.derived = True
                yield t
