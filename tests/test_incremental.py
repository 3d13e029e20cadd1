"""Incremental builds: after a change, a removal and an addition, `kb build` updates the index
(a new version sharing the old segments) and answers like a full build of the same sources.

Whoosh keeps deleted sections in its collection statistics (document count, document
frequencies) until the next full build, so scores differ a little from a full build's (on this
six-document corpus by up to ~4 %; at scale by far less). Same totals, suggestions and
found sections are asserted; the exact order is not guaranteed (an xfail test records it).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path

import pytest

import kb.engine.update
import kb.indexing.build
from kb.config import Project
from kb.engine.index import current_version_dir, load_documents, read_info
from kb.indexing.build import BuildReport, build
from kb.search import Searcher
from tests.hostile import SMALL_KB, copy_sources

REPO = Path(__file__).resolve().parents[1]
DEV = [q["query"] for q in json.loads((REPO / "tests" / "data" / "dev.json").read_text(encoding="utf-8"))]
CHANGED, REMOVED = SMALL_KB[1], SMALL_KB[3]
ADDED = "local/kvastfening.md"
ADDED_TEXT = "# Kvastfeningar i upphandlingen\n\nÅterbruk av kontorsmöbler med kvastfeningar.\n"
APPENDED = "\n\nTillägg om zebrafinkstolar och återbruk av kontorsmöbler.\n"
QUERIES = DEV + ["zebrafinkstolar", "kvastfeningar", "cirkulär ekonomi", "upphandlnig"]


def change_sources(root: Path) -> None:
    with open(root / "sources" / CHANGED, "a", encoding="utf-8") as f:
        f.write(APPENDED)
    (root / "sources" / REMOVED).unlink()
    (root / "sources" / ADDED).parent.mkdir(parents=True, exist_ok=True)
    (root / "sources" / ADDED).write_text(ADDED_TEXT, encoding="utf-8")


@pytest.fixture(scope="module")
def updated_and_full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Project, BuildReport]:
    """The same sources built incrementally (after a first full build) and from scratch."""
    inc = Project(tmp_path_factory.mktemp("incremental"))
    copy_sources(inc.root, SMALL_KB)
    assert build(inc, site=False).index_mode == "full"
    change_sources(inc.root)
    with pytest.MonkeyPatch.context() as mp:  # six documents: one change is a large share of them
        mp.setattr(kb.engine.update, "MAX_DELETED_RATIO", 0.5)
        report = build(inc, site=False)
    full = Project(tmp_path_factory.mktemp("full"))
    shutil.copytree(inc.sources, full.sources)
    assert build(full, site=False).index_mode == "full"
    return inc, full, report


def test_one_change_removal_and_addition_update_the_index(updated_and_full) -> None:
    inc, _, report = updated_and_full
    assert report.index_mode == "incremental"
    assert report.ingested == [ADDED, CHANGED]  # only the new and the changed file are parsed again
    assert report.removed == [REMOVED]
    version = current_version_dir(inc.index_root)
    from_changed = sum(d.source == CHANGED for d in load_documents(version))  # the IVL page: 12 documents
    assert (report.index_changed, report.index_removed) == (from_changed + 1, 1)
    meta = json.loads((version / "meta.json").read_text(encoding="utf-8"))
    assert meta["updated_from"] and len(meta["update_segments"]) == 1
    # unchanged segment files are shared with the previous version, not copied
    assert any(p.stat().st_nlink > 1 for p in version.iterdir() if p.name.startswith("MAIN_"))


def test_documents_and_counts_equal_a_full_build(updated_and_full) -> None:
    inc, full, _ = updated_and_full
    a, b = current_version_dir(inc.index_root), current_version_dir(full.index_root)
    assert (a / "documents.jsonl").read_bytes() == (b / "documents.jsonl").read_bytes()
    assert (a / "documents.ids.json").read_bytes() == (b / "documents.ids.json").read_bytes()
    assert [d.id for d in load_documents(a)] == [d.id for d in load_documents(b)]
    assert (read_info(a).documents, read_info(a).sections) == (read_info(b).documents, read_info(b).sections)


def test_queries_find_what_a_full_build_finds(updated_and_full) -> None:
    inc, full, _ = updated_and_full
    a = Searcher(inc.index_root, "http://kb.example/")
    b = Searcher(full.index_root, "http://kb.example/")
    for query in QUERIES:
        got, want = a.search(query, limit=10), b.search(query, limit=50)
        assert (got.total, got.suggestion) == (want.total, want.suggestion), query
        assert {h.url for h in got.hits} <= {h.url for h in want.hits}, query
    assert [h.source for h in a.search("zebrafinkstolar").hits] == [CHANGED]
    assert [h.source for h in a.search("kvastfeningar").hits][:1] == [ADDED]
    assert all(h.source != REMOVED for q in QUERIES for h in a.search(q, limit=50).hits)


@pytest.mark.xfail(
    strict=True,
    reason="not met: whoosh counts deleted sections in N and document frequencies until the next full "
    "build, so near-tied hits can swap (exactness needs live-count BM25 statistics in kb.search.searcher)",
)
def test_ranking_equals_a_full_build(updated_and_full) -> None:
    inc, full, _ = updated_and_full
    a = Searcher(inc.index_root, "http://kb.example/")
    b = Searcher(full.index_root, "http://kb.example/")
    for query in QUERIES:
        assert [h.url for h in a.search(query).hits] == [h.url for h in b.search(query).hits], query


def test_no_change_touches_nothing(updated_and_full) -> None:
    inc, _, _ = updated_and_full
    before = current_version_dir(inc.index_root)
    report = build(inc, site=False)
    assert report.index_mode == "unchanged" and not report.ingested and not report.index_rebuilt
    assert current_version_dir(inc.index_root) == before


def test_a_touched_file_with_the_same_content_is_not_reindexed(tmp_path: Path) -> None:
    project = Project(tmp_path)
    copy_sources(tmp_path, SMALL_KB[:3])
    build(project, site=False)
    before = current_version_dir(project.index_root)
    os.utime(project.sources / SMALL_KB[0], ns=(1, 1))
    report = build(project, site=False)
    assert report.ingested == [SMALL_KB[0]] and report.index_mode == "unchanged"
    assert current_version_dir(project.index_root) == before


@pytest.mark.parametrize("stage", ["linked", "segment", "written", "renamed"])
def test_interrupt_during_an_update_keeps_the_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    project = Project(tmp_path)
    copy_sources(tmp_path, SMALL_KB[:3])
    build(project, site=False)
    monkeypatch.setattr(kb.engine.update, "MAX_DELETED_RATIO", 0.5)
    old = current_version_dir(project.index_root)
    answers = [h.url for h in Searcher(project.index_root, "http://x/").search("återbruk", limit=20).hits]
    with open(project.sources / SMALL_KB[0], "a", encoding="utf-8") as f:
        f.write(APPENDED)

    def interrupt(at: str) -> None:
        if at == stage:
            raise KeyboardInterrupt

    update_index = kb.engine.update_index
    monkeypatch.setattr(kb.engine, "update_index", functools.partial(update_index, interrupt_hook=interrupt))
    with pytest.raises(KeyboardInterrupt):
        build(project, site=False)
    assert current_version_dir(project.index_root) == old
    assert [h.url for h in Searcher(project.index_root, "http://x/").search("återbruk", limit=20).hits] == answers
    assert not list(project.index_root.glob(".tmp-*"))  # an interrupted update removes its folder
    monkeypatch.setattr(kb.engine, "update_index", update_index)
    report = build(project, site=False)
    assert report.index_mode == "incremental"
    assert [h.source for h in Searcher(project.index_root, "http://x/").search("zebrafinkstolar").hits] == [
        SMALL_KB[0]
    ]


def test_too_many_deletions_fall_back_to_a_full_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(tmp_path)
    copy_sources(tmp_path, SMALL_KB[:3])
    build(project, site=False)
    monkeypatch.setattr(kb.engine.update, "MAX_DELETED_RATIO", 0.0)
    (project.sources / SMALL_KB[2]).unlink()
    report = build(project, site=False)
    assert report.index_mode == "full" and "deleted" in report.full_build_reason
    assert read_info(current_version_dir(project.index_root)).documents == report.documents


def test_update_segments_are_merged_when_they_pile_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = Project(tmp_path)
    copy_sources(tmp_path, SMALL_KB[:3])
    build(project, site=False)
    monkeypatch.setattr(kb.engine.update, "MAX_TAILS", 2)
    monkeypatch.setattr(kb.engine.update, "MAX_DELETED_RATIO", 0.5)
    counts = []
    for n in range(3):
        (project.sources / "local").mkdir(exist_ok=True)
        (project.sources / "local" / f"ny-{n}.md").write_text(f"# Ny {n}\n\nText om ordet hackspett{n}.\n")
        assert build(project, site=False).index_mode == "incremental"
        meta = json.loads((current_version_dir(project.index_root) / "meta.json").read_text(encoding="utf-8"))
        counts.append(len(meta["update_segments"]))
    assert counts == [1, 2, 1]  # the third update merged the two earlier ones with its own
    searcher = Searcher(project.index_root, "http://x/")
    for n in range(3):
        assert [h.source for h in searcher.search(f"hackspett{n}").hits] == [f"local/ny-{n}.md"]


@pytest.mark.slow
def test_large_build_streams_from_the_cache_and_equals_the_in_process_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the size thresholds, sources are parsed in worker processes and the index is written
    by workers reading the document cache; it must equal the one-process build."""
    small = Project(tmp_path / "small")
    copy_sources(small.root, SMALL_KB)
    assert build(small, site=False).index_mode == "full"
    large = Project(tmp_path / "large")
    shutil.copytree(small.sources, large.sources)
    monkeypatch.setattr(kb.indexing.build, "PARALLEL_INGEST_MIN", 1)
    monkeypatch.setattr(kb.indexing.build, "STREAM_MIN_SECTIONS", 1)
    report = build(large, site=False)
    assert report.index_mode == "full" and sorted(report.ingested) == sorted(build(small, site=False).unchanged)
    a, b = current_version_dir(small.index_root), current_version_dir(large.index_root)
    assert (a / "documents.jsonl").read_bytes() == (b / "documents.jsonl").read_bytes()
    assert (a / "documents.ids.json").read_bytes() == (b / "documents.ids.json").read_bytes()
    one, many = Searcher(small.index_root, "http://kb.test/"), Searcher(large.index_root, "http://kb.test/")
    for q in QUERIES:
        r1, r2 = one.search(q, limit=10), many.search(q, limit=10)
        assert (r1.total, [h.url for h in r1.hits]) == (r2.total, [h.url for h in r2.hits]), q
    # the next build finds nothing changed, and a one-file change is an incremental update
    assert build(large, site=False).index_mode == "unchanged"
