"""Finding source files and the metadata that applies to them.

The walk follows directory symlinks (curators link shared folders in) but remembers every real
directory it entered, so a link back up the tree is reported once instead of looping forever.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

from .base import SourceFile
from .meta import MANIFEST, SIDECAR_SUFFIXES, load_yaml_mapping, read_manifest

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


def discover(sources_dir: Path) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """All ingestible files under ``sources_dir`` sorted by ``rel``, plus ``(rel, reason)`` skips.

    Never raises for a bad file or folder: unreadable files, broken symlinks and symlink loops
    become skips so one bad file cannot stop a build.
    """
    root = Path(sources_dir).absolute()
    files: list[SourceFile] = []
    skips: list[tuple[str, str]] = []
    manifests: dict[str, dict[str, dict[str, str]]] = {}  # dir rel -> rows
    seen_dirs: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        directory, dir_rel = stack.pop()
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
        manifests[dir_rel] = _load_manifest(directory, dir_rel, entries, skips)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = f"{dir_rel}/{entry.name}" if dir_rel else entry.name
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError as exc:
                skips.append((rel, _reason(exc)))
                continue
            if is_dir:
                stack.append((path, rel))
                continue
            if not entry.name.lower().endswith(SUFFIXES):
                continue
            problem = _unreadable(path)
            if problem:
                skips.append((rel, problem))
                continue
            files.append(SourceFile(path=path, rel=rel, meta=_meta_for(rel, manifests, path)))
    files.sort(key=lambda f: f.rel)
    skips.sort()
    return files, skips


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "broken symlink"
    return f"unreadable: {exc.strerror or exc}"


def _unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be read, or None. Opening is the only honest test (root ignores modes)."""
    if path.is_symlink() and not path.exists():
        try:
            path.stat()
        except OSError as exc:
            return _reason(exc)
        return "broken symlink"
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        return _reason(exc)
    return None


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


def _meta_for(rel: str, manifests: dict[str, dict[str, dict[str, str]]], path: Path) -> dict[str, Any]:
    """Manifest rows from the root down (nearer manifests win), then the sidecar on top."""
    meta: dict[str, Any] = {}
    parts = rel.split("/")
    for depth in range(len(parts)):
        dir_rel = "/".join(parts[:depth])
        row = manifests.get(dir_rel, {}).get("/".join(parts[depth:]))
        if row:
            meta.update(row)
    for suffix in SIDECAR_SUFFIXES:
        sidecar = path.with_name(path.name + suffix)
        if not sidecar.is_file():
            continue
        try:
            data = load_yaml_mapping(sidecar.read_bytes().decode("utf-8-sig", errors="replace"))
        except (OSError, ValueError) as exc:
            meta["warning"] = f"sidecar unreadable: {exc}"
            continue
        meta.update({k: v for k, v in data.items() if v is not None and v != ""})
        break
    return meta
