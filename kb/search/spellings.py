"""Words as they are written: the index keeps folded words ("aterbruk"), people read "återbruk".

``Spellings`` maps a folded word to the spelling the documents use most, learnt from their
titles, headings and text (kept only for folded words that a spelling with diacritics shares).
A folded word the text never has whole (a lemma such as "mobel", a compound part) takes the
first letters of a longer word it begins
("möbelföretagen"): folding keeps one letter for one letter. A word found in neither way is
written without diacritics anyway ("klimat"). Completions (``/api/suggest``) pass through it,
so they are shown in Swedish whether or not the user typed the accents.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable

from kb.model import fold_ascii

_WORD = re.compile(r"\w+")


class Spellings:
    def __init__(self, texts: Iterable[str]):
        words: Counter[str] = Counter()
        for text in texts:
            words.update(_WORD.findall(text.lower()))
        counts: dict[str, Counter[str]] = {}
        for word, n in words.items():
            if not word.isascii() and word.isalpha():
                counts.setdefault(fold_ascii(word), Counter())[word] += n
        for key, spellings in counts.items():  # "andra" and "ändra" both exist: the commoner wins
            if words.get(key):
                spellings[key] += words[key]
        self._spellings = {key: [w for w, _ in c.most_common()] for key, c in counts.items()}
        self._keys = sorted(self._spellings)

    def spell(self, folded: str, typed: str = "") -> str:
        """The documents' spelling of ``folded``; with accents typed, one that starts as typed."""
        typed = typed.lower()
        options = self._spellings.get(folded) or self._prefix_of_longer(folded)
        for option in options:
            if typed.isascii() or option.startswith(typed):
                return option
        return folded

    def _prefix_of_longer(self, folded: str) -> list[str]:
        i = bisect.bisect_left(self._keys, folded)
        if i < len(self._keys) and self._keys[i].startswith(folded):
            head = self._spellings[self._keys[i]][0][: len(folded)]
            if fold_ascii(head) == folded:
                return [head]
        return []
