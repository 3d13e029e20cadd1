"""Every case of issue 20's list gets its own exit code and a message, never a traceback."""

from __future__ import annotations

import errno
import json
import socket

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.commands.errors import EXIT_NO_HITS, EXIT_NOT_A_KB, EXIT_PERMISSION, EXIT_SERVER, EXIT_USAGE


def run(*args):
    return CliRunner().invoke(main, list(args))


def assert_clean(result, code: int, *words: str):
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for word in words:
        assert word in result.output


def test_every_command_has_examples_in_its_help():
    for name in main.commands:
        result = run(name, "--help")
        assert result.exit_code == 0
        assert "Examples:" in result.output, name


def test_missing_sources_is_not_a_knowledge_base(tmp_path):
    for command in (["build"], ["report"]):
        assert_clean(run(*command, "--root", str(tmp_path)), EXIT_NOT_A_KB, "sources/", "kb init")


def test_empty_query_is_a_usage_error(default_kb):
    for query in ("", "   "):
        assert_clean(run("search", query, "--root", str(default_kb.root)), EXIT_USAGE, "återbruk möbler")


def test_an_over_long_query_is_refused_as_in_the_api(default_kb):
    from kb.search import MAX_QUERY_CHARS

    query = "återbruk möbler klimatkrav " * 200
    result = run("search", query, "--root", str(default_kb.root))
    assert_clean(result, EXIT_USAGE, f"at most {MAX_QUERY_CHARS} characters")
    assert "Did you mean" not in result.output


def test_filters_ignore_case_and_diacritics(default_kb):
    result = run("search", "möbler", "--root", str(default_kb.root), "--tag", "CIRKULAR", "--type", "Projekt", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    assert hits and all("cirkulär" in h["tags"] and h["type"] == "projekt" for h in hits)


def test_unknown_filter_value_says_so_and_lists_the_values(default_kb):
    result = run("search", "möbler", "--root", str(default_kb.root), "--type", "broschyr")
    assert_clean(result, EXIT_NO_HITS, "--type", "broschyr", "matches no section", "projekt", "författning")


def test_filters_that_exist_but_find_nothing_are_named(default_kb):
    result = run("search", "qqqqzzzz", "--root", str(default_kb.root), "--type", "projekt")
    assert_clean(result, EXIT_NO_HITS, "No hits", "--type 'projekt'")


def test_read_only_build_folder_is_a_permission_error(tmp_path, monkeypatch):
    (tmp_path / "sources").mkdir()

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "build" / ".lock"))

    monkeypatch.setattr("kb.indexing.build.build", read_only)
    result = run("build", "--root", str(tmp_path), "--no-site")
    assert_clean(result, EXIT_PERMISSION, "read-only", "build/.lock", "Nothing already built was changed")


def test_busy_port_has_its_own_code(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run("serve", "--port", str(port), "--root", str(tmp_path))
    assert_clean(result, EXIT_SERVER, f"port {port}", "already in use")


def test_bad_kb_yml_names_the_key(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "kb.yml").write_text("review_age_days: soon\n", encoding="utf-8")
    assert_clean(run("report", "--root", str(tmp_path)), EXIT_NOT_A_KB, "review_age_days", "whole number")
    (tmp_path / "kb.yml").write_text("colour: blue\n", encoding="utf-8")
    assert_clean(run("report", "--root", str(tmp_path)), EXIT_NOT_A_KB, "unknown setting 'colour'")
    (tmp_path / "kb.yml").write_text("api: [1\n", encoding="utf-8")
    assert_clean(run("report", "--root", str(tmp_path)), EXIT_NOT_A_KB, "not valid YAML")


@pytest.mark.parametrize("url", ["intranat.example.se", "ftp://x/", "https://x/?a=1"])
def test_init_refuses_a_bad_site_url(tmp_path, url):
    assert_clean(run("init", str(tmp_path / "kb"), "--site-url", url), EXIT_USAGE, "site URL")
    assert not (tmp_path / "kb").exists()


def test_init_never_overwrites(tmp_path):
    assert run("init", str(tmp_path / "kb")).exit_code == 0
    (tmp_path / "kb" / "mkdocs.yml").write_text("site_name: Vår egen\n", encoding="utf-8")
    assert_clean(run("init", str(tmp_path / "kb")), EXIT_USAGE, "never overwrites")
    assert (tmp_path / "kb" / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: Vår egen\n"


def test_library_reports_the_unknown_filter_with_the_values_that_exist(default_searcher):
    result = default_searcher.search("upphandling", publisher="Ingen sådan utgivare")
    assert result.total == 0 and result.hits == []
    unknown = result.unknown_filter
    assert unknown.parameter == "publisher" and "IVL Svenska Miljöinstitutet" in unknown.known
    assert default_searcher.search("upphandling", publisher="ivl svenska miljoinstitutet").hits


def test_unknown_filter_in_json_output(default_kb):
    result = CliRunner().invoke(main, ["search", "möbler", "--root", str(default_kb.root), "--tag", "okänd", "--json"])
    assert result.exit_code == EXIT_NO_HITS
    data = json.loads(result.stdout)
    assert data["hits"] == [] and data["unknown_filter"]["parameter"] == "tag"
    assert "cirkulär" in data["unknown_filter"]["known"]


def test_preparing_the_lexicon_is_announced(monkeypatch, caplog):
    """The first command on a machine builds the word lists (~15 s): it says so instead of sitting silent."""
    from kb.analysis import lexicon

    monkeypatch.setattr(lexicon, "loaded_lexicons", {})  # this process has none yet
    monkeypatch.setattr(lexicon, "load_compact_lexicon", lambda folded=False: None)  # and no cache on disk
    monkeypatch.setattr(lexicon, "write_compact_lexicon", lambda: False)
    monkeypatch.setattr(lexicon, "build_lexicon", lambda folded: "built")
    with caplog.at_level("WARNING", logger="kb.analysis.lexicon"):
        assert lexicon.get_lexicon() == "built"
        assert lexicon.get_lexicon() == "built"  # once per process
    messages = [r.getMessage() for r in caplog.records if r.name == "kb.analysis.lexicon"]
    assert len(messages) == 1 and "Preparing the Swedish word lists" in messages[0]


def test_report_before_the_first_build_is_no_index(tmp_path):
    (tmp_path / "sources").mkdir()
    assert_clean(run("report", "--root", str(tmp_path)), 3, "kb build")
