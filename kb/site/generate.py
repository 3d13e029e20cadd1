"""Write the generated Markdown pages and static files into the docs folder (``build/docs``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from kb.site import document_page as dp
from kb.site import listing_pages as lp
from kb.site.context import SEARCH_FILE, SiteContext, doc_file, publisher_file, type_file

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


def write_docs(
    docs_dir: Path,
    pages: dict[str, str],
    extra_files: dict[str, bytes | str],
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Replace ``docs_dir`` with exactly these pages, the static assets and ``extra_files``.

    Written into a fresh folder next to it and renamed into place, so a stale page of a
    removed document can never linger.
    """
    tmp = docs_dir.with_name(docs_dir.name + f".tmp{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    total = len(pages)
    for i, (rel, text) in enumerate(sorted(pages.items())):
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if progress and (i % 50 == 0 or i + 1 == total):
            progress("site pages", i + 1, total)
    shutil.copytree(ASSETS, tmp / "assets" / "kb")
    for rel, data in extra_files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    old = docs_dir.with_name(docs_dir.name + f".old{os.getpid()}")
    if docs_dir.exists():
        docs_dir.rename(old)
    tmp.rename(docs_dir)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
