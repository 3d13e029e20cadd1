"""Opt-in OCR of scanned PDFs with Debian's tesseract (``tesseract-ocr-swe``): ``KB_OCR=1``.

Without it a PDF without a text layer is skipped as "no text layer: scanned?". With it, each page
is rendered by PDFium (grey, ``OCR_DPI``) and read by ``tesseract -l swe`` (TSV output: words
with their boxes), and the words become the same ``Line`` objects the text layer gives, so
headings by size, paragraphs and page links work the same way. Tesseract orders the blocks of a
two-column page itself. It is slow (seconds per page), so it is off unless asked for; it runs in
the parsing sandbox with a time limit of ``OCR_SECONDS_PER_PAGE`` per page.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from .base import SkipSource
from .pdf_read import Line, PdfContent

OCR_DPI = 300
OCR_SECONDS_PER_PAGE = 90
LANGUAGE = "swe"


def ocr_requested() -> bool:
    return os.environ.get("KB_OCR", "").strip().lower() in ("1", "yes", "true", "on", "swe")


def tesseract() -> str | None:
    return shutil.which("tesseract")


def ocr_pdf(data: bytes) -> PdfContent:
    """Every page of a scanned PDF read by tesseract, as lines (runs in the sandbox)."""
    import pypdfium2 as pdfium

    binary = tesseract()
    if binary is None:
        raise SkipSource("no text layer: scanned? (KB_OCR is set but tesseract is not installed)")
    pdf = pdfium.PdfDocument(data)
    content = PdfContent(pages=[], page_sizes=[])
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            scale = OCR_DPI / 72
            pixels = page.render(scale=scale, grayscale=True).to_numpy()
            rows, columns = pixels.shape[:2]
            image = b"P5\n%d %d\n255\n" % (columns, rows) + pixels.reshape(rows, columns).tobytes()
            tsv = _run(binary, image)
            content.pages.append(words_to_lines(tsv, index, scale))
            content.page_sizes.append((width, height))
            page.close()
        content.info = {k: v for k, v in pdf.get_metadata_dict(skip_empty=True).items() if isinstance(v, str)}
    finally:
        pdf.close()
    return content


def _run(binary: str, image: bytes) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one thread: the build's cores are shared
    proc = subprocess.run(
        [binary, "stdin", "stdout", "-l", LANGUAGE, "--psm", "3", "tsv"],
        input=image, capture_output=True, env=env, timeout=OCR_SECONDS_PER_PAGE,
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
        raise SkipSource(f"OCR failed: {message[0][:120]}")
    return proc.stdout.decode("utf-8", "replace")


def words_to_lines(tsv: str, page: int, scale: float) -> list[Line]:
    """Tesseract's TSV words grouped into its lines (block, paragraph, line), in its order, in
    points. A line's size is its height; OCR knows no weight, so nothing is bold."""
    lines: list[Line] = []
    key = None
    words: list[tuple[float, float, float, float, str]] = []

    def finish() -> None:
        if words:
            lines.append(Line(
                text=" ".join(w[4] for w in words),
                page=page,
                x0=min(w[0] for w in words),
                x1=max(w[1] for w in words),
                top=min(w[2] for w in words),
                bottom=max(w[3] for w in words),
                size=sorted(w[3] - w[2] for w in words)[len(words) // 2],
                bold=False,
                hyphen=words[-1][4].endswith("-"),
            ))
            words.clear()

    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            left, top, width, height, confidence = (float(c) for c in cells[6:11])
        except ValueError:
            continue
        if confidence < 0:
            continue
        line_key = tuple(cells[2:5])
        if line_key != key:
            finish()
            key = line_key
        words.append((left / scale, (left + width) / scale, top / scale, (top + height) / scale, cells[11].strip()))
    finish()
    return lines
