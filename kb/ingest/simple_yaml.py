"""A fast reader for the plainest YAML front matter, with the YAML loader's exact result.

Statute front matter is a flat mapping of one-line scalars plus one list of small mappings
(``andringsforfattningar``). PyYAML's constructor, even over libyaml's parser, spends ~50 µs
per file on it; this reader parses that shape line by line and resolves each plain scalar with
the loader's own implicit resolvers, so it returns exactly what the loader returns. Anything
outside the shape (quotes with escapes, flow collections, anchors, tags, comments, block or
multi-line scalars, other indentation, odd characters) returns ``None`` and the real loader
decides, including every error message.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

# Characters YAML allows in a stream, less line breaks (NEL, LS, PS), tabs and BOMs; a line with
# any other character does not match, and the full loader decides.
_PLAIN_CHARS = "\\x21-\\x7e\\xa0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd\\U00010000-\\U0010ffff"
_QUOTED_CHARS = _PLAIN_CHARS.replace("\\x21-\\x7e", " !#-\\[\\]-~")  # and the space; no '"' or '\\'
# One line: an optional list indent ("  - " starts an item, "    " continues it), a key, and
# nothing (a list or null follows), a double-quoted string without escapes, or a plain scalar.
_LINE = re.compile(
    r"(  - |    )?([A-Za-z_][A-Za-z0-9_]{0,99}):"
    rf'(?: +(?:"([{_QUOTED_CHARS}]*)"|([ {_PLAIN_CHARS}]*[{_PLAIN_CHARS}])))? *'
)
# A plain scalar must not start with an indicator; '#' anywhere may be a comment.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_FAIL = object()
_MEMO_SIZE = 4096  # distinct keys and short plain values remembered (statutes repeat a few dozen)


class SimpleYaml:
    """Reads simple YAML mappings with a loader's implicit resolvers.

    ``resolvers`` is the loader's ``yaml_implicit_resolvers`` table (first character ->
    [(tag, regexp)]), so plain scalars resolve to the same types as through the loader.
    """

    def __init__(self, resolvers: dict) -> None:
        self.resolvers = resolvers
        self._plain_memo: dict[str, Any] = {}

    def mapping(self, text: str) -> dict[str, Any] | None:
        """The mapping YAML reads from ``text``, or None when ``text`` is not in the simple shape."""
        result: dict[str, Any] = {}
        items: list[dict[str, Any]] | None = None  # the list being read, under the last bare key
        for line in text.split("\n"):
            match = _LINE.fullmatch(line)
            if match is None:
                if line.strip(" "):
                    return None
                continue  # blank
            indent, key, quoted, plain = match.groups()
            if self.plain(key) != key:  # a key that YAML reads as null, a bool, ...
                return None
            if quoted is not None:
                value: Any = quoted
            elif plain is not None:
                value = self.plain(plain)
                if value is _FAIL:
                    return None
            elif indent is None:  # a list follows, or nothing (null)
                items = result[key] = []
                continue
            else:
                return None
            if indent is None:
                items = None
                result[key] = value
            elif indent[2] == "-":
                if items is None:
                    return None
                items.append({key: value})
            elif items:
                items[-1][key] = value
            else:
                return None
        return {key: None if value == [] else value for key, value in result.items()}

    def plain(self, raw: str) -> Any:
        """A plain one-line scalar as the loader constructs it (a string, None, an int or a date),
        or ``_FAIL`` for anything else."""
        value = self._plain_memo.get(raw, _FAIL)
        if value is _FAIL:
            value = self._construct(raw)
            if len(raw) <= 40 and len(self._plain_memo) < _MEMO_SIZE:
                self._plain_memo[raw] = value
        return value

    def _construct(self, raw: str) -> Any:
        if raw[0] in _INDICATORS or "#" in raw or ": " in raw or raw[-1] == ":":
            return _FAIL
        tag = self._resolve(raw)
        if tag == _STR:
            return raw
        if tag == _NULL:
            return None
        if tag == _INT and raw.isdigit() and raw.isascii():
            return int(raw)
        if tag == _TIMESTAMP and len(raw) == 10:  # yyyy-mm-dd: a date; with a time: the loader decides
            try:
                return dt.date(int(raw[:4]), int(raw[5:7]), int(raw[8:]))
            except ValueError:
                return _FAIL
        return _FAIL

    def _resolve(self, value: str) -> str:
        """The tag the loader's resolver gives a plain scalar (PyYAML ``BaseResolver.resolve``)."""
        for tag, regexp in self.resolvers.get(value[0], []) + self.resolvers.get(None, []):
            if regexp.match(value):
                return tag
        return _STR
