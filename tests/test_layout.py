"""The package's shape as contracts: no import cycles, one engine boundary, one code fingerprint."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
KB = REPO / "kb"


def _import_graph():
    spec = importlib.util.spec_from_file_location("import_graph", REPO / "scripts" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_import_cycles_between_modules() -> None:
    graph = _import_graph()
    assert graph.cycles(graph.graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = _import_graph()
    assert graph.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# Imports allowed to close a cycle between packages, as (importing module prefix, imported package).
# kb.engine.postgres builds its queries with kb.search, while kb.search reads versions through
# kb.engine: issue 21 moves that code out of the engine; delete this entry when it lands.
ALLOWED_PACKAGE_CYCLE_EDGES = {("kb.engine.postgres", "kb.search")}


def _package_cycles(graph, edges: dict[str, set[str]]) -> list[list[str]]:
    def allowed(module: str, target: str) -> bool:
        return any(
            (module == m or module.startswith(m + ".")) and (target == t or target.startswith(t + "."))
            for m, t in ALLOWED_PACKAGE_CYCLE_EDGES
        )

    kept = {m: {t for t in ts if not allowed(m, t)} for m, ts in edges.items()}
    return graph.cycles(graph.package_edges(kept))


def test_no_import_cycles_between_packages() -> None:
    """The stages import one way (ingest -> analysis -> engine -> search -> site, api): no package
    imports, through any of its modules, a package that imports it back."""
    graph = _import_graph()
    assert _package_cycles(graph, graph.graph()) == []


def test_a_cycle_between_packages_is_found_even_without_a_cycle_between_modules() -> None:
    graph = _import_graph()
    edges = {"kb.analysis.fast": {"kb.engine.native"}, "kb.engine.bulk": {"kb.analysis.lemma"}}
    assert graph.cycles(edges) == []
    assert _package_cycles(graph, edges) == [["kb.analysis", "kb.engine"]]


def test_only_the_engine_imports_whoosh_internals_or_engine_modules() -> None:
    """Outside ``kb/engine``, kb uses ``kb.engine``'s names, never its modules or Whoosh's codec."""
    offenders = []
    for path in KB.rglob("*.py"):
        if "engine" in path.relative_to(KB).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("kb.engine.") or node.module.startswith(("whoosh.codec", "whoosh.filedb")):
                    offenders.append(f"{path.relative_to(REPO)}: from {node.module}")
    assert offenders == []


def test_every_engine_export_resolves() -> None:
    import kb.engine

    for name in kb.engine._EXPORTS:
        assert getattr(kb.engine, name) is not None, name


def test_a_different_whoosh_release_is_refused_with_what_to_do() -> None:
    from kb.engine import EngineVersionError, check_whoosh_version

    check_whoosh_version()  # the pinned release is installed
    with pytest.raises(EngineVersionError, match=r"whoosh3==3\.54\.0.*3\.55\.0 is installed.*pip install"):
        check_whoosh_version("3.55.0")


def test_benchmarks_are_not_in_the_installed_package() -> None:
    assert not (KB / "bench").exists()
    assert (REPO / "benchmarks" / "scale.py").exists()


@pytest.mark.parametrize(
    "member",
    ["engine/postings.py", "engine/native.c", "analysis/native_text.c", "data/synonyms.txt", "site/context.py"],
)
def test_the_fingerprint_covers_every_file_of_the_package(tmp_path: Path, member: str, monkeypatch) -> None:
    """An edit to any module (the bulk writer's postings, the C helpers, data) changes the one
    fingerprint every build cache is keyed by."""
    from kb.util import fingerprint

    copy = tmp_path / "kb"
    shutil.copytree(KB, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    monkeypatch.setattr(fingerprint, "KB_PACKAGE", copy)
    fingerprint.code_fingerprint.cache_clear()
    try:
        before = fingerprint.code_fingerprint()
        with open(copy / member, "a", encoding="utf-8") as f:
            f.write("\n")
        fingerprint.code_fingerprint.cache_clear()
        assert fingerprint.code_fingerprint() != before
    finally:
        fingerprint.code_fingerprint.cache_clear()


def test_the_fingerprint_covers_the_shaping_libraries_versions(monkeypatch) -> None:
    from kb.util import fingerprint

    fingerprint.code_fingerprint.cache_clear()
    before = fingerprint.code_fingerprint()
    real = fingerprint.metadata.version
    monkeypatch.setattr(fingerprint.metadata, "version", lambda d: "0.0" if d == "simplemma" else real(d))
    fingerprint.code_fingerprint.cache_clear()
    try:
        assert fingerprint.code_fingerprint() != before
    finally:
        monkeypatch.undo()
        fingerprint.code_fingerprint.cache_clear()
    assert sys.modules["kb.util.fingerprint"] is fingerprint
