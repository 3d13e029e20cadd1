"""The kb command through click's test runner: output, JSON, exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kb.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.slow
def test_search_prints_ranked_hits(default_kb):
    result = run("search", "återbruk möbler", "--root", str(default_kb.root), "--limit", "3")
    assert result.exit_code == 0
    assert "1. Affärsmodellinnovation för cirkulära möbelflöden" in result.output
    assert "/dok/seeds/" in result.output


def test_search_json_contract(default_kb):
    result = run("search", "kontorsmöbler", "--root", str(default_kb.root), "--json", "--tag", "cirkulär")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {"query", "total", "took_ms", "suggestion", "hits"} <= set(data)
    hit = data["hits"][0]
    assert hit["source"] == "seeds/004_2b01af607921aa6d.txt"
    assert hit["tags"] == ["cirkulär"]


def test_search_no_hits_exits_1(default_kb):
    result = run("search", "qqqqzzzz", "--root", str(default_kb.root))
    assert result.exit_code == 1
    assert "No hits" in result.output


def test_search_without_index_exits_3(tmp_path):
    (tmp_path / "sources").mkdir()
    result = run("search", "möbler", "--root", str(tmp_path))
    assert result.exit_code == 3
    assert "kb build" in result.output


def test_bad_limit_is_usage_error(default_kb):
    result = run("search", "möbler", "--root", str(default_kb.root), "--limit", "500")
    assert result.exit_code == 2


def test_build_without_sources_fails_clearly(tmp_path):
    result = run("build", "--root", str(tmp_path))
    assert result.exit_code != 0
    assert "sources/" in result.output


def test_ingest_adds_a_file_and_rejects_bad_ones(tmp_path):
    root = tmp_path / "kb"
    (root / "sources").mkdir(parents=True)
    good = tmp_path / "vägledning.md"
    good.write_text("# Vägledning om möbelåterbruk\n\nKontorsmöbler kan återbrukas.\n", encoding="utf-8")
    bad = tmp_path / "tom.txt"
    bad.write_bytes(b"")
    result = run("ingest", str(good), "--root", str(root), "--no-build")
    assert result.exit_code == 0, result.output
    assert (root / "sources" / "local" / "vägledning.md").exists()
    result = run("ingest", str(bad), "--root", str(root), "--no-build")
    assert result.exit_code == 4
    assert not (root / "sources" / "local" / "tom.txt").exists()
    result = run("build", "--root", str(root), "--no-site")
    assert result.exit_code == 0, result.output
    result = run("search", "kontorsmöbel", "--root", str(root), "--json")
    assert json.loads(result.output)["hits"][0]["title"] == "Vägledning om möbelåterbruk"


def test_eval_prints_figures(default_kb):
    from tests.conftest import DEV_JSON

    result = run("eval", str(DEV_JSON), "--root", str(default_kb.root), "--no-baseline", "--json")
    assert result.exit_code == 0
    figures = json.loads(result.output)["kb"]
    assert 0 <= figures["ndcg@10"] <= 1


def test_build_summarises_a_long_skip_list(tmp_path):
    """Thousands of skipped sources (a statute corpus) get a count per reason, not a screenful each build."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "riktlinje.md").write_text("# Riktlinje för möbelåterbruk\n\nKontorsmöbler återbrukas.\n", "utf-8")
    for i in range(25):
        (sources / f"sfs-{i:02}.md").write_text(f"---\nbeteckning: '2000:{i}'\nrubrik: Förordning {i}\n---\n", "utf-8")
    (sources / "tom.txt").write_bytes(b"")
    result = run("build", "--root", str(tmp_path), "--no-site", "--quiet")
    assert result.exit_code == 0, result.output
    listed = [line for line in result.output.splitlines() if line.startswith("  skipped ")]
    assert len(listed) == 20
    assert "... and 6 more. All 26 skipped by reason: metadata but no body: 25;" in result.output
    assert "--verbose" in result.output
    result = run("build", "--root", str(tmp_path), "--no-site", "--quiet", "--verbose")
    assert result.exit_code == 0, result.output
    listed = [line for line in result.output.splitlines() if line.startswith("  skipped ")]
    assert len(listed) == 26 and "... and" not in result.output
    assert any("tom.txt" in line for line in listed)
