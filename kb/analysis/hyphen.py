"""Hyphen coordination: "bygg- och rivningsavfall" also means "byggavfall".

Swedish elides the shared head of coordinated compounds: "bygg-, anläggnings- och
fastighetsentreprenader". For each open modifier (a token the tokenizer marked
``open_hyphen``) before a conjunction and a final compound, emit modifier + head of the
final word (head found by the compound splitter) at the modifier's position. The
original tokens are all kept. Query mode adds nothing unless ``expand_query=True``
(whoosh phrase queries need one token per position).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whoosh.analysis import Token

from kb.analysis.base import SharedDefault, StatefulFilter
from kb.analysis.compound import get_splitter

CONJUNCTIONS: frozenset[str] = frozenset({"och", "eller", "samt", "respektive", "resp", "alternativt"})


class HyphenCoordinationFilter(StatefulFilter):
    """Expand "X- och Y<head>" to also yield "X<head>" (lower-cased, marked ``derived``)."""

    def __init__(
        self,
        folded: bool = False,
        boost: float = 1.0,
        splitter: object | None = None,
        expand_query: bool = False,
    ) -> None:
        self.folded = folded
        self.boost = boost
        self.expand_query = expand_query
        self.custom_splitter = splitter

    splitter = SharedDefault("custom_splitter", get_splitter)

    def head(self, word: str) -> str | None:
        """The head (last part) of a compound word, lower-cased, that an open modifier takes."""
        return self.splitter.head(word.lower())

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        pending: list[Token] = []  # copies of open modifiers and conjunctions awaiting a head
        for t in tokens:
            if t.mode == "query" and not self.expand_query:
                yield t
                continue
            if not pending and not getattr(t, "open_hyphen", False):
                yield t  # fast path: nothing pending, nothing to start
                continue
            derived = getattr(t, "derived", False)
            if derived:
                if pending:
                    pending.append(t.copy())
                else:
                    yield t
                continue
            if getattr(t, "open_hyphen", False):
                pending.append(t.copy())
                continue
            if pending and t.text.lower() in CONJUNCTIONS and not _has_conjunction(pending):
                pending.append(t.copy())
                continue
            if pending and _has_conjunction(pending):
                head = self.head(t.text) if t.text.isalpha() else None
                yield from self._expand(pending, head)
                pending = []
                yield t
                continue
            if pending:
                yield from pending
                pending = []
            yield t
        yield from pending

    def _expand(self, pending: list[Token], head: str | None) -> Iterator[Token]:
        for p in pending:
            yield p
            if head and getattr(p, "open_hyphen", False) and not getattr(p, "derived", False):
                joined = p.copy()
                joined.text = p.text.lower() + head
                joined.derived = True
                joined.open_hyphen = False
                joined.boost = p.boost * self.boost
                yield joined


def _has_conjunction(pending: list[Token]) -> bool:
    return any(p.text.lower() in CONJUNCTIONS for p in pending)
