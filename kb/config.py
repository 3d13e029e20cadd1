"""Where things live, and the site settings kept in one place (``mkdocs.yml``).

Every stage takes a ``Project`` so tests can point it at a temporary folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_SITE_URL = "http://127.0.0.1:8000/"
DEFAULT_SITE_NAME = "Kunskapsbank för cirkulär och klimatsmart upphandling"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def sources(self) -> Path:
        return self.root / "sources"

    @property
    def build(self) -> Path:
        """Git-ignored working folder: document cache, generated Markdown, index versions."""
        return self.root / "build"

    @property
    def documents_cache(self) -> Path:
        return self.build / "documents"

    @property
    def index_root(self) -> Path:
        """Holds index versions; ``current`` (a symlink) names the one being served."""
        return self.build / "index"

    @property
    def index_dir(self) -> Path:
        return self.index_root / "current"

    @property
    def docs_dir(self) -> Path:
        """Generated Markdown pages that MkDocs builds into ``site/``."""
        return self.build / "docs"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / "mkdocs.yml"

    def site_settings(self) -> tuple[str, str]:
        """(site_url, site_name) from ``mkdocs.yml``: the one place an organisation sets them."""
        url, name = DEFAULT_SITE_URL, DEFAULT_SITE_NAME
        if self.mkdocs_yml.exists():
            import yaml  # here, not at the top: `kb build` with nothing to do never reads mkdocs.yml

            data = yaml.load(self.mkdocs_yml.read_text(encoding="utf-8"), Loader=_lenient_loader()) or {}
            url = data.get("site_url") or url
            name = data.get("site_name") or name
        return (url if url.endswith("/") else url + "/"), name


@cache
def _lenient_loader() -> type:
    """Safe YAML that tolerates MkDocs' ``!!python/name`` and ``!ENV`` tags by ignoring them."""
    import yaml

    class LenientLoader(yaml.SafeLoader):
        pass

    LenientLoader.add_multi_constructor("", lambda loader, suffix, node: None)
    return LenientLoader
