"""The index stage: normalized documents → a versioned Whoosh index.

Each *section* is one Whoosh document, so a hit points at the right part of the right
document. Every build writes a new version folder next to the current one and then
switches the ``current`` symlink atomically, so readers (the CLI, a running API) never
see a half-written index, and a build killed mid-way leaves the previous one serving.

A version folder holds the Whoosh files, ``documents.jsonl`` (the normalized documents,
for the API and the site) and ``meta.json`` (version, build time, counts).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import columns
from whoosh import index as whoosh_index
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from kb.analysis import index_analyzer
from kb.engine.segment import INDEX_NAME
from kb.engine.versions import CURRENT, IndexInfo, current_version_dir, read_info  # noqa: F401 - re-exported
from kb.model import Document
from kb.originals import page_marks
from kb.themes import theme_text
from kb.util.processes import process_alive

SCHEMA_VERSION = 3
HEADING_SEPARATOR = " › "
HIT_FIELD = "hit"
HIT_KEYS = ("doc_id", "anchor", "source", "title", "heading", "publisher", "type", "date", "tags", "pages")


class HitColumn(COLUMN):
    """A section's search-hit fields and body, uncompressed, one column value per section.

    Why: a hit read through Whoosh's stored fields unzips and unpickles a dict (and statute
    chapters are long); a raw column value is one file read and one UTF-8 decode.
    """

    def __init__(self) -> None:
        super().__init__(columns.VarBytesColumn())

    def to_column_value(self, value: str) -> bytes:
        return value.encode("utf-8", "surrogatepass")


def hit_value(record: dict) -> str:
    """The ``hit`` column text: the ``HIT_KEYS`` fields on one line, a newline, the body.

    The line is the fields each after a ``\\x1f``, or, when a field is not a string or holds
    a ``\\x1f`` or a newline, a JSON list (which starts with ``[``).
    """
    values = [record[k] for k in HIT_KEYS]
    if all(type(v) is str and "\x1f" not in v and "\n" not in v for v in values):
        head = "\x1f" + "\x1f".join(values)
    else:
        head = json.dumps(values, ensure_ascii=False)
    return head + "\n" + record["body"]


def read_hit(raw: bytes) -> tuple[list, str]:
    """(the ``HIT_KEYS`` values in order, the body) of a ``hit`` column value."""
    head, _, body = raw.decode("utf-8", "surrogatepass").partition("\n")
    values = head[1:].split("\x1f") if head[:1] == "\x1f" else json.loads(head)
    if len(values) < len(HIT_KEYS):  # an index written before "pages" was a key
        values += [""] * (len(HIT_KEYS) - len(values))
    return values, body


def make_schema() -> Schema:
    """Text fields hold each word, its lemma, compound parts and their accent-folded twins.

    The body is not in the stored fields: the ``hit`` column holds it with what a hit shows.
    """
    sv = index_analyzer()
    return Schema(
        key=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        parent=ID(stored=True),
        anchor=STORED,
        source=STORED,
        title=TEXT(analyzer=sv, stored=True, spelling=True),
        heading=TEXT(analyzer=sv, stored=True, spelling=True),
        body=TEXT(analyzer=sv, stored=False, spelling=True),
        theme=TEXT(analyzer=sv),
        tags=KEYWORD(stored=True, commas=True, lowercase=False),
        publisher=ID(stored=True),
        type=ID(stored=True),
        date=STORED,
        hit=HitColumn(),
    )


def section_records(doc: Document) -> Iterable[dict]:
    """The Whoosh field values for each section of ``doc``."""
    meta = doc.meta
    date = meta.get("reviewed") or meta.get("date") or ""
    for section in doc.sections:
        heading = HEADING_SEPARATOR.join(section.path)
        body = section.text
        tags = sorted(set(doc.tags) | set(section.tags))
        record = {
            "key": f"{doc.id}#{section.anchor}",
            "doc_id": doc.id,
            "parent": doc.parent or "",
            "anchor": section.anchor,
            "source": doc.source,
            "title": doc.title,
            "heading": heading,
            "body": body,
            "theme": theme_text(tags),
            "tags": ",".join(tags),
            "publisher": meta.get("publisher") or "",
            "type": meta.get("type") or "",
            "date": str(date),
        }
        # "pages" only in the hit column (not a Whoosh field): what a hit needs to link to its page
        record[HIT_FIELD] = hit_value({**record, "pages": page_marks(section)})
        yield record


def new_version_name() -> str:
    return time.strftime("v%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"


class VersionDraft:
    """A version folder being written (``.tmp-<version>`` beside the live ones): every version,
    full or incremental, is written, fsynced and published the same way.

    Nothing is visible until ``publish`` renames the folder into place; ``discard`` (or any
    exception inside ``with VersionDraft(...)``) removes it, so an interrupted build (Ctrl-C, a
    kill) leaves the previous version serving and the next build removes any leftovers."""

    def __init__(self, index_root: Path) -> None:
        self.index_root = index_root
        index_root.mkdir(parents=True, exist_ok=True)
        self.version = new_version_name()
        self.folder = index_root / f".tmp-{self.version}"
        self.folder.mkdir()

    def __enter__(self) -> VersionDraft:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def finish(
        self,
        schema: Schema,
        segments: list,
        generation: int,
        meta: dict,
        clean: bool = True,
    ) -> None:
        """Write the TOC (``clean``: and remove files no segment uses) and ``meta.json`` (the
        version, schema, build time and what ``meta`` adds)."""
        from whoosh.filedb.filestore import FileStorage
        from whoosh.index import TOC, clean_files

        storage = FileStorage(str(self.folder))
        TOC(schema, segments, generation).write(storage, INDEX_NAME)
        if clean:
            clean_files(storage, INDEX_NAME, generation, segments)
        record = {
            "version": self.version,
            "schema": SCHEMA_VERSION,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **meta,
        }
        (self.folder / "meta.json").write_text(json.dumps(record, indent=1), encoding="utf-8")

    def publish(self, switch: bool, durable: frozenset[str] | set[str] = frozenset()) -> Path:
        """fsync the folder's files but the ``durable`` ones (hard-linked segment files, a file
        synced by its writer), rename it into place and, if asked, make it current."""
        fsync_tree(self.folder, skip=durable)
        final_dir = self.index_root / self.version
        os.rename(self.folder, final_dir)
        if switch:
            switch_current(self.index_root, final_dir)
        return final_dir


def write_version(
    index_root: Path,
    fill: Callable[[Path, Schema], tuple[list, int, int]],
    fingerprint: str = "",
    switch: bool = True,
) -> IndexInfo:
    """A new version folder filled by ``fill(folder, schema) -> (segments, documents, sections)``
    (which writes the segments, ``documents.jsonl`` and ``documents.ids.json``), then the TOC
    and ``meta.json``, published and made current.

    With ``switch=False`` the version is complete but not yet current: the build makes the site
    from it first and switches both together."""
    index_root.mkdir(parents=True, exist_ok=True)
    prune_versions(index_root, keep=2)
    with VersionDraft(index_root) as draft:
        schema = make_schema()
        whoosh_index.create_in(str(draft.folder), schema)
        segments, documents, sections = fill(draft.folder, schema)
        draft.finish(schema, segments, 1, {"documents": documents, "sections": sections, "fingerprint": fingerprint})
        final_dir = draft.publish(switch)
    prune_versions(index_root, keep=2)
    return read_info(final_dir)


def manifest_row(doc: Document) -> list[str]:
    return [doc.id, doc.content_hash, doc.source]


def write_manifest_rows(folder: Path, rows: list[list[str]]) -> None:
    """``documents.ids.json``: [id, content_hash, source] per document, for cheap change checks."""
    (folder / "documents.ids.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def document_json(doc: Document) -> str:
    """``json.dumps(doc.to_dict(), ensure_ascii=False)`` without ``asdict``'s deep copies (~10x faster)."""
    data = {
        "id": doc.id,
        "title": doc.title,
        "source": doc.source,
        "sections": [
            {
                "anchor": s.anchor,
                "path": s.path,
                "blocks": [{"kind": b.kind, "text": b.text, "anchor": b.anchor} for b in s.blocks],
                "tags": s.tags,
            }
            for s in doc.sections
        ],
        "meta": doc.meta,
        "tags": doc.tags,
        "parent": doc.parent,
        "content_hash": doc.content_hash,
    }
    return json.dumps(data, ensure_ascii=False)


def read_manifest(folder: Path) -> list[list[str]] | None:
    try:
        return json.loads((folder / "documents.ids.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def join_document_parts(folder: Path, indexes: list[int]) -> None:
    """Concatenate the workers' ``.documents-NNNN.jsonl`` parts, in order, into ``documents.jsonl``."""
    with open(folder / "documents.jsonl", "wb") as out:
        for index in indexes:
            part = folder / f".documents-{index:04d}.jsonl"
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
            part.unlink()


def switch_current(index_root: Path, version_dir: Path) -> None:
    """Atomically point ``current`` at ``version_dir`` (rename of a fresh symlink over the old)."""
    tmp_link = index_root / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(version_dir.name, tmp_link)
    os.replace(tmp_link, index_root / CURRENT)
    _fsync_dir(index_root)


def prune_versions(index_root: Path, keep: int = 2) -> None:
    """Remove old versions and leftovers of killed builds, keeping the newest ``keep``.

    A server that still has an older version open keeps reading it: on POSIX the open
    files stay readable after unlinking.
    """
    current = current_version_dir(index_root)
    versions = sorted(p for p in index_root.iterdir() if p.is_dir() and p.name.startswith("v"))
    for old in versions[:-keep]:
        if current is None or old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)
    for leftover in index_root.glob(".tmp-*"):
        if _owner_dead(leftover.name):
            shutil.rmtree(leftover, ignore_errors=True)
    for link in index_root.glob(".current-*"):  # a symlink a killed build made but did not rename
        pid = link.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid)):
            link.unlink(missing_ok=True)


def _owner_dead(name: str) -> bool:
    """Whether the build that made ``.tmp-v…-PID-…`` is gone (so its leftovers can go)."""
    try:
        pid = int(name.split("-")[2])
    except (IndexError, ValueError):
        return True
    return not process_alive(pid)


def open_index(version_dir: Path):
    """The Whoosh index of one version folder (for a searcher: ``open_index(d).searcher(weighting=bm25f())``)."""
    return whoosh_index.open_dir(str(version_dir))


def load_documents(version_dir: Path) -> list[Document]:
    with open(version_dir / "documents.jsonl", encoding="utf-8") as f:
        return [Document.from_dict(json.loads(line)) for line in f if line.strip()]


def term_text(term: bytes | str) -> str:
    """A term from a Whoosh lexicon as text (whoosh3 gives bytes for text fields)."""
    return term.decode("utf-8") if isinstance(term, bytes) else term


def fsync_tree(folder: Path, skip: frozenset[str] | set[str] = frozenset()) -> None:
    """fsync the files of ``folder`` (but those named in ``skip``) and the folder itself."""
    for path in folder.iterdir():
        if path.is_file() and path.name not in skip:
            with open(path, "rb") as f:
                os.fsync(f.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def docnum_doc_ids(reader) -> list[str]:
    """docnum → document id, read once from the postings of the ``doc_id`` field."""
    ids = [""] * reader.doc_count_all()
    # Segment by segment, in one pass over each term table: asked of the whole index, every term
    # is looked up in every segment (63k sections in 6 segments: 8.5 s before the first search).
    # A document's sections are added one after another, so a term's term info (first and last
    # docnum, count) usually gives its docnums without reading its postings.
    for leaf, offset in reader.leaf_readers():
        for term, info in leaf.iter_field("doc_id"):
            text = term_text(term)
            first, last = info.min_id(), info.max_id()
            if first is not None and info.doc_frequency() == last - first + 1:
                ids[offset + first : offset + last + 1] = [text] * (last - first + 1)
                continue
            for d in leaf.postings("doc_id", term).all_ids():
                ids[offset + d] = text
    return ids
