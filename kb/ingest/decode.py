"""Bytes to clean text.

Sources come from many places (web captures, Windows editors, converters), so the encoding is
never trusted blindly: BOM first, then (for HTML) the declared charset, then strict UTF-8, then
a Western single-byte fallback, and only then generic detection. Binary files are refused with a
reason instead of being indexed as mojibake.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from .base import SkipSource

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_PREFIXES = tuple(bom for bom, _ in _BOMS)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.I,
)
# Browsers treat these labels as windows-1252 (WHATWG Encoding Standard); so do we.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BINARY_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")  # U+0080-U+009F in UTF-8
# Non-ASCII characters expected in Swedish/Western text decoded as cp1252.
_WESTERN = set(
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ"
    "ŒœŠšŽžŸ‘’“”–—…•€«»°§´·½¼¾×÷£¢©®²³µ¹ª¯¨¬ \xad"
)


def decode(data: bytes, suffix: str = "") -> str:
    """Decode ``data`` to NFC text with ``\\n`` line ends; raise ``SkipSource`` for binary or empty files."""
    if data.lstrip()[:4] == b"%PDF":
        raise SkipSource(f"PDF file named {suffix}" if suffix else "PDF file")
    is_html = suffix.lower() in (".html", ".htm")
    utf8 = None if is_html else _plain_utf8(data)
    text = _to_str(data, is_html) if utf8 is None else utf8
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    if utf8 is None:
        if text and len(_BINARY_CONTROL.findall(text)) > 0.05 * len(text):
            raise SkipSource("binary file (control characters)")
        text = _CONTROL.sub("", text)
    else:
        # The same two steps, decided on the bytes: UTF-8 writes each ASCII control character as
        # that byte, and the C1 controls as C2 80-9F, so counting and finding them there is exact
        # and ~10x cheaper than scanning the text with the character classes.
        controls = len(data) - len(data.translate(None, _BINARY_CONTROL_BYTES))
        if text and controls > 0.05 * len(text):
            raise SkipSource("binary file (control characters)")
        if controls or _C1_UTF8.search(data) or "\u200b" in text or "\ufeff" in text:
            text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise SkipSource("empty file")
    return text


def _plain_utf8(data: bytes) -> str | None:
    """The text of BOM-less, NUL-free, valid UTF-8 (what ``_to_str`` returns for it), else None."""
    if data.startswith(_BOM_PREFIXES) or b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _to_str(data: bytes, is_html: bool) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in data:
        guessed = _utf16_without_bom(data)
        if guessed is None:
            raise SkipSource("binary file (NUL bytes)")
        return guessed
    if is_html:
        declared = _declared_charset(data[:4096])
        if declared:
            try:
                return data.decode(declared)
            except (UnicodeDecodeError, LookupError):
                pass  # mis-declared: fall through to detection
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mostly_utf8 = _mostly_utf8(data)
    if mostly_utf8 is not None:
        return mostly_utf8
    western = data.decode("cp1252", errors="replace")
    non_ascii = [c for c in western if ord(c) > 127]
    if non_ascii and sum(c in _WESTERN for c in non_ascii) >= 0.7 * len(non_ascii):
        return western
    import charset_normalizer  # 0.1 s to import, and rarely needed: most sources are UTF-8

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise SkipSource("binary file (no text encoding detected)")
    return str(best)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken bytes (a truncated copy, a stray Latin-1 byte) stays UTF-8.

    Text in a single-byte encoding almost never contains valid multi-byte UTF-8 sequences
    ("möbler" in cp1252 is ``m\\xf6bler``, invalid), so when valid sequences outnumber the
    invalid bytes the file is UTF-8 and the broken bytes become U+FFFD, instead of the whole
    file turning into mojibake ("mÃ¶bler") through a cp1252 or statistical guess.
    """
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - data.count("\ufffd".encode())
    valid = sum(1 for c in text if ord(c) > 127 and c != "\ufffd")
    if valid >= 3 and valid > 2 * invalid:
        return text
    return None


def _declared_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii", "replace").lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM has NULs in every other byte (for Latin text); anything else is binary."""
    if len(data) < 2 or len(data) % 2:
        return None
    pairs = len(data) // 2
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    for nuls, other, encoding in ((odd_nuls, even_nuls, "utf-16-le"), (even_nuls, odd_nuls, "utf-16-be")):
        if nuls >= 0.4 * pairs and other <= 0.05 * pairs:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None
