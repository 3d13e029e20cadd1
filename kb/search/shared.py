"""Searching an index held in a shared database (the PostgreSQL engine, docs/postgresql.md).

``PostgresSearcher`` is a ``Searcher`` whose versions come from ``kb.engine``'s ``DatabaseIndex``
instead of a folder: the same query building, BM25F over arrays, snippets, facets and JSON, so
both engines answer alike. The engine keeps the storage (which version is current, its term rows,
statistics and hits); this module keeps what a search does with them. When the database cannot
be reached, every method raises ``SearchUnavailable`` (the API: 503 with ``Retry-After``); the
pool keeps reconnecting, and the next request after the database is back is answered.
"""

from __future__ import annotations

import functools
import json
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from kb.engine import DatabaseIndex, DatabaseUnavailable, NothingPublished, make_schema, read_hit
from kb.model import Document
from kb.search.builder import QueryBuilder
from kb.search.results import IndexMissing, SearchUnavailable
from kb.search.searcher import FACETS, Searcher, VersionSearcher

HIT_CACHE_BYTES = 64 * 1024 * 1024


def _database_errors(method):
    """Run ``method`` through the engine's retry, and say what failed in the search layer's terms."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return self.database.call(method, self, *args, **kwargs)
        except DatabaseUnavailable as e:
            raise SearchUnavailable(str(e), e.retry_after) from None
        except NothingPublished as e:
            raise IndexMissing(str(e)) from None

    return wrapper


class _Index:
    """What ``SimilarDocuments`` and the scorer's phrases ask of a Whoosh searcher."""

    def __init__(self, schema, reader):
        self.schema = schema
        self._reader = reader

    def reader(self):
        return self._reader


class PostgresVersionSearcher(VersionSearcher):
    """``VersionSearcher`` of one database version (``kb.engine``'s ``OpenVersion``)."""

    def __init__(self, opened, synonyms):
        self.info = opened.info
        self.version_dir = opened.info.path
        self.data = opened.data
        self.schema = make_schema()
        self._init_caches(synonyms)
        live = None
        if len(self.data.deleted):
            live = np.ones(self.data.doc_count, bool)
            live[self.data.deleted] = False
        self._live = live
        self._hits: OrderedDict[int, tuple[list, str, int]] = OrderedDict()  # docnum -> values, body, bytes
        self._hit_bytes = 0
        self._hits_lock = threading.Lock()

    def clear_caches(self) -> None:
        super().clear_caches()
        self.data.clear()

    def statute_documents(self):
        """A database version has no documents.jsonl to read statutes from: its documents."""
        return self.documents.values()

    @property
    def searcher(self):
        s = getattr(self._local, "searcher", None)
        if s is None:
            reader = self.data.reader(self.schema, self.term_cache)
            s = _Index(self.schema, reader)
            self._local.searcher = s
            self._local.builder = QueryBuilder(reader, self.synonyms)
            self._local.scorer = self.data.scorer(s, self.term_cache)
        return s

    @property
    def documents(self) -> dict[str, Document]:
        if self._documents is None:
            with self._open_lock:
                if self._documents is None:
                    docs = (Document.from_dict(json.loads(text)) for text in self.data.document_texts())
                    self._documents = {d.id: d for d in docs}
        return self._documents

    @property
    def live(self):
        return self._live

    @property
    def doc_ids(self) -> list[str]:
        if self._doc_ids is None:
            self._doc_ids = self.data.doc_ids()
        return self._doc_ids

    def docmask(self, q) -> np.ndarray:
        return self.data.filter_mask(q)

    def _sets(self) -> dict[str, dict[str, np.ndarray]]:
        if self._facet_sets is None:
            self._facet_sets = self.data.facet_sets()
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
        missing = [d for d in docnums if d not in self._hits]
        if not missing:
            return
        rows = self.data.hits(missing)
        with self._hits_lock:
            for docnum, hit in rows:
                if docnum not in self._hits:
                    self._hits[docnum] = (*read_hit(hit), len(hit))
                    self._hit_bytes += len(hit)
            while self._hit_bytes > HIT_CACHE_BYTES and len(self._hits) > len(docnums):
                _, (_, _, size) = self._hits.popitem(last=False)
                self._hit_bytes -= size

    def section_number(self, doc_id: str, anchor: str) -> int | None:
        live = self._live
        for docnum, hit in self.data.hits_of_document(doc_id):
            if (live is None or live[docnum]) and read_hit(hit)[0][1] == anchor:
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

    def __init__(
        self, url: str, site_url: str, synonyms_path: Path | None = None, pool_size: int = 8, register: bool = True
    ):
        """``register``: hold the version read on the primary (servers; a one-shot search need not)."""
        from kb.analysis import load_synonyms

        self.url = url
        self.database = DatabaseIndex(url, pool_size, register)
        self.index_root = None  # no folder: the database holds the versions
        self.pinned_version = None
        self.site_url = site_url
        self.synonyms = load_synonyms(synonyms_path)
        self._lock = threading.Lock()
        self._state: PostgresVersionSearcher | None = None

    def _current(self) -> PostgresVersionSearcher:
        opened = self.database.current()
        state = self._state
        if state is None or state.data is not opened.data:
            with self._lock:
                state = self._state
                if state is None or state.data is not opened.data:
                    state = self._state = PostgresVersionSearcher(opened, self.synonyms)
        return state

    def close(self) -> None:
        """Let go of the version this process reads (a build may then drop it once retired)."""
        self.database.close()

    def version_name(self) -> str:
        return self.info().version

    info = _database_errors(Searcher.info)
    document = _database_errors(Searcher.document)
    documents = _database_errors(Searcher.documents)
    search = _database_errors(Searcher.search)
    suggest = _database_errors(Searcher.suggest)
    more_like_this = _database_errors(Searcher.more_like_this)


def open_searcher(project, site_url: str, engine: str | None = None, register: bool = True) -> Searcher:
    """The ``Searcher`` of the project's engine (``engine``: a URL from ``kb.engine.project_engine``,
    None for the index folder). ``register``: see ``PostgresSearcher``; a command that searches
    once and exits passes False."""
    if engine is None:
        return Searcher(project.index_root, site_url)
    return PostgresSearcher(engine, site_url, register=register)


__all__ = ["PostgresSearcher", "open_searcher"]
