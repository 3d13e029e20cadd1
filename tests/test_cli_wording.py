"""Counts in CLI and report text are in the number their noun needs: "1 hit", "2 hits"."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from kb.cli import main
from kb.reports import format_table, make_report
from kb.util.wording import counted


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_counted():
    assert counted(1, "document") == "1 document"
    assert counted(0, "document") == "0 documents"
    assert counted(12345, "hit") == "12,345 hits"
    assert counted(1, "address", "addresses") == "1 address" and counted(2, "address", "addresses") == "2 addresses"


def test_one_document_one_section_one_hit(tmp_path):
    folder = tmp_path / "kb"
    assert run("init", folder).exit_code == 0
    source = tmp_path / "riktlinje.md"
    source.write_text("# Riktlinje för kvastfeningar\n\nKvastfeningar köps in gemensamt.\n", encoding="utf-8")
    ingest = run("ingest", source, "--root", folder)
    assert ingest.exit_code == 0, ingest.output
    assert "(1 section)" in ingest.output and "1 document, 1 section " in ingest.output
    search = run("search", "kvastfeningar", "--root", folder)
    assert search.exit_code == 0, search.output
    assert search.output.startswith("1 hit, showing 1–1")


def test_report_says_one_day(tmp_path):
    report = make_report([], tmp_path, tmp_path / "queries.sqlite", today=dt.date(2026, 1, 1), review_age_days=1)
    assert "reviewed more than 1 day ago" in format_table(report)
