"""Lemma + compound expansion fused into one stage, memoized per word.

Functionally ``LemmaFilter() | CompoundFilter()``, but one generator and one cache
lookup per token instead of two of each: the analyzers index ~100 MB of text, where
each Python generator stage costs about 1 s.

Query mode (``mode="query"``) emits exactly one token per word, the lemma, unless
``expand_query=True``: whoosh's phrase parser reads every query token as the next
position, so extra tokens would break "quoted phrases"; and the lemma alone already
matches every inflection, because the index holds the lemma of each word.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whoosh.analysis import Token

from kb.analysis.base import StatefulFilter
from kb.analysis.compound import CompoundFilter
from kb.analysis.lemma import LemmaFilter

Expansion = tuple[tuple[str, float], ...]


class MorphFilter(StatefulFilter):
    """After each token, add its lemma and its compound parts (and the lemma's parts)."""

    is_morph = True

    def __init__(
        self,
        lemma: LemmaFilter | None = None,
        compound: CompoundFilter | None = None,
        expand_query: bool = False,
    ) -> None:
        self.lemma = lemma or LemmaFilter()
        self.compound = compound or CompoundFilter()
        self.expand_query = expand_query
        self._reset()

    def _reset(self) -> None:
        self._cache: dict[str, Expansion] = {}

    def clear_caches(self) -> None:
        """Drop the per-word memos of this filter and of what it uses (the lemma filter, the
        compound splitter and its lexicon): a long build bounds its memory this way."""
        self._cache.clear()
        self.lemma.clear_cache()
        splitter = self.compound.splitter
        splitter.clear_cache()
        lexicon = getattr(splitter.lemmatize, "__self__", None)
        if lexicon is not None and hasattr(lexicon, "memo"):
            lexicon.memo.clear()

    def expansions(self, word: str) -> Expansion:
        """[(text, boost factor)] to emit after ``word``: lemma first, then parts; no duplicates."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        out: list[tuple[str, float]] = []
        seen = {word}
        lemma = self.lemma.lemma(word)
        if lemma is not None:
            seen.add(lemma)
            out.append((lemma, self.lemma.boost))
        if len(word) >= 6:
            split = self.compound.splitter.split
            parts = split(word) or (split(lemma) if lemma else ())
            for _, part in parts:
                if part not in seen:
                    seen.add(part)
                    out.append((part, self.compound.boost))
        result = self._cache[word] = tuple(out)
        return result

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        expand = self.expansions
        group: set[str] | None = None  # texts at the current position, built only if needed
        primary, primary_extras = "", ()
        for t in tokens:
            text = t.text
            if t.mode == "query" and not self.expand_query:
                lemma = self.lemma.lemma(text) if not t.stopped else None
                if lemma is not None:
                    t.text = lemma
                yield t
                continue
            derived = getattr(t, "derived", False)
            if derived:
                if group is None:
                    group = {primary, *(e for e, _ in primary_extras)}
                if text in group:
                    continue
                group.add(text)
            else:
                group = None
            extras = expand(text) if not t.stopped else ()
            if not derived:
                primary, primary_extras = text, extras
            yield t
            if extras:
                boost = t.boost
                for etext, factor in extras:
                    if group is not None:
                        if etext in group:
                            continue
                        group.add(etext)
                    t.text, t.derived, t.boost = etext, True, boost * factor
                    yield t
                t.text, t.derived, t.boost = text, derived, boost
