"""A build of the first N scale members in one process, to compare two versions of the build code
by instruction counts (repeatable on a busy machine) and by the bytes they write.

    python -m benchmarks.build_profile /work/shared/corpus/scale --limit 1000 [--digest]
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=build.%p.cg \\
        python -m benchmarks.build_profile /work/shared/corpus/scale --limit 1000 --callgrind
    callgrind_annotate --inclusive=yes build.<pid>.cg

``--tree PATH`` builds with the kb of another checkout (its own venv's Python; the layout before
the engine package, ``kb.stream``, is understood too), so the code before a change can be run
with the same driver. The first 50 members are built once first (imports, the lexicon), outside
what is measured. ``--callgrind`` switches valgrind's collection on for the measured build only
(``callgrind_control``); ``--cprofile FILE`` writes a cProfile of it (its call counts are exact,
its times are not on a shared machine). ``--digest`` prints the SHA-256 of every file of the
version: the segment files must be equal between the two codes (the table of contents names the
segment and ``meta.json`` holds the build's time).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_functions(tree: Path | None):
    """(spool_archives, ingest_item, write_index_streaming) of this checkout or of ``tree``."""
    if tree is not None:
        sys.path.insert(0, str(tree.resolve()))
    if tree is not None and (tree / "kb" / "stream.py").exists():
        from kb.bench.scale import ingest_item, spool_archives  # the layout before kb/engine
        from kb.stream import write_index_streaming
    else:
        from benchmarks.scale import ingest_item, spool_archives
        from kb.engine.bulk import write_index_streaming
    return spool_archives, ingest_item, write_index_streaming


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path, help="folder with the scale *.tar.gz archives")
    ap.add_argument("--limit", type=int, default=1000, help="the first N members (split over archives)")
    ap.add_argument("--tree", type=Path, default=None, help="another checkout whose kb builds")
    ap.add_argument("--callgrind", action="store_true", help="collect (under valgrind) only during the build")
    ap.add_argument("--cprofile", type=Path, default=None, help="write a cProfile of the build here")
    ap.add_argument("--digest", action="store_true", help="print each index file's SHA-256")
    args = ap.parse_args(argv)

    spool_archives, ingest_item, write_index_streaming = build_functions(args.tree)
    import kb

    work = Path(tempfile.mkdtemp(prefix="kb-build-profile-"))
    try:
        items = spool_archives(args.path, work / "spool", args.limit)

        def build(units, name):
            return write_index_streaming(units, ingest_item, work / name, sizes=[u[-1] for u in units], procs=1)

        build(items[:50], "warm")
        profile = None
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, capture_output=True)
        elif args.cprofile:
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        wall, cpu = time.perf_counter(), time.process_time()
        info = build(items, "index")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, capture_output=True)
        elif profile is not None:
            profile.disable()
            profile.dump_stats(args.cprofile)
        print(
            f"kb from {Path(kb.__file__).parent}: {len(items)} members, {info.documents} documents, "
            f"{info.sections} sections; {wall:.2f} s, {cpu:.2f} CPU s (one process; seconds are noisy when shared)"
        )
        if args.digest:
            for path in sorted(p for p in info.path.rglob("*") if p.is_file()):
                name = path.name.split(".", 1)[-1] if path.name.startswith("MAIN_") else path.name  # not its random id
                print(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
