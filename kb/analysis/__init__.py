"""Swedish text analysis for the whoosh index: the factories other modules import.

``swedish_analyzer()`` feeds the exact field, ``folded_analyzer()`` the diacritic-free
field ("aterbruk mobler" finds "återbruk möbler"; give the exact field the higher
boost). Both are deterministic, cheap to construct, picklable (whoosh stores them in
the schema) and share the process-wide lexicon/splitter, which are built lazily on
first use: call ``warm()`` in a parent process before forking indexing workers.

At index time every word-level step adds tokens (lemma, compound parts,
hyphen-coordinated forms) at the original word's position, after the original. At query
time (``mode="query"``) each word yields exactly one token, its lemma: whoosh's phrase
parser reads every query token as the next position, and the lemma matches every
inflection and every compound containing the word, since the index holds both.
``expand_query=True`` makes query mode emit the full index-side set instead (for a
search layer that builds its own OR queries; then use ``multitoken_query="or"``).
"""

from __future__ import annotations

from whoosh.analysis import Analyzer, LanguageAnalyzer

from kb.analysis.compound import CompoundFilter, CompoundSplitter, get_splitter
from kb.analysis.fold import AddFoldedFilter, FoldFilter
from kb.analysis.hyphen import HyphenCoordinationFilter
from kb.analysis.lemma import LemmaFilter
from kb.analysis.lexicon import Lexicon, fold, get_lexicon
from kb.analysis.morph import MorphFilter
from kb.analysis.stop import FOLDED_STOP_WORDS, STOP_WORDS, SwedishStopFilter
from kb.analysis.synonyms import load_synonyms
from kb.analysis.tokenizer import SwedishTokenizer

__all__ = [
    "CompoundFilter",
    "CompoundSplitter",
    "AddFoldedFilter",
    "FoldFilter",
    "HyphenCoordinationFilter",
    "LemmaFilter",
    "MorphFilter",
    "Lexicon",
    "STOP_WORDS",
    "SwedishStopFilter",
    "SwedishTokenizer",
    "fold",
    "folded_analyzer",
    "index_analyzer",
    "get_lexicon",
    "get_splitter",
    "load_synonyms",
    "stock_analyzer",
    "swedish_analyzer",
    "warm",
]

PART_BOOST = 0.5  # compound parts are weaker evidence than the word itself

def add_corpus_words(words: list[str]) -> None:
    """Teach both shared splitters corpus vocabulary (the caller applies a frequency threshold)."""
    get_splitter(False).add_words(words)
    get_splitter(True).add_words(fold(w) for w in words)


def warm(folded: bool = True) -> None:
    """Build the shared lexicons/splitters now (e.g. before forking workers)."""
    get_splitter(False)
    if folded:
        get_splitter(True)


def swedish_analyzer(expand_query: bool = False) -> Analyzer:
    """tokenizer+lowercase | hyphen coordination | stop | lemma+compound (MorphFilter).

    Lower-casing lives in the tokenizer and lemma+compound share one stage only for
    speed; the chain is equivalent to the separate filters.
    """
    return (
        SwedishTokenizer(lowercase=True)
        | HyphenCoordinationFilter(expand_query=expand_query)
        | SwedishStopFilter()
        | MorphFilter(LemmaFilter(), CompoundFilter(boost=PART_BOOST), expand_query=expand_query)
    )


def folded_analyzer(expand_query: bool = False) -> Analyzer:
    """The same chain on ASCII-folded text, with a folded lexicon so "mobler" -> "mobel".

    Folding comes first, so lemma and compound lookups see the same folded form whether
    or not the diacritics were typed: "kontorsmöbler" and "kontorsmobler" analyze alike.
    """
    return (
        SwedishTokenizer(lowercase=True)
        | FoldFilter()
        | HyphenCoordinationFilter(folded=True, expand_query=expand_query)
        | SwedishStopFilter(FOLDED_STOP_WORDS)
        | MorphFilter(
            LemmaFilter(folded=True), CompoundFilter(folded=True, boost=PART_BOOST), expand_query=expand_query
        )
    )


def index_analyzer() -> Analyzer:
    """The Swedish chain plus the folded twin of each token, for one field holding both.

    "återbruk" is indexed as återbruk and aterbruk at one position; queries typed with
    or without diacritics find it, and the search layer weights exact forms higher.
    """
    return swedish_analyzer() | AddFoldedFilter()


def stock_analyzer() -> Analyzer:
    """whoosh's Snowball Swedish analyzer, for baseline comparisons."""
    return LanguageAnalyzer("sv")
