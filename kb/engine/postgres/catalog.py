"""A reader's view of the database: which version is current, held while it is read.

``DatabaseIndex`` reads ``kb_current`` before a request (at most every ``CHECK_INTERVAL_S``), so a
build's switch is seen within that time by every server, and opens a new version's statistics
when it changed. While a process reads a version it holds a shared advisory lock
``(READER_LOCK, version id)`` on a session of its own; a build drops a retired version only when
it can take that lock exclusively, i.e. when no reader holds it (``kb.engine.postgres.publish``).
Advisory locks live in one server's memory, so that session goes to the primary
(``target_session_attrs=read-write``) even when the reads go to a replica; a process whose URL
names only replicas cannot register and relies on the build's grace period instead
(docs/postgresql.md).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kb.engine.postgres.database import (
    CONNECT_TIMEOUT_S,
    READER_LOCK,
    DatabaseUnavailable,
    NothingPublished,
    pool,
    redact,
    schema_name,
    unavailable,
)
from kb.engine.postgres.reader import VersionData
from kb.engine.versions import IndexInfo

CHECK_INTERVAL_S = 0.5
REGISTER_RETRY_S = 30.0  # without a primary to register on, try again this often, not before every check
LOCK_WAIT_MS = 2000  # a reader waits this long for a build that is dropping the version it asked for

log = logging.getLogger("kb.engine.postgres")


@dataclass(frozen=True)
class OpenVersion:
    """One opened database version: its catalog entry and the statistics every thread shares."""

    info: IndexInfo
    data: VersionData


class ReaderRegistration:
    """The process's session on the primary that holds a shared advisory lock on the version it
    reads. Losing the session (a restart, a network cut) releases the lock; it is re-taken at the
    next check. A failure here never fails a search: the reads do not depend on it."""

    def __init__(self, url: str):
        self.url = url
        self._conn = None
        self._held: int | None = None
        self._warned = False
        self._retry_at = 0.0  # after a failed connection, requests do not wait for another one

    def hold(self, version_id: int) -> bool:
        """Hold ``version_id`` (and let go of the one held before). False when the version is gone
        (dropped by a build just before the lock was granted) or cannot be registered."""
        import psycopg

        for attempt in (1, 2):
            try:
                conn = self._connection()
                if conn is None:
                    return True  # untracked: the build's grace period protects this reader
                if self._held == version_id and attempt == 1:
                    conn.execute("SELECT 1")  # still connected, so still holding
                    return True
                conn.execute("SELECT pg_advisory_lock_shared(%s, %s)", (READER_LOCK, version_id))
                if self._held is not None and self._held != version_id:
                    conn.execute("SELECT pg_advisory_unlock_shared(%s, %s)", (READER_LOCK, self._held))
                self._held = version_id
                # Locked first, then checked: a build drops a version only while it holds the lock.
                return conn.execute("SELECT 1 FROM kb_versions WHERE id = %s", (version_id,)).fetchone() is not None
            except psycopg.Error as e:
                self.release()
                if attempt == 2:
                    log.warning("kb: cannot register as a reader of %s (%s)", redact(self.url), e)
        return True

    def _connection(self):
        import psycopg

        if self._conn is not None and not self._conn.closed:
            return self._conn
        self._held = None
        if time.monotonic() < self._retry_at:
            return None
        try:
            self._conn = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                target_session_attrs="read-write",
                options=f"-c lock_timeout={LOCK_WAIT_MS}",
                application_name="kb reader",
            )
        except psycopg.OperationalError as e:
            self._retry_at = time.monotonic() + REGISTER_RETRY_S
            if not self._warned:
                self._warned = True
                log.warning(
                    "kb: no primary reachable at %s to register this reader (%s); retired versions are "
                    "then kept only for the build's grace period",
                    redact(self.url),
                    str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__,
                )
            return None
        return self._conn

    def release(self) -> None:
        """Let go of the held version (closing the session releases its locks)."""
        conn, self._conn, self._held = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass


class DatabaseIndex:
    """The versions of one database as a reader sees them (one per URL and process is enough)."""

    def __init__(self, url: str, pool_size: int = 8, register: bool = True):
        self.url = url
        self.pool_size = pool_size
        self._lock = threading.Lock()
        self._version: OpenVersion | None = None
        self._checked = 0.0
        self.registration = ReaderRegistration(url) if register else None

    @property
    def pool(self):
        return pool(self.url, self.pool_size)

    def forget(self) -> None:
        """Read ``kb_current`` again at the next request (a version was dropped under this reader)."""
        with self._lock:
            self._version, self._checked = None, 0.0

    def close(self) -> None:
        if self.registration is not None:
            self.registration.release()

    def current(self) -> OpenVersion:
        """The current version; raises ``NothingPublished`` or a driver error (see ``call``)."""
        version = self._version
        now = time.monotonic()
        if version is not None and now - self._checked < CHECK_INTERVAL_S:
            return version
        if not self._lock.acquire(blocking=version is None):
            return version  # another thread is checking: this request goes on with the version it has
        try:
            version = self._version
            if version is not None and now - self._checked < CHECK_INTERVAL_S:
                return version
            for _ in range(3):
                row = self._current_row()
                if row is None:
                    where = redact(self.url)
                    raise NothingPublished(f"No index in the database {where}. Run `kb build --engine {where}`.")
                version_id = row[0]
                if self.registration is None or self.registration.hold(version_id):
                    break
            if version is None or version.data.version_id != version_id:
                s = schema_name(version_id)
                info = IndexInfo(row[1], row[2], row[3], row[4], Path(s), row[5])
                version = OpenVersion(info, VersionData(self.pool, s, version_id, row[6], row[7], row[8]))
                self._version = version
            self._checked = now
            return version
        finally:
            self._lock.release()

    def _current_row(self):
        with self.pool.connection() as conn:
            if not conn.execute("SELECT to_regclass('kb_current') IS NOT NULL", prepare=True).fetchone()[0]:
                return None
            return conn.execute(
                "SELECT v.id, v.name, v.built_at, v.documents, v.sections, v.fingerprint, v.doc_count, v.deleted,"
                " v.segments FROM kb_current c JOIN kb_versions v ON v.id = c.version_id",
                prepare=True,
            ).fetchone()

    def call(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)``, with the database's failures made clear: a lost or refused
        connection raises ``DatabaseUnavailable``. Retried once: a pooled connection the database
        closed (a restart) fails its first query and is dropped, and a version dropped under a
        request (a reader that was not registered) is reopened."""
        import psycopg
        from psycopg_pool import PoolTimeout

        for attempt in (1, 2):
            try:
                return fn(*args, **kwargs)
            except psycopg.errors.UndefinedTable:
                if attempt == 2:
                    raise
                self.forget()
            except PoolTimeout as e:
                raise unavailable(self.url, e) from None
            except psycopg.OperationalError as e:
                if attempt == 2:
                    raise unavailable(self.url, e) from None
                self.pool.check()  # after a restart every pooled connection is dead: replace them all
        raise AssertionError("unreachable")


__all__ = ["CHECK_INTERVAL_S", "DatabaseIndex", "DatabaseUnavailable", "NothingPublished", "OpenVersion"]
