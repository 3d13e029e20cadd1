"""Domain synonyms and acronyms from ``kb/data/synonyms.txt``.

One group of equivalent phrases per line, separated by ``=``; ``#`` starts a comment.
The search layer expands queries with these groups; here we only load and validate.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "synonyms.txt"


class SynonymError(ValueError):
    """A malformed synonyms line; the message names the file and line number."""


def load_synonyms(path: str | Path | None = None) -> list[list[str]]:
    """Lower-cased, whitespace-normalized groups: [["lou", "lag om offentlig upphandling", ...], ...]."""
    path = Path(path) if path is not None else DEFAULT_PATH
    groups: list[list[str]] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        phrases = [" ".join(p.split()).lower() for p in line.split("=")]
        where = f"{path}:{lineno}"
        if len(phrases) < 2:
            raise SynonymError(f"{where}: expected 'phrase = phrase [= ...]', got {raw.strip()!r}")
        if any(not p for p in phrases):
            raise SynonymError(f"{where}: empty phrase in {raw.strip()!r}")
        if len(set(phrases)) != len(phrases):
            raise SynonymError(f"{where}: a phrase is repeated in {raw.strip()!r}")
        for p in phrases:
            if p in seen:
                raise SynonymError(f"{where}: {p!r} already in the group on line {seen[p]}")
            seen[p] = lineno
        groups.append(phrases)
    return groups
