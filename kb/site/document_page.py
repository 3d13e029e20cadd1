"""One Markdown page per document: metadata box, sections with their model anchors, "Se även".

Section anchors are written exactly as in the model (``{#anchor}`` on the heading), statute
paragraph anchors (``kap19a-3``) as ids of the paragraph markers, so ``dok/<id>/#<anchor>``
links made anywhere (API, search results, intranets) land on the right place.
"""

from __future__ import annotations

import re

from kb.model import Block, Document, Section
from kb.originals import original_file
from kb.site.context import (
    SiteContext,
    doc_file,
    publisher_file,
    publisher_of,
    theme_anchor,
    type_file,
    type_label,
    type_of,
)
from kb.site.licence_text import licence_in_swedish
from kb.site.markup import html_text, md_link, md_text, rel_path, rel_url, safe_href, yaml_str
from kb.site.repeats import without_repeats

_ANCHOR_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$|^[0-9][A-Za-z0-9_-]*$")


def safe_anchor(anchor: str) -> str:
    """Model anchors are slugs; anything else is reduced so it cannot break the attribute list."""
    return anchor if _ANCHOR_OK.match(anchor or "") else re.sub(r"[^A-Za-z0-9_-]", "-", anchor or "x")


def front_matter(title: str, tags: list[str] | None = None) -> list[str]:
    """YAML front matter. The theme puts ``title`` and tag names into HTML unescaped (in the
    header, the navigation, tag chips), so they are HTML-escaped here."""
    lines = ["---", f"title: {yaml_str(html_text(title))}"]
    if tags:
        lines.append("tags:")
        lines.extend(f"  - {yaml_str(html_text(t))}" for t in tags)
    lines += ["---", ""]
    return lines


def heading_offset(doc: Document) -> int:
    """1 when every section path repeats the document title (an IVL project), else 0."""
    if doc.sections and all(s.path and s.path[0] == doc.title for s in doc.sections):
        return 1
    return 0


def document_page(doc: Document, ctx: SiteContext) -> str:
    file = doc_file(doc.id)
    out = front_matter(doc.title, doc.tags)
    offset = heading_offset(doc)
    first = doc.sections[0] if doc.sections else None
    h1_anchor = None
    if first is not None and len(first.path) - offset <= 0:
        h1_anchor = safe_anchor(first.anchor)
    out.append(f"# {md_text(doc.title)}" + (f" {{#{h1_anchor}}}" if h1_anchor else ""))
    out.append("")
    out.append(metadata_box(doc, ctx, file))
    out.append("")
    out += parent_and_children(doc, ctx, file)
    shown_page = None
    for i, section in enumerate(doc.sections):
        new_page = section.page != shown_page  # a page link where the page changes, not under every heading
        shown_page = section.page
        out += section_lines(
            section, doc, ctx, file, offset, skip_heading=(i == 0 and h1_anchor is not None), page_link=new_page
        )
    out += see_also(doc, ctx, file)
    return "\n".join(out).rstrip() + "\n"


def metadata_box(doc: Document, ctx: SiteContext, file: str) -> str:
    """Raw HTML (every value escaped): utgivare, typ, datum / senast granskad, original, licens."""
    meta = doc.meta
    publisher, type_ = publisher_of(doc), type_of(doc)
    rows = [
        ("Utgivare", _a(rel_url(_dir(publisher_file(publisher)), file), publisher)),
        ("Typ", _a(rel_url(_dir(type_file(type_)), file), type_label(type_))),
    ]
    if meta.get("beteckning"):
        rows.append(("SFS-nummer", html_text(str(meta["beteckning"]))))
    if meta.get("diarienummer"):
        rows.append(("Diarienummer", html_text(str(meta["diarienummer"]))))
    if meta.get("date"):
        rows.append(("Datum", html_text(str(meta["date"]))))
    if meta.get("reviewed"):
        rows.append(("Senast granskad", html_text(str(meta["reviewed"]))))
    if not meta.get("date") and not meta.get("reviewed"):
        rows.append(("Senast granskad", "uppgift saknas"))
    href = safe_href(str(meta.get("url") or ""))
    if href:
        original = f'<a href="{href}" rel="noopener noreferrer">{html_text(str(meta["url"]))}</a>'
    else:
        original = "Originalets adress är inte känd."
    rows.append(("Original", original))
    published = original_file(doc.id, doc.source)
    if published:
        rows.append(("Originalfil", _original_link(published, meta)))
    if doc.tags:
        links = [_a(rel_url("teman/", file) + "#" + theme_anchor(t), t) for t in doc.tags]
        rows.append(("Tema", ", ".join(links)))
    licence = licence_in_swedish(str(meta.get("license") or "")) or "Uppgift om licens saknas."
    rows.append(("Licens", html_text(licence)))
    rows.append(("Källfil", f"<code>{html_text(doc.source)}</code>"))
    cells = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<div class="kb-meta" data-pagefind-ignore="all"><dl>{cells}</dl></div>'


def _original_link(published: str, meta: dict) -> str:
    """'original.pdf' (relative to the document page) with its format and page count."""
    name = published.rsplit("/", 1)[-1]
    kind = {"pdf": "PDF", "docx": "Word", "odt": "OpenDocument"}[name.rsplit(".", 1)[-1]]
    pages = f", {meta['pages']} sidor" if str(meta.get("pages") or "").isdigit() else ""
    return f'<a href="{html_text(name)}">Ladda ned originalet ({kind}{pages})</a>'


def _a(href: str, text: str) -> str:
    return f'<a href="{html_text(href)}">{html_text(text)}</a>'


def _dir(md_file: str) -> str:
    return md_file[: -len("index.md")]


def parent_and_children(doc: Document, ctx: SiteContext, file: str) -> list[str]:
    out: list[str] = []
    parent = ctx.by_id.get(doc.parent) if doc.parent else None
    if parent is not None:
        link = md_link(md_text(parent.title), rel_path(doc_file(parent.id), file))
        out += [f"Del av: {link}", "{: .kb-parent }", ""]
    children = ctx.children.get(doc.id, [])
    if children:
        out += ["Projekt och aktiviteter på den här sidan:", ""]
        for child in children:
            tags = f" ({md_text(', '.join(child.tags))})" if child.tags else ""
            out.append("- " + md_link(md_text(child.title), rel_path(doc_file(child.id), file)) + tags)
        out.append("")
    return out


def section_lines(
    section: Section, doc: Document, ctx: SiteContext, file: str, offset: int, skip_heading: bool,
    page_link: bool = True,
) -> list[str]:
    out: list[str] = []
    anchor = safe_anchor(section.anchor)
    rel_path_ = section.path[offset:]
    if not skip_heading:
        if rel_path_:
            level = min(len(rel_path_) + 1, 6)
            out += [f"{'#' * level} {md_text(rel_path_[-1])} {{#{anchor}}}", ""]
        else:
            out += [f'<div id="{html_text(anchor)}" class="kb-anchor"></div>', ""]
    published = original_file(doc.id, doc.source)
    if page_link and section.page and published and published.endswith(".pdf"):
        out += [
            f'<p class="kb-page" data-pagefind-ignore="all"><a href="original.pdf#page={section.page}">'
            f"Sidan {section.page} i originalet (PDF)</a></p>",
            "",
        ]
    out += block_lines(without_repeats(section.blocks), doc, ctx, file)
    return out


def block_lines(blocks: list[Block], doc: Document, ctx: SiteContext, file: str) -> list[str]:
    out: list[str] = []
    in_list = False
    for block in blocks:
        if block.kind == "li":
            if not in_list:
                in_list = True
            out.append("- " + (ctx.xref.link(block.text, doc, file) or md_text("–")))
            continue
        if in_list:
            out.append("")
            in_list = False
        if block.kind == "para":
            attrs = f"#{safe_anchor(block.anchor)} .kb-para" if block.anchor else ".kb-para"
            out += [f"**{md_text(block.text)}**", f"{{: {attrs} }}", ""]
        elif block.kind == "h":
            out += [f"**{md_text(block.text)}**", "{: .kb-minor }", ""]
        else:
            text = ctx.xref.link(block.text, doc, file)
            if text:
                out += [text, ""]
    if in_list:
        out.append("")
    return out


def see_also(doc: Document, ctx: SiteContext, file: str) -> list[str]:
    related = [(i, t) for i, t in ctx.related.get(doc.id, []) if i in ctx.by_id and i != doc.id]
    if not related:
        return []
    items = "".join(
        f'<li><a href="{html_text(rel_url(_dir(doc_file(rid)), file))}">'
        f"{html_text(title or ctx.by_id[rid].title)}</a></li>"
        for rid, title in related
    )
    out = [
        '<div class="kb-related" data-pagefind-ignore="all">'
        f'<h2 id="kb-se-aven">Se även</h2><ul>{items}</ul></div>'
    ]
    return out + [""]
