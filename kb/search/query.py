"""Query text → parts: words, quoted phrases and open compound modifiers ("återbruks- och återvinningskrav")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.analysis.question_words import is_filler, typed_without_swedish_letters

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
    role: str = "content"  # "filler": shapes a question ("hur", "får"); "number": a bare number or year


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


_NUMBER_RE = re.compile(r"\d+(?:[.,:/-]\d+)*[.,]?")


def mark_roles(parts: list[QueryPart]) -> list[QueryPart]:
    """Mark the words that should not decide a query when it has others besides them.

    Question words, modal and generic verbs ("hur", "får", "ställa") are fillers
    (``kb.analysis.question_words``); bare numbers and years ("2025", "700") are numbers: a
    year the texts do not repeat must not outweigh the words that name the topic. A query of
    such words only keeps them all as content. In a question typed without å, ä and ö, "ar"
    is "är" (``kb.analysis.question_words``): a filler too.
    """
    roles = [_role(p) for p in parts]
    if "filler" in roles and typed_without_swedish_letters(" ".join(p.text for p in parts)):
        roles = [_role(p, question=True) for p in parts]
    if all(r != "content" for r in roles):
        return parts
    return [QueryPart(p.text, p.kind, r) for p, r in zip(parts, roles, strict=True)]


def _role(part: QueryPart, question: bool = False) -> str:
    if part.kind != "word":
        return "content"
    if is_filler(part.text, question):
        return "filler"
    if _NUMBER_RE.fullmatch(part.text):
        return "number"
    return "content"


def query_years(parts: list[QueryPart]) -> set[str]:
    """Four-digit years among the query's numbers ("2025"), for preferring documents of that date."""
    return {p.text.rstrip(".,") for p in parts if p.role == "number" and re.fullmatch(r"(19|20)\d\d[.,]?", p.text)}


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


def wildcard_terms(query: str) -> int:
    """How many distinct words of the query are typed with a trailing star ("möb*", "a*"), quoted
    phrases aside: what a limit on wildcards counts, whether or not the word is long enough to expand."""
    return len({m.group(2).lower() for m in _TOKEN_RE.finditer(query) if m.group(2) and m.group(2).endswith("*")})


def number_pattern() -> re.Pattern[str]:
    """What a bare number or year is (``mark_roles``), for the site's static search (``kb.site.static_index``)."""
    return _NUMBER_RE
