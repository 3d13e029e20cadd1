"""Write the generated Markdown pages and static files into the docs folder (``build/docs``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from kb.site import document_page as dp
from kb.site import listing_pages as lp
from kb.site.context import SEARCH_FILE, SiteContext, doc_file, publisher_file, type_file
from kb.util.atomic_files import write_atomically

ASSETS = Path(__file__).parent / "assets"


def generate_pages(ctx: SiteContext) -> dict[str, str]:
    """Every Markdown page of the site: docs-relative path → content."""
    pages: dict[str, str] = {
        "index.md": lp.start_page(ctx),
        SEARCH_FILE: lp.search_page(ctx),
        "teman/index.md": lp.themes_page(ctx),
        "utgivare/index.md": lp.publishers_index(ctx),
        "typ/index.md": lp.types_index(ctx),
        "dok/index.md": lp.all_documents(ctx),
    }
    for publisher, docs in ctx.by_publisher().items():
        pages[publisher_file(publisher)] = lp.publisher_page(publisher, docs, ctx)
    for type_, docs in ctx.by_type().items():
        pages[type_file(type_)] = lp.type_page(type_, docs, ctx)
    for doc in ctx.documents:
        pages[doc_file(doc.id)] = dp.document_page(doc, ctx)
    return pages


def opensearch_xml(site_url: str, site_name: str) -> str:
    base = site_url if site_url.endswith("/") else site_url + "/"
    short = "Kunskapsbanken"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">\n'
        f"  <ShortName>{xml_escape(short)}</ShortName>\n"
        f"  <Description>{xml_escape(site_name)}</Description>\n"
        "  <InputEncoding>UTF-8</InputEncoding>\n"
        "  <Language>sv</Language>\n"
        f'  <Url type="text/html" method="get" template="{xml_escape(base)}sok/?q={{searchTerms}}"/>\n'
        f'  <Url type="application/json" method="get" template="{xml_escape(base)}api/search?q={{searchTerms}}"/>\n'
        '  <Url type="application/opensearchdescription+xml" rel="self" '
        f'template="{xml_escape(base)}opensearch.xml"/>\n'
        f"  <Image height=\"32\" width=\"32\" type=\"image/svg+xml\">{xml_escape(base)}assets/kb/icon.svg</Image>\n"
        "</OpenSearchDescription>\n"
    )


def docs_files(pages: dict[str, str], extra_files: dict[str, bytes | str]) -> dict[str, bytes]:
    """Every file of the docs folder: the pages, our static assets and ``extra_files``."""
    files = {rel: text.encode("utf-8") for rel, text in pages.items()}
    for asset in sorted(ASSETS.iterdir()):
        if asset.is_file():
            files[f"assets/kb/{asset.name}"] = asset.read_bytes()
    for rel, data in extra_files.items():
        files[rel] = data.encode("utf-8") if isinstance(data, str) else data
    return files


def write_docs(
    docs_dir: Path,
    files: dict[str, bytes],
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Make ``docs_dir`` hold exactly ``files``; returns how many files were (re)written.

    Files whose bytes are already there are left alone, and anything else in the folder is
    deleted, so a stale page of a removed document can never linger. A build killed half-way
    leaves a mixed folder that the next build puts right (it compares with the disk).
    """
    docs_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    total = len(files)
    for i, (rel, data) in enumerate(sorted(files.items())):
        path = docs_dir / rel
        try:
            same = path.stat().st_size == len(data) and path.read_bytes() == data
        except OSError:
            same = False
        if not same:
            # dot-prefixed: MkDocs ignores dot files, so a temporary file is never taken for a page
            write_atomically(path, data, hidden=True, parents=True)
            written += 1
        if progress and (i % 50 == 0 or i + 1 == total):
            progress("site pages", i + 1, total)
    wanted = set(files)
    for dirpath, _dirs, names in os.walk(docs_dir, topdown=False):
        for name in names:
            path = Path(dirpath) / name
            if path.relative_to(docs_dir).as_posix() not in wanted:
                path.unlink()
        if dirpath != str(docs_dir) and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return written
