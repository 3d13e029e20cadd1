"""A small thread-safe LRU of finished search responses.

An index version never changes once built, so a response for (version, parameters) stays
valid for as long as that version is served; a new build gives new keys and old entries
simply age out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class ResponseCache:
    def __init__(self, size: int):
        self.size = max(0, size)
        self._data: OrderedDict[Any, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key) -> bytes | None:
        if not self.size:
            return None
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key, value: bytes) -> None:
        if not self.size:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
