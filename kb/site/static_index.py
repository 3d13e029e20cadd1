"""The static search index: the Swedish analysis done at build time, shipped as sharded JSON.

The browser cannot run the Python analysis, so both sides of it are precomputed here:

- index side: every section's title, heading path and body go through ``swedish_analyzer()``
  (word, lemma, compound parts) and ``folded_analyzer()`` (the same without diacritics); each
  (term, section) pair gets its BM25F score, with the same field boosts as the API's search;
- query side: every word of the corpus is mapped to its query-time analysis (lemma, compound
  parts, folded forms), so "möbler" also looks up "möbel" and "kontorsmöbler" finds
  "möbel". Words outside the corpus fall back to a compound split and fuzzy match over the
  shipped vocabulary, in ``kb-search.js``.

Files, under ``sok-index/`` in the site:

- ``meta.json``: documents, sections (document, anchor, heading path), stop words, the folding
  table, parameters, the first characters that have a vocabulary file, and what reads a
  question as the API does, each from its Python definition (never copied): the tokenizer's
  pattern, the question fillers, the number pattern and weights, the citation patterns, law
  abbreviations and statutes, the proximity window (``kb.site.js_patterns`` rewrites the
  patterns for JavaScript);
- ``t/<n>.json``: shard ``n`` of the term postings and of the word map (a term or word goes to
  shard ``fnv1a(term) % shards``), so a query loads a few small files, not the whole index;
- ``x/<n>.json``: section texts for snippets, ``TEXT_SHARD`` sections per file;
- ``v/<code point>.json``: the indexed terms beginning with that character, for compound
  splitting, prefix and fuzzy matching (``kb.site.static_layout``);
- ``f/<n>.json`` and ``f/p<n>.json``: what questions need for feedback (``kb.site.static_feedback``).

The sizes are chosen so that any two-word query, an unknown word included, downloads at most
300 KB gzip-compressed (see ``kb.site.static_layout`` and ``tests/test_site_audit.py``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable

from kb.engine import BM25_B, BM25_K1
from kb.model import FOLD_LETTERS, Document, fold_ascii
from kb.site.js_patterns import js_pattern
from kb.site.static_feedback import feedback_files, feedback_meta
from kb.site.static_layout import vocabulary_files, vocabulary_keys

INDEX_DIR = "sok-index"
FIELD_BOOSTS = {"heading": 2.5, "title": 2.0, "body": 1.0, "theme": 0.5}
K1, B = BM25_K1, BM25_B  # the API's: statute chapters are long, and they answer questions
FOLDED_WEIGHT = 0.6
SHARDS = 256  # ~4 KB gzip each: a two-word query loads 10-20 of them
TEXT_SHARD = 1  # a hit's snippet loads its own section's text only
SNIPPET_TEXT_MAX = 40_000
SCORE_SCALE = 100
PROXIMITY_POOL = 20  # sections whose texts proximity reads: the first page of hits loads them anyway
FORMAT = 3


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over the code points of ``text`` (the same function is in kb-search.js)."""
    h = 0x811C9DC5
    for ch in text:
        h ^= ord(ch)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def variant_weight(token: str, word: str) -> float:
    """Exact spelling 1.0; lemmas and compound parts less, shorter parts least (as kb.search.searcher)."""
    if token == word:
        return 1.0
    return 0.3 + 0.6 * min(1.0, len(token) / max(1, len(word)))


def section_fields(doc: Document) -> list[tuple[str, str, dict[str, str]]]:
    """(anchor, heading path, fields) per section. ``theme``: the tags of the document with the
    description of each theme, so "återbruk" finds the projects marked "cirkulär" (weakly)."""
    from kb.site.context import THEMES

    theme = " ".join(f"{t} {THEMES.get(t, '')}" for t in sorted(set(doc.tags)))
    out = []
    for s in doc.sections:
        heading = " › ".join(s.path)
        fields = {"title": doc.title, "heading": heading, "body": s.text}
        if theme:
            fields["theme"] = theme
        out.append((s.anchor, heading, fields))
    return out


class WordMemo:
    """What the analyzers made of each word, kept between builds (``kb.site.static_search``).

    The analysis of a word depends only on the word and the analysis code and data, so a
    rebuild after a small change analyses only the words it has not seen: the lexicon is
    then often not even loaded. ``index``: word → (exact, folded) (token, boost) lists;
    ``query``: query-time variants of a word ("~" + folded word for the folded side);
    ``synonyms``: a synonym phrase → its query tokens; ``phrases``: a hyphen-coordinated
    phrase ("bygg- och rivningsavfall") → (exact, folded) like ``index``; ``texts``: a field
    text's digest → its whole analysis (see ``_WordAnalysis.__call__``), so an unchanged
    section is not even tokenized again. Only the texts of the last build are kept.
    """

    def __init__(self, data: dict | None = None) -> None:
        data = data or {}
        self.index: dict[str, list] = data.get("index", {})
        self.query: dict[str, list] = data.get("query", {})
        self.synonyms: dict[str, list[str]] = data.get("synonyms", {})
        self.phrases: dict[str, list] = data.get("phrases", {})
        self.texts: dict[str, list] = data.get("texts", {})
        self.changed = False

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "query": self.query,
            "synonyms": self.synonyms,
            "phrases": self.phrases,
            "texts": self.texts,
        }


def build_static_index(
    documents: list[Document],
    progress: Callable[[str, int, int], None] | None = None,
    memo: WordMemo | None = None,
) -> dict[str, str]:
    """Site-relative path → JSON text of every file of the static index."""
    from kb.analysis import SwedishTokenizer, folded_analyzer, swedish_analyzer
    from kb.analysis.question_words import QUESTION_FILLERS, QUESTION_ONLY_FILLERS
    from kb.analysis.stop import STOP_WORDS
    from kb.analysis.tokenizer import TOKEN_RE
    from kb.search.proximity import PROXIMITY_GAIN
    from kb.search.proximity import WINDOW as PROXIMITY_WINDOW
    from kb.search.query import number_pattern
    from kb.search.searcher import NUMBER_COORDINATION, NUMBER_WEIGHT

    memo = memo if memo is not None else WordMemo()
    analyze = _WordAnalysis(swedish_analyzer(), folded_analyzer(), SwedishTokenizer(lowercase=True), memo)

    docs_meta = []
    sections_meta = []
    texts: list[str] = []
    # term → [section, field, weighted tf, section, field, …] in section and field order;
    # "~" prefix for folded terms
    postings: dict[str, list] = {}
    lengths: dict[str, dict[int, int]] = {f: {} for f in FIELD_BOOSTS}

    for di, doc in enumerate(documents):
        meta = doc.meta
        docs_meta.append([
            doc.id, doc.title, doc.source, str(meta.get("publisher") or ""), str(meta.get("type") or ""),
            str(meta.get("reviewed") or meta.get("date") or ""), list(doc.tags),
        ])
        for anchor, heading, fields in section_fields(doc):
            si = len(sections_meta)
            sections_meta.append([di, anchor, heading])
            texts.append(fields["body"][:SNIPPET_TEXT_MAX])
            for field, text in fields.items():
                exact, folded, positions = analyze(text)
                for term, weight in exact.items():
                    entry = postings.get(term)
                    if entry is None:
                        entry = postings[term] = []
                    entry += (si, field, weight)
                for term, weight in folded.items():
                    term = "~" + term
                    entry = postings.get(term)
                    if entry is None:
                        entry = postings[term] = []
                    entry += (si, field, weight)
                lengths[field][si] = max(1, positions)
        if progress and (di % 50 == 0 or di + 1 == len(documents)):
            progress("site search index", di + 1, len(documents))
    words = analyze.words
    if analyze.used_texts.keys() != memo.texts.keys():
        memo.texts, memo.changed = analyze.used_texts, True

    n = len(sections_meta)
    avg = {f: (sum(v.values()) / len(v) if v else 1.0) for f, v in lengths.items()}
    shards: list[dict[str, dict]] = [{"t": {}, "w": {}} for _ in range(SHARDS)]
    # BM25F length normalisation per field and section (the same expression as per posting)
    denominators = {f: {si: 1 - B + B * ln / avg[f] for si, ln in v.items()} for f, v in lengths.items()}
    encoded: dict[str, list[int]] = {}
    for term, flat in postings.items():
        weighted = _section_weights(flat, denominators)
        df = len(weighted)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        ids, scores = [], []
        last = 0
        for si, tfw in weighted:
            score = round(idf * tfw * (K1 + 1) / (tfw + K1) * SCORE_SCALE)
            if score <= 0:
                continue
            ids.append(si - last)
            last = si
            scores.append(score)
        if ids:
            encoded[term] = ids + scores
    for term, postings_ in encoded.items():
        bare = term.removeprefix("~")
        if term.startswith("~") and encoded.get(bare) == postings_:
            continue  # the folded postings equal the exact ones: kb-search.js falls back to them
        shards[fnv1a(bare) % SHARDS]["t"][term] = postings_

    svq, faq = swedish_analyzer(expand_query=True), folded_analyzer(expand_query=True)
    for word in words:
        exact = _memo_variants(memo, svq, word, word)
        if exact != [word, 1.0]:
            shards[fnv1a(word) % SHARDS]["w"][word] = exact
        folded_word = fold_ascii(word)
        if folded_word != word and _folded_is_another_word(memo, word, folded_word):
            # "ändra" spelt "andra" is another word: kb-search.js leaves its folded forms out (as the API)
            shards[fnv1a(word) % SHARDS].setdefault("f", []).append(word)
        folded = _memo_variants(memo, faq, folded_word, "~" + folded_word)
        if folded != [folded_word, 1.0]:
            shards[fnv1a(folded_word) % SHARDS]["w"]["~" + folded_word] = folded

    for term in postings:  # indexed lemmas no text spells so ("upphandlingsannons"): their compound parts
        if term in words or len(term) < 8 or not term.isalpha():
            continue
        exact = _memo_variants(memo, svq, term, term)
        if exact != [term, 1.0]:
            shards[fnv1a(term) % SHARDS]["w"][term] = exact
    for shard in shards:
        if "f" in shard:
            shard["f"].sort()
    _add_synonyms(shards, svq, memo)

    vocab = sorted(t for t in postings if not t.startswith("~") and len(t) >= 3 and not t.isdigit())
    files = {
        f"{INDEX_DIR}/meta.json": _dump({
            "format": FORMAT,
            "shards": SHARDS,
            "textShard": TEXT_SHARD,
            "scale": SCORE_SCALE,
            "foldedWeight": FOLDED_WEIGHT,
            "stop": sorted(STOP_WORDS),
            "fold": dict(zip(*FOLD_LETTERS, strict=True)),
            "vocab": vocabulary_keys(vocab),
            "fillers": sorted(QUESTION_FILLERS),  # question words left out beside content words
            "foldedQuestionFillers": sorted(QUESTION_ONLY_FILLERS),  # "ar": a filler in a question typed without å/ä/ö
            "tokens": js_pattern(TOKEN_RE),  # what a query word is: the index's tokens
            "number": {**js_pattern(number_pattern()), "weight": NUMBER_WEIGHT, "coordination": NUMBER_COORDINATION},
            "citations": citation_table(documents),
            "proximity": {"window": PROXIMITY_WINDOW, "gain": PROXIMITY_GAIN, "pool": PROXIMITY_POOL},
            "inflection": inflection_meta(),  # a word's other endings the texts hold (kb.search.builder)
            "feedback": feedback_meta(),  # questions borrow their best sections' words (kb.site.static_feedback)
            "docs": docs_meta,
            "sections": sections_meta,
        }),
    }
    files.update({f"{INDEX_DIR}/{name}": text for name, text in vocabulary_files(vocab).items()})
    whole_forms = lambda word: [t for t, boost in analyze.word(word)[0] if boost >= 1.0]  # noqa: E731
    lendable = feedback_files(texts, postings, denominators["body"], whole_forms, lambda w: fnv1a(w) % SHARDS)
    files.update({f"{INDEX_DIR}/{name}": text for name, text in lendable.items()})
    for i, shard in enumerate(shards):
        files[f"{INDEX_DIR}/t/{i}.json"] = _dump(shard)
    for i in range(0, n, TEXT_SHARD):
        files[f"{INDEX_DIR}/x/{i // TEXT_SHARD}.json"] = _dump(texts[i : i + TEXT_SHARD])
    return files


def inflection_meta() -> dict:
    """``QueryBuilder.inflections``' endings and weight, so kb-search.js finds the same forms."""
    from kb.search.builder import ACTION_NOUN, INFLECTION_ENDINGS, INFLECTION_WEIGHT, MIN_STEM, QUESTION_ONLY_ENDINGS

    return {"endings": list(INFLECTION_ENDINGS), "actionNoun": sorted(ACTION_NOUN),
            "questionOnly": sorted(QUESTION_ONLY_ENDINGS), "minStem": MIN_STEM, "weight": INFLECTION_WEIGHT}


def citation_table(documents: list[Document]) -> dict:
    """What ``kb-search.js`` needs to read citations as ``kb.search.citations`` does: its patterns,
    the law abbreviations, the statutes (SFS number, document, title pattern) and the paragraph
    anchors of each statute section (``kap19a-3``), so a cited paragraph is linked."""
    from kb.search.citations import ABBREVIATIONS, StatuteTable, citation_patterns

    table = StatuteTable(documents)
    index = {doc.id: i for i, doc in enumerate(documents)}
    statutes = [
        [str(doc.meta["beteckning"]), index[doc.id], first, js_pattern(pattern)]
        for first, pattern, doc in table.titles
    ]
    paragraphs: dict[int, list[str]] = {}
    si = 0
    for doc in documents:
        for section in doc.sections:
            if doc.id in table.by_id:
                prefix = section.anchor + "-"
                found = [b.anchor[len(prefix):] for b in section.blocks
                         if b.kind == "para" and (b.anchor or "").startswith(prefix)]
                if found:
                    paragraphs[si] = found
            si += 1
    return {
        "patterns": {name: js_pattern(p) for name, p in citation_patterns().items()},
        "abbreviations": ABBREVIATIONS,
        "statutes": statutes,
        "paragraphs": paragraphs,
    }


def _section_weights(flat: list, denominators: dict[str, dict[int, float]]) -> list[tuple[int, float]]:
    """[(section, BM25F weighted tf)] of one term from its flat (section, field, tf) triples,
    summed over the fields in the order they were analysed."""
    out: list[tuple[int, float]] = []
    current, total = -1, 0
    for i in range(0, len(flat), 3):
        si, field, v = flat[i], flat[i + 1], flat[i + 2]
        if si != current:
            if current >= 0:
                out.append((current, total))
            current, total = si, 0
        total += FIELD_BOOSTS[field] * v / denominators[field][si]
    if current >= 0:
        out.append((current, total))
    return out


class _WordAnalysis:
    """The analyzers applied word by word with a memo: the same tokens as analysing whole texts
    (lemma, compound parts, folded forms), many times faster since words repeat. Hyphen
    coordination ("bygg- och rivningsavfall" → "byggavfall") spans words, so those phrases
    are also analysed whole."""

    HYPHEN_PHRASE = re.compile(r"\w+-\s*(?:,\s*\w+-\s*)*(?:och|eller|samt)\s+\w+", re.IGNORECASE)

    def __init__(self, sv, fa, tokenizer, memo: WordMemo):
        self.sv, self.fa, self.tokenizer = sv, fa, tokenizer
        self.memo = memo
        self.words: dict[str, None] = {}  # every word of the corpus, in order of first occurrence
        self.used_texts: dict[str, list] = {}

    def word(self, word: str) -> list:
        return self._analysed(self.memo.index, word)

    def phrase(self, phrase: str) -> list:
        return self._analysed(self.memo.phrases, phrase)

    def _analysed(self, memo: dict, text: str) -> list:
        """[plain tokens, folded tokens] of ``text`` as [text, boost] pairs, kept between builds."""
        got = memo.get(text)
        if got is None:
            got = [[[t.text, t.boost] for t in self.sv(text)], [[t.text, t.boost] for t in self.fa(text)]]
            memo[text] = got
            self.memo.changed = True
        return got

    def __call__(self, text: str) -> tuple[dict[str, float], dict[str, float], int]:
        """(exact term → weight, folded term → weight, positions) of one field's text; its
        words are added to ``words`` in order of first occurrence either way."""
        key = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        got = self.memo.texts.get(key)
        if got is None:
            exact, folded, positions, words = self._analyse(text)
            got = [exact, folded, positions, words]
            self.memo.changed = True
        self.used_texts[key] = got
        for word in got[3]:
            self.words[word] = None
        return got[0], got[1], got[2]

    def _analyse(self, text: str) -> tuple[dict[str, float], dict[str, float], int, list[str]]:
        words: dict[str, None] = {}
        exact: dict[str, float] = defaultdict(float)
        folded: dict[str, float] = defaultdict(float)
        positions = 0
        for tok in self.tokenizer(text):
            words[tok.text] = None
            e, f = self.word(tok.text)
            positions += 1 if e else 0
            for term, boost in e:
                exact[term] += boost
            for term, boost in f:
                folded[term] += boost
        if "-" in text:
            for m in self.HYPHEN_PHRASE.finditer(text):
                e, f = self.phrase(m.group(0))
                for term, boost in e:
                    if term not in exact:
                        exact[term] += boost
                for term, boost in f:
                    if term not in folded:
                        folded[term] += boost
        return dict(exact), dict(folded), positions, list(words)


SYNONYM_WEIGHT = 0.5


def _add_synonyms(shards: list[dict[str, dict]], analyzer, memo: WordMemo) -> None:
    """A one-word synonym ("lou", "epd", "återbruk") also looks up the words of the other
    phrases of its group (kb/data/synonyms.txt, as the API), at a lower weight."""
    from kb.analysis import load_synonyms

    try:
        groups = load_synonyms()
    except Exception:  # noqa: BLE001 - a broken synonyms file must not break the site
        return
    for group in groups:
        for phrase in group:
            if " " in phrase:
                continue
            word = phrase.lower()
            shard = shards[fnv1a(word) % SHARDS]["w"]
            flat = list(shard.get(word, [word, 1.0]))
            if not flat:
                continue  # a stop word
            present = set(flat[0::2])
            for other in group:
                if other == phrase:
                    continue
                tokens = memo.synonyms.get(other)
                if tokens is None:
                    tokens = memo.synonyms[other] = [t.text for t in analyzer(other, mode="query")]
                    memo.changed = True
                weight = round(SYNONYM_WEIGHT / max(1, len(tokens)) ** 0.5, 2)
                for token in tokens:
                    if token not in present:
                        flat += [token, weight]
                        present.add(token)
            shard[word] = flat


def _memo_variants(memo: WordMemo, analyzer, word: str, key: str) -> list:
    got = memo.query.get(key)
    if got is None:
        got = memo.query[key] = _query_variants(analyzer, word, word)
        memo.changed = True
    return got


def _folded_is_another_word(memo: WordMemo, word: str, folded_word: str) -> bool:
    """As the API's query builder asks the lexicon; kept in the memo, so a rebuild need not load it."""
    key = "!" + word
    got = memo.query.get(key)
    if got is None:
        from kb.analysis.lexicon import get_lexicon

        got = memo.query[key] = [get_lexicon().is_known(folded_word)]
        memo.changed = True
    return got[0]


def _query_variants(analyzer, text: str, word: str) -> list:
    """Flat [token, weight, token, weight, …] of a word's query-time analysis."""
    best: dict[str, float] = {}
    for t in analyzer(text, mode="query"):
        w = round(variant_weight(t.text, word) * (t.boost or 1.0), 2)
        if w > best.get(t.text, 0.0):
            best[t.text] = w
    flat: list = []
    for token, w in best.items():
        flat += [token, w]
    return flat


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
