"""The postings of one segment's text field as integer columns, gathered in batches with numpy.

Per value and term, ``SegmentBuilder`` used to merge each word's expansion into a
``{term: [weight, positions]}`` dict and pack one record per term: Python work for every
(term, section). Here a value costs one dict lookup per kept word (its segment word id) and
the rest is done per batch of values with numpy: each token is repeated by its word's
expansion (term ids and factors in flat CSR arrays), the entries are sorted by (value, term,
position) and reduced to one posting per (value, term): term id, document number, weight
(the sum of the factors: exact, every boost is dyadic, see ``kb.analysis.fast._dyadic``),
position count and positions. Spelling words (a word and its folded twin) are counted once
per value the same way. Values the fast analysis cannot split into words (``FieldAnalysis.words``
returns None) take the exact ``analyze`` path and are appended as ready postings.

``kb.segment`` writes the columns sorted by (term, document) as whoosh3 blocks.
"""

from __future__ import annotations

from array import array
from collections import Counter
from typing import Any

import numpy as np

from kb.analysis.fast import FieldAnalysis

BATCH_ENTRIES = 1 << 16  # expansion entries per batch: large enough that numpy's per-call cost vanishes

# ("words", word ids, first, derived (term ids, weights, positions), derived spelling ids, length, postings)
# or ("terms", terms, spell): see ``TextPostings.prepare``
Prepared = tuple[Any, ...]


class Column:
    """A growable 1-d array of one numpy type: an ``array.array`` (grown in place by
    ``realloc``, so no doubled copy) read as a numpy array without a copy."""

    def __init__(self, dtype) -> None:
        self.dtype = np.dtype(dtype)
        self.data = array({4: "i", 8: "q"}[self.dtype.itemsize] if self.dtype.kind == "i" else "d")

    def extend(self, values) -> None:
        self.data.frombytes(np.ascontiguousarray(values, self.dtype).view(np.uint8))

    def values(self) -> np.ndarray:
        return np.frombuffer(self.data, self.dtype) if len(self.data) else np.empty(0, self.dtype)


class TextPostings:
    """One text field's postings and spelling counts for one segment."""

    def __init__(self, analysis: FieldAnalysis, field_boost: float = 1.0, spelling: bool = False) -> None:
        self.analysis = analysis
        self.boost = field_boost
        self.spelling = spelling
        self.term_ids: dict[str, int] = {}
        self.term_names: list[str] = []
        # Words of this segment: word w indexes terms[start[w]:start[w + 1]] with their factors.
        self.word_ids: dict[str, int] = {}
        self.word_sizes: list[int] = []
        self.word_term_ids: list[tuple[int, ...]] = []  # the same term ids as tuples: distinct counts per value
        self.word_start = array("q", [0])
        self.word_terms = array("q")
        self.word_factors = array("d")
        self.word_spell: list[tuple[int, int]] = []  # the spelling ids of the word and of its folded twin
        self.spell_ids: dict[str, int] = {}
        self.spell_names: list[str] = []
        self.spelled = array("i")  # spelling ids, once per value holding them: counted at the end
        self.spell_other: Counter[str] = Counter()  # from values on the ``analyze`` path
        self._reset_batch()
        self.tid = Column(np.int32)
        self.doc = Column(np.int32)
        self.weight = Column(np.float64)
        self.npos = Column(np.int32)
        self.positions = Column(np.int32)
        self.count = 0  # postings in the columns

    def _reset_batch(self) -> None:
        # Python lists (array.extend converts item by item, several times slower)
        self._docs: list[int] = []
        self._firsts: list[int] = []
        self._sizes: list[int] = []
        self._tokens: list[int] = []
        self._extra_value: list[int] = []
        self._extra_term: list[int] = []
        self._extra_weight: list[float] = []
        self._extra_pos: list[int] = []
        self._entries = 0

    # ---- terms, words and spelling ids

    def _term(self, term: str) -> int:
        tid = self.term_ids.get(term)
        if tid is None:
            tid = self.term_ids[term] = len(self.term_names)
            self.term_names.append(term)
        return tid

    def _spell(self, word: str) -> int:
        sid = self.spell_ids.get(word)
        if sid is None:
            sid = self.spell_ids[word] = len(self.spell_names)
            self.spell_names.append(word)
        return sid

    def _word(self, word: str) -> int:
        wid = self.word_ids.get(word)
        if wid is not None:
            return wid
        expansion = self.analysis.expansion(word)
        term = self._term
        tids = tuple([term(t) for t, _ in expansion])
        self.word_term_ids.append(tids)
        self.word_terms.extend(tids)
        self.word_factors.extend([f for _, f in expansion])
        self.word_start.append(len(self.word_terms))
        self.word_sizes.append(len(expansion))
        if self.spelling:
            self.word_spell.append((self._spell(word), self._spell(self.analysis.fold(word))))
        wid = self.word_ids[word] = len(self.word_sizes) - 1
        return wid

    # ---- adding values

    def prepare(self, value: str) -> Prepared:
        """The value analysed down to what ``add`` needs (reusable for a repeated value): word
        ids, derived postings and spelling words as ids, the field length and the number of
        postings (distinct terms), which ``SegmentBuilder.postings_added`` reports at once."""
        split = self.analysis.words(value)
        if split is None:
            terms, spell = self.analysis.analyze(value)
            return ("terms", terms, spell)
        kept, first, extra, spell = split
        ids = list(map(self.word_ids.get, kept))
        if None in ids:
            word = self._word
            ids = [i if i is not None else word(w) for i, w in zip(ids, kept, strict=True)]
        words = set(ids)
        distinct = set().union(*map(self.word_term_ids.__getitem__, words))
        length = sum(map(self.word_sizes.__getitem__, ids))
        derived = None
        if extra:
            term = self._term
            tids = [term(t) for t, _, _ in extra]
            distinct.update(tids)
            derived = (tids, [w for _, w, _ in extra], [p for _, _, p in extra])
            length += len(extra)
        spell_ids = None
        if self.spelling:
            spell_ids = set().union(*map(self.word_spell.__getitem__, words))
            if spell:
                spell_ids.update(map(self._spell, spell))
            spell_ids = array("i", spell_ids)
        return ("words", ids, first, derived, spell_ids, length, len(distinct))

    def add(self, docnum: int, prepared: Prepared) -> int:
        """Add one value's postings (and spelling words); returns its field length."""
        if prepared[0] == "terms":
            return self._add_terms(docnum, prepared[1], prepared[2])
        _, ids, first, derived, spell_ids, length, postings = prepared
        if not ids:
            return 0
        value = len(self._docs)
        self._docs.append(docnum)
        self._firsts.append(first)
        self._sizes.append(len(ids))
        self._tokens.extend(ids)
        if derived:
            tids, weights, positions = derived
            self._extra_value.extend([value] * len(tids))
            self._extra_term.extend(tids)
            self._extra_weight.extend(weights)
            self._extra_pos.extend(positions)
        if spell_ids:
            self.spelled += spell_ids
        self.count += postings
        self._entries += length
        if self._entries >= BATCH_ENTRIES:
            self.flush()
        return length

    def _add_terms(self, docnum: int, terms: dict[str, list], spell: set[str]) -> int:
        self.flush()  # the columns stay in document order
        if self.spelling:
            self.spell_other.update(spell)
        if not terms:
            return 0
        term = self._term
        poslists = [p for _, p in terms.values()]
        self.tid.extend(np.array([term(t) for t in terms], np.int32))
        self.doc.extend(np.full(len(terms), docnum, np.int32))
        weights = np.array([w for w, _ in terms.values()], np.float64)
        self.weight.extend(weights * self.boost if self.boost != 1.0 else weights)
        self.npos.extend(np.array([len(p) for p in poslists], np.int32))
        flat = [p for poslist in poslists for p in poslist]
        self.positions.extend(np.array(flat, np.int32))
        self.count += len(terms)
        return len(flat)

    # ---- batches

    def flush(self) -> None:
        """Turn the pending values into postings (and spelling counts)."""
        if not self._docs:
            return
        docs = np.array(self._docs, np.int64)
        sizes = np.array(self._sizes, np.int64)
        tokens = np.array(self._tokens, np.int64)
        token_value = np.repeat(np.arange(len(sizes)), sizes)
        token_pos = np.arange(len(tokens)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        token_pos += np.array(self._firsts, np.int64)[token_value]
        word_start = np.frombuffer(self.word_start, np.int64)
        first_entry = word_start[tokens]
        expansion = word_start[tokens + 1] - first_entry
        entry_token = np.repeat(np.arange(len(tokens)), expansion)
        entry = np.arange(len(entry_token)) - np.repeat(np.cumsum(expansion) - expansion, expansion)
        entry += first_entry[entry_token]
        tid = np.frombuffer(self.word_terms, np.int64)[entry]
        factor = np.frombuffer(self.word_factors, np.float64)[entry]
        pos = token_pos[entry_token]
        value = token_value[entry_token]
        if self._extra_value:
            value = np.concatenate((value, np.array(self._extra_value, np.int64)))
            tid = np.concatenate((tid, np.array(self._extra_term, np.int64)))
            factor = np.concatenate((factor, np.array(self._extra_weight, np.float64)))
            pos = np.concatenate((pos, np.array(self._extra_pos, np.int64)))
        nterms = len(self.term_names)
        span = int(pos.max()) + 1
        if len(docs) * nterms * span < 1 << 62:
            key = (value * nterms + tid) * span + pos
            order = np.argsort(key)
            group = key[order] // span
            del key
        else:  # pragma: no cover - only for values of millions of tokens
            order = np.lexsort((pos, tid, value))
            group = value[order] * nterms + tid[order]
        starts = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
        weights = np.add.reduceat(factor[order], starts)
        if self.boost != 1.0:
            weights *= self.boost
        heads = group[starts]
        self.tid.extend(heads % nterms)
        self.doc.extend(docs[heads // nterms])
        self.weight.extend(weights)
        self.npos.extend(np.diff(np.append(starts, len(group))))
        self.positions.extend(pos[order])
        del word_start  # the views on the word arrays must go before they grow again
        self._reset_batch()

    # ---- results

    def take_columns(self) -> tuple[np.ndarray, ...]:
        """(term id, docnum, weight, position count, positions) of every posting, in document
        order; no more values can be added (the word tables and columns are let go)."""
        self.flush()
        columns = (
            self.tid.values(),
            self.doc.values(),
            self.weight.values(),
            self.npos.values(),
            self.positions.values(),
        )
        self.tid = self.doc = self.weight = self.npos = self.positions = None
        self.word_ids = self.word_term_ids = self.word_sizes = self.word_spell = None
        self.word_start = self.word_terms = self.word_factors = None
        return columns

    def spelling_counts(self) -> dict[str, int]:
        """Spelling word -> number of values holding it."""
        self.flush()
        totals = np.bincount(np.frombuffer(self.spelled, np.int32), minlength=len(self.spell_names)).tolist()
        counts = dict(zip(self.spell_names, totals, strict=True))
        for word, n in self.spell_other.items():
            counts[word] = counts.get(word, 0) + n
        return {w: n for w, n in counts.items() if n}
