"""Whether a process still runs: builds leave PID-named leftovers that only a dead build's may be removed."""

from __future__ import annotations

import os


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
