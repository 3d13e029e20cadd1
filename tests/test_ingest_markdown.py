"""Markdown: statutes with front matter, government texts, and broken input."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.ingest import SkipSource, SourceFile, ingest
from kb.ingest.markdown_blocks import inline_text
from kb.model import Document

FIXTURES = Path(__file__).parent / "fixtures"


def _ingest(rel: str, meta: dict | None = None) -> list[Document]:
    return ingest(SourceFile(path=FIXTURES / rel, rel=rel, meta=meta or {}))


def _write(tmp_path: Path, text: str, name: str = "doc.md") -> SourceFile:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return SourceFile(path=path, rel=name, meta={})


def _anchors(doc: Document) -> list[str]:
    return [s.anchor for s in doc.sections] + [b.anchor for s in doc.sections for b in s.blocks if b.anchor]


@pytest.fixture(scope="module")
def lou() -> Document:
    (doc,) = _ingest("sfs/sfs-2016-1145.md", {"type": "författning (SFS)", "published": "2016-12-01"})
    return doc


def test_statute_title_and_meta(lou: Document) -> None:
    assert lou.id == "sfs/sfs-2016-1145"
    assert lou.title == "Lag om offentlig upphandling"
    assert lou.meta["beteckning"] == "2016:1145"
    assert lou.meta["departement"] == "Finansdepartementet"
    assert lou.meta["utfardad_datum"] == "2016-12-01"
    assert lou.meta["date"] == "2016-12-01"
    assert lou.meta["type"] == "författning"


def test_statute_chapters_and_paragraphs(lou: Document) -> None:
    chapter = next(s for s in lou.sections if s.anchor == "kap19a")
    assert chapter.heading.startswith("19 a kap.")
    assert chapter.path == ["19 a kap. Direktupphandling"]
    para = next(b for b in chapter.blocks if b.anchor == "kap19a-3")
    assert para.kind == "para" and para.text == "3 §"
    assert any(b.kind == "h" for b in chapter.blocks)
    kap1 = next(s for s in lou.sections if s.anchor == "kap1")
    assert kap1.blocks[0] == type(kap1.blocks[0])(kind="h", text="Lagens innehåll")
    assert [s.anchor for s in lou.sections[:3]] == ["kap1", "kap2", "kap3"]
    anchors = _anchors(lou)
    assert len(anchors) == len(set(anchors))


def test_garbled_paragraph_headings_keep_their_text(lou: Document) -> None:
    kap1 = next(s for s in lou.sections if s.anchor == "kap1")
    labels = {b.anchor: b.text for b in kap1.blocks if b.kind == "para"}
    assert labels["kap1-11"] == "11 §" and labels["kap1-11a"] == "11 a §" and labels["kap1-12"] == "12 §"
    texts = [b.text for b in kap1.blocks]
    i = texts.index("11 a §")
    assert texts[i + 1].startswith("/2002 av den 5 november 2002 om en gemensam terminologi")
    assert "/24/" in texts[texts.index("11 §") + 1]


def test_statute_inline_markdown_is_plain(lou: Document) -> None:
    body = "\n".join(b.text for s in lou.sections for b in s.blocks)
    assert "](" not in body and "**" not in body and "https://selex.se" not in body
    assert "Lag (2021:1110)." in body


def test_chapterless_statute_uses_p_anchors() -> None:
    (doc,) = _ingest("sfs/sfs-2009-907.md")
    intro = doc.sections[0]
    assert intro.path == [doc.title] == ["Förordning om miljöledning i statliga myndigheter"]
    assert intro.anchor == "inledning"
    assert [b.anchor for b in intro.blocks if b.kind == "para"][:3] == ["p1", "p2", "p3"]
    assert len(_anchors(doc)) == len(set(_anchors(doc)))


@pytest.mark.parametrize("rel", ["sfs/sfs-2008-962.md", "sfs/sfs-2016-1162.md"])
def test_statute_without_body_is_skipped(rel: str) -> None:
    with pytest.raises(SkipSource, match="metadata but no body"):
        _ingest(rel)


def test_broken_front_matter_is_a_warning(tmp_path: Path) -> None:
    source = _write(
        tmp_path, "---\nbeteckning: [2016:1\nrubrik: x: y\n---\n# Riktig rubrik\n\nBrödtext om möbler.\n"
    )
    (doc,) = ingest(source)
    assert doc.title == "Riktig rubrik"
    assert doc.meta["warning"].startswith("front matter unreadable:")
    assert doc.sections[0].blocks[0].text == "Brödtext om möbler."


def test_government_text_title_and_sections() -> None:
    (doc,) = _ingest(
        "regeringen/uppdrag-till-trafikverket-att-stalla-krav-pa-sysselsattning-i-upphandlingar.md"
    )
    assert doc.title == "Uppdrag till Trafikverket att ställa krav på sysselsättning i upphandlingar"
    paths = [s.path for s in doc.sections]
    assert paths[0] == [doc.title]
    assert ["Bakgrund"] in paths and ["Bakgrund", "Närmare om uppdraget"] in paths
    items = [b for s in doc.sections for b in s.blocks if b.kind == "li"]
    assert len(items) == 6 and not items[0].text.startswith("*")


def test_government_text_bare_subheadings() -> None:
    (doc,) = _ingest("regeringen/sverige-lyfte-farliga-amnen-i-textilier.md")
    assert doc.title == "Sverige lyfte farliga ämnen i textilier"
    assert [s.path for s in doc.sections][1:] == [
        ["En andra åtagandeperiod under Kyotoprotokollet"],
        ["Utsläppskrav från förbränningsanläggningar"],
        ["EU-kommissionen drar tillbaka avfallspaketet"],
    ]
    # soft line breaks join into one paragraph
    assert any("val. Sverige lyfte särskilt" in b.text for b in doc.sections[0].blocks)


def test_inline_markdown_to_plain_text() -> None:
    assert inline_text("Se **[LOU](https://x.se/a_(b))** och _detta_ ![bild](p.png) <b>nu</b> &amp; här") == (
        "Se LOU och detta nu & här"
    )
    assert inline_text("snake_case_name och 2 * 3 * 4") == "snake_case_name och 2 * 3 * 4"


def test_markdown_without_heading_uses_fallback_title(tmp_path: Path) -> None:
    (doc,) = ingest(_write(tmp_path, "Bara text.\n\n- punkt ett\n- punkt två\n", "anteckning.md"))
    assert doc.title == "anteckning"
    assert [b.kind for b in doc.sections[0].blocks] == ["p", "li", "li"]
