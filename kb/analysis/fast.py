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
from collections.abc import Iterable
from functools import partial

from whoosh.analysis import Analyzer

from kb.analysis.fold import AddFoldedFilter
from kb.analysis.hyphen import CONJUNCTIONS, HyphenCoordinationFilter
from kb.analysis.lexicon import fold
from kb.analysis.morph import MorphFilter
from kb.analysis.stop import SwedishStopFilter
from kb.analysis.tokenizer import TOKEN_RE, SwedishTokenizer

Expansion = tuple[tuple[str, float], ...]
# A word ending in a hyphen ("bygg- och"): the only case where the hyphen filter holds tokens back.
_OPEN_HYPHEN = re.compile(r"[^\W_]-(?![^\W_])")



def _add_posting(terms: dict[str, list], term: str, weight: float, at: int) -> None:
    """Add one occurrence of ``term`` (its weight and position) to the field's postings."""
    hit = terms.get(term)
    if hit is None:
        terms[term] = [weight, [at]]
    else:
        hit[0] += weight
        hit[1].append(at)

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
        self._head = tokenizer | hyphen
        self._analyzer = analyzer
        self._stops = stop.stops
        self._morph = morph
        self._plain: dict[str, Expansion] = {}
        self._folds: dict[str, str] = {}

    def _fold(self, text: str) -> str:
        folded = self._folds.get(text)
        if folded is None:
            folded = self._folds[text] = fold(text)
        return folded

    def _expand(self, word: str) -> Expansion:
        """What stop | morph | add-folded emit for a kept, non-derived ``word`` (boost 1)."""
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
        """({term: [weight, [positions]]}, spellable words) for one field value."""
        terms: dict[str, list] = {}
        spell: set[str] = set()
        if not value:
            return terms, spell
        lowered = value.lower()
        if len(lowered) != len(value):
            self._general(value, terms, spell)
        elif "-" not in value or _OPEN_HYPHEN.search(value) is None:
            self._inline(lowered, terms, spell)
        else:
            self._consume(self._events(lowered), terms, spell)
        return terms, spell

    def _inline(self, text: str, terms: dict[str, list], spell: set[str]) -> None:
        """No open hyphen ("bygg- och"), so the hyphen filter passes everything through and the
        tokenizer can be inlined: words, numbers, "19a" ids, and hyphenated words whose parts
        are tokens at consecutive positions and whose joined form is derived at the last one."""
        stops = self._stops
        plain = self._plain
        expand = self._expand
        fold_of = self._fold
        get = terms.get
        pos = -1
        tpos = -1
        for match in TOKEN_RE.finditer(text):
            kind = match.lastgroup
            if kind == "word":
                word = match.group()
                pos = self._hyphenated(word, tpos + 1, pos, terms, spell)
                tpos += word.count("-") + 1
                continue
            tpos += 1
            word = match.group()
            if kind == "sec":
                word = word[:-2] + word[-1]
            if word in stops:
                continue
            pos = tpos if pos < 0 else pos + 1
            entry = plain.get(word) or expand(word)
            for term, weight in entry:
                hit = get(term)
                if hit is None:
                    terms[term] = [weight, [pos]]
                else:
                    hit[0] += weight
                    hit[1].append(pos)
            spell.add(word)
            spell.add(fold_of(word))

    def _hyphenated(self, word: str, first_tpos: int, pos: int, terms: dict[str, list], spell: set[str]) -> int:
        """Parts of "lca-baserade" as plain tokens, then the joined "lcabaserade" (derived);
        returns the position of the last kept token."""
        stops = self._stops
        fold_of = self._fold
        expansions = self._morph.expansions

        emit = partial(_add_posting, terms)

        pieces = word.split("-")
        dropping = False
        for i, piece in enumerate(pieces):
            dropping = piece in stops
            if dropping:
                continue
            pos = first_tpos + i if pos < 0 else pos + 1
            for term, factor in self._plain.get(piece) or self._expand(piece):
                emit(term, factor, pos)
            spell.add(piece)
            spell.add(fold_of(piece))
        if dropping:
            return pos
        primary = pieces[-1]
        text = word.replace("-", "")
        spell.add(text)
        spell.add(fold_of(text))
        group = {primary, *(e for e, _ in expansions(primary))}
        if text in group:
            return pos
        group.add(text)
        emit(text, 1.0, pos)
        folded = fold_of(text)
        if folded != text:
            emit(folded, 1.0, pos)
        for etext, factor in expansions(text):
            if etext in group:
                continue
            group.add(etext)
            emit(etext, factor, pos)
            folded = fold_of(etext)
            if folded != etext:
                emit(folded, factor, pos)
        return pos

    def _events(self, text: str) -> list[tuple[str, bool, float, int, int]]:
        """Tokenizer | hyphen filter simulated: (text, derived, boost, position, chains), where
        ``chains`` says whether the token reaches the indexing chain (1), the no-morph chain
        that makes spelling words (2) or both (3); they differ only in coordinated forms."""
        stops = self._stops
        expansions = self._morph.expansions
        fold_of = self._fold
        hyphen = self._hyphen
        events: list[tuple[str, bool, float, int, int]] = []
        add = events.append
        pending: list[tuple[str, bool, int, bool]] = []
        has_conj = False

        def flush(head: str | None) -> None:
            for ptext, pderived, ptpos, popen in pending:
                add((ptext, pderived, 1.0, ptpos, 3))
                if head and popen and not pderived:
                    changed = ptext not in stops and fold_of(ptext) != ptext
                    chains = (0 if changed and not expansions(ptext) else 1) | (0 if changed else 2)
                    if chains:
                        add((ptext + head, True, hyphen.boost, ptpos, chains))

        tpos = -1
        for match in TOKEN_RE.finditer(text):
            kind = match.lastgroup
            if kind == "w" or kind == "num" or kind == "n" or kind == "sec":
                tpos += 1
                word = match.group()
                tokens = [(word[:-2] + word[-1] if kind == "sec" else word, False, tpos, False)]
            else:
                word = match.group("word")
                pieces = word.split("-")
                last = len(pieces) - 1
                tokens = []
                for i, piece in enumerate(pieces):
                    tpos += 1
                    tokens.append((piece, False, tpos, i == last and kind == "open"))
                    if i == last and last:
                        tokens.append((word.replace("-", ""), True, tpos, False))
            for token in tokens:
                ttext, tderived, ttpos, topen = token
                if not pending and not topen:
                    add((ttext, tderived, 1.0, ttpos, 3))
                elif tderived:
                    pending.append(token)
                elif topen:
                    pending.append(token)
                elif ttext in CONJUNCTIONS and not has_conj:
                    pending.append(token)
                    has_conj = True
                else:
                    head = hyphen._head(ttext) if has_conj and ttext.isalpha() else None
                    flush(head)
                    pending, has_conj = [], False
                    add((ttext, tderived, 1.0, ttpos, 3))
        flush(None)
        return events

    def _consume(self, events, terms: dict[str, list], spell: set[str]) -> None:
        """stop | morph | add-folded | Positions over simulated tokens (see ``_events``)."""
        stops = self._stops
        expansions = self._morph.expansions
        fold_of = self._fold

        emit = partial(_add_posting, terms)

        pos = -1
        dropping = False
        primary = ""
        group: set[str] | None = None
        for text, derived, boost, tpos, chains in events:
            if not derived:
                dropping = text in stops
                if dropping:
                    continue
                pos = tpos if pos < 0 else pos + 1
                group = None
                primary = text
                for term, factor in self._plain.get(text) or self._expand(text):
                    emit(term, boost * factor, pos)
                spell.add(text)
                spell.add(fold_of(text))
                continue
            if dropping:
                continue
            if chains & 2:
                spell.add(text)
                spell.add(fold_of(text))
            if not chains & 1:
                continue
            if group is None:
                group = {primary, *(e for e, _ in expansions(primary))}
            if text in group:
                continue
            group.add(text)
            emit(text, boost, pos)
            folded = fold_of(text)
            if folded != text:
                emit(folded, boost, pos)
            for etext, factor in expansions(text):
                if etext in group:
                    continue
                group.add(etext)
                emit(etext, boost * factor, pos)
                folded = fold_of(etext)
                if folded != etext:
                    emit(folded, boost * factor, pos)

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
            group.add(text)
            _settle(t, at, fold_of(text), bool(expansions(text)))
            boost = t.boost
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
