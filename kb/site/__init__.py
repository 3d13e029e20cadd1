"""The knowledge base as a static MkDocs Material site (``site/``), built by ``kb build``.

``build_site`` generates Markdown pages from the normalized documents into ``build/docs``,
builds them with the top-level ``mkdocs.yml`` (``--strict``) into a folder next to ``site/``,
adds the static search index, and swaps the result into place atomically. Only what changed
is redone: nothing when no input changed, only the changed pages when the navigation did not
(``kb.site.incremental``, ``kb.site.mkdocs_run``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from kb.config import Project
from kb.model import Document
from kb.util.processes import cyclic_gc_paused

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

# Seconds per stage of the last ``build_site`` call in this process (for benchmarks.site_incremental).
last_timings: dict[str, dict[str, float]] = {}


@cyclic_gc_paused()
def build_site(
    project: Project,
    documents: list[Document],
    progress: Progress | None = None,
    index_dir: Path | None = None,
    full: bool = False,
    background_cleanup: bool = True,
) -> int:
    """Build ``site/`` from ``documents``; returns the number of HTML pages in it.

    ``index_dir`` is the index version to take "Se även" from (default: the current one).
    Only what changed is redone (see ``kb.site.incremental``): nothing when no input changed,
    only the pages whose Markdown changed when the navigation did not; ``full`` forces a
    complete MkDocs build. ``background_cleanup``: delete the replaced site in a detached
    process (see ``kb.site.publish.swap_into_place``). Runs with the cyclic garbage collector
    paused (``kb.util.processes.cyclic_gc_paused``): the pages, search index and caches are many
    objects and no cycles, and its collections took ~8% of a one-change build.
    """
    import shutil

    from kb.engine import current_version_dir
    from kb.site import incremental as inc
    from kb.site.compress import precompress
    from kb.site.context import SiteContext
    from kb.site.feed import FEED_FILE, feed_file
    from kb.site.generate import docs_files, generate_pages, opensearch_xml, write_docs
    from kb.site.not_found import fix_not_found_page
    from kb.site.originals import original_files
    from kb.site.publish import (
        PreviousSiteIncomplete,
        clean_stale_staging,
        count_pages,
        mkdocs_build,
        staging_dir,
        swap_into_place,
    )
    from kb.site.related import related_documents
    from kb.site.static_index import INDEX_DIR
    from kb.site.static_layout import API_MARKER, api_marker
    from kb.site.static_search import static_search_files
    from kb.site.theme_trim import remove_unused_theme_files

    timer = _Timer()
    last_timings.clear()
    last_timings["laps"] = timer.laps
    site_url, site_name = project.site_settings()
    documents = sorted(documents, key=lambda d: d.id)
    config = inc.config_key(project)
    inputs = inc.inputs_key(config, documents, index_dir or current_version_dir(project.index_root))
    state = inc.load_state(project)
    intact = inc.site_intact(project.site_dir, state)
    timer.lap("check")
    if not full and intact and state.inputs == inputs:
        log.info("site: no input changed, site/ kept (%s)", timer)
        _done(progress)
        return state.pages_built

    # Sequential on purpose: making the search index in a forked child while "Se även" ran
    # here was slower on the 2-core build machine (related 3 s alone, 10-12 s next to the child).
    ctx = SiteContext(documents, site_url, site_name)
    ctx.related = related_documents(project, documents, site_url, progress=progress, index_dir=index_dir)
    timer.lap("related")
    pages = generate_pages(ctx)
    timer.lap("pages")
    extra = {
        "opensearch.xml": opensearch_xml(site_url, site_name),
        FEED_FILE: feed_file(project, documents, site_url, site_name),
    }
    extra.update(static_search_files(documents, progress=progress, cache_dir=project.build))
    extra.update(original_files(project.sources, documents))
    extra[f"{INDEX_DIR}/{API_MARKER}"] = api_marker(False)
    timer.lap("static search")
    files = docs_files(pages, extra)
    write_docs(project.docs_dir, files, progress=progress)
    timer.lap("write")

    new_state = inc.SiteState(
        inputs=inputs,
        global_key=inc.global_key(config, pages),
        pages={rel: inc.digest(files[rel]) for rel in pages},
        statics={rel: inc.digest(data) for rel, data in files.items() if rel not in pages},
    )
    only: list[str] | None = None
    if not full and intact and state.global_key == new_state.global_key and state.pages.keys() == pages.keys():
        only = sorted(rel for rel, h in new_state.pages.items() if state.pages[rel] != h)
        if not only and state.statics == new_state.statics:
            new_state.site, new_state.pages_built = state.site, state.pages_built
            inc.save_state(project, new_state)
            log.info("site: no page changed, site/ kept (%s)", timer)
            _done(progress)
            return state.pages_built

    if progress:
        progress("site html", 0, 1)
    clean_stale_staging(project)
    staging = staging_dir(project)
    try:
        if only is not None:
            try:
                mkdocs_build(project, staging, only=only, previous=project.site_dir)
            except PreviousSiteIncomplete as e:
                log.warning("site: rebuilding every page (%s)", e)
                shutil.rmtree(staging, ignore_errors=True)
                only = None
        if only is None:
            mkdocs_build(project, staging)
        timer.lap(f"mkdocs ({'all pages' if only is None else f'{len(only)} pages'})")
        fix_not_found_page(staging, site_url)
        remove_unused_theme_files(staging)
        precompress(staging, previous=project.site_dir if only is not None else None)
        timer.lap("gzip")
        new_state.pages_built = count_pages(staging)
        new_state.site = inc.site_snapshot(staging)
        swap_into_place(staging, project.site_dir, background_cleanup=background_cleanup)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    inc.save_state(project, new_state)
    timer.lap("swap")
    log.info("site: %s", timer)
    _done(progress)
    return new_state.pages_built


def _done(progress: Progress | None) -> None:
    if progress:
        progress("site html", 1, 1)


class _Timer:
    """Seconds per stage of a site build, for the log and the benchmark."""

    def __init__(self) -> None:
        import time

        self._clock = time.perf_counter
        self._last = self._clock()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = self._clock()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now

    def __str__(self) -> str:
        return ", ".join(f"{k} {v:.2f} s" for k, v in self.laps.items())
