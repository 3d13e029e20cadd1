"""Query parts → Whoosh queries over the index's analysed terms.

Each word is expanded to its analysed variants (lemma, compound parts, accent-folded form) with
weights that favour the exact spelling; synonyms and fuzzy corrections are added here too.
"""

from __future__ import annotations

from whoosh.query import And, Or, Phrase, Query, Term

from kb.analysis import folded_analyzer, swedish_analyzer
from kb.analysis.lexicon import get_lexicon
from kb.model import fold_ascii
from kb.search.query import CONJUNCTIONS

CACHE_WORDS = 20_000  # entries of each per-word cache of the query builder
FIELD_BOOSTS = {"heading": 1.5, "title": 2.0, "body": 1.0, "theme": 0.5}
FOLDED_WEIGHT = 0.6
PART_DAMPING = 0.3
INFLECTION_WEIGHT = 0.6
MIN_STEM = 5  # shorter stems ("lag", "krav") have too many unrelated words one ending away
# Swedish inflection endings (nouns, adjectives, participles), "" for the bare stem: the
# forms a word may take in a text that the lexicon does not list. With them the action-noun
# endings (-ing, -ning), for questions only: they ask with the verb ("får man direktupphandla",
# "komplettera anbudet"), statutes and headings name the act (direktupphandling, komplettering).
INFLECTION_ENDINGS = ("", "a", "e", "n", "t", "en", "et", "na", "er", "ar", "or", "ier", "erna", "arna", "orna",
                      "ierna", "ade", "at", "ad", "ande", "ende", "ens", "ets", "s",
                      "ing", "ning", "ingen", "ningen", "ingar", "ningar")
ACTION_NOUN = frozenset(("ing", "ning", "ingen", "ningen", "ingar", "ningar"))
# Endings that change the word class (verb <-> action noun, noun -> verb or participle): used
# for questions only, which ask with a verb what texts name with a noun and back.
QUESTION_ONLY_ENDINGS = ACTION_NOUN | {"a", "ade", "at", "ad", "ande", "ende"}


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
        self._whole_found: dict[tuple[str, bool], bool] = {}  # per word: whether a whole form is indexed
        self._parts_queries: dict[tuple[str, bool], tuple[Query | None, Query] | None] = {}

    def clear_caches(self) -> None:
        for cache in (self._df, self._corrections, self._variants, self._word_queries, self._whole_found,
                      self._parts_queries):
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

    def prefetch(self, tokens) -> None:
        """Let a database-backed reader look up these tokens together (one round trip instead of
        one per token); a Whoosh reader reads its files and has nothing to gain."""
        prefetch = getattr(self.reader, "prefetch", None)
        if prefetch is not None:
            missing = [t for t in tokens if ("body", t) not in self._df]
            if len(missing) > 1:
                prefetch(missing)

    def prefetch_frequencies(self, fieldname: str, tokens) -> None:
        """Let a database-backed reader read the document frequencies of many tokens in one round
        trip (their postings are not needed yet)."""
        prefetch = getattr(self.reader, "prefetch_frequencies", None)
        if prefetch is not None:
            missing = [t for t in tokens if (fieldname, t) not in self._df]
            if len(missing) > 1:
                prefetch(fieldname, missing)

    def prefetch_words(self, words: list[str]) -> None:
        """``prefetch`` every form ``word_clauses`` looks up first for these query words."""
        if getattr(self.reader, "prefetch", None) is None:
            return
        tokens: list[str] = []
        for word in words:
            lower = word.lower()
            tokens += [t for t, _ in _hyphen_wholes(lower, self.variants(word))]
            tokens += [t for t, _ in _hyphen_wholes(fold_ascii(lower), self.variants(word, folded=True))]
            tokens += self.inflection_candidates(lower)
        self.prefetch(tokens)

    def tokens(self, text: str, folded: bool = False) -> list[str]:
        return [t for t, _ in self.variants(text, folded)]

    def lemmas(self, text: str) -> list[str]:
        """The word's whole forms: itself and its lemmas, not its compound parts."""
        return [t for t, whole in self.variants(text) if whole]

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

    def word_query(
        self, word: str, weight: float = 1.0, question: bool = False
    ) -> tuple[Query | None, bool, Query | None]:
        """``word_clauses``, cached per word: the queries are only read, never changed."""
        key = (word, weight, question)
        cached = self._word_queries.get(key)
        if cached is None:
            if len(self._word_queries) > CACHE_WORDS:
                self._word_queries.clear()
            cached = self._word_queries[key] = self.word_clauses(word, weight, question)
        return cached

    def word_clauses(
        self, word: str, weight: float = 1.0, question: bool = False
    ) -> tuple[Query | None, bool, Query | None]:
        """All variants of one word across fields; returns (query, understood, coord query).

        ``question``: the word is part of a question ("får man direktupphandla …"), so a verb
        also stands for its action noun (direktupphandling), the form statutes use.

        "Understood": the word or its lemma is indexed, or all its compound parts are;
        otherwise it is a candidate for spelling correction.

        Parts matter when the whole word is not in the index ("kontorsmöbler"); when it
        is ("incitamentsavtal"), parts are damped so "avtal" alone cannot outrank the
        word the user typed. The coord query (whole forms only, when found) decides
        whether a section counts as containing the word.
        """
        lower = word.lower()
        variants: list[tuple[str, float, bool]] = []  # (token, weight, whole)
        exact = _hyphen_wholes(lower, self.variants(word))
        for token, whole in exact:
            variants.append((token, _variant_weight(token, lower), whole))
        seen = {t for t, _ in exact}
        folded_word = fold_ascii(lower)
        # The folded analysis adds lemmas and parts of input typed without diacritics
        # ("mobler" -> "mobel"); for words with them it still finds a few forms more, unless
        # the folded spelling is another Swedish word (ändra/andra, rätt/ratt, lägre/lagre).
        twin = folded_word != lower and _another_word(folded_word)
        for token, whole in _hyphen_wholes(folded_word, [] if twin else self.variants(word, folded=True)):
            if token not in seen:
                variants.append((token, FOLDED_WEIGHT * _variant_weight(token, folded_word), whole))
        if not variants:
            return None, True, None  # only stop words
        self.prefetch([t for t, _, _ in variants] + self.inflection_candidates(lower))
        # Inflections the lexicon does not know ("textil" / "textilier", "återbruk" / "återbrukade"):
        # indexed words that are the same stem with another Swedish ending count as the word.
        known_forms = {t for t, _, _ in variants}
        wholes = {t for t, _, whole in variants if whole}
        for token in self.inflections(lower):
            # Forms whose lemma is already a variant are found through it ("upphandlingen").
            if token in known_forms or wholes & {t for t, whole in self.variants(token) if whole}:
                continue
            if not question and _form_ending(lower, token) in QUESTION_ONLY_ENDINGS:
                continue  # a keyword means its word class: "laga och återanvända", "återbruk möbler"
            variants.append((token, INFLECTION_WEIGHT, True))
        present: list[tuple[str, str, float, bool]] = []
        for token, w, whole in variants:
            for fieldname in FIELD_BOOSTS:
                if self.doc_frequency(fieldname, token):
                    present.append((fieldname, token, w, whole))
        found = any(whole for *_, whole in present)
        if len(self._whole_found) > CACHE_WORDS:
            self._whole_found.clear()
        self._whole_found[(lower, question)] = found
        joined: list[str] = []
        if not found:
            # "direktupphandlingsgränsen": its finest parts (direkt, upphandling, gräns) are weak
            # evidence; the longer indexed words the parts join into (direktupphandling) are better.
            known = {t for _, t, _, _ in present}
            joined = self.joined_parts(folded_word if word.isascii() else lower)
            for token in joined:
                if token not in known:
                    w = _variant_weight(token, lower)
                    present.extend((f, token, w, False) for f in FIELD_BOOSTS if self.doc_frequency(f, token))
                    variants.append((token, w, False))
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
        if joined:
            # A section holding "direktupphandling" holds the word; one with "upphandling" only, partly.
            coord = Or([c for c, (_, t, _, _) in zip(clauses, present, strict=True) if t in joined])
        return query, understood, coord

    def parts_query(self, word: str, question: bool = False) -> tuple[Query | None, Query] | None:
        """For a compound word, (its whole forms, every one of its parts): None for other words.

        The searcher gives a section holding the whole word full credit, one holding all the
        parts ("klimat" and "krav") less, one holding some of them least; the whole forms are
        None when no section holds one ("kontorsmöbler").
        """
        key = (word, question)
        if key in self._parts_queries:
            return self._parts_queries[key]
        if len(self._parts_queries) > CACHE_WORDS:
            self._parts_queries.clear()
        query, _, coord = self.word_query(word, question=question)
        lower = word.lower()
        parts = [t for t, whole in self.variants(word, folded=word.isascii()) if not whole]
        out = None
        if query is not None and "-" not in lower and len(parts) >= 2:
            per_part = []
            for token in parts:
                terms = [Term(f, token) for f in FIELD_BOOSTS if self.doc_frequency(f, token)]
                per_part.append(Or(terms) if terms else None)
            if all(per_part):
                # The whole word in the section's own text: not in the theme, whose descriptions
                # give every section of a tag words like "klimatkrav" it does not say.
                wholes = [c for c in _leaves(coord) if c.fieldname != "theme"]
                if (lower, question) not in self._whole_found:  # emptied since word_query cached the word
                    self.word_clauses(word, question=question)
                found = self._whole_found[(lower, question)] and bool(wholes)
                out = (Or(wholes) if found else None, And(per_part))
        self._parts_queries[key] = out
        return out

    def inflections(self, word: str) -> list[str]:
        """Indexed words made of ``word``'s stem and another inflection ending (cached with the variants)."""
        key = ("~inflections", word)
        cached = self._variants.get(key)
        if cached is not None:
            return [t for t, _ in cached]
        out = [form for form in self.inflection_candidates(word) if self.doc_frequency("body", form)]
        self._variants[key] = [(t, True) for t in out]
        return out

    def inflection_candidates(self, word: str) -> list[str]:
        """The forms ``inflections`` looks up, in order: ``word``'s stems with every other ending."""
        out: list[str] = []
        if word.isalpha() and len(word) >= MIN_STEM + 1:
            # Endings are stripped from the query word but action-noun endings only added: a verb
            # finds its noun (upphandla -> upphandling); a noun keyword stays a noun.
            stems = {
                word[: len(word) - len(e)] for e in INFLECTION_ENDINGS if word.endswith(e) and e not in ACTION_NOUN
            }
            for stem in sorted(s for s in stems if len(s) >= MIN_STEM):
                for ending in INFLECTION_ENDINGS:
                    form = stem + ending
                    if form != word and form not in out:
                        out.append(form)
        return out

    def joined_parts(self, word: str) -> list[str]:
        """Indexed words made of two or more neighbouring compound parts of ``word`` (a linking s dropped)."""
        from kb.analysis import get_splitter

        parts = get_splitter(word.isascii()).split(word)
        surfaces = [
            "".join(p[0] for p in parts[start : end - 1]) + parts[end - 1][1]
            for start in range(len(parts))
            for end in range(start + 2, len(parts) + 1)
            if end - start != len(parts)
        ]
        self.prefetch([c for s in surfaces for c in (s, s[:-1] if s.endswith("s") else None) if c])
        out: list[str] = []
        for surface in surfaces:
            for candidate in (surface, surface[:-1] if surface.endswith("s") else None):
                if candidate and self.doc_frequency("body", candidate) and candidate not in out:
                    out.append(candidate)
                    break
        return out

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

        words = [w for w in text.split() if w.lower() not in CONJUNCTIONS]
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


def _hyphen_wholes(word: str, variants: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """"e-handel", "it-system": the joined word (ehandel, itsystem) is the word, not its pieces.

    The analyzer gives every piece of a hyphenated word full weight, which for a short first
    piece lets "handel" alone stand for "e-handel". Forms that start with the first piece and
    are longer than it stay whole; the other pieces are parts ("kommissionen" of
    "EU-kommissionen"), dropped after a one-letter first piece, which makes them a different
    word (e-handel is not handel; the joined word's inflections come from ``inflections``).
    """
    first = word.split("-", 1)[0]
    if "-" not in word or not first or not any(t == word.replace("-", "") for t, _ in variants):
        return variants
    joined = [(t, whole) for t, whole in variants if t.startswith(first) and len(t) > len(first)]
    if len(first) == 1:
        return joined
    return joined + [(t, False) for t, _ in variants if (t, True) not in joined and (t, False) not in joined]


def _leaves(q: Query | None) -> list[Term]:
    """The terms of an Or of terms (a word's coord query)."""
    if q is None:
        return []
    if isinstance(q, Term):
        return [q]
    return [t for sub in getattr(q, "subqueries", ()) for t in _leaves(sub)]


def _another_word(folded: str) -> bool:
    """Whether a word typed with å, ä or ö, spelt without them, is a Swedish word of its own: its
    folded forms would find that word ("ändra" finding "andra", other) more often than the one typed."""
    return get_lexicon().is_known(folded)


def _form_ending(word: str, form: str) -> str:
    """The ending ``form`` has beyond the longest stem it shares with ``word``."""
    n = 0
    while n < min(len(word), len(form)) and word[n] == form[n]:
        n += 1
    return form[n:]


def _variant_weight(token: str, word: str) -> float:
    """Exact spelling 1.0; lemmas and compound parts less, shorter parts least."""
    if token == word:
        return 1.0
    return 0.3 + 0.6 * min(1.0, len(token) / max(1, len(word)))


# ---------------------------------------------------------------- searcher
