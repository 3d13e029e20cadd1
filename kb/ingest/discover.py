"""Finding source files and the metadata that applies to them.

The walk follows directory symlinks (curators link shared folders in) but remembers every real
directory it entered, so a link back up the tree is reported once instead of looping forever.
Only regular files are read: a named pipe or a link to ``/dev/zero`` named ``.txt`` would
otherwise block or never end. Files over the size limit (``limits.MAX_SOURCE_BYTES``) and
names that are not valid UTF-8 are skipped with a reason before anything is read.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from .base import SourceFile
from .limits import max_source_bytes, too_large
from .meta import MANIFEST, SIDECAR_SUFFIXES, load_yaml_mapping, read_manifest

# The one list of formats ``kb build`` and ``kb ingest`` take (``kb.ingest.formats`` names them).
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".odt")


def accepted_formats() -> str:
    """The accepted file endings for messages that tell a user what to put in sources/."""
    return ", ".join(SUFFIXES)
# Files in sources/ that configure kb rather than hold text: never indexed, never reported.
FETCH_LIST = "FETCH.tsv"  # the pages `kb fetch` downloads (see kb.fetch)


def supported(name: str) -> bool:
    """Whether a file of this name is a source kb reads: the one test `kb build` and `kb ingest` share."""
    return name.lower().endswith(SUFFIXES)


def unsupported_reason(name: str) -> str:
    """'unsupported format .rtf; supported: .txt, .md, …' for a file whose suffix kb does not read."""
    suffix = PurePosixPath(name).suffix.lower()
    shown = suffix if suffix and len(suffix) <= 12 and suffix.isprintable() else "(no known suffix)"
    return f"unsupported format {shown}; supported: {', '.join(SUFFIXES)}"

# The manifests of a folder and its ancestors, root first: (folder rel, rows by path, signature).
Chain = tuple[tuple[str, dict, str], ...]


class Found(NamedTuple):
    """A source file as the walk saw it: its stat, and what its metadata is read from.

    ``meta_sig`` names the metadata files that apply (manifests above it, its sidecar) with their
    size and modification time, so a build can tell that metadata is unchanged without reading it.
    """

    rel: str
    path: str
    size: int
    mtime_ns: int
    ctime_ns: int
    meta_sig: str  # "" when no manifest or sidecar applies
    newest_ns: int  # the latest modification time of the file and its metadata files
    chain: Chain
    sidecars: tuple[str, ...]  # paths of NAME.EXT.meta.yml / .meta.yaml in its folder


def discover(sources_dir: Path) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """All ingestible files under ``sources_dir`` sorted by ``rel``, plus ``(rel, reason)`` skips.

    Never raises for a bad file or folder: unreadable files, broken symlinks and symlink loops
    become skips so one bad file cannot stop a build.
    """
    found, skips = walk(sources_dir)
    files: list[SourceFile] = []
    for f in found:
        problem = unreadable(f.path)
        if problem:
            skips.append((f.rel, problem))
            continue
        files.append(source_file(f))
    skips.sort()
    return files, skips


def source_file(found: Found) -> SourceFile:
    """The ``SourceFile`` to ingest, with its metadata read (manifests, sidecar)."""
    return SourceFile(
        path=Path(found.path),
        rel=found.rel,
        meta=_meta_for(found.rel, found.chain, found.sidecars),
        size=found.size,
        mtime_ns=found.mtime_ns,
    )


class _EveryFile(dict):
    """Manifest rows that give every file the same metadata: the knowledge base's defaults."""

    def get(self, key, default=None):  # noqa: ARG002 - every path has the row
        return self["*"]


def defaults_chain(defaults: dict[str, Any] | None) -> Chain:
    """The start of every file's manifest chain: the defaults, below every manifest and sidecar;
    their signature joins each file's, so a changed default reads every source again."""
    if not defaults:
        return ()
    digest = hashlib.sha256(json.dumps(defaults, sort_keys=True).encode()).hexdigest()[:16]
    signature = f"defaults:{digest}:0"  # a manifest's signature ends with its mtime: none here
    return (("", _EveryFile({"*": dict(defaults)}), signature),)


def walk(sources_dir: Path, defaults: dict[str, Any] | None = None) -> tuple[list[Found], list[tuple[str, str]]]:
    """Every candidate source under ``sources_dir`` (sorted by ``rel``) with its stat, and the skips.

    One ``scandir`` per folder and one ``stat`` per file (the entry's): this runs over every source
    on every build. Files are not opened here (see ``unreadable``) and sidecars are not read (see
    ``source_file``), so a build can do both only for the files that changed. Each folder's
    entries are visited in name order (a folder's name counting with its "/"), which is the order
    of the ``rel`` strings: no sort of all the files at the end.
    """
    root = Path(sources_dir).absolute()
    files: list[Found] = []
    skips: list[tuple[str, str]] = []
    _walk_folder(str(root), "", defaults_chain(defaults), files, skips, set(), max_source_bytes())
    skips.sort()
    return files, skips


def _walk_folder(
    directory: str,
    dir_rel: str,
    chain: Chain,
    files: list[Found],
    skips: list[tuple[str, str]],
    seen_dirs: set[tuple[int, int]],
    limit: int,
) -> None:
    try:
        st = os.stat(directory)
    except OSError as exc:
        skips.append((dir_rel or ".", _reason(exc)))
        return
    if (st.st_dev, st.st_ino) in seen_dirs:
        skips.append((dir_rel, "symlink loop or duplicate folder (already visited)"))
        return
    seen_dirs.add((st.st_dev, st.st_ino))
    try:
        with os.scandir(directory) as listing:
            entries = list(listing)
    except OSError as exc:
        skips.append((dir_rel or ".", f"unreadable folder: {exc.strerror or exc}"))
        return
    prefix = f"{dir_rel}/" if dir_rel else ""
    suffixes, isreg, new = SUFFIXES, stat.S_ISREG, tuple.__new__
    visits: list[tuple[str, os.DirEntry, bool]] = []  # (sort key, entry, is a folder)
    sidecar_entries: dict[str, os.DirEntry] = {}
    manifest = None
    for entry in entries:
        name = entry.name
        if name[0] == ".":
            continue
        try:
            is_dir = entry.is_dir()  # follows symlinks
        except OSError as exc:
            skips.append((printable(prefix + name), _reason(exc)))
            continue
        if not name.isascii() and not _valid_name(name):
            skips.append((printable(prefix + name), "name is not valid UTF-8: rename it"))
            continue
        if is_dir:
            visits.append((name + "/", entry, True))
        elif name.endswith(suffixes) or name.lower().endswith(suffixes):
            visits.append((name, entry, False))
        elif name.endswith(SIDECAR_SUFFIXES):
            sidecar_entries[name] = entry
        elif name == MANIFEST:
            manifest = entry
        elif name != FETCH_LIST:
            skips.append((printable(prefix + name), unsupported_reason(name)))
    if manifest is not None:
        chain = _with_manifest(chain, dir_rel, manifest, skips)
    chain_sig = "|".join(sig for _, _, sig in chain)
    chain_newest = max((_sig_mtime(sig) for _, _, sig in chain), default=0)
    visits.sort()  # keys are unique in a folder, so only they are compared
    for key, entry, is_dir in visits:
        if is_dir:
            _walk_folder(entry.path, prefix + key[:-1], chain, files, skips, seen_dirs, limit)
            continue
        rel = prefix + key
        try:
            st = entry.stat()  # follows symlinks; one system call, cached by the entry
        except OSError as exc:
            skips.append((rel, _reason(exc)))
            continue
        if not isreg(st.st_mode):
            skips.append((rel, f"not a regular file ({_kind(st.st_mode)})"))
            continue
        if st.st_size > limit:
            skips.append((rel, too_large(st.st_size)))
            continue
        mtime = st.st_mtime_ns
        meta_sig, newest, sidecars = chain_sig, mtime if mtime > chain_newest else chain_newest, ()
        if sidecar_entries:
            meta_sig, newest, sidecars = _with_sidecars(key, sidecar_entries, meta_sig, newest)
        # tuple.__new__ directly: a NamedTuple's own __new__ is a Python call, 50k times
        found = (rel, entry.path, st.st_size, mtime, st.st_ctime_ns, meta_sig, newest, chain, sidecars)
        files.append(new(Found, found))


def _with_manifest(chain: Chain, dir_rel: str, manifest: os.DirEntry, skips: list) -> Chain:
    """``chain`` with this folder's manifest read (manifests are few: one per folder at most)."""
    rel = f"{dir_rel}/{MANIFEST}" if dir_rel else MANIFEST
    try:
        st = manifest.stat()
        with open(manifest.path, "rb") as f:
            text = f.read().decode("utf-8-sig", errors="replace")
    except OSError as exc:
        skips.append((rel, f"manifest ignored: {_reason(exc)}"))
        return chain
    rows = read_manifest(text)
    if not rows:
        return chain
    return (*chain, (dir_rel, rows, f"{rel}:{st.st_size}:{st.st_mtime_ns}"))


def _with_sidecars(name: str, sidecar_entries: dict[str, os.DirEntry], meta_sig: str, newest: int):
    """The file's sidecars, and the metadata signature and newest time including them."""
    paths = []
    for suffix in SIDECAR_SUFFIXES:
        entry = sidecar_entries.get(name + suffix)
        if entry is None:
            continue
        paths.append(entry.path)
        try:
            st = entry.stat()
            meta_sig += f"|{entry.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_mode}"
            newest = max(newest, st.st_mtime_ns)
        except OSError as exc:
            meta_sig += f"|{entry.name}:{exc.errno}"
    return meta_sig, newest, tuple(paths)


def _sig_mtime(sig: str) -> int:
    return int(sig.rpartition(":")[2])


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


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def unreadable(path: str) -> str | None:
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


def _meta_for(rel: str, chain: Chain, sidecars: tuple[str, ...]) -> dict[str, Any]:
    """Manifest rows from the root down (nearer manifests win), then the sidecar on top.

    ``chain``: the manifests of the file's folders, root first; rows are keyed by the path
    relative to their folder. ``sidecars``: the file's ``.meta.yml``/``.meta.yaml`` paths found
    in its folder's listing (looked up there rather than stat-ed, which would cost two system
    calls per source).
    """
    meta: dict[str, Any] = {}
    for dir_rel, rows, _ in chain:
        row = rows.get(rel[len(dir_rel) + 1 :] if dir_rel else rel)
        if row:
            meta.update(row)
    if not sidecars:
        return meta
    for sidecar in map(Path, sidecars):
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
        # Scalars, and lists of scalars (tags): a mapping or nested list (a YAML alias bomb) has
        # no place in metadata.
        meta.update({k: v for k, v in data.items() if v is not None and v != "" and _scalar_or_list(v)})
        break
    return meta


def _scalar(value: Any) -> bool:
    import datetime as dt

    return isinstance(value, (str, int, float, bool, dt.date))


def _scalar_or_list(value: Any) -> bool:
    if isinstance(value, list):
        return len(value) <= 1000 and all(_scalar(item) for item in value)
    return _scalar(value)
