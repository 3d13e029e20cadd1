"""More like this: the documents whose sections share a text's key words, from one index version.

One implementation for ``kb.search.searcher.Searcher.more_like_this`` (the Python API) and the site's
"Se även" (``kb.site.related``), so both give the same lists. It is Whoosh's own method, made fast
enough to run for every document of the site on each build:

- key words: ``whoosh.classify.Expander`` (Bo1) over the body field, as
  ``Searcher.key_terms_from_text``, with collection frequencies looked up once per word
  (or read in one pass over the field, when many texts will be compared);
- ranking: the OR of the key words, scored with ``kb.engine.scoring`` (Whoosh's BM25F in arrays)
  instead of Whoosh's matcher tree; the best ``CANDIDATES`` sections by score, ties by
  docnum, as Whoosh's collector; then the first distinct documents among them.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
from whoosh import classify
from whoosh.query import Or, Term

from kb.engine import ArrayScorer, docnum_doc_ids, open_scored
from kb.model import Document

FIELD = "body"
KEY_TERMS = 12
CANDIDATES = 60


def mlt_text(doc: Document) -> str:
    """The text a document is compared by: its title and the start of its first sections."""
    return " ".join([doc.title] + [section.text[:2000] for section in doc.sections[:5]])


class _FrequencyReader:
    """The index reader as the Expander uses it, its term lookups remembered or preloaded."""

    def __init__(self, reader, preload: bool) -> None:
        self._reader = reader
        self._frequency: dict[bytes, float | None] = {}
        self._complete = False
        if preload:
            # Segment by segment: a multi-segment reader's own iteration looks every term up in
            # every segment. Summed in segment order, as ``MultiReader.frequency`` does.
            frequency: dict[bytes, float | None] = {}
            for leaf, _ in reader.leaf_readers():
                for btext, info in leaf.iter_field(FIELD):
                    frequency[btext] = (frequency.get(btext) or 0) + info.weight()
            self._frequency = frequency
            self._complete = True

    def __getattr__(self, name):
        return getattr(self._reader, name)

    def _lookup(self, btext: bytes) -> float | None:
        if btext in self._frequency or self._complete:
            return self._frequency.get(btext)
        got = self._reader.frequency(FIELD, btext) if (FIELD, btext) in self._reader else None
        self._frequency[btext] = got
        return got

    def __contains__(self, term) -> bool:
        fieldname, btext = term
        return fieldname == FIELD and self._lookup(btext) is not None

    def frequency(self, fieldname, btext) -> float:
        return self._lookup(btext) or 0.0


class SimilarDocuments:
    """Key words and similar documents over one opened Whoosh searcher (not thread-safe)."""

    def __init__(
        self,
        searcher,
        scorer: ArrayScorer,
        preload: bool = False,
        doc_ids: list[str] | None = None,
    ) -> None:
        """``preload``: read every word's collection frequency now (for comparing many texts);
        ``doc_ids``: docnum → document id, when the caller has it already."""
        self.searcher = searcher
        self.scorer = scorer
        self.field = searcher.schema[FIELD]
        self.reader = _FrequencyReader(searcher.reader(), preload)
        self._doc_ids = doc_ids

    @classmethod
    def open(cls, version_dir: Path, preload: bool = False) -> SimilarDocuments:
        """Over its own searcher of ``version_dir`` (``close()`` it when done)."""
        searcher, scorer = open_scored(version_dir)
        return cls(searcher, scorer, preload=preload)

    def close(self) -> None:
        self.searcher.close()

    def vector(self, text: str) -> tuple[dict[str, float], float]:
        """(word → summed weight, total weight) of ``text`` in the body field, summed in text
        order as ``Expander.add`` does."""
        weights: dict[str, float] = defaultdict(float)
        total = 0.0
        for btext, _, weight, _ in self.field.index(text):
            total += weight
            weights[self.field.from_bytes(btext)] += weight
        return dict(weights), total

    def key_terms(self, weights: dict[str, float], total: float, number: int = KEY_TERMS) -> list[str]:
        expander = classify.Expander(self.reader, FIELD)
        expander.topN_weight.update(weights)
        expander.top_total = total
        return [word for word, _ in expander.expanded_terms(number)]

    def like(self, weights: dict[str, float], total: float, exclude: str, limit: int) -> list[str]:
        """Ids of up to ``limit`` documents, best first, whose sections share the key words."""
        keywords = self.key_terms(weights, total)
        if not keywords:
            return []
        # Deleted sections (an updated index version) never match: Whoosh's postings skip them.
        scored = self.scorer.evaluate(Or([Term(FIELD, w) for w in keywords]))
        docnums = np.flatnonzero(scored.mask)
        order = np.lexsort((docnums, -scored.scores[docnums]))[:CANDIDATES]
        doc_ids = self.doc_ids
        out: list[str] = []
        seen = {exclude}
        for docnum in docnums[order]:
            other = doc_ids[docnum]
            if other not in seen:
                seen.add(other)
                out.append(other)
                if len(out) >= limit:
                    break
        return out

    @property
    def doc_ids(self) -> list[str]:
        """docnum → document id, from the postings of the ``doc_id`` field."""
        if self._doc_ids is None:
            self._doc_ids = docnum_doc_ids(self.searcher.reader())
        return self._doc_ids
