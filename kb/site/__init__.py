"""The knowledge base as a static MkDocs Material site (``site/``), built by ``kb build``.

``build_site`` generates Markdown pages from the normalized documents into ``build/docs``,
builds them with the top-level ``mkdocs.yml`` (``--strict``) into a folder next to ``site/``,
adds the static search index, and swaps the result into place atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from kb.config import Project
from kb.model import Document

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


def build_site(
    project: Project, documents: list[Document], progress: Progress | None = None, index_dir: Path | None = None
) -> int:
    """Build ``site/`` from ``documents``; returns the number of HTML pages built.

    ``index_dir`` is the index version to take "Se även" from (default: the current one).
    """
    import shutil

    from kb.site.context import SiteContext
    from kb.site.generate import generate_pages, opensearch_xml, write_docs
    from kb.site.publish import (
        clean_stale_staging,
        count_pages,
        mkdocs_build,
        staging_dir,
        swap_into_place,
    )
    from kb.site.related import related_documents
    from kb.site.static_search import static_search_files

    site_url, site_name = project.site_settings()
    documents = sorted(documents, key=lambda d: d.id)
    ctx = SiteContext(documents, site_url, site_name)
    ctx.related = related_documents(project, documents, site_url, progress=progress, index_dir=index_dir)
    pages = generate_pages(ctx)
    extra = {"opensearch.xml": opensearch_xml(site_url, site_name)}
    extra.update(static_search_files(documents, progress=progress, cache_dir=project.build))
    write_docs(project.docs_dir, pages, extra, progress=progress)
    if progress:
        progress("site html", 0, 1)
    clean_stale_staging(project)
    staging = staging_dir(project)
    try:
        mkdocs_build(project, staging)
        pages_built = count_pages(staging)
        swap_into_place(staging, project.site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if progress:
        progress("site html", 1, 1)
    return pages_built
