"""Publishing a built index version into the engine's database, switching to it, removing old ones.

The rows are read from the Whoosh version the build just wrote, so both engines hold the same
analysed terms (kb's lemmas, compound parts, folded forms), the same document numbers, the same
statistics (document frequencies, quantised field lengths, average lengths) and therefore score
bit for bit alike. Postings are stored as little-endian arrays in ``bytea`` (one row per field
and term): a search reads a term with one index lookup and turns it into an array without
parsing.

Safety: a version is filled in one transaction, so a killed build leaves nothing behind (and the
live version untouched); switching is one transaction; a retired version is dropped only by a
build (the one holding ``BUILD_LOCK``), only when no reader holds it (each reading process holds a
shared advisory lock on its version, ``kb.engine.postgres.catalog``), and not before it has been
retired for ``RETIRE_GRACE_S`` (for readers that cannot register: a URL naming only replicas).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.engine.postgres.database import BUILD_LOCK, READER_LOCK, connect, ensure_catalog, schema_name

RETIRE_GRACE_S = 60.0
SCORED_FIELDS = ("title", "heading", "body", "theme")  # BM25F fields, with positions for phrases
FILTER_FIELDS = ("tags", "publisher", "type")  # facets and filters: which sections carry a value
SPELLING_FIELDS = ("spell_body",)  # "did you mean" candidates: the words, no postings

VERSION_TABLES = """
CREATE TABLE {s}.terms (
    field text NOT NULL,
    term text COLLATE "C" NOT NULL,
    df integer NOT NULL,
    freq double precision NOT NULL,
    idf double precision NOT NULL,
    docnums bytea,
    tfs bytea,
    positions bytea,
    position_ends bytea
);
CREATE TABLE {s}.fields (
    field text PRIMARY KEY,
    scorable boolean NOT NULL,
    total_length double precision NOT NULL,
    average_length double precision NOT NULL,
    lengths bytea NOT NULL
);
CREATE TABLE {s}.sections (docnum integer NOT NULL, doc_id text NOT NULL, hit bytea NOT NULL);
CREATE TABLE {s}.documents (position integer NOT NULL, document text NOT NULL);
"""
VERSION_INDEXES = """
ALTER TABLE {s}.terms ADD PRIMARY KEY (field, term);
ALTER TABLE {s}.sections ADD PRIMARY KEY (docnum);
ALTER TABLE {s}.documents ADD PRIMARY KEY (position);
"""


class PublishLocked(RuntimeError):
    """Another build is publishing to the same database."""


@dataclass
class Published:
    version_id: int
    name: str
    terms: int
    sections: int
    seconds: float = 0.0


def publish_version(url: str, version_dir: Path, grace_s: float = RETIRE_GRACE_S, switch: bool = True) -> Published:
    """Copy the Whoosh version in ``version_dir`` into a new database version; make it current
    (``switch``) and remove versions retired more than ``grace_s`` seconds ago that no reader holds."""
    import time

    started = time.perf_counter()
    conn = connect(url)
    try:
        ensure_catalog(conn)
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (BUILD_LOCK,)).fetchone()[0]:
            raise PublishLocked(f"Another build is publishing to {url.split('@')[-1]}; try again when it is done.")
        try:
            drop_unfinished(conn)
            published = _copy_version(conn, version_dir)
            if switch:
                switch_to(conn, published.version_id)
                prune(conn, grace_s)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (BUILD_LOCK,))
    finally:
        conn.close()
    published.seconds = time.perf_counter() - started
    return published


def _copy_version(conn, version_dir: Path) -> Published:
    from kb.engine.index import open_index
    from kb.engine.scoring import bm25f
    from kb.engine.versions import read_info

    info = read_info(version_dir)
    searcher = open_index(version_dir).searcher(weighting=bm25f())
    try:
        reader = searcher.reader()
        doc_count = searcher.doc_count_all()
        deleted = np.array(
            [d for d in range(doc_count) if reader.is_deleted(d)] if reader.has_deletions() else [], "<i4"
        )
        segments = np.array([offset for _, offset in reader.leaf_readers()] + [doc_count], "<i4")
        with conn.transaction():
            version_id = conn.execute(
                "INSERT INTO kb_versions (name, state, built_at, documents, sections, fingerprint, doc_count, deleted)"
                " VALUES (%s, 'building', %s, %s, %s, %s, %s, %s) RETURNING id",
                (info.version, info.built_at, info.documents, info.sections, info.fingerprint, doc_count,
                 deleted.tobytes()),
            ).fetchone()[0]
            s = schema_name(version_id)
            conn.execute(f"CREATE SCHEMA {s}")
            conn.execute(VERSION_TABLES.format(s=s))
            _copy_fields(conn, s, searcher)
            terms = _copy_terms(conn, s, reader, doc_count)
            _copy_sections(conn, s, searcher)
            _copy_documents(conn, s, version_dir)
            conn.execute(VERSION_INDEXES.format(s=s))
            conn.execute(f"ANALYZE {s}.terms")
            conn.execute(
                "UPDATE kb_versions SET state = 'ready', segments = %s WHERE id = %s", (segments.tobytes(), version_id)
            )
    finally:
        searcher.close()
    return Published(version_id, info.version, terms, info.sections)


def _copy_fields(conn, s: str, searcher) -> None:
    from kb.engine.scoring import _LENGTH_OF_BYTE, _length_bytes

    leaves = list(searcher.leaf_searchers())
    with conn.cursor().copy(
        f"COPY {s}.fields (field, scorable, total_length, average_length, lengths) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["text", "bool", "float8", "float8", "bytea"])
        for field in SCORED_FIELDS:
            # Whoosh scores with the length each section's byte encodes, so the same is stored.
            parts = [_LENGTH_OF_BYTE[_length_bytes(sub.reader(), field)] for sub, _ in leaves]
            lengths = np.concatenate(parts) if parts else np.empty(0)
            average = searcher.avg_field_length(field) or 0.0
            copy.write_row((field, True, float(searcher.field_length(field)), average, lengths.astype("<f8").tobytes()))


def _copy_terms(conn, s: str, reader, doc_count: int) -> int:
    count = 0
    with conn.cursor().copy(
        f"COPY {s}.terms (field, term, df, freq, idf, docnums, tfs, positions, position_ends)"
        " FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["text", "text", "int4", "float8", "float8", "bytea", "bytea", "bytea", "bytea"])
        for field in SCORED_FIELDS + FILTER_FIELDS + SPELLING_FIELDS:
            for term, df, freq, postings in _field_terms(reader, field):
                idf = math.log(doc_count / (df + 1)) + 1  # whoosh.scoring.BM25F.idf
                if postings is None:
                    copy.write_row((field, term, df, freq, idf, None, None, None, None))
                else:
                    ids, tfs, positions, ends = postings
                    copy.write_row((field, term, df, freq, idf, ids, tfs, positions, ends))
                count += 1
    return count


def _field_terms(reader, field: str):
    """(term, document frequency, frequency, (docnums, weights, positions, position ends) or None)
    of every term of ``field``, summed over the segments as Whoosh's multi-segment reader does."""
    from kb.engine.index import term_text

    terms: dict[bytes, list] = {}
    with_postings = field not in SPELLING_FIELDS
    with_positions = field in SCORED_FIELDS
    for leaf, offset in reader.leaf_readers():
        if field not in leaf.schema:
            continue
        postings = _postings_of(leaf, field)
        for btext, info in leaf.iter_field(field):
            entry = terms.get(btext)
            if entry is None:
                entry = terms[btext] = [0, 0.0, []]
            entry[0] += info.doc_frequency()
            entry[1] += info.weight()
            if with_postings:
                entry[2].append(_read_postings(postings(btext, info), offset, with_positions))
    for btext in sorted(terms):
        df, freq, parts = terms.pop(btext)
        postings = None
        if with_postings:
            ids = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
            tfs = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.float32)
            positions = b"".join(p[2] for p in parts) if with_positions else None
            ends = None
            if with_positions:
                lengths = np.concatenate([p[3] for p in parts]) if parts else np.empty(0, np.int64)
                ends = np.cumsum(lengths).astype("<i4").tobytes()
            postings = (ids.astype("<i4").tobytes(), tfs.astype("<f4").tobytes(), positions, ends)
        yield term_text(btext), df, freq, postings


def _postings_of(leaf, field: str):
    """``(term, its term info) -> postings matcher`` of one segment. Why: ``leaf.postings`` looks
    the term up again in the term index, which was half of the publishing time; the term info
    from ``iter_field`` says where the postings are. A segment with deletions goes through
    ``leaf.postings``, which skips the deleted sections."""
    terms = getattr(leaf, "_terms", None)
    codec = getattr(terms, "_codec", None)
    if codec is None or not hasattr(terms, "_postfile") or leaf.has_deletions():
        return lambda btext, info: leaf.postings(field, btext)
    format_ = leaf.schema[field].format
    return lambda btext, info: codec.postings_reader(terms._postfile, info, format_, term=(field, btext))


def _read_postings(m, offset: int, with_positions: bool):
    """(index-wide docnums, weights as float32, encoded positions joined, their lengths) of one
    segment's postings of a term; deleted sections are skipped, as Whoosh's postings skip them."""
    from kb.engine.scoring import _blockwise

    if _blockwise(m):
        id_blocks, weight_blocks, values = [], [], []
        while m.is_active():
            m._read_data()
            count = m._blocklength
            id_blocks.append(np.cumsum(np.asarray(m._data[0], dtype=np.int64)))
            weights = m._data[1]
            if weights is None:
                weight_blocks.append(np.ones(count, np.float32))
            elif isinstance(weights, float):
                weight_blocks.append(np.full(count, weights, np.float32))
            else:
                weight_blocks.append(np.asarray(weights, dtype=np.float32))
            if with_positions:
                m._read_values()
                values.extend(m._values)
            m._next_block()
        ids = np.concatenate(id_blocks) if id_blocks else np.empty(0, np.int64)
        tfs = np.concatenate(weight_blocks) if weight_blocks else np.empty(0, np.float32)
    else:
        id_list, weight_list, values = [], [], []
        while m.is_active():
            id_list.append(m.id())
            weight_list.append(m.weight())
            if with_positions:
                values.append(m.value())
            m.next()
        ids, tfs = np.array(id_list, np.int64), np.array(weight_list, np.float32)
    if not with_positions:
        return ids + offset, tfs, b"", None
    return ids + offset, tfs, b"".join(values), np.array([len(v) for v in values], np.int64)


def _copy_sections(conn, s: str, searcher) -> None:
    from kb.engine.columns import MappedColumn
    from kb.engine.index import HIT_FIELD, docnum_doc_ids

    reader = searcher.reader()
    doc_ids = docnum_doc_ids(reader)
    with conn.cursor().copy(f"COPY {s}.sections (docnum, doc_id, hit) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text", "bytea"])
        for leaf, offset in reader.leaf_readers():
            column = MappedColumn(leaf.column_reader(HIT_FIELD, translate=False))
            for local in range(leaf.doc_count_all()):
                copy.write_row((offset + local, doc_ids[offset + local], bytes(column[local])))


def _copy_documents(conn, s: str, version_dir: Path) -> None:
    with conn.cursor().copy(f"COPY {s}.documents (position, document) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text"])
        with open(version_dir / "documents.jsonl", encoding="utf-8") as f:
            for position, line in enumerate(line for line in f if line.strip()):
                copy.write_row((position, line.rstrip("\n")))


def switch_to(conn, version_id: int) -> None:
    """Make ``version_id`` the live version, in one transaction (servers see the old or the new)."""
    with conn.transaction():
        conn.execute("UPDATE kb_versions SET state = 'retired', retired_at = now() WHERE state = 'live'")
        conn.execute("UPDATE kb_versions SET state = 'live', retired_at = NULL WHERE id = %s", (version_id,))
        conn.execute(
            "INSERT INTO kb_current (one, version_id) VALUES (true, %s)"
            " ON CONFLICT (one) DO UPDATE SET version_id = EXCLUDED.version_id",
            (version_id,),
        )


def drop_unfinished(conn) -> list[int]:
    """Versions a killed build left unfinished or unswitched (only called while holding ``BUILD_LOCK``)."""
    ids = [r[0] for r in conn.execute("SELECT id FROM kb_versions WHERE state IN ('building', 'ready')").fetchall()]
    for version_id in ids:
        _drop(conn, version_id)
    return ids


def prune(conn, grace_s: float = RETIRE_GRACE_S) -> list[int]:
    """Drop versions retired more than ``grace_s`` seconds ago that no reader holds; one still held
    (a server reading it) is left for a later build."""
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM kb_versions WHERE state = 'retired'"
            " AND coalesce(retired_at, '-infinity') < now() - make_interval(secs => %s)"
            " AND id <> (SELECT version_id FROM kb_current)",
            (grace_s,),
        ).fetchall()
    ]
    return [version_id for version_id in ids if _drop(conn, version_id)]


def _drop(conn, version_id: int) -> bool:
    """Drop a version unless a reader holds it. Its reader lock is held exclusively meanwhile, so
    a reader opening it waits, then finds it gone and opens the current one."""
    import psycopg

    if not conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (READER_LOCK, version_id)).fetchone()[0]:
        return False
    try:
        with conn.transaction():
            conn.execute("SET LOCAL lock_timeout = '5s'")
            conn.execute(f"DROP SCHEMA IF EXISTS {schema_name(version_id)} CASCADE")
            conn.execute("DELETE FROM kb_versions WHERE id = %s", (version_id,))
        return True
    except psycopg.errors.LockNotAvailable:
        return False
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", (READER_LOCK, version_id))


def published_version(url: str) -> tuple[int, str, str] | None:
    """(id, name, fingerprint) of the database's live version, or None when nothing is published."""
    conn = connect(url)
    try:
        ensure_catalog(conn)
        row = conn.execute(
            "SELECT v.id, v.name, v.fingerprint FROM kb_current c JOIN kb_versions v ON v.id = c.version_id"
        ).fetchone()
        return tuple(row) if row else None
    finally:
        conn.close()
