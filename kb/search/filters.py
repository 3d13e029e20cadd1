"""Search filters (``tag``, ``publisher``, ``type``) as people type them.

A filter value matches the value in the index whatever its case and diacritics: ``--tag
cirkular`` finds sections tagged ``cirkulär``, ``--type Projekt`` those of type ``projekt``.
A value no section has is an ``UnknownFilterValue`` that lists the values that exist, so the
user sees why nothing was found instead of a bare "no hits".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kb.model import fold_ascii

FILTER_NAMES = {"tags": "tag", "publisher": "publisher", "type": "type"}  # facet -> parameter
MAX_LISTED = 30


class UnknownFilterValue(ValueError):
    """No section has this filter value; ``known`` holds the values that exist."""

    def __init__(self, parameter: str, value: str, known: list[str]):
        self.parameter, self.value, self.known = parameter, value, known
        listed = ", ".join(known[:MAX_LISTED]) + (f" … ({len(known)} in all)" if len(known) > MAX_LISTED else "")
        super().__init__(
            f'{parameter} "{value}" matches no section; '
            + (f"values that exist: {listed}" if known else "no section has any value for it")
        )


def filter_key(value: str) -> str:
    """What two spellings of one filter value have in common: case and diacritics dropped."""
    return fold_ascii(" ".join(value.split())).casefold()


def resolve(facet: str, value: str, existing: Iterable[str]) -> str:
    """The indexed spelling of ``value`` among ``existing``, else ``UnknownFilterValue``."""
    existing = sorted(set(existing), key=lambda v: (filter_key(v), v))
    if value in existing:
        return value
    key = filter_key(value)
    for candidate in existing:
        if filter_key(candidate) == key:
            return candidate
    raise UnknownFilterValue(FILTER_NAMES.get(facet, facet), value, existing)


def resolve_all(
    values: Mapping[str, Iterable[str]], tags: Iterable[str], publisher: str | None, type_: str | None
) -> tuple[tuple[str, ...], str | None, str | None]:
    """``(tags, publisher, type)`` in their indexed spelling (``values``: facet -> existing values)."""
    out_tags = tuple(resolve("tags", t, values.get("tags", ())) for t in tags if t)
    out_publisher = resolve("publisher", publisher, values.get("publisher", ())) if publisher else None
    out_type = resolve("type", type_, values.get("type", ())) if type_ else None
    return out_tags, out_publisher, out_type
