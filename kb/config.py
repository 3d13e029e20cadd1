"""Where things live, and the settings of a knowledge base folder.

Every stage takes a ``Project`` so tests can point it at a temporary folder. The site's name,
address and language are in ``mkdocs.yml`` (where MkDocs users look for them); kb's own
settings (API, query log, review age) in ``kb.yml`` beside it
(``kb.project_settings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.project_settings import ConfigError, load_yaml  # noqa: F401 - part of the config's interface

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

    @property
    def kb_yml(self) -> Path:
        return self.root / "kb.yml"

    @property
    def query_log(self) -> Path:
        """Aggregated searches the API saw (``kb.api.query_log``): text and counts only."""
        return self.build / "queries.sqlite"

    def site_settings(self) -> tuple[str, str]:
        """(site_url, site_name) from ``mkdocs.yml``: the one place an organisation sets them."""
        url, name = DEFAULT_SITE_URL, DEFAULT_SITE_NAME
        if self.mkdocs_yml.exists():
            data = load_yaml(self.mkdocs_yml)
            url = str(data.get("site_url") or url)
            name = str(data.get("site_name") or name)
        return (url if url.endswith("/") else url + "/"), name

    def settings(self):
        """kb's own settings from ``kb.yml`` (defaults when there is none)."""
        from kb.project_settings import load_settings  # noqa: PLC0415

        return load_settings(self.kb_yml)

    def source_defaults(self) -> dict[str, str]:
        """Metadata every source has unless its manifest, sidecar or text says otherwise (kb.yml)."""
        if not self.kb_yml.is_file():  # no YAML to read: a build with nothing to do stays fast
            return {}
        publisher = self.settings().default_publisher
        return {"publisher": publisher} if publisher else {}
