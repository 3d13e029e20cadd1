"""What the live ``site/`` was built from, so the next ``kb build`` does only what changed.

``build/site-state.json`` records, for the site that is live:

- ``inputs``: a key over everything the site is made from (documents, index version, the
  ``kb`` code, ``mkdocs.yml``, ``overrides/``, theme and plugin versions). Same key and an
  intact site: nothing to do at all, not even generating pages.
- ``global``: a key over what every page depends on (configuration, theme and plugin
  versions, the set of pages and each page's front matter, i.e. titles and tags). A change
  there means a full MkDocs build.
- ``pages`` / ``statics``: a hash of every generated Markdown page and static file. With the
  same global key, only pages whose Markdown changed are rendered again.
- ``site``: size and modification time of every file of the site as it was swapped in, so a
  damaged site (a file deleted, truncated, replaced by hand) is noticed and rebuilt in full.

The state is written after the swap; a build killed in between leaves a state that no
longer matches the site, which only costs a full build next time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from kb.config import Project
from kb.model import Document
from kb.util.atomic_files import write_atomically
from kb.util.fingerprint import code_fingerprint

STATE_FILE = "site-state.json"
FORMAT = 1
# Distributions whose code shapes the HTML: a different version means a full build.
BUILD_DISTRIBUTIONS = ("mkdocs", "mkdocs-material", "markdown", "jinja2", "pymdown-extensions", "babel")


@dataclass
class SiteState:
    inputs: str = ""
    global_key: str = ""
    pages: dict[str, str] = field(default_factory=dict)
    statics: dict[str, str] = field(default_factory=dict)
    site: dict[str, list[int]] = field(default_factory=dict)
    pages_built: int = 0
    format: int = FORMAT


def state_path(project: Project) -> Path:
    return project.build / STATE_FILE


def load_state(project: Project) -> SiteState | None:
    try:
        data = json.loads(state_path(project).read_text(encoding="utf-8"))
        state = SiteState(**data)
    except (OSError, ValueError, TypeError):
        return None
    return state if state.format == FORMAT else None


def save_state(project: Project, state: SiteState) -> None:
    write_atomically(state_path(project), json.dumps(asdict(state), ensure_ascii=False), parents=True)


def site_snapshot(site_dir: Path) -> dict[str, list[int]]:
    """Site-relative path → [size, mtime_ns] of every file (hard links keep both)."""
    out: dict[str, list[int]] = {}
    for dirpath, _dirs, files in os.walk(site_dir):
        for name in files:
            path = os.path.join(dirpath, name)
            st = os.stat(path)
            out[os.path.relpath(path, site_dir)] = [st.st_size, st.st_mtime_ns]
    return out


def site_intact(site_dir: Path, state: SiteState | None) -> bool:
    return state is not None and bool(state.site) and site_dir.is_dir() and site_snapshot(site_dir) == state.site


def digest(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()[:32]


def _tree(h, root: Path) -> None:
    if not root.is_dir():
        return
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())


# The code that writes site files after the pages: our MkDocs driver, the 404 page's rewrite,
# the removal of unused theme files, the precompressed copies.


def config_key(project: Project) -> str:
    """The effective MkDocs configuration and its theme overrides, Python, theme and plugin
    versions, our MkDocs driver."""
    from kb.site.mkdocs_config import effective_config

    config = effective_config(project)
    h = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode())
    custom_dir = (config.get("theme") or {}).get("custom_dir")
    if custom_dir:
        _tree(h, Path(custom_dir))
    h.update(sys.version.encode())
    for dist in BUILD_DISTRIBUTIONS:
        try:
            h.update(f"{dist}={metadata.version(dist)};".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=;".encode())
    h.update(code_fingerprint().encode())
    return h.hexdigest()[:32]


def front_matter(page: str) -> str:
    """The YAML front matter of a generated page (title, tags), '' if it has none."""
    if not page.startswith("---\n"):
        return ""
    end = page.find("\n---\n", 4)
    return page[: end + 5] if end >= 0 else ""


def global_key(config: str, pages: dict[str, str]) -> str:
    h = hashlib.sha256(config.encode())
    for rel in sorted(pages):
        h.update(b"\0" + rel.encode() + b"\0" + front_matter(pages[rel]).encode())
    return h.hexdigest()[:32]


def inputs_key(config: str, documents: list[Document], index_dir: Path | None) -> str:
    """Everything ``build_site`` reads: equal keys give an identical site."""
    h = hashlib.sha256(config.encode())
    h.update(code_fingerprint().encode())
    if index_dir is not None and index_dir.exists():
        resolved = index_dir.resolve()
        h.update(str(resolved).encode())
        meta = resolved / "meta.json"
        h.update(meta.read_bytes() if meta.exists() else b"")
    else:
        h.update(b"no index")
    from kb.engine import document_json

    for doc in documents:
        h.update(document_json(doc).encode())
        h.update(b"\n")
    return h.hexdigest()[:32]
