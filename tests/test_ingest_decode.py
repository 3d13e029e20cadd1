"""Decoding: every common encoding of Swedish text comes out right; binaries are refused."""

from __future__ import annotations

import codecs

import pytest

from kb.ingest import SkipSource
from kb.ingest.decode import decode

TEXT = "Återbruk av möbler är en viktig del av cirkulär upphandling.\nSkåp, bord och stolar.\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),  # no BOM: detected from the NUL pattern
        TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),
        TEXT.replace("\n", "\r\n").encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "cp1252", "cp1252-crlf"],
)
def test_swedish_text_decodes(data: bytes) -> None:
    text = decode(data, ".txt")
    assert "möbler" in text and "Återbruk" in text and "återbruk" in text.lower()
    assert "Ã" not in text and "\r" not in text and "\ufeff" not in text


def test_html_meta_charset_is_used() -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Återbruk av möbler</p></body></html>'
    assert "Återbruk av möbler" in decode(page.encode("cp1252"), ".html")


def test_html_http_equiv_charset_iso_8859_1() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "</head><body><p>Möbler – återbruk</p></body></html>"
    )
    assert "Möbler – återbruk" in decode(page.encode("cp1252"), ".html")


def test_mis_declared_charset_falls_back_to_detection() -> None:
    page = '<meta charset="utf-8"><p>Återbruk av möbler</p>'
    assert "Återbruk av möbler" in decode(page.encode("cp1252"), ".html")


def test_nfc_and_control_characters() -> None:
    decomposed = "Begagnade mo\u0308bler\x07\tok\r\nrad två\x1b och tre\rslut"
    text = decode(decomposed.encode("utf-8"), ".txt")
    assert text == "Begagnade möbler\tok\nrad två och tre\nslut"


def test_binary_with_nul_bytes_is_skipped() -> None:
    with pytest.raises(SkipSource, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)), ".txt")


def test_pdf_named_html_is_skipped() -> None:
    with pytest.raises(SkipSource, match="PDF file named .html"):
        decode(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", ".html")


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t  ", codecs.BOM_UTF8 + b"\n"])
def test_empty_file_is_skipped(data: bytes) -> None:
    with pytest.raises(SkipSource, match="empty file"):
        decode(data, ".md")
