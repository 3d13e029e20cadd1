"""Run a parser of untrusted binary files in a child process with bounded memory and time.

PDF and Office files are compressed containers: a small file can inflate to gigabytes, and
PDFium is C++ that a crafted file could crash. The parser runs in a forked child with an address
space limit (``KB_PARSE_MEMORY_MB`` above what the process already maps, default 1024) and a CPU
time limit; the parent waits at most ``KB_PARSE_SECONDS`` (default 120) of wall time. Whatever
happens in the child (exception, crash, out of memory, killed), the parent gets a result or a
``SkipSource`` with the reason, and the build goes on.

``os.fork`` rather than ``multiprocessing``: a build's worker processes are daemons, which may
not start ``multiprocessing`` children, and a fork costs milliseconds where a fresh interpreter
importing PDFium costs a quarter of a second.
"""

from __future__ import annotations

import gc
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import Any

from .base import SkipSource

DEFAULT_MEMORY_MB = 1024
DEFAULT_SECONDS = 120


def _setting(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, "") or default)
    except ValueError:
        value = default
    return value if value > 0 else default


def run_sandboxed(func: Callable[..., Any], *args: Any, seconds: int | None = None) -> Any:
    """``func(*args)`` in a forked child under the limits; its result, or its ``SkipSource``.

    Other exceptions in the child become ``SkipSource("could not be parsed (...)")``.
    ``seconds``: a longer time limit than ``KB_PARSE_SECONDS`` for work known to be slow (OCR).
    """
    memory = _setting("KB_PARSE_MEMORY_MB", DEFAULT_MEMORY_MB) * 1024 * 1024
    seconds = max(seconds or 0, _setting("KB_PARSE_SECONDS", DEFAULT_SECONDS))
    read_end, write_end = os.pipe()
    gc.freeze()  # the child's collector then leaves the parent's objects (and their pages) alone
    try:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            gc.disable()
            _child(write_end, memory, seconds, func, args)
    finally:
        gc.unfreeze()
    os.close(write_end)
    try:
        payload, timed_out = _read_all(read_end, seconds)
    finally:
        os.close(read_end)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    if timed_out:
        raise SkipSource(f"parsing took longer than {seconds} s: stopped")
    if payload:
        try:
            kind, value = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - a cut-off message: the child died while writing
            kind, value = None, None
        if kind == "ok":
            return value
        if kind == "skip":
            raise SkipSource(value)
        if kind == "error":
            raise SkipSource(value)
    out_of_memory = f"the parser ran out of memory (limit {memory // 1024 // 1024} MB): damaged or hostile file?"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            raise SkipSource(f"parsing used more than {seconds} s of CPU time: stopped")
        if usage.ru_maxrss * 1024 > 0.7 * memory:  # C++ aborts when an allocation fails
            raise SkipSource(out_of_memory)
        raise SkipSource(f"the parser crashed ({signal.Signals(sig).name}): damaged or hostile file?")
    raise SkipSource(out_of_memory)


def _child(fd: int, memory: int, seconds: int, func: Callable[..., Any], args: tuple) -> None:
    code = 0
    try:
        import faulthandler

        faulthandler.disable()  # a parser that aborts on a hostile file is reported by the parent
        mapped = _mapped_bytes()
        resource.setrlimit(resource.RLIMIT_AS, (mapped + memory, mapped + memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
        try:
            result: tuple[str, Any] = ("ok", func(*args))
        except SkipSource as exc:
            result = ("skip", exc.reason)
        except MemoryError:
            result = ("error", f"the parser ran out of memory (limit {memory // 1024 // 1024} MB): "
                      "damaged or hostile file?")
        except Exception as exc:  # noqa: BLE001 - reported to the parent as the reason
            result = ("error", f"could not be parsed ({type(exc).__name__}: {exc})"[:200])
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except BaseException:  # noqa: BLE001 - the child must end here whatever happened
        code = 1
    finally:
        os._exit(code)


def _read_all(fd: int, seconds: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"", True
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return b"", True
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)


def _mapped_bytes() -> int:
    """The address space this process maps now (the child starts with the parent's)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 512 * 1024 * 1024
