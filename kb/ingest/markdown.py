"""Markdown sources: front matter, a small line-based block parser, and generic documents.

The corpus Markdown is converter output (se-lex, g0vse), so a full CommonMark parser would buy
little; what matters is turning every construct into plain text blocks and never crashing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from ..model import Document, doc_id
from .base import SkipSource
from .build import Sections, clean
from .meta import load_yaml_mapping, normalize

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_LIST = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_QUOTE = re.compile(r"^(?:>\s?)+")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")

_IMAGE = re.compile(r"!\[[^\]]*\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)|!\[[^\]]*\]\[[^\]]*\]")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)|\[([^\]]+)\]\[[^\]]*\]")
_LOOSE_LINK = re.compile(r"\[([^\]]*)\]\([^()\n]*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<!--.*?-->")
_EMPHASIS = (
    re.compile(r"\*\*(.+?)\*\*"),
    re.compile(r"__(.+?)__"),
    re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"),
    re.compile(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)"),
    re.compile(r"~~(.+?)~~"),
    re.compile(r"`([^`]*)`"),
)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def _link_text(match: re.Match) -> str:
    """A link's text (a function: on Python 3.11 it substitutes faster than the template r"\\1\\2")."""
    return match.group(1) if match.group(1) is not None else match.group(2)


def inline_text(text: str) -> str:
    """Markdown inline syntax to plain text: '[**LOU**](url)' -> 'LOU'; images and tags dropped."""
    # Each pattern needs a trigger character; skipping absent ones keeps the output identical
    # and makes plain prose (most statute paragraphs) ~10x cheaper.
    if "[" in text:
        if "![" in text:
            text = _IMAGE.sub("", text)
        if "](" in text or "][" in text:
            text = _LINK.sub(_link_text, text)
            if "](" in text:
                text = _LOOSE_LINK.sub(r"\1", text)  # URLs with spaces, as converters sometimes emit
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
        text = _TAG.sub("", text)
    if "*" in text or "_" in text or "~" in text or "`" in text:
        for pattern in _EMPHASIS:
            text = pattern.sub(r"\1", text)
        text = text.replace("**", "").replace("__", "")
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return clean(html.unescape(text))


@dataclass
class MdBlock:
    """A parsed Markdown block: ``heading`` (with ``level``), ``p`` or ``li``; ``raw`` keeps emphasis."""

    kind: str
    text: str
    level: int = 0
    raw: str = ""


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


_ATX_OPEN = re.compile(r" {0,3}(#{1,6})")


def _atx_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, as ``_ATX`` matches it, else None.

    A space after the opening hashes (nearly every heading) makes the text the rest of the line
    without the outer blanks and a closing run of hashes; that is what ``_ATX``'s lazy group
    takes, found without trying each length of it."""
    opening = _ATX_OPEN.match(line)
    if opening is None:
        return None
    rest = line[opening.end() :]
    if not rest:
        return len(opening.group(1)), ""
    if rest[0] in " \t":
        return len(opening.group(1)), rest.strip(" \t").rstrip("#").rstrip(" \t")
    heading = _ATX.match(line)  # more than six hashes, or text glued to them
    return (len(heading.group(1)), heading.group(2) or "") if heading else None


# The first characters a line's block syntax can start with (fence, heading, rule, table, quote,
# list); a line starting otherwise (most prose) is paragraph text, without trying each pattern.
_MARKUP_START = frozenset("`~#-*_=|:>+•")


def parse_blocks(body: str) -> list[MdBlock]:
    """Headings, paragraphs and list items, with inline syntax already removed.

    Every block's ``text`` is ``clean``."""
    blocks: list[MdBlock] = []
    para: list[str] = []
    in_fence = False

    def flush() -> None:
        if para:
            raw = " ".join(para)
            text = inline_text(raw)
            if text:
                blocks.append(MdBlock("p", text, raw=raw))
            para.clear()

    for line in body.split("\n"):
        stripped = line.strip()
        if not stripped:
            if not in_fence:
                flush()
            continue
        first = stripped[0]
        markup = first in _MARKUP_START or first.isdecimal()  # \d in _LIST is any decimal digit
        if markup and _FENCE.match(line):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            blocks.append(MdBlock("p", clean(line)))
            continue
        if markup:
            if heading := _atx_heading(line):
                flush()
                level, raw = heading
                text = inline_text(raw)
                if text:
                    blocks.append(MdBlock("heading", text, level=level, raw=raw))
                continue
            if _RULE.match(line) or _TABLE_SEP.match(line):
                flush()
                continue
            if first == ">":
                stripped = _QUOTE.sub("", stripped)
            if stripped.startswith("|") and stripped.endswith("|"):
                flush()
                cells = [inline_text(c) for c in stripped.strip("|").split("|")]
                row = " – ".join(c for c in cells if c)
                if row:
                    blocks.append(MdBlock("p", row))
                continue
            if item := _LIST.match(stripped):
                flush()
                text = inline_text(item.group(1))
                if text:
                    blocks.append(MdBlock("li", text, raw=item.group(1)))
                continue
        if blocks and blocks[-1].kind == "li" and not para and line[:1].isspace():
            blocks[-1].text = clean(blocks[-1].text + " " + inline_text(stripped))  # continued item
            continue
        para.append(stripped.strip() if first == ">" else stripped)  # removing '> ' can leave a space
    flush()
    return blocks


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


def scalar_text(value: Any, limit: int = 500) -> str:
    """A front matter value as text if it is a scalar; lists and mappings (or an alias bomb,
    whose ``str()`` would be astronomically long) give ""."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)[:limit]
    return ""


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
