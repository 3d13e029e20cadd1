"""Finding source files and the metadata that applies to them.

The walk follows directory symlinks (curators link shared folders in) but remembers every real
directory it entered, so a link back up the tree is reported once instead of looping forever.
Only regular files are read: a named pipe or a link to ``/dev/zero`` named ``.txt`` would
otherwise block or never end. Files over the size limit (``limits.MAX_SOURCE_BYTES``) and
names that are not valid UTF-8 are skipped with a reason before anything is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

from .base import SourceFile
from .limits import max_source_bytes, too_large
from .meta import MANIFEST, SIDECAR_SUFFIXES, load_yaml_mapping, read_manifest

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


def discover(sources_dir: Path) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """All ingestible files under ``sources_dir`` sorted by ``rel``, plus ``(rel, reason)`` skips.

    Never raises for a bad file or folder: unreadable files, broken symlinks and symlink loops
    become skips so one bad file cannot stop a build.
    """
    root = Path(sources_dir).absolute()
    limit = max_source_bytes()  # once: an environment lookup per file shows at 50k files
    files: list[SourceFile] = []
    skips: list[tuple[str, str]] = []
    seen_dirs: set[tuple[int, int]] = set()
    # Each folder carries the manifests of its ancestors (dir rel, rows), root first.
    stack: list[tuple[Path, str, tuple[tuple[str, dict], ...]]] = [(root, "", ())]
    while stack:
        directory, dir_rel, chain = stack.pop()
        try:
            st = directory.stat()
        except OSError as exc:
            skips.append((dir_rel or ".", _reason(exc)))
            continue
        if (st.st_dev, st.st_ino) in seen_dirs:
            skips.append((dir_rel, "symlink loop or duplicate folder (already visited)"))
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            skips.append((dir_rel or ".", f"unreadable folder: {exc.strerror or exc}"))
            continue
        rows = _load_manifest(directory, dir_rel, entries, skips)
        if rows:
            chain = (*chain, (dir_rel, rows))
        names = {e.name for e in entries}
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = f"{dir_rel}/{entry.name}" if dir_rel else entry.name
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError as exc:
                skips.append((printable(rel), _reason(exc)))
                continue
            if not _valid_name(entry.name):
                if is_dir or entry.name.lower().endswith(SUFFIXES):
                    skips.append((printable(rel), "name is not valid UTF-8: rename it"))
                continue
            if is_dir:
                stack.append((path, rel, chain))
                continue
            if not entry.name.lower().endswith(SUFFIXES):
                continue
            problem = _not_a_source(entry, limit)
            if problem:
                skips.append((rel, problem))
                continue
            sidecars = [path.with_name(entry.name + s) for s in SIDECAR_SUFFIXES if entry.name + s in names]
            st = entry.stat()  # cached by the entry since _not_a_source
            files.append(
                SourceFile(
                    path=path, rel=rel, meta=_meta_for(rel, chain, sidecars), size=st.st_size, mtime_ns=st.st_mtime_ns
                )
            )
    files.sort(key=lambda f: f.rel)
    skips.sort()
    return files, skips


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "broken symlink"
    return f"unreadable: {exc.strerror or exc}"


def _valid_name(name: str) -> bool:
    """False for names with bytes that are not UTF-8 (``os`` gives them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(rel: str) -> str:
    """``rel`` safe to print and store: undecodable bytes shown as ``\\xf6``."""
    return os.fsencode(rel).decode("utf-8", errors="backslashreplace")


def _not_a_source(entry: os.DirEntry, limit: int) -> str | None:
    """Why ``entry`` cannot be ingested, or None: unreadable, not a regular file, or too large."""
    try:
        st = entry.stat()  # follows symlinks; one system call, cached by the entry
    except OSError as exc:
        return _reason(exc)
    if not stat.S_ISREG(st.st_mode):
        return f"not a regular file ({_kind(st.st_mode)})"
    if st.st_size > limit:
        return too_large(st.st_size)
    return _unreadable(entry.path)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _unreadable(path: str) -> str | None:
    """Why ``path`` cannot be read, or None. Opening is the only honest test (root ignores modes).

    Non-blocking, so that a file swapped for a FIFO after the regular-file check cannot hang;
    raw descriptors, because this runs once per source on every build.
    """
    try:
        fd = nonblocking(path, os.O_RDONLY)
    except OSError as exc:
        return _reason(exc)
    try:
        os.read(fd, 1)
    except OSError as exc:
        return _reason(exc)
    finally:
        os.close(fd)
    return None


def nonblocking(path: str, flags: int) -> int:
    """``open(..., opener=nonblocking)``: no wait on FIFOs (no effect on regular files)."""
    return os.open(path, flags | os.O_NONBLOCK)


def _load_manifest(directory: Path, dir_rel: str, entries: list[os.DirEntry], skips: list) -> dict:
    if not any(e.name == MANIFEST for e in entries):
        return {}
    rel = f"{dir_rel}/{MANIFEST}" if dir_rel else MANIFEST
    try:
        text = (directory / MANIFEST).read_bytes().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        skips.append((rel, f"manifest ignored: {_reason(exc)}"))
        return {}
    return read_manifest(text)


def _meta_for(rel: str, chain: tuple[tuple[str, dict], ...], sidecars: list[Path]) -> dict[str, Any]:
    """Manifest rows from the root down (nearer manifests win), then the sidecar on top.

    ``chain``: the manifests of the file's folders, root first, as (folder rel, rows); rows are
    keyed by the path relative to their folder. ``sidecars``: the file's ``.meta.yml``/
    ``.meta.yaml`` names found in its folder's listing (looked up there rather than stat-ed,
    which would cost two system calls per source).
    """
    meta: dict[str, Any] = {}
    for dir_rel, rows in chain:
        row = rows.get(rel[len(dir_rel) + 1 :] if dir_rel else rel)
        if row:
            meta.update(row)
    for sidecar in sidecars:
        try:
            if not sidecar.is_file():
                continue
        except OSError:
            continue
        try:
            data = load_yaml_mapping(sidecar.read_bytes().decode("utf-8-sig", errors="replace"))
        except (OSError, ValueError) as exc:
            meta["warning"] = f"sidecar unreadable: {exc}"
            continue
        # Scalars only: a list or mapping (or a YAML alias bomb) has no place in metadata.
        meta.update({k: v for k, v in data.items() if v is not None and v != "" and _scalar(v)})
        break
    return meta


def _scalar(value: Any) -> bool:
    import datetime as dt

    return isinstance(value, (str, int, float, bool, dt.date))
