"""The knowledge base's themes: tags of the IVL projects, with the words that describe them.

Shared by the index (a weak ``theme`` field, so "återbruk" also reaches projects marked
*cirkulär*) and the site (theme pages).
"""

THEMES = {
    "cirkulär": "Cirkulär upphandling: återbruk, cirkulära affärsmodeller och materialflöden.",
    "klimatanpassad": "Klimatanpassad upphandling: klimatkrav, klimatpåverkan och klimatkompensation.",
}


def theme_text(tags: list[str] | set[str]) -> str:
    """The searchable text of a set of tags: each tag and its description."""
    return " ".join(f"{t} {THEMES.get(t, '')}" for t in sorted(set(tags)))
