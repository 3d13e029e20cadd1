"""The PostgreSQL engine: one database holds the index versions that many ``kb serve`` processes read.

The build still analyses and writes a version with the Whoosh engine (its folder is the builder's
working copy, which keeps incremental builds), then ``publish_version`` copies that version's
analysed terms, statistics, hit fields and documents into a new schema of the database and makes
it current in one transaction. This package is storage only; searching it is
``kb.search.shared.PostgresSearcher`` (the same query building, BM25F formula, snippets, facets
and JSON as the Whoosh engine):

* ``database``: engine URLs (``postgresql://…``, ``KB_ENGINE``), the connection pool, the catalog
  of versions, and the errors ``DatabaseUnavailable`` and ``NothingPublished``;
* ``publish``: a Whoosh version folder → a database version; switch; removal of old versions
  no reader holds;
* ``catalog``: ``DatabaseIndex``, a reader's current version, held (an advisory lock) while read;
* ``reader``: a version's term rows, statistics and hits, and the array scorer over them.
"""

from kb.engine.postgres.database import DatabaseUnavailable, NothingPublished, engine_url, is_postgres_url

__all__ = ["DatabaseUnavailable", "NothingPublished", "engine_url", "is_postgres_url", "project_engine"]


def project_engine(project, option: str | None = None) -> str | None:
    """The PostgreSQL URL a command should use (``--engine``, ``KB_ENGINE``, kb.yml's ``engine``),
    or None for the Whoosh index folder. Raises ``ValueError`` for an engine that is neither."""
    return engine_url(option, project.settings().engine or None)
