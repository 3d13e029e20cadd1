"""A PDF's own metadata: the document information dictionary and the XMP packet.

XMP is found by its markers in the file's bytes: the XMP specification asks writers to leave the
metadata stream uncompressed so that tools can do exactly this. Both are hints a manifest or
sidecar overrides; a title is used only when the first pages bear it out (metadata titles are
often a template's or a file's name: "Föreskriftens namn", "Microsoft Word - PROPGR~1.DOC").
"""

from __future__ import annotations

import re

_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")
_XMP = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta>", re.S)
_FILE_NAME = re.compile(
    r"\.(?:docx?|indd|pdf|rtf|odt|xlsx?|pptx?|tmp)\b|^microsoft word\b|[\\/]|^\{?[0-9a-f-]{30,}\}?$", re.I
)
_XMP_MAX = 1_000_000
NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
}


def pdf_date(value: str) -> str | None:
    """"D:20240911102407+02'00'" or an XMP "2024-09-11T10:24:07+02:00" -> "2024-09-11"."""
    value = (value or "").strip()
    iso = re.match(r"^(\d{4})-(\d{2})-(\d{2})", value)
    if iso:
        return "-".join(iso.groups())
    match = _PDF_DATE.match(value)
    if not match or not match.group(3):
        return None
    year, month, day = match.groups()
    if not ("1980" <= year <= "2100" and "01" <= month <= "12" and "01" <= day <= "31"):
        return None
    return f"{year}-{month}-{day}"


def document_meta(info: dict[str, str], data: bytes) -> dict[str, str]:
    """``title``, ``author``, ``date`` (created), ``modified`` and ``keywords`` from the info
    dictionary, with the XMP packet's values where it has them."""
    meta: dict[str, str] = {}
    xmp = read_xmp(data)
    title = xmp.get("title") or info.get("Title", "")
    if title.strip():
        meta["title"] = " ".join(title.split())
    author = xmp.get("creator") or info.get("Author", "")
    if author.strip():
        meta["author"] = " ".join(author.split())
    created = pdf_date(xmp.get("created", "")) or pdf_date(info.get("CreationDate", ""))
    if created:
        meta["date"] = created
    modified = pdf_date(xmp.get("modified", "")) or pdf_date(info.get("ModDate", ""))
    if modified:
        meta["modified"] = modified
    keywords = xmp.get("keywords") or info.get("Keywords", "")
    if keywords.strip():
        meta["keywords"] = " ".join(keywords.split())
    return meta


def read_xmp(data: bytes) -> dict[str, str]:
    """title, creator, created, modified, keywords from the last XMP packet in ``data`` (the last
    is the newest after incremental saves), or {} when there is none or it cannot be read."""
    packets = _XMP.findall(data)
    if not packets or len(packets[-1]) > _XMP_MAX:
        return {}
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(packets[-1], parser)
    except etree.XMLSyntaxError:
        return {}
    if root is None:
        return {}
    out: dict[str, str] = {}
    for key, path in (
        ("title", ".//dc:title//rdf:li"),
        ("creator", ".//dc:creator//rdf:li"),
        ("created", ".//xmp:CreateDate"),
        ("modified", ".//xmp:ModifyDate"),
        ("keywords", ".//pdf:Keywords"),
    ):
        found = root.find(path, NS)
        if found is not None and (found.text or "").strip():
            out[key] = found.text.strip()
    for description in root.iter(f"{{{NS['rdf']}}}Description"):  # the short form: attributes
        for key, attr in (("created", "xmp:CreateDate"), ("modified", "xmp:ModifyDate"), ("keywords", "pdf:Keywords")):
            prefix, name = attr.split(":")
            value = description.get(f"{{{NS[prefix]}}}{name}")
            if value and key not in out:
                out[key] = value
    return out


def plausible_title(title: str, first_pages: str) -> bool:
    """Not a file name or GUID, and most of its words are on the first pages."""
    if _FILE_NAME.search(title):
        return False
    words = [w for w in re.findall(r"\w+", title.lower()) if len(w) > 2]
    if not words:
        return False
    text = first_pages.lower()
    return sum(w in text for w in words) >= 0.7 * len(words)
