"""The MkDocs configuration a build runs with: the package's defaults under the project's ``mkdocs.yml``.

A knowledge base folder made by ``kb init`` holds only what an organisation sets (site name,
address, description, language). Everything else MkDocs needs (theme, its overrides, plugins,
the generated navigation, kb's CSS and scripts) comes from the installed package, so upgrading
kb never touches a file the organisation edited. The repository's own ``mkdocs.yml`` is that
default: in a checkout it is read where it is, in an installed package from the copy that
``setup.py`` puts in ``kb/site/defaults/``.

Merging is per key, one level deep for ``theme`` and ``extra``: a project that sets
``theme: {language: sv}`` keeps the default theme name, features and overrides. The merged
file is written to ``build/mkdocs.yml`` with absolute paths (``docs_dir``, ``custom_dir``), so
MkDocs can run from anywhere.
"""

from __future__ import annotations

from pathlib import Path

from kb.config import Project, load_yaml
from kb.util.atomic_files import write_atomically

PACKAGE = Path(__file__).resolve().parents[1]
MERGED_KEYS = ("theme", "extra")
EFFECTIVE_NAME = "mkdocs.yml"


def defaults_dir() -> Path:
    """Folder holding the default ``mkdocs.yml`` and ``overrides/``: the checkout, else package data."""
    packaged = PACKAGE / "site" / "defaults"
    if (packaged / "mkdocs.yml").is_file():
        return packaged
    return PACKAGE.parent


def effective_config(project: Project) -> dict:
    """The merged configuration (a plain dict, paths absolute)."""
    base_dir = defaults_dir()
    base = load_yaml(base_dir / "mkdocs.yml")
    own = load_yaml(project.mkdocs_yml) if project.mkdocs_yml.is_file() else {}
    config = dict(base)
    for key, value in own.items():
        if key in MERGED_KEYS and isinstance(value, dict) and isinstance(base.get(key), dict):
            config[key] = {**base[key], **value}
        elif value is not None:
            config[key] = value
    theme = dict(config.get("theme") or {})
    own_theme = own.get("theme") if isinstance(own.get("theme"), dict) else {}
    if own_theme.get("custom_dir"):
        theme["custom_dir"] = str((project.root / own_theme["custom_dir"]).resolve())
    elif theme.get("custom_dir"):
        theme["custom_dir"] = str((base_dir / theme["custom_dir"]).resolve())
    config["theme"] = theme
    config["docs_dir"] = str(project.docs_dir.resolve())
    return config


def write_effective_config(project: Project) -> Path:
    """``build/mkdocs.yml`` for this build (rewritten only when it changed)."""
    import yaml

    path = project.build / EFFECTIVE_NAME
    text = (
        "# Written by kb build from the package defaults and ../mkdocs.yml: edit ../mkdocs.yml instead.\n"
        + yaml.safe_dump(effective_config(project), allow_unicode=True, sort_keys=False)
    )
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomically(path, text, parents=True)
    return path
