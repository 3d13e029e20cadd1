"""The PostgreSQL engine: one database holds the index versions that many ``kb serve`` processes read.

The build still analyses and writes a version with the Whoosh engine (its folder is the builder's
working copy, which keeps incremental builds), then ``publish_version`` copies that version's
analysed terms, statistics, hit fields and documents into a new schema of the database and makes
it current in one transaction. Servers read it through ``PostgresSearcher``, which answers with
the same query building, BM25F formula, snippets, facets and JSON as the Whoosh engine:

* ``database``: engine URLs (``postgresql://…``, ``KB_ENGINE``), the connection pool, the catalog
  of versions, and ``DatabaseUnavailable`` (the API answers it with a 503 and ``Retry-After``);
* ``publish``: a Whoosh version folder → a database version; switch; removal of old versions;
* ``reader``: the index reader and the array scorer over the database's term rows;
* ``searcher``: ``PostgresSearcher``, the ``kb.search.Searcher`` of a database.
"""

from kb.engine.postgres.database import DatabaseUnavailable, engine_url, is_postgres_url

__all__ = ["DatabaseUnavailable", "engine_url", "is_postgres_url", "open_searcher", "project_engine"]


def project_engine(project, option: str | None = None) -> str | None:
    """The PostgreSQL URL a command should use (``--engine``, ``KB_ENGINE``, kb.yml's ``engine``),
    or None for the Whoosh index folder. Raises ``ValueError`` for an engine that is neither."""
    return engine_url(option, project.settings().engine or None)


def open_searcher(project, site_url: str, engine: str | None = None):
    """The ``Searcher`` of the project's engine (``engine``: a URL from ``project_engine``)."""
    if engine is None:
        from kb.search import Searcher

        return Searcher(project.index_root, site_url)
    from kb.engine.postgres.searcher import PostgresSearcher

    return PostgresSearcher(engine, site_url)
