"""Escaping source text on its way into Markdown and HTML.

Everything that comes from a source (titles, headings, paragraphs, metadata) goes through
these functions, so a source containing ``<script>``, ``onerror=`` attributes, a Markdown
link to ``javascript:``, emphasis, attribute lists or raw HTML shows as text and runs nothing.
"""

from __future__ import annotations

import html
import json
import posixpath
import re

# Python-Markdown's backslash escapes (markdown.Markdown.ESCAPED_CHARS); escaping any other
# character would leave a visible backslash. ``<``, ``>`` and ``&`` are turned into entities.
_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: str) -> str:
    """One line of plain text: control characters dropped, runs of white space folded."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def md_text(text: str) -> str:
    """Source text as inline Markdown that renders exactly as the text, on one line."""
    escaped = _MD_SPECIALS.sub(r"\\\1", clean(text))
    return html.escape(escaped, quote=False)


def html_text(text: str) -> str:
    """Source text for HTML element content or a quoted attribute value."""
    return html.escape(clean(text), quote=True)


def yaml_str(text: str) -> str:
    """A YAML scalar for front matter (JSON strings are valid YAML)."""
    return json.dumps(clean(text), ensure_ascii=False)


def safe_href(url: str) -> str | None:
    """An external link only if it is http(s); anything else (``javascript:``…) is dropped."""
    url = clean(url)
    if re.match(r"^https?://[^\s<>\"']+$", url, flags=re.IGNORECASE):
        return html.escape(url, quote=True)
    return None


def md_link(text_md: str, target: str) -> str:
    """A Markdown link; ``text_md`` must already be escaped, ``target`` is a site-internal path."""
    return f"[{text_md}](<{target}>)" if " " in target else f"[{text_md}]({target})"


def rel_path(target: str, from_file: str) -> str:
    """Relative path between two files of the docs folder (for Markdown links MkDocs checks)."""
    start = posixpath.dirname(from_file) or "."
    return posixpath.relpath(target, start)


def rel_url(target_dir: str, from_file: str) -> str:
    """Relative URL from the page built from ``from_file`` (``a/b/index.md`` → ``a/b/``)
    to the page directory ``target_dir`` (``dok/x/``), for raw HTML MkDocs does not rewrite."""
    page_dir = _page_dir(from_file)
    rel = posixpath.relpath(target_dir.rstrip("/") or ".", page_dir.rstrip("/") or ".")
    if rel == ".":
        return "./"
    return rel + "/"


def _page_dir(md_file: str) -> str:
    if md_file == "index.md":
        return "."
    if md_file.endswith("/index.md"):
        return md_file[: -len("/index.md")]
    return md_file[: -len(".md")]
