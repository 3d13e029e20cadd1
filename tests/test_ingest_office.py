"""Word (.docx) and OpenDocument (.odt) ingestion: heading styles, lists, tables, core properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb.ingest import SkipSource, SourceFile, ingest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "office"
OFFICE = REPO / "sources" / "office"


def _ingest(path: Path, meta: dict | None = None):
    [doc] = ingest(SourceFile(path=path, rel=f"office/{path.name}", meta=meta or {}))
    return doc


def _docx(path: Path) -> Path:
    """A Word file as a Swedish template makes it: "Rubrik 1/2" styles, a list, a table with a
    merged cell, and core properties."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    for name, base in (("Rubrik 1", "Heading 1"), ("Rubrik 2", "Heading 2")):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles[base]
    document.add_paragraph("Kravspecifikation för kontorsmöbler", style="Title")
    document.add_paragraph("Inledande text om upphandlingen av möbler.")
    document.add_paragraph("Allmänna krav", style="Rubrik 1")
    document.add_paragraph("Leverantören ska ta tillbaka uttjänta möbler.")
    document.add_paragraph("Stolar ska kunna klädas om", style="List Bullet")
    document.add_paragraph("Bord ska kunna lagas", style="List Bullet")
    document.add_paragraph("Miljökrav", style="Rubrik 2")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).text = "Kontaktperson"
    merged = table.cell(0, 1).merge(table.cell(0, 2))
    merged.text = "Anna Andersson"
    for i, (a, b, c) in enumerate([("Krav", "Nivå", "Vikt"), ("Återbruk", "Hög", "30 %")], start=1):
        table.cell(i, 0).text, table.cell(i, 1).text, table.cell(i, 2).text = a, b, c
    document.add_paragraph("Avtalsvillkor", style="Heading 1")
    document.add_paragraph("Avtalet gäller i två år med möjlighet till förlängning.")
    # A form's filled-in value sits in a content control, which python-docx's text leaves out.
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document.element.body.insert(
        len(document.element.body) - 1,
        parse_xml(f"<w:sdt {w}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Sista anbudsdag: </w:t></w:r>"
                  "<w:sdt><w:sdtContent><w:r><w:t>2024-06-30</w:t></w:r></w:sdtContent></w:sdt>"
                  "</w:p></w:sdtContent></w:sdt>"),
    )
    props = document.core_properties
    props.title, props.author = "Kravspecifikation för kontorsmöbler", "Kommunens inköpsenhet"
    props.created = dt.datetime(2024, 3, 1, 9, 0)
    document.save(path)
    return path


def test_docx_sections_follow_heading_styles(tmp_path):
    doc = _ingest(_docx(tmp_path / "krav.docx"))
    assert doc.title == "Kravspecifikation för kontorsmöbler"
    assert [s.path for s in doc.sections] == [
        ["Kravspecifikation för kontorsmöbler"],
        ["Allmänna krav"],
        ["Allmänna krav", "Miljökrav"],
        ["Avtalsvillkor"],
    ]
    kinds = [(b.kind, b.text) for b in doc.sections[1].blocks]
    assert ("li", "Stolar ska kunna klädas om") in kinds and ("li", "Bord ska kunna lagas") in kinds
    table = [b.text for b in doc.sections[2].blocks]
    assert table == ["Kontaktperson: Anna Andersson", "Krav | Nivå | Vikt", "Återbruk | Hög | 30 %"]
    assert doc.meta["author"] == "Kommunens inköpsenhet" and doc.meta["date"] == "2024-03-01"
    assert all(s.page is None for s in doc.sections)
    assert doc.sections[-1].blocks[-1].text == "Sista anbudsdag: 2024-06-30"


def test_docx_manifest_overrides_core_properties(tmp_path):
    doc = _ingest(_docx(tmp_path / "krav.docx"), {"title": "Möbelkrav", "published": "2024-05-05"})
    assert doc.title == "Möbelkrav" and doc.meta["date"] == "2024-05-05"


def test_real_template_headings():
    doc = _ingest(OFFICE / "vaxholms-stad-avropsforfragan-resursuppdrag-2024.docx")
    top = list(dict.fromkeys(s.path[0] for s in doc.sections if s.path[0] != doc.title))
    for heading in ("Inledning", "Avropande myndighet", "Kravspecifikation", "Utvärdering av anbud", "Pris"):
        assert heading in top
    assert "Vaxholms stad" in " ".join(s.text for s in doc.sections)  # the text sits in table cells


def test_text_in_one_merged_layout_table_is_read_once():
    doc = _ingest(FIXTURES / "hd-t3592-13-nja-2014-s-499.docx")
    text = " ".join(s.text for s in doc.sections)
    assert "ReferatLagrummet" not in doc.title  # the core title is a template name
    assert text.count("T 3592-13") >= 1 and "diskriminering" in text.lower()
    assert text.count("Målnummer") == 1


def _odt(path: Path) -> Path:
    from odf.dc import Creator, Title
    from odf.meta import CreationDate
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, List, ListItem, P

    document = OpenDocumentText()
    document.meta.addElement(Title(text="Riktlinjer för cirkulär upphandling"))
    document.meta.addElement(Creator(text="Miljöenheten"))
    document.meta.addElement(CreationDate(text="2023-11-02T10:00:00"))
    document.text.addElement(P(text="Riktlinjer för cirkulär upphandling"))
    document.text.addElement(H(outlinelevel=1, text="Bakgrund"))
    document.text.addElement(P(text="Kommunen köper in många möbler varje år."))
    document.text.addElement(H(outlinelevel=2, text="Mål"))
    items = List()
    for text in ("Minska avfallet", "Öka återbruket"):
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    document.text.addElement(items)
    table = Table(name="Ansvar")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for a, b in (("Ansvarig", "Inköpschefen"), ("Uppföljning", "Varje år")):
        row = TableRow()
        for value in (a, b):
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    document.save(str(path))
    return path


def test_odt_sections_lists_tables_and_metadata(tmp_path):
    doc = _ingest(_odt(tmp_path / "riktlinjer.odt"))
    assert doc.title == "Riktlinjer för cirkulär upphandling"
    assert [s.path for s in doc.sections] == [["Bakgrund"], ["Bakgrund", "Mål"]]
    blocks = [(b.kind, b.text) for b in doc.sections[1].blocks]
    assert blocks == [
        ("li", "Minska avfallet"), ("li", "Öka återbruket"),
        ("p", "Ansvarig: Inköpschefen"), ("p", "Uppföljning: Varje år"),
    ]
    assert doc.meta["author"] == "Miljöenheten" and doc.meta["date"] == "2023-11-02"


def test_suffix_that_lies_is_named(tmp_path):
    docx_as_pdf = tmp_path / "rapport.pdf"
    docx_as_pdf.write_bytes(_docx(tmp_path / "a.docx").read_bytes())
    with pytest.raises(SkipSource, match=r"^a Word document named \.pdf: rename it to \.docx$"):
        _ingest(docx_as_pdf)
    pdf_as_docx = tmp_path / "krav.docx"
    pdf_as_docx.write_bytes(b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(SkipSource, match=r"^a PDF named \.docx: rename it to \.pdf$"):
        _ingest(pdf_as_docx)
    cut_short = tmp_path / "avbruten.docx"
    cut_short.write_bytes((tmp_path / "a.docx").read_bytes()[:3000])
    with pytest.raises(SkipSource, match=r"^damaged Word document: its ZIP container cannot be read"):
        _ingest(cut_short)
    text_as_odt = tmp_path / "plan.odt"
    text_as_odt.write_text("Bara text.\n", encoding="utf-8")
    with pytest.raises(SkipSource, match=r"^not an OpenDocument text despite its name \.odt \(it is text"):
        _ingest(text_as_odt)
    docx_as_txt = tmp_path / "anteckning.txt"
    docx_as_txt.write_bytes((tmp_path / "a.docx").read_bytes())
    with pytest.raises(SkipSource, match=r"a Word document named \.txt: rename it to \.docx"):
        _ingest(docx_as_txt)
