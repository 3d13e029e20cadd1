"""The hostile PDF and Word files of the trust tests (see ``tests/hostile.py``), made in code.

Each is a few kB to 2 MB on disk: the 2 GB flate bomb is deflated spaces repeated after a full
flush (``tests.pdf_maker._bomb``), the DOCX bomb a 300 MB member of spaces.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tests.pdf_maker import Page, make_pdf, two_column_page

BOMB_MB = 2048


def _page_with(word: str) -> list[Page]:
    page = two_column_page()
    page.add(60, 760, f"Unikt ord för testet: {word}.", 10)
    return [page]


def _docx(body: str, extra: dict[str, bytes] | None = None, bomb_mb: int = 0) -> bytes:
    """A minimal Word file (content types, relationships, document.xml) with ``body`` as one paragraph."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        document = (
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{body}</w:t></w:r></w:p></w:body></w:document>"
        )
        if bomb_mb:
            with archive.open("word/document.xml", "w", force_zip64=True) as member:
                member.write(document.encode()[:-len("</w:body></w:document>")])
                chunk = b" " * (1 << 20)
                for _ in range(bomb_mb):
                    member.write(chunk)
                member.write(b"</w:body></w:document>")
        else:
            archive.writestr("word/document.xml", document)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_office_sources(sources: Path, case_type) -> list:
    """Write the PDF/Word hostile inputs into ``sources/office-fientliga/``; their ``Case``s."""
    folder = sources / "office-fientliga"
    folder.mkdir(parents=True, exist_ok=True)
    cases = []

    def write(name: str, data: bytes) -> str:
        (folder / name).write_bytes(data)
        return f"office-fientliga/{name}"

    text = "Återbruk av möbler är en del av cirkulär upphandling. Unikt ord för testet: {}."
    rel = write("riktlinje.pdf", make_pdf(_page_with("skohorn")))
    cases.append(case_type("an ordinary PDF", rel, "ingest", word="skohorn"))
    rel = write("krav.docx", _docx(text.format("piallar")))
    cases.append(case_type("an ordinary DOCX", rel, "ingest", word="piallar"))
    rel = write("trasig-xref.pdf", make_pdf(_page_with("gardinstänger"), break_xref=True))
    cases.append(case_type("PDF with a broken cross-reference table", rel, "ingest", word="gardinstänger"))
    rel = write("losenord.pdf", make_pdf(_page_with("kassaskåp"), password=True))
    cases.append(case_type("encrypted PDF (password)", rel, "skip", reason=r"^encrypted PDF: it needs a password"))
    rel = write("inga-sidor.pdf", make_pdf([]))
    cases.append(case_type("PDF with zero pages", rel, "skip", reason=r"^PDF has no pages$"))
    rel = write("bomb.pdf", make_pdf(_page_with("sprängämne"), bomb_mb=BOMB_MB))
    cases.append(
        case_type("PDF stream that inflates to gigabytes", rel, "skip", reason=r"ran out of memory \(limit \d+ MB\)")
    )
    rel = write("zipbomb.docx", _docx("x", bomb_mb=300))
    cases.append(case_type("DOCX zip bomb", rel, "skip", reason=r"^ZIP bomb\? "))
    macros = {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 512}
    rel = write("makro.docx", _docx(text.format("makroord"), extra=macros))
    cases.append(case_type("macro-enabled .docm renamed .docx", rel, "skip", reason=r"with macros"))
    rel = write("ar-egentligen-word.pdf", _docx(text.format("lögnord")))
    lie = "file whose suffix lies (DOCX named .pdf)"
    cases.append(case_type(lie, rel, "skip", reason=r"Word document named \.pdf"))
    rel = write("ar-egentligen-pdf.docx", make_pdf(_page_with("lögnord")))
    cases.append(case_type("file whose suffix lies (PDF named .docx)", rel, "skip", reason=r"PDF named \.docx"))
    return cases
