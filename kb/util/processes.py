"""Process helpers: whether a process still runs (builds leave PID-named leftovers that only a dead
build's may be removed), the set-up of build worker processes, and C library functions."""

from __future__ import annotations

import functools
import gc
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager


def process_alive(pid: int) -> bool:
    """True for this process and for any process we may not signal (it exists, owned by another user)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Run a bulk job without Python's cyclic garbage collector, then collect once.

    A build makes millions of objects that live until it ends (a slice's word memos and term
    tables, a large folder's source state, the site's pages), and each automatic collection
    scans them again: ~5% of a worker's time, ~10% of a build that found nothing changed, for
    nothing, since the build's own objects form no reference cycles (a test holds
    ``SegmentBuilder`` to that). The one collection at the end takes whatever a library left
    in cycles. Only the use that turned the collector off collects: a nested use, or one in a
    process that runs without it for good (a build worker, see ``collector_off_for_good``),
    leaves that to the outer one, since a full collection scans every cache the process holds
    (0.1-0.3 s per slice of a worker, for a few hundred objects found).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect()


def collector_off_for_good() -> None:
    """Turn the cyclic collector off for the rest of this short-lived process (a build worker):
    its slices then skip the collection at their end (a few hundred objects per slice)."""
    gc.disable()


def ignore_sigint() -> None:
    """A worker's initializer: Ctrl-C goes to the parent, which stops the workers and cleans up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@functools.cache
def libc_function(name: str):
    """The C library's function ``name`` (errno kept for ``ctypes.get_errno``), or None. The already
    loaded C library is asked first: ``find_library`` runs ``ldconfig``/``gcc`` in child processes,
    which took seconds on a busy machine."""
    import ctypes
    import ctypes.util

    for library in (None, "libc.so.6", "find"):
        try:
            if library == "find":
                library = ctypes.util.find_library("c")
            return getattr(ctypes.CDLL(library, use_errno=True), name)
        except (OSError, AttributeError, TypeError):
            continue
    return None


def release_memory() -> None:
    """Hand freed heap pages back to the system (glibc keeps them otherwise): a segment's
    postings are freed once written, and what comes next should not stack on their fragments."""
    trim = libc_function("malloc_trim")
    if trim is not None:  # None: not glibc, nothing to do
        trim(0)
