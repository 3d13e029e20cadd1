"""English counts in CLI and report text: "1 document", "2 documents", never "1 documents"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the number it needs (``plural`` for irregular ones: "address(es)")."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
