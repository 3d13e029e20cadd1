"""The index engine: everything that knows Whoosh's file format and internals.

kb writes Whoosh segments in bulk (``segment``, ``postings``, the compiled ``native``), scores
whole terms over arrays (``scoring``) and reads hit columns straight from the files; that is
what makes builds and queries fast, and it depends on internals of one Whoosh release. So those
modules live here, and the rest of kb uses only the names below:

* write a version: ``write_index`` (documents in memory), ``write_index_streaming`` (a large
  knowledge base, ingested and written by worker processes), ``update_index`` (a few changed
  documents, sharing the unchanged segments);
* open a version: ``current_version_dir``, ``read_info``, ``load_documents``, ``read_manifest``;
* score terms over arrays: ``open_scored``, ``ArrayScorer``, ``TermCache``;
* read a hit: ``HitColumns`` (a section's stored hit fields and body by document number);
* the PostgreSQL engine's storage (``kb.engine.postgres``, docs/postgresql.md): ``project_engine``
  (which engine a command uses), ``publish_version``, ``published_version``, ``DatabaseIndex``
  (a reader's current version; ``kb.search`` searches it), ``DatabaseUnavailable``,
  ``NothingPublished``, ``PublishLocked``.

Importing this package checks that the installed Whoosh is the release the engine was written
for (``WHOOSH_VERSION``), and stops with what to do if not; the names load on first use, so a
build that finds nothing changed does not import Whoosh at all.
"""

from __future__ import annotations

import importlib
from importlib import metadata

WHOOSH_DISTRIBUTION = "whoosh3"
WHOOSH_VERSION = "3.54.0"


class EngineVersionError(RuntimeError):
    """The installed Whoosh is not the release the engine reads and writes."""


def check_whoosh_version(installed: str | None = None) -> None:
    """Raise ``EngineVersionError`` unless ``installed`` (default: the installed distribution's
    version) is ``WHOOSH_VERSION``."""
    if installed is None:
        try:
            installed = metadata.version(WHOOSH_DISTRIBUTION)
        except metadata.PackageNotFoundError:
            installed = None
    if installed != WHOOSH_VERSION:
        found = f"{WHOOSH_DISTRIBUTION} {installed}" if installed else f"no {WHOOSH_DISTRIBUTION}"
        raise EngineVersionError(
            f"kb's index engine was written for {WHOOSH_DISTRIBUTION}=={WHOOSH_VERSION} (it writes and reads "
            f"that release's segment files directly), but {found} is installed. "
            f"Reinstall kb's pinned dependencies: pip install '{WHOOSH_DISTRIBUTION}=={WHOOSH_VERSION}' "
            f"(or `pip install -e .` in a checkout), then run `kb build` again."
        )


check_whoosh_version()

_EXPORTS = {
    # write a version
    "write_index": "kb.engine.bulk",
    "write_index_streaming": "kb.engine.bulk",
    "update_index": "kb.engine.update",
    "plan_update": "kb.engine.update",
    "FullBuildNeeded": "kb.engine.update",
    "switch_current": "kb.engine.index",
    # open a version
    "IndexInfo": "kb.engine.versions",
    "current_version_dir": "kb.engine.versions",
    "read_info": "kb.engine.versions",
    "load_documents": "kb.engine.index",
    "read_manifest": "kb.engine.index",
    "document_json": "kb.engine.index",
    "HEADING_SEPARATOR": "kb.engine.index",
    "CURRENT": "kb.engine.versions",
    # score terms over arrays
    "BM25_B": "kb.engine.scoring",
    "BM25_K1": "kb.engine.scoring",
    "ArrayScorer": "kb.engine.scoring",
    "TermCache": "kb.engine.scoring",
    "open_scored": "kb.engine.scoring",
    "bm25f": "kb.engine.scoring",
    "open_index": "kb.engine.index",
    "term_text": "kb.engine.index",
    "docnum_doc_ids": "kb.engine.index",
    "make_schema": "kb.engine.index",
    # read a hit
    "HitColumns": "kb.engine.columns",
    "read_hit": "kb.engine.index",
    # the PostgreSQL engine (kb.engine.postgres): a shared database instead of the folder
    "DatabaseUnavailable": "kb.engine.postgres.database",
    "NothingPublished": "kb.engine.postgres.database",
    "DatabaseIndex": "kb.engine.postgres.catalog",
    "engine_url": "kb.engine.postgres.database",
    "project_engine": "kb.engine.postgres",
    "publish_version": "kb.engine.postgres.publish",
    "published_version": "kb.engine.postgres.publish",
    "PublishLocked": "kb.engine.postgres.publish",
}

__all__ = ["WHOOSH_VERSION", "EngineVersionError", "check_whoosh_version", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kb.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
