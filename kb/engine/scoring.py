"""Whole-index scoring with numpy: Whoosh's BM25F scores, computed per term instead of per posting.

Why: ranking needs every matching section scored (exact total, facets, a pool for the
coordination re-rank), and Whoosh's matcher tree does that one posting at a time in Python
— about a microsecond per posting per clause, which is 100+ ms for common words in a
60,000-section index. Here each term's postings are decoded block by block into arrays,
scored with the same BM25F formula and the same floating-point operations as
``whoosh.scoring.BM25FScorer``, and combined with array operations:

* ``Term``: BM25F × boost (Whoosh's ``WrappingMatcher``);
* ``Or``: the sum of the matching children × boost; ``And``: the same, where all children match;
  an ``Or``/``And`` with one child is that child, its own boost ignored, as in Whoosh;
* anything else (phrases, prefixes): Whoosh's own matcher, collected into arrays.

The sums may differ from Whoosh's in the last bit (another addition order), nothing more.

Scored postings of a term depend only on the index version, so they are kept in a cache
bounded in bytes (``TermCache``); ``clear`` empties it for cold-cache measurements.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.query import And, Or, Phrase, Query, Term
from whoosh.util.numeric import byte_to_length

CACHE_BYTES = 96 * 1024 * 1024
_LENGTH_OF_BYTE = np.array([float(byte_to_length(b)) for b in range(256)], dtype=np.float64)


# Every scorer of kb uses these. B is below Whoosh's 0.75: sections range from a one-line
# news item to a whole statute chapter, and full length normalisation buried the long
# chapters that answer questions ("får vi förkasta ett anbud …") under short texts that only
# mention a word.
BM25_B, BM25_K1 = 0.5, 1.2


@dataclass(frozen=True)
class EncodedPositions:
    """A term's encoded positions (Whoosh's posting values), one after another in docnum order.

    Kept beside the scored postings because decoding the postings reads these bytes anyway:
    holding them costs memory (counted in the cache's bound), reading them again later costs a
    term lookup, a matcher and a block unpickling per segment.
    """

    blob: bytes
    ends: np.ndarray  # where each posting's value ends in ``blob`` (int32 where that fits)

    @property
    def nbytes(self) -> int:
        return len(self.blob) + self.ends.nbytes

    def value(self, i: int) -> bytes:
        """The encoded value of the ``i``-th posting."""
        return self.blob[int(self.ends[i - 1]) if i else 0 : int(self.ends[i])]


@dataclass(frozen=True)
class Postings:
    """One term's matching docnums (ascending, index-wide) and their scores.

    ``positions``: the encoded positions of each docnum, where the field has positions and the
    term was decoded over Whoosh's files (otherwise None).
    """

    ids: np.ndarray  # int64
    scores: np.ndarray  # float64
    positions: EncodedPositions | None = None

    @property
    def nbytes(self) -> int:
        extra = self.positions.nbytes if self.positions is not None else 0
        return self.ids.nbytes + self.scores.nbytes + extra


@dataclass
class Scored:
    """Dense result of a sub-query: a score and a match flag per docnum."""

    scores: np.ndarray  # float64, 0 where not matched
    mask: np.ndarray  # bool


class TermCache:
    """LRU cache of unboosted term postings, bounded by the bytes of its arrays (thread-safe)."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = self.misses = 0
        self._items: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Postings | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
            else:
                self.hits += 1
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, str], item: Postings) -> None:
        if item.nbytes > self.max_bytes // 4:
            return  # one huge term must not flush everything else
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old.nbytes
            self._items[key] = item
            self.bytes += item.nbytes
            while self.bytes > self.max_bytes and self._items:
                _, evicted = self._items.popitem(last=False)
                self.bytes -= evicted.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)


class ArrayScorer:
    """Scores Whoosh queries over one searcher (one index version) with BM25F arrays.

    ``B``/``K1`` must be those of the searcher's ``BM25F`` weighting: the fallback for
    phrases uses the searcher's own scorer.
    """

    def __init__(
        self,
        searcher,
        B: float,
        K1: float,
        cache: TermCache | None = None,
        lengths: dict[tuple[int, str], np.ndarray] | None = None,
    ):
        """``cache`` and ``lengths`` may be shared by the scorers of several threads on one version."""
        self.searcher = searcher
        self.B, self.K1 = B, K1
        self.cache = cache if cache is not None else TermCache()
        self.doc_count = searcher.doc_count_all()
        self.leaves = list(searcher.leaf_searchers())
        self._lengths = lengths if lengths is not None else {}
        self.deadline = float("inf")
        self.timed_out = False

    def start(self, time_limit: float) -> None:
        """Begin a query: slow matchers stop (with what they found) after ``time_limit`` seconds."""
        self.deadline = time.perf_counter() + time_limit
        self.timed_out = False

    # -- terms
    def postings(self, fieldname: str, text: str) -> Postings:
        """Scored postings of one term (cached); empty when the term is not indexed."""
        key = (fieldname, text)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        item = self._score_term(fieldname, text)
        self.cache.put(key, item)
        return item

    def _score_term(self, fieldname: str, text: str) -> Postings:
        searcher = self.searcher
        field = searcher.schema[fieldname]
        try:
            btext = field.to_bytes(text)
        except ValueError:
            btext = None
        id_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        if btext is None or not field.scorable:
            return Postings(np.empty(0, np.int64), np.empty(0, np.float64))
        values: list[bytes] | None = [] if field.format.supports("positions") else None
        idf = searcher.idf(fieldname, btext)
        avgfl = searcher.avg_field_length(fieldname) or 1
        B, K1 = self.B, self.K1
        for leaf, (sub, offset) in enumerate(self.leaves):
            reader = sub.reader()
            if (fieldname, btext) not in reader:
                continue
            ids, tf = _read_postings(reader.postings(fieldname, btext), values)
            if not len(ids):
                continue
            fl = self._field_lengths(leaf, fieldname)[ids]
            # The same operations in the same order as whoosh.scoring.bm25, element-wise.
            scores = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
            id_parts.append(ids + offset)
            score_parts.append(scores)
        if not id_parts:
            return Postings(np.empty(0, np.int64), np.empty(0, np.float64))
        positions = None
        if values is not None and len(values) == sum(len(ids) for ids in id_parts):
            ends = np.cumsum(np.fromiter(map(len, values), np.int64, count=len(values)))
            if ends[-1] < 2**31:
                ends = ends.astype(np.int32)  # half the memory; a term's values are below 2 GB
            positions = EncodedPositions(b"".join(values), ends)
        if len(id_parts) == 1:
            return Postings(id_parts[0], score_parts[0], positions)
        return Postings(np.concatenate(id_parts), np.concatenate(score_parts), positions)

    def _field_lengths(self, leaf: int, fieldname: str) -> np.ndarray:
        """Per-document field lengths of one segment, decoded from Whoosh's length bytes."""
        key = (leaf, fieldname)
        lengths = self._lengths.get(key)
        if lengths is None:
            # Two threads may both compute it; the results are equal, and the dict update is atomic.
            lengths = _LENGTH_OF_BYTE[_length_bytes(self.leaves[leaf][0].reader(), fieldname)]
            self._lengths[key] = lengths
        return lengths

    # -- queries
    #
    # A query tree is a sum: an Or adds its children's scores (times its boost), so every
    # leaf's scores go straight into one accumulator with the product of the boosts above
    # it. Only an And needs to know where all its children match: its children's match
    # masks are intersected, and its score is computed at those sections only.

    def evaluate(self, q: Query, memo: dict[int, object] | None = None) -> Scored:
        """Scores and matches of ``q`` for every docnum; ``memo`` shares sub-results with ``matches``.

        The leaves' contributions are collected in tree order and summed by one ``bincount``,
        which adds them per docnum in that same order: the sums are bit for bit those of
        adding each leaf into a dense array in turn, with two array calls instead of a few
        per leaf.
        """
        memo = {} if memo is None else memo
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._accumulate(q, 1.0, parts, memo)
        mask = np.zeros(self.doc_count, bool)
        if not parts:
            return Scored(np.zeros(self.doc_count, np.float64), mask)
        ids = parts[0][0] if len(parts) == 1 else np.concatenate([ids for ids, _ in parts])
        weights = parts[0][1] if len(parts) == 1 else np.concatenate([w for _, w in parts])
        mask[ids] = True
        return Scored(np.bincount(ids, weights=weights, minlength=self.doc_count), mask)

    def matches(self, q: Query, docnums: np.ndarray, memo: dict[int, object]) -> np.ndarray:
        """Which of ``docnums`` match ``q``: a bool per docnum."""
        return self._mask(q, memo)[docnums]

    def _accumulate(self, q: Query, coef: float, parts: list[tuple[np.ndarray, np.ndarray]], memo) -> None:
        """Append (docnums, ``coef`` × the score of ``q`` there) for each leaf of ``q``, in tree order."""
        subs = _compound_children(q)
        if subs == []:
            return  # Whoosh: an empty compound matches nothing
        if subs is None:
            if type(q) is Term:  # unboosted postings, one multiplication for all boosts above
                found = self._term(q, memo)
                coef *= q.boost
            else:
                found = self._leaf(q, memo)
            if len(found.ids):
                parts.append((found.ids, found.scores * coef if coef != 1.0 else found.scores))
        elif len(subs) == 1:
            self._accumulate(subs[0], coef, parts, memo)  # Whoosh drops a one-child compound's boost
        elif type(q) is Or:
            for sub in subs:
                self._accumulate(sub, coef * q.boost, parts, memo)
        else:  # And
            both = self._mask(subs[0], memo).copy()
            for sub in subs[1:]:
                both &= self._mask(sub, memo)
            where = np.flatnonzero(both)
            if len(where):
                at, _ = self._score_at(q, where, memo)
                parts.append((where, at * coef))

    def _mask(self, q: Query, memo) -> np.ndarray:
        """Where ``q`` matches, as a bool per docnum (cached in ``memo``)."""
        key = ("mask", id(q))
        done = memo.get(key)
        if done is not None:
            return done[1]
        subs = _compound_children(q)
        if not subs:
            mask = np.zeros(self.doc_count, bool)
            if subs is None:
                mask[self._leaf(q, memo).ids] = True
        elif len(subs) == 1:
            mask = self._mask(subs[0], memo)
        elif type(q) is Or:
            mask = np.zeros(self.doc_count, bool)
            for sub in subs:
                if _compound_children(sub) is None:
                    mask[self._leaf(sub, memo).ids] = True
                else:
                    mask |= self._mask(sub, memo)
        else:
            mask = self._mask(subs[0], memo).copy()
            for sub in subs[1:]:
                mask &= self._mask(sub, memo)
        memo[key] = (q, mask)  # keeps q alive so its id cannot be reused
        return mask

    def _score_at(self, q: Query, docnums: np.ndarray, memo) -> tuple[np.ndarray, np.ndarray]:
        """(score, matched) of ``q`` at each of ``docnums`` (ascending), from the sparse arrays."""
        subs = _compound_children(q)
        if subs is None:
            found = self._leaf(q, memo)
            if not len(found.ids):
                return np.zeros(len(docnums), np.float64), np.zeros(len(docnums), bool)
            pos = np.minimum(np.searchsorted(found.ids, docnums), len(found.ids) - 1)
            matched = found.ids[pos] == docnums
            return np.where(matched, found.scores[pos], 0.0), matched
        if not subs:
            return np.zeros(len(docnums), np.float64), np.zeros(len(docnums), bool)
        if len(subs) == 1:
            return self._score_at(subs[0], docnums, memo)
        parts = [self._score_at(sub, docnums, memo) for sub in subs]
        total = parts[0][0].copy()
        matched = parts[0][1].copy()
        for sub_scores, sub_matched in parts[1:]:
            total += sub_scores
            if type(q) is Or:
                matched |= sub_matched
            else:
                matched &= sub_matched
        if type(q) is And:
            total[~matched] = 0.0
        if q.boost != 1.0:
            total *= q.boost
        return total, matched

    def _leaf(self, q: Query, memo) -> Postings:
        """A term, phrase or other leaf's matches with their (boosted) scores (cached in ``memo``)."""
        key = id(q)
        done = memo.get(key)
        if done is not None:
            return done[1]
        found: Postings | None = None
        if type(q) is Term:
            found = self._term(q, memo)
        elif type(q) is Phrase:
            found = self._phrase(q)
        if found is None:
            found = self._whoosh_matches(q)  # scores already boosted by Whoosh
        elif q.boost != 1.0:
            found = Postings(found.ids, found.scores * q.boost)
        memo[key] = (q, found)
        return found

    def _term(self, q: Term, memo) -> Postings:
        """``postings`` of a term, looked up once per query (a query repeats its words in the And clause)."""
        key = (q.fieldname, q.text)
        found = memo.get(key)
        if found is None:
            found = memo[key] = self.postings(q.fieldname, q.text)
        return found

    def _phrase(self, q: Phrase) -> Postings | None:
        """An exact phrase (Whoosh's default slop 1) from the words' arrays and positions; None: not handled.

        Candidates are the sections holding every word (an array intersection); positions
        are decoded for those sections only. The score is the words' scores summed, as
        Whoosh's phrase matcher (an intersection of the term matchers) gives.
        """
        field = self.searcher.schema[q.fieldname] if q.fieldname in self.searcher.schema else None
        if q.slop != 1 or len(q.words) < 2 or field is None or not field.format.supports("positions"):
            return None
        key = ("phrase:" + q.fieldname, "\t".join(q.words))
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        words = [self.postings(q.fieldname, w) for w in q.words]
        candidates = words[0].ids
        for w in words[1:]:
            candidates = np.intersect1d(candidates, w.ids, assume_unique=True)
        if len(candidates):
            self.prefetch_positions(q.fieldname, q.words)
            positions = [self.positions(q.fieldname, w, candidates) for w in q.words]
            keep = np.array([_adjacent([p[i] for p in positions]) for i in range(len(candidates))], bool)
            candidates = candidates[keep]
        scores = np.zeros(len(candidates), np.float64)
        for w in words:
            scores += w.scores[np.searchsorted(w.ids, candidates)]
        found = Postings(candidates, scores)
        self.cache.put(key, found)
        return found

    def prefetch_positions(self, fieldname: str, texts) -> None:
        """``positions`` will be asked for these terms: nothing to do over files (a database
        engine reads them in one round trip)."""

    def positions(self, fieldname: str, text: str, docnums: np.ndarray) -> list[list[int]]:
        """Positions of a term in each of ``docnums`` (sorted index-wide docnums that all hold it).

        Read from the positions kept with the term's postings (decoded with them, or again if
        the cache dropped them): only the asked documents' values are decoded.
        """
        field = self.searcher.schema[fieldname]
        found = self.postings(fieldname, text)
        if found.positions is None:
            if not len(found.ids):
                return [[] for _ in docnums]
            raise ValueError(f"the field {fieldname!r} keeps no positions")
        decode, value = field.format.decode_positions, found.positions.value
        return [decode(value(i)) for i in np.searchsorted(found.ids, docnums).tolist()]

    def _whoosh_matches(self, q: Query) -> Postings:
        """Whoosh's own matcher for what has no array form (phrases, prefixes), collected."""
        ids: list[int] = []
        scores: list[float] = []
        context = self.searcher.context()
        for sub, offset in self.leaves:
            m = q.matcher(sub, context)
            n = 0
            while m.is_active():
                ids.append(m.id() + offset)
                scores.append(m.score())
                m.next()
                n += 1
                if n % 256 == 0 and time.perf_counter() > self.deadline:
                    self.timed_out = True
                    break
        return Postings(np.array(ids, np.int64), np.array(scores, np.float64))


def _compound_children(q: Query) -> list[Query] | None:
    """The children of a plain Or/And (scored here as sums), or None for anything else."""
    if type(q) in (Or, And) and not getattr(q, "minmatch", 0) and not getattr(q, "scale", None):
        return q.subqueries
    return None


def _blockwise(m) -> bool:
    """Whether a postings matcher is whoosh3's block reader, whose decoded blocks can be read whole
    (not a wrapper such as the filter of deleted documents, which must go posting by posting)."""
    return hasattr(m, "_read_data") and hasattr(m, "_goto") and not getattr(m, "_byteids", False)


def _read_postings(m, values: list[bytes] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(local docnums, term weights as float64) of a postings matcher, a block at a time when possible;
    each posting's value is appended to ``values`` if given."""
    if _blockwise(m):
        id_blocks: list[np.ndarray] = []
        weight_blocks: list[np.ndarray] = []
        while m.is_active():
            m._read_data()
            deltas, weights = m._data[0], m._data[1]
            count = m._blocklength
            id_blocks.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
            if weights is None:
                weight_blocks.append(np.ones(count, np.float64))
            elif isinstance(weights, float):
                weight_blocks.append(np.full(count, weights, np.float64))
            else:
                weight_blocks.append(np.asarray(weights, dtype=np.float32).astype(np.float64))
            if values is not None:
                values.extend(m._data[2] or ())  # none: lengths differ, positions not kept
            m._next_block()
        if not id_blocks:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        return np.concatenate(id_blocks), np.concatenate(weight_blocks)
    ids: list[int] = []
    weights: list[float] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if values is not None:
            values.append(m.value())
        m.next()
    return np.array(ids, np.int64), np.array(weights, np.float64)


def _adjacent(positions: list[list[int]]) -> bool:
    """Whether word k occurs at p + k for some p, for every k (the words as a phrase)."""
    starts = set(positions[0])
    for k, later in enumerate(positions[1:], start=1):
        starts &= {p - k for p in later}
        if not starts:
            return False
    return True


def _length_bytes(reader, fieldname: str) -> np.ndarray:
    """The segment's per-document length bytes of ``fieldname`` (0 where the field is empty)."""
    count = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    column = getattr(perdoc, "_cached_reader", None)
    if column is not None:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

        creader = column(_lenfield(fieldname), LENGTHS_COLUMN)
        if creader is None:
            return np.zeros(count, np.uint8)
        return np.fromiter((creader[d] for d in range(count)), dtype=np.uint8, count=count)
    out = np.zeros(count, np.uint8)
    from whoosh.util.numeric import length_to_byte

    for d in range(count):
        length = reader.doc_field_length(d, fieldname, 0)
        out[d] = length_to_byte(length) if length else 0
    return out


def bm25f():
    """Whoosh's BM25F weighting with kb's parameters (what ``ArrayScorer`` computes in arrays)."""
    from whoosh.scoring import BM25F

    return BM25F(B=BM25_B, K1=BM25_K1)


def open_scored(version_dir: Path, term_cache: TermCache | None = None):
    """(a Whoosh searcher with BM25F, the ``ArrayScorer`` over it) of one index version."""
    from kb.engine.index import open_index

    searcher = open_index(version_dir).searcher(weighting=bm25f())
    return searcher, ArrayScorer(searcher, BM25_B, BM25_K1, term_cache)
