"""Fetching every listed address into sources/ (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from kb.ingest.discover import supported, unsupported_reason
from kb.model import slugify
from kb.util.atomic_files import write_atomically

from .client import Answer, FetchFailed, PoliteClient
from .lists import Wanted, find_lists, read_list

STATE_FILE = ".fetch-state.json"
SIDECAR = ".meta.yml"
# Content types -> the suffix a copy gets when its address does not end in one kb reads.
TYPE_SUFFIXES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
}

__all__ = ["FetchOutcome", "FetchReport", "PoliteClient", "fetch_sources"]


@dataclass
class FetchOutcome:
    """One listed address: ``status`` is "new", "updated", "unchanged" or "failed"."""

    url: str
    listed: str  # "kommun/FETCH.tsv:3"
    status: str
    rel: str = ""  # the copy, relative to sources/ ("" when there is none)
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        return {"url": self.url, "listed": self.listed, "status": self.status, "path": self.rel, "reason": self.reason}


@dataclass
class FetchReport:
    outcomes: list[FetchOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[FetchOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def fetch_sources(
    sources: Path,
    client: PoliteClient | None = None,
    today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.timezone.utc).date(),
) -> FetchReport:
    """Fetch every address of every ``FETCH.tsv`` under ``sources``; never raises for one address."""
    report = FetchReport()
    own_client = client is None
    client = client or PoliteClient()
    try:
        for list_path in find_lists(sources):
            wanted, problems = read_list(sources, list_path)
            report.outcomes.extend(FetchOutcome("", p.where, "failed", reason=p.reason) for p in problems)
            state = _State(list_path.parent)
            for item in wanted:
                report.outcomes.append(_fetch_one(sources, item, client, state, today))
    finally:
        if own_client:
            client.close()
    return report


class _State:
    """What the last runs learned per address of one list: copy path, validators, digest, date."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_FILE
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.entries: dict[str, dict] = data if isinstance(data, dict) else {}

    def get(self, url: str) -> dict:
        entry = self.entries.get(url)
        return entry if isinstance(entry, dict) else {}

    def claimed(self, path: str, url: str) -> bool:
        """Whether another address's copy has this path."""
        return any(isinstance(e, dict) and e.get("path") == path for u, e in self.entries.items() if u != url)

    def save(self, url: str, entry: dict) -> None:
        self.entries[url] = entry
        write_atomically(self.path, json.dumps(self.entries, ensure_ascii=False, indent=1, sort_keys=True))


def _fetch_one(sources: Path, item: Wanted, client: PoliteClient, state: _State, today) -> FetchOutcome:
    folder = sources / item.folder if item.folder else sources
    known = state.get(item.url)
    path = item.path or known.get("path", "")
    headers: dict[str, str] = {}
    if path and known and (folder / path).is_file():
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]

    def failed(reason: str, copy: str = "") -> FetchOutcome:
        rel = _rel(item.folder, copy) if copy and (folder / copy).is_file() else ""
        return FetchOutcome(item.url, item.list_rel, "failed", rel, reason)

    try:
        answer = client.get(item.url, headers)
    except FetchFailed as e:
        return failed(e.reason, path)
    if answer.status == 304:
        if not headers:  # a 304 to a question kb did not ask: there is no copy it could mean
            return failed("HTTP 304 Not Modified, but there is no copy yet")
        _write_sidecar(folder / path, item, known.get("fetched") or today().isoformat())
        return FetchOutcome(item.url, item.list_rel, "unchanged", _rel(item.folder, path))
    if not path:
        path = _name_for(item.url, answer, state)
        if path is None:
            return failed(f"{_unsupported(item.url, answer)}; name a supported file in the list's path column")
    if not supported(path):
        return failed(unsupported_reason(path), path)
    target = folder / path
    if target.exists() and known.get("path") != path:
        return failed(
            f"sources/{_rel(item.folder, path)} exists and was not fetched from this address: "
            "give this row another path"
        )
    digest = hashlib.sha256(answer.body).hexdigest()
    entry = {
        "path": path,
        "etag": answer.headers.get("etag", ""),
        "last_modified": answer.headers.get("last-modified", ""),
        "sha256": digest,
        "fetched": known.get("fetched", ""),
    }
    if known.get("sha256") == digest and target.is_file():
        state.save(item.url, entry)  # new validators, same bytes: the copy stays as it is
        _write_sidecar(target, item, entry["fetched"] or today().isoformat())
        return FetchOutcome(item.url, item.list_rel, "unchanged", _rel(item.folder, path))
    entry["fetched"] = today().isoformat()
    problem = _would_skip(target, _rel(item.folder, path), answer.body, _sidecar_meta(item, entry["fetched"]))
    if problem:
        return failed(f"not saved, the build would skip it: {problem}", path)
    status = "updated" if target.is_file() else "new"
    write_atomically(target, answer.body, hidden=True, parents=True)
    _write_sidecar(target, item, entry["fetched"])
    state.save(item.url, entry)
    return FetchOutcome(item.url, item.list_rel, status, _rel(item.folder, path))


def _rel(folder: str, path: str) -> str:
    return f"{folder}/{path}" if folder else path


def _name_for(url: str, answer: Answer, state: _State) -> str | None:
    """'https://www.um.se/hallbarhet/cirkular/' -> 'www.um.se/hallbarhet-cirkular.html', or None
    when neither the address nor the content type gives a suffix kb reads."""
    parts = urlsplit(url)
    stem = PurePosixPath(parts.path).name
    suffix = PurePosixPath(stem).suffix.lower()
    if not supported(stem):
        suffix = TYPE_SUFFIXES.get(answer.content_type, "")
        if not suffix or not supported("x" + suffix):
            return None
    words = [slugify(p) for p in parts.path.split("/") if p]
    if words and PurePosixPath(parts.path).suffix.lower() == suffix:
        words[-1] = slugify(PurePosixPath(PurePosixPath(parts.path).name).stem)
    if parts.query:
        words.append(slugify(parts.query, 40))
    name = "-".join(words)[:100].strip("-") or "index"
    host = (parts.hostname or "host") + (f"_{parts.port}" if parts.port else "")
    path = f"{host}/{name}{suffix}"
    if state.claimed(path, url):
        path = f"{host}/{name}-{hashlib.sha256(url.encode()).hexdigest()[:8]}{suffix}"
    return path


def _unsupported(url: str, answer: Answer) -> str:
    kind = answer.content_type or "no content type"
    suffix = TYPE_SUFFIXES.get(answer.content_type)
    return unsupported_reason("x" + suffix if suffix else PurePosixPath(urlsplit(url).path).name) + f" ({kind})"


def _sidecar_meta(item: Wanted, fetched: str) -> dict[str, str]:
    return {"url": item.url, "fetched": fetched, **item.meta}


def _write_sidecar(target: Path, item: Wanted, fetched: str) -> None:
    """The copy's metadata, rewritten only when it differs (a build then re-reads the copy)."""
    import yaml

    text = "# Written by `kb fetch` from FETCH.tsv: edit the list, not this file.\n" + yaml.safe_dump(
        _sidecar_meta(item, fetched), allow_unicode=True, sort_keys=False, default_flow_style=False
    )
    sidecar = target.with_name(target.name + SIDECAR)
    try:
        if sidecar.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    write_atomically(sidecar, text, hidden=True, parents=True)


def _would_skip(target: Path, rel: str, body: bytes, meta: dict) -> str | None:
    """The build's skip reason for this content, or None: checked before the copy is replaced."""
    from kb.ingest import SkipSource, SourceFile, ingest

    target.parent.mkdir(parents=True, exist_ok=True)
    probe = target.with_name(f".{target.name}.probe")
    try:
        probe.write_bytes(body)
        ingest(SourceFile(path=probe, rel=rel, meta=meta))
    except SkipSource as e:
        return e.reason
    except Exception as e:  # noqa: BLE001 - a parser crash is this page's problem
        return f"could not be parsed ({type(e).__name__})"
    finally:
        probe.unlink(missing_ok=True)
    return None
