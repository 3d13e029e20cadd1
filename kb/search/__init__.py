"""The search stage: queries over an index version → ranked hits with snippets.

``Searcher`` (``kb.search.searcher``) is the one entry point the CLI, the API, the evaluation
and the site use.
"""

from kb.search.searcher import (  # noqa: F401 - the package's public interface
    FACETS,
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    Hit,
    IndexMissing,
    Searcher,
    SearchError,
    SearchResult,
    clean_query,
    parse_query,
    section_label,
)
