"""``feed.xml``: an Atom feed of new and changed documents, for intranets to subscribe to.

A document's "updated" time is when a build first saw it, or saw its content change; a
document seen for the first time keeps its own date (reviewed, else published) when it has
one, so the first build of an existing collection does not announce everything as new.
``build/feed-state.json`` remembers, per document, a hash of its content and those times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from kb.model import Document
from kb.urls import document_url
from kb.util.atomic_files import write_atomically

FEED_FILE = "feed.xml"
STATE_FILE = "feed-state.json"
MAX_ENTRIES = 50
SUMMARY_CHARS = 300


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _own_date(doc: Document) -> str | None:
    value = str(doc.meta.get("reviewed") or doc.meta.get("date") or "")[:10]
    try:
        return dt.date.fromisoformat(value).isoformat() + "T00:00:00Z"
    except ValueError:
        return None


def _content_hash(doc: Document) -> str:
    from kb.engine import document_json

    return hashlib.sha256(document_json(doc).encode()).hexdigest()[:24]


def update_state(state_path: Path, documents: list[Document], now: str | None = None) -> dict[str, dict]:
    """Per document id: ``{"hash", "published", "updated", "new"}`` after this build (saved)."""
    now = now or _now()
    try:
        old = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    state = {}
    for doc in documents:
        digest = _content_hash(doc)
        seen = old.get(doc.id) if isinstance(old.get(doc.id), dict) else None
        if seen is None:
            first = _own_date(doc) if not old else None  # the first build: the documents' own dates
            state[doc.id] = {"hash": digest, "published": first or now, "updated": first or now}
        elif seen.get("hash") != digest:
            state[doc.id] = {**seen, "hash": digest, "updated": now}
        else:
            state[doc.id] = seen
    if state != old:
        write_atomically(state_path, json.dumps(state, ensure_ascii=False, sort_keys=True), parents=True)
    return state


def atom_feed(documents: list[Document], state: dict[str, dict], site_url: str, site_name: str) -> str:
    """The feed: the ``MAX_ENTRIES`` documents updated last, newest first."""
    base = site_url if site_url.endswith("/") else site_url + "/"
    by_id = {d.id: d for d in documents if not d.parent}
    latest = sorted(by_id, key=lambda i: (state[i]["updated"], i), reverse=True)[:MAX_ENTRIES]
    updated = state[latest[0]]["updated"] if latest else "1970-01-01T00:00:00Z"
    entries = []
    for doc_id in latest:
        doc, times = by_id[doc_id], state[doc_id]
        url = document_url(base, doc_id)
        kind = "Nytt" if times["published"] == times["updated"] else "Ändrat"
        summary = " ".join(" ".join(s.text for s in doc.sections).split())
        summary = summary[:SUMMARY_CHARS] + ("…" if len(summary) > SUMMARY_CHARS else "")
        entries.append(
            "  <entry>\n"
            f"    <title>{xml_escape(doc.title)}</title>\n"
            f'    <link rel="alternate" type="text/html" href="{xml_escape(url)}"/>\n'
            f"    <id>{xml_escape(url)}</id>\n"
            f"    <published>{times['published']}</published>\n"
            f"    <updated>{times['updated']}</updated>\n"
            f'    <category term="{kind}"/>\n'
            f"    <summary>{xml_escape(summary)}</summary>\n"
            "  </entry>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="sv">\n'
        f"  <title>{xml_escape(site_name)}: nya och ändrade dokument</title>\n"
        f'  <link rel="self" type="application/atom+xml" href="{xml_escape(base + FEED_FILE)}"/>\n'
        f'  <link rel="alternate" type="text/html" href="{xml_escape(base)}"/>\n'
        f"  <id>{xml_escape(base + FEED_FILE)}</id>\n"
        f"  <updated>{updated}</updated>\n"
        f"  <author><name>{xml_escape(site_name)}</name></author>\n"
        + "".join(entries)
        + "</feed>\n"
    )


def feed_file(project, documents: list[Document], site_url: str, site_name: str) -> str:
    """Update the feed state of ``project`` and return ``feed.xml``."""
    state = update_state(project.build / STATE_FILE, documents)
    return atom_feed(documents, state, site_url, site_name)
