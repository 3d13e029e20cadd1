"""The bulk index path (kb.analysis.fast + kb.engine.segment) must index exactly like whoosh's own writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from kb.analysis import index_analyzer
from kb.analysis.fast import FieldAnalysis, reference_analysis
from kb.engine import bulk, postings, segment
from kb.engine import index as kb_index
from kb.ingest import discover, ingest
from kb.model import Block, Document, Section

ROOT = Path(__file__).resolve().parents[1]

TRICKY = [
    "bygg- och rivningsavfall samt LCA-baserade krav",
    "Miljö- och energidepartementet, jordförvärvs- och arrendelagstiftningen",
    "bygg-, anläggnings- och fastighetsentreprenader",
    "och-eller",
    "Av- och på-",
    "-",
    "x--y z",
    "näringsminister- och",
    "İstanbul och 19 a kap. 3 § 2016:1145, 1,5 procent",
    "Återbruk av möbler i kontorsmöblerna; återvinning, återbrukade",
    "EU-rätt och EU- och EES-avtalet",
    "1-3 §§ och 4 a-5 b §§",
]


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    sources, _ = discover(ROOT / "sources")
    docs: list[Document] = []
    for source in sources[:60]:
        try:
            docs.extend(ingest(source))
        except Exception:  # noqa: BLE001 - skips are fine here
            continue
    tricky = Document(
        id="t/tricky",
        title="Bygg- och rivningsavfall",
        source="t/tricky.md",
        sections=[Section(anchor="a", path=["Bygg- och rivningsavfall"], blocks=[Block("p", t) for t in TRICKY])],
    )
    return [tricky, *docs]


@pytest.mark.slow
def test_field_analysis_equals_generator_chain(documents):
    analyzer = index_analyzer()
    fast = FieldAnalysis(analyzer)
    values = list(TRICKY)
    for doc in documents:
        for record in kb_index.section_records(doc):
            values += [record["title"], record["heading"], record["body"]]
    for value in values:
        assert fast.analyze(value) == reference_analysis(analyzer, value), value[:80]


def _dump(folder: Path) -> dict:
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as r:
        out: dict = {"stored": [r.stored_fields(i) for i in range(r.doc_count_all())]}
        for fn in r.indexed_field_names():
            for t in r.field_terms(fn):
                if fn.startswith("spell_"):
                    out[(fn, t)] = r.frequency(fn, t)
                    continue
                m = r.postings(fn, t)
                items = []
                while m.is_active():
                    items.append((m.id(), round(m.weight(), 5), m.value()))
                    m.next()
                out[(fn, t)] = (items, r.doc_frequency(fn, t))
        for fn in ("title", "heading", "body"):
            out[("len", fn)] = [r.doc_field_length(i, fn) for i in range(r.doc_count_all())]
            out[("stats", fn)] = (r.field_length(fn), r.min_field_length(fn), r.max_field_length(fn))
    return out


@pytest.mark.slow
def test_bulk_segments_equal_whoosh_writer(documents, tmp_path, monkeypatch):
    reference = tmp_path / "ref"
    reference.mkdir()
    ix = whoosh_index.create_in(str(reference), kb_index.make_schema())
    with ix.writer() as w:
        for doc in documents:
            for record in kb_index.section_records(doc):
                w.add_document(**record)
    # force several segments (two worker processes: tests/test_build_stream.py)
    monkeypatch.setattr(bulk, "SEGMENT_POSTINGS", 20_000)
    info = bulk.write_index(documents, tmp_path / "idx")
    assert len(whoosh_index.open_dir(str(info.path)).reader().leaf_readers()) > 1
    assert _dump(info.path) == _dump(reference)
    assert kb_index.load_documents(info.path)[0].id == documents[0].id
    assert [d.id for d in kb_index.load_documents(info.path)] == [d.id for d in documents]


@pytest.mark.slow
def test_small_sort_buckets_and_batches_write_the_same_index(documents, tmp_path, monkeypatch):
    """Postings ordered a few terms at a time, from many small batches: the same index."""
    reference = bulk.write_index(documents, tmp_path / "ref", procs=1)
    monkeypatch.setattr(segment, "SORT_BUCKET", 5)
    monkeypatch.setattr(segment, "TEXT_CHUNK", 3)
    monkeypatch.setattr(postings, "BATCH_ENTRIES", 50)
    info = bulk.write_index(documents, tmp_path / "idx", procs=1)
    assert _dump(info.path) == _dump(reference.path)


def test_interrupted_build_leaves_previous_index(documents, tmp_path, monkeypatch):
    root = tmp_path / "idx"
    first = bulk.write_index(documents[:5], root, procs=1)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(kb_index.VersionDraft, "finish", boom)
    with pytest.raises(KeyboardInterrupt):
        bulk.write_index(documents, root, procs=1)
    assert kb_index.current_version_dir(root) == first.path.resolve()
    assert not list(root.glob(".tmp-*"))
    assert whoosh_index.open_dir(str(first.path)).doc_count() == first.sections


def test_litter_of_killed_builds_is_removed(tmp_path):
    """A dead build's stray `current` symlink and partial cache file go at the next build."""
    import os

    from kb.config import Project
    from kb.indexing.build import build

    root = tmp_path / "kb"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "a.md").write_text("# Återbruk\n\nMöbler kan återbrukas.\n", encoding="utf-8")
    project = Project(root)
    build(project, site=False)
    dead_pid = 2**22 + 12345  # above the largest pid_max Linux allows: never a live process
    stray_link = project.index_root / f".current-{dead_pid}"
    os.symlink("nowhere", stray_link)
    partial = project.documents_cache / f"x.tmp{dead_pid}"
    partial.write_text("{", encoding="utf-8")
    (root / "sources" / "b.md").write_text("# Klimatkrav\n\nKrav i upphandling.\n", encoding="utf-8")
    build(project, site=False)
    assert not stray_link.is_symlink()
    assert not partial.exists()


def test_weights_beyond_float32_are_written_as_whoosh_writes_them(tmp_path):
    """A field boost of 0.1 makes weights float32 cannot hold: the weight column widens to
    float64, and the blocks carry the same (float32-rounded) weights as whoosh's writer's."""
    import numpy as np
    from whoosh.fields import TEXT, Schema
    from whoosh.filedb.filestore import FileStorage

    schema = Schema(body=TEXT(analyzer=index_analyzer(), field_boost=0.1))
    texts = ["återbruk av möbler", "möbler och kontorsmöbler", "återbruk återbruk av kontorsmöbler"]
    (tmp_path / "ref").mkdir()
    with whoosh_index.create_in(str(tmp_path / "ref"), schema).writer() as w:
        for text in texts:
            w.add_document(body=text)
    builder = segment.SegmentBuilder(FileStorage(str(tmp_path / "idx")).create(), schema)
    for text in texts:
        builder.add({"body": text})
    builder.text["body"].flush()
    assert builder.text["body"].weight.dtype == np.float64
    from whoosh.index import TOC

    TOC(schema, [builder.finish()], 1).write(FileStorage(str(tmp_path / "idx")), segment.INDEX_NAME)

    def postings_of(folder):
        with whoosh_index.open_dir(str(folder)).reader() as r:
            out = {}
            for t in r.field_terms("body"):
                m = r.postings("body", t)
                out[t] = []
                while m.is_active():
                    out[t].append((m.id(), m.weight(), m.value()))
                    m.next()
            return out

    assert postings_of(tmp_path / "idx") == postings_of(tmp_path / "ref")
