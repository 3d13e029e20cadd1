"""Statute citations in a query: "19 a kap", "LOU 19 kap 2 §", "SFS 2020:614", "lagen om offentlig upphandling 4 kap".

A citation names a place, not a topic: its numbers and letters ("19", "a", "kap") are not
words to rank by, and the place it names should come first. ``find_citation`` takes the
citation out of the query text; ``StatuteTable`` resolves it against the statutes of one
index version (documents with a ``beteckning`` in their metadata, chapters anchored
``kap19a`` and paragraphs ``kap19a-3`` by ``kb.ingest.statute``). A cited law that is not
in the knowledge base is reported, not searched for among its neighbours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.model import Document, fold_ascii

# Short names officers use for the procurement acts and their neighbours (SFS numbers).
ABBREVIATIONS = {
    "lou": "2016:1145",
    "luf": "2016:1146",
    "luk": "2016:1147",
    "lov": "2008:962",
    "lufs": "2011:1029",
    "osl": "2009:400",
    "fl": "2017:900",
    "mb": "1998:808",
    "pbl": "2010:900",
}

_CHAPTER = re.compile(r"(?<![\w:/])(\d{1,3})\s?([a-z])?\s?kap(?:itlet|itel|\.)?(?![\wåäö])", re.I)
_PARAGRAPH = re.compile(r"(?<![\w:/])(\d{1,3})\s?([a-z])?\s?§+", re.I)
_SFS = re.compile(r"(?<![\w/])(?:sfs\s?)?((?:1[89]|20)\d\d):(\d{1,4})(?![\w:/])", re.I)
_ABBREVIATION = re.compile(r"(?<![\w-])(" + "|".join(ABBREVIATIONS) + r")(?![\w-])", re.I)


@dataclass
class Citation:
    """What a query cites: laws (SFS numbers, or titles to match), a chapter and a paragraph."""

    numbers: list[str] = field(default_factory=list)  # "2016:1145"
    chapter: str | None = None  # "19a"
    paragraph: str | None = None  # "3a"
    spans: list[tuple[int, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.numbers or self.chapter)

    def chapter_label(self) -> str:
        """"19a" -> "19 a kap." as statutes write it."""
        chapter = self.chapter or ""
        return (f"{chapter[:-1]} {chapter[-1]}" if chapter[-1:].isalpha() else chapter) + " kap."


def find_citation(text: str) -> Citation:
    """The citation in a query (empty when there is none); ``spans`` are the cited parts of ``text``."""
    found = Citation()
    chapter = _CHAPTER.search(text)
    if chapter:
        found.chapter = chapter.group(1) + (chapter.group(2) or "").lower()
        found.spans.append(chapter.span())
    paragraph = _PARAGRAPH.search(text)
    if paragraph and chapter:
        found.paragraph = paragraph.group(1) + (paragraph.group(2) or "").lower()
        found.spans.append(paragraph.span())
    for m in _SFS.finditer(text):
        found.numbers.append(f"{m.group(1)}:{m.group(2)}")
        found.spans.append(m.span())
    for m in _ABBREVIATION.finditer(text):
        # Lower-case two-letter words ("fl", "mb") are words too; only capitals cite them.
        if len(m.group(1)) > 2 or m.group(1).isupper():
            found.numbers.append(ABBREVIATIONS[m.group(1).lower()])
            found.spans.append(m.span())
    return found


def without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())


@dataclass(frozen=True)
class Notice:
    """Why a cited law or chapter found nothing: ``text`` in English for the CLI and API, ``code`` and
    ``cited`` so a Swedish page (kb/site/assets/kb.js) can say the same in its own words."""

    code: str  # NOT_IN_KNOWLEDGE_BASE or NO_SUCH_CHAPTER
    cited: tuple[str, ...]  # "SFS 2099:12" …, or the chapter as statutes write it ("19 a kap.")
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "cited": list(self.cited)}


NOT_IN_KNOWLEDGE_BASE = "not_in_knowledge_base"
NO_SUCH_CHAPTER = "no_such_chapter"


@dataclass
class Resolved:
    """Sections a citation names, as (document id, section anchor, link anchor), best first."""

    targets: list[tuple[str, str, str]]
    missing: list[str]  # cited SFS numbers not in the knowledge base

    def notice(self, citation: Citation) -> Notice | None:
        """What to tell the user when the cited law or chapter is not here (instead of ranking noise)."""
        if self.missing:
            cited = tuple(f"SFS {n}" for n in self.missing)
            return Notice(NOT_IN_KNOWLEDGE_BASE, cited, "Not in the knowledge base: " + ", ".join(cited) + ".")
        if citation.chapter and not self.targets:
            label = citation.chapter_label()
            number = label.removesuffix(" kap.")
            text = f"No cited statute in the knowledge base has chapter {number} ({label})."
            return Notice(NO_SUCH_CHAPTER, (label,), text)
        return None


def read_statutes(version_dir: Path) -> Iterator[Document]:
    """The statutes of an index version (documents with a ``beteckning``), without parsing the others."""
    with open(version_dir / "documents.jsonl", encoding="utf-8") as f:
        for line in f:
            if '"beteckning"' in line:
                yield Document.from_dict(json.loads(line))


def paragraph_text(doc: Document | None, section_anchor: str, paragraph_anchor: str) -> str:
    """The text of one statute paragraph ("3 §" and the blocks up to the next paragraph), or ""."""
    section = next((s for s in doc.sections if s.anchor == section_anchor), None) if doc else None
    if section is None:
        return ""
    out: list[str] = []
    for block in section.blocks:
        if block.kind == "para":
            if out:
                break
            if block.anchor == paragraph_anchor:
                out.append(block.text)
        elif out:
            out.append(block.text)
    return "\n".join(out)


class StatuteTable:
    """The statutes of one index version, by SFS number and by title."""

    def __init__(self, documents: Iterable[Document]):
        self.by_number: dict[str, Document] = {}
        self.by_id: dict[str, Document] = {}
        self.titles: list[tuple[str, re.Pattern[str], Document]] = []  # (first word's stem, pattern, law)
        for doc in documents:
            number = str(doc.meta.get("beteckning") or "").strip()
            if not re.fullmatch(r"\d{4}:\d+", number):
                continue
            self.by_number[number] = doc
            self.by_id[doc.id] = doc
            words = fold_ascii(doc.title.lower()).split()
            if words:
                # "Lag om offentlig upphandling" is cited as "lagen om offentlig upphandling".
                pattern = r"(?<!\w)" + re.escape(words[0]) + r"(?:en|n|et)?" + "".join(
                    r"\s+" + re.escape(w) for w in words[1:]
                ) + r"(?!\w)"
                self.titles.append((words[0], re.compile(pattern), doc))

    def cite_titles(self, text: str, citation: Citation) -> None:
        """Add laws cited by title ("avfallsförordningen", "lagen om offentlig upphandling")."""
        folded = fold_ascii(text.lower())
        for first, pattern, doc in self.titles:
            if first not in folded:  # cheap: thousands of statutes, a short query
                continue
            for m in pattern.finditer(folded):
                number = str(doc.meta["beteckning"])
                if number not in citation.numbers:
                    citation.numbers.append(number)
                citation.spans.append(m.span())  # folding keeps lengths: spans fit the text

    def resolve(self, citation: Citation) -> Resolved:
        missing = [n for n in citation.numbers if n not in self.by_number]
        laws = [self.by_number[n] for n in citation.numbers if n in self.by_number]
        if citation.numbers and not laws:
            return Resolved([], missing)
        if not laws:
            laws = sorted(self.by_number.values(), key=lambda d: d.id)
        targets = []
        for doc in laws:
            if citation.chapter is None:
                if doc.sections:
                    targets.append((doc.id, doc.sections[0].anchor, doc.sections[0].anchor))
                continue
            anchor = f"kap{citation.chapter}"
            section = next((s for s in doc.sections if s.anchor == anchor), None)
            if section is None:
                continue
            link = anchor
            if citation.paragraph:
                wanted = f"{anchor}-{citation.paragraph}"
                if any(b.anchor == wanted for b in section.blocks):
                    link = wanted
            targets.append((doc.id, anchor, link))
        return Resolved(targets, missing)


def citation_patterns() -> dict[str, re.Pattern[str]]:
    """The patterns ``find_citation`` reads, for the site's static search to read the same ones
    (``kb.site.static_index`` writes them to the search index)."""
    return {"chapter": _CHAPTER, "paragraph": _PARAGRAPH, "sfs": _SFS, "abbreviation": _ABBREVIATION}
