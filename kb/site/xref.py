"""Cross-references: statute citations in running text become links into the knowledge base.

Recognised (only when the cited statute is in the knowledge base, and only to anchors that
exist):

- abbreviations: "LOU", "LUF", "LUK", "LUFS" → the statute's page;
- SFS numbers: "(2016:1145)", "lagen (2016:1145)", "lagen (2016:1145) om offentlig upphandling";
- chapters and paragraphs: "19 a kap." → ``#kap19a``, "19 a kap. 3 §" → ``#kap19a-3``, of the
  statute named right after ("19 a kap. LOU", "4 kap. lagen (2016:1145)"), else of the statute
  the page itself is, else of the only statute the same paragraph names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.model import Document
from kb.site.markup import md_link, md_text, rel_path

ABBREVIATIONS = {"LOU": "2016:1145", "LUF": "2016:1146", "LUK": "2016:1147", "LUFS": "2011:1029"}

_STATUTE = (
    r"(?:\b(?P<abbrN>LOU|LUF|LUK|LUFS)\b"
    r"|(?:\b(?:[Ll]agen|[Ll]ag|[Ff]örordningen|[Ff]örordning)\s+)?\((?P<sfsN>\d{4}:\d{1,4})\))"
)
_CHAPTER = (
    r"\b(?P<kap>\d{1,2})(?:\s?(?P<kl>[a-z]))?\s+kap\."
    r"(?:\s+(?P<par>\d{1,3})(?:\s?(?P<pl>[a-z]))?\s*§)?"
)
PATTERN = re.compile(
    "(?P<chapter>" + _CHAPTER + r"(?:\s+(?:i\s+)?" + _STATUTE.replace("N>", "1>") + ")?)"
    "|(?P<statute>" + _STATUTE.replace("N>", "2>") + ")"
)
SFS_IN_TEXT = re.compile(r"\b(LOU|LUF|LUK|LUFS)\b|\((\d{4}:\d{1,4})\)")


@dataclass
class Statute:
    doc_id: str
    title: str
    anchors: set[str] = field(default_factory=set)


def statute_number(doc: Document) -> str | None:
    value = str(doc.meta.get("beteckning") or "").strip()
    return value if re.fullmatch(r"\d{4}:\d{1,4}", value) else None


class CrossReferencer:
    def __init__(self, documents: list[Document]):
        self.statutes: dict[str, Statute] = {}
        for doc in documents:
            number = statute_number(doc)
            if number and number not in self.statutes:
                anchors = {s.anchor for s in doc.sections}
                anchors |= {b.anchor for s in doc.sections for b in s.blocks if b.anchor}
                self.statutes[number] = Statute(doc.id, doc.title, anchors)

    def _number(self, m: re.Match, n: int) -> str | None:
        abbr, sfs = m.group(f"abbr{n}"), m.group(f"sfs{n}")
        return ABBREVIATIONS.get(abbr) if abbr else sfs

    def _implied(self, doc: Document, text: str) -> str | None:
        own = statute_number(doc)
        if own in self.statutes:
            return own
        named = {ABBREVIATIONS.get(a) if a else s for a, s in SFS_IN_TEXT.findall(text)}
        named &= set(self.statutes)
        return named.pop() if len(named) == 1 else None

    def link(self, text: str, doc: Document, from_file: str) -> str:
        """``text`` as escaped inline Markdown with citations turned into links."""
        out: list[str] = []
        pos = 0
        for m in PATTERN.finditer(text):
            target = self._resolve(m, text, doc)
            if target is None:
                continue
            doc_id, anchor = target
            end = m.end()
            if m.group("statute") and not anchor:
                end = self._title_tail(text, end, doc_id)
            if doc_id == doc.id and not anchor:
                continue
            href = rel_path(f"dok/{doc_id}/index.md", from_file) + (f"#{anchor}" if anchor else "")
            out.append(md_text_keep_edges(text[pos : m.start()]))
            out.append(md_link(md_text(text[m.start() : end]), href))
            pos = end
        out.append(md_text_keep_edges(text[pos:]))
        return "".join(out).strip()

    def _resolve(self, m: re.Match, text: str, doc: Document) -> tuple[str, str | None] | None:
        if m.group("statute"):
            number = self._number(m, 2)
            statute = self.statutes.get(number or "")
            return (statute.doc_id, None) if statute else None
        number = self._number(m, 1) or self._implied(doc, text)
        statute = self.statutes.get(number or "")
        if statute is None:
            return None
        chapter = f"kap{m.group('kap')}{m.group('kl') or ''}"
        if m.group("par"):
            paragraph = f"{chapter}-{m.group('par')}{m.group('pl') or ''}"
            if paragraph in statute.anchors:
                return statute.doc_id, paragraph
        if chapter in statute.anchors:
            return statute.doc_id, chapter
        return (statute.doc_id, None) if (m.group("abbr1") or m.group("sfs1")) else None

    def _title_tail(self, text: str, end: int, doc_id: str) -> int:
        """Extend "lagen (2016:1145)" over " om offentlig upphandling" when that is its title."""
        title = next((s.title for s in self.statutes.values() if s.doc_id == doc_id), "")
        tail = re.sub(r"^\S+\s+", "", title).lower()  # "Lag om offentlig upphandling" → "om …"
        if tail.startswith("om ") and text[end : end + 1 + len(tail)].lower() == " " + tail:
            return end + 1 + len(tail)
        return end


def md_text_keep_edges(text: str) -> str:
    """Like ``md_text`` but keeps one leading/trailing space, for text between links."""
    if not text:
        return ""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() and text.strip() else ""
    return lead + md_text(text) + trail
