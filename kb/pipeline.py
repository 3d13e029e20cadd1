"""``kb build``: sources → documents → index (→ site), reprocessing only what changed.

Ingested documents are cached per source file in ``build/documents/``, keyed by the
file's size, modification time and metadata, so a rebuild re-parses only changed files.
Only one build runs at a time (a lock file); a second one waits or stops with a message.
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

from kb.config import Project
from kb.index import IndexInfo, current_version_dir, load_documents, read_info, switch_current, write_index
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

    if "index" not in _FINGERPRINTS:
        _FINGERPRINTS["index"] = _hash_code(kb.analysis, kb.index)
    return _FINGERPRINTS["index"]


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
    index_rebuilt: bool = False
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
    st = source.path.stat()
    raw = json.dumps([code_fingerprint(), source.rel, st.st_size, st.st_mtime_ns, source.meta], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _cache_path(project: Project, rel: str) -> Path:
    return project.documents_cache / (hashlib.sha256(rel.encode()).hexdigest()[:24] + ".json")


def ingest_all(
    project: Project, report: BuildReport, progress: Progress | None = None
) -> list[Document]:
    """Ingest every source, using the cache for unchanged files; fills ``report``."""
    sources, skipped = discover(project.sources)
    report.skipped.extend(skipped)
    project.documents_cache.mkdir(parents=True, exist_ok=True)
    documents: list[Document] = []
    live_cache: set[str] = set()
    for i, source in enumerate(sources):
        cache_file = _cache_path(project, source.rel)
        live_cache.add(cache_file.name)
        try:
            key = _cache_key(source)
        except OSError as e:
            report.skipped.append((source.rel, f"cannot read: {e.strerror or e}"))
            continue
        cached = _read_cache(cache_file, key)
        if cached is not None:
            report.unchanged.append(source.rel)
            documents.extend(cached)
        else:
            try:
                docs = ingest(source)
            except SkipSource as e:
                report.skipped.append((source.rel, e.reason))
                cache_file.unlink(missing_ok=True)
                continue
            except Exception as e:  # noqa: BLE001 - a bad file must never abort the build
                report.skipped.append((source.rel, f"could not be parsed ({type(e).__name__}: {e})"[:200]))
                cache_file.unlink(missing_ok=True)
                continue
            _write_cache(cache_file, key, docs)
            report.ingested.append(source.rel)
            documents.extend(docs)
        if progress:
            progress("ingest", i + 1, len(sources))
    for stale in project.documents_cache.glob("*.json"):
        if stale.name not in live_cache:
            stale.unlink(missing_ok=True)
    for partial in project.documents_cache.glob("*.tmp*"):  # cache writes of killed builds
        pid = partial.suffix.removeprefix(".tmp")
        if pid.isdigit() and not process_alive(int(pid)):
            partial.unlink(missing_ok=True)
    return documents


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
    seen: set[str] = set()
    out = []
    for doc in documents:
        if doc.id in seen:
            doc.id = f"{doc.id}-{hashlib.sha1(doc.source.encode()).hexdigest()[:6]}"
        seen.add(doc.id)
        out.append(doc)
    return out


def build(
    project: Project,
    progress: Progress | None = None,
    site: bool = True,
    wait: bool = False,
) -> BuildReport:
    """Ingest changed sources, rebuild the index when anything changed, then the site."""
    started = time.perf_counter()
    report = BuildReport()
    with build_lock(project, wait=wait):
        documents = dedupe_ids(ingest_all(project, report, progress))
        report.documents = len(documents)
        report.sections = sum(len(d.sections) for d in documents)
        if not documents:
            raise BuildError(
                f"No documents to index in {project.sources}: add .txt, .md or .html files "
                "(for example `kb ingest vägledning.md`)."
            )
        current = current_version_dir(project.index_root)
        if (
            current is not None
            and not report.ingested
            and read_info(current).fingerprint == index_fingerprint()
            and _same_documents(current, documents)
        ):
            report.index = read_info(current)
        else:
            total = len(documents)
            if progress:
                progress("index", 0, total)
            report.index = write_index(
                documents,
                project.index_root,
                switch=not site,
                fingerprint=index_fingerprint(),
                progress=(lambda n: progress("index", n, total)) if progress else None,
            )
            report.index_rebuilt = True
        if site:
            from kb.site import build_site  # the site stage is optional for tests of the core

            site_started = time.perf_counter()
            report.site_pages = build_site(project, documents, progress=progress, index_dir=report.index.path)
            report.site_seconds = time.perf_counter() - site_started
            if report.index_rebuilt:
                # Site first, then the index: a build killed before this line leaves both old.
                switch_current(project.index_root, report.index.path)
    report.seconds = time.perf_counter() - started
    return report


def _same_documents(version_dir: Path, documents: list[Document]) -> bool:
    try:
        indexed = load_documents(version_dir)
    except (OSError, ValueError, KeyError):
        return False
    return [(d.id, d.content_hash) for d in indexed] == [(d.id, d.content_hash) for d in documents]
