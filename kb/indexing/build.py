"""``kb build``: sources → documents → index (→ site), reprocessing only what changed.

Ingested documents are cached per source file in ``build/documents/``, keyed by the
file's size, modification time and metadata, so a rebuild re-parses only changed files.
``build/sources.state`` (``kb.indexing.state``) records each source's stat, key and documents
(ids, content hashes), so a build that changes little stats the sources but neither parses
nor loads the unchanged ones, and the index is updated (``kb.engine.update``) instead of
rewritten; when nothing changed, ``build/index-sync.json`` says the index is up to date
without reading it. Modules a build may not need (the parsers, Whoosh, the analysis) are
imported where they are used. Only one build runs at a time (a lock file); a second one
waits or stops with a message.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.config import Project
from kb.indexing.state import SourceState, read_state, read_sync, write_state, write_sync
from kb.ingest.base import SkipSource, SourceFile
from kb.ingest.discover import Found, accepted_formats, source_file, unreadable, walk
from kb.model import dedupe_id_list, dedupe_ids  # noqa: F401 - part of the build's interface
from kb.util.atomic_files import write_atomically
from kb.util.fingerprint import code_fingerprint
from kb.util.processes import cyclic_gc_paused, ignore_sigint, process_alive

if TYPE_CHECKING:  # the index and parser modules are imported when a build needs them
    from kb.engine import IndexInfo
    from kb.model import Document

CACHE_VERSION = 1  # bump when the cache files' own format changes


def build_fingerprint() -> str:
    """What a build's caches and index version were made by: all of kb's code and the versions of
    the libraries that shape the index (``kb.util.fingerprint``). Documents parsed or indexed by
    other code are not reused but rebuilt."""
    return f"{CACHE_VERSION}-{code_fingerprint()}"


class BuildError(Exception):
    """A build that cannot start or finish; the message is meant for the user."""


class BuildLocked(BuildError):
    pass


@dataclass
class BuildReport:
    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    documents: int = 0
    sections: int = 0
    index: IndexInfo | None = None
    index_rebuilt: bool = False  # a new index version was written (fully or as an update)
    index_mode: str = ""  # "unchanged" | "incremental" | "full"
    index_changed: int = 0  # incremental: documents (re)indexed, and removed
    index_removed: int = 0
    full_build_reason: str = ""  # why an update was not possible, when it was tried
    index_seconds: float = 0.0
    seconds: float = 0.0
    site_pages: int | None = None
    site_seconds: float | None = None
    published: object | None = None  # a PostgreSQL engine's new version (kb.engine.postgres.publish.Published)
    publish_seconds: float = 0.0


Progress = Callable[[str, int, int], None]


@contextmanager
def build_lock(project: Project, wait: bool = False) -> Iterator[None]:
    project.build.mkdir(parents=True, exist_ok=True)
    with open(project.build / ".lock", "w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise BuildLocked(
                "Another `kb build` is running in this folder; wait for it to finish "
                "(or use `kb build --wait`)."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _cache_key(source: SourceFile) -> str:
    """From the walk's stat of the file (``source_file`` carries it) and its metadata: no I/O."""
    meta = json.dumps(source.meta, sort_keys=True, default=str) if source.meta else "{}"
    raw = f"{build_fingerprint()}\0{source.rel}\0{source.size}\0{source.mtime_ns}\0{meta}"
    return hashlib.sha256(raw.encode(errors="surrogatepass")).hexdigest()[:20]


def _cache_name(rel: str) -> str:
    return hashlib.sha256(rel.encode()).hexdigest()[:24] + ".json"


def document_cache_path(project: Project, rel: str) -> Path:
    return project.documents_cache / _cache_name(rel)


class SourceScan:
    """The result of looking at every source: the documents in order, and how to load them.

    Unchanged sources are known from the source state (``kb.indexing.state``: stat, cache key,
    skip reason, and per document id, content hash and section count), so a build where little
    changed reads one small file and stats the sources instead of loading every cached document.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.state = SourceState()  # this build's state (the sources that count, in order)
        self.previous = SourceState()  # the last build's
        self.changed = True  # anything differs from the previous build's state
        self.synced = False  # the index is known to match the state (``index-sync.json``)
        self.fresh: dict[str, list[Document]] = {}  # rel -> documents ingested in this build
        self.found_list: list[Found] = []
        self._found: dict[str, Found] | None = None
        self.keys: dict[str, str] = {}
        self._ids: list[str] | None = None

    @property
    def ids(self) -> list[str]:
        """Every document's final (deduplicated) id, in order."""
        if self._ids is None:
            self._ids = final_ids(self.state)
        return self._ids

    def rows(self) -> list[tuple[str, str, str]]:
        """(id, content hash, source) per document: the index manifest this build should have."""
        return list(zip(self.ids, self.state.doc_hashes, self.state.doc_sources, strict=True))

    def sections_of(self) -> dict[str, int]:
        return dict(zip(self.ids, self.state.doc_sections, strict=True))

    @property
    def found(self) -> dict[str, Found]:
        if self._found is None:
            self._found = {f.rel: f for f in self.found_list}
        return self._found

    @property
    def documents(self) -> int:
        return len(self.state.doc_ids)

    @property
    def sections(self) -> int:
        return sum(self.state.doc_sections)

    def load(self, ids: list[str]) -> dict[str, Document]:
        """The documents with these (final) ids, from this build's ingestion or the cache."""
        st = self.state
        starts = st.starts()
        number = dict(zip(self.ids, range(len(self.ids)), strict=True))
        out: dict[str, Document] = {}
        per_source: dict[str, list[Document]] = {}
        for doc_id in ids:
            k = number[doc_id]
            row = bisect_right(starts, k) - 1
            rel, position = st.rels[row], k - starts[row]
            docs = per_source.get(rel)
            if docs is None:
                docs = per_source[rel] = self._source_documents(rel)
            if position >= len(docs):
                raise BuildError(f"{rel} changed during the build; run `kb build` again.")
            doc = docs[position]
            doc.id = doc_id  # the deduplicated id; the objects belong to this build
            out[doc_id] = doc
        return out

    def load_all(self) -> list[Document]:
        docs = self.load(self.ids)
        return [docs[i] for i in self.ids]

    def _source_documents(self, rel: str) -> list[Document]:
        fresh = self.fresh.get(rel)
        if fresh is not None:
            return fresh
        cached = _read_cache(document_cache_path(self.project, rel), self.keys[rel])
        if cached is None:  # the cache file vanished or broke since the scan: parse again
            from kb.ingest import ingest

            try:
                cached = ingest(source_file(self.found[rel]))
            except SkipSource as e:
                raise BuildError(f"{rel} changed during the build ({e.reason}); run `kb build` again.") from None
        return cached


def final_ids(state: SourceState) -> list[str]:
    """The documents' ids after ``dedupe_id_list`` (usually they are unique already)."""
    if len(set(state.doc_ids)) == len(state.doc_ids):
        return state.doc_ids
    return dedupe_id_list(list(zip(state.doc_ids, state.doc_sources, strict=True)))


# A file modified just before the scan that recorded its stat may be modified again with the
# same size and modification time (filesystem timestamps are coarse), so its stat proves nothing
# and the next build compares its content ("racy", as git calls it). Sub-second timestamps move
# at least every clock tick (<= 10 ms): 50 ms covers that and a little clock skew; a whole-second
# timestamp comes from a file system with 1 or 2 s resolution.
RACY_NS = 50_000_000
COARSE_RACY_NS = 2_500_000_000


def is_racy(newest_ns: int, scanned_ns: int) -> bool:
    margin = COARSE_RACY_NS if newest_ns % 1_000_000_000 == 0 else RACY_NS
    return newest_ns >= scanned_ns - margin


def scan_sources(project: Project, report: BuildReport, progress: Progress | None = None) -> SourceScan:
    """Ingest new and changed sources (cached per file); fills ``report``.

    A source is unchanged when its size and modification time and the signature of its
    metadata files equal what the last build recorded (and it is not racy, see ``RACY_NS``);
    unchanged files, including ones skipped before (a statute with no body), are not read again:
    their outcome comes from the source state. Only a changed file's metadata is read.
    """
    scanned_ns = time.time_ns()
    found, skips = walk(project.sources, project.source_defaults())
    old = read_state(project.build)
    code = build_fingerprint()
    if old.code != code:
        old = SourceState()
    scan = SourceScan(project)
    scan.found_list = found
    keys = scan.keys
    # Per source, in order: (found, row in the old state or None, whether that row holds as it is).
    order: list[tuple[Found, int | None, bool]] = []
    stale: list[SourceFile] = []
    changed = not old.serial  # no state yet, or one made by other code (reset above)
    old_row, old_mtime, old_size, old_sigs, old_racy = old.row, old.mtime, old.size, old.meta_sigs, old.racy
    for f in found:
        rel = f.rel
        row = old_row(rel)
        if (
            row is not None
            and old_mtime[row] == f.mtime_ns
            and old_size[row] == f.size
            and old_sigs[row] == f.meta_sig
            and (row not in old_racy or _same_content(f, old, row))
        ):
            same_ctime = old.ctime[row] == f.ctime_ns
            exact = same_ctime and (row in old_racy) == is_racy(f.newest_ns, scanned_ns)
            if not same_ctime:  # permissions or owner may have changed
                problem = unreadable(f.path)
                if problem:
                    skips.append((rel, problem))
                    changed = True
                    continue
            keys[rel] = old.keys[row]
            order.append((f, row, exact))
            changed = changed or not exact
            continue
        changed = True
        source = source_file(f)
        keys[rel] = key = _cache_key(source)
        if row is not None and old.keys[row] == key and row not in old_racy:
            order.append((f, row, False))  # metadata files touched, but the metadata is the same
        else:
            order.append((f, None, False))
            stale.append(source)
    changed = changed or len(order) != len(old.rels)
    report.skipped.extend(sorted(skips))
    project.documents_cache.mkdir(parents=True, exist_ok=True)
    fresh_entries = _ingest_many(project, stale, keys, scan, progress)
    source_skips: list[tuple[str, str]] = []
    if changed:
        state = _new_state(old, order, fresh_entries, code, scanned_ns, source_skips)
        write_state(project.build, state)
        gone = _without_documents(old, state)
        if old.serial:  # the cache files of sources that have no documents any more
            _prune_cache(project, gone)
        else:  # no state to tell which: keep only the files of the sources there are
            _prune_cache(project, [], {_cache_name(rel) for rel, n in zip(state.rels, state.ndocs, strict=True) if n})
    else:
        state = old  # the common case at scale: nothing to copy, nothing to write
    scan.state, scan.previous, scan.changed = state, old, changed
    skipped_rows = state.skips
    source_skips.extend((state.rels[row], reason) for row, reason in skipped_rows.items())
    report.skipped.extend(sorted(source_skips))
    report.ingested = [rel for rel in fresh_entries if fresh_entries[rel].get("skip") is None]
    report.ingested.sort()
    fresh = fresh_entries.keys()
    report.unchanged = [rel for row, rel in enumerate(state.rels) if row not in skipped_rows and rel not in fresh]
    if changed:
        report.removed = [rel for rel in gone if state.row(rel) is None]
    return scan


def _new_state(
    old: SourceState,
    order: list[tuple[Found, int | None, bool]],
    fresh_entries: dict[str, dict],
    code: str,
    scanned_ns: int,
    source_skips: list[tuple[str, str]],
) -> SourceState:
    """This build's state: runs of rows that hold as they are copied from the old state column by
    column, the others (new stat, new documents) appended one by one."""
    state = SourceState(code=code, scanned_ns=scanned_ns)
    i, n = 0, len(order)
    while i < n:
        f, row, exact = order[i]
        if exact:
            j = i + 1
            while j < n and order[j][2] and order[j][1] == row + j - i:
                j += 1
            state.extend_from(old, row, row + j - i)
            i = j
            continue
        i += 1
        stat = (f.size, f.mtime_ns, f.ctime_ns)
        racy = is_racy(f.newest_ns, scanned_ns)
        if row is not None:
            skip = old.skips.get(row)
            state.append(f.rel, stat, old.keys[row], f.meta_sig, skip, old.docs_of(row), racy)
            continue
        entry = fresh_entries[f.rel]
        if not entry.get("cache", True):  # e.g. unreadable for now: tried again next time
            source_skips.append((f.rel, entry["skip"]))
            continue
        docs = [tuple(d) for d in entry.get("docs", [])]
        state.append(f.rel, stat, entry["key"], f.meta_sig, entry.get("skip"), docs, racy)
    return state


def _same_content(found: Found, old: SourceState, row: int) -> bool:
    """Whether a racy source still has the content its documents were made from (a source
    that was skipped has no content hash recorded: it counts as changed)."""
    from kb.ingest import source_hash

    docs = old.docs_of(row)
    if not docs:
        return False
    source = source_file(found)
    try:
        with open(found.path, "rb") as f:
            data = f.read(found.size + 1)
    except OSError:
        return False
    return source_hash(data, source.meta) == docs[0][1] and _cache_key(source) == old.keys[row]


def _without_documents(old: SourceState, state: SourceState) -> list[str]:
    """Sources that had documents in ``old`` and have none in ``state`` (removed, or skipped now)."""
    gone = []
    for rel, n in zip(old.rels, old.ndocs, strict=True):
        if n:
            row = state.row(rel)
            if row is None or not state.ndocs[row]:
                gone.append(rel)
    return gone


def _prune_cache(project: Project, gone: list[str], live: set[str] | None = None) -> None:
    """Remove the cached documents of the ``gone`` sources (or, given ``live``, of every source not
    in it) and the partial cache writes of killed builds (one listing of the folder: at scale it
    holds a file per source, so nothing is hashed per file unless ``live`` is asked for)."""
    folder = project.documents_cache
    for name in os.listdir(folder):
        if ".tmp" in name:
            pid = name.rpartition(".tmp")[2]
            if pid.isdigit() and not process_alive(int(pid)):
                (folder / name).unlink(missing_ok=True)
        elif live is not None and name.endswith(".json") and name not in live:
            (folder / name).unlink(missing_ok=True)
    for rel in gone:
        document_cache_path(project, rel).unlink(missing_ok=True)


PARALLEL_INGEST_MIN = 200  # sources to parse before worker processes pay off


def _ingest_many(
    project: Project, sources: list[SourceFile], keys: dict[str, str], scan: SourceScan, progress: Progress | None
) -> dict[str, dict]:
    """Parse new and changed sources (in worker processes when there are many); rel -> state entry.

    Workers write each source's document cache and return only its state entry, so the
    documents are read back from the cache when (and if) the index needs them.
    """
    entries: dict[str, dict] = {}
    if not sources:
        return entries
    procs = min(os.cpu_count() or 1, 4)
    if len(sources) < PARALLEL_INGEST_MIN or procs < 2:
        for i, source in enumerate(sources):
            entries[source.rel] = _ingest_source(project, source, keys[source.rel], scan)
            if progress:
                progress("ingest", i + 1, len(sources))
        return entries
    import multiprocessing

    jobs = [(project, source, keys[source.rel]) for source in sources]
    with multiprocessing.get_context("fork").Pool(procs, initializer=ignore_sigint) as pool:
        for i, (rel, entry) in enumerate(pool.imap(_ingest_job, jobs, chunksize=16)):
            entries[rel] = entry
            if progress:
                progress("ingest", i + 1, len(sources))
    return entries


def _ingest_job(job: tuple[Project, SourceFile, str]) -> tuple[str, dict]:
    project, source, key = job
    return source.rel, _ingest_source(project, source, key, None)


def _ingest_source(project: Project, source: SourceFile, key: str, scan: SourceScan | None) -> dict:
    """Parse one source, cache its documents; returns its state entry."""
    from kb.ingest import ingest

    cache_file = document_cache_path(project, source.rel)
    try:
        docs = ingest(source)
    except SkipSource as e:
        cache_file.unlink(missing_ok=True)
        # A read failure may be passing (permissions fixed without a new mtime): try again next time.
        return {"key": key, "skip": e.reason, "cache": not e.reason.startswith("unreadable")}
    except Exception as e:  # noqa: BLE001 - a bad file must never abort the build
        cache_file.unlink(missing_ok=True)
        return {"key": key, "skip": f"could not be parsed ({type(e).__name__}: {e})"[:200]}
    _write_cache(cache_file, key, docs)
    if scan is not None:
        scan.fresh[source.rel] = docs
    return {"key": key, "skip": None, "docs": [[d.id, d.content_hash, d.source, len(d.sections)] for d in docs]}


def ingest_all(project: Project, report: BuildReport, progress: Progress | None = None) -> list[Document]:
    """Every document of ``sources/`` (changed files parsed, the rest from the cache), ids deduplicated."""
    return scan_sources(project, report, progress).load_all()


def _read_cache(path: Path, key: str) -> list[Document] | None:
    from kb.model import Document

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("key") != key:
        return None
    return [Document.from_dict(d) for d in data["documents"]]


def cached_documents(project: Project, source: SourceFile) -> list[Document] | None:
    """The last build's documents of ``source`` if they still hold (same file, metadata and code),
    else None: for readers such as ``kb sources`` that should not parse every PDF again."""
    return _read_cache(document_cache_path(project, source.rel), _cache_key(source))


def _write_cache(path: Path, key: str, docs: list[Document]) -> None:
    write_atomically(path, json.dumps({"key": key, "documents": [d.to_dict() for d in docs]}, ensure_ascii=False))


def build(
    project: Project,
    progress: Progress | None = None,
    site: bool = True,
    wait: bool = False,
    full: bool = False,
    engine: str | None = None,
) -> BuildReport:
    """Ingest changed sources, bring the index up to date, then build the site.

    The index is left as it is when no document changed, updated in place of a new
    version (``kb.engine.update``) when a few did, and written from scratch otherwise
    (or with ``full=True``, or when the analysis, index or ingestion code changed). Runs with
    the cyclic garbage collector paused (``kb.util.processes.cyclic_gc_paused``): the state of a
    large folder is many objects and no cycles, and its collections took ~10% of a build that
    found nothing changed in 52,715 sources.

    ``engine``: a PostgreSQL URL (``kb.engine.postgres``): the version is then also published to
    that database and made current there, unless the database's current version is this one.
    """
    started = time.perf_counter()
    report = BuildReport()
    with build_lock(project, wait=wait), cyclic_gc_paused():
        scan = scan_sources(project, report, progress)
        report.documents = scan.documents
        report.sections = scan.sections
        if not report.documents:
            raise BuildError(
                f"No documents to index: looked in {project.sources} (and its subfolders) for "
                f"{accepted_formats()} files and found none. Put documents there or add one with "
                f"`kb ingest FILE --root {project.root}`, then build again."
            )
        index_started = time.perf_counter()
        documents = _bring_index_up_to_date(project, scan, report, progress, switch=not site, full=full)
        report.index_seconds = time.perf_counter() - index_started
        if site:
            from kb.engine import load_documents, switch_current
            from kb.site import build_site  # the site stage is optional for tests of the core

            if documents is None:
                documents = load_documents(report.index.path)
            site_started = time.perf_counter()
            report.site_pages = build_site(project, documents, progress=progress, index_dir=report.index.path)
            report.site_seconds = time.perf_counter() - site_started
            if report.index_rebuilt:
                # Site first, then the index: a build killed before this line leaves both old.
                switch_current(project.index_root, report.index.path)
        if not scan.synced:  # ``current`` is this build's index now: remember it matches the state
            write_sync(project.build, scan.state.serial, report.index.version, build_fingerprint())
        if engine:
            _publish(engine, report)
    report.seconds = time.perf_counter() - started
    return report


def _publish(url: str, report: BuildReport) -> None:
    """Publish the (now current) local version to the database, unless it is current there."""
    import psycopg

    from kb.engine import DatabaseUnavailable, PublishLocked, publish_version, published_version

    started = time.perf_counter()
    again = "The local index is built; run `kb build` again to publish it."
    try:
        live = published_version(url)
        if live is None or (live[1], live[2]) != (report.index.version, report.index.fingerprint):
            report.published = publish_version(url, report.index.path)
    except (DatabaseUnavailable, PublishLocked) as e:
        raise BuildError(f"{e} {again}") from None
    except psycopg.Error as e:  # e.g. no right to create schemas or the fuzzystrmatch extension
        raise BuildError(f"The database refused to publish: {str(e).strip()} {again}") from None
    report.publish_seconds = time.perf_counter() - started


def _synced(project: Project, state: SourceState, info: IndexInfo) -> bool:
    """Whether the build that wrote ``state`` recorded (``index-sync.json``) that the index version
    ``info`` holds exactly its documents: then the state stands in for the index's manifest."""
    sync = read_sync(project.build)
    return (
        bool(state.serial)
        and sync.get("serial") == state.serial
        and sync.get("version") == info.version
        and sync.get("fingerprint") == info.fingerprint
        and len(state.doc_ids) == info.documents
    )


def _bring_index_up_to_date(
    project: Project, scan: SourceScan, report: BuildReport, progress: Progress | None, switch: bool, full: bool
) -> list[Document] | None:
    """Leave, update or rebuild the index; returns the documents when it had to load them all."""
    from kb.engine import current_version_dir, read_info

    fingerprint = build_fingerprint()
    current = None if full else current_version_dir(project.index_root)
    info = None
    if current is not None:
        try:
            info = read_info(current)
        except (OSError, ValueError, KeyError):
            info = None
    synced = info is not None and info.fingerprint == fingerprint and _synced(project, scan.previous, info)
    if synced and not scan.changed:  # nothing changed since the build that made ``current``
        report.index = info
        report.index_mode = "unchanged"
        scan.synced = True
        return None
    from kb.engine import FullBuildNeeded, plan_update, read_manifest, update_index, write_index

    rows = scan.rows()
    old_rows = None
    if info is not None and info.fingerprint == fingerprint:
        if synced:
            previous = scan.previous
            old_rows = list(zip(final_ids(previous), previous.doc_hashes, previous.doc_sources, strict=True))
        else:
            old_rows = read_manifest(current)
        if old_rows is not None and list(map(tuple, old_rows)) == rows:
            report.index = info
            report.index_mode = "unchanged"
            return None
    if old_rows is not None:
        plan = plan_update(old_rows, rows)
        try:
            if progress:
                progress("update", 0, len(plan.changed) + len(plan.removed))
            report.index = update_index(
                current,
                rows,
                plan,
                load=scan.load,
                fingerprint=fingerprint,
                switch=switch,
                sections_of=scan.sections_of(),
                old_rows=old_rows,
            )
            if progress:
                progress("update", len(plan.changed) + len(plan.removed), len(plan.changed) + len(plan.removed))
            report.index_rebuilt = True
            report.index_mode = "incremental"
            report.index_changed, report.index_removed = len(plan.changed), len(plan.removed)
            return None
        except FullBuildNeeded as why:
            report.full_build_reason = str(why)
    report.index_rebuilt = True
    report.index_mode = "full"
    if scan.sections >= STREAM_MIN_SECTIONS:
        if progress:
            progress("index", 0, scan.documents)
        report.index = _stream_from_cache(project, scan, fingerprint, switch)
        if progress:
            progress("index", scan.documents, scan.documents)
        return None
    documents = scan.load_all()
    total = len(documents)
    if progress:
        progress("index", 0, total)
    report.index = write_index(documents, project.index_root, switch=switch, fingerprint=fingerprint)
    if progress:
        progress("index", total, total)
    return documents


STREAM_MIN_SECTIONS = 4_000  # below this, one in-process segment is faster than worker processes


def _stream_from_cache(project: Project, scan: SourceScan, fingerprint: str, switch: bool) -> IndexInfo:
    """A full rebuild of a large knowledge base: worker processes read the per-source document
    cache (every indexed source has one by now) and write the segments, so this process never
    holds all the documents."""
    from kb.engine import write_index_streaming

    st, ids = scan.state, scan.ids
    starts = st.starts()
    units = [
        (str(document_cache_path(project, rel)), scan.keys[rel], ids[starts[row] : starts[row + 1]])
        for row, rel in enumerate(st.rels)
        if st.ndocs[row]
    ]
    sizes = [_file_size(unit[0]) for unit in units]
    return write_index_streaming(
        units, _documents_of_unit, project.index_root, sizes=sizes, fingerprint=fingerprint, switch=switch
    )


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 1


def _documents_of_unit(unit: tuple[str, str, list[str]]) -> list[Document]:
    """One source's documents from its cache file, with the build's (deduplicated) ids."""
    path, key, ids = unit
    docs = _read_cache(Path(path), key)
    if docs is None or len(docs) != len(ids):
        raise BuildError(f"The document cache changed during the build ({path}); run `kb build` again.")
    for doc, final_id in zip(docs, ids, strict=True):
        doc.id = final_id
    return docs
