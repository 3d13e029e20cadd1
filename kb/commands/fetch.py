"""``kb fetch``: a thin click layer over ``kb.fetch.run.fetch_sources``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kb.commands.errors import EXIT_BUILD, root_option
from kb.util.wording import counted


@click.command("fetch")
@root_option
@click.option(
    "--delay", type=click.FloatRange(0, 600), default=1.0, show_default=True, help="Seconds between requests to a host."
)
@click.option(
    "--timeout", type=click.FloatRange(0.1, 600), default=20.0, show_default=True, help="Seconds to wait for an answer."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per address instead of a table.")
def fetch(root: str | None, delay: float, timeout: float, as_json: bool) -> None:
    """Download the pages listed in sources/**/FETCH.tsv into sources/ (only what changed).

    Each copy gets a sidecar with its url and fetch date. A failed address is reported and its
    previous copy kept. Size limit: KB_MAX_SOURCE_MB (default 5). Run `kb build` afterwards.

    \b
    A list, e.g. sources/kommun/FETCH.tsv (tab-separated, header first):
      url                                                   publisher
      https://www.upphandlingsmyndigheten.se/hallbarhet/    Upphandlingsmyndigheten

    \b
    Examples:
      kb fetch                      download what changed, then run `kb build`
      kb fetch --delay 5 --json     slower, one JSON object per address
    """
    from kb.commands.errors import require_knowledge_base
    from kb.config import Project
    from kb.fetch.client import PoliteClient
    from kb.fetch.lists import find_lists
    from kb.fetch.run import fetch_sources
    from kb.ingest.limits import max_source_bytes

    project = Project(Path(root or ".").resolve())
    require_knowledge_base(project)
    if not find_lists(project.sources):
        click.echo("Nothing to fetch: no FETCH.tsv under sources/. List addresses in one, e.g.", err=True)
        click.echo("sources/webb/FETCH.tsv: a header row 'url', then one address a line (docs/sources.md).", err=True)
        return
    with PoliteClient(delay=delay, timeout=timeout, max_bytes=max_source_bytes()) as client:
        report = fetch_sources(project.sources, client)
    if as_json:
        click.echo(json.dumps([o.to_json() for o in report.outcomes], ensure_ascii=False, indent=1))
    else:
        for o in report.outcomes:
            if o.status == "failed":
                kept = f" (kept sources/{o.rel})" if o.rel else ""
                click.echo(f"failed     {o.url or o.listed}: {o.reason}{kept} [{o.listed}]", err=True)
            else:
                click.echo(f"{o.status:<10} sources/{o.rel}  <- {o.url}")
        counts = ", ".join(f"{report.count(s)} {s}" for s in ("new", "updated", "unchanged", "failed"))
        changed = report.count("new") + report.count("updated")
        hint = " Run `kb build` to index them." if changed else ""
        n = len(report.outcomes)
        click.echo(f"{counted(n, 'address', 'addresses')}: {counts}.{hint}")
    if report.failed:
        sys.exit(EXIT_BUILD)  # as `kb ingest`: something given could not be done
