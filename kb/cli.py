"""The ``kb`` command: a thin click layer over the library (``kb.indexing.build``, ``kb.search.searcher`` …).

Exit codes (stable, for scripts and CI):
  0  success (for ``kb search``: at least one hit)
  1  ``kb search`` ran but found nothing
  2  usage error: unknown option, bad value (click's own code)
  3  no index yet: run ``kb build`` first
  4  the build or ingest failed, another build is running, or ``--strict`` found skipped sources
  5  ``kb eval`` ran but missed its ``--min-ndcg`` goal
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import click

from kb.config import Project

EXIT_NO_HITS, EXIT_NO_INDEX, EXIT_BUILD, EXIT_EVAL = 1, 3, 4, 5
SKIPPED_SHOWN = 20  # skipped sources listed by `kb build` without --verbose


def _project(root: str | None) -> Project:
    return Project(Path(root or ".").resolve())


root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Project folder holding sources/ (default: the current folder).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def main() -> None:
    """kb: a Swedish knowledge base on circular and climate-smart public procurement.

    \b
    Typical use:
      kb build                      ingest sources/, index them, publish site/
      kb search "återbruk möbler"   ranked sections with snippets and links
      kb serve                      the site and the search API on http://127.0.0.1:8000
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
def build(root: str | None, strict: bool, no_site: bool, wait: bool, quiet: bool, verbose: bool) -> None:
    """Ingest sources/, index them and publish the site (only changed sources are re-read)."""
    from kb.indexing.build import BuildError
    from kb.indexing.build import build as run_build

    project = _project(root)
    if not project.sources.is_dir():
        raise click.ClickException(
            f"No sources/ folder in {project.root}. Run kb from the project folder or pass --root."
        )
    progress = _ProgressPrinter(enabled=not quiet and sys.stderr.isatty())
    try:
        report = run_build(project, progress=progress, site=not no_site, wait=wait)
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
        click.echo(f"--strict: {len(report.skipped)} source(s) skipped.", err=True)
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
        f"Index {state}: {report.documents} documents, {report.sections} sections "
        f"(version {index.version if index else '-'}, {report.index_seconds:.1f} s)."
    )
    if report.site_pages is not None:
        click.echo(f"Site: {report.site_pages} pages in site/ ({report.site_seconds:.1f} s).")
    click.echo(f"Done in {report.seconds:.1f} s.")


def skipped_lines(skipped: list[tuple[str, str]], verbose: bool = False) -> str:
    """The skipped sources, one line each; without ``verbose`` the first ``SKIPPED_SHOWN`` and a
    count per reason (at scale there are thousands: 11,715 statutes with no body)."""
    shown = skipped if verbose else skipped[:SKIPPED_SHOWN]
    lines = [f"  skipped {rel}: {reason}" for rel, reason in shown]
    if len(shown) < len(skipped):
        counts = Counter(reason for _, reason in skipped)
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
def search(
    query: str,
    root: str | None,
    limit: int,
    offset: int,
    tags: tuple[str, ...],
    publisher: str | None,
    type_: str | None,
    as_json: bool,
) -> None:
    """Search the knowledge base: ranked sections with snippets and links.

    \b
    Examples:
      kb search "återbruk möbler"
      kb search kontorsmöbler --tag cirkulär --json
      kb search "19 a kap direktupphandling" --type författning
    """
    from kb.search import IndexMissing, Searcher, SearchError

    project = _project(root)
    site_url, _ = project.site_settings()
    searcher = Searcher(project.index_root, site_url)
    try:
        result = searcher.search(query, limit=limit, offset=offset, tags=tags, publisher=publisher, type=type_)
    except IndexMissing:
        click.echo("Error: there is no index yet. Run `kb build` first.", err=True)
        sys.exit(EXIT_NO_INDEX)
    except SearchError as e:
        raise click.UsageError(str(e)) from None
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        _print_hits(result)
    if not result.hits:
        sys.exit(EXIT_NO_HITS)


def _print_hits(result) -> None:
    from kb.search import section_label

    color = sys.stdout.isatty()
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    if result.notice:
        click.echo(result.notice)
    if not result.hits:
        click.echo(f'No hits for "{_one_line(result.query)}". Try fewer or other words, e.g. "återbruk möbler".')
        return
    first, last = result.offset + 1, result.offset + len(result.hits)
    click.echo(f"{result.total} hits, showing {first}–{last} ({result.took_ms:.0f} ms)\n")
    for n, hit in enumerate(result.hits, start=first):
        label = section_label(hit.title, hit.section)
        tags = f"  [{', '.join(hit.tags)}]" if hit.tags else ""
        click.echo(click.style(f"{n}. {label}", bold=True) + tags)
        meta = " · ".join(x for x in (hit.publisher, hit.type, hit.date, hit.source) if x)
        click.echo(f"   {meta}")
        click.echo(f"   {_terminal_snippet(hit.snippet, color)}")
        click.echo(f"   {hit.url}\n")


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
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@root_option
@click.option("--into", default="local", show_default=True, help="Sub-folder of sources/ to copy into.")
@click.option("--no-build", is_flag=True, help="Only copy; run `kb build` later.")
def ingest_cmd(paths: tuple[str, ...], root: str | None, into: str, no_build: bool) -> None:
    """Add source files (.txt, .md, .html) to sources/ and rebuild.

    Each file is parsed first; a file that cannot be ingested is reported and not copied.
    """
    from kb.indexing.build import BuildError
    from kb.indexing.build import build as run_build
    from kb.ingest import SkipSource, SourceFile, ingest

    project = _project(root)
    if ".." in Path(into).parts or Path(into).is_absolute():
        raise click.BadParameter("must be a folder inside sources/, e.g. 'local'", param_hint="--into")
    target_dir = project.sources / into
    failed = 0
    for p in paths:
        path = Path(p)
        try:
            docs = ingest(SourceFile(path=path.resolve(), rel=f"{into}/{path.name}", meta={}))
        except SkipSource as e:
            click.echo(f"Not added: {path}: {e.reason}", err=True)
            failed += 1
            continue
        except Exception as e:  # noqa: BLE001
            click.echo(f"Not added: {path}: could not be parsed ({type(e).__name__})", err=True)
            failed += 1
            continue
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target_dir / path.name)
        click.echo(f"Added {into}/{path.name}: {docs[0].title} ({sum(len(d.sections) for d in docs)} sections)")
    if not no_build and failed < len(paths):
        try:
            _print_report(run_build(project))
        except BuildError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(EXIT_BUILD)
    if failed:
        sys.exit(EXIT_BUILD)


@main.command("eval")
@click.argument("judgments", type=click.Path(exists=True, dir_okay=False))
@root_option
@click.option("--no-baseline", is_flag=True, help="Skip the stock Whoosh comparison.")
@click.option("--min-ndcg", type=float, default=None, help="Exit 5 if nDCG@10 is below this.")
@click.option("--json", "as_json", is_flag=True, help="Print figures as JSON.")
def eval_cmd(judgments: str, root: str | None, no_baseline: bool, min_ndcg: float | None, as_json: bool) -> None:
    """Measure relevance on judged queries: nDCG@10, recall@10, MRR, next to stock Whoosh.

    JUDGMENTS is a file in the format of tests/data/dev.json.
    """
    from kb.search.evaluate import evaluate_project, format_report

    project = _project(root)
    try:
        reports = evaluate_project(project, Path(judgments), baseline=not no_baseline)
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


from kb.api.cli_serve import serve  # noqa: E402 - light module; uvicorn is imported when serving

main.add_command(serve)

if __name__ == "__main__":
    main()
