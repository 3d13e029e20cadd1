"""Query text → parts: words, quoted phrases and open compound modifiers ("återbruks- och återvinningskrav")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.analysis.question_words import is_filler

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 32
MAX_FUZZY_LENGTH = 24  # longer "words" are not typos of real words


_TOKEN_RE = re.compile(r'"([^"]*)"|(\S+)')
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class QueryPart:
    """A unit of the user's query: a word, a quoted phrase, or a prefix (``möb*``)."""

    text: str
    kind: str  # "word" | "phrase" | "prefix" | "coordination"
    filler: bool = False  # shapes a question ("hur", "får") but does not say what it is about


def clean_query(query: str) -> str:
    query = _CONTROL_RE.sub(" ", query)
    return " ".join(query.split())[:MAX_QUERY_CHARS * 20]


CONJUNCTIONS = {"och", "eller", "samt", "respektive"}


def parse_query(query: str) -> list[QueryPart]:
    """Words, balanced "quoted phrases" and trailing-star prefixes; all else is plain text.

    Unbalanced quotes, lone operators and stray punctuation are treated as text, never as
    syntax errors: users paste all sorts of things into a search box. A hyphen
    coordination ("bygg- och rivningsavfall") becomes one ``coordination`` part so its
    words can be expanded together (byggavfall, rivningsavfall).
    """
    parts = _parse_parts(query)
    out: list[QueryPart] = []
    i = 0
    while i < len(parts):
        j = i
        while j + 1 < len(parts) and _open_modifier(parts[j]):
            j += 1
            if parts[j].kind == "word" and parts[j].text.lower() in CONJUNCTIONS:
                j += 1
            if j >= len(parts):
                break
        if j > i and j < len(parts) and parts[j].kind == "word" and not parts[j].text.endswith("-"):
            out.append(QueryPart(" ".join(p.text for p in parts[i : j + 1]), "coordination"))
            i = j + 1
        else:
            out.append(parts[i])
            i += 1
    return out


def mark_fillers(parts: list[QueryPart]) -> list[QueryPart]:
    """Mark question words, modal and generic verbs ("hur", "får", "ställa") as fillers when the
    query has other words (``kb.analysis.question_words``); a query of fillers only keeps them all."""
    fillers = [p.kind == "word" and is_filler(p.text) for p in parts]
    if all(fillers):
        return parts
    return [QueryPart(p.text, p.kind, True) if f else p for p, f in zip(parts, fillers, strict=True)]


def correctable(word: str) -> bool:
    """Worth a fuzzy retry and a spelling suggestion: a real-looking word, not a 10,000-letter blob."""
    return 4 <= len(word) <= MAX_FUZZY_LENGTH and not any(c.isdigit() for c in word)


def _open_modifier(part: QueryPart) -> bool:
    """'bygg-' or 'bygg-,': the first member of a hyphen coordination."""
    return part.kind == "word" and len(part.text) > 2 and part.text.rstrip(",").endswith("-")


def _parse_parts(query: str) -> list[QueryPart]:
    parts: list[QueryPart] = []
    for m in _TOKEN_RE.finditer(query):
        if m.group(1) is not None:
            if m.group(1).strip():
                parts.append(QueryPart(m.group(1).strip(), "phrase"))
            continue
        word = m.group(2).replace('"', "")
        if word in {"AND", "OR", "NOT", "&&", "||"}:
            continue
        if word.endswith("*") and len(word.rstrip("*")) >= 3 and word.rstrip("*").isalnum():
            parts.append(QueryPart(word.rstrip("*").lower(), "prefix"))
        elif re.search(r"\w", word):
            parts.append(QueryPart(word, "word"))
    unique: dict[tuple[str, str], QueryPart] = {}
    for part in parts:
        unique.setdefault((part.kind, part.text.lower()), part)
    return list(unique.values())[:MAX_QUERY_WORDS]
