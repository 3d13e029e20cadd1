"""kb.search.similar ranks exactly as Whoosh's own "more like this" (key terms, then an OR search)."""

from __future__ import annotations

import pytest
from whoosh import index as whoosh_index
from whoosh.query import Or, Term
from whoosh.scoring import BM25F

from kb.config import Project
from kb.engine.index import current_version_dir, load_documents
from kb.engine.scoring import BM25_B, BM25_K1, ArrayScorer
from kb.search.similar import CANDIDATES, FIELD, KEY_TERMS, SimilarDocuments, mlt_text


def _whoosh_like(searcher, text: str, exclude: str, limit: int) -> list[str]:
    keywords = [w for w, _ in searcher.key_terms_from_text(FIELD, text, numterms=KEY_TERMS)]
    if not keywords:
        return []
    out, seen = [], {exclude}
    for hit in searcher.search(Or([Term(FIELD, w) for w in keywords]), limit=CANDIDATES):
        if hit["doc_id"] not in seen:
            seen.add(hit["doc_id"])
            out.append(hit["doc_id"])
    return out[:limit]


@pytest.mark.slow
def test_similar_documents_equal_whooshs_more_like_this(default_kb: Project) -> None:
    version = current_version_dir(default_kb.index_root)
    searcher = whoosh_index.open_dir(str(version)).searcher(weighting=BM25F(B=BM25_B, K1=BM25_K1))
    lazy = SimilarDocuments(searcher, ArrayScorer(searcher, BM25_B, BM25_K1))
    preloaded = SimilarDocuments(searcher, ArrayScorer(searcher, BM25_B, BM25_K1), preload=True)
    found = 0
    for doc in load_documents(version):
        text = mlt_text(doc)
        expected = _whoosh_like(searcher, text, doc.id, 8)
        weights, total = lazy.vector(text)
        assert lazy.key_terms(weights, total) == [w for w, _ in searcher.key_terms_from_text(FIELD, text, KEY_TERMS)]
        assert lazy.like(weights, total, doc.id, 8) == expected, doc.id
        assert preloaded.like(weights, total, doc.id, 8) == expected, doc.id
        found += len(expected)
    assert found > 1000  # the comparison is not trivially between empty lists


def test_unknown_words_give_no_similar_documents(default_kb: Project) -> None:
    version = current_version_dir(default_kb.index_root)
    searcher = whoosh_index.open_dir(str(version)).searcher(weighting=BM25F(B=BM25_B, K1=BM25_K1))
    similar = SimilarDocuments(searcher, ArrayScorer(searcher, BM25_B, BM25_K1))
    weights, total = similar.vector("qqxyzzy wwvvxx")
    assert similar.like(weights, total, "none", 5) == []


@pytest.mark.slow
def test_deleted_sections_of_an_updated_index_are_never_similar(tmp_path, monkeypatch) -> None:
    import kb.engine.update
    from kb.indexing.build import build
    from tests.hostile import SMALL_KB, copy_sources

    project = Project(tmp_path)
    copy_sources(project.root, SMALL_KB)
    build(project, site=False)
    with open(project.sources / SMALL_KB[1], "a", encoding="utf-8") as f:
        f.write("\n\nTillägg om återbruk av kontorsmöbler och cirkulär upphandling.\n")
    (project.sources / SMALL_KB[3]).unlink()  # its sections stay in the index, deleted
    monkeypatch.setattr(kb.engine.update, "MAX_DELETED_RATIO", 0.5)
    assert build(project, site=False).index_mode == "incremental"
    version = current_version_dir(project.index_root)
    searcher = whoosh_index.open_dir(str(version)).searcher(weighting=BM25F(B=BM25_B, K1=BM25_K1))
    assert searcher.reader().has_deletions()
    similar = SimilarDocuments(searcher, ArrayScorer(searcher, BM25_B, BM25_K1), preload=True)
    documents = load_documents(version)
    live_ids = {d.id for d in documents}
    for doc in documents:
        text = mlt_text(doc)
        weights, total = similar.vector(text)
        got = similar.like(weights, total, doc.id, 8)
        assert got == _whoosh_like(searcher, text, doc.id, 8), doc.id
        assert all(other in live_ids for other in got)


def test_docnum_doc_ids_over_segments_and_scattered_sections(tmp_path):
    """docnum -> document id: from term infos where a document's sections are consecutive, from
    its postings where they are not, with each segment's docnums offset."""
    from whoosh.fields import ID, Schema

    from kb.search.similar import docnum_doc_ids

    ix = whoosh_index.create_in(str(tmp_path), Schema(doc_id=ID()))
    with ix.writer() as w:  # first segment: a a b
        for doc in ("a", "a", "b"):
            w.add_document(doc_id=doc)
    with ix.writer() as w:  # second segment: c d c d c (scattered)
        for doc in ("c", "d", "c", "d", "c"):
            w.add_document(doc_id=doc)
    with ix.reader() as reader:
        assert len(reader.leaf_readers()) == 2
        assert docnum_doc_ids(reader) == ["a", "a", "b", "c", "d", "c", "d", "c"]
