"""Bytes of the static search index that queries download, in headless Chromium.

Serves a built ``site/`` with Python's file server, runs each query on the search page in
static mode and adds up the gzip size (the ``.gz`` file ``kb build`` wrote beside each, as
nginx ``gzip_static`` sends it) of every file fetched from ``sok-index/``. Budget (issue 19):
300 KB for any two-word query, an unknown word included.

    .venv/bin/python benchmarks/static_search_bytes.py site/
    .venv/bin/python benchmarks/static_search_bytes.py site/ "återbruk möbler" kontorsmöbler
    .venv/bin/python benchmarks/static_search_bytes.py --no-feedback site/ "hur ställer man klimatkrav på möbler"

``--no-feedback``: without the question's feedback words (``KB.noFeedback``), to see what they add.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import quote_plus, unquote, urlsplit

QUERIES = [
    "återbruk möbler",
    "klimatkrav livsmedel",
    "upphandling lou",
    "direktupphandling tröskelvärde",
    "kontorsmöbler",
    "kontorsmöbler återbruk",
    "klimatkompensasion transporter",
    "xyzzyplugh upphandling",
    "cirkulär ekonomi",
    "uteslutning leverantörer",
]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def index_bytes(page, base: str, site: Path, query: str) -> tuple[int, int, int, int]:
    """(files, raw bytes, gzip bytes, hits) of ``sok-index/`` fetched for one query."""
    fetched: list[str] = []
    listener = lambda r: fetched.append(r.url) if "/sok-index/" in r.url else None  # noqa: E731
    page.on("response", listener)
    page.goto(base + "sok/?q=" + quote_plus(query))
    page.wait_for_selector("#kb-search[data-state=done]", timeout=30000)
    page.remove_listener("response", listener)
    raw = gz = 0
    for url in set(fetched):
        path = site / unquote(urlsplit(url).path).lstrip("/")
        raw += path.stat().st_size
        gz_path = path.with_name(path.name + ".gz")
        gz += gz_path.stat().st_size if gz_path.exists() else path.stat().st_size
    return len(set(fetched)), raw, gz, page.locator(".kb-hit").count()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path, help="a built site/ folder")
    parser.add_argument("queries", nargs="*", help="queries (default: a fixed list)")
    parser.add_argument("--no-feedback", action="store_true", help="questions not expanded by feedback")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from playwright.sync_api import sync_playwright
    from site_support import serve

    with serve(args.site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        print(f"{'query':36} {'files':>5} {'raw KB':>8} {'gzip KB':>8} {'hits':>5}")
        for q in args.queries or QUERIES:
            page = browser.new_context().new_page()  # a fresh cache per query
            if args.no_feedback:
                page.add_init_script("window.KB = { noFeedback: true };")
            files, raw, gz, hits = index_bytes(page, base, args.site, q)
            print(f"{q:36} {files:5d} {raw / 1000:8.1f} {gz / 1000:8.1f} {hits:5d}")
            page.context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
