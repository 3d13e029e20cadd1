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

BATCH_ENTRIES = 1 << 18  # expansion entries per batch: large enough that numpy's per-call cost vanishes

Prepared = tuple[Any, ...]  # ("words", word ids, first, derived postings, derived spelling) or ("terms", terms, spell)


class Column:
    """A growable 1-d numpy array (grows by a quarter: the columns are most of a worker's memory)."""

    def __init__(self, dtype) -> None:
        self.data = np.empty(4096, dtype)
        self.size = 0

    def extend(self, values) -> None:
        end = self.size + len(values)
        if end > len(self.data):
            grown = np.empty(max(end, len(self.data) * 5 // 4), self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = values
        self.size = end

    def values(self) -> np.ndarray:
        return self.data[: self.size]


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
        self.word_start = array("q", [0])
        self.word_terms = array("q")
        self.word_factors = array("d")
        self.word_spell = array("q")  # two per word: the spelling ids of the word and of its folded twin
        self.spell_ids: dict[str, int] = {}
        self.spell_names: list[str] = []
        self.spell_counts = np.zeros(0, np.int64)
        self.spell_other: Counter[str] = Counter()  # from values on the ``analyze`` path
        self._reset_batch()
        self.tid = Column(np.int32)
        self.doc = Column(np.int32)
        self.weight = Column(np.float64)
        self.npos = Column(np.int32)
        self.positions = Column(np.int32)
        self.count = 0  # postings in the columns

    def _reset_batch(self) -> None:
        self._docs = array("q")
        self._firsts = array("q")
        self._sizes = array("q")
        self._tokens = array("q")
        self._extra_value = array("q")
        self._extra_term = array("q")
        self._extra_weight = array("d")
        self._extra_pos = array("q")
        self._extra_spell_value = array("q")
        self._extra_spell = array("q")
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
        self.word_terms.extend([term(t) for t, _ in expansion])
        self.word_factors.extend([f for _, f in expansion])
        self.word_start.append(len(self.word_terms))
        self.word_sizes.append(len(expansion))
        if self.spelling:
            self.word_spell.append(self._spell(word))
            self.word_spell.append(self._spell(self.analysis.fold(word)))
        wid = self.word_ids[word] = len(self.word_sizes) - 1
        return wid

    # ---- adding values

    def prepare(self, value: str) -> Prepared:
        """The value analysed down to what ``add`` needs (reusable for a repeated value)."""
        split = self.analysis.words(value)
        if split is None:
            terms, spell = self.analysis.analyze(value)
            return ("terms", terms, spell)
        kept, first, extra, spell = split
        ids = list(map(self.word_ids.get, kept))
        if None in ids:
            word = self._word
            ids = [i if i is not None else word(w) for i, w in zip(ids, kept, strict=True)]
        return ("words", ids, first, extra, spell)

    def add(self, docnum: int, prepared: Prepared) -> int:
        """Add one value's postings (and spelling words); returns its field length."""
        if prepared[0] == "terms":
            return self._add_terms(docnum, prepared[1], prepared[2])
        _, ids, first, extra, spell = prepared
        if not ids:
            return 0
        value = len(self._docs)
        self._docs.append(docnum)
        self._firsts.append(first)
        self._sizes.append(len(ids))
        self._tokens.extend(ids)
        length = sum(map(self.word_sizes.__getitem__, ids))
        if extra:
            term = self._term
            self._extra_value.extend([value] * len(extra))
            self._extra_term.extend([term(t) for t, _, _ in extra])
            self._extra_weight.extend([w for _, w, _ in extra])
            self._extra_pos.extend([p for _, _, p in extra])
            length += len(extra)
        if spell and self.spelling:
            self._extra_spell_value.extend([value] * len(spell))
            self._extra_spell.extend(map(self._spell, spell))
        self._entries += length
        if self._entries >= BATCH_ENTRIES:
            self.flush()
        return length

    def _add_terms(self, docnum: int, terms: dict[str, list], spell: set[str]) -> int:
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
            value = np.concatenate((value, np.frombuffer(self._extra_value, np.int64)))
            tid = np.concatenate((tid, np.frombuffer(self._extra_term, np.int64)))
            factor = np.concatenate((factor, np.frombuffer(self._extra_weight, np.float64)))
            pos = np.concatenate((pos, np.frombuffer(self._extra_pos, np.int64)))
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
        self.count += len(starts)
        if self.spelling:
            self._count_spelling(token_value, tokens)
        del word_start  # the views on the word arrays must go before they grow again
        self._reset_batch()

    def _count_spelling(self, token_value: np.ndarray, tokens: np.ndarray) -> None:
        pairs = np.frombuffer(self.word_spell, np.int64).reshape(-1, 2)[tokens]
        value = np.concatenate((token_value, token_value, np.frombuffer(self._extra_spell_value, np.int64)))
        sid = np.concatenate((pairs[:, 0], pairs[:, 1], np.frombuffer(self._extra_spell, np.int64)))
        nspell = len(self.spell_names)
        distinct = np.unique(value * nspell + sid) % nspell
        counts = np.bincount(distinct, minlength=nspell)
        counts[: len(self.spell_counts)] += self.spell_counts
        self.spell_counts = counts

    # ---- results

    def columns(self) -> tuple[np.ndarray, ...]:
        """(term id, docnum, weight, position count, positions) of every posting, in no order."""
        self.flush()
        return (self.tid.values(), self.doc.values(), self.weight.values(), self.npos.values(), self.positions.values())

    def spelling_counts(self) -> dict[str, int]:
        """Spelling word -> number of values holding it."""
        self.flush()
        counts = dict(zip(self.spell_names, self.spell_counts.tolist(), strict=False))
        for word, n in self.spell_other.items():
            counts[word] = counts.get(word, 0) + n
        return {w: n for w, n in counts.items() if n}
