"""Types shared by the ingestion modules (kept apart from ``__init__`` to avoid import cycles)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SkipSource(Exception):
    """A file that cannot be ingested; ``reason`` is one human-readable line for the build report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class SourceFile:
    """One ingestible file: where it is, its name relative to ``sources/`` and its raw metadata."""

    path: Path
    rel: str
    meta: dict[str, Any] = field(default_factory=dict)
    size: int = -1  # from discovery's stat (-1: not known), so a build need not stat again
    mtime_ns: int = -1
