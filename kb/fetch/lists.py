"""The pages a maintainer asks for: ``FETCH.tsv`` files anywhere under ``sources/``.

One tab-separated row per address, after a header naming the columns::

    url	path	publisher	tags
    https://www.upphandlingsmyndigheten.se/hallbarhet/	um/hallbarhet.html	Upphandlingsmyndigheten	hållbarhet

``url`` is required. ``path`` (optional) is where the copy goes, relative to the list's folder;
without it the address gives the name (``<host>/<path-as-name>.<suffix>``). Every other column is
metadata for the copy's sidecar, as in ``MANIFEST.tsv`` (``title``, ``publisher``, ``type``,
``tags``, ``license``, ``reviewed`` …). Blank lines and lines starting with ``#`` are skipped.
A TSV like the manifest, so one editor and one set of column names serve both.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from kb.ingest.discover import FETCH_LIST

MAX_ROWS = 10_000


@dataclass
class Wanted:
    """One listed address: where it came from and where its copy goes (relative to sources/)."""

    url: str
    list_rel: str  # the FETCH.tsv it is listed in, relative to sources/, with its line number
    folder: str  # the list's folder relative to sources/ ("" at the top)
    path: str = ""  # the copy's name relative to ``folder``, if the list gives one
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class ListProblem:
    where: str  # "kommun/FETCH.tsv:4"
    reason: str


def find_lists(sources: Path) -> list[Path]:
    """Every ``FETCH.tsv`` under ``sources`` (hidden folders skipped), in name order."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(sources, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if FETCH_LIST in files:
            found.append(Path(folder) / FETCH_LIST)
    return sorted(found)


def read_list(sources: Path, list_path: Path) -> tuple[list[Wanted], list[ListProblem]]:
    """The rows of one list, and a problem per row (or for the whole file) it cannot use."""
    rel = list_path.relative_to(sources).as_posix()
    folder = PurePosixPath(rel).parent.as_posix()
    folder = "" if folder == "." else folder
    try:
        text = list_path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [ListProblem(rel, f"unreadable: {exc}")]
    wanted: list[Wanted] = []
    problems: list[ListProblem] = []
    header: list[str] | None = None
    seen: set[str] = set()
    rows = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    for number, row in enumerate(rows, start=1):
        if not row or not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        where = f"{rel}:{number}"
        if header is None:
            header = [c.strip().lower() for c in row]
            if "url" not in header:
                return [], [ListProblem(where, "the first row must name the columns, e.g. url<TAB>path<TAB>publisher")]
            continue
        if len(wanted) >= MAX_ROWS:
            problems.append(ListProblem(where, f"more than {MAX_ROWS:,} addresses in one list; split it"))
            break
        record = {k: v.strip() for k, v in zip(header, row, strict=False) if k and v.strip()}
        url = record.pop("url", "")
        path = record.pop("path", "").replace("\\", "/")
        problem = check_url(url) or (check_path(path) if path else None)
        if problem is None and url in seen:
            problem = "listed twice"
        if problem:
            problems.append(ListProblem(where, f"{url or '(no url)'}: {problem}"))
            continue
        seen.add(url)
        wanted.append(Wanted(url=url, list_rel=where, folder=folder, path=path, meta=record))
    if header is None:
        problems.append(ListProblem(rel, "empty: the first row must name the columns, e.g. url<TAB>path"))
    return wanted, problems


def check_url(url: str) -> str | None:
    """Why kb will not fetch ``url``, or None: only http and https addresses with a host."""
    if not url:
        return "no address"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"only http:// and https:// addresses are fetched, not {parts.scheme or 'this'}"
    if not parts.hostname:
        return "no host in the address"
    if any(c.isspace() for c in url) or len(url) > 2000:
        return "not a valid address (spaces, or over 2,000 characters)"
    return None


def check_path(path: str) -> str | None:
    """Why ``path`` cannot name a copy inside the list's folder, or None."""
    parts = PurePosixPath(path).parts
    if path.startswith("/") or not parts or any(p in ("..", ".") or p.startswith(".") for p in parts):
        return f"path {path!r} must be a relative name inside the list's folder (no '..', no hidden names)"
    if parts[-1] in (FETCH_LIST, "MANIFEST.tsv") or parts[-1].endswith((".meta.yml", ".meta.yaml")):
        return f"path {path!r} names a kb file"
    return None
