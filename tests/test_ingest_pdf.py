"""PDF ingestion: reading order, hyphenation, running lines, headings, pages, metadata, scans."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.ingest import SkipSource, SourceFile, ingest
from kb.ingest.pdf import join_lines
from kb.ingest.pdf_meta import pdf_date, read_xmp
from kb.ingest.pdf_read import Line
from tests.pdf_maker import LEFT, RIGHT, Page, make_pdf, two_column_page

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "office"
OFFICE = REPO / "sources" / "office"


def _ingest(tmp_path: Path, data: bytes, name: str = "dok.pdf", meta: dict | None = None):
    path = tmp_path / name
    path.write_bytes(data)
    [doc] = ingest(SourceFile(path=path, rel=f"office/{name}", meta=meta or {}))
    return doc


def _text(doc) -> str:
    return "\n".join(s.text for s in doc.sections)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_two_columns_are_read_column_by_column(tmp_path):
    pages = [two_column_page(number=n) for n in (1, 2)]
    pages[1].items[1].text = "Andra sidans rubrik"
    doc = _ingest(tmp_path, make_pdf(pages))
    text = _flat(_text(doc))
    left, right = " ".join(LEFT[:2]), " ".join(RIGHT[:1])
    assert left in text, "the left column's lines must follow each other"
    assert text.index(left) < text.index(right)
    assert text.index("Rad 39 i vänster spalt") < text.index("Höger spalt tar vid")


def test_hyphenation_at_line_ends_is_undone(tmp_path):
    doc = _ingest(tmp_path, make_pdf([two_column_page()]))
    text = _flat(_text(doc))
    assert "upphandlingskriterier är avstavat" in text
    assert "återbruk av kontorsmöbler i kommunens" in text
    assert "upphandlings-" not in text


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("ordet upphandlings-", "kriterier är", "ordet upphandlingskriterier är"),
        ("en Klimat-", "och energistrategi", "en Klimat- och energistrategi"),
        ("i Göteborgs-", "Posten stod", "i Göteborgs-Posten stod"),
        ("genera\ufffe", "tioner ska", "generationer ska"),
        ("se 3 -", "5 §", "se 3 - 5 §"),
    ],
)
def test_join_lines(first, second, joined):
    lines = [Line(first, 0, 0, 100, 0, 10, 10, False), Line(second, 0, 0, 100, 12, 22, 10, False)]
    assert join_lines(lines) == joined


def test_running_header_and_page_numbers_are_dropped(tmp_path):
    pages = [two_column_page(header="Riktlinjer för återbruk 2024", number=n) for n in range(1, 5)]
    for n, page in enumerate(pages):
        page.items[1].text = f"Kapitel {n + 1}"
    doc = _ingest(tmp_path, make_pdf(pages))
    text = _text(doc)
    assert "Riktlinjer för återbruk 2024" not in text
    assert not any(block.text.strip() in {"1", "2", "3", "4"} for s in doc.sections for block in s.blocks)


def test_headings_by_font_size_start_sections_with_their_page(tmp_path):
    pages = []
    for n, heading in enumerate(["Inledning", "Krav på leverantören", "Uppföljning"]):
        page = Page().add(60, 80, heading, 16, bold=True)
        for i in range(30):
            page.add(60, 110 + 14 * i, f"Brödtext {i} på sidan {n + 1} om {heading.lower()} och avtal.", 10)
        pages.append(page)
    doc = _ingest(tmp_path, make_pdf(pages, title="Riktlinje om uppföljning av avtal"))
    by_heading = {s.heading: s for s in doc.sections}
    assert ["Inledning", "Krav på leverantören", "Uppföljning"] == [s.heading for s in doc.sections]
    assert [by_heading[h].page for h in ("Inledning", "Krav på leverantören", "Uppföljning")] == [1, 2, 3]
    assert "Brödtext 29 på sidan 2" in by_heading["Krav på leverantören"].text
    assert all(b.page == 3 for b in by_heading["Uppföljning"].blocks)


def test_outline_gives_the_sections(tmp_path):
    pages = []
    outline = [("1 Inledning", 0), ("2 Krav på tjänsten", 1), ("3 Uppföljning av avtalet", 2)]
    for title, n in outline:
        page = Page().add(60, 80, title, 11, bold=False)
        for i in range(20):
            page.add(60, 110 + 14 * i, f"Text {i} i avsnitt {n + 1}.", 11)
        pages.append(page)
    doc = _ingest(tmp_path, make_pdf(pages, outline=outline))
    assert [s.heading for s in doc.sections] == [title for title, _ in outline]
    assert [s.page for s in doc.sections] == [1, 2, 3]


def test_real_outline_and_pages_molndal():
    source = OFFICE / "molndalsbostader-avropsforfragan-fastighetssystem-2024.pdf"
    [doc] = ingest(SourceFile(path=source, rel="office/" + source.name, meta={}))
    top = list(dict.fromkeys(s.path[0] for s in doc.sections if s.path[0] != doc.title))
    assert top == [
        "1. Inledning", "2. Avropande myndighet", "3. Avropsförfrågans omfattning",
        "4. Förutsättningar för anbudsinlämning", "5. Kravspecifikation", "6. Utvärdering av anbud",
        "7. Tilldelningsbeslut", "8. Personuppgiftsbehandling", "9. Pris", "10.Ramavtalsleverantör",
        "11. Bilagor till avropsförfrågan",
    ]
    spärr = next(s for s in doc.sections if s.heading == "7.1 Frivillig avtalsspärr")
    assert spärr.page == 9 and spärr.path[0] == "7. Tilldelningsbeslut"
    assert doc.meta["pages"] == 11 and doc.meta["author"] == "Sofia Waldner" and doc.meta["date"] == "2024-09-11"


def test_useless_metadata_title_is_not_used():
    source = FIXTURES / "prop-1999-2000-17-custom-encoding.pdf"
    [doc] = ingest(SourceFile(path=source, rel="office/" + source.name, meta={}))
    assert "Microsoft Word" not in doc.title and doc.title.startswith("Regeringens proposition")
    assert len([s for s in doc.sections if len(s.path) == 1]) >= 9


def test_manifest_title_and_date_win(tmp_path):
    meta = {"title": "Kommunens riktlinjer", "published": "2023-05-01", "publisher": "Kommunen"}
    doc = _ingest(tmp_path, make_pdf([two_column_page()], title="Fel titel", created="D:20190101"), meta=meta)
    assert doc.title == "Kommunens riktlinjer"
    assert doc.meta["date"] == "2023-05-01" and doc.meta["publisher"] == "Kommunen"


def test_document_info_gives_author_and_date(tmp_path):
    doc = _ingest(tmp_path, make_pdf([two_column_page()], author="Anna Andersson", created="D:20240102030405+01'00'"))
    assert doc.meta["author"] == "Anna Andersson" and doc.meta["date"] == "2024-01-02"


def test_scan_without_text_layer_is_skipped_with_its_reason():
    source = FIXTURES / "prop-1991-92-43-scanned-excerpt.pdf"
    with pytest.raises(SkipSource, match=r"no text layer: scanned\?"):
        ingest(SourceFile(path=source, rel="office/scan.pdf", meta={}))


def test_xmp_packet_is_read():
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        b' xmp:CreateDate="2021-03-04T10:00:00+01:00"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">'
        b"Upphandling av m\xc3\xb6bler</rdf:li></rdf:Alt></dc:title><dc:creator><rdf:Seq><rdf:li>Kommunen</rdf:li>"
        b"</rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    xmp = read_xmp(b"%PDF-1.4\n" + packet + b"\n%%EOF")
    assert xmp == {"title": "Upphandling av möbler", "creator": "Kommunen", "created": "2021-03-04T10:00:00+01:00"}
    assert pdf_date(xmp["created"]) == "2021-03-04"
    assert pdf_date("D:20240911102407+02'00'") == "2024-09-11" and pdf_date("D:2024") is None


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed (make test installs it)")
def test_opt_in_ocr_reads_a_scan(monkeypatch):
    monkeypatch.setenv("KB_OCR", "1")
    source = FIXTURES / "prop-1991-92-43-scanned-excerpt.pdf"
    [doc] = ingest(SourceFile(path=source, rel="office/scan.pdf", meta={"title": "Prop. 1991/92:43"}))
    text = _flat(_text(doc))
    assert "Regeringen föreslår riksdagen" in text and doc.meta["ocr"] == "tesseract (swe)"
    summary = next(s for s in doc.sections if s.heading == "Propositionens huvudsakliga innehåll")
    assert summary.page == 1 and {b.page for s in doc.sections for b in s.blocks} == {1, 2}


def test_without_ocr_the_scan_is_named(monkeypatch):
    monkeypatch.delenv("KB_OCR", raising=False)
    source = FIXTURES / "prop-1991-92-43-scanned-excerpt.pdf"
    with pytest.raises(SkipSource, match=r"KB_OCR=1 reads scans"):
        ingest(SourceFile(path=source, rel="office/scan.pdf", meta={}))
