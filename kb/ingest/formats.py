"""The formats kb reads, and what a file's first bytes say it is (a suffix can lie).

The one list of supported suffixes is ``kb.ingest.discover.SUFFIXES``; ``supported_suffixes``
names them for messages ("supported: .txt, .md, …"). PDF, Word (.docx) and OpenDocument text
(.odt) are "documents": read from their bytes by their own parsers in a sandboxed child process,
never decoded as text.
"""

from __future__ import annotations

import io
import zipfile

from .base import SkipSource

DOCUMENT_SUFFIXES = (".pdf", ".docx", ".odt")
MACRO_SUFFIXES = (".docm", ".dotm", ".odm")


def supported_suffixes() -> tuple[str, ...]:
    """Every suffix ``kb build`` and ``kb ingest`` take, e.g. ('.txt', '.md', …, '.pdf', '.docx', '.odt')."""
    from .discover import SUFFIXES

    return SUFFIXES


def describe_supported() -> str:
    """"supported: .txt, .md, .markdown, .html, .htm, .pdf, .docx, .odt" for messages."""
    return "supported: " + ", ".join(supported_suffixes())


def sniff(data: bytes) -> str | None:
    """What the bytes are, by their signature: "pdf", "docx", "odt", "zip", "broken-zip" (a ZIP
    whose directory cannot be read: cut short or damaged), "ole" (old .doc/.xls), "rtf", or None
    for anything else (text, most likely)."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                mimetype = archive.read("mimetype")[:100].strip() if "mimetype" in names else b""
                if mimetype == b"application/vnd.oasis.opendocument.text":
                    return "odt"
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, NotImplementedError):
            return "broken-zip"
        if "word/document.xml" in names:
            return "docx"
        return "zip"
    return None


_NAMES = {
    "pdf": ("a PDF", ".pdf"),
    "docx": ("a Word document", ".docx"),
    "odt": ("an OpenDocument text", ".odt"),
    "zip": ("a ZIP archive", None),
    "broken-zip": ("a damaged or incomplete ZIP archive", None),
    "ole": ("an old binary Office file (.doc/.xls)", None),
    "rtf": ("an RTF document", None),
}


def check_signature(data: bytes, suffix: str) -> None:
    """Raise ``SkipSource`` when the bytes are not what the suffix says, naming what they are."""
    kind = sniff(data)
    expected = suffix.lstrip(".")
    if suffix in DOCUMENT_SUFFIXES:
        if kind == expected:
            return
        if kind == "broken-zip" and expected in ("docx", "odt"):
            what = _NAMES[expected][0].split(" ", 1)[1]  # "Word document", without its article
            raise SkipSource(f"damaged {what}: its ZIP container cannot be read (cut short?)")
        if kind is None:
            what = "text or an unknown format" if data[:1] else "empty"
            raise SkipSource(f"not {_NAMES[expected][0]} despite its name {suffix} (it is {what})")
    elif kind is None:
        return
    label, right = _NAMES[kind]
    advice = f": rename it to {right}" if right else f" ({describe_supported()}): save it in one of those formats"
    raise SkipSource(f"{label} named {suffix}{advice}")
