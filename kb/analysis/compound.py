"""Swedish compound splitting: "kontorsmöbler" -> kontor + möbel.

Swedish writes compounds as one word, so a query for "möbler" would miss
"kontorsmöbler" unless the index also holds the parts. The splitter searches the
segmentation with the fewest, longest parts whose modifiers are known lemmas
(allowing the linking "s", linking/elided vowels: "gatu" -> gata, "bygg" -> bygga)
and whose last part (the head) is any known form, lemmatized.

Words the lexicon knows as a whole are split only on strong evidence (every part
>= 4 letters, one >= 5, word >= 8 letters), so "kontor" never becomes kon + tor,
"hållbar" never håll + bar, while the known compound "textilavfall" still splits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

import marisa_trie
from whoosh.analysis import Token

from kb.analysis.base import SharedDefault, StatefulFilter
from kb.analysis.lexicon import Lexicon, cut_trie, get_lexicon

Part = tuple[str, str]  # (surface as written, lemma)

# Derivational endings that are lemmas on their own but never a compound head/modifier.
SUFFIXES: frozenset[str] = frozenset(
    "het ning else skap lig isk bar are ande ende tion itet ism ist ell ig iv ering era "
    "barhet lighet ighet ingen".split()
    # Words that end -ation read as a false head: repa+ration, bygg+nation.
    + "ration nation".split()
)
# Particles/prefixes that are lemmas but make derivations, not compounds (återvinning).
PREFIXES: frozenset[str] = frozenset(
    "åter över under efter till upp för mot genom inom utom sam miss van bort fram".split()
)



class CompoundSplitter:
    """Split a lower-case word into (surface, lemma) parts; ``()`` when not a compound.

    ``lexicon`` holds the lemmas allowed as parts; ``lemmatize`` maps any known form to
    its lemma (``None`` for unknown words) and is used for the head and to tell whether
    the whole word is known. ``cuts`` is ``cut_trie(lexicon)`` if the caller has it (the
    compact lexicon cache does), else it is built on first use. Results are memoized per word.
    """

    def __init__(
        self,
        lexicon: set[str],
        lemmatize: Callable[[str], str | None] | None = None,
        *,
        min_part: int = 3,
        min_word: int = 6,
        max_parts: int = 3,
        cuts: marisa_trie.Trie | None = None,
    ) -> None:
        # The lexicon's own set when given one (~20 MB not copied); ``add_words`` copies first.
        self.lexicon = lexicon if isinstance(lexicon, set) else set(lexicon)
        self._own_lexicon = self.lexicon is not lexicon
        self.lemmatize = lemmatize or (lambda word: word if word in self.lexicon else None)
        self.min_part = min_part
        self.min_word = min_word
        self.max_parts = max_parts
        self._cache: dict[str, tuple[Part, ...]] = {}
        # Searches by (word, known): the inflections of one lemma are all split via the lemma.
        self._searches: dict[tuple[str, bool], tuple[Part, ...]] = {}
        self._cuts = cuts

    @classmethod
    def from_lexicon(cls, lex: Lexicon, **kwargs: int) -> CompoundSplitter:
        return cls(lex.lemmas, lex.lemma, cuts=lex.cuts, **kwargs)

    def add_words(self, words: Iterable[str]) -> int:
        """Add corpus vocabulary (already filtered by frequency by the caller); returns count added."""
        if not self._own_lexicon:
            self.lexicon, self._own_lexicon = set(self.lexicon), True
        before = len(self.lexicon)
        self.lexicon.update(w.lower() for w in words if len(w) >= self.min_part and w.isalpha())
        self.clear_cache()
        self._cuts = None  # rebuilt from the extended lexicon on first use
        return len(self.lexicon) - before

    def clear_cache(self) -> None:
        """Forget the memoized splits (a long build bounds its memory this way)."""
        self._cache.clear()
        self._searches.clear()

    def split(self, word: str) -> tuple[Part, ...]:
        """'kontorsmöbler' -> (('kontors', 'kontor'), ('möbler', 'möbel'))."""
        hit = self._cache.get(word)
        if hit is None:
            hit = self._cache[word] = self._split_word(word)
        return hit

    def parts(self, word: str) -> list[str]:
        """Lemmas of the parts: 'kontorsmöbler' -> ['kontor', 'möbel']."""
        return [lemma for _, lemma in self.split(word)]

    def head(self, word: str) -> str | None:
        """Surface form of the last part: 'rivningsavfall' -> 'avfall'."""
        parts = self.split(word)
        return parts[-1][0] if parts else None

    # -- search ---------------------------------------------------------------------------

    def _split_word(self, word: str) -> tuple[Part, ...]:
        if len(word) < self.min_word or not word.isalpha():
            return ()
        lemma = self.lemmatize(word)
        if lemma is not None and lemma != word and lemma.isalpha():
            return self._split_via_lemma(word, lemma)  # regeringen: via regering, not regera+ingen
        return self._search(word, known=lemma is not None or word in self.lexicon)

    def _search(self, word: str, known: bool) -> tuple[Part, ...]:
        key = (word, known)
        hit = self._searches.get(key)
        if hit is None:
            hit = self._searches[key] = self._find(word, known)
        return hit

    def _find(self, word: str, known: bool) -> tuple[Part, ...]:
        """The best split of ``word`` (stricter when the lexicon knows the whole word)."""
        if len(word) < self.min_word or not word.isalpha():
            return ()
        min_part = max(self.min_part, 4) if known else self.min_part
        if known and len(word) < 8:
            return ()
        memo: dict[tuple[int, int], tuple[tuple[int, int, int], tuple[Part, ...]] | None] = {}
        best = self._best(word, 0, self.max_parts, min_part, memo)
        if best is None or len(best[1]) < 2:
            return ()
        parts = best[1]
        if known and max(len(lemma) for _, lemma in parts) < 5:
            return ()
        return parts

    def _split_via_lemma(self, word: str, lemma: str) -> tuple[Part, ...]:
        """Split a known inflected form like its lemma: livscykelanalysen -> livscykel + analysen."""
        parts = self._search(lemma, known=True)
        prefix = "".join(surface for surface, _ in parts[:-1])
        if not parts or not word.startswith(prefix) or len(word) - len(prefix) < self.min_part:
            return ()
        return (*parts[:-1], (word[len(prefix) :], parts[-1][1]))

    def _best(
        self,
        word: str,
        start: int,
        budget: int,
        min_part: int,
        memo: dict[tuple[int, int], tuple[tuple[int, int, int], tuple[Part, ...]] | None],
    ) -> tuple[tuple[int, int, int], tuple[Part, ...]] | None:
        """Best (score, parts) for word[start:]; score = (parts, penalty, -sum of squared lengths)."""
        key = (start, budget)
        if key in memo:
            return memo[key]
        rest = word[start:]
        best: tuple[tuple[int, int, int], tuple[Part, ...]] | None = None
        head = self._head(rest, min_part) if start else None  # the whole word is no split
        if head is not None:
            best = ((1, 0, -(len(rest) ** 2)), (head,))
        if budget > 1:
            for cut in self._cut_positions(word, start, min_part):
                modifier = self._modifier(word[start:cut], min_part)
                if modifier is None:
                    continue
                tail = self._best(word, cut, budget - 1, min_part, memo)
                if tail is None:
                    continue
                (n, penalty, sq), parts = tail
                score = (n + 1, penalty + modifier[1], sq - (cut - start) ** 2)
                if best is None or score < best[0]:
                    best = (score, ((word[start:cut], modifier[0]), *parts))
        memo[key] = best
        return best

    def _cut_positions(self, word: str, start: int, min_part: int) -> list[int]:
        """The cuts, in order, where a modifier starting at ``start`` may end: ``_modifier`` is
        None at every other cut of range(start + min_part, len(word) - min_part + 1)."""
        size_limit = len(word) - start - min_part
        if size_limit < min_part:
            return []
        cuts = self._cuts
        if cuts is None:
            cuts = self._cuts = cut_trie(self.lexicon)
        positions: list[int] = []
        last = 0
        # A modifier is a cut-trie key or one letter longer; prefixes come shortest first.
        for prefix in cuts.prefixes(word[start : start + size_limit]):
            size = len(prefix)
            if size >= min_part and size > last:
                positions.append(start + size)
            if size >= min_part - 1 and size < size_limit:
                last = size + 1
                positions.append(start + last)
        return positions

    def _head(self, text: str, min_part: int) -> Part | None:
        if len(text) < min_part or text in SUFFIXES:
            return None
        lemma = text if text in self.lexicon else self.lemmatize(text)
        if lemma is None or not lemma.isalpha() or lemma in SUFFIXES:
            return None
        return (text, lemma)

    def _modifier(self, text: str, min_part: int) -> tuple[str, int] | None:
        """Lemma of a non-final part and a penalty for the linking rule used."""
        lex = self.lexicon
        if text in SUFFIXES or text in PREFIXES:
            return None
        if text in lex:
            return (text, 0)
        stem, last = text[:-1], text[-1]
        if last == "s" and len(stem) >= min_part and stem in lex and stem not in SUFFIXES:
            return (stem, 0)  # linking -s-: kontors, upphandlings
        if last == "s" and len(stem) >= 4 and stem + "e" in lex:
            return (stem + "e", 1)  # dropped -e- before -s-: arbets -> arbete
        if len(stem) >= 4 and stem in lex and last in "eau":
            return (stem, 1)  # linking vowel: barnavård
        if len(stem) >= 3 and last in "uo" and stem + "a" in lex:
            return (stem + "a", 1)  # gatu -> gata, kvinno -> kvinna
        if len(text) >= 4:
            for vowel in "ae":
                if text + vowel in lex:  # elided vowel: skol -> skola, bygg -> bygga
                    return (text if self.lemmatize(text) else text + vowel, 1)
        elif len(text) == 3 and text + "a" in lex and self.lemmatize(text + "a") == text + "a":
            return (text + "a", 2)  # a verb stem as modifier: riv -> riva (rivavfall)
        return None


_splitter_lock = threading.Lock()
_splitters: dict[bool, CompoundSplitter] = {}


def get_splitter(folded: bool = False) -> CompoundSplitter:
    """The process-wide compound splitter over simplemma's Swedish lemmas (folded: ASCII-folded)."""
    splitter = _splitters.get(folded)
    if splitter is None:
        lexicon = get_lexicon(folded)
        with _splitter_lock:
            splitter = _splitters.setdefault(folded, CompoundSplitter.from_lexicon(lexicon))
    return splitter


class CompoundFilter(StatefulFilter):
    """Emit the lemmatized parts of compounds at the compound's position (whole word kept).

    Parts are marked ``derived`` and get ``boost`` (downweighted: a part is weaker evidence
    than the word). In query mode nothing is added unless ``expand_query=True`` (one token
    per position keeps whoosh phrase queries working; the index side already holds parts).
    Duplicates within one position are dropped. ``splitter=None`` uses the
    shared splitter (``folded`` selects the folded one), which is not pickled.
    """

    is_morph = True

    def __init__(
        self,
        splitter: CompoundSplitter | None = None,
        folded: bool = False,
        boost: float = 0.5,
        expand_query: bool = False,
    ) -> None:
        self.folded = folded
        self.boost = boost
        self.expand_query = expand_query
        self.custom_splitter = splitter

    splitter = SharedDefault("custom_splitter", get_splitter)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        split = self.splitter.split
        boost = self.boost
        seen: set[str] = set()
        for t in tokens:
            text = t.text
            if not getattr(t, "derived", False):
                seen = set()
            elif text in seen:
                continue
            seen.add(text)
            yield t
            if t.stopped or len(text) < 6 or (t.mode == "query" and not self.expand_query):
                continue
            parts = split(text)
            if not parts:
                continue
            derived, tboost = getattr(t, "derived", False), t.boost
            for _, lemma in parts:
                if lemma not in seen:
                    seen.add(lemma)
                    t.text, t.derived, t.boost = lemma, True, tboost * boost
                    yield t
            t.text, t.derived, t.boost = text, derived, tboost

