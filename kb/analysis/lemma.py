"""Lemmatization with simplemma's Swedish table: möbler/möbeln -> möbel, kravet -> krav.

At index time the lemma is emitted at the original's position *after* the original, so
an exact spelling still matches (and scores) better than another inflection. At query
time the lemma replaces the word (one token per position keeps whoosh phrase queries
working) unless ``expand_query=True``. Words simplemma
does not know are lemmatized on their compound head: "klimatkravet" -> klimat + kravet
-> "klimatkrav". Results are memoized per filter instance (Swedish text repeats its
words, and a lookup costs a few microseconds).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whoosh.analysis import Token

from kb.analysis.base import SharedDefault, StatefulFilter
from kb.analysis.compound import CompoundSplitter, get_splitter
from kb.analysis.lexicon import Lexicon, get_lexicon


class LemmaFilter(StatefulFilter):
    """Add the lemma of each token at the same position (marked ``derived``, ``boost``-scaled).

    ``folded=True`` works on ASCII-folded tokens ("mobler" -> "mobel") and must follow a
    FoldFilter. ``lexicon``/``splitter`` default to the shared process-wide instances.
    """

    is_morph = True

    def __init__(
        self,
        folded: bool = False,
        boost: float = 1.0,
        lexicon: Lexicon | None = None,
        splitter: CompoundSplitter | None = None,
        expand_query: bool = False,
    ) -> None:
        self.folded = folded
        self.boost = boost
        self.expand_query = expand_query
        self.custom_lexicon = lexicon
        self.custom_splitter = splitter
        self._reset()

    def _reset(self) -> None:
        self._cache: dict[str, str | None] = {}

    def clear_cache(self) -> None:
        """Forget the memoized lemmas (a long build bounds its memory this way)."""
        self._cache.clear()

    lexicon = SharedDefault("custom_lexicon", get_lexicon)
    splitter = SharedDefault("custom_splitter", get_splitter)

    def lemma(self, word: str) -> str | None:
        """The lemma if it differs from ``word``, else None (memoized)."""
        cache = self._cache
        if word in cache:
            return cache[word]
        result = self._lemma(word)
        cache[word] = result if result != word else None
        return cache[word]

    def _lemma(self, word: str) -> str | None:
        if not word or not word[0].isalpha():
            return None
        lemma = self.lexicon.lemma(word)
        if lemma is not None:
            return lemma
        parts = self.splitter.split(word)
        if not parts:
            return None
        head_surface, head_lemma = parts[-1]
        return word[: len(word) - len(head_surface)] + head_lemma

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        lemma_of = self.lemma
        boost = self.boost
        seen: set[str] = set()
        replace = not self.expand_query
        for t in tokens:
            text = t.text
            if replace and t.mode == "query":  # one token per position, see module doc
                lemma = lemma_of(text) if not t.stopped else None
                if lemma is not None:
                    t.text = lemma
                yield t
                continue
            derived = getattr(t, "derived", False)
            if not derived:
                seen = set()
            elif text in seen:
                continue
            seen.add(text)
            yield t
            if t.stopped:
                continue
            lemma = lemma_of(text)
            if lemma is None or lemma in seen:
                continue
            seen.add(lemma)
            tboost = t.boost
            t.text, t.derived, t.boost = lemma, True, tboost * boost
            yield t
            t.text, t.derived, t.boost = text, derived, tboost
