"""The sandbox that parses PDF and Office files: results, reasons, and limits that hold."""

from __future__ import annotations

import os
import time

import pytest

from kb.ingest.base import SkipSource
from kb.ingest.sandbox import run_sandboxed


def _value(x: int) -> dict:
    return {"x": x, "text": "Återbruk av möbler"}


def _skip() -> None:
    raise SkipSource("no text layer: scanned?")


def _fail() -> None:
    raise ValueError("trasig fil")


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_result_and_reasons_come_back():
    assert run_sandboxed(_value, 3) == {"x": 3, "text": "Återbruk av möbler"}
    with pytest.raises(SkipSource, match=r"^no text layer: scanned\?$"):
        run_sandboxed(_skip)
    with pytest.raises(SkipSource, match=r"^could not be parsed \(ValueError: trasig fil\)$"):
        run_sandboxed(_fail)


def test_a_crash_is_a_reason_not_a_dead_build():
    with pytest.raises(SkipSource, match=r"the parser crashed \(SIGABRT\)"):
        run_sandboxed(os.abort)


def test_memory_limit(monkeypatch):
    monkeypatch.setenv("KB_PARSE_MEMORY_MB", "64")
    with pytest.raises(SkipSource, match=r"ran out of memory \(limit 64 MB\)"):
        run_sandboxed(_allocate, 256)
    assert run_sandboxed(_allocate, 8) == 8 * 1024 * 1024


def test_wall_clock_limit(monkeypatch):
    monkeypatch.setenv("KB_PARSE_SECONDS", "1")
    started = time.monotonic()
    with pytest.raises(SkipSource, match=r"took longer than 1 s"):
        run_sandboxed(time.sleep, 30)
    assert time.monotonic() - started < 10
