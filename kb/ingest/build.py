"""Helpers every parser shares: collecting sections with unique anchors, tidying inline text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Block, BlockKind, Section, slugify, unique_anchor
from .limits import MAX_BLOCK_CHARS, split_long

_SPACE = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u3000]+")
# Screen-reader link labels; they occur mid-sentence ("Copper8 Länk till annan webbplats, …. i samarbete").
_LINK_LABEL = re.compile(
    r"[\s,]*\(?\bLänk till (?:en )?annan webbplats(?:,\s*öppnas i (?:ett )?nytt fönster)?\.?\)?"
    r"|[\s,]*\(?\böppnas i (?:ett )?nytt fönster\.?\)?",
    re.I,
)


def strip_link_labels(text: str) -> str:
    return _LINK_LABEL.sub("", text)


def clean(text: str) -> str:
    """Collapse whitespace runs (incl. newlines, no-break spaces) to one space and trim.

    ``str.split()`` splits on exactly the characters ``_SPACE`` matches (``str.isspace``),
    several times faster than the regex. Text that is already clean (most of it) is returned
    as it is: every whitespace character but the space is unprintable, so printable text without
    double or outer spaces is what the split and join would give back; that test costs half."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


@dataclass
class Item:
    """One unit of a capture: ``heading``, ``p``, ``li`` or ``marker`` (an image alt text)."""

    kind: str
    text: str


class Sections:
    """Accumulates sections in order; anchors are unique within one document (``taken``)."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.taken: set[str] = set()

    def start(self, path: list[str], anchor: str | None = None, tags: list[str] | None = None) -> Section:
        base = anchor or slugify(path[-1] if path else "inledning")
        section = Section(anchor=unique_anchor(base, self.taken), path=list(path), tags=list(tags or []))
        self.sections.append(section)
        return section

    def anchor(self, base: str) -> str:
        return unique_anchor(base, self.taken)

    def add(self, kind: BlockKind, text: str, anchor: str | None = None) -> None:
        """Append a block to the current section (the caller starts one first).

        An over-long paragraph (a file on one line) becomes several blocks of at most
        ``MAX_BLOCK_CHARS``, so no later stage handles a megabyte-long paragraph.
        """
        self.add_clean(kind, clean(text), anchor)

    def add_clean(self, kind: BlockKind, text: str, anchor: str | None = None) -> None:
        """``add`` for text that is already ``clean`` (Markdown blocks are): cleaning it again is
        a tenth of a statute's ingestion time and changes nothing."""
        if not text:
            if anchor:
                self.sections[-1].blocks.append(Block(kind=kind, text=text, anchor=anchor))
            return
        if len(text) <= MAX_BLOCK_CHARS:
            self.sections[-1].blocks.append(Block(kind, text, anchor))
            return
        for i, piece in enumerate(split_long(text)):
            self.sections[-1].blocks.append(Block(kind=kind, text=piece, anchor=anchor if i == 0 else None))

    def result(self) -> list[Section]:
        """Sections that hold something; an empty intro section is noise in search results."""
        return [s for s in self.sections if any(b.text for b in s.blocks)]
