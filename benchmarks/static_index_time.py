"""Time to write the site's static search index from a built project, and the share of the feedback files.

Reads the documents of the project's current index version and runs ``build_static_index``
``--rounds`` times with one word memo: the first round analyses every word, the others reuse it
(as a rebuild does); best of the rounds after the first, with ``feedback_files`` timed on its own.

    .venv/bin/python benchmarks/static_index_time.py /path/to/project [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import kb.site.static_index as static_index
from kb.config import Project
from kb.engine import current_version_dir, load_documents
from kb.site.static_index import WordMemo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", type=Path, help="a project built with kb build")
    parser.add_argument("--rounds", type=int, default=3, help="2 or more")
    args = parser.parse_args(argv)
    project = Project(args.project.resolve())
    documents = sorted(load_documents(current_version_dir(project.index_root)), key=lambda d: d.id)
    memo = WordMemo()
    write_feedback = static_index.feedback_files
    spent: list[float] = []

    def timed(*a, **k):
        started = time.perf_counter()
        files = write_feedback(*a, **k)
        spent.append(time.perf_counter() - started)
        return files

    static_index.feedback_files = timed
    totals = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        static_index.build_static_index(documents, memo=memo)
        totals.append(time.perf_counter() - started)
    sections = sum(len(d.sections) for d in documents)
    print(f"{len(documents)} documents, {sections} sections; first round {totals[0]:.2f} s; then best "
          f"{min(totals[1:] or totals):.2f} s, of which feedback files {min(spent[1:] or spent):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
