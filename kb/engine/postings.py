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

``kb.engine.segment`` writes the columns sorted by (term, document) as whoosh3 blocks.
"""

from __future__ import annotations

from array import array
from collections import Counter
from typing import Any

import numpy as np

from kb.analysis.fast import FieldAnalysis
from kb.engine.native import word_ids
from kb.util.processes import release_memory

BATCH_ENTRIES = 1 << 16  # expansion entries per batch: large enough that numpy's per-call cost vanishes

# ("words", word ids, first, derived (term ids, weights, positions), spelling term ids, length)
# or ("terms", terms, spell): see ``TextPostings.prepare``
Prepared = tuple[Any, ...]


_TYPECODES = {"uint16": "H", "int32": "i", "int64": "q", "float32": "f", "float64": "d"}


class Column:
    """A growable 1-d array kept in the narrowest of ``dtypes`` that holds every value exactly
    (document numbers, position counts and positions mostly fit 16 bits, weights float32): an
    ``array.array`` (grown in place by ``realloc``, so no doubled copy) read as a numpy array
    without a copy. A value that does not fit widens the whole column to the next type."""

    def __init__(self, *dtypes) -> None:
        self.dtypes = [np.dtype(d) for d in dtypes]
        self.dtype = self.dtypes[0]
        self.data = array(_TYPECODES[self.dtype.name])

    def _fits(self, values: np.ndarray) -> bool:
        if not len(values) or self.dtype == self.dtypes[-1]:
            return True
        if self.dtype.kind == "f":
            return bool(np.array_equal(values.astype(self.dtype), values))
        limits = np.iinfo(self.dtype)
        return limits.min <= int(values.min()) and int(values.max()) <= limits.max

    def extend(self, values) -> None:
        values = np.asarray(values)
        while not self._fits(values):
            wider = self.dtypes[self.dtypes.index(self.dtype) + 1]
            old = self.values().astype(wider)
            self.dtype = wider
            self.data = array(_TYPECODES[wider.name])
            self.data.frombytes(old.view(np.uint8))
        self.data.frombytes(np.ascontiguousarray(values, self.dtype).view(np.uint8))

    def values(self) -> np.ndarray:
        return np.frombuffer(self.data, self.dtype) if len(self.data) else np.empty(0, self.dtype)


class TextPostings:
    """One text field's postings and spelling counts for one segment."""

    def __init__(self, analysis: FieldAnalysis, field_boost: float = 1.0, spelling: bool = False) -> None:
        self.analysis = analysis
        self.boost = field_boost
        self.spelling = spelling
        # Terms of this segment; spelling words are counted by term id too (a word and its
        # folded twin are terms of the word; a derived token's spelling word gets an id).
        self.term_ids: dict[str, int] = {}
        self.term_names: list[str] = []
        # Words of this segment: word w indexes terms[start[w]:start[w + 1]] with their factors.
        self.word_ids: dict[str, int] = {}
        self.word_sizes: list[int] = []
        self.word_start = array("q", [0])
        self.word_terms = array("i")
        self.word_factors = array("d")
        self.word_spell = array("i")  # term id of the word
        self.word_spell_folded = array("i")  # term id of its folded twin
        self.spell_counts = np.zeros(0, np.int32)  # values holding each term id as a spelling word
        self.spell_other: Counter[str] = Counter()  # from values on the ``analyze`` path
        self._reset_batch()
        self.tid = Column(np.int32, np.int64)
        self.doc = Column(np.uint16, np.int32, np.int64)
        self.weight = Column(np.float32, np.float64)
        self.npos = Column(np.uint16, np.int32, np.int64)
        self.positions = Column(np.uint16, np.int32, np.int64)
        self.count = 0  # postings in the columns

    @property
    def postings(self) -> int:
        """Postings in the columns plus the pending batch's expansion entries (at least its
        postings): what the memory grows with, known without flushing."""
        return self.count + self._entries

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
        self._spelled: list[int] = []  # spelling term ids, once per value holding them
        self._entries = 0

    # ---- terms, words and spelling ids

    def _term(self, term: str) -> int:
        tid = self.term_ids.get(term)
        if tid is None:
            tid = self.term_ids[term] = len(self.term_names)
            self.term_names.append(term)
        return tid

    def _word(self, word: str) -> int:
        wid = self.word_ids.get(word)
        if wid is not None:
            return wid
        expansion = self.analysis.expansion(word)
        term = self._term
        self.word_terms.extend([term(t) for t, _ in expansion])
        self.word_factors.extend([f for _, f in expansion])
        self.word_start.append(len(self.word_terms))
        self.word_sizes.append(len(expansion))
        if self.spelling:
            self.word_spell.append(term(word))
            self.word_spell_folded.append(term(self.analysis.fold(word)))
        wid = self.word_ids[word] = len(self.word_sizes) - 1
        return wid

    # ---- adding values

    def prepare(self, value: str) -> Prepared:
        """The value analysed down to what ``add`` needs (reusable for a repeated value): word
        ids, derived postings, spelling words as term ids and the field length."""
        split = self.analysis.words(value)
        if split is None:
            terms, spell = self.analysis.analyze(value)
            return ("terms", terms, spell)
        kept, first, extra, spell = split
        ids, length, spell_ids = word_ids(
            self.word_ids,
            kept,
            self._word,
            self.word_start,
            self.word_spell if self.spelling else None,
            self.word_spell_folded,
        )
        derived = None
        if extra:
            term = self._term
            tids = [term(t) for t, _, _ in extra]
            derived = (tids, [w for _, w, _ in extra], [p for _, _, p in extra])
            length += len(extra)
        if spell and self.spelling:
            spell_ids = tuple({*spell_ids, *map(self._term, spell)})
        return ("words", ids, first, derived, spell_ids, length)

    def add(self, docnum: int, prepared: Prepared) -> int:
        """Add one value's postings (and spelling words); returns its field length."""
        if prepared[0] == "terms":
            return self._add_terms(docnum, prepared[1], prepared[2])
        _, ids, first, derived, spell_ids, length = prepared
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
            self._spelled += spell_ids
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
        tid = np.frombuffer(self.word_terms, np.int32)[entry].astype(np.int64)
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
        self.count += len(heads)
        self.tid.extend(heads % nterms)
        self.doc.extend(docs[heads // nterms])
        self.weight.extend(weights)
        self.npos.extend(np.diff(np.append(starts, len(group))))
        self.positions.extend(pos[order])
        del word_start  # the views on the word arrays must go before they grow again
        self._count_spelled()
        self._reset_batch()

    def _count_spelled(self) -> None:
        if not self._spelled:
            return
        counts = np.bincount(np.array(self._spelled, np.int64))
        if len(counts) > len(self.spell_counts):
            grown = np.zeros(max(len(counts), 2 * len(self.spell_counts)), np.int32)
            grown[: len(self.spell_counts)] = self.spell_counts
            self.spell_counts = grown
        self.spell_counts[: len(counts)] += counts.astype(np.int32)

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
        self.word_ids = self.word_sizes = self.word_spell = self.word_spell_folded = None
        self.word_start = self.word_terms = self.word_factors = self.term_ids = None
        release_memory()  # the tables' freed pages, before the write's own arrays
        return columns

    def spelling_counts(self) -> dict[str, int]:
        """Spelling word -> number of values holding it."""
        self.flush()
        names = self.term_names
        held = np.flatnonzero(self.spell_counts)
        counts = dict(zip([names[i] for i in held.tolist()], self.spell_counts[held].tolist(), strict=True))
        for word, n in self.spell_other.items():  # counted from sets: n >= 1
            counts[word] = counts.get(word, 0) + n
        return counts
