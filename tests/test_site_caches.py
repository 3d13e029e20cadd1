"""The site's caches between builds change nothing: "Se även" and the static search index are
the same with a warm cache, a cold cache and the uncached code they replace."""

from __future__ import annotations

import dataclasses
import marshal
import shutil
from pathlib import Path

import pytest

from kb.config import Project
from kb.engine.index import current_version_dir, load_documents
from kb.search import Searcher
from kb.site import static_search
from kb.site.related import VECTORS_NAME, related_documents
from kb.site.static_index import build_static_index

SITE_URL = "http://kb.example/"


@pytest.mark.slow
def test_related_equals_the_searchers_more_like_this(default_kb: Project, tmp_path: Path) -> None:
    project = Project(tmp_path)  # its own build/ for the cache, the shared index
    shutil.copytree(default_kb.index_root, project.index_root, symlinks=True)
    documents = load_documents(current_version_dir(project.index_root))
    known = {d.id for d in documents}
    searcher = Searcher(project.index_root, SITE_URL)
    expected = {
        d.id: [(rid, title) for rid, title in searcher.more_like_this(d.id, 8) if rid in known and rid != d.id][:5]
        for d in documents
    }
    assert sum(map(len, expected.values())) > len(documents)  # "Se även" is not trivially empty

    cold = related_documents(project, documents, SITE_URL)
    assert (project.build / VECTORS_NAME).exists()
    warm = related_documents(project, documents, SITE_URL)
    assert cold == expected
    assert warm == expected


@pytest.mark.slow
def test_static_search_with_remembered_words_equals_a_fresh_analysis(default_kb: Project, tmp_path: Path) -> None:
    documents = load_documents(current_version_dir(default_kb.index_root))[::8]
    expected = build_static_index(documents)
    assert static_search.static_search_files(documents, cache_dir=tmp_path) == expected  # fills the word cache
    remembered = marshal.loads((tmp_path / static_search.WORDS_NAME).read_bytes())
    assert len(remembered["texts"]) > len(documents)  # whole field texts are remembered too
    (tmp_path / static_search.CACHE_NAME).unlink()  # force a new index made from remembered words only
    changed = documents[1:]  # another corpus: every score moves, the words are still known
    assert static_search.static_search_files(changed, cache_dir=tmp_path) == build_static_index(changed)
    assert static_search.static_search_files(documents, cache_dir=tmp_path) == expected


@pytest.mark.slow
def test_static_search_after_one_section_changed_equals_a_fresh_analysis(default_kb: Project, tmp_path: Path) -> None:
    documents = load_documents(current_version_dir(default_kb.index_root))[::8]
    static_search.static_search_files(documents, cache_dir=tmp_path)  # remembers every field text
    doc = documents[2]
    first = doc.sections[0]
    extra = dataclasses.replace(first.blocks[0], text="Zebrafinkstolar återbrukas.")
    edited = dataclasses.replace(first, blocks=[*first.blocks, extra])
    changed = list(documents)
    changed[2] = dataclasses.replace(doc, sections=[edited, *doc.sections[1:]])
    files = static_search.static_search_files(changed, cache_dir=tmp_path)
    assert files == build_static_index(changed)
    assert any("zebrafinkstolar" in text for text in files.values())


def test_static_search_cache_answers_unchanged_documents_without_a_rebuild(
    default_kb: Project, tmp_path: Path, monkeypatch
) -> None:
    documents = load_documents(current_version_dir(default_kb.index_root))[::8]
    first = static_search.static_search_files(documents, cache_dir=tmp_path)
    calls: list[int] = []
    monkeypatch.setattr(static_search, "build_static_index", lambda *a, **k: calls.append(1) or {})
    assert static_search.static_search_files(documents, cache_dir=tmp_path) == first
    assert calls == []
