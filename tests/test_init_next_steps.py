"""What `kb init` tells a new user to do next, and what `kb build` says when that was skipped."""

from __future__ import annotations

from click.testing import CliRunner

from kb.cli import main
from kb.ingest import SUFFIXES


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_init_says_to_add_documents_before_building(tmp_path):
    folder = tmp_path / "kb"
    made = run("init", folder)
    assert made.exit_code == 0, made.output
    next_steps = made.output[made.output.index("Next:"):]
    assert str(folder / "sources") in next_steps
    assert next_steps.index("sources") < next_steps.index("kb build")
    assert f"kb build --root {folder}" in next_steps and f"kb serve --root {folder}" in next_steps
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for suffix in SUFFIXES:  # every format kb.ingest accepts, in the message and the README
        assert suffix in made.output and suffix in readme


def test_build_of_an_empty_knowledge_base_says_where_it_looked(tmp_path):
    folder = tmp_path / "kb"
    assert run("init", folder).exit_code == 0
    settings = {name: (folder / name).read_bytes() for name in ("kb.yml", "mkdocs.yml", "README.md")}
    build = run("build", "--root", folder)
    assert build.exit_code != 0
    assert "No documents to index" in build.output and str(folder / "sources") in build.output
    assert all(suffix in build.output for suffix in SUFFIXES)
    assert {name: (folder / name).read_bytes() for name in settings} == settings
    assert not (folder / "site").exists()
