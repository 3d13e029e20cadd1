"""Plain-text web captures: the two seeds and the generic text path."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.ingest import SourceFile, ingest
from kb.model import Document, doc_id

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = FIXTURES / "seeds"
REGION = "seeds/000_0263c3a175406f7d.txt"
IVL = "seeds/004_2b01af607921aa6d.txt"

EXPECTED_PROJECTS = {
    "Affärsmodellinnovation för cirkulära möbelflöden": ["cirkulär"],
    "Centrum för cirkulärt byggande": ["cirkulär"],
    "Cirkulära Göteborg": ["cirkulär"],
    "Circular Sweden": ["cirkulär"],
    "Genomlysning av klimatkompensation": ["klimatanpassad"],
    "Offentlig upphandling som ett klimatpolitiskt styrmedel": ["klimatanpassad"],
    "Trafikverket": ["klimatanpassad"],
    "Upphandla cirkulärt i praktiken": ["cirkulär"],
    "Upphandlingskriterier för cirkulära produkter": ["cirkulär"],
    "Upphandlingsmodell för cirkulära material- och produktflöden": ["cirkulär"],
    "Miljökrav för offentlig upphandling av elbussar": [],
}


def _ingest(rel: str, meta: dict | None = None) -> list[Document]:
    return ingest(SourceFile(path=FIXTURES / rel, rel=rel, meta=meta or {}))


def _all_text(doc: Document) -> str:
    return "\n".join([s.heading for s in doc.sections] + [b.text for s in doc.sections for b in s.blocks])


@pytest.fixture(scope="module")
def ivl() -> list[Document]:
    return _ingest(IVL, {"publisher": "IVL Svenska Miljöinstitutet", "type": "projekt"})


def test_region_stockholm_capture() -> None:
    (doc,) = _ingest(REGION, {"publisher": "Region Stockholm", "type": "webbsida"})
    assert doc.id == doc_id(REGION)
    assert doc.title == "Resurseffektivitet och cirkulära flöden"
    assert doc.meta["reviewed"] == "2023-10-24"
    assert doc.meta["publisher"] == "Region Stockholm"
    text = _all_text(doc)
    assert "Senast granskad" not in text
    assert text.count("Resurseffektivitet och cirkulära flöden") == 1  # title is a heading, not body
    assert doc.sections[0].path == [doc.title]
    assert doc.sections[0].blocks[0].text.startswith("Övergången till resurseffektiva")
    assert all(b.kind == "p" for s in doc.sections for b in s.blocks)


def test_ivl_parent_document(ivl: list[Document]) -> None:
    parent = ivl[0]
    assert parent.id == doc_id(IVL) and parent.parent is None
    assert parent.title == "Pågående projekt och aktiviteter"
    assert len(parent.sections) == 1 and parent.sections[0].path == [parent.title]
    assert parent.sections[0].blocks[0].text.startswith("IVL Svenska Miljöinstitutet har startat")
    text = _all_text(parent)
    for crumb in ("Startsida", "Projekt och aktiviteter", "Business concept", "Affärsmodellinnovation"):
        assert crumb not in text


def test_ivl_projects_and_tags(ivl: list[Document]) -> None:
    parent, projects = ivl[0], ivl[1:]
    assert len(projects) == 11
    assert {p.title: p.tags for p in projects} == EXPECTED_PROJECTS
    assert [p.title for p in projects] == list(EXPECTED_PROJECTS)  # page order
    for project in projects:
        assert project.parent == parent.id
        assert project.id.startswith(parent.id + "/")
        assert (
            project.meta["publisher"] == "IVL Svenska Miljöinstitutet" and project.meta["type"] == "projekt"
        )
        assert project.sections[0].path == [project.title]
        assert all(s.tags == project.tags for s in project.sections)
        assert project.content_hash == parent.content_hash != ""
    assert len({p.id for p in ivl}) == 12


def test_ivl_noise_removed(ivl: list[Document]) -> None:
    for doc in ivl:
        text = _all_text(doc)
        assert "Länk till annan webbplats" not in text
        assert "öppnas i nytt fönster" not in text
        assert "En illustration" not in text
        assert "Mer information om projektet" not in text
    byggande = next(d for d in ivl if d.title == "Centrum för cirkulärt byggande")
    assert "Läs mer om Centrum för cirkulärt byggande här." not in _all_text(byggande)
    sweden = next(d for d in ivl if d.title == "Circular Sweden")
    assert sweden.sections[-1].blocks[-1].kind == "li"
    assert sweden.sections[-1].blocks[-1].text == "Cirkulära värdekedjor"
    praktiken = next(d for d in ivl if d.title == "Upphandla cirkulärt i praktiken")
    assert "framtagen av Copper8 i samarbete med Nederländska Rijkswaterstaat" in _all_text(praktiken)


def test_ivl_subsections(ivl: list[Document]) -> None:
    praktiken = next(d for d in ivl if d.title == "Upphandla cirkulärt i praktiken")
    paths = [s.path for s in praktiken.sections]
    assert paths == [
        ["Upphandla cirkulärt i praktiken"],
        ["Upphandla cirkulärt i praktiken", "Erfarenheter från praktiken"],
        ["Upphandla cirkulärt i praktiken", "Behov av stöd och råd - så kan en arbetsfördelning se ut"],
    ]
    assert [s.anchor for s in praktiken.sections] == [
        "upphandla-cirkulart-i-praktiken",
        "erfarenheter-fran-praktiken",
        "behov-av-stod-och-rad-sa-kan-en-arbetsfordelning-se-ut",
    ]
    kinds = [b.kind for b in praktiken.sections[1].blocks]
    assert kinds.count("li") == 5


def test_ivl_unmarked_last_project(ivl: list[Document]) -> None:
    elbuss = ivl[-1]
    assert elbuss.title == "Miljökrav för offentlig upphandling av elbussar" and elbuss.tags == []
    assert elbuss.id == doc_id(IVL) + "/miljokrav-for-offentlig-upphandling-av-elbussar"
    assert "Lisbeth Dahllöf" in _all_text(elbuss)
    modell = ivl[-2]
    assert "Miljökrav" not in _all_text(modell)
    assert modell.sections[-1].blocks[-1].kind == "li"


def test_generic_text_sections(tmp_path: Path) -> None:
    path = tmp_path / "guide.txt"
    path.write_text(
        "Guide till återbruk\n\nInledande text om återbruk av möbler.\n\nBakgrund\n\n"
        "Många organisationer köper nya möbler.\n\n • första punkten\n • andra punkten\n\n"
        "Så gör du\n\nBörja med en inventering av befintliga möbler.\n",
        encoding="utf-8",
    )
    (doc,) = ingest(SourceFile(path=path, rel="egna/guide.txt", meta={}))
    assert doc.title == "Guide till återbruk"
    assert [s.path for s in doc.sections] == [["Guide till återbruk"], ["Bakgrund"], ["Så gör du"]]
    assert [b.kind for b in doc.sections[1].blocks] == ["p", "li", "li"]
    assert doc.sections[1].blocks[1].text == "första punkten"


def test_text_without_heading_uses_manifest_title(tmp_path: Path) -> None:
    path = tmp_path / "notis.txt"
    path.write_text("En mening utan rubrik, som slutar med punkt.\n", encoding="utf-8")
    (doc,) = ingest(SourceFile(path=path, rel="notis.txt", meta={"title": "Kort notis"}))
    assert doc.title == "Kort notis"
    assert doc.sections[0].blocks[0].text == "En mening utan rubrik, som slutar med punkt."
