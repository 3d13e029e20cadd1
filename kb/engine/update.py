"""Incremental index updates: a new index version that shares the unchanged segments.

A full build (``kb.engine.index.write_index``) writes every section again. When only a few
documents changed, this module writes a new version folder that

* hard-links the segments of the current version, with the sections of changed and
  removed documents marked deleted (whoosh keeps a segment's deleted docnums in the TOC,
  so the segment files stay untouched);
* writes the changed and added documents as one small new *update* segment; when
  ``MAX_TAILS`` update segments have piled up, the next update rewrites their live
  documents together with the changed ones into one (so searches open few segments);
* writes ``documents.jsonl`` by copying the unchanged documents' lines as bytes, the
  manifests and ``meta.json``, fsyncs, renames the folder into place and (optionally)
  switches ``current``, exactly like a full build: readers never see a half-written
  version and an interrupted update leaves the previous one serving.

Deleted sections still count in whoosh's collection statistics (document count, term
document frequencies, field lengths) until the next full build, as in any whoosh index
with deletions; ``MAX_DELETED_RATIO`` and ``MAX_TAIL_SECTIONS`` bound that drift (and the
cost of rewriting the tail) by asking the caller for a full build instead.
"""

from __future__ import annotations

import contextlib
import errno
import json
import mmap
import os
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from pathlib import Path
from typing import NamedTuple

from kb.engine.index import (
    IndexInfo,
    VersionDraft,
    document_json,
    make_schema,
    prune_versions,
    read_info,
    read_manifest,
    section_records,
    switch_current,
    term_text,
    write_manifest_rows,
)
from kb.engine.segment import INDEX_NAME, SegmentBuilder
from kb.model import Document

MAX_DELETED_RATIO = 0.10  # deleted sections / all indexed sections before a full build is due
MAX_TAILS = 4  # update segments kept side by side; one more merges them into one
MAX_TAIL_SECTIONS = 5_000  # sections in update segments before a full build is cheaper overall
TAILS_KEY = "update_segments"  # meta.json: ids of the segments written by updates (none after a full build)


class Row(NamedTuple):
    """One document of a version, in document order: what ``documents.ids.json`` holds."""

    id: str
    content_hash: str
    source: str


@dataclass
class UpdatePlan:
    """What an update changes, decided from the manifests alone (no document is loaded)."""

    changed: list[str]  # ids whose content is new or different: (re)indexed into the tail
    removed: list[str]  # ids of the current version that are gone
    carried: list[str]  # unchanged ids from merged update segments (rewritten into the new one)

    @property
    def empty(self) -> bool:
        return not self.changed and not self.removed


def plan_update(old_rows: Sequence[Sequence[str]], new_rows: Sequence[Row]) -> UpdatePlan:
    """Which documents differ between the current version's manifest and the new rows.

    A document counts as changed when its id is new, or its content hash or source
    differs; ``carried`` is filled in by ``update_index`` (it needs the index).
    """
    old = set(map(tuple, old_rows))  # ids are unique: a row not in it has a new id, hash or source
    changed = [row[0] for row in new_rows if tuple(row) not in old]
    new_ids = {row[0] for row in new_rows}
    removed = [row[0] for row in old_rows if row[0] not in new_ids]
    return UpdatePlan(changed=changed, removed=removed, carried=[])


class FullBuildNeeded(Exception):
    """The update would not pay off (too many deletions or a large tail): build from scratch."""


def update_index(
    current: Path,
    new_rows: Sequence[Row],
    plan: UpdatePlan,
    load: Callable[[list[str]], Mapping[str, Document]],
    fingerprint: str,
    switch: bool = True,
    sections_of: Mapping[str, int] | None = None,
    interrupt_hook: Callable[[str], None] | None = None,
    old_rows: Sequence[Sequence[str]] | None = None,
) -> IndexInfo:
    """Write a new version = ``current`` with ``plan`` applied; returns its info.

    ``load(ids)`` returns the documents (with their final ids) to index into the tail.
    ``sections_of`` (id → section count) lets the thresholds be checked before anything is
    loaded. ``old_rows``: ``current``'s manifest when the caller has read it already.
    Raises ``FullBuildNeeded`` when a full build is the better choice.
    ``interrupt_hook(stage)`` is for tests: it is called between the steps.
    """
    hook = interrupt_hook or (lambda stage: None)
    index_root = current.parent
    # Other versions than ``current`` go now, beside the update, instead of after it: once the
    # new version is published, ``current`` is the only other one kept anyway.
    older = [p for p in index_root.iterdir() if p.name.startswith("v") and p.is_dir() and p.resolve() != current]
    pruning = _Background(lambda: [shutil.rmtree(p, ignore_errors=True) for p in older])
    try:
        return _update(current, new_rows, plan, load, fingerprint, switch, sections_of, hook, old_rows)
    finally:
        pruning.join()
        prune_versions(index_root, keep=2)


def _update(current, new_rows, plan, load, fingerprint, switch, sections_of, hook, old_rows) -> IndexInfo:
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC
    from whoosh.reading import SegmentReader

    index_root = current.parent
    schema = make_schema()
    old_storage = FileStorage(str(current))
    toc = TOC.read(old_storage, INDEX_NAME, schema=schema)
    old_meta = json.loads((current / "meta.json").read_text(encoding="utf-8"))
    tails = set(old_meta.get(TAILS_KEY, []))
    dropped = set(plan.changed) | set(plan.removed)
    new_ids = {r[0] for r in new_rows}
    merge = len(tails) + 1 > MAX_TAILS
    tail_live: set[str] = set()  # unchanged documents living in tail segments
    for segment in toc.segments:
        reader = SegmentReader(old_storage, schema, segment)
        try:
            for doc_id in dropped:
                for docnum in _live(reader, doc_id):
                    segment.delete_document(docnum)
            if segment.segid in tails:
                tail_live.update(i for i in map(term_text, reader.lexicon("doc_id")) if _live(reader, i))
        finally:
            reader.close()
    kept = [s for s in toc.segments if not (merge and s.segid in tails)]
    deleted = sum(s.deleted_count() for s in kept)
    total = sum(s.doc_count_all() for s in kept)
    if total and deleted / total > MAX_DELETED_RATIO:
        raise FullBuildNeeded(f"{deleted} of {total} indexed sections would be deleted")
    if sections_of is not None and sum(sections_of.get(i, 0) for i in tail_live | dropped) > MAX_TAIL_SECTIONS:
        raise FullBuildNeeded("many sections changed since the last full build")
    plan.carried = [r[0] for r in new_rows if r[0] in tail_live] if merge else []
    tail_ids = set(plan.carried) | (set(plan.changed) & new_ids)
    tail_order = [r[0] for r in new_rows if r[0] in tail_ids]
    docs = load(tail_order)
    if old_rows is None:
        old_rows = read_manifest(current) or []
    draft = VersionDraft(index_root)
    tmp_dir = draft.folder
    writing = None
    try:
        # documents.jsonl (a copy of ~120 MB at 52k sources, then its fsync) is written by the
        # kernel beside the segment's analysis, which is CPU work in this thread.
        old_documents, new_documents = current / "documents.jsonl", tmp_dir / "documents.jsonl"
        writing = _Background(_write_and_sync_documents, old_documents, new_documents, old_rows, new_rows, docs)
        linked = {name for segment in kept for name in segment.list_files(old_storage)}
        for name in linked:
            os.link(current / name, tmp_dir / name)
        hook("linked")
        storage = FileStorage(str(tmp_dir))
        segments = list(kept)
        new_tail = None
        if tail_order:
            builder = SegmentBuilder(storage, schema)
            for doc_id in tail_order:
                for record in section_records(docs[doc_id]):
                    builder.add(record)
            new_tail = builder.finish()
            if builder.docnum:
                segments.append(new_tail)
        hook("segment")
        write_manifest_rows(tmp_dir, new_rows)
        meta = {
            "documents": len(new_rows),
            "sections": sum(s.doc_count() for s in segments),
            "fingerprint": fingerprint,
            "updated_from": old_meta.get("version", current.name),
            TAILS_KEY: [s.segid for s in segments if s.segid in tails or s is new_tail],
        }
        draft.finish(schema, segments, toc.generation + 1, meta, clean=False)
        hook("written")
        writing.join()
        # hard-linked segment files are durable already; documents.jsonl was synced by its writer
        final_dir = draft.publish(switch=False, durable=linked | {"documents.jsonl"})
        hook("renamed")
        if switch:
            switch_current(index_root, final_dir)
    except BaseException:
        if writing is not None:
            writing.join(reraise=False)
        draft.discard()
        raise
    return read_info(final_dir)


def _live(reader, doc_id: str) -> list[int]:
    """Docnums of ``doc_id``'s sections not yet deleted in this segment."""
    if ("doc_id", doc_id) not in reader:
        return []
    return [d for d in reader.postings("doc_id", doc_id).all_ids() if not reader.is_deleted(d)]


class _Background:
    """``fn(*args)`` in a thread (file system work that releases the GIL); ``join`` re-raises."""

    def __init__(self, fn: Callable, *args, **kwargs) -> None:
        self.error: BaseException | None = None

        def run() -> None:
            try:
                fn(*args, **kwargs)
            except BaseException as e:  # noqa: BLE001 - handed to the joining thread
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self, reraise: bool = True) -> None:
        self.thread.join()
        if self.error is not None and reraise:
            raise self.error


def _write_and_sync_documents(
    old_path: Path, new_path: Path, old_rows: Sequence[Sequence[str]], rows: Sequence[Row], docs: Mapping[str, Document]
) -> None:
    fd = write_documents_file(old_path, new_path, old_rows, rows, docs)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_documents_file(
    old_path: Path, new_path: Path, old_rows: Sequence[Sequence[str]], rows: Sequence[Row], docs: Mapping[str, Document]
) -> int:
    """``documents.jsonl`` in row order: new documents serialized, the rest copied from the old
    file in runs of whole lines, by the kernel (``copy_file_range``); returns the open new file.

    Lines of the old file follow the old manifest's order, so each line's id is known without
    parsing it; a line count other than the manifest's, or a run of lines whose first or last line
    does not start with its expected id, stops the update.
    """
    src = os.open(old_path, os.O_RDONLY)
    dst = os.open(new_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        size = os.fstat(src).st_size
        with mmap.mmap(src, 0, access=mmap.ACCESS_READ) if size else contextlib.nullcontext(b"") as old:
            bounds = _line_bounds(old, len(old_rows), size)
            line_of = {row[0]: i for i, row in enumerate(old_rows)}
            run: list[int] = []  # [first line, end line) of old lines to copy next

            def flush() -> None:
                if run:
                    first, end = run
                    _check_line(old, bounds, first, old_rows[first][0])  # each run's ends: a cheap check
                    _check_line(old, bounds, end - 1, old_rows[end - 1][0])
                    _copy(src, dst, old, bounds[first], bounds[end])
                    run.clear()

            for row in rows:
                doc = docs.get(row[0])
                if doc is not None:
                    flush()
                    _write_all(dst, (document_json(doc) + "\n").encode("utf-8"))
                    continue
                i = line_of.get(row[0])
                if i is None:
                    raise FullBuildNeeded(f"{row[0]} is missing from the current documents.jsonl")
                if run and run[1] == i:
                    run[1] = i + 1
                else:
                    flush()
                    run.extend((i, i + 1))
            flush()
    except BaseException:
        os.close(dst)
        raise
    finally:
        os.close(src)
    return dst


def _line_bounds(old, count: int, size: int) -> list[int]:
    """Start offset of each of the old file's ``count`` lines, and its end."""
    bounds = []
    pos = 0
    find = old.find
    for _ in range(count):
        if pos >= size:
            raise FullBuildNeeded("the current documents.jsonl has fewer lines than its manifest")
        bounds.append(pos)
        end = find(b"\n", pos)
        pos = size if end < 0 else end + 1
    if pos != size:
        raise FullBuildNeeded("the current documents.jsonl has more lines than its manifest")
    bounds.append(pos)
    return bounds


def _check_line(old, bounds: list[int], line: int, doc_id: str) -> None:
    prefix = b'{"id": ' + encode_basestring(doc_id).encode("utf-8")
    if old[bounds[line] : bounds[line] + len(prefix)] != prefix:
        raise FullBuildNeeded("the current documents.jsonl does not match its manifest")


def _copy(src: int, dst: int, old, start: int, end: int) -> None:
    """Bytes ``start:end`` of ``src`` to the end of ``dst``, ending in a newline."""
    pos = start
    try:
        while pos < end:
            n = os.copy_file_range(src, dst, end - pos, pos)
            if n <= 0:
                break
            pos += n
    except OSError as e:  # a file system without it: copy through memory
        if e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
            raise
    if pos < end:
        _write_all(dst, old[pos:end])
    if end > start and old[end - 1 : end] != b"\n":  # the old file's last line had no newline
        _write_all(dst, b"\n")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
