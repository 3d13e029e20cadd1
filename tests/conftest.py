"""Shared fixtures: one index of the shipped knowledge base per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.config import Project

REPO = Path(__file__).resolve().parent.parent
DEV_JSON = REPO / "tests" / "data" / "dev.json"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Under ``pytest -n 2 --dist loadgroup`` (``make test``) the browser tests run on one worker,
    one Chromium at a time, and the server tests (PostgreSQL, nginx) on one worker: two Chromiums
    or two set-up scripts at once on a 2-core machine make timeouts, not answers. The rest is
    spread test by test. The group is added before xdist reads it (tryfirst)."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif item.get_closest_marker("server"):
            item.add_marker(pytest.mark.xdist_group("server"))


@pytest.fixture(scope="session")
def default_kb(tmp_path_factory) -> Project:
    """The shipped sources/ (symlinked, read-only use) indexed into a temporary project."""
    from kb.indexing.build import build

    root = tmp_path_factory.mktemp("default_kb")
    os.symlink(REPO / "sources", root / "sources")
    project = Project(root)
    build(project, site=False)
    return project


@pytest.fixture(scope="session")
def default_searcher(default_kb):
    from kb.search import Searcher

    return Searcher(default_kb.index_root, "http://kb.example/")
