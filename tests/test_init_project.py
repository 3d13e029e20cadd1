"""A knowledge base of one's own, as the issue checks it: `kb init` in a folder outside the code
checkout, two files added, `kb build`, `kb search`, `kb serve`, and the checkout stays clean."""

from __future__ import annotations

import json
import urllib.request

import pytest
from click.testing import CliRunner
from deploy_support import git_status, kb_serve, make_own_kb
from site_support import REPO

from kb.api.query_log import read_counts
from kb.cli import main
from kb.config import Project

pytestmark = pytest.mark.slow


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_own_knowledge_base_outside_the_checkout(tmp_path, monkeypatch):
    assert REPO not in tmp_path.parents
    before = git_status()
    folder = make_own_kb(tmp_path / "kunskapsbank", "http://127.0.0.1:8000/kunskapsbank/")
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "README.md", "kb.yml", "mkdocs.yml", "sources"]
    assert not any(p.suffix in (".py", ".html", ".js", ".css") for p in folder.rglob("*"))  # nothing of the code

    monkeypatch.chdir(folder)  # every command works inside the folder, without --root
    build = run("build")
    assert build.exit_code == 0, build.output
    assert "Sources: 2 ingested" in build.output
    search = run("search", "återbruk möbler", "--json")
    assert search.exit_code == 0, search.output
    first = json.loads(search.output)["hits"][0]
    assert first["title"] == "Riktlinje för återbruk av möbler"
    assert first["url"].startswith("http://127.0.0.1:8000/kunskapsbank/dok/")

    index = (folder / "site" / "index.html").read_text(encoding="utf-8")
    assert "Exempelkommunens kunskapsbank" in index and 'lang="sv"' in index
    assert (folder / "site" / "feed.xml").is_file() and "feed.xml" in index
    report = run("report", "--json", "--review-age", "36500")
    assert report.exit_code == 0 and json.loads(report.output)["review"] == [
        {"doc_id": "klimatkrav", "title": "Klimatkrav i byggupphandling", "source": "klimatkrav.txt",
         "reviewed": "", "age_days": None}
    ]

    with kb_serve(folder) as (base, _):
        health = json.load(urllib.request.urlopen(base + "api/health"))
        assert health["documents"] == 2 and health["site"] is True
        answer = json.load(urllib.request.urlopen(base + "api/search?q=klimatdeklaration"))
        assert answer["hits"][0]["doc_id"] == "klimatkrav"
        assert "Exempelkommunens kunskapsbank" in urllib.request.urlopen(base).read().decode()
    assert [q.query for q in read_counts(Project(folder).query_log)] == [
        "klimatdeklaration"
    ]
    assert git_status() == before
