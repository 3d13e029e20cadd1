"""Reading one database version: term rows, the scorer over them, and the index reader kb's query
building, "did you mean" and more-like-this ask.

``PostgresScorer`` is ``kb.engine.ArrayScorer`` with the postings read from the database's term
rows instead of Whoosh's files: the same BM25F formula on the same stored statistics, the same
combination of Or/And/phrases in arrays, so both engines rank alike. Each word of a query costs
one index lookup that fetches its rows in every scored field at once (its document frequencies
for the query builder and its postings for the scorer); the scored postings are then cached per
version, as the Whoosh engine caches them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from whoosh.query import And, Or, Prefix, Query, Term
from whoosh.spelling import Corrector
from whoosh.support.levenshtein import distance

from kb.engine.postgres.publish import FILTER_FIELDS, SCORED_FIELDS
from kb.engine.scoring import BM25_B, BM25_K1, ArrayScorer, Postings

EMPTY = Postings(np.empty(0, np.int64), np.empty(0, np.float64))
PRELOAD_MAX_DOCS, PRELOAD_MIN_CLAUSES = 5000, 1024  # whoosh.query.compound.Or: when it preloads a union unscored
CACHE_WORDS = 200_000  # document frequencies remembered per version before the memo is emptied
POSITIONS_CACHE_BYTES = 32 * 1024 * 1024  # phrase and proximity positions kept per version and process


def _ids(raw: bytes | None) -> np.ndarray:
    return np.frombuffer(raw, "<i4").astype(np.int64) if raw else np.empty(0, np.int64)


class VersionData:
    """What every thread shares about one database version: its statistics (read when opened) and
    the memo of term lookups. ``query(sql, params)`` runs on a pooled connection."""

    def __init__(self, pool, schema: str, version_id: int, doc_count: int, deleted: bytes, segments: bytes = b""):
        self.pool = pool
        self.queries = 0
        # Where the Whoosh version's segments start (and its end): a prefix query is scored per segment.
        self.segments = _ids(segments) if segments else np.array([0, doc_count], np.int64)
        self.schema = schema
        self.version_id = version_id
        self.doc_count = doc_count
        self.deleted = _ids(deleted)
        self.lengths: dict[str, np.ndarray] = {}
        self.average: dict[str, float] = {}
        self.total: dict[str, float] = {}
        for field, total, average, lengths in self.query(
            f"SELECT field, total_length, average_length, lengths FROM {schema}.fields"
        ):
            self.lengths[field] = np.frombuffer(lengths, "<f8")
            self.average[field] = average or 1.0  # as ArrayScorer: ``avg_field_length(...) or 1``
            self.total[field] = total
        self.df: dict[tuple[str, str], int] = {}
        self.frequency: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        # (field, term) -> (docnums, encoded positions, their ends): a version never changes, so a
        # phrase or proximity query asked again costs no round trip (Whoosh reads them from a map).
        self._positions: OrderedDict[tuple[str, str], tuple[np.ndarray, bytes, np.ndarray]] = OrderedDict()
        self._positions_bytes = 0

    def clear(self) -> None:
        """Forget the looked-up words and positions (benchmarks: a word never asked before)."""
        with self._lock:
            self.df.clear()
            self.frequency.clear()
            self._positions.clear()
            self._positions_bytes = 0

    def query(self, sql: str, params=()) -> list[tuple]:
        self.queries += 1  # round trips to this version (benchmarks.engines reports them per search)
        with self.pool.connection() as conn:
            return conn.execute(sql, params, prepare=True).fetchall()

    def word(self, term: str, cache) -> None:
        """Fetch ``term``'s rows in every scored field: remember their document frequencies and
        put their BM25F-scored postings into ``cache`` (a ``TermCache``)."""
        self.words([term], cache, known=False)

    def words(self, terms, cache, known: bool = True) -> None:
        """``word`` for many terms in one round trip (the query builder asks a word's forms, lemmas,
        inflections and compound parts together); ``known``: skip terms already looked up."""
        terms = list(dict.fromkeys(t for t in terms if not (known and all((f, t) in self.df for f in SCORED_FIELDS))))
        if not terms:
            return
        rows = self.query(
            f"SELECT field, term, df, idf, docnums, tfs FROM {self.schema}.terms"
            " WHERE term = ANY(%s) AND field = ANY(%s)",
            (terms, list(SCORED_FIELDS)),
        )
        found = {(field, term): (df, idf, docnums, tfs) for field, term, df, idf, docnums, tfs in rows}
        with self._lock:
            if len(self.df) > CACHE_WORDS:
                self.df.clear()
            for term in terms:
                for field in SCORED_FIELDS:
                    row = found.get((field, term))
                    self.df[(field, term)] = row[0] if row else 0
        for key, (_, idf, docnums, tfs) in found.items():
            cache.put(key, self.score(key[0], idf, docnums, tfs))

    def frequencies(self, field: str, terms) -> None:
        """Remember the document frequencies of ``terms`` in ``field``, read in one round trip."""
        terms = list(dict.fromkeys(t for t in terms if (field, t) not in self.df))
        if not terms:
            return
        sql = f"SELECT term, df FROM {self.schema}.terms WHERE field = %s AND term = ANY(%s)"
        rows = self.query(sql, (field, terms))
        found = dict(rows)
        with self._lock:
            if len(self.df) > CACHE_WORDS:
                self.df.clear()
            for term in terms:
                self.df[(field, term)] = found.get(term, 0)

    def score(self, field: str, idf: float, docnums: bytes | None, tfs: bytes | None) -> Postings:
        """BM25F of one term's postings: the operations of ``ArrayScorer._score_term``, in order."""
        ids = _ids(docnums)
        if not len(ids):
            return EMPTY
        return self.score_arrays(field, idf, ids, np.frombuffer(tfs, "<f4").astype(np.float64))

    def score_arrays(self, field: str, idf: float, ids: np.ndarray, tf: np.ndarray) -> Postings:
        fl = self.lengths[field][ids]
        B, K1, avgfl = BM25_B, BM25_K1, self.average[field]
        return Postings(ids, idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))))

    def doc_frequency(self, field: str, term: str, cache) -> int:
        key = (field, term)
        df = self.df.get(key)
        if df is not None:
            return df
        if field in SCORED_FIELDS:
            self.word(term, cache)
            return self.df[key]
        rows = self.query(f"SELECT df FROM {self.schema}.terms WHERE field = %s AND term = %s", key)
        return rows[0][0] if rows else 0

    def positions(self, field: str, term: str) -> tuple[np.ndarray, bytes, np.ndarray]:
        """A term's docnums, encoded positions and where each document's end (kept, bounded)."""
        found = self._positions.get((field, term))
        if found is None:
            found = self.read_positions(field, [term]).get(term)
        if found is None:
            found = (np.empty(0, np.int64), b"", np.empty(0, np.int32))
        return found

    def read_positions(self, field: str, terms) -> dict[str, tuple[np.ndarray, bytes, np.ndarray]]:
        """Read the positions of those ``terms`` not in memory yet, in one round trip, and keep them."""
        missing = list(dict.fromkeys(t for t in terms if (field, t) not in self._positions))
        if not missing:
            return {}
        rows = self.query(
            f"SELECT term, docnums, positions, position_ends FROM {self.schema}.terms"
            " WHERE field = %s AND term = ANY(%s) AND positions IS NOT NULL",
            (field, missing),
        )
        out = {term: (_ids(ids), bytes(blob), np.frombuffer(ends, "<i4")) for term, ids, blob, ends in rows}
        with self._lock:
            for term, found in out.items():
                if (field, term) not in self._positions:
                    self._positions[(field, term)] = found
                    self._positions_bytes += len(found[1]) + 12 * len(found[0])
            while self._positions_bytes > POSITIONS_CACHE_BYTES and len(self._positions) > 1:
                _, (ids, blob, _) = self._positions.popitem(last=False)
                self._positions_bytes -= len(blob) + 12 * len(ids)
        return out

    def docnums(self, field: str, term: str) -> np.ndarray:
        rows = self.query(f"SELECT docnums FROM {self.schema}.terms WHERE field = %s AND term = %s", (field, term))
        return _ids(rows[0][0]) if rows else np.empty(0, np.int64)

    # -- what the search layer reads of a version besides terms
    def document_texts(self) -> list[str]:
        """The version's normalised documents (JSON), in build order."""
        return [text for (text,) in self.query(f"SELECT document FROM {self.schema}.documents ORDER BY position")]

    def doc_ids(self) -> list[str]:
        """docnum → document id."""
        return [doc_id for (doc_id,) in self.query(f"SELECT doc_id FROM {self.schema}.sections ORDER BY docnum")]

    def hits(self, docnums: list[int]) -> list[tuple[int, bytes]]:
        """(docnum, stored hit fields) of these sections, in one query."""
        rows = self.query(f"SELECT docnum, hit FROM {self.schema}.sections WHERE docnum = ANY(%s)", (docnums,))
        return [(docnum, bytes(hit)) for docnum, hit in rows]

    def hits_of_document(self, doc_id: str) -> list[tuple[int, bytes]]:
        """(docnum, stored hit fields) of one document's sections, by docnum."""
        rows = self.query(f"SELECT docnum, hit FROM {self.schema}.sections WHERE doc_id = %s", (doc_id,))
        return sorted((docnum, bytes(hit)) for docnum, hit in rows)

    def reader(self, schema, cache) -> PostgresReader:
        """The index reader kb's query building, spelling and similar documents ask (one per thread)."""
        return PostgresReader(self, schema, cache)

    def scorer(self, index, cache) -> PostgresScorer:
        """The array scorer over this version (one per thread; ``cache``: the version's ``TermCache``)."""
        return PostgresScorer(self, index, cache)

    def filter_mask(self, q: Query) -> np.ndarray:
        return filter_mask(self, q)

    def facet_sets(self) -> dict[str, dict[str, np.ndarray]]:
        return facet_sets(self)


class PostgresScorer(ArrayScorer):
    """``ArrayScorer`` over a database version (one per thread; the caches are the version's)."""

    def __init__(self, data: VersionData, index, cache):
        self.searcher = index  # the schema, for phrases
        self.data = data
        self.B, self.K1 = BM25_B, BM25_K1
        self.cache = cache
        self.doc_count = data.doc_count
        self.leaves = []
        self._lengths = {}
        self.deadline = float("inf")
        self.timed_out = False

    def _score_term(self, fieldname: str, text: str) -> Postings:
        if fieldname not in SCORED_FIELDS:
            return EMPTY  # not scorable: Whoosh gives no postings either
        self.data.word(text, self.cache)
        found = self.cache.get((fieldname, text))
        return found if found is not None else EMPTY

    def prefetch_positions(self, fieldname: str, texts) -> None:
        if fieldname in SCORED_FIELDS:
            self.data.read_positions(fieldname, texts)

    def positions(self, fieldname: str, text: str, docnums: np.ndarray) -> list[list[int]]:
        fmt = self.searcher.schema[fieldname].format
        ids, blob, ends = self.data.positions(fieldname, text)
        out = []
        for i in np.searchsorted(ids, docnums).tolist():
            start = int(ends[i - 1]) if i else 0
            out.append(fmt.decode_positions(blob[start : int(ends[i])]))
        return out

    def _whoosh_matches(self, q: Query) -> Postings:
        """A prefix ("upphandl*") as Whoosh scores it, segment by segment: one or two words, or
        fewer than 1024 in a segment of more than 5,000 sections, sum their BM25F × boost; other
        unions are preloaded unscored and score 1. (A word whose postings in a segment are all
        deleted is not counted there; Whoosh counts it: the only case that may differ.)"""
        if type(q) is not Prefix:
            return EMPTY
        rows = [
            row
            for row in self.data.query(
                f"SELECT idf, docnums, tfs FROM {self.data.schema}.terms"
                " WHERE field = %s AND term LIKE %s AND term <> '' ORDER BY term",
                (q.fieldname, like_prefix(q.text)),
            )
            if row[1]
        ]
        if not rows:
            return EMPTY
        # Whoosh runs the prefix per segment, on the words there (``MultiTerm.matcher``, ``Or._matcher``).
        terms = [(idf, _ids(docnums), np.frombuffer(tfs, "<f4").astype(np.float64)) for idf, docnums, tfs in rows]
        id_parts, score_parts = [], []
        bounds = self.data.segments.tolist()
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            present = []
            for idf, ids, tf in terms:
                a, b = np.searchsorted(ids, [lo, hi])
                if b > a:
                    present.append((idf, ids[a:b], tf[a:b]))
            if not present:
                continue
            if q.fieldname in SCORED_FIELDS and (
                len(present) <= 2 or (hi - lo > PRELOAD_MAX_DOCS and len(present) < PRELOAD_MIN_CLAUSES)
            ):  # one word's query, or a tree of unions summing each word's BM25F × boost
                scored = [self.data.score_arrays(q.fieldname, *term) for term in present]
                ids = np.concatenate([p.ids for p in scored])
                summed = np.bincount(ids - lo, weights=np.concatenate([p.scores for p in scored]) * q.boost)
                matched = np.unique(ids)
                id_parts.append(matched)
                score_parts.append(summed[matched - lo])
            else:  # preloaded union without a weighting: 1 wherever a word matches
                matched = np.unique(np.concatenate([ids for _, ids, _ in present]))
                id_parts.append(matched)
                score_parts.append(np.ones(len(matched)))
        if not id_parts:
            return EMPTY
        return Postings(np.concatenate(id_parts), np.concatenate(score_parts))


def like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class PostgresReader:
    """The part of a Whoosh index reader that kb's query builder, spelling and similar documents use."""

    def __init__(self, data: VersionData, schema, cache):
        self.data = data
        self.schema = schema
        self.cache = cache

    def doc_count_all(self) -> int:
        return self.data.doc_count

    def doc_frequency(self, fieldname: str, text) -> int:
        return self.data.doc_frequency(fieldname, _text(text), self.cache)

    def prefetch_frequencies(self, fieldname: str, texts) -> None:
        """Read many words' document frequencies in one round trip, without their postings."""
        self.data.frequencies(fieldname, [_text(t) for t in texts])

    def prefetch(self, texts) -> None:
        """Look up many words in one round trip before ``doc_frequency`` asks them one by one."""
        self.data.words([_text(t) for t in texts], self.cache)

    def frequency(self, fieldname: str, text) -> float:
        key = (fieldname, _text(text))
        found = self.data.frequency.get(key)
        if found is None:
            rows = self.data.query(f"SELECT freq FROM {self.data.schema}.terms WHERE field = %s AND term = %s", key)
            found = self.data.frequency[key] = rows[0][0] if rows else 0.0
        return found

    def __contains__(self, term) -> bool:
        return self.frequency(*term) > 0

    def field_length(self, fieldname: str) -> float:
        return self.data.total.get(fieldname, 0)

    def expand_prefix(self, fieldname: str, prefix) -> list[str]:
        rows = self.data.query(
            f"SELECT term, df FROM {self.data.schema}.terms WHERE field = %s AND term LIKE %s ORDER BY term LIMIT 1000",
            (fieldname, like_prefix(_text(prefix))),
        )
        for term, df in rows:
            self.data.df[(fieldname, term)] = df
        return [term for term, _ in rows]

    def corrector(self, fieldname: str) -> Corrector:
        return PostgresCorrector(self.data, fieldname)


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class PostgresCorrector(Corrector):
    """Whoosh's ``ReaderCorrector`` over the database: words of the spelling field within
    ``maxdist`` edits (``fuzzystrmatch``'s Levenshtein), sharing the first ``prefix`` letters,
    ranked by Whoosh's score."""

    def __init__(self, data: VersionData, fieldname: str):
        self.data = data
        self.fieldname = fieldname

    def _suggestions(self, text: str, maxdist: int, prefix: int):
        s = self.data.schema
        # One segment: Whoosh's automaton (Levenshtein). Several: its multi-segment reader's
        # Damerau-Levenshtein ``distance``, on the words Levenshtein puts within twice the limit.
        segmented = len(self.data.segments) > 2
        rows = self.data.query(
            f"SELECT w.term, coalesce(f.freq, 0) FROM {s}.terms w"
            f" LEFT JOIN {s}.terms f ON f.field = %s AND f.term = w.term"
            " WHERE w.field = %s AND w.term LIKE %s AND levenshtein_less_equal(w.term, %s, %s) <= %s",
            (self.fieldname, "spell_" + self.fieldname, like_prefix(text[:prefix]), text,
             2 * maxdist if segmented else maxdist, 2 * maxdist if segmented else maxdist),
        )
        for word, freq in rows:
            if segmented and distance(word, text, limit=maxdist) > maxdist:
                continue
            yield 0 - (maxdist + (1.0 / (freq or 1) * 0.5)), word


def filter_mask(data: VersionData, q: Query) -> np.ndarray:
    """Which docnums a filter (Terms of the facet fields under And/Or) matches."""
    mask = np.zeros(data.doc_count, bool)
    if type(q) is Term:
        mask[data.docnums(q.fieldname, q.text)] = True
    elif type(q) in (And, Or) and q.subqueries:
        parts = [filter_mask(data, sub) for sub in q.subqueries]
        mask = parts[0]
        for part in parts[1:]:
            mask = (mask & part) if type(q) is And else (mask | part)
    return mask


def facet_sets(data: VersionData) -> dict[str, dict[str, np.ndarray]]:
    sets: dict[str, dict[str, np.ndarray]] = {name: {} for name in FILTER_FIELDS}
    for field, term, docnums in data.query(
        f"SELECT field, term, docnums FROM {data.schema}.terms WHERE field = ANY(%s) ORDER BY field, term",
        (list(FILTER_FIELDS),),
    ):
        if term:
            sets[field][term] = _ids(docnums)
    return sets
