"""Which index version is current, and what its ``meta.json`` says.

Kept apart from ``kb.engine.index`` (which imports Whoosh and the analysis) so that a build that finds
nothing changed can answer from these alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CURRENT = "current"


@dataclass
class IndexInfo:
    version: str
    built_at: str
    documents: int
    sections: int
    path: Path
    fingerprint: str = ""


def read_info(version_dir: Path) -> IndexInfo:
    meta = json.loads((version_dir / "meta.json").read_text(encoding="utf-8"))
    return IndexInfo(
        version=meta["version"],
        built_at=meta["built_at"],
        documents=meta["documents"],
        sections=meta["sections"],
        path=version_dir,
        fingerprint=meta.get("fingerprint", ""),
    )


def current_version_dir(index_root: Path) -> Path | None:
    """The version folder ``current`` points at, or None when nothing has been built."""
    link = index_root / CURRENT
    if not link.exists():
        return None
    return link.resolve()
