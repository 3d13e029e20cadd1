"""The index-side analysis of ``index_analyzer()`` as one memoized loop, for bulk indexing.

``FieldAnalysis.analyze(text)`` returns exactly what whoosh's ``Positions.word_values`` over
``index_analyzer()`` yields (same terms, positions, weights, summed in the same order) plus the
``spellable_words`` whoosh computes with ``no_morph=True``, in one pass instead of two. The
generator chain costs a Python generator step per stage per token; here a plain word costs
one regex match, one stop-word test and one dict lookup of its whole expansion (the word, its
folded twin, its lemma and compound parts and their twins), computed once per distinct word.
Tokens the chain treats specially (hyphen-derived ones) take an exact slow path, and values
with hyphens or case changes of odd length go through the real tokenizer | hyphen filter.

``tests/test_build_fast.py`` checks equality with the generator chain on the default corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial
from itertools import accumulate

from whoosh.analysis import Analyzer

from kb.analysis.fold import AddFoldedFilter
from kb.analysis.hyphen import CONJUNCTIONS, HyphenCoordinationFilter
from kb.analysis.lexicon import fold
from kb.analysis.morph import MorphFilter
from kb.analysis.native_text import latin1_tokens
from kb.analysis.stop import SwedishStopFilter
from kb.analysis.tokenizer import TOKEN_RE, SwedishTokenizer

Expansion = tuple[tuple[str, float], ...]
MEMO_WORDS = 30_000  # distinct words per memo generation (two generations: ~50 MB with the filters')
# A word ending in a hyphen ("bygg- och"): the only case where the hyphen filter holds tokens back.
_OPEN_HYPHEN = re.compile(r"[^\W_]-(?![^\W_])")
# TOKEN_RE without groups: ``findall`` gives each token's text; its kind shows in the text
# ("19 a" has a space, "lca-baserade" a hyphen, an open "bygg-" ends with one).
FLAT_TOKEN_RE = re.compile(re.sub(r"\(\?P<\w+>", "(?:", TOKEN_RE.pattern), TOKEN_RE.flags)
SECTION_HINT_RE = re.compile(r"\d[ \u00a0][a-e]")


def _latin1_class(pattern: str) -> str:
    """The Latin-1 characters a Unicode character class matches, as an explicit class."""
    chars = [chr(i) for i in range(256) if re.fullmatch(pattern, chr(i))]
    return "[" + "".join(re.escape(c) for c in chars) + "]"


_W, _L, _D = _latin1_class(r"[^\W_]"), _latin1_class(r"[^\W\d_]"), _latin1_class(r"\d")
# The same tokens for Latin-1 text (nearly all of it), ~5x faster: explicit classes instead of
# Unicode category lookups, and possessive runs where backtracking cannot change the match.
LATIN1_TOKEN_RE = re.compile(
    rf"""
    {_L}{_W}*+(?!-)
    | {_D}++[ \u00a0][a-eA-E](?!{_W}|-)
    | {_D}+(?:[:,.]{_D}+)+(?!{_W})
    | {_W}++(?!-)
    | {_W}++(?:-{_W}++)*+-?
    """,
    re.VERBOSE,
)
NOT_LATIN1_RE = re.compile(r"[^\x00-\xff]")
# For ``kb.analysis.native_text.latin1_tokens``, the compiled twin of lower() + ``LATIN1_TOKEN_RE.findall``:
# each Latin-1 character lower-cased (it stays Latin-1), and its classes as bits (1 word, 2 letter, 4 digit).
LATIN1_LOWER = bytes(ord(chr(i).lower()) for i in range(256))
LATIN1_CLASSES = bytes(
    sum(bit for bit, cls in ((1, _W), (2, _L), (4, _D)) if re.fullmatch(cls, chr(i))) for i in range(256)
)


def _add_posting(terms: dict[str, list], term: str, weight: float, at: int) -> None:
    """Add one occurrence of ``term`` (its weight and position) to the field's postings."""
    hit = terms.get(term)
    if hit is None:
        terms[term] = [weight, [at]]
    else:
        hit[0] += weight
        hit[1].append(at)


def _merge_posting(terms: dict[str, list], merged: set[str], term: str, weight: float, at: int) -> None:
    """Add one occurrence to ``terms``, copying a position list shared with other terms
    (``_collect`` shares a word's list among its terms) before its first append."""
    hit = terms.get(term)
    if hit is None:
        terms[term] = [weight, [at]]
    else:
        hit[0] += weight
        if term in merged:
            hit[1].append(at)
        else:
            hit[1] = [*hit[1], at]
            merged.add(term)


def _dyadic(boost: float) -> bool:
    """Whether sums of ``boost`` are exact in any order (a multiple of 1/64, at most 64)."""
    return 0 <= boost <= 64 and (boost * 64).is_integer()


class FieldAnalysis:
    """Memoized index analysis for one analyzer (one per process; caches grow with the vocabulary)."""

    def __init__(self, analyzer: Analyzer) -> None:
        items = list(getattr(analyzer, "items", []))
        kinds = [SwedishTokenizer, HyphenCoordinationFilter, SwedishStopFilter, MorphFilter, AddFoldedFilter]
        if len(items) != len(kinds) or not all(type(i) is k for i, k in zip(items, kinds, strict=True)):
            raise TypeError(f"FieldAnalysis needs the index_analyzer() chain, got {analyzer!r}")
        tokenizer, hyphen, stop, morph, _ = items
        self._hyphen = hyphen
        if not tokenizer.lowercase or not stop.renumber:
            raise TypeError("FieldAnalysis needs a lower-casing tokenizer and a renumbering stop filter")
        boosts = (hyphen.boost, morph.lemma.boost, morph.compound.boost)
        if not all(_dyadic(b) for b in boosts):
            raise TypeError(f"FieldAnalysis sums weights as count x boost; boosts {boosts} would round")
        self._head = tokenizer | hyphen
        self._analyzer = analyzer
        self._stops = stop.stops
        self._morph = morph
        self._plain: dict[str, Expansion] = {}
        self._old: dict[str, Expansion] = {}
        self._folds: dict[str, str] = {}
        self.memo_limit = MEMO_WORDS

    def forget(self) -> None:
        """Age the per-word memos: a statute corpus keeps bringing new words, and memory must
        stay bounded. Expansions move to a previous generation (dropped at the next call;
        words met again meanwhile are moved back); the filters' memos are dropped."""
        self._old = self._plain  # one generation back: frequent words return at a dict lookup
        self._plain = {}
        self._folds.clear()
        self._morph.clear_caches()

    def _fold(self, text: str) -> str:
        folded = self._folds.get(text)
        if folded is None:
            folded = self._folds[text] = fold(text)
        return folded

    def _expand(self, word: str) -> Expansion:
        """What stop | morph | add-folded emit for a kept, non-derived ``word`` (boost 1)."""
        hit = self._old.get(word)
        if hit is not None:
            self._plain[word] = hit
            return hit
        out: list[tuple[str, float]] = [(word, 1.0)]
        folded = self._fold(word)
        if folded != word:
            out.append((folded, 1.0))
        for extra, factor in self._morph.expansions(word):
            out.append((extra, factor))
            folded = self._fold(extra)
            if folded != extra:
                out.append((folded, factor))
        result = self._plain[word] = tuple(out)
        return result

    def analyze(self, value: str) -> tuple[dict[str, list], set[str]]:
        """({term: [weight, [positions]]}, spellable words) for one field value.

        Position lists may be shared between terms of one value: treat them as read-only.
        """
        terms: dict[str, list] = {}
        spell: set[str] = set()
        if not value:
            return terms, spell
        tokens = self._tokens(value)
        if tokens is None:
            self._general(value, terms, spell)
        else:
            self._collect(*tokens, terms, spell)
        return terms, spell

    def _tokens(self, value: str) -> tuple[list[str], list[tuple[int, str, float, int]]] | None:
        """The value's words and derived tokens (see ``_events``), or None when lower-casing
        changes its length (the general path). Ages the memos first when they are full."""
        if len(self._plain) > self.memo_limit:
            self.forget()
        found = latin1_tokens(value, LATIN1_LOWER, LATIN1_CLASSES)  # nearly every value: all Latin-1
        if found is not None:
            raw, needs_events = found
            return self._events(raw) if needs_events else (raw, [])
        lowered = value.lower()
        if len(lowered) != len(value):
            return None
        raw = (FLAT_TOKEN_RE if NOT_LATIN1_RE.search(lowered) else LATIN1_TOKEN_RE).findall(lowered)
        if "-" in lowered or SECTION_HINT_RE.search(lowered) is not None:
            return self._events(raw)
        return raw, []

    def expansion(self, word: str) -> Expansion:
        """(term, factor) for each term a kept, non-derived ``word`` indexes (memoized)."""
        return self._plain.get(word) or self._expand(word)

    def fold(self, word: str) -> str:
        """``word`` accent-folded (memoized)."""
        return self._folds.get(word) or self._fold(word)

    def words(self, value: str) -> tuple[list[str], int, list[tuple[str, float, int]], set[str]] | None:
        """``analyze`` split for callers that expand words themselves (``kb.engine.postings``).

        Returns the kept words (their positions run on from ``first``), the derived tokens'
        postings as (term, weight, position) and their spelling words; the word's own terms and
        spelling words (itself and its folded twin) are the caller's to add. ``analyze`` of the
        value is the merge of both. None when the value needs the general path (``analyze``).
        """
        tokens = self._tokens(value)
        if tokens is None:
            return None
        flat, derived = tokens
        stops = self._stops
        kept = [w for w in flat if w not in stops]
        extra: list[tuple[str, float, int]] = []
        spell: set[str] = set()
        if not kept:
            return kept, 0, extra, spell
        first = 0
        while flat[first] in stops:
            first += 1
        if derived:
            self._derived(flat, first, derived, spell, lambda term, weight, at: extra.append((term, weight, at)))
        return kept, first, extra, spell

    def _events(self, raw: list[str]) -> tuple[list[str], list[tuple[int, str, float, int]]]:
        """Tokenizer | hyphen filter simulated over the raw token strings.

        Returns the primary tokens in order (one per token position, stop words included)
        and the derived ones as (index of their primary, text, boost, chains), where
        ``chains`` says whether the token reaches the indexing chain (1), the no-morph chain
        that makes spelling words (2) or both (3); they differ only in coordinated forms.
        """
        stops = self._stops
        expansions = self._morph.expansions
        fold_of = self._fold
        hyphen = self._hyphen
        flat: list[str] = []
        derived: list[tuple[int, str, float, int]] = []
        primary = flat.append
        pending: list[tuple[str, bool, bool]] = []  # (text, derived, open)
        has_conj = False

        def emit(text: str, is_derived: bool) -> None:
            if is_derived:
                derived.append((len(flat) - 1, text, 1.0, 3))
            else:
                primary(text)

        def flush(head: str | None) -> None:
            for ptext, pderived, popen in pending:
                emit(ptext, pderived)
                if head and popen and not pderived:
                    changed = ptext not in stops and fold_of(ptext) != ptext
                    chains = (0 if changed and not expansions(ptext) else 1) | (0 if changed else 2)
                    if chains:
                        derived.append((len(flat) - 1, ptext + head, hyphen.boost, chains))

        for tok in raw:
            if "-" in tok:
                is_open = tok[-1] == "-"
                word = tok[:-1] if is_open else tok
                pieces = word.split("-")
                last = len(pieces) - 1
                tokens = [(piece, False, i == last and is_open) for i, piece in enumerate(pieces)]
                if last:
                    tokens.append((word.replace("-", ""), True, False))
            else:
                text = tok if " " not in tok and "\xa0" not in tok else tok[:-2] + tok[-1]  # "19 a" -> "19a"
                if not pending:
                    primary(text)
                    continue
                tokens = [(text, False, False)]
            for token in tokens:
                ttext, tderived, topen = token
                if not pending and not topen:
                    emit(ttext, tderived)
                elif tderived or topen:
                    pending.append(token)
                elif ttext in CONJUNCTIONS and not has_conj:
                    pending.append(token)
                    has_conj = True
                else:
                    head = hyphen.head(ttext) if has_conj and ttext.isalpha() else None
                    flush(head)
                    pending, has_conj = [], False
                    emit(ttext, False)
        flush(None)
        return flat, derived

    def _collect(
        self, flat: list[str], derived: list[tuple[int, str, float, int]], terms: dict[str, list], spell: set[str]
    ) -> None:
        """stop | morph | add-folded | Positions over the tokens, one expansion per distinct word.

        Weights are summed as count x factor: exact, since every boost is a small dyadic
        fraction (checked in ``__init__``), so the sums equal the generator chain's.
        """
        stops = self._stops
        kept = [w for w in flat if w not in stops]
        if not kept:
            return
        first = 0
        while flat[first] in stops:
            first += 1
        where: dict[str, list[int]] = {}
        get_where = where.get
        for pos, word in enumerate(kept, first):
            hit = get_where(word)
            if hit is None:
                where[word] = [pos]
            else:
                hit.append(pos)
        plain = self._plain
        expand = self._expand
        get = terms.get
        merged: set[str] = set()
        for word, positions in where.items():
            count = len(positions)
            for term, factor in plain.get(word) or expand(word):
                hit = get(term)
                if hit is None:
                    terms[term] = [factor * count, positions]
                else:
                    hit[0] += factor * count
                    if term in merged:
                        hit[1] += positions
                    else:
                        hit[1] = hit[1] + positions
                        merged.add(term)
        fold_of = self._fold
        folded = self._folds.get  # memo hits without a method call (every word is memoized above)
        spell.update(where)
        spell.update([folded(w) or fold_of(w) for w in where])
        if derived:
            self._derived(flat, first, derived, spell, partial(_merge_posting, terms, merged))
        for term in merged:
            terms[term][1].sort()

    def _derived(self, flat, first, derived, spell, emit: Callable[[str, float, int], None]) -> None:
        """Hyphen-joined and coordinated forms at their primary's position, deduplicated
        against what that position already holds (as the morph filter does): each posting
        goes to ``emit(term, weight, position)``."""
        stops = self._stops
        expansions = self._morph.expansions
        fold_of = self._fold
        kept_before = list(accumulate([w not in stops for w in flat], initial=0))
        current = -1
        group: set[str] | None = None
        for index, text, boost, chains in derived:
            primary = flat[index]
            if primary in stops:
                continue
            if chains & 2:
                spell.add(text)
                spell.add(fold_of(text))
            if not chains & 1:
                continue
            if index != current:
                current = index
                group = {primary, *(e for e, _ in expansions(primary))}
            if text in group:
                continue
            _emit_derived(emit, text, boost, first + kept_before[index], group, expansions, fold_of)

    def _general(self, value: str, terms: dict[str, list], spell: set[str]) -> None:
        """The real tokenizer | hyphen filter, then stop | morph | add-folded replayed exactly.

        Spellable words come from the real no-morph chain: without the morph filter the hyphen
        filter sees its tokens mutated differently (see ``_settle``), so they are not a subset.
        """
        exact_spell = _OPEN_HYPHEN.search(value) is not None
        if exact_spell:
            spell.update(t.text for t in self._analyzer(value, no_morph=True) if not t.stopped)
        stops = self._stops
        expansions = self._morph.expansions
        fold_of = self._fold

        emit = partial(_add_posting, terms)

        pos = -1
        base: int | None = None
        dropping = False
        primary = ""
        group: set[str] | None = None
        for t in self._head(value, positions=True, boosts=True, mode="index"):
            text = t.text
            if not getattr(t, "derived", False):
                dropping = text in stops
                if dropping:
                    continue
                base = t.pos if base is None else base
                pos = base if pos < 0 else pos + 1
                group = None
                primary = text
                boost = t.boost
                entry = self._plain.get(text) or self._expand(text)
                for term, factor in entry:
                    emit(term, boost * factor if boost != 1.0 else factor, pos)
                if not exact_spell:
                    spell.add(text)
                    spell.add(fold_of(text))
                _settle(t, pos, fold_of(text), bool(expansions(text)))
                continue
            if dropping:
                continue
            at = pos if pos >= 0 else t.pos
            if not exact_spell:
                spell.add(text)
                spell.add(fold_of(text))
            if group is None:
                group = {primary, *(e for e, _ in expansions(primary))}
            if text in group:
                continue
            _settle(t, at, fold_of(text), bool(expansions(text)))
            _emit_derived(emit, text, t.boost, at, group, expansions, fold_of)


def _emit_derived(emit, text: str, boost: float, at: int, group: set[str], expansions, fold_of) -> None:
    """Postings of a token derived from a word ("byggavfall" of "bygg- och rivningsavfall"):
    itself, its lemma and parts not already in the word's ``group``, each with its folded twin."""
    group.add(text)
    emit(text, boost, at)
    folded = fold_of(text)
    if folded != text:
        emit(folded, boost, at)
    for etext, factor in expansions(text):
        if etext in group:
            continue
        group.add(etext)
        emit(etext, boost * factor, at)
        folded = fold_of(etext)
        if folded != etext:
            emit(folded, boost * factor, at)


def _settle(t, pos: int, folded: str, restored: bool) -> None:
    """Leave the token as the generator chain leaves it: the stop filter sets ``pos``; the
    add-folded filter sets the folded text and ``derived``, which the morph filter undoes only
    when it emitted extras. The hyphen filter copies tokens it has already yielded and reads
    them again, so its output depends on this: a modifier with å/ä/ö and no lemma or parts
    gets no coordinated form. (A quirk of the chain, kept so both paths index alike.)
    """
    t.stopped = False
    t.pos = pos
    if not restored and folded != t.text:
        t.text = folded
        t.derived = True


def reference_analysis(analyzer: Analyzer, value: str) -> tuple[dict[str, list], set[str]]:
    """The same result computed with whoosh's own code paths (for tests)."""
    terms: dict[str, list] = {}
    for t in analyzer(value, positions=True, boosts=True, mode="index"):
        if t.stopped:
            continue
        hit = terms.setdefault(t.text, [0.0, []])
        hit[0] += t.boost
        hit[1].append(t.pos)
    spell = {t.text for t in analyzer(value, no_morph=True) if not t.stopped}
    return terms, spell


def same_analysis(a: Iterable, b: Iterable) -> bool:
    return list(a) == list(b)
