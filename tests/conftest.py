"""Shared fixtures: one index of the shipped knowledge base per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.config import Project

REPO = Path(__file__).resolve().parent.parent
DEV_JSON = REPO / "tests" / "data" / "dev.json"


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
