"""What editors should look at (``kb report``): stale documents, searches, broken links.

- **review**: documents whose review date (``reviewed``, "Senast granskad") is older than the
  review age (``review_age_days`` in ``kb.yml``), and documents without one;
- **searches**: the most frequent searches and those that found nothing, from the API's
  aggregated query log (``kb.api.query_log``);
- **links**: relative links in the source files to files that do not exist, and statute
  citations ("19 a kap. 3 § LOU") to a chapter or paragraph the statute in the knowledge base
  lacks. Links to other sites are not checked (kb makes no requests to other hosts), nor
  root-relative ones (``/artiklar/…``): they name a page on the site a source was copied from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kb.api.query_log import QueryCount, read_counts
from kb.model import Document, fold_ascii
from kb.util.wording import counted

SECTIONS = ("review", "searches", "links")
LINKED_SUFFIXES = (".md", ".markdown", ".html", ".htm")
_MD_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_LINK = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@dataclass(frozen=True)
class ReviewItem:
    doc_id: str
    title: str
    source: str
    reviewed: str  # ISO date, "" when the document has none
    age_days: int | None  # days since the review, None without a date


@dataclass(frozen=True)
class LinkItem:
    kind: str  # "file" (a link in a source) or "citation" (a statute reference)
    source: str  # the source file (relative to sources/) or document id
    target: str  # what was linked or cited
    problem: str


@dataclass
class Report:
    today: str
    review_age_days: int
    review: list[ReviewItem] = field(default_factory=list)
    top_searches: list[QueryCount] = field(default_factory=list)
    no_hit_searches: list[QueryCount] = field(default_factory=list)
    query_log: bool = True
    links: list[LinkItem] = field(default_factory=list)
    sections: tuple[str, ...] = SECTIONS  # the parts asked for

    def to_json(self) -> dict:
        return {
            "today": self.today,
            "review_age_days": self.review_age_days,
            "review": [asdict(r) for r in self.review],
            "query_log": self.query_log,
            "top_searches": [asdict(q) for q in self.top_searches],
            "no_hit_searches": [asdict(q) for q in self.no_hit_searches],
            "links": [asdict(link) for link in self.links],
        }

    def rows(self) -> list[dict[str, str]]:
        """One flat row per finding (CSV): section, item, title, source, detail, count."""
        out = []
        for r in self.review:
            detail = f"reviewed {r.reviewed}, {counted(r.age_days, 'day')} ago" if r.reviewed else "no review date"
            out.append(_row("review", r.doc_id, r.title, r.source, detail, ""))
        for q in self.top_searches:
            out.append(_row("top search", q.query, "", "", f"{q.no_hits} without hits", str(q.searches)))
        for q in self.no_hit_searches:
            out.append(_row("no hits", q.query, "", "", "", str(q.no_hits)))
        for link in self.links:
            out.append(_row(f"broken {link.kind}", link.target, "", link.source, link.problem, ""))
        return out


def _row(section: str, item: str, title: str, source: str, detail: str, count: str) -> dict[str, str]:
    return {"section": section, "item": item, "title": title, "source": source, "detail": detail, "count": count}


def review_items(documents: list[Document], today: dt.date, max_age_days: int) -> list[ReviewItem]:
    """Documents never reviewed, then those reviewed longest ago, past ``max_age_days``.

    Parts of a split source (an IVL project page) are reviewed with their parent: only
    top-level documents are listed.
    """
    out = []
    for doc in documents:
        if doc.parent:
            continue
        reviewed = str(doc.meta.get("reviewed") or "")
        try:
            age = (today - dt.date.fromisoformat(reviewed[:10])).days if reviewed else None
        except ValueError:
            age = None
        if age is None or age > max_age_days:
            out.append(ReviewItem(doc.id, doc.title, doc.source, reviewed if age is not None else "", age))
    out.sort(key=lambda r: (r.age_days is not None, -(r.age_days or 0), r.doc_id))
    return out


def by_spelling(counts: list[QueryCount]) -> list[QueryCount]:
    """One count per query however it was spelt ("möbler", "mobler"): the log keeps each spelling,
    editors want the need behind them. The group shows its most searched spelling."""
    groups: dict[str, list[QueryCount]] = {}
    for count in counts:
        groups.setdefault(fold_ascii(count.query), []).append(count)
    out = []
    for group in groups.values():
        # most searched first; on a tie the spelling with Swedish letters, as editors write it
        shown = max(group, key=lambda c: (c.searches, not c.query.isascii(), c.query))
        out.append(QueryCount(shown.query, sum(c.searches for c in group), sum(c.no_hits for c in group)))
    out.sort(key=lambda q: (-q.searches, q.query))
    return out


def source_link_problems(sources: Path) -> list[LinkItem]:
    """Relative links in Markdown and HTML sources whose target file does not exist."""
    out = []
    root = sources.resolve()
    for path in sorted(sources.rglob("*")):
        if path.suffix.lower() not in LINKED_SUFFIXES or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        rel = path.relative_to(sources).as_posix()
        pattern = _HTML_LINK if path.suffix.lower() in (".html", ".htm") else _MD_LINK
        for target in dict.fromkeys(pattern.findall(text)):
            problem = _link_problem(path, target, root)
            if problem:
                out.append(LinkItem("file", rel, target, problem))
    return out


def _link_problem(path: Path, target: str, root: Path) -> str | None:
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None  # other sites, mailto:, #anchors in the page, paths on the web site a page came from
    resolved = (path.parent / unquote(parts.path)).resolve()
    if root not in resolved.parents and resolved != root:
        return "points outside sources/"
    if not resolved.exists():
        return "no such file in sources/"
    return None


def citation_problems(documents: list[Document]) -> list[LinkItem]:
    """Citations naming a statute of the knowledge base, of a chapter or paragraph it lacks (the
    site links them to the statute's top instead)."""
    from kb.site.xref import PATTERN, CrossReferencer

    refs = CrossReferencer(documents)
    out: dict[tuple[str, str], LinkItem] = {}
    for doc in documents:
        for section in doc.sections:
            text = section.text
            for m in PATTERN.finditer(text):
                if not m.group("chapter"):
                    continue
                # Only citations that name their statute ("… LOU", "… lagen (2016:1145)"): one without
                # may cite another act by name ("15 kap. 17 § miljöbalken") and is left as text.
                statute = refs.statutes.get(refs._number(m, 1) or "")
                if statute is None:
                    continue  # a statute not in the knowledge base is plain text, not a broken link
                chapter = f"kap{m.group('kap')}{m.group('kl') or ''}"
                paragraph = f"{chapter}-{m.group('par')}{m.group('pl') or ''}" if m.group("par") else None
                if chapter not in statute.anchors:
                    problem = f"{statute.title} has no such chapter"
                elif paragraph and paragraph not in statute.anchors:
                    problem = f"{statute.title} has no such paragraph"
                else:
                    continue
                cited = " ".join(m.group(0).split())
                out.setdefault((doc.id, cited), LinkItem("citation", doc.id, cited, problem))
    return list(out.values())


def make_report(
    documents: list[Document],
    sources: Path,
    query_log: Path,
    *,
    today: dt.date | None = None,
    review_age_days: int = 365,
    top: int = 20,
    sections: tuple[str, ...] = SECTIONS,
    log_enabled: bool = True,
) -> Report:
    today = today or dt.date.today()
    report = Report(today.isoformat(), review_age_days, query_log=log_enabled, sections=tuple(sections))
    if "review" in sections:
        report.review = review_items(documents, today, review_age_days)
    if "searches" in sections:
        counts = by_spelling(read_counts(query_log))
        report.top_searches = counts[:top]
        no_hits = sorted((q for q in counts if q.no_hits), key=lambda q: (-q.no_hits, q.query))
        report.no_hit_searches = no_hits[:top]
    if "links" in sections:
        report.links = source_link_problems(sources) + citation_problems(documents)
    return report


def format_table(report: Report) -> str:
    """The report for a terminal: one titled block per section."""
    lines: list[str] = []

    def block(title: str, rows: list[str], empty: str) -> None:
        lines.append(f"{title} ({len(rows)})")
        lines.extend(f"  {r}" for r in rows or [empty])
        lines.append("")

    if "review" in report.sections:
        _review_block(report, block)
    if "searches" in report.sections:
        _search_blocks(report, block)
    if "links" in report.sections:
        block(
            "Links and citations that do not resolve",
            [f"{link.source}: {link.target}  ({link.problem})" for link in report.links],
            "none",
        )
    return "\n".join(lines).rstrip() + "\n"


def _review_block(report: Report, block) -> None:
    block(
        f"Documents to review (no review date, or reviewed more than {counted(report.review_age_days, 'day')} ago)",
        [
            f"{r.reviewed or 'never':<10}  {_age(r):>9}  {r.title}  [{r.source}]"
            for r in report.review
        ],
        "none: every document was reviewed recently",
    )


def _search_blocks(report: Report, block) -> None:
    note = "" if report.query_log else " (query_log is off in kb.yml: nothing is counted)"
    block(
        f"Most frequent searches{note}",
        [
            f"{q.searches:>6}  {q.query}" + (f"  ({q.no_hits:,} without hits)" if q.no_hits else "")
            for q in report.top_searches
        ],
        "no searches counted yet (the API counts them; see kb.yml query_log)",
    )
    block(
        "Searches that found nothing",
        [f"{q.no_hits:>6}  {q.query}" for q in report.no_hit_searches],
        "none",
    )


def _age(r: ReviewItem) -> str:
    return counted(r.age_days, "day") if r.age_days is not None else "-"
