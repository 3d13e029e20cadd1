"""Relevance measurement on judged queries (the format and matching rule of ``eval/dev.json``).

A hit matches a judged item when the item's ``doc`` (any alternative) occurs in the hit's
title, source path or URL, and its ``section`` occurs in the hit's section path or title;
case-insensitive, white space folded, each string starting at a word boundary. Each item
counts once, at the first hit that matches it (a hit is credited with at most one item).
Metrics over the top 10: nDCG@10 (binary gains), recall@10, MRR.

The same run measures stock Whoosh (``LanguageAnalyzer("sv")``, BM25F, title and section
boosted) over the project's own sections, so the figures always come with a baseline.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kb.config import Project
from kb.engine import HEADING_SEPARATOR, current_version_dir, load_documents
from kb.model import Document
from kb.search.searcher import Searcher
from kb.urls import document_url

K = 10


@dataclass
class EvalHit:
    title: str
    section: str
    source: str
    url: str


@dataclass
class QueryScore:
    id: str
    query: str
    ndcg: float
    recall: float
    rr: float


@dataclass
class EvalReport:
    name: str
    scores: list[QueryScore] = field(default_factory=list)

    @property
    def ndcg(self) -> float:
        return _mean([s.ndcg for s in self.scores])

    @property
    def recall(self) -> float:
        return _mean([s.recall for s in self.scores])

    @property
    def mrr(self) -> float:
        return _mean([s.rr for s in self.scores])

    @property
    def zero(self) -> list[str]:
        return [s.query for s in self.scores if s.rr == 0]

    def to_json(self) -> dict:
        return {
            "ndcg@10": round(self.ndcg, 4),
            "recall@10": round(self.recall, 4),
            "mrr": round(self.mrr, 4),
            "queries": len(self.scores),
            "zero_hit_queries": self.zero,
            "per_query": [s.__dict__ for s in self.scores],
        }


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _occurs(needle: str, haystacks: list[str]) -> bool:
    pattern = re.compile(r"(?<!\w)" + re.escape(_norm(needle)))
    return any(pattern.search(_norm(h)) for h in haystacks)


def item_matches(item: dict, hit: EvalHit) -> bool:
    docs = item.get("doc")
    if docs is not None and not any(_occurs(alt, [hit.title, hit.source, hit.url]) for alt in docs):
        return False
    section = item.get("section")
    return section is None or _occurs(section, [hit.section, hit.title])


def score_query(items: list[dict], hits: list[EvalHit]) -> tuple[float, float, float]:
    """(nDCG@10, recall@10, reciprocal rank) for one query."""
    found: set[int] = set()
    dcg, rr = 0.0, 0.0
    for rank, hit in enumerate(hits[:K]):
        for i, item in enumerate(items):
            if i not in found and item_matches(item, hit):
                found.add(i)
                dcg += 1 / math.log2(rank + 2)
                if rr == 0:
                    rr = 1 / (rank + 1)
                break
    ideal = sum(1 / math.log2(r + 2) for r in range(min(len(items), K)))
    return (dcg / ideal if ideal else 0.0), (len(found) / len(items) if items else 0.0), rr


def load_judgments(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"{path} is not a readable JSON file: {e}") from e
    if not isinstance(data, list) or not all(isinstance(q, dict) and "query" in q for q in data):
        raise ValueError(f"{path} must be a list of {{'id', 'query', 'relevant'}} objects")
    return data


def evaluate(name: str, judgments: list[dict], run) -> EvalReport:
    report = EvalReport(name)
    for q in judgments:
        ndcg, recall, rr = score_query(q.get("relevant", []), run(q["query"]))
        report.scores.append(QueryScore(q.get("id", ""), q["query"], ndcg, recall, rr))
    return report


def evaluate_project(
    project: Project, judgments_path: Path, baseline: bool = True, engine: str | None = None
) -> dict[str, EvalReport]:
    """``engine``: a PostgreSQL URL to measure that engine's index instead of the folder's."""
    judgments = load_judgments(judgments_path)
    site_url, _ = project.site_settings()
    if engine:
        from kb.search.shared import open_searcher

        searcher = open_searcher(project, site_url, engine, register=False)
        documents = list(searcher.documents().values()) if baseline else []
    else:
        version_dir = current_version_dir(project.index_root)
        if version_dir is None:
            raise FileNotFoundError("there is no index yet. Run `kb build` first.")
        searcher = Searcher(project.index_root, site_url)
        documents = load_documents(version_dir) if baseline else []

    def run_kb(query: str) -> list[EvalHit]:
        result = searcher.search(query, limit=K)
        return [EvalHit(h.title, h.section, h.source, h.url) for h in result.hits]

    reports = {"kb": evaluate("kb", judgments, run_kb)}
    if baseline:
        with tempfile.TemporaryDirectory() as tmp:
            for grouping in ("OR", "AND"):
                stock = StockWhoosh(documents, Path(tmp) / grouping, site_url, grouping)
                reports[f"stock Whoosh ({grouping})"] = evaluate(f"stock-{grouping}", judgments, stock.run)
    return reports


class StockWhoosh:
    """Stock Whoosh with ``LanguageAnalyzer("sv")`` over the same sections, for comparison."""

    def __init__(self, documents: list[Document], folder: Path, site_url: str, grouping: str = "OR"):
        from whoosh import index
        from whoosh.analysis import LanguageAnalyzer
        from whoosh.fields import STORED, TEXT, Schema
        from whoosh.qparser import AndGroup, MultifieldParser, OrGroup

        analyzer = LanguageAnalyzer("sv")
        schema = Schema(
            title=TEXT(analyzer=analyzer, stored=True, field_boost=2.0),
            heading=TEXT(analyzer=analyzer, stored=True, field_boost=2.5),
            body=TEXT(analyzer=analyzer),
            source=STORED,
            url=STORED,
        )
        folder.mkdir(parents=True)
        self.ix = index.create_in(str(folder), schema)
        writer = self.ix.writer()
        for doc in documents:
            for s in doc.sections:
                writer.add_document(
                    title=doc.title,
                    heading=HEADING_SEPARATOR.join(s.path),
                    body=s.text,
                    source=doc.source,
                    url=document_url(site_url, doc.id, s.anchor),
                )
        writer.commit()
        group = OrGroup if grouping == "OR" else AndGroup
        self.parser = MultifieldParser(["title", "heading", "body"], schema, group=group)

    def run(self, query: str) -> list[EvalHit]:
        with self.ix.searcher() as s:
            results = s.search(self.parser.parse(query), limit=K)
            return [EvalHit(h["title"], h["heading"], h["source"], h["url"]) for h in results]


def format_report(reports: dict[str, EvalReport]) -> str:
    lines = [f"{'system':<22} {'nDCG@10':>8} {'recall@10':>10} {'MRR':>7}  zero-hit queries"]
    for name, r in reports.items():
        zero = ", ".join(f'"{q}"' for q in r.zero) or "none"
        lines.append(f"{name:<22} {r.ndcg:>8.3f} {r.recall:>10.3f} {r.mrr:>7.3f}  {zero}")
    kb = reports.get("kb")
    if kb:
        weak = sorted(kb.scores, key=lambda s: s.ndcg)[:5]
        lines.append("")
        lines.append("weakest kb queries: " + "; ".join(f'{s.query} ({s.ndcg:.2f})' for s in weak))
    return "\n".join(lines)
