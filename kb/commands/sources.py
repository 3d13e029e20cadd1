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
@click.option("--wide", is_flag=True, help="Show every column whole (long paths and titles are cut otherwise).")
def sources(root: str | None, only_skipped: bool, as_json: bool, wide: bool) -> None:
    """List the documents in sources/ with their metadata, and the files not indexed, with why.

    Shows what the next `kb build` indexes (it reads sources/ the same way).

    \b
    Examples:
      kb sources
      kb sources --skipped
      kb sources --wide | less -S
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
        rows = [
            [doc.source, doc.title, *(str(doc.meta.get(k) or "-") for k in SHOWN_KEYS), ", ".join(doc.tags)]
            for doc in result.documents
        ]
        widths = [w for _, w in COLUMNS]
        if wide:
            widths = [
                max([len(name), *(len(" ".join(r[i].split())) for r in rows)]) for i, (name, _) in enumerate(COLUMNS)
            ]
        click.echo("  ".join(name.upper().ljust(w) for (name, _), w in zip(COLUMNS, widths, strict=True)).rstrip())
        for values in rows:
            cells = [_cell(v, w) for v, w in zip(values[1:], widths[1:], strict=True)]
            click.echo("  ".join([_path_cell(values[0], widths[0]), *cells]).rstrip())
        files = len({d.source for d in result.documents})
        click.echo(f"{counted(len(result.documents), 'document')} from {counted(files, 'file')}.")
        if not wide and any(len(r[0]) > widths[0] for r in rows):
            click.echo("Long paths are cut in the middle; `kb sources --wide` or `--json` shows them whole.")
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


def _path_cell(path: str, width: int) -> str:
    """A long path cut in the middle: files in deep folders differ in their names, which stay."""
    if len(path) <= width:
        return path.ljust(width)
    name = path.rsplit("/", 1)[-1]
    tail = min(width - 1, max(len(name) + 1, (width - 1) // 2))
    return (path[: width - 1 - tail] + "…" + path[-tail:]).ljust(width)
