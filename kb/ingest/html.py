"""HTML pages: main content only, as sections by h2–h4.

Saved pages are mostly chrome (menus, cookie banners, scripts); indexing that would make every
page match "cookies" or "meny". All traversal is iterative: real-world HTML can nest thousands
of levels deep and a recursive walk would die with RecursionError.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag, XMLParsedAsHTMLWarning
from bs4.element import CData, Declaration, ProcessingInstruction

from ..model import Document, doc_id
from .base import SkipSource
from .build import Sections, clean, strip_link_labels
from .html_meta import page_metadata
from .meta import normalize

_DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "nav",
    "aside",
    "footer",
    "button",
    "select",
    "object",
    "embed",
    "canvas",
    "map",
    "dialog",
    "head",
]
_JUNK = re.compile(
    r"cookie|consent|gdpr|breadcrumb|brodsmul|skip|hoppa|menu|meny|navbar|navigation|nav-|-nav\b|^nav$"
    r"|sidebar|share|social|popup|modal|search-form|sok-?form|header|footer|toolbar|print|banner",
    re.I,
)
_MAIN_IDS = re.compile(r"^(content|main|main-?content|maincontent|primary|innehall|page-content)$", re.I)
_BLOCK_TAGS = {
    "address",
    "article",
    "blockquote",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "header",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "td",
    "th",
    "ul",
    "caption",
    "summary",
    "br",
    "body",
    "html",
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_STRINGS = (Comment, Doctype, CData, Declaration, ProcessingInstruction)


def ingest_html(rel: str, text: str, raw_meta: dict, fallback_title: str) -> list[Document]:
    """Parse one page into one Document; a page without main text is skipped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # XHTML pages are still HTML to us
        soup = BeautifulSoup(text, "lxml")
    page_title = clean(soup.title.get_text(" ")) if soup.title else ""
    head = page_metadata(soup)  # before the chrome (and <head>) goes
    _remove_chrome(soup)
    container = _main_container(soup)
    h1 = container.find("h1") or soup.find("h1")
    title = _heading_text(h1) if isinstance(h1, Tag) else ""
    title = title or head.get("title") or page_title or raw_meta.get("title") or fallback_title
    sections = _walk(container, title, h1 if isinstance(h1, Tag) else None)
    result = sections.result()
    if not result:
        raise SkipSource("no text content")
    return [Document(id=doc_id(rel), title=title, source=rel, sections=result, meta=normalize(raw_meta, head))]


_VIGNETTE = re.compile(r"vignette|kicker|eyebrow|label|meta", re.I)


def _heading_text(h1: Tag) -> str:
    """The h1 text without decorations such as regeringen.se's "ID-nummer: SOU 2017:66" vignette."""
    full = clean(h1.get_text(" "))
    title = full
    for decoration in h1.find_all(class_=_VIGNETTE):
        title = title.replace(clean(decoration.get_text(" ")), "")
    return clean(title) or full


def _remove_chrome(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    doomed: list[Tag] = []
    for tag in soup.find_all(True):
        if tag.name in ("html", "body", "main") or tag.attrs is None:
            continue
        attrs = " ".join([tag.get("id") or "", *(tag.get("class") or []), tag.get("role") or ""])
        hidden = (
            tag.has_attr("hidden")
            or tag.get("aria-hidden") == "true"
            or re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", tag.get("style") or "", re.I)
        )
        junk = (
            tag.name in ("header", "form")
            or tag.get("role") in ("navigation", "banner", "contentinfo", "search", "dialog")
            or _JUNK.search(attrs)
        )
        # Whole-page wrappers (ASP.NET's <form>, a header holding the h1) must survive.
        if (hidden or junk) and not tag.find(["h1", "main", "article"]):
            doomed.append(tag)
    for tag in doomed:
        if not tag.decomposed:  # not already removed with an ancestor
            tag.decompose()


def _main_container(soup: BeautifulSoup) -> Tag:
    """<main>, <article>, [role=main] or #content-like, if it holds real text; else <body>."""
    candidates = [
        soup.find("main"),
        soup.find(attrs={"role": "main"}),
        soup.find("article"),
        soup.find(id=_MAIN_IDS),
        soup.find(class_=_MAIN_IDS),
    ]
    for candidate in candidates:
        if isinstance(candidate, Tag) and len(candidate.get_text(" ", strip=True)) >= 200:
            return candidate
    body = soup.body
    return body if isinstance(body, Tag) else soup


def _walk(container: Tag, title: str, h1: Tag | None) -> Sections:
    """Depth-first, iterative: text between block boundaries becomes one block."""
    sections = Sections()
    sections.start([title])
    path: list[tuple[int, str]] = []
    buffer: list[str] = []
    open_blocks: list[str] = []
    heading: list[str] | None = None  # collecting heading text

    def flush() -> None:
        text = clean(" ".join(buffer))
        buffer.clear()
        if text:
            sections.add("li" if "li" in open_blocks else "p", strip_link_labels(text))

    stack: list[tuple[object, bool]] = [(container, False)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, _SKIP_STRINGS):
                (heading if heading is not None else buffer).append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name in _HEADINGS:
            if not leaving:
                flush()
                heading = []
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.contents))
                continue
            text, heading = clean(" ".join(heading or [])), None
            if not text or node is h1:
                continue
            level = int(name[1])
            if level >= 5:
                sections.add("h", text)
                continue
            level = max(level, 2)
            path = [(lv, h) for lv, h in path if lv < level] + [(level, text)]
            sections.start([h for _, h in path])
            continue
        if name == "br":
            if heading is None:
                buffer.append("\n")
            continue
        if name in _BLOCK_TAGS and heading is None:
            flush()
            if leaving:
                if open_blocks:
                    open_blocks.pop()
                continue
            open_blocks.append(name)
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    flush()
    return sections
