"""Originals in the site and links to their pages: from a hit, from a section of the site."""

from __future__ import annotations

import pytest

from kb.config import Project
from kb.indexing.build import build
from kb.model import Block, Section
from kb.originals import original_file, original_url, page_at, page_marks
from kb.search import Searcher
from tests.pdf_maker import Page, make_pdf
from tests.site_support import make_project

SITE = "http://kb.example/"


def _plan() -> bytes:
    """Three pages under one heading; each page has a word found nowhere else."""
    words = {1: "pallkragar", 2: "fönsterbänkar", 3: "skrivbordslampor"}
    pages = []
    for n in (1, 2, 3):
        page = Page()
        if n == 1:
            page.add(60, 80, "Plan för återbruk", 18, bold=True)
        for i in range(40):
            page.add(60, 110 + 16 * i, f"Stycke {i} på sidan {n} handlar om möbler och inköp.", 10)
            if i % 8 == 7:  # a gap: a new paragraph
                page.items[-1].text += f" Här nämns {words[n]}."
        pages.append(page)
    return make_pdf(pages, title="Plan för återbruk i kommunen")


def test_page_marks_round_trip():
    section = Section("a", ["A"], [Block("p", "x" * 10, page=4), Block("p", "y" * 10, page=5), Block("p", "z", page=5)])
    section.page = 4
    marks = page_marks(section)
    assert marks == "4,5@12"
    assert [page_at(marks, offset) for offset in (0, 11, 12, 30)] == [4, 4, 5, 5]
    assert page_marks(Section("b", ["B"], [Block("p", "text")])) == "" and page_at("", 3) is None


def test_original_paths_and_urls():
    assert original_file("office/plan", "office/plan.pdf") == "dok/office/plan/original.pdf"
    assert original_file("seeds/x", "seeds/x.txt") is None
    assert original_url(SITE, "office/plan", "office/Plan.PDF", 3) == f"{SITE}dok/office/plan/original.pdf#page=3"
    assert original_url(SITE, "office/krav", "office/krav.docx", 3) == f"{SITE}dok/office/krav/original.docx"


@pytest.fixture(scope="module")
def pdf_site(tmp_path_factory) -> Project:
    root = make_project(tmp_path_factory.mktemp("originals") / "kb")
    (root / "sources" / "office").mkdir(parents=True)
    (root / "sources" / "office" / "plan.pdf").write_bytes(_plan())
    project = Project(root)
    build(project)
    return project


@pytest.mark.slow
def test_hit_links_to_the_page_its_snippet_is_on(pdf_site: Project):
    searcher = Searcher(pdf_site.index_root, SITE)
    for word, page in (("pallkragar", 1), ("fönsterbänkar", 2), ("skrivbordslampor", 3)):
        hit = searcher.search(word).hits[0]
        assert hit.doc_id == "office/plan" and hit.page == page
        assert hit.original == f"{SITE}dok/office/plan/original.pdf#page={page}"
    lou = searcher.search("upphandlande myndighet").hits[0]
    assert lou.original == "" and lou.page is None


def test_site_publishes_the_original_and_links_sections_to_pages(pdf_site: Project):
    folder = pdf_site.site_dir / "dok" / "office" / "plan"
    assert (folder / "original.pdf").read_bytes() == (pdf_site.sources / "office" / "plan.pdf").read_bytes()
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="original.pdf#page=1"' in page and "Sidan 1 i originalet (PDF)" in page
    assert 'href="original.pdf">Ladda ned originalet (PDF, 3 sidor)' in page
