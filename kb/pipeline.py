"""``kb build``: sources → documents → index (→ site), reprocessing only what changed.

Ingested documents are cached per source file in ``build/documents/``, keyed by the
file's size, modification time and metadata, so a rebuild re-parses only changed files.
``build/sources.json`` records each source's key and documents (ids, content hashes), so
a build that changes little neither parses nor loads the unchanged ones, and the index is
updated (``kb.index_update``) instead of rewritten. Only one build runs at a time (a lock
file); a second one waits or stops with a message.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from kb.config import Project
from kb.index import (
    IndexInfo,
    current_version_dir,
    load_documents,
    read_info,
    read_manifest,
    switch_current,
    write_index,
)
from kb.index_update import FullBuildNeeded, Row, plan_update, update_index
from kb.ingest import SkipSource, SourceFile, discover, ingest
from kb.model import Document
from kb.processes import process_alive

CACHE_VERSION = 1


def _hash_code(*modules) -> str:
    h = hashlib.sha256(str(CACHE_VERSION).encode())
    for module in modules:
        path = Path(module.__file__)
        files = sorted(path.parent.glob("*.py")) if path.name == "__init__.py" else [path]
        for f in files:
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


_FINGERPRINTS: dict[str, str] = {}


def code_fingerprint() -> str:
    """Hash of the ingestion code and model: a parser change invalidates cached documents."""
    import kb.ingest
    import kb.model

    if "ingest" not in _FINGERPRINTS:
        _FINGERPRINTS["ingest"] = _hash_code(kb.ingest, kb.model)
    return _FINGERPRINTS["ingest"]


def index_fingerprint() -> str:
    """Hash of the analysis and index code: a change there means the index must be rebuilt."""
    import kb.analysis
    import kb.index
    import kb.index_update
    import kb.segment
    import kb.themes

    if "index" not in _FINGERPRINTS:
        _FINGERPRINTS["index"] = _hash_code(kb.analysis, kb.index, kb.index_update, kb.segment, kb.themes)
    return _FINGERPRINTS["index"]


def build_fingerprint() -> str:
    """What an index version records: documents parsed by other code are not updated, but rebuilt."""
    return f"{index_fingerprint()}-{code_fingerprint()}"


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
    size, mtime_ns = source.size, source.mtime_ns
    if size < 0 or mtime_ns < 0:
        st = os.stat(source.path)
        size, mtime_ns = st.st_size, st.st_mtime_ns
    meta = json.dumps(source.meta, sort_keys=True, default=str) if source.meta else "{}"
    raw = f"{code_fingerprint()}\0{source.rel}\0{size}\0{mtime_ns}\0{meta}"
    return hashlib.sha256(raw.encode(errors="surrogatepass")).hexdigest()[:20]


def _cache_name(rel: str) -> str:
    return hashlib.sha256(rel.encode()).hexdigest()[:24] + ".json"


def _cache_path(project: Project, rel: str) -> Path:
    return project.documents_cache / _cache_name(rel)


class DocRef(NamedTuple):
    """One document of the build, known from the source state without loading it."""

    id: str  # final id, after ``dedupe_ids``
    content_hash: str
    source: str
    sections: int
    rel: str  # the source file it came from
    position: int  # its place among that file's documents


STATE_VERSION = 1


class SourceScan:
    """The result of looking at every source: document refs in order, and how to load them.

    Unchanged sources are known from ``build/sources.json`` (cache key, skip reason, and per
    document: id, content hash, section count), so a build where little changed reads one
    small file and stats the sources instead of loading every cached document.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.refs: list[DocRef] = []
        self.fresh: dict[str, list[Document]] = {}  # rel -> documents ingested in this build
        self.sources: dict[str, SourceFile] = {}
        self.keys: dict[str, str] = {}
        self._by_id: dict[str, DocRef] = {}

    def load(self, ids: list[str]) -> dict[str, Document]:
        """The documents with these (final) ids, from this build's ingestion or the cache."""
        if not self._by_id:
            self._by_id = {r.id: r for r in self.refs}
        out: dict[str, Document] = {}
        per_source: dict[str, list[Document]] = {}
        for doc_id in ids:
            ref = self._by_id[doc_id]
            docs = per_source.get(ref.rel)
            if docs is None:
                docs = per_source[ref.rel] = self._source_documents(ref.rel)
            if ref.position >= len(docs):
                raise BuildError(f"{ref.rel} changed during the build; run `kb build` again.")
            doc = docs[ref.position]
            doc.id = ref.id  # the deduplicated id; the objects belong to this build
            out[doc_id] = doc
        return out

    def load_all(self) -> list[Document]:
        docs = self.load([r.id for r in self.refs])
        return [docs[r.id] for r in self.refs]

    def _source_documents(self, rel: str) -> list[Document]:
        fresh = self.fresh.get(rel)
        if fresh is not None:
            return fresh
        cached = _read_cache(_cache_path(self.project, rel), self.keys[rel])
        if cached is None:  # the cache file vanished or broke since the scan: parse again
            try:
                cached = ingest(self.sources[rel])
            except SkipSource as e:
                raise BuildError(f"{rel} changed during the build ({e.reason}); run `kb build` again.") from None
        return cached


def _state_path(project: Project) -> Path:
    return project.build / "sources.json"


def _read_state(project: Project) -> dict[str, dict]:
    try:
        data = json.loads(_state_path(project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        return {}
    sources = data.get("sources")
    return sources if isinstance(sources, dict) else {}


def _write_state(project: Project, state: dict[str, dict]) -> None:
    path = _state_path(project)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"version": STATE_VERSION, "sources": state}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def scan_sources(project: Project, report: BuildReport, progress: Progress | None = None) -> SourceScan:
    """Ingest new and changed sources (cached per file); fills ``report``.

    Unchanged files, including ones skipped before (a statute with no body), are not read
    again: their outcome comes from the source state.
    """
    sources, skipped = discover(project.sources)
    report.skipped.extend(skipped)
    project.documents_cache.mkdir(parents=True, exist_ok=True)
    old_state = _read_state(project)
    state: dict[str, dict] = {}
    scan = SourceScan(project)
    pairs: list[tuple[str, str, str, int, str, int]] = []  # (original id, hash, source, sections, rel, position)
    keys = scan.keys
    for source in sources:
        try:
            keys[source.rel] = _cache_key(source)
        except OSError as e:
            report.skipped.append((source.rel, f"cannot read: {e.strerror or e}"))
    stale = [s for s in sources if s.rel in keys and not _state_is_current(old_state.get(s.rel), keys[s.rel])]
    fresh_entries = _ingest_many(project, stale, keys, scan, progress)
    for source in sources:
        rel = source.rel
        key = keys.get(rel)
        if key is None:
            continue
        entry = fresh_entries.get(rel) or old_state[rel]
        if rel in fresh_entries:
            if entry.get("skip") is None:
                report.ingested.append(rel)
        elif entry.get("skip") is None:
            report.unchanged.append(rel)
        if entry.get("skip") is not None:
            report.skipped.append((rel, entry["skip"]))
        if entry.get("cache", True):
            state[rel] = entry
        scan.sources[rel] = source
        for position, (doc_id, digest, doc_source, n) in enumerate(entry.get("docs", [])):
            pairs.append((doc_id, digest, doc_source, n, rel, position))
    report.removed = sorted(rel for rel, entry in old_state.items() if rel not in scan.sources and entry.get("docs"))
    if state != old_state:
        _write_state(project, state)
    final_ids = dedupe_id_list([(p[0], p[2]) for p in pairs])
    scan.refs = [DocRef(fid, p[1], p[2], p[3], p[4], p[5]) for fid, p in zip(final_ids, pairs, strict=True)]
    _prune_cache(project, {_cache_name(rel) for rel, entry in state.items() if entry.get("docs")})
    return scan


def _prune_cache(project: Project, live: set[str]) -> None:
    """Remove cached documents of sources that are gone, and cache writes of killed builds
    (one listing of the folder: at scale it holds a file per source)."""
    with os.scandir(project.documents_cache) as entries:
        for entry in entries:
            name = entry.name
            if name.endswith(".json"):
                if name not in live:
                    os.unlink(entry.path)
                continue
            pid = name.rpartition(".tmp")[2]
            if ".tmp" in name and pid.isdigit() and not process_alive(int(pid)):
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    pass


def _state_is_current(entry: object, key: str) -> bool:
    return isinstance(entry, dict) and entry.get("key") == key and _valid_entry(entry)


PARALLEL_INGEST_MIN = 200  # sources to parse before worker processes pay off


def _ingest_many(
    project: Project, sources: list[SourceFile], keys: dict[str, str], scan: SourceScan, progress: Progress | None
) -> dict[str, dict]:
    """Parse new and changed sources (in worker processes when there are many); rel -> state entry.

    Workers write each source's document cache and return only its state entry, so the
    documents are read back from the cache when (and if) the index needs them.
    """
    entries: dict[str, dict] = {}
    procs = min(os.cpu_count() or 1, 4)
    if len(sources) < PARALLEL_INGEST_MIN or procs < 2:
        for i, source in enumerate(sources):
            entries[source.rel] = _ingest_source(project, source, keys[source.rel], scan)
            if progress:
                progress("ingest", i + 1, len(sources))
        return entries
    import multiprocessing

    jobs = [(project, source, keys[source.rel]) for source in sources]
    with multiprocessing.get_context("fork").Pool(procs, initializer=_ignore_sigint) as pool:
        for i, (rel, entry) in enumerate(pool.imap(_ingest_job, jobs, chunksize=16)):
            entries[rel] = entry
            if progress:
                progress("ingest", i + 1, len(sources))
    return entries


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool


def _ingest_job(job: tuple[Project, SourceFile, str]) -> tuple[str, dict]:
    project, source, key = job
    return source.rel, _ingest_source(project, source, key, None)


def _valid_entry(entry: dict) -> bool:
    docs = entry.get("docs", [])
    return isinstance(docs, list) and all(isinstance(d, list) and len(d) == 4 for d in docs)


def _ingest_source(project: Project, source: SourceFile, key: str, scan: SourceScan | None) -> dict:
    """Parse one source, cache its documents; returns its state entry."""
    cache_file = _cache_path(project, source.rel)
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
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("key") != key:
        return None
    return [Document.from_dict(d) for d in data["documents"]]


def _write_cache(path: Path, key: str, docs: list[Document]) -> None:
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(
        json.dumps({"key": key, "documents": [d.to_dict() for d in docs]}, ensure_ascii=False),
        encoding="utf-8",
    )
    os.replace(tmp, path)


def dedupe_ids(documents: list[Document]) -> list[Document]:
    """Keep the first document of each id (two sources could slugify alike: a.md and a.txt)."""
    for doc, final in zip(documents, dedupe_id_list([(d.id, d.source) for d in documents]), strict=True):
        doc.id = final
    return documents


def dedupe_id_list(pairs: list[tuple[str, str]]) -> list[str]:
    """Final ids for (id, source) pairs in document order: a repeated id gets its source's hash."""
    seen: set[str] = set()
    out = []
    for doc_id, source in pairs:
        if doc_id in seen:
            doc_id = f"{doc_id}-{hashlib.sha1(source.encode()).hexdigest()[:6]}"
        seen.add(doc_id)
        out.append(doc_id)
    return out


def build(
    project: Project,
    progress: Progress | None = None,
    site: bool = True,
    wait: bool = False,
    full: bool = False,
) -> BuildReport:
    """Ingest changed sources, bring the index up to date, then build the site.

    The index is left as it is when no document changed, updated in place of a new
    version (``kb.index_update``) when a few did, and written from scratch otherwise
    (or with ``full=True``, or when the analysis, index or ingestion code changed).
    """
    started = time.perf_counter()
    report = BuildReport()
    with build_lock(project, wait=wait):
        scan = scan_sources(project, report, progress)
        report.documents = len(scan.refs)
        report.sections = sum(r.sections for r in scan.refs)
        if not scan.refs:
            raise BuildError(
                f"No documents to index in {project.sources}: add .txt, .md or .html files "
                "(for example `kb ingest vägledning.md`)."
            )
        index_started = time.perf_counter()
        documents = _bring_index_up_to_date(project, scan, report, progress, switch=not site, full=full)
        report.index_seconds = time.perf_counter() - index_started
        if site:
            from kb.site import build_site  # the site stage is optional for tests of the core

            if documents is None:
                documents = load_documents(report.index.path)
            site_started = time.perf_counter()
            report.site_pages = build_site(project, documents, progress=progress, index_dir=report.index.path)
            report.site_seconds = time.perf_counter() - site_started
            if report.index_rebuilt:
                # Site first, then the index: a build killed before this line leaves both old.
                switch_current(project.index_root, report.index.path)
    report.seconds = time.perf_counter() - started
    return report


def _bring_index_up_to_date(
    project: Project, scan: SourceScan, report: BuildReport, progress: Progress | None, switch: bool, full: bool
) -> list[Document] | None:
    """Leave, update or rebuild the index; returns the documents when it had to load them all."""
    fingerprint = build_fingerprint()
    rows = [Row(r.id, r.content_hash, r.source) for r in scan.refs]
    current = current_version_dir(project.index_root)
    old_rows = None
    if current is not None and not full:
        try:
            info = read_info(current)
        except (OSError, ValueError, KeyError):
            info = None
        if info is not None and info.fingerprint == fingerprint:
            old_rows = read_manifest(current)
            if old_rows is not None and [tuple(r) for r in old_rows] == [tuple(r) for r in rows]:
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
                sections_of={r.id: r.sections for r in scan.refs},
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
    if sum(r.sections for r in scan.refs) >= STREAM_MIN_SECTIONS:
        if progress:
            progress("index", 0, len(scan.refs))
        report.index = _stream_from_cache(project, scan, fingerprint, switch)
        if progress:
            progress("index", len(scan.refs), len(scan.refs))
        return None
    documents = scan.load_all()
    total = len(documents)
    if progress:
        progress("index", 0, total)
    report.index = write_index(
        documents,
        project.index_root,
        switch=switch,
        fingerprint=fingerprint,
        progress=(lambda n: progress("index", n, total)) if progress else None,
    )
    return documents


STREAM_MIN_SECTIONS = 4_000  # below this, one in-process segment is faster than worker processes


def _stream_from_cache(project: Project, scan: SourceScan, fingerprint: str, switch: bool) -> IndexInfo:
    """A full rebuild of a large knowledge base: worker processes read the per-source document
    cache (every indexed source has one by now) and write the segments, so this process never
    holds all the documents."""
    from kb.stream import write_index_streaming

    ids: dict[str, list[str]] = {}
    for ref in scan.refs:
        ids.setdefault(ref.rel, []).append(ref.id)
    units = [(str(_cache_path(project, rel)), scan.keys[rel], rel_ids) for rel, rel_ids in ids.items()]
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
