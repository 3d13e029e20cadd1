"""Helpers for the tests that run kb as a user would: a knowledge base made by `kb init`, `kb serve`
in its own process, nginx with the documented configuration."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from site_support import REPO, free_port

TWO_FILES = {
    "riktlinje-mobler.md": (
        "---\ntitle: Riktlinje för återbruk av möbler\npublisher: Exempelkommunen\ntype: riktlinje\n"
        "reviewed: 2025-09-01\n---\n\n# Riktlinje för återbruk av möbler\n\n"
        "Kommunen återbrukar kontorsmöbler före nyinköp. Inventera befintliga möbler och ställ krav "
        "på renovering i upphandlingen.\n\n## Uppföljning\n\nFörvaltningen följer upp återbruket varje år.\n"
    ),
    "klimatkrav.txt": (
        "Klimatkrav i byggupphandling\n\nStäll krav på klimatdeklaration och begränsade utsläpp "
        "av växthusgaser när kommunen upphandlar byggentreprenader.\n"
    ),
}


def make_own_kb(folder: Path, site_url: str) -> Path:
    """``kb init`` in ``folder`` and the two files of the issue's check, through the CLI."""
    from click.testing import CliRunner

    from kb.cli import main

    result = CliRunner().invoke(main, ["init", str(folder), "--name", "Exempelkommunens kunskapsbank",
                                       "--site-url", site_url])
    assert result.exit_code == 0, result.output
    for name, text in TWO_FILES.items():
        (folder / "sources" / name).write_text(text, encoding="utf-8")
    return folder


@contextlib.contextmanager
def kb_serve(root: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``kb serve`` on a free loopback port in its own process; yields (base URL, process)."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "serve", "--port", str(port), "--root", str(root), *args],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(base + "api/health", proc)
        yield base, proc
    finally:
        stop(proc)


def wait_for(url: str, proc: subprocess.Popen | None = None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{proc.args[:4]} ended: {proc.stderr.read() if proc.stderr else ''}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (a graceful stop: kb flushes its query log), then wait."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def git_status(repo: Path = REPO) -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo,
                          capture_output=True, text=True, check=True).stdout
