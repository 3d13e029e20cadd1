"""``kb sources``: a thin click layer over ``kb.ingest.catalog``."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import click

from kb.commands.errors import root_option
from kb.util.wording import counted

COLUMNS = (("source", 44), ("title", 44), ("type", 18), ("publisher", 24), ("date", 10), ("tags", 30))


@click.command("sources")
@root_option
@click.option("--skipped", "only_skipped", is_flag=True, help="Only the files that are not indexed, with reasons.")
@click.option("--json", "as_json", is_flag=True, help="Print documents, skipped files and counts as JSON.")
def sources(root: str | None, only_skipped: bool, as_json: bool) -> None:
    """List the documents in sources/ with their metadata, and the files not indexed, with why.

    Shows what the next `kb build` indexes (it reads sources/ the same way).

    \b
    Examples:
      kb sources
      kb sources --skipped
      kb sources --json | jq '.documents[] | select(.meta.publisher == "Upphandlingsmyndigheten")'
    """
    from kb.commands.errors import require_knowledge_base
    from kb.config import Project
    from kb.indexing.build import cached_documents
    from kb.ingest.catalog import SHOWN_KEYS, catalog

    project = Project(Path(root or ".").resolve())
    require_knowledge_base(project)
    result = catalog(project.sources, partial(cached_documents, project))
    if as_json:
        data = result.to_json()
        if only_skipped:
            del data["documents"]
        click.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))
        return
    if not only_skipped:
        click.echo("  ".join(name.upper().ljust(width) for name, width in COLUMNS).rstrip())
        for doc in result.documents:
            values = [doc.source, doc.title, *(str(doc.meta.get(k) or "-") for k in SHOWN_KEYS), ", ".join(doc.tags)]
            click.echo("  ".join(_cell(v, w) for v, (_, w) in zip(values, COLUMNS, strict=True)).rstrip())
        files = len({d.source for d in result.documents})
        click.echo(f"{counted(len(result.documents), 'document')} from {counted(files, 'file')}.")
    if result.skipped:
        click.echo(f"\nNot indexed: {counted(len(result.skipped), 'file')}.")
        for rel, reason in result.skipped:
            click.echo(f"  {rel}: {reason}")
        click.echo("By reason: " + "; ".join(f"{reason}: {n}" for reason, n in result.skipped_by_reason()))
    elif only_skipped:
        click.echo("Every file under sources/ is indexed.")


def _cell(text: str, width: int) -> str:
    text = " ".join(text.split())
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)
