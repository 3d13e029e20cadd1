"""The package's shape as contracts: no import cycles, one engine boundary, one code fingerprint."""

from __future__ import annotations

import ast
import importlib.util
import re
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


def _package_cycles(graph, edges: dict[str, set[str]]) -> list[list[str]]:
    return graph.cycles(graph.package_edges(edges))


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

    for name in kb.engine.__all__:
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


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_kb_uses(source: str) -> list[str]:
    """The private kb names a test module reaches: ``from kb.x import _y``, ``import kb._x``,
    ``kb.x._y``, ``m._y`` or ``monkeypatch.setattr(m, "_y", ...)`` where ``m`` came from kb."""
    tree = ast.parse(source)
    from_kb: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kb" and not node.level:
            for alias in node.names:
                from_kb.add(alias.asname or alias.name)
                if _private(alias.name) or any(_private(part) for part in node.module.split(".")):
                    found.append(f"from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "kb":
                    from_kb.add((alias.asname or alias.name).split(".")[0])
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append(f"import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in from_kb:
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("setattr") and len(node.args) >= 2:
            target, name = node.args[0], node.args[1]
            root = target
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                if isinstance(root, ast.Name) and root.id in from_kb and _private(name.value):
                    found.append(f"setattr({ast.unparse(target)}, {name.value!r})")
            if isinstance(target, ast.Constant) and isinstance(target.value, str) and target.value.startswith("kb."):
                if any(_private(part) for part in target.value.split(".")):
                    found.append(f"setattr({target.value!r})")
    return sorted(set(found))


def test_tests_use_only_public_kb_names() -> None:
    """Tests hold kb to its public contracts: a private name may change without notice."""
    offenders = []
    for path in sorted((REPO / "tests").glob("*.py")):
        offenders += [f"{path.name}: {use}" for use in private_kb_uses(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_private_kb_uses_are_found() -> None:
    source = """
import kb.indexing.build
from kb.engine import bulk as stream, _native
from kb.analysis.fast import (
    FieldAnalysis,
    _LOWER_BYTES,
)
from whoosh.filedb import filetables

def test(monkeypatch):
    kb.indexing.build._is_racy(1, 2)
    stream._run_slices()
    monkeypatch.setattr(stream, "_WORKER", {})
    monkeypatch.setattr("kb.engine.segment._SORT_BUCKET", 5)
    filetables._private, FieldAnalysis.public, stream.SLICES, kb.engine.__all__
"""
    assert private_kb_uses(source) == [
        "from kb.analysis.fast import _LOWER_BYTES",
        "from kb.engine import _native",
        "kb.indexing.build._is_racy",
        "setattr('kb.engine.segment._SORT_BUCKET')",
        "setattr(stream, '_WORKER')",
        "stream._run_slices",
    ]


CONFLICT_MARKER = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)


def conflict_markers(text: str) -> list[int]:
    """Line numbers of merge conflict markers left in a text."""
    return [text.count("\n", 0, m.start()) + 1 for m in CONFLICT_MARKER.finditer(text)]


def test_no_merge_conflict_markers_in_the_project() -> None:
    """A merge that left markers in a file nothing else parses (the browser's JavaScript, the
    docs, the site's templates) must not pass as green."""
    found = []
    for folder in ("kb", "tests", "docs", "benchmarks", "scripts", "overrides", "sources"):
        for path in sorted((REPO / folder).rglob("*")):
            binary = path.suffix in {".so", ".gz", ".pdf", ".docx", ".odt", ".png", ".jpg"}
            if path.is_file() and "node_modules" not in path.parts and not binary:
                text = path.read_text(encoding="utf-8", errors="replace")
                found += [f"{path.relative_to(REPO)}:{line}" for line in conflict_markers(text)]
    assert found == []


def test_conflict_markers_are_found() -> None:
    text = "a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> branch\n"
    assert conflict_markers(text) == [2, 4, 6]
    assert conflict_markers("a\n======= not a marker\n") == []
