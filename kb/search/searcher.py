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
import math
import os
import threading
import time
from pathlib import Path

import numpy as np
from whoosh.query import And, Or, Prefix, Query

from kb.analysis import load_synonyms
from kb.analysis.question_words import is_filler
from kb.engine import (
    BM25_B,
    BM25_K1,
    CURRENT,
    ArrayScorer,
    HitColumns,
    IndexInfo,
    TermCache,
    bm25f,
    current_version_dir,
    load_documents,
    open_index,
    read_info,
    term_text,
)
from kb.model import Document, fold_ascii
from kb.originals import original_url, page_at
from kb.search.builder import FIELD_BOOSTS, QueryBuilder
from kb.search.citations import (
    Citation,
    StatuteTable,
    find_citation,
    paragraph_text,
    read_statutes,
    without_spans,
)
from kb.search.feedback import (
    FEEDBACK_SECTIONS,
    MIN_CONTENT_WORDS,
    feedback_candidates,
    feedback_query,
    feedback_terms,
    section_words,
)
from kb.search.filters import UnknownFilterValue, resolve_all
from kb.search.proximity import body_terms, proximity_factors
from kb.search.query import QueryPart, clean_query, correctable, mark_roles, parse_query
from kb.search.ranking import Pool, RawHit, RunMemo, above, diversify, elapsed_ms, filter_query
from kb.search.results import Hit, IndexMissing, SearchError, SearchResult
from kb.search.similar import SimilarDocuments, docnum_doc_ids, mlt_text
from kb.search.snippets import make_snippet, match_offset
from kb.search.spellings import Spellings
from kb.urls import document_url

MAX_LIMIT = 50
MAX_FUZZY_WORDS = 4  # words per query that get a fuzzy retry and a suggestion
TIME_LIMIT_S = 1.0
POOL = 120  # hits scored and diversified before paging
SYNONYM_WEIGHT = 0.8
COORDINATION_POWER = 2.0
PARTIAL_CREDIT = 0.9
# A compound query word met only as its parts, not as the word (``coordination``): as all its
# parts, as some of them; alone in the query (its credit is the score's factor), beside other words.
PARTS_CREDIT, ONE_PART_CREDIT = 0.3, 0.05
PARTS_CREDIT_BESIDE, ONE_PART_CREDIT_BESIDE = PARTIAL_CREDIT, 0.85
AND_BOOST = 1.0
SPECIFICITY = 1.0  # 0: every content word counts alike in coordination; 1: by its IDF
NUMBER_WEIGHT = 0.4  # a bare number or year ("2025") beside words: its score weight …
NUMBER_COORDINATION = 0.5  # … and its weight in coordination (a content word has 1)
FACETS = ("tags", "publisher", "type")


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
        self._state: VersionSearcher | None = None
        self._link_target: str | None = None  # what ``current`` pointed at when _state was checked

    # -- index lifecycle
    def _current(self) -> VersionSearcher:
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
                    self._state = VersionSearcher.open(version_dir, self.synonyms)
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
        try:  # filters match whatever their case and diacritics (kb.search.filters)
            tags, publisher, type = resolve_all(state.filter_values(), tags, publisher, type)
        except UnknownFilterValue as e:
            return SearchResult(query, 0, elapsed_ms(started), None, [], offset, limit, unknown_filter=e)
        cleaned = clean_query(query)
        citation, cited, notice = state.citation(cleaned)
        text = without_spans(cleaned, citation.spans) if citation else cleaned
        bare = bool(citation) and not parse_query(text.strip(" .,;:§"))
        marked = mark_roles(parse_query(text))  # the words to mark in snippets: not the citation's numbers
        if bare and cited:
            text = cleaned  # after its targets, the sections that mention the citation
        typed = parse_query(text)
        parts = mark_roles(typed)
        if not parts and not cited:
            return SearchResult(query, 0, elapsed_ms(started), None, [], offset, limit, notice=notice)
        compounds: dict[int, tuple[Query | None, Query]] = {}
        q, groups, missing = state.build_query(parts, compounds=compounds)
        suggestion = None
        fuzzy = False
        corrected: set[str] = set()  # words searched with their spelling corrections
        if missing:
            suggestion = state.suggest_correction(parts, missing)
            q, groups, _ = state.build_query(parts, fuzzy_words=missing, compounds=compounds)
            fuzzy = True
            corrected = set(missing)
        filter_q = filter_query(tags, publisher, type)
        hits, total, facet_counts, timed_out = Pool([], [], []), 0, {}, False
        memo = RunMemo()
        if q is not None:
            hits, total, facet_counts, timed_out = state.run(
                q, groups, filter_q, max(POOL, offset + limit), facets, time_limit, memo, compounds
            )
        if total == 0 and not fuzzy and q is not None:
            words = [p.text for p in parts if p.kind == "word" and correctable(p.text)][:MAX_FUZZY_WORDS]
            if words and elapsed_ms(started) < time_limit * 500:
                q, groups, _ = state.build_query(parts, fuzzy_words=set(words), compounds=compounds)
                corrected = set(words)
                memo = RunMemo()  # other words
                hits, total, facet_counts, timed_out = state.run(
                    q, groups, filter_q, max(POOL, offset + limit), facets, time_limit, memo, compounds
                )
                suggestion = suggestion or state.suggest_correction(parts, set(words))
                fuzzy = True
        if q is not None and total and not timed_out and _expandable(parts, groups):
            extra = state.feedback(hits, parts)
            if extra is not None:  # the same words decide coordination and proximity; the added ones score
                remaining = max(0.05, time_limit - elapsed_ms(started) / 1000)
                hits, total, facet_counts, timed_out = state.run(
                    Or([q, extra]), groups, filter_q, max(POOL, offset + limit), facets, remaining, memo, compounds
                )
        pinned, links = state.pin(cited, citation, Pool([], [], []) if bare else hits, filter_q)
        ranked = diversify(
            hits.doc_ids, hits.scores, hits.docnums, keep=offset + limit + len(pinned), numbers_only=hits.numbers_only
        )
        if pinned:
            scored = {h.docnum: h for h in ranked}
            first = [scored.get(d) or RawHit(state.doc_ids[d], 0.0, d) for d in pinned]
            first.sort(key=lambda h: -h.score)  # stable: unscored targets keep the citation's order
            rest = [h for h in ranked if h.docnum not in links]
            ranked = above(first, rest[0].score if rest else 0.0) + rest
            total += sum(d not in hits.docnums for d in pinned)
        page = ranked[offset : offset + limit]
        match_terms = state.match_terms(marked if citation else parts, corrected)
        state.prefetch_hits([h.docnum for h in page])
        out_hits = [state.make_hit(h, match_terms, self.site_url, links.get(h.docnum)) for h in page]
        if suggestion and suggestion.lower() == cleaned.lower():
            suggestion = None
        return SearchResult(
            query, total, elapsed_ms(started), suggestion, out_hits, offset, limit, facet_counts, fuzzy, timed_out,
            notice,
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        return self._current().complete(prefix, limit)

    def more_like_this(self, doc_id: str, limit: int = 5) -> list[tuple[str, str]]:
        return self._current().more_like_this(doc_id, limit)


_UNREAD = object()  # a lazily read attribute not read yet


class VersionSearcher:
    """Search over one opened index version (its Whoosh searcher, documents, query builder and
    scorer, per thread); ``Searcher`` holds the current one and swaps it when a build switches."""

    def __init__(self, version_dir: Path, synonyms):
        self.version_dir = version_dir
        self.info = read_info(version_dir)
        self.ix = open_index(version_dir)
        self._init_caches(synonyms)
        self._live: np.ndarray | None | object = _UNREAD

    def _init_caches(self, synonyms) -> None:
        """What every version searcher (this engine's or another's) fills on first use."""
        self._local = threading.local()
        self._open_lock = threading.Lock()
        self._documents: dict[str, Document] | None = None
        self._doc_ids: list[str] | None = None
        self._facet_sets: dict[str, dict[str, frozenset[int]]] | None = None
        self._filter_values: dict[str, list[str]] | None = None
        self.synonyms = synonyms
        self._completions: list[tuple[str, str]] | None = None
        self._spellings: Spellings | None = None
        self.term_cache = TermCache()
        self.field_lengths: dict[tuple[int, str], np.ndarray] = {}
        self._statutes: StatuteTable | None = None

    @property
    def documents(self) -> dict[str, Document]:
        """The normalized documents of this version, read on first use (the API, the site)."""
        if self._documents is None:
            with self._open_lock:
                if self._documents is None:
                    self._documents = {d.id: d for d in load_documents(self.version_dir)}
        return self._documents

    @classmethod
    def open(cls, version_dir: Path, synonyms) -> VersionSearcher:
        return cls(version_dir, synonyms)

    @property
    def searcher(self):
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self.ix.searcher(weighting=bm25f())
            self._local.searcher = s
            self._local.builder = QueryBuilder(s.reader(), self.synonyms)
            self._local.scorer = ArrayScorer(s, BM25_B, BM25_K1, self.term_cache, self.field_lengths)
            self._local.hit_columns = HitColumns(s)
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

    def build_query(
        self,
        parts: list[QueryPart],
        fuzzy_words: set[str] | None = None,
        compounds: dict[int, tuple[Query | None, Query]] | None = None,
    ):
        """The whole query, and the words that found nothing (candidates for correction).

        ``compounds``, if given, is filled (after being emptied) with the compound words' groups:
        group number -> (the word's whole forms or None, all its parts), for ``coordination``."""
        b = self.builder
        compounds = {} if compounds is None else compounds
        compounds.clear()
        groups: list[Query] = []
        coord_groups: list[Query] = []
        missing: set[str] = set()
        question = any(p.role == "filler" for p in parts)  # "hur", "får" …: asked, not keywords
        extra: list[Query] = []  # numbers: scored, not required
        fillers: list[tuple[Query, Query, float]] = []  # numbers' (coord, query, coordination weight)
        words = [p.text for p in parts]
        b.prefetch_words([p.text for p in parts if p.kind == "word"])
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
            elif part.role == "filler":
                i += 1  # "hur", "får", "ställa": the content words decide (kb.analysis.question_words)
                continue
            elif part.role == "number":
                # A bare number or year scores a little but is never required of a section (not
                # in the And clause), counts half in coordination and is never corrected.
                q = b.word_query(part.text, weight=NUMBER_WEIGHT)[0]
                if q is not None:
                    extra.append(q)
                    fillers.append((q, q, NUMBER_COORDINATION))
                i += 1
                continue
            else:
                q, found, coord = b.word_query(part.text, question=question)
                compound = b.parts_query(part.text, question=question)
                if compound is not None and q is not None and not (fuzzy_words and part.text in fuzzy_words):
                    compounds[len(groups)] = compound
                if fuzzy_words and part.text in fuzzy_words and len(part.text) >= 4:
                    fq = b.fuzzy_query(part.text)
                    if fq is not None:
                        q = Or([q, fq]) if q is not None else fq
                elif not found and correctable(part.text) and len(missing) < MAX_FUZZY_WORDS:
                    missing.add(part.text)
            if q is not None:
                groups.append(q)
                coord_groups.append(coord or q)
            i += 1
        weights = self.specificity(coord_groups)
        pairs = [(c, g, w, True) for c, g, w in zip(coord_groups, groups, weights, strict=True)]
        pairs += [(c, g, w, False) for c, g, w in fillers]
        if not groups:
            return (Or(extra) if extra else None), pairs, missing
        if len(groups) == 1 and not extra:
            return groups[0], pairs, missing
        # The And clause lifts sections holding every word into the scored pool.
        together = [And(coord_groups, boost=AND_BOOST)] if len(groups) > 1 else []
        return Or([*groups, *together, *extra]), pairs, missing

    def feedback(self, hits: Pool, parts: list[QueryPart]) -> Query | None:
        """The words the best pooled sections share, as one more clause of the query (``kb.search.feedback``)."""
        best = sorted(range(len(hits.scores)), key=lambda i: -hits.scores[i])[:FEEDBACK_SECTIONS]
        docnums = [hits.docnums[i] for i in best]
        self.prefetch_hits(docnums)
        bodies = [section_words(self.hit_fields(d)[1]) for d in docnums]
        b = self.builder
        exclude = {t for p in parts for t in b.tokens(p.text)}
        b.prefetch_frequencies("body", feedback_candidates(bodies, exclude))
        terms = feedback_terms(bodies, lambda t: b.doc_frequency("body", t), self.scorer.doc_count, exclude, b.lemmas)
        return feedback_query(terms)

    def specificity(self, word_queries: list[Query]) -> list[float]:
        """Per content word, its weight in coordination: rarer words carry the need ("innovationsupphandling"
        more than "nya" or "stöd"). IDF of the word's commonest body form, scaled to a mean of 1."""
        if len(word_queries) < 2 or SPECIFICITY == 0:
            return [1.0] * len(word_queries)
        b = self.builder
        n = max(1, self.scorer.doc_count)
        idfs = []
        for q in word_queries:
            dfs = [b.doc_frequency("body", t) for t in body_terms(q)]
            df = max(dfs) if dfs and max(dfs) else n
            idfs.append(math.log(1 + n / df))
        mean = sum(idfs) / len(idfs) or 1.0
        return [(1 - SPECIFICITY) + SPECIFICITY * idf / mean for idf in idfs]

    def run(
        self,
        q: Query,
        groups: list[tuple[Query, Query, float, bool]],
        filter_q,
        pool: int,
        facets: bool,
        time_limit: float,
        reuse: RunMemo | None = None,
        compounds: dict[int, tuple[Query | None, Query]] | None = None,
    ):
        """Score every matching section (as arrays); keep the top ``pool`` for ranking.

        One pass yields the exact total, the matches for facets and the scores, and only
        the page's hits are ever read. ``reuse``: what earlier runs of the same words computed.
        """
        scorer = self.scorer
        scorer.start(time_limit)
        reuse = reuse or RunMemo()
        memo = reuse.queries
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
        pooled_scores, numbers_only = self.numbers_beside_words(groups, pooled, pooled_scores, memo)
        compounds = compounds or {}
        coords = self.coordination(groups, pooled, memo, compounds) if len(groups) > 1 or compounds else None
        if coords is not None:
            pooled_scores = pooled_scores * coords
        words = [strict for strict, _, _, content in groups if content]
        if len(words) > 1:
            pooled_scores = pooled_scores * proximity_factors(scorer, words, pooled, pooled_scores, reuse.proximity)
        doc_ids = self.doc_ids
        docnums = pooled.tolist()
        hits = Pool([doc_ids[d] for d in docnums], pooled_scores.tolist(), docnums, numbers_only)
        facet_counts = self.facet_counts(mask) if facets else {}
        return hits, total, facet_counts, scorer.timed_out

    def numbers_beside_words(
        self, groups, docnums: np.ndarray, scores: np.ndarray, memo: dict[int, object]
    ) -> tuple[np.ndarray, frozenset[int]]:
        """A query's numbers ("direktupphandlingsgräns 2025") count only in sections that hold one of
        its words: (the scores without the numbers' share where a section holds only a compound's
        part of them, "upphandling"; the sections that hold the numbers and nothing else, to rank
        last). A year the texts repeat everywhere must not carry a hit past those naming the topic."""
        words = [(strict, full) for strict, full, _, content in groups if content]
        numbers = [full for _, full, _, content in groups if not content]
        if not words or not numbers or not len(docnums):
            return scores, frozenset()
        held = np.zeros(len(docnums), bool)
        touched = np.zeros(len(docnums), bool)
        for strict, full in words:
            held |= self.scorer.matches(strict, docnums, memo)
            touched |= self.scorer.matches(full, docnums, memo)
        numbered = self.scorer.evaluate(numbers[0] if len(numbers) == 1 else Or(numbers), memo)
        share = numbered.scores[docnums]
        parts_only = touched & ~held
        scores = np.where(parts_only, np.maximum(scores - share, 0.0), scores)
        return scores, frozenset(docnums[numbered.mask[docnums] & ~touched].tolist())

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

    def filter_values(self) -> dict[str, list[str]]:
        """Per facet, the values sections have (for ``kb.search.filters``)."""
        if self._filter_values is None:
            reader = self.searcher.reader()
            self._filter_values = {
                name: [t for t in map(term_text, reader.lexicon(name)) if t] for name in FACETS
            }
        return self._filter_values

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
        self,
        groups: list[tuple[Query, Query, float, bool]],
        docnums: np.ndarray,
        memo: dict[int, object],
        compounds: dict[int, tuple[Query | None, Query]] | None = None,
    ) -> np.ndarray:
        """Per pooled section, ((1 + words matched) / (1 + words)) ** COORDINATION_POWER.

        A section that holds every query word keeps its score; one missing a word is
        still found, but ranks below sections that have them all. A word met only through
        a compound part ("bygg" of "byggprodukter") counts as PARTIAL_CREDIT of a word.

        ``compounds`` (group -> (whole forms or None, all parts)): a compound query word counts
        fully only where its whole form stands ("klimatkrav", "klimatkraven"); a section holding
        all its parts (klimat and krav) counts PARTS_CREDIT, one holding only some of them
        (klimatutsläpp, myndigheterna) ONE_PART_CREDIT. A one-word query is coordinated too, so
        the word typed ranks above its parts.
        """
        compounds = compounds or {}
        matched = np.zeros(len(docnums), np.float64)
        for number, (strict_q, full_q, weight, _) in enumerate(groups):
            strict = self.scorer.matches(strict_q, docnums, memo)
            loose = self.scorer.matches(full_q, docnums, memo) if full_q is not strict_q else strict
            if number in compounds:
                whole_q, parts_q = compounds[number]
                whole = self.scorer.matches(whole_q, docnums, memo) if whole_q is not None else np.zeros_like(loose)
                together = self.scorer.matches(parts_q, docnums, memo)
                if len(groups) == 1:
                    credit = np.where(whole, 1.0, np.where(together, PARTS_CREDIT, ONE_PART_CREDIT))
                else:
                    credit = np.where(whole, 1.0, np.where(together, PARTS_CREDIT_BESIDE, ONE_PART_CREDIT_BESIDE))
                matched += weight * np.where(loose, credit, 0.0)
                continue
            matched += weight * np.where(strict, 1.0, np.where(loose, PARTIAL_CREDIT, 0.0))
        n = sum(weight for _, _, weight, _ in groups)
        if len(groups) == 1:
            return matched / n  # one compound word: its credit itself (its parts alone rank below it)
        return ((1 + matched) / (1 + n)) ** COORDINATION_POWER

    def match_terms(self, parts: list[QueryPart], corrected: set[str] = frozenset()) -> frozenset[str]:
        """Folded forms of every variant of every query word, for marking snippets (frozen: one snippet plan).

        A one-word synonym of the query's words is marked too (the word and its lemma): a hit
        found through "återanvändning" for "återbruk" shows why. The words of a longer
        synonym phrase are not: "lag" and "offentlig" marked everywhere for "LOU" would be noise.
        """
        b = self.builder
        terms: set[str] = set()
        question = any(p.role == "filler" for p in parts)
        for p in parts:
            if p.role == "filler" or (question and p.kind == "word" and is_filler(p.text, question)):
                continue  # not "är" marked everywhere for "vad ar en EPD" (kb.analysis.question_words)
            terms.update(b.tokens(p.text, folded=True))
            if p.text in corrected:  # "återanvändnig" searched as "återanvändning": mark what was found
                for correction in b.corrections(p.text):
                    terms.update(t for t, whole in b.variants(correction, folded=True) if whole)
            if p.kind == "prefix":
                terms.add(fold_ascii(p.text.lower()) + "*")
        for _, _, group in b.synonym_spans([p.text for p in parts]):
            for phrase in group:
                if " " not in phrase.strip():
                    terms.update(token for token, whole in b.variants(phrase, folded=True) if whole)
        return frozenset(terms)

    def prefetch_hits(self, docnums: list[int]) -> None:
        """Nothing to do here: hits are read from a memory map (a database engine reads a page at once)."""

    def hit_fields(self, docnum: int) -> tuple[list, str]:
        """(the ``HIT_KEYS`` values, body) of a section: from the ``hit`` column, or an older index's stored fields."""
        self.searcher  # noqa: B018 - ensures the thread-local column readers exist
        return self._local.hit_columns.read(docnum)

    def make_hit(self, raw: RawHit, match_terms: frozenset[str], site_url: str, link: str | None = None) -> Hit:
        """``link``: a cited paragraph's anchor within the section ("kap19a-3"), linked instead of the section's."""
        values, body = self.hit_fields(raw.docnum)
        doc_id, anchor, source, title, heading, publisher, type_, date, tags, pages = values
        page = hit_page(body, match_terms, pages) if pages else None
        if link and link != anchor:
            body = paragraph_text(self.statutes.by_id.get(doc_id), anchor, link) or body  # the cited paragraph
        anchor = link or anchor
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

    @property
    def statutes(self) -> StatuteTable:
        """The statutes by SFS number and title, read on the first query that cites one."""
        if self._statutes is None:
            documents = self._documents.values() if self._documents is not None else self.statute_documents()
            self._statutes = StatuteTable(documents)
        return self._statutes

    def section_number(self, doc_id: str, anchor: str) -> int | None:
        """The docnum of a document's section (None if this version has no such live section)."""
        return self.searcher.document_number(key=f"{doc_id}#{anchor}")

    def statute_documents(self):
        """The documents a citation may name (the statutes), read without loading the others."""
        return read_statutes(self.version_dir)

    def citation(self, text: str) -> tuple[Citation, list[tuple[int, str]], str | None]:
        """(the citation in ``text``, its target sections as (docnum, link anchor), a notice for laws not here)."""
        citation = find_citation(text)
        if not citation:
            return citation, [], None
        self.statutes.cite_titles(text, citation)
        resolved = self.statutes.resolve(citation)
        cited = []
        for doc_id, anchor, link in resolved.targets:
            docnum = self.section_number(doc_id, anchor)
            if docnum is not None:
                cited.append((docnum, link))
        return citation, cited, resolved.notice(citation)

    def pin(self, cited, citation: Citation, hits: Pool, filter_q) -> tuple[list[int], dict[int, str]]:
        """The cited sections to show first, and their link anchors.

        A law cited without a chapter ("LOU direktupphandling") pins its best-scored section
        for the other words, or its first section when they find nothing in it.
        """
        if not cited:
            return [], {}
        allowed = self.docmask(filter_q) if filter_q is not None else None
        links: dict[int, str] = {}
        if citation.chapter is None:
            for docnum, link in cited:
                doc_id = self.doc_ids[docnum]
                best = next((d for d, i in zip(hits.docnums, hits.doc_ids, strict=True) if i == doc_id), None)
                links[best if best is not None else docnum] = link if best is None else ""
        else:
            links = dict(cited)
        pinned = [d for d in links if allowed is None or allowed[d]]
        return pinned, {d: links[d] for d in pinned}

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
            typed = " ".join(clean_query(prefix).lower().split()) + (" " if prefix[-1:].isspace() else "")
            last = typed.split()[-1] if typed.split() and not typed.endswith(" ") else ""
            head = typed[: len(typed) - len(last)]
            reader = self.searcher.reader()
            words = []
            for term in reader.expand_prefix("body", fold_ascii(last)):
                t = term_text(term)
                words.append((reader.doc_frequency("body", t), t))
                if len(words) > 200:
                    break
            spellings = self.spellings()
            for _, t in sorted(words, reverse=True):
                word = head + spellings.spell(t, last)
                if word not in out:
                    out.append(word)
                if len(out) >= limit:
                    break
        return out[:limit]

    def spellings(self) -> Spellings:
        """How the documents spell the index's folded words (completions are shown in Swedish)."""
        if self._spellings is None:
            texts = (t for doc in self.documents.values() for s in doc.sections for t in (doc.title, *s.path, s.text))
            self._spellings = Spellings(texts)
        return self._spellings

    def more_like_this(self, doc_id: str, limit: int) -> list[tuple[str, str]]:
        doc = self.documents.get(doc_id)
        if doc is None:
            return []
        similar = SimilarDocuments(self.searcher, self.scorer, doc_ids=self.doc_ids)
        weights, total = similar.vector(mlt_text(doc))
        docs = self.documents
        return [(other, docs[other].title) for other in similar.like(weights, total, doc_id, limit) if other in docs]


def _expandable(parts: list[QueryPart], groups) -> bool:
    """A question (it has fillers) of enough content words (not stop words) to learn from its first sections."""
    content = sum(1 for *_, is_content in groups if is_content)
    return any(p.role == "filler" for p in parts) and content >= MIN_CONTENT_WORDS


def hit_page(body: str, match_terms: frozenset[str], pages: str) -> int | None:
    """The page of the original holding the hit's longest run of matched words (a phrase)."""
    return page_at(pages, match_offset(body, match_terms))
