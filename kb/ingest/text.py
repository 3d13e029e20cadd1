"""Plain-text web captures (the seeds): strip capture noise, find headings, build sections.

A capture of a web page carries page chrome as text: breadcrumbs, image alt texts, link labels
and a "Senast granskad" date. They are removed (or turned into metadata) before anything is
indexed, because they would otherwise match queries everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Document, doc_id
from .build import Item, Sections, clean, strip_link_labels
from .meta import iso_date, normalize

_CRUMB = re.compile(r"^\s*(\d{1,2})\.\s+(\S.{0,60})$")
_HOME = {"startsida", "start", "hem", "hemsida", "home"}
_BULLET = re.compile(r"^\s*(?:[•\-*–·▪◦‣]|\d{1,3}[.)])\s+(\S.*)$")
# Alt texts of decorative or marker images ("En illustration på en cirkel med två pilar").
_MARKER = re.compile(r"^\s*(?:en\s+)?(?:illustration|bild|ikon|foto)\b.{0,120}$", re.I)
_REVIEWED = re.compile(r"^\s*(?:[•\-*]\s*)?Senast\s+granskad:?\s*(.+)$", re.I)
# Lines that were only a link in the page ("Läs mer om … här.", "Mer information om projektet.").
_LINK_ONLY = re.compile(r"^(?:Läs mer\b|Mer information\b|Mer om\b|Till webbplatsen\b).{0,100}$", re.I)
_NO_HEADING_END = ".:;,!?"


@dataclass
class Capture:
    title: str | None
    items: list[Item]
    meta: dict[str, str] = field(default_factory=dict)


def parse_capture(text: str) -> Capture:
    """Turn capture text into items, dropping chrome; the first heading (if first) is the title."""
    lines = [strip_link_labels(line).rstrip() for line in text.split("\n")]
    meta: dict[str, str] = {}
    lines = _drop_breadcrumbs(lines)
    kept: list[str] = []
    for line in lines:
        reviewed = _REVIEWED.match(line)
        if reviewed and iso_date(reviewed.group(1)):
            meta["reviewed"] = iso_date(reviewed.group(1)) or ""
            continue
        kept.append(line)
    items = _classify(_groups(kept))
    title = None
    if items and items[0].kind == "heading":
        title = items.pop(0).text
    return Capture(title=title, items=items, meta=meta)


def _drop_breadcrumbs(lines: list[str]) -> list[str]:
    """Drop a top breadcrumb trail ("1. Startsida", " 2. Projekt …") and the hero image alt text.

    The trail must start at a home label and count up 1, 2, 3…; the non-blank lines glued to it
    (no blank line between) are the caption of the page's hero image and go too.
    """
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    end, expected = start, 1
    while end < len(lines):
        match = _CRUMB.match(lines[end])
        if not match or int(match.group(1)) != expected:
            break
        if expected == 1 and match.group(2).strip().lower() not in _HOME:
            break
        end, expected = end + 1, expected + 1
    if end == start:
        return lines
    while end < len(lines) and lines[end].strip():
        end += 1
    return lines[end:]


def _groups(lines: list[str]) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g]


def _classify(groups: list[list[str]]) -> list[Item]:
    """Items from blank-line groups; headings need a blank line around them and body after them."""
    raw: list[list[Item]] = []
    for group in groups:
        items: list[Item] = []
        for line in group:
            stripped = clean(line)
            if _MARKER.match(stripped):
                items.append(Item("marker", stripped))
            elif bullet := _BULLET.match(line):
                items.append(Item("li", clean(bullet.group(1))))
            elif items and items[-1].kind == "li" and line[:1].isspace():
                items[-1].text += " " + stripped  # wrapped bullet
            elif items and items[-1].kind == "p":
                items[-1].text += " " + stripped  # wrapped paragraph
            elif _LINK_ONLY.match(stripped):
                continue
            else:
                items.append(Item("p", stripped))
        raw.append(items)
    out: list[Item] = []
    for i, items in enumerate(raw):
        if len(items) == 1 and items[0].kind == "p" and _heading_like(items[0].text):
            following = next((g for g in raw[i + 1 :] if g), [])
            if following and following[0].kind in ("p", "li") and not _is_heading_group(following):
                out.append(Item("heading", items[0].text))
                continue
        out.extend(items)
    return out


def _heading_like(text: str) -> bool:
    return 0 < len(text) <= 100 and text[-1] not in _NO_HEADING_END and not text[0].islower()


def _is_heading_group(items: list[Item]) -> bool:
    return len(items) == 1 and items[0].kind == "p" and _heading_like(items[0].text)


def ingest_text(rel: str, text: str, raw_meta: dict, fallback_title: str) -> list[Document]:
    """A generic capture: one Document, a section per detected heading (project pages: several)."""
    from .projects import is_project_page, split_projects

    capture = parse_capture(text)
    meta = normalize(raw_meta, capture.meta)
    title = capture.title or fallback_title
    if is_project_page(capture.items):
        return split_projects(rel, title, capture.items, meta)
    sections = Sections()
    sections.start([title])
    for item in capture.items:
        if item.kind == "heading":
            sections.start([item.text])
        elif item.kind in ("p", "li"):
            sections.add(item.kind, item.text)  # type: ignore[arg-type]
    return [Document(id=doc_id(rel), title=title, source=rel, sections=sections.result(), meta=meta)]
