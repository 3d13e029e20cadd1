"""``kb report``: the click command over ``kb.reports`` (registered in ``kb.cli``)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from kb.commands.errors import root_option
from kb.reports import SECTIONS


@click.command()
@root_option
@click.option(
    "--review-age",
    type=click.IntRange(0, 36500),
    default=None,
    help="List documents reviewed more than this many days ago (default: review_age_days in kb.yml, else 365).",
)
@click.option("--top", type=click.IntRange(1, 1000), default=20, show_default=True, help="Searches to list.")
@click.option(
    "--only",
    "only",
    type=click.Choice(SECTIONS),
    multiple=True,
    help="Only this part of the report (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--csv", "as_csv", is_flag=True, help="Print one CSV row per finding (section,item,title,source,detail,count)."
)
def report(
    root: str | None, review_age: int | None, top: int, only: tuple[str, ...], as_json: bool, as_csv: bool
) -> None:
    """What editors should look at: documents to review, searches, broken links.

    Reads the current index (run `kb build` first), the sources and the query log the API
    keeps (query text and counts only). Exit 0 whatever it finds.

    \b
    Examples:
      kb report
      kb report --review-age 180 --only review
      kb report --json > rapport.json
      kb report --csv --only searches > sokningar.csv
    """
    from kb.commands.errors import require_knowledge_base
    from kb.config import Project
    from kb.reports import format_table, make_report
    from kb.search import Searcher

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    project = Project(Path(root or ".").resolve())
    require_knowledge_base(project)
    settings = project.settings()
    documents = list(Searcher(project.index_root, project.site_settings()[0]).documents().values())
    result = make_report(
        documents,
        project.sources,
        project.query_log,
        review_age_days=settings.review_age_days if review_age is None else review_age,
        top=top,
        sections=only or SECTIONS,
        log_enabled=settings.query_log,
    )
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    elif as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=["section", "item", "title", "source", "detail", "count"])
        writer.writeheader()
        writer.writerows(result.rows())
    else:
        click.echo(format_table(result), nl=False)
