"""Snippets: the passage of a section that answers, HTML-escaped, matched words in ``<mark>``.

The passage is the window holding the most distinct query concepts (a list of partner
companies that says "möbler" five times loses to the sentence that holds "återbruk" and
"möbler"), then the most matches; it is widened to whole sentences when they fit.

A word of the text matches when any of its analysed forms (folded: word, lemma, compound
parts) is a query term, so "mobler", "möbler" and the part "möbel" of "kontorsmöbler" all
mark the word as written. Each distinct word is analysed once per process (a bounded
cache), and only words that hold a term's first letters are analysed at all, which keeps
long statute chapters fast.
"""

from __future__ import annotations

import functools
import html
import re
import threading

from kb.analysis import folded_analyzer
from kb.analysis.native_text import word_runs
from kb.model import FOLD_TABLE, fold_ascii

WINDOW = 220
MAX_SCAN_CHARS = 60_000
CACHE_LIMIT = 200_000
PREFIX = 3  # letters of a term a word must contain to be analysed (lemmas and parts share them)
_WORD_RE = re.compile(r"\w+(?:[:\-]\w+)*")
_RUN_RE = re.compile(r"[\w:\-]*")
_MARK_RE = re.compile(r"</?mark>")
_HTML_SPECIAL_RE = re.compile("[&<>\"']")  # what html.escape changes
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


def make_snippet(text: str, terms: set[str] | frozenset[str], window: int = WINDOW) -> str:
    """An HTML snippet of ``text`` around the densest run of ``terms`` (folded tokens)."""
    if not text:
        return ""
    spans = find_matches(text, terms)
    if not spans:
        return _escape_window(text, 0, _snap_end(text, window), [])
    plan = match_plan(frozenset(terms))
    concepts = [plan.concepts(text[s:e]) for s, e in spans]
    first, last = _best_passage(spans, concepts, window, text)
    start, end = _sentence_bounds(text, spans[first][0], spans[last][1], window)
    inside = [(s, e) for s, e in spans if s >= start and e <= end]
    return _escape_window(text, start, end, inside)


def match_offset(text: str, terms: set[str] | frozenset[str]) -> int:
    """Where in ``text`` the longest run of matched words that follow each other starts (a phrase
    the user typed, or most of the query's words together); 0 without a match. Each paragraph
    (blank-line separated) is scanned on its own: ``find_matches`` stops after a screenful of
    matches, and a long section's later pages must count too."""
    best_start, best_length = 0, 0
    start = 0
    for paragraph in text.split("\n\n"):
        spans = find_matches(paragraph, terms)
        offset, start = start, start + len(paragraph) + 2
        run_start, length, previous_end = 0, 0, -1_000
        for s, e in spans:
            if s - previous_end > 12:  # more than a short word or two between: a new run
                run_start, length = s, 0
            length += 1
            previous_end = e
            if length > best_length:
                best_start, best_length = offset + run_start, length
    return best_start


def concept(word: str, terms: frozenset[str] | set[str]) -> str:
    """Which query concept a matched word stands for: its first analysed form among the terms
    ("möbler" and "möbel" both stand for "mobel"); a prefix match stands for its prefix."""
    lowered = word.lower()
    shared = word_forms(lowered) & terms
    return min(shared) if shared else fold_ascii(lowered)[:PREFIX]


def concepts_of(word: str, terms: frozenset[str] | set[str]) -> tuple[str, ...]:
    """Every query concept a matched word stands for: a compound the user typed ("klimatkrav")
    stands for the word and each of its parts, so the sentence saying it outweighs one where
    its parts stand apart ("klimatutsläppen … krävs"); "möbler" and "möbel" stand for "mobel"."""
    lowered = word.lower()
    shared = word_forms(lowered) & terms
    return tuple(sorted(shared)) if shared else (fold_ascii(lowered)[:PREFIX],)


def plain(snippet_html: str) -> str:
    """Snippet HTML back to text (for terminals): marks removed, entities decoded."""
    return html.unescape(_MARK_RE.sub("", snippet_html))


def find_matches(text: str, terms: set[str] | frozenset[str]) -> list[tuple[int, int]]:
    """Spans of the words of ``text`` (its first MAX_SCAN_CHARS) that match ``terms``.

    Only words holding the first letters of a term are analysed. The runs of word
    characters that hold them are found in compiled code (``kb.analysis.native_text.word_runs``), in
    a latin-1 copy of the text (one byte per character, so offsets agree; other
    characters become "?"), which keeps long statute chapters cheap.
    """
    if not terms:
        return []
    plan = match_plan(frozenset(terms))
    scanned = text[:MAX_SCAN_CHARS]
    raw = scanned.encode("latin-1", "replace")
    runs = word_runs(raw, FOLD_BYTES, WORD_BYTES, plan.byte_needles, plan.text_positions(scanned))
    matches = plan.matches
    spans: list[tuple[int, int]] = []
    run_end, stop, length = -1, len(scanned), len(scanned)
    for run_start, end in runs:
        if run_start < run_end:
            continue  # inside a run widened over letters outside latin-1
        if run_start > stop:
            break
        run_end = end
        # A letter outside latin-1 reads as "?", a separator there: widen the run over such letters.
        if run_start > 0 and raw[run_start - 1] == _QUESTION_MARK:
            while run_start > 0 and _word_char(scanned[run_start - 1]):
                run_start -= 1
        if run_end < length and raw[run_end] == _QUESTION_MARK and _word_char(scanned[run_end]):
            run_end = _RUN_RE.match(scanned, run_end).end()
        if run_end <= run_start:
            continue
        piece = scanned[run_start:run_end]
        if "-" in piece or ":" in piece:  # "a-b:c": the words of the run
            words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(scanned, run_start, run_end)]
        else:  # a run of word characters only is one word
            words = ((run_start, run_end, piece),)
        for start, end, word in words:
            hit = matches.get(word)
            if hit is None:
                hit = plan.match(word)
            if hit:
                spans.append((start, end))
                if len(spans) == 61:  # enough: finish this paragraph
                    newline = scanned.find("\n", end)
                    stop = newline if newline >= 0 else length
    return spans


def _positions(haystack: str, needle: str) -> list[int]:
    """Every start of ``needle`` in ``haystack``, overlapping ones included."""
    out = []
    pos = haystack.find(needle)
    while pos >= 0:
        out.append(pos)
        pos = haystack.find(needle, pos + 1)
    return out


class MatchPlan:
    """What ``find_matches`` looks for, for one set of terms, which words it found to match, and
    the concepts the matched words stand for (``concepts``).

    The verdicts are kept per word as written, across texts: the ten hits of a page (and
    the next pages) share most of their words, and a verdict costs an analysis lookup and
    a set test. A page's words number a few dozen, twenty pages' a few hundred; at most
    MAX_WORDS are kept per plan (about 25 MB over the 256 plans kept; the matched words'
    concepts at most as much again). Dict reads and
    writes are atomic, so threads may share a plan.
    """

    MAX_WORDS = 1_000

    def __init__(self, terms: frozenset[str]) -> None:
        self.exact = frozenset(t for t in terms if not t.endswith("*"))
        self.stars = tuple(t[:-1] for t in terms if t.endswith("*") and len(t) > 1)
        byte_needles: set[bytes] = set()
        text_needles: set[str] = set()
        for prefix in {t.rstrip("*")[:PREFIX] for t in terms if t.rstrip("*")}:
            try:
                byte_needles.add(prefix.encode("latin-1").translate(FOLD_BYTES))
            except UnicodeEncodeError:
                text_needles.add(prefix)
        self.byte_needles = tuple(sorted(byte_needles))
        self.text_needles = tuple(sorted(text_needles))
        self.matches: dict[str, bool] = {}
        self.terms = terms
        self.word_concepts: dict[str, tuple[str, ...]] = {}

    def text_positions(self, scanned: str) -> list[int]:
        """Starts of the prefixes outside latin-1 in the lower-cased text (rarely any)."""
        if not self.text_needles:
            return []
        lowered = scanned.lower()
        if len(lowered) != len(scanned):  # lower-casing moved the offsets
            return []
        return [p for needle in self.text_needles for p in _positions(lowered, needle)]

    def match(self, word: str) -> bool:
        """Whether ``word`` (as written) matches: an analysed form is a term, or starts with a prefix."""
        lowered = word.lower()
        hit = not word_forms(lowered).isdisjoint(self.exact) or bool(
            self.stars and fold_ascii(lowered).startswith(self.stars)
        )
        if len(self.matches) >= self.MAX_WORDS:
            self.matches.clear()
        self.matches[word] = hit
        return hit

    def concepts(self, word: str) -> tuple[str, ...]:
        """``concepts_of(word, terms)``, kept per word as written like the verdicts (the same
        words recur across a page's snippets, and each costs an analysis lookup and a sort)."""
        found = self.word_concepts.get(word)
        if found is None:
            found = concepts_of(word, self.terms)
            if len(self.word_concepts) >= self.MAX_WORDS:
                self.word_concepts.clear()
            self.word_concepts[word] = found
        return found


@functools.lru_cache(maxsize=256)
def match_plan(terms: frozenset[str]) -> MatchPlan:
    """The plan of ``terms``, shared by every text searched for them (its verdicts are the cache)."""
    return MatchPlan(terms)


def _word_char(c: str) -> bool:
    """A character ``_WORD_RE`` words are made of (``\\w``, ``:`` and ``-``)."""
    return c.isalnum() or c in "_:-"


def _fold_byte(b: int) -> int:
    """Latin-1 byte -> the byte of its lower-cased, folded letter (itself when that is not one letter)."""
    lower = chr(b).lower()
    if len(lower) != 1:
        return b
    folded = lower.translate(FOLD_TABLE)
    return ord(folded) if len(folded) == 1 and ord(folded) < 256 else b


FOLD_BYTES = bytes(_fold_byte(b) for b in range(256))
_QUESTION_MARK = ord("?")
WORD_BYTES = bytes(_word_char(chr(b)) for b in range(256))  # 1 where a word character is


LIST_COMMAS = 5  # a window with this many commas is an enumeration (partners, members), not an answer


def _best_passage(
    spans: list[tuple[int, int]], concepts: list[tuple[str, ...]], window: int, text: str
) -> tuple[int, int]:
    """(first, last) indexes of the matches in the best window: most distinct concepts, then prose over
    enumerations (a list of partner companies names the topic but says nothing about it), then most matches."""
    best, best_key, j = (0, 0), (0, False, 0), 0
    counts: dict[str, int] = {}
    for i, (s, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= s + window:
            for c in concepts[j]:
                counts[c] = counts.get(c, 0) + 1
            j += 1
        prose = text.count(",", s, s + window) < LIST_COMMAS
        key = (len(counts), prose, j - i)
        if key > best_key:
            best, best_key = (i, max(i, j - 1)), key
        if j > i:
            for c in concepts[i]:
                counts[c] -= 1
                if not counts[c]:
                    del counts[c]
    return best


_SENTENCE_END = re.compile(r"[.!?:;]\s|\n")


def _sentence_bounds(text: str, first: int, last: int, window: int) -> tuple[int, int]:
    """The span around matches at [first, last): from the start of the first's sentence to the end of the
    last's when that fits in ``window`` (plus a little); otherwise a word-snapped window around them."""
    budget = window + window // 4
    start = 0
    for m in _SENTENCE_END.finditer(text, max(0, first - window), first):
        start = m.end()
    if first - start > window // 2:
        start = _snap_start(text, max(0, first - window // 4))
    found = _SENTENCE_END.search(text, last, min(len(text), start + budget))
    if found:
        end = found.start() + 1 if text[found.start()] != "\n" else found.start()
    else:
        end = _snap_end(text, min(len(text), max(last, start + window)))
    if end - start < window // 2 and end < len(text):  # a short sentence: add the next one
        more = _SENTENCE_END.search(text, end + 1, min(len(text), start + budget))
        end = (more.start() + 1) if more else _snap_end(text, min(len(text), start + window))
    return start, min(end, len(text))


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
    # Most windows hold nothing to escape: then each piece is used as it is.
    escape = html.escape if _HTML_SPECIAL_RE.search(text, start, end) else str
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if s < pos:
            continue
        out.append(escape(text[pos:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out).replace("\n", " ")
