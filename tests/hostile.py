"""A generator of hostile sources: everything an organisation might drop into ``sources/``.

``make_hostile_sources(folder)`` writes the set into ``folder`` (a ``sources/`` folder) and
returns one ``Case`` per input, saying what a build must do with it: ingest it (and which word
then finds it) or skip it with a reason matching a pattern. Nothing here is committed as data:
the 50 MB file in particular is generated on the fly (and is sparse-free but cheap to write).

Run ``python -m tests.hostile DEST`` to write the set somewhere and look at it.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

BIG_MB = 50
REPO = Path(__file__).resolve().parents[1]
# A small real knowledge base, copied from the repo's own sources/ (tests never read outside the repo): the two
# seeds, the procurement act and some Government Offices texts on the circular economy.
SMALL_KB = [
    "seeds/000_0263c3a175406f7d.txt",
    "seeds/004_2b01af607921aa6d.txt",
    "related/sfs/sfs-2016-1145.md",
    "related/regeringen/artiklar/2015/07/cirkular-ekonomi-inom-eu--en-prioriterad-fraga-for-regeringen.md",
    "related/regeringen/informationsmaterial/2021/01/cirkular-ekonomi---handlingsplan-for-omstallning-av-sverige.md",
    "related/regeringen/rapporter/2022/02/sveriges-handlingsplan-for-plast.md",
]
SWEDISH = (
    "Återbruk av möbler är en del av cirkulär upphandling. Begagnade kontorsmöbler kan renoveras "
    "och klädas om i stället för att köpas nya; åtgärden minskar både avfall och kostnader."
)


@dataclass
class Case:
    """One hostile input: ``rel`` under sources/, and the expected outcome.

    ``ingest`` cases name a ``word`` that is in that file only, so a search for it must find
    ``rel``; ``must_contain`` is text the decoded document must contain (correct Swedish).
    ``skip`` cases give a regular expression the one-line reason must match.
    """

    name: str
    rel: str
    outcome: str  # "ingest" | "skip"
    word: str = ""
    reason: str = ""
    must_contain: list[str] = field(default_factory=list)
    needs_non_root: bool = False  # cases that need real permission checks (see ``unreadable``)
    extra_rels: list[str] = field(default_factory=list)  # further files this case writes


def _body(word: str) -> str:
    return f"{SWEDISH} Unikt ord för testet: {word}."


def make_hostile_sources(sources: Path, big_mb: int = BIG_MB, unreadable: bool = True) -> list[Case]:
    """Write every hostile input into ``sources`` and return their expected outcomes.

    ``unreadable``: also write ``olasbar.txt`` with mode 000. Root reads it anyway, so the
    tests either run that case as a normal user or simulate the denied read (monkeypatch).
    """
    sources.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    rng = random.Random(5)

    def write(rel: str, data: bytes) -> Path:
        path = sources / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    # 1. An empty file, and one of only whitespace.
    write("tom.txt", b"")
    cases.append(Case("empty file", "tom.txt", "skip", reason=r"empty"))
    write("blanksteg.md", b" \n\t\r\n   \n")
    cases.append(Case("whitespace-only file", "blanksteg.md", "skip", reason=r"empty"))

    # 2. A binary file named .txt (random bytes with NULs, like an image or a zip).
    write("binar.txt", bytes(rng.randrange(256) for _ in range(4096)))
    cases.append(Case("binary file named .txt", "binar.txt", "skip", reason=r"binary"))
    # ... and a binary file without a single NUL byte (control characters only give it away).
    write("binar-utan-nul.txt", bytes(rng.choice(list(range(1, 9)) + [0x7F, 0x1B, 0x41]) for _ in range(4096)))
    cases.append(Case("binary file without NUL bytes", "binar-utan-nul.txt", "skip", reason=r"binary"))

    # 3. A PDF renamed .html.
    pdf = (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nstream\n"
        + bytes(rng.randrange(256) for _ in range(2048))
        + b"\nendstream\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    write("rapport.html", pdf)
    cases.append(Case("PDF renamed .html", "rapport.html", "skip", reason=r"PDF"))

    # 4. A 50 MB file on one line (written in chunks: the generator itself stays small in memory).
    big = sources / "enorm.txt"
    chunk = (" ".join([SWEDISH] * 40) + " ").encode("utf-8")
    with open(big, "wb") as out:
        remaining = big_mb * 1024 * 1024
        while remaining > 0:
            out.write(chunk[:remaining])
            remaining -= len(chunk)
    cases.append(
        Case(f"{big_mb} MB on one line", "enorm.txt", "skip", reason=rf"too large \({big_mb} MB, limit \d+ MB\)")
    )

    # 5. Invalid UTF-8: good UTF-8 Swedish with a few broken byte sequences in it.
    write(
        "ogiltig-utf8.txt",
        ("Ogiltig UTF-8\n\n" + _body("trasigbyte")).encode("utf-8").replace(b"Unikt", b"Unikt \xff\xfe\xc3(")
        + b" \x80\x81 slut\n",
    )
    cases.append(
        Case("invalid UTF-8", "ogiltig-utf8.txt", "ingest", word="trasigbyte", must_contain=["möbler", "Återbruk"])
    )

    # 6. Swedish in cp1252 (Windows Notepad) and in UTF-16 with and without BOM.
    write("cp1252.txt", ("Möbler i cp1252\n\n" + _body("fönsterbänkar") + " Pris: 5 € – “citat”.\n").encode("cp1252"))
    cases.append(Case("Swedish in cp1252", "cp1252.txt", "ingest", word="fönsterbänkar", must_contain=["möbler", "€"]))
    write("utf16.txt", ("Möbler i UTF-16\n\n" + _body("pallkragar") + "\n").encode("utf-16"))
    cases.append(Case("Swedish in UTF-16 (BOM)", "utf16.txt", "ingest", word="pallkragar", must_contain=["möbler"]))
    write("utf16-be.txt", ("Möbler i UTF-16 BE\n\n" + _body("lastpallar") + "\n").encode("utf-16-be"))
    cases.append(
        Case("Swedish in UTF-16 BE (no BOM)", "utf16-be.txt", "ingest", word="lastpallar", must_contain=["möbler"])
    )

    # 7. HTML with unclosed tags and 10,000 nested divs (text before, inside and after the nesting).
    deep = (
        "<html><head><title>Trasig HTML</title><body><main><h1>Trasig HTML</h1><p>Före djupet <b>fet <i>kursiv"
        + "<div>" * 10_000
        + "<p>Längst in: bokhyllor"
        + "</div>" * 3
        + "<h2>Efter djupet</h2><p>"
        + _body("skrivbordsstolar")
        + "<p>ingen avslutning <ul><li>punkt ett<li>punkt två"
    )
    write("trasig.html", deep.encode("utf-8"))
    cases.append(
        Case(
            "HTML with unclosed tags and 10,000 nested divs",
            "trasig.html",
            "ingest",
            word="skrivbordsstolar",
            must_contain=["bokhyllor", "punkt två"],
        )
    )

    # 8. Markdown whose YAML front matter is broken: the body is still worth indexing.
    write(
        "trasig-front-matter.md",
        ("---\ntitle: [inte stängd\nrubrik: : :\n\tflik: x\n---\n# Trasig front matter\n\n" + _body("hurtsar") + "\n")
        .encode("utf-8"),
    )
    cases.append(Case("Markdown with broken YAML front matter", "trasig-front-matter.md", "ingest", word="hurtsar"))
    # ... and front matter that is a YAML "billion laughs" bomb (aliases nested nine deep).
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    front = "---\n" + bomb + "title: *i\nrubrik: *i\nbeteckning: *i\n---\n\n"
    write("yaml-bomb.md", (front + _body("soffbord") + "\n").encode())
    cases.append(Case("Markdown with a YAML alias bomb", "yaml-bomb.md", "ingest", word="soffbord"))
    # ... and the same bomb in a metadata sidecar next to a text file.
    write("sidovagn.txt", ("Sidovagn\n\n" + _body("bokstöd") + "\n").encode())
    write("sidovagn.txt.meta.yml", (bomb + "publisher: *i\ntitle: Sidovagn\n").encode())
    cases.append(Case("metadata sidecar with a YAML alias bomb", "sidovagn.txt", "ingest", word="bokstöd"))
    # ... and front matter with metadata but no body.
    write("bara-metadata.md", b"---\ntitle: Bara metadata\npublisher: Ingen\n---\n\n")
    cases.append(Case("Markdown with metadata but no body", "bara-metadata.md", "skip", reason=r"no body"))

    # 9. A file without read permission.
    if unreadable:
        p = write("olasbar.txt", ("Oläsbar\n\n" + _body("hemligt")).encode())
        p.chmod(0)
        cases.append(
            Case("file without read permission", "olasbar.txt", "skip", reason=r"(?i)permission", needs_non_root=True)
        )

    # 10. Symlink loops: a file link to itself, and a folder link back up the tree.
    (sources / "slinga.txt").symlink_to("slinga.txt")
    cases.append(Case("symlink loop (file)", "slinga.txt", "skip", reason=r"symlink loop"))
    (sources / "mapp").mkdir(exist_ok=True)
    write("mapp/inne.md", ("# Inne i mappen\n\n" + _body("kontorsskärmar") + "\n").encode())
    (sources / "mapp" / "tillbaka").symlink_to("..", target_is_directory=True)
    cases.append(Case("file inside a looped folder", "mapp/inne.md", "ingest", word="kontorsskärmar"))
    cases.append(Case("symlink loop (folder)", "mapp/tillbaka", "skip", reason=r"symlink loop|already visited"))
    (sources / "borta.txt").symlink_to("finns-inte.txt")
    cases.append(Case("broken symlink", "borta.txt", "skip", reason=r"broken symlink"))

    # 11. Special files that never end or block: a FIFO and a link to /dev/zero.
    os.mkfifo(sources / "ror.txt")
    cases.append(Case("named pipe (FIFO) named .txt", "ror.txt", "skip", reason=r"not a regular file"))
    if Path("/dev/zero").exists():
        (sources / "noll.txt").symlink_to("/dev/zero")
        cases.append(Case("symlink to /dev/zero", "noll.txt", "skip", reason=r"not a regular file"))

    # 12. File names with spaces, å/ä/ö and emoji (and one that is not valid UTF-8 at all).
    write("med mellanslag i namnet.txt", ("Mellanslag\n\n" + _body("golvlampor") + "\n").encode())
    cases.append(Case("file name with spaces", "med mellanslag i namnet.txt", "ingest", word="golvlampor"))
    write("åäö möbler.md", ("# Åäö i filnamnet\n\n" + _body("konferensbord") + "\n").encode())
    cases.append(Case("file name with å/ä/ö", "åäö möbler.md", "ingest", word="konferensbord"))
    write("stol 🪑 återbruk.html", ("<h1>Emoji i filnamnet</h1><p>" + _body("fåtöljer") + "</p>").encode())
    cases.append(Case("file name with emoji", "stol 🪑 återbruk.html", "ingest", word="fåtöljer"))
    raw_name = os.fsdecode(b"latin1-m\xf6bler.txt")  # a name written by an old Windows share
    write(raw_name, ("Latin-1 i filnamnet\n\n" + _body("klädhängare") + "\n").encode())
    # Reported under a printable name (the stray byte as \\xf6), so the report can be printed.
    cases.append(Case("file name not valid UTF-8", "latin1-m\\xf6bler.txt", "skip", reason=r"not valid UTF-8"))

    # 13. Two files with the same title (and the same stem in different folders).
    write("a/samma.md", ("# Samma titel\n\n" + _body("ryamattor") + "\n").encode())
    write("b/samma.md", ("# Samma titel\n\n" + _body("pianopallar") + "\n").encode())
    cases.append(Case("same title (1 of 2)", "a/samma.md", "ingest", word="ryamattor"))
    cases.append(Case("same title (2 of 2)", "b/samma.md", "ingest", word="pianopallar"))
    # ... and two files whose names slugify alike (same document id before de-duplication).
    write("Samma titel.txt", ("Samma titel\n\n" + _body("byråer") + "\n").encode())
    write("samma-titel.txt", ("Samma titel\n\n" + _body("taklampor") + "\n").encode())
    cases.append(Case("same id (1 of 2)", "Samma titel.txt", "ingest", word="byråer"))
    cases.append(Case("same id (2 of 2)", "samma-titel.txt", "ingest", word="taklampor"))

    # 14. HTML that is all chrome and script: nothing to index.
    write("bara-skript.html", b"<html><head><script>alert(1)</script></head><body><nav>Meny</nav></body></html>")
    cases.append(Case("HTML with only navigation and script", "bara-skript.html", "skip", reason=r"no text"))

    # 15. One very long word without spaces (a base64 blob pasted into a page), 200 kB.
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    blob = "".join(rng.choice(b64) for _ in range(200_000))
    write("blob.md", f"# Inbäddad bild\n\n{_body('garderober')}\n\n{blob}\n".encode())
    cases.append(Case("200 kB word without spaces", "blob.md", "ingest", word="garderober"))

    # 16. PDF and Word files: encrypted, damaged, empty, bombs, macros, suffixes that lie.
    from tests.hostile_office import make_office_sources

    cases += make_office_sources(sources, Case)
    return cases


def copy_sources(root: Path, picks: list[str] = SMALL_KB) -> None:
    """Copy the picked files of the repo's sources/ with their manifests filtered to them."""
    sources = REPO / "sources"
    for rel in picks:
        target = root / "sources" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sources / rel, target)
    for folder in ("seeds", "related"):
        lines = (sources / folder / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
        wanted = {rel.split("/", 1)[1] for rel in picks if rel.startswith(folder + "/")}
        keep = [lines[0]] + [line for line in lines[1:] if line.split("\t", 1)[0] in wanted]
        (root / "sources" / folder / "MANIFEST.tsv").write_text("\n".join(keep) + "\n", encoding="utf-8")


def reason_ok(case: Case, reason: str) -> bool:
    return bool(re.search(case.reason, reason)) and "\n" not in reason and 0 < len(reason) <= 200


if __name__ == "__main__":  # pragma: no cover - a helper for looking at the set by hand
    dest = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-sources")
    for c in make_hostile_sources(dest):
        print(f"{c.outcome:6} {c.rel!r}: {c.name}")
