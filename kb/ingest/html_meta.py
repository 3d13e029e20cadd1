"""What a web page says about itself in its ``<head>``: title, publisher, type, date, address.

A page saved by hand (or fetched by ``kb fetch``) has no manifest row, but authorities' sites
describe their pages with Dublin Core (``DC.Creator``, ``DC.Date``), Open Graph (``og:title``,
``og:site_name``, ``article:published_time``) or a plain ``<meta name="published">``. These
values are the page's own word, so a manifest or sidecar still overrides them (see ``normalize``).

Dates come in order of trust: a publishing date first, then ``DC.Date``; ``DC.Date.Created`` is
last because regeringen.se sets it to the day its pages moved to a new system (2015-04-02 on
bills from 2006). The first ``<time datetime>`` in the text is used only when the head has none.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

from ..model import slugify
from .build import clean
from .meta import TYPE_LABELS, iso_date

# Keys are lower-case ``name`` or ``property`` values; earlier keys win.
_TITLE_KEYS = ("dc.title", "dcterms.title", "og:title")
_PUBLISHER_KEYS = ("dc.publisher", "dcterms.publisher", "dc.creator", "dcterms.creator", "og:site_name", "author")
_DATE_KEYS = (
    "article:published_time",
    "published",
    "og:published",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "date",
    "dc.date.created",
    "dcterms.created",
)
_TYPE_KEYS = ("dc.type", "dcterms.type")
_URL_KEYS = ("og:url",)
# DCMI's generic types say nothing a reader can filter on ("text" is every page).
_GENERIC_TYPES = {"text", "image", "collection", "dataset", "event", "interactiveresource", "service", "software"}
_DATE_TIME = re.compile(r"^(\d{4}-\d\d-\d\d)T")
MAX_META_CHARS = 300  # a value longer than this is junk (or an attack), not a title or a name


def page_metadata(soup: BeautifulSoup) -> dict[str, str]:
    """``{"title", "publisher", "type", "published", "url"}`` as far as the page's head gives them."""
    values = _meta_values(soup)
    found: dict[str, str] = {}
    for key, names in (("title", _TITLE_KEYS), ("publisher", _PUBLISHER_KEYS), ("url", _URL_KEYS)):
        value = _first(values, names)
        if value:
            found[key] = value
    canonical = soup.find("link", rel="canonical")
    if "url" not in found and isinstance(canonical, Tag):
        found["url"] = clean(str(canonical.get("href") or ""))[:MAX_META_CHARS]
    if not found.get("url", "").startswith(("https://", "http://")):
        found.pop("url", None)
    date = next((d for d in (_date(values.get(k, "")) for k in _DATE_KEYS) if d), None)
    date = date or _first_time_element(soup)
    if date:
        found["published"] = date
    page_type = _first(values, _TYPE_KEYS)
    if page_type and slugify(page_type).replace("-", "") not in _GENERIC_TYPES:
        found["type"] = page_type
    elif "url" in found:
        from_path = _type_from_address(found["url"])
        if from_path:
            found["type"] = from_path
    return found


def _meta_values(soup: BeautifulSoup) -> dict[str, str]:
    """The first non-empty ``content`` of each ``<meta name|property>``, keyed in lower case."""
    values: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("name") or tag.get("property")
        content = tag.get("content")
        if not isinstance(key, str) or not isinstance(content, str):
            continue
        key, content = key.strip().lower(), clean(content)
        if content and key not in values and len(content) <= MAX_META_CHARS:
            values[key] = content
    return values


def _first(values: dict[str, str], names: tuple[str, ...]) -> str:
    return next((values[n] for n in names if values.get(n)), "")


def _date(value: str) -> str | None:
    """ISO 8601 with a time ('2023-05-04T10:00:00+02:00') as well as the forms ``iso_date`` reads."""
    return iso_date(_DATE_TIME.sub(r"\1 ", value.strip(), count=1))


def _first_time_element(soup: BeautifulSoup) -> str | None:
    for tag in soup.find_all("time", limit=20):
        date = _date(str(tag.get("datetime") or ""))
        if date:
            return date
    return None


def _type_from_address(url: str) -> str | None:
    """'…/rattsdokument/proposition/2006/03/…' -> 'proposition': the section of the site names it."""
    for part in urlsplit(url).path.split("/"):
        label = TYPE_LABELS.get(slugify(part)) if part else None
        if label:
            return label
    return None
