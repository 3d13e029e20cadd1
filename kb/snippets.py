"""Snippets: the best short passage of a section, HTML-escaped, matched words in ``<mark>``.

A word of the text matches when any of its analysed forms (folded: word, lemma, compound
parts) is a query term, so "mobler", "möbler" and the part "möbel" of "kontorsmöbler" all
mark the word as written. Each distinct word is analysed once per process (a bounded
cache), and only paragraphs that could contain a match (a cheap substring test) are
scanned, which keeps long statute chapters fast.
"""

from __future__ import annotations

import html
import re
import threading

from kb.analysis import folded_analyzer
from kb.model import FOLD_TABLE, fold_ascii

WINDOW = 220
MAX_SCAN_CHARS = 60_000
CACHE_LIMIT = 200_000
_WORD_RE = re.compile(r"\w+(?:[:\-]\w+)*")
_MARK_RE = re.compile(r"</?mark>")
_forms: dict[str, frozenset[str]] = {}
_lock = threading.Lock()
_analyzer = None


def word_forms(word: str) -> frozenset[str]:
    """Folded analysed forms of one lower-cased word (cached)."""
    forms = _forms.get(word)
    if forms is None:
        global _analyzer
        with _lock:
            if _analyzer is None:
                _analyzer = folded_analyzer()
            forms = frozenset(t.text for t in _analyzer(word, mode="index")) | {fold_ascii(word)}
        if len(_forms) > CACHE_LIMIT:
            _forms.clear()
        _forms[word] = forms
    return forms


def make_snippet(text: str, terms: set[str], window: int = WINDOW) -> str:
    """An HTML snippet of ``text`` around the densest run of ``terms`` (folded tokens)."""
    if not text:
        return ""
    spans = find_matches(text, terms)
    if not spans:
        return _escape_window(text, 0, _snap_end(text, window), [])
    start = _snap_start(text, _best_start(spans, window))
    end = _snap_end(text, min(len(text), start + window))
    inside = [(s, e) for s, e in spans if s >= start and e <= end]
    return _escape_window(text, start, end, inside)


def plain(snippet_html: str) -> str:
    """Snippet HTML back to text (for terminals): marks removed, entities decoded."""
    return html.unescape(_MARK_RE.sub("", snippet_html))


def find_matches(text: str, terms: set[str]) -> list[tuple[int, int]]:
    if not terms:
        return []
    exact = {t for t in terms if not t.endswith("*")}
    stars = tuple(t[:-1] for t in terms if t.endswith("*") and len(t) > 1)
    prefixes = {t.rstrip("*")[:4] for t in terms if t.rstrip("*")}
    spans: list[tuple[int, int]] = []
    offset = 0
    for para in text[:MAX_SCAN_CHARS].split("\n"):
        folded = para.lower().translate(FOLD_TABLE)  # Swedish letters only: a cheap pre-test
        if any(p in folded for p in prefixes):
            for m in _WORD_RE.finditer(para):
                word = m.group().lower()
                if word_forms(word) & exact or (stars and fold_ascii(word).startswith(stars)):
                    spans.append((offset + m.start(), offset + m.end()))
            if len(spans) > 60:
                break
        offset += len(para) + 1
    return spans


def _best_start(spans: list[tuple[int, int]], window: int) -> int:
    best, best_count, j = spans[0][0], 0, 0
    for i, (s, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= s + window:
            j += 1
        if j - i > best_count:
            best, best_count = s, j - i
    return max(0, best - window // 4)


def _snap_start(text: str, start: int) -> int:
    if start == 0:
        return 0
    space = text.find(" ", start)
    return space + 1 if 0 <= space < start + 20 else start


def _snap_end(text: str, end: int) -> int:
    if end >= len(text):
        return len(text)
    space = text.rfind(" ", end - 25, end)
    return space if space > 0 else end


def _escape_window(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    end = min(end, len(text))
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if s < pos:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).replace("\n", " ")
