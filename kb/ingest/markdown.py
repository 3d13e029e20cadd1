"""Markdown sources: front matter, a small line-based block parser, and generic documents.

The corpus Markdown is converter output (se-lex, g0vse), so a full CommonMark parser would buy
little; what matters is turning every construct into plain text blocks and never crashing.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Document, doc_id
from .base import SkipSource
from .build import Sections, clean
from .markdown_blocks import MdBlock, parse_blocks, scalar_text
from .meta import load_yaml_mapping, normalize

# A line that is '---' or '...' with any blanks around it (what ``str.strip`` removes: ``\s``).
_CLOSING_FENCE = re.compile(r"^[^\S\n]*(?:---|\.\.\.)[^\S\n]*$", re.M)


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str, str | None]:
    """(front matter or None, body, warning). Broken YAML gives a warning, never an exception."""
    first_end = text.find("\n")
    if not text.startswith("---") or text[: None if first_end < 0 else first_end].strip() != "---":
        return None, text, None
    closing = _CLOSING_FENCE.search(text, first_end + 1) if first_end >= 0 else None
    if closing is None:
        return None, text, None  # no closing fence: the leading '---' was a rule
    body = text[closing.end() + 1 :]
    try:
        return load_yaml_mapping(text[first_end + 1 : closing.start() - 1]), body, None
    except ValueError as exc:
        return None, body, f"front matter unreadable: {exc}"


_BOLD_ONLY = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*$")


_PHONE = re.compile(r"\b0\d{1,3}[- ]\d{2,3}\s?\d{2}")
_LABEL_VALUE = re.compile(r"^[\w ]{1,30}:\s")  # "SFS: 2021:1013", "Ikraftträdande: 1 maj 2022"


def _implicit_heading(blocks: list[MdBlock], i: int) -> bool:
    """A paragraph that is only bold text, or a short unpunctuated line followed by longer text.

    Government texts often lost their sub-heading markup in conversion ("En andra
    åtagandeperiod under Kyotoprotokollet" as a bare line); such lines become sections. Labels
    ("Referenser:", "SFS: 2021:1013"), phone numbers and separators ("* * *") do not.
    """
    block = blocks[i]
    text = block.text
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    if block.kind != "p" or not 0 < len(text) <= 100 or nxt is None or nxt.kind == "heading":
        return False
    if text[-1] in '.:;,!?)"”»' or _LABEL_VALUE.match(text) or not re.search(r"[^\W\d_]{3}", text):
        return False
    if sum(c.isdigit() for c in text) > 0.3 * len(text) or _PHONE.search(text):
        return False
    if _BOLD_ONLY.match(block.raw):
        return True
    if text[0].islower() or text[0] in '-–•("”«':
        return False
    return nxt.kind == "p" and len(nxt.text) > len(text)


def ingest_markdown(rel: str, text: str, raw_meta: dict, fallback_title: str) -> list[Document]:
    """Statutes (front matter with ``beteckning``) go to ``statute``; everything else is generic."""
    from .statute import ingest_statute
    from .titles import split_diary_number

    front, body, warning = split_front_matter(text)
    extra: dict[str, Any] = dict(front or {})
    if warning:
        extra["warning"] = warning
    if front and scalar_text(front.get("beteckning")):
        return ingest_statute(rel, front, body, normalize(raw_meta, extra), fallback_title)
    blocks = parse_blocks(body)
    title = None
    for i, block in enumerate(blocks):
        if block.kind == "heading" and block.level == 1:
            title = blocks.pop(i).text
            break
    title = title or scalar_text((front or {}).get("title")) or scalar_text((front or {}).get("rubrik"))
    title, diary_number = split_diary_number(clean(title or fallback_title))
    if diary_number:
        extra.setdefault("diarienummer", diary_number)
    if not any(b.kind != "heading" for b in blocks):
        if front is not None:
            raise SkipSource("metadata but no body")
        raise SkipSource("no text content")
    sections = Sections()
    sections.start([title])
    stack: list[tuple[int, str]] = []
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            level = max(block.level, 2)
            stack = [(lv, h) for lv, h in stack if lv < level] + [(level, block.text)]
            sections.start([h for _, h in stack])
        elif _implicit_heading(blocks, i):
            sections.start([h for _, h in stack] + [block.text])
        else:
            sections.add_clean(block.kind, block.text)  # type: ignore[arg-type]
    return [
        Document(
            id=doc_id(rel),
            title=title,
            source=rel,
            sections=sections.result(),
            meta=normalize(raw_meta, extra),
        )
    ]
