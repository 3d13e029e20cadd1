"""``kb init DIR``: a knowledge base folder of one's own, with nothing of kb's code in it.

The folder holds what an organisation writes and edits: ``sources/``, ``mkdocs.yml`` (site
name, address with its sub-path, language) and ``kb.yml`` (API, query log, review age), plus a
short README and a ``.gitignore`` for what ``kb build`` makes. Theme, page templates and
scripts come from the installed package (``kb.site.mkdocs_config``), so upgrading kb never
conflicts with anything in the folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kb.config import DEFAULT_SITE_URL
from kb.ingest import accepted_formats

FILES = ("mkdocs.yml", "kb.yml", "README.md", ".gitignore")
LANGUAGES = ("sv", "en", "nb", "da", "fi", "de")


class InitError(ValueError):
    """The folder cannot be made a knowledge base as asked; the message says why."""


@dataclass(frozen=True)
class InitOptions:
    site_name: str = "Kunskapsbank"
    site_url: str = DEFAULT_SITE_URL
    language: str = "sv"
    description: str = ""
    cors_origins: tuple[str, ...] = ()
    publisher: str = ""  # kb.yml's default_publisher


def check_site_url(url: str) -> str:
    """``url`` with a trailing slash, or ``InitError`` when it is not an http(s) address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        example = "https://intranat.example.se/kunskapsbank/"
        raise InitError(f"site URL must be an http(s) address, e.g. {example}, not {url!r}")
    if parts.query or parts.fragment:
        raise InitError("site URL must not have a ?query or #fragment")
    return url if url.endswith("/") else url + "/"


def init_project(folder: Path, options: InitOptions = InitOptions()) -> list[Path]:
    """Write a new knowledge base into ``folder`` (made if missing); returns the paths written.

    Refuses a folder that already holds any of its files or a ``sources/`` folder: nothing an
    organisation wrote is ever overwritten.
    """
    folder = Path(folder)
    site_url = check_site_url(options.site_url)
    if options.language not in LANGUAGES:
        raise InitError(f"language must be one of {', '.join(LANGUAGES)}, not {options.language!r}")
    if folder.exists() and not folder.is_dir():
        raise InitError(f"{folder} exists and is not a folder")
    existing = [name for name in (*FILES, "sources") if (folder / name).exists()]
    if existing:
        raise InitError(f"{folder} already has {', '.join(existing)}: kb init never overwrites; choose an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources").mkdir()
    texts = {
        "mkdocs.yml": mkdocs_yml(options, site_url),
        "kb.yml": kb_yml(options),
        "README.md": readme(options, site_url),
        ".gitignore": "# Made by `kb build`: never edit, never commit.\n/build/\n/site/\n",
    }
    written = [folder / "sources"]
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written


def _yaml_str(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string


def mkdocs_yml(options: InitOptions, site_url: str) -> str:
    description = options.description or f"{options.site_name}: vägledning och stöd."
    return f"""\
# The site of this knowledge base, as MkDocs reads it. Theme, pages, navigation and search
# come from the installed kb package (upgrading kb never touches this file). Set:
#   site_url   where the site is served, with its sub-path (links, feed, OpenSearch)
#   language   of the site's interface (sv: Swedish)
# Other MkDocs settings written here override kb's defaults. Run `kb build` after a change.
site_name: {_yaml_str(options.site_name)}
site_url: {_yaml_str(site_url)}
site_description: {_yaml_str(description)}
theme:
  language: {options.language}
"""


def kb_yml(options: InitOptions) -> str:
    origins = "".join(f"\n    - {_yaml_str(o)}" for o in options.cors_origins) or " []"
    return f"""\
# kb's own settings for this knowledge base (the site's name and address are in mkdocs.yml).
# Every key is optional; an unknown key is an error. docs/cli.md in kb describes them.

# The publisher of every source whose manifest, sidecar or text names none (e.g. "Vaxholms stad").
{"default_publisher: " + _yaml_str(options.publisher) if options.publisher else "# default_publisher: Kommunen"}

# kb report lists documents not reviewed ("reviewed:" / "Senast granskad") for this many days.
review_age_days: 365

# The API counts searches (query text and counts only: no addresses, no times, no users) in
# build/queries.sqlite, for the searches `kb report` shows. false: nothing is counted.
query_log: true

api:
  # Web pages at these origins may call the API from the browser, e.g. https://intranat.example.se
  cors_origins:{origins}
  time_limit: 0.5        # seconds one search may spend collecting hits
  request_timeout: 2.0   # hard bound on one search response
  search_threads: 2      # searches computed at once per worker
  cache_size: 1024       # search responses kept per worker
  cache_max_age: 0       # Cache-Control max-age of API answers (0: revalidate)
"""


def readme(options: InitOptions, site_url: str) -> str:
    return f"""\
# {options.site_name}

En kunskapsbank byggd med kb. Mappen innehåller bara det ni själva skriver:

- `sources/` – dokumenten ({accepted_formats()}), gärna i undermappar;
- `mkdocs.yml` – webbplatsens namn, adress ({site_url}) och språk;
- `kb.yml` – sök-API, sökstatistik och granskningsintervall.

`build/` och `site/` skapas av `kb build` och ska inte redigeras eller checkas in.

```sh
kb ingest vägledning.pdf      # kopiera in ett dokument (eller lägg filerna i sources/)
kb build                      # läs in sources/, bygg index och webbplats
kb search "återbruk möbler"   # sök från terminalen
kb serve                      # webbplats och API på http://127.0.0.1:8000/
kb report                     # vad redaktörerna behöver se över
```

Drift bakom nginx under en undersökväg: se docs/deploy.md i kb.
"""
