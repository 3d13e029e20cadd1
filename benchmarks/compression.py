"""How much gzip -9 and Brotli 11 shrink the text files of a built site.

Answers "does Brotli pay?" for ``kb.site.compress``. Brotli is not a dependency of kb: run
this with a Python that has the ``Brotli`` package (e.g. a throw-away venv:
``python3 -m venv /tmp/br && /tmp/br/bin/pip install Brotli==1.1.0``); without it only gzip
is shown.

    /tmp/br/bin/python benchmarks/compression.py site/
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
from pathlib import Path

SUFFIXES = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path)
    args = parser.parse_args(argv)
    try:
        import brotli
    except ImportError:
        brotli = None
    totals: dict[str, list[int]] = {}
    for dirpath, _, names in os.walk(args.site):
        for name in names:
            suffix = Path(name).suffix
            if suffix not in SUFFIXES:
                continue
            data = (Path(dirpath) / name).read_bytes()
            row = totals.setdefault(suffix, [0, 0, 0])
            row[0] += len(data)
            row[1] += len(gzip.compress(data, 9, mtime=0))
            row[2] += len(brotli.compress(data, quality=11)) if brotli else 0
    print(f"{'kind':6} {'raw KB':>9} {'gzip KB':>9} {'brotli KB':>10} {'brotli vs gzip':>15}")
    overall = [sum(v[i] for v in totals.values()) for i in range(3)]
    for suffix, (raw, gz, br) in sorted(totals.items()) + [("all", overall)]:
        saving = f"{100 * (1 - br / gz):.1f} % smaller" if brotli and gz else "-"
        print(f"{suffix:6} {raw / 1000:9.0f} {gz / 1000:9.0f} {br / 1000 if brotli else 0:10.0f} {saving:>15}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
