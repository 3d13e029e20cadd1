"""What every page generator needs to know about the whole knowledge base."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from kb.model import Document, slugify
from kb.site.xref import CrossReferencer
from kb.themes import THEMES  # noqa: F401 - re-exported for the site modules
from kb.urls import DOCUMENT_PREFIX, SEARCH_PAGE

# Document types as headings (plural); other types are shown capitalised as they are.
TYPE_LABELS = {
    "artikel": "Artiklar",
    "debattartikel": "Debattartiklar",
    "departementspromemoria": "Departementspromemorior",
    "faktapromemoria": "Faktapromemorior",
    "författning": "Författningar",
    "informationsmaterial": "Informationsmaterial",
    "kommenterad dagordning": "Kommenterade dagordningar",
    "kommittédirektiv": "Kommittédirektiv",
    "lagrådsremiss": "Lagrådsremisser",
    "pressmeddelande": "Pressmeddelanden",
    "projekt": "Projekt",
    "proposition": "Propositioner",
    "rapport": "Rapporter",
    "regeringsuppdrag": "Regeringsuppdrag",
    "remiss": "Remisser",
    "skrivelse": "Skrivelser",
    "statens offentliga utredning": "Statens offentliga utredningar",
    "tal": "Tal",
    "webbsida": "Webbsidor",
}

UNKNOWN_PUBLISHER = "Okänd utgivare"
UNKNOWN_TYPE = "övrigt"


def doc_file(doc_id: str) -> str:
    """The generated Markdown file of a document: ``dok/<id>/index.md`` → URL ``dok/<id>/``."""
    return f"{DOCUMENT_PREFIX}/{doc_id}/index.md"


SEARCH_FILE = f"{SEARCH_PAGE}/index.md"


def publisher_of(doc: Document) -> str:
    return str(doc.meta.get("publisher") or "").strip() or UNKNOWN_PUBLISHER


def type_of(doc: Document) -> str:
    return str(doc.meta.get("type") or "").strip().lower() or UNKNOWN_TYPE


def type_label(type_: str) -> str:
    return TYPE_LABELS.get(type_, type_[:1].upper() + type_[1:])


def publisher_file(publisher: str) -> str:
    return f"utgivare/{slugify(publisher)}/index.md"


def type_file(type_: str) -> str:
    return f"typ/{slugify(type_)}/index.md"


def theme_anchor(tag: str) -> str:
    return slugify(tag)


def sort_date(doc: Document) -> str:
    """The date a document was last looked at: reviewed, else published ('' if neither)."""
    return str(doc.meta.get("reviewed") or doc.meta.get("date") or "")


@dataclass
class SiteContext:
    documents: list[Document]
    site_url: str
    site_name: str
    related: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {d.id: d for d in self.documents}
        self.children: dict[str, list[Document]] = defaultdict(list)
        for d in self.documents:
            if d.parent and d.parent in self.by_id:
                self.children[d.parent].append(d)
        self.xref = CrossReferencer(self.documents)

    def by_publisher(self) -> dict[str, list[Document]]:
        """Publisher name → documents. Names that share a page slug ("Region Skåne",
        "region skane") share one page, under the most frequent spelling."""
        return _group_by_slug(self.documents, publisher_of, key=str.lower)

    def by_type(self) -> dict[str, list[Document]]:
        return _group_by_slug(self.documents, type_of, key=lambda t: type_label(t).lower())

    def by_theme(self) -> dict[str, list[Document]]:
        groups: dict[str, list[Document]] = {t: [] for t in THEMES}
        for d in self.documents:
            for t in d.tags:
                groups.setdefault(t, []).append(d)
        return groups


def _group_by_slug(documents: list[Document], name_of, key) -> dict[str, list[Document]]:
    groups: dict[str, list[Document]] = defaultdict(list)
    names: dict[str, Counter] = defaultdict(Counter)
    for d in documents:
        name = name_of(d)
        groups[slugify(name)].append(d)
        names[slugify(name)][name] += 1
    out = {names[slug].most_common(1)[0][0]: docs for slug, docs in groups.items()}
    return dict(sorted(out.items(), key=lambda kv: key(kv[0])))
