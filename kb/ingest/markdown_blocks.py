"""Markdown's block syntax as plain text blocks: a small line-based parser.

The corpus Markdown is converter output (se-lex, g0vse), so a full CommonMark parser would buy
little; what matters is turning every construct into plain text blocks and never crashing.
Shared by the generic Markdown documents (``markdown``) and the statutes (``statute``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from .build import clean

ATX_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
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


_ATX_OPEN = re.compile(r" {0,3}(#{1,6})")


def atx_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, as ``ATX_HEADING_RE`` matches it, else None.

    A space after the opening hashes (nearly every heading) makes the text the rest of the line
    without the outer blanks and a closing run of hashes; that is what ``ATX_HEADING_RE``'s lazy group
    takes, found without trying each length of it."""
    opening = _ATX_OPEN.match(line)
    if opening is None:
        return None
    rest = line[opening.end() :]
    if not rest:
        return len(opening.group(1)), ""
    if rest[0] in " \t":
        return len(opening.group(1)), rest.strip(" \t").rstrip("#").rstrip(" \t")
    heading = ATX_HEADING_RE.match(line)  # more than six hashes, or text glued to them
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
            if heading := atx_heading(line):
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


def scalar_text(value: Any, limit: int = 500) -> str:
    """A front matter value as text if it is a scalar; lists and mappings (or an alias bomb,
    whose ``str()`` would be astronomically long) give ""."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)[:limit]
    return ""
