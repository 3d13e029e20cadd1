"""Run MkDocs for ``kb build``: the whole site, or only some pages (``python -m kb.site.mkdocs_run``).

A partial build renders the listed pages with MkDocs' own dirty mode and takes every other
page's HTML, as a hard link, from the previous site. That gives the same files as a full build
because, in this site, a page's HTML depends only on its own Markdown and on what is global
(configuration, theme, the set of pages and their front matter); the caller builds fully when a
global input changed. Two files collect every page and are merged here in page order, exactly
as a full build writes them: Material's ``search/search_index.json`` and the tags plugin's
``tags.json``. Theme assets, static files and the templates (404, sitemap) are always written.

MkDocs never writes into the previous site: the output folder starts empty and only receives
new files or new links, so the live ``site/`` stays intact whatever happens to this process.

Exit status: 0 built, 1 MkDocs failed (messages on stderr), 3 the previous site lacks a page.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

EXIT_FAILED = 1
EXIT_PREVIOUS_INCOMPLETE = 3
SEARCH_INDEX = "search/search_index.json"
TAGS_FILE = "tags.json"


class PreviousIncomplete(Exception):
    """The previous site lacks a file a partial build needs: build everything instead."""


class _DirtyNotice(logging.Filter):
    """Drop MkDocs' "dirty build" warning: the partial build is exact, and --strict would count it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def _partial_plugin(only: set[str], previous: Path):
    from mkdocs.plugins import BasePlugin, event_priority

    class PartialBuild(BasePlugin):
        """Marks the pages to render, then links the others in and merges the site-wide files."""

        def on_files(self, files, config):
            for file in files.documentation_pages():
                if file.src_uri not in only:
                    file.is_modified = _false
            self.files = files
            return files

        @event_priority(100)  # before the search plugin writes its index
        def on_post_build(self, config):
            pages = [f.page for f in self.files.documentation_pages() if f.page is not None]
            site = Path(config.site_dir)
            for page in pages:
                if page.file.src_uri not in only:
                    _link(previous / page.file.dest_uri, site / page.file.dest_uri)
            search = config.plugins.get("material/search") or config.plugins.get("search")
            if search is not None and getattr(search, "search_index", None) is not None:
                old = _read_json(previous / SEARCH_INDEX)["docs"]
                search.search_index.entries = _merge(pages, only, old, search.search_index.entries, _entry_url)
            tags = site / TAGS_FILE
            if tags.exists():
                old = _read_json(previous / TAGS_FILE)["mappings"]
                new = json.loads(tags.read_text(encoding="utf-8"))["mappings"]
                merged = _merge(pages, only, old, new, lambda m: m["item"]["url"])
                with open(tags, "w", encoding="utf-8") as f:  # as the tags plugin writes it
                    json.dump({"mappings": merged}, f)

    return PartialBuild()


def _false() -> bool:
    return False


def _entry_url(entry: dict) -> str:
    return entry["location"].split("#", 1)[0]


def _merge(pages, only: set[str], old: list, new: list, url_of) -> list:
    """Per page in build order: its fresh entries if it was rendered, else its previous ones."""
    by_url: dict[str, list] = {}
    for item in old:
        by_url.setdefault(url_of(item), []).append(item)
    fresh: dict[str, list] = {}
    for item in new:
        fresh.setdefault(url_of(item), []).append(item)
    out: list = []
    for page in pages:
        out += fresh.get(page.url, []) if page.file.src_uri in only else by_url.get(page.url, [])
    return out


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PreviousIncomplete(f"{path}: {e}") from None


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except FileNotFoundError:
        raise PreviousIncomplete(f"{src} is missing") from None


def run(config_file: Path, site_dir: Path, strict: bool, only: set[str] | None, previous: Path | None) -> None:
    """Build into ``site_dir`` (which must not exist or be empty); raises on any MkDocs error."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    dirty = only is not None
    cfg = load_config(str(config_file), site_dir=str(site_dir), strict=strict)
    if dirty:
        assert previous is not None
        cfg.plugins["kb/partial"] = _partial_plugin(only, previous)
    cfg.plugins.on_startup(command="build", dirty=False)
    try:
        build(cfg, dirty=dirty)
    finally:
        cfg.plugins.on_shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb.site.mkdocs_run", description=__doc__.split("\n")[0])
    parser.add_argument("--config-file", required=True, type=Path)
    parser.add_argument("--site-dir", required=True, type=Path)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--only", help="'-': read a JSON list of docs-relative Markdown paths to render from stdin")
    parser.add_argument("--previous", type=Path, help="the previous site, for every other page")
    args = parser.parse_args(argv)
    if (args.only is None) != (args.previous is None) or args.only not in (None, "-"):
        parser.error("use --only - (the page list on stdin) together with --previous")

    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.WARNING)  # warnings must reach the strict-mode counter
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logging.getLogger("mkdocs.commands.build").addFilter(_DirtyNotice())

    only = set(json.loads(sys.stdin.read())) if args.only == "-" else None
    try:
        run(args.config_file, args.site_dir, args.strict, only, args.previous)
    except PreviousIncomplete as e:
        print(f"partial build impossible: {e}", file=sys.stderr)
        return EXIT_PREVIOUS_INCOMPLETE
    except Exception as e:  # noqa: BLE001 - reported to the parent, which raises SiteBuildError
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
