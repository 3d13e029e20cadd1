"""A paragraph the capture repeated, shown once.

Captured web pages sometimes hold a paragraph twice in one section: as a lead and again as the
beginning of the next paragraph (every IVL project page), or twice in a row. Within a section a
``p`` block is dropped when the next ``p`` block is the same text or begins with it. Statute
text is left alone: its identical sentences ("Rätten ska besluta att …") belong to different
paragraphs (§), so a repeat is only a repeat inside one run of text without a ``para`` marker
or heading between.
"""

from __future__ import annotations

from kb.model import Block

MIN_REPEAT_CHARS = 40  # a short line ("Syfte") may well open the next paragraph on purpose


def without_repeats(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if (
            block.kind == "p"
            and following is not None
            and following.kind == "p"
            and len(block.text.strip()) >= MIN_REPEAT_CHARS
            and following.text.strip().startswith(block.text.strip())
        ):
            continue
        out.append(block)
    return out
