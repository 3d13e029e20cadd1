"""Snippets: the best short passage of a section, HTML-escaped, matched words in ``<mark>``.

Matching uses the folded analyzer, so "mobler", "möbler" and the part "möbel" of
"kontorsmöbler" all mark the word as written in the text. Only passages that could
contain a match (a cheap substring test) are analysed, which keeps long statute
chapters fast.
"""

from __future__ import annotations

import html
import re

from kb.analysis import folded_analyzer
from kb.model import fold_ascii

WINDOW = 220
_analyzer = None
_MARK_RE = re.compile(r"</?mark>")


def _folded():
    global _analyzer
    if _analyzer is None:
        _analyzer = folded_analyzer()
    return _analyzer


def make_snippet(text: str, terms: set[str], window: int = WINDOW) -> str:
    """An HTML snippet of ``text`` around the densest run of ``terms`` (folded tokens)."""
    if not text:
        return ""
    spans = find_matches(text, terms)
    if not spans:
        return _escape_window(text, 0, window, [])
    start = _best_start(spans, window)
    start = _snap_start(text, start)
    end = min(len(text), start + window)
    end = _snap_end(text, end)
    inside = [(s, e) for s, e in spans if s >= start and e <= end]
    return _escape_window(text, start, end, inside)


def plain(snippet_html: str) -> str:
    """Snippet HTML back to text (for terminals): marks removed, entities decoded."""
    return html.unescape(_MARK_RE.sub("", snippet_html))


def find_matches(text: str, terms: set[str]) -> list[tuple[int, int]]:
    if not terms:
        return []
    prefixes = {t.rstrip("*")[:4] for t in terms if t}
    stars = [t[:-1] for t in terms if t.endswith("*")]
    spans: set[tuple[int, int]] = set()
    offset = 0
    for para in text.split("\n"):
        folded = fold_ascii(para).lower()
        if any(p and p in folded for p in prefixes):
            for tok in _folded()(para, chars=True, mode="index"):
                if tok.text in terms or any(tok.text.startswith(s) for s in stars):
                    spans.add((offset + tok.startchar, offset + tok.endchar))
        offset += len(para) + 1
        if len(spans) > 60:
            break
    return sorted(spans)


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
