"""The ``kb`` command: a thin click layer over the library (``kb.indexing.build``, ``kb.search.searcher`` …).

Exit codes are in ``kb.commands.errors`` (and docs/cli.md): 0 success, 1 nothing found, 2 usage,
3 no index, 4 build failed, 5 eval goal missed, 6 not a knowledge base, 7 permission, 8 server.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path

import click

from kb.commands.errors import (
    EXIT_BUILD,
    EXIT_EVAL,
    EXIT_NO_HITS,
    EXIT_NO_INDEX,
    KbGroup,
    require_knowledge_base,
    root_option,
)
from kb.config import Project
from kb.util.wording import counted

SKIPPED_SHOWN = 20  # skipped sources listed by `kb build` without --verbose


def _project(root: str | None) -> Project:
    return Project(Path(root or ".").resolve())


engine_option = click.option(
    "--engine",
    metavar="ENGINE",
    default=None,
    help="Where the index lives: whoosh (the build/index folder) or a PostgreSQL URL such as "
    "postgresql://kb@db.example.se/kb. Default: KB_ENGINE, then kb.yml's engine, then whoosh.",
)


def _engine(project: Project, option: str | None) -> str | None:
    """The PostgreSQL URL to use, or None for Whoosh; a bad value is a usage error (exit 2)."""
    from kb.engine import project_engine

    try:
        url = project_engine(project, option)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--engine") from None
    if url:  # one clear error line instead of the pool's reconnection log
        logging.getLogger("psycopg.pool").setLevel(logging.CRITICAL)
    return url


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def main() -> None:
    """kb: a Swedish knowledge base on circular and climate-smart public procurement.

    \b
    Typical use:
      kb init kunskapsbank          a knowledge base folder of your own
      kb build                      ingest sources/, index them, publish site/
      kb search "återbruk möbler"   ranked sections with snippets and links
      kb serve                      the site and the search API on http://127.0.0.1:8000
      kb report                     what editors should look at
      kb sources                    the documents and their metadata, and what is not indexed
      kb fetch                      download the pages listed in sources/**/FETCH.tsv

    \b
    Exit codes: 0 ok, 1 nothing found, 2 usage, 3 no index, 4 build failed,
      5 eval goal missed, 6 not a knowledge base, 7 permission, 8 server (docs/cli.md).
    """


class _ProgressPrinter:
    """One updating status line on a terminal: stage, count, rate and time left."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.stage = ""
        self.started = time.perf_counter()
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        new_stage = stage != self.stage
        if new_stage:
            if self.stage:
                click.echo("", err=True)
            self.stage, self.started = stage, now
        if not new_stage and now - self.last < 0.2 and done < total:
            return
        self.last = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0.5 else 0.0
        eta = f" ({rate:,.0f}/s, ~{(total - done) / rate:,.0f} s left)" if rate > 0 and done < total else ""
        click.echo(f"\r{stage:>7}: {done}/{total}{eta}    ", nl=False, err=True)

    def close(self) -> None:
        if self.enabled and self.stage:
            click.echo("", err=True)


@main.command()
@root_option
@click.option("--strict", is_flag=True, help="Exit with code 4 if any source was skipped (for CI).")
@click.option("--no-site", is_flag=True, help="Only ingest and index; do not publish site/.")
@click.option("--wait", is_flag=True, help="If another build is running, wait for it instead of stopping.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@click.option(
    "--verbose", "-v", is_flag=True, help=f"List every skipped source (else the first {SKIPPED_SHOWN}, then counts)."
)
@engine_option
def build(
    root: str | None, strict: bool, no_site: bool, wait: bool, quiet: bool, verbose: bool, engine: str | None
) -> None:
    """Ingest sources/, index them and publish the site (only changed sources are re-read).

    \b
    Examples:
      kb build                      in the knowledge base folder
      kb build --root /srv/kunskapsbank --quiet
      kb build --strict --no-site   in CI: fail (exit 4) if a source was skipped
      kb build --engine postgresql://kb@db.example.se/kb   also publish to a shared database
    """
    from kb.indexing.build import BuildError
    from kb.indexing.build import build as run_build

    project = _project(root)
    require_knowledge_base(project)
    if not project.mkdocs_yml.is_file() and not no_site:
        click.echo("Note: no mkdocs.yml here, so the site gets kb's default name and address (`kb init` writes one).",
                   err=True)
    url = _engine(project, engine)
    progress = _ProgressPrinter(enabled=not quiet and sys.stderr.isatty())
    try:
        report = run_build(project, progress=progress, site=not no_site, wait=wait, engine=url)
    except BuildError as e:
        progress.close()
        click.echo(f"Error: {e}", err=True)
        sys.exit(EXIT_BUILD)
    except KeyboardInterrupt:
        progress.close()
        click.echo("Interrupted: the previous index and site are unchanged.", err=True)
        sys.exit(130)
    progress.close()
    _print_report(report, verbose)
    if strict and report.skipped:
        click.echo(f"--strict: {counted(len(report.skipped), 'source')} skipped.", err=True)
        sys.exit(EXIT_BUILD)


def _print_report(report, verbose: bool = False) -> None:
    click.echo(
        f"Sources: {len(report.ingested)} ingested, {len(report.unchanged)} unchanged, "
        f"{len(report.skipped)} skipped."
    )
    if report.skipped:
        click.echo(skipped_lines(report.skipped, verbose))
    index = report.index
    mode = getattr(report, "index_mode", "") or ("full" if report.index_rebuilt else "unchanged")
    state = {
        "full": "rebuilt",
        "unchanged": "unchanged",
        "incremental": f"updated ({report.index_changed} re-indexed, {report.index_removed} removed)",
    }[mode]
    click.echo(
        f"Index {state}: {counted(report.documents, 'document')}, {counted(report.sections, 'section')} "
        f"(version {index.version if index else '-'}, {report.index_seconds:.1f} s)."
    )
    if report.site_pages is not None:
        click.echo(f"Site: {counted(report.site_pages, 'page')} in site/ ({report.site_seconds:.1f} s).")
    published = getattr(report, "published", None)
    if published is not None:
        click.echo(
            f"Database: version {published.name} published and current ({counted(published.terms, 'term')}, "
            f"{report.publish_seconds:.1f} s)."
        )
    elif getattr(report, "publish_seconds", 0):
        click.echo("Database: already current.")
    click.echo(f"Done in {report.seconds:.1f} s.")


def skipped_lines(skipped: list[tuple[str, str]], verbose: bool = False) -> str:
    """The skipped sources, one line each; without ``verbose`` the first ``SKIPPED_SHOWN`` and a
    count per reason (at scale there are thousands: 11,715 statutes with no body)."""
    shown = skipped if verbose else skipped[:SKIPPED_SHOWN]
    lines = [f"  skipped {rel}: {reason}" for rel, reason in shown]
    counts = Counter(reason for _, reason in skipped)
    if len(shown) == len(skipped) and len(skipped) > 1:
        lines.append("  By reason: " + "; ".join(f"{reason}: {n:,}" for reason, n in counts.most_common()) + ".")
    if len(shown) < len(skipped):
        reasons = "; ".join(f"{reason}: {n:,}" for reason, n in counts.most_common(5))
        more = f"; {len(counts) - 5:,} other reasons" if len(counts) > 5 else ""
        lines.append(
            f"  ... and {len(skipped) - len(shown):,} more. All {len(skipped):,} skipped by reason: {reasons}{more}. "
            "`kb build --verbose` lists them all."
        )
    return "\n".join(lines)


@main.command()
@click.argument("query")
@root_option
@click.option("--limit", "-n", type=click.IntRange(1, 50), default=10, show_default=True, help="Hits to show.")
@click.option("--offset", type=click.IntRange(0, 10_000), default=0, help="Skip this many hits (paging).")
@click.option("--tag", "tags", multiple=True, help="Only sections with this tag, e.g. --tag cirkulär.")
@click.option("--publisher", help='Only this publisher, e.g. --publisher "IVL Svenska Miljöinstitutet".')
@click.option("--type", "type_", help="Only this document type, e.g. --type författning.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (see README: JSON contract).")
@engine_option
def search(
    query: str,
    root: str | None,
    limit: int,
    offset: int,
    tags: tuple[str, ...],
    publisher: str | None,
    type_: str | None,
    as_json: bool,
    engine: str | None,
) -> None:
    """Search the knowledge base: ranked sections with snippets and links.

    \b
    Examples:
      kb search "återbruk möbler"
      kb search kontorsmöbler --tag cirkulär --json
      kb search "19 a kap direktupphandling" --type författning
      kb search upphandling --engine postgresql://kb@db.example.se/kb
    """
    from kb.search import MAX_QUERY_CHARS, IndexMissing, SearchError, SearchUnavailable, clean_query, open_searcher

    if not clean_query(query).strip():
        raise click.BadParameter('give some words to search for, e.g. "återbruk möbler"', param_hint="QUERY")
    if len(query) > MAX_QUERY_CHARS:  # as the API: a pasted page is no query
        raise click.BadParameter(
            f"at most {MAX_QUERY_CHARS} characters (this one has {len(query)}); search for a few words",
            param_hint="QUERY",
        )
    project = _project(root)
    site_url, _ = project.site_settings()
    url = _engine(project, engine)
    searcher = open_searcher(project, site_url, url, register=False)  # one search: no version to hold
    try:
        result = searcher.search(query, limit=limit, offset=offset, tags=tags, publisher=publisher, type=type_)
    except IndexMissing as e:
        click.echo(f"Error: {e}" if url else "Error: there is no index yet. Run `kb build` first.", err=True)
        sys.exit(EXIT_NO_INDEX)
    except SearchUnavailable as e:
        click.echo(f"Error: {e} Check that it is running and the URL is right.", err=True)
        sys.exit(EXIT_NO_INDEX)
    except SearchError as e:
        raise click.UsageError(str(e)) from None
    unknown = result.unknown_filter
    if as_json:
        data = result.to_json()
        if unknown is not None:
            data["unknown_filter"] = {"parameter": unknown.parameter, "value": unknown.value, "known": unknown.known}
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        if unknown is not None:  # say which filter found nothing, and what there is
            click.echo(f"No hits: --{unknown.parameter} {_one_line(unknown.value)!r} matches no section.", err=True)
            click.echo(f"Values of --{unknown.parameter} that exist: {', '.join(unknown.known) or '(none)'}", err=True)
        _print_hits(result, _filters_text(tags, publisher, type_))
    if not result.hits:
        sys.exit(EXIT_NO_HITS)


def _filters_text(tags: tuple[str, ...], publisher: str | None, type_: str | None) -> str:
    named = (("publisher", publisher), ("type", type_))
    parts = [f"--tag {t!r}" for t in tags] + [f"--{n} {v!r}" for n, v in named if v]
    return " ".join(parts)


def _print_hits(result, filters: str = "") -> None:
    from kb.search import section_label

    color = sys.stdout.isatty()
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    if result.notice:
        click.echo(result.notice.text)
    if not result.hits:
        if filters:
            click.echo(f'No hits for "{_one_line(result.query)}" with {filters}. Try without the filters.')
        else:
            click.echo(f'No hits for "{_one_line(result.query)}". Try fewer or other words, e.g. "återbruk möbler".')
        return
    first, last = result.offset + 1, result.offset + len(result.hits)
    click.echo(f"{counted(result.total, 'hit')}, showing {first}–{last} ({result.took_ms:.0f} ms)\n")
    for n, hit in enumerate(result.hits, start=first):
        label = section_label(hit.title, hit.section)
        tags = f"  [{', '.join(hit.tags)}]" if hit.tags else ""
        click.echo(click.style(f"{n}. {label}", bold=True) + tags)
        meta = " · ".join(x for x in (hit.publisher, hit.type, hit.date, hit.source) if x)
        click.echo(f"   {meta}")
        click.echo(f"   {_terminal_snippet(hit.snippet, color)}")
        original = f"\n   {_original_label(hit.page)}: {hit.original}" if hit.original else ""
        click.echo(f"   {hit.url}{original}\n")


def _original_label(page: int | None) -> str:
    return f"page {page} of the original" if page else "original"


def _one_line(text: str, width: int = 80) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f]", " ", text))
    return text if len(text) <= width else text[: width - 1] + "…"


def _terminal_snippet(snippet: str, color: bool) -> str:
    import html

    marked = snippet.replace("<mark>", "\x01").replace("</mark>", "\x02")
    text = html.unescape(marked)
    if color:
        return text.replace("\x01", "\x1b[1;33m").replace("\x02", "\x1b[0m")
    return text.replace("\x01", "*").replace("\x02", "*")


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@root_option
@click.option("--into", default="local", show_default=True, help="Sub-folder of sources/ to copy into.")
@click.option("--force", is_flag=True, help="Replace a file of the same name in sources/ that has other content.")
@click.option("--no-build", is_flag=True, help="Only copy; run `kb build` later.")
def ingest_cmd(paths: tuple[str, ...], root: str | None, into: str, force: bool, no_build: bool) -> None:
    """Add source files or folders to sources/ and rebuild.

    Only what `kb build` indexes is copied (each file is parsed first); every other file is
    listed with the reason. A folder keeps its name and layout; sidecars come along.

    \b
    Examples:
      kb ingest riktlinje-möbler.md
      kb ingest ~/Hämtade/upphandling/ --into kommun
      kb ingest krav.md --force      replace an edited copy in sources/local/
    """
    from kb.indexing.build import BuildError
    from kb.indexing.build import build as run_build
    from kb.ingest.add import add_sources, check_into

    project = _project(root)
    require_knowledge_base(project)
    try:
        check_into(into)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--into") from None
    outcomes = add_sources(project.sources, [Path(p) for p in paths], into=into, force=force)
    for o in outcomes:
        if o.status == "refused":
            click.echo(f"Not added: {o.given}: {o.reason}", err=True)
        elif o.status == "unchanged":
            click.echo(f"Already there: {o.rel} (same content)")
        else:
            verb = "Replaced" if o.status == "replaced" else "Added"
            if o.title == "metadata":
                click.echo(f"{verb} {o.rel} (metadata of the files in its folder)")
            else:
                click.echo(f"{verb} {o.rel}: {o.title} ({counted(o.sections, 'section')})")
    refused = sum(not o.ok for o in outcomes)
    if not outcomes:
        click.echo("Nothing to add: the folder holds no files.", err=True)
    elif len(outcomes) > 1:
        click.echo(f"{len(outcomes) - refused} of {counted(len(outcomes), 'file')} in sources/, {refused} not added.")
    if not no_build and any(o.status in ("added", "replaced") for o in outcomes):
        try:
            _print_report(run_build(project))
        except BuildError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(EXIT_BUILD)
    if refused or not outcomes:
        sys.exit(EXIT_BUILD)


@main.command("eval")
@click.argument("judgments", type=click.Path(exists=True, dir_okay=False))
@root_option
@click.option("--no-baseline", is_flag=True, help="Skip the stock Whoosh comparison.")
@click.option("--min-ndcg", type=float, default=None, help="Exit 5 if nDCG@10 is below this.")
@click.option("--json", "as_json", is_flag=True, help="Print figures as JSON.")
@engine_option
def eval_cmd(
    judgments: str, root: str | None, no_baseline: bool, min_ndcg: float | None, as_json: bool, engine: str | None
) -> None:
    """Measure relevance on judged queries: nDCG@10, recall@10, MRR, next to stock Whoosh.

    JUDGMENTS is a file in the format of tests/data/dev.json.

    \b
    Examples:
      kb eval tests/data/dev.json
      kb eval tests/data/dev.json --no-baseline --min-ndcg 0.6   exit 5 below the goal
      kb eval tests/data/dev.json --engine postgresql://kb@db.example.se/kb
    """
    from kb.search import IndexMissing, SearchUnavailable
    from kb.search.evaluate import evaluate_project, format_report

    project = _project(root)
    url = _engine(project, engine)
    try:
        reports = evaluate_project(project, Path(judgments), baseline=not no_baseline, engine=url)
    except (IndexMissing, SearchUnavailable) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(EXIT_NO_INDEX)
    except FileNotFoundError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(EXIT_NO_INDEX)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="JUDGMENTS") from None
    if as_json:
        click.echo(json.dumps({name: r.to_json() for name, r in reports.items()}, ensure_ascii=False, indent=1))
    else:
        click.echo(format_report(reports))
    if min_ndcg is not None and reports["kb"].ndcg < min_ndcg:
        sys.exit(EXIT_EVAL)


from kb.commands.init import init  # noqa: E402
from kb.commands.report import report  # noqa: E402
from kb.commands.serve import serve  # noqa: E402 - light module; uvicorn is imported when serving

main.add_command(serve)
main.add_command(init)
main.add_command(report)

from kb.commands.fetch import fetch  # noqa: E402 - light module; httpx is imported when fetching

main.add_command(fetch)

from kb.commands.sources import sources  # noqa: E402

main.add_command(sources)

if __name__ == "__main__":
    main()
