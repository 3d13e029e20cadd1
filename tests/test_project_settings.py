"""kb.yml: what `kb init` writes is what the API and the report read; the environment overrides it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.api import ApiSettings
from kb.config import ConfigError, Project
from kb.init_project import InitOptions, init_project
from kb.project_settings import DEFAULT_REVIEW_AGE_DAYS, load_settings
from kb.site.mkdocs_config import effective_config


def test_init_settings_reach_the_api_and_the_site(tmp_path):
    options = InitOptions(site_name="Kommunens kunskapsbank", site_url="https://intranat.example.se/kunskapsbank",
                          cors_origins=("https://intranat.example.se/",))
    init_project(tmp_path / "kb", options)
    project = Project(tmp_path / "kb")
    settings = ApiSettings.for_project(project, {})
    assert settings.cors_origins == ("https://intranat.example.se",)
    assert settings.query_log is True and settings.time_limit == 0.5
    assert project.settings().review_age_days == DEFAULT_REVIEW_AGE_DAYS
    assert project.site_settings() == ("https://intranat.example.se/kunskapsbank/", "Kommunens kunskapsbank")
    env = ApiSettings.for_project(project, {"KB_CORS_ORIGINS": "https://a.example", "KB_QUERY_LOG": "0"})
    assert env.cors_origins == ("https://a.example",) and env.query_log is False

    config = effective_config(project)  # the package's theme and pages under the folder's own settings
    assert config["site_name"] == "Kommunens kunskapsbank"
    assert config["theme"]["name"] == "material" and config["theme"]["language"] == "sv"
    assert config["nav"] and config["docs_dir"] == str((project.root / "build" / "docs").resolve())
    overrides = Path(config["theme"]["custom_dir"])  # from the package, not the folder
    assert (overrides / "main.html").is_file() and project.root not in overrides.parents


@pytest.mark.parametrize(
    "text, message",
    [
        ("api:\n  time_limit: fast\n", "api.time_limit should be a number"),
        ("api:\n  colour: blue\n", "unknown setting api.colour"),
        ("api:\n  cors_origins: 5\n", "api.cors_origins should be a list"),
        ("query_log: maybe\n", "query_log should be true or false"),
        ("review_age_days: -3\n", "should not be negative"),
        ("- a\n- b\n", "name: value"),
    ],
)
def test_mistakes_in_kb_yml_are_named(tmp_path, text, message):
    (tmp_path / "kb.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_settings(tmp_path / "kb.yml")


def test_default_publisher_fills_sources_that_name_none_and_a_change_rereads_them(tmp_path) -> None:
    """kb.yml's default_publisher: below manifests and sidecars, and part of every source's
    metadata signature, so changing it is seen by the next (incremental) build."""
    from kb.config import Project
    from kb.indexing.build import build
    from kb.search import Searcher

    root = tmp_path / "kb"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "a.md").write_text("# Riktlinje\n\nKrav på återbrukade möbler.\n", encoding="utf-8")
    (root / "sources" / "b.md").write_text("# Policy\n\nMöbler ska återbrukas.\n", encoding="utf-8")
    (root / "sources" / "b.md.meta.yml").write_text("publisher: Region Stockholm\n", encoding="utf-8")
    (root / "kb.yml").write_text("default_publisher: Vaxholms stad\n", encoding="utf-8")
    project = Project(root)
    build(project, site=False)

    def publishers() -> dict[str, str]:
        hits = Searcher(project.index_root, "http://x/").search("möbler", limit=10).hits
        return {h.source: h.publisher for h in hits}

    assert publishers() == {"a.md": "Vaxholms stad", "b.md": "Region Stockholm"}
    (root / "kb.yml").write_text("default_publisher: Österåkers kommun\n", encoding="utf-8")
    report = build(project, site=False)
    assert "a.md" in report.ingested
    assert publishers() == {"a.md": "Österåkers kommun", "b.md": "Region Stockholm"}
