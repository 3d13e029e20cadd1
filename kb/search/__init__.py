"""The search stage: queries over an index version → ranked hits with snippets.

``Searcher`` is the one entry point the CLI, the API, the evaluation and the site use; the
modules follow a query's way through it: ``query`` (text → parts), ``builder`` (parts → Whoosh
queries over the analysed terms), ``searcher`` (scoring, coordination, facets, paging),
``ranking`` (the pool and diversification), ``results`` (hits), ``snippets`` and ``similar``;
``shared`` searches an index held in a database (``PostgresSearcher``; ``open_searcher`` picks
the searcher of the engine a command uses).
"""

from kb.search.filters import UnknownFilterValue
from kb.search.query import MAX_QUERY_CHARS, QueryPart, clean_query, parse_query, wildcard_terms
from kb.search.ranking import diversify
from kb.search.results import Hit, IndexMissing, SearchError, SearchResult, SearchUnavailable, section_label
from kb.search.searcher import FACETS, MAX_LIMIT, Searcher, VersionSearcher
from kb.search.shared import PostgresSearcher, open_searcher

__all__ = [
    "FACETS",
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "Hit",
    "IndexMissing",
    "QueryPart",
    "SearchError",
    "SearchResult",
    "SearchUnavailable",
    "PostgresSearcher",
    "open_searcher",
    "UnknownFilterValue",
    "Searcher",
    "VersionSearcher",
    "clean_query",
    "diversify",
    "parse_query",
    "section_label",
    "wildcard_terms",
]
