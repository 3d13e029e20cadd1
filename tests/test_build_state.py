"""Change detection of `kb build` (``kb.indexing.state`` + ``kb.indexing.build.scan_sources``): a source
is re-read exactly when it, its metadata, or the code that parses it may have changed."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import kb.engine.update
import kb.indexing.build
from kb.config import Project
from kb.engine.index import current_version_dir, document_json, load_documents, switch_current
from kb.engine.update import Row, write_documents_file
from kb.indexing.build import build
from kb.indexing.state import read_state
from kb.model import Block, Document, Section
from kb.search import Searcher

TEXTS = {
    "a.md": "# Återbruk av möbler\n\nKommunen återbrukar kontorsmöbler.\n",
    "b.md": "# Klimatkrav\n\nKlimatkrav i upphandlingen av byggentreprenader.\n",
    "c.md": "# Cirkulär ekonomi\n\nCirkulära flöden av textilier.\n",
}
MANIFEST = "path\ttitle\tpublisher\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """Three small sources, built once; a single changed document may be a third of the index."""
    monkeypatch.setattr(kb.engine.update, "MAX_DELETED_RATIO", 0.9)
    for rel, text in TEXTS.items():
        (tmp_path / "sources" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "sources" / rel).write_text(text, encoding="utf-8")
    project = Project(tmp_path)
    assert build(project, site=False).index_mode == "full"
    return project


def _sources(project: Project, word: str) -> list[str]:
    return [h.source for h in Searcher(project.index_root, "http://kb.test/").search(word).hits]


def _rewrite_keeping_stat(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (same length) and put the old modification time back."""
    assert len(old.encode()) == len(new.encode())
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)


def test_nothing_changed_reads_nothing(project: Project) -> None:
    report = build(project, site=False)
    assert report.index_mode == "unchanged" and not report.ingested and report.unchanged == sorted(TEXTS)
    assert (report.documents, report.sections) == (3, 3)


def test_same_size_and_mtime_right_after_a_build_is_checked_by_content(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file modified within the timestamp granularity of the build that saw it is 'racy':
    the next build compares its content instead of trusting its size and mtime."""
    monkeypatch.setattr(kb.indexing.build, "RACY_NS", 3600 * 10**9)  # every file counts as just written
    report = build(project, site=False)  # each racy file's content is compared: all unchanged
    assert report.index_mode == "unchanged" and not report.ingested
    _rewrite_keeping_stat(project.sources / "a.md", "Kommunen", "Zebrafin")
    report = build(project, site=False)
    assert report.ingested == ["a.md"] and report.index_mode == "incremental"
    assert _sources(project, "zebrafin") == ["a.md"]


def test_an_old_file_is_known_by_its_stat(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The counterpart: outside the racy window the stat is trusted and the file is not read."""
    monkeypatch.setattr(kb.indexing.build, "RACY_NS", -(10**15))
    build(project, site=False)  # records the files as not racy
    _rewrite_keeping_stat(project.sources / "a.md", "Kommunen", "Zebrafin")
    report = build(project, site=False)
    assert not report.ingested and report.index_mode == "unchanged"


def test_removed_added_and_renamed_files(project: Project) -> None:
    (project.sources / "b.md").unlink()
    (project.sources / "c.md").rename(project.sources / "d.md")
    (project.sources / "e.md").write_text("# Ny\n\nKvastfeningar i upphandlingen.\n", encoding="utf-8")
    report = build(project, site=False)
    assert report.removed == ["b.md", "c.md"] and report.ingested == ["d.md", "e.md"]
    assert report.index_mode == "incremental"
    assert sorted(d.source for d in load_documents(current_version_dir(project.index_root))) == ["a.md", "d.md", "e.md"]
    assert _sources(project, "textilier") == ["d.md"] and _sources(project, "kvastfeningar") == ["e.md"]
    cache_path = kb.indexing.build.document_cache_path
    cached = {rel: cache_path(project, rel).exists() for rel in ("a.md", "b.md", "c.md", "d.md")}
    assert cached == {"a.md": True, "b.md": False, "c.md": False, "d.md": True}
    assert build(project, site=False).index_mode == "unchanged"


@pytest.mark.slow
def test_sidecar_and_manifest_changes(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb.indexing.build, "RACY_NS", -(10**15))  # no file is racy: stat alone decides
    sidecar = project.sources / "a.md.meta.yml"
    sidecar.write_text("publisher: Förlaget Ett\n", encoding="utf-8")
    report = build(project, site=False)
    assert report.ingested == ["a.md"] and report.index_mode == "incremental"
    sidecar.write_text("publisher: Förlaget Två\n", encoding="utf-8")
    assert build(project, site=False).ingested == ["a.md"]
    docs = {d.source: d for d in load_documents(current_version_dir(project.index_root))}
    assert docs["a.md"].meta["publisher"] == "Förlaget Två"
    os.utime(sidecar, ns=(1, 1))  # touched, same metadata: not parsed again
    report = build(project, site=False)
    assert not report.ingested and report.index_mode == "unchanged"
    manifest = project.sources / "MANIFEST.tsv"
    manifest.write_text(MANIFEST + "b.md\tKlimatkraven\tVerket\n", encoding="utf-8")
    assert build(project, site=False).ingested == ["b.md"]  # the only file the manifest names
    manifest.write_text(MANIFEST + "b.md\tKlimatkraven\tVerket\nc.md\tCirkulärt\tMyndigheten\n", encoding="utf-8")
    assert build(project, site=False).ingested == ["c.md"]  # b.md's metadata is the same
    docs = {d.source: d for d in load_documents(current_version_dir(project.index_root))}
    assert (docs["b.md"].meta["publisher"], docs["c.md"].meta["publisher"]) == ("Verket", "Myndigheten")


def test_a_file_that_became_unreadable_is_a_skip(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permissions change a file's ctime, not its mtime: that is when it is opened again."""
    locked = str(project.sources / "b.md")
    denied = "unreadable: Permission denied"
    monkeypatch.setattr(kb.indexing.build, "unreadable", lambda path: denied if path == locked else None)
    os.chmod(locked, 0o644)  # same mode: only the ctime moves
    report = build(project, site=False)
    assert ("b.md", denied) in report.skipped and report.removed == ["b.md"]
    assert _sources(project, "byggentreprenader") == []
    monkeypatch.setattr(kb.indexing.build, "unreadable", lambda path: None)
    os.chmod(locked, 0o644)
    report = build(project, site=False)
    assert report.ingested == ["b.md"] and _sources(project, "byggentreprenader") == ["b.md"]


def test_a_changed_parser_rereads_every_source(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb.indexing.build, "code_fingerprint", lambda: "other-code")
    report = build(project, site=False)
    assert report.ingested == sorted(TEXTS) and report.index_mode == "full"


def test_a_damaged_state_file_means_reading_every_source_again(project: Project) -> None:
    (project.build / "sources.state").write_bytes(b"\x80\x05not a pickle")
    assert read_state(project.build).rels == []
    report = build(project, site=False)
    assert report.ingested == sorted(TEXTS) and report.index_mode == "unchanged"  # same documents
    assert read_state(project.build).rels == sorted(TEXTS)


def test_an_index_switched_behind_the_builds_back_is_brought_up_to_date(project: Project) -> None:
    first = current_version_dir(project.index_root)
    with open(project.sources / "a.md", "a", encoding="utf-8") as f:
        f.write("\nZebrafinkstolar.\n")
    assert build(project, site=False).index_mode == "incremental"
    switch_current(project.index_root, first)  # e.g. a restored backup: no source changed since
    report = build(project, site=False)
    assert report.index_mode == "incremental" and _sources(project, "zebrafinkstolar") == ["a.md"]


def _doc(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, title=text, source=f"{doc_id}.md", sections=[Section("s", [text], [Block("p", text)])])


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_documents_file_is_copied_in_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_copy: bool) -> None:
    """Unchanged lines are copied as bytes (also when the old file's last line has no newline,
    and on file systems without ``copy_file_range``); changed and new ones are serialized."""
    if not kernel_copy:

        def unsupported(*args, **kwargs):
            raise OSError(errno.ENOSYS, "not supported")

        monkeypatch.setattr(os, "copy_file_range", unsupported)
    old = [_doc(i, f"text {i} å") for i in ("a", "b", "c", "d", "e")]
    (tmp_path / "old.jsonl").write_text("\n".join(document_json(d) for d in old), encoding="utf-8")
    changed, added = _doc("c", "ändrad"), _doc("bb", "ny")
    new = [old[0], old[1], added, changed, old[4]]  # d removed
    rows = [Row(d.id, d.content_hash, d.source) for d in new]
    old_rows = [[d.id, d.content_hash, d.source] for d in old]
    docs = {"c": changed, "bb": added}
    fd = write_documents_file(tmp_path / "old.jsonl", tmp_path / "new.jsonl", old_rows, rows, docs)
    os.close(fd)
    assert (tmp_path / "new.jsonl").read_text(encoding="utf-8") == "".join(document_json(d) + "\n" for d in new)
    with pytest.raises(kb.engine.update.FullBuildNeeded):  # a file that does not match its manifest
        write_documents_file(tmp_path / "old.jsonl", tmp_path / "x.jsonl", old_rows[1:], rows, {})


def test_whole_second_timestamps_get_a_wider_racy_window() -> None:
    second = 10**9
    scan = 1_800_000_000 * second + 300_000_000  # 0.3 s into a second
    assert kb.indexing.build.is_racy(scan - 300_000_000 - 2 * second, scan)  # a file system with 2 s steps
    assert not kb.indexing.build.is_racy(scan - 300_000_000 - 2 * second + 1, scan)  # a sub-second stamp, 2 s old
    assert kb.indexing.build.is_racy(scan - 10_000_000, scan)  # modified within a clock tick of the scan
