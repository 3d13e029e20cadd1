"""``PostgresSearcher``: ``kb.search.Searcher`` answering from the engine's database.

Before a request (at most every ``CHECK_INTERVAL_S``) it reads which version is current, so a
build's switch is seen within that time by every server; a request that started on the old
version finishes on it (a retired version stays ``RETIRE_GRACE_S``). When the database cannot be
reached, every method raises ``DatabaseUnavailable`` (the API: 503 with ``Retry-After``); the
pool keeps reconnecting, and the next request after the database is back is answered.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from kb.engine.postgres.database import DatabaseUnavailable, pool, redact, schema_name, unavailable
from kb.engine.postgres.reader import (
    PostgresReader,
    PostgresScorer,
    VersionData,
    facet_sets,
    filter_mask,
)
from kb.engine.versions import IndexInfo
from kb.model import Document
from kb.search.builder import QueryBuilder
from kb.search.results import IndexMissing
from kb.search.searcher import FACETS, Searcher, VersionSearcher

CHECK_INTERVAL_S = 0.5
HIT_CACHE_BYTES = 64 * 1024 * 1024


def _database_errors(method):
    """Turn a lost or refused connection into ``DatabaseUnavailable``. Retried once: a pooled
    connection the database closed (a restart) fails its first query and is dropped, and a
    version dropped under a request (a server that slept through the grace period) is reopened."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        import psycopg
        from psycopg_pool import PoolTimeout

        for attempt in (1, 2):
            try:
                return method(self, *args, **kwargs)
            except psycopg.errors.UndefinedTable:
                if attempt == 2:
                    raise
                self._forget()
            except PoolTimeout as e:
                raise unavailable(self.url, e) from None
            except psycopg.OperationalError as e:
                if attempt == 2:
                    raise unavailable(self.url, e) from None
                self._pool.check()  # after a restart every pooled connection is dead: replace them all
        raise AssertionError("unreachable")

    return wrapper


class _Index:
    """What ``SimilarDocuments`` and the scorer's phrases ask of a Whoosh searcher."""

    def __init__(self, schema, reader):
        self.schema = schema
        self._reader = reader

    def reader(self):
        return self._reader


class PostgresVersionSearcher(VersionSearcher):
    """``VersionSearcher`` of one database version."""

    def __init__(self, data: VersionData, info: IndexInfo, synonyms):
        from kb.engine.index import make_schema

        self.version_dir = info.path
        self.info = info
        self.data = data
        self.schema = make_schema()
        self._init_caches(synonyms)
        live = None
        if len(data.deleted):
            live = np.ones(data.doc_count, bool)
            live[data.deleted] = False
        self._live = live
        self._hits: OrderedDict[int, tuple[list, str, int]] = OrderedDict()  # docnum -> values, body, bytes
        self._hit_bytes = 0
        self._hits_lock = threading.Lock()

    def statute_documents(self):
        """A database version has no documents.jsonl to read statutes from: its documents."""
        return self.documents.values()

    @property
    def searcher(self):
        s = getattr(self._local, "searcher", None)
        if s is None:
            reader = PostgresReader(self.data, self.schema, self.term_cache)
            s = _Index(self.schema, reader)
            self._local.searcher = s
            self._local.builder = QueryBuilder(reader, self.synonyms)
            self._local.scorer = PostgresScorer(self.data, s, self.term_cache)
        return s

    @property
    def documents(self) -> dict[str, Document]:
        if self._documents is None:
            import json

            with self._open_lock:
                if self._documents is None:
                    rows = self.data.query(f"SELECT document FROM {self.data.schema}.documents ORDER BY position")
                    docs = (Document.from_dict(json.loads(text)) for (text,) in rows)
                    self._documents = {d.id: d for d in docs}
        return self._documents

    @property
    def live(self):
        return self._live

    @property
    def doc_ids(self) -> list[str]:
        if self._doc_ids is None:
            rows = self.data.query(f"SELECT doc_id FROM {self.data.schema}.sections ORDER BY docnum")
            self._doc_ids = [doc_id for (doc_id,) in rows]
        return self._doc_ids

    def docmask(self, q) -> np.ndarray:
        return filter_mask(self.data, q)

    def _sets(self) -> dict[str, dict[str, np.ndarray]]:
        if self._facet_sets is None:
            self._facet_sets = facet_sets(self.data)
        return self._facet_sets

    def filter_values(self) -> dict[str, list[str]]:
        if self._filter_values is None:
            sets = self._sets()
            self._filter_values = {name: list(sets.get(name, {})) for name in FACETS}
        return self._filter_values

    def facet_counts(self, matched: np.ndarray) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for name, values in self._sets().items():
            counts = {v: int(np.count_nonzero(matched[ids])) for v, ids in values.items()}
            out[name] = dict(sorted(((v, n) for v, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0])))
        return out

    def prefetch_hits(self, docnums: list[int]) -> None:
        """Read a page's hits not yet in memory, in one query. The hits of a version never change,
        so they are kept (``HIT_CACHE_BYTES``), as the Whoosh engine's stay in the page cache."""
        from kb.engine.index import read_hit

        missing = [d for d in docnums if d not in self._hits]
        if not missing:
            return
        sql = f"SELECT docnum, hit FROM {self.data.schema}.sections WHERE docnum = ANY(%s)"
        rows = self.data.query(sql, (missing,))
        with self._hits_lock:
            for docnum, hit in rows:
                if docnum not in self._hits:
                    self._hits[docnum] = (*read_hit(bytes(hit)), len(hit))
                    self._hit_bytes += len(hit)
            while self._hit_bytes > HIT_CACHE_BYTES and len(self._hits) > len(docnums):
                _, (_, _, size) = self._hits.popitem(last=False)
                self._hit_bytes -= size

    def section_number(self, doc_id: str, anchor: str) -> int | None:
        from kb.engine.index import read_hit

        rows = self.data.query(f"SELECT docnum, hit FROM {self.data.schema}.sections WHERE doc_id = %s", (doc_id,))
        live = self._live
        for docnum, hit in sorted(rows):
            if (live is None or live[docnum]) and read_hit(bytes(hit))[0][1] == anchor:
                return docnum
        return None

    def hit_fields(self, docnum: int) -> tuple[list, str]:
        found = self._hits.get(docnum)
        if found is None:
            self.prefetch_hits([docnum])
            found = self._hits[docnum]
        return found[0], found[1]


class PostgresSearcher(Searcher):
    """Answers queries from the database's current version; many servers can share one database."""

    def __init__(self, url: str, site_url: str, synonyms_path: Path | None = None, pool_size: int = 8):
        from kb.analysis import load_synonyms

        self.url = url
        self.index_root = None  # no folder: the database holds the versions
        self.pinned_version = None
        self.site_url = site_url
        self.synonyms = load_synonyms(synonyms_path)
        self.pool_size = pool_size
        self._lock = threading.Lock()
        self._state: PostgresVersionSearcher | None = None
        self._checked = 0.0

    @property
    def _pool(self):
        return pool(self.url, self.pool_size)

    def _forget(self) -> None:
        with self._lock:
            self._state, self._checked = None, 0.0

    def _current(self) -> PostgresVersionSearcher:
        state = self._state
        now = time.monotonic()
        if state is not None and now - self._checked < CHECK_INTERVAL_S:
            return state
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT v.id, v.name, v.built_at, v.documents, v.sections, v.fingerprint, v.doc_count, v.deleted,"
                " v.segments"
                " FROM kb_current c JOIN kb_versions v ON v.id = c.version_id",
                prepare=True,
            ).fetchone() if _has_catalog(conn) else None
        if row is None:
            where = redact(self.url)
            raise IndexMissing(f"No index in the database {where}. Run `kb build --engine {where}`.")
        version_id = row[0]
        if state is None or state.data.version_id != version_id:
            with self._lock:
                state = self._state
                if state is None or state.data.version_id != version_id:
                    s = schema_name(version_id)
                    info = IndexInfo(row[1], row[2], row[3], row[4], Path(s), row[5])
                    state = PostgresVersionSearcher(
                        VersionData(self._pool, s, version_id, row[6], row[7], row[8]), info, self.synonyms
                    )
                    self._state = state
        self._checked = now
        return state

    def version_name(self) -> str:
        return self.info().version

    info = _database_errors(Searcher.info)
    document = _database_errors(Searcher.document)
    documents = _database_errors(Searcher.documents)
    search = _database_errors(Searcher.search)
    suggest = _database_errors(Searcher.suggest)
    more_like_this = _database_errors(Searcher.more_like_this)


def _has_catalog(conn) -> bool:
    return conn.execute("SELECT to_regclass('kb_current') IS NOT NULL", prepare=True).fetchone()[0]


__all__ = ["DatabaseUnavailable", "PostgresSearcher"]
