"""The pages around the documents: start page, search page, themes, publishers, types, all."""

from __future__ import annotations

from kb.model import Document
from kb.site.context import (
    SEARCH_FILE,
    THEMES,
    SiteContext,
    doc_file,
    publisher_file,
    publisher_of,
    sort_date,
    theme_anchor,
    type_file,
    type_label,
    type_of,
)
from kb.site.document_page import front_matter
from kb.site.markup import html_text, md_link, md_text, rel_path, rel_url

SEARCH_EXAMPLES = [
    "återbruk möbler", "klimatkrav vid upphandling av livsmedel", "hur ställer man klimatkrav på möbler",
    "19 a kap.", "LOU",
]
RECENT = 10


def search_form(file: str, autofocus: bool = False) -> str:
    action = rel_url("sok/", file)
    focus = " autofocus" if autofocus else ""
    return (
        f'<form class="kb-search-form" action="{html_text(action)}" method="get" role="search">'
        '<label for="kb-q" class="kb-visually-hidden">Sök i kunskapsbanken</label>'
        f'<input id="kb-q" type="search" name="q" placeholder="Sök, t.ex. återbruk möbler"{focus}>'
        '<button type="submit" class="md-button md-button--primary">Sök</button></form>'
    )


def doc_item(doc: Document, file: str, with_date: bool = False, with_type: bool = True) -> str:
    link = md_link(md_text(doc.title), rel_path(doc_file(doc.id), file))
    extra = []
    if with_type:  # the type of one document, singular ("pressmeddelande"), not the heading's plural
        extra.append(md_text(type_of(doc)))
    if with_date and sort_date(doc):
        extra.append(md_text(sort_date(doc)))
    extra = [e for e in extra if e]
    return f"- {link}" + (f" ({', '.join(extra)})" if extra else "")


def _recent_item(doc: Document, file: str) -> str:
    link = md_link(md_text(doc.title), rel_path(doc_file(doc.id), file))
    extra = [md_text(type_of(doc))]
    if doc.meta.get("reviewed"):
        extra.append("granskad " + md_text(str(doc.meta["reviewed"])))
    elif doc.meta.get("date"):
        extra.append("publicerad " + md_text(str(doc.meta["date"])))
    extra = [e for e in extra if e]
    return f"- {link}" + (f" ({', '.join(extra)})" if extra else "")


def _by_title(docs: list[Document]) -> list[Document]:
    return sorted(docs, key=lambda d: (d.title.lower(), d.id))


def start_page(ctx: SiteContext) -> str:
    file = "index.md"
    docs = ctx.documents
    n_sections = sum(len(d.sections) for d in docs)
    types = ctx.by_type()
    publishers = ctx.by_publisher()
    out = front_matter("Start")
    out += [
        f"# {md_text(ctx.site_name)}",
        "",
        "Här finns vägledning, författningar, regeringsuppdrag och projekt om cirkulär och "
        "klimatsmart offentlig upphandling, samlade och sökbara på ett ställe. Kunskapsbanken "
        f"innehåller {len(docs)} dokument med {n_sections} avsnitt från {len(publishers)} utgivare.",
        "",
        "## Sök",
        "",
        search_form(file),
        "",
        "Skriv några ord eller en hel fråga om det du letar efter. Sökningen känner igen böjningar "
        "och sammansatta ord (*möbler* hittar *kontorsmöbler*), klarar saknade prickar (*aterbruk*), "
        "hänvisningar till lagrum (*19 a kap. 3 § LOU*) och visar det bästa avsnittet i varje "
        "dokument. Exempel:",
        "",
    ]
    for example in SEARCH_EXAMPLES:
        href = rel_url("sok/", file) + "?q=" + _q(example)
        out.append(f'- <a href="{html_text(href)}">{html_text(example)}</a>')
    out += [
        "",
        'Sätt ord inom citattecken för en exakt fras ("cirkulära affärsmodeller") och avsluta '
        "ett ord med \\* för att söka på början av ordet (upphandl\\*).",
        "",
        "## Teman",
        "",
    ]
    for tag, docs_ in ctx.by_theme().items():
        href = rel_path("teman/index.md", file) + "#" + theme_anchor(tag)
        desc = THEMES.get(tag, "")
        out.append(f"- {md_link(md_text(tag), href)}: {md_text(desc)} ({len(docs_)} dokument)")
    out += ["", "## Bläddra", ""]
    out.append(f"- {md_link('Efter utgivare', rel_path('utgivare/index.md', file))}: "
               + ", ".join(md_text(p) for p in publishers))
    out.append(f"- {md_link('Efter dokumenttyp', rel_path('typ/index.md', file))}: "
               + ", ".join(md_text(type_label(t).lower()) for t in types))
    out.append(f"- {md_link('Alla dokument', rel_path('dok/index.md', file))}")
    # The date is the review date where a document has one, else its publication date (most
    # sources have no review date): the heading and each item say which it is.
    out += ["", "## Senast granskade eller publicerade", ""]
    recent = sorted(docs, key=lambda d: (sort_date(d), d.title), reverse=True)[:RECENT]
    for doc in recent:
        out.append(_recent_item(doc, file))
    out += [
        "",
        "## Länka hit",
        "",
        "Adresserna är stabila: ett dokument finns på `dok/<id>/`, ett avsnitt på "
        "`dok/<id>/#<avsnitt>` och en sökning på `sok/?q=återbruk+möbler`. Din webbläsare "
        "kan lägga till kunskapsbanken som sökmotor.",
        "",
    ]
    return "\n".join(out)


def _q(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text)


def search_page(ctx: SiteContext) -> str:
    file = SEARCH_FILE
    out = front_matter("Sök")
    out += [
        "# Sök i kunskapsbanken",
        "",
        search_form(file, autofocus=True),
        "",
        '<div id="kb-search" class="kb-search" data-root="../" aria-live="polite">'
        "<p>Skriv ett eller flera ord och tryck på Sök.</p></div>",
        "",
        '<noscript><p>Sökningen kräver JavaScript. Bläddra annars efter '
        '<a href="../teman/">tema</a>, <a href="../utgivare/">utgivare</a> eller '
        '<a href="../typ/">dokumenttyp</a>.</p></noscript>',
        "",
    ]
    return "\n".join(out)


def themes_page(ctx: SiteContext) -> str:
    file = "teman/index.md"
    out = front_matter("Teman")
    out += [
        "# Teman",
        "",
        "IVL Svenska Miljöinstitutets projekt och aktiviteter är markerade som *cirkulär* eller "
        "*klimatanpassad*. Varje tema listar sina dokument; taggarna överst på ett dokument leder hit.",
        "",
    ]
    for tag, docs in ctx.by_theme().items():
        out += [f"## {md_text(tag)} {{#{theme_anchor(tag)}}}", ""]
        if THEMES.get(tag):
            out += [md_text(THEMES[tag]), ""]
        out += [doc_item(d, file) for d in _by_title(docs)] or ["Inga dokument ännu."]
        out.append("")
    return "\n".join(out)


def publishers_index(ctx: SiteContext) -> str:
    file = "utgivare/index.md"
    out = front_matter("Utgivare") + ["# Utgivare", ""]
    for publisher, docs in ctx.by_publisher().items():
        link = md_link(md_text(publisher), rel_path(publisher_file(publisher), file))
        out.append(f"- {link} ({len(docs)} dokument)")
    return "\n".join(out + [""])


def publisher_page(publisher: str, docs: list[Document], ctx: SiteContext) -> str:
    file = publisher_file(publisher)
    out = front_matter(publisher) + [f"# {md_text(publisher)}", ""]
    out += [f"{len(docs)} dokument från {md_text(publisher)}.", ""]
    groups: dict[str, list[Document]] = {}
    for d in docs:
        groups.setdefault(type_of(d), []).append(d)
    for type_, group in sorted(groups.items(), key=lambda kv: type_label(kv[0])):
        out += [f"## {md_text(type_label(type_))}", ""]
        out += [doc_item(d, file, with_date=True, with_type=False) for d in _newest_first(group)]
        out.append("")
    return "\n".join(out)


def types_index(ctx: SiteContext) -> str:
    file = "typ/index.md"
    out = front_matter("Dokumenttyper") + ["# Dokumenttyper", ""]
    for type_, docs in ctx.by_type().items():
        link = md_link(md_text(type_label(type_)), rel_path(type_file(type_), file))
        out.append(f"- {link} ({len(docs)} dokument)")
    return "\n".join(out + [""])


def type_page(type_: str, docs: list[Document], ctx: SiteContext) -> str:
    file = type_file(type_)
    label = type_label(type_)
    out = front_matter(label) + [f"# {md_text(label)}", ""]
    out += [doc_item_with_publisher(d, file) for d in _newest_first(docs)]
    return "\n".join(out + [""])


def doc_item_with_publisher(doc: Document, file: str) -> str:
    link = md_link(md_text(doc.title), rel_path(doc_file(doc.id), file))
    extra = [md_text(publisher_of(doc))] + ([md_text(sort_date(doc))] if sort_date(doc) else [])
    return f"- {link} ({', '.join(extra)})"


def all_documents(ctx: SiteContext) -> str:
    file = "dok/index.md"
    out = front_matter("Alla dokument") + ["# Alla dokument", ""]
    out += [f"{len(ctx.documents)} dokument, i bokstavsordning.", ""]
    out += [doc_item(d, file) for d in _by_title(ctx.documents)]
    return "\n".join(out + [""])


def _newest_first(docs: list[Document]) -> list[Document]:
    return sorted(docs, key=lambda d: (sort_date(d), d.title), reverse=True)
