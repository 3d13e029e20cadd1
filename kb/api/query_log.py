"""The searches the API answered, aggregated for editors (``kb report``): query text and counts only.

Nothing about who searched is kept: no address, time, session or user agent; only how often
each (normalised) query was asked and how often it found nothing. Several API worker
processes share one SQLite file (``build/queries.sqlite``): each counts in memory and adds its
counts with one upsert transaction every few seconds and at shutdown, so a search never waits
for the disk. Turn it off with ``query_log: false`` in ``kb.yml`` (or ``KB_QUERY_LOG=0``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200
FLUSH_SECONDS = 5.0
SCHEMA = """CREATE TABLE IF NOT EXISTS searches (
    query TEXT PRIMARY KEY,
    searches INTEGER NOT NULL,
    no_hits INTEGER NOT NULL
)"""
UPSERT = """INSERT INTO searches (query, searches, no_hits) VALUES (?, ?, ?)
ON CONFLICT(query) DO UPDATE SET searches = searches + excluded.searches, no_hits = no_hits + excluded.no_hits"""


def normalise(query: str) -> str:
    """One spelling per query as people would count it: spaces collapsed, lower case, bounded."""
    text = " ".join(query.split()).lower()
    return "".join(ch for ch in text if ch.isprintable())[:MAX_QUERY_CHARS]


def search_filters(tags=(), publisher: str | None = None, type: str | None = None) -> tuple[str, ...]:
    """A search's filters as the log shows them ("type=broschyr"), in one order."""
    return (
        tuple(f"tag={t}" for t in sorted(tags))
        + ((f"publisher={publisher}",) if publisher else ())
        + ((f"type={type}",) if type else ())
    )


def log_key(query: str, filters: tuple[str, ...] = ()) -> str:
    """What one search is counted as: its normalised query, and its filters in brackets, so a
    filtered search that found nothing is never read as the bare query finding nothing."""
    text = normalise(query)
    if not text or not filters:
        return text
    return f"{text} [{', '.join(' '.join(f.split()) for f in filters)}]"[: MAX_QUERY_CHARS + 100]


@dataclass(frozen=True)
class QueryCount:
    query: str
    searches: int
    no_hits: int


class QueryLog:
    """Counts searches in memory and adds them to the shared file (``flush``) now and then."""

    def __init__(self, path: Path, flush_seconds: float = FLUSH_SECONDS):
        self.path = Path(path)
        self.flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._searches: Counter[str] = Counter()
        self._no_hits: Counter[str] = Counter()
        self._last_flush = time.monotonic()
        self._warned = False

    def record(self, query: str, found: bool, filters: tuple[str, ...] = ()) -> None:
        text = log_key(query, filters)
        if not text:
            return
        with self._lock:
            self._searches[text] += 1
            if not found:
                self._no_hits[text] += 1
            due = time.monotonic() - self._last_flush >= self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            rows = [(q, n, self._no_hits.get(q, 0)) for q, n in self._searches.items()]
            self._searches.clear()
            self._no_hits.clear()
            self._last_flush = time.monotonic()
        if not rows:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _connect(self.path) as db:
                db.executemany(UPSERT, rows)
            db.close()
        except (OSError, sqlite3.Error) as e:
            if not self._warned:  # once: a read-only server must not fill its log
                log.warning("query log %s cannot be written (%s); searches are not counted", self.path, e)
                self._warned = True


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=10)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(SCHEMA)
    return db


def read_counts(path: Path) -> list[QueryCount]:
    """Every query counted so far, most searched first ([] when nothing was logged)."""
    if not Path(path).is_file():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT query, searches, no_hits FROM searches ORDER BY searches DESC, query").fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        db.close()
    return [QueryCount(*row) for row in rows]
