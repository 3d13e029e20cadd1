"""The licence notes of the shipped manifests, in Swedish for the site.

The manifests of the default knowledge base carry their licence note in English (as the data
set was described). The site is Swedish throughout, so the known notes are shown in Swedish;
a note written by a user is shown as written.
"""

from __future__ import annotations

import re

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Swedish public sector document \(regeringen\.se\), via the g0vse open data mirror\.?$", re.I),
     "Allmän handling från Regeringskansliet (regeringen.se), hämtad via den öppna dataspegeln g0vse."),
    (re.compile(r"^Swedish statute: not subject to copyright \(upphovsrättslagen 9 §\); "
                r"Markdown conversion by the se-lex project \(MIT\)\.?$", re.I),
     "Svensk författning, inte skyddad av upphovsrätt (upphovsrättslagen 9 §). "
     "Omvandlad till Markdown av projektet se-lex (MIT-licens)."),
    (re.compile(r"^Web page text from (?P<who>.+?), quoted as a source for guidance; "
                r"original page URL not known\.?$", re.I),
     "Text från webbplatsen hos {who}, citerad som källa för vägledning. Originalsidans adress är inte känd."),
    (re.compile(r"^Swedish municipal public document \(allmän handling\); text presumably free under URL 9 §, "
                r"photos/illustrations may be protected; unknown\.?$", re.I),
     "Kommunal allmän handling. Texten är troligen fri enligt upphovsrättslagen 9 §; foton och illustrationer "
     "kan vara skyddade."),
    (re.compile(r"^unknown; public procurement document \(allmän handling\) published by a publicly owned "
                r"contracting body\.?$", re.I),
     "Upphandlingsdokument (allmän handling) publicerat av en offentligt ägd upphandlande organisation; "
     "licensen är inte angiven."),
]


def licence_in_swedish(note: str) -> str:
    """The Swedish wording of a known licence note, else ``note`` unchanged."""
    text = " ".join(note.split())
    for pattern, swedish in _RULES:
        m = pattern.match(text)
        if m:
            return swedish.format(**m.groupdict())
    return note
