"""The search stage: a query string → ranked, diversified section hits with snippets.

Ranking is Whoosh's BM25F over section fields with boosts (heading > title > body), each
query word expanded to its analysed variants (lemma, compound parts, accent-folded form)
with weights that favour the exact spelling. Words are OR-ed with a coordination bonus, so
sections with all words rank first but a section missing one is still found. Sections of
one document are spread out so it cannot fill the first page alone. When a word finds
nothing, a fuzzy retry and a "did you mean" suggestion step in.
"""

from __future__ import annotations

import bisect
import io
import mmap
import os
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.query import And, Or, Phrase, Prefix, Query, Term
from whoosh.scoring import BM25F

from kb.analysis import folded_analyzer, load_synonyms, swedish_analyzer
from kb.index import (
    CURRENT,
    HEADING_SEPARATOR,
    HIT_FIELD,
    HIT_KEYS,
    IndexInfo,
    current_version_dir,
    load_documents,
    read_hit,
    read_info,
    term_text,
)
from kb.model import Document, fold_ascii
from kb.originals import original_url, page_at
from kb.scoring import ArrayScorer, TermCache
from kb.similar import SimilarDocuments, docnum_doc_ids, mlt_text
from kb.snippets import make_snippet
from kb.urls import document_url

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 32
MAX_LIMIT = 50
MAX_FUZZY_WORDS = 4  # words per query that get a fuzzy retry and a suggestion
MAX_FUZZY_LENGTH = 24  # longer "words" are not typos of real words
TIME_LIMIT_S = 1.0
CACHE_WORDS = 20_000  # entries of each per-word cache of the query builder
POOL = 120  # hits scored and diversified before paging
FIELD_BOOSTS = {"heading": 1.5, "title": 2.0, "body": 1.0, "theme": 0.5}
FOLDED_WEIGHT = 0.6
PART_DAMPING = 0.3
SYNONYM_WEIGHT = 0.8
COORDINATION_POWER = 1.5
PARTIAL_CREDIT = 0.9
BM25_B, BM25_K1 = 0.75, 1.2
AND_BOOST = 1.0
FACETS = ("tags", "publisher", "type")


class SearchError(Exception):
    """A query that cannot be run; the message is meant for the user."""


class IndexMissing(SearchError):
    pass


@dataclass
class Hit:
    title: str
    section: str
    source: str
    url: str
    anchor: str
    snippet: str
    score: float
    publisher: str
    type: str
    date: str
    tags: list[str]
    doc_id: str
    original: str = ""  # the published original file (PDF, Word), at the hit's page for a PDF
    page: int | None = None  # the page of the original the snippet is on (PDFs)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResult:
    query: str
    total: int
    took_ms: float
    suggestion: str | None
    hits: list[Hit]
    offset: int = 0
    limit: int = 10
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    fuzzy: bool = False
    timed_out: bool = False

    def to_json(self, facets: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion,
            "hits": [h.to_json() for h in self.hits],
        }
        if facets:
            out["facets"] = self.facets
        return out


# ---------------------------------------------------------------- query parsing

_TOKEN_RE = re.compile(r'"([^"]*)"|(\S+)')
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass
class QueryPart:
    """A unit of the user's query: a word, a quoted phrase, or a prefix (``möb*``)."""

    text: str
    kind: str  # "word" | "phrase" | "prefix" | "coordination"


def clean_query(query: str) -> str:
    query = _CONTROL_RE.sub(" ", query)
    return " ".join(query.split())[:MAX_QUERY_CHARS * 20]


_CONJUNCTIONS = {"och", "eller", "samt", "respektive"}


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
            if parts[j].kind == "word" and parts[j].text.lower() in _CONJUNCTIONS:
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


def _correctable(word: str) -> bool:
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


class QueryBuilder:
    """Turns parsed query parts into a Whoosh query over the exact and folded fields."""

    def __init__(self, reader, synonyms: list[list[str]]):
        self.reader = reader
        self.sv = swedish_analyzer()
        self.folded = folded_analyzer()
        self.synonyms = synonyms
        self._synonym_keys: list[tuple[list[frozenset[str]], list[str]]] | None = None
        self._synonym_starts: dict[str, list[int]] = {}  # folded form -> phrases whose first word has it
        # Per-word caches (the index version is immutable); each is emptied when it grows past CACHE_WORDS.
        self._df: dict[tuple[str, str], int] = {}
        self._corrections: dict[str, list[str]] = {}
        self._variants: dict[tuple[str, bool], list[tuple[str, bool]]] = {}
        self._word_queries: dict[tuple[str, float], tuple[Query | None, bool, Query | None]] = {}

    def clear_caches(self) -> None:
        for cache in (self._df, self._corrections, self._variants, self._word_queries):
            cache.clear()

    def doc_frequency(self, fieldname: str, token: str) -> int:
        """Cached: the index version is immutable, and term lookups dominate query building."""
        key = (fieldname, token)
        df = self._df.get(key)
        if df is None:
            if len(self._df) > CACHE_WORDS * 8:
                self._df.clear()
            df = self._df[key] = self.reader.doc_frequency(fieldname, token)
        return df

    def tokens(self, text: str, folded: bool = False) -> list[str]:
        return [t for t, _ in self.variants(text, folded)]

    def variants(self, text: str, folded: bool = False) -> list[tuple[str, bool]]:
        """(token, whole) pairs: the word and its lemmas are whole; compound parts are not.

        The analyzers give parts a lower boost, which is how they are told apart.
        """
        key = (text, folded)
        cached = self._variants.get(key)
        if cached is None:
            analyzer = self.folded if folded else self.sv
            out: dict[str, bool] = {}
            for t in analyzer(text, mode="index"):
                out[t.text] = out.get(t.text, False) or t.boost >= 1.0
            if len(self._variants) > CACHE_WORDS:
                self._variants.clear()
            cached = self._variants[key] = list(out.items())
        return cached

    def word_query(self, word: str, weight: float = 1.0) -> tuple[Query | None, bool, Query | None]:
        """``word_clauses``, cached per word: the queries are only read, never changed."""
        key = (word, weight)
        cached = self._word_queries.get(key)
        if cached is None:
            if len(self._word_queries) > CACHE_WORDS:
                self._word_queries.clear()
            cached = self._word_queries[key] = self.word_clauses(word, weight)
        return cached

    def word_clauses(self, word: str, weight: float = 1.0) -> tuple[Query | None, bool, Query | None]:
        """All variants of one word across fields; returns (query, understood, coord query).

        "Understood": the word or its lemma is indexed, or all its compound parts are;
        otherwise it is a candidate for spelling correction.

        Parts matter when the whole word is not in the index ("kontorsmöbler"); when it
        is ("incitamentsavtal"), parts are damped so "avtal" alone cannot outrank the
        word the user typed. The coord query (whole forms only, when found) decides
        whether a section counts as containing the word.
        """
        lower = word.lower()
        variants: list[tuple[str, float, bool]] = []  # (token, weight, whole)
        exact = self.variants(word)
        for token, whole in exact:
            variants.append((token, _variant_weight(token, lower), whole))
        seen = {t for t, _ in exact}
        folded_word = fold_ascii(lower)
        # The folded analysis adds lemmas and parts of input typed without diacritics
        # ("mobler" -> "mobel"); for words with them it still finds a few forms more.
        for token, whole in self.variants(word, folded=True):
            if token not in seen:
                variants.append((token, FOLDED_WEIGHT * _variant_weight(token, folded_word), whole))
        if not variants:
            return None, True, None  # only stop words
        present: list[tuple[str, str, float, bool]] = []
        for token, w, whole in variants:
            for fieldname in FIELD_BOOSTS:
                if self.doc_frequency(fieldname, token):
                    present.append((fieldname, token, w, whole))
        found = any(whole for *_, whole in present)
        if not found:
            # A compound whose every part is indexed ("kontorsmöbler") is understood, not a typo.
            parts = {t for t, _, whole in variants if not whole}
            indexed_parts = {t for _, t, _, whole in present if not whole}
            understood = bool(parts) and parts == indexed_parts
        else:
            understood = True
        clauses = [
            Term(f, t, boost=FIELD_BOOSTS[f] * w * weight * (1.0 if whole or not found else PART_DAMPING))
            for f, t, w, whole in present
        ]
        query = Or(clauses) if clauses else None
        whole_clauses = [c for c, (*_, is_whole) in zip(clauses, present, strict=True) if is_whole]
        coord = Or(whole_clauses) if found and whole_clauses else query
        return query, understood, coord

    def phrase_query(self, text: str, boost: float = 1.0) -> Query | None:
        words = self.tokens_in_order(text)
        if not words:
            return None
        if len(words) == 1:
            return Or([Term(f, words[0], boost=b * boost) for f, b in FIELD_BOOSTS.items()])
        return Or([Phrase(f, words, boost=b * boost) for f, b in FIELD_BOOSTS.items()])

    def tokens_in_order(self, text: str) -> list[str]:
        """First token at each position: the word itself, for phrase matching."""
        out: list[str] = []
        last_pos = None
        for t in self.sv(text, mode="query", positions=True):
            if t.pos != last_pos:
                out.append(t.text)
                last_pos = t.pos
        return out

    def coordination_query(self, text: str) -> Query | None:
        """"bygg- och rivningsavfall": any of the coordinated compounds (byggavfall, rivningsavfall)."""
        from kb.analysis import get_splitter

        words = [w for w in text.split() if w.lower() not in _CONJUNCTIONS]
        last = words[-1]
        head = get_splitter().head(last.lower()) or ""
        compounds = [w.rstrip(",-") + head for w in words[:-1] if w.rstrip(",-")] + [last]
        clauses = [q for q in (self.word_query(w)[0] for w in compounds) if q is not None]
        return Or(clauses) if clauses else None

    def corrections(self, word: str, limit: int = 3) -> list[str]:
        """Indexed words within a small edit distance of ``word``, best first (cached).

        One spelling lookup in the body's word list serves both the "did you mean"
        suggestion and the fuzzy retry, instead of a fuzzy automaton per field.
        """
        lower = word.lower()
        cached = self._corrections.get(lower)
        if cached is None:
            maxdist = 1 if len(lower) < 8 else 2
            cached = [
                c for c in self.reader.corrector("body").suggest(lower, limit=limit, maxdist=maxdist, prefix=2)
                if c != lower
            ]
            if len(self._corrections) > 10_000:
                self._corrections.clear()
            self._corrections[lower] = cached
        return cached

    def fuzzy_query(self, word: str) -> Query | None:
        clauses = [q for q in (self.word_query(c, weight=0.5)[0] for c in self.corrections(word)) if q is not None]
        return Or(clauses) if clauses else None

    def word_key(self, word: str) -> frozenset[str]:
        """The folded whole-word forms of a word (itself and its lemma), for synonym lookup."""
        folded = fold_ascii(word.lower())
        return frozenset(t for t, whole in self.variants(word, folded=True) if whole) | {folded}

    def synonym_spans(self, words: list[str]) -> list[tuple[int, int, list[str]]]:
        """(start, end, group) for each run of words that is a known synonym phrase.

        Words are compared by lemma, so "miljövarudeklarationer" finds the group of
        "miljövarudeklaration" (= EPD).
        """
        if self._synonym_keys is None:
            self._synonym_keys = [
                ([self.word_key(w) for w in phrase.split()], group)
                for group in self.synonyms
                for phrase in group
            ]
            for number, (phrase_keys, _) in enumerate(self._synonym_keys):
                for form in phrase_keys[0]:
                    self._synonym_starts.setdefault(form, []).append(number)
        keys = [self.word_key(w.strip(".,;:!?()")) for w in words]
        spans, i = [], 0
        while i < len(keys):
            best = None
            # Only phrases whose first word shares a form with this word can match; in list order.
            for number in sorted({n for form in keys[i] for n in self._synonym_starts.get(form, ())}):
                phrase_keys, group = self._synonym_keys[number]
                n = len(phrase_keys)
                if n <= len(keys) - i and (best is None or n > best[0]) and all(
                    pk & qk for pk, qk in zip(phrase_keys, keys[i : i + n], strict=True)
                ):
                    best = (n, group)
            if best:
                spans.append((i, i + best[0], best[1]))
                i += best[0]
            else:
                i += 1
        return spans


def _variant_weight(token: str, word: str) -> float:
    """Exact spelling 1.0; lemmas and compound parts less, shorter parts least."""
    if token == word:
        return 1.0
    return 0.3 + 0.6 * min(1.0, len(token) / max(1, len(word)))


# ---------------------------------------------------------------- searcher


class Searcher:
    """Answers queries from the current index version; reopens when a build switched it."""

    def __init__(
        self, index_root: Path, site_url: str, synonyms_path: Path | None = None, version_dir: Path | None = None
    ):
        """``version_dir`` pins one index version (the build uses it before switching to it)."""
        self.index_root = Path(index_root)
        self.pinned_version = Path(version_dir) if version_dir else None
        self.site_url = site_url
        self.synonyms = load_synonyms(synonyms_path)
        self._lock = threading.Lock()
        self._version_dir: Path | None = None
        self._state: _State | None = None
        self._link_target: str | None = None  # what ``current`` pointed at when _state was checked

    # -- index lifecycle
    def _current(self) -> _State:
        state = self._state
        target = None
        if self.pinned_version is None:
            # One readlink instead of resolving the whole path: the common case is "unchanged".
            # It is read before resolving, so a switch in between is seen at the next call.
            try:
                target = os.readlink(self.index_root / CURRENT)
            except OSError:
                target = None
            if state is not None and target is not None and target == self._link_target:
                return state
        version_dir = self.pinned_version or current_version_dir(self.index_root)
        if version_dir is None:
            raise IndexMissing(f"No index in {self.index_root}. Run `kb build` first.")
        if state is None or version_dir != self._version_dir:
            with self._lock:
                if self._state is None or version_dir != self._version_dir:
                    self._state = _State.open(version_dir, self.synonyms)
                    self._version_dir = version_dir
                state = self._state
        self._link_target = target
        return state

    def info(self) -> IndexInfo:
        return self._current().info

    def clear_caches(self) -> None:
        """Empty the bounded per-term caches (benchmarks: the cost of a query seen for the first time)."""
        if self._state is not None:
            self._state.clear_caches()

    def document(self, doc_id: str) -> Document | None:
        return self._current().documents.get(doc_id)

    def documents(self) -> dict[str, Document]:
        return self._current().documents

    # -- search
    def search(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        tags: list[str] | tuple[str, ...] = (),
        publisher: str | None = None,
        type: str | None = None,
        facets: bool = False,
        time_limit: float = TIME_LIMIT_S,
    ) -> SearchResult:
        started = time.perf_counter()
        if limit < 1 or limit > MAX_LIMIT:
            raise SearchError(f"limit must be between 1 and {MAX_LIMIT}")
        if offset < 0:
            raise SearchError("offset must be 0 or more")
        state = self._current()
        cleaned = clean_query(query)
        parts = parse_query(cleaned)
        if not parts:
            return SearchResult(query, 0, _ms(started), None, [], offset, limit)
        q, groups, missing = state.build_query(parts)
        suggestion = None
        fuzzy = False
        if missing:
            suggestion = state.suggest_correction(parts, missing)
            q, groups, _ = state.build_query(parts, fuzzy_words=missing)
            fuzzy = True
        if q is None:
            return SearchResult(query, 0, _ms(started), suggestion, [], offset, limit)
        filter_q = _filter_query(tags, publisher, type)
        hits, total, facet_counts, timed_out = state.run(
            q, groups, filter_q, max(POOL, offset + limit), facets, time_limit
        )
        if total == 0 and not fuzzy:
            words = [p.text for p in parts if p.kind == "word" and _correctable(p.text)][:MAX_FUZZY_WORDS]
            if words and _ms(started) < time_limit * 500:
                q, groups, _ = state.build_query(parts, fuzzy_words=set(words))
                hits, total, facet_counts, timed_out = state.run(
                    q, groups, filter_q, max(POOL, offset + limit), facets, time_limit
                )
                suggestion = suggestion or state.suggest_correction(parts, set(words))
                fuzzy = True
        page = diversify(hits.doc_ids, hits.scores, hits.docnums, keep=offset + limit)[offset:]
        match_terms = state.match_terms(parts)
        out_hits = [state.make_hit(h, match_terms, self.site_url) for h in page]
        if suggestion and suggestion.lower() == cleaned.lower():
            suggestion = None
        return SearchResult(
            query, total, _ms(started), suggestion, out_hits, offset, limit, facet_counts, fuzzy, timed_out
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        return self._current().complete(prefix, limit)

    def more_like_this(self, doc_id: str, limit: int = 5) -> list[tuple[str, str]]:
        return self._current().more_like_this(doc_id, limit)


def _filter_query(tags, publisher, type_) -> Query | None:
    clauses: list[Query] = [Term("tags", t) for t in tags if t]
    if publisher:
        clauses.append(Term("publisher", publisher))
    if type_:
        clauses.append(Term("type", type_))
    return And(clauses) if clauses else None


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


@dataclass
class Pool:
    """The best-scored sections of a query, best first, as parallel lists."""

    doc_ids: list[str]
    scores: list[float]
    docnums: list[int]


@dataclass
class RawHit:
    doc_id: str
    score: float
    docnum: int = -1


def diversify(
    doc_ids: list[str], scores: list[float], docnums: list[int], decay: float = 0.55, keep: int | None = None
) -> list[RawHit]:
    """Re-rank the pool (parallel lists, best first) so each further section of the same document
    counts for less; hits for the best ``keep`` only.

    The n-th section of a document (0-based) keeps ``decay**n`` of its score: a document
    with one very strong section and many weak ones no longer fills the first page.
    """
    seen: dict[str, int] = {}
    decayed = []
    for doc_id, score in zip(doc_ids, scores, strict=True):
        n = seen.get(doc_id, 0)
        seen[doc_id] = n + 1
        decayed.append(score * decay**n if n else score)
    order = sorted(range(len(decayed)), key=decayed.__getitem__, reverse=True)  # stable: ties keep pool order
    return [RawHit(doc_ids[i], decayed[i], docnums[i]) for i in order[:keep]]


_UNREAD = object()  # a lazily read attribute not read yet


class _State:
    """One opened index version: Whoosh searcher, documents, query builder."""

    def __init__(self, version_dir: Path, synonyms):
        self.version_dir = version_dir
        self.info = read_info(version_dir)
        self.ix = whoosh_index.open_dir(str(version_dir))
        self._local = threading.local()
        self._open_lock = threading.Lock()
        self._documents: dict[str, Document] | None = None
        self._doc_ids: list[str] | None = None
        self._facet_sets: dict[str, dict[str, frozenset[int]]] | None = None
        self.synonyms = synonyms
        self._completions: list[tuple[str, str]] | None = None
        self.term_cache = TermCache()
        self.field_lengths: dict[tuple[int, str], np.ndarray] = {}
        self._live: np.ndarray | None | object = _UNREAD

    @property
    def documents(self) -> dict[str, Document]:
        """The normalized documents of this version, read on first use (the API, the site)."""
        if self._documents is None:
            with self._open_lock:
                if self._documents is None:
                    self._documents = {d.id: d for d in load_documents(self.version_dir)}
        return self._documents

    @classmethod
    def open(cls, version_dir: Path, synonyms) -> _State:
        return cls(version_dir, synonyms)

    @property
    def searcher(self):
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self.ix.searcher(weighting=BM25F(B=BM25_B, K1=BM25_K1))
            self._local.searcher = s
            self._local.builder = QueryBuilder(s.reader(), self.synonyms)
            self._local.scorer = ArrayScorer(s, BM25_B, BM25_K1, self.term_cache, self.field_lengths)
            self._local.hit_columns = _hit_columns(s.reader())
        return s

    def clear_caches(self) -> None:
        self.term_cache.clear()
        builder = getattr(self._local, "builder", None)
        if builder is not None:
            builder.clear_caches()

    @property
    def builder(self) -> QueryBuilder:
        self.searcher  # noqa: B018 - ensures the thread-local builder exists
        return self._local.builder

    def build_query(self, parts: list[QueryPart], fuzzy_words: set[str] | None = None):
        """The whole query, and the words that found nothing (candidates for correction)."""
        b = self.builder
        groups: list[Query] = []
        coord_groups: list[Query] = []
        missing: set[str] = set()
        words = [p.text for p in parts]
        spans = {start: (end, group) for start, end, group in b.synonym_spans(words)}
        i = 0
        while i < len(parts):
            part = parts[i]
            if i in spans and all(p.kind == "word" for p in parts[i : spans[i][0]]):
                end, group = spans[i]
                alternatives = [b.phrase_query(alt, boost=SYNONYM_WEIGHT) for alt in group]
                own = [b.word_query(p.text)[0] for p in parts[i:end]]
                own_all = And([q for q in own if q is not None]) if all(own) else None
                strict = [q for q in alternatives + [own_all] if q is not None]
                # Single words of a multi-word phrase still count a little ("cirkulär" alone).
                loose = [q for q in own if q is not None] if end - i > 1 else []
                if strict or loose:
                    groups.append(Or(strict + ([Or(loose, boost=SYNONYM_WEIGHT * 0.5)] if loose else [])))
                    coord_groups.append(Or(strict) if strict else groups[-1])
                i = end
                continue
            coord = None
            if part.kind == "coordination":
                q = b.coordination_query(part.text)
            elif part.kind == "phrase":
                q = b.phrase_query(part.text)
            elif part.kind == "prefix":
                q = Or([Prefix(f, fold_ascii(part.text)) for f in FIELD_BOOSTS])
            else:
                q, found, coord = b.word_query(part.text)
                if fuzzy_words and part.text in fuzzy_words and len(part.text) >= 4:
                    fq = b.fuzzy_query(part.text)
                    if fq is not None:
                        q = Or([q, fq]) if q is not None else fq
                elif not found and _correctable(part.text) and len(missing) < MAX_FUZZY_WORDS:
                    missing.add(part.text)
            if q is not None:
                groups.append(q)
                coord_groups.append(coord or q)
            i += 1
        if not groups:
            return None, list(zip(coord_groups, groups, strict=True)), missing
        if len(groups) == 1:
            return groups[0], list(zip(coord_groups, groups, strict=True)), missing
        # The And clause lifts sections holding every word into the scored pool.
        return Or([*groups, And(coord_groups, boost=AND_BOOST)]), list(zip(coord_groups, groups, strict=True)), missing

    def run(
        self, q: Query, groups: list[tuple[Query, Query]], filter_q, pool: int, facets: bool, time_limit: float
    ):
        """Score every matching section (as arrays); keep the top ``pool`` for ranking.

        One pass yields the exact total, the matches for facets and the scores, and only
        the page's hits are ever read.
        """
        scorer = self.scorer
        scorer.start(time_limit)
        memo: dict[int, object] = {}
        result = scorer.evaluate(q, memo)
        mask = result.mask
        if filter_q is not None:
            mask = mask & self.docmask(filter_q)
        live = self.live
        if live is not None:
            mask = mask & live
        candidates = np.flatnonzero(mask)
        total = len(candidates)
        scores = result.scores[candidates]
        if total > pool:
            # Everything scoring at least the pool-th best score, ties included, then exact order.
            kth = np.partition(scores, total - pool)[total - pool]
            keep = scores >= kth
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((-candidates, -scores))[:pool]  # best first; ties: higher docnum first
        pooled, pooled_scores = candidates[order], scores[order]
        coords = self.coordination(groups, pooled, memo) if len(groups) > 1 else None
        if coords is not None:
            pooled_scores = pooled_scores * coords
        doc_ids = self.doc_ids
        docnums = pooled.tolist()
        hits = Pool([doc_ids[d] for d in docnums], pooled_scores.tolist(), docnums)
        facet_counts = self.facet_counts(mask) if facets else {}
        return hits, total, facet_counts, scorer.timed_out

    @property
    def scorer(self) -> ArrayScorer:
        self.searcher  # noqa: B018 - ensures the thread-local scorer exists
        return self._local.scorer

    def docmask(self, q: Query) -> np.ndarray:
        """Which docnums match ``q`` (unscored; filters)."""
        mask = np.zeros(self.scorer.doc_count, bool)
        ids = list(self.searcher.docs_for_query(q))
        if ids:
            mask[np.array(ids, np.int64)] = True
        return mask

    @property
    def live(self) -> np.ndarray | None:
        """Mask of live (not deleted) docnums, or None when nothing is deleted (read once: the version is fixed)."""
        if self._live is _UNREAD:
            reader = self.searcher.reader()
            live = None
            if reader.has_deletions():
                live = np.array([not reader.is_deleted(d) for d in range(reader.doc_count_all())], bool)
            self._live = live
        return self._live

    @property
    def doc_ids(self) -> list[str]:
        """docnum -> document id, read once from the postings of the ``doc_id`` field."""
        if self._doc_ids is None:
            self._doc_ids = docnum_doc_ids(self.searcher.reader())
        return self._doc_ids

    def facet_counts(self, matched: np.ndarray) -> dict[str, dict[str, int]]:
        """Per facet value, how many matched sections carry it (``matched``: a mask over docnums)."""
        if self._facet_sets is None:
            reader = self.searcher.reader()
            sets: dict[str, dict[str, np.ndarray]] = {}
            for name in FACETS:
                sets[name] = {}
                for term in reader.lexicon(name):
                    text = term_text(term)
                    if text:
                        sets[name][text] = np.fromiter(reader.postings(name, text).all_ids(), np.int64)
            self._facet_sets = sets
        out: dict[str, dict[str, int]] = {}
        for name, values in self._facet_sets.items():
            counts = {v: int(np.count_nonzero(matched[ids])) for v, ids in values.items()}
            out[name] = dict(sorted(((v, n) for v, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0])))
        return out

    def coordination(
        self, groups: list[tuple[Query, Query]], docnums: np.ndarray, memo: dict[int, object]
    ) -> np.ndarray:
        """Per pooled section, ((1 + words matched) / (1 + words)) ** COORDINATION_POWER.

        A section that holds every query word keeps its score; one missing a word is
        still found, but ranks below sections that have them all. A word met only through
        a compound part ("bygg" of "byggprodukter") counts as PARTIAL_CREDIT of a word.
        """
        matched = np.zeros(len(docnums), np.float64)
        for strict_q, full_q in groups:
            strict = self.scorer.matches(strict_q, docnums, memo)
            loose = self.scorer.matches(full_q, docnums, memo) if full_q is not strict_q else strict
            matched += np.where(strict, 1.0, np.where(loose, PARTIAL_CREDIT, 0.0))
        n = len(groups)
        return ((1 + matched) / (1 + n)) ** COORDINATION_POWER

    def match_terms(self, parts: list[QueryPart]) -> frozenset[str]:
        """Folded forms of every variant of every query word, for marking snippets (frozen: one snippet plan).

        A one-word synonym of the query's words is marked too (the word and its lemma): a hit
        found through "återanvändning" for "återbruk" shows why. The words of a longer
        synonym phrase are not: "lag" and "offentlig" marked everywhere for "LOU" would be noise.
        """
        b = self.builder
        terms: set[str] = set()
        for p in parts:
            terms.update(b.tokens(p.text, folded=True))
            if p.kind == "prefix":
                terms.add(fold_ascii(p.text.lower()) + "*")
        for _, _, group in b.synonym_spans([p.text for p in parts]):
            for phrase in group:
                if " " not in phrase.strip():
                    terms.update(token for token, whole in b.variants(phrase, folded=True) if whole)
        return frozenset(terms)

    def hit_fields(self, docnum: int) -> tuple[list, str]:
        """(the ``HIT_KEYS`` values, body) of a section: from the ``hit`` column, or an older index's stored fields."""
        self.searcher  # noqa: B018 - ensures the thread-local column readers exist
        hit_columns = self._local.hit_columns
        if hit_columns is not None:
            starts, readers = hit_columns
            leaf = bisect.bisect_right(starts, docnum) - 1
            raw = readers[leaf][docnum - starts[leaf]]
            if raw:
                return read_hit(raw)
        f = self.searcher.stored_fields(docnum)
        return [f["doc_id"], *(f.get(k, "") for k in HIT_KEYS[1:])], f.get("body", "")

    def make_hit(self, raw: RawHit, match_terms: frozenset[str], site_url: str) -> Hit:
        values, body = self.hit_fields(raw.docnum)
        doc_id, anchor, source, title, heading, publisher, type_, date, tags, pages = values
        page = hit_page(body, match_terms, pages) if pages else None
        return Hit(
            title=title,
            section=heading,
            source=source,
            url=document_url(site_url, doc_id, anchor),
            anchor=anchor,
            snippet=make_snippet(body, match_terms),
            score=round(raw.score, 4),
            publisher=publisher,
            type=type_,
            date=date,
            tags=[t for t in tags.split(",") if t],
            doc_id=doc_id,
            original=original_url(site_url, doc_id, source, page),
            page=page,
        )

    def suggest_correction(self, parts: list[QueryPart], missing: set[str]) -> str | None:
        """'cirkulär upphandlnig' -> 'cirkulär upphandling', from the index's own words."""
        changed = False
        words = []
        for p in parts:
            text = p.text
            if p.kind == "word" and p.text in missing:
                candidates = self.builder.corrections(p.text)
                if candidates:
                    text, changed = candidates[0], True
            words.append(f'"{text}"' if p.kind == "phrase" else text)
        return " ".join(words) if changed else None

    def complete(self, prefix: str, limit: int) -> list[str]:
        """Titles and headings that start with the prefix (folded), then indexed words."""
        key = fold_ascii(clean_query(prefix)).lower()
        if not key:
            return []
        if self._completions is None:
            seen: dict[str, str] = {}
            for doc in self.documents.values():
                for label in [doc.title] + [s.heading for s in doc.sections]:
                    if label and len(label) < 120:
                        seen.setdefault(fold_ascii(label).lower(), label)
            self._completions = sorted(seen.items())
        out: list[str] = []
        i = bisect.bisect_left(self._completions, (key, ""))
        while i < len(self._completions) and len(out) < limit and self._completions[i][0].startswith(key):
            out.append(self._completions[i][1])
            i += 1
        if len(out) < limit:
            last = key.split()[-1] if key.split() else key
            head = key[: len(key) - len(last)]
            reader = self.searcher.reader()
            words = []
            for term in reader.expand_prefix("body", fold_ascii(last)):
                t = term_text(term)
                words.append((reader.doc_frequency("body", t), t))
                if len(words) > 200:
                    break
            for _, t in sorted(words, reverse=True)[: limit - len(out)]:
                out.append(head + t)
        return out[:limit]

    def more_like_this(self, doc_id: str, limit: int) -> list[tuple[str, str]]:
        doc = self.documents.get(doc_id)
        if doc is None:
            return []
        similar = SimilarDocuments(self.searcher, self.scorer, doc_ids=self.doc_ids)
        weights, total = similar.vector(mlt_text(doc))
        docs = self.documents
        return [(other, docs[other].title) for other in similar.like(weights, total, doc_id, limit) if other in docs]


def _hit_columns(reader) -> tuple[list[int], list[_MappedColumn]] | None:
    """(first docnum, raw ``hit`` column) per segment, or None when the index has no such column."""
    if HIT_FIELD not in reader.schema:
        return None
    starts, readers = [], []
    for leaf, offset in reader.leaf_readers():
        starts.append(offset)
        readers.append(_MappedColumn(leaf.column_reader(HIT_FIELD, translate=False)))
    return starts, readers


class _MappedColumn:
    """A Whoosh ``VarBytesColumn`` reader whose values are slices of a memory map of its file.

    Why: Whoosh's reader seeks and reads the file through three Python layers per value.
    Falls back to that reader when the layout is not the one expected (another column type).
    """

    def __init__(self, reader):
        self._reader = reader
        self._map: mmap.mmap | None = None
        try:
            self._base, self._offsets, self._lengths = reader._basepos, reader._offsets, reader._lengths
            file = reader._dbfile.file
            if isinstance(file, io.BufferedReader):  # a whole file of its own (not a part of a compound file)
                self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (AttributeError, OSError, ValueError):  # another reader, or an empty file
            self._map = None

    def __getitem__(self, docnum: int) -> bytes:
        if self._map is None:
            return self._reader[docnum]
        start = self._base + self._offsets[docnum]
        return self._map[start : start + self._lengths[docnum]]


def section_label(title: str, heading: str) -> str:
    """'Title › Section' for display, without repeating a title that is also the heading."""
    if not heading or heading == title:
        return title
    if heading.startswith(title + HEADING_SEPARATOR):
        heading = heading[len(title) + len(HEADING_SEPARATOR) :]
    return f"{title}{HEADING_SEPARATOR}{heading}"



def hit_page(body: str, match_terms: frozenset[str], pages: str) -> int | None:
    """The page of the original holding the hit's longest run of matched words (a phrase)."""
    from kb.snippets import match_offset

    return page_at(pages, match_offset(body, match_terms))
