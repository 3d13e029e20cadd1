"""Connecting to the engine's database: URLs, the pool, the catalog of versions, clear errors.

Each version lives in a schema of its own (``kb_v<id>``): publishing fills a new one, switching
is one UPDATE of ``kb_current``, and removing a version is one ``DROP SCHEMA`` (no row-by-row
DELETE, so no bloat to vacuum after every build).
"""

from __future__ import annotations

import os
import threading

ENGINE_VARIABLE = "KB_ENGINE"
CONNECT_TIMEOUT_S = 3  # a server answers 503 quickly instead of queueing requests behind a dead database
POOL_WAIT_S = 5.0
RETRY_AFTER_S = 5


class DatabaseUnavailable(RuntimeError):
    """The engine's database cannot be reached (or dropped the connection); try again shortly.
    The search layer turns it into its own ``SearchUnavailable`` (the API: 503 with ``Retry-After``)."""

    retry_after = RETRY_AFTER_S


class NothingPublished(RuntimeError):
    """The database holds no live version yet (no build has published to it)."""


def is_postgres_url(value: str | None) -> bool:
    return bool(value) and value.split("://", 1)[0] in ("postgresql", "postgres")


def engine_url(option: str | None = None, configured: str | None = None) -> str | None:
    """The engine to use: ``--engine``, else ``KB_ENGINE``, else the project's ``engine`` setting;
    None (or ``whoosh``) means the embedded Whoosh index. Raises ``ValueError`` for anything else."""
    value = option or os.environ.get(ENGINE_VARIABLE) or configured
    if not value or value == "whoosh":
        return None
    if is_postgres_url(value):
        return value
    raise ValueError(
        f"Unknown engine {value!r}: use 'whoosh' (the default) or a PostgreSQL URL such as "
        "postgresql://kb@db.example.se:5432/kb"
    )


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    head, sep, rest = url.partition("://")
    if "@" in rest:
        userinfo, _, host = rest.rpartition("@")
        rest = userinfo.split(":", 1)[0] + ":***@" + host if ":" in userinfo else rest
    return head + sep + rest


def unavailable(url: str, error: BaseException) -> DatabaseUnavailable:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return DatabaseUnavailable(f"The search database {redact(url)} is unreachable ({detail}).")


def connect(url: str, autocommit: bool = True):
    """One connection (the build); raises ``DatabaseUnavailable`` when the server cannot be reached."""
    import psycopg

    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as e:
        raise unavailable(url, e) from None


_pools: dict[str, object] = {}
_pools_lock = threading.Lock()


def pool(url: str, max_size: int = 8):
    """The process's connection pool to ``url`` (one per URL). Connections are not checked before
    use (a round trip per query); a broken one is dropped when returned, and the searcher retries
    a request that met one (``DatabaseIndex.call``)."""
    from psycopg_pool import ConnectionPool

    with _pools_lock:
        found = _pools.get(url)
        if found is None:
            found = ConnectionPool(
                url,
                min_size=1,
                max_size=max_size,
                kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
                timeout=POOL_WAIT_S,
                reconnect_timeout=0,  # keep trying in the background for as long as it takes
                open=False,
                name="kb",
            )
            found.open(wait=False)
            _pools[url] = found
        return found


def close_pools() -> None:
    """Close every pool this process opened (tests that drop a database first let go of it)."""
    with _pools_lock:
        for found in _pools.values():
            found.close()
        _pools.clear()


CATALOG = """
CREATE TABLE IF NOT EXISTS kb_versions (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    state text NOT NULL CHECK (state IN ('building', 'ready', 'live', 'retired')),
    built_at text NOT NULL,
    documents integer NOT NULL DEFAULT 0,
    sections integer NOT NULL DEFAULT 0,
    fingerprint text NOT NULL DEFAULT '',
    doc_count integer NOT NULL DEFAULT 0,
    deleted bytea NOT NULL DEFAULT '',
    retired_at timestamptz
);
ALTER TABLE kb_versions ADD COLUMN IF NOT EXISTS segments bytea NOT NULL DEFAULT '';
CREATE TABLE IF NOT EXISTS kb_current (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    version_id bigint NOT NULL REFERENCES kb_versions (id)
);
"""
CATALOG_LOCK = 72_270_001  # advisory lock: one catalog creation at a time
BUILD_LOCK = 72_270_002  # advisory lock held by the build that publishes
READER_LOCK = 72_270_003  # advisory lock (READER_LOCK, version id): held shared by each process reading the version


def ensure_catalog(conn) -> None:
    """Create the catalog tables and the ``fuzzystrmatch`` extension ("did you mean") if missing."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (CATALOG_LOCK,))
        conn.execute(CATALOG)
        conn.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")


def schema_name(version_id: int) -> str:
    return f"kb_v{int(version_id)}"
