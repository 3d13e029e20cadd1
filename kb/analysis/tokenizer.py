"""Tokenizer for Swedish prose and statute text.

* Words keep å/ä/ö/é and digits ("återbruk", "co2").
* Statute and decimal numbers stay whole: "2016:1145", "1,5".
* "19 a kap." / "3 a §": a number, one space and a lone letter a-e become "19a", the way
  the statute's chapter and section ids are cited.
* Hyphenated words ("LCA-baserade") yield their parts at consecutive positions, so the
  same text typed in a query matches as a phrase; in index mode the joined form
  ("lcabaserade") is added at the last part's position (``derived``) so a query typed
  without the hyphen finds it too. Query mode never adds it: whoosh's phrase parser
  reads every query token as the next position.
* A trailing hyphen ("bygg- och ...") is recorded as ``token.open_hyphen`` for the
  HyphenCoordinationFilter.

Follows whoosh's Tokenizer contract: one reused Token, ``positions``/``chars``,
``start_pos``/``start_char``, ``removestops``, ``mode``, ``tokenize=False``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Token, Tokenizer

TOKEN_RE = re.compile(
    r"""
    (?P<w>[^\W\d_][^\W_]*)(?![^\W_]|-)                # plain word (the fast path)
    | (?P<sec>\d+[ \u00a0][a-eA-E])(?![^\W_]|-)        # 19 a -> 19a
    | (?P<num>\d+(?:[:,.]\d+)+)(?![^\W_])              # 2016:1145, 1,5
    | (?P<n>[^\W_]+)(?![^\W_]|-)                       # 2016, 3d
    | (?P<word>[^\W_]+(?:-[^\W_]+)*)(?P<open>-)?        # LCA-baserade, bygg-
    """,
    re.VERBOSE,
)


class SwedishTokenizer(Tokenizer):
    """Yield words, statute numbers and "19a"-style ids with whoosh Token semantics.

    ``lowercase=True`` lower-cases here, saving a LowercaseFilter stage (speed).
    """

    def __init__(self, lowercase: bool = False) -> None:
        self.lowercase = lowercase

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.lowercase == other.lowercase  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.lowercase))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        assert isinstance(value, str), f"{value!r} is not unicode"
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost, t.derived, t.open_hyphen = 1.0, False, False
        lower_each = False
        if self.lowercase:
            lowered = value.lower()
            if len(lowered) == len(value):
                value = lowered
            else:  # "İ" and a few others grow when lower-cased: keep offsets right
                lower_each = True
        if not tokenize:
            t.original = t.text = value
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        join = mode != "query"
        pos = start_pos
        for match in TOKEN_RE.finditer(value):
            kind = match.lastgroup
            if kind == "w" or kind == "num" or kind == "n":  # fast path: one token, nothing to rewrite
                t.text = text = match.group().lower() if lower_each else match.group()
                t.boost, t.stopped, t.derived, t.open_hyphen = 1.0, False, False, False
                if keeporiginal:
                    t.original = text
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = start_char + match.start(), start_char + match.end()
                yield t
                pos += 1
                continue
            word = match.group("word")
            if kind == "sec":
                sec = match.group()
                pieces: list[tuple[str, int, int]] = [(sec[:-2] + sec[-1], match.start(), match.end())]
            else:
                pieces, offset = [], match.start()
                for part in word.split("-"):
                    pieces.append((part, offset, offset + len(part)))
                    offset += len(part) + 1
            last = len(pieces) - 1
            for i, (text, start, end) in enumerate(pieces):
                text = text.lower() if lower_each else text
                t.text, t.boost, t.stopped, t.derived = text, 1.0, False, False
                t.open_hyphen = i == last and kind == "open"
                if keeporiginal:
                    t.original = text
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = start_char + start, start_char + end
                yield t
                if i == last and last and join:
                    joined = word.replace("-", "")
                    t.text, t.derived, t.open_hyphen = joined.lower() if lower_each else joined, True, False
                    if keeporiginal:
                        t.original = word
                    if chars:
                        t.startchar = start_char + match.start()
                    yield t
                pos += 1
