"""Titles as captured: a Government Offices diary number glued to the end of the title.

The regeringen.se capture runs the diary number into the heading ("… för ökad
materialåtervinningKN2025/02319"). It is split off into the metadata (``diarienummer``) so the
title reads right everywhere: pages, lists, search hits.
"""

from __future__ import annotations

import re

# "KN2025/02319", "Fi2024/01234", "M2023/00123/R": ministry letters, year, serial number.
_DIARY_AT_END = re.compile(
    r"^(?P<title>.*?\S)\s*(?P<number>[A-ZÅÄÖ][A-Za-zÅÄÖåäö]{0,3}(?:19|20)\d{2}/\d{3,6}(?:/[A-Z]{1,4})?)$"
)


def split_diary_number(title: str) -> tuple[str, str | None]:
    """(title without a trailing diary number, the number or None)."""
    m = _DIARY_AT_END.match(title or "")
    if not m or len(m.group("title")) < 3:
        return title, None
    return m.group("title"), m.group("number")
