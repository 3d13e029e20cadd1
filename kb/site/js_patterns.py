"""Python regular expressions rewritten for the browser, so the site's search uses the same ones.

``kb-search.js`` must cut a query into the tokens the index holds (``kb.analysis.tokenizer``'s
``TOKEN_RE``) and find the citations the API finds (``kb.search.citations``); copying those
patterns by hand would let the two drift apart. ``js_pattern`` rewrites the few constructs whose
meaning differs: in Python ``\\w`` and ``\\d`` are Unicode classes, in JavaScript they are ASCII
(``\\p{…}`` classes with the ``u`` flag say the same there), named groups are spelled
``(?<name>`` and there is no verbose mode. ``tests/test_static_search_patterns.py`` runs both
on the same strings in Node.
"""

from __future__ import annotations

import re

# Python's str classes as Unicode properties: \w is str.isalnum() or "_" (letters and every
# number category), \d is a decimal digit (Nd).
_WORD = r"\p{L}\p{N}_"
_CLASSES = {
    r"[^\W\d_]": r"[\p{L}\p{Nl}\p{No}]",  # a letter (or a number that is not a digit)
    r"[^\W_]": r"[\p{L}\p{N}]",  # a letter or number
}
_ESCAPES = {"w": f"[{_WORD}]", "d": r"\p{Nd}"}
_CLASS_ESCAPES = {"w": _WORD, "d": r"\p{Nd}"}


class UntranslatablePattern(ValueError):
    """The pattern uses a construct ``js_pattern`` does not rewrite (so JavaScript would read it otherwise)."""


def js_pattern(pattern: re.Pattern[str]) -> dict[str, str]:
    """``{"source": …, "flags": …}`` for ``new RegExp(source, flags)``: the same matches as ``pattern``."""
    text = pattern.pattern
    if pattern.flags & re.VERBOSE:
        text = _strip_verbose(text)
    for python, js in _CLASSES.items():
        text = text.replace(python, "\x00" + js + "\x00")  # already JavaScript: not rewritten again
    out: list[str] = []
    i, in_class, frozen = 0, False, False
    while i < len(text):
        c = text[i]
        if c == "\x00":
            frozen = not frozen
        elif frozen:
            out.append(c)
        elif c == "\\":
            nxt = text[i + 1]
            if nxt in "WDSbB" and in_class or nxt in "AZ":
                raise UntranslatablePattern(f"\\{nxt} in {pattern.pattern!r}")
            table = _CLASS_ESCAPES if in_class else _ESCAPES
            out.append(table.get(nxt, "\\" + nxt))
            i += 1
        elif c == "[" and not in_class:
            in_class = True
            out.append(c)
        elif c == "]" and in_class:
            in_class = False
            out.append(c)
        elif c == "(" and text.startswith("(?P<", i):
            out.append("(?<")
            i += 3
        elif c == "(" and text.startswith("(?P=", i):
            raise UntranslatablePattern(f"named back reference in {pattern.pattern!r}")
        else:
            out.append(c)
        i += 1
    flags = "gu" + ("i" if pattern.flags & re.IGNORECASE else "")
    return {"source": "".join(out), "flags": flags}


def _strip_verbose(text: str) -> str:
    """The pattern without the white space and ``#`` comments verbose mode ignores."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(text):
        c = text[i]
        if c == "\\":
            out.append(text[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
        elif c == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif not c.isspace():
            out.append(c)
        i += 1
    return "".join(out)
