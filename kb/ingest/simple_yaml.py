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

# A key, then either nothing (a list or null follows) or one space and a value.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,99}):(?: +(.*))?")  # YAML caps simple keys at 1024
_ITEM_INDENT = "  - "
_ITEM_KEY_INDENT = "    "
# Characters YAML does not allow in a stream, or treats as line breaks (NEL, LS, PS), tabs,
# carriage returns and BOMs: any of them sends the text to the full loader.
_ODD = re.compile("[^\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# A plain scalar must not start with an indicator; '#' anywhere may be a comment.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_FAIL = object()


def simple_mapping(text: str, resolvers: dict) -> dict[str, Any] | None:
    """The mapping YAML reads from ``text``, or None when ``text`` is not in the simple shape.

    ``resolvers`` is the loader's ``yaml_implicit_resolvers`` table (first character ->
    [(tag, regexp)]), so plain scalars resolve to the same types as through the loader.
    """
    if _ODD.search(text):
        return None
    result: dict[str, Any] = {}
    items: list[dict[str, Any]] | None = None  # the list being read, under the last bare key
    for line in text.split("\n"):
        line = line.rstrip(" ")
        if not line:
            continue
        if line.startswith(_ITEM_INDENT):
            if items is None:
                return None
            item: dict[str, Any] = {}
            if not _read_pair(line[len(_ITEM_INDENT) :], item, resolvers):
                return None
            items.append(item)
        elif line.startswith(_ITEM_KEY_INDENT):
            if not items or line[len(_ITEM_KEY_INDENT)] == " ":
                return None
            if not _read_pair(line[len(_ITEM_KEY_INDENT) :], items[-1], resolvers):
                return None
        elif line[0] == " ":
            return None
        else:
            match = _KEY.fullmatch(line)
            if match is None or _resolve(match.group(1), resolvers) != _STR:
                return None
            key, raw = match.group(1), match.group(2)
            if raw is None:  # a list follows, or nothing (null)
                items = []
                result[key] = items
                continue
            items = None
            value = _scalar(raw, resolvers)
            if value is _FAIL:
                return None
            result[key] = value
    return {key: None if value == [] else value for key, value in result.items()}


def _read_pair(text: str, mapping: dict[str, Any], resolvers: dict) -> bool:
    """'key: value' into ``mapping``; False if it is anything else."""
    match = _KEY.fullmatch(text)
    if match is None or match.group(2) is None or _resolve(match.group(1), resolvers) != _STR:
        return False
    value = _scalar(match.group(2), resolvers)
    if value is _FAIL:
        return False
    mapping[match.group(1)] = value
    return True


def _scalar(raw: str, resolvers: dict) -> Any:
    """A one-line value: a double-quoted string without escapes, or a plain scalar of a simple type."""
    if raw[0] == '"':
        if len(raw) < 2 or raw[-1] != '"' or '"' in raw[1:-1] or "\\" in raw:
            return _FAIL
        return raw[1:-1]
    if raw[0] in _INDICATORS or "#" in raw or ": " in raw or raw[-1] == ":":
        return _FAIL
    tag = _resolve(raw, resolvers)
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


def _resolve(value: str, resolvers: dict) -> str:
    """The tag the loader's resolver gives a plain scalar (PyYAML ``BaseResolver.resolve``)."""
    for tag, regexp in resolvers.get(value[0], []) + resolvers.get(None, []):
        if regexp.match(value):
            return tag
    return _STR
